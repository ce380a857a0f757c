//! The shipped definitions load, and the engine's form validation names field and rule.

use std::path::PathBuf;

use egov_procedure::{Definition, Definitions, SelectError, Submission};
use jiff::civil::date;

fn shipped() -> Definitions {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../procedures");
    Definitions::load_dir(&dir).unwrap()
}

fn submission(json: &str) -> Submission {
    serde_json::from_str(json).unwrap()
}

const IS: &str = r#"{
  "object_kind": "information-system",
  "fields": {"addressee": "MDDIAI", "state_body_name": "Ministry of Justice", "request": "include",
             "object_name": "E-notary", "signatory": "A. B. Nurlanov", "signed_on": "2026-03-18"},
  "documents": [{"kind": "services-or-functions-list", "reference": "portal:doc/1"},
                {"kind": "criteria-compliance", "reference": "portal:doc/2"}]
}"#;

#[test]
fn pl_3a_a_complete_information_system_application_is_valid() {
    let d = shipped().select("perechen", date(2026, 3, 19)).unwrap();
    assert!(d.validate(&submission(IS), date(2026, 3, 19)).is_empty());
}

#[test]
fn pl_3b_a_hardware_software_complex_needs_its_five_documents() {
    let d = shipped().select("perechen", date(2026, 3, 19)).unwrap();
    let hsc = IS.replace("information-system", "hardware-software-complex");
    let v = d.validate(&submission(&hsc), date(2026, 3, 19));
    let rules: Vec<&str> = v.iter().map(|x| x.rule.as_str()).collect();
    assert!(rules.iter().all(|r| *r == "PL-3.b"), "{v:?}");
    // services-or-functions-list belongs to an IS application; four HSC documents are missing.
    assert_eq!(
        v.iter().filter(|x| x.field == "documents[0].kind").count(),
        1
    );
    assert_eq!(
        v.iter().filter(|x| x.field == "documents").count(),
        4,
        "{v:?}"
    );
}

#[test]
fn pl_f1_missing_fields_and_impossible_dates_are_named() {
    let d = shipped().select("perechen", date(2026, 3, 19)).unwrap();
    let s = IS
        .replace(r#""object_name": "E-notary", "#, "")
        .replace("2026-03-18", "2026-02-30");
    let v = d.validate(&submission(&s), date(2026, 3, 19));
    assert!(
        v.iter()
            .any(|x| x.field == "fields.object_name" && x.rule == "PL-F1"),
        "{v:?}"
    );
    assert!(
        v.iter()
            .any(|x| x.field == "fields.signed_on" && x.message.contains("YYYY-MM-DD")),
        "{v:?}"
    );
    let future = IS.replace("2026-03-18", "2026-03-20");
    let v = d.validate(&submission(&future), date(2026, 3, 19));
    assert!(
        v.iter()
            .any(|x| x.field == "fields.signed_on" && x.message.contains("future")),
        "{v:?}"
    );
    let kind = IS.replace("information-system", "spreadsheet");
    let v = d.validate(&submission(&kind), date(2026, 3, 19));
    assert_eq!(
        (v[0].field.as_str(), v[0].rule.as_str()),
        ("object_kind", "PL-3")
    );
}

#[test]
fn pl_4_to_pl_9_the_step_graph_carries_roles_and_terms() {
    let d = shipped().select("perechen", date(2026, 3, 19)).unwrap();
    let start = d.start_step();
    assert_eq!(
        (start.id.as_str(), start.rule.as_str()),
        ("ab-check", "PL-4")
    );
    assert_eq!(start.role, egov_kernel::Role::AuthorizedBody);
    assert_eq!(
        start.term.as_ref().unwrap().term(),
        egov_kernel::Term::working_days(5)
    );
    let si = d
        .step(&start.outcome("forward-to-si").unwrap().next[0])
        .unwrap();
    assert_eq!(
        (si.rule.as_str(), si.role),
        ("PL-5", egov_kernel::Role::ServiceIntegrator)
    );
    let decision = d.step("ab-decision").unwrap();
    assert_eq!(
        decision.outcome("include").unwrap().next,
        ["operator-notification", "inclusion-order"]
    );
    assert!(decision.outcome("refuse").unwrap().requires_reasons);
}

#[test]
fn selection_is_by_kind_and_submission_date() {
    let defs = shipped();
    assert_eq!(
        defs.select("perechen", date(2022, 10, 9)).unwrap_err(),
        SelectError::NotInForce {
            kind: "perechen".into(),
            day: date(2022, 10, 9)
        }
    );
    assert!(matches!(
        defs.select("tender", date(2026, 1, 1)),
        Err(SelectError::UnknownKind(_))
    ));
    assert_eq!(defs.get("perechen-353", "1.0.0").unwrap().kind, "perechen");
}

#[test]
fn broken_definitions_are_refused_at_load() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../procedures/perechen-353.toml"
    ))
    .unwrap();
    for (from, to, needle) in [
        (
            r#"next = ["si-recommendation"]"#,
            r#"next = ["nowhere"]"#,
            "unknown step nowhere",
        ),
        ("start = true", "start = false", "exactly one step"),
        (
            r#"version = "1.0.0""#,
            r#"version = "1.0""#,
            "MAJOR.MINOR.PATCH",
        ),
        (
            "count = 5, unit = \"working-days\", from = \"receipt of the state",
            "count = 0, unit = \"working-days\", from = \"receipt of the state",
            "between 1 and",
        ),
    ] {
        assert!(text.contains(from), "{from}");
        let err = Definition::from_toml(&text.replacen(from, to, 1))
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{err}");
    }
}
