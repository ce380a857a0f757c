//! The automation path of the service-model Rules (SM: the Rules for implementing the service
//! model of informatization, approved by order No. 129 of 28.01.2016, as amended by order of
//! the MDDIAI No. 101/НҚ of 31.03.2022), and what takes its intakes once those Rules were
//! restated (AMB-X1).
//!
//! Editions differ in their [`Edition`]; everything else is the procedure:
//! - `form`: the intakes (SM-8.a with the request of Appendix 1, SM-F1; SM-8.b; SM-90) and
//!   what `validate` checks beyond their schemas (SM-3, SM-F1, SM-8.b);
//! - `check`: what each step's completion must carry (SM-11, SM-13, SM-19, SM-91, SM-92).
//!
//! The steps: the SI's conclusion (SM-11), the AB's decision (SM-13), the design assignment
//! (SM-18, SM-19) and its approval by the customer (AMB-SM-8), which writes the registry entry
//! `design-assignments` and starts the tender case from it (`start-case` of kind `tender`, its
//! intake `design-assignment`: SM-42); and, for the development of an ICT service (SM-90), the
//! SI's analysis (SM-91) and the discussion (SM-92).
//!
//! [`Closed`] is the edition in force from 1 January 2023, when order 471/НҚ restated order
//! No. 129 as the Rules for the creation, development, operation and acquisition of
//! e-government informatization objects and ICT services, which have no automation request: it
//! keeps the intakes' paths and refuses every submission, pointing to the terms of reference
//! (LC-8, LC-34).

mod check;
mod form;

use egov_plugin_sdk::*;
use serde_json::{Value, json};

pub use check::{
    Accepted, CRITERIA, Completion, Criterion, DECISIONS, ITEMS, Item, check, conclusion_schema,
    design_assignment_schema, discussion_schema, outcomes_of,
};
pub use form::{
    REQUEST_TITLE, SECTIONS, SM_3_A, SM_3_B, Section, application_form, bin_is_valid,
    development_form, request_form, section, validate_intake,
};

/// The procedure kind.
pub const KIND: &str = "service-model";

/// The state body's request (SM-8.a): `POST /api/v1/automation-requests`.
pub const REQUEST: &str = "request";
/// A potential supplier's application (SM-8.b): `POST /api/v1/supplier-automation-applications`.
pub const SUPPLIER_APPLICATION: &str = "supplier-application";
/// The operator's application (SM-8.b): `POST /api/v1/operator-automation-applications`.
pub const OPERATOR_APPLICATION: &str = "operator-application";
/// The customer's request to develop an ICT service (SM-90):
/// `POST /api/v1/ict-service-development-requests`.
pub const DEVELOPMENT: &str = "development";

/// The intakes: name, path (one URL segment under `/api/v1/`), role, rule.
pub const INTAKES: [(&str, &str, &str, &str); 4] = [
    (REQUEST, "automation-requests", "state-body", "SM-8.a"),
    (
        SUPPLIER_APPLICATION,
        "supplier-automation-applications",
        "supplier",
        "SM-8.b",
    ),
    (
        OPERATOR_APPLICATION,
        "operator-automation-applications",
        "operator",
        "SM-8.b",
    ),
    (
        DEVELOPMENT,
        "ict-service-development-requests",
        "state-body",
        "SM-90",
    ),
];

/// The registry the approval of a design assignment writes: the event the tender procedure
/// (SM-42) starts from.
pub const DESIGN_ASSIGNMENTS: &str = "design-assignments";
/// The procedure kind of the tender an approved design assignment starts (SM-42), and the
/// intake of that procedure its `start-case` names.
pub const TENDER_KIND: &str = "tender";
pub const TENDER_LINK: &str = "design-assignment";
/// The registry of development requests (SM-90), each linked by its `ict_service` to the
/// Catalog entry it names, with where it stands (SM-91.b, SM-92).
pub const DEVELOPMENT_REQUESTS: &str = "ict-service-development-requests";

/// What one edition sets.
pub struct Edition {
    pub id: &'static str,
    pub version: &'static str,
    pub title: &'static str,
    /// The edition's deployment manifest (`include_str!("../manifest.toml")`): its
    /// `effective_from` / `effective_to` are the period the edition is in force.
    pub manifest: &'static str,
    pub legal_basis: &'static str,
    /// SM-11: the SI's conclusion on automation. The Rules set it no term (p.12, which probably
    /// held it, was excluded: AMB-SM-3), so this is a service level, in working days from the
    /// receipt of the request or application, not a legal term.
    pub si_conclusion_days: u32,
}

fn period(manifest: &str) -> (String, Option<String>) {
    manifest_period(manifest).unwrap_or_else(|why| (format!("(invalid manifest: {why})"), None))
}

fn intake_title(name: &str) -> String {
    match name {
        REQUEST => REQUEST_TITLE.to_owned(),
        SUPPLIER_APPLICATION => "Заявка потенциального поставщика на автоматизацию деятельности государственного органа — a potential supplier's application for automation of a state body's activity (SM-8.b; minimal form, Appendix 2 is not in the text: AMB-SM-1)".to_owned(),
        OPERATOR_APPLICATION => "Заявка оператора на автоматизацию деятельности государственного органа — the operator's application for automation of a state body's activity (SM-8.b; minimal form, Appendix 2 is not in the text: AMB-SM-1)".to_owned(),
        _ => "Запрос на развитие ИК-услуги — the customer's request for development of the ICT service (SM-90)".to_owned(),
    }
}

/// The edition's metadata. Its period comes from the edition's manifest; a manifest without a
/// valid period yields an effective-from the host cannot read, so the revision is refused at
/// load with the reason (never a guessed date).
pub fn metadata(e: &Edition) -> Metadata {
    let (effective_from, effective_to) = period(e.manifest);
    Metadata {
        id: e.id.into(),
        kind: KIND.into(),
        version: e.version.into(),
        title: e.title.into(),
        effective_from,
        effective_to,
        legal_basis: e.legal_basis.into(),
        intakes: INTAKES
            .iter()
            .map(|(name, path, role, rule)| {
                let form = match *name {
                    REQUEST => request_form(),
                    SUPPLIER_APPLICATION => application_form("потенциального поставщика"),
                    OPERATOR_APPLICATION => application_form("оператора"),
                    _ => development_form(),
                };
                intake(name, &intake_title(name), path, role, rule, form)
            })
            .collect(),
    }
}

/// SM-11 to SM-19 and SM-91, SM-92. Terms count from the day the acting party received the
/// matter (AMB-X2), by the one calendar.
pub fn steps(e: &Edition) -> Vec<Step> {
    use Unit::WorkingDays;
    vec![
        step(
            "si-conclusion",
            "Conclusion on automation of the state body's activity (заключение на автоматизацию деятельности государственного органа)",
            "service-integrator",
            "expertise",
            "SM-11",
        )
        .term(
            e.si_conclusion_days,
            WorkingDays,
            "receipt of the request or application (SM-8); a service level per AMB-SM-3, not a legal term: the Rules set none (p.12 was excluded)",
        )
        .inputs(conclusion_schema())
        .outcome(outcome("positive", "Positive: all three criteria of p.11 are met"))
        .outcome(
            outcome("negative", "Negative: a criterion of p.11 is not met, with reasons")
                .with_reasons(),
        ),
        step(
            "ab-decision",
            "Agreement of the possibility of automation, or refusal, and notification of the state body",
            "authorized-body",
            "expertise",
            "SM-13",
        )
        .term(
            3,
            WorkingDays,
            "receipt of the service integrator's conclusion on automation (SM-11)",
        )
        .outcome(
            outcome("agree", "The possibility of automation is agreed").rule("SM-13.a"),
        )
        .outcome(
            outcome("refuse", "Automation is refused, with reasons")
                .with_reasons()
                .rule("SM-13.b"),
        ),
        step(
            "design-assignment",
            "Development of the design assignment for the ICT service (задание на проектирование ИК-услуги)",
            "service-integrator",
            "expertise",
            "SM-18",
        )
        .term(
            20,
            WorkingDays,
            "receipt of the notification of the need to organize creation of the ICT service, read as the authorized body's agreement (SM-13.a, AMB-SM-7)",
        )
        .inputs(design_assignment_schema())
        .outcome(outcome("submitted", "Design assignment developed (the 14 items of p.19)").rule("SM-19")),
        step(
            "da-approval",
            "Approval of the design assignment by the customer of the ICT service (AMB-SM-8: the Rules say neither who approves nor when)",
            "state-body",
            "expertise",
            "SM-42",
        )
        .outcome(outcome("approved", "Design assignment approved"))
        .outcome(outcome("returned", "Returned to the service integrator for rework, with reasons").with_reasons()),
        step(
            "si-analysis",
            "Analysis of the expediency of developing the ICT service and conclusion on its development",
            "service-integrator",
            "expertise",
            "SM-91.a",
        )
        .term(
            15,
            WorkingDays,
            "receipt of the request for development of the ICT service (SM-90)",
        )
        .outcome(
            outcome("positive", "Positive conclusion on development of the ICT service").rule("SM-91.b"),
        )
        .outcome(
            outcome("negative", "Negative conclusion on development of the ICT service, with reasons")
                .with_reasons()
                .rule("SM-91.b"),
        ),
        step(
            "discussion",
            "Discussion of developing the ICT service and/or replacing the supplier, with the customer, the authorized body and the operator, for a decision",
            "service-integrator",
            "expertise",
            "SM-92",
        )
        .inputs(discussion_schema())
        .outcome(outcome("decided", "Decision taken")),
    ]
}

/// The routing of SM-8 to SM-19 and SM-90 to SM-92.
pub fn graph() -> Graph {
    Graph::new()
        .start_on(REQUEST, &["si-conclusion"])
        .start_on(SUPPLIER_APPLICATION, &["si-conclusion"])
        .start_on(OPERATOR_APPLICATION, &["si-conclusion"])
        .start_on(DEVELOPMENT, &["si-analysis"])
        // SM-13: the AB decides on receipt of the conclusion, whichever it is.
        .on("si-conclusion", "positive", Go::to(&["ab-decision"]))
        .on("si-conclusion", "negative", Go::to(&["ab-decision"]))
        // SM-18 (AMB-SM-7): the agreement is the notification the design assignment's term runs
        // from.
        .on(
            "ab-decision",
            "agree",
            Go::to(&["design-assignment"]).status("agreed"),
        )
        .on("ab-decision", "refuse", Go::end().status("refused"))
        .on("design-assignment", "submitted", Go::to(&["da-approval"]))
        .on(
            "da-approval",
            "approved",
            Go::end().status("design-assignment-approved"),
        )
        // A returned design assignment is the next round of its development.
        .on("da-approval", "returned", Go::to(&["design-assignment"]))
        .on("si-analysis", "positive", Go::to(&["discussion"]))
        // AMB-SM-14: a negative conclusion closes the request (the customer is notified).
        .on("si-analysis", "negative", Go::end().status("closed"))
        // SM-92: the decision is the status (the hook sets it).
        .on("discussion", "decided", Go::end())
}

/// Who the case concerns, kept at submission in the graph state's `data`.
fn parties_of(st: &GraphState) -> (Option<String>, Option<Party>) {
    let bin = st.data["state_body"].as_str().map(str::to_owned);
    let applicant = st.data["applicant"]["role"].as_str().map(|r| Party {
        role: r.to_owned(),
        org: st.data["applicant"]["org"].as_str().map(str::to_owned),
    });
    (bin, applicant)
}

/// The state body whose activity is concerned (the customer of the ICT service).
fn state_body(st: &GraphState) -> Party {
    match parties_of(st).0 {
        Some(bin) => party_of("state-body", &bin),
        None => role("state-body"),
    }
}

fn day(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

/// The registry key of a design assignment: the customer's BIN and the instant its request was
/// received (one request of one state body per instant).
pub fn design_assignment_key(st: &GraphState) -> String {
    format!(
        "{}/{}",
        st.data["state_body"].as_str().unwrap_or("unknown"),
        st.data["received_at"].as_str().unwrap_or("unknown")
    )
}

/// The registry entry of a development request (SM-90) as it stands: `requested`, then the SI's
/// conclusion (SM-91.b), then the decision of the discussion (SM-92).
fn development_entry(st: &GraphState, status: &str, rule: &str, on: &str) -> Effect {
    let sub = &st.submission;
    put_entry(
        DEVELOPMENT_REQUESTS,
        &design_assignment_key(st),
        &json!({
            "ict_service": sub["ict_service"], "development": sub["development"],
            "justification": sub["justification"], "customer": st.data["state_body"],
            "received_at": st.data["received_at"], "status": status, "rule": rule, "on": on,
        }),
    )
}

/// The variant's `react`: the graph, with the checks of each completion (a refusal changes
/// nothing), the notifications of SM-8, SM-13 (AMB-SM-4), SM-90, SM-91.b, SM-92 (AMB-SM-14),
/// the customer's task of approving the design assignment, and the registry entry of an
/// approved design assignment with the tender case it starts.
pub fn react(state: &str, input: &Input) -> Result<Reaction, Vec<Violation>> {
    graph().react(state, input, |st, input, effects| {
        match input {
            Input::Submitted(s) => {
                let bin = match s.intake.as_str() {
                    SUPPLIER_APPLICATION | OPERATOR_APPLICATION => {
                        let bin = st.submission["state_body_bin"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned();
                        if !bin_is_valid(&bin) {
                            return Err(vec![violation(
                                "state_body_bin",
                                "SM-8.b",
                                format!("{bin:?} is not a BIN"),
                            )]);
                        }
                        Some(bin)
                    }
                    REQUEST | DEVELOPMENT => s.by.org.clone(),
                    other => {
                        return Err(vec![violation(
                            "intake",
                            "",
                            format!("no intake {other:?}"),
                        )]);
                    }
                };
                let applicant = match s.intake.as_str() {
                    SUPPLIER_APPLICATION | OPERATOR_APPLICATION => {
                        json!({"role": s.by.role, "org": s.by.org})
                    }
                    _ => Value::Null,
                };
                st.data = json!({"intake": s.intake, "state_body": bin, "applicant": applicant,
                                 "received_at": s.at});
                // SM-8, SM-90: the request goes to the AB and to the SI (the SI's task is open).
                let (rule, subject) = match s.intake.as_str() {
                    DEVELOPMENT => (
                        "SM-90",
                        "SM-90: a request for development of an ICT service (запрос на развитие ИК-услуги), with a copy to the service integrator",
                    ),
                    REQUEST => (
                        "SM-8.a",
                        "SM-8.a: a state body's request for automation of its activity (запрос государственного органа на автоматизацию)",
                    ),
                    _ => (
                        "SM-8.b",
                        "SM-8.b: an application for automation of a state body's activity (заявка потенциального поставщика или оператора на автоматизацию)",
                    ),
                };
                effects.push(notify(
                    role("authorized-body"),
                    subject,
                    &json!({"rule": rule, "intake": s.intake, "submission": st.submission}),
                ));
                if s.intake == DEVELOPMENT {
                    effects.push(development_entry(st, "requested", "SM-90", day(&s.at)));
                }
            }
            Input::TaskCompleted(t) => {
                let step = t.task.split('~').next().unwrap_or(&t.task).to_owned();
                let inputs: Value = serde_json::from_str(&t.inputs).unwrap_or(Value::Null);
                let accepted = check(&Completion {
                    step: &step,
                    outcome: &t.outcome,
                    inputs: &inputs,
                    reasons: &t.reasons,
                })?;
                if !accepted.reasons.is_empty() || !accepted.decision.is_null() {
                    effects.push(explain(accepted.reasons.clone(), &accepted.decision));
                }
                let (_, applicant) = parties_of(st);
                let customer = state_body(st);
                match (step.as_str(), t.outcome.as_str()) {
                    // SM-13: the AB notifies the state body; for an application (SM-8.b) the
                    // applicant too (AMB-SM-4).
                    ("ab-decision", outcome) => {
                        let (rule, subject) = if outcome == "agree" {
                            (
                                "SM-13.a",
                                "SM-13.a: the authorized body agreed the possibility of automating the state body's activity (согласовывает возможность автоматизации деятельности государственного органа)",
                            )
                        } else {
                            (
                                "SM-13.b",
                                "SM-13.b: the authorized body refused automation of the state body's activity (отказывает в автоматизации деятельности государственного органа)",
                            )
                        };
                        let body = json!({"rule": rule, "decision": outcome, "reasons": t.reasons,
                                          "decided_on": day(&t.at),
                                          "si_conclusion": st.done.get("si-conclusion").map(|d| json!({"outcome": d["outcome"], "inputs": d["inputs"], "reasons": d["reasons"]}))});
                        effects.push(notify(customer.clone(), subject, &body));
                        if let Some(a) = applicant {
                            effects.push(notify(a, subject, &body));
                        }
                    }
                    // The customer of the ICT service approves the design assignment (AMB-SM-8):
                    // the state body concerned, also when a supplier or the operator applied.
                    ("design-assignment", "submitted") => {
                        for e in effects.iter_mut() {
                            if let Effect::OpenTask(o) = e
                                && o.key.split('~').next() == Some("da-approval")
                            {
                                o.party = Some(customer.clone());
                            }
                        }
                    }
                    // The approved design assignment: the entry, and the tender procedure started
                    // from it (SM-42: the SI places the announcement within 3 working days).
                    ("da-approval", "approved") => {
                        let da = st.done.get("design-assignment").cloned().unwrap_or_default();
                        let key = design_assignment_key(st);
                        let sub = &st.submission;
                        let body = json!({
                            "customer": st.data["state_body"],
                            "request": {"intake": st.data["intake"], "received_at": st.data["received_at"],
                                        "function": sub.get("function").or_else(|| sub.get("activity"))},
                            "design_assignment": da["inputs"],
                            "developed_at": da["at"],
                            "approved_on": day(&t.at),
                            "status": "approved",
                            "next": "SM-42: the service integrator places the announcement of the start of tender procedures within 3 working days of the approval"
                        });
                        effects.push(put_entry(DESIGN_ASSIGNMENTS, &key, &body));
                        effects.push(notify(
                            role("service-integrator"),
                            "SM-42: the design assignment was approved by the customer of the ICT service; the announcement of the tender is due within 3 working days",
                            &json!({"registry": DESIGN_ASSIGNMENTS, "key": key, "approved_on": day(&t.at)}),
                        ));
                        // The tender case (kind `tender`, its intake `design-assignment`): the
                        // same body, with the entry's key; the platform admits it on the day of
                        // the approval, as the customer's.
                        let mut start = body;
                        start["design_assignment_key"] = json!(key);
                        effects.push(start_case(TENDER_KIND, TENDER_LINK, &start));
                    }
                    // SM-91.b: the conclusion goes to the AB, the customer and the operator.
                    ("si-analysis", outcome) => {
                        let subject = if outcome == "positive" {
                            "SM-91.b: positive conclusion on development of the ICT service (заключение о развитии ИК-услуги)"
                        } else {
                            "SM-91.b: negative conclusion on development of the ICT service (заключение о развитии ИК-услуги); the request is closed (AMB-SM-14)"
                        };
                        let body = json!({"rule": "SM-91.b", "conclusion": outcome, "reasons": t.reasons,
                                          "ict_service": st.submission["ict_service"], "concluded_on": day(&t.at)});
                        for p in [role("authorized-body"), customer, role("operator")] {
                            effects.push(notify(p, subject, &body));
                        }
                        effects.push(development_entry(st, outcome, "SM-91.b", day(&t.at)));
                    }
                    // SM-92: the decision taken, to the participants of the discussion.
                    ("discussion", "decided") => {
                        let decision = inputs["decision"].as_str().unwrap_or_default().to_owned();
                        effects.push(Effect::SetStatus(decision.clone()));
                        let body = json!({"rule": "SM-92", "decision": decision,
                                          "ict_service": st.submission["ict_service"], "decided_on": day(&t.at)});
                        effects.push(development_entry(st, &decision, "SM-92", day(&t.at)));
                        for p in [customer, role("authorized-body"), role("operator")] {
                            effects.push(notify(
                                p,
                                "SM-92: the decision on developing the ICT service and/or replacing the supplier",
                                &body,
                            ));
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        Ok(())
    })
}

/// The variant's decisions: each step's check on `{"outcome", "inputs", "reasons"}`, named by
/// the step (for tools and recorded cases); the answer is what the completion would add.
pub fn decide(name: &str, input: &str) -> Result<String, Vec<Violation>> {
    let v: Value = serde_json::from_str(input)
        .map_err(|e| vec![violation("input", "", format!("not JSON: {e}"))])?;
    let reasons: Vec<String> = v["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let inputs = if v["inputs"].is_null() {
        json!({})
    } else {
        v["inputs"].clone()
    };
    let a = check(&Completion {
        step: name,
        outcome: v["outcome"].as_str().unwrap_or_default(),
        inputs: &inputs,
        reasons: &reasons,
    })?;
    Ok(json!({"reasons": a.reasons, "decision": a.decision}).to_string())
}

/// An edition that keeps the intakes' paths after the Rules ceased (AMB-X1) and refuses every
/// submission with the rule now in force.
pub struct Closed {
    pub id: &'static str,
    pub version: &'static str,
    pub title: &'static str,
    /// The edition's deployment manifest (`include_str!("../manifest.toml")`).
    pub manifest: &'static str,
    pub legal_basis: &'static str,
    /// Why a submission is refused: the rules in force and where to go instead.
    pub refusal: &'static str,
    /// The rule the refusal names.
    pub rule: &'static str,
}

/// The metadata of a closed edition: the same intakes (names, paths, roles), each taking any
/// object, so that a submission at the same URL reaches `validate` and its refusal.
pub fn closed_metadata(c: &Closed) -> Metadata {
    let (effective_from, effective_to) = period(c.manifest);
    Metadata {
        id: c.id.into(),
        kind: KIND.into(),
        version: c.version.into(),
        title: c.title.into(),
        effective_from,
        effective_to,
        legal_basis: c.legal_basis.into(),
        intakes: INTAKES
            .iter()
            .map(|(name, path, role, _)| {
                intake(
                    name,
                    &format!(
                        "{} — no longer taken from 1 January 2023 ({})",
                        intake_title(name),
                        c.rule
                    ),
                    path,
                    role,
                    c.rule,
                    json!({"type": "object", "x-rule": c.rule}),
                )
            })
            .collect(),
    }
}

/// A closed edition's `validate`: one violation, naming the rule in force.
pub fn closed_validate(c: &Closed) -> Vec<Violation> {
    vec![violation("", c.rule, c.refusal)]
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

impl Variant for Closed {
    fn metadata(&self) -> Metadata {
        closed_metadata(self)
    }
    fn steps(&self) -> Vec<Step> {
        Vec::new()
    }
    fn validate(&self, _: &str, _: &str, _: &str) -> Vec<Violation> {
        closed_validate(self)
    }
    fn react(&self, _: &str, _: &Input, _: &[Entry]) -> Result<Reaction, Vec<Violation>> {
        Err(closed_validate(self))
    }
    fn decide(&self, _: &str, _: &str) -> Result<String, Vec<Violation>> {
        Err(closed_validate(self))
    }
}

#[cfg(test)]
mod tests;
