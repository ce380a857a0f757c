//! Serving: hyper under warp, request ids, HTTP metrics and server spans, graceful shutdown.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use hyper::StatusCode;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_service::Service;
use tracing::field::Empty;
use tracing::{Instrument, debug, info, info_span, warn};
use warp::{Filter, Rejection, Reply};

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served, inside [`serve`].
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// HTTP metrics: requests by service, method, route and status, and their latency by service,
/// method, route and status class. Every label is bounded: `route` is the OpenAPI path template
/// the request matched ([`crate::Routes::template`], `unmatched` for any other path), `method`
/// one of HTTP's own methods or `_OTHER`, `status_class` `1xx` to `5xx`.
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
                Opts::new(
                    "egov_http_requests_total",
                    "HTTP requests by route (the OpenAPI path template) and status.",
                ),
                &["service", "method", "route", "status"],
            )
            .expect("valid metric"),
            latency: HistogramVec::new(
                HistogramOpts::new(
                    "egov_http_request_duration_seconds",
                    "HTTP request latency by route (the OpenAPI path template) and status class.",
                )
                .buckets(vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ]),
                &["service", "method", "route", "status_class"],
            )
            .expect("valid metric"),
        }
    }

    /// Counts and times one request.
    fn observe(&self, service: &str, method: &str, route: &str, status: StatusCode, took: f64) {
        self.requests
            .with_label_values(&[service, method, route, status.as_str()])
            .inc();
        self.latency
            .with_label_values(&[service, method, route, status_class(status)])
            .observe(took);
    }
}

/// The `method` of a request as a label and span attribute: HTTP's own methods by name, any
/// extension method `_OTHER` (OpenTelemetry's convention), so callers cannot grow the label set.
fn method_label(m: &hyper::Method) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ];
    KNOWN
        .into_iter()
        .find(|k| *k == m.as_str())
        .unwrap_or("_OTHER")
}

/// `2xx`, `4xx`...: the latency histogram's status label (a class keeps its series few).
fn status_class(s: StatusCode) -> &'static str {
    match s.as_u16() / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

/// The name of a request's span (OpenTelemetry's HTTP server convention): `{method} {route}`,
/// or the method alone for a path no route has.
struct SpanName<'a>(&'static str, &'a str);

impl std::fmt::Display for SpanName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.1 == crate::allow::UNMATCHED_ROUTE {
            f.write_str(self.0)
        } else {
            write!(f, "{} {}", self.0, self.1)
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
/// request runs in an `http` span carrying it: an OpenTelemetry HTTP server span
/// (`{method} {route}`, `http.request.method`, `http.route`, `url.path`,
/// `http.response.status_code`; status error on a 5xx), the child of the caller's
/// `traceparent` when it sent one. It is counted and timed by `routes`' template
/// ([`HttpMetrics`]). A `405` carries `Allow` from `routes`; a `405` for a path no route has is
/// answered `404`.
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
                let method = method_label(req.method());
                let path = req.uri().path().to_owned();
                let route = routes.template(&path);
                // An HTTP server span (OpenTelemetry's conventions), a child of the caller's
                // trace when it sent one.
                let span = info_span!(
                    "http",
                    otel.name = %SpanName(method, route),
                    otel.kind = "server",
                    otel.status_code = Empty,
                    http.request.method = method,
                    http.route = Empty,
                    url.path = %path,
                    http.response.status_code = Empty,
                    %service,
                    request_id = %rid,
                );
                // A path no route has gets no `http.route` (the metrics' label is `unmatched`).
                if route != crate::allow::UNMATCHED_ROUTE {
                    span.record("http.route", route);
                }
                let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
                egov_bus::trace::follow(&span, header("traceparent"), header("tracestate"));
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
                let status = resp.status();
                let elapsed = start.elapsed();
                metrics.observe(&service, method, route, status, elapsed.as_secs_f64());
                span.record("http.response.status_code", status.as_u16());
                if status.is_server_error() {
                    span.record("otel.status_code", "error");
                }
                span.in_scope(|| {
                    debug!(
                        status = status.as_u16(),
                        elapsed_ms = elapsed.as_secs_f64() * 1e3,
                        "served"
                    )
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
