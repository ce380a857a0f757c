//! Leases: one holder at a time of something only one replica may do (the deadline scheduler,
//! the monitoring bridge's deliveries). The holder renews it well within its time to live; a
//! holder that stops renewing (killed, cut off) loses it when it expires, and another replica
//! takes it then.
//!
//! Two places hold them ([`Leases`]): a Redis key (`egov up`, and wherever the Kubernetes API
//! is not used) and a `coordination.k8s.io/v1` Lease (`egov_k8s::KubeLease`, in a cluster).
//! [`keep`] renews either and says, through [`Held`], until which instant this replica may act:
//! a fraction of the time to live after it *started* its last successful renewal. Another
//! replica takes over no sooner than the whole time to live after that renewal was written
//! (Redis expires the key; a Kubernetes candidate waits a lease duration from when it first saw
//! the record), so a replica that loses the lease stops before another one starts.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use egov_bus::Conn;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Where leases are held.
#[derive(Clone)]
pub enum Leases {
    /// Redis keys, named by each user (with their cluster hash tag).
    Redis(Conn),
    /// `coordination.k8s.io/v1` Leases named `<prefix>-<purpose>` in `namespace`.
    Kubernetes {
        /// The API client (the pod's service account).
        client: kube::Client,
        /// The pod's namespace.
        namespace: String,
        /// The release's name, so that two releases in one namespace do not share a lease.
        prefix: String,
    },
}

/// What a lease is for: its Redis key and its Kubernetes name's suffix.
#[derive(Clone, Debug)]
pub struct LeaseName {
    /// The Redis key (`egov:{expertise.0}:lease:deadlines`).
    pub redis_key: String,
    /// The purpose (`expertise-deadlines`): the Lease is `<prefix>-<purpose>`.
    pub purpose: &'static str,
}

/// Whether this replica holds a lease now.
#[derive(Clone)]
pub struct Held(watch::Receiver<Option<Instant>>);

impl Held {
    /// True until the instant the last successful renewal guarantees (checked against the
    /// monotonic clock at each call: a renewal that failed silently still ends it in time).
    pub fn now(&self) -> bool {
        self.0.borrow().is_some_and(|until| Instant::now() < until)
    }

    /// Waits for the next renewal's outcome.
    pub async fn changed(&mut self) {
        if self.0.changed().await.is_err() {
            // The keeper stopped (shutdown): nothing will change any more.
            std::future::pending::<()>().await;
        }
    }
}

/// The share of the time to live a renewal lets its holder act for, counted from when the
/// renewal started: the rest is the margin before another replica may take over.
const ACT_FOR: f64 = 0.75;

/// How often a replica that does not hold the lease tries again, at most (client-go's retry
/// period).
const CANDIDATE_RETRY: Duration = Duration::from_secs(2);

/// The shortest Kubernetes Lease: its duration is whole seconds, and each renewal is a write
/// to the API server (client-go's default is the same 15 s). A failover in a cluster takes up
/// to this long.
pub const KUBERNETES_MIN_TTL: Duration = Duration::from_secs(15);

/// The task renewing a lease. Dropping it stops the renewals at once (its owner was aborted:
/// the lease then expires, as when a process is killed); [`Keeper::finish`] waits for the
/// clean stop after `shutdown`, which gives the lease up.
pub struct Keeper(Option<tokio::task::JoinHandle<()>>);

impl Keeper {
    /// Waits until the keeper has stopped (after `shutdown`) and released the lease.
    pub async fn finish(mut self) {
        if let Some(t) = self.0.take() {
            let _ = t.await;
        }
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            t.abort();
        }
    }
}

/// Keeps the lease `name` for `owner` (renewing every third of `ttl`) until `shutdown`, then
/// gives it up. The returned [`Held`] says whether this replica may act.
pub fn keep(
    leases: &Leases,
    name: LeaseName,
    owner: String,
    ttl: Duration,
    shutdown: CancellationToken,
) -> (Held, Keeper) {
    let (tx, rx) = watch::channel(None);
    let leases = leases.clone();
    let ttl = match leases {
        Leases::Redis(_) => ttl,
        Leases::Kubernetes { .. } => ttl.max(KUBERNETES_MIN_TTL),
    };
    let task = tokio::spawn(async move {
        let kube = match &leases {
            Leases::Redis(_) => None,
            Leases::Kubernetes {
                client,
                namespace,
                prefix,
            } => Some(egov_k8s::KubeLease::new(
                client.clone(),
                namespace,
                &format!("{prefix}-{}", name.purpose),
            )),
        };
        loop {
            let started = Instant::now();
            let outcome = match (&leases, &kube) {
                (_, Some(k)) => k
                    .try_hold(&owner, ttl, started)
                    .await
                    .map_err(|e| e.to_string()),
                (Leases::Redis(conn), None) => {
                    hold(&mut conn.clone(), &name.redis_key, &owner, ttl)
                        .await
                        .map_err(|e| e.to_string())
                }
                (Leases::Kubernetes { .. }, None) => {
                    unreachable!("a Kubernetes lease is made above")
                }
            };
            let held = match outcome {
                Ok(true) => {
                    tx.send_replace(Some(started + ttl.mul_f64(ACT_FOR)));
                    true
                }
                Ok(false) => {
                    // Waiters wake when it is lost, not at every look of a candidate.
                    tx.send_if_modified(|v| v.take().is_some());
                    false
                }
                // Not renewed: what the last renewal guaranteed still ends it in time.
                Err(e) => {
                    tracing::warn!(lease = name.purpose, error = %e, "lease unavailable");
                    false
                }
            };
            // A holder renews every third of its time to live; a candidate looks more often,
            // since the holder it waits for may have had a shorter one (a restart with new
            // settings) or be gone.
            let next = if held {
                ttl / 3
            } else {
                (ttl / 3).min(CANDIDATE_RETRY)
            };
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(next) => {}
            }
        }
        tx.send_replace(None);
        let released = match (&leases, &kube) {
            (_, Some(k)) => k.release(&owner).await.map_err(|e| e.to_string()),
            (Leases::Redis(conn), None) => release(&mut conn.clone(), &name.redis_key, &owner)
                .await
                .map_err(|e| e.to_string()),
            (Leases::Kubernetes { .. }, None) => Ok(()),
        };
        if let Err(e) = released {
            tracing::warn!(lease = name.purpose, error = %e, "lease not released: it expires");
        }
    });
    (Held(rx), Keeper(Some(task)))
}

/// Take or renew the lease: KEYS[1] lease; ARGV owner, ttl ms. Returns 1 when held.
static HOLD: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not cur then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0
"#,
    )
});

/// Release the lease if held: KEYS[1] lease; ARGV owner.
static RELEASE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"#,
    )
});

/// Takes or renews the lease at `key` for `owner` for `ttl`; true while `owner` holds it.
pub async fn hold(
    conn: &mut Conn,
    key: &str,
    owner: &str,
    ttl: Duration,
) -> Result<bool, redis::RedisError> {
    let held: i64 = HOLD
        .key(key)
        .arg(owner)
        .arg(ttl.as_millis() as u64)
        .invoke_async(conn)
        .await?;
    Ok(held == 1)
}

/// Gives the lease up at once when `owner` holds it (a clean stop), so another replica need not
/// wait for it to expire.
pub async fn release(conn: &mut Conn, key: &str, owner: &str) -> Result<(), redis::RedisError> {
    let _: i64 = RELEASE.key(key).arg(owner).invoke_async(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use tokio_util::sync::CancellationToken;

    use super::{LeaseName, Leases};

    /// A replica killed while holding the lease (its keeper aborted: no release) stops acting
    /// before the other one starts: the last instant `a` said "held" comes before the first
    /// instant `b` did.
    #[tokio::test]
    async fn a_replica_that_loses_the_lease_stops_before_another_one_starts() {
        let r = egov_testkit::redis().await;
        let leases = Leases::Redis(egov_bus::connect(&r.client()).await.unwrap());
        let name = || LeaseName {
            redis_key: "egov:{expertise.0}:lease:handover".into(),
            purpose: "expertise-handover",
        };
        let ttl = Duration::from_millis(600);
        let stop = CancellationToken::new();
        let (a, keeper_a) = super::keep(&leases, name(), "pod-a".into(), ttl, stop.clone());
        while !a.now() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let (b, _keeper_b) = super::keep(&leases, name(), "pod-b".into(), ttl, stop.clone());
        tokio::time::sleep(ttl).await;
        assert!(a.now() && !b.now(), "one holder while it renews");
        drop(keeper_a);
        let killed = Instant::now();
        let mut last_a = killed;
        let first_b = loop {
            let now = Instant::now();
            if a.now() {
                last_a = now;
            }
            if b.now() {
                break now;
            }
            assert!(killed.elapsed() < ttl * 10, "b never took over");
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        assert!(!a.now());
        assert!(
            last_a < first_b,
            "a acted until {last_a:?}, b from {first_b:?}"
        );
        stop.cancel();
    }

    #[tokio::test]
    async fn one_holder_holds_the_lease_and_another_takes_over_when_it_stops_renewing() {
        let r = egov_testkit::redis().await;
        let mut conn = egov_bus::connect(&r.client()).await.unwrap();
        let ttl = Duration::from_millis(300);
        let key = "egov:{expertise.0}:lease:deadlines";
        assert!(super::hold(&mut conn, key, "pod-a", ttl).await.unwrap());
        assert!(
            !super::hold(&mut conn, key, "pod-b", ttl).await.unwrap(),
            "only one active instance"
        );
        // pod-a renews and keeps it past the first TTL.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(super::hold(&mut conn, key, "pod-a", ttl).await.unwrap());
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!super::hold(&mut conn, key, "pod-b", ttl).await.unwrap());
        // pod-a stops renewing (crashed): pod-b takes over after the TTL.
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert!(super::hold(&mut conn, key, "pod-b", ttl).await.unwrap());
        assert!(!super::hold(&mut conn, key, "pod-a", ttl).await.unwrap());
        // A clean release frees it at once.
        super::release(&mut conn, key, "pod-b").await.unwrap();
        assert!(super::hold(&mut conn, key, "pod-a", ttl).await.unwrap());
    }
}
