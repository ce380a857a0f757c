//! The append script and the reading of its reply.

use std::sync::LazyLock;

use redis::Value;

use crate::{Answered, Appended, StoreError};

/// KEYS: state, history, topic, applied marker, unique name, answer record, then one key per
/// index op.
/// ARGV: expected version, state JSON, applied TTL ms (0 = none), aggregate id when the unique
/// name is to be taken (else ''), the answer record to keep (else ''), its TTL ms, field count,
/// fields..., then (op, member, score) per index op.
///
/// Redis does not roll back a script that fails halfway, so every check (the answer record,
/// version, applied marker, the type of every key it writes) comes before the first write. An
/// answer record found is returned before anything else: the request was answered before.
pub(crate) static APPEND: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
if ARGV[5] ~= '' then
  local rec = redis.call('GET', KEYS[6])
  if rec then return {'recorded', rec} end
end
local cur = redis.call('HGET', KEYS[1], 'version')
cur = tonumber(cur or '0')
if ARGV[3] ~= '0' and redis.call('EXISTS', KEYS[4]) == 1 then return {'applied', cur} end
if ARGV[4] ~= '' then
  local owner = redis.call('GET', KEYS[5])
  if owner then return {'exists', owner} end
end
if cur ~= tonumber(ARGV[1]) then return {'conflict', cur} end
local function want(key, t)
  local got = redis.call('TYPE', key)['ok']
  if got ~= 'none' and got ~= t then return false end
  return true
end
if not want(KEYS[1], 'hash') then return {'wrongtype', KEYS[1]} end
if not want(KEYS[2], 'stream') then return {'wrongtype', KEYS[2]} end
if not want(KEYS[3], 'stream') then return {'wrongtype', KEYS[3]} end
local n = tonumber(ARGV[7])
local first_op = 8 + 2 * n
local k = 7
for a = first_op, #ARGV, 3 do
  local t = 'set'
  if ARGV[a] == 'zadd' or ARGV[a] == 'zrem' then t = 'zset' end
  if not want(KEYS[k], t) then return {'wrongtype', KEYS[k]} end
  k = k + 1
end
local fields = {}
for i = 8, 7 + 2 * n do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[3], '*', unpack(fields))
redis.call('XADD', KEYS[2], id, unpack(fields))
local v = cur + 1
redis.call('HSET', KEYS[1], 'version', v, 'state', ARGV[2], 'event', id)
k = 7
for a = first_op, #ARGV, 3 do
  local op = ARGV[a]
  if op == 'sadd' then redis.call('SADD', KEYS[k], ARGV[a + 1])
  elseif op == 'srem' then redis.call('SREM', KEYS[k], ARGV[a + 1])
  elseif op == 'zadd' then redis.call('ZADD', KEYS[k], ARGV[a + 2], ARGV[a + 1])
  elseif op == 'zrem' then redis.call('ZREM', KEYS[k], ARGV[a + 1]) end
  k = k + 1
end
if ARGV[3] ~= '0' then redis.call('SET', KEYS[4], id, 'PX', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('SET', KEYS[5], ARGV[4]) end
if ARGV[5] ~= '' then redis.call('SET', KEYS[6], ARGV[5], 'PX', ARGV[6]) end
return {'ok', v, id}
"#,
    )
});

/// KEYS: projection stream, applied marker. ARGV: applied TTL ms, fields...
pub(crate) static PROJECT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local t = redis.call('TYPE', KEYS[1])['ok']
if t ~= 'none' and t ~= 'stream' then return redis.error_reply('WRONGTYPE ' .. KEYS[1]) end
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('XADD', KEYS[1], '*', unpack(fields))
redis.call('SET', KEYS[2], 1, 'PX', ARGV[1])
return 1
"#,
    )
});

/// KEYS: the aggregate's state, the sorted-set index. ARGV: the version the caller read (0:
/// the aggregate did not exist), the member. Removes the member only while the aggregate is
/// still at that version; 1 when it did (or the member was gone already), 0 when not.
pub(crate) static UNSCORE_IF: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local cur = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if cur ~= tonumber(ARGV[1]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
"#,
    )
});

pub(crate) fn append_outcome(
    aggregate: &str,
    expected: u64,
    reply: Vec<Value>,
) -> Result<Answered, StoreError> {
    let text = |v: &Value| redis::from_redis_value_ref::<String>(v).unwrap_or_default();
    let num = |v: &Value| redis::from_redis_value_ref::<u64>(v).unwrap_or_default();
    let appended = |a| Ok(Answered::Appended(a));
    match reply.as_slice() {
        [tag, record] if text(tag) == "recorded" => Ok(Answered::Recorded(text(record))),
        [tag, v, id] if text(tag) == "ok" => appended(Appended::Committed {
            version: num(v),
            entry: text(id),
        }),
        [tag, v] if text(tag) == "conflict" => Err(StoreError::Conflict {
            aggregate: aggregate.to_owned(),
            expected,
            actual: num(v),
        }),
        [tag, _] if text(tag) == "applied" => appended(Appended::AlreadyApplied),
        [tag, owner] if text(tag) == "exists" => appended(Appended::Exists(text(owner))),
        [tag, key] if text(tag) == "wrongtype" => Err(StoreError::WrongType(text(key))),
        other => Err(StoreError::Redis(redis::RedisError::from((
            redis::ErrorKind::Parse,
            "unexpected append script reply",
            format!("{other:?}"),
        )))),
    }
}
