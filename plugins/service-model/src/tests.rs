use super::*;

const MANIFEST: &str = include_str!("../../sm-101-2022/manifest.toml");
const CLOSED_MANIFEST: &str = include_str!("../../sm-2023-closed/manifest.toml");
/// A state body, another one (a supplier here) and the ministry: valid BINs.
const AGENCY: &str = "940740000911";
const SUPPLIER: &str = "990140000384";
const MINISTRY: &str = "000740001307";

fn edition() -> Edition {
    Edition {
        id: "sm-101-2022",
        version: "1.0.0",
        title: "",
        manifest: MANIFEST,
        legal_basis: "",
        si_conclusion_days: 15,
    }
}

fn closed_edition() -> Closed {
    Closed {
        id: "sm-2023-closed",
        version: "1.0.0",
        title: "",
        manifest: CLOSED_MANIFEST,
        legal_basis: "",
        refusal: "order 471/НҚ; terms of reference under order 143/НҚ: POST /api/v1/terms-of-reference",
        rule: "LC-8",
    }
}

fn contact() -> Value {
    json!({"surname": "Нурланов", "name": "Арман", "unit": "Department of digitalization",
           "position": "Head of division", "phones": {"work": "+7 7172 74 00 00", "mobile": "+7 701 000 00 00"},
           "email": "a.nurlanov@example.kz"})
}

fn request() -> Value {
    json!({
        "function": "Issuing permits for outdoor advertising",
        "legal_basis": "Rules for issuing permits, p.5-12; State program Digital Kazakhstan, p.3.1",
        "purpose_and_tasks": "Move the intake and review of applications online",
        "scale_and_capacity": "Country level; 20 000 legal persons; 50 000 documents a year",
        "current_situation": "Paper applications, review takes 30 days",
        "expected_results": "Review in 5 days, no paper",
        "restricted_information": {"official_use_documents": false, "state_secrets": false},
        "technical_documentation": {"available": true, "documents": [{"title": "Техническое задание", "reference": "portal:doc/77"}]},
        "information_systems": "None; the e-document system is used for correspondence only",
        "contacts": [contact()],
        "scope": {"national_bank": false}
    })
}

fn application() -> Value {
    json!({"state_body_bin": AGENCY, "activity": "Issuing permits", "justification": "A ready product",
           "contacts": [contact()], "scope": {"state_secrets": false, "national_bank": false}})
}

fn rules(v: &[Violation]) -> Vec<(&str, &str)> {
    v.iter()
        .map(|x| (x.field.as_str(), x.rule.as_str()))
        .collect()
}

fn validate(intake: &str, s: &Value) -> Vec<Violation> {
    validate_intake(intake, &s.to_string(), "2022-12-30")
}

fn at(day: &str) -> String {
    format!("{day}T10:00:00+06:00")
}

fn submitted(intake: &str, s: &Value, role: &str, org: &str, day: &str) -> Input {
    Input::Submitted(Submitted {
        intake: intake.into(),
        submission: s.to_string(),
        by: party_of(role, org),
        at: at(day),
    })
}

fn done(task: &str, outcome: &str, inputs: Value, reasons: &[&str], by: &str) -> Input {
    Input::TaskCompleted(TaskCompleted {
        task: task.into(),
        outcome: outcome.into(),
        inputs: inputs.to_string(),
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
        by: party_of(by, MINISTRY),
        at: at("2023-01-06"),
    })
}

fn criteria(met: [bool; 3]) -> Value {
    json!({
        "expediency": {"met": met[0], "analysis": "The Rules for issuing permits regulate it"},
        "feasibility": {"met": met[1], "analysis": "Achievable on the platform"},
        "no_duplicates": {"met": met[2], "analysis": "No such object in the portal"}
    })
}

fn design_assignment() -> Value {
    Value::Object(
        ITEMS
            .iter()
            .map(|i| (i.key.to_owned(), json!(format!("item {} text", i.number))))
            .collect(),
    )
}

fn checked(
    step: &str,
    outcome: &str,
    inputs: Value,
    reasons: &[&str],
) -> Result<Accepted, Vec<Violation>> {
    let reasons: Vec<String> = reasons.iter().map(|r| r.to_string()).collect();
    check(&Completion {
        step,
        outcome,
        inputs: &inputs,
        reasons: &reasons,
    })
}

fn party_name(p: &Party) -> String {
    match &p.org {
        Some(o) => format!("{}:{o}", p.role),
        None => p.role.clone(),
    }
}

/// The tasks opened, with their party when given (`role:org`).
fn opened(r: &Reaction) -> Vec<(String, Option<String>)> {
    r.effects
        .iter()
        .filter_map(|e| match e {
            Effect::OpenTask(t) => Some((t.key.clone(), t.party.as_ref().map(party_name))),
            _ => None,
        })
        .collect()
}

fn status(r: &Reaction) -> Option<String> {
    r.effects.iter().find_map(|e| match e {
        Effect::SetStatus(s) => Some(s.clone()),
        _ => None,
    })
}

fn notified(r: &Reaction) -> Vec<String> {
    r.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some(party_name(&n.party)),
            _ => None,
        })
        .collect()
}

#[test]
fn sm_ord_5_and_amb_x1_the_editions_take_their_periods_from_their_manifests() {
    assert_eq!(
        manifest_period(MANIFEST),
        Ok(("2022-04-10".into(), Some("2022-12-31".into())))
    );
    assert_eq!(
        manifest_period(CLOSED_MANIFEST),
        Ok(("2023-01-01".into(), None))
    );
    let m = metadata(&edition());
    assert_eq!(
        (
            m.effective_from.as_str(),
            m.effective_to.as_deref(),
            m.kind.as_str()
        ),
        ("2022-04-10", Some("2022-12-31"), "service-model")
    );
    let c = closed_metadata(&closed_edition());
    assert_eq!(
        (
            c.effective_from.as_str(),
            c.effective_to.as_deref(),
            c.kind.as_str()
        ),
        ("2023-01-01", None, "service-model")
    );
    // The same intakes at the same URLs (one segment of names each), so that a submission at
    // the same path reaches whichever edition is in force on its day.
    let shape = |m: &Metadata| {
        m.intakes
            .iter()
            .map(|i| (i.name.clone(), i.path.clone(), i.role.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(&m), shape(&c));
    for i in &m.intakes {
        assert!(
            !i.path.contains('/') && i.path.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{}",
            i.path
        );
    }
    assert_eq!(
        rules_of(&m),
        [
            ("request", "automation-requests", "state-body", "SM-8.a"),
            (
                "supplier-application",
                "supplier-automation-applications",
                "supplier",
                "SM-8.b"
            ),
            (
                "operator-application",
                "operator-automation-applications",
                "operator",
                "SM-8.b"
            ),
            (
                "development",
                "ict-service-development-requests",
                "state-body",
                "SM-90"
            ),
        ]
    );
}

fn rules_of(m: &Metadata) -> Vec<(&str, &str, &str, &str)> {
    m.intakes
        .iter()
        .map(|i| {
            (
                i.name.as_str(),
                i.path.as_str(),
                i.role.as_str(),
                i.rule.as_str(),
            )
        })
        .collect()
}

#[test]
fn sm_f1_the_form_has_the_ten_sections_of_appendix_1_each_required_and_described() {
    let form = request_form();
    let required: Vec<&str> = form["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        required,
        [
            "function",
            "legal_basis",
            "purpose_and_tasks",
            "scale_and_capacity",
            "current_situation",
            "expected_results",
            "restricted_information",
            "technical_documentation",
            "information_systems",
            "contacts",
            "scope"
        ]
    );
    for s in &SECTIONS {
        let p = &form["properties"][s.key];
        let title = p["title"].as_str().unwrap();
        assert!(
            title.starts_with(&format!("{}. {}", s.number, s.name)),
            "{title}"
        );
        assert!(p["description"].as_str().unwrap().contains(s.guidance));
        assert!(p["x-rule"].is_string());
    }
    assert_eq!(
        form["properties"]["restricted_information"]["properties"]["state_secrets"]["x-rule"],
        "SM-3.a"
    );
    // Section 8: each document a reference and a title, one line each.
    let doc = &form["properties"]["technical_documentation"]["properties"]["documents"]["items"];
    assert_eq!(doc["properties"]["reference"]["x-line"], true);
    assert_eq!(doc["properties"]["title"]["x-line"], true);
    // Section 10: the patronymic is the one optional part («при его наличии»).
    let person = &form["properties"]["contacts"]["items"];
    assert_eq!(
        person["required"],
        json!(["surname", "name", "unit", "position", "phones", "email"])
    );
    assert!(person["properties"]["patronymic"].is_object());
}

#[test]
fn sm_f1_a_complete_request_is_valid() {
    assert!(validate(REQUEST, &request()).is_empty());
    // No technical documentation is an answer too («в случае наличия»).
    let mut r = request();
    r["technical_documentation"] = json!({"available": false});
    assert!(validate(REQUEST, &r).is_empty());
}

#[test]
fn sm_f1_a_missing_section_is_named_with_its_name_and_guidance() {
    for s in &SECTIONS {
        let mut r = request();
        r.as_object_mut().unwrap().remove(s.key);
        let v = validate(REQUEST, &r);
        assert_eq!(rules(&v)[0], (s.key, "SM-F1"), "{}", s.key);
        assert!(v[0].message.contains(s.name), "{}", v[0].message);
        assert!(v[0].message.contains(s.guidance), "{}", v[0].message);
    }
    let mut r = request();
    r["expected_results"] = json!("  ");
    assert_eq!(
        rules(&validate(REQUEST, &r)),
        [("expected_results", "SM-F1")]
    );
    r = request();
    r["contacts"] = json!([]);
    assert_eq!(rules(&validate(REQUEST, &r)), [("contacts", "SM-F1")]);
}

#[test]
fn sm_f1_section_8_documents_agree_with_their_availability_and_section_10_is_complete() {
    let mut r = request();
    r["technical_documentation"] = json!({"available": true, "documents": []});
    assert_eq!(
        rules(&validate(REQUEST, &r)),
        [("technical_documentation.documents", "SM-F1")]
    );
    r["technical_documentation"] =
        json!({"available": false, "documents": [{"title": "ТЭО", "reference": "portal:doc/1"}]});
    assert_eq!(
        rules(&validate(REQUEST, &r)),
        [("technical_documentation.available", "SM-F1")]
    );
    r = request();
    r["contacts"][0]["phones"]["mobile"] = json!("");
    assert_eq!(
        rules(&validate(REQUEST, &r)),
        [("contacts[0].phones.mobile", "SM-F1")]
    );
}

#[test]
fn sm_3_a_state_secrets_put_the_request_out_of_the_rules() {
    let mut r = request();
    r["restricted_information"]["state_secrets"] = json!(true);
    let v = validate(REQUEST, &r);
    assert_eq!(
        rules(&v),
        [("restricted_information.state_secrets", "SM-3.a")]
    );
    assert!(
        v[0].message.contains("государственным секретам"),
        "{}",
        v[0].message
    );
    // Documents for official use alone are no ground.
    let mut r = request();
    r["restricted_information"]["official_use_documents"] = json!(true);
    assert!(validate(REQUEST, &r).is_empty());
    // An application (SM-8.b) answers it in its scope.
    let mut a = application();
    a["scope"]["state_secrets"] = json!(true);
    assert_eq!(
        rules(&validate(SUPPLIER_APPLICATION, &a)),
        [("scope.state_secrets", "SM-3.a")]
    );
}

#[test]
fn sm_3_b_the_national_bank_only_with_an_information_system_integrating_with_egov_ici() {
    let mut r = request();
    r["scope"] = json!({"national_bank": true, "integrates_with_egov_ici": false});
    let v = validate(REQUEST, &r);
    assert_eq!(rules(&v), [("scope.national_bank", "SM-3.b")]);
    assert!(
        v[0].message.contains("Национального Банка"),
        "{}",
        v[0].message
    );
    r["scope"] = json!({"national_bank": true});
    assert_eq!(
        rules(&validate(REQUEST, &r)),
        [("scope.integrates_with_egov_ici", "SM-3.b")]
    );
    // The exception: an information system that integrates stays in scope.
    r["scope"] = json!({"national_bank": true, "integrates_with_egov_ici": true});
    assert!(validate(REQUEST, &r).is_empty());
    let mut a = application();
    a["scope"] =
        json!({"state_secrets": false, "national_bank": true, "integrates_with_egov_ici": false});
    assert_eq!(
        rules(&validate(OPERATOR_APPLICATION, &a)),
        [("scope.national_bank", "SM-3.b")]
    );
}

#[test]
fn sm_8_b_an_application_names_the_state_body_by_a_valid_bin() {
    assert!(validate(SUPPLIER_APPLICATION, &application()).is_empty());
    assert!(bin_is_valid(AGENCY) && bin_is_valid(SUPPLIER) && bin_is_valid(MINISTRY));
    let mut a = application();
    a["state_body_bin"] = json!("940740000912");
    assert_eq!(
        rules(&validate(SUPPLIER_APPLICATION, &a)),
        [("state_body_bin", "SM-8.b")]
    );
    a = application();
    a["justification"] = json!("");
    assert_eq!(
        rules(&validate(OPERATOR_APPLICATION, &a)),
        [("justification", "SM-8.b")]
    );
    let form = application_form("оператора");
    assert!(form["description"].as_str().unwrap().contains("AMB-SM-1"));
}

#[test]
fn sm_90_a_development_request_names_the_service_the_development_and_why() {
    let d = json!({"ict_service": "E-permits", "development": "Add appeals", "justification": "New rules"});
    assert!(validate(DEVELOPMENT, &d).is_empty());
    assert_eq!(
        rules(&validate(DEVELOPMENT, &json!({"ict_service": "E-permits"}))),
        [("development", "SM-90"), ("justification", "SM-90")]
    );
}

#[test]
fn sm_11_the_outcome_follows_the_three_criteria() {
    assert_eq!(
        checked("si-conclusion", "positive", criteria([true; 3]), &[]).ok(),
        Some(Accepted {
            reasons: vec![],
            decision: json!({"criteria": criteria([true; 3]), "not_met": []})
        })
    );
    let v = checked(
        "si-conclusion",
        "positive",
        criteria([true, true, false]),
        &[],
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("outcome", "SM-11")]);
    assert!(
        v[0].message.contains("3) no_duplicates"),
        "{}",
        v[0].message
    );
    let v = checked("si-conclusion", "negative", criteria([true; 3]), &["no"]).unwrap_err();
    assert_eq!(rules(&v), [("outcome", "SM-11")]);
    let v = checked(
        "si-conclusion",
        "negative",
        criteria([false, true, true]),
        &[],
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("reasons", "SM-11")]);
    // A negative conclusion with its reasons: the criteria not met are explained.
    let a = checked(
        "si-conclusion",
        "negative",
        criteria([false, true, true]),
        &["not expedient"],
    )
    .unwrap();
    assert_eq!(a.decision["not_met"], json!(["expediency"]));
    assert!(
        a.reasons[0].starts_with("SM-11: criterion 1) not met («целесообразность"),
        "{:?}",
        a.reasons
    );
}

#[test]
fn sm_11_the_criteria_are_checked_strictly_each_violation_naming_its_path() {
    let mut c = criteria([true; 3]);
    c.as_object_mut().unwrap().remove("feasibility");
    let v = checked("si-conclusion", "positive", c, &[]).unwrap_err();
    assert_eq!(rules(&v), [("inputs.feasibility", "SM-11")]);
    assert!(v[0].message.contains("реализуемость"), "{}", v[0].message);
    let mut c = criteria([true; 3]);
    c["expediency"]["met"] = json!("true");
    c["no_duplicates"]["analysis"] = json!(" ");
    c["no_duplicates"]["score"] = json!(3);
    c["opinion"] = json!("fine");
    let v = checked("si-conclusion", "positive", c, &[]).unwrap_err();
    assert_eq!(
        rules(&v),
        [
            ("inputs.opinion", "SM-11"),
            ("inputs.expediency.met", "SM-11"),
            ("inputs.no_duplicates.score", "SM-11"),
            ("inputs.no_duplicates.analysis", "SM-11"),
        ]
    );
    let v = checked("si-conclusion", "positive", json!({}), &[]).unwrap_err();
    assert_eq!(v.len(), 3);
}

#[test]
fn sm_13_a_refusal_states_its_reasons_and_the_decision_takes_no_inputs() {
    let v = checked("ab-decision", "refuse", json!({}), &[]).unwrap_err();
    assert_eq!(rules(&v), [("reasons", "SM-13.b")]);
    let v = checked("ab-decision", "refuse", json!({}), &["  "]).unwrap_err();
    assert_eq!(rules(&v), [("reasons", "SM-13.b")]);
    assert!(checked("ab-decision", "refuse", json!({}), &["duplicates an IS"]).is_ok());
    assert!(checked("ab-decision", "agree", json!({}), &[]).is_ok());
    let v = checked("ab-decision", "agree", json!({"note": "x"}), &[]).unwrap_err();
    assert_eq!(rules(&v), [("inputs", "SM-13")]);
    let v = checked("ab-decision", "approve", json!({}), &[]).unwrap_err();
    assert_eq!(rules(&v), [("outcome", "")]);
}

#[test]
fn sm_19_each_missing_item_is_named_with_its_content() {
    assert!(checked("design-assignment", "submitted", design_assignment(), &[]).is_ok());
    let mut da = design_assignment();
    da.as_object_mut()
        .unwrap()
        .remove("supplier_selection_criteria");
    da["ict_service_cost_ceiling"] = json!("");
    let v = checked("design-assignment", "submitted", da, &[]).unwrap_err();
    assert_eq!(
        rules(&v),
        [
            ("inputs.ict_service_cost_ceiling", "SM-19"),
            ("inputs.supplier_selection_criteria", "SM-19")
        ]
    );
    assert!(
        v[0].message.contains("item 3)") && v[0].message.contains("предельная стоимость ИК-услуги")
    );
    assert!(
        v[1].message.contains("item 12)") && v[1].message.contains("критерии отбора поставщика")
    );
    let mut da = design_assignment();
    da["general_information"] = json!(12);
    da["budget"] = json!("x");
    assert_eq!(
        rules(&checked("design-assignment", "submitted", da, &[]).unwrap_err()),
        [
            ("inputs.general_information", "SM-19"),
            ("inputs.budget", "SM-19")
        ]
    );
    // All fourteen, numbered in the order of p.19.
    assert_eq!(ITEMS.len(), 14);
    assert!(
        ITEMS
            .iter()
            .enumerate()
            .all(|(i, x)| x.number as usize == i + 1)
    );
}

#[test]
fn sm_91_and_sm_92_the_conclusion_and_the_decision() {
    assert!(checked("si-analysis", "positive", json!({}), &[]).is_ok());
    assert_eq!(
        rules(&checked("si-analysis", "negative", json!({}), &[]).unwrap_err()),
        [("reasons", "SM-91.b")]
    );
    for (d, _) in DECISIONS {
        assert!(checked("discussion", "decided", json!({"decision": d}), &[]).is_ok());
    }
    assert_eq!(
        rules(&checked("discussion", "decided", json!({"decision": "tender"}), &[]).unwrap_err()),
        [("inputs.decision", "SM-92")]
    );
    assert_eq!(
        rules(
            &checked(
                "discussion",
                "decided",
                json!({"decision": "develop", "x": 1}),
                &[]
            )
            .unwrap_err()
        ),
        [("inputs.x", "SM-92")]
    );
    assert_eq!(
        rules(&checked("discussion", "decided", json!({}), &[]).unwrap_err()),
        [("inputs.decision", "SM-92")]
    );
    assert_eq!(
        rules(&checked("da-approval", "returned", json!({}), &[]).unwrap_err()),
        [("reasons", "SM-42")]
    );
}

#[test]
fn the_request_runs_to_an_approved_design_assignment_through_a_returned_round() {
    let r = react(
        "null",
        &submitted(REQUEST, &request(), "state-body", AGENCY, "2022-12-30"),
    )
    .unwrap();
    assert_eq!(opened(&r), [("si-conclusion".into(), None)]);
    assert_eq!(notified(&r), ["authorized-body"]);
    // A completion that fails its check is refused: nothing changes.
    let bad = done(
        "si-conclusion",
        "positive",
        criteria([true, false, true]),
        &[],
        "service-integrator",
    );
    assert!(react(&r.state, &bad).is_err());
    let r = react(
        &r.state,
        &done(
            "si-conclusion",
            "positive",
            criteria([true; 3]),
            &[],
            "service-integrator",
        ),
    )
    .unwrap();
    assert_eq!(opened(&r), [("ab-decision".into(), None)]);
    // SM-13 without reasons is refused; then agreed: the state body is told.
    assert!(
        react(
            &r.state,
            &done("ab-decision", "refuse", json!({}), &[], "authorized-body")
        )
        .is_err()
    );
    let r = react(
        &r.state,
        &done("ab-decision", "agree", json!({}), &[], "authorized-body"),
    )
    .unwrap();
    assert_eq!(opened(&r), [("design-assignment".into(), None)]);
    assert_eq!(status(&r).as_deref(), Some("agreed"));
    assert_eq!(notified(&r), [format!("state-body:{AGENCY}")]);
    // SM-19: an item missing refuses the design assignment.
    let mut da = design_assignment();
    da.as_object_mut().unwrap().remove("ppp_conditions");
    assert!(
        react(
            &r.state,
            &done(
                "design-assignment",
                "submitted",
                da,
                &[],
                "service-integrator"
            )
        )
        .is_err()
    );
    let r = react(
        &r.state,
        &done(
            "design-assignment",
            "submitted",
            design_assignment(),
            &[],
            "service-integrator",
        ),
    )
    .unwrap();
    assert_eq!(
        opened(&r),
        [("da-approval".into(), Some(format!("state-body:{AGENCY}")))]
    );
    // Returned: the next round of the design assignment, then of its approval.
    let r = react(
        &r.state,
        &done(
            "da-approval",
            "returned",
            json!({}),
            &["item 12 too vague"],
            "state-body",
        ),
    )
    .unwrap();
    assert_eq!(opened(&r), [("design-assignment~2".into(), None)]);
    let r = react(
        &r.state,
        &done(
            "design-assignment~2",
            "submitted",
            design_assignment(),
            &[],
            "service-integrator",
        ),
    )
    .unwrap();
    assert_eq!(
        opened(&r),
        [("da-approval~2".into(), Some(format!("state-body:{AGENCY}")))]
    );
    let r = react(
        &r.state,
        &done("da-approval~2", "approved", json!({}), &[], "state-body"),
    )
    .unwrap();
    assert_eq!(status(&r).as_deref(), Some("design-assignment-approved"));
    let entry = r
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::PutEntry(e) => Some(e.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(entry.registry, DESIGN_ASSIGNMENTS);
    assert_eq!(entry.key, format!("{AGENCY}/2022-12-30T10:00:00+06:00"));
    let body: Value = serde_json::from_str(&entry.body).unwrap();
    assert_eq!(body["customer"], AGENCY);
    assert_eq!(body["design_assignment"], design_assignment());
    assert_eq!(body["approved_on"], "2023-01-06");
    // SM-42: the approval starts the tender case, through its intake `design-assignment`, with
    // the entry's body and key.
    let starts: Vec<&StartCase> = r
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::StartCase(s) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(starts.len(), 1);
    assert_eq!(
        (starts[0].procedure.as_str(), starts[0].link.as_str()),
        ("tender", "design-assignment")
    );
    let mut expected = body.clone();
    expected["design_assignment_key"] = json!(entry.key);
    assert_eq!(
        serde_json::from_str::<Value>(&starts[0].submission).unwrap(),
        expected
    );
    // After the entry and the SI's notice.
    assert!(matches!(
        &r.effects[..],
        [
            ..,
            Effect::PutEntry(_),
            Effect::Notify(_),
            Effect::StartCase(_)
        ]
    ));
    let st: GraphState = serde_json::from_str(&r.state).unwrap();
    assert!(st.open.is_empty());
}

#[test]
fn amb_sm_4_an_application_s_decision_goes_to_the_state_body_and_the_applicant() {
    let r = react(
        "null",
        &submitted(
            SUPPLIER_APPLICATION,
            &application(),
            "supplier",
            SUPPLIER,
            "2022-06-01",
        ),
    )
    .unwrap();
    assert_eq!(opened(&r), [("si-conclusion".into(), None)]);
    let r = react(
        &r.state,
        &done(
            "si-conclusion",
            "negative",
            criteria([true, true, false]),
            &["duplicates e-Permits"],
            "service-integrator",
        ),
    )
    .unwrap();
    assert!(
        matches!(&r.effects[..], [Effect::OpenTask(_), Effect::Explain(x)] if !x.reasons.is_empty())
    );
    let r = react(
        &r.state,
        &done(
            "ab-decision",
            "refuse",
            json!({}),
            &["duplicates e-Permits"],
            "authorized-body",
        ),
    )
    .unwrap();
    assert_eq!(status(&r).as_deref(), Some("refused"));
    assert!(opened(&r).is_empty());
    assert_eq!(
        notified(&r),
        [
            format!("state-body:{AGENCY}"),
            format!("supplier:{SUPPLIER}")
        ]
    );
    // An agreed application: the customer approving the design assignment is the state body
    // concerned, not the applicant.
    let r = react(
        "null",
        &submitted(
            OPERATOR_APPLICATION,
            &application(),
            "operator",
            SUPPLIER,
            "2022-06-01",
        ),
    )
    .unwrap();
    let r = react(
        &r.state,
        &done(
            "si-conclusion",
            "positive",
            criteria([true; 3]),
            &[],
            "service-integrator",
        ),
    )
    .unwrap();
    let r = react(
        &r.state,
        &done("ab-decision", "agree", json!({}), &[], "authorized-body"),
    )
    .unwrap();
    assert_eq!(
        notified(&r),
        [
            format!("state-body:{AGENCY}"),
            format!("operator:{SUPPLIER}")
        ]
    );
    let r = react(
        &r.state,
        &done(
            "design-assignment",
            "submitted",
            design_assignment(),
            &[],
            "service-integrator",
        ),
    )
    .unwrap();
    assert_eq!(
        opened(&r),
        [("da-approval".into(), Some(format!("state-body:{AGENCY}")))]
    );
}

#[test]
fn sm_91_and_amb_sm_14_the_development_path_to_the_discussion_or_closed() {
    let d = json!({"ict_service": "E-permits", "development": "Add appeals", "justification": "New rules"});
    let r0 = react(
        "null",
        &submitted(DEVELOPMENT, &d, "state-body", AGENCY, "2022-06-01"),
    )
    .unwrap();
    assert_eq!(opened(&r0), [("si-analysis".into(), None)]);
    let r = react(
        &r0.state,
        &done(
            "si-analysis",
            "positive",
            json!({}),
            &[],
            "service-integrator",
        ),
    )
    .unwrap();
    assert_eq!(opened(&r), [("discussion".into(), None)]);
    let all = vec![
        "authorized-body".to_owned(),
        format!("state-body:{AGENCY}"),
        "operator".into(),
    ];
    assert_eq!(notified(&r), all);
    assert!(
        react(
            &r.state,
            &done(
                "discussion",
                "decided",
                json!({"decision": "maybe"}),
                &[],
                "service-integrator"
            )
        )
        .is_err()
    );
    let end = react(
        &r.state,
        &done(
            "discussion",
            "decided",
            json!({"decision": "develop-and-replace-supplier"}),
            &[],
            "service-integrator",
        ),
    )
    .unwrap();
    assert_eq!(
        status(&end).as_deref(),
        Some("develop-and-replace-supplier")
    );
    assert_eq!(notified(&end).len(), 3);
    // A negative conclusion closes the request; the customer is among those told.
    let r = react(
        &r0.state,
        &done(
            "si-analysis",
            "negative",
            json!({}),
            &["not expedient"],
            "service-integrator",
        ),
    )
    .unwrap();
    assert_eq!(status(&r).as_deref(), Some("closed"));
    assert!(opened(&r).is_empty());
    assert_eq!(notified(&r), all);
}

#[test]
fn the_described_steps_are_the_graph_s_with_their_terms() {
    let s = steps(&edition());
    let described: std::collections::BTreeSet<&str> = s.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(graph().steps(), described);
    let term = |id: &str| {
        s.iter()
            .find(|x| x.id == id)
            .unwrap()
            .term
            .as_ref()
            .map(|t| (t.count, t.start.clone()))
    };
    let (n, start) = term("si-conclusion").unwrap();
    assert_eq!(n, 15);
    assert!(start.contains("AMB-SM-3") && start.contains("service level"));
    assert_eq!(term("ab-decision").unwrap().0, 3);
    let (n, start) = term("design-assignment").unwrap();
    assert_eq!(n, 20);
    assert!(start.contains("AMB-SM-7"));
    assert_eq!(term("si-analysis").unwrap().0, 15);
    assert!(term("da-approval").is_none() && term("discussion").is_none());
    // The SI's service level is the edition's.
    let e = Edition {
        si_conclusion_days: 10,
        ..edition()
    };
    assert_eq!(steps(&e)[0].term.as_ref().unwrap().count, 10);
    // Every outcome described is checked, and every step is an expertise step.
    for x in &s {
        assert_eq!(x.service, "expertise");
        let names: Vec<&str> = x.outcomes.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, outcomes_of(&x.id), "{}", x.id);
    }
}

#[test]
fn lc_8_the_closed_edition_refuses_every_submission_with_the_rule_in_force() {
    let c = closed_edition();
    let m = closed_metadata(&c);
    for i in &m.intakes {
        assert_eq!(
            serde_json::from_str::<Value>(&i.form).unwrap(),
            json!({"type": "object", "x-rule": "LC-8"})
        );
    }
    assert_eq!(rules(&closed_validate(&c)), [("", "LC-8")]);
}
