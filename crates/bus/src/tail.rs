//! Reading a topic without a consumer group: every reader sees every entry, from where it says.
//! For projections each replica keeps for itself (the catalog's search index): it notes where
//! each partition ends ([`Bus::ends`]), loads its snapshot, then follows from there ([`Bus::tail`]).

use std::time::Duration;

use crate::Conn;
use redis::streams::{StreamRangeReply, StreamReadReply};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::{Bus, BusError, Envelope, Topic};

/// The entries of a topic from given positions on, each partition in order (partitions are read
/// concurrently; an aggregate's entries are all in one partition, so each aggregate's are in
/// order).
pub struct Tail {
    rx: mpsc::Receiver<Vec<Envelope>>,
    _readers: JoinSet<()>,
}

impl Tail {
    /// The next batch of one partition; `None` once shut down.
    pub async fn next(&mut self) -> Option<Vec<Envelope>> {
        self.rx.recv().await
    }
}

impl Bus {
    /// Where each partition of `topic` ends now: the id of its last entry (`0-0` when empty).
    pub async fn ends(&self, topic: &Topic) -> Result<Vec<String>, BusError> {
        let mut out = Vec::new();
        for (_, stream) in topic.streams() {
            let r: StreamRangeReply = redis::cmd("XREVRANGE")
                .arg(&stream)
                .arg("+")
                .arg("-")
                .arg("COUNT")
                .arg(1)
                .query_async(&mut self.connection())
                .await?;
            out.push(r.ids.first().map_or_else(|| "0-0".into(), |e| e.id.clone()));
        }
        Ok(out)
    }

    /// Follows every partition of `topic` after `from` (one position per partition, as
    /// [`Bus::ends`] gives them; `0-0` from the start), in batches of up to `batch` entries,
    /// until `shutdown`. Each partition reads on a connection of its own, blocking; a Redis
    /// error is retried after a pause, from where the reader stood. Entries that are not
    /// envelopes are skipped with a warning (a projection has no dead-letter stream: the
    /// topic's consumer groups have).
    pub async fn tail(
        &self,
        topic: &Topic,
        from: Vec<String>,
        batch: usize,
        shutdown: CancellationToken,
    ) -> Result<Tail, BusError> {
        let (tx, rx) = mpsc::channel(4);
        let mut readers = JoinSet::new();
        for ((_, stream), start) in topic.streams().zip(from) {
            let conn = self
                .redis
                .connect_with_timeout(Duration::from_secs(2) + crate::COMMAND_TIMEOUT)
                .await?;
            readers.spawn(follow(
                conn,
                stream,
                start,
                batch,
                tx.clone(),
                shutdown.clone(),
            ));
        }
        Ok(Tail {
            rx,
            _readers: readers,
        })
    }
}

async fn follow(
    mut conn: Conn,
    stream: String,
    mut at: String,
    batch: usize,
    tx: mpsc::Sender<Vec<Envelope>>,
    shutdown: CancellationToken,
) {
    loop {
        let mut cmd = redis::cmd("XREAD");
        cmd.arg("COUNT")
            .arg(batch)
            .arg("BLOCK")
            .arg(2000)
            .arg("STREAMS")
            .arg(&stream)
            .arg(&at);
        let read = cmd.query_async::<Option<StreamReadReply>>(&mut conn);
        let reply = tokio::select! {
            _ = shutdown.cancelled() => return,
            r = read => r,
        };
        let entries = match reply {
            Ok(r) => r.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids),
            Err(e) => {
                tracing::warn!(%stream, error = %e, "tail: read failed, retrying");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_millis(500)) => continue,
                }
            }
        };
        let mut envelopes = Vec::new();
        for e in entries {
            match Envelope::from_fields(&e.map) {
                Ok(env) => envelopes.push(env),
                Err(err) => {
                    tracing::warn!(%stream, entry = %e.id, error = %err, "tail: not an envelope, skipped")
                }
            }
            at = e.id;
        }
        if !envelopes.is_empty() && tx.send(envelopes).await.is_err() {
            return;
        }
    }
}
