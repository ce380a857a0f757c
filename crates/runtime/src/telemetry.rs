//! Tracing for a process: logs to stderr, and spans to an OTLP collector (gRPC) when
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
//!
//! [`init`] reads the environment; [`init_with`] takes the endpoint (what tests/trace.rs runs
//! against a real OTLP receiver), [`otlp_provider`] builds the exporting provider alone. The
//! spans follow OpenTelemetry's conventions: HTTP server spans (`egov-web`), and the bus's
//! PRODUCER and CONSUMER spans with the messaging attributes (`egov_bus::trace`).

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Keeps the exporter alive; flushes spans when dropped.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Whether spans are exported.
    pub fn exporting(&self) -> bool {
        self.provider.is_some()
    }

    /// Exports the spans ended so far now, rather than with the next batch.
    pub fn flush(&self) {
        if let Some(p) = &self.provider
            && let Err(e) = p.force_flush()
        {
            eprintln!("OTLP export flush failed: {e}");
        }
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(p) = self.provider.take() {
            let _ = p.shutdown();
        }
    }
}

/// The OTLP endpoint of the environment: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (the OTLP exporter specification's order); `None` when neither
/// is set or both are empty.
pub fn endpoint_from_env() -> Option<String> {
    [
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    ]
    .into_iter()
    .filter_map(|v| std::env::var(v).ok())
    .find(|v| !v.trim().is_empty())
}

/// A tracer provider exporting in batches over OTLP/gRPC to `endpoint` (e.g.
/// `http://otel-collector:4317`), its resource named `service_name`. Call it inside a Tokio
/// runtime: the gRPC channel lives on it.
pub fn otlp_provider(
    endpoint: &str,
    service_name: &str,
) -> Result<SdkTracerProvider, opentelemetry_otlp::ExporterBuildError> {
    use opentelemetry_otlp::WithExportConfig as _;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(service_name.to_owned())
                .build(),
        )
        .build())
}

/// Installs the global subscriber for `service_name`, exporting spans to the environment's OTLP
/// endpoint ([`endpoint_from_env`]) if any. `RUST_LOG` filters (default `info`).
pub fn init(service_name: &str) -> Telemetry {
    init_with(service_name, endpoint_from_env().as_deref())
}

/// Installs the global subscriber for `service_name`: logs to stderr and, with `otlp`, spans to
/// that OTLP/gRPC endpoint. A subscriber installed before stays (and this one is dropped).
pub fn init_with(service_name: &str, otlp: Option<&str>) -> Telemetry {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .fmt_fields(LogFields)
        // Colour codes only on a terminal: `kubectl logs` and log collectors get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let provider = otlp.and_then(|endpoint| match otlp_provider(endpoint, service_name) {
        Ok(p) => Some(p),
        Err(e) => {
            eprintln!("OTLP exporter for {endpoint} not started: {e}");
            None
        }
    });
    let otel = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer(service_name.to_owned())));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(otel)
        .try_init();
    Telemetry { provider }
}

/// Whether a span field is for the exporter only, and left out of log lines: `otel.*` (name,
/// kind, status) and the constant messaging attributes. What tells one span from another
/// (route, stream, group, event id) stays in the logs.
fn exporter_only(name: &str) -> bool {
    name.starts_with("otel.")
        || name.starts_with("messaging.operation.")
        || name == "messaging.system"
}

/// Log lines' fields as `tracing_subscriber`'s default (`name=value`, the message bare), less
/// the fields only the exporter reads ([`exporter_only`]).
struct LogFields;

impl<'w> FormatFields<'w> for LogFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'w>, fields: R) -> std::fmt::Result {
        write_fields(writer, fields)
    }

    /// Fields recorded on a span later (`http.response.status_code`), after a space only when
    /// any of them is for the logs.
    fn add_fields(
        &self,
        current: &'w mut tracing_subscriber::fmt::FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> std::fmt::Result {
        let mut more = String::new();
        write_fields(Writer::new(&mut more), fields)?;
        if !more.is_empty() {
            if !current.fields.is_empty() {
                current.fields.push(' ');
            }
            current.fields.push_str(&more);
        }
        Ok(())
    }
}

fn write_fields<R: RecordFields>(writer: Writer<'_>, fields: R) -> std::fmt::Result {
    let mut v = LogVisitor {
        writer,
        first: true,
        result: Ok(()),
    };
    fields.record(&mut v);
    v.result
}

struct LogVisitor<'w> {
    writer: Writer<'w>,
    first: bool,
    result: std::fmt::Result,
}

impl tracing::field::Visit for LogVisitor<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"));
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let name = field.name();
        if self.result.is_err() || exporter_only(name) || name.starts_with("log.") {
            return;
        }
        let sep = if self.first { "" } else { " " };
        self.first = false;
        self.result = if name == "message" {
            write!(self.writer, "{sep}{value:?}")
        } else {
            write!(self.writer, "{sep}{name}={value:?}")
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_leave_out_what_only_the_exporter_reads() {
        for name in [
            "otel.name",
            "otel.kind",
            "otel.status_code",
            "messaging.system",
            "messaging.operation.type",
            "messaging.operation.name",
        ] {
            assert!(exporter_only(name), "{name}");
        }
        for name in [
            "messaging.destination.name",
            "messaging.consumer.group.name",
            "messaging.message.id",
            "http.route",
            "http.response.status_code",
            "request_id",
        ] {
            assert!(!exporter_only(name), "{name}");
        }
    }
}
