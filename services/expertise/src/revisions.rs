//! Unloads retired plugin revisions once no open case is pinned to them. A revision retires
//! when no manifest deploys it any more (replaced, rolled back from, removed): it then serves
//! only the cases that started on it (the `variant:<digest>` index of open cases), and goes
//! when the last of them has closed and a grace period has passed (a submission chosen under
//! it just before it retired may still be on its way here).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Ctx;

/// How long a retired revision stays loaded at least.
pub(crate) const GRACE: Duration = Duration::from_secs(600);

/// One pass: unloads the retired revisions retired for `grace` with no open case; returns
/// their digests. `since` remembers when each was first seen retired.
pub(crate) async fn sweep(
    ctx: &Ctx,
    since: &mut BTreeMap<String, Instant>,
    grace: Duration,
) -> Vec<String> {
    let defs = &ctx.platform.definitions;
    let retired = defs.retired();
    since.retain(|d, _| retired.iter().any(|r| &r.digest == d));
    let mut gone = Vec::new();
    for def in retired {
        let first = *since.entry(def.digest.clone()).or_insert_with(Instant::now);
        if first.elapsed() < grace {
            continue;
        }
        let index = egov_engine::apply::index::variant(&def.digest);
        match ctx.store.count(&index).await {
            Ok(0) => {
                defs.unload(&def.digest);
                since.remove(&def.digest);
                gone.push(def.digest.clone());
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "open cases of a retired revision unreadable"),
        }
    }
    gone
}

pub(crate) fn spawn(ctx: Arc<Ctx>, every: Duration, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut since = BTreeMap::new();
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(every) => {}
            }
            sweep(&ctx, &mut since, GRACE).await;
        }
    })
}
