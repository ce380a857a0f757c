//! Variants built for contract 2.x: `react` is the plugin's own. The engine checks what has a
//! legal meaning of its own before the plugin sees an input (the outcome is one of the step's,
//! reasons are given where the outcome requires them, the inputs fit the step's schema), then
//! converts the typed input for the call and parses the typed reaction back: a key that is not
//! a task key, a role that is not a role, a BIN that fails its checksum or JSON that is not JSON
//! is a fault of the plugin ([`PluginError::Output`]), never stored.

use egov_kernel::{Bin, Name, Role, TaskKey, Unit};
use egov_procedure::{Definition, PluginError, wit2};
use serde_json::Value;

use crate::model::{Effect, Entry, Input, Party, Reaction, SlotEntry, Span, Violation};

fn party_out(p: &Party) -> wit2::Party {
    wit2::Party {
        role: p.role.to_string(),
        org: p.org.as_ref().map(ToString::to_string),
    }
}

fn unit_in(u: wit2::Unit) -> Unit {
    match u {
        wit2::Unit::WorkingDays => Unit::WorkingDays,
        wit2::Unit::CalendarDays => Unit::CalendarDays,
        wit2::Unit::Months => Unit::Months,
    }
}

/// The registry entries a case wrote, as the contract passes them.
pub fn entries_out(entries: &[Entry]) -> Vec<wit2::Entry> {
    entries
        .iter()
        .map(|e| wit2::Entry {
            registry: e.registry.to_string(),
            key: e.key.clone(),
            body: e.body.to_string(),
        })
        .collect()
}

fn slot_entry_out(e: &SlotEntry) -> wit2::SlotEntry {
    wit2::SlotEntry {
        seq: e.seq,
        by: party_out(&e.by),
        digest: e.digest.clone(),
        body: e.body.to_string(),
        at: e.at.clone(),
    }
}

/// An input as the contract passes it; none for the engine's own inputs (a withdrawal), which
/// no variant sees.
pub fn input_out(input: &Input) -> Option<wit2::Input> {
    Some(match input {
        Input::SlotWithdrawn { .. } => return None,
        Input::Submitted {
            intake,
            submission,
            by,
            at,
        } => wit2::Input::Submitted(wit2::Submitted {
            intake: intake.clone(),
            submission: submission.to_string(),
            by: party_out(by),
            at: at.clone(),
        }),
        Input::TaskCompleted {
            task,
            outcome,
            inputs,
            reasons,
            by,
            at,
        } => wit2::Input::TaskCompleted(wit2::TaskCompleted {
            task: task.to_string(),
            outcome: outcome.to_string(),
            inputs: if inputs.is_null() {
                "{}".into()
            } else {
                inputs.to_string()
            },
            reasons: reasons.clone(),
            by: party_out(by),
            at: at.clone(),
        }),
        Input::TimerFired { timer, at } => wit2::Input::TimerFired(wit2::TimerFired {
            timer: timer.to_string(),
            at: at.clone(),
        }),
        Input::SlotInput {
            slot,
            seq,
            by,
            digest,
            body,
            at,
        } => wit2::Input::SlotInput(wit2::SlotInput {
            slot: slot.to_string(),
            seq: *seq,
            by: party_out(by),
            digest: digest.clone(),
            body: body.as_ref().map(ToString::to_string),
            at: at.clone(),
        }),
        Input::SlotClosed { slot, count, at } => wit2::Input::SlotClosed(wit2::SlotClosed {
            slot: slot.to_string(),
            count: *count,
            at: at.clone(),
        }),
        Input::SlotUnsealed { slot, inputs, at } => wit2::Input::SlotUnsealed(wit2::SlotUnsealed {
            slot: slot.to_string(),
            inputs: inputs.iter().map(slot_entry_out).collect(),
            at: at.clone(),
        }),
        Input::EntryChanged { entry, at } => wit2::Input::EntryChanged(wit2::EntryChanged {
            entry: entries_out(std::slice::from_ref(entry)).remove(0),
            at: at.clone(),
        }),
    })
}

/// Parses a plugin's reaction, naming what is malformed.
pub fn reaction_in(r: wit2::Reaction) -> Result<Reaction, String> {
    let name = |what: &str, s: &str| Name::parse(s).map_err(|e| format!("{what} {s:?}: {e}"));
    let key = |s: &str| {
        s.parse::<TaskKey>()
            .map_err(|e| format!("task key {s:?}: {e}"))
    };
    let json = |what: &str, s: &str| {
        serde_json::from_str::<Value>(s).map_err(|e| format!("{what} is not JSON: {e}"))
    };
    let party = |p: &wit2::Party| -> Result<Party, String> {
        Ok(Party {
            role: p
                .role
                .parse::<Role>()
                .map_err(|e| format!("party role: {e}"))?,
            org: p
                .org
                .as_deref()
                .map(|o| Bin::parse(o).map_err(|e| format!("party org {o:?}: {e}")))
                .transpose()?,
        })
    };
    let span = |s: &wit2::Span| Span {
        count: s.count,
        unit: unit_in(s.unit),
    };
    let entry = |e: &wit2::Entry| -> Result<Entry, String> {
        Ok(Entry {
            registry: name("registry", &e.registry)?,
            key: egov_kernel::Line::parse(e.key.as_str())
                .map_err(|err| format!("entry key {:?}: {err}", e.key))?
                .to_string(),
            body: json("entry body", &e.body)?,
        })
    };
    let mut effects = Vec::with_capacity(r.effects.len());
    for e in &r.effects {
        effects.push(match e {
            wit2::Effect::OpenTask(t) => Effect::OpenTask {
                key: key(&t.key)?,
                party: t.party.as_ref().map(party).transpose()?,
            },
            wit2::Effect::CloseTask(t) => Effect::CloseTask {
                key: key(&t.key)?,
                reason: t.reason.clone(),
            },
            wit2::Effect::ExtendTask(t) => Effect::ExtendTask {
                key: key(&t.key)?,
                by: span(&t.by),
                rule: t.rule.clone(),
            },
            wit2::Effect::SetTimer(t) => Effect::SetTimer {
                name: name("timer", &t.name)?,
                at: t.at.clone(),
                term: t.term.as_ref().map(span),
                rule: t.rule.clone(),
            },
            wit2::Effect::CancelTimer(n) => Effect::CancelTimer {
                name: name("timer", n)?,
            },
            wit2::Effect::OpenSlot(s) => Effect::OpenSlot {
                name: name("slot", &s.name)?,
                party: party(&s.party)?,
                sealed: s.sealed,
                rule: s.rule.clone(),
            },
            wit2::Effect::CloseSlot(n) => Effect::CloseSlot {
                name: name("slot", n)?,
            },
            wit2::Effect::Unseal(n) => Effect::Unseal {
                name: name("slot", n)?,
            },
            wit2::Effect::SetStatus(s) => Effect::SetStatus {
                status: name("status", s)?,
            },
            wit2::Effect::PutEntry(e) => Effect::PutEntry { entry: entry(e)? },
            wit2::Effect::StartCase(s) => Effect::StartCase {
                procedure: name("procedure", &s.procedure)?,
                link: name("link", &s.link)?,
                submission: json("start-case submission", &s.submission)?,
            },
            wit2::Effect::Notify(n) => Effect::Notify {
                party: party(&n.party)?,
                subject: n.subject.clone(),
                body: json("notify body", &n.body)?,
            },
            wit2::Effect::Explain(x) => Effect::Explain {
                reasons: x.reasons.clone(),
                decision: if x.decision.is_empty() {
                    Value::Null
                } else {
                    json("explain decision", &x.decision)?
                },
            },
        });
    }
    Ok(Reaction {
        state: json("state", &r.state)?,
        effects,
    })
}

/// What the engine checks of a completion before a 2.x reducer sees it: the outcome is one of
/// the step's, and the inputs fit the step's schema (a step without one takes none). Whether
/// reasons are stated where the outcome requires them is checked on the reaction, which may
/// add them (e.g. the grounds a check computed).
pub fn check_completion(def: &Definition, input: &Input) -> Vec<Violation> {
    let Input::TaskCompleted {
        task,
        outcome,
        inputs,
        ..
    } = input
    else {
        return Vec::new();
    };
    let v = |field: &str, rule: &str, message: String| {
        vec![Violation {
            field: field.into(),
            rule: rule.into(),
            message,
        }]
    };
    let Some(step) = def.step(task.step().as_str()) else {
        return v(
            "task",
            "",
            format!("the variant has no step {}", task.step()),
        );
    };
    if step.outcome(outcome.as_str()).is_none() {
        return vec![Violation::unknown_outcome(step, outcome.as_str())];
    }
    let empty = inputs.as_object().is_none_or(|m| m.is_empty());
    match &step.inputs {
        None if !empty => v(
            "inputs",
            &step.rule,
            format!("step {} takes no inputs", step.id),
        ),
        None => Vec::new(),
        Some(schema) => {
            let doc = if inputs.is_null() {
                Value::Object(Default::default())
            } else {
                inputs.clone()
            };
            schema
                .check(&doc, "inputs")
                .into_iter()
                .map(|x| Violation {
                    field: x.field,
                    rule: x.rule,
                    message: x.message,
                })
                .collect()
        }
    }
}

/// One input to a 2.x variant: the engine's checks, then the plugin's `react` (blocking,
/// bounded by its deadline).
pub fn react(
    def: &Definition,
    state: &Value,
    input: &Input,
    entries: &[Entry],
) -> Result<Result<Reaction, Vec<Violation>>, PluginError> {
    let refused = check_completion(def, input);
    if !refused.is_empty() {
        return Ok(Err(refused));
    }
    let Some(wit_input) = input_out(input) else {
        return Ok(Ok(Reaction {
            state: state.clone(),
            effects: Vec::new(),
        }));
    };
    let answer = def
        .plugin()
        .react(&state.to_string(), &wit_input, &entries_out(entries))?;
    match answer {
        Err(v) => Ok(Err(v
            .into_iter()
            .map(|v| Violation {
                field: v.field,
                rule: v.rule,
                message: v.message,
            })
            .collect())),
        Ok(r) => {
            let r = reaction_in(r).map_err(|detail| PluginError::Output {
                variant: def.label().to_owned(),
                detail,
            })?;
            Ok(reasons_stated(def, input, &r).map(|()| r))
        }
    }
}

/// An outcome that requires reasons has them: the actor's, or those the reaction added.
fn reasons_stated(def: &Definition, input: &Input, r: &Reaction) -> Result<(), Vec<Violation>> {
    let Input::TaskCompleted {
        task,
        outcome,
        reasons,
        ..
    } = input
    else {
        return Ok(());
    };
    let Some(step) = def.step(task.step().as_str()) else {
        return Ok(());
    };
    let Some(out) = step.outcome(outcome.as_str()) else {
        return Ok(());
    };
    let added = r
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Explain { reasons, .. } if !reasons.is_empty()));
    if out.requires_reasons && reasons.is_empty() && !added {
        return Err(vec![Violation {
            field: "reasons".into(),
            rule: out.rule.clone().unwrap_or_else(|| step.rule.clone()),
            message: format!("the outcome {} must state its reasons", out.name),
        }]);
    }
    Ok(())
}
