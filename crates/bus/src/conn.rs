//! One Redis server or a Redis Cluster, behind one connection type.
//!
//! - [`Redis`]: where Redis is, parsed from the URL every service is given (`REDIS_URL`):
//!   `redis://host:port[/db]` is one server; `redis+cluster://host:port,host:port,…` is a
//!   cluster, reached through any of the nodes listed (the others are discovered).
//!   `rediss://` and `rediss+cluster://` for TLS, verified against the system's roots.
//! - [`Conn`]: a multiplexed, reconnecting connection to either. It is what every crate and
//!   service holds; commands go through [`redis::aio::ConnectionLike`] as with any redis-rs
//!   connection, so the code above does not know which it is talking to.
//!
//! Every aggregate's keys and its topic partition share one hash tag (`{intake.0}`), so each
//! command, script and `MULTI` touches one slot, which is what a cluster asks.
//!
//! **Replication before acknowledgement.** A cluster's replica takes over from a master that
//! fails, but Redis replicates asynchronously: a write the master confirmed and had not yet
//! sent is gone after the failover. So on a cluster every write that records something (a
//! script, `XADD`, `SET`, …; not a consumer's `XACK` or `XREADGROUP`, which at worst delivers
//! an entry again to an idempotent consumer) is followed by `WAIT <replicas> <timeout>` on the
//! master of its slot, over the same connection, and is answered only when that many replicas
//! have it: an error otherwise, so the caller answers 503 and the client retries under its
//! `Idempotency-Key`. The default is one replica within 2 s (`?wait_replicas=0` turns it off,
//! accepting the loss of the last writes on a failover).

use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr};
use redis::{Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, RedisResult, Value};

use crate::BusError;

/// The scheme of a cluster URL.
pub const CLUSTER_SCHEME: &str = "redis+cluster://";
/// The scheme of a cluster URL whose nodes speak TLS.
pub const TLS_CLUSTER_SCHEME: &str = "rediss+cluster://";

/// How many replicas must hold a write before a cluster connection answers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wait {
    /// Replicas (0: answer without waiting).
    pub replicas: u32,
    /// How long `WAIT` may block.
    pub timeout: Duration,
}

impl Default for Wait {
    fn default() -> Self {
        Self {
            replicas: 1,
            timeout: Duration::from_secs(2),
        }
    }
}

/// Where Redis is: one server or a cluster. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Redis(Kind);

#[derive(Clone, Debug)]
enum Kind {
    Single(redis::Client),
    Cluster { nodes: Vec<String>, wait: Wait },
}

impl From<redis::Client> for Redis {
    fn from(c: redis::Client) -> Self {
        Self(Kind::Single(c))
    }
}

impl From<&redis::Client> for Redis {
    fn from(c: &redis::Client) -> Self {
        Self(Kind::Single(c.clone()))
    }
}

impl From<&Redis> for Redis {
    fn from(r: &Redis) -> Self {
        r.clone()
    }
}

impl Redis {
    /// Parses `url`: `redis://…` (one server, any URL redis-rs takes) or
    /// `redis+cluster://[user:password@]host:port[,host:port…][?wait_replicas=N&wait_timeout_ms=T]`.
    pub fn open(url: &str) -> Result<Self, RedisError> {
        let (rest, scheme) = match (
            url.strip_prefix(CLUSTER_SCHEME),
            url.strip_prefix(TLS_CLUSTER_SCHEME),
        ) {
            (Some(rest), _) => (rest, "redis"),
            (_, Some(rest)) => (rest, "rediss"),
            _ => return Ok(Self(Kind::Single(redis::Client::open(url)?))),
        };
        let bad =
            |why: String| RedisError::from((ErrorKind::InvalidClientConfig, "cluster URL", why));
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let rest = rest.trim_end_matches('/');
        let (auth, hosts) = match rest.rsplit_once('@') {
            Some((auth, hosts)) => (format!("{auth}@"), hosts),
            None => (String::new(), rest),
        };
        let mut nodes = Vec::new();
        for host in hosts.split(',') {
            if host.is_empty() || host.contains('/') {
                return Err(bad(format!("{host:?} is not host:port")));
            }
            let node = format!("{scheme}://{auth}{host}");
            // Each node is checked as a URL of its own.
            redis::Client::open(node.as_str())?;
            nodes.push(node);
        }
        let mut wait = Wait::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let n: u64 = v
                .parse()
                .map_err(|_| bad(format!("{k}: {v:?} is not a number")))?;
            match k {
                "wait_replicas" if n <= 16 => wait.replicas = n as u32,
                "wait_timeout_ms" if (1..=60_000).contains(&n) => {
                    wait.timeout = Duration::from_millis(n)
                }
                "wait_replicas" | "wait_timeout_ms" => {
                    return Err(bad(format!("{k}: {n} is out of range")));
                }
                _ => return Err(bad(format!("unknown parameter {k:?}"))),
            }
        }
        Ok(Self(Kind::Cluster { nodes, wait }))
    }

    /// Whether this is a cluster.
    pub fn is_cluster(&self) -> bool {
        matches!(self.0, Kind::Cluster { .. })
    }

    /// How many replicas a write waits for (0 on one server).
    pub fn wait(&self) -> Wait {
        match &self.0 {
            Kind::Single(_) => Wait {
                replicas: 0,
                timeout: Duration::ZERO,
            },
            Kind::Cluster { wait, .. } => *wait,
        }
    }

    /// A connection whose commands fail after `timeout` without an answer (a blocking read
    /// needs its `BLOCK` plus a margin).
    pub async fn connect_with_timeout(&self, timeout: Duration) -> Result<Conn, BusError> {
        Ok(match &self.0 {
            Kind::Single(client) => {
                let cfg = ConnectionManagerConfig::new()
                    .set_response_timeout(Some(timeout))
                    .set_connection_timeout(Some(Duration::from_secs(2)))
                    .set_number_of_retries(3);
                Conn(Inner::Single(
                    client.get_connection_manager_with_config(cfg).await?,
                ))
            }
            Kind::Cluster { nodes, wait } => {
                let client: ClusterClient = ClusterClientBuilder::new(nodes.clone())
                    .response_timeout(timeout + wait.timeout)
                    .connection_timeout(Duration::from_secs(2))
                    .retries(6)
                    .build()?;
                Conn(Inner::Cluster {
                    conn: client.get_async_connection().await?,
                    wait: *wait,
                })
            }
        })
    }
}

/// A connection to one Redis or a cluster (see the module). Cheap to clone: clones share the
/// underlying multiplexed connections.
#[derive(Clone)]
pub struct Conn(Inner);

#[derive(Clone)]
enum Inner {
    Single(ConnectionManager),
    Cluster { conn: ClusterConnection, wait: Wait },
}

impl From<ConnectionManager> for Conn {
    fn from(c: ConnectionManager) -> Self {
        Self(Inner::Single(c))
    }
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match &mut self.0 {
            Inner::Single(c) => c.req_packed_command(cmd),
            Inner::Cluster { conn, wait } => {
                let wait = *wait;
                Box::pin(async move {
                    let v = conn.req_packed_command(cmd).await?;
                    // A refusal (a script's error, NOREPLICAS, …) recorded nothing.
                    if matches!(v, Value::ServerError(_)) {
                        return Ok(v);
                    }
                    if let Some(slot) = recorded_slot(cmd) {
                        replicated(conn, slot, wait).await?;
                    }
                    Ok(v)
                })
            }
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match &mut self.0 {
            Inner::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Inner::Cluster { conn, wait } => {
                let wait = *wait;
                Box::pin(async move {
                    let v = conn.req_packed_commands(pipeline, offset, count).await?;
                    // A pipeline is routed to one slot (the cluster refuses one that is not).
                    let refused =
                        !v.is_empty() && v.iter().all(|v| matches!(v, Value::ServerError(_)));
                    if let Some(slot) = pipeline.cmd_iter().find_map(recorded_slot)
                        && !refused
                    {
                        replicated(conn, slot, wait).await?;
                    }
                    Ok(v)
                })
            }
        }
    }

    fn get_db(&self) -> i64 {
        match &self.0 {
            Inner::Single(c) => c.get_db(),
            Inner::Cluster { .. } => 0,
        }
    }
}

/// `WAIT` on the master of `slot`: fails unless `wait.replicas` replicas have every write
/// this connection sent it so far.
async fn replicated(conn: &mut ClusterConnection, slot: u16, wait: Wait) -> RedisResult<()> {
    if wait.replicas == 0 {
        return Ok(());
    }
    let mut cmd = redis::cmd("WAIT");
    cmd.arg(wait.replicas).arg(wait.timeout.as_millis() as u64);
    let route = RoutingInfo::SingleNode(SingleNodeRoutingInfo::SpecificNode(Route::new(
        slot,
        SlotAddr::Master,
    )));
    let got: i64 = redis::from_redis_value(conn.route_command(cmd, route).await?)?;
    if got < i64::from(wait.replicas) {
        return Err(RedisError::from((
            ErrorKind::Io,
            "write not replicated",
            format!(
                "{got} of {} replicas acknowledged it within {:?}; it may be lost on a failover, \
                 retry",
                wait.replicas, wait.timeout
            ),
        )));
    }
    Ok(())
}

/// The slot of the key `cmd` records something under, if it is a write that must survive a
/// failover (see the module).
fn recorded_slot(cmd: &Cmd) -> Option<u16> {
    // The name, and the key at 1 or (scripts) at 3: no more is looked at.
    let args: Vec<&[u8]> = cmd
        .args_iter()
        .take(4)
        .map(|a| match a {
            redis::Arg::Simple(b) => b,
            _ => b"".as_slice(),
        })
        .collect();
    let name = args.first()?.to_ascii_uppercase();
    let key = match name.as_slice() {
        b"EVAL" | b"EVALSHA" | b"FCALL" => {
            let keys: u64 = std::str::from_utf8(args.get(2)?).ok()?.parse().ok()?;
            if keys == 0 {
                return None;
            }
            args.get(3)?
        }
        b"XADD" | b"XDEL" | b"XTRIM" | b"SET" | b"SETNX" | b"GETDEL" | b"HSET" | b"HSETNX"
        | b"HDEL" | b"HINCRBY" | b"ZADD" | b"ZREM" | b"ZREMRANGEBYSCORE" | b"SADD" | b"SREM"
        | b"LPUSH" | b"RPUSH" | b"LPOP" | b"RPOP" | b"LMOVE" | b"LREM" | b"LTRIM" | b"LSET"
        | b"DEL" | b"UNLINK" | b"INCR" | b"INCRBY" | b"EXPIRE" | b"PEXPIRE" | b"PERSIST"
        | b"RENAME" => args.get(1)?,
        _ => return None,
    };
    Some(slot(key))
}

/// The cluster slot of `key`: CRC16 (XMODEM) of its hash tag, or of the whole key, mod 16384.
pub fn slot(key: &[u8]) -> u16 {
    let tagged = key
        .iter()
        .position(|b| *b == b'{')
        .and_then(|open| {
            let rest = &key[open + 1..];
            let close = rest.iter().position(|b| *b == b'}')?;
            (close > 0).then(|| &rest[..close])
        })
        .unwrap_or(key);
    crc16::State::<crc16::XMODEM>::calculate(tagged) % 16384
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_follow_the_hash_tag_as_redis_computes_them() {
        // Values from `CLUSTER KEYSLOT` of Redis 7.
        assert_eq!(slot(b"foo"), 12182);
        assert_eq!(slot(b"{user1000}.following"), slot(b"{user1000}.followers"));
        assert_eq!(slot(b"egov:{intake.0}:events"), slot(b"intake.0"));
        assert_eq!(
            slot(b"foo{}{bar}"),
            slot(b"foo{}{bar}"),
            "an empty tag is no tag"
        );
        assert_ne!(slot(b"foo{}{bar}"), slot(b"bar"));
        assert_eq!(slot(b"foo{{bar}}zap"), slot(b"{bar"));
    }

    #[test]
    fn writes_that_record_are_waited_for_reads_and_acks_are_not() {
        let eval = redis::cmd("EVALSHA")
            .arg("abc")
            .arg(2)
            .arg("egov:{intake.0}:agg")
            .arg("x")
            .clone();
        assert_eq!(recorded_slot(&eval), Some(slot(b"intake.0")));
        let keyless = redis::cmd("EVAL").arg("return 1").arg(0).clone();
        assert_eq!(recorded_slot(&keyless), None);
        let xadd = redis::cmd("XADD")
            .arg("egov:{tender.1}:events")
            .arg("*")
            .clone();
        assert_eq!(recorded_slot(&xadd), Some(slot(b"tender.1")));
        for read in ["GET", "XRANGE", "XREADGROUP", "XACK", "HGETALL", "PING"] {
            assert_eq!(recorded_slot(redis::cmd(read).arg("k")), None, "{read}");
        }
    }

    #[test]
    fn cluster_urls_list_their_nodes_and_the_replicas_to_wait_for() {
        let r = Redis::open("redis+cluster://127.0.0.1:7000,127.0.0.1:7001").unwrap();
        assert!(r.is_cluster());
        assert_eq!(r.wait(), Wait::default());
        let Kind::Cluster { nodes, .. } = &r.0 else {
            unreachable!()
        };
        assert_eq!(nodes, &["redis://127.0.0.1:7000", "redis://127.0.0.1:7001"]);
        let r =
            Redis::open("redis+cluster://u:p@h:1/?wait_replicas=2&wait_timeout_ms=500").unwrap();
        assert_eq!(
            r.wait(),
            Wait {
                replicas: 2,
                timeout: Duration::from_millis(500)
            }
        );
        let Kind::Cluster { nodes, .. } = &r.0 else {
            unreachable!()
        };
        assert_eq!(nodes, &["redis://u:p@h:1"]);
        assert!(
            !Redis::open("redis://127.0.0.1:6379/2")
                .unwrap()
                .is_cluster()
        );
        assert!(
            !Redis::open("rediss://:pw@redis.example.kz:6380/0")
                .unwrap()
                .is_cluster()
        );
        let r = Redis::open("rediss+cluster://:pw@n0:6379,n1:6379").unwrap();
        let Kind::Cluster { nodes, .. } = &r.0 else {
            unreachable!()
        };
        assert_eq!(nodes, &["rediss://:pw@n0:6379", "rediss://:pw@n1:6379"]);
        for bad in [
            "redis+cluster://",
            "redis+cluster://h:1,,h:2",
            "redis+cluster://h:1?wait_replicas=x",
            "redis+cluster://h:1?wait_timeout_ms=0",
            "redis+cluster://h:1?db=2",
            "redis+cluster://h:1/2",
        ] {
            assert!(Redis::open(bad).is_err(), "{bad}");
        }
    }
}
