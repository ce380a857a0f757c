//! W3C trace context (`traceparent`, `tracestate`) carried in every stream entry, so one trace
//! follows a submission through every service, and the spans of the bus's two ends.
//!
//! Publishing an entry runs in a `bus.publish` span of kind PRODUCER (a child of the span that
//! publishes: an HTTP request, a handler, the scheduler), and the entry carries *that* span's
//! context; handling it runs in a `bus.handle` span of kind CONSUMER whose parent is the context
//! the entry carries. So a submission's trace reads: intake's HTTP server span, the publish to
//! intake's topic, expertise's handling of it, expertise's publish, and on.
//!
//! Both carry the messaging attributes of the OpenTelemetry semantic conventions
//! (`messaging.system` `redis`, `messaging.destination.name` the stream key,
//! `messaging.operation.type` `send` or `process`, `messaging.operation.name`,
//! `messaging.message.id` the event id, and `messaging.consumer.group.name` on the consumer
//! side); their names are `send <stream>` and `process <stream>` (`otel.name`), their kinds
//! `otel.kind` (read by `tracing-opentelemetry`). Without an OpenTelemetry layer they cost what
//! any `tracing` span costs.

use std::collections::HashMap;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::Envelope;

/// `messaging.system` of every bus span.
pub const MESSAGING_SYSTEM: &str = "redis";

/// The current span's trace context as `(traceparent, tracestate)`; `None` outside a sampled
/// OpenTelemetry span.
pub fn current() -> (Option<String>, Option<String>) {
    of(&Span::current())
}

/// The trace context of `span` as `(traceparent, tracestate)`; `None` when it is no sampled
/// OpenTelemetry span. Written directly from the span's ids (no propagator, no map).
pub fn of(span: &Span) -> (Option<String>, Option<String>) {
    if span.is_disabled() {
        return (None, None);
    }
    let cx = span.context();
    let otel = cx.span();
    let sc = otel.span_context();
    if !sc.is_valid() {
        return (None, None);
    }
    let traceparent = format!(
        "00-{}-{}-{:02x}",
        sc.trace_id(),
        sc.span_id(),
        sc.trace_flags().to_u8()
    );
    let state = sc.trace_state().header();
    (Some(traceparent), (!state.is_empty()).then_some(state))
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

/// The PRODUCER span of publishing `env` to `stream`, a child of the current span
/// (`send <stream>`, `messaging.operation.type` `send`).
pub fn publish_span(stream: &str, env: &Envelope) -> Span {
    tracing::info_span!(
        "bus.publish",
        otel.name = %format_args!("send {stream}"),
        otel.kind = "producer",
        messaging.system = MESSAGING_SYSTEM,
        messaging.operation.type = "send",
        messaging.operation.name = "send",
        messaging.destination.name = stream,
        messaging.message.id = %env.id,
        r#type = %env.kind,
    )
}

/// The CONSUMER span of `group` handling `env` from `stream`, its parent the context the entry
/// carries (`process <stream>`, `messaging.operation.type` `process`). A malformed
/// `traceparent` only loses the link: the span then starts a trace of its own.
pub fn handle_span(stream: &str, group: &str, env: &Envelope, deliveries: u32) -> Span {
    let span = tracing::info_span!(
        "bus.handle",
        otel.name = %format_args!("process {stream}"),
        otel.kind = "consumer",
        messaging.system = MESSAGING_SYSTEM,
        messaging.operation.type = "process",
        messaging.operation.name = "process",
        messaging.destination.name = stream,
        messaging.consumer.group.name = group,
        messaging.message.id = %env.id,
        r#type = %env.kind,
        deliveries,
    );
    follow(&span, env.traceparent.as_deref(), env.tracestate.as_deref());
    span
}

/// Makes the context a `traceparent` (and `tracestate`) describe the parent of `span`, a span
/// not entered yet: the handling of an entry, or a request whose caller sent the headers. No
/// `traceparent`, or a malformed one, leaves the span where it was (a malformed one only loses
/// the link).
pub fn follow(span: &Span, traceparent: Option<&str>, tracestate: Option<&str>) {
    if traceparent.is_some() && !span.is_disabled() {
        let _ = span.set_parent(context(traceparent, tracestate));
    }
}

/// The publish of `env` to `stream`: its span ([`publish_span`]) and the entry's fields
/// (`Envelope::fields`), carrying that span's trace context when it has one (the envelope's
/// own otherwise).
pub fn publish(stream: &str, env: &Envelope) -> (Span, Vec<(&'static str, Vec<u8>)>) {
    let span = publish_span(stream, env);
    let mut fields = env.fields();
    if let (Some(tp), ts) = of(&span) {
        fields.retain(|(k, _)| *k != "traceparent" && *k != "tracestate");
        fields.push(("traceparent", tp.into_bytes()));
        if let Some(ts) = ts {
            fields.push(("tracestate", ts.into_bytes()));
        }
    }
    (span, fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_an_opentelemetry_layer_the_envelope_keeps_its_own_context() {
        let env = Envelope {
            id: egov_kernel::EventId::new(),
            kind: "X".into(),
            case: None,
            correlation: "c".into(),
            causation: None,
            occurred_at: "2026-01-01T00:00:00+05:00".into(),
            producer: "intake".into(),
            schema: "egov.X".into(),
            traceparent: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into()),
            tracestate: None,
            data: vec![],
        };
        let (_, fields) = publish("egov:{intake.0}:events", &env);
        assert_eq!(fields, env.fields());
        assert_eq!(of(&Span::none()), (None, None));
    }
}
