//! The deadline scheduler (DESIGN.md §2 "Deadlines are data"): one active instance, by a Redis
//! lease, publishes `DeadlineApproaching` one working day before a term ends and
//! `DeadlineMissed` after it ended. No deadline is a sleeping task in memory: the due instants
//! are sorted-set indexes written with the task, and each announcement removes its index
//! entry in the same atomic step, so it happens once.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use egov_bus::Envelope;
use egov_events::v1::{Deadline, DeadlineApproaching, DeadlineMissed};
use egov_store::{Append, IndexOp, StoreError};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Ctx;
use crate::domain::{APPROACHING, MISSED, Task, TaskStatus};

/// Take or renew the lease: KEYS[1] lease; ARGV owner, ttl ms. Returns 1 when held.
static LEASE: LazyLock<redis::Script> = LazyLock::new(|| {
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

/// Takes or renews the lease at `key` for `owner`; true while held.
async fn hold(
    conn: &mut redis::aio::ConnectionManager,
    key: &str,
    owner: &str,
    ttl: Duration,
) -> Result<bool, redis::RedisError> {
    let held: i64 = LEASE
        .key(key)
        .arg(owner)
        .arg(ttl.as_millis() as u64)
        .invoke_async(conn)
        .await?;
    Ok(held == 1)
}

pub(crate) fn spawn(ctx: Arc<Ctx>, tick: Duration, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let key = format!(
            "egov:{}:lease:deadlines",
            ctx.platform.topic(crate::NAME).tag(0)
        );
        let owner = format!("{}:{}", ctx.platform.replica, ulid::Ulid::new());
        let ttl = (tick * 3).max(Duration::from_secs(1));
        let mut conn = ctx.platform.bus.connection();
        loop {
            match hold(&mut conn, &key, &owner, ttl).await {
                Ok(true) => {
                    if let Err(e) = run_once(&ctx).await {
                        tracing::warn!(error = %e, "deadline scan failed");
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "deadline lease unavailable"),
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(tick) => {}
            }
        }
        let _: Result<i64, _> = RELEASE.key(&key).arg(&owner).invoke_async(&mut conn).await;
    })
}

#[derive(Clone, Copy)]
enum Kind {
    Approaching,
    Missed,
}

/// Announces every term that reached its approach or its end; returns how many.
pub(crate) async fn run_once(ctx: &Ctx) -> Result<usize, StoreError> {
    let now = ctx.platform.clock.now();
    let mut n = 0;
    for (index, kind) in [(APPROACHING, Kind::Approaching), (MISSED, Kind::Missed)] {
        for (id, _) in ctx.store.scored(index, 0.0, now.as_second() as f64).await? {
            n += usize::from(announce(ctx, &id, kind, now).await?);
        }
    }
    Ok(n)
}

async fn announce(
    ctx: &Ctx,
    id: &str,
    kind: Kind,
    now: jiff::Timestamp,
) -> Result<bool, StoreError> {
    let Some(loaded) = ctx.store.load::<Task>("task", id).await? else {
        return Ok(false);
    };
    let mut task = loaded.state;
    let (Some(due), TaskStatus::Open) = (task.due.clone(), task.status) else {
        return Ok(false);
    };
    let deadline = Deadline {
        case_id: task.case_id.clone(),
        step: task.step.clone(),
        rule: task.rule.clone(),
        last_day: due.last_day.to_string(),
        ends_at: due.ends_at.clone(),
        provisional: due.provisional,
        role: task.role.to_string(),
    };
    let (env, index, label) = match kind {
        Kind::Approaching => {
            task.approaching_notified = true;
            let msg = DeadlineApproaching {
                deadline: Some(deadline),
            };
            (
                Envelope::new(crate::NAME, &msg, now),
                APPROACHING,
                "approaching",
            )
        }
        Kind::Missed => {
            task.missed_notified = true;
            let msg = DeadlineMissed {
                deadline: Some(deadline),
            };
            (Envelope::new(crate::NAME, &msg, now), MISSED, "missed")
        }
    };
    let env = env.with_case(&task.case_id);
    let r = ctx
        .store
        .append(Append {
            kind: "task",
            id,
            expected_version: loaded.version,
            state: &task,
            event: &env,
            index: vec![IndexOp::Unscore {
                index: index.into(),
                member: id.to_owned(),
            }],
            applied: None,
            unique: None,
        })
        .await;
    match r {
        Ok(_) => {
            ctx.platform
                .deadlines
                .announced
                .with_label_values(&[label, &task.rule])
                .inc();
            Ok(true)
        }
        // Completed or announced meanwhile: the next scan sees the new state.
        Err(StoreError::Conflict { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_scheduler_holds_the_lease_and_another_takes_over_when_it_stops_renewing() {
        let r = egov_testkit::redis().await;
        let mut conn = egov_bus::connect(&r.client()).await.unwrap();
        let ttl = Duration::from_millis(300);
        let key = "egov:{expertise.0}:lease:deadlines";
        assert!(hold(&mut conn, key, "pod-a", ttl).await.unwrap());
        assert!(
            !hold(&mut conn, key, "pod-b", ttl).await.unwrap(),
            "only one active instance"
        );
        // pod-a renews and keeps it past the first TTL.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(hold(&mut conn, key, "pod-a", ttl).await.unwrap());
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!hold(&mut conn, key, "pod-b", ttl).await.unwrap());
        // pod-a stops renewing (crashed): pod-b takes over after the TTL.
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert!(hold(&mut conn, key, "pod-b", ttl).await.unwrap());
        assert!(!hold(&mut conn, key, "pod-a", ttl).await.unwrap());
        // A clean release frees it at once.
        let _: i64 = RELEASE
            .key(key)
            .arg("pod-b")
            .invoke_async(&mut conn)
            .await
            .unwrap();
        assert!(hold(&mut conn, key, "pod-a", ttl).await.unwrap());
    }
}
