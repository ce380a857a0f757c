//! Stream consumers: the events other services publish about cases become the case timeline.

use std::sync::Arc;

use egov_bus::{Delivery, HandleError};
use egov_runtime::Flag;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Ctx;

/// Reads `topic` as group `intake` and projects every event about a case onto its timeline.
pub(crate) fn spawn(
    ctx: Arc<Ctx>,
    topic: &'static str,
    attached: Flag,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    let platform = ctx.platform.clone();
    let handler = move |d: Delivery| {
        let ctx = ctx.clone();
        async move { project(&ctx, d).await }
    };
    egov_runtime::spawn_consumer(&platform, topic, crate::NAME, attached, handler, shutdown)
}

async fn project(ctx: &Ctx, d: Delivery) -> Result<(), HandleError> {
    let Some(case) = d.envelope.case.clone() else {
        return Ok(());
    };
    // Once per event, even when delivered again after a crash (the applied marker is written
    // with the projection entry).
    ctx.store
        .project("case", &case, &d.envelope, &d.envelope.id.to_string())
        .await
        .map(|_| ())
        .map_err(|e| HandleError::Retry(e.to_string()))
}
