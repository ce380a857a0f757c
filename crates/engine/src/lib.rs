//! The procedure engine (issue "engine v2"): a case aggregate driven by its variant's pure
//! reducer.
//!
//! - [`model`]: what the engine and a reducer exchange ([`Input`], [`Reaction`], [`Effect`])
//!   and the [`Case`] they move: the variant's state, tasks by key (a step may open again as
//!   `step~2`, which is how joins and loops are built), timers, slots and registry entries, the
//!   variant pinned by artifact digest.
//! - [`apply`]: the pure core: one input and its reaction applied to a case (terms by the one
//!   calendar), what changed, and the index changes from the case before and after.
//! - [`v1`]: contract 1.x variants through the same path: `react` derived from their graph.
//! - [`v2`]: contract 2.x variants: the plugin's own `react`, typed inputs and effects parsed
//!   at the boundary.
//! - [`react`]: one input to whichever contract the case's variant was built for.
//!
//! Each input is one `react` call and one atomic append of the case (the store's outbox step);
//! the I/O around that lives in the services.

pub mod apply;
pub mod model;
pub mod v1;
pub mod v2;

pub use apply::{ApplyError, Change, Context, apply, index_ops};
pub use model::{
    Case, Due, Effect, Entry, Input, Party, Pin, Reaction, Slot, SlotEntry, Span, Task, TaskStatus,
    Timer, Violation,
};
pub use v1::GraphAdapter;

use std::sync::Arc;

use egov_procedure::{Contract, Definition, PluginError};

/// One input to the variant `def` (either contract): the reaction, or the violations that
/// refuse the input. Blocking (plugin calls), bounded by the variant's deadline.
pub fn react(
    def: &Arc<Definition>,
    state: &serde_json::Value,
    input: &Input,
    entries: &[Entry],
) -> Result<Result<Reaction, Vec<Violation>>, PluginError> {
    // A withdrawal is the engine's own: the variant learns what counts at the close.
    if let Input::SlotWithdrawn { .. } = input {
        return Ok(Ok(Reaction {
            state: state.clone(),
            effects: Vec::new(),
        }));
    }
    match def.contract {
        Contract::V1 => GraphAdapter::new(def.clone()).react(state, input, entries),
        Contract::V2 => v2::react(def, state, input, entries),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egov_kernel::{Bin, Calendar, CaseId, Name, Role, TaskKey, Term, Unit};
    use egov_procedure::{Step, StepTerm};
    use egov_store::IndexOp;
    use serde_json::json;

    fn step(id: &str, role: Role, days: Option<u32>) -> Step {
        Step {
            id: id.into(),
            title: format!("step {id}"),
            role,
            service: "expertise".into(),
            rule: format!("R-{id}"),
            term: days.map(|n| StepTerm {
                term: Term::working_days(n),
                from: "receipt".into(),
            }),
            start: false,
            outcomes: vec![],
            check: None,
            inputs: None,
        }
    }

    fn case() -> Case {
        Case {
            id: CaseId::new(),
            procedure: "tor".into(),
            variant: Pin {
                id: "v".into(),
                version: "2.0.0".into(),
                digest: "ab".repeat(32),
            },
            org: Bin::parse("940740000911").unwrap(),
            received_at: "2026-03-19T10:00:00+05:00".into(),
            status: None,
            state: json!(null),
            tasks: Default::default(),
            timers: Default::default(),
            slots: Default::default(),
            entries: vec![],
        }
    }

    fn key(s: &str) -> TaskKey {
        s.parse().unwrap()
    }

    fn name(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    fn steps() -> Vec<Step> {
        vec![
            step("si-exam", Role::ServiceIntegrator, Some(12)),
            step("sts-exam", Role::StateTechnicalService, Some(12)),
            step("notice", Role::StateBody, None),
        ]
    }

    /// The calendar and the steps a test applies with.
    struct Fixture {
        calendar: Calendar,
        steps: Vec<Step>,
    }

    impl Fixture {
        fn new() -> Self {
            Self {
                calendar: Calendar::builtin(),
                steps: steps(),
            }
        }

        fn ctx(&self) -> Context<'_> {
            Context {
                steps: &self.steps,
                calendar: &self.calendar,
            }
        }
    }

    fn timer_input(at: &str) -> Input {
        Input::TimerFired {
            timer: name("t"),
            at: at.into(),
        }
    }

    #[test]
    fn a_fork_opens_both_tasks_with_terms_by_the_calendar_and_a_state_body_task_is_its_own() {
        let f = Fixture::new();
        let ctx = f.ctx();
        let mut c = case();
        let reaction = Reaction {
            state: json!({"round": 1}),
            effects: vec![
                Effect::OpenTask {
                    key: key("si-exam"),
                    party: None,
                },
                Effect::OpenTask {
                    key: key("sts-exam"),
                    party: None,
                },
                Effect::OpenTask {
                    key: key("notice"),
                    party: None,
                },
            ],
        };
        // Thursday 19 March 2026: Fri 20 is the first working day, Nauryz (21-25 March) is off,
        // then 26, 27, 30, 31 March, 1, 2, 3, 6, 7, 8 and 9 April: the twelfth.
        let (changes, next) = apply(
            &mut c,
            &timer_input("2026-03-19T10:00:00+05:00"),
            reaction,
            &ctx,
        )
        .unwrap();
        assert!(next.is_empty());
        assert_eq!(changes.len(), 4, "{changes:?}");
        let si = &c.tasks[&key("si-exam")];
        assert_eq!(si.due.as_ref().unwrap().last_day.to_string(), "2026-04-09");
        assert_eq!(si.party, Party::role(Role::ServiceIntegrator));
        assert_eq!(
            c.tasks[&key("notice")].party,
            Party::of(Role::StateBody, c.org)
        );
        let ops = index_ops(None, &c);
        assert!(ops.contains(&IndexOp::Add {
            index: format!("variant:{}", c.variant.digest),
            member: c.id.to_string()
        }));
        assert!(ops.iter().any(
            |o| matches!(o, IndexOp::Score { index, .. } if index == "work:expertise:state-body:940740000911")
        ));
    }

    #[test]
    fn a_step_opens_again_only_under_its_next_key_and_an_extension_moves_the_due_date() {
        let f = Fixture::new();
        let ctx = f.ctx();
        let mut c = case();
        let open = |k: &str| Reaction {
            state: json!(null),
            effects: vec![Effect::OpenTask {
                key: key(k),
                party: None,
            }],
        };
        let at = timer_input("2026-03-19T10:00:00+05:00");
        apply(&mut c, &at, open("si-exam"), &ctx).unwrap();
        let before = c.clone();
        assert!(apply(&mut c.clone(), &at, open("si-exam"), &ctx).is_err());
        apply(&mut c, &at, open("si-exam~2"), &ctx).unwrap();
        assert_eq!(c.tasks.len(), 2);
        // TOR-6-like: 10 more working days after the last day (9 April 2026): 10, 13-17, 20-23
        // April.
        let ext = Reaction {
            state: json!(null),
            effects: vec![Effect::ExtendTask {
                key: key("si-exam"),
                by: Span {
                    count: 10,
                    unit: Unit::WorkingDays,
                },
                rule: "TOR-6".into(),
            }],
        };
        let (changes, _) = apply(&mut c, &at, ext, &ctx).unwrap();
        assert!(
            matches!(&changes[1], Change::TaskExtended { due, .. } if due.last_day.to_string() == "2026-04-23")
        );
        let ops = index_ops(Some(&before), &c);
        assert!(ops.iter().any(|o| matches!(o, IndexOp::Score { index, member, .. } if index == "due:missed" && member.ends_with(".si-exam"))));
    }

    #[test]
    fn a_timer_by_term_ends_at_midnight_of_its_last_day_and_firing_removes_it() {
        let f = Fixture::new();
        let ctx = f.ctx();
        let mut c = case();
        let set = Reaction {
            state: json!(null),
            effects: vec![Effect::SetTimer {
                name: name("t"),
                at: None,
                term: Some(Span {
                    count: 15,
                    unit: Unit::WorkingDays,
                }),
                rule: "SM-47".into(),
            }],
        };
        // Worked example on the published production calendar for 2026: 15 working days from
        // 19 March 2026 end on 14 April.
        apply(&mut c, &timer_input("2026-03-19T10:00:00+05:00"), set, &ctx).unwrap();
        assert_eq!(c.timers[&name("t")].fires_at, "2026-04-15T00:00:00+05:00");
        let before = c.clone();
        apply(
            &mut c,
            &timer_input("2026-04-15T00:00:00+05:00"),
            Reaction::default(),
            &ctx,
        )
        .unwrap();
        assert!(c.timers.is_empty());
        assert!(index_ops(Some(&before), &c).contains(&IndexOp::Unscore {
            index: "timers".into(),
            member: format!("{}:t", c.id)
        }));
    }

    #[test]
    fn a_sealed_slot_closes_and_unseals_into_follow_up_inputs() {
        let f = Fixture::new();
        let ctx = f.ctx();
        let mut c = case();
        let at = timer_input("2026-03-19T10:00:00+05:00");
        let open = Reaction {
            state: json!(null),
            effects: vec![Effect::OpenSlot {
                name: name("bids"),
                party: Party::role(Role::Supplier),
                sealed: true,
                rule: "SM-49".into(),
            }],
        };
        apply(&mut c, &at, open, &ctx).unwrap();
        let a = Party::of(Role::Supplier, "940740000911".parse().unwrap());
        let b = Party::of(Role::Supplier, "990140000384".parse().unwrap());
        let draft = |by: &Party, d: &str, replaces| apply::SlotEntryDraft {
            slot: "bids",
            by: by.clone(),
            digest: d.into(),
            body: json!({"price": d}),
            at: "2026-03-20T10:00:00+05:00".into(),
            replaces,
        };
        for (by, d) in [(&a, "a1"), (&b, "b1"), (&b, "b2")] {
            apply::receive(&mut c, draft(by, d, None)).unwrap();
        }
        // A replaces its first; B withdraws its second; nobody touches another's input.
        assert_eq!(apply::receive(&mut c, draft(&a, "a2", Some(1))), Ok(4));
        assert_eq!(
            apply::receive(&mut c, draft(&a, "a3", Some(2))),
            Err(apply::SlotRefusal::NotYours("bids".into(), 2))
        );
        apply::withdraw(&mut c, "bids", 3, &b, "2026-03-20T11:00:00+05:00").unwrap();
        assert!(apply::withdraw(&mut c, "bids", 3, &b, "2026-03-20T11:00:00+05:00").is_err());
        let gone = &c.slots[&name("bids")].inputs[0];
        assert!(gone.withdrawn_at.is_some() && gone.body.is_null());
        let close = Reaction {
            state: json!(null),
            effects: vec![
                Effect::CloseSlot { name: name("bids") },
                Effect::Unseal { name: name("bids") },
            ],
        };
        let (_, next) = apply(&mut c, &at, close, &ctx).unwrap();
        // Live inputs only: B's first and A's replacement.
        assert!(matches!(&next[0], Input::SlotClosed { count: 2, .. }));
        assert!(matches!(&next[1], Input::SlotUnsealed { inputs, .. }
            if inputs.iter().map(|i| i.seq).collect::<Vec<_>>() == [2, 4]));
        assert!(matches!(
            apply::receive(&mut c, draft(&a, "late", None)),
            Err(apply::SlotRefusal::Closed { at, .. }) if at == "2026-03-19T10:00:00+05:00"
        ));
    }

    /// FX-SLOT-CLOSE: a timer named as a slot closes it at its instant (here SM-47's window: 15
    /// working days from Thu 19 March 2026, 21-25 March off, end at 24:00 on Tue 14 April),
    /// before the scheduler fires it.
    #[test]
    fn sm_47_a_slot_closes_at_the_instant_of_its_timer_even_before_it_fires() {
        let f = Fixture::new();
        let ctx = f.ctx();
        let mut c = case();
        let at = timer_input("2026-03-19T10:00:00+05:00");
        let open = Reaction {
            state: json!(null),
            effects: vec![
                Effect::OpenSlot {
                    name: name("bids"),
                    party: Party::role(Role::Supplier),
                    sealed: true,
                    rule: "SM-49".into(),
                },
                Effect::SetTimer {
                    name: name("bids"),
                    at: None,
                    term: Some(Span {
                        count: 15,
                        unit: egov_kernel::Unit::WorkingDays,
                    }),
                    rule: "SM-47".into(),
                },
            ],
        };
        apply(&mut c, &at, open, &ctx).unwrap();
        let slot = &c.slots[&name("bids")];
        assert_eq!(slot.closes_at.as_deref(), Some("2026-04-15T00:00:00+05:00"));
        let a = Party::of(Role::Supplier, "940740000911".parse().unwrap());
        let at_ = |t: &str| apply::SlotEntryDraft {
            slot: "bids",
            by: a.clone(),
            digest: "d".into(),
            body: json!({}),
            at: t.into(),
            replaces: None,
        };
        assert_eq!(
            apply::receive(&mut c, at_("2026-04-14T23:59:59+05:00")),
            Ok(1)
        );
        assert_eq!(
            apply::receive(&mut c, at_("2026-04-15T00:00:00+05:00")),
            Err(apply::SlotRefusal::Closed {
                slot: "bids".into(),
                at: "2026-04-15T00:00:00+05:00".into(),
                rule: "SM-47".into()
            })
        );
        assert!(apply::withdraw(&mut c, "bids", 1, &a, "2026-04-15T00:00:01+05:00").is_err());
    }

    /// One step writes an entry once: the last value of each (registry, key), in its place.
    #[test]
    fn a_step_puts_each_entry_once_with_its_last_value() {
        let put = |registry: &str, key: &str, v: i32| apply::Change::EntryPut {
            entry: Entry {
                registry: name(registry),
                key: key.into(),
                body: json!({"v": v}),
            },
        };
        let status = apply::Change::StatusSet {
            status: "window-closed".into(),
        };
        let mut changes = vec![
            put("tenders", "a", 1),
            status.clone(),
            put("tender-awards", "a", 1),
            put("tenders", "a", 2),
            put("tenders", "b", 1),
        ];
        apply::coalesce_entries(&mut changes);
        assert_eq!(
            changes,
            vec![
                status,
                put("tender-awards", "a", 1),
                put("tenders", "a", 2),
                put("tenders", "b", 1),
            ]
        );
    }
}
