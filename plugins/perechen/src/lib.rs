//! The Perechen procedure: inclusion of e-government ICI objects in the list assigned to the
//! operator (seed 001, Rules restated by order 353/НҚ of 29.09.2022; RULES.md §4).
//!
//! Editions differ in their [`Edition`]; everything else is the procedure.

mod decide;

use egov_plugin_sdk::*;

pub use decide::{decide, score};

/// What one edition sets.
pub struct Edition {
    pub id: &'static str,
    pub version: &'static str,
    pub title: &'static str,
    pub effective_from: &'static str,
    pub effective_to: Option<&'static str>,
    pub legal_basis: &'static str,
    /// PL-5: the SI's term, in working days.
    pub si_recommendation_days: u32,
}

/// Object kinds (PL-3).
pub const IS: &str = "information-system";
/// Object kinds (PL-3).
pub const HSC: &str = "hardware-software-complex";

/// The edition's metadata.
pub fn metadata(e: &Edition) -> Metadata {
    Metadata {
        id: e.id.into(),
        kind: "perechen".into(),
        version: e.version.into(),
        title: e.title.into(),
        effective_from: e.effective_from.into(),
        effective_to: e.effective_to.map(Into::into),
        legal_basis: e.legal_basis.into(),
        intake: Intake {
            path: "perechen-applications".into(),
            role: "state-body".into(),
            rule: "PL-3".into(),
        },
    }
}

/// PL-4 to PL-9. Terms count from the day the acting party received the matter (AMB-X2).
pub fn steps(e: &Edition) -> Vec<Step> {
    use Unit::WorkingDays;
    vec![
        step(
            "ab-check",
            "Check of the documents and forwarding to the service integrator",
            "authorized-body",
            "expertise",
            "PL-4",
        )
        .term(5, WorkingDays, "receipt of the state body's application")
        .start()
        .outcome(
            outcome("forward-to-si", "Documents forwarded to the SI").next(&["si-recommendation"]),
        ),
        step(
            "si-recommendation",
            "Recommendation on compliance with the e-government architecture",
            "service-integrator",
            "expertise",
            "PL-5",
        )
        .term(
            e.si_recommendation_days,
            WorkingDays,
            "receipt of the forwarded application (AMB-PL-4)",
        )
        .outcome(
            outcome("complies", "Complies with the e-government architecture")
                .next(&["ab-decision"])
                .rule("PL-5.a"),
        )
        .outcome(
            outcome(
                "does-not-comply",
                "Does not comply with the e-government architecture",
            )
            .next(&["ab-decision"])
            .rule("PL-5.a"),
        ),
        step(
            "ab-decision",
            "Decision on inclusion and notification of the state body",
            "authorized-body",
            "expertise",
            "PL-7",
        )
        .term(5, WorkingDays, "receipt of the SI recommendation")
        .check("pl-7-decision")
        .outcome(
            outcome("include", "Included in the Perechen")
                .next(&["operator-notification", "inclusion-order"])
                .status("included")
                .rule("PL-7.a"),
        )
        .outcome(
            outcome("refuse", "Inclusion refused, with reasons")
                .status("refused")
                .with_reasons()
                .rule("PL-7.b"),
        ),
        step(
            "operator-notification",
            "Notification of the operator, with the documents",
            "authorized-body",
            "expertise",
            "PL-8",
        )
        .term(5, WorkingDays, "the inclusion decision (AMB-PL-3)")
        .outcome(outcome("operator-notified", "Operator notified")),
        step(
            "inclusion-order",
            "Order on the inclusion",
            "authorized-body",
            "expertise",
            "PL-9",
        )
        .term(5, WorkingDays, "the inclusion decision")
        .outcome(outcome("order-adopted", "Order adopted").next(&["operation-ended"])),
        // PL-10: the state body notifies the AB 10 working days after operation ends (read as
        // "within", AMB-PL-9). The end is not an event the engine sees, so this step has no
        // term of its own: the notice carries the end date and the check counts the 10 days.
        step(
            "operation-ended",
            "Notice that operation of the object has ended",
            "state-body",
            "expertise",
            "PL-10",
        )
        .check("pl-10-notice")
        .outcome(
            outcome("operation-ended", "Operation ended; exclusion requested").next(&["exclusion"]),
        ),
        // The AB's handling of the exclusion has no term in the Rules (PL-10 [GAP]).
        step(
            "exclusion",
            "Exclusion from the Perechen",
            "authorized-body",
            "expertise",
            "PL-10",
        )
        .outcome(outcome("excluded", "Excluded from the Perechen").status("excluded")),
    ]
}

/// PL-3 (documents by object kind), PL-F1 (the application form), PL-F3 (the criteria).
pub fn form() -> Form {
    let criteria_info = "information on compliance with the selection criteria (Appendix 2)";
    Form {
        kind_rule: "PL-3".into(),
        kinds: vec![
            object_kind(
                IS,
                "information system",
                "PL-3.a",
                &[
                    (
                        "services-or-functions-list",
                        "list of public services provided electronically with the IS, or of the state-body functions it automates",
                    ),
                    ("criteria-compliance", criteria_info),
                ],
            ),
            object_kind(
                HSC,
                "hardware-software complex",
                "PL-3.b",
                &[
                    ("registered-users", "number of registered HSC users"),
                    (
                        "interacting-systems",
                        "information systems the state body's users interact with through the HSC",
                    ),
                    (
                        "units-and-users",
                        "structural and territorial units using the HSC, with the final number of users per unit",
                    ),
                    (
                        "authorized-software",
                        "software authorized for use in the state body",
                    ),
                    ("criteria-compliance", criteria_info),
                ],
            ),
        ],
        fields: vec![
            field(
                "addressee",
                "To: the authorized body in the field of informatization",
                "PL-F1",
                FieldType::Text,
            ),
            field(
                "state_body_name",
                "Name of the state body",
                "PL-F1",
                FieldType::Text,
            ),
            field("request", "Request", "PL-F1", FieldType::Text),
            field(
                "object_name",
                "Name of the e-government ICI object",
                "PL-F1",
                FieldType::Text,
            ),
            field(
                "signatory",
                "Surname, name, patronymic of the signatory",
                "PL-F1",
                FieldType::Text,
            ),
            field("signed_on", "Date", "PL-F1", FieldType::Date),
        ],
        criteria: vec![
            criterion(
                "1.1",
                "1",
                "registered users are employees of more than one central state body",
                &[],
                "PL-F3",
            ),
            criterion(
                "1.2",
                "1",
                "registered users are employees of all subordinate organizations and territorial units of one central state body",
                &[],
                "PL-F3",
            ),
            criterion(
                "1.3",
                "1",
                "IS of more than one central state body are integrated with it and use its data regularly",
                &[],
                "PL-F3",
            ),
            criterion(
                "1.4",
                "1",
                "IS of all subordinate organizations and territorial units of one central state body are integrated with it",
                &[],
                "PL-F3",
            ),
            criterion(
                "2.1",
                "2",
                "a reference store of separate categories of data about citizens or their property",
                &[],
                "PL-F3",
            ),
            criterion(
                "2.2",
                "2",
                "a reference store of other primary data required from citizens for public services",
                &[],
                "PL-F3",
            ),
            criterion(
                "2.3",
                "2",
                "involved in providing more than 3 electronic public services",
                &[],
                "PL-F3",
            ),
            criterion(
                "2.4",
                "2",
                "supports interaction between state bodies with private EDS keys of the state bodies' certification authority",
                &[],
                "PL-F3",
            ),
            criterion(
                "2.5",
                "2",
                "operates in the Unified Transport Environment of state bodies",
                &[],
                "PL-F3",
            ),
            criterion(
                "3.1",
                "3",
                "the IS has more than 1 000 active registered users",
                &[IS],
                "PL-F3",
            ),
            criterion(
                "3.2",
                "3",
                "more than 100 000 people use its primary data",
                &[],
                "PL-F3",
            ),
            criterion(
                "3.3",
                "3",
                "at least 50% of all civil servants are connected to it",
                &[],
                "PL-F3",
            ),
            criterion(
                "3.4",
                "3",
                "all users of the state body use the components of the HSC",
                &[HSC],
                "PL-F3",
            ),
        ],
    }
}

/// Exports the Perechen procedure as the variant of one edition: `perechen::edition!(EDITION);`
/// in the edition's `cdylib` crate.
#[macro_export]
macro_rules! edition {
    ($edition:expr) => {
        struct Variant;

        impl egov_plugin_sdk::Guest for Variant {
            fn metadata() -> egov_plugin_sdk::Metadata {
                $crate::metadata(&$edition)
            }
            fn steps() -> Vec<egov_plugin_sdk::Step> {
                $crate::steps(&$edition)
            }
            fn form() -> egov_plugin_sdk::Form {
                $crate::form()
            }
            fn validate(submission: String, today: String) -> Vec<egov_plugin_sdk::Violation> {
                $crate::validate(&submission, &today)
            }
            fn decide(
                name: String,
                input: String,
            ) -> Result<String, Vec<egov_plugin_sdk::Violation>> {
                $crate::decide(&name, &input)
            }
        }

        egov_plugin_sdk::export!(Variant);
    };
}

/// The variant's `validate`: the generic form validator on this form.
pub fn validate(submission: &str, today: &str) -> Vec<Violation> {
    validate_form(&form(), submission, today)
}
