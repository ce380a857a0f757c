//! One submission's trace, as a real OTLP receiver gets it: the suite's own exporter
//! (`egov_runtime::telemetry`, OTLP over gRPC, batched) pointed at `fake-opentelemetry-collector`,
//! one case submitted to intake over HTTP, and the spans received checked to be ONE trace from
//! the caller through intake's HTTP server span, the publish to intake's topic (PRODUCER) and
//! expertise's handling of it (CONSUMER), to expertise's own publish, with OpenTelemetry's HTTP
//! and messaging attributes. Its own test binary: it installs the global tracing subscriber.

use std::time::{Duration, Instant};

use egov_e2e::{AGENCY, Suite, application, eventually};
use egov_kernel::Role;
use fake_opentelemetry_collector::{ExportedSpan, FakeCollectorServer};

/// The caller's trace (W3C `traceparent`): the request's server span must join it.
const CALLER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// An attribute's value as text: the collector keeps each as the `Debug` of the protobuf
/// `AnyValue` (`Some(AnyValue { value: Some(StringValue("redis")) })`).
fn attr(span: &ExportedSpan, key: &str) -> Option<String> {
    let raw = span.attributes.get(key)?;
    if let Some(rest) = raw.split_once("StringValue(\"").map(|(_, r)| r) {
        return rest.rsplit_once("\")").map(|(v, _)| v.to_owned());
    }
    if let Some(rest) = raw.split_once("IntValue(").map(|(_, r)| r) {
        return rest.split_once(')').map(|(v, _)| v.to_owned());
    }
    Some(raw.clone())
}

/// The one span of `spans` that `pick` takes, naming what was sought when there is none or more.
fn one<'a>(
    spans: &'a [ExportedSpan],
    what: &str,
    pick: impl Fn(&ExportedSpan) -> bool,
) -> &'a ExportedSpan {
    let found: Vec<&ExportedSpan> = spans.iter().filter(|s| pick(s)).collect();
    assert_eq!(
        found.len(),
        1,
        "{what}: {} spans, of {} received: {:#?}",
        found.len(),
        spans.len(),
        spans
            .iter()
            .map(|s| (&s.name, &s.kind, &s.span_id, &s.parent_span_id))
            .collect::<Vec<_>>()
    );
    found[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submission_is_one_otlp_trace_from_the_caller_through_intake_the_stream_and_expertise() {
    let mut collector = FakeCollectorServer::start().await.unwrap();
    let telemetry = egov_runtime::telemetry::init_with("egov-e2e", Some(&collector.endpoint()));
    assert!(telemetry.exporting());

    let s = Suite::start("2026-03-19T10:00:00+05:00").await;
    let path = "/api/v1/perechen-applications";
    let r = reqwest::Client::new()
        .post(s.url("intake", path))
        .bearer_auth(s.token(Role::StateBody, AGENCY))
        .header("traceparent", format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01"))
        .json(&application("2026-03-19"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    eventually("expertise opened the task", || async {
        s.tasks(Role::AuthorizedBody).await.into_iter().next()
    })
    .await;
    // Everything received until expertise's handling ended (the receiver holds 64 spans at a
    // time: it is drained as it fills). The exporter batches: what ended so far is sent at each
    // flush (on a thread of its own, while the runtime serves the gRPC channel).
    let mut spans: Vec<ExportedSpan> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let handled_by_expertise = |spans: &[ExportedSpan]| {
        spans.iter().any(|sp| {
            sp.trace_id == CALLER_TRACE
                && sp.kind == "SPAN_KIND_CONSUMER"
                && attr(sp, "messaging.consumer.group.name").as_deref() == Some("expertise")
        })
    };
    while !handled_by_expertise(&spans) && Instant::now() < deadline {
        tokio::task::block_in_place(|| telemetry.flush());
        spans.extend(
            collector
                .exported_spans(1, Duration::from_millis(200))
                .await,
        );
    }
    spans.retain(|sp| sp.trace_id == CALLER_TRACE);

    // The HTTP server span, a child of the caller's span.
    let http = one(&spans, "intake's server span", |sp| {
        sp.kind == "SPAN_KIND_SERVER" && attr(sp, "http.route").as_deref() == Some(path)
    });
    assert_eq!(http.name, format!("POST {path}"));
    assert_eq!(http.parent_span_id, CALLER_SPAN);
    assert_eq!(attr(http, "http.request.method").as_deref(), Some("POST"));
    assert_eq!(attr(http, "url.path").as_deref(), Some(path));
    assert_eq!(
        attr(http, "http.response.status_code").as_deref(),
        Some("201")
    );
    assert_eq!(attr(http, "service").as_deref(), Some("intake"));

    // The publish to intake's topic, a child of the request.
    let send = one(&spans, "the publish of the submission", |sp| {
        sp.kind == "SPAN_KIND_PRODUCER" && sp.parent_span_id == http.span_id
    });
    let stream = attr(send, "messaging.destination.name").unwrap();
    assert!(
        stream.starts_with("egov:{intake.") && stream.ends_with("}:events"),
        "{stream}"
    );
    assert_eq!(send.name, format!("send {stream}"));
    assert_eq!(attr(send, "messaging.system").as_deref(), Some("redis"));
    assert_eq!(
        attr(send, "messaging.operation.type").as_deref(),
        Some("send")
    );
    assert_eq!(
        attr(send, "messaging.operation.name").as_deref(),
        Some("send")
    );
    assert_eq!(attr(send, "type").as_deref(), Some("CaseSubmitted"));
    let event = attr(send, "messaging.message.id").unwrap();
    assert!(event.parse::<ulid::Ulid>().is_ok(), "{event}");

    // Expertise's handling of it: a child of the publish, by the entry's traceparent.
    let process = one(&spans, "expertise handling the submission", |sp| {
        sp.kind == "SPAN_KIND_CONSUMER"
            && attr(sp, "messaging.consumer.group.name").as_deref() == Some("expertise")
            && sp.parent_span_id == send.span_id
    });
    assert_eq!(process.name, format!("process {stream}"));
    assert_eq!(attr(process, "messaging.system").as_deref(), Some("redis"));
    assert_eq!(
        attr(process, "messaging.operation.type").as_deref(),
        Some("process")
    );
    assert_eq!(
        attr(process, "messaging.operation.name").as_deref(),
        Some("process")
    );
    assert_eq!(
        attr(process, "messaging.destination.name").as_deref(),
        Some(stream.as_str())
    );
    assert_eq!(
        attr(process, "messaging.message.id").as_deref(),
        Some(event.as_str())
    );

    // And expertise's own publish (the case started), a child of its handling (the append
    // may have been tried more than once: each try is a span).
    let advanced = spans
        .iter()
        .find(|sp| sp.kind == "SPAN_KIND_PRODUCER" && sp.parent_span_id == process.span_id)
        .expect("expertise's publish, a child of its handling");
    assert_eq!(attr(advanced, "type").as_deref(), Some("CaseAdvanced"));
    assert!(
        attr(advanced, "messaging.destination.name")
            .is_some_and(|d| d.starts_with("egov:{expertise.")),
        "{advanced:?}"
    );
    s.stop().await;
    collector.abort();
}
