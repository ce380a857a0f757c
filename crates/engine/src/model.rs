//! What the engine and a variant's reducer exchange, and the case aggregate they move.
//!
//! A variant is a pure reducer: `react(state, input, entries) -> reaction | violations`. The
//! engine owns everything with a legal or technical meaning of its own (tasks and their terms,
//! timers, slots, registry entries, the case status); the variant owns its `state`, an opaque
//! JSON value only it reads, and decides which effects each input has.

use std::collections::BTreeMap;

use egov_kernel::{Bin, Name, Role, TaskKey, Unit};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Who acts or is addressed: a role, and the organisation when the party is one agency (the
/// case's state body, one supplier). A party without `org` is anyone with the role.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Party {
    /// The role.
    pub role: Role,
    /// The organisation, when the party is one agency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<Bin>,
}

impl Party {
    /// Anyone with `role`.
    pub fn role(role: Role) -> Self {
        Self { role, org: None }
    }

    /// `org` acting in `role`.
    pub fn of(role: Role, org: Bin) -> Self {
        Self {
            role,
            org: Some(org),
        }
    }

    /// Whether a caller with `roles` acting for `org` is this party.
    pub fn admits(&self, roles: impl IntoIterator<Item = Role>, org: &Bin) -> bool {
        roles.into_iter().any(|r| r == self.role) && self.org.as_ref().is_none_or(|o| o == org)
    }

    /// The worklist index of this party in `service` (the service owning the tasks' steps):
    /// `work:<service>:<role>` or `work:<service>:<role>:<org>`.
    pub fn worklist(&self, service: &str) -> String {
        format!("work:{service}:{self}")
    }
}

/// `<role>` or `<role>:<org>`.
impl std::fmt::Display for Party {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.org {
            Some(org) => write!(f, "{}:{org}", self.role),
            None => write!(f, "{}", self.role),
        }
    }
}

/// A term in the reducer's terms: `count` units, counted by the one calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// How many units.
    pub count: u32,
    /// Working days, calendar days or months.
    pub unit: Unit,
}

/// One input to the reducer. Every input carries the instant it happened (local time with
/// offset): terms opened by its effects count from that day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Input {
    /// The case was submitted through one of the variant's intakes.
    Submitted {
        /// The intake (for 1.x variants, the one intake's path).
        intake: String,
        /// The submission as the variant validated it.
        submission: Value,
        /// Who submitted.
        by: Party,
        /// When it was received.
        at: String,
    },
    /// An open task was completed with one of its outcomes.
    TaskCompleted {
        /// The task.
        task: TaskKey,
        /// The outcome chosen.
        outcome: Name,
        /// Facts given with it.
        inputs: Value,
        /// The actor's reasons.
        reasons: Vec<String>,
        /// Who completed it.
        by: Party,
        /// When.
        at: String,
    },
    /// A timer the variant set has come due.
    TimerFired {
        /// The timer.
        timer: Name,
        /// When it was due.
        at: String,
    },
    /// An input was received into an open slot. A sealed slot's input comes without its body:
    /// only its digest, until the slot is unsealed.
    SlotInput {
        /// The slot.
        slot: Name,
        /// Its number in the slot, from 1.
        seq: u32,
        /// Who gave it.
        by: Party,
        /// sha256 of the body's bytes.
        digest: String,
        /// The body, unless the slot is sealed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<Value>,
        /// When.
        at: String,
    },
    /// A slot was closed (by the variant's `close-slot`): how many inputs it received.
    SlotClosed {
        /// The slot.
        slot: Name,
        /// How many inputs it holds.
        count: u32,
        /// When.
        at: String,
    },
    /// A sealed slot was unsealed: every input, bodies included.
    SlotUnsealed {
        /// The slot.
        slot: Name,
        /// Its inputs in order.
        inputs: Vec<SlotEntry>,
        /// When.
        at: String,
    },
    /// Its giver withdrew an input of an open slot (the engine's own input: the variant is not
    /// called; `slot-closed` and `slot-unsealed` leave the input out).
    SlotWithdrawn {
        /// The slot.
        slot: Name,
        /// The input withdrawn.
        seq: u32,
        /// Who withdrew it.
        by: Party,
        /// When.
        at: String,
    },
    /// A registry entry the case wrote or follows has changed.
    EntryChanged {
        /// The entry as it is now.
        entry: Entry,
        /// When.
        at: String,
    },
}

impl Input {
    /// When the input happened.
    pub fn at(&self) -> &str {
        match self {
            Input::Submitted { at, .. }
            | Input::TaskCompleted { at, .. }
            | Input::TimerFired { at, .. }
            | Input::SlotInput { at, .. }
            | Input::SlotClosed { at, .. }
            | Input::SlotUnsealed { at, .. }
            | Input::SlotWithdrawn { at, .. }
            | Input::EntryChanged { at, .. } => at,
        }
    }
}

/// One input of a slot, as the case keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlotEntry {
    /// Its number, from 1.
    pub seq: u32,
    /// Who gave it.
    pub by: Party,
    /// sha256 of the body's bytes.
    pub digest: String,
    /// The body (kept sealed: not shown and not given to the reducer until unsealed; the
    /// services keep a sealed slot's bodies encrypted until then). `null` once withdrawn.
    pub body: Value,
    /// When it was received.
    pub at: String,
    /// The input of the same giver it replaced (withdrawn by this one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<u32>,
    /// When its giver withdrew it (or replaced it): it no longer counts, its body is gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<String>,
}

impl SlotEntry {
    /// Whether it still counts (neither withdrawn nor replaced).
    pub fn is_live(&self) -> bool {
        self.withdrawn_at.is_none()
    }
}

/// A registry entry: the catalog service will own registries; until then an entry a case
/// writes is stored and shown on the case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The registry, e.g. `perechen` or `ict-services`.
    pub registry: Name,
    /// The entry's key within it.
    pub key: String,
    /// What the entry says.
    pub body: Value,
}

/// What the reducer answers to one input: its new state and the effects.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reaction {
    /// The variant's own state after the input.
    pub state: Value,
    /// What the engine does, in order.
    #[serde(default)]
    pub effects: Vec<Effect>,
}

/// What a reaction asks the engine to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "kebab-case")]
pub enum Effect {
    /// Opens a task of a step under `key` (the step's name, or `step~n` when it opens again):
    /// its party is `party`, or the step's role (for a state body, the case's own agency); its
    /// term is the step's, counted from the input's day.
    OpenTask {
        /// The task's key; its step must be one of the variant's steps.
        key: TaskKey,
        /// Who acts, when not the step's role.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        party: Option<Party>,
    },
    /// Withdraws an open task (e.g. the other branch of a fork is no longer needed).
    CloseTask {
        /// The task.
        key: TaskKey,
        /// Why, for the record.
        reason: String,
    },
    /// Moves an open task's last day `by` units later (e.g. TOR-6).
    ExtendTask {
        /// The task.
        key: TaskKey,
        /// How much later.
        by: Span,
        /// The rule that allows it.
        rule: String,
    },
    /// Sets (or resets) a timer: due at `at`, or at the end of `term` counted from the input.
    SetTimer {
        /// The timer.
        name: Name,
        /// The instant (RFC 3339 with offset), when given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<String>,
        /// The term, when given (ends at 24:00 local time of its last day).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        term: Option<Span>,
        /// The rule behind it.
        rule: String,
    },
    /// Cancels a timer.
    CancelTimer {
        /// The timer.
        name: Name,
    },
    /// Opens a slot that takes inputs from `party` (`POST /api/v1/cases/{id}/inputs/{slot}`).
    /// A sealed slot publishes only digests and a count until it is unsealed.
    OpenSlot {
        /// The slot.
        name: Name,
        /// Who may give input.
        party: Party,
        /// Whether inputs stay sealed until `unseal`.
        sealed: bool,
        /// The rule behind it.
        rule: String,
    },
    /// Closes a slot: no more inputs; the reducer gets `slot-closed` next.
    CloseSlot {
        /// The slot.
        name: Name,
    },
    /// Unseals a closed slot: the reducer gets `slot-unsealed` with every input next.
    Unseal {
        /// The slot.
        name: Name,
    },
    /// Sets the case status (e.g. `included`, `refused`).
    SetStatus {
        /// The status.
        status: Name,
    },
    /// Writes a registry entry (PL-9, SM-98).
    PutEntry {
        /// The entry.
        entry: Entry,
    },
    /// Starts a linked case (e.g. a TOR addendum, TOR-12).
    StartCase {
        /// The procedure kind.
        procedure: Name,
        /// The link's name, e.g. `addendum-of`.
        link: Name,
        /// The submission of the new case.
        submission: Value,
    },
    /// Tells a party something (e.g. the operator of an inclusion, PL-8).
    Notify {
        /// Who.
        party: Party,
        /// What about.
        subject: String,
        /// The details.
        #[serde(default)]
        body: Value,
    },
    /// Records why the input was accepted as it was: reasons added to the task completed by
    /// this input (e.g. the PL-6 grounds of a refusal) and what the variant computed.
    Explain {
        /// Reasons to add.
        #[serde(default)]
        reasons: Vec<String>,
        /// What the decision rests on.
        #[serde(default)]
        decision: Value,
    },
}

/// A broken rule: the field (JSON path), the rule id, what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The field's JSON path.
    pub field: String,
    /// The rule id.
    pub rule: String,
    /// What is wrong, for a person.
    pub message: String,
}

impl Violation {
    /// `outcome` is not one of `step`'s: the violation naming the step's rule and its outcomes.
    pub fn unknown_outcome(step: &egov_procedure::Step, outcome: &str) -> Self {
        let names: Vec<&str> = step.outcomes.iter().map(|o| o.name.as_str()).collect();
        Self {
            field: "outcome".into(),
            rule: step.rule.clone(),
            message: format!(
                "{outcome:?} is not an outcome of {}; use one of: {}",
                step.id,
                names.join(", ")
            ),
        }
    }
}

/// The variant a case follows, pinned by digest: a rebuilt artifact of the same version is
/// another variant revision and never takes over a case in flight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    /// The variant id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// The sha256 of the artifact the case started on.
    pub digest: String,
}

/// A task's legal term.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    /// The last day.
    pub last_day: jiff::civil::Date,
    /// 24:00 local time of the last day (RFC 3339 with offset).
    pub ends_at: String,
    /// Whether a year without published calendar data decided it.
    pub provisional: bool,
}

/// Where a task is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskStatus {
    /// Waiting for its party.
    Open,
    /// Completed with an outcome.
    Completed,
    /// Withdrawn by the variant.
    Closed,
}

/// One opening of one step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Its key in the case.
    pub key: TaskKey,
    /// Title (the step's).
    pub title: String,
    /// The rule it implements.
    pub rule: String,
    /// The service whose worklist holds it.
    pub service: String,
    /// Who acts.
    pub party: Party,
    /// When the party received the matter.
    pub opened_at: String,
    /// Its term, if the step has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Due>,
    /// Open, completed or closed.
    pub status: TaskStatus,
    /// The outcome, once completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Name>,
    /// When it was completed or closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<String>,
    /// Whether `DeadlineApproaching` was announced.
    #[serde(default)]
    pub approaching_notified: bool,
    /// Whether `DeadlineMissed` was announced.
    #[serde(default)]
    pub missed_notified: bool,
}

/// A timer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    /// When it fires (RFC 3339 with offset).
    pub fires_at: String,
    /// The rule behind it.
    pub rule: String,
}

/// A slot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    /// Who may give input.
    pub party: Party,
    /// Whether inputs stay sealed until unsealed.
    pub sealed: bool,
    /// Whether it takes inputs.
    pub open: bool,
    /// Whether it was unsealed.
    #[serde(default)]
    pub unsealed: bool,
    /// The rule behind it.
    pub rule: String,
    /// Its inputs in order.
    #[serde(default)]
    pub inputs: Vec<SlotEntry>,
    /// When it closes: the instant of the timer of the same name (a window such as SM-47's).
    /// Inputs at or after it are refused even before the scheduler fires the timer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<String>,
    /// The rule of that timer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_rule: Option<String>,
    /// When it was closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
}

impl Slot {
    /// Its inputs that still count.
    pub fn live(&self) -> impl Iterator<Item = &SlotEntry> {
        self.inputs.iter().filter(|i| i.is_live())
    }
}

/// The case aggregate: one case of one procedure, its variant pinned by digest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// The case id.
    pub id: egov_kernel::CaseId,
    /// The procedure kind.
    pub procedure: String,
    /// The variant it follows.
    pub variant: Pin,
    /// The submitting agency.
    pub org: Bin,
    /// When it was received.
    pub received_at: String,
    /// The status the variant set last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Name>,
    /// The variant's own state.
    pub state: Value,
    /// Every task, by key.
    #[serde(default)]
    pub tasks: BTreeMap<TaskKey, Task>,
    /// Timers set and not yet fired or cancelled.
    #[serde(default)]
    pub timers: BTreeMap<Name, Timer>,
    /// Slots.
    #[serde(default)]
    pub slots: BTreeMap<Name, Slot>,
    /// Registry entries the case wrote.
    #[serde(default)]
    pub entries: Vec<Entry>,
}

impl Case {
    /// Whether the case still has work: an open task, a timer or an open slot.
    pub fn is_open(&self) -> bool {
        self.tasks.values().any(|t| t.status == TaskStatus::Open)
            || !self.timers.is_empty()
            || self.slots.values().any(|s| s.open)
    }

    /// What [`crate::apply::index_ops`] compares of a case, without what it never reads (the
    /// variant's state, the entries, the slots' inputs): the `before` of a step, kept cheaply.
    pub fn index_view(&self) -> Case {
        Case {
            id: self.id,
            procedure: self.procedure.clone(),
            variant: self.variant.clone(),
            org: self.org,
            received_at: self.received_at.clone(),
            status: self.status.clone(),
            state: Value::Null,
            tasks: self.tasks.clone(),
            timers: self.timers.clone(),
            slots: self
                .slots
                .iter()
                .map(|(n, s)| {
                    let slot = Slot {
                        party: s.party.clone(),
                        sealed: s.sealed,
                        open: s.open,
                        unsealed: s.unsealed,
                        rule: s.rule.clone(),
                        inputs: Vec::new(),
                        closes_at: s.closes_at.clone(),
                        close_rule: s.close_rule.clone(),
                        closed_at: s.closed_at.clone(),
                    };
                    (n.clone(), slot)
                })
                .collect(),
            entries: Vec::new(),
        }
    }
}
