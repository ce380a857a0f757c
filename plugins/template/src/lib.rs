//! A template variant: one submission form, two steps with working-day terms, one decision.
//! Copy this directory to `plugins/<your-variant>/`, rename the crate, add it to
//! `plugins/Cargo.toml` and `scripts/build-plugins`, and replace the rules below with yours,
//! naming every rule by its id (see "Rule ids" in README.md). See plugins/README.md.

use egov_plugin_sdk::*;

struct Variant;

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
            intake: Intake {
                path: "example-requests".into(),
                role: "state-body".into(),
                rule: "EX-1".into(),
            },
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
            .start()
            .outcome(outcome("approve", "Approved").next(&["decision"]))
            .outcome(
                outcome("reject", "Rejected, with reasons")
                    .status("rejected")
                    .with_reasons(),
            ),
            step(
                "decision",
                "Decision",
                "authorized-body",
                "expertise",
                "EX-3",
            )
            .term(3, Unit::WorkingDays, "receipt of the review")
            .outcome(outcome("agree", "Agreed").status("agreed")),
        ]
    }

    fn form() -> Form {
        Form {
            kind_rule: "EX-1".into(),
            kinds: vec![object_kind(
                "request",
                "request",
                "EX-1",
                &[("description", "description of the need")],
            )],
            fields: vec![field("subject", "Subject", "EX-1", FieldType::Text)],
            criteria: vec![],
        }
    }

    fn validate(submission: String, today: String) -> Vec<Violation> {
        validate_form(&Self::form(), &submission, &today)
    }

    fn decide(name: String, input: String) -> Result<String, Vec<Violation>> {
        match name.as_str() {
            // A decision that uses the host calendar: the last day of the review's term.
            "review-term-end" => {
                let day = serde_json::from_str::<String>(&input).map_err(|e| {
                    vec![Violation {
                        field: "".into(),
                        rule: "EX-2".into(),
                        message: e.to_string(),
                    }]
                })?;
                host::term_end(&day, 10, Unit::WorkingDays)
                    .map(|d| serde_json::Value::String(d).to_string())
                    .map_err(|e| {
                        vec![Violation {
                            field: "".into(),
                            rule: "EX-2".into(),
                            message: e,
                        }]
                    })
            }
            other => Err(vec![Violation {
                field: "name".into(),
                rule: "".into(),
                message: format!("no decision {other}"),
            }]),
        }
    }
}

export!(Variant);
