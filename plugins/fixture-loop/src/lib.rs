//! A test fixture, not a procedure of the legal acts: a request is reviewed by the authorized body,
//! which may return it; the state body resubmits, and the review opens again (its next round,
//! its term counted afresh from the resubmission), as many rounds as it takes. Built by
//! `make plugins` into `target/plugins/fixtures/loop.wasm` for the end-to-end tests.

use egov_plugin_sdk_v1::*;

struct Variant;

impl Guest for Variant {
    fn metadata() -> Metadata {
        Metadata {
            id: "fixture-loop".into(),
            kind: "fixture-loop".into(),
            version: "1.0.0".into(),
            title: "Test fixture: return and resubmission".into(),
            effective_from: "2020-01-01".into(),
            effective_to: None,
            legal_basis: "none (a test fixture)".into(),
            intake: Intake {
                path: "loop-requests".into(),
                role: "state-body".into(),
                rule: "FX-1".into(),
            },
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
                .start()
                .outcome(
                    outcome("return", "Returned with remarks")
                        .next(&["resubmission"])
                        .with_reasons(),
                )
                .outcome(outcome("approve", "Approved").status("approved")),
            step(
                "resubmission",
                "Resubmission after the remarks",
                "state-body",
                "expertise",
                "FX-3",
            )
            .outcome(outcome("resubmitted", "Resubmitted").next(&["review"])),
        ]
    }

    fn form() -> Form {
        Form {
            kind_rule: "FX-1".into(),
            kinds: vec![object_kind("request", "request", "FX-1", &[])],
            fields: vec![field("subject", "Subject", "FX-1", FieldType::Text)],
            criteria: vec![],
        }
    }

    fn validate(submission: String, today: String) -> Vec<Violation> {
        validate_form(&Self::form(), &submission, &today)
    }

    fn decide(name: String, _input: String) -> Result<String, Vec<Violation>> {
        Err(vec![Violation {
            field: "name".into(),
            rule: "".into(),
            message: format!("no decision {name}"),
        }])
    }
}

export!(Variant);
