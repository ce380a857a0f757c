//! Serving: hyper under warp, request ids, HTTP metrics, graceful shutdown.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_service::Service;
use tracing::{Instrument, debug, info, info_span, warn};
use warp::{Filter, Rejection, Reply};

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served, inside [`serve`].
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// HTTP metrics: requests by service, method and status, and their latency.
#[derive(Clone)]
pub struct HttpMetrics {
    requests: IntCounterVec,
    latency: HistogramVec,
}

impl HttpMetrics {
    /// Registers the HTTP metrics in `registry`.
    pub fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let m = Self::unregistered();
        registry.register(Box::new(m.requests.clone()))?;
        registry.register(Box::new(m.latency.clone()))?;
        Ok(m)
    }

    /// Metrics no registry exports (tests).
    pub fn unregistered() -> Self {
        Self {
            requests: IntCounterVec::new(
                Opts::new("egov_http_requests_total", "HTTP requests by status."),
                &["service", "method", "status"],
            )
            .expect("valid metric"),
            latency: HistogramVec::new(
                HistogramOpts::new(
                    "egov_http_request_duration_seconds",
                    "HTTP request latency.",
                )
                .buckets(vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ]),
                &["service", "method"],
            )
            .expect("valid metric"),
        }
    }
}

fn request_id(req: &hyper::Request<Incoming>) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b))
        })
        .map_or_else(|| ulid::Ulid::new().to_string(), str::to_owned)
}

/// Whether an `Accept` header (absent: anything) takes `application/json` or
/// `application/problem+json`: a media range `*/*`, `application/*` or either type, with a
/// `q` above zero.
pub fn accepts_json(accept: Option<&hyper::header::HeaderValue>) -> bool {
    let Some(accept) = accept else { return true };
    let Ok(accept) = accept.to_str() else {
        return false;
    };
    if accept.trim().is_empty() {
        return true;
    }
    accept.split(',').any(|range| {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let refused = parts.any(|p| {
            let p = p.trim().to_ascii_lowercase();
            p.strip_prefix("q=")
                .is_some_and(|q| q.trim().parse::<f32>().map_or(true, |q| q <= 0.0))
        });
        !refused
            && matches!(
                media.as_str(),
                "*/*" | "application/*" | "application/json" | "application/problem+json"
            )
    })
}

fn not_acceptable() -> crate::Problem {
    crate::Problem::new(
        hyper::StatusCode::NOT_ACCEPTABLE,
        "not-acceptable",
        "The answer cannot be given in a type the request accepts",
    )
    .field("Accept")
    .detail("this API answers application/json, and application/problem+json when it refuses")
}

/// Serves `filter` on `listener` until `shutdown` is cancelled, then stops accepting and waits
/// up to 10 s for requests in flight. Every rejection becomes a problem reply ([`crate::recover`]);
/// every response carries `X-Request-Id` (the caller's, when valid, or a new ULID), and every
/// request runs in an `http` span carrying it. A `405` carries `Allow` from `routes`; a `405`
/// for a path no route has is answered `404`.
/// A request under `/api/` whose `Accept` takes no JSON is answered `406` before it is served.
pub async fn serve<F, R>(
    listener: TcpListener,
    service: &str,
    metrics: HttpMetrics,
    routes: crate::Routes,
    filter: F,
    shutdown: CancellationToken,
) where
    F: Filter<Extract = (R,), Error = Rejection> + Clone + Send + Sync + 'static,
    R: Reply + 'static,
{
    let svc = warp::service(filter.recover(crate::recover));
    let builder = auto::Builder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
    let service = service.to_owned();
    let routes = std::sync::Arc::new(routes);
    if let Ok(addr) = listener.local_addr() {
        info!(%service, %addr, "listening");
    }
    loop {
        let (io, _) = tokio::select! {
            _ = shutdown.cancelled() => break,
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let svc = svc.clone();
        let metrics = metrics.clone();
        let service = service.clone();
        let routes = routes.clone();
        let handler = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let mut svc = svc.clone();
            let metrics = metrics.clone();
            let service = service.clone();
            let routes = routes.clone();
            async move {
                let rid = request_id(&req);
                let method = req.method().as_str().to_owned();
                let path = req.uri().path().to_owned();
                let span = info_span!("http", %service, %method, %path, request_id = %rid);
                let start = Instant::now();
                // Every API answer is JSON (or problem+json): a client that takes neither is
                // told so before the request reaches a handler, so it changes nothing.
                let refused = path.starts_with("/api/")
                    && !accepts_json(req.headers().get(hyper::header::ACCEPT));
                let mut resp = if refused {
                    REQUEST_ID
                        .sync_scope(rid.clone(), || warp::Reply::into_response(not_acceptable()))
                } else {
                    REQUEST_ID
                        .scope(rid.clone(), svc.call(req))
                        .instrument(span.clone())
                        .await?
                };
                if resp.status() == hyper::StatusCode::METHOD_NOT_ALLOWED {
                    match routes.allowed(&path).and_then(|a| a.parse().ok()) {
                        Some(allow) => {
                            resp.headers_mut().insert("allow", allow);
                        }
                        None => {
                            let p = REQUEST_ID.sync_scope(rid.clone(), || {
                                crate::Problem::not_found("no such endpoint")
                            });
                            resp = warp::Reply::into_response(p);
                        }
                    }
                }
                let status = resp.status().as_u16();
                let elapsed = start.elapsed();
                metrics
                    .requests
                    .with_label_values(&[&service, &method, &status.to_string()])
                    .inc();
                metrics
                    .latency
                    .with_label_values(&[&service, &method])
                    .observe(elapsed.as_secs_f64());
                span.in_scope(|| {
                    debug!(status, elapsed_ms = elapsed.as_secs_f64() * 1e3, "served")
                });
                if let Ok(v) = rid.parse() {
                    resp.headers_mut().insert("x-request-id", v);
                }
                Ok::<_, Infallible>(resp)
            }
        });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(io), handler)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                debug!(error = %e, "connection closed with an error");
            }
        });
    }
    tokio::select! {
        _ = graceful.shutdown() => info!(%service, "stopped"),
        _ = tokio::time::sleep(Duration::from_secs(10)) => warn!(%service, "stopped with requests still in flight after 10s"),
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
