//! Aggregates on Redis, which is also the system of record (ARCHITECTURE.md, store).
//!
//! [`Store::append`] is **one atomic step** (a Lua script): it checks the expected version,
//! appends the event to the aggregate's history, writes its new state, updates secondary
//! indexes and `XADD`s the same event (same entry id) to the service's topic partition. A
//! stale version is [`StoreError::Conflict`], never an overwrite; a failed step writes nothing.
//! That is the transactional outbox without a second database.
//!
//! Key layout (the `{…}` hash tag is the topic partition, see [`egov_bus::Topic`]):
//!
//! | key | type | what |
//! |---|---|---|
//! | `egov:{svc.p}:events` | stream | the service's topic partition |
//! | `egov:{svc.p}:agg:<kind>:<id>` | hash | `version`, `state` (JSON), `event` (last entry id) |
//! | `egov:{svc.p}:agg:<kind>:<id>:history` | stream | the aggregate's events, same ids as the topic |
//! | `egov:{svc.p}:idx:<name>` | set / sorted set | secondary indexes |
//! | `egov:{svc.p}:agg:<kind>:<id>:projection` | stream | other services' events about it (a case timeline) |
//! | `egov:{svc.p}:applied:<kind>:<id>:<event-id>` | string | an event whose effect on the aggregate is applied |
//! | `egov:{svc.p}:unique:<name>` | string | a unique name taken by an aggregate (its id) |
//! | `egov:{svc.p}:answer:<name>` | string | the answer to the request of that name ([`Store::append_answered`], [`idempotency::IdempotencyRecords::answering_in`]) |
//!
//! [`idempotency`] keeps `Idempotency-Key` records.

pub mod idempotency;
mod script;

use std::collections::HashMap;
use std::time::Duration;

use egov_bus::Conn;
use egov_bus::{Envelope, Topic};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

/// Store errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The aggregate is not at the version the writer read: someone else wrote first.
    #[error("version conflict on {aggregate}: expected {expected}, found {actual}")]
    Conflict {
        /// The aggregate's key.
        aggregate: String,
        /// The version the writer expected.
        expected: u64,
        /// The version found.
        actual: u64,
    },
    /// A key the step would write holds another Redis type; nothing was written.
    #[error("key {0} has the wrong type; nothing was written")]
    WrongType(String),
    /// A state that does not serialize, or stored state that does not deserialize.
    #[error("state (de)serialization: {0}")]
    Serde(#[from] serde_json::Error),
    /// An index operation with an invalid score.
    #[error("invalid index operation: {0}")]
    InvalidIndex(String),
    /// A key part (kind, id, index name, applied or unique name) outside the key alphabet
    /// (ASCII letters, digits, `.`, `_`, `:`, `#`, `-`; 1 to 200 bytes). Ids from outside are
    /// parsed into their types before they get here; this is the store's own guard, so that no
    /// value can reach another key or another hash slot. Nothing was read or written.
    #[error("invalid key part {0:?}")]
    InvalidKey(String),
    /// Redis refused or could not be reached; the step may not have run.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
}

/// Checks that `part` may be used in a key name (see [`StoreError::InvalidKey`]).
pub fn key_part(part: &str) -> Result<&str, StoreError> {
    let ok = !part.is_empty()
        && part.len() <= 200
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:#-".contains(&b));
    if ok {
        Ok(part)
    } else {
        Err(StoreError::InvalidKey(part.chars().take(60).collect()))
    }
}

/// A secondary-index change made in the same atomic step as the append.
#[derive(Clone, Debug, PartialEq)]
pub enum IndexOp {
    /// Add `member` to set `index`.
    Add {
        /// Index name, e.g. `agency:940740000911`.
        index: String,
        /// The member, usually the aggregate id.
        member: String,
    },
    /// Remove `member` from set `index`.
    Remove {
        /// Index name.
        index: String,
        /// The member.
        member: String,
    },
    /// Set `member`'s score in sorted set `index` (e.g. a deadline as epoch seconds).
    Score {
        /// Index name.
        index: String,
        /// The member.
        member: String,
        /// The score; must be finite.
        score: f64,
    },
    /// Remove `member` from sorted set `index`.
    Unscore {
        /// Index name.
        index: String,
        /// The member.
        member: String,
    },
}

/// One append: the event, the new state and the version it replaces.
pub struct Append<'a, S> {
    /// The aggregate kind, e.g. `case`.
    pub kind: &'a str,
    /// The aggregate id.
    pub id: &'a str,
    /// The version the writer read (0 when creating the aggregate).
    pub expected_version: u64,
    /// The state after the event.
    pub state: &'a S,
    /// The event.
    pub event: &'a Envelope,
    /// Index changes.
    pub index: Vec<IndexOp>,
    /// When the append is the effect of handling an incoming event: that event's id. The step
    /// then runs at most once per id (within `applied_window`), even if the event is
    /// delivered again after a crash between this step and the acknowledgement.
    pub applied: Option<String>,
    /// A name that must not be taken yet; the step takes it for this aggregate. Used to make
    /// a creation unique per client request (`Appended::Exists` names the aggregate that took
    /// it). The name must hash to the aggregate's partition: create the id with
    /// [`Store::new_id_for`].
    pub unique: Option<String>,
}

/// What an append did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Appended {
    /// Written: the new version and the entry id in history and topic.
    Committed {
        /// The new version.
        version: u64,
        /// The stream entry id (same in history and topic).
        entry: String,
    },
    /// The incoming event of `Append::applied` was applied before; nothing written.
    AlreadyApplied,
    /// `Append::unique` was taken by this aggregate; nothing written.
    Exists(String),
}

/// The answer to the client request an append carries out, kept with what it writes
/// ([`Store::append_answered`]).
#[derive(Clone, Copy, Debug)]
pub struct Answer<'a> {
    /// The request's name: the record is at [`Store::answer_key`] of it, which must be in the
    /// aggregate's partition.
    pub name: &'a str,
    /// The record to keep: the request's fingerprint and its answer
    /// ([`idempotency::finished_record`]).
    pub record: &'a str,
    /// How long it is kept.
    pub ttl: Duration,
}

/// What an append that keeps its answer did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answered {
    /// The append ran (and, when committed, kept the answer).
    Appended(Appended),
    /// The request's name had an answer record already (this one, as stored): nothing written.
    Recorded(String),
}

/// A stored aggregate.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded<S> {
    /// Its current state.
    pub state: S,
    /// Its version (the number of events in its history).
    pub version: u64,
}

/// The cursor of a [`Store::scored_page`] page: the score and the member of its last item
/// (`<score>~<member>`), given back as `after` for the next page.
pub fn cursor(score: f64, member: &str) -> String {
    format!("{score}~{member}")
}

/// A cursor's score and member, or `None` when it is not one (the score holds no `~`; the
/// member, everything after the first, is for the caller to parse into its type).
pub fn split_cursor(s: &str) -> Option<(f64, &str)> {
    let (score, member) = s.split_once('~')?;
    let score: f64 = score.parse().ok().filter(|x: &f64| x.is_finite())?;
    (!member.is_empty()).then_some((score, member))
}

/// The key of the answer to the request named `name` in `topic`'s partitions
/// ([`Store::answer_key`]).
fn answer_key(topic: &Topic, name: &str) -> Result<String, StoreError> {
    let tag = topic.tag(topic.partition_of(key_part(name)?));
    Ok(format!("egov:{tag}:answer:{name}"))
}

/// The aggregate store of one service.
#[derive(Clone)]
pub struct Store {
    conn: Conn,
    topic: Topic,
    applied_window: Duration,
    /// Where an append's publish is counted (`egov_stream_published_total`), if anywhere.
    metrics: Option<egov_bus::BusMetrics>,
}

impl Store {
    /// A store writing to `topic` (the owning service's topic).
    pub fn new(conn: Conn, topic: Topic) -> Self {
        Self {
            conn,
            topic,
            applied_window: Duration::from_secs(30 * 24 * 3600),
            metrics: None,
        }
    }

    /// This store, counting each event it publishes in `metrics` (`published`, by stream; each
    /// of its topic's streams from zero).
    pub fn with_metrics(mut self, metrics: egov_bus::BusMetrics) -> Self {
        for (_, stream) in self.topic.streams() {
            metrics.published.with_label_values(&[stream.as_str()]);
        }
        self.metrics = Some(metrics);
        self
    }

    /// The topic this store publishes to.
    pub fn topic(&self) -> &Topic {
        &self.topic
    }

    fn tag_of(&self, id: &str) -> (u16, String) {
        let p = self.topic.partition_of(id);
        (p, self.topic.tag(p))
    }

    /// The key of an aggregate's state hash.
    pub fn state_key(&self, kind: &str, id: &str) -> Result<String, StoreError> {
        let (_, tag) = self.tag_of(key_part(id)?);
        Ok(format!("egov:{tag}:agg:{}:{id}", key_part(kind)?))
    }

    /// A new ULID id whose partition is that of `unique` (see [`Append::unique`]). With P
    /// partitions this draws about P ids.
    pub fn new_id_for(&self, unique: &str) -> String {
        let want = self.topic.partition_of(unique);
        loop {
            let id = ulid::Ulid::new().to_string();
            if self.topic.partition_of(&id) == want {
                return id;
            }
        }
    }

    /// Records `event` in the projection of aggregate `kind`/`id` (e.g. a case's timeline of
    /// other services' events), once per `applied` id. Does not publish. Returns false when it
    /// was recorded before.
    pub async fn project(
        &self,
        kind: &str,
        id: &str,
        event: &Envelope,
        applied: &str,
    ) -> Result<bool, StoreError> {
        let (_, tag) = self.tag_of(id);
        let base = self.state_key(kind, id)?;
        key_part(applied)?;
        let mut inv = script::PROJECT.prepare_invoke();
        inv.key(format!("{base}:projection"))
            .key(format!("egov:{tag}:applied:{kind}:{id}:{applied}"));
        inv.arg(self.applied_window.as_millis() as u64);
        for (k, v) in event.fields() {
            inv.arg(k).arg(v);
        }
        let n: i64 = inv.invoke_async(&mut self.conn.clone()).await?;
        Ok(n == 1)
    }

    /// The projection of an aggregate, oldest first.
    pub async fn projection(
        &self,
        kind: &str,
        id: &str,
    ) -> Result<Vec<(String, Envelope)>, StoreError> {
        self.read_stream(&format!("{}:projection", self.state_key(kind, id)?))
            .await
    }

    /// The key of index `name` in partition `p`.
    pub fn index_key(&self, p: u16, name: &str) -> String {
        format!("egov:{}:idx:{name}", self.topic.tag(p))
    }

    /// Appends one event atomically (see the crate docs).
    pub async fn append<S: Serialize>(&self, a: Append<'_, S>) -> Result<Appended, StoreError> {
        match self.append_with(a, None).await? {
            Answered::Appended(a) => Ok(a),
            Answered::Recorded(_) => Err(StoreError::Redis(redis::RedisError::from((
                redis::ErrorKind::Parse,
                "an answer record from an append that keeps none",
            )))),
        }
    }

    /// [`Store::append`] carrying out a client request, whose answer it keeps in the same step
    /// at the request's name (`egov:{svc.p}:answer:<name>`, [`Store::answer_key`], which must be
    /// in the aggregate's hash slot: a new aggregate's id drawn by [`Store::new_id_for`] the
    /// name, or an existing one's partition checked with [`Store::answers_with`]): the record
    /// is looked at first, and when there is one the step writes nothing and returns it
    /// ([`Answered::Recorded`]); when the append commits, the record is written with it. So the
    /// request, its effect and its answer take one round trip and one atomic step, and no crash
    /// falls between the effect and the answer.
    pub async fn append_answered<S: Serialize>(
        &self,
        a: Append<'_, S>,
        answer: Answer<'_>,
    ) -> Result<Answered, StoreError> {
        // The record is looked for at `answer_key(name)`: the aggregate must be where it is.
        if !self.answers_with(answer.name, a.id) {
            return Err(StoreError::InvalidKey(format!(
                "{} is not in the partition of {} (draw it with new_id_for)",
                a.id, answer.name
            )));
        }
        self.append_with(a, Some(answer)).await
    }

    /// Whether the answer to the request named `name` can be kept by an append of aggregate
    /// `id` ([`Store::append_answered`]): whether both are in one partition (always with one).
    pub fn answers_with(&self, name: &str, id: &str) -> bool {
        self.topic.partition_of(id) == self.topic.partition_of(name)
    }

    /// The key of the answer to the request named `name`: in the partition of `name`, where
    /// [`Store::new_id_for`] puts the aggregate it makes. The records there are
    /// [`idempotency`]'s; [`Store::append_answered`] writes one with its append.
    pub fn answer_key(&self, name: &str) -> Result<String, StoreError> {
        answer_key(&self.topic, name)
    }

    async fn append_with<S: Serialize>(
        &self,
        a: Append<'_, S>,
        answer: Option<Answer<'_>>,
    ) -> Result<Answered, StoreError> {
        let (p, tag) = self.tag_of(a.id);
        let state_key = self.state_key(a.kind, a.id)?;
        for part in a.applied.iter().chain(&a.unique) {
            key_part(part)?;
        }
        let history_key = format!("{state_key}:history");
        let applied_key = format!(
            "egov:{tag}:applied:{}:{}:{}",
            a.kind,
            a.id,
            a.applied.as_deref().unwrap_or("-")
        );
        let unique_key = format!("egov:{tag}:unique:{}", a.unique.as_deref().unwrap_or("-"));
        let answer_key = match answer {
            Some(x) => answer_key(&self.topic, x.name)?,
            // Not used: a key in the slot, as a script's keys must be.
            None => format!("egov:{tag}:answer:-"),
        };
        let state = serde_json::to_string(a.state)?;
        let stream = self.topic.stream(p);
        // The step publishes: it runs in a PRODUCER span whose context the entry carries.
        let (span, fields) = egov_bus::trace::publish(&stream, a.event);

        let mut inv = script::APPEND.prepare_invoke();
        inv.key(&state_key)
            .key(&history_key)
            .key(&stream)
            .key(&applied_key)
            .key(&unique_key)
            .key(&answer_key);
        let applied_ttl = if a.applied.is_some() {
            self.applied_window.as_millis() as u64
        } else {
            0
        };
        inv.arg(a.expected_version)
            .arg(&state)
            .arg(applied_ttl)
            .arg(if a.unique.is_some() { a.id } else { "" })
            .arg(answer.map_or("", |x| x.record))
            .arg(answer.map_or(0, |x| x.ttl.as_millis() as u64))
            .arg(fields.len());
        for (k, v) in &fields {
            inv.arg(*k).arg(v.as_slice());
        }
        for op in &a.index {
            let (code, index, member, score) = match op {
                IndexOp::Add { index, member } => ("sadd", index, member, 0.0),
                IndexOp::Remove { index, member } => ("srem", index, member, 0.0),
                IndexOp::Score {
                    index,
                    member,
                    score,
                } => ("zadd", index, member, *score),
                IndexOp::Unscore { index, member } => ("zrem", index, member, 0.0),
            };
            key_part(index)?;
            if !score.is_finite() {
                return Err(StoreError::InvalidIndex(format!(
                    "score of {member} in {index} is {score}"
                )));
            }
            inv.key(self.index_key(p, index))
                .arg(code)
                .arg(member)
                .arg(score);
        }
        let reply: Vec<redis::Value> = inv
            .invoke_async(&mut self.conn.clone())
            .instrument(span)
            .await?;
        let answered = script::append_outcome(&state_key, a.expected_version, reply)?;
        if let (Some(m), Answered::Appended(Appended::Committed { .. })) =
            (&self.metrics, &answered)
        {
            m.published.with_label_values(&[stream.as_str()]).inc();
        }
        Ok(answered)
    }

    /// Loads an aggregate's state and version, if it exists.
    pub async fn load<S: DeserializeOwned>(
        &self,
        kind: &str,
        id: &str,
    ) -> Result<Option<Loaded<S>>, StoreError> {
        let key = self.state_key(kind, id)?;
        let h: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(&key)
            .query_async(&mut self.conn.clone())
            .await?;
        let (Some(v), Some(s)) = (h.get("version"), h.get("state")) else {
            return Ok(None);
        };
        let version = v.parse().map_err(|_| StoreError::WrongType(key.clone()))?;
        Ok(Some(Loaded {
            state: serde_json::from_str(s)?,
            version,
        }))
    }

    /// An aggregate's events, oldest first, with their entry ids.
    pub async fn history(
        &self,
        kind: &str,
        id: &str,
    ) -> Result<Vec<(String, Envelope)>, StoreError> {
        self.read_stream(&format!("{}:history", self.state_key(kind, id)?))
            .await
    }

    async fn read_stream(&self, key: &str) -> Result<Vec<(String, Envelope)>, StoreError> {
        let r: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(key)
            .arg("-")
            .arg("+")
            .query_async(&mut self.conn.clone())
            .await?;
        r.ids
            .into_iter()
            .map(|e| {
                let env = Envelope::from_fields(&e.map)
                    .map_err(|err| StoreError::WrongType(format!("{key} entry {}: {err}", e.id)))?;
                Ok((e.id, env))
            })
            .collect()
    }

    /// The members of set index `name`, across partitions, sorted.
    pub async fn members(&self, name: &str) -> Result<Vec<String>, StoreError> {
        key_part(name)?;
        let mut out = Vec::new();
        for p in 0..self.topic.partitions() {
            let m: Vec<String> = redis::cmd("SMEMBERS")
                .arg(self.index_key(p, name))
                .query_async(&mut self.conn.clone())
                .await?;
            out.extend(m);
        }
        out.sort();
        Ok(out)
    }

    /// How many members set index `name` has, across partitions (`SCARD`, never the members).
    pub async fn count(&self, name: &str) -> Result<u64, StoreError> {
        key_part(name)?;
        let mut n = 0;
        for p in 0..self.topic.partitions() {
            let c: u64 = redis::cmd("SCARD")
                .arg(self.index_key(p, name))
                .query_async(&mut self.conn.clone())
                .await?;
            n += c;
        }
        Ok(n)
    }

    /// A page of sorted-set index `name` across partitions, in `(score, member)` order: at
    /// most `limit` entries after `after` (exclusive), and whether more follow. Reads in
    /// batches from the cursor's score on, never the whole set.
    pub async fn scored_page(
        &self,
        name: &str,
        after: Option<(f64, &str)>,
        limit: usize,
    ) -> Result<(Vec<(String, f64)>, bool), StoreError> {
        key_part(name)?;
        let past = |m: &str, s: f64| match after {
            None => true,
            Some((cs, cm)) => s > cs || (s == cs && m > cm),
        };
        let min = after.map_or("-inf".to_owned(), |(s, _)| s.to_string());
        let batch = limit.clamp(1, 500) + 1;
        let mut out: Vec<(String, f64)> = Vec::new();
        for p in 0..self.topic.partitions() {
            let key = self.index_key(p, name);
            let mut offset = 0;
            let mut taken = 0;
            loop {
                let m: Vec<(String, f64)> = redis::cmd("ZRANGE")
                    .arg(&key)
                    .arg(&min)
                    .arg("+inf")
                    .arg("BYSCORE")
                    .arg("LIMIT")
                    .arg(offset)
                    .arg(batch)
                    .arg("WITHSCORES")
                    .query_async(&mut self.conn.clone())
                    .await?;
                let n = m.len();
                offset += n;
                for (member, score) in m {
                    if past(&member, score) {
                        out.push((member, score));
                        taken += 1;
                    }
                }
                if n < batch || taken > limit {
                    break;
                }
            }
        }
        out.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        let more = out.len() > limit;
        out.truncate(limit);
        Ok((out, more))
    }

    /// Removes `member` from sorted-set index `name` in every partition (for a member no
    /// append will remove, e.g. one that no longer stands for anything).
    pub async fn unscore(&self, name: &str, member: &str) -> Result<(), StoreError> {
        key_part(name)?;
        for p in 0..self.topic.partitions() {
            let _: i64 = redis::cmd("ZREM")
                .arg(self.index_key(p, name))
                .arg(member)
                .query_async(&mut self.conn.clone())
                .await?;
        }
        Ok(())
    }

    /// Removes `member` from sorted-set index `name` of the partition of aggregate `kind`/`id`
    /// if the aggregate is still at `version` (0: it does not exist): for an entry the caller
    /// read, then found to stand for nothing in the aggregate as it was at `version` (the
    /// aggregate is gone, or has no such task), which no append will ever remove. A write of the
    /// aggregate in between (which may have scored the member again) leaves it in place: false,
    /// look again.
    pub async fn unscore_if(
        &self,
        kind: &str,
        id: &str,
        version: u64,
        name: &str,
        member: &str,
    ) -> Result<bool, StoreError> {
        key_part(name)?;
        let state_key = self.state_key(kind, id)?;
        let (p, _) = self.tag_of(id);
        let removed: i64 = script::UNSCORE_IF
            .key(&state_key)
            .key(self.index_key(p, name))
            .arg(version)
            .arg(member)
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(removed == 1)
    }

    /// Members of sorted-set index `name` with scores in `min..=max`, across partitions, by
    /// score.
    pub async fn scored(
        &self,
        name: &str,
        min: f64,
        max: f64,
    ) -> Result<Vec<(String, f64)>, StoreError> {
        key_part(name)?;
        let mut out = Vec::new();
        for p in 0..self.topic.partitions() {
            let m: Vec<(String, f64)> = redis::cmd("ZRANGE")
                .arg(self.index_key(p, name))
                .arg(min)
                .arg(max)
                .arg("BYSCORE")
                .arg("WITHSCORES")
                .query_async(&mut self.conn.clone())
                .await?;
            out.extend(m);
        }
        out.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }
}
