//! Builders for the description (steps, outcomes, intakes) and constructors of effects and
//! violations, so a variant reads like the rules it implements.

use serde_json::Value;

use crate::{
    CloseTask, Effect, Entry, Explain, ExtendTask, Intake, Notify, OpenSlot, OpenTask, Outcome,
    Party, SetTimer, Span, StartCase, Step, Term, Unit, Violation,
};

/// A step acted on by `role`, owned by `service`, implementing `rule`; add a term, outcomes and
/// an inputs schema.
pub fn step(id: &str, title: &str, role: &str, service: &str, rule: &str) -> Step {
    Step {
        id: id.into(),
        title: title.into(),
        role: role.into(),
        service: service.into(),
        rule: rule.into(),
        term: None,
        outcomes: Vec::new(),
        inputs: None,
    }
}

impl Step {
    /// Its legal term: `count` `unit`s from the opening of the task (`start`: the rule's words).
    pub fn term(mut self, count: u32, unit: Unit, start: &str) -> Self {
        self.term = Some(Term {
            count,
            unit,
            start: start.into(),
        });
        self
    }

    /// An outcome.
    pub fn outcome(mut self, o: Outcome) -> Self {
        self.outcomes.push(o);
        self
    }

    /// The JSON Schema (2020-12) of the inputs a completion carries, `x-rule` per property.
    pub fn inputs(mut self, schema: Value) -> Self {
        self.inputs = Some(schema.to_string());
        self
    }
}

/// An outcome.
pub fn outcome(name: &str, title: &str) -> Outcome {
    Outcome {
        name: name.into(),
        title: title.into(),
        requires_reasons: false,
        rule: None,
    }
}

impl Outcome {
    /// The actor must state reasons.
    pub fn with_reasons(mut self) -> Self {
        self.requires_reasons = true;
        self
    }

    /// The rule behind it, when not the step's.
    pub fn rule(mut self, rule: &str) -> Self {
        self.rule = Some(rule.into());
        self
    }
}

/// An intake: `POST /api/v1/<path>` by `role`, under `rule`, with its form (JSON Schema
/// 2020-12, `x-rule` per property).
pub fn intake(name: &str, title: &str, path: &str, role: &str, rule: &str, form: Value) -> Intake {
    Intake {
        name: name.into(),
        title: title.into(),
        path: path.into(),
        role: role.into(),
        rule: rule.into(),
        form: form.to_string(),
    }
}

/// A violation of `rule` at `field`.
pub fn violation(field: &str, rule: &str, message: impl Into<String>) -> Violation {
    Violation {
        field: field.into(),
        rule: rule.into(),
        message: message.into(),
    }
}

/// A party: anyone with `role`.
pub fn role(role: &str) -> Party {
    Party {
        role: role.into(),
        org: None,
    }
}

/// A party: `org` (a BIN) in `role`.
pub fn party_of(role: &str, org: &str) -> Party {
    Party {
        role: role.into(),
        org: Some(org.into()),
    }
}

/// Opens the task `key` (its step's role acts).
pub fn open_task(key: &str) -> Effect {
    Effect::OpenTask(OpenTask {
        key: key.into(),
        party: None,
    })
}

/// Opens the task `key` for `party`.
pub fn open_task_for(key: &str, party: Party) -> Effect {
    Effect::OpenTask(OpenTask {
        key: key.into(),
        party: Some(party),
    })
}

/// Withdraws the open task `key`.
pub fn close_task(key: &str, reason: &str) -> Effect {
    Effect::CloseTask(CloseTask {
        key: key.into(),
        reason: reason.into(),
    })
}

/// Moves the open task `key`'s last day `count` `unit`s later, under `rule`.
pub fn extend_task(key: &str, count: u32, unit: Unit, rule: &str) -> Effect {
    Effect::ExtendTask(ExtendTask {
        key: key.into(),
        by: Span { count, unit },
        rule: rule.into(),
    })
}

/// Sets the timer `name` to the end (24:00 local time of the last day) of a term counted from
/// the input's day.
pub fn set_timer_after(name: &str, count: u32, unit: Unit, rule: &str) -> Effect {
    Effect::SetTimer(SetTimer {
        name: name.into(),
        at: None,
        term: Some(Span { count, unit }),
        rule: rule.into(),
    })
}

/// Sets the timer `name` to the instant `at` (RFC 3339 with offset).
pub fn set_timer_at(name: &str, at: &str, rule: &str) -> Effect {
    Effect::SetTimer(SetTimer {
        name: name.into(),
        at: Some(at.into()),
        term: None,
        rule: rule.into(),
    })
}

/// Opens the slot `name` for `party`; `sealed` keeps its inputs unreadable until unsealed.
pub fn open_slot(name: &str, party: Party, sealed: bool, rule: &str) -> Effect {
    Effect::OpenSlot(OpenSlot {
        name: name.into(),
        party,
        sealed,
        rule: rule.into(),
    })
}

/// Writes a registry entry.
pub fn put_entry(registry: &str, key: &str, body: &Value) -> Effect {
    Effect::PutEntry(Entry {
        registry: registry.into(),
        key: key.into(),
        body: body.to_string(),
    })
}

/// Starts a linked case.
pub fn start_case(procedure: &str, link: &str, submission: &Value) -> Effect {
    Effect::StartCase(StartCase {
        procedure: procedure.into(),
        link: link.into(),
        submission: submission.to_string(),
    })
}

/// Tells `party` about `subject`.
pub fn notify(party: Party, subject: &str, body: &Value) -> Effect {
    Effect::Notify(Notify {
        party,
        subject: subject.into(),
        body: body.to_string(),
    })
}

/// Reasons added to the completed task and what the decision rests on.
pub fn explain(reasons: Vec<String>, decision: &Value) -> Effect {
    Effect::Explain(Explain {
        reasons,
        decision: decision.to_string(),
    })
}
