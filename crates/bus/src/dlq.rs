//! Dead letters: reading them, and re-driving them onto their topic.
//!
//! A consumer dead-letters an entry of partition `p` into `egov:{<service>.<p>}:dlq:<group>`
//! with the original fields plus `dlq.*` fields (reason, stream, group, entry, deliveries,
//! consumer). Re-driving one is a single Lua step on keys of that one hash tag: it appends the
//! original fields to the partition's stream as a new entry, deletes the dead letter and the
//! group's handled mark of the event. A dead letter that is no longer there (re-driven already)
//! is left alone, so running a re-drive twice neither loses nor doubles anything.
//!
//! Why the handled mark goes: a re-drive is an operator's order that the group handle the
//! event again. The entry it publishes carries the same event id; if the group held a mark for
//! that id (a copy of the event published twice and handled, or a handler that succeeded
//! under a window shorter than the reprocessing), its consumer would acknowledge the new entry
//! as a duplicate without handling it and the re-drive would silently do nothing. Handlers are
//! idempotent (delivery is at least once, store effects carry the event id as applied marker),
//! so handling an event once more is safe; a re-drive that does nothing is not. Only the
//! re-driving group's mark goes: the new entry is on the topic, so every other group of the
//! topic reads it too, and their own marks (kept for the dedup window) make them acknowledge
//! it as a duplicate of what they handled before.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::Conn;
use redis::Value;

use crate::{BusError, Envelope, Topic};

/// Field names the dead-letter record adds to the original entry's fields.
const DLQ_PREFIX: &str = "dlq.";

/// An entry of a dead-letter stream.
#[derive(Clone, Debug)]
pub struct DeadLetter {
    /// The dead-letter entry's own id (in its partition's dead-letter stream).
    pub id: String,
    /// The topic partition it came from (and where a re-drive puts it).
    pub partition: u16,
    /// Why it was dead-lettered.
    pub reason: String,
    /// The stream it came from.
    pub stream: String,
    /// The group that gave up on it.
    pub group: String,
    /// Its entry id in the source stream.
    pub entry: String,
    /// How many deliveries it had.
    pub deliveries: u32,
    /// The consumer that gave up on it.
    pub consumer: String,
    /// The event, when the entry was a valid envelope.
    pub envelope: Option<Envelope>,
    /// Why the entry is not a valid envelope, when it is not.
    pub envelope_error: Option<String>,
    /// The original entry's fields (those a re-drive publishes again), in stored order.
    pub fields: Vec<(String, Vec<u8>)>,
}

impl DeadLetter {
    /// `<partition>/<id>`: names a dead letter among every partition of a group's.
    pub fn qualified_id(&self) -> String {
        format!("{}/{}", self.partition, self.id)
    }

    pub(crate) fn from_entry(partition: u16, id: String, map: &HashMap<String, Value>) -> Self {
        let text = |k: &str| {
            map.get(k)
                .and_then(|v| redis::from_redis_value_ref::<String>(v).ok())
                .unwrap_or_default()
        };
        let fields = raw_fields(map, |k| !k.starts_with(DLQ_PREFIX));
        let (envelope, envelope_error) = match Envelope::from_fields(map) {
            Ok(env) => (Some(env), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Self {
            reason: text("dlq.reason"),
            stream: text("dlq.stream"),
            group: text("dlq.group"),
            entry: text("dlq.entry"),
            deliveries: text("dlq.deliveries").parse().unwrap_or(0),
            consumer: text("dlq.consumer"),
            envelope,
            envelope_error,
            fields,
            partition,
            id,
        }
    }

    /// The event id of the original entry, when it has one (even if the rest is malformed).
    fn event_id(&self) -> Option<String> {
        self.fields
            .iter()
            .find(|(k, _)| k == "id")
            .and_then(|(_, v)| String::from_utf8(v.clone()).ok())
    }
}

/// One dead letter put back on its topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redriven {
    /// The topic partition.
    pub partition: u16,
    /// The dead letter's id (now deleted from the dead-letter stream).
    pub dead_letter: String,
    /// The stream it was appended to.
    pub stream: String,
    /// The new entry's id there.
    pub entry: String,
    /// The event id it carries, when it has one.
    pub event: Option<String>,
}

/// KEYS[1] the dead-letter stream, KEYS[2] the topic partition's stream, KEYS[3] (optional)
/// the group's handled mark of the event. ARGV[1] the dead letter's id, ARGV[2] the event id
/// the caller read in it ("" for none). Returns the new entry's id, or false when the dead
/// letter is gone (re-driven already). Everything happens or nothing does: the checks come
/// before the first write.
static REDRIVE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local e = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #e == 0 then return false end
local f = e[1][2]
local out = {}
local id = ''
for i = 1, #f, 2 do
  if string.sub(f[i], 1, 4) ~= 'dlq.' then
    out[#out + 1] = f[i]
    out[#out + 1] = f[i + 1]
    if f[i] == 'id' then id = f[i + 1] end
  end
end
if id ~= ARGV[2] then
  return redis.error_reply('dead letter ' .. ARGV[1] .. ' carries event ' .. id .. ', not ' .. ARGV[2])
end
if #out == 0 then
  return redis.error_reply('dead letter ' .. ARGV[1] .. ' has no original fields')
end
local new = redis.call('XADD', KEYS[2], '*', unpack(out))
redis.call('XDEL', KEYS[1], ARGV[1])
if KEYS[3] then redis.call('DEL', KEYS[3]) end
return new
"#,
    )
});

/// The partition in a key's hash tag (`egov:{intake.3}:dlq:g` → 3), or 0.
/// A stream entry's fields as bytes, sorted by name, those `keep` admits.
pub(crate) fn raw_fields(
    map: &HashMap<String, Value>,
    keep: impl Fn(&str) -> bool,
) -> Vec<(String, Vec<u8>)> {
    let mut fields: Vec<(String, Vec<u8>)> = map
        .iter()
        .filter(|(k, _)| keep(k))
        .filter_map(|(k, v)| {
            redis::from_redis_value_ref::<Vec<u8>>(v)
                .ok()
                .map(|v| (k.clone(), v))
        })
        .collect();
    fields.sort();
    fields
}

fn partition_in_key(key: &str) -> u16 {
    key.split_once('{')
        .and_then(|(_, rest)| rest.split_once('}'))
        .and_then(|(tag, _)| tag.rsplit_once('.'))
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or(0)
}

/// `(ms, seq)` of a stream id, for ordering entries of several streams.
fn id_order(id: &str) -> (u64, u64) {
    let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
    (ms.parse().unwrap_or(0), seq.parse().unwrap_or(0))
}

/// Every entry of dead-letter stream `dlq`, oldest first.
pub(crate) async fn read_all(conn: &mut Conn, dlq: &str) -> Result<Vec<DeadLetter>, BusError> {
    let p = partition_in_key(dlq);
    let range: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(dlq)
        .arg("-")
        .arg("+")
        .query_async(conn)
        .await?;
    Ok(range
        .ids
        .into_iter()
        .map(|e| DeadLetter::from_entry(p, e.id, &e.map))
        .collect())
}

/// The oldest `limit` dead letters of `group` across the partitions of `topic`, oldest first.
pub(crate) async fn list(
    conn: &mut Conn,
    topic: &Topic,
    group: &str,
    limit: usize,
) -> Result<Vec<DeadLetter>, BusError> {
    let mut out = Vec::new();
    for p in 0..topic.partitions() {
        let range: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(topic.dead_letters(p, group))
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(limit)
            .query_async(conn)
            .await?;
        out.extend(
            range
                .ids
                .into_iter()
                .map(|e| DeadLetter::from_entry(p, e.id, &e.map)),
        );
    }
    out.sort_by_key(|d| (id_order(&d.id), d.partition));
    out.truncate(limit);
    Ok(out)
}

/// How many dead letters `group` has across the partitions of `topic`.
pub(crate) async fn count(conn: &mut Conn, topic: &Topic, group: &str) -> Result<u64, BusError> {
    let mut n = 0;
    for p in 0..topic.partitions() {
        let len: u64 = redis::cmd("XLEN")
            .arg(topic.dead_letters(p, group))
            .query_async(conn)
            .await?;
        n += len;
    }
    Ok(n)
}

/// Dead letter `id` of `group` in partition `partition` of `topic`, if it is there.
pub(crate) async fn get(
    conn: &mut Conn,
    topic: &Topic,
    group: &str,
    partition: u16,
    id: &str,
) -> Result<Option<DeadLetter>, BusError> {
    let range: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(topic.dead_letters(partition, group))
        .arg(id)
        .arg(id)
        .query_async(conn)
        .await?;
    Ok(range
        .ids
        .into_iter()
        .next()
        .map(|e| DeadLetter::from_entry(partition, e.id, &e.map)))
}

/// Re-drives dead letter `letter` (read from `topic`'s partition) in one atomic step; `None`
/// when it was re-driven meanwhile.
pub(crate) async fn redrive(
    conn: &mut Conn,
    topic: &Topic,
    group: &str,
    letter: &DeadLetter,
) -> Result<Option<Redriven>, BusError> {
    let p = letter.partition;
    let stream = topic.stream(p);
    let event = letter.event_id();
    let mut inv = REDRIVE.prepare_invoke();
    inv.key(topic.dead_letters(p, group)).key(&stream);
    if let Some(e) = &event {
        inv.key(topic.seen(p, group, e));
    }
    inv.arg(&letter.id).arg(event.as_deref().unwrap_or(""));
    let entry: Option<String> = inv.invoke_async(conn).await?;
    Ok(entry.map(|entry| Redriven {
        partition: p,
        dead_letter: letter.id.clone(),
        stream,
        entry,
        event,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_and_ids_are_read_from_keys() {
        assert_eq!(partition_in_key("egov:{intake.3}:dlq:expertise"), 3);
        assert_eq!(partition_in_key("egov:{monitoring-bridge.12}:dlq:x"), 12);
        assert_eq!(partition_in_key("no-tag"), 0);
        assert!(id_order("1700000000000-2") < id_order("1700000000001-0"));
        assert!(id_order("999-5") < id_order("1000-0"));
    }
}
