//! Bus metrics: publishes, handling outcomes, dead letters (moved, and waiting), reclaims,
//! pending and lag.

use prometheus::{IntCounterVec, IntGaugeVec, Opts, Registry};

/// The bus's Prometheus metrics. Create once per registry and clone (the vectors are shared).
#[derive(Clone)]
pub struct BusMetrics {
    /// Entries published, by stream.
    pub published: IntCounterVec,
    /// Entries handled, by stream, group and outcome (`ok`, `skipped`: of no interest to the
    /// group, `retry`, `wait`, `duplicate`, `dead_letter`).
    pub handled: IntCounterVec,
    /// Entries moved to a dead-letter stream, by stream and group.
    pub dead_lettered: IntCounterVec,
    /// Entries reclaimed from dead consumers, by stream and group.
    pub reclaimed: IntCounterVec,
    /// Entries delivered but not acknowledged, by stream and group (sampled).
    pub pending: IntGaugeVec,
    /// Entries not yet delivered to the group, by stream and group (sampled).
    pub lag: IntGaugeVec,
    /// Dead letters waiting in the group's dead-letter stream of a partition, by stream and
    /// group (sampled: re-driven ones leave it).
    pub dead_letters: IntGaugeVec,
}

impl BusMetrics {
    /// Registers the bus metrics in `registry`.
    pub fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let m = Self::unregistered();
        registry.register(Box::new(m.published.clone()))?;
        registry.register(Box::new(m.handled.clone()))?;
        registry.register(Box::new(m.dead_lettered.clone()))?;
        registry.register(Box::new(m.reclaimed.clone()))?;
        registry.register(Box::new(m.pending.clone()))?;
        registry.register(Box::new(m.lag.clone()))?;
        registry.register(Box::new(m.dead_letters.clone()))?;
        Ok(m)
    }

    /// Metrics that no registry exports (command-line tools, benchmarks).
    pub fn unregistered() -> Self {
        let counter = |name: &str, help: &str, labels: &[&str]| {
            IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric definition")
        };
        let gauge = |name: &str, help: &str| {
            IntGaugeVec::new(Opts::new(name, help), &["stream", "group"])
                .expect("valid metric definition")
        };
        Self {
            published: counter(
                "egov_stream_published_total",
                "Entries published.",
                &["stream"],
            ),
            handled: counter(
                "egov_stream_handled_total",
                "Entries handled, by outcome.",
                &["stream", "group", "outcome"],
            ),
            dead_lettered: counter(
                "egov_stream_dead_lettered_total",
                "Entries moved to the dead-letter stream.",
                &["stream", "group"],
            ),
            reclaimed: counter(
                "egov_stream_reclaimed_total",
                "Entries reclaimed from consumers that stopped.",
                &["stream", "group"],
            ),
            pending: gauge(
                "egov_stream_pending",
                "Entries delivered to the group and not acknowledged.",
            ),
            lag: gauge("egov_stream_lag", "Entries not yet delivered to the group."),
            dead_letters: gauge(
                "egov_stream_dead_letters",
                "Dead letters of the group waiting to be re-driven.",
            ),
        }
    }

    /// Gives group `group`'s counters on `stream` their zero (a family with no sample is
    /// absent from `/metrics`, and a counter first seen at 1 shows no increase to `rate`).
    pub fn init_group(&self, stream: &str, group: &str) {
        let labels = [stream, group];
        self.dead_lettered.with_label_values(&labels);
        self.reclaimed.with_label_values(&labels);
        for outcome in ["ok", "skipped", "retry", "wait", "duplicate", "dead_letter"] {
            self.handled.with_label_values(&[stream, group, outcome]);
        }
    }
}
