//! Redis Streams as the only way services talk (ARCHITECTURE.md, bus).
//!
//! - [`Envelope`]: one event, one stream entry: envelope fields plus `data`, a protobuf message
//!   from `proto/` (crate `egov-events`).
//! - [`Topic`]: a service's topic, split into partitions whose keys carry a Redis Cluster hash
//!   tag (`egov:{intake.0}:events`), so an aggregate's keys and its topic partition share a slot.
//! - [`Bus::publish`]: `XADD`. Aggregates publish through `egov-store` instead, in the same
//!   atomic step that writes their history.
//! - [`Consumer`]: a consumer group named after the reading service, with a stable consumer
//!   name per replica. On start it handles its own pending entries first; it reclaims stale
//!   entries of dead consumers with `XAUTOCLAIM`; one retry policy with backoff; a dead-letter
//!   stream after N deliveries, with the reason; dedup by event id over a window.
//! - [`Bus::trim`]: trims a stream only below what every group has acknowledged and below the
//!   retention window, in one Lua step.
//! - Dead letters: [`Bus::list_dead_letters`] reads a group's, [`Bus::redrive`] and
//!   [`Bus::redrive_all`] put them back on their topic partition, each in one Lua step that
//!   also deletes the dead letter and the group's handled mark of the event (see [`dlq`]).
//! - [`Bus::tail`]: every entry of a topic from given positions, without a group (projections
//!   each replica keeps for itself, e.g. search).
//! - [`Redis`] and [`Conn`]: one server or a Redis Cluster (`redis+cluster://…`), writes on a
//!   cluster answered only once a replica has them (see [`conn`](Redis)).
//! - W3C trace context travels in every entry ([`trace`]); metrics in [`BusMetrics`].

mod conn;
mod consumer;
pub mod dlq;
mod envelope;
mod error;
mod metrics;
mod tail;
mod topic;
pub mod trace;
mod trim;

use std::time::Duration;

pub use conn::{CLUSTER_SCHEME, Conn, Redis, TLS_CLUSTER_SCHEME, Wait, slot};
pub use consumer::{Consumer, ConsumerConfig, Delivery, HandleError, Handler, Only, only};
pub use dlq::{DeadLetter, Redriven};
pub use envelope::{Envelope, EnvelopeError};
pub use error::BusError;
pub use metrics::BusMetrics;
use redis::AsyncCommands;
pub use tail::Tail;
pub use topic::Topic;
use tracing::Instrument;

/// How long ordinary commands may wait for Redis before failing. Generous, because the chart's
/// production Redis fsyncs every write (`appendfsync always`).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens a reconnecting connection for ordinary (non-blocking) commands to `redis` (a
/// [`Redis`], or a `redis::Client` for one server).
pub async fn connect(redis: impl Into<Redis>) -> Result<Conn, BusError> {
    redis.into().connect_with_timeout(COMMAND_TIMEOUT).await
}

/// A handle on the bus: publishing, consumers, trimming. Cheap to clone.
#[derive(Clone)]
pub struct Bus {
    redis: Redis,
    conn: Conn,
    metrics: BusMetrics,
}

impl Bus {
    /// A bus on `client`, counting into `metrics`.
    pub async fn new(redis: impl Into<Redis>, metrics: BusMetrics) -> Result<Self, BusError> {
        let redis = redis.into();
        let conn = connect(&redis).await?;
        Ok(Self {
            redis,
            conn,
            metrics,
        })
    }

    /// The connection for ordinary commands (shared, multiplexed, reconnecting).
    pub fn connection(&self) -> Conn {
        self.conn.clone()
    }

    /// The metrics this bus counts into.
    pub fn metrics(&self) -> &BusMetrics {
        &self.metrics
    }

    /// Appends `env` to `stream` and returns the entry id. Durable once this returns (with AOF).
    /// Runs in a PRODUCER span whose context the entry carries ([`trace::publish`]).
    pub async fn publish(&self, stream: &str, env: &Envelope) -> Result<String, BusError> {
        let mut conn = self.conn.clone();
        let (span, fields) = trace::publish(stream, env);
        let id: String = conn.xadd(stream, "*", &fields).instrument(span).await?;
        self.metrics.published.with_label_values(&[stream]).inc();
        Ok(id)
    }

    /// A consumer with `config`; call [`Consumer::run`] to start it.
    pub fn consumer(&self, config: ConsumerConfig) -> Consumer {
        Consumer::new(self.clone(), config)
    }

    /// Trims `stream` below what every consumer group has acknowledged and below
    /// `now - retention`; returns how many entries went. Never drops an unacknowledged entry.
    pub async fn trim(&self, stream: &str, retention: Duration) -> Result<u64, BusError> {
        trim::trim(&mut self.conn.clone(), stream, retention).await
    }

    /// Trims every partition of `topic` every `every` (see [`Bus::trim`]) until `shutdown`.
    /// Run by the topic's owning service.
    pub fn spawn_trimmer(
        &self,
        topic: Topic,
        retention: Duration,
        every: Duration,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let bus = self.clone();
        tokio::spawn(async move {
            loop {
                for (_, stream) in topic.streams() {
                    match bus.trim(&stream, retention).await {
                        Ok(0) => {}
                        Ok(n) => tracing::debug!(%stream, trimmed = n, "trimmed"),
                        Err(e) => tracing::warn!(%stream, error = %e, "trimming failed"),
                    }
                }
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(every) => {}
                }
            }
        })
    }

    /// The entries of a dead-letter stream, oldest first (for operators and tests).
    pub async fn dead_letters(&self, dlq: &str) -> Result<Vec<DeadLetter>, BusError> {
        dlq::read_all(&mut self.conn.clone(), dlq).await
    }

    /// The oldest `limit` dead letters of consumer group `group` on `topic`, across its
    /// partitions, oldest first.
    pub async fn list_dead_letters(
        &self,
        topic: &Topic,
        group: &str,
        limit: usize,
    ) -> Result<Vec<DeadLetter>, BusError> {
        dlq::list(&mut self.conn.clone(), topic, group, limit).await
    }

    /// How many dead letters consumer group `group` has on `topic`.
    pub async fn count_dead_letters(&self, topic: &Topic, group: &str) -> Result<u64, BusError> {
        dlq::count(&mut self.conn.clone(), topic, group).await
    }

    /// Dead letter `id` of `group` in partition `partition` of `topic`, if it is there.
    pub async fn dead_letter(
        &self,
        topic: &Topic,
        group: &str,
        partition: u16,
        id: &str,
    ) -> Result<Option<DeadLetter>, BusError> {
        dlq::get(&mut self.conn.clone(), topic, group, partition, id).await
    }

    /// Puts dead letter `id` of `group` (partition `partition` of `topic`) back on that
    /// partition as a new entry with the same fields, deleting the dead letter and `group`'s
    /// handled mark of the event in the same atomic step, so `group` handles it again (see
    /// [`dlq`] for why). `None` when there is no such dead letter (re-driven already): running
    /// it twice publishes once.
    pub async fn redrive(
        &self,
        topic: &Topic,
        group: &str,
        partition: u16,
        id: &str,
    ) -> Result<Option<Redriven>, BusError> {
        let mut conn = self.conn.clone();
        let Some(letter) = dlq::get(&mut conn, topic, group, partition, id).await? else {
            return Ok(None);
        };
        let r = dlq::redrive(&mut conn, topic, group, &letter).await?;
        if let Some(r) = &r {
            self.metrics.published.with_label_values(&[&r.stream]).inc();
        }
        Ok(r)
    }

    /// Re-drives every dead letter `group` has on `topic` now (see [`Bus::redrive`]), oldest
    /// first per partition. Dead letters added while it runs (a re-driven entry that fails
    /// again) are left for the next call.
    pub async fn redrive_all(&self, topic: &Topic, group: &str) -> Result<Vec<Redriven>, BusError> {
        let mut conn = self.conn.clone();
        let mut out = Vec::new();
        for p in 0..topic.partitions() {
            let key = topic.dead_letters(p, group);
            // The last dead letter now bounds the run.
            let last: redis::streams::StreamRangeReply = redis::cmd("XREVRANGE")
                .arg(&key)
                .arg("+")
                .arg("-")
                .arg("COUNT")
                .arg(1)
                .query_async(&mut conn)
                .await?;
            let Some(last) = last.ids.into_iter().next().map(|e| e.id) else {
                continue;
            };
            let mut start = "-".to_owned();
            loop {
                let page: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
                    .arg(&key)
                    .arg(&start)
                    .arg(&last)
                    .arg("COUNT")
                    .arg(100)
                    .query_async(&mut conn)
                    .await?;
                let Some(tail) = page.ids.last().map(|e| e.id.clone()) else {
                    break;
                };
                for e in page.ids {
                    let letter = DeadLetter::from_entry(p, e.id, &e.map);
                    if let Some(r) = dlq::redrive(&mut conn, topic, group, &letter).await? {
                        self.metrics.published.with_label_values(&[&r.stream]).inc();
                        out.push(r);
                    }
                }
                if tail == last {
                    break;
                }
                start = format!("({tail}");
            }
        }
        Ok(out)
    }

    /// Where Redis is (for connections of one's own).
    pub fn redis(&self) -> &Redis {
        &self.redis
    }
}
