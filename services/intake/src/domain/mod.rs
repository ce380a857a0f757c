//! The case aggregate and its timeline.

use std::collections::BTreeMap;

use egov_bus::Envelope;
use egov_events::v1::{
    CaseSubmitted, DeadlineApproaching, DeadlineMissed, StepCompleted, StepOpened,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A case as intake records it (the aggregate's state).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Case {
    pub id: String,
    pub procedure: String,
    pub variant_id: String,
    pub variant_version: String,
    /// The sha256 of the variant's artifact the case follows.
    #[serde(default)]
    pub variant_digest: String,
    /// The submitting agency's BIN.
    pub org: String,
    pub submitted_by: String,
    pub received_at: String,
    pub object_kind: String,
    pub fields: BTreeMap<String, String>,
    pub documents: Vec<Document>,
    #[serde(default)]
    pub criteria: BTreeMap<String, bool>,
}

/// A document by reference.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Document {
    pub kind: String,
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// One timeline entry for people: what happened, when (local time), and its details.
pub fn timeline_entry(env: &Envelope) -> Option<(jiff::Timestamp, Value)> {
    let at = egov_kernel::time::parse(&env.occurred_at).ok()?;
    let mut v = json!({"at": env.occurred_at, "event": env.kind, "service": env.producer});
    let deadline = |d: Option<egov_events::v1::Deadline>| {
        d.map(|d| {
            json!({"step": d.step, "rule": d.rule, "role": d.role, "last_day": d.last_day,
                          "ends_at": d.ends_at, "provisional": d.provisional})
        })
    };
    let details = match env.kind.as_str() {
        "CaseSubmitted" => env.decode::<CaseSubmitted>().ok().map(|e| {
            json!({"by": {"org": e.org, "sub": e.submitted_by},
                   "variant": {"id": e.variant_id, "version": e.variant_version}})
        }),
        "StepOpened" => env.decode::<StepOpened>().ok().map(|e| {
            json!({"step": e.step, "title": e.title, "role": e.role, "rule": e.rule,
                   "due": {"last_day": e.last_day, "ends_at": e.ends_at, "provisional": e.provisional}})
        }),
        "StepCompleted" => env.decode::<StepCompleted>().ok().map(|e| {
            json!({"step": e.step, "outcome": e.outcome, "next_steps": e.next_steps,
                   "status": (!e.status.is_empty()).then_some(e.status), "reasons": e.reasons,
                   "note": (!e.note.is_empty()).then_some(e.note), "by": {"org": e.by_org, "sub": e.by_sub}})
        }),
        "DeadlineApproaching" => deadline(env.decode::<DeadlineApproaching>().ok()?.deadline),
        "DeadlineMissed" => deadline(env.decode::<DeadlineMissed>().ok()?.deadline),
        _ => None,
    };
    if let (Some(Value::Object(d)), Value::Object(m)) = (details, &mut v) {
        m.extend(d);
    }
    Some((at, v))
}

/// The case's status from its timeline: the last status an outcome set, else whether a step
/// is open.
pub fn status(timeline: &[Value]) -> String {
    let set = timeline
        .iter()
        .rev()
        .find_map(|e| e.get("status").and_then(Value::as_str).map(str::to_owned));
    match set {
        Some(s) => s,
        None if timeline.iter().any(|e| e["event"] == "StepOpened") => "in-examination".into(),
        None => "submitted".into(),
    }
}
