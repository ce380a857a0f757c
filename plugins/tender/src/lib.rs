//! The tender for the supplier of an ICT service, and the road from the award to the Catalog of
//! ICT services: the service-model Rules (SM: the Rules for implementing the service model of
//! informatization, order No. 129 of 28.01.2016, reg. No. 13282, as amended by order of the
//! MDDIAI No. 101/НҚ of 31.03.2022: SM-36 to SM-53-1, SM-73 to SM-98) and, from 01.01.2023,
//! the LC Rules that restated them (order 471/НҚ as amended by 178/НҚ: LC-25 to LC-32).
//!
//! Editions differ in their [`Edition`]: which Rules they apply ([`Rules`]). Everything else is
//! the procedure, kind `tender`, every step the tender service's:
//!
//! - **Start.** Intake `design-assignment` (both editions): the customer's approval of the
//!   design assignment in the service-model case starts it (`start-case`), with the body of the
//!   `design-assignments` entry. Intake `tender` (2023): the customer's own tender, with its
//!   agreed TOR (LC-28).
//! - **Register check (2023; LC-26, LC-28).** The slot `register-check` takes the tender
//!   service's answer from the catalog: nothing similar → the announcement; something similar →
//!   the customer's `register-decision` (acquire from the Register, or the tender with reasons).
//! - **Announcement and window (SM-42, SM-47, SM-49).** `announce` (the SI, 3 working days)
//!   publishes; the sealed slot `applications` (`applications-2`, `-3` in later rounds) takes the
//!   suppliers' applications for 15 working days, closed by the timer of the same name at 24:00
//!   of the last day; the customer's `commission` (SM-36) opens with the first announcement.
//! - **The close.** No Commission and not a PPP SMI project: `void` (SM-36.a). No application:
//!   the Commission's `ladder` (SM-53-1: re-announce, then amend the design assignment and
//!   tender again, then cancel). Applications: unsealed, recorded, the Commission's
//!   `evaluation` (the method of [`evaluation`], a gap in the Rules).
//! - **After the award.** `creation` by the winner (SM-73, AMB-SM-11; timer `sm-73` at the end
//!   of the protocol's term), `testing` (SM-76-1), `environment` (SM-80-1), `trials` (SM-82),
//!   `convene` (SM-83), `formation` (SM-85), `commissioning` (SM-86, SM-87, SM-87-1),
//!   `notify-si` (SM-98.a), `notify-ab` (SM-98.b), which writes the entry
//!   `ict-services-for-catalog` the catalog service includes.
//!
//! The tender record, registry `tenders` ([`record`]), is written whole by every input that
//! changes it; the tender service builds the OCDS view from it. Terms are counted by the host's
//! calendar ([`Calendar`]).

pub mod evaluation;
pub mod form;
pub mod record;
pub mod steps;
pub mod tender;
pub mod texts;

use egov_plugin_sdk::*;
use serde_json::{Value, json};

pub use evaluation::{Criterion, Judged, Ranked, rank};
pub use form::{
    DesignAssignment, TenderForm, design_assignment_form, read_design_assignment, read_tender,
    tender_form,
};
pub use record::{Record, TENDERS};
pub use steps::{STEPS, rule, steps};
pub use tender::{Tender, window_name};

/// The procedure kind.
pub const KIND: &str = "tender";
/// The service whose worklist holds every step.
pub const SERVICE: &str = "tender";
/// The intake of an approved design assignment: `POST /api/v1/tender-openings`.
pub const DESIGN_ASSIGNMENT: &str = "design-assignment";
/// The intake of a tender (2023): `POST /api/v1/ict-service-tenders`.
pub const TENDER: &str = "tender";
/// The slot of the Register check (2023).
pub const REGISTER_CHECK: &str = "register-check";
/// The registry of awards (key: the tender's).
pub const AWARDS: &str = "tender-awards";
/// The registry of ICT services to include in the Catalog (SM-98.b; key: the tender's).
pub const CATALOG: &str = "ict-services-for-catalog";

/// The Rules an edition applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rules {
    /// The service-model Rules as amended by order 101/НҚ (to 31.12.2022).
    ServiceModel,
    /// The LC Rules (order 471/НҚ as amended by 178/НҚ, from 01.01.2023): the Register check
    /// first (LC-26, LC-28), the TOR in the tender documentation, LC-31 and LC-32.a for the
    /// winner, LC-9 for testing, trials and commissioning; the rest kept from the service-model
    /// Rules as the edition's reading.
    LifeCycle,
}

/// What one edition sets.
pub struct Edition {
    pub id: &'static str,
    pub version: &'static str,
    pub title: &'static str,
    /// The deployment manifest (`include_str!("../manifest.toml")`): its period.
    pub manifest: &'static str,
    pub legal_basis: &'static str,
    pub rules: Rules,
}

impl Edition {
    /// Whether the edition applies the LC Rules.
    pub const fn lc(&self) -> bool {
        matches!(self.rules, Rules::LifeCycle)
    }
}

/// The rule of the intakes: SM-42 (the SI announces the tender on the approved design
/// assignment), LC-28 (a tender when the Register has no ICT service needed).
pub fn intake_rule(e: &Edition) -> &'static str {
    if e.lc() { "LC-28" } else { "SM-42" }
}

/// The edition's metadata; its period comes from its manifest (one that cannot be read yields
/// an effective-from the host refuses, never a guessed date).
pub fn metadata(e: &Edition) -> Metadata {
    let (effective_from, effective_to) = manifest_period(e.manifest)
        .unwrap_or_else(|why| (format!("(invalid manifest: {why})"), None));
    let da_title = if e.lc() {
        "Утвержденное задание на проектирование ИК-услуги — an approved design assignment (of a request received under the service-model Rules) starts the tender: the Register of trusted software is checked first (LC-26, LC-28) and the announcement names the agreed terms of reference (LC-28). Admitted by the platform on the customer's approval; a platform administrator may post it to recover"
    } else {
        "Утвержденное задание на проектирование ИК-услуги — the approved design assignment starts the tender: the service integrator announces it within 3 working days of the approval (SM-42). Admitted by the platform on the customer's approval; a platform administrator may post it to recover"
    };
    let mut intakes = vec![intake(
        DESIGN_ASSIGNMENT,
        da_title,
        "tender-openings",
        "platform-admin",
        intake_rule(e),
        design_assignment_form(intake_rule(e)),
    )];
    if e.lc() {
        intakes.push(intake(
            TENDER,
            "Конкурс на создание информационно-коммуникационной услуги — a tender for creating an ICT service: the Register of trusted software is checked first (LC-26); the tender documentation includes the terms of reference (LC-28)",
            "ict-service-tenders",
            "state-body",
            "LC-28",
            tender_form(),
        ));
    }
    Metadata {
        id: e.id.into(),
        kind: KIND.into(),
        version: e.version.into(),
        title: e.title.into(),
        effective_from,
        effective_to,
        legal_basis: e.legal_basis.into(),
        intakes,
    }
}

/// What `validate` checks beyond the schema of the intake.
pub fn validate(e: &Edition, intake: &str, submission: &str, today: &str) -> Vec<Violation> {
    let v: Value = match serde_json::from_str(submission) {
        Ok(v) => v,
        Err(err) => {
            return vec![violation(
                "",
                intake_rule(e),
                format!("the submission is not JSON: {err}"),
            )];
        }
    };
    match intake {
        DESIGN_ASSIGNMENT => read_design_assignment(&v, today, intake_rule(e)).err(),
        TENDER if e.lc() => read_tender(&v).err(),
        other => Some(vec![violation(
            "intake",
            "",
            format!("no intake {other:?}"),
        )]),
    }
    .unwrap_or_default()
}

/// The calendar the reducer counts with: the host's, which is the engine's.
pub trait Calendar {
    /// The last day of a term of `count` `unit`s counted from the day `date`.
    fn term_end(&self, date: &str, count: u32, unit: Unit) -> Result<String, String>;
}

/// The host's calendar.
pub struct Host;

impl Calendar for Host {
    fn term_end(&self, date: &str, count: u32, unit: Unit) -> Result<String, String> {
        host::term_end(date, count, unit)
    }
}

/// A refusal with one violation.
pub(crate) fn bad(field: &str, rule: &str, message: impl Into<String>) -> Vec<Violation> {
    vec![violation(field, rule, message)]
}

/// The variant's `react`.
pub fn react(
    e: &Edition,
    state: &str,
    input: &Input,
    cal: &dyn Calendar,
) -> Result<Reaction, Vec<Violation>> {
    let state: Option<Tender> = serde_json::from_str(state).map_err(|err| {
        bad(
            "",
            "",
            format!("the case state is not this variant's: {err}"),
        )
    })?;
    let mut effects = Vec::new();
    let next = match (state, input) {
        (None, Input::Submitted(s)) => Tender::submitted(e, s, &mut effects)?,
        (None, _) => return Err(bad("", "", "the case has not been submitted")),
        (Some(mut t), input) => {
            t.react(e, input, cal, &mut effects)?;
            t
        }
    };
    Ok(Reaction {
        state: serde_json::to_string(&next).expect("the state serializes"),
        effects,
    })
}

/// The variant's decisions: `evaluation`, the method on `{"criteria": [{criterion, weight}],
/// "applications": [{seq, supplier, received_at, admissible, scores}]}`: the ranking and the
/// explanation.
pub fn decide(name: &str, input: &str) -> Result<String, Vec<Violation>> {
    if name != "evaluation" {
        return Err(bad("name", "", format!("no decision {name:?}: evaluation")));
    }
    let v: Value =
        serde_json::from_str(input).map_err(|err| bad("input", "", format!("not JSON: {err}")))?;
    let mut c = read::Checks::default();
    let Some(o) = read::object(
        &mut c,
        &v,
        "",
        "SM-F2",
        "the evaluation",
        &["criteria", "applications"],
    ) else {
        return Err(c.v);
    };
    let criteria = form::read_criteria(&mut c, &o, "criteria", "SM-F2", true).unwrap_or_default();
    let mut apps = Vec::new();
    for (path, a) in o
        .list(&mut c, "applications", "SM-F2", "the applications", true)
        .unwrap_or_default()
    {
        let Some(a) = read::object(
            &mut c,
            a,
            &path,
            "SM-F2",
            "an application",
            &["seq", "supplier", "received_at", "admissible", "scores"],
        ) else {
            continue;
        };
        let seq = a.integer(
            &mut c,
            "seq",
            ("SM-F2", "its sequence number"),
            1..=i64::from(u32::MAX),
            true,
        );
        let supplier = a.line(&mut c, "supplier", "SM-F2", "the supplier", true);
        let received_at = a.line(&mut c, "received_at", "SM-F2", "when it was received", true);
        let admissible = a.boolean(
            &mut c,
            "admissible",
            "SM-F2",
            "whether it is admissible",
            true,
        );
        let scores = match a.raw("scores") {
            None | Some(Value::Null) => Default::default(),
            Some(Value::Array(l)) => l
                .iter()
                .filter_map(|g| {
                    let k = g.get("criterion")?.as_str()?;
                    let v = g.get("score")?.as_u64().filter(|s| *s <= 100)?;
                    Some((k.to_owned(), v as u32))
                })
                .collect(),
            Some(_) => {
                c.push(
                    &a.at("scores"),
                    "SM-F2",
                    "the scores are a list of {criterion, score}, each a whole score 0..100",
                );
                Default::default()
            }
        };
        if let (Some(seq), Some(supplier), Some(received_at), Some(admissible)) =
            (seq, supplier, received_at, admissible)
        {
            apps.push(Judged {
                seq: seq as u32,
                supplier,
                received_at,
                admissible,
                scores,
            });
        }
    }
    c.done()?;
    let ranking = rank(&criteria, &apps);
    Ok(json!({
        "ranking": ranking,
        "winner": ranking.first(),
        "reasons": evaluation::explain(&criteria, &apps, &ranking),
    })
    .to_string())
}

impl Variant for Edition {
    fn metadata(&self) -> Metadata {
        metadata(self)
    }
    fn steps(&self) -> Vec<Step> {
        steps(self)
    }
    fn validate(&self, intake: &str, submission: &str, today: &str) -> Vec<Violation> {
        validate(self, intake, submission, today)
    }
    fn react(&self, state: &str, input: &Input, _: &[Entry]) -> Result<Reaction, Vec<Violation>> {
        react(self, state, input, &Host)
    }
    fn decide(&self, name: &str, input: &str) -> Result<String, Vec<Violation>> {
        decide(name, input)
    }
}

#[cfg(test)]
mod tests;
