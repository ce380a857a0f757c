//! W3C trace context (`traceparent`, `tracestate`) carried in every stream entry, so one trace
//! follows a submission through every service.

use std::collections::HashMap;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The current span's trace context as `(traceparent, tracestate)`; `None` outside a sampled
/// OpenTelemetry span.
pub fn current() -> (Option<String>, Option<String>) {
    let cx = tracing::Span::current().context();
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&cx, &mut carrier);
    (
        carrier.remove("traceparent"),
        carrier.remove("tracestate").filter(|s| !s.is_empty()),
    )
}

/// The OpenTelemetry context described by a `traceparent` and `tracestate`.
pub fn context(traceparent: Option<&str>, tracestate: Option<&str>) -> opentelemetry::Context {
    let mut carrier = HashMap::new();
    if let Some(tp) = traceparent {
        carrier.insert("traceparent".to_owned(), tp.to_owned());
    }
    if let Some(ts) = tracestate {
        carrier.insert("tracestate".to_owned(), ts.to_owned());
    }
    TraceContextPropagator::new().extract(&carrier)
}
