//! The web kit over real HTTP, with a real Redis behind idempotency and readiness.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use egov_kernel::Bin;
use egov_store::idempotency::IdempotencyRecords;
use egov_web::{
    ApiResponse, HttpMetrics, Json, Routes, health, idempotency_key, idempotent, json_body,
    redis_ready, serve,
};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use warp::Filter;
use warp::http::StatusCode;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Thing {
    org: Bin,
    applicant: Applicant,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Applicant {
    name: String,
}

struct App {
    base: String,
    runs: Arc<AtomicUsize>,
    shutdown: CancellationToken,
    server: tokio::task::JoinHandle<()>,
    registry: prometheus::Registry,
    _redis: egov_testkit::TestRedis,
}

async fn spawn_app(redis: egov_testkit::TestRedis) -> App {
    let client = redis.client();
    let conn = egov_bus::connect(&client).await.unwrap();
    let records = IdempotencyRecords::new(conn.clone(), "test");
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let create = warp::path!("api" / "v1" / "things")
        .and(warp::post())
        .and(warp::path::full())
        .and(idempotency_key())
        .and(json_body::<Thing>(1024))
        .then(
            move |path: warp::path::FullPath, key: Option<String>, body: Json<Thing>| {
                let records = records.clone();
                let runs = r.clone();
                async move {
                    idempotent(
                        &records,
                        "org1",
                        key.as_deref(),
                        "POST",
                        path.as_str(),
                        &body.raw,
                        || async move {
                            let n = runs.fetch_add(1, Ordering::SeqCst) + 1;
                            Ok(ApiResponse::json(
                                StatusCode::CREATED,
                                &serde_json::json!({"id": n}),
                            )
                            .header("location", format!("/api/v1/things/{n}")))
                        },
                    )
                    .await
                }
            },
        );
    let slow = warp::path!("slow").and(warp::get()).then(|| async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        "done"
    });
    let registry = prometheus::Registry::new();
    let metrics = HttpMetrics::new(&registry).unwrap();
    let routes = create
        .or(slow)
        .or(health(registry.clone(), vec![redis_ready(conn)]));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    let allow = Routes::new()
        .route("/api/v1/things", &["post"])
        .route("/slow", &["get"])
        .route("/healthz", &["get"])
        .route("/readyz", &["get"])
        .route("/metrics", &["get"]);
    let server = tokio::spawn(serve(
        listener,
        "test",
        metrics,
        allow,
        routes,
        shutdown.clone(),
    ));
    App {
        base,
        runs,
        shutdown,
        server,
        registry,
        _redis: redis,
    }
}

async fn post(
    app: &App,
    body: &str,
    key: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}/api/v1/things", app.base))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let json = resp.json().await.unwrap_or(serde_json::Value::Null);
    (status, headers, json)
}

const GOOD: &str = r#"{"org":"940740000911","applicant":{"name":"Ministry"}}"#;

#[tokio::test]
async fn bad_bodies_get_a_problem_naming_the_field_and_change_nothing() {
    let app = spawn_app(egov_testkit::redis().await).await;
    let cases = [
        ("{not json", 400, Some("body"), "not valid JSON"),
        (
            r#"{"org":"940740000911","applicant":{"name":"M","extra":1}}"#,
            400,
            Some("applicant.extra"),
            "unknown field",
        ),
        (
            r#"{"org":"940740000915","applicant":{"name":"M"}}"#,
            400,
            Some("org"),
            "checksum",
        ),
        (
            r#"{"org":"940740000911"}"#,
            400,
            Some("applicant"),
            "missing field `applicant`",
        ),
        (
            r#"{"org":"940740000911","applicant":{"name":"M"}} trailing"#,
            400,
            Some("body"),
            "trailing",
        ),
        (
            r#"{"org":"940740000911","applicant":{"name":"M","name":"N"}}"#,
            400,
            Some("applicant.name"),
            "duplicate field `name`",
        ),
        (r#"{"org":"#, 400, Some("body"), "EOF"),
    ];
    for (body, status, field, needle) in cases {
        let (s, h, p) = post(&app, body, None).await;
        assert_eq!(s, status, "{body}: {p}");
        assert_eq!(h["content-type"], "application/problem+json");
        assert_eq!(p["field"].as_str(), field, "{body}: {p}");
        let text = format!("{} {}", p["title"], p["detail"]);
        assert!(text.contains(needle), "{body}: {p}");
        assert_eq!(
            p["request_id"].as_str(),
            h.get("x-request-id").and_then(|v| v.to_str().ok())
        );
    }
    // Oversized: 413 before the body is read.
    let big = format!(
        r#"{{"org":"940740000911","applicant":{{"name":"{}"}}}}"#,
        "x".repeat(2000)
    );
    let (s, _, p) = post(&app, &big, None).await;
    assert_eq!(
        (s, p["type"].as_str()),
        (413, Some("urn:egov:problem:too-large"))
    );
    // Another content type: 415.
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/things", app.base))
        .header("content-type", "text/plain")
        .body(GOOD)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 415);
    assert_eq!(app.runs.load(Ordering::SeqCst), 0, "no handler ran");
}

#[tokio::test]
async fn idempotency_key_replays_the_first_answer_and_refuses_another_body() {
    let app = spawn_app(egov_testkit::redis().await).await;
    let (s1, h1, b1) = post(&app, GOOD, Some("key-1")).await;
    assert_eq!(s1, 201);
    let (s2, h2, b2) = post(&app, GOOD, Some("key-1")).await;
    assert_eq!((s2, &b2), (201, &b1));
    assert_eq!(h2["location"], h1["location"]);
    assert_eq!(h2["idempotent-replayed"], "true");
    let other = r#"{"org":"940740000911","applicant":{"name":"Other"}}"#;
    let (s3, _, p3) = post(&app, other, Some("key-1")).await;
    assert_eq!(s3, 422);
    assert_eq!(p3["field"], "Idempotency-Key");
    assert_eq!(app.runs.load(Ordering::SeqCst), 1, "the handler ran once");
    // A new key runs again; a malformed key is refused.
    assert_eq!(post(&app, GOOD, Some("key-2")).await.0, 201);
    let (s4, _, p4) = post(&app, GOOD, Some("bad key with spaces")).await;
    assert_eq!((s4, p4["field"].as_str()), (400, Some("Idempotency-Key")));
    assert_eq!(app.runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn health_readiness_metrics_and_request_ids() {
    let app = spawn_app(egov_testkit::redis_own()).await;
    let c = reqwest::Client::new();
    let r = c.get(format!("{}/healthz", app.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = c
        .get(format!("{}/readyz", app.base))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["x-request-id"],
        "abc-123",
        "a valid caller id is kept"
    );
    assert_eq!(r.status().as_u16(), 200);
    let r = c.get(format!("{}/nowhere", app.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let text = c
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // By route template; a path no route has is one label value, whatever was asked.
    assert!(
        text.contains(
            r#"egov_http_requests_total{method="GET",route="unmatched",service="test",status="404"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"egov_http_requests_total{method="GET",route="/readyz",service="test",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"egov_http_request_duration_seconds_count{method="GET",route="/healthz",service="test",status_class="2xx"} 1"#
        ),
        "{text}"
    );
    // An extension method is `_OTHER`, not a label value of the caller's choosing.
    let r = c
        .request(
            reqwest::Method::from_bytes(b"FROBNICATE").unwrap(),
            format!("{}/nowhere-else", app.base),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let text = c
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            r#"egov_http_requests_total{method="_OTHER",route="unmatched",service="test",status="404"} 1"#
        ),
        "{text}"
    );
    assert!(!text.contains("FROBNICATE"), "{text}");
    assert!(!app.registry.gather().is_empty());
    // Redis down: not ready, with the reason.
    let mut app = app;
    app._redis.server().unwrap().kill();
    let r = c.get(format!("{}/readyz", app.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_ne!(body["checks"]["redis"], "ok");
}

#[tokio::test]
async fn shutdown_finishes_requests_in_flight_and_stops_accepting() {
    let app = spawn_app(egov_testkit::redis().await).await;
    let url = format!("{}/slow", app.base);
    let in_flight =
        tokio::spawn(async move { reqwest::get(url).await.unwrap().text().await.unwrap() });
    tokio::time::sleep(Duration::from_millis(100)).await;
    app.shutdown.cancel();
    assert_eq!(in_flight.await.unwrap(), "done");
    app.server.await.unwrap();
    let refused = reqwest::Client::new()
        .get(format!("{}/healthz", app.base))
        .send()
        .await;
    assert!(refused.is_err(), "no longer accepting");
}

/// RFC 9110 §15.5.6: a 405 names the methods the path admits; a path no route has is a 404.
#[tokio::test]
async fn method_not_allowed_carries_allow_and_unknown_paths_are_not_found() {
    let app = spawn_app(egov_testkit::redis().await).await;
    let c = reqwest::Client::new();
    for (method, path, status, allow) in [
        ("GET", "/api/v1/things", 405, Some("POST")),
        ("DELETE", "/api/v1/things", 405, Some("POST")),
        ("POST", "/healthz", 405, Some("GET")),
        ("PUT", "/slow", 405, Some("GET")),
        ("GET", "/api/v1/nothing", 404, None),
    ] {
        let resp = c
            .request(method.parse().unwrap(), format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "{method} {path}");
        assert_eq!(
            resp.headers().get("allow").map(|v| v.to_str().unwrap()),
            allow,
            "{method} {path}"
        );
        assert_eq!(
            resp.headers()["content-type"],
            "application/problem+json",
            "{method} {path}"
        );
    }
}

/// A body without a length (chunked) is a 411 naming `Content-Length`, not a 413.
#[tokio::test]
async fn a_body_without_a_length_is_411() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(egov_testkit::redis().await).await;
    let addr = app.base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = GOOD;
    let req = format!(
        "POST /api/v1/things HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 411"), "{out}");
    assert!(out.contains(r#""field":"Content-Length""#), "{out}");
    assert_eq!(app.runs.load(Ordering::SeqCst), 0, "no handler ran");
}

/// An API request whose `Accept` takes no JSON is a 406 naming `Accept`, and nothing runs.
#[tokio::test]
async fn an_accept_without_json_is_406_and_runs_nothing() {
    let app = spawn_app(egov_testkit::redis().await).await;
    let c = reqwest::Client::new();
    let body = r#"{"org":"940740000911","applicant":{"name":"Ministry"}}"#;
    for (accept, status) in [
        ("application/xml", 406),
        ("text/html, application/json;q=0", 406),
        ("text/csv", 406),
        ("application/json", 201),
        ("application/problem+json", 201),
        ("text/html, */*;q=0.1", 201),
        ("application/*", 201),
    ] {
        let before = app.runs.load(Ordering::SeqCst);
        let r = c
            .post(format!("{}/api/v1/things", app.base))
            .header("content-type", "application/json")
            .header("accept", accept)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{accept}");
        if status == 406 {
            assert_eq!(r.headers()["content-type"], "application/problem+json");
            let p: serde_json::Value = r.json().await.unwrap();
            assert_eq!(p["field"], "Accept", "{p}");
            assert_eq!(app.runs.load(Ordering::SeqCst), before, "{accept}");
        }
    }
    // Outside the API (the probes, Prometheus) nothing is negotiated.
    let r = c
        .get(format!("{}/healthz", app.base))
        .header("accept", "text/plain")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

/// The shared layers document what they answer on every operation, and keep what a handler
/// documented.
#[test]
fn the_document_is_completed_with_the_shared_layers_statuses() {
    let mut doc = serde_json::json!({"openapi": "3.1.0", "paths": {
        "/api/v1/things/{id}": {"post": {
            "security": [{"bearer": []}],
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                           {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"201": {"description": "made"}, "409": {"description": "its own"}}}},
        "/api/v1/status": {"get": {"responses": {"200": {"description": "up"}}}}
    }});
    egov_web::openapi::complete(&mut doc);
    let post = &doc["paths"]["/api/v1/things/{id}"]["post"]["responses"];
    let mut got: Vec<&String> = post.as_object().unwrap().keys().collect();
    got.sort();
    assert_eq!(
        got,
        [
            "201", "400", "401", "403", "404", "406", "409", "411", "413", "415", "422", "503"
        ]
    );
    assert_eq!(post["409"]["description"], "its own");
    // The key's schema is the rule the filter enforces.
    let key = &doc["paths"]["/api/v1/things/{id}"]["post"]["parameters"][1]["schema"];
    assert_eq!(
        (&key["pattern"], &key["minLength"], &key["maxLength"]),
        (
            &serde_json::json!("^[!-~]+$"),
            &serde_json::json!(1),
            &serde_json::json!(255)
        )
    );
    let status = doc["paths"]["/api/v1/status"]["get"]["responses"]
        .as_object()
        .unwrap();
    assert_eq!(status.keys().collect::<Vec<_>>(), ["200", "406"]);
    assert!(doc["components"]["responses"]["Problem"].is_object());
}
