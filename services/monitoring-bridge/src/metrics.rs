//! The bridge's metrics, served at `/metrics`: messages by direction, type and outcome,
//! delivery attempts, and each destination's queue depth and oldest message's age (MON-9.b).

use prometheus::{GaugeVec, IntCounterVec, IntGaugeVec, Opts, Registry};

/// The outcomes of a delivery attempt (the `outcome` of `egov_monitoring_delivery_attempts_total`).
pub const DELIVERY_OUTCOMES: [&str; 3] = ["delivered", "refused", "failed"];

/// The bridge's metrics.
#[derive(Clone)]
pub struct Metrics {
    messages: IntCounterVec,
    attempts: IntCounterVec,
    depth: IntGaugeVec,
    oldest: GaugeVec,
}

impl Metrics {
    /// Registered in `registry` (once per platform: `Platform::metrics`).
    pub fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let m = Self {
            messages: IntCounterVec::new(
                Opts::new(
                    "egov_monitoring_messages_total",
                    "Messages received and sent by the monitoring bridge, by direction, type and outcome.",
                ),
                &["direction", "type", "outcome"],
            )
            .expect("metric"),
            attempts: IntCounterVec::new(
                Opts::new(
                    "egov_monitoring_delivery_attempts_total",
                    "Deliveries to a destination, by outcome (delivered, refused, failed).",
                ),
                &["destination", "outcome"],
            )
            .expect("metric"),
            depth: IntGaugeVec::new(
                Opts::new(
                    "egov_monitoring_queue_depth",
                    "Messages waiting in a destination's queue.",
                ),
                &["destination"],
            )
            .expect("metric"),
            oldest: GaugeVec::new(
                Opts::new(
                    "egov_monitoring_queue_oldest_age_seconds",
                    "Age of the oldest message waiting in a destination's queue (0 when empty).",
                ),
                &["destination"],
            )
            .expect("metric"),
        };
        for c in [
            Box::new(m.messages.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(m.attempts.clone()),
            Box::new(m.depth.clone()),
            Box::new(m.oldest.clone()),
        ] {
            registry.register(c)?;
        }
        Ok(m)
    }

    /// Gives `destination`'s series their zero: its delivery counters (an alert on failures
    /// without deliveries needs the deliveries' zero) and its queue (until the first sample).
    pub fn destination(&self, destination: &str) {
        for outcome in DELIVERY_OUTCOMES {
            self.attempts.with_label_values(&[destination, outcome]);
        }
        self.depth.with_label_values(&[destination]);
        self.oldest.with_label_values(&[destination]);
    }

    /// A message received.
    pub fn received(&self, kind: &str, outcome: &str) {
        self.messages
            .with_label_values(&["received", kind, outcome])
            .inc();
    }

    /// Messages sent.
    pub fn sent(&self, kind: &str, outcome: &str, n: u64) {
        self.messages
            .with_label_values(&["sent", kind, outcome])
            .inc_by(n);
    }

    /// A delivery attempt.
    pub fn attempt(&self, destination: &str, outcome: &str) {
        self.attempts
            .with_label_values(&[destination, outcome])
            .inc();
    }

    /// A destination's queue now.
    pub fn queue(&self, destination: &str, depth: u64, oldest_seconds: f64) {
        self.depth
            .with_label_values(&[destination])
            .set(depth as i64);
        self.oldest
            .with_label_values(&[destination])
            .set(oldest_seconds);
    }
}
