//! monitoring-bridge's HTTP API.
//!
//! - Signed JSON documents from the parties of seed 004: status reports (MON-5.1, MON-8),
//!   requests for information (MON-7.1, MON-7.3), applications with copies of documents
//!   (MON-7.2, MON-5.3) and providers' responses (MON-7.5). Each body is
//!   `{"message": {...}, "signature": "<base64 CMS>"}`.
//! - The inbox of signed protobuf messages from the monitoring IS (`application/x-protobuf`,
//!   a `Batch`, answered with an `Ack`).
//! - The state of a message, the queues (MON-9.b) and the log for auditors (MON-9.a).

use std::sync::Arc;

use bytes::Bytes;
use egov_auth::Principal;
use egov_events::monitoring::{Ack, Batch};
use egov_kernel::Role;
use egov_web::{ApiResponse, Problem};
use prost::Message as _;
use serde::Deserialize;
use serde_json::{Value, json};
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use crate::config::MONITORING_IS;
use crate::domain::log::Entry;
use crate::domain::message::{Operation, Refused, SignedJson};
use crate::exchange::{Bridge, record_view};
use crate::journal::{self, Job, JournalError};

/// The largest signed JSON document but an application.
const SMALL: u64 = 256 * 1024;
/// The largest application (with its copies of documents, base64).
const LARGE: u64 = 16 * 1024 * 1024;
/// The largest inbox batch.
const BATCH: u64 = 64 * 1024 * 1024;
/// The largest page of the log.
const MAX_PAGE: usize = 1000;

/// What the routes share.
pub(crate) struct Api {
    pub bridge: Arc<Bridge>,
    pub ctx: Arc<egov_runtime::ServiceContext>,
}

const SENDERS: &[Role] = &[Role::ServiceProvider, Role::StateCorporation];
const PROVIDERS: &[Role] = &[Role::ServiceProvider];
const MONITORING: &[Role] = &[Role::MonitoringSystem];
const READERS: &[Role] = &[
    Role::ServiceProvider,
    Role::StateCorporation,
    Role::MonitoringSystem,
    Role::Operator,
    Role::PlatformAdmin,
];
const AUDITORS: &[Role] = &[Role::Operator, Role::PlatformAdmin, Role::MonitoringSystem];

/// A refusal as problem details.
pub(crate) fn problem(r: Refused) -> Problem {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    let (slug, title) = match r.status {
        400 => ("invalid-body", "The message is not of its form"),
        403 => ("forbidden", "This party may not send this message"),
        404 => ("not-found", "Not found"),
        409 => ("conflict", "The message conflicts with one received before"),
        503 => ("unavailable", "Try again later"),
        _ if r.field.ends_with("signature") => ("signature", "The signature does not hold"),
        _ => ("rule-violated", "The message breaks a rule of the exchange"),
    };
    let mut p = Problem::new(status, slug, title).detail(r.detail);
    if !r.field.is_empty() {
        p = p.field(r.field);
    }
    if let Some(rule) = r.rule {
        p = p.rule(rule);
    }
    p
}

/// Every route of monitoring-bridge's API.
pub(crate) fn routes(
    api: Arc<Api>,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "status")
        .and(warp::get())
        .map(|| {
            warp::reply::json(&json!({"service": crate::NAME, "reads": crate::READS, "version": env!("CARGO_PKG_VERSION")}))
        })
        .or(post(api.clone(), "status-reports", Operation::StatusReport, SENDERS, SMALL))
        .or(post(api.clone(), "information-requests", Operation::InformationRequest, SENDERS, SMALL))
        .or(post(api.clone(), "applications", Operation::Application, SENDERS, LARGE))
        .or(post(api.clone(), "responses", Operation::Response, PROVIDERS, SMALL))
        .or(inbox(api.clone()))
        .or(message(api.clone()))
        .or(queues(api.clone()))
        .or(log(api))
}

fn post(
    api: Arc<Api>,
    path: &'static str,
    op: Operation,
    roles: &'static [Role],
    limit: u64,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path("api")
        .and(warp::path("v1"))
        .and(warp::path("monitoring"))
        .and(warp::path(path))
        .and(warp::path::end())
        .and(warp::post())
        .and(egov_auth::require(api.ctx.platform.verifier.clone(), roles))
        .and(egov_web::posted::<SignedJson>(limit))
        .then(
            move |caller: Principal, posted: egov_web::Posted<SignedJson>| {
                let api = api.clone();
                async move {
                    let scope = format!("{}:{}", caller.org, caller.sub);
                    let bridge = api.bridge.clone();
                    posted
                        .once(&api.ctx.idem, &scope, |body, _| async move {
                            let receipt = bridge
                                .accept_json(op, &caller, body)
                                .await
                                .map_err(problem)?;
                            Ok(ApiResponse::json(StatusCode::ACCEPTED, &receipt).header(
                                "location",
                                format!("/api/v1/monitoring/messages/{}", receipt.id),
                            ))
                        })
                        .await
                }
            },
        )
}

/// `POST /api/v1/monitoring/inbox`: a `Batch` of signed messages from the monitoring IS, taken
/// in order; the `Ack` says how many were accepted (a first refusal is a problem instead).
fn inbox(
    api: Arc<Api>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "monitoring" / "inbox")
        .and(warp::post())
        .and(egov_auth::require(
            api.ctx.platform.verifier.clone(),
            MONITORING,
        ))
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::body::content_length_limit(BATCH))
        .and(warp::body::bytes())
        .then(move |_: Principal, ct: Option<String>, body: Bytes| {
            let api = api.clone();
            async move {
                match take_batch(&api.bridge, MONITORING_IS, ct.as_deref(), &body).await {
                    Ok(ack) => warp::http::Response::builder()
                        .status(StatusCode::OK)
                        .header("content-type", "application/x-protobuf")
                        .body(ack.encode_to_vec().into())
                        .expect("a response"),
                    Err(p) => p.into_response(),
                }
            }
        })
}

/// The jobs of a batch's accepted prefix, in order, and its `Ack` (without the step run).
async fn prepare_batch(
    bridge: &Bridge,
    from: &str,
    batch: &Batch,
) -> Result<(Ack, Vec<(Job, String)>), Problem> {
    let mut ack = Ack::default();
    let mut jobs: Vec<(Job, String)> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    let id_of = |m: &[u8]| {
        egov_events::monitoring::Message::decode(m)
            .map(|m| m.id)
            .unwrap_or_default()
    };
    for (i, signed) in batch.messages.iter().enumerate() {
        let field = format!("messages[{i}]");
        match bridge.prepare_signed(from, signed, &field).await {
            Ok(Some((job, kind))) => {
                let id = job.facts[0].id.clone();
                let digest = job.facts[0].digest.clone();
                match seen.get(&id) {
                    None => {
                        seen.insert(id, digest);
                        jobs.push((job, kind));
                    }
                    Some(d) if *d == digest => ack.duplicates.push(id),
                    Some(_) if i == 0 => unreachable!("the first message has no predecessor"),
                    Some(_) => {
                        ack.reason = format!(
                            "{field}: message {id} is in this batch twice, with other content (AMB-MON-4)"
                        );
                        ack.refused = id;
                        break;
                    }
                }
            }
            Ok(None) => ack.duplicates.push(id_of(&signed.message)),
            Err(r) if i == 0 => return Err(problem(r)),
            // Not the message's fault (Redis away): stop here, the sender sends the rest again.
            Err(r) if r.status >= 500 => break,
            Err(r) => {
                ack.refused = id_of(&signed.message);
                ack.reason = format!("{}: {} ({})", r.field, r.detail, r.rule.unwrap_or("-"));
                break;
            }
        }
        ack.accepted = i as u32 + 1;
    }
    Ok((ack, jobs))
}

/// Takes a batch from `from` in order: the accepted prefix is recorded in one journal step.
pub(crate) async fn take_batch(
    bridge: &Bridge,
    from: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Ack, Problem> {
    let protobuf = content_type
        .and_then(|c| c.split(';').next())
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("application/x-protobuf"));
    if !protobuf {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "media-type",
            "Send application/x-protobuf",
        )
        .field("Content-Type")
        .detail("a Batch of Signed messages (proto/egov/monitoring/v1)"));
    }
    let batch = Batch::decode(body)
        .map_err(|e| Problem::bad_request(format!("not a Batch: {e}")).field("messages"))?;
    if batch.messages.is_empty() {
        return Err(Problem::bad_request("an empty batch").field("messages"));
    }
    // A race with another copy of one of them (the sender retrying while the first copy is
    // recorded) fails the step and writes nothing; prepared again, that copy is a duplicate.
    let mut attempt = 0;
    let (ack, kinds) = loop {
        attempt += 1;
        let (ack, jobs) = prepare_batch(bridge, from, &batch).await?;
        let kinds: Vec<String> = jobs.iter().map(|(_, k)| k.clone()).collect();
        let mut merged = Job::default();
        for (j, _) in jobs {
            merged.extend(j);
        }
        if merged.facts.is_empty() {
            break (ack, kinds);
        }
        match bridge.journal.run(merged).await {
            Ok(_) => break (ack, kinds),
            Err(JournalError::Check(why)) if attempt >= 3 => {
                return Err(Problem::conflict(why).field("messages"));
            }
            Err(JournalError::Check(_)) => continue,
            Err(e) => return Err(Problem::unavailable(e.to_string())),
        }
    };
    for k in kinds {
        bridge.metrics.received(&k, "accepted");
    }
    for d in bridge.routes.keys() {
        bridge.wake(d);
    }
    Ok(ack)
}

/// `GET /api/v1/monitoring/messages/{id}`: a message's state (queued, delivered, answered,
/// refused) and, for answers, their content.
fn message(api: Arc<Api>) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "monitoring" / "messages" / String)
        .and(warp::get())
        .and(egov_auth::require(
            api.ctx.platform.verifier.clone(),
            READERS,
        ))
        .then(move |id: String, caller: Principal| {
            let api = api.clone();
            async move {
                let Ok(id) = id.parse::<ulid::Ulid>() else {
                    return Problem::bad_request("a message id is a ULID")
                        .field("id")
                        .into();
                };
                let id = id.to_string();
                match api.bridge.record(&id).await {
                    Ok(r) if Bridge::may_read(&caller, &r) => {
                        let mut view = record_view(&id, &r);
                        // The answer's content, for whoever may read the question.
                        if let Some(a) = r.get("answer").filter(|a| !a.is_empty())
                            && let Ok(ar) = api.bridge.record(a).await
                        {
                            view["answered_with"] = record_view(a, &ar);
                        }
                        ApiResponse::json(StatusCode::OK, &view)
                    }
                    Ok(_) => Problem::not_found(format!("no message {id}"))
                        .field("id")
                        .into(),
                    Err(r) => problem(r).into(),
                }
            }
        })
}

/// `GET /api/v1/monitoring/queues`: each destination's depth, oldest message's age, refused
/// count and delivery state (MON-9.b).
fn queues(api: Arc<Api>) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "monitoring" / "queues")
        .and(warp::get())
        .and(egov_auth::require(api.ctx.platform.verifier.clone(), AUDITORS))
        .then(move |_: Principal| {
            let api = api.clone();
            async move {
                let mut items = Vec::new();
                for (name, url) in &api.bridge.routes {
                    let (depth, oldest) = match crate::deliver::depth(&api.bridge, name).await {
                        Ok(x) => x,
                        Err(e) => return Problem::unavailable(e.to_string()).into(),
                    };
                    let mut conn = api.bridge.conn.clone();
                    let (refused, status): (u64, std::collections::BTreeMap<String, String>) = match redis::pipe()
                        .cmd("LLEN")
                        .arg(journal::refused_key(name))
                        .cmd("HGETALL")
                        .arg(crate::deliver::status_key(name))
                        .query_async(&mut conn)
                        .await
                    {
                        Ok(x) => x,
                        Err(e) => return Problem::unavailable(e.to_string()).into(),
                    };
                    items.push(json!({
                        "destination": name, "url": url, "depth": depth,
                        "oldest_age_seconds": oldest, "refused": refused,
                        "state": status.get("state").cloned().unwrap_or_else(|| "idle".into()),
                        "last_error": status.get("last_error").filter(|e| !e.is_empty()),
                        "failures": status.get("failures").and_then(|f| f.parse::<u64>().ok()).unwrap_or(0),
                        "since": status.get("at"),
                    }));
                }
                ApiResponse::json(StatusCode::OK, &json!({"items": items}))
            }
        })
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

/// `GET /api/v1/monitoring/log`: the message log in order, a page at a time, with its head
/// (MON-9.a, MON-10).
fn log(api: Arc<Api>) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "monitoring" / "log")
        .and(warp::get())
        .and(egov_auth::require(
            api.ctx.platform.verifier.clone(),
            AUDITORS,
        ))
        .and(egov_web::query::<Page>())
        .then(move |_: Principal, p: Page| {
            let api = api.clone();
            async move {
                let limit = p.limit.unwrap_or(100);
                if !(1..=MAX_PAGE).contains(&limit) {
                    return Problem::bad_request(format!("limit is 1 to {MAX_PAGE}"))
                        .field("limit")
                        .into();
                }
                let start = match p.after.as_deref() {
                    None => "-".to_owned(),
                    Some(c) if is_stream_id(c) => format!("({c}"),
                    Some(_) => {
                        return Problem::bad_request("not a cursor of this log")
                            .field("after")
                            .into();
                    }
                };
                let mut conn = api.bridge.conn.clone();
                let page = match crate::logread::page(&mut conn, &start, limit).await {
                    Ok(p) => p,
                    Err(e) => return Problem::unavailable(e.to_string()).into(),
                };
                let head = journal::head(&mut conn).await.ok();
                let next = (page.len() == limit)
                    .then(|| page.last().map(|(id, _)| id.clone()))
                    .flatten();
                let items: Vec<Value> = page
                    .into_iter()
                    .map(|(id, e)| match e {
                        Some(e) => entry_view(&id, &e),
                        None => json!({"stream_id": id, "unreadable": true}),
                    })
                    .collect();
                ApiResponse::json(
                    StatusCode::OK,
                    &json!({
                        "items": items, "next": next,
                        "head": head.map(|h| json!({"seq": h.seq, "hash": h.hash})),
                    }),
                )
            }
        })
}

/// Padded, canonical standard base64 (what `base64`'s `STANDARD` engine decodes): the bits
/// past the last byte are zero.
const BASE64: &str =
    "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$";

fn entry_view(id: &str, e: &Entry) -> Value {
    let mut v = serde_json::to_value(e).unwrap_or_default();
    v["stream_id"] = json!(id);
    v
}

fn is_stream_id(c: &str) -> bool {
    c.split_once('-').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            // At most 19 digits: every such number is a u64, as Redis reads an entry id.
            && a.len() <= 19
            && b.len() <= 19
            && a.bytes().all(|x| x.is_ascii_digit())
            && b.bytes().all(|x| x.is_ascii_digit())
    })
}

pub(crate) fn openapi() -> Value {
    let problem = json!({"$ref": "#/components/responses/Problem"});
    let signed = |summary: &str, roles: &str, document: Value| {
        json!({"post": {
            "summary": summary,
            "description": format!("Roles: {roles}. The body is the document and its author's detached CMS SignedData (RFC 5652, base64) over the document in RFC 8785 canonical JSON, made with a key whose certificate chains to the configured CA and names the caller's organization (OU=BIN…). The signature is verified before anything else (MON-11). An `Idempotency-Key` makes a retry answer as the first time; the message id itself is never taken twice."),
            "security": [{"bearer": []}],
            "parameters": [{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": false, "required": ["message", "signature"],
                "properties": {"message": document, "signature": {"type": "string", "contentEncoding": "base64", "pattern": BASE64,
                    "description": "Base64 (padded, canonical) of a detached CMS SignedData; one that is not a valid signature of the message by the caller's employee is a 422 naming MON-11.a or MON-11.b"}}}}}},
            "responses": {"202": {"description": "Received, logged and queued: {id, log_seq, digest, received_at, signer, destination, state}"},
                "400": problem, "401": problem, "403": problem, "404": problem, "409": problem, "413": problem, "415": problem, "422": problem}}})
    };
    use egov_kernel::schema;
    // The documents' ids in their canonical form only (another spelling would name the same
    // message under another key); the path takes either case.
    let ulid = json!({"type": "string", "pattern": "^[0-7][0-9A-HJKMNP-TV-Z]{25}$", "description": "A ULID in its canonical form (upper case)"});
    let bin = schema::bin();
    let name = schema::name();
    let line = schema::line(egov_kernel::Line::MAX);
    // What `check_json` admits in an application's form and a response's result: an object
    // whose keys are names and strings texts, with at most eight levels below it.
    let level = |d: usize| json!({"$ref": format!("#/components/schemas/MonitoringJson{d}")});
    let mut levels = serde_json::Map::new();
    for d in 0..=8 {
        let mut s = json!({
            "type": ["object", "array", "string", "number", "boolean", "null"],
            "pattern": schema::text_pattern(), "minLength": 1, "maxLength": egov_kernel::Text::MAX,
            "propertyNames": name,
        });
        if d < 8 {
            s["items"] = level(d + 1);
            s["additionalProperties"] = level(d + 1);
        } else {
            s["maxItems"] = json!(0);
            s["maxProperties"] = json!(0);
        }
        levels.insert(format!("MonitoringJson{d}"), s);
    }
    let object = json!({"type": "object", "allOf": [level(0)]});
    let instant =
        json!({"type": "string", "format": "date-time", "description": "RFC 3339 with its offset"});
    let secret = json!({"type": "boolean", "default": false, "description": "true declares state-secret content, which is refused (MON-2)"});
    let paths = json!({
            "/api/v1/status": {"get": {"summary": "The service", "responses": {"200": {"description": "{service, reads, version}"}}}},
            "/api/v1/monitoring/status-reports": signed(
                "Category 1: the status of an application, to the monitoring IS (MON-5.1; MON-8 for applications made through the State Corporation)",
                "service-provider (its own applications), state-corporation",
                json!({"type": "object", "additionalProperties": false, "required": ["id", "application", "service", "provider", "status", "at"],
                    "properties": {"id": ulid, "application": name, "service": name, "provider": bin, "status": name, "at": instant,
                        "comment": line, "state_secret": secret}})),
            "/api/v1/monitoring/information-requests": signed(
                "Category 2: a request for information on the documents that identify the service recipient (MON-7.1), only where the provider has no information system of its own, certified by the employee on the recipient's written consent (MON-7.3); the monitoring IS's answer is correlated and shown on the request",
                "state-corporation, service-provider (its own services)",
                json!({"type": "object", "additionalProperties": false, "required": ["id", "provider", "service", "recipient", "documents", "consent"],
                    "properties": {"id": ulid, "provider": bin, "service": name, "recipient": bin,
                        "documents": {"type": "array", "minItems": 1, "maxItems": 50, "items": name},
                        "consent": {"type": "object", "additionalProperties": false, "required": ["written", "reference", "given_on"],
                            "properties": {"written": {"type": "boolean", "description": "true: without written consent the request is refused (MON-7.3)"}, "reference": line, "given_on": {"type": "string", "format": "date"}}},
                        "state_secret": secret}})),
            "/api/v1/monitoring/applications": signed(
                "Category 3: an application for a public service with electronic copies of the documents not obtained from state bodies' systems (MON-7.2), to the provider through the monitoring IS (MON-5.3); the result is correlated and shown on the application",
                "state-corporation, service-provider (its own services)",
                json!({"type": "object", "additionalProperties": false, "required": ["id", "application", "service", "provider", "recipient", "form"],
                    "properties": {"id": ulid, "application": name, "service": name, "provider": bin, "recipient": bin, "form": object,
                        "documents": {"type": "array", "maxItems": 20, "description": "Electronic copies of documents, each at most 2 MiB; the whole body at most 16 MiB", "items": {"type": "object", "additionalProperties": false,
                            "required": ["name", "media_type", "content", "sha256"],
                            "properties": {"name": line, "media_type": {"type": "string", "pattern": "^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$", "maxLength": egov_kernel::Line::MAX},
                                "content": {"type": "string", "contentEncoding": "base64", "pattern": BASE64, "minLength": 4, "maxLength": 2_796_200},
                                "sha256": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$", "description": "SHA-256 of the content's bytes (422 when it is not)"}}}},
                        "state_secret": secret}})),
            "/api/v1/monitoring/responses": signed(
                "Category 2: a provider's IS's \"response\" to a \"request\" it received (MON-7.5), to the monitoring IS",
                "service-provider (the provider the request went to)",
                json!({"type": "object", "additionalProperties": false, "required": ["id", "correlation", "result"],
                    "properties": {"id": ulid, "correlation": ulid, "result": object, "state_secret": secret}})),
            "/api/v1/monitoring/inbox": {"post": {
                "summary": "Signed messages from the monitoring IS (a Batch of Signed, proto/egov/monitoring/v1): \"request\" messages to providers' IS (MON-7.4), answers to requests for information and results of applications (MON-5.2, MON-5.3). Taken in order; a message received before with the same bytes is acknowledged as a duplicate",
                "security": [{"bearer": []}],
                "requestBody": {"required": true, "content": {"application/x-protobuf": {"schema": {
                    "description": "A Batch (proto/egov/monitoring/v1) in its binary form; this schema is its proto3 JSON mapping (bytes as base64). Each message is verified before anything else: one not signed by the monitoring IS is refused (422, MON-11)",
                    "type": "object", "additionalProperties": false, "required": ["messages"],
                    "properties": {"messages": {"type": "array", "minItems": 1, "items": {
                        "type": "object", "additionalProperties": false,
                        "properties": {"message": {"type": "string", "contentEncoding": "base64", "pattern": BASE64},
                                       "signature": {"type": "string", "contentEncoding": "base64", "pattern": BASE64}}}}}}}}},
                "responses": {"200": {"description": "An Ack (application/x-protobuf)"}, "400": problem, "401": problem, "403": problem, "409": problem, "413": problem, "415": problem, "422": problem}}},
            "/api/v1/monitoring/messages/{id}": {"get": {
                "summary": "A message's state (queued, delivered, answered, refused) and its answer",
                "security": [{"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": schema::ulid()}],
                "responses": {"200": {"description": "The message"}, "400": problem, "401": problem, "403": problem, "404": problem}}},
            "/api/v1/monitoring/queues": {"get": {
                "summary": "Each destination's queue: depth, oldest message's age, refused messages, delivery state (MON-9.b)",
                "security": [{"bearer": []}],
                "responses": {"200": {"description": "{items: [...]}"}, "401": problem, "403": problem}}},
            "/api/v1/monitoring/log": {"get": {
                "summary": "The message log, hash-chained, in order, a page at a time, with its head (MON-9.a, MON-10)",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 100}},
                    {"name": "after", "in": "query", "description": "The `next` of the previous page (a log entry's stream id)", "schema": {"type": "string", "pattern": "^[0-9]{1,19}-[0-9]{1,19}$"}}],
                "responses": {"200": {"description": "{items, next, head}"}, "400": problem, "401": problem, "403": problem}}}
    });
    json!({
        "openapi": "3.1.0",
        "info": {"title": "egov monitoring-bridge", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": levels,
            "responses": {"Problem": {"description": "RFC 9457 problem naming the field and the rule",
                "content": {"application/problem+json": {"schema": {"type": "object"}}}}}
        }
    })
}
