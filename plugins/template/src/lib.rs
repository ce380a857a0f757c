//! A template variant on contract 2.0: one intake with its form, two steps with working-day
//! terms routed by a static graph, and a rule the form's schema cannot say. Copy this
//! directory to `plugins/<your-variant>/`, rename the crate, add it to `plugins/Cargo.toml`
//! and `scripts/build-plugins`, and replace the rules below with yours, naming every rule by
//! its id (see "Rule ids" in README.md). See plugins/README.md.

use egov_plugin_sdk::*;
use serde_json::{Value, json};

struct Variant;

fn graph() -> Graph {
    Graph::new()
        .start(&["review"])
        .on("review", "approve", Go::to(&["decision"]))
        .on("review", "reject", Go::end().status("rejected"))
        .on("decision", "agree", Go::end().status("agreed"))
}

impl Guest for Variant {
    fn metadata() -> Metadata {
        Metadata {
            id: "example-1".into(),
            kind: "example".into(),
            version: "0.1.0".into(),
            title: "An example procedure".into(),
            effective_from: "2026-01-01".into(),
            effective_to: None,
            legal_basis: "the act and its registration number".into(),
            intakes: vec![intake(
                "request",
                "A request",
                "example-requests",
                "state-body",
                "EX-1",
                json!({
                    "type": "object", "additionalProperties": false, "required": ["subject"],
                    "properties": {
                        "subject": {"type": "string", "minLength": 1, "maxLength": 500, "x-rule": "EX-1"},
                        "needed_by": {"type": "string", "format": "date", "x-rule": "EX-1.b"}
                    }
                }),
            )],
        }
    }

    fn steps() -> Vec<Step> {
        vec![
            step(
                "review",
                "Review of the request",
                "service-integrator",
                "expertise",
                "EX-2",
            )
            .term(10, Unit::WorkingDays, "receipt of the request")
            .outcome(outcome("approve", "Approved"))
            .outcome(outcome("reject", "Rejected, with reasons").with_reasons()),
            step(
                "decision",
                "Decision",
                "authorized-body",
                "expertise",
                "EX-3",
            )
            .term(3, Unit::WorkingDays, "receipt of the review")
            .outcome(outcome("agree", "Agreed")),
        ]
    }

    fn validate(_intake: String, submission: String, today: String) -> Vec<Violation> {
        // What a schema cannot say: a date relative to the day of submission.
        let s: Value = serde_json::from_str(&submission).unwrap_or(Value::Null);
        match s["needed_by"].as_str() {
            Some(d) if d < today.as_str() => {
                vec![violation(
                    "needed_by",
                    "EX-1.b",
                    format!("{d} is before the day of submission"),
                )]
            }
            _ => vec![],
        }
    }

    fn react(
        state: String,
        input: Input,
        _entries: Vec<Entry>,
    ) -> Result<Reaction, Vec<Violation>> {
        graph().react(&state, &input, |_, _, _| Ok(()))
    }

    fn decide(name: String, _input: String) -> Result<String, Vec<Violation>> {
        Err(vec![violation("name", "", format!("no decision {name:?}"))])
    }
}

export!(Variant);
