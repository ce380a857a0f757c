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
use prost::Message as _;
use rand::Rng;
use tokio::sync::watch;
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

/// Holds the delivery lease while the bridge runs; `held` says whether this replica has it.
pub fn spawn_lease(
    bridge: Arc<Bridge>,
    owner: String,
    held: watch::Sender<bool>,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let key = lease_key();
        let ttl = Duration::from_secs(3);
        let mut conn = bridge.conn.clone();
        loop {
            let now = match egov_runtime::lease::hold(&mut conn, &key, &owner, ttl).await {
                Ok(h) => h,
                Err(e) => {
                    tracing::warn!(error = %e, "delivery lease unavailable");
                    false
                }
            };
            held.send_if_modified(|h| std::mem::replace(h, now) != now);
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(Duration::from_millis(1000)) => {}
            }
        }
        held.send_replace(false);
        let _ = egov_runtime::lease::release(&mut conn, &key, &owner).await;
    })
}

/// Delivers `destination`'s queue to `url` until shutdown.
pub fn spawn(
    bridge: Arc<Bridge>,
    destination: String,
    url: String,
    mut held: watch::Receiver<bool>,
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
        while !shutdown.is_cancelled() {
            if !*held.borrow_and_update() {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = held.changed() => continue,
                }
            }
            let items = match head(&bridge, &queue, retry.batch).await {
                Ok(items) => items,
                Err(e) => {
                    tracing::warn!(destination, error = %e, "cannot read the queue");
                    pause(&shutdown, Duration::from_secs(1)).await;
                    continue;
                }
            };
            sample(&bridge, &destination, &queue).await;
            if items.is_empty() {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
                continue;
            }
            match deliver(&bridge, &client, &destination, &url, &queue, &items).await {
                Ok(()) => {
                    failures = 0;
                    bridge.metrics.attempt(&destination, "delivered");
                    status(&bridge, &destination, "up", "", 0).await;
                }
                Err(why) => {
                    failures += 1;
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

async fn pause(shutdown: &CancellationToken, d: Duration) {
    tokio::select! {
        _ = shutdown.cancelled() => {}
        _ = tokio::time::sleep(d) => {}
    }
}

/// The first `n` entries of a queue, as stored.
async fn head(bridge: &Bridge, queue: &str, n: usize) -> Result<Vec<Vec<u8>>, redis::RedisError> {
    let mut conn = bridge.conn.clone();
    redis::cmd("LRANGE")
        .arg(queue)
        .arg(0)
        .arg(n as i64 - 1)
        .query_async(&mut conn)
        .await
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

async fn sample(bridge: &Bridge, destination: &str, _queue: &str) {
    if let Ok((len, oldest)) = depth(bridge, destination).await {
        bridge.metrics.queue(destination, len, oldest);
    }
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

/// One delivery of `items` (the head of the queue): `Err` with the reason when it must be
/// retried.
async fn deliver(
    bridge: &Bridge,
    client: &reqwest::Client,
    destination: &str,
    url: &str,
    queue: &str,
    items: &[Vec<u8>],
) -> Result<(), String> {
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
    if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
        return Err(format!("{url}: {status}"));
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
    let mut job = Job::default();
    job.ops.push(Op::First(
        queue.to_owned(),
        items[0].clone(),
        "the queue moved".into(),
    ));
    let mut trimmed = accepted;
    let now = egov_kernel::time::format(bridge.clock.now());
    let signer = bridge.subject.clone();
    for q in &queued[..accepted] {
        job.facts.push(sent(q, destination, &signer, "delivered"));
        job.ops.push(Op::Set(
            journal::message_key(&q.id),
            vec![
                ("state".into(), "delivered".into()),
                ("delivered_at".into(), now.clone()),
            ],
        ));
    }
    let refused_here = accepted < queued.len() && !ack.refused.is_empty();
    if refused_here {
        let q = &queued[accepted];
        let reason = if ack.reason.is_empty() {
            "refused".to_owned()
        } else {
            ack.reason.clone()
        };
        refusal_ops(&mut job, destination, &signer, q, &reason);
        trimmed += 1;
    }
    job.ops.push(Op::Trim(queue.to_owned(), trimmed));
    let mut kinds = Vec::new();
    for (i, reply) in ack.replies.iter().enumerate() {
        match bridge
            .prepare_signed(destination, reply, &format!("replies[{i}]"))
            .await
        {
            Ok(Some((j, kind))) => {
                job.facts.extend(j.facts);
                job.ops.extend(j.ops);
                kinds.push(kind);
            }
            Ok(None) => {}
            Err(r) => {
                tracing::warn!(
                    destination,
                    field = r.field,
                    rule = r.rule,
                    detail = r.detail,
                    "a reply was refused"
                );
                bridge.metrics.received("REPLY", "refused");
            }
        }
    }
    match bridge.journal.run(job).await {
        Ok(_) => {}
        Err(JournalError::Check(why)) => {
            // Another deliverer moved the queue (a lease handed over): read it again.
            tracing::info!(destination, why, "the queue moved under the delivery");
            return Ok(());
        }
        Err(e) => return Err(format!("journal: {e}")),
    }
    for q in &queued[..accepted] {
        bridge.metrics.sent(type_name(q.r#type), "delivered", 1);
    }
    if refused_here {
        bridge
            .metrics
            .sent(type_name(queued[accepted].r#type), "refused", 1);
    }
    for k in kinds {
        bridge.metrics.received(&k, "accepted");
        bridge.wake(crate::config::MONITORING_IS);
    }
    if accepted == 0 && !refused_here {
        return Err(format!("{url}: accepted nothing ({})", ack.reason));
    }
    Ok(())
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
) -> Result<(), String> {
    tracing::warn!(destination, reason, "the destination refused a message");
    let mut job = Job::default();
    job.ops.push(Op::First(
        queue.to_owned(),
        raw.to_vec(),
        "the queue moved".into(),
    ));
    match q {
        Some(q) => refusal_ops(&mut job, destination, &bridge.subject, q, reason),
        None => job
            .ops
            .push(Op::Push(journal::refused_key(destination), raw.to_vec())),
    }
    job.ops.push(Op::Trim(queue.to_owned(), 1));
    match bridge.journal.run(job).await {
        Ok(_) | Err(JournalError::Check(_)) => {
            bridge.metrics.attempt(destination, "refused");
            Ok(())
        }
        Err(e) => Err(format!("journal: {e}")),
    }
}

/// A batch of messages as one `Batch` body.
pub fn batch_body(signed: &[Signed]) -> Vec<u8> {
    egov_events::monitoring::Batch {
        messages: signed.to_vec(),
    }
    .encode_to_vec()
}
