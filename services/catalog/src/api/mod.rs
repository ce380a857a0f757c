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
use crate::search::{Query, SIMILAR_READING, Search, TRUSTED_SOFTWARE};

/// The largest page.
const MAX_PAGE: usize = 200;

/// Every route of catalog's API.
pub(crate) fn routes(
    ctx: Arc<Ctx>,
    host: Arc<egov_cases::Host>,
    search: Search,
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
        .or(ict_service(ctx.clone()))
        .or(operator_service(ctx.clone()))
        .or(search_route(&ctx, search.clone()))
        .or(similar_route(&ctx, search))
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

/// A member of a registry's index and of the change feed: an entry id (`entry_id`).
fn is_entry(m: &str) -> bool {
    m.rsplit_once('.').is_some_and(|(registry, digest)| {
        Name::is_valid(registry)
            && digest.len() == 32
            && digest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The pattern of an entry id.
const ENTRY_MEMBER: &str = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\.[0-9a-f]{32}";
/// The pattern of a Catalog entry's id (a ULID).
const ICT_MEMBER: &str = "[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}";

fn view(e: &Entry) -> Value {
    json!({
        "registry": e.registry, "key": e.key, "body": e.body, "listed": e.listed,
        "case_id": e.case_id, "variant_id": e.variant_id, "org": e.org,
        "first_written_at": e.first_written_at, "written_at": e.written_at, "writes": e.writes,
    })
}

/// A page of sorted-set index `index`, each member an entry, as `{items, next}`; `cursor` is
/// the name the endpoint documents for its cursor parameter (`after`, or `since` for the change
/// feed), which a refusal names.
async fn page(
    ctx: &Ctx,
    index: &str,
    p: Page,
    cursor: &str,
    member: fn(&str) -> bool,
) -> Result<ApiResponse, Problem> {
    let limit = p.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Problem::bad_request(format!("limit is 1 to {MAX_PAGE}")).field("limit"));
    }
    let after = match p.after.as_deref() {
        None => None,
        Some(c) => Some(
            egov_web::cursor::parse(c, member)
                .ok_or_else(|| Problem::bad_request("not a cursor of this list").field(cursor))?,
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
        .and(egov_web::query::<Page>())
        .then(move |registry: String, _: Principal, p: Page| {
            let ctx = ctx.clone();
            async move {
                let r = match registry_name(&registry) {
                    Ok(r) => r,
                    Err(e) => return (*e).into(),
                };
                page(&ctx, &listed_index(r.as_str()), p, "after", is_entry)
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
        .and(egov_web::query::<KeyQuery>())
        .then(move |registry: String, _: Principal, q: KeyQuery| {
            let ctx = ctx.clone();
            async move {
                let r = match registry_name(&registry) {
                    Ok(r) => r,
                    Err(e) => return (*e).into(),
                };
                if q.key.is_empty() || q.key.chars().count() > 2000 {
                    return Problem::bad_request("a key is 1 to 2000 characters")
                        .field("key")
                        .into();
                }
                let id = entry_id(r.as_str(), &q.key);
                match ctx.store.load::<Entry>(ENTRY, &id).await {
                    Ok(Some(l)) => ApiResponse::json(StatusCode::OK, &view(&l.state)),
                    Ok(None) => Problem::not_found(format!("no entry {:?} in {r}", q.key))
                        .field("key")
                        .into(),
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
        .and(egov_web::query::<Page>())
        .then(move |_: Principal, p: Page| {
            let ctx = ctx.clone();
            async move {
                page(&ctx, CHANGES, p, "since", is_entry)
                    .await
                    .unwrap_or_else(Into::into)
            }
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
        .and(egov_web::query::<CatalogQuery>())
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
            egov_web::cursor::parse(c, |m| m.parse::<egov_kernel::CaseId>().is_ok())
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
                    Ok(Some(l)) => {
                        let mut v = ict_view(&l.state, today);
                        match linked(&ctx, &id).await {
                            Ok(links) => v["development_requests"] = links,
                            Err(p) => return p.into(),
                        }
                        ApiResponse::json(StatusCode::OK, &v)
                    }
                    Ok(None) => Problem::not_found(format!("no ICT service {id} in the Catalog"))
                        .field("id")
                        .into(),
                    Err(e) => store_problem(e).into(),
                }
            }
        })
}

/// The operator's own ICT service (SM-88, LC-30.c): what the SM-98.b notification carries,
/// less what the operator is (the supplier) and what it cannot be (an SPP to transfer).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OperatorService {
    name: String,
    #[serde(rename = "type")]
    service_type: String,
    customer: String,
    software_product: String,
    monthly_price_tenge: String,
    rental_start: String,
    commissioning_protocol: String,
    protocol_signed_on: String,
}

/// `POST /api/v1/ict-services`: the operator enters an ICT service of its own in the Catalog
/// (SM-88 sp.5: formed on the e-gov ICT platform and the operator's ICI, tested, tried and
/// commissioned; LC-30.c: its services of types 1 and 3 of p.25).
fn operator_service(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "ict-services")
        .and(warp::post())
        .and(egov_auth::require(
            ctx.platform.verifier.clone(),
            &[Role::Operator],
        ))
        .and(egov_web::posted::<OperatorService>(
            egov_web::DEFAULT_BODY_LIMIT,
        ))
        .then(
            move |p: Principal, post: egov_web::Posted<OperatorService>| {
                let ctx = ctx.clone();
                async move {
                    let scope = p.scope();
                    post.once(&ctx.idem, &scope, |b, _| {
                        enter_operator_service(ctx.clone(), p, b)
                    })
                    .await
                }
            },
        )
}

async fn enter_operator_service(
    ctx: Arc<Ctx>,
    p: Principal,
    b: OperatorService,
) -> Result<ApiResponse, Problem> {
    let mut violations = Vec::new();
    if b.service_type == "software" {
        violations.push(egov_web::Violation {
            field: "type".into(),
            rule: Some("LC-30.c".into()),
            message: "the operator's own ICT services are of types 1) and 3) of p.25: infrastructure or technological-platform; software is provided by a supplier selected by tender (LC-31)".into(),
        });
    }
    let n = egov_events::v1::IctServiceForCatalog {
        service_id: ulid::Ulid::new().to_string(),
        name: b.name,
        service_type: b.service_type,
        origin: "operator".into(),
        supplier: p.org.to_string(),
        customer: b.customer,
        software_product: b.software_product,
        monthly_price_tenge: b.monthly_price_tenge,
        rental_start: b.rental_start,
        ownership_transfer_required: false,
        commissioning_protocol: b.commissioning_protocol,
        protocol_signed_on: b.protocol_signed_on,
    };
    let today = egov_kernel::time::local_date(ctx.platform.clock.now());
    let service = match ict::from_notification(&n, today) {
        Ok(s) if violations.is_empty() => s,
        Ok(_) => return Err(Problem::invalid(violations)),
        Err(faults) => {
            violations.extend(faults.into_iter().map(|f| egov_web::Violation {
                field: match f.field {
                    "service_type" => "type".into(),
                    other => other.into(),
                },
                rule: Some(f.rule.into()),
                message: f.message,
            }));
            return Err(Problem::invalid(violations));
        }
    };
    crate::handlers::enter(&ctx, &service, &n, None)
        .await
        .map_err(store_problem)?;
    let location = format!("/api/v1/ict-services/{}", service.id);
    Ok(
        ApiResponse::json(StatusCode::CREATED, &ict_view(&service, today))
            .header("location", location),
    )
}

/// `GET /api/v1/search`: the query and its filters.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    registry: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    class: Option<String>,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    supplier: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    cursor: Option<String>,
}

fn search_problem(e: egov_search::SearchError) -> Problem {
    match &e {
        egov_search::SearchError::Syntax(m) => {
            Problem::bad_request(format!("the query is not valid: {m}")).field("q")
        }
        egov_search::SearchError::NoWords => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no-significant-words",
            "Nothing to compare",
        )
        .detail(e.to_string())
        .field("functionality")
        .rule("LC-14"),
        egov_search::SearchError::Bounds { field, message } => {
            Problem::bad_request(message.clone()).field(*field)
        }
        egov_search::SearchError::Index(e) => {
            tracing::error!(error = %e, "search failed");
            Problem::internal()
        }
    }
}

fn not_ready() -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "search-loading",
        "The search index is loading",
    )
    .detail("this replica is still loading its search index; retry shortly")
}

impl SearchQuery {
    /// Every parameter parsed into its type: names are names, agencies and suppliers are BINs.
    fn parse(self) -> Result<egov_search::Request, Box<Problem>> {
        let name = |field: &'static str, v: Option<String>| {
            v.map(|v| {
                Name::parse(&v)
                    .map(|n| n.to_string())
                    .map_err(|e| Box::new(Problem::bad_request(e.to_string()).field(field)))
            })
            .transpose()
        };
        let bin = |field: &'static str, v: Option<String>| {
            v.map(|v| {
                egov_kernel::Bin::parse(&v)
                    .map(|b| b.to_string())
                    .map_err(|e| Box::new(Problem::bad_request(e.to_string()).field(field)))
            })
            .transpose()
        };
        if let Some(c) = &self.class
            && !matches!(c.as_str(), "1" | "2" | "3")
        {
            return Err(Box::new(
                Problem::bad_request(
                    "an object's class is 1, 2 or 3 (LC-13.b, the Classifier of informatization objects)",
                )
                .field("class")
                .rule("LC-13.b"),
            ));
        }
        if !self.q.is_empty() && egov_kernel::Line::parse(&self.q).is_err() {
            return Err(Box::new(
                Problem::bad_request("a query is one line of text").field("q"),
            ));
        }
        Ok(egov_search::Request {
            filters: egov_search::Filters {
                registry: name("registry", self.registry)?,
                kind: name("type", self.kind)?,
                class: self.class,
                stage: name("stage", self.stage)?,
                agency: bin("agency", self.agency)?,
                supplier: bin("supplier", self.supplier)?,
            },
            q: self.q,
            limit: self.limit.unwrap_or(20),
            cursor: self.cursor,
        })
    }
}

/// `GET /api/v1/search?q=...`: every registry (the Catalog of ICT services, the Register of
/// trusted software, the Perechen list, the informatization objects...) by words, with filters,
/// facets, highlights and cursor pages.
fn search_route(
    ctx: &Arc<Ctx>,
    search: Search,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone + use<> {
    warp::path!("api" / "v1" / "search")
        .and(warp::get())
        .and(reader(ctx))
        .and(egov_web::query::<SearchQuery>())
        .then(move |_: Principal, q: SearchQuery| {
            let search = search.clone();
            async move {
                let r = match q.parse() {
                    Ok(r) => r,
                    Err(p) => return (*p).into(),
                };
                if !search.ready.is_set() {
                    return not_ready().into();
                }
                match search
                    .run(Query::Search, move |index| index.search(&r))
                    .await
                {
                    Ok(Ok(page)) => ApiResponse::json(StatusCode::OK, &page),
                    Ok(Err(e)) => search_problem(e).into(),
                    Err(_) => Problem::internal().into(),
                }
            }
        })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SimilarQuery {
    functionality: String,
    #[serde(default)]
    limit: Option<usize>,
}

/// `GET /api/v1/trusted-software/similar?functionality=...`: "is there software with similar
/// functionality in the Register?" (LC-14 sp.3, LC-23.b, LC-26, LC-28), with the matches.
fn similar_route(
    ctx: &Arc<Ctx>,
    search: Search,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone + use<> {
    warp::path!("api" / "v1" / "trusted-software" / "similar")
        .and(warp::get())
        .and(reader(ctx))
        .and(egov_web::query::<SimilarQuery>())
        .then(move |_: Principal, q: SimilarQuery| {
            let search = search.clone();
            async move {
                let limit = q.limit.unwrap_or(10);
                if !(1..=egov_search::MAX_LIMIT).contains(&limit) {
                    return Problem::bad_request(format!(
                        "limit is 1 to {}",
                        egov_search::MAX_LIMIT
                    ))
                    .field("limit")
                    .into();
                }
                if egov_kernel::Line::parse(&q.functionality).is_err() {
                    return Problem::bad_request("the functionality is one line of text")
                        .field("functionality")
                        .into();
                }
                if !search.ready.is_set() {
                    return not_ready().into();
                }
                let f = q.functionality.clone();
                match search
                    .run(Query::Similar, move |index| {
                        index.similar(TRUSTED_SOFTWARE, &f, limit)
                    })
                    .await
                {
                    Ok(Ok(hits)) => ApiResponse::json(
                        StatusCode::OK,
                        &json!({
                            "functionality": q.functionality,
                            "similar": !hits.is_empty(),
                            "rules": ["LC-14", "LC-23.b", "LC-26", "LC-28"],
                            "reading": SIMILAR_READING,
                            "matches": hits,
                        }),
                    ),
                    Ok(Err(e)) => search_problem(e).into(),
                    Err(_) => Problem::internal().into(),
                }
            }
        })
}

/// The entries that name the ICT service `id` (its development requests, SM-90..92), each with
/// the case that wrote it and where it stands.
async fn linked(ctx: &Ctx, id: &str) -> Result<Value, Problem> {
    let mut out = Vec::new();
    for entry in ctx
        .store
        .members(&crate::domain::links_index(id))
        .await
        .map_err(store_problem)?
    {
        if let Some(l) = ctx
            .store
            .load::<Entry>(ENTRY, &entry)
            .await
            .map_err(store_problem)?
        {
            let e = &l.state;
            out.push(json!({
                "case_id": e.case_id, "registry": e.registry, "key": e.key,
                "status": e.body["status"], "rule": e.body["rule"], "on": e.body["on"],
                "development": e.body["development"], "received_at": e.body["received_at"],
            }));
        }
    }
    Ok(Value::Array(out))
}

pub(crate) fn openapi() -> Value {
    use egov_kernel::schema;
    let problem = json!({"$ref": "#/components/responses/Problem"});
    let limit = json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 50}});
    let cursor = |name: &str, member: &str| {
        json!({"name": name, "in": "query", "description": "The `cursor` of the previous page (`<score>~<id>`, as given)",
               "schema": egov_web::cursor::schema(member)})
    };
    let registry = json!({"name": "registry", "in": "path", "required": true, "description": "The registry's name", "schema": schema::name()});
    let line = |max: usize| schema::line(max);
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
                "parameters": [registry, limit, cursor("after", ENTRY_MEMBER)],
                "responses": {"200": {"description": "{items: [entry], next, cursor}"}}}},
            "/api/v1/registries/{registry}/entry": {"get": {
                "summary": "One entry by its key, listed or not, with the case that last wrote it",
                "security": [{"bearer": []}],
                "parameters": [registry,
                               {"name": "key", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1, "maxLength": 2000}}],
                "responses": {"200": {"description": "The entry"}}}},
            "/api/v1/ict-services": {"get": {
                "summary": "The Catalog of ICT services (SM-98, LC-25), by rental start, with the three-year dates (SM-103-1, SM-103-2) as of today",
                "security": [{"bearer": []}],
                "parameters": [{"name": "type", "in": "query", "schema": {"enum": ["infrastructure", "software", "technological-platform"]}}, limit, cursor("after", ICT_MEMBER)],
                "responses": {"200": {"description": "{items: [ict service], next}"}}},
              "post": {
                "summary": "The operator enters an ICT service of its own (SM-88 sp.5; LC-30.c: types 1 and 3 of p.25)",
                "security": [{"bearer": []}],
                "parameters": [{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "additionalProperties": false,
                    "required": ["name", "type", "customer", "software_product", "monthly_price_tenge", "rental_start", "commissioning_protocol", "protocol_signed_on"],
                    "properties": {
                        "name": line(1000),
                        "type": {"enum": ["infrastructure", "technological-platform"], "x-rule": "LC-30.c"},
                        "customer": schema::bin(),
                        "software_product": line(1000),
                        "monthly_price_tenge": {"type": "string", "pattern": "^[0-9]{1,12}(\\.[0-9]{1,2})?$", "description": "Tenge, up to two decimals, more than zero (SM-103-2)"},
                        "rental_start": {"type": "string", "format": "date", "x-rule": "SM-86", "description": "From 2016-01-28 to a year from today"},
                        "commissioning_protocol": line(1000),
                        "protocol_signed_on": {"type": "string", "format": "date", "x-rule": "SM-98.a", "description": "From 2016-01-28 to a year from today"}}}}}},
                "responses": {"201": {"description": "The Catalog entry"}, "422": problem}}},
            "/api/v1/ict-services/{id}": {"get": {
                "summary": "One Catalog entry",
                "security": [{"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "description": "The Catalog entry's id (a ULID)", "schema": schema::ulid()}],
                "responses": {"200": {"description": "The ICT service"}}}},
            "/api/v1/search": {"get": {
                "summary": "Search every registry by words (Russian and English stemmed, Kazakh as written), with filters, facets, highlights and cursor pages",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "q", "in": "query", "description": "Words (all must match), \"phrases\", -excluded, a OR b; empty: everything. What the query syntax cannot read is read leniently (an unknown field matches nothing)",
                     "schema": {"type": "string", "pattern": schema::line_or_empty_pattern(), "maxLength": egov_search::MAX_QUERY}},
                    {"name": "registry", "in": "query", "schema": {"allOf": [schema::name()], "examples": ["ict-services", "trusted-software", "perechen", "informatization-objects"]}},
                    {"name": "type", "in": "query", "description": "An ICT service's type (LC-25), a Register entry's inclusion ground", "schema": schema::name()},
                    {"name": "class", "in": "query", "description": "An object's class (LC-13.b)", "schema": {"enum": ["1", "2", "3"]}},
                    {"name": "stage", "in": "query", "description": "An object's life-cycle stage (LC-3, LC-9)", "schema": schema::name()},
                    {"name": "agency", "in": "query", "schema": schema::bin()},
                    {"name": "supplier", "in": "query", "schema": schema::bin()},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": egov_search::MAX_LIMIT, "default": 20}},
                    {"name": "cursor", "in": "query", "description": "The `next` of the previous page of the same search: opaque, bound to the query and its filters (another search's cursor is a 400)",
                     "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}}],
                "responses": {"200": {"description": "{items: [{id, registry, key, title, agency, supplier, type, class, stage, highlight, score}], total, facets: {registry, type, class, stage}, next}"}}}},
            "/api/v1/trusted-software/similar": {"get": {
                "summary": "Is there software with similar functionality in the Register of trusted software? (LC-14 sp.3, LC-23.b, LC-26, LC-28)",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "functionality", "in": "query", "required": true, "description": "One line; its significant words (three letters or more, not a stop word) are compared",
                     "schema": line(4 * egov_search::MAX_QUERY)},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": egov_search::MAX_LIMIT, "default": 10}}],
                "responses": {"200": {"description": "{functionality, similar, rules, reading, matches}"},
                              "422": {"description": "The functionality names no significant word to compare (LC-14)", "content": {"application/problem+json": {"schema": {"type": "object"}}}}}}},
            "/api/v1/registry-changes": {"get": {
                "summary": "The change feed: each entry of every registry once, at its latest write, oldest first",
                "security": [{"bearer": []}],
                "parameters": [cursor("since", ENTRY_MEMBER), limit],
                "responses": {"200": {"description": "{items: [entry], next, cursor}"}}}}
        }),
    )
}
