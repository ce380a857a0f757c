//! `/healthz`, `/readyz` and `/metrics`.

use std::sync::Arc;
use std::time::Duration;

use egov_bus::Conn;
use futures::future::BoxFuture;
use prometheus::{Encoder, Registry, TextEncoder};
use serde_json::json;
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

/// One readiness check: `Ok` when ready, or why not.
pub type ReadyCheck = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// Ready when Redis answers `PING`.
pub fn redis_ready(conn: Conn) -> (String, ReadyCheck) {
    let check: ReadyCheck = Arc::new(move || {
        let mut conn = conn.clone();
        Box::pin(async move {
            redis::cmd("PING")
                .query_async::<String>(&mut conn)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    });
    ("redis".to_owned(), check)
}

/// `GET /healthz` (the process runs), `GET /readyz` (every check passes within 2 s; 503 with
/// each failure otherwise) and `GET /metrics` (Prometheus text from `registry`).
pub fn health(
    registry: Registry,
    checks: Vec<(String, ReadyCheck)>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let checks = Arc::new(checks);
    let healthz = warp::path!("healthz")
        .and(warp::get())
        .map(|| warp::reply::json(&json!({"status": "ok"})).into_response());
    let readyz = warp::path!("readyz").and(warp::get()).then(move || {
        let checks = checks.clone();
        async move {
            let results = futures::future::join_all(checks.iter().map(|(name, check)| {
                let fut = check();
                async move {
                    let r = match tokio::time::timeout(Duration::from_secs(2), fut).await {
                        Ok(r) => r,
                        Err(_) => Err("timed out after 2s".to_owned()),
                    };
                    (name.clone(), r)
                }
            }))
            .await;
            let ready = results.iter().all(|(_, r)| r.is_ok());
            let detail: serde_json::Map<String, serde_json::Value> = results
                .into_iter()
                .map(|(n, r)| (n, json!(r.err().unwrap_or_else(|| "ok".to_owned()))))
                .collect();
            let status = if ready {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            let body =
                json!({"status": if ready { "ready" } else { "not-ready" }, "checks": detail});
            warp::reply::with_status(warp::reply::json(&body), status).into_response()
        }
    });
    let metrics = warp::path!("metrics").and(warp::get()).map(move || {
        let mut buf = Vec::new();
        let enc = TextEncoder::new();
        if let Err(e) = enc.encode(&registry.gather(), &mut buf) {
            tracing::error!(error = %e, "metrics encoding failed");
        }
        warp::reply::with_header(buf, "content-type", enc.format_type()).into_response()
    });
    healthz.or(readyz).unify().or(metrics).unify()
}
