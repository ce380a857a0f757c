//! Consumer groups: pending first, reclaim, one retry policy, dead letters, dedup.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use crate::Conn;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use redis::AsyncCommands;
use redis::streams::{
    StreamAutoClaimReply, StreamClaimReply, StreamId, StreamPendingCountReply, StreamReadReply,
};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, debug, warn};

use crate::topic::case_of;
use crate::{Bus, BusError, Envelope, Topic, trace};

/// How a consumer reads one topic.
#[derive(Clone, Debug)]
pub struct ConsumerConfig {
    /// The topic read.
    pub topic: Topic,
    /// The consumer group: the name of the reading service.
    pub group: String,
    /// This replica's consumer name. Stable across restarts (the pod name), never random, so
    /// a restarted replica finds its own pending entries.
    pub consumer: String,
    /// Entries read per call: at most this many are in this process at once (those of
    /// different keys run at the same time, see [`Handler::key`]). Small enough that a read
    /// of a slow key's entries is soon done; the heartbeat keeps every unfinished one of a
    /// read, so none looks idle while it waits its turn.
    pub batch: usize,
    /// How long one read blocks waiting for new entries.
    pub block: Duration,
    /// An entry delivered this long ago and not acknowledged belongs to a consumer that
    /// stopped: another consumer reclaims it. Slow handlers keep theirs by a heartbeat at a
    /// third of this.
    pub claim_idle: Duration,
    /// Deliveries after which a failing entry goes to the dead-letter stream.
    pub max_deliveries: u32,
    /// Wait before the second delivery; doubles with each delivery after.
    pub backoff: Duration,
    /// The longest wait between deliveries.
    pub max_backoff: Duration,
    /// How long a handled event id is remembered, so a redelivery is skipped. Longer than the
    /// longest outage the suite claims to survive.
    pub dedup_window: Duration,
    /// How often pending and lag gauges are sampled.
    pub metrics_every: Duration,
}

impl ConsumerConfig {
    /// The defaults for group `group`, consumer `consumer` on `topic`.
    pub fn new(topic: Topic, group: impl Into<String>, consumer: impl Into<String>) -> Self {
        Self {
            topic,
            group: group.into(),
            consumer: consumer.into(),
            batch: 32,
            block: Duration::from_secs(2),
            claim_idle: Duration::from_secs(60),
            max_deliveries: 5,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(15),
            dedup_window: Duration::from_secs(7 * 24 * 3600),
            metrics_every: Duration::from_secs(5),
        }
    }

    fn backoff_after(&self, deliveries: u32) -> Duration {
        let factor = 1u32 << deliveries.saturating_sub(1).min(16);
        self.backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

/// One entry handed to a handler.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// The stream it came from.
    pub stream: String,
    /// The topic partition of that stream.
    pub partition: u16,
    /// The stream entry id.
    pub entry: String,
    /// The event.
    pub envelope: Envelope,
    /// How many times it has been delivered to this group, this delivery included.
    pub deliveries: u32,
}

/// Why a handler did not finish an entry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HandleError {
    /// A transient failure: deliver again after the backoff, up to the maximum deliveries.
    #[error("retry: {0}")]
    Retry(String),
    /// The entry can never succeed: dead-letter it now.
    #[error("reject: {0}")]
    Reject(String),
    /// The entry cannot be handled until something outside it changes (e.g. the variant
    /// revision a case follows is loaded again): it stays pending, this consumer keeps it, and
    /// it is delivered again every `max_backoff` without counting toward `max_deliveries`: a
    /// wait never dead-letters an entry. Entries behind it are not held back.
    #[error("wait: {0}")]
    Wait(String),
}

/// Handles one delivery. Must be idempotent: an entry is delivered at least once.
pub trait Handler: Send + Sync + 'static {
    /// Handles `delivery`; `Ok` acknowledges it.
    fn handle(&self, delivery: Delivery) -> impl Future<Output = Result<(), HandleError>> + Send;

    /// Whether this group has anything to do with `envelope`. An entry it does not want is
    /// acknowledged as it is read (outcome `skipped`): no handled mark is asked for or written,
    /// no span is opened, `handle` is not called. Every entry by default; see [`only`].
    fn wants(&self, envelope: &Envelope) -> bool {
        let _ = envelope;
        true
    }

    /// The order this group needs: entries of one read with the same key are handled one
    /// after another, in stream order; entries of different keys at the same time. `None`, the
    /// default, is one key for every entry: the partition in stream order. A handler whose
    /// effects belong to one case answers the case (see [`Only::per_case`]).
    fn key<'e>(&self, envelope: &'e Envelope) -> Option<&'e str> {
        let _ = envelope;
        None
    }
}

/// `handler`, given only the entries `wants` accepts (see [`Handler::wants`]): a group that
/// reads a busy topic for a few kinds of event (the catalog and tender read every case's
/// `CaseAdvanced` for the registry writes among them) does not pay a handled mark per event.
pub fn only<W, H>(wants: W, handler: H) -> Only<W, H>
where
    W: Fn(&Envelope) -> bool + Send + Sync + 'static,
    H: Handler,
{
    Only {
        wants,
        handler,
        per_case: false,
    }
}

/// See [`only`].
pub struct Only<W, H> {
    wants: W,
    handler: H,
    per_case: bool,
}

impl<W, H> Only<W, H> {
    /// Events of different cases are handled at the same time, those of one case (an aggregate
    /// `a.b` is case `a`'s) in stream order, and events about no case in stream order: for a
    /// handler whose every effect is on its event's case (expertise starting one, intake's
    /// timeline of one). A group whose effects cross cases (a registry entry several cases may
    /// write) keeps the default, the partition in stream order.
    pub fn per_case(mut self) -> Self {
        self.per_case = true;
        self
    }
}

impl<W, H> Handler for Only<W, H>
where
    W: Fn(&Envelope) -> bool + Send + Sync + 'static,
    H: Handler,
{
    fn handle(&self, delivery: Delivery) -> impl Future<Output = Result<(), HandleError>> + Send {
        self.handler.handle(delivery)
    }

    fn wants(&self, envelope: &Envelope) -> bool {
        (self.wants)(envelope) && self.handler.wants(envelope)
    }

    fn key<'e>(&self, envelope: &'e Envelope) -> Option<&'e str> {
        if self.per_case {
            envelope.case.as_deref().map(case_of)
        } else {
            self.handler.key(envelope)
        }
    }
}

impl<F, Fut> Handler for F
where
    F: Fn(Delivery) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandleError>> + Send,
{
    fn handle(&self, delivery: Delivery) -> impl Future<Output = Result<(), HandleError>> + Send {
        self(delivery)
    }
}

/// Extends ownership of an entry being handled (resets its idle time) only while this
/// consumer still owns it, so a slow handler's entry is not reclaimed as if its consumer died,
/// and an entry already reclaimed by another consumer is not stolen back.
static EXTEND: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 1 and p[1][2] == ARGV[2] then
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
  return 1
end
return 0
"#,
    )
});

/// A consumer of one topic for one group. See [`ConsumerConfig`].
pub struct Consumer {
    bus: Bus,
    cfg: Arc<ConsumerConfig>,
}

impl Consumer {
    pub(crate) fn new(bus: Bus, cfg: ConsumerConfig) -> Self {
        Self {
            bus,
            cfg: Arc::new(cfg),
        }
    }

    /// Creates the group on every partition where it does not exist yet, at the start of the
    /// retained stream (`0`, never `$`): a service whose group is new reads every event
    /// published before it, as far back as the topic's retention. An existing group keeps its
    /// position. So a service creates its group only once it has handlers; acknowledging
    /// events with nothing to do would throw them away for good.
    pub async fn attach(&self) -> Result<(), BusError> {
        let mut conn = self.bus.connection();
        for (_, stream) in self.cfg.topic.streams() {
            let r: Result<(), redis::RedisError> = redis::cmd("XGROUP")
                .arg("CREATE")
                .arg(&stream)
                .arg(&self.cfg.group)
                .arg("0")
                .arg("MKSTREAM")
                .query_async(&mut conn)
                .await;
            match r {
                Ok(()) => {}
                Err(e) if e.code() == Some("BUSYGROUP") => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Attaches, then handles entries of every partition until `shutdown` is cancelled. An entry
    /// being handled when shutdown comes is finished first.
    pub async fn run<H: Handler>(
        self,
        handler: H,
        shutdown: CancellationToken,
    ) -> Result<(), BusError> {
        self.attach().await?;
        for (_, stream) in self.cfg.topic.streams() {
            self.bus.metrics.init_group(&stream, &self.cfg.group);
        }
        let handler = Arc::new(handler);
        let mut tasks = tokio::task::JoinSet::new();
        for (p, stream) in self.cfg.topic.streams() {
            let blocking = self
                .bus
                .redis()
                .connect_with_timeout(self.cfg.block + crate::COMMAND_TIMEOUT)
                .await?;
            let part = Partition {
                conn: self.bus.connection(),
                blocking,
                bus: self.bus.clone(),
                cfg: self.cfg.clone(),
                handler: handler.clone(),
                p,
                stream,
                retries: BTreeMap::new(),
                waits: BTreeMap::new(),
                autoclaim_cursor: "0-0".to_owned(),
                next_autoclaim: Instant::now(),
                acks: FuturesUnordered::new(),
                done: Vec::new(),
                ack_failed: None,
            };
            tasks.spawn(part.run(shutdown.clone()));
        }
        // Sampled apart from the partitions, so the gauges move while a handler is slow.
        let sampler = tokio::spawn(sample_metrics(
            self.bus.clone(),
            self.cfg.clone(),
            shutdown.clone(),
        ));
        while tasks.join_next().await.is_some() {}
        sampler.abort();
        Ok(())
    }
}

struct Partition<H> {
    bus: Bus,
    cfg: Arc<ConsumerConfig>,
    handler: Arc<H>,
    p: u16,
    stream: String,
    conn: Conn,
    /// A connection of its own for the blocking read, so it never delays other commands.
    blocking: Conn,
    /// Entries of ours that failed, by id: when to deliver again and deliveries so far.
    retries: BTreeMap<String, (Instant, u32)>,
    /// Entries of ours waiting (`HandleError::Wait`): when to try again, deliveries so far.
    waits: BTreeMap<String, (Instant, u32)>,
    autoclaim_cursor: String,
    next_autoclaim: Instant,
    /// Acknowledgements of finished entries (those of one read together, with their handled
    /// marks, one `MULTI`) not yet answered: polled while the next read waits or a slow
    /// handler runs (which sends them), settled before the next entries are looked at (see
    /// [`Partition::process_all`]).
    acks: FuturesUnordered<Ack>,
    /// Entries finished since the last acknowledgement was sent: the entry id and, for one
    /// handled, its handled mark (none for a duplicate or a skipped entry).
    done: Vec<(String, Option<String>)>,
    /// The first acknowledgement that failed since the last settling.
    ack_failed: Option<redis::RedisError>,
}

/// An acknowledgement in flight; answers how many of its entries were handled (`ok`).
type Ack = Pin<Box<dyn Future<Output = Result<u64, redis::RedisError>> + Send>>;

/// Notes the answer to an acknowledgement: counted as handled, or kept as the failure.
fn acked(
    bus: &Bus,
    stream: &str,
    group: &str,
    failed: &mut Option<redis::RedisError>,
    r: Result<u64, redis::RedisError>,
) {
    match r {
        Ok(n) => bus
            .metrics
            .handled
            .with_label_values(&[stream, group, "ok"])
            .inc_by(n),
        Err(e) => {
            failed.get_or_insert(e);
        }
    }
}

impl<H: Handler> Partition<H> {
    async fn run(mut self, shutdown: CancellationToken) {
        self.consume(&shutdown).await;
        // What was handled is acknowledged before the partition stops.
        if let Err(e) = self.settle_acks().await {
            warn!(stream = %self.stream, group = %self.cfg.group, error = %e, "acknowledging handled entries failed; they will be delivered again");
        }
    }

    async fn consume(&mut self, shutdown: &CancellationToken) {
        // Own pending entries first: they were delivered to this replica before it stopped.
        while let Err(e) = self.drain_own_pending().await {
            warn!(stream = %self.stream, error = %e, "reading own pending entries failed; retrying");
            if sleep_or_shutdown(Duration::from_secs(1), shutdown).await {
                return;
            }
        }
        while !shutdown.is_cancelled() {
            if let Err(e) = self.step(shutdown).await {
                warn!(stream = %self.stream, group = %self.cfg.group, error = %e, "consumer step failed");
                if sleep_or_shutdown(Duration::from_secs(1), shutdown).await {
                    return;
                }
            }
        }
    }

    async fn step(&mut self, shutdown: &CancellationToken) -> Result<(), BusError> {
        self.retry_due().await?;
        self.wait_due().await?;
        if Instant::now() >= self.next_autoclaim {
            self.reclaim_stale().await?;
            self.next_autoclaim =
                Instant::now() + (self.cfg.claim_idle / 4).max(Duration::from_millis(50));
        }
        let mut block = self.cfg.block;
        if let Some((due, _)) = self
            .retries
            .values()
            .chain(self.waits.values())
            .min_by_key(|(due, _)| *due)
        {
            block = block.min(due.saturating_duration_since(Instant::now()));
        }
        block = block.min(
            self.next_autoclaim
                .saturating_duration_since(Instant::now()),
        );
        // The acknowledgements of the last entries go out (and are answered) while the read
        // waits for the next ones.
        let entries = {
            let read = read_new(
                &mut self.blocking,
                &self.cfg,
                &self.stream,
                block.max(Duration::from_millis(1)),
            );
            tokio::pin!(read);
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return Ok(()),
                    r = &mut read => break r?,
                    Some(r) = self.acks.next(), if !self.acks.is_empty() => {
                        acked(&self.bus, &self.stream, &self.cfg.group, &mut self.ack_failed, r);
                    }
                }
            }
        };
        self.process_all(entries.into_iter().map(|e| (e, 1)).collect())
            .await
    }

    /// Own pending entries (from before a restart), claimed again so that their delivery count
    /// advances even if the handler takes the whole process down each time.
    async fn drain_own_pending(&mut self) -> Result<(), BusError> {
        let mut start = "-".to_owned();
        loop {
            let pending: StreamPendingCountReply = redis::cmd("XPENDING")
                .arg(&self.stream)
                .arg(&self.cfg.group)
                .arg(&start)
                .arg("+")
                .arg(self.cfg.batch)
                .arg(&self.cfg.consumer)
                .query_async(&mut self.conn)
                .await?;
            let Some(last) = pending.ids.last() else {
                return Ok(());
            };
            start = format!("({}", last.id);
            let counts: HashMap<String, u32> = pending
                .ids
                .iter()
                .map(|p| (p.id.clone(), p.times_delivered as u32))
                .collect();
            let ids: Vec<&str> = pending.ids.iter().map(|p| p.id.as_str()).collect();
            let claimed = self.claim(&ids, Duration::ZERO).await?;
            let claimed_ids: Vec<String> = claimed.iter().map(|e| e.id.clone()).collect();
            let entries = claimed
                .into_iter()
                .map(|entry| {
                    let n = counts.get(&entry.id).copied().unwrap_or(0) + 1;
                    (entry, n)
                })
                .collect();
            self.process_all(entries).await?;
            // Pending ids whose entries were deleted from the stream come back empty: ack them.
            for id in ids
                .iter()
                .filter(|id| !claimed_ids.iter().any(|c| c == *id))
            {
                let _: i64 = self
                    .conn
                    .xack(&self.stream, &self.cfg.group, &[*id])
                    .await?;
            }
        }
    }

    async fn claim(&mut self, ids: &[&str], min_idle: Duration) -> Result<Vec<StreamId>, BusError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let reply: StreamClaimReply = redis::cmd("XCLAIM")
            .arg(&self.stream)
            .arg(&self.cfg.group)
            .arg(&self.cfg.consumer)
            .arg(min_idle.as_millis() as u64)
            .arg(ids)
            .query_async(&mut self.conn)
            .await?;
        Ok(reply.ids)
    }

    /// Entries of consumers that stopped (idle past `claim_idle`), claimed with `XAUTOCLAIM`.
    async fn reclaim_stale(&mut self) -> Result<(), BusError> {
        let reply: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
            .arg(&self.stream)
            .arg(&self.cfg.group)
            .arg(&self.cfg.consumer)
            .arg(self.cfg.claim_idle.as_millis() as u64)
            .arg(&self.autoclaim_cursor)
            .arg("COUNT")
            .arg(self.cfg.batch)
            .query_async(&mut self.conn)
            .await?;
        self.autoclaim_cursor = reply.next_stream_id;
        if reply.claimed.is_empty() {
            return Ok(());
        }
        let counts = self.delivery_counts(&reply.claimed).await?;
        let mut entries = Vec::with_capacity(reply.claimed.len());
        for entry in reply.claimed {
            // An entry of ours waiting for its backoff may be claimed here too: handle it now.
            self.retries.remove(&entry.id);
            self.waits.remove(&entry.id);
            let n = counts.get(&entry.id).copied().unwrap_or(1);
            self.bus
                .metrics
                .reclaimed
                .with_label_values(&[&self.stream, &self.cfg.group])
                .inc();
            debug!(stream = %self.stream, entry = %entry.id, deliveries = n, "reclaimed a stale entry");
            entries.push((entry, n));
        }
        self.process_all(entries).await
    }

    async fn delivery_counts(
        &mut self,
        entries: &[StreamId],
    ) -> Result<HashMap<String, u32>, BusError> {
        let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
            return Ok(HashMap::new());
        };
        let pending: StreamPendingCountReply = redis::cmd("XPENDING")
            .arg(&self.stream)
            .arg(&self.cfg.group)
            .arg(&first.id)
            .arg(&last.id)
            .arg(entries.len() * 2)
            .arg(&self.cfg.consumer)
            .query_async(&mut self.conn)
            .await?;
        Ok(pending
            .ids
            .into_iter()
            .map(|p| (p.id, p.times_delivered as u32))
            .collect())
    }

    async fn retry_due(&mut self) -> Result<(), BusError> {
        let now = Instant::now();
        let due: Vec<(String, u32, Duration)> = self
            .retries
            .iter()
            .filter(|(_, (at, _))| *at <= now)
            .map(|(id, (_, n))| (id.clone(), *n, self.cfg.backoff_after(*n)))
            .collect();
        for (id, n, waited) in due {
            self.retries.remove(&id);
            // Claim only if it stayed idle since our failure: if another consumer took it
            // meanwhile, it is theirs now.
            let min_idle = waited.saturating_sub(Duration::from_millis(50));
            for entry in self.claim(&[&id], min_idle).await? {
                self.process(entry, n + 1).await?;
            }
        }
        Ok(())
    }

    /// Waiting entries whose time came: kept (`XCLAIM … JUSTID` through `EXTEND`, which resets
    /// their idle time and leaves the delivery count alone), read again and handled.
    async fn wait_due(&mut self) -> Result<(), BusError> {
        let now = Instant::now();
        let due: Vec<(String, u32)> = self
            .waits
            .iter()
            .filter(|(_, (at, _))| *at <= now)
            .map(|(id, (_, n))| (id.clone(), *n))
            .collect();
        for (id, n) in due {
            self.waits.remove(&id);
            let kept: i64 = EXTEND
                .key(&self.stream)
                .arg(&self.cfg.group)
                .arg(&self.cfg.consumer)
                .arg(&id)
                .invoke_async(&mut self.conn)
                .await?;
            if kept != 1 {
                // Another consumer has it now.
                continue;
            }
            let r: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
                .arg(&self.stream)
                .arg(&id)
                .arg(&id)
                .query_async(&mut self.conn)
                .await?;
            // Gone from the stream (trimmed or deleted): `process` acknowledges an empty entry.
            let entry = r.ids.into_iter().next().unwrap_or(StreamId {
                id: id.clone(),
                ..Default::default()
            });
            self.process(entry, n).await?;
        }
        Ok(())
    }

    async fn process(&mut self, entry: StreamId, deliveries: u32) -> Result<(), BusError> {
        self.process_all(vec![(entry, deliveries)]).await
    }

    /// Handles `entries` (with their delivery counts): in stream order per key of the handler
    /// ([`Handler::key`]), different keys at the same time (see [`Partition::handle_keyed`]).
    ///
    /// What costs a round trip is done once for all of them rather than once each: entries the
    /// handler does not want are only acknowledged; whether each other event was handled before
    /// is asked in one pipeline (an `EXISTS` per handled mark); the acknowledgement of them all
    /// (the handled marks and one `XACK`, one `MULTI`) is sent once the last is handled,
    /// without waiting for the answer. Those answers are awaited before the next entries are
    /// looked at (a mark is written before it is asked for), which is, for a read, while the
    /// next read waits for entries.
    async fn process_all(&mut self, entries: Vec<(StreamId, u32)>) -> Result<(), BusError> {
        if let Err(e) = self.settle_acks().await {
            // Its entry stays pending and unmarked: it is delivered again once idle.
            warn!(stream = %self.stream, group = %self.cfg.group, error = %e, "acknowledging a handled entry failed; it will be delivered again");
        }
        if entries.is_empty() {
            return Ok(());
        }
        let handled = self.handle_all(entries).await;
        self.send_done();
        handled
    }

    async fn handle_all(&mut self, entries: Vec<(StreamId, u32)>) -> Result<(), BusError> {
        let mut parsed: Vec<Option<Result<Envelope, crate::EnvelopeError>>> = entries
            .iter()
            .map(|(e, _)| (!e.map.is_empty()).then(|| Envelope::from_fields(&e.map)))
            .collect();
        // Entries of no interest to this group are done as they are.
        let mut kept = Vec::with_capacity(entries.len());
        for (entry, envelope) in entries.into_iter().zip(parsed.drain(..)) {
            if let Some(Ok(env)) = &envelope
                && !self.handler.wants(env)
            {
                self.done.push((entry.0.id, None));
                self.count("skipped");
                continue;
            }
            kept.push((entry, envelope));
        }
        let (entries, parsed): (Vec<_>, Vec<_>) = kept.into_iter().unzip();
        let marks: Vec<String> = parsed
            .iter()
            .flatten()
            .flatten()
            .map(|env| {
                self.cfg
                    .topic
                    .seen(self.p, &self.cfg.group, &env.id.to_string())
            })
            .collect();
        let mut seen: Vec<bool> = if marks.is_empty() {
            Vec::new()
        } else {
            let mut pipe = redis::pipe();
            for m in &marks {
                pipe.exists(m);
            }
            pipe.query_async(&mut self.conn).await?
        };
        seen.reverse();
        let mut marks = marks.into_iter();
        // Two copies of one event in one read: the second is a duplicate of the first.
        let mut handled: HashSet<String> = HashSet::new();
        // What is left to handle, in stream order: the entry, and the event with its mark.
        let mut work: Vec<(StreamId, Delivery, String)> = Vec::new();
        for ((entry, deliveries), envelope) in entries.into_iter().zip(parsed) {
            let envelope = match envelope {
                None => {
                    // Deleted from the stream while pending: nothing left to handle.
                    let _: i64 = self
                        .conn
                        .xack(&self.stream, &self.cfg.group, &[&entry.id])
                        .await?;
                    continue;
                }
                Some(Err(e)) => {
                    self.dead_letter(&entry, deliveries, &format!("malformed envelope: {e}"))
                        .await?;
                    continue;
                }
                Some(Ok(env)) => env,
            };
            let mark = marks.next().unwrap_or_default();
            let marked = seen.pop().unwrap_or(false);
            if marked || !handled.insert(envelope.id.to_string()) {
                self.done.push((entry.id, None));
                self.count("duplicate");
                continue;
            }
            if deliveries > self.cfg.max_deliveries {
                let reason = format!(
                    "delivered {deliveries} times without an acknowledgement (the consumer stopped during handling each time)"
                );
                self.dead_letter(&entry, deliveries, &reason).await?;
                continue;
            }
            let delivery = Delivery {
                stream: self.stream.clone(),
                partition: self.p,
                entry: entry.id.clone(),
                envelope,
                deliveries,
            };
            work.push((entry, delivery, mark));
        }
        if work.is_empty() {
            return Ok(());
        }
        let (entries, work): (Vec<_>, Vec<_>) = work
            .into_iter()
            .map(|(entry, delivery, mark)| ((entry, mark), delivery))
            .unzip();
        let results = self.handle_keyed(work).await;
        for ((entry, mark), (deliveries, result)) in entries.into_iter().zip(results) {
            self.outcome(entry, deliveries, mark, result).await?;
        }
        Ok(())
    }

    /// Handles `work` (one read's entries to handle, in stream order) by the handler's keys
    /// ([`Handler::key`]): one key's entries one after another, different keys' at the same
    /// time. While they run, the acknowledgements of earlier entries are answered, and every
    /// `claim_idle / 3` every entry of `work` is kept (`EXTEND`): running, waiting behind its
    /// key's running one, or finished and waiting for the others (the read is acknowledged
    /// once all are done), so none looks idle enough to be reclaimed. Answers each entry's
    /// delivery count and result, in `work`'s order.
    async fn handle_keyed(&mut self, work: Vec<Delivery>) -> Vec<(u32, Result<(), HandleError>)> {
        let ids: Vec<String> = work.iter().map(|d| d.entry.clone()).collect();
        let deliveries: Vec<u32> = work.iter().map(|d| d.deliveries).collect();
        let mut chains: Vec<Vec<(usize, Delivery)>> = Vec::new();
        let mut by_key: HashMap<Option<String>, usize> = HashMap::new();
        for (i, d) in work.into_iter().enumerate() {
            let key = self.handler.key(&d.envelope).map(str::to_owned);
            let chain = *by_key.entry(key).or_insert_with(|| {
                chains.push(Vec::new());
                chains.len() - 1
            });
            chains[chain].push((i, d));
        }
        let mut running: FuturesUnordered<_> = chains
            .into_iter()
            .map(|chain| {
                let (handler, cfg) = (self.handler.clone(), self.cfg.clone());
                async move {
                    let mut out = Vec::with_capacity(chain.len());
                    for (i, d) in chain {
                        // A CONSUMER span whose parent is the publisher's (a malformed
                        // traceparent only loses the link, never the entry).
                        let span =
                            trace::handle_span(&d.stream, &cfg.group, &d.envelope, d.deliveries);
                        let r = handler.handle(d).instrument(span).await;
                        out.push((i, r));
                    }
                    out
                }
            })
            .collect();
        let mut results: Vec<Option<Result<(), HandleError>>> = ids.iter().map(|_| None).collect();
        let every = (self.cfg.claim_idle / 3).max(Duration::from_millis(10));
        let mut ticker = tokio::time::interval_at(Instant::now() + every, every);
        loop {
            tokio::select! {
                chain = running.next() => match chain {
                    Some(out) => {
                        for (i, r) in out {
                            results[i] = Some(r);
                        }
                    }
                    None => break,
                },
                // The acknowledgements of the entries before these.
                Some(r) = self.acks.next(), if !self.acks.is_empty() => {
                    acked(&self.bus, &self.stream, &self.cfg.group, &mut self.ack_failed, r);
                }
                _ = ticker.tick() => {
                    // Slow handlers: what was done before them is acknowledged, and this
                    // read's entries are kept, before they look idle enough to be reclaimed.
                    self.send_done();
                    for id in &ids {
                        let kept: Result<i64, _> = EXTEND
                            .key(&self.stream)
                            .arg(&self.cfg.group)
                            .arg(&self.cfg.consumer)
                            .arg(id)
                            .invoke_async(&mut self.conn)
                            .await;
                        if let Err(e) = kept {
                            warn!(stream = %self.stream, entry = %id, error = %e, "could not extend ownership of a slow entry");
                        }
                    }
                }
            }
        }
        deliveries
            .into_iter()
            .zip(results)
            .map(|(n, r)| {
                (
                    n,
                    r.unwrap_or_else(|| Err(HandleError::Retry("not handled".into()))),
                )
            })
            .collect()
    }

    /// What follows a handler's `result` for `entry`: done (acknowledged with its handled
    /// `mark`), dead-lettered, waiting, or to be delivered again.
    async fn outcome(
        &mut self,
        entry: StreamId,
        deliveries: u32,
        mark: String,
        result: Result<(), HandleError>,
    ) -> Result<(), BusError> {
        match result {
            Ok(()) => {
                self.done.push((entry.id, Some(mark)));
                Ok(())
            }
            Err(HandleError::Reject(reason)) => self.dead_letter(&entry, deliveries, &reason).await,
            Err(HandleError::Wait(reason)) => {
                let wait = self.cfg.max_backoff;
                warn!(stream = %self.stream, entry = %entry.id, ?wait, %reason, "entry waits");
                self.waits
                    .insert(entry.id.clone(), (Instant::now() + wait, deliveries));
                self.count("wait");
                Ok(())
            }
            Err(HandleError::Retry(reason)) if deliveries >= self.cfg.max_deliveries => {
                let reason = format!("{reason} (gave up after {deliveries} deliveries)");
                self.dead_letter(&entry, deliveries, &reason).await
            }
            Err(HandleError::Retry(reason)) => {
                let wait = self.cfg.backoff_after(deliveries);
                debug!(stream = %self.stream, entry = %entry.id, deliveries, ?wait, %reason, "handler failed; will retry");
                self.retries
                    .insert(entry.id.clone(), (Instant::now() + wait, deliveries));
                self.count("retry");
                Ok(())
            }
        }
    }

    /// Sends the acknowledgement of the entries done since the last one: the handled marks and
    /// one `XACK`, in one `MULTI`, so an entry is never acknowledged without its mark. Sent
    /// when first polled (by the next read's wait or a handler's), answered and counted there
    /// or in `settle_acks`.
    fn send_done(&mut self) {
        if self.done.is_empty() {
            return;
        }
        let ttl = (self.cfg.dedup_window.as_millis() as u64).max(1);
        let mut pipe = redis::pipe();
        pipe.atomic();
        let mut handled = 0;
        for mark in self.done.iter().filter_map(|(_, m)| m.as_ref()) {
            pipe.cmd("SET").arg(mark).arg(1).arg("PX").arg(ttl).ignore();
            handled += 1;
        }
        let ids: Vec<String> = self.done.drain(..).map(|(id, _)| id).collect();
        pipe.xack(&self.stream, &self.cfg.group, &ids).ignore();
        let mut conn = self.conn.clone();
        self.acks.push(Box::pin(async move {
            pipe.query_async::<()>(&mut conn).await?;
            Ok(handled)
        }));
    }

    /// Waits for the acknowledgements in flight (sending those not sent yet); the first
    /// failure since the last settling.
    async fn settle_acks(&mut self) -> Result<(), BusError> {
        self.send_done();
        while let Some(r) = self.acks.next().await {
            acked(
                &self.bus,
                &self.stream,
                &self.cfg.group,
                &mut self.ack_failed,
                r,
            );
        }
        self.ack_failed.take().map_or(Ok(()), |e| Err(e.into()))
    }

    async fn dead_letter(
        &mut self,
        entry: &StreamId,
        deliveries: u32,
        reason: &str,
    ) -> Result<(), BusError> {
        let dlq = self.cfg.topic.dead_letters(self.p, &self.cfg.group);
        let mut fields = crate::dlq::raw_fields(&entry.map, |_| true);
        for (k, v) in [
            ("dlq.reason", reason.to_owned()),
            ("dlq.stream", self.stream.clone()),
            ("dlq.group", self.cfg.group.clone()),
            ("dlq.entry", entry.id.clone()),
            ("dlq.deliveries", deliveries.to_string()),
            ("dlq.consumer", self.cfg.consumer.clone()),
        ] {
            fields.push((k.to_owned(), v.into_bytes()));
        }
        let _: () = redis::pipe()
            .atomic()
            .xadd(&dlq, "*", &fields)
            .ignore()
            .xack(&self.stream, &self.cfg.group, &[&entry.id])
            .ignore()
            .query_async(&mut self.conn)
            .await?;
        warn!(stream = %self.stream, group = %self.cfg.group, entry = %entry.id, deliveries, %reason, "dead-lettered");
        self.bus
            .metrics
            .dead_lettered
            .with_label_values(&[&self.stream, &self.cfg.group])
            .inc();
        self.count("dead_letter");
        Ok(())
    }

    fn count(&self, outcome: &str) {
        self.bus
            .metrics
            .handled
            .with_label_values(&[&self.stream, &self.cfg.group, outcome])
            .inc();
    }
}

/// New entries of `stream` for this consumer, waiting up to `block` (on a connection of its
/// own).
async fn read_new(
    blocking: &mut Conn,
    cfg: &ConsumerConfig,
    stream: &str,
    block: Duration,
) -> Result<Vec<StreamId>, BusError> {
    let reply: Option<StreamReadReply> = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg(&cfg.group)
        .arg(&cfg.consumer)
        .arg("COUNT")
        .arg(cfg.batch)
        .arg("BLOCK")
        .arg(block.as_millis() as u64)
        .arg("STREAMS")
        .arg(stream)
        .arg(">")
        .query_async(blocking)
        .await?;
    Ok(reply
        .into_iter()
        .flat_map(|r| r.keys)
        .flat_map(|k| k.ids)
        .collect())
}

/// Sets the pending, lag and dead-letter gauges of the group on every partition, every
/// `metrics_every` (`XINFO GROUPS` and `XLEN` of the dead-letter stream).
async fn sample_metrics(bus: Bus, cfg: Arc<ConsumerConfig>, shutdown: CancellationToken) {
    let mut conn = bus.connection();
    loop {
        for (p, stream) in cfg.topic.streams() {
            let dlq = cfg.topic.dead_letters(p, &cfg.group);
            match conn.xlen::<_, i64>(&dlq).await {
                Ok(n) => bus
                    .metrics
                    .dead_letters
                    .with_label_values(&[stream.as_str(), cfg.group.as_str()])
                    .set(n),
                Err(e) => debug!(%dlq, error = %e, "sampling dead letters failed"),
            }
            let info: Result<redis::streams::StreamInfoGroupsReply, _> =
                conn.xinfo_groups(&stream).await;
            match info {
                Ok(info) => {
                    if let Some(g) = info.groups.iter().find(|g| g.name == cfg.group) {
                        let labels = [stream.as_str(), cfg.group.as_str()];
                        bus.metrics
                            .pending
                            .with_label_values(&labels)
                            .set(g.pending as i64);
                        bus.metrics
                            .lag
                            .with_label_values(&labels)
                            .set(g.lag.unwrap_or(0) as i64);
                    }
                }
                Err(e) => debug!(%stream, error = %e, "sampling stream metrics failed"),
            }
        }
        if sleep_or_shutdown(cfg.metrics_every, &shutdown).await {
            return;
        }
    }
}

async fn sleep_or_shutdown(d: Duration, shutdown: &CancellationToken) -> bool {
    tokio::select! {
        _ = shutdown.cancelled() => true,
        _ = tokio::time::sleep(d) => false,
    }
}
