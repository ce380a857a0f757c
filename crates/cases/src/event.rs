//! `CaseAdvanced`: one input and what it changed, as the protobuf event the other services read.

use egov_engine::{Case, Change, Input, Party};
use egov_events::v1::{self as pb, change::Change as C};

/// Who gave a completion, beyond its party: the subject and the note, for the record.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    /// The token's subject.
    pub sub: String,
    /// The actor's note.
    pub note: String,
}

fn party(p: &Party) -> pb::Party {
    pb::Party {
        role: p.role.to_string(),
        org: p.org.map(|o| o.to_string()).unwrap_or_default(),
    }
}

/// The giver of an input as the event names it: while its slot is sealed, only its role (who
/// applied is not told before the close, as the slot's view does not tell it either).
fn giver(case: &Case, slot: &str, by: &Party) -> pb::Party {
    let sealed = case
        .slots
        .iter()
        .find(|(n, _)| n.as_str() == slot)
        .is_some_and(|(_, s)| s.sealed && !s.unsealed);
    if sealed {
        pb::Party {
            role: by.role.to_string(),
            org: String::new(),
        }
    } else {
        party(by)
    }
}

fn input_name(i: &Input) -> &'static str {
    match i {
        Input::Submitted { .. } => "submitted",
        Input::TaskCompleted { .. } => "task-completed",
        Input::TimerFired { .. } => "timer-fired",
        Input::SlotInput { .. } => "slot-input",
        Input::SlotClosed { .. } => "slot-closed",
        Input::SlotUnsealed { .. } => "slot-unsealed",
        Input::SlotWithdrawn { .. } => "slot-withdrawn",
        Input::EntryChanged { .. } => "entry-changed",
    }
}

/// The event of `input` on `case` (as it is after it) with its `changes`.
pub fn advanced(case: &Case, input: &Input, changes: &[Change], actor: &Actor) -> pb::CaseAdvanced {
    let id = case.id.to_string();
    let task_id = |k: &egov_kernel::TaskKey| format!("{id}.{k}");
    // A completion names the tasks its outcome opened and the status it set, as 1.x did.
    let opened: Vec<String> = changes
        .iter()
        .filter_map(|c| match c {
            Change::TaskOpened { task } => Some(task.key.to_string()),
            _ => None,
        })
        .collect();
    let status_set = changes.iter().rev().find_map(|c| match c {
        Change::StatusSet { status } => Some(status.clone()),
        _ => None,
    });
    let out = changes
        .iter()
        .map(|c| {
            let change = match c {
                Change::TaskOpened { task } => C::StepOpened(pb::StepOpened {
                    case_id: id.clone(),
                    task_id: task_id(&task.key),
                    step: task.key.step().to_string(),
                    title: task.title.clone(),
                    role: task.party.role.to_string(),
                    rule: task.rule.clone(),
                    opened_at: task.opened_at.clone(),
                    last_day: task
                        .due
                        .as_ref()
                        .map(|d| d.last_day.to_string())
                        .unwrap_or_default(),
                    ends_at: task
                        .due
                        .as_ref()
                        .map(|d| d.ends_at.clone())
                        .unwrap_or_default(),
                    provisional: task.due.as_ref().is_some_and(|d| d.provisional),
                    org: case.org.to_string(),
                    variant_id: case.variant.id.clone(),
                    variant_version: case.variant.version.clone(),
                    variant_digest: case.variant.digest.clone(),
                }),
                Change::TaskCompleted {
                    key,
                    outcome,
                    reasons,
                    inputs,
                    decision,
                    by,
                } => C::StepCompleted(pb::StepCompleted {
                    case_id: id.clone(),
                    task_id: task_id(key),
                    step: key.step().to_string(),
                    outcome: outcome.clone(),
                    next_steps: opened.clone(),
                    status: status_set.clone().unwrap_or_default(),
                    completed_at: input.at().to_owned(),
                    by_org: by.org.map(|o| o.to_string()).unwrap_or_default(),
                    by_sub: actor.sub.clone(),
                    note: actor.note.clone(),
                    org: case.org.to_string(),
                    variant_id: case.variant.id.clone(),
                    variant_version: case.variant.version.clone(),
                    reasons: reasons.clone(),
                    inputs_json: if inputs.is_null() {
                        "{}".into()
                    } else {
                        inputs.to_string()
                    },
                    decision_json: if decision.is_null() {
                        String::new()
                    } else {
                        decision.to_string()
                    },
                    variant_digest: case.variant.digest.clone(),
                }),
                Change::TaskClosed { key, reason } => C::TaskClosed(pb::TaskClosed {
                    task_id: task_id(key),
                    reason: reason.clone(),
                }),
                Change::TaskExtended { key, by, rule, due } => C::TaskExtended(pb::TaskExtended {
                    task_id: task_id(key),
                    count: by.count,
                    unit: by.unit.to_string(),
                    rule: rule.clone(),
                    last_day: due.last_day.to_string(),
                    ends_at: due.ends_at.clone(),
                    provisional: due.provisional,
                }),
                Change::TimerSet {
                    name,
                    fires_at,
                    rule,
                } => C::TimerSet(pb::TimerSet {
                    name: name.clone(),
                    fires_at: fires_at.clone(),
                    rule: rule.clone(),
                }),
                Change::TimerFired { name } => C::TimerFired(pb::TimerFired { name: name.clone() }),
                Change::TimerCancelled { name } => {
                    C::TimerCancelled(pb::TimerCancelled { name: name.clone() })
                }
                Change::SlotOpened {
                    name,
                    party: p,
                    sealed,
                    rule,
                } => C::SlotOpened(pb::SlotOpened {
                    name: name.clone(),
                    party: Some(party(p)),
                    sealed: *sealed,
                    rule: rule.clone(),
                }),
                Change::SlotInput {
                    name,
                    seq,
                    by,
                    digest,
                    replaces,
                } => C::SlotInput(pb::SlotInputReceived {
                    name: name.clone(),
                    seq: *seq,
                    by: Some(giver(case, name, by)),
                    digest: digest.clone(),
                    replaces: replaces.unwrap_or(0),
                }),
                Change::SlotInputWithdrawn { name, seq, by } => {
                    C::SlotWithdrawn(pb::SlotInputWithdrawn {
                        name: name.clone(),
                        seq: *seq,
                        by: Some(giver(case, name, by)),
                    })
                }
                Change::SlotClosed { name, count } => C::SlotClosed(pb::SlotClosed {
                    name: name.clone(),
                    count: *count,
                }),
                Change::SlotUnsealed { name, count } => C::SlotUnsealed(pb::SlotUnsealed {
                    name: name.clone(),
                    count: *count,
                }),
                Change::StatusSet { status } => C::StatusSet(pb::StatusSet {
                    status: status.clone(),
                }),
                Change::EntryPut { entry } => C::EntryPut(pb::EntryPut {
                    registry: entry.registry.to_string(),
                    key: entry.key.clone(),
                    body_json: entry.body.to_string(),
                }),
                Change::CaseStartRequested {
                    procedure,
                    link,
                    submission,
                } => C::CaseStartRequested(pb::CaseStartRequested {
                    procedure: procedure.clone(),
                    link: link.clone(),
                    submission_json: submission.to_string(),
                }),
                Change::PartyNotified {
                    party: p,
                    subject,
                    body,
                } => C::PartyNotified(pb::PartyNotified {
                    party: Some(party(p)),
                    subject: subject.clone(),
                    body_json: body.to_string(),
                }),
            };
            pb::Change {
                change: Some(change),
            }
        })
        .collect();
    pb::CaseAdvanced {
        case_id: id.clone(),
        org: case.org.to_string(),
        variant_id: case.variant.id.clone(),
        variant_version: case.variant.version.clone(),
        variant_digest: case.variant.digest.clone(),
        input: input_name(input).into(),
        at: input.at().to_owned(),
        status: case
            .status
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default(),
        changes: out,
    }
}
