//! Stream consumers: the engine's reactions to events.

use std::sync::Arc;

use egov_bus::{Delivery, HandleError};
use egov_events::v1::{CaseSubmitted, StepCompleted};
use egov_kernel::time;
use egov_runtime::Flag;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Ctx;
use crate::domain::{self, CaseRef};

/// Reads `topic` as group `expertise`.
pub(crate) fn spawn(
    ctx: Arc<Ctx>,
    topic: &'static str,
    attached: Flag,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    let platform = ctx.platform.clone();
    let handler = move |d: Delivery| {
        let ctx = ctx.clone();
        async move { handle(&ctx, d).await }
    };
    egov_runtime::spawn_consumer(&platform, topic, crate::NAME, attached, handler, shutdown)
}

async fn handle(ctx: &Ctx, d: Delivery) -> Result<(), HandleError> {
    let env = &d.envelope;
    let reject = |e: egov_bus::EnvelopeError| HandleError::Reject(e.to_string());
    let instant = |s: &str| {
        time::parse(s).map_err(|e| HandleError::Reject(format!("bad local time {s:?}: {e}")))
    };
    match env.kind.as_str() {
        // A submission opens the start step of the case's variant, received on submission.
        "CaseSubmitted" => {
            let e: CaseSubmitted = env.decode().map_err(reject)?;
            record(ctx, &e.case_id, env).await?;
            let def = ctx
                .platform
                .definitions
                .pinned(&e.variant_id, &e.variant_version, &e.variant_digest)
                .map_err(|err| HandleError::Retry(err.to_string()))?;
            let case = CaseRef {
                case_id: &e.case_id,
                org: &e.org,
                variant_id: &e.variant_id,
                variant_version: &e.variant_version,
                variant_digest: &e.variant_digest,
            };
            domain::open(
                &ctx.store,
                &ctx.platform.calendar,
                case,
                def.start_step(),
                instant(&e.received_at)?,
                env,
            )
            .await
            .map_err(|err| HandleError::Retry(err.to_string()))
        }
        // An outcome opens the steps it leads to, received when the outcome was given.
        "StepCompleted" => {
            let e: StepCompleted = env.decode().map_err(reject)?;
            record(ctx, &e.case_id, env).await?;
            let def = ctx
                .platform
                .definitions
                .pinned(&e.variant_id, &e.variant_version, &e.variant_digest)
                .map_err(|err| HandleError::Retry(err.to_string()))?;
            let received = instant(&e.completed_at)?;
            for next in &e.next_steps {
                let step = def.step(next).ok_or_else(|| {
                    HandleError::Reject(format!("variant {} has no step {next}", def.id))
                })?;
                let case = CaseRef {
                    case_id: &e.case_id,
                    org: &e.org,
                    variant_id: &e.variant_id,
                    variant_version: &e.variant_version,
                    variant_digest: &e.variant_digest,
                };
                domain::open(
                    &ctx.store,
                    &ctx.platform.calendar,
                    case,
                    step,
                    received,
                    env,
                )
                .await
                .map_err(|err| HandleError::Retry(err.to_string()))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Records the event in the case's dossier (once per event), before any step it opens can
/// be decided on.
async fn record(ctx: &Ctx, case: &str, env: &egov_bus::Envelope) -> Result<(), HandleError> {
    ctx.store
        .project("dossier", case, env, &env.id.to_string())
        .await
        .map(|_| ())
        .map_err(|e| HandleError::Retry(e.to_string()))
}
