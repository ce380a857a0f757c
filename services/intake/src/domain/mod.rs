//! The case aggregate and its timeline.

use std::collections::BTreeMap;

use egov_bus::Envelope;
use egov_events::v1::change::Change as ChangeKind;
use egov_events::v1::{CaseAdvanced, CaseSubmitted, DeadlineApproaching, DeadlineMissed, Party};
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
    /// The intake it came through.
    #[serde(default)]
    pub intake: String,
    /// The submission as the variant admitted it.
    #[serde(default)]
    pub submission: Value,
    pub object_kind: String,
    pub fields: BTreeMap<String, String>,
    pub documents: Vec<Document>,
    #[serde(default)]
    pub criteria: BTreeMap<String, bool>,
}

impl Case {
    /// The step that records this new case (version 0 to 1) with `event`, in its agency's
    /// index, taking `unique` (a name the case is the only one of) when given.
    pub fn creation<'a>(
        &'a self,
        event: &'a Envelope,
        unique: Option<String>,
    ) -> egov_store::Append<'a, Case> {
        egov_store::Append {
            kind: "case",
            id: &self.id,
            expected_version: 0,
            state: self,
            event,
            index: vec![egov_store::IndexOp::Add {
                index: format!("org:{}", self.org),
                member: self.id.clone(),
            }],
            applied: None,
            unique,
        }
    }
}

/// A document by reference.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Document {
    pub kind: String,
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// The timeline entries for people of one event: what happened, when (local time), and its
/// details. A `CaseAdvanced` (one input of the engine) gives one entry per change, in order.
pub fn timeline_entries(env: &Envelope) -> Vec<(jiff::Timestamp, Value)> {
    let Ok(at) = egov_kernel::time::parse(&env.occurred_at) else {
        return Vec::new();
    };
    let entry = |event: &str, details: Option<Value>| {
        let mut v = json!({"at": env.occurred_at, "event": event, "service": env.producer});
        if let (Some(Value::Object(d)), Value::Object(m)) = (details, &mut v) {
            m.extend(d);
        }
        (at, v)
    };
    let deadline = |d: Option<egov_events::v1::Deadline>| {
        d.map(|d| {
            json!({"step": d.step, "rule": d.rule, "role": d.role, "last_day": d.last_day,
                          "ends_at": d.ends_at, "provisional": d.provisional})
        })
    };
    let one = |details: Option<Value>| vec![entry(&env.kind, details)];
    match env.kind.as_str() {
        "CaseSubmitted" => one(env.decode::<CaseSubmitted>().ok().map(|e| {
            json!({"by": {"org": e.org, "sub": e.submitted_by},
                   "variant": {"id": e.variant_id, "version": e.variant_version, "sha256": e.variant_digest}})
        })),
        "CaseAdvanced" => env
            .decode::<CaseAdvanced>()
            .map(|e| {
                e.changes
                    .into_iter()
                    .filter_map(|c| c.change)
                    .map(|c| {
                        let (name, details) = change(c);
                        entry(name, Some(details))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        "DeadlineApproaching" => {
            one(deadline(env.decode::<DeadlineApproaching>().ok().and_then(|e| e.deadline)))
        }
        "DeadlineMissed" => {
            one(deadline(env.decode::<DeadlineMissed>().ok().and_then(|e| e.deadline)))
        }
        _ => one(None),
    }
}

fn party(p: Option<Party>) -> Value {
    p.map(|p| json!({"role": p.role, "org": (!p.org.is_empty()).then_some(p.org)}))
        .unwrap_or(Value::Null)
}

fn json_text(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::Null)
}

/// One change of a case as a timeline entry: its name and details.
fn change(c: ChangeKind) -> (&'static str, Value) {
    match c {
        ChangeKind::StepOpened(e) => (
            "StepOpened",
            json!({
            "step": e.step, "task": e.task_id, "title": e.title, "role": e.role, "rule": e.rule,
            "due": {"last_day": e.last_day, "ends_at": e.ends_at, "provisional": e.provisional}}),
        ),
        ChangeKind::StepCompleted(e) => (
            "StepCompleted",
            json!({
            "step": e.step, "task": e.task_id, "outcome": e.outcome, "next_steps": e.next_steps,
            "status": (!e.status.is_empty()).then_some(e.status), "reasons": e.reasons,
            "note": (!e.note.is_empty()).then_some(e.note), "by": {"org": e.by_org, "sub": e.by_sub},
            "decision": json_text(&e.decision_json)}),
        ),
        ChangeKind::TaskClosed(e) => ("TaskClosed", json!({"task": e.task_id, "reason": e.reason})),
        ChangeKind::TaskExtended(e) => (
            "TaskExtended",
            json!({
            "task": e.task_id, "by": {"count": e.count, "unit": e.unit}, "rule": e.rule,
            "due": {"last_day": e.last_day, "ends_at": e.ends_at, "provisional": e.provisional}}),
        ),
        ChangeKind::TimerSet(e) => (
            "TimerSet",
            json!({"timer": e.name, "fires_at": e.fires_at, "rule": e.rule}),
        ),
        ChangeKind::TimerFired(e) => ("TimerFired", json!({"timer": e.name})),
        ChangeKind::TimerCancelled(e) => ("TimerCancelled", json!({"timer": e.name})),
        ChangeKind::SlotOpened(e) => (
            "SlotOpened",
            json!({
            "slot": e.name, "party": party(e.party), "sealed": e.sealed, "rule": e.rule}),
        ),
        ChangeKind::SlotInput(e) => (
            "SlotInputReceived",
            json!({
            "slot": e.name, "seq": e.seq, "by": party(e.by), "sha256": e.digest,
            "replaces": (e.replaces > 0).then_some(e.replaces)}),
        ),
        ChangeKind::SlotWithdrawn(e) => (
            "SlotInputWithdrawn",
            json!({"slot": e.name, "seq": e.seq, "by": party(e.by)}),
        ),
        ChangeKind::SlotClosed(e) => ("SlotClosed", json!({"slot": e.name, "count": e.count})),
        ChangeKind::SlotUnsealed(e) => ("SlotUnsealed", json!({"slot": e.name, "count": e.count})),
        ChangeKind::StatusSet(e) => ("StatusSet", json!({"status": e.status})),
        ChangeKind::EntryPut(e) => (
            "EntryPut",
            json!({
            "registry": e.registry, "key": e.key, "entry": json_text(&e.body_json)}),
        ),
        ChangeKind::CaseStartRequested(e) => (
            "CaseStartRequested",
            json!({
            "procedure": e.procedure, "link": e.link}),
        ),
        ChangeKind::PartyNotified(e) => (
            "PartyNotified",
            json!({
            "party": party(e.party), "subject": e.subject, "details": json_text(&e.body_json)}),
        ),
    }
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
