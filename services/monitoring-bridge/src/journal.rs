//! The journal: the one writer of the bridge's keys in Redis. Every change (a message
//! received and queued, a delivery acknowledged, a message refused by its destination) is one
//! atomic Lua step that appends its log entries to the hash chain, changes the queues and the
//! message records, and moves the head, or writes nothing at all.
//!
//! Callers hand it jobs; it runs the jobs that are waiting together in one step (a group
//! commit: one round trip and, with `appendfsync always`, one fsync for many requests), and
//! answers each job once its step is durable. A job whose checks fail (a replayed id, a queue
//! head another deliverer moved) is answered with the failure and the others are run again
//! without it. The head is checked in the step, so two bridges writing one log (two replicas
//! for a moment) never fork the chain: the one that finds it moved reloads it and tries again.
//!
//! Keys, all under one hash tag (the log is one chain, so it lives on one shard of a cluster):
//! `egov:{monitoring-bridge}:log` (stream), `…:log:head` (`"<seq> <hash>"`), `…:q:<destination>`
//! (list, the queue), `…:refused:<destination>` (list), `…:msg:<id>` (hash, a message's record).

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, LazyLock};

use egov_bus::Conn;
use tokio::sync::{mpsc, oneshot};

use crate::domain::log::{Entry, Fact, Head};

/// The prefix of every key of the bridge.
pub const PREFIX: &str = "egov:{monitoring-bridge}:";

/// The log stream.
pub fn log_key() -> String {
    format!("{PREFIX}log")
}
/// The log's head.
pub fn head_key() -> String {
    format!("{PREFIX}log:head")
}
/// A destination's queue.
pub fn queue_key(destination: &str) -> String {
    format!("{PREFIX}q:{destination}")
}
/// A destination's refused messages.
pub fn refused_key(destination: &str) -> String {
    format!("{PREFIX}refused:{destination}")
}
/// A message's record.
pub fn message_key(id: &str) -> String {
    format!("{PREFIX}msg:{id}")
}

/// One change to a key.
#[derive(Clone, Debug)]
pub enum Op {
    /// Check: the key does not exist (else the job fails with the reason).
    Absent(String, String),
    /// Check: the hash field is `value` (a missing one is `""`), else the job fails.
    FieldIs(String, String, String, String),
    /// Check: the list's first element is `value`, else the job fails.
    First(String, Vec<u8>, String),
    /// Append to a list.
    Push(String, Vec<u8>),
    /// Drop the first `n` elements of a list.
    Trim(String, usize),
    /// Set hash fields.
    Set(String, Vec<(String, String)>),
    /// Set a hash field to `value` if it is `expected` now (a missing one is `""`); otherwise
    /// leave it (a state that moved on is not moved back).
    SetIf(String, String, String, String),
}

impl Op {
    fn size(&self) -> usize {
        match self {
            Op::Push(_, v) | Op::First(_, v, _) => v.len(),
            Op::Set(_, f) => f.iter().map(|(a, b)| a.len() + b.len()).sum(),
            _ => 64,
        }
    }
}

/// A job: facts for the log and changes, all or nothing.
#[derive(Debug, Default)]
pub struct Job {
    /// Facts to append to the log, in order.
    pub facts: Vec<Fact>,
    /// The changes.
    pub ops: Vec<Op>,
}

impl Job {
    /// About how many bytes it sends to Redis.
    pub fn size(&self) -> usize {
        self.facts.len() * 512 + self.ops.iter().map(Op::size).sum::<usize>()
    }

    /// Adds `other`'s facts and changes after its own.
    pub fn extend(&mut self, other: Job) {
        self.facts.extend(other.facts);
        self.ops.extend(other.ops);
    }
}

/// A job's outcome: the log entries it wrote, or why it was not run.
pub type Outcome = Result<Vec<Entry>, JournalError>;

/// Why a job wrote nothing.
#[derive(Debug, Clone, thiserror::Error)]
pub enum JournalError {
    /// One of its checks failed.
    #[error("{0}")]
    Check(String),
    /// Redis failed (the job may be retried).
    #[error("redis: {0}")]
    Redis(String),
    /// The journal stopped.
    #[error("the journal stopped")]
    Stopped,
}

/// Run jobs (KEYS[1] head, KEYS[2] log, then the jobs' keys; ARGV: the expected head, the new
/// head, the number of jobs, then per job its number of ops and per op a code, an argument
/// count and the arguments). All checks before the first write.
static STEP: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local head = redis.call('GET', KEYS[1]) or ''
if head ~= ARGV[1] then return {'stale', head} end
if head == '' and redis.call('XLEN', KEYS[2]) > 0 then return {'nohead'} end
local i = 4
local jobs = {}
for j = 1, tonumber(ARGV[3]) do
  local ops = {}
  for k = 1, tonumber(ARGV[i]) do
    local code, n = ARGV[i + 1], tonumber(ARGV[i + 2])
    local args = {}
    for a = 1, n do args[a] = ARGV[i + 2 + a] end
    ops[k] = {code, args}
    i = i + 2 + n
  end
  i = i + 1
  jobs[j] = ops
end
for j, ops in ipairs(jobs) do
  for _, op in ipairs(ops) do
    local c, a = op[1], op[2]
    if c == 'absent' then
      if redis.call('EXISTS', KEYS[tonumber(a[1])]) == 1 then return {'failed', tostring(j), a[2]} end
    elseif c == 'field' then
      if (redis.call('HGET', KEYS[tonumber(a[1])], a[2]) or '') ~= a[3] then return {'failed', tostring(j), a[4]} end
    elseif c == 'first' then
      if (redis.call('LINDEX', KEYS[tonumber(a[1])], 0) or '') ~= a[2] then return {'failed', tostring(j), a[3]} end
    end
  end
end
for _, ops in ipairs(jobs) do
  for _, op in ipairs(ops) do
    local c, a = op[1], op[2]
    if c == 'log' then redis.call('XADD', KEYS[2], '*', unpack(a))
    elseif c == 'push' then redis.call('RPUSH', KEYS[tonumber(a[1])], a[2])
    elseif c == 'trim' then redis.call('LTRIM', KEYS[tonumber(a[1])], tonumber(a[2]), -1)
    elseif c == 'set' then redis.call('HSET', KEYS[tonumber(a[1])], unpack(a, 2))
    elseif c == 'setif' then
      local k = KEYS[tonumber(a[1])]
      if (redis.call('HGET', k, a[2]) or '') == a[3] then redis.call('HSET', k, a[2], a[4]) end
    end
  end
end
redis.call('SET', KEYS[1], ARGV[2])
return {'ok'}
"#,
    )
});

/// The most jobs in one step.
const MAX_JOBS: usize = 512;
/// The most bytes in one step (Redis takes up to 1 GB in one command; a step stays far below).
const MAX_BYTES: usize = 32 * 1024 * 1024;

/// A handle on the journal's writer.
#[derive(Clone)]
pub struct Journal {
    tx: mpsc::Sender<(Job, oneshot::Sender<Outcome>)>,
}

impl Journal {
    /// Starts the writer on `conn`; `now` stamps the entries (local time, MON-10).
    pub fn start(
        conn: Conn,
        now: Arc<dyn Fn() -> String + Send + Sync>,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(4096);
        let task = tokio::spawn(writer(conn, rx, now));
        (Self { tx }, task)
    }

    /// Runs `job`; its entries once durable.
    pub async fn run(&self, job: Job) -> Outcome {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send((job, tx))
            .await
            .map_err(|_| JournalError::Stopped)?;
        rx.await.map_err(|_| JournalError::Stopped)?
    }
}

/// Reads the head.
pub async fn head(conn: &mut Conn) -> Result<Head, redis::RedisError> {
    let s: Option<String> = redis::cmd("GET").arg(head_key()).query_async(conn).await?;
    Ok(s.as_deref().and_then(Head::parse).unwrap_or_default())
}

async fn writer(
    mut conn: Conn,
    mut rx: mpsc::Receiver<(Job, oneshot::Sender<Outcome>)>,
    now: Arc<dyn Fn() -> String + Send + Sync>,
) {
    let mut cached: Option<Head> = None;
    let mut next: Option<(Job, oneshot::Sender<Outcome>)> = None;
    loop {
        let first = match next.take() {
            Some(j) => j,
            None => match rx.recv().await {
                Some(j) => j,
                None => break,
            },
        };
        let mut bytes = first.0.size();
        let mut batch = vec![first];
        let mut held = None;
        while batch.len() < MAX_JOBS && bytes < MAX_BYTES {
            match rx.try_recv() {
                Ok(j) if bytes + j.0.size() > MAX_BYTES => {
                    held = Some(j);
                    break;
                }
                Ok(j) => {
                    bytes += j.0.size();
                    batch.push(j);
                }
                Err(_) => break,
            }
        }
        // The checks of a step see Redis as it was before the step: two jobs of one step that
        // take the same id, or claim the same field (one question answered twice), cannot both
        // pass them, so the later one fails here.
        let mut taken = HashSet::new();
        batch.retain_mut(|(job, reply)| {
            for op in &job.ops {
                let (claim, why) = match op {
                    Op::Absent(key, why) => (key.clone(), why),
                    Op::FieldIs(key, field, _, why) => (format!("{key}\u{0}{field}"), why),
                    _ => continue,
                };
                if !taken.insert(claim) {
                    let reply = std::mem::replace(reply, oneshot::channel().0);
                    let _ = reply.send(Err(JournalError::Check(why.clone())));
                    return false;
                }
            }
            true
        });
        next = held;
        let mut attempts = 0;
        while !batch.is_empty() {
            attempts += 1;
            let head = match cached.clone() {
                Some(h) => h,
                None => match self::head(&mut conn).await {
                    Ok(h) => h,
                    Err(e) => {
                        fail_all(&mut batch, e.to_string());
                        break;
                    }
                },
            };
            let at = now();
            let (invocation, entries, next) = build(&head, &batch, &at);
            match invocation.invoke_async::<Vec<String>>(&mut conn).await {
                Ok(r) if r.first().map(String::as_str) == Some("ok") => {
                    cached = Some(next);
                    for ((_, reply), es) in batch.drain(..).zip(entries) {
                        let _ = reply.send(Ok(es));
                    }
                }
                Ok(r) if r.first().map(String::as_str) == Some("stale") => {
                    // Another writer moved the head: read it again.
                    cached = r
                        .get(1)
                        .and_then(|h| Head::parse(h))
                        .or(Some(Head::default()));
                    if attempts > 100 {
                        fail_all(&mut batch, "the log's head keeps moving".into());
                    }
                }
                Ok(r) if r.first().map(String::as_str) == Some("nohead") => {
                    // Fail closed: a log without its head is not chained onto.
                    fail_all(
                        &mut batch,
                        "the message log has entries but no head: run `egov monitoring verify-log`"
                            .into(),
                    );
                }
                Ok(r) if r.first().map(String::as_str) == Some("failed") => {
                    cached = Some(head);
                    let j: usize = r.get(1).and_then(|j| j.parse().ok()).unwrap_or(1);
                    let (_, reply) = batch.remove(j.saturating_sub(1).min(batch.len() - 1));
                    let why = r.get(2).cloned().unwrap_or_default();
                    let _ = reply.send(Err(JournalError::Check(why)));
                }
                Ok(r) => {
                    fail_all(&mut batch, format!("unexpected answer {r:?}"));
                }
                Err(e) => {
                    // Unknown whether it ran: read the head again before the next step.
                    cached = None;
                    fail_all(&mut batch, e.to_string());
                }
            }
        }
    }
}

fn fail_all(batch: &mut Vec<(Job, oneshot::Sender<Outcome>)>, why: String) {
    for (_, reply) in batch.drain(..) {
        let _ = reply.send(Err(JournalError::Redis(why.clone())));
    }
}

/// The script invocation for `batch` after `head`: the entries each job gets and the new head.
fn build(
    head: &Head,
    batch: &[(Job, oneshot::Sender<Outcome>)],
    at: &str,
) -> (redis::ScriptInvocation<'static>, Vec<Vec<Entry>>, Head) {
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    let mut key_list = vec![head_key(), log_key()];
    let mut index = |k: &str| -> String {
        if let Some(i) = keys.get(k) {
            return i.to_string();
        }
        key_list.push(k.to_owned());
        let i = key_list.len();
        keys.insert(k.to_owned(), i);
        i.to_string()
    };
    let mut next = head.clone();
    let mut args: Vec<Vec<u8>> = Vec::new();
    let mut entries = Vec::with_capacity(batch.len());
    for (job, _) in batch {
        let mut ops: Vec<(&str, Vec<Vec<u8>>)> = Vec::new();
        let mut es = Vec::with_capacity(job.facts.len());
        for fact in &job.facts {
            let e = next.chain(fact.clone(), at.to_owned());
            ops.push((
                "log",
                e.to_fields()
                    .into_iter()
                    .flat_map(|(k, v)| [k.as_bytes().to_vec(), v.into_bytes()])
                    .collect(),
            ));
            es.push(e);
        }
        for op in &job.ops {
            let (code, a): (&str, Vec<Vec<u8>>) = match op {
                Op::Absent(k, why) => ("absent", vec![index(k).into(), why.clone().into()]),
                Op::FieldIs(k, f, v, why) => (
                    "field",
                    vec![
                        index(k).into(),
                        f.clone().into(),
                        v.clone().into(),
                        why.clone().into(),
                    ],
                ),
                Op::First(k, v, why) => (
                    "first",
                    vec![index(k).into(), v.clone(), why.clone().into()],
                ),
                Op::Push(k, v) => ("push", vec![index(k).into(), v.clone()]),
                Op::Trim(k, n) => ("trim", vec![index(k).into(), n.to_string().into()]),
                Op::SetIf(k, f, expected, v) => (
                    "setif",
                    vec![
                        index(k).into(),
                        f.clone().into(),
                        expected.clone().into(),
                        v.clone().into(),
                    ],
                ),
                Op::Set(k, fields) => {
                    let mut a = vec![index(k).into_bytes()];
                    for (f, v) in fields {
                        a.push(f.clone().into_bytes());
                        a.push(v.clone().into_bytes());
                    }
                    ("set", a)
                }
            };
            ops.push((code, a));
        }
        args.push(ops.len().to_string().into_bytes());
        for (code, a) in ops {
            args.push(code.as_bytes().to_vec());
            args.push(a.len().to_string().into_bytes());
            args.extend(a);
        }
        entries.push(es);
    }
    let expected = if head.seq == 0 {
        String::new()
    } else {
        head.to_string()
    };
    let mut inv = STEP.prepare_invoke();
    for k in key_list {
        inv.key(k);
    }
    inv.arg(expected)
        .arg(next.to_string())
        .arg(batch.len().to_string());
    for a in args {
        inv.arg(a);
    }
    (inv, entries, next)
}
