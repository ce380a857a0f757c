//! A Redis lease: one holder at a time of something only one replica may do (the deadline
//! scheduler, the monitoring bridge's deliveries). The holder renews it well within its time to
//! live; a holder that stops renewing (killed, cut off) loses it when it expires, and another
//! replica takes it then.

use std::sync::LazyLock;
use std::time::Duration;

use redis::aio::ConnectionManager;

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
    conn: &mut ConnectionManager,
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
pub async fn release(
    conn: &mut ConnectionManager,
    key: &str,
    owner: &str,
) -> Result<(), redis::RedisError> {
    let _: i64 = RELEASE.key(key).arg(owner).invoke_async(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

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
