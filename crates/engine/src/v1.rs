//! Variants built for contract 1.x run through the same engine path: this adapter derives
//! `react` from a 1.x step graph, as the 1.x engine ran it. A submission opens the start step;
//! a completion is refused when its outcome is not one of the step's, when it carries inputs
//! and the step has no `check`, when the check refuses it, or when the outcome requires reasons
//! and none are given; otherwise it opens every step its outcome leads to (the next round of a
//! step that was opened before) and sets the outcome's status. A check decides on the case's
//! dossier (the submission and every completed step), which is the adapter's state.

use std::sync::Arc;

use egov_kernel::{Name, TaskKey};
use egov_procedure::{Definition, PluginError};
use serde_json::{Value, json};

use crate::model::{Effect, Entry, Input, Reaction, Violation};

/// `react` for a 1.x variant.
pub struct GraphAdapter {
    def: Arc<Definition>,
}

impl GraphAdapter {
    /// The adapter of `def` (a 1.x variant).
    pub fn new(def: Arc<Definition>) -> Self {
        Self { def }
    }

    fn violation(field: &str, rule: &str, message: String) -> Violation {
        Violation {
            field: field.into(),
            rule: rule.into(),
            message,
        }
    }

    /// The next key of `step`: its first opening, or the round after the last one.
    fn next_key(state: &Value, step: &str) -> Option<TaskKey> {
        let round = state["rounds"][step].as_u64().unwrap_or(0) as u32 + 1;
        TaskKey::new(Name::parse(step).ok()?, round)
    }

    fn open(state: &mut Value, step: &str) -> Option<Effect> {
        let key = Self::next_key(state, step)?;
        state["rounds"][step] = json!(key.round());
        Some(Effect::OpenTask { key, party: None })
    }

    /// One input.
    pub fn react(
        &self,
        state: &Value,
        input: &Input,
        _entries: &[Entry],
    ) -> Result<Result<Reaction, Vec<Violation>>, PluginError> {
        let mut state = if state.is_null() {
            json!({"dossier": {"case": {}, "steps": {}}, "rounds": {}})
        } else {
            state.clone()
        };
        let mut effects = Vec::new();
        match input {
            Input::Submitted { submission, .. } => {
                state["dossier"]["case"] = json!({
                    "object_kind": submission["object_kind"],
                    "fields": submission["fields"],
                    "criteria": submission["criteria"],
                });
                if let Some(start) = self.def.start_step() {
                    effects.extend(Self::open(&mut state, &start.id));
                }
            }
            Input::TaskCompleted {
                task,
                outcome,
                inputs,
                reasons,
                ..
            } => {
                let Some(step) = self.def.step(task.step().as_str()) else {
                    return Ok(Err(vec![Self::violation(
                        "task",
                        "",
                        format!("the variant has no step {}", task.step()),
                    )]));
                };
                let Some(out) = step.outcome(outcome.as_str()) else {
                    return Ok(Err(vec![Violation::unknown_outcome(
                        step,
                        outcome.as_str(),
                    )]));
                };
                let no_inputs = inputs.as_object().is_none_or(|m| m.is_empty());
                // A step takes facts only through its check: without one nothing would read
                // them, and they would be recorded unchecked.
                if step.check.is_none() && !no_inputs {
                    return Ok(Err(vec![Self::violation(
                        "inputs",
                        &step.rule,
                        format!("step {} takes no inputs", step.id),
                    )]));
                }
                let mut all: Vec<String> = reasons.clone();
                let mut added = Vec::new();
                let mut decision = Value::Null;
                if let Some(check) = &step.check {
                    let mut facts = state["dossier"].clone();
                    facts["outcome"] = json!(out.name);
                    facts["reasons"] = json!(reasons);
                    facts["inputs"] = if no_inputs { json!({}) } else { inputs.clone() };
                    match self.def.decide(check, &facts)? {
                        Err(v) => {
                            return Ok(Err(v
                                .into_iter()
                                .map(|v| Violation {
                                    field: v.field,
                                    rule: v.rule,
                                    message: v.message,
                                })
                                .collect()));
                        }
                        Ok(d) => {
                            for r in d["reasons"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(Value::as_str)
                            {
                                if !all.iter().any(|x| x == r) {
                                    all.push(r.to_owned());
                                    added.push(r.to_owned());
                                }
                            }
                            decision = d;
                        }
                    }
                }
                if out.requires_reasons && all.is_empty() {
                    return Ok(Err(vec![Self::violation(
                        "reasons",
                        out.rule.as_deref().unwrap_or(&step.rule),
                        format!("the outcome {} must state its reasons", out.name),
                    )]));
                }
                state["dossier"]["steps"][&step.id] = json!({
                    "outcome": out.name,
                    "inputs": if no_inputs { json!({}) } else { inputs.clone() },
                });
                if !added.is_empty() || !decision.is_null() {
                    effects.push(Effect::Explain {
                        reasons: added,
                        decision,
                    });
                }
                for next in &out.next {
                    effects.extend(Self::open(&mut state, next));
                }
                if let Some(status) = out.status.as_deref().and_then(|s| Name::parse(s).ok()) {
                    effects.push(Effect::SetStatus { status });
                }
            }
            // A 1.x graph has no timers, slots or registries.
            _ => {}
        }
        Ok(Ok(Reaction { state, effects }))
    }
}
