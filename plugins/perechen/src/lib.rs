//! The Perechen procedure: inclusion of e-government ICI objects in the list assigned to the
//! operator (PL: the Rules as restated by order of the MDDIAI No. 353/НҚ of 29.09.2022).
//!
//! Editions differ in their [`Edition`]; everything else is the procedure:
//! - `form`: the application (PL-3, PL-F1), the PL-3.c declaration, the criteria of Appendix 2
//!   (PL-F3) and the portal items the SI confirms (PL-5.b);
//! - `decide`: the step checks (PL-5.b, PL-6/PL-7, PL-10) and the PL-6.a score.
//!
//! Every step that takes `inputs` has a `check` that validates them strictly (types, unknown
//! keys refused, each violation naming its rule); the other steps take none.

mod decide;
mod form;

use egov_plugin_sdk::*;
use serde_json::{Map, Value, json};

pub use decide::{check, decide, score};
pub use form::{
    CRITERIA, CriterionText, GROUPS, HSC_PORTAL_ITEMS, IS_PORTAL_ITEMS, PortalItem, form,
    portal_items, validate,
};

/// What one edition sets.
pub struct Edition {
    pub id: &'static str,
    pub version: &'static str,
    pub title: &'static str,
    /// The edition's deployment manifest (`include_str!("../manifest.toml")`): its
    /// `effective_from` / `effective_to` are the period the edition is in force. The dates are
    /// configuration, written once in that file: the variant's metadata reads them from it, and
    /// the registry refuses a deployed manifest whose dates disagree with the artifact's.
    pub manifest: &'static str,
    pub legal_basis: &'static str,
    /// PL-5: the SI's term, in working days.
    pub si_recommendation_days: u32,
}

/// Object kinds (PL-3).
pub const IS: &str = "information-system";
/// Object kinds (PL-3).
pub const HSC: &str = "hardware-software-complex";

/// The application of PL-3 / PL-F1: the intake a case starts from.
pub const APPLICATION: &str = "application";
/// The notice of PL-10 for an object already in the list (its inclusion need not have been
/// decided here): the intake an exclusion starts from.
pub const EXCLUSION: &str = "exclusion";

/// The form of the PL-10 notice: which object, the order that included it (PL-9), and the day
/// its operation ended.
pub fn exclusion_form() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object", "additionalProperties": false, "x-rule": "PL-10",
        "required": ["object_name", "inclusion_order", "operation_ended_on"],
        "properties": {
            "object_name": {"type": "string", "minLength": 1, "maxLength": 2000, "x-rule": "PL-10",
                            "description": "Name of the e-government ICI object in the Perechen"},
            "inclusion_order": {"type": "string", "minLength": 1, "maxLength": 2000, "x-rule": "PL-9",
                                "description": "The order that included the object in the Perechen (number and date, or a reference)"},
            "operation_ended_on": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "x-rule": "PL-10",
                                   "description": "The day operation of the object ended (YYYY-MM-DD)"}
        }
    })
}

/// The edition's metadata. Its period comes from the edition's manifest; a manifest without a
/// valid period yields an effective-from the host cannot read, so the revision is refused at
/// load with the reason (never a guessed date).
pub fn metadata(e: &Edition) -> Metadata {
    let (effective_from, effective_to) = manifest_period(e.manifest)
        .unwrap_or_else(|why| (format!("(invalid manifest: {why})"), None));
    Metadata {
        id: e.id.into(),
        kind: "perechen".into(),
        version: e.version.into(),
        title: e.title.into(),
        effective_from,
        effective_to,
        legal_basis: e.legal_basis.into(),
        intakes: vec![
            intake(
                APPLICATION,
                "Application for inclusion in the Perechen (Appendix 1)",
                "perechen-applications",
                "state-body",
                "PL-3",
                form().schema(),
            ),
            intake(
                EXCLUSION,
                "Notice that operation of an object in the Perechen has ended (PL-10)",
                "perechen-exclusions",
                "state-body",
                "PL-10",
                exclusion_form(),
            ),
        ],
    }
}

/// PL-4 to PL-10. Terms count from the day the acting party received the matter (AMB-X2).
pub fn steps(e: &Edition) -> Vec<Step> {
    use Unit::WorkingDays;
    // The facts of a step with a check are validated strictly by the check (its violations
    // name each path and rule); the schema says only that they are an object.
    let facts = |rule: &str| json!({"type": "object", "x-rule": rule});
    vec![
        // PL-4: the AB checks the documents of p.3 (the text's "point 4" is read as point 3,
        // AMB-PL-1) and forwards them; no branch for incomplete ones is stated (AMB-PL-10).
        step(
            "ab-check",
            "Check of the documents and forwarding to the service integrator",
            "authorized-body",
            "expertise",
            "PL-4",
        )
        .term(5, WorkingDays, "receipt of the state body's application")
        .outcome(outcome("forward-to-si", "Documents forwarded to the SI")),
        // PL-5.a (the recommendation: the outcome) and PL-5.b (the portal items, each
        // confirmed or not: the inputs, checked by "pl-5-recommendation").
        step(
            "si-recommendation",
            "Recommendation on compliance with the e-government architecture, and confirmation of the portal information",
            "service-integrator",
            "expertise",
            "PL-5",
        )
        .term(
            e.si_recommendation_days,
            WorkingDays,
            "receipt of the forwarded application (AMB-PL-4)",
        )
        .inputs(facts("PL-5.b"))
        .outcome(outcome("complies", "Complies with the e-government architecture").rule("PL-5.a"))
        .outcome(
            outcome(
                "does-not-comply",
                "Does not comply with the e-government architecture",
            )
            .rule("PL-5.a"),
        ),
        // PL-7 with PL-6: the AB checks the declared criteria answers and may correct them
        // (PL-6.a, AMB-PL-13): the inputs, checked by "pl-7-decision".
        step(
            "ab-decision",
            "Decision on inclusion and notification of the state body",
            "authorized-body",
            "expertise",
            "PL-7",
        )
        .term(5, WorkingDays, "receipt of the SI recommendation")
        .inputs(facts("PL-6.a"))
        .outcome(outcome("include", "Included in the Perechen").rule("PL-7.a"))
        .outcome(
            outcome("refuse", "Inclusion refused, with reasons")
                .with_reasons()
                .rule("PL-7.b"),
        ),
        // PL-8: with the documents of points 3 and 5 (the text's "points 4 and 6", AMB-PL-3).
        step(
            "operator-notification",
            "Notification of the operator, with the documents",
            "authorized-body",
            "expertise",
            "PL-8",
        )
        .term(5, WorkingDays, "the inclusion decision (AMB-PL-8)")
        .outcome(outcome("operator-notified", "Operator notified")),
        // PL-8: the operator is a party: it receives the documents of points 3 and 5 with a
        // task to acknowledge them (the Rules set it no term).
        step(
            "operator-receipt",
            "Receipt by the operator of the documents of points 3 and 5",
            "operator",
            "expertise",
            "PL-8",
        )
        .outcome(outcome("received", "Documents received")),
        step(
            "inclusion-order",
            "Order on the inclusion",
            "authorized-body",
            "expertise",
            "PL-9",
        )
        .term(5, WorkingDays, "the inclusion decision (AMB-PL-8)")
        .outcome(outcome("order-adopted", "Order adopted")),
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
        .inputs(facts("PL-10"))
        .outcome(outcome("operation-ended", "Operation ended; exclusion requested")),
        // The AB's handling of the exclusion has no term in the Rules (PL-10 [GAP], AMB-PL-9).
        step(
            "exclusion",
            "Exclusion from the Perechen",
            "authorized-body",
            "expertise",
            "PL-10",
        )
        .outcome(outcome("excluded", "Excluded from the Perechen")),
    ]
}

/// The routing of PL-4 to PL-10.
pub fn graph() -> Graph {
    Graph::new()
        .start_on(APPLICATION, &["ab-check"])
        // The PL-10 notice of an object already listed opens the exclusion at once.
        .start_on(EXCLUSION, &["exclusion"])
        .on("ab-check", "forward-to-si", Go::to(&["si-recommendation"]))
        .on("si-recommendation", "complies", Go::to(&["ab-decision"]))
        .on(
            "si-recommendation",
            "does-not-comply",
            Go::to(&["ab-decision"]),
        )
        .on(
            "ab-decision",
            "include",
            Go::to(&["operator-notification", "inclusion-order"]).status("included"),
        )
        .on("ab-decision", "refuse", Go::end().status("refused"))
        .on(
            "operator-notification",
            "operator-notified",
            Go::to(&["operator-receipt"]),
        )
        .on(
            "inclusion-order",
            "order-adopted",
            Go::to(&["operation-ended"]),
        )
        .on("operation-ended", "operation-ended", Go::to(&["exclusion"]))
        .on("exclusion", "excluded", Go::end().status("excluded"))
}

/// The check a step's completion passes before it is accepted.
fn check_of(step: &str) -> Option<&'static str> {
    match step {
        "si-recommendation" => Some("pl-5-recommendation"),
        "ab-decision" => Some("pl-7-decision"),
        "operation-ended" => Some("pl-10-notice"),
        _ => None,
    }
}

/// The dossier a check decides on: the application, the steps completed before, and this
/// completion (`{case: {object_kind, fields, criteria}, steps: {<step>: {outcome, inputs}},
/// outcome, reasons, inputs}`).
fn dossier(st: &GraphState, step: &str, t: &TaskCompleted) -> Value {
    let steps: Map<String, Value> = st
        .done
        .iter()
        .filter(|(s, _)| s.as_str() != step)
        .map(|(s, d)| {
            (
                s.clone(),
                json!({"outcome": d["outcome"], "inputs": d["inputs"]}),
            )
        })
        .collect();
    let sub = &st.submission;
    json!({
        "case": {"object_kind": sub["object_kind"], "fields": sub["fields"], "criteria": sub["criteria"]},
        "steps": steps,
        "outcome": t.outcome,
        "reasons": t.reasons,
        "inputs": serde_json::from_str::<Value>(&t.inputs).unwrap_or(json!({})),
    })
}

/// The registry key of an object of the Perechen: its name as the application gave it.
fn object_name(st: &GraphState) -> String {
    st.submission["fields"]["object_name"]
        .as_str()
        .or_else(|| st.submission["object_name"].as_str())
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The variant's `react`: the graph, with the step checks (a refusal changes nothing; what a
/// check computes is explained on the completion), the PL-8 documents to the operator, the
/// PL-9 and PL-10 entries of the Perechen list, and the PL-10 notice of a listed object.
pub fn react(state: &str, input: &Input) -> Result<Reaction, Vec<Violation>> {
    graph().react(state, input, |st, input, effects| {
        match input {
            Input::Submitted(s) if s.intake == EXCLUSION => {
                // The 10 working days of PL-10, counted to the day of the notice.
                let facts = json!({
                    "inputs": {"operation_ended_on": st.submission["operation_ended_on"]},
                    "today": s.at.get(..10).unwrap_or_default(),
                });
                // Kept until the AB's exclusion, which it explains (a late notice is recorded, not
                // refused).
                st.data = json!({"pl-10": decide::check("pl-10-notice", &facts)?});
            }
            Input::TaskCompleted(t) => {
                let step = t.task.split('~').next().unwrap_or(&t.task);
                if step == "exclusion" && !st.data["pl-10"].is_null() {
                    let d = st.data["pl-10"].clone();
                    effects.push(explain(reasons_of(&d), &d));
                }
                if let Some(check) = check_of(step) {
                    let d = decide::check(check, &dossier(st, step, t))?;
                    let added: Vec<String> = reasons_of(&d)
                        .into_iter()
                        .filter(|r| !t.reasons.contains(r))
                        .collect();
                    effects.push(explain(added, &d));
                }
                match (step, t.outcome.as_str()) {
                    // PL-8: the documents of points 3 and 5 (AMB-PL-3) go to the operator.
                    ("operator-notification", "operator-notified") => {
                        let sub = &st.submission;
                        effects.push(notify(
                            role("operator"),
                            "PL-8: the documents of points 3 and 5 on an object included in the Perechen",
                            &json!({
                                "object_kind": sub["object_kind"], "application": sub["fields"],
                                "documents": sub["documents"],
                                "si_recommendation": st.done.get("si-recommendation"),
                            }),
                        ));
                    }
                    // PL-9: the order enters the object in the list.
                    ("inclusion-order", "order-adopted") => {
                        let name = object_name(st);
                        effects.push(put_entry(
                            "perechen",
                            &name,
                            &json!({"object_name": name, "object_kind": st.submission["object_kind"],
                                    "state_body": st.submission["fields"]["state_body_name"],
                                    "included_on": t.at.get(..10), "status": "included"}),
                        ));
                    }
                    // PL-10: the exclusion takes it out.
                    ("exclusion", "excluded") => {
                        let name = object_name(st);
                        effects.push(put_entry(
                            "perechen",
                            &name,
                            &json!({"object_name": name, "excluded_on": t.at.get(..10), "status": "excluded",
                                    "inclusion_order": st.submission.get("inclusion_order")}),
                        ));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        Ok(())
    })
}

fn reasons_of(d: &Value) -> Vec<String> {
    d["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// The variant's `validate` of either intake.
pub fn validate_intake(intake: &str, submission: &str, today: &str) -> Vec<Violation> {
    match intake {
        APPLICATION => validate(submission, today),
        EXCLUSION => {
            let s: Value = serde_json::from_str(submission).unwrap_or(Value::Null);
            let day = s["operation_ended_on"].as_str().unwrap_or_default();
            match parse_date(day) {
                None => vec![violation(
                    "operation_ended_on",
                    "PL-10",
                    format!("the day operation ended is a date YYYY-MM-DD, got {day:?}"),
                )],
                Some(_) if day > today || day < EARLIEST_DATE => vec![violation(
                    "operation_ended_on",
                    "PL-10",
                    format!(
                        "the day operation ended, {day}, is outside {EARLIEST_DATE} to the day of the notice ({today})"
                    ),
                )],
                Some(_) => vec![],
            }
        }
        other => vec![violation("intake", "", format!("no intake {other:?}"))],
    }
}

impl Variant for Edition {
    fn metadata(&self) -> Metadata {
        metadata(self)
    }
    fn steps(&self) -> Vec<Step> {
        steps(self)
    }
    fn validate(&self, intake: &str, submission: &str, today: &str) -> Vec<Violation> {
        validate_intake(intake, submission, today)
    }
    fn react(&self, state: &str, input: &Input, _: &[Entry]) -> Result<Reaction, Vec<Violation>> {
        react(state, input)
    }
    fn decide(&self, name: &str, input: &str) -> Result<String, Vec<Violation>> {
        decide(name, input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REAL: &str = include_str!("../../perechen-353/manifest.toml");
    const DEMO: &str = include_str!("../../perechen-demo-2027/manifest.toml");

    #[test]
    fn pl_ord_4_the_editions_take_their_period_from_their_manifests() {
        assert_eq!(manifest_period(REAL), Ok(("2022-10-10".into(), None)));
        assert_eq!(manifest_period(DEMO), Ok(("2027-01-01".into(), None)));
        let e = Edition {
            id: "x",
            version: "1.0.0",
            title: "",
            manifest: REAL,
            legal_basis: "",
            si_recommendation_days: 5,
        };
        let m = metadata(&e);
        assert_eq!(
            (m.effective_from.as_str(), m.effective_to),
            ("2022-10-10", None)
        );
    }

    #[test]
    fn pl_ord_4_a_manifest_without_a_valid_period_gives_no_date() {
        let period = |m: &str| manifest_period(m);
        assert_eq!(
            period(
                "effective_from = \"2024-01-01\" # a comment\neffective_to = \"2024-12-31\"\n[limits]\neffective_to = 1"
            ),
            Ok(("2024-01-01".into(), Some("2024-12-31".into())))
        );
        assert!(period("[limits]\neffective_from = \"2024-01-01\"").is_err());
        assert!(period("effective_from = 2024-01-01").is_err());
        assert!(period("effective_from = \"2024-02-30\"").is_err());
        assert!(
            period("effective_from = \"2024-01-01\"\neffective_from = \"2024-01-02\"").is_err()
        );
        assert!(period("effective_from = \"2024-01-02\"\neffective_to = \"2024-01-01\"").is_err());
        let e = Edition {
            id: "x",
            version: "1.0.0",
            title: "",
            manifest: "[limits]\n",
            legal_basis: "",
            si_recommendation_days: 5,
        };
        assert!(metadata(&e).effective_from.starts_with("(invalid manifest"));
    }

    #[test]
    fn amb_pl_8_the_pl_8_and_pl_9_terms_start_at_the_inclusion_decision() {
        let e = Edition {
            id: "x",
            version: "1.0.0",
            title: "",
            manifest: REAL,
            legal_basis: "",
            si_recommendation_days: 5,
        };
        let s = steps(&e);
        for id in ["operator-notification", "inclusion-order"] {
            let t = s
                .iter()
                .find(|x| x.id == id)
                .unwrap()
                .term
                .as_ref()
                .unwrap();
            assert_eq!(t.start, "the inclusion decision (AMB-PL-8)");
        }
        // Every step that takes inputs has a check that validates them, and only those.
        let checks: Vec<(&str, &str)> = s
            .iter()
            .filter(|x| x.inputs.is_some())
            .map(|x| (x.id.as_str(), check_of(&x.id).unwrap()))
            .collect();
        assert_eq!(
            checks,
            [
                ("si-recommendation", "pl-5-recommendation"),
                ("ab-decision", "pl-7-decision"),
                ("operation-ended", "pl-10-notice")
            ]
        );
        // The graph names only the described steps, and every one of them.
        let described: std::collections::BTreeSet<&str> = s.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(graph().steps(), described);
    }
}
