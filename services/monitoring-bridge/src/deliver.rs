//! Deliveries (MON-9.b): one deliverer per destination sends the head of its queue, in order,
//! to the destination's URL, a batch at a time, and moves past what the destination
//! acknowledged in one journal step with the "sent" entries of the log (MON-9.a). While a
//! destination is unreachable its deliverer retries the same head with exponential backoff
//! and full jitter up to a cap; other destinations' deliverers are not held back. A message the
//! destination refuses (an answer that is not a transient failure) is moved to the
//! destination's refused list with the reason, and the queue goes on.
//!
//! Only the replica holding the bridge's delivery lease delivers, so two replicas never
//! deliver one queue at once; after a crash between a delivery and its journal step the same
//! messages go again, and the destination recognises them by id (its `Ack.duplicates`).

use std::sync::Arc;
use std::time::Duration;

use egov_events::monitoring::{Ack, MessageType, Queued, Signed};
use egov_runtime::lease::Held;
use prost::Message as _;
use rand::Rng;
use tokio_util::sync::CancellationToken;

use crate::domain::log::{Direction, Fact};
use crate::exchange::Bridge;
use crate::journal::{self, Job, JournalError, Op};

/// The lease of deliveries.
pub fn lease_key() -> String {
    format!("{}lease:deliver", journal::PREFIX)
}

/// A destination's delivery status (for the API; best effort, not part of the journal).
pub fn status_key(destination: &str) -> String {
    format!("{}dest:{destination}", journal::PREFIX)
}

/// The delivery lease: one replica delivers (a Redis key, or a Kubernetes Lease in a
/// cluster).
pub fn lease_name() -> egov_runtime::lease::LeaseName {
    egov_runtime::lease::LeaseName {
        redis_key: lease_key(),
        purpose: "monitoring-bridge-deliveries",
    }
}

/// The most bytes in one delivery (at least one message goes, whatever its size).
const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;

/// The journal's reason when the queue's head is not the one delivered.
const QUEUE_MOVED: &str = "the queue moved";

/// What one delivery came to.
enum Delivered {
    /// The destination took messages (or refused one, which left the queue).
    Moved,
    /// The queue changed under the delivery (a lease handed over): read it again.
    Reread,
}

/// Delivers `destination`'s queue to `url` until shutdown.
pub fn spawn(
    bridge: Arc<Bridge>,
    destination: String,
    url: String,
    mut held: Held,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let retry = bridge.exchange.retry.clone();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(retry.timeout_ms))
            .build()
            .expect("an HTTP client");
        let wake = bridge.wake.get(&destination).cloned().unwrap_or_default();
        let queue = journal::queue_key(&destination);
        let mut failures = 0u32;
        // After a 413 the next attempt sends the head alone.
        let mut single = false;
        while !shutdown.is_cancelled() {
            if !held.now() {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = held.changed() => continue,
                }
            }
            let items = match head(&bridge, &queue, if single { 1 } else { retry.batch }).await {
                Ok(items) => items,
                Err(e) => {
                    tracing::warn!(destination, error = %e, "cannot read the queue");
                    pause(&shutdown, Duration::from_secs(1)).await;
                    continue;
                }
            };
            if items.is_empty() {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
                continue;
            }
            match deliver(&bridge, &client, &destination, &url, &queue, &items).await {
                Ok(Delivered::Moved) => {
                    failures = 0;
                    single = false;
                    bridge.metrics.attempt(&destination, "delivered");
                    status(&bridge, &destination, "up", "", 0).await;
                }
                Ok(Delivered::Reread) => pause(&shutdown, Duration::from_millis(100)).await,
                Err(Failure { why, too_large }) => {
                    failures += 1;
                    single |= too_large;
                    bridge.metrics.attempt(&destination, "failed");
                    let wait = retry.backoff(failures, rand::thread_rng().r#gen::<f64>());
                    tracing::info!(destination, failures, wait_ms = wait.as_millis() as u64, reason = %why, "delivery failed; retrying");
                    status(&bridge, &destination, "retrying", &why, failures).await;
                    pause(&shutdown, wait).await;
                }
            }
        }
    })
}

/// Samples every destination's depth and oldest age into the metrics each second, whichever
/// replica delivers (`/metrics` of every replica tells the truth).
pub fn spawn_sampler(
    bridge: Arc<Bridge>,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while !shutdown.is_cancelled() {
            for d in bridge.routes.keys() {
                if let Ok((len, oldest)) = depth(&bridge, d).await {
                    bridge.metrics.queue(d, len, oldest);
                }
            }
            pause(&shutdown, Duration::from_secs(1)).await;
        }
    })
}

async fn pause(shutdown: &CancellationToken, d: Duration) {
    tokio::select! {
        _ = shutdown.cancelled() => {}
        _ = tokio::time::sleep(d) => {}
    }
}

/// The first entries of a queue, as stored: at most `n`, and at most `MAX_BATCH_BYTES` but
/// for the first.
async fn head(bridge: &Bridge, queue: &str, n: usize) -> Result<Vec<Vec<u8>>, redis::RedisError> {
    let mut conn = bridge.conn.clone();
    let mut items: Vec<Vec<u8>> = redis::cmd("LRANGE")
        .arg(queue)
        .arg(0)
        .arg(n as i64 - 1)
        .query_async(&mut conn)
        .await?;
    let mut total = 0;
    let keep = items
        .iter()
        .take_while(|i| {
            total += i.len();
            total <= MAX_BATCH_BYTES
        })
        .count()
        .max(1);
    items.truncate(keep);
    Ok(items)
}

/// A destination's queue depth and the age of its oldest message.
pub async fn depth(bridge: &Bridge, destination: &str) -> Result<(u64, f64), redis::RedisError> {
    let queue = journal::queue_key(destination);
    let mut conn = bridge.conn.clone();
    let (len, first): (u64, Option<Vec<u8>>) = redis::pipe()
        .cmd("LLEN")
        .arg(&queue)
        .cmd("LINDEX")
        .arg(&queue)
        .arg(0)
        .query_async(&mut conn)
        .await?;
    let oldest = first
        .and_then(|b| Queued::decode(b.as_slice()).ok())
        .map(|q| ((bridge.clock.now().as_millisecond() - q.enqueued_ms).max(0) as f64) / 1000.0)
        .unwrap_or(0.0);
    Ok((len, oldest))
}

async fn status(bridge: &Bridge, destination: &str, state: &str, error: &str, failures: u32) {
    let mut conn = bridge.conn.clone();
    let _: Result<(), _> = redis::cmd("HSET")
        .arg(status_key(destination))
        .arg("state")
        .arg(state)
        .arg("last_error")
        .arg(error)
        .arg("failures")
        .arg(failures)
        .arg("at")
        .arg(egov_kernel::time::format(bridge.clock.now()))
        .query_async(&mut conn)
        .await;
}

/// A delivery to retry after a backoff.
struct Failure {
    why: String,
    /// The destination said the batch was too large: send the head alone next.
    too_large: bool,
}

impl From<String> for Failure {
    fn from(why: String) -> Self {
        Self {
            why,
            too_large: false,
        }
    }
}

/// Whether an HTTP status means "try again later" rather than "this message is refused":
/// the destination is down, busy or misconfigured (an endpoint that moved, credentials that
/// expired), which an operator fixes; the message itself is not at fault (MON-9.b: sending
/// resumes once the error is removed).
fn transient(status: u16) -> bool {
    status >= 500 || matches!(status, 401 | 403 | 404 | 405 | 408 | 413 | 421 | 429)
}

/// One delivery of `items` (the head of the queue).
async fn deliver(
    bridge: &Bridge,
    client: &reqwest::Client,
    destination: &str,
    url: &str,
    queue: &str,
    items: &[Vec<u8>],
) -> Result<Delivered, Failure> {
    // Decode up to the first unreadable entry; an unreadable head is refused at once.
    let mut queued = Vec::with_capacity(items.len());
    for raw in items {
        match Queued::decode(raw.as_slice()) {
            Ok(q) => queued.push(q),
            Err(e) if queued.is_empty() => {
                return refuse(
                    bridge,
                    destination,
                    queue,
                    &items[0],
                    None,
                    &format!("unreadable queue entry: {e}"),
                )
                .await;
            }
            Err(_) => break,
        }
    }
    // The batch is the `Signed` bytes as queued, framed as `Batch.messages` (field 1).
    let mut body = Vec::with_capacity(queued.iter().map(|q| q.signed.len() + 6).sum());
    for q in &queued {
        prost::encoding::encode_key(1, prost::encoding::WireType::LengthDelimited, &mut body);
        prost::encoding::encode_varint(q.signed.len() as u64, &mut body);
        body.extend_from_slice(&q.signed);
    }
    let resp = client
        .post(url)
        .header("content-type", "application/x-protobuf")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|e| format!("{url}: {e}"))?;
    if transient(status.as_u16()) {
        return Err(Failure {
            why: format!("{url}: {status}"),
            too_large: status.as_u16() == 413 && queued.len() > 1,
        });
    }
    if !status.is_success() {
        let why = format!(
            "{status}: {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(500)])
        );
        return refuse(
            bridge,
            destination,
            queue,
            &items[0],
            Some(&queued[0]),
            &why,
        )
        .await;
    }
    let ack = Ack::decode(bytes.as_ref()).map_err(|e| format!("{url}: not an Ack: {e}"))?;
    let accepted = (ack.accepted as usize).min(queued.len());
    let refused_here = accepted < queued.len() && !ack.refused.is_empty();
    if refused_here && ack.refused != queued[accepted].id {
        return Err(format!(
            "{url}: refused {:?} where the next message is {:?}",
            ack.refused, queued[accepted].id
        )
        .into());
    }
    if accepted == 0 && !refused_here {
        return Err(format!("{url}: accepted nothing ({})", ack.reason).into());
    }
    // The destination's answers, once each, verified like everything received. An answer the
    // bridge cannot take now (Redis away) fails the delivery: it is sent again, and the
    // destination gives its answers again with the duplicates.
    let mut replies = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, reply) in ack.replies.iter().enumerate() {
        match bridge
            .prepare_signed(destination, reply, &format!("replies[{i}]"))
            .await
        {
            Ok(Some((j, kind))) => {
                if seen.insert(j.facts[0].id.clone()) {
                    replies.push((j, kind));
                }
            }
            Ok(None) => {}
            Err(r) if r.status >= 500 => return Err(format!("an answer: {}", r.detail).into()),
            Err(r) => {
                tracing::warn!(
                    destination,
                    field = r.field,
                    rule = r.rule,
                    detail = r.detail,
                    "an answer was refused"
                );
                bridge.metrics.received("REPLY", "refused");
            }
        }
    }
    let signer = bridge.subject.clone();
    let now = egov_kernel::time::format(bridge.clock.now());
    let step = |replies: &[(Job, String)]| {
        let mut job = Job::default();
        job.ops.push(Op::First(
            queue.to_owned(),
            items[0].clone(),
            QUEUE_MOVED.into(),
        ));
        for q in &queued[..accepted] {
            job.facts.push(sent(q, destination, &signer, "delivered"));
            let key = journal::message_key(&q.id);
            // An answer may have come first: "answered" is not moved back to "delivered".
            job.ops.push(Op::SetIf(
                key.clone(),
                "state".into(),
                "queued".into(),
                "delivered".into(),
            ));
            job.ops
                .push(Op::Set(key, vec![("delivered_at".into(), now.clone())]));
        }
        if refused_here {
            let q = &queued[accepted];
            let reason = if ack.reason.is_empty() {
                "refused".to_owned()
            } else {
                ack.reason.clone()
            };
            refusal_ops(&mut job, destination, &signer, q, &reason);
        }
        job.ops.push(Op::Trim(
            queue.to_owned(),
            accepted + usize::from(refused_here),
        ));
        for (j, _) in replies {
            job.extend(Job {
                facts: j.facts.clone(),
                ops: j.ops.clone(),
            });
        }
        job
    };
    // An answer whose check fails in the step (a race with the same answer by another way)
    // must not hold the queue: the step goes again without the answers that fail.
    let mut outcome = bridge.journal.run(step(&replies)).await;
    if let Err(JournalError::Check(why)) = &outcome
        && why != QUEUE_MOVED
    {
        tracing::warn!(
            destination,
            why,
            "an answer could not be taken; delivering without it"
        );
        replies.clear();
        outcome = bridge.journal.run(step(&replies)).await;
    }
    match outcome {
        Ok(_) => {}
        Err(JournalError::Check(_)) => return Ok(Delivered::Reread),
        Err(e) => return Err(format!("journal: {e}").into()),
    }
    for q in &queued[..accepted] {
        bridge.metrics.sent(type_name(q.r#type), "delivered", 1);
    }
    if refused_here {
        bridge
            .metrics
            .sent(type_name(queued[accepted].r#type), "refused", 1);
    }
    for (_, k) in replies {
        bridge.metrics.received(&k, "accepted");
        bridge.wake(crate::config::MONITORING_IS);
    }
    Ok(Delivered::Moved)
}

fn type_name(t: i32) -> &'static str {
    MessageType::try_from(t).map_or("UNKNOWN", |t| t.as_str_name())
}

fn sent(q: &Queued, destination: &str, signer: &str, outcome: &str) -> Fact {
    Fact {
        id: q.id.clone(),
        direction: Direction::Sent,
        peer: destination.to_owned(),
        kind: type_name(q.r#type).to_owned(),
        category: q.category as u8,
        digest: q.digest.clone(),
        signer: signer.to_owned(),
        outcome: outcome.into(),
    }
}

fn refusal_ops(job: &mut Job, destination: &str, signer: &str, q: &Queued, reason: &str) {
    job.facts.push(sent(q, destination, signer, "refused"));
    let mut kept = q.clone();
    kept.reason = reason.to_owned();
    job.ops.push(Op::Push(
        journal::refused_key(destination),
        kept.encode_to_vec(),
    ));
    job.ops.push(Op::Set(
        journal::message_key(&q.id),
        vec![
            ("state".into(), "refused".into()),
            ("reason".into(), reason.to_owned()),
        ],
    ));
}

/// The destination refused the head: it goes to the refused list and the queue goes on.
async fn refuse(
    bridge: &Bridge,
    destination: &str,
    queue: &str,
    raw: &[u8],
    q: Option<&Queued>,
    reason: &str,
) -> Result<Delivered, Failure> {
    tracing::warn!(destination, reason, "the destination refused a message");
    let mut job = Job::default();
    job.ops.push(Op::First(
        queue.to_owned(),
        raw.to_vec(),
        QUEUE_MOVED.into(),
    ));
    match q {
        Some(q) => refusal_ops(&mut job, destination, &bridge.subject, q, reason),
        None => job
            .ops
            .push(Op::Push(journal::refused_key(destination), raw.to_vec())),
    }
    job.ops.push(Op::Trim(queue.to_owned(), 1));
    match bridge.journal.run(job).await {
        Ok(_) => {
            bridge.metrics.attempt(destination, "refused");
            Ok(Delivered::Moved)
        }
        Err(JournalError::Check(_)) => Ok(Delivered::Reread),
        Err(e) => Err(format!("journal: {e}").into()),
    }
}

/// A batch of messages as one `Batch` body.
pub fn batch_body(signed: &[Signed]) -> Vec<u8> {
    egov_events::monitoring::Batch {
        messages: signed.to_vec(),
    }
    .encode_to_vec()
}
