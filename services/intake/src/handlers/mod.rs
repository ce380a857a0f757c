//! Stream consumers: the events other services publish about cases become the case timeline.

use std::sync::Arc;

use egov_bus::{Delivery, HandleError};
use egov_events::v1::CaseAdvanced;
use egov_events::v1::change::Change as ChangeKind;
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
    // Only events about a case have a place on a timeline.
    let handler = egov_bus::only(
        |env: &egov_bus::Envelope| env.case.is_some(),
        move |d: Delivery| {
            let ctx = ctx.clone();
            async move { project(&ctx, d).await }
        },
    )
    // A timeline is one case's: cases are projected at the same time, each in order.
    .per_case();
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
        .map_err(|e| HandleError::Retry(e.to_string()))?;
    // A case that starts another (`start-case`): the new case is recorded once per request.
    if d.envelope.kind == "CaseAdvanced" {
        let e: CaseAdvanced = d
            .envelope
            .decode()
            .map_err(|e| HandleError::Reject(e.to_string()))?;
        for (n, c) in e
            .changes
            .iter()
            .filter_map(|c| c.change.as_ref())
            .enumerate()
        {
            if let ChangeKind::CaseStartRequested(req) = c {
                crate::started::start(ctx, &d.envelope, &case, n, req).await?;
            }
        }
    }
    Ok(())
}
