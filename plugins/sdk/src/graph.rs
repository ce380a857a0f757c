//! `react` derived from a static graph: which steps a submission opens, and where each outcome
//! of each step goes. Three shapes cover the procedures of the acts:
//!
//! - **fork**: an outcome (or the submission) opens several steps at once;
//! - **join-all**: [`Go::join`] opens its steps only once no task of the steps it waits for is
//!   still open, so the branch that finishes last moves the case, whichever it is;
//! - **loop**: opening a step that was opened before opens its next round (`step~2`, `step~3`),
//!   each with its term counted afresh.
//!
//! The graph keeps its bookkeeping in [`GraphState`] (the rounds, the open tasks, the last
//! completion of each step, the submission) inside the variant's state, beside the variant's
//! own `data`. A variant adds what a graph cannot say (timers, slots, registry entries, checks
//! that refuse an outcome) in the hook it passes to [`Graph::react`].

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::build::{close_task, open_task};
use crate::{Effect, Input, Reaction, Violation};

/// Where an outcome goes.
#[derive(Clone, Debug, Default)]
pub struct Go {
    open: Vec<String>,
    wait_for: Vec<String>,
    close: Vec<String>,
    status: Option<String>,
}

impl Go {
    /// Opens `steps` (their next rounds).
    pub fn to(steps: &[&str]) -> Self {
        Self {
            open: steps.iter().map(|s| s.to_string()).collect(),
            ..Self::default()
        }
    }

    /// Ends this branch.
    pub fn end() -> Self {
        Self::default()
    }

    /// Join-all: opens `then` once no task of the steps in `wait_for` is open.
    pub fn join(wait_for: &[&str], then: &[&str]) -> Self {
        Self {
            open: then.iter().map(|s| s.to_string()).collect(),
            wait_for: wait_for.iter().map(|s| s.to_string()).collect(),
            ..Self::default()
        }
    }

    /// Also sets the case status.
    pub fn status(mut self, status: &str) -> Self {
        self.status = Some(status.into());
        self
    }

    /// Also withdraws the open tasks of `steps` (e.g. the other branch, no longer needed).
    pub fn closing(mut self, steps: &[&str]) -> Self {
        self.close = steps.iter().map(|s| s.to_string()).collect();
        self
    }
}

/// A static graph.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// The steps each intake's submission opens ("": every intake without its own).
    start: BTreeMap<String, Vec<String>>,
    routes: BTreeMap<(String, String), Go>,
}

/// The graph's bookkeeping in the variant's state, and the variant's own `data`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GraphState {
    /// The last round opened of each step.
    #[serde(default)]
    pub rounds: BTreeMap<String, u32>,
    /// The keys of the open tasks.
    #[serde(default)]
    pub open: BTreeSet<String>,
    /// The last completion of each step: `{outcome, inputs, reasons, by, at}`.
    #[serde(default)]
    pub done: BTreeMap<String, Value>,
    /// The submission.
    #[serde(default)]
    pub submission: Value,
    /// The variant's own.
    #[serde(default)]
    pub data: Value,
}

/// The key of the `round`-th opening of `step`: `step`, then `step~2`, `step~3`...
pub fn task_key(step: &str, round: u32) -> String {
    if round <= 1 {
        step.to_owned()
    } else {
        format!("{step}~{round}")
    }
}

/// The step of a task key.
fn step_of(key: &str) -> &str {
    key.split('~').next().unwrap_or(key)
}

impl GraphState {
    /// Opens the next round of `step`: the effect, and the task is open.
    pub fn open(&mut self, step: &str) -> Effect {
        let round = self.rounds.get(step).copied().unwrap_or(0) + 1;
        self.rounds.insert(step.to_owned(), round);
        let key = task_key(step, round);
        self.open.insert(key.clone());
        open_task(&key)
    }

    /// Whether a task of `step` is open.
    pub fn is_open(&self, step: &str) -> bool {
        self.open.iter().any(|k| step_of(k) == step)
    }

    /// Withdraws every open task of `step`.
    pub fn close(&mut self, step: &str, reason: &str) -> Vec<Effect> {
        let keys: Vec<String> = self
            .open
            .iter()
            .filter(|k| step_of(k) == step)
            .cloned()
            .collect();
        keys.iter()
            .map(|k| {
                self.open.remove(k);
                close_task(k, reason)
            })
            .collect()
    }
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// The steps a submission opens (several: a fork), for every intake without its own.
    pub fn start(self, steps: &[&str]) -> Self {
        self.start_on("", steps)
    }

    /// The steps a submission through `intake` opens (none: the variant's hook decides).
    pub fn start_on(mut self, intake: &str, steps: &[&str]) -> Self {
        self.start
            .insert(intake.into(), steps.iter().map(|s| s.to_string()).collect());
        self
    }

    /// Where `outcome` of `step` goes. An outcome without a route ends its branch.
    pub fn on(mut self, step: &str, outcome: &str, go: Go) -> Self {
        self.routes.insert((step.into(), outcome.into()), go);
        self
    }

    /// Every step the graph names, for a variant's test that its description covers them.
    pub fn steps(&self) -> BTreeSet<&str> {
        self.start
            .values()
            .flatten()
            .map(String::as_str)
            .chain(self.routes.iter().flat_map(|((s, _), go)| {
                std::iter::once(s.as_str())
                    .chain(go.open.iter().map(String::as_str))
                    .chain(go.wait_for.iter().map(String::as_str))
            }))
            .collect()
    }

    /// Routes one input: updates `st` and returns the effects (the status among them).
    pub fn route(&self, st: &mut GraphState, input: &Input) -> Vec<Effect> {
        let mut effects = Vec::new();
        match input {
            Input::Submitted(s) => {
                st.submission = serde_json::from_str(&s.submission).unwrap_or(Value::Null);
                let start = self.start.get(&s.intake).or_else(|| self.start.get(""));
                for step in start.into_iter().flatten() {
                    effects.push(st.open(step));
                }
            }
            Input::TaskCompleted(t) => {
                st.open.remove(&t.task);
                let step = step_of(&t.task).to_owned();
                st.done.insert(
                    step.clone(),
                    json!({
                        "task": t.task, "outcome": t.outcome, "reasons": t.reasons,
                        "inputs": serde_json::from_str::<Value>(&t.inputs).unwrap_or(Value::Null),
                        "by": {"role": t.by.role, "org": t.by.org}, "at": t.at,
                    }),
                );
                if let Some(go) = self.routes.get(&(step, t.outcome.clone())) {
                    for s in &go.close {
                        effects.extend(st.close(s, "no longer needed"));
                    }
                    let waiting = go.wait_for.iter().any(|s| st.is_open(s));
                    if !waiting {
                        for s in &go.open {
                            effects.push(st.open(s));
                        }
                        if let Some(status) = &go.status {
                            effects.push(Effect::SetStatus(status.clone()));
                        }
                    }
                }
            }
            _ => {}
        }
        effects
    }

    /// `react` of a graph variant: parses the state, routes the input, then runs `hook` (which
    /// may add effects, keep its own `data`, or refuse the input with violations), and returns
    /// the reaction. A refusal changes nothing: the engine keeps the state it had.
    pub fn react(
        &self,
        state: &str,
        input: &Input,
        hook: impl FnOnce(&mut GraphState, &Input, &mut Vec<Effect>) -> Result<(), Vec<Violation>>,
    ) -> Result<Reaction, Vec<Violation>> {
        // Parsed once into its type (`null`, as before the first input, and anything else that
        // is not a graph state start afresh).
        let mut st: GraphState = serde_json::from_str::<Option<GraphState>>(state)
            .ok()
            .flatten()
            .unwrap_or_default();
        let mut effects = self.route(&mut st, input);
        hook(&mut st, input, &mut effects)?;
        Ok(Reaction {
            state: serde_json::to_string(&st).expect("the graph state serializes"),
            effects,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Party, Submitted, TaskCompleted};

    fn tor() -> Graph {
        Graph::new()
            .start(&["si", "sts"])
            .on("si", "done", Go::join(&["si", "sts"], &["ab"]))
            .on("sts", "done", Go::join(&["si", "sts"], &["ab"]))
            .on("ab", "return", Go::to(&["resubmit"]))
            .on("resubmit", "done", Go::to(&["si", "sts"]))
            .on("ab", "approve", Go::end().status("approved"))
    }

    fn by() -> Party {
        Party {
            role: "x".into(),
            org: None,
        }
    }

    fn submitted() -> Input {
        Input::Submitted(Submitted {
            intake: "tor".into(),
            submission: "{}".into(),
            by: by(),
            at: "2026-03-19T10:00:00+05:00".into(),
        })
    }

    fn done(task: &str, outcome: &str) -> Input {
        Input::TaskCompleted(TaskCompleted {
            task: task.into(),
            outcome: outcome.into(),
            inputs: "{}".into(),
            reasons: vec![],
            by: by(),
            at: "2026-03-20T10:00:00+05:00".into(),
        })
    }

    fn opened(e: &[Effect]) -> Vec<String> {
        e.iter()
            .filter_map(|e| match e {
                Effect::OpenTask(t) => Some(t.key.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_fork_joins_when_the_last_branch_finishes_whichever_it_is() {
        let g = tor();
        let mut st = GraphState::default();
        assert_eq!(opened(&g.route(&mut st, &submitted())), ["si", "sts"]);
        // The second branch finishes first: nothing opens until the first one does.
        assert!(g.route(&mut st, &done("sts", "done")).is_empty());
        assert_eq!(opened(&g.route(&mut st, &done("si", "done"))), ["ab"]);
    }

    #[test]
    fn a_loop_opens_the_next_round_each_time() {
        let g = tor();
        let mut st = GraphState::default();
        g.route(&mut st, &submitted());
        for round in 2..=3 {
            let r = |s: &str| task_key(s, round - 1);
            g.route(&mut st, &done(&r("si"), "done"));
            g.route(&mut st, &done(&r("sts"), "done"));
            g.route(&mut st, &done(&r("ab"), "return"));
            let again = g.route(&mut st, &done(&r("resubmit"), "done"));
            assert_eq!(
                opened(&again),
                [task_key("si", round), task_key("sts", round)]
            );
        }
        g.route(&mut st, &done("si~3", "done"));
        g.route(&mut st, &done("sts~3", "done"));
        let end = g.route(&mut st, &done("ab~3", "approve"));
        assert!(matches!(&end[..], [Effect::SetStatus(s)] if s == "approved"));
        assert!(st.open.is_empty());
    }

    #[test]
    fn react_keeps_the_bookkeeping_in_the_state_and_a_hook_may_refuse() {
        let g = tor();
        let r = g.react("null", &submitted(), |_, _, _| Ok(())).unwrap();
        let st: GraphState = serde_json::from_str(&r.state).unwrap();
        assert_eq!(st.rounds["si"], 1);
        let refused = g.react(&r.state, &done("si", "done"), |_, _, _| {
            Err(vec![crate::violation("inputs", "R-1", "no")])
        });
        assert!(refused.is_err());
        // The state a step reads is the one the last step wrote; one that is not a graph's
        // state (none yet, or another shape) starts afresh.
        let r2 = g
            .react(&r.state, &done("si", "done"), |_, _, _| Ok(()))
            .unwrap();
        let st2: GraphState = serde_json::from_str(&r2.state).unwrap();
        assert_eq!(st2.open.iter().collect::<Vec<_>>(), ["sts"]);
        assert_eq!(st2.done["si"]["outcome"], "done");
        let afresh = g
            .react("null", &done("si", "done"), |_, _, _| Ok(()))
            .unwrap()
            .state;
        assert_eq!(
            serde_json::from_str::<GraphState>(&afresh).unwrap().rounds["ab"],
            1
        );
        for other in ["{}", "[]", r#"{"rounds": 5}"#, "not json"] {
            let r = g
                .react(other, &done("si", "done"), |_, _, _| Ok(()))
                .unwrap();
            assert_eq!(r.state, afresh, "{other}");
        }
    }
}
