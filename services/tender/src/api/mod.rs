//! tender's HTTP API: the tenders and their OCDS releases, and the cases' API (`egov-cases`) for
//! the steps tender owns (the worklists of the SI, the customer, the commission, the operator
//! and the winner; applications into a tender's sealed slot, their receipts, replacement and
//! withdrawal until the close).
//!
//! Tenders are public: any authenticated caller reads them and their releases (OCDS 1.1).

use std::sync::Arc;

use egov_auth::Principal;
use egov_kernel::{CaseId, Role, time};
use egov_store::StoreError;
use egov_web::{ApiResponse, Problem};
use serde::Deserialize;
use serde_json::{Value, json};
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use crate::Ctx;
use crate::domain::{INDEX_RELEASES, INDEX_TENDERS, TENDER, Tender, view};

/// The largest page.
const MAX_PAGE: usize = 100;

/// What the routes share.
pub(crate) struct Api {
    pub ctx: Arc<Ctx>,
    /// The OCDS ocid prefix.
    pub prefix: String,
    /// The URL callers reach this service at, when configured.
    pub public_url: Option<String>,
}

/// Every route of tender's API.
pub(crate) fn routes(
    api: Arc<Api>,
    host: Arc<egov_cases::Host>,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "status")
        .and(warp::get())
        .map(|| {
            warp::reply::json(&json!({"service": crate::NAME, "reads": crate::READS, "version": env!("CARGO_PKG_VERSION")}))
        })
        .or(list(api.clone()))
        .or(one(api.clone()))
        .or(ocds(api.clone()))
        .or(feed(api))
        .or(egov_cases::routes(host))
}

/// `?limit=N&after=<cursor>`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    after: Option<String>,
}

/// A member of the tenders' index: a case id.
fn is_tender(m: &str) -> bool {
    m.parse::<CaseId>().is_ok()
}

/// A member of the releases' index: `<case id>:<release number>`.
fn is_release(m: &str) -> bool {
    m.split_once(':').is_some_and(|(id, n)| {
        is_tender(id)
            && (1..=10).contains(&n.len())
            && !n.starts_with('0')
            && n.bytes().all(|b| b.is_ascii_digit())
    })
}

/// The patterns of those members.
const TENDER_MEMBER: &str = "[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}";
const RELEASE_MEMBER: &str = "[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}:[1-9][0-9]{0,9}";

fn reader() -> &'static [Role] {
    &Role::ALL
}

fn store_problem(e: StoreError) -> Problem {
    egov_runtime::store_problem(e)
}

/// A page of index `index`: its members and the cursor of the next page.
async fn page_of(
    api: &Api,
    index: &str,
    p: &Page,
    member: fn(&str) -> bool,
) -> Result<(Vec<String>, Option<String>), Problem> {
    let limit = p.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Problem::bad_request(format!("limit is 1 to {MAX_PAGE}")).field("limit"));
    }
    let after = match p.after.as_deref() {
        None => None,
        Some(c) => Some(
            egov_web::cursor::parse(c, member)
                .ok_or_else(|| Problem::bad_request("not a cursor of this list").field("after"))?,
        ),
    };
    let (members, more) = api
        .ctx
        .store
        .scored_page(index, after, limit)
        .await
        .map_err(store_problem)?;
    let next = more
        .then(|| members.last().map(|(m, s)| egov_store::cursor(*s, m)))
        .flatten();
    Ok((members.into_iter().map(|(m, _)| m).collect(), next))
}

async fn load(api: &Api, id: &str) -> Result<Tender, Problem> {
    let id = id
        .parse::<CaseId>()
        .map_err(|e| Problem::bad_request(e.to_string()).field("id"))?;
    api.ctx
        .store
        .load::<Tender>(TENDER, &id.to_string())
        .await
        .map_err(store_problem)?
        .map(|l| l.state)
        .ok_or_else(|| Problem::not_found(format!("no tender {id}")).field("id"))
}

/// `GET /api/v1/tenders`: every tender, in the order this service first recorded it.
fn list(api: Arc<Api>) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "tenders")
        .and(warp::get())
        .and(egov_auth::require(
            api.ctx.platform.verifier.clone(),
            reader(),
        ))
        .and(egov_web::query::<Page>())
        .then(move |_: Principal, p: Page| {
            let api = api.clone();
            async move {
                let r = async {
                    let (ids, next) = page_of(&api, INDEX_TENDERS, &p, is_tender).await?;
                    let mut items = Vec::with_capacity(ids.len());
                    for id in ids {
                        if let Ok(t) = load(&api, &id).await {
                            items.push(view(&t, &api.prefix));
                        }
                    }
                    Ok::<_, Problem>(ApiResponse::json(
                        StatusCode::OK,
                        &json!({"items": items, "next": next}),
                    ))
                };
                r.await.unwrap_or_else(Into::into)
            }
        })
}

/// `GET /api/v1/tenders/{id}`: the tender's record as it stands.
fn one(api: Arc<Api>) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "tenders" / String)
        .and(warp::get())
        .and(egov_auth::require(
            api.ctx.platform.verifier.clone(),
            reader(),
        ))
        .then(move |id: String, _: Principal| {
            let api = api.clone();
            async move {
                match load(&api, &id).await {
                    Ok(t) => ApiResponse::json(StatusCode::OK, &view(&t, &api.prefix)),
                    Err(p) => p.into(),
                }
            }
        })
}

fn package(api: &Api, releases: Vec<Value>, uri: &str) -> Value {
    let published = time::format(api.ctx.platform.clock.now());
    crate::ocds::package(releases, uri, &published)
}

/// The absolute URL the caller reached this service at (OCDS wants absolute URIs): the
/// configured public URL, else the request's `Host` (and `X-Forwarded-Proto`) when it is a
/// plain host name or address with an optional port, else `http://localhost`.
fn base_url(
    public: Option<String>,
) -> impl Filter<Extract = (String,), Error = std::convert::Infallible> + Clone {
    warp::header::optional::<String>("host")
        .and(warp::header::optional::<String>("x-forwarded-proto"))
        .map(move |host: Option<String>, proto: Option<String>| {
            if let Some(public) = &public {
                return public.trim_end_matches('/').to_owned();
            }
            let host = host
                .filter(|h| {
                    !h.is_empty()
                        && h.len() <= 255
                        && h.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
                })
                .unwrap_or_else(|| "localhost".into());
            let scheme = match proto.as_deref() {
                Some("https") => "https",
                _ => "http",
            };
            format!("{scheme}://{host}")
        })
        .or_else(|_| async { Ok::<_, std::convert::Infallible>(("http://localhost".to_owned(),)) })
}

/// `GET /api/v1/tenders/{id}/ocds`: a release package of every release of the tender.
fn ocds(api: Arc<Api>) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "tenders" / String / "ocds")
        .and(warp::get())
        .and(egov_auth::require(
            api.ctx.platform.verifier.clone(),
            reader(),
        ))
        .and(base_url(api.public_url.clone()))
        .then(move |id: String, _: Principal, base: String| {
            let api = api.clone();
            async move {
                match load(&api, &id).await {
                    Ok(t) => {
                        let uri = format!("{base}/api/v1/tenders/{}/ocds", t.case_id);
                        ApiResponse::json(
                            StatusCode::OK,
                            &package(&api, t.releases(&api.prefix), &uri),
                        )
                    }
                    Err(p) => p.into(),
                }
            }
        })
}

/// `GET /api/v1/ocds/releases?limit=&after=`: every release of every tender, in the order
/// they were recorded, a page at a time (a release package; `links.next` while more follow).
fn feed(api: Arc<Api>) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "ocds" / "releases")
        .and(warp::get())
        .and(egov_auth::require(
            api.ctx.platform.verifier.clone(),
            reader(),
        ))
        .and(egov_web::query::<Page>())
        .and(base_url(api.public_url.clone()))
        .then(move |_: Principal, p: Page, base: String| {
            let api = api.clone();
            async move {
                let r = async {
                    let (members, next) = page_of(&api, INDEX_RELEASES, &p, is_release).await?;
                    let mut releases = Vec::with_capacity(members.len());
                    let mut tender: Option<Tender> = None;
                    for m in members {
                        let Some((id, n)) = m.rsplit_once(':') else {
                            continue;
                        };
                        let Ok(n) = n.parse::<usize>() else { continue };
                        if tender.as_ref().is_none_or(|t| t.case_id != id) {
                            tender = load(&api, id).await.ok();
                        }
                        if let Some(r) = tender.as_ref().and_then(|t| t.release(&api.prefix, n)) {
                            releases.push(r);
                        }
                    }
                    let path = "/api/v1/ocds/releases";
                    let mut body = package(&api, releases, &format!("{base}{path}"));
                    if let Some(n) = &next {
                        let limit = p.limit.map(|l| format!("&limit={l}")).unwrap_or_default();
                        body["links"] =
                            json!({"next": format!("{base}{path}?after={}{limit}", encode(n))});
                    }
                    Ok::<_, Problem>(ApiResponse::json(StatusCode::OK, &body))
                };
                r.await.unwrap_or_else(Into::into)
            }
        })
}

/// A cursor as a query value (`~` and `:` are safe; digits, dots and ULID letters too).
fn encode(cursor: &str) -> String {
    cursor
        .chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '.' | '_' | '~' | ':' => c.to_string(),
            c => format!("%{:02X}", c as u32),
        })
        .collect()
}

/// tender's OpenAPI document: its own paths and the cases' API.
pub(crate) fn openapi() -> Value {
    let paging = |member: &str| {
        json!([
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 50}},
            {"name": "after", "in": "query", "description": "The `next` cursor of the previous page, as given",
             "schema": egov_web::cursor::schema(member)}
        ])
    };
    let id = json!({"name": "id", "in": "path", "required": true, "description": "The tender's case id (a ULID)",
                    "schema": egov_kernel::schema::ulid()});
    egov_cases::openapi(
        crate::NAME,
        env!("CARGO_PKG_VERSION"),
        json!({
            "/api/v1/status": {"get": {
                "summary": "The service and the topics it reads",
                "responses": {"200": {"description": "{service, reads, version}"}}}},
            "/api/v1/tenders": {"get": {
                "summary": "Every tender, in the order it was first recorded: its latest public record (status, round, window, commission, opened applications, award, contract)",
                "security": [{"bearer": []}],
                "parameters": paging(TENDER_MEMBER),
                "responses": {"200": {"description": "{items: [tender], next}"}}}},
            "/api/v1/tenders/{id}": {"get": {
                "summary": "One tender's public record as it stands (applications appear only once the window closed and they were opened)",
                "security": [{"bearer": []}],
                "parameters": [id],
                "responses": {"200": {"description": "The tender"}}}},
            "/api/v1/tenders/{id}/ocds": {"get": {
                "summary": "OCDS 1.1 release package of every release of the tender (tender, award, contract tags; parties by KZ-BIN; periods in local time with offsets; the bids extension once applications are opened)",
                "security": [{"bearer": []}],
                "parameters": [id],
                "responses": {"200": {"description": "An OCDS 1.1 release package", "content": {"application/json": {}}}}}},
            "/api/v1/ocds/releases": {"get": {
                "summary": "Every release of every tender in the order recorded, a page at a time: an OCDS 1.1 release package with links.next while more follow",
                "security": [{"bearer": []}],
                "parameters": paging(RELEASE_MEMBER),
                "responses": {"200": {"description": "An OCDS 1.1 release package", "content": {"application/json": {}}}}}}
        }),
    )
}
