//! The examination of terms of reference (TOR: the Rules for preparing and reviewing terms of
//! reference for creating and developing e-government informatization objects, order of the
//! MDDIAI No. 143/НҚ of 29.06.2019, reg. No. 18950, as amended by orders 136/НҚ, 360/НҚ, 521/НҚ
//! and 237/НҚ).
//!
//! Editions differ in their [`Edition`] (whether the data-structure section of TOR-3.c is
//! required, and the act it cites); everything else is the procedure:
//!
//! - intake `tor` (TOR-3, TOR-4): the TOR with the branch of TOR-4.b and the attachments that
//!   branch needs (TOR-4.c). An incomplete package is refused: the 15 working days of TOR-5
//!   start only from a complete one, and the refusal says so.
//! - `referral` (TOR-7, the AB) forks to `si-exam` (TOR-8, TOR-9) and `sts-exam` (TOR-8,
//!   TOR-10), 12 working days each from the day the examiner received the TOR; `ab-decision`
//!   (TOR-11) opens once both conclusions are in, whichever comes first: approve, or return
//!   with the remarks. A return opens `resubmission`; the resubmitted TOR is examined again by
//!   both, free of charge, in the terms of p.6 and p.8 (`si-reexam`, TOR-9-1; `sts-reexam`,
//!   TOR-10-1), as many rounds as it takes, each round's terms counted afresh.
//! - the overall term of TOR-5 (15 working days from the complete package) is the timer
//!   `tor-5`, shown beside the step terms; its passing notifies the AB and blocks nothing
//!   (AMB-TOR-1); a resubmission starts it afresh (AMB-TOR-4).
//! - the slot `editions` (TOR-6): a new edition with the submitter's letter extends the open
//!   approval terms to 10 working days from the day the letter was received, at most 10 working
//!   days past the round's terms, and notifies the SI and the STS (AMB-TOR-2).
//! - intake `addendum` (TOR-12): a change of an approved TOR runs the same procedure as a case
//!   of its own, linked to the approved one; a change that needs development of the object is
//!   refused (AMB-TOR-8).

use egov_plugin_sdk::*;
use serde_json::{Value, json};

/// What one edition sets.
pub struct Edition {
    pub id: &'static str,
    pub version: &'static str,
    pub title: &'static str,
    /// The deployment manifest (`include_str!("../manifest.toml")`): its period.
    pub manifest: &'static str,
    pub legal_basis: &'static str,
    /// TOR-3.c, where the edition has it: the requirement as the rules word it (the act it
    /// cites). `None`: the edition's p.3 has no data-structure section.
    pub data_structure: Option<&'static str>,
}

/// The kind of procedure.
pub const KIND: &str = "terms-of-reference";
/// The intake of a TOR (TOR-4).
pub const TOR: &str = "tor";
/// The intake of an addendum to an approved TOR (TOR-12).
pub const ADDENDUM: &str = "addendum";
/// The registry of agreed TORs (TOR-11.a), which an addendum refers to.
pub const AGREED: &str = "agreed-terms-of-reference";

/// The examination steps of each round.
const EXAMS: &[&str] = &["si-exam", "sts-exam", "si-reexam", "sts-reexam"];

/// The TOR-4.b branches: (value, how the rules name it, when the TOR is submitted).
pub const BRANCHES: &[(&str, &str)] = &[
    (
        "budget-investment-project",
        "бюджеттік инвестициялық жобалар бойынша: инвестициялық ұсыныспен (budget investment projects: together with the investment proposal sent for creating or developing e-government informatization objects)",
    ),
    (
        "budget-investments",
        "бюджеттік инвестициялар бойынша: қаржылық-экономикалық негіздемеге оң экономикалық қорытынды алғаннан және оларды бекіткеннен кейін (budget investments: after a positive economic conclusion on the feasibility study (FEO) has been received and the FEO approved)",
    ),
    (
        "ppp-project",
        "мемлекеттік-жекешелік әріптестік жобасы бойынша: оң экономикалық қорытындыны алғаннан кейін, немесе бизнес-жоспарға экономикалық сараптама қажет етілмеген жағдайда оған қоса бере отырып (a PPP project: after a positive economic conclusion on the investment proposal or business plan, including during direct negotiations to determine the private partner; or, where budget legislation requires no economic expertise of the business plan, with the business plan attached; AMB-TOR-5)",
    ),
    (
        "other",
        "өзге де тәсілмен іске асыру бойынша: рәсім басталғанға дейін (projects implemented in any other way: before the creation or development procedure starts)",
    ),
];

/// The kinds of document a package holds (TOR-4.a, TOR-4.c).
pub const DOCUMENTS: &[(&str, &str)] = &[
    (
        "terms-of-reference",
        "The TOR itself, as an electronic document (TOR-4.a)",
    ),
    (
        "investment-proposal",
        "The approved investment proposal (TOR-4.c)",
    ),
    (
        "feo",
        "The feasibility study (FEO) of budget investments (TOR-4.c)",
    ),
    (
        "economic-conclusion",
        "The positive economic conclusion (TOR-4.b)",
    ),
    (
        "business-plan",
        "The business plan of the PPP project (TOR-4.b)",
    ),
    (
        "pre-project-document",
        "Other pre-project documents, free form (TOR-4.c, AMB-TOR-6)",
    ),
    ("addendum", "The addendum to the approved TOR (TOR-12)"),
    (
        "letter",
        "The letter of the administrator or the owner (TOR-6)",
    ),
];

/// TOR-3.b: what the TOR complies with, as p.3 lists it.
pub const COMPLIANCE: &[(&str, &str)] = &[
    (
        "st_rk_34_015_2002",
        "\"Ақпараттық технология. Автоматтандырылған жүйелерге арналған стандарттар кешені. Автоматтандырылған жүйелерді құруға арналған техникалық тапсырма\" Қазақстан Республикасының СТ 34.015-2002 ұлттық стандарты (national standard ST RK 34.015-2002 \"Information technology. Set of standards for automated systems. Terms of reference for creating an automated system\")",
    ),
    (
        "pre_project_basis",
        "бекітілген қаржылық-экономикалық негіздеме, инвестициялық ұсыныс, бюджеттік инвестициялық жобалардың инвестициялық ұсыныс жобасы (the approved feasibility study, investment proposal, or draft investment proposal of budget investment projects)",
    ),
    (
        "egov_architecture",
        "\"электрондық үкіметтің\" архитектурасы (the e-government architecture)",
    ),
    (
        "uniform_requirements",
        "Заңның 6-бабы 3) тармақшасына сәйкес бекітілетін ақпараттық-коммуникациялық технологиялар мен ақпараттық қауіпсіздікті қамтамасыз ету саласындағы бірыңғай талаптар (the uniform requirements in information and communication technologies and information security, approved under sp.3) of Art. 6 of the Law \"On Informatization\")",
    ),
];

fn document_schema(rule: &str) -> Value {
    json!({
        "type": "object", "additionalProperties": false, "x-rule": rule,
        "required": ["kind", "reference", "title"],
        "properties": {
            "kind": {"enum": DOCUMENTS.iter().map(|(k, _)| *k).collect::<Vec<_>>(), "x-rule": rule,
                     "description": DOCUMENTS.iter().map(|(k, d)| format!("{k}: {d}")).collect::<Vec<_>>().join("; ")},
            "reference": {"type": "string", "minLength": 1, "maxLength": 500, "x-line": true, "x-rule": rule,
                          "description": "The document's reference on the architecture portal (number, or a link)"},
            "title": {"type": "string", "minLength": 1, "maxLength": 500, "x-line": true, "x-rule": rule}
        }
    })
}

/// The form of a TOR submitted for agreement (TOR-3, TOR-4).
pub fn tor_form(e: &Edition) -> Value {
    let mut required = vec![
        "object_name",
        "purpose",
        "submitted_as",
        "branch",
        "documents",
        "compliance",
    ];
    let mut properties = json!({
        "object_name": {"type": "string", "minLength": 1, "maxLength": 1000, "x-line": true, "x-rule": "TOR-3.a",
                        "description": "The e-government informatization object the TOR is for"},
        "purpose": {"enum": ["creation", "development"], "x-rule": "TOR-3.a",
                    "description": "Құру немесе дамыту: creating the object, or developing it"},
        "submitted_as": {"enum": ["budget-program-administrator", "owner", "administrator-and-owner"], "x-rule": "TOR-3.a",
                         "description": "Who prepared and submits the TOR: the budget program administrator (өкімші) and/or the owner of the informatization object (иеленуші) (TOR-3.a; AMB-TOR-9)"},
        "branch": {"enum": BRANCHES.iter().map(|(b, _)| *b).collect::<Vec<_>>(), "x-rule": "TOR-4.b",
                   "description": BRANCHES.iter().map(|(b, d)| format!("{b}: {d}")).collect::<Vec<_>>().join("; ")},
        "ppp_business_plan_without_expertise": {"type": "boolean", "x-rule": "TOR-4.b",
            "description": "A PPP project whose business plan needs no economic expertise under budget legislation: the business plan is attached instead of a positive economic conclusion"},
        "direct_negotiations": {"type": "boolean", "x-rule": "TOR-4.b",
            "description": "A PPP project: the TOR is submitted during direct negotiations to determine the private partner"},
        "documents": {"type": "array", "minItems": 1, "maxItems": 50, "items": document_schema("TOR-4.c"), "x-rule": "TOR-4.c"},
        "compliance": {
            "type": "object", "additionalProperties": false, "x-rule": "TOR-3.b",
            "description": "Техникалық тапсырманы жасау мыналарға сәйкес жүзеге асырылады (the TOR is prepared in compliance with), p.3 sp.1)–4): the submitter confirms each",
            "required": COMPLIANCE.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            "properties": COMPLIANCE.iter().map(|(k, d)| (k.to_string(), json!({"const": true, "x-rule": "TOR-3.b", "description": d}))).collect::<serde_json::Map<_, _>>()
        }
    });
    if let Some(text) = e.data_structure {
        required.push("data_structure");
        properties["data_structure"] = json!({
            "type": "object", "additionalProperties": false, "x-rule": "TOR-3.c",
            "description": text,
            "required": ["description", "data_master"],
            "properties": {
                "description": {"type": "string", "minLength": 1, "maxLength": 20000, "x-rule": "TOR-3.c",
                                "description": "Жүйедегі деректер құрылымының сипаттамасы (the description of the data structure in the system), or where the TOR gives it"},
                "data_master": {"type": "string", "minLength": 1, "maxLength": 1000, "x-line": true, "x-rule": "TOR-3.c",
                                "description": "Деректер шебері туралы мәліметтер (information about the data master)"}
            }
        });
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object", "additionalProperties": false, "x-rule": "TOR-4.a",
        "required": required,
        "properties": properties
    })
}

/// The form of an addendum to an agreed TOR (TOR-12).
pub fn addendum_form() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object", "additionalProperties": false, "x-rule": "TOR-12.a",
        "required": ["agreed_tor", "changes", "requires_development", "documents"],
        "properties": {
            "agreed_tor": {"type": "string", "x-rule": "TOR-12.a",
                           "x-case": {"kind": KIND, "status": ["agreed"]},
                           "description": "The case id of the agreed TOR this addendum changes (one of the submitter's own)"},
            "changes": {"type": "string", "minLength": 1, "maxLength": 20000, "x-rule": "TOR-12.a",
                        "description": "The changes to the functional and other requirements of the agreed TOR"},
            "requires_development": {"type": "boolean", "x-rule": "TOR-12.a",
                                     "description": "Whether the changes require development of the e-government informatization object (then they are not an addendum)"},
            "documents": {"type": "array", "minItems": 1, "maxItems": 50, "items": document_schema("TOR-12.b"), "x-rule": "TOR-12.b"}
        }
    })
}

/// The edition's metadata; its period comes from its manifest.
pub fn metadata(e: &Edition) -> Metadata {
    let (effective_from, effective_to) = manifest_period(e.manifest)
        .unwrap_or_else(|why| (format!("(invalid manifest: {why})"), None));
    Metadata {
        id: e.id.into(),
        kind: KIND.into(),
        version: e.version.into(),
        title: e.title.into(),
        effective_from,
        effective_to,
        legal_basis: e.legal_basis.into(),
        intakes: vec![
            intake(
                TOR,
                "Terms of reference submitted for agreement (TOR-4)",
                "terms-of-reference",
                "state-body",
                "TOR-4.a",
                tor_form(e),
            ),
            intake(
                ADDENDUM,
                "Addendum to an agreed terms of reference (TOR-12)",
                "terms-of-reference-addenda",
                "state-body",
                "TOR-12.a",
                addendum_form(),
            ),
        ],
    }
}

fn conclusion_inputs(rule: &str) -> Value {
    json!({
        "type": "object", "additionalProperties": false, "x-rule": rule, "required": ["conclusion"],
        "properties": {"conclusion": {
            "type": "object", "additionalProperties": false, "x-rule": "TOR-8", "required": ["reference", "title"],
            "description": "The examination conclusion, free form (TOR-8), as a document",
            "properties": {
                "reference": {"type": "string", "minLength": 1, "maxLength": 500, "x-line": true, "x-rule": "TOR-8"},
                "title": {"type": "string", "minLength": 1, "maxLength": 500, "x-line": true, "x-rule": "TOR-8"}
            }}}
    })
}

fn exam(id: &str, title: &str, role: &str, rule: &str, scope: &str) -> Step {
    let start = if id.ends_with("reexam") {
        "the examiner's receipt of the resubmitted TOR (the terms of p.6 and p.8)"
    } else {
        "the examiner's receipt of the TOR (TOR-8)"
    };
    step(id, title, role, "expertise", rule)
        .term(12, Unit::WorkingDays, start)
        .inputs(conclusion_inputs(rule))
        .outcome(outcome("no-remarks", &format!("Conclusion: no remarks ({scope})")).rule("TOR-8"))
        .outcome(
            outcome("remarks", &format!("Conclusion with remarks ({scope})"))
                .with_reasons()
                .rule("TOR-8"),
        )
}

/// TOR-7 to TOR-11. Terms count from the day the acting party received the matter (AMB-X2).
pub fn steps(_e: &Edition) -> Vec<Step> {
    use Unit::WorkingDays;
    let si = "compliance with the e-government architecture, and whether standard solutions for repeated use can be used (TOR-9)";
    let sts = "compliance with the legal acts and standards in force in the Republic of Kazakhstan on information security and information protection (TOR-10)";
    vec![
        // TOR-7 sets no term (AMB-TOR-3): the reading of one working day is a service level.
        step(
            "referral",
            "Referral of the TOR to the SI and the STS for examination",
            "authorized-body",
            "expertise",
            "TOR-7",
        )
        .term(
            1,
            WorkingDays,
            "receipt of the complete package (AMB-TOR-3: no term in the rules; a service level)",
        )
        .outcome(outcome("referred", "Sent to the SI and the STS")),
        exam(
            "si-exam",
            "Examination by the service integrator",
            "service-integrator",
            "TOR-9",
            si,
        ),
        exam(
            "sts-exam",
            "Examination by the State Technical Service",
            "state-technical-service",
            "TOR-10",
            sts,
        ),
        exam(
            "si-reexam",
            "Re-examination by the service integrator, free of charge",
            "service-integrator",
            "TOR-9-1",
            si,
        ),
        exam(
            "sts-reexam",
            "Re-examination by the State Technical Service, free of charge",
            "state-technical-service",
            "TOR-10-1",
            sts,
        ),
        // TOR-11: from the day the last of the two conclusions was received (AMB-TOR-7).
        step(
            "ab-decision",
            "Agreement of the TOR, or its return with the remarks",
            "authorized-body",
            "expertise",
            "TOR-11",
        )
        .term(5, WorkingDays, "receipt of both examination conclusions")
        .outcome(outcome("agree", "TOR agreed").rule("TOR-11.a"))
        .outcome(
            outcome("return", "Returned with the remarks")
                .with_reasons()
                .rule("TOR-11.b"),
        ),
        // The Rules set no term for the resubmission (AMB-TOR-4).
        step(
            "resubmission",
            "Resubmission of the TOR revised after the remarks",
            "state-body",
            "expertise",
            "TOR-9-1",
        )
        .inputs(json!({
            "type": "object", "additionalProperties": false, "x-rule": "TOR-9-1", "required": ["edition"],
            "properties": {"edition": document_schema("TOR-9-1")}
        }))
        .outcome(outcome("resubmitted", "Resubmitted for examination")),
    ]
}

/// The routing of TOR-7 to TOR-11: a fork, a join whichever conclusion comes last, a loop.
pub fn graph() -> Graph {
    let join = || Go::join(EXAMS, &["ab-decision"]);
    Graph::new()
        .start(&["referral"])
        .on("referral", "referred", Go::to(&["si-exam", "sts-exam"]))
        .on("si-exam", "no-remarks", join())
        .on("si-exam", "remarks", join())
        .on("sts-exam", "no-remarks", join())
        .on("sts-exam", "remarks", join())
        .on("si-reexam", "no-remarks", join())
        .on("si-reexam", "remarks", join())
        .on("sts-reexam", "no-remarks", join())
        .on("sts-reexam", "remarks", join())
        .on("ab-decision", "agree", Go::end().status("agreed"))
        .on(
            "ab-decision",
            "return",
            Go::to(&["resubmission"]).status("returned"),
        )
        .on(
            "resubmission",
            "resubmitted",
            Go::to(&["si-reexam", "sts-reexam"]).status("in-examination"),
        )
}

/// The day of an instant (`YYYY-MM-DD` of an RFC 3339 local time).
fn day(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

fn doc_kinds(v: &Value) -> Vec<&str> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["kind"].as_str())
        .collect()
}

const INCOMPLETE: &str = "the package is incomplete, so the 15 working days of TOR-5 have not started: they count from the day the complete package is received";

/// TOR-4.b and TOR-4.c: the attachments the branch needs; TOR-5: an incomplete package is not
/// received.
pub fn validate_tor(submission: &str) -> Vec<Violation> {
    let s: Value = serde_json::from_str(submission).unwrap_or(Value::Null);
    let kinds = doc_kinds(&s["documents"]);
    let has = |k: &str| kinds.contains(&k);
    let mut v = Vec::new();
    let mut need = |kind: &str, rule: &str, why: &str| {
        if !has(kind) {
            v.push(violation(
                "documents",
                rule,
                format!("{why}: attach a document of kind {kind:?}; {INCOMPLETE}"),
            ));
        }
    };
    need(
        "terms-of-reference",
        "TOR-4.a",
        "the TOR itself is submitted as an electronic document",
    );
    match s["branch"].as_str().unwrap_or_default() {
        "budget-investment-project" => need(
            "investment-proposal",
            "TOR-4.c",
            "a TOR of a budget investment project comes with the approved investment proposal",
        ),
        "budget-investments" => {
            need(
                "feo",
                "TOR-4.c",
                "a TOR of budget investments comes with the feasibility study (FEO)",
            );
            need(
                "economic-conclusion",
                "TOR-4.b",
                "a TOR of budget investments is submitted after a positive economic conclusion on the FEO",
            );
        }
        "ppp-project" => {
            if s["ppp_business_plan_without_expertise"] == json!(true) {
                need(
                    "business-plan",
                    "TOR-4.b",
                    "a PPP project whose business plan needs no economic expertise attaches the business plan",
                );
            } else {
                need(
                    "economic-conclusion",
                    "TOR-4.b",
                    "a TOR of a PPP project is submitted after a positive economic conclusion on its investment proposal or business plan",
                );
            }
        }
        "other" => need(
            "pre-project-document",
            "TOR-4.c",
            "a project implemented in another way attaches its pre-project documents",
        ),
        _ => {}
    }
    if s["branch"] != json!("ppp-project") {
        for key in ["ppp_business_plan_without_expertise", "direct_negotiations"] {
            if s.get(key).is_some() {
                v.push(violation(
                    key,
                    "TOR-4.b",
                    "applies only to the branch of a PPP project",
                ));
            }
        }
    }
    v
}

/// TOR-12.a: a change that needs development of the object is not an addendum.
pub fn validate_addendum(submission: &str) -> Vec<Violation> {
    let s: Value = serde_json::from_str(submission).unwrap_or(Value::Null);
    let mut v = Vec::new();
    if s["requires_development"] == json!(true) {
        v.push(violation(
            "requires_development",
            "TOR-12.a",
            "changes that require development of the e-government informatization object are not an addendum to the agreed TOR: prepare terms of reference for the development of the object and submit them at /api/v1/terms-of-reference (AMB-TOR-8)",
        ));
    }
    if !doc_kinds(&s["documents"]).contains(&"addendum") {
        v.push(violation(
            "documents",
            "TOR-12.b",
            format!("attach the addendum itself, a document of kind \"addendum\"; {INCOMPLETE}"),
        ));
    }
    v
}

/// The variant's `validate` of either intake.
pub fn validate_intake(intake: &str, submission: &str) -> Vec<Violation> {
    match intake {
        TOR => validate_tor(submission),
        ADDENDUM => validate_addendum(submission),
        other => vec![violation("intake", "", format!("no intake {other:?}"))],
    }
}

/// The calendar the reducer counts with (the host's, which is the engine's).
pub trait Terms {
    /// The last day of `count` working days counted from `date`.
    fn working_days_after(&self, date: &str, count: u32) -> Result<String, String>;
}

/// The host's calendar.
pub struct Host;

impl Terms for Host {
    fn working_days_after(&self, date: &str, count: u32) -> Result<String, String> {
        host::term_end(date, count, Unit::WorkingDays)
    }
}

/// Where the variant keeps its bookkeeping (`GraphState::data`).
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Data {
    /// The last day of each open task with a term, as the engine counted it.
    #[serde(default)]
    due: std::collections::BTreeMap<String, String>,
    /// The TOR-5 term of the round: its last day as first set, and as extended.
    #[serde(default)]
    tor5_base: String,
    #[serde(default)]
    tor5_due: String,
    /// The editions received (TOR-6).
    #[serde(default)]
    editions: u32,
    /// The submitter's agency, for notices back to it.
    #[serde(default)]
    by_org: Option<String>,
}

impl Data {
    fn submitter(&self) -> Party {
        match &self.by_org {
            Some(org) => party_of("state-body", org),
            None => role("state-body"),
        }
    }
}

fn bad(field: &str, rule: &str, message: impl Into<String>) -> Vec<Violation> {
    vec![violation(field, rule, message)]
}

fn calendar(e: String) -> Vec<Violation> {
    bad("", "", format!("the calendar could not count: {e}"))
}

/// The variant's `react`: the graph, the dues of the opened tasks, the TOR-5 timer, TOR-6.
pub fn react(state: &str, input: &Input, terms: &dyn Terms) -> Result<Reaction, Vec<Violation>> {
    graph().react(state, input, |st, input, effects| {
        let mut data: Data = serde_json::from_value(st.data.clone()).unwrap_or_default();
        let today = day(match input {
            Input::Submitted(s) => &s.at,
            Input::TaskCompleted(t) => &t.at,
            Input::TimerFired(t) => &t.at,
            Input::SlotInput(i) => &i.at,
            Input::SlotClosed(c) => &c.at,
            Input::SlotUnsealed(u) => &u.at,
            Input::EntryChanged(c) => &c.at,
        })
        .to_owned();
        match input {
            Input::Submitted(s) => {
                data.by_org = s.by.org.clone();
                // TOR-5: 15 working days from the complete package (it was admitted complete).
                data.tor5_base = terms.working_days_after(&today, 15).map_err(calendar)?;
                data.tor5_due = data.tor5_base.clone();
                effects.push(set_timer_after("tor-5", 15, Unit::WorkingDays, "TOR-5"));
                // TOR-6: new editions with a letter, from the submitter, while the TOR is examined.
                effects.push(open_slot("editions", s.by.clone(), false, "TOR-6"));
            }
            Input::TaskCompleted(t) => {
                data.due.remove(&t.task);
                let step = t.task.split('~').next().unwrap_or(&t.task);
                match (step, t.outcome.as_str()) {
                    ("ab-decision", "agree") => {
                        effects.push(Effect::CancelTimer("tor-5".into()));
                        effects.push(Effect::CloseSlot("editions".into()));
                        let sub = &st.submission;
                        effects.push(put_entry(
                            AGREED,
                            sub["object_name"].as_str().or(sub["agreed_tor"].as_str()).unwrap_or_default(),
                            &json!({"object_name": sub["object_name"], "purpose": sub["purpose"],
                                    "addendum_to": sub["agreed_tor"], "agreed_on": today,
                                    "rounds": st.rounds.get("ab-decision")}),
                        ));
                    }
                    ("ab-decision", "return") => {
                        effects.push(Effect::CancelTimer("tor-5".into()));
                        effects.push(notify(
                            data.submitter(),
                            "TOR-11: the TOR is returned with the remarks",
                            &json!({"remarks": t.reasons, "conclusions": {
                                "si": st.done.get("si-reexam").or(st.done.get("si-exam")),
                                "sts": st.done.get("sts-reexam").or(st.done.get("sts-exam"))}}),
                        ));
                    }
                    // AMB-TOR-4: the resubmitted package starts the TOR-5 term afresh.
                    ("resubmission", "resubmitted") => {
                        data.tor5_base = terms.working_days_after(&today, 15).map_err(calendar)?;
                        data.tor5_due = data.tor5_base.clone();
                        effects.push(set_timer_after("tor-5", 15, Unit::WorkingDays, "TOR-5"));
                    }
                    _ => {}
                }
            }
            Input::TimerFired(f) if f.timer == "tor-5" => {
                // AMB-TOR-1: the overall term passing is an alert to the AB, not a block.
                effects.push(notify(
                    role("authorized-body"),
                    "TOR-5: the 15 working days to agree the TOR have passed",
                    &json!({"object_name": st.submission["object_name"], "term_ended": data.tor5_due,
                            "open": st.open}),
                ));
            }
            Input::SlotInput(i) if i.slot == "editions" => {
                new_edition(st, &mut data, i, &today, terms, effects)?;
            }
            _ => {}
        }
        // The dues of the tasks this input opens, counted as the engine counts them.
        for e in effects.iter() {
            if let Effect::OpenTask(o) = e {
                let step = o.key.split('~').next().unwrap_or(&o.key);
                let days = match step {
                    "referral" => Some(1),
                    "ab-decision" => Some(5),
                    s if EXAMS.contains(&s) => Some(12),
                    _ => None,
                };
                if let Some(n) = days {
                    let due = terms.working_days_after(&today, n).map_err(calendar)?;
                    data.due.insert(o.key.clone(), due);
                }
            }
        }
        st.data = serde_json::to_value(&data).unwrap_or(Value::Null);
        Ok(())
    })
}

/// TOR-6: a new edition with the letter extends the open approval terms to 10 working days from
/// the day the letter was received (AMB-TOR-2), at most 10 working days past the round's TOR-5
/// term, and the SI and the STS are told.
fn new_edition(
    st: &GraphState,
    data: &mut Data,
    i: &SlotInput,
    today: &str,
    terms: &dyn Terms,
    effects: &mut Vec<Effect>,
) -> Result<(), Vec<Violation>> {
    let body: Value = i
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    let mut v = Vec::new();
    let Some(obj) = body.as_object() else {
        return Err(bad(
            "",
            "TOR-6",
            "a new edition is an object {letter, edition}",
        ));
    };
    for key in obj.keys() {
        if key != "letter" && key != "edition" {
            v.push(violation(
                key,
                "TOR-6",
                "unknown field: a new edition has a letter and the edition",
            ));
        }
    }
    for (key, what) in [
        ("letter", "the letter of the administrator and/or the owner"),
        (
            "edition",
            "the new edition of the TOR (or of its sections, chapters or paragraphs)",
        ),
    ] {
        let d = &body[key];
        let ok = d.as_object().is_some_and(|o| {
            o.keys().all(|k| k == "reference" || k == "title")
                && ["reference", "title"].iter().all(|k| {
                    o.get(*k)
                        .and_then(Value::as_str)
                        .is_some_and(|s| !s.trim().is_empty() && s.len() <= 500)
                })
        });
        if !ok {
            v.push(violation(
                key,
                "TOR-6",
                format!("{what} is required, as a document {{reference, title}}: the term is extended only for a new edition submitted with a letter"),
            ));
        }
    }
    if !v.is_empty() {
        return Err(v);
    }
    let open: Vec<&String> = st
        .open
        .iter()
        .filter(|k| data.due.contains_key(*k) && !k.starts_with("referral"))
        .collect();
    if open.is_empty() || data.tor5_base.is_empty() {
        return Err(bad(
            "",
            "TOR-6",
            "no examination or decision of the TOR is under way: a new edition extends only open approval terms",
        ));
    }
    let target = terms.working_days_after(today, 10).map_err(calendar)?;
    let cap = terms
        .working_days_after(&data.tor5_base, 10)
        .map_err(calendar)?;
    if target > cap {
        return Err(bad(
            "edition",
            "TOR-6",
            format!(
                "the approval term of this round ({}) may be extended by up to 10 working days, to {cap} at the latest; a new edition received on {today} would take it to {target}",
                data.tor5_base
            ),
        ));
    }
    data.editions += 1;
    let mut extended = Vec::new();
    for key in open {
        let due = data.due[key].clone();
        if target <= due {
            continue;
        }
        // The working days from the task's last day to the target.
        let mut n = 0;
        let mut d = due.clone();
        while d < target && n < 20 {
            n += 1;
            d = terms.working_days_after(&due, n).map_err(calendar)?;
        }
        effects.push(extend_task(key, n, Unit::WorkingDays, "TOR-6"));
        extended.push(json!({"task": key, "from": due, "to": d}));
        data.due.insert(key.clone(), d);
    }
    if target > data.tor5_due {
        effects.push(set_timer_after("tor-5", 10, Unit::WorkingDays, "TOR-6"));
        data.tor5_due = target.clone();
    }
    let notice = json!({"letter": body["letter"], "edition": body["edition"], "received_on": today,
                        "extended_to": target, "tasks": extended});
    // AMB-TOR-2: the AB notifies the SI and the STS that the examination is extended.
    for r in ["service-integrator", "state-technical-service"] {
        effects.push(notify(
            role(r),
            "TOR-6: a new edition of the TOR was submitted; the examination is extended",
            &notice,
        ));
    }
    Ok(())
}

impl Variant for Edition {
    fn metadata(&self) -> Metadata {
        metadata(self)
    }
    fn steps(&self) -> Vec<Step> {
        steps(self)
    }
    fn validate(&self, intake: &str, submission: &str, _today: &str) -> Vec<Violation> {
        validate_intake(intake, submission)
    }
    fn react(&self, state: &str, input: &Input, _: &[Entry]) -> Result<Reaction, Vec<Violation>> {
        react(state, input, &Host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const E2024: Edition = Edition {
        id: "t",
        version: "1.0.0",
        title: "",
        manifest: "effective_from = \"2024-09-07\"\n",
        legal_basis: "",
        data_structure: Some("TOR-3.c"),
    };

    /// Monday to Friday work (no holidays): enough for the reducer's arithmetic.
    struct Weekdays;

    impl Terms for Weekdays {
        fn working_days_after(&self, date: &str, count: u32) -> Result<String, String> {
            let (y, m, d) = parse_date(date).ok_or("not a date")?;
            // Days since 1970-01-01 (civil from days, Howard Hinnant's algorithm).
            let days = |y: i64, m: i64, d: i64| {
                let y = if m <= 2 { y - 1 } else { y };
                let era = y.div_euclid(400);
                let yoe = y - era * 400;
                let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
                era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468
            };
            let civil = |z: i64| {
                let z = z + 719468;
                let era = z.div_euclid(146097);
                let doe = z - era * 146097;
                let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
                let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
                let mp = (5 * doy + 2) / 153;
                let d = doy - (153 * mp + 2) / 5 + 1;
                let m = if mp < 10 { mp + 3 } else { mp - 9 };
                let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
                format!("{y:04}-{m:02}-{d:02}")
            };
            let mut z = days(y.into(), m.into(), d.into());
            let mut left = count;
            while left > 0 {
                z += 1;
                // 1970-01-01 was a Thursday: (z + 3) % 7 is 0 on Mondays.
                if (z + 3).rem_euclid(7) < 5 {
                    left -= 1;
                }
            }
            Ok(civil(z))
        }
    }

    fn package(branch: &str, kinds: &[&str]) -> String {
        json!({"branch": branch, "documents": kinds.iter().map(|k| json!({"kind": k})).collect::<Vec<_>>()})
            .to_string()
    }

    fn rules(v: &[Violation]) -> Vec<&str> {
        v.iter().map(|v| v.rule.as_str()).collect()
    }

    #[test]
    fn tor_4_each_branch_needs_its_attachments_and_an_incomplete_package_starts_no_term() {
        let tor = "terms-of-reference";
        assert!(
            validate_tor(&package(
                "budget-investment-project",
                &[tor, "investment-proposal"]
            ))
            .is_empty()
        );
        assert_eq!(
            rules(&validate_tor(&package("budget-investment-project", &[tor]))),
            ["TOR-4.c"]
        );
        assert_eq!(
            rules(&validate_tor(&package("budget-investments", &[tor, "feo"]))),
            ["TOR-4.b"]
        );
        assert_eq!(
            rules(&validate_tor(&package("budget-investments", &[tor]))),
            ["TOR-4.c", "TOR-4.b"]
        );
        assert_eq!(
            rules(&validate_tor(&package("ppp-project", &[tor]))),
            ["TOR-4.b"]
        );
        let ppp = json!({"branch": "ppp-project", "ppp_business_plan_without_expertise": true,
                         "documents": [{"kind": tor}, {"kind": "business-plan"}]});
        assert!(validate_tor(&ppp.to_string()).is_empty());
        assert_eq!(
            rules(&validate_tor(&package("other", &["pre-project-document"]))),
            ["TOR-4.a"]
        );
        let v = validate_tor(&package("other", &[tor]));
        assert!(v[0].message.contains("TOR-5"), "{}", v[0].message);
        // The PPP facts belong to the PPP branch only.
        let misplaced = json!({"branch": "other", "direct_negotiations": true,
                               "documents": [{"kind": tor}, {"kind": "pre-project-document"}]});
        assert_eq!(rules(&validate_tor(&misplaced.to_string())), ["TOR-4.b"]);
    }

    #[test]
    fn tor_3_c_only_the_editions_with_the_data_structure_section_require_it() {
        let with = tor_form(&E2024);
        assert!(
            with["required"]
                .as_array()
                .unwrap()
                .contains(&json!("data_structure"))
        );
        let without = tor_form(&Edition {
            data_structure: None,
            ..E2024
        });
        assert!(
            !without["required"]
                .as_array()
                .unwrap()
                .contains(&json!("data_structure"))
        );
        assert!(without["properties"].get("data_structure").is_none());
    }

    #[test]
    fn tor_12_a_a_change_needing_development_is_not_an_addendum() {
        let ok = json!({"requires_development": false, "documents": [{"kind": "addendum"}]});
        assert!(validate_addendum(&ok.to_string()).is_empty());
        let dev = json!({"requires_development": true, "documents": [{"kind": "addendum"}]});
        assert_eq!(rules(&validate_addendum(&dev.to_string())), ["TOR-12.a"]);
        assert_eq!(
            addendum_form()["properties"]["agreed_tor"]["x-case"]["status"],
            json!(["agreed"])
        );
    }

    #[test]
    fn the_graph_names_every_described_step_and_only_those() {
        let s = steps(&E2024);
        let ids: std::collections::BTreeSet<&str> = s.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(graph().steps(), ids);
        assert_eq!(ids.len(), 7);
    }

    fn at(day: &str) -> String {
        format!("{day}T10:00:00+05:00")
    }

    fn input_submitted(day: &str) -> Input {
        Input::Submitted(Submitted {
            intake: TOR.into(),
            submission: json!({"object_name": "IS"}).to_string(),
            by: party_of("state-body", "940740000911"),
            at: at(day),
        })
    }

    fn done(task: &str, outcome: &str, day: &str) -> Input {
        Input::TaskCompleted(TaskCompleted {
            task: task.into(),
            outcome: outcome.into(),
            inputs: "{}".into(),
            reasons: vec![],
            by: role("x"),
            at: at(day),
        })
    }

    fn letter(day: &str, body: Value) -> Input {
        Input::SlotInput(SlotInput {
            slot: "editions".into(),
            seq: 1,
            by: party_of("state-body", "940740000911"),
            digest: String::new(),
            body: Some(body.to_string()),
            at: at(day),
        })
    }

    fn run(state: &str, input: Input) -> Result<Reaction, Vec<Violation>> {
        react(state, &input, &Weekdays)
    }

    #[test]
    fn tor_6_a_new_edition_extends_the_open_terms_to_ten_working_days_from_the_letter_once() {
        // Thursday 2 April 2026 (weekdays only here): TOR-5 to 23 April; referral the next day
        // opens both examinations for 12 working days, to 21 April.
        let r = run("null", input_submitted("2026-04-02")).unwrap();
        let r = run(&r.state, done("referral", "referred", "2026-04-03")).unwrap();
        let st: GraphState = serde_json::from_str(&r.state).unwrap();
        assert_eq!(st.data["due"]["si-exam"], "2026-04-21");
        assert_eq!(st.data["tor5_base"], "2026-04-23");
        let full = json!({"letter": {"reference": "L", "title": "Letter"}, "edition": {"reference": "E", "title": "Edition"}});
        // Without the edition: refused.
        let v = run(
            &r.state,
            letter("2026-04-15", json!({"letter": full["letter"]})),
        )
        .unwrap_err();
        assert_eq!(
            (v[0].field.as_str(), v[0].rule.as_str()),
            ("edition", "TOR-6")
        );
        // Wednesday 15 April: to 29 April (10 working days), 6 more for each examination.
        let r = run(&r.state, letter("2026-04-15", full.clone())).unwrap();
        let extended: Vec<(&str, u32)> = r
            .effects
            .iter()
            .filter_map(|e| match e {
                Effect::ExtendTask(x) => Some((x.key.as_str(), x.by.count)),
                _ => None,
            })
            .collect();
        assert_eq!(extended, [("si-exam", 6), ("sts-exam", 6)]);
        let notified = r
            .effects
            .iter()
            .filter(|e| matches!(e, Effect::Notify(_)))
            .count();
        assert_eq!(notified, 2, "the SI and the STS are told");
        // Past 23 April + 10 working days (7 May): refused.
        let v = run(&r.state, letter("2026-04-24", full)).unwrap_err();
        assert_eq!(v[0].rule, "TOR-6");
    }
}
