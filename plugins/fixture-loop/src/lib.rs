//! A test fixture, not a procedure of the legal acts: a request is reviewed by the authorized body,
//! which may return it; the state body resubmits, and the review opens again (its next round,
//! its term counted afresh from the resubmission), as many rounds as it takes. Built by
//! `make plugins` into `target/plugins/fixtures/loop.wasm` for the end-to-end tests.

use egov_plugin_sdk::*;

struct Variant;

fn form() -> Form {
    Form {
        kind_rule: "FX-1".into(),
        kinds: vec![object_kind("request", "request", "FX-1", &[])],
        fields: vec![field("subject", "Subject", "FX-1", FieldType::Text)],
        criteria: vec![],
    }
}

/// Return and resubmission, as a loop of the graph: each `review` opens the next round.
fn graph() -> Graph {
    Graph::new()
        .start(&["review"])
        .on("review", "return", Go::to(&["resubmission"]))
        .on("resubmission", "resubmitted", Go::to(&["review"]))
        .on("review", "approve", Go::end().status("approved"))
}

impl Guest for Variant {
    fn metadata() -> Metadata {
        Metadata {
            id: "fixture-loop".into(),
            kind: "fixture-loop".into(),
            version: "2.0.0".into(),
            title: "Test fixture: return and resubmission".into(),
            effective_from: "2020-01-01".into(),
            effective_to: None,
            legal_basis: "none (a test fixture)".into(),
            intakes: vec![intake(
                "request",
                "A request",
                "loop-requests",
                "state-body",
                "FX-1",
                form().schema(),
            )],
        }
    }

    fn steps() -> Vec<Step> {
        vec![
            step("review", "Review", "authorized-body", "expertise", "FX-2")
                .term(
                    5,
                    Unit::WorkingDays,
                    "receipt of the request or its resubmission",
                )
                .outcome(outcome("return", "Returned with remarks").with_reasons())
                .outcome(outcome("approve", "Approved")),
            step(
                "resubmission",
                "Resubmission after the remarks",
                "state-body",
                "expertise",
                "FX-3",
            )
            .outcome(outcome("resubmitted", "Resubmitted")),
        ]
    }

    fn validate(_intake: String, submission: String, today: String) -> Vec<Violation> {
        validate_form(&form(), &submission, &today)
    }

    fn react(
        state: String,
        input: Input,
        _entries: Vec<Entry>,
    ) -> Result<Reaction, Vec<Violation>> {
        graph().react(&state, &input, |_, _, _| Ok(()))
    }

    fn decide(name: String, _input: String) -> Result<String, Vec<Violation>> {
        Err(vec![violation("name", "", format!("no decision {name}"))])
    }
}

export!(Variant);
