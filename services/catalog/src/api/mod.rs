//! catalog's HTTP API: its status, the registries (entries, one entry, the change feed), and
//! the cases' API (`egov-cases`) for the steps catalog owns.

use std::sync::Arc;

use egov_auth::Principal;
use egov_kernel::{Name, Role};
use egov_store::StoreError;
use egov_web::{ApiResponse, Problem};
use serde::Deserialize;
use serde_json::{Value, json};
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use crate::Ctx;
use crate::domain::{CHANGES, ENTRY, Entry, entry_id, ict, listed_index};

/// The largest page.
const MAX_PAGE: usize = 200;

/// Every route of catalog's API.
pub(crate) fn routes(
    ctx: Arc<Ctx>,
    host: Arc<egov_cases::Host>,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "status")
        .and(warp::get())
        .map(|| {
            warp::reply::json(&json!({"service": crate::NAME, "reads": crate::READS, "version": env!("CARGO_PKG_VERSION")}))
        })
        .or(entries(ctx.clone()))
        .or(entry(ctx.clone()))
        .or(changes(ctx.clone()))
        .or(ict_services(ctx.clone()))
        .or(ict_service(ctx))
        .or(egov_cases::routes(host))
}

/// A page: `?limit=N&after=<cursor>` (the change feed names its cursor `since`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default, alias = "since")]
    after: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyQuery {
    key: String,
}

fn reader(
    ctx: &Arc<Ctx>,
) -> impl Filter<Extract = (Principal,), Error = Rejection> + Clone + use<> {
    egov_auth::require(ctx.platform.verifier.clone(), &Role::ALL)
}

fn store_problem(e: StoreError) -> Problem {
    egov_runtime::store_problem(e)
}

fn registry_name(s: &str) -> Result<Name, Box<Problem>> {
    Name::parse(s).map_err(|e| Box::new(Problem::bad_request(e.to_string()).field("registry")))
}

fn view(e: &Entry) -> Value {
    json!({
        "registry": e.registry, "key": e.key, "body": e.body, "listed": e.listed,
        "case_id": e.case_id, "variant_id": e.variant_id, "org": e.org,
        "first_written_at": e.first_written_at, "written_at": e.written_at, "writes": e.writes,
    })
}

/// A page of sorted-set index `index`, each member an entry, as `{items, next}`.
async fn page(ctx: &Ctx, index: &str, p: Page) -> Result<ApiResponse, Problem> {
    let limit = p.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Problem::bad_request(format!("limit is 1 to {MAX_PAGE}")).field("limit"));
    }
    let after = match p.after.as_deref() {
        None => None,
        Some(c) => Some(
            egov_store::split_cursor(c)
                .ok_or_else(|| Problem::bad_request("not a cursor of this list").field("after"))?,
        ),
    };
    let (members, more) = ctx
        .store
        .scored_page(index, after, limit)
        .await
        .map_err(store_problem)?;
    let mut items = Vec::with_capacity(members.len());
    for (id, _) in &members {
        if let Some(l) = ctx
            .store
            .load::<Entry>(ENTRY, id)
            .await
            .map_err(store_problem)?
        {
            items.push(view(&l.state));
        }
    }
    // `next`: the next page's cursor while more follow; `cursor`: where this reader stands (the
    // last item, or where it stood when nothing new came), to poll the change feed with.
    let cursor = members
        .last()
        .map(|(m, s)| egov_store::cursor(*s, m))
        .or(p.after);
    let next = if more { cursor.clone() } else { None };
    Ok(ApiResponse::json(
        StatusCode::OK,
        &json!({"items": items, "next": next, "cursor": cursor}),
    ))
}

/// `GET /api/v1/registries/{registry}/entries`: the entries listed in the registry, in the
/// order the catalog first recorded them.
fn entries(ctx: Arc<Ctx>) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "registries" / String / "entries")
        .and(warp::get())
        .and(reader(&ctx))
        .and(warp::query::<Page>())
        .then(move |registry: String, _: Principal, p: Page| {
            let ctx = ctx.clone();
            async move {
                let r = match registry_name(&registry) {
                    Ok(r) => r,
                    Err(e) => return (*e).into(),
                };
                page(&ctx, &listed_index(r.as_str()), p)
                    .await
                    .unwrap_or_else(Into::into)
            }
        })
}

/// `GET /api/v1/registries/{registry}/entry?key=...`: one entry, listed or not (an excluded
/// one says so), with the case that last wrote it.
fn entry(ctx: Arc<Ctx>) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "registries" / String / "entry")
        .and(warp::get())
        .and(reader(&ctx))
        .and(warp::query::<KeyQuery>())
        .then(move |registry: String, _: Principal, q: KeyQuery| {
            let ctx = ctx.clone();
            async move {
                let r = match registry_name(&registry) {
                    Ok(r) => r,
                    Err(e) => return (*e).into(),
                };
                if q.key.is_empty() || q.key.len() > 2000 {
                    return Problem::bad_request("a key is 1 to 2000 bytes")
                        .field("key")
                        .into();
                }
                let id = entry_id(r.as_str(), &q.key);
                match ctx.store.load::<Entry>(ENTRY, &id).await {
                    Ok(Some(l)) => ApiResponse::json(StatusCode::OK, &view(&l.state)),
                    Ok(None) => Problem::not_found(format!("no entry {:?} in {r}", q.key)).into(),
                    Err(e) => store_problem(e).into(),
                }
            }
        })
}

/// `GET /api/v1/registry-changes?since=<cursor>`: every entry of every registry once, at its
/// latest write, oldest first; `cursor` resumes after the last item (poll with it).
fn changes(ctx: Arc<Ctx>) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "registry-changes")
        .and(warp::get())
        .and(reader(&ctx))
        .and(warp::query::<Page>())
        .then(move |_: Principal, p: Page| {
            let ctx = ctx.clone();
            async move { page(&ctx, CHANGES, p).await.unwrap_or_else(Into::into) }
        })
}

fn ict_view(s: &ict::IctService, today: jiff::civil::Date) -> Value {
    json!({
        "id": s.id, "name": s.name, "type": s.service_type,
        "type_text": ict::TYPES.iter().find(|(t, _)| *t == s.service_type).map(|(_, d)| *d),
        "origin": s.origin, "supplier": s.supplier, "customer": s.customer,
        "software_product": s.software_product,
        "monthly_price_tenge": format!("{}.{:02}", s.monthly_price_tiyn / 100, s.monthly_price_tiyn % 100),
        "rental_start": s.rental_start, "ownership_transfer_required": s.ownership_transfer_required,
        "commissioning_protocol": s.commissioning_protocol, "protocol_signed_on": s.protocol_signed_on,
        "three_years_on": s.three_years_on,
        "milestones": ict::milestones(s, today),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogQuery {
    #[serde(default, rename = "type")]
    service_type: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    after: Option<String>,
}

/// `GET /api/v1/ict-services[?type=]`: the Catalog of ICT services, by rental start, each with
/// its three-year dates as of today (SM-103-1, SM-103-2).
fn ict_services(ctx: Arc<Ctx>) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "ict-services")
        .and(warp::get())
        .and(reader(&ctx))
        .and(warp::query::<CatalogQuery>())
        .then(move |_: Principal, q: CatalogQuery| {
            let ctx = ctx.clone();
            async move { catalog_page(&ctx, q).await.unwrap_or_else(Into::into) }
        })
}

async fn catalog_page(ctx: &Ctx, q: CatalogQuery) -> Result<ApiResponse, Problem> {
    if let Some(t) = &q.service_type
        && !ict::TYPES.iter().any(|(x, _)| x == t)
    {
        return Err(Problem::bad_request(
            "one of the three types of LC-25: infrastructure, software, technological-platform",
        )
        .field("type")
        .rule("LC-25"));
    }
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Problem::bad_request(format!("limit is 1 to {MAX_PAGE}")).field("limit"));
    }
    let after = match q.after.as_deref() {
        None => None,
        Some(c) => Some(
            egov_store::split_cursor(c)
                .ok_or_else(|| Problem::bad_request("not a cursor of this list").field("after"))?,
        ),
    };
    let today = egov_kernel::time::local_date(ctx.platform.clock.now());
    let (members, more) = ctx
        .store
        .scored_page(ict::CATALOG, after, limit)
        .await
        .map_err(store_problem)?;
    let mut items = Vec::new();
    for (id, _) in &members {
        if let Some(l) = ctx
            .store
            .load::<ict::IctService>(ict::ICT_SERVICE, id)
            .await
            .map_err(store_problem)?
            && q.service_type
                .as_ref()
                .is_none_or(|t| *t == l.state.service_type)
        {
            items.push(ict_view(&l.state, today));
        }
    }
    let next = more
        .then(|| members.last().map(|(m, s)| egov_store::cursor(*s, m)))
        .flatten();
    Ok(ApiResponse::json(
        StatusCode::OK,
        &json!({"items": items, "next": next}),
    ))
}

/// `GET /api/v1/ict-services/{id}`: one Catalog entry.
fn ict_service(ctx: Arc<Ctx>) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "ict-services" / String)
        .and(warp::get())
        .and(reader(&ctx))
        .then(move |id: String, _: Principal| {
            let ctx = ctx.clone();
            async move {
                let id = match id.parse::<egov_kernel::CaseId>() {
                    Ok(id) => id.to_string(),
                    Err(e) => return Problem::bad_request(e.to_string()).field("id").into(),
                };
                let today = egov_kernel::time::local_date(ctx.platform.clock.now());
                match ctx
                    .store
                    .load::<ict::IctService>(ict::ICT_SERVICE, &id)
                    .await
                {
                    Ok(Some(l)) => ApiResponse::json(StatusCode::OK, &ict_view(&l.state, today)),
                    Ok(None) => {
                        Problem::not_found(format!("no ICT service {id} in the Catalog")).into()
                    }
                    Err(e) => store_problem(e).into(),
                }
            }
        })
}

pub(crate) fn openapi() -> Value {
    let problem = json!({"$ref": "#/components/responses/Problem"});
    let paging = json!([
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 50}},
        {"name": "after", "in": "query", "description": "The `cursor` of the previous page (`since` for the change feed)", "schema": {"type": "string"}}
    ]);
    egov_cases::openapi(
        crate::NAME,
        env!("CARGO_PKG_VERSION"),
        json!({
            "/api/v1/status": {"get": {
                "summary": "The service and the topics it reads",
                "responses": {"200": {"description": "{service, reads, version}"}}}},
            "/api/v1/registries/{registry}/entries": {"get": {
                "summary": "The entries listed in a registry (e.g. perechen: PL-9 includes, PL-10 excludes), in the order first recorded",
                "security": [{"bearer": []}],
                "parameters": [{"name": "registry", "in": "path", "required": true, "schema": {"type": "string"}}, paging[0], paging[1]],
                "responses": {"200": {"description": "{items: [entry], next, cursor}"}, "400": problem, "401": problem}}},
            "/api/v1/registries/{registry}/entry": {"get": {
                "summary": "One entry by its key, listed or not, with the case that last wrote it",
                "security": [{"bearer": []}],
                "parameters": [{"name": "registry", "in": "path", "required": true, "schema": {"type": "string"}},
                               {"name": "key", "in": "query", "required": true, "schema": {"type": "string", "maxLength": 2000}}],
                "responses": {"200": {"description": "The entry"}, "400": problem, "401": problem, "404": problem}}},
            "/api/v1/ict-services": {"get": {
                "summary": "The Catalog of ICT services (SM-98, LC-25), by rental start, with the three-year dates (SM-103-1, SM-103-2) as of today",
                "security": [{"bearer": []}],
                "parameters": [{"name": "type", "in": "query", "schema": {"enum": ["infrastructure", "software", "technological-platform"]}}, paging[0], paging[1]],
                "responses": {"200": {"description": "{items: [ict service], next}"}, "400": problem, "401": problem}}},
            "/api/v1/ict-services/{id}": {"get": {
                "summary": "One Catalog entry",
                "security": [{"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The ICT service"}, "400": problem, "401": problem, "404": problem}}},
            "/api/v1/registry-changes": {"get": {
                "summary": "The change feed: each entry of every registry once, at its latest write, oldest first",
                "security": [{"bearer": []}],
                "parameters": [{"name": "since", "in": "query", "schema": {"type": "string"}}, paging[0]],
                "responses": {"200": {"description": "{items: [entry], next, cursor}"}, "400": problem, "401": problem}}}
        }),
    )
}
