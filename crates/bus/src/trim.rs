//! Trimming that never loses an unacknowledged entry.

use std::sync::LazyLock;
use std::time::Duration;

use crate::Conn;

use crate::BusError;

/// One atomic step: the lowest id still needed by any group (its oldest pending entry, or the
/// first entry it has not been delivered) and the retention floor (server time minus retention)
/// bound an exact `XTRIM MINID`. Running inside Redis, no group can move or appear in between.
static TRIM: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function less(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local floor = string.format('%d-0', math.max(0, now_ms - tonumber(ARGV[1])))
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local info = {}
  for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
  local ms, seq = parse(info['last-delivered-id'])
  local undelivered = string.format('%d-%d', ms, seq + 1)
  if less(undelivered, floor) then floor = undelivered end
  if tonumber(info['pending']) > 0 then
    local oldest = redis.call('XPENDING', KEYS[1], info['name'])[2]
    if less(oldest, floor) then floor = oldest end
  end
end
return redis.call('XTRIM', KEYS[1], 'MINID', floor)
"#,
    )
});

pub(crate) async fn trim(
    conn: &mut Conn,
    stream: &str,
    retention: Duration,
) -> Result<u64, BusError> {
    let retention_ms = u64::try_from(retention.as_millis()).unwrap_or(u64::MAX / 2);
    Ok(TRIM
        .key(stream)
        .arg(retention_ms)
        .invoke_async(conn)
        .await?)
}
