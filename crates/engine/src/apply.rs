//! The pure core: an input and the reducer's reaction applied to a case. No I/O: the calendar
//! and the variant's step descriptions come in, the changed case and what changed go out, and
//! the index changes follow from the case before and after ([`index_ops`]).

use egov_kernel::{Calendar, Role, TaskKey, Term, time};
use egov_procedure::Step;
use egov_store::IndexOp;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use crate::model::{
    Case, Due, Effect, Entry, Input, Party, Reaction, Slot, SlotEntry, Span, Task, TaskStatus,
    Timer,
};

/// What one input changed, in order: the case's record (published with the input and shown on
/// the case's timeline).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum Change {
    /// A task was opened.
    TaskOpened {
        /// The task.
        task: Task,
    },
    /// A task was completed.
    TaskCompleted {
        /// The task.
        key: TaskKey,
        /// Its outcome.
        outcome: String,
        /// The actor's reasons and those the variant added.
        reasons: Vec<String>,
        /// Facts given with it.
        inputs: Value,
        /// What the variant computed.
        decision: Value,
        /// Who.
        by: Party,
    },
    /// A task was withdrawn.
    TaskClosed {
        /// The task.
        key: TaskKey,
        /// Why.
        reason: String,
    },
    /// A task's term was extended.
    TaskExtended {
        /// The task.
        key: TaskKey,
        /// By how much.
        by: Span,
        /// The rule.
        rule: String,
        /// The new term.
        due: Due,
    },
    /// A timer was set.
    TimerSet {
        /// The timer.
        name: String,
        /// When it fires.
        fires_at: String,
        /// The rule.
        rule: String,
    },
    /// A timer fired.
    TimerFired {
        /// The timer.
        name: String,
    },
    /// A timer was cancelled.
    TimerCancelled {
        /// The timer.
        name: String,
    },
    /// A slot was opened.
    SlotOpened {
        /// The slot.
        name: String,
        /// Who may give input.
        party: Party,
        /// Whether it is sealed.
        sealed: bool,
        /// The rule.
        rule: String,
    },
    /// An input was received into a slot: its digest, never its body.
    SlotInput {
        /// The slot.
        name: String,
        /// Its number.
        seq: u32,
        /// Who gave it.
        by: Party,
        /// sha256 of its bytes.
        digest: String,
        /// The giver's earlier input it replaces.
        replaces: Option<u32>,
    },
    /// An input was withdrawn by its giver.
    SlotInputWithdrawn {
        /// The slot.
        name: String,
        /// Its number.
        seq: u32,
        /// Who withdrew it.
        by: Party,
    },
    /// A slot was closed.
    SlotClosed {
        /// The slot.
        name: String,
        /// How many inputs it holds (withdrawn ones left out).
        count: u32,
    },
    /// A slot was unsealed.
    SlotUnsealed {
        /// The slot.
        name: String,
        /// How many inputs it holds.
        count: u32,
    },
    /// The case status changed.
    StatusSet {
        /// The new status.
        status: String,
    },
    /// A registry entry was written.
    EntryPut {
        /// The entry.
        entry: Entry,
    },
    /// A linked case was requested.
    CaseStartRequested {
        /// Its procedure.
        procedure: String,
        /// The link.
        link: String,
        /// Its submission.
        submission: Value,
    },
    /// A party was told something.
    PartyNotified {
        /// Who.
        party: Party,
        /// What about.
        subject: String,
        /// Details.
        body: Value,
    },
}

/// A reaction the engine cannot apply: the variant asked for something impossible. Nothing is
/// written; the input fails like any plugin fault.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the variant's reaction cannot be applied: {0}")]
pub struct ApplyError(pub String);

/// What the core needs besides the case: the variant's steps and the one calendar.
pub struct Context<'a> {
    /// The variant's step descriptions.
    pub steps: &'a [Step],
    /// The one calendar.
    pub calendar: &'a Calendar,
}

fn err<T>(s: impl Into<String>) -> Result<T, ApplyError> {
    Err(ApplyError(s.into()))
}

fn due_of(calendar: &Calendar, from: Timestamp, term: Term) -> Result<Due, ApplyError> {
    let d = calendar
        .due_after(from, term)
        .map_err(|e| ApplyError(format!("calendar: {e}")))?;
    Ok(Due {
        last_day: d.last_day,
        ends_at: time::format(d.ends_at().timestamp()),
        provisional: d.provisional,
    })
}

fn term_of(s: Span) -> Result<Term, ApplyError> {
    Term::new(s.count.into(), s.unit).map_err(|e| ApplyError(e.to_string()))
}

/// Applies the engine's part of `input` (a completed task is completed, a fired timer is
/// gone, a slot input is kept) and then `reaction`'s effects to `case`. Returns what changed
/// and the inputs the effects cause next (a closed or unsealed slot), which the caller feeds
/// back to the reducer within the same step.
pub fn apply(
    case: &mut Case,
    input: &Input,
    reaction: Reaction,
    ctx: &Context<'_>,
) -> Result<(Vec<Change>, Vec<Input>), ApplyError> {
    let at = input.at().to_owned();
    let now = time::parse(&at).map_err(|e| ApplyError(format!("input instant {at:?}: {e}")))?;
    let mut changes = Vec::new();
    let mut next = Vec::new();
    // The engine's own part of the input.
    let mut completed: Option<usize> = None;
    match input {
        Input::TaskCompleted {
            task,
            outcome,
            inputs,
            reasons,
            by,
            ..
        } => {
            let Some(t) = case
                .tasks
                .get_mut(task)
                .filter(|t| t.status == TaskStatus::Open)
            else {
                return err(format!("no open task {task}"));
            };
            t.status = TaskStatus::Completed;
            t.outcome = Some(outcome.clone());
            t.done_at = Some(at.clone());
            completed = Some(changes.len());
            changes.push(Change::TaskCompleted {
                key: task.clone(),
                outcome: outcome.to_string(),
                reasons: reasons.clone(),
                inputs: inputs.clone(),
                decision: Value::Null,
                by: by.clone(),
            });
        }
        Input::TimerFired { timer, .. } => {
            case.timers.remove(timer);
            changes.push(Change::TimerFired {
                name: timer.to_string(),
            });
        }
        Input::SlotInput {
            slot,
            seq,
            by,
            digest,
            ..
        } => {
            let replaces = case
                .slots
                .get(slot)
                .and_then(|s| s.inputs.iter().find(|i| i.seq == *seq))
                .and_then(|i| i.replaces);
            changes.push(Change::SlotInput {
                name: slot.to_string(),
                seq: *seq,
                by: by.clone(),
                digest: digest.clone(),
                replaces,
            });
        }
        Input::SlotWithdrawn { slot, seq, by, .. } => {
            changes.push(Change::SlotInputWithdrawn {
                name: slot.to_string(),
                seq: *seq,
                by: by.clone(),
            });
        }
        _ => {}
    }
    case.state = reaction.state;
    for effect in reaction.effects {
        match effect {
            Effect::OpenTask { key, party } => {
                if case.tasks.contains_key(&key) {
                    return err(format!(
                        "task {key} was opened before; open the step again as the next round"
                    ));
                }
                let Some(step) = ctx.steps.iter().find(|s| s.id == key.step().as_str()) else {
                    return err(format!(
                        "open-task {key}: the variant has no step {}",
                        key.step()
                    ));
                };
                let party = match party {
                    Some(p) => p,
                    // A state body acting on a step acts for its own case only.
                    None if step.role == Role::StateBody => Party::of(step.role, case.org),
                    None => Party::role(step.role),
                };
                let due = match &step.term {
                    Some(t) => Some(due_of(ctx.calendar, now, t.term())?),
                    None => None,
                };
                let task = Task {
                    key: key.clone(),
                    title: step.title.clone(),
                    rule: step.rule.clone(),
                    service: step.service.clone(),
                    party,
                    opened_at: at.clone(),
                    due,
                    status: TaskStatus::Open,
                    outcome: None,
                    done_at: None,
                    approaching_notified: false,
                    missed_notified: false,
                };
                case.tasks.insert(key, task.clone());
                changes.push(Change::TaskOpened { task });
            }
            Effect::CloseTask { key, reason } => {
                match case.tasks.get_mut(&key) {
                    Some(t) if t.status == TaskStatus::Open => {
                        t.status = TaskStatus::Closed;
                        t.done_at = Some(at.clone());
                    }
                    _ => return err(format!("close-task {key}: no such open task")),
                }
                changes.push(Change::TaskClosed { key, reason });
            }
            Effect::ExtendTask { key, by, rule } => {
                let Some(t) = case
                    .tasks
                    .get_mut(&key)
                    .filter(|t| t.status == TaskStatus::Open)
                else {
                    return err(format!("extend-task {key}: no such open task"));
                };
                let Some(old) = &t.due else {
                    return err(format!("extend-task {key}: the task has no term"));
                };
                // The extension counts from the old last day, as a term counted from the day
                // of an event (AMB-X2): its first unit is the day after.
                let d = ctx
                    .calendar
                    .due(old.last_day, term_of(by)?)
                    .map_err(|e| ApplyError(format!("calendar: {e}")))?;
                let due = Due {
                    last_day: d.last_day,
                    ends_at: time::format(d.ends_at().timestamp()),
                    provisional: d.provisional || old.provisional,
                };
                t.due = Some(due.clone());
                t.approaching_notified = false;
                t.missed_notified = false;
                changes.push(Change::TaskExtended { key, by, rule, due });
            }
            Effect::SetTimer {
                name,
                at: fires,
                term,
                rule,
            } => {
                let fires_at = match (fires, term) {
                    (Some(i), None) => {
                        let ts = time::parse(&i)
                            .map_err(|e| ApplyError(format!("set-timer {name} at {i:?}: {e}")))?;
                        time::format(ts)
                    }
                    (None, Some(span)) => due_of(ctx.calendar, now, term_of(span)?)?.ends_at,
                    _ => return err(format!("set-timer {name}: give exactly one of at, term")),
                };
                case.timers.insert(
                    name.clone(),
                    Timer {
                        fires_at: fires_at.clone(),
                        rule: rule.clone(),
                    },
                );
                // A timer named as an open slot is the slot's close.
                if let Some(s) = case.slots.get_mut(&name).filter(|s| s.open) {
                    s.closes_at = Some(fires_at.clone());
                    s.close_rule = Some(rule.clone());
                }
                changes.push(Change::TimerSet {
                    name: name.to_string(),
                    fires_at,
                    rule,
                });
            }
            Effect::CancelTimer { name } => {
                if case.timers.remove(&name).is_some() {
                    changes.push(Change::TimerCancelled {
                        name: name.to_string(),
                    });
                }
            }
            Effect::OpenSlot {
                name,
                party,
                sealed,
                rule,
            } => {
                if case.slots.contains_key(&name) {
                    return err(format!("open-slot {name}: opened before"));
                }
                let close = case.timers.get(&name);
                case.slots.insert(
                    name.clone(),
                    Slot {
                        party: party.clone(),
                        sealed,
                        open: true,
                        unsealed: false,
                        rule: rule.clone(),
                        inputs: Vec::new(),
                        closes_at: close.map(|t| t.fires_at.clone()),
                        close_rule: close.map(|t| t.rule.clone()),
                        closed_at: None,
                    },
                );
                changes.push(Change::SlotOpened {
                    name: name.to_string(),
                    party,
                    sealed,
                    rule,
                });
            }
            Effect::CloseSlot { name } => {
                let Some(s) = case.slots.get_mut(&name).filter(|s| s.open) else {
                    return err(format!("close-slot {name}: no such open slot"));
                };
                s.open = false;
                s.closed_at = Some(at.clone());
                let count = s.live().count() as u32;
                changes.push(Change::SlotClosed {
                    name: name.to_string(),
                    count,
                });
                next.push(Input::SlotClosed {
                    slot: name,
                    count,
                    at: at.clone(),
                });
            }
            Effect::Unseal { name } => {
                let Some(s) = case.slots.get_mut(&name) else {
                    return err(format!("unseal {name}: no such slot"));
                };
                if s.open {
                    return err(format!("unseal {name}: close the slot first"));
                }
                s.unsealed = true;
                let inputs: Vec<SlotEntry> = s.live().cloned().collect();
                changes.push(Change::SlotUnsealed {
                    name: name.to_string(),
                    count: inputs.len() as u32,
                });
                next.push(Input::SlotUnsealed {
                    slot: name,
                    inputs,
                    at: at.clone(),
                });
            }
            Effect::SetStatus { status } => {
                case.status = Some(status.clone());
                changes.push(Change::StatusSet {
                    status: status.to_string(),
                });
            }
            Effect::PutEntry { entry } => {
                match case
                    .entries
                    .iter_mut()
                    .find(|e| e.registry == entry.registry && e.key == entry.key)
                {
                    Some(e) => *e = entry.clone(),
                    None => case.entries.push(entry.clone()),
                }
                changes.push(Change::EntryPut { entry });
            }
            Effect::StartCase {
                procedure,
                link,
                submission,
            } => changes.push(Change::CaseStartRequested {
                procedure: procedure.to_string(),
                link: link.to_string(),
                submission,
            }),
            Effect::Notify {
                party,
                subject,
                body,
            } => changes.push(Change::PartyNotified {
                party,
                subject,
                body,
            }),
            Effect::Explain {
                reasons: more,
                decision: d,
            } => {
                let Some(Change::TaskCompleted {
                    reasons, decision, ..
                }) = completed.and_then(|i| changes.get_mut(i))
                else {
                    return err("explain: the input completed no task");
                };
                for r in more {
                    if !reasons.contains(&r) {
                        reasons.push(r);
                    }
                }
                *decision = d;
            }
        }
    }
    Ok((changes, next))
}

/// Why an input cannot go into a slot, or be withdrawn from it.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SlotRefusal {
    /// No such slot, or it is closed.
    #[error("slot {0} is not open")]
    NotOpen(String),
    /// The slot's window closed at this instant (its timer may not have fired yet).
    #[error("slot {slot} closed at {at}")]
    Closed {
        /// The slot.
        slot: String,
        /// The instant it closed.
        at: String,
        /// The rule of its close.
        rule: String,
    },
    /// The giver has no live input of that number in the slot.
    #[error("no input {1} of yours in slot {0}")]
    NotYours(String, u32),
}

/// Whether `slot` takes inputs at `at`: open, and before its close instant.
fn open_at<'c>(case: &'c mut Case, slot: &str, at: &str) -> Result<&'c mut Slot, SlotRefusal> {
    let Some(s) = case.slots.get_mut(slot) else {
        return Err(SlotRefusal::NotOpen(slot.to_owned()));
    };
    let past =
        |close: &str| matches!((time::parse(close), time::parse(at)), (Ok(c), Ok(a)) if a >= c);
    match (&s.closes_at, &s.closed_at) {
        (Some(close), _) if past(close) => Err(SlotRefusal::Closed {
            slot: slot.to_owned(),
            at: close.clone(),
            rule: s.close_rule.clone().unwrap_or_else(|| s.rule.clone()),
        }),
        (_, Some(closed)) if !s.open => Err(SlotRefusal::Closed {
            slot: slot.to_owned(),
            at: closed.clone(),
            rule: s.close_rule.clone().unwrap_or_else(|| s.rule.clone()),
        }),
        _ if !s.open => Err(SlotRefusal::NotOpen(slot.to_owned())),
        _ => Ok(s),
    }
}

/// The giver's live input `seq` of `slot`, withdrawn at `at`: its body is dropped.
fn take_back(s: &mut Slot, name: &str, seq: u32, by: &Party, at: &str) -> Result<(), SlotRefusal> {
    let Some(e) = s
        .inputs
        .iter_mut()
        .find(|i| i.seq == seq && i.is_live() && i.by.org.is_some() && i.by.org == by.org)
    else {
        return Err(SlotRefusal::NotYours(name.to_owned(), seq));
    };
    e.withdrawn_at = Some(at.to_owned());
    e.body = Value::Null;
    Ok(())
}

/// Records an input into an open slot on the case (the engine's part of `slot-input`, before
/// the reducer sees it): its number is the slot's next; a replacement withdraws the giver's
/// earlier input in the same step. Refuses a closed or unknown slot, an input at or after the
/// slot's close instant, and replacing an input that is not the giver's live one.
pub fn receive(case: &mut Case, entry: SlotEntryDraft<'_>) -> Result<u32, SlotRefusal> {
    let slot = open_at(case, entry.slot, &entry.at)?;
    if let Some(old) = entry.replaces {
        take_back(slot, entry.slot, old, &entry.by, &entry.at)?;
    }
    let seq = slot.inputs.len() as u32 + 1;
    slot.inputs.push(SlotEntry {
        seq,
        by: entry.by,
        digest: entry.digest,
        body: entry.body,
        at: entry.at,
        replaces: entry.replaces,
        withdrawn_at: None,
    });
    Ok(seq)
}

/// Withdraws the giver's live input `seq` from an open slot before its close (the engine's
/// part of [`Input::SlotWithdrawn`]).
pub fn withdraw(
    case: &mut Case,
    slot: &str,
    seq: u32,
    by: &Party,
    at: &str,
) -> Result<(), SlotRefusal> {
    let s = open_at(case, slot, at)?;
    take_back(s, slot, seq, by, at)
}

/// An input into a slot, before it has its number.
pub struct SlotEntryDraft<'a> {
    /// The slot.
    pub slot: &'a str,
    /// Who gives it.
    pub by: Party,
    /// sha256 of its bytes.
    pub digest: String,
    /// The body.
    pub body: Value,
    /// When.
    pub at: String,
    /// The giver's earlier input it replaces.
    pub replaces: Option<u32>,
}

/// The member of a task in worklists and deadline sets: its task id.
pub fn task_member(case: &Case, key: &TaskKey) -> String {
    format!("{}.{key}", case.id)
}

/// The member of a timer in the timers set.
pub fn timer_member(case: &Case, name: &str) -> String {
    format!("{}:{name}", case.id)
}

/// Index names.
pub mod index {
    /// Announce one working day before a term ends (start of the last day).
    pub const APPROACHING: &str = "due:approaching";
    /// A term ended.
    pub const MISSED: &str = "due:missed";
    /// Timers by the instant they fire.
    pub const TIMERS: &str = "timers";
    /// Open cases of a variant revision: `variant:<digest>`.
    pub fn variant(digest: &str) -> String {
        format!("variant:{digest}")
    }
}

/// A worklist's order: the soonest end of term first; tasks without a term after every dated
/// one, by when they were opened.
fn work_score(t: &Task) -> f64 {
    match &t.due {
        Some(d) => time::parse(&d.ends_at).map_or(f64::MAX, |e| e.as_second() as f64),
        None => {
            // 2^40 s is past the year 36 000: after every real deadline.
            (1u64 << 40) as f64 + time::parse(&t.opened_at).map_or(0.0, |o| o.as_second() as f64)
        }
    }
}

/// When a term counts as approaching: the start of its last day.
pub fn approaching_at(last_day: jiff::civil::Date) -> Timestamp {
    let day_before = last_day
        .yesterday()
        .expect("calendar dates are far from jiff's limits");
    time::end_of_day(day_before).timestamp()
}

/// The index changes that take `before` to `after`: worklists and deadline sets follow the
/// open tasks, the timers set the timers, `variant:<digest>` the case while it is open.
/// Of `before` it reads only what [`Case::index_view`] keeps (a step passes that view).
pub fn index_ops(before: Option<&Case>, after: &Case) -> Vec<IndexOp> {
    let mut ops = Vec::new();
    let open = |c: &Case, k: &TaskKey| c.tasks.get(k).is_some_and(|t| t.status == TaskStatus::Open);
    for (key, t) in &after.tasks {
        let member = task_member(after, key);
        let was = before.and_then(|b| b.tasks.get(key));
        let was_open = before.is_some_and(|b| open(b, key));
        let is_open = t.status == TaskStatus::Open;
        let moved = was.is_some_and(|w| w.due != t.due);
        if is_open && (!was_open || moved) {
            ops.push(IndexOp::Score {
                index: t.party.worklist(&t.service),
                member: member.clone(),
                score: work_score(t),
            });
            if let Some(d) = &t.due {
                if !t.approaching_notified {
                    ops.push(IndexOp::Score {
                        index: index::APPROACHING.into(),
                        member: member.clone(),
                        score: approaching_at(d.last_day).as_second() as f64,
                    });
                }
                if !t.missed_notified {
                    ops.push(IndexOp::Score {
                        index: index::MISSED.into(),
                        member: member.clone(),
                        score: time::parse(&d.ends_at).map_or(0.0, |e| e.as_second() as f64),
                    });
                }
            }
        }
        if was_open && !is_open {
            ops.push(IndexOp::Unscore {
                index: t.party.worklist(&t.service),
                member: member.clone(),
            });
            ops.push(IndexOp::Unscore {
                index: index::APPROACHING.into(),
                member: member.clone(),
            });
            ops.push(IndexOp::Unscore {
                index: index::MISSED.into(),
                member,
            });
        }
    }
    for (name, timer) in &after.timers {
        if before.and_then(|b| b.timers.get(name)) != Some(timer) {
            ops.push(IndexOp::Score {
                index: index::TIMERS.into(),
                member: timer_member(after, name.as_str()),
                score: time::parse(&timer.fires_at).map_or(0.0, |e| e.as_second() as f64),
            });
        }
    }
    if let Some(b) = before {
        for name in b.timers.keys().filter(|n| !after.timers.contains_key(*n)) {
            ops.push(IndexOp::Unscore {
                index: index::TIMERS.into(),
                member: timer_member(after, name.as_str()),
            });
        }
    }
    let variant = index::variant(&after.variant.digest);
    match (before.is_some_and(Case::is_open), after.is_open()) {
        (false, true) => ops.push(IndexOp::Add {
            index: variant,
            member: after.id.to_string(),
        }),
        (true, false) => ops.push(IndexOp::Remove {
            index: variant,
            member: after.id.to_string(),
        }),
        _ => {}
    }
    ops
}

/// One step writes an entry once: when the inputs of one step (an input and the follow-ups it
/// brought) put the same registry entry more than once, only its last value is kept, in the
/// place of that last write. The intermediate values were never durable nor seen by anyone;
/// the readers of the registry (the catalog, the tender service) then do the work once.
pub fn coalesce_entries(changes: &mut Vec<Change>) {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    let mut keep = vec![true; changes.len()];
    for (i, c) in changes.iter().enumerate().rev() {
        if let Change::EntryPut { entry } = c {
            let k = (entry.registry.as_str(), entry.key.as_str());
            if seen.contains(&k) {
                keep[i] = false;
            } else {
                seen.push(k);
            }
        }
    }
    let mut keep = keep.into_iter();
    changes.retain(|_| keep.next().unwrap_or(true));
}
