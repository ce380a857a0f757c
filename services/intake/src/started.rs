//! Cases started by other cases: a variant's `start-case` effect (`CaseStartRequested` in a
//! `CaseAdvanced`) becomes a case of its own, recorded like a submission (`CaseSubmitted`), so
//! that expertise starts it as any other. The service-model variant starts the tender of an
//! approved design assignment this way (SM-42).
//!
//! - The variant is the one in force on the day of the starting input (the event's instant),
//!   chosen by the started case's procedure kind; the request's `link` names the intake of that
//!   variant which admits the submission (its form and its rules, as a submission's).
//! - The started case belongs to the starting case's agency and is submitted by
//!   `case:<starting case id>`.
//! - Once per request: the case id is a unique name of the event id and the change's position,
//!   taken in the same atomic append as the case, so a redelivery finds the first case.
//! - A request the variant refuses is a defect of the variants (the starting variant built a
//!   submission the started one does not take): it is dead-lettered with the reasons.

use egov_bus::{Envelope, HandleError};
use egov_events::v1::{CaseStartRequested, CaseSubmitted};
use egov_kernel::time;
use egov_procedure::Refusal;
use egov_store::Appended;
use serde_json::Value;

use crate::Ctx;
use crate::domain::Case;

/// Starts the case `req` asks for (the `n`-th change of the event `env` about case `origin`).
pub(crate) async fn start(
    ctx: &Ctx,
    env: &Envelope,
    origin: &str,
    n: usize,
    req: &CaseStartRequested,
) -> Result<(), HandleError> {
    let reject = |e: String| HandleError::Reject(format!("start-case {}: {e}", req.procedure));
    let starting: Case = ctx
        .store
        .load::<Case>("case", origin)
        .await
        .map_err(|e| HandleError::Retry(e.to_string()))?
        .map(|l| l.state)
        .ok_or_else(|| HandleError::Retry(format!("case {origin} is not recorded yet")))?;
    let at = time::parse(&env.occurred_at).map_err(|e| reject(format!("instant: {e}")))?;
    let day = time::local_date(at);
    // No variant of the kind in force that day (not loaded yet, or a gap): wait for one.
    let def = ctx
        .platform
        .definitions
        .select(&req.procedure, day)
        .map_err(|e| HandleError::Wait(e.to_string()))?;
    let intake = def.intake(&req.link).cloned().ok_or_else(|| {
        reject(format!(
            "{} {} has no intake {:?}",
            def.id, def.version, req.link
        ))
    })?;
    let body: Value = serde_json::from_str(&req.submission_json)
        .map_err(|e| reject(format!("submission: {e}")))?;
    let (d, i) = (def.clone(), intake.clone());
    let verdict = d
        .run(move |d| d.admit(&i, body, day))
        .await
        .map_err(|e| HandleError::Retry(e.to_string()))?
        .map_err(|e| HandleError::Retry(e.to_string()))?;
    let submission = match verdict {
        Ok(a) => a.into_json().0,
        Err(Refusal::Malformed(v)) => {
            return Err(reject(format!("{}: {} ({})", v.field, v.message, v.rule)));
        }
        Err(Refusal::Rules(v)) => {
            let v: Vec<String> = v
                .iter()
                .map(|v| format!("{}: {} ({})", v.field, v.message, v.rule))
                .collect();
            return Err(reject(v.join("; ")));
        }
    };
    let unique = format!("started:{}:{n}", env.id);
    let id = ctx.store.new_id_for(&unique);
    let received_at = time::format(at);
    let submitted_by = format!("case:{origin}");
    let case = Case {
        id: id.clone(),
        procedure: def.kind.clone(),
        variant_id: def.id.clone(),
        variant_version: def.version.clone(),
        variant_digest: def.digest.clone(),
        org: starting.org.clone(),
        submitted_by: submitted_by.clone(),
        received_at: received_at.clone(),
        intake: intake.name.clone(),
        submission: submission.clone(),
        object_kind: String::new(),
        fields: Default::default(),
        documents: Vec::new(),
        criteria: Default::default(),
    };
    let event = CaseSubmitted {
        case_id: id.clone(),
        procedure: def.kind.clone(),
        variant_id: def.id.clone(),
        variant_version: def.version.clone(),
        variant_digest: def.digest.clone(),
        org: case.org.clone(),
        submitted_by,
        received_at,
        intake: intake.name.clone(),
        submission_json: submission.to_string(),
        ..Default::default()
    };
    let out = Envelope::new(crate::NAME, &event, at)
        .with_case(&id)
        .caused_by(env);
    let appended = ctx
        .store
        .append(case.creation(&out, Some(unique)))
        .await
        .map_err(|e| HandleError::Retry(e.to_string()))?;
    match appended {
        Appended::Committed { .. } => {
            tracing::info!(case = %id, origin, procedure = %def.kind, variant = %def.id, "case started by a case");
        }
        // Started by an earlier delivery.
        Appended::Exists(_) | Appended::AlreadyApplied => {}
    }
    Ok(())
}
