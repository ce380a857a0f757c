//! Stream consumers: a submission becomes a case on the engine.

use std::sync::Arc;

use egov_bus::{Delivery, HandleError};
use egov_engine::{Case, Input, Party, Pin};
use egov_events::v1::CaseSubmitted;
use egov_kernel::{Bin, CaseId};
use egov_runtime::Flag;
use serde_json::json;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Ctx;
use egov_cases::{self as domain, Actor, AdvanceError, Advanced};

/// Reads `topic` as group `expertise`.
pub(crate) fn spawn(
    ctx: Arc<Ctx>,
    topic: &'static str,
    attached: Flag,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    let platform = ctx.platform.clone();
    let handler = egov_bus::only(
        |env: &egov_bus::Envelope| env.kind == "CaseSubmitted",
        move |d: Delivery| {
            let ctx = ctx.clone();
            async move { handle(&ctx, d).await }
        },
    )
    // Each submission starts its own case: cases start at the same time.
    .per_case();
    egov_runtime::spawn_consumer(&platform, topic, crate::NAME, attached, handler, shutdown)
}

async fn handle(ctx: &Ctx, d: Delivery) -> Result<(), HandleError> {
    let env = &d.envelope;
    let reject = |e: String| HandleError::Reject(e);
    if env.kind != "CaseSubmitted" {
        return Ok(());
    }
    // A submission starts the case on the variant revision intake chose (pinned by digest):
    // the variant's `react` to `submitted`, recorded once per event.
    let e: CaseSubmitted = env.decode().map_err(|e| reject(e.to_string()))?;
    let id: CaseId = e.case_id.parse().map_err(|e| reject(format!("{e}")))?;
    let org = Bin::parse(&e.org).map_err(|e| reject(format!("org: {e}")))?;
    if domain::load(&ctx.store, id)
        .await
        .map_err(|e| HandleError::Retry(e.to_string()))?
        .is_some()
    {
        return Ok(());
    }
    let case = Case {
        id,
        procedure: e.procedure.clone(),
        variant: Pin {
            id: e.variant_id.clone(),
            version: e.variant_version.clone(),
            digest: e.variant_digest.clone(),
        },
        org,
        received_at: e.received_at.clone(),
        status: None,
        state: serde_json::Value::Null,
        tasks: Default::default(),
        timers: Default::default(),
        slots: Default::default(),
        entries: Vec::new(),
    };
    // The revision the case was submitted on is not loaded (removed, or still loading): the
    // case waits for it. Retrying would dead-letter a valid submission; it goes on when the
    // revision is back (hot reload, or a rollback to it).
    let def = domain::variant(ctx, &case).map_err(|e| HandleError::Wait(e.to_string()))?;
    // Events written before `submission_json` carry the 1.x parts only.
    let submission = serde_json::from_str(&e.submission_json).unwrap_or_else(|_| json!({
        "object_kind": e.object_kind,
        "fields": e.fields,
        "criteria": e.criteria,
        "documents": e.documents.iter().map(|d| json!({"kind": d.kind, "reference": d.reference, "title": d.title})).collect::<Vec<_>>(),
    }));
    let intake = def
        .intake(&e.intake)
        .or_else(|| def.intakes.first())
        .ok_or_else(|| reject("the variant has no intake".into()))?;
    let input = Input::Submitted {
        intake: intake.name.clone(),
        submission,
        by: Party::of(intake.role, org),
        at: e.received_at.clone(),
    };
    let actor = Actor {
        sub: e.submitted_by.clone(),
        note: String::new(),
    };
    match domain::advance(ctx, case, 0, input, &actor, Some(env)).await {
        Ok(Advanced::Committed(..) | Advanced::AlreadyApplied) => Ok(()),
        // The variant accepted the form at intake; refusing its start is a defect of the
        // variant, and no retry changes that.
        Ok(Advanced::Refused(v)) => Err(reject(format!(
            "the variant refused to start the case: {v:?}"
        ))),
        // Started by a redelivery meanwhile.
        Err(AdvanceError::Store(egov_store::StoreError::Conflict { .. })) => Ok(()),
        Err(AdvanceError::Variant(e)) => Err(HandleError::Wait(e.to_string())),
        Err(e) => Err(HandleError::Retry(e.to_string())),
    }
}
