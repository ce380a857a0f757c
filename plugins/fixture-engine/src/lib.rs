//! A test fixture on contract 2.0, not a procedure of the legal acts (its rule ids are `FX-*`).
//! Built by `make plugins` into `target/plugins/fixtures/engine.wasm` for the end-to-end tests
//! of the engine. It has two intakes:
//!
//! - `review` (a state body): the request forks to the service integrator and the State
//!   Technical Service, which examine in parallel (12 working days each); the authorized body
//!   decides once both are done (5 working days): `approve` writes an entry in the registry
//!   `fixture-approved` and sets the status, `return` (with reasons) opens a resubmission by the
//!   state body, after which both examine again (their next rounds). While the examinations are
//!   open, the state body may send a new edition into the slot `editions`: each one extends the
//!   open examinations by 10 working days (as TOR-6 does for a terms of reference).
//! - `tender` (a service integrator): a sealed slot `bids` takes suppliers' bids until the timer
//!   `window` (15 working days) fires; then the slot closes and is unsealed, and the lowest
//!   price wins: an entry in `fixture-awards` and the status `awarded`, or `failed` with no bid.
//!   The commission then signs the protocol (a step the tender service owns, FX-8): the status
//!   `concluded`.

use egov_plugin_sdk::*;
use serde_json::{Value, json};

struct Variant;

fn graph() -> Graph {
    let join = || Go::join(&["si-exam", "sts-exam"], &["ab-decision"]);
    Graph::new()
        .start_on("review", &["si-exam", "sts-exam"])
        .start_on("tender", &[])
        .on("si-exam", "done", join())
        .on("sts-exam", "done", join())
        .on("ab-decision", "return", Go::to(&["resubmission"]))
        .on("resubmission", "resubmit", Go::to(&["si-exam", "sts-exam"]))
        .on("ab-decision", "approve", Go::end().status("approved"))
        .on("protocol", "signed", Go::end().status("concluded"))
}

fn review_form() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object", "x-rule": "FX-1", "additionalProperties": false,
        "required": ["title"],
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": 200, "x-rule": "FX-1.a"},
            "pages": {"type": "integer", "minimum": 1, "x-rule": "FX-1.b"}
        }
    })
}

fn tender_form() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object", "x-rule": "FX-5", "additionalProperties": false,
        "required": ["subject"],
        "properties": {"subject": {"type": "string", "minLength": 1, "maxLength": 200, "x-rule": "FX-5"}}
    })
}

impl Guest for Variant {
    fn metadata() -> Metadata {
        Metadata {
            id: "fixture-engine".into(),
            kind: "fixture-engine".into(),
            version: "2.0.0".into(),
            title: "Test fixture: fork, join, loop, timers, slots, registries".into(),
            effective_from: "2020-01-01".into(),
            effective_to: None,
            legal_basis: "none (a test fixture)".into(),
            intakes: vec![
                intake(
                    "review",
                    "A request for review",
                    "fixture-reviews",
                    "state-body",
                    "FX-1",
                    review_form(),
                ),
                intake(
                    "tender",
                    "A tender",
                    "fixture-tenders",
                    "service-integrator",
                    "FX-5",
                    tender_form(),
                ),
            ],
        }
    }

    fn steps() -> Vec<Step> {
        vec![
            step(
                "si-exam",
                "Examination by the SI",
                "service-integrator",
                "expertise",
                "FX-2",
            )
            .term(12, Unit::WorkingDays, "receipt")
            .outcome(outcome("done", "Conclusion given")),
            step(
                "sts-exam",
                "Examination by the STS",
                "state-technical-service",
                "expertise",
                "FX-2",
            )
            .term(12, Unit::WorkingDays, "receipt")
            .outcome(outcome("done", "Conclusion given")),
            step(
                "ab-decision",
                "Decision",
                "authorized-body",
                "expertise",
                "FX-3",
            )
            .term(5, Unit::WorkingDays, "receipt of both conclusions")
            .outcome(outcome("approve", "Approved"))
            .outcome(outcome("return", "Returned with remarks").with_reasons()),
            step(
                "resubmission",
                "Resubmission",
                "state-body",
                "expertise",
                "FX-4",
            )
            .outcome(outcome("resubmit", "Resubmitted"))
            .inputs(json!({
                "type": "object", "additionalProperties": false, "required": ["letter"],
                "properties": {"letter": {"type": "string", "minLength": 1, "x-rule": "FX-4.a"}}
            })),
            step(
                "protocol",
                "Protocol of the results",
                "commission",
                "tender",
                "FX-8",
            )
            .term(3, Unit::WorkingDays, "the bids' opening")
            .outcome(outcome("signed", "Signed")),
        ]
    }

    fn validate(intake: String, submission: String, _today: String) -> Vec<Violation> {
        let s: Value = serde_json::from_str(&submission).unwrap_or(Value::Null);
        match intake.as_str() {
            // A rule the schema cannot say: the title is not only spaces.
            "review" if s["title"].as_str().is_some_and(|t| t.trim().is_empty()) => {
                vec![violation("title", "FX-1.a", "the title is empty")]
            }
            _ => vec![],
        }
    }

    fn react(
        state: String,
        input: Input,
        _entries: Vec<Entry>,
    ) -> Result<Reaction, Vec<Violation>> {
        graph().react(&state, &input, |st, input, effects| {
            match input {
                Input::Submitted(s) if s.intake == "review" => {
                    effects.push(open_slot("editions", s.by.clone(), false, "FX-6"));
                }
                Input::Submitted(s) if s.intake == "tender" => {
                    effects.push(open_slot("bids", role("supplier"), true, "FX-7"));
                    effects.push(set_timer_after("window", 15, Unit::WorkingDays, "FX-7"));
                }
                Input::TaskCompleted(t) if t.outcome == "approve" => {
                    let title = st.submission["title"].as_str().unwrap_or("").to_owned();
                    effects.push(put_entry(
                        "fixture-approved",
                        &title,
                        &json!({"title": title, "approved_at": t.at}),
                    ));
                }
                // A new edition extends every open examination (FX-6).
                Input::SlotInput(i) if i.slot == "editions" => {
                    for key in st.open.clone() {
                        if key.starts_with("si-exam") || key.starts_with("sts-exam") {
                            effects.push(extend_task(&key, 10, Unit::WorkingDays, "FX-6"));
                        }
                    }
                }
                Input::TimerFired(t) if t.timer == "window" => {
                    effects.push(Effect::CloseSlot("bids".into()));
                    effects.push(Effect::Unseal("bids".into()));
                }
                Input::SlotClosed(c) if c.slot == "bids" && c.count == 0 => {
                    effects.push(Effect::SetStatus("failed".into()));
                }
                Input::SlotUnsealed(u) if u.slot == "bids" && !u.inputs.is_empty() => {
                    let price = |b: &SlotEntry| {
                        serde_json::from_str::<Value>(&b.body)
                            .ok()
                            .and_then(|v| v["price"].as_u64())
                            .unwrap_or(u64::MAX)
                    };
                    let best = u.inputs.iter().min_by_key(|b| price(b)).expect("not empty");
                    effects.push(put_entry(
                        "fixture-awards",
                        &best.digest,
                        &json!({"supplier": best.by.org, "price": price(best), "bids": u.inputs.len()}),
                    ));
                    effects.push(Effect::SetStatus("awarded".into()));
                    effects.push(st.open("protocol"));
                }
                _ => {}
            }
            Ok(())
        })
    }

    fn decide(name: String, _input: String) -> Result<String, Vec<Violation>> {
        Err(vec![violation("name", "", format!("no decision {name:?}"))])
    }
}

export!(Variant);
