//! One submission's trace spans intake, the stream and expertise (in-process span exporter).
//! Its own test binary: it installs the global tracing subscriber.

use egov_e2e::{Suite, eventually};
use egov_kernel::Role;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use tracing_subscriber::layer::SubscriberExt;

#[tokio::test]
async fn a_submission_is_one_trace_from_intake_through_the_stream_to_expertise() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::INFO)
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("e2e")));
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let s = Suite::start("2026-03-19T10:00:00+05:00").await;
    let case = s.submit("2026-03-19").await;
    eventually("the task", || async {
        s.tasks(Role::AuthorizedBody).await.into_iter().next()
    })
    .await;
    provider.force_flush().unwrap();

    let spans = exporter.get_finished_spans().unwrap();
    let attr = |s: &opentelemetry_sdk::trace::SpanData, k: &str| {
        s.attributes
            .iter()
            .find(|a| a.key.as_str() == k)
            .map(|a| a.value.to_string())
    };
    let post = spans
        .iter()
        .find(|sp| sp.name == "http" && attr(sp, "method").as_deref() == Some("POST"))
        .expect("the intake request span");
    assert_eq!(attr(post, "service").as_deref(), Some("intake"));
    let handled = spans
        .iter()
        .find(|sp| {
            sp.name == "bus.handle"
                && attr(sp, "group").as_deref() == Some("expertise")
                && attr(sp, "type").as_deref() == Some("CaseSubmitted")
        })
        .expect("expertise handling the submission");
    assert_eq!(
        handled.span_context.trace_id(),
        post.span_context.trace_id(),
        "one trace for case {case}"
    );
    assert_eq!(handled.parent_span_id, post.span_context.span_id());
    s.stop().await;
}
