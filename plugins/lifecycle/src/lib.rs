//! The life cycle of e-government informatization objects and the Register of trusted software:
//! the Rules for the creation, development, operation and acquisition of e-government
//! informatization objects and ICT services (LC: order No. 129 of 28.01.2016, reg. No. 13282, as
//! restated by order 471/НҚ of 29.11.2022, in force 01.01.2023, and amended by order 178/НҚ of
//! 16.05.2023).
//!
//! Editions differ in their [`Edition`]; everything else is the procedure. Two intakes:
//!
//! - `informatization-objects` (LC-4.a, a state body): registers an object; **the case is the
//!   object for its whole life**. It is written to the registry `informatization-objects` under
//!   `<BIN of the state body>/<name_ru>`, and written again by every input that changes it. The
//!   state body's slots carry the rest:
//!   - `stage` (LC-3, LC-9, LC-10, LC-15, LC-19): the stage reports, along the path creation →
//!     trial operation → IS testing → implementation → commercial operation, then development
//!     (LC-10.a: only after commissioning; it goes through LC-9 again), support (LC-16.a sp.5)
//!     or termination (LC-19, final), each move with the act that closes the stage it leaves;
//!     or a refinement that is not development (LC-10.c). Commissioning starts the 12 months of
//!     warranty (LC-16.b); a later commissioning (after a development) starts them anew, for
//!     the supplier of that commissioning: this variant's reading, the Rules count the warranty
//!     "со дня введения в промышленную эксплуатацию" and a development ends in a commissioning
//!     of its own (p.9 sp.5)).
//!   - `warranty-claims` (LC-16.b, LC-17): a claim within the period meeting the five
//!     conditions of p.17 opens the supplier's task `warranty-service`, and the agreed time limit
//!     (AMB-LC-6: stored per object) runs as a timer that alerts the state body.
//!   - `environment-requests` (LC-12): under a concluded Agreement, the operator's task
//!     `provide-environment` (10 working days) and the free period of at most 3 months from the
//!     Agreement (AMB-LC-4.a) as a timer.
//!   - `placement-requests` (LC-13): the operator's task `provide-placement` (10 working days),
//!     or a change of placement checked as at registration (LC-13.b, LC-14).
//!   - `records` (LC-4.b, LC-11, LC-23, LC-24): portal updates, source-code transfers,
//!     acquisition by donation or inheritance.
//! - `trusted-software-inclusions` (LC-32.a, a supplier): an application to include software in
//!   the Register of trusted software and electronic-industry products (order 53/НҚ, external):
//!   a legacy product (LC-37) is included at once, without the Register rules; any other goes
//!   to the authorized body's decision `register-decision`. An inclusion is written to the
//!   registry `trusted-software` under `<product> <version>`.
//!
//! Terms are counted by the host's calendar ([`Calendar`]): the variant records the last days it
//! shows (the operator's 10 working days, the free period, the warranty period) as the engine
//! counts them.

mod form;
mod object;
mod software;
pub mod texts;

use egov_plugin_sdk::*;

pub use form::{
    Act, Application, CUT_OFF, FUNDING, GROUNDS, ORIGINS, PLACEMENTS, Placement, Portal,
    Registration, object_form, read_application, read_object, software_form, validate_intake,
};
pub use object::Object;
pub use software::Software;

/// The procedure kind.
pub const KIND: &str = "lifecycle";
/// The intake of an informatization object (LC-4.a): `POST /api/v1/informatization-objects`.
pub const OBJECTS: &str = "informatization-objects";
/// The intake of an application to the Register (LC-32.a):
/// `POST /api/v1/trusted-software-inclusions`.
pub const SOFTWARE: &str = "trusted-software-inclusions";
/// The registry of informatization objects (key `<BIN>/<name_ru>`).
pub const OBJECT_REGISTRY: &str = "informatization-objects";
/// The Register of trusted software (key `<product> <version>`).
pub const SOFTWARE_REGISTRY: &str = "trusted-software";

/// How the variant reads its submissions and slot bodies ([`read::Checks::new`]): its lists are
/// of references, at most 50; its dates go back to the independence of the Republic (an object
/// or its act may predate the informatization acts, [`EARLIEST_DATE`]); and a field given as
/// `null` is given, of the wrong type (its forms never admit `null`, and a slot body, which has
/// no schema, is held to the same).
pub const READING: read::Reading = read::Reading {
    max_items: 50,
    earliest: read::Earliest::INDEPENDENCE,
    null: read::Null::Value,
};

/// The stages of the life cycle (p.3 sp.7), with the steps of p.9 that creation and development
/// consist of: (id, how the Rules name it).
pub const STAGES: [(&str, &str); 8] = [
    ("creation", "создание — creation"),
    ("trial-operation", "опытная эксплуатация — trial operation"),
    (
        "is-testing",
        "испытание на соответствие требованиям информационной безопасности — testing for compliance with information-security requirements",
    ),
    ("implementation", "внедрение — implementation"),
    (
        "commercial-operation",
        "промышленная эксплуатация — commercial (industrial) operation",
    ),
    ("development", "развитие — development"),
    ("support", "сопровождение — support"),
    (
        "termination",
        "прекращение промышленной эксплуатации — termination of commercial operation",
    ),
];

/// How the Rules name a stage: «…» (id).
pub fn stage_title(stage: &str) -> String {
    match STAGES.iter().find(|(s, _)| *s == stage) {
        Some((s, t)) => format!("«{t}» ({s})"),
        None => format!("{stage:?}"),
    }
}

/// The slots of an object's case: (name, rule).
pub const SLOTS: [(&str, &str); 5] = [
    ("stage", "LC-9"),
    ("warranty-claims", "LC-17.b"),
    ("environment-requests", "LC-12.a"),
    ("placement-requests", "LC-13.a"),
    ("records", "LC-4.b"),
];

/// What one edition sets.
pub struct Edition {
    pub id: &'static str,
    pub version: &'static str,
    pub title: &'static str,
    /// The deployment manifest (`include_str!("../manifest.toml")`): its period.
    pub manifest: &'static str,
    pub legal_basis: &'static str,
}

/// The edition's metadata; its period comes from its manifest (one that cannot be read yields an
/// effective-from the host refuses, never a guessed date).
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
                OBJECTS,
                "Учет сведений об объекте информатизации \"электронного правительства\" — an e-government informatization object: its records on the architecture portal and its life cycle (LC-4)",
                "informatization-objects",
                "state-body",
                "LC-4.a",
                object_form(),
            ),
            intake(
                SOFTWARE,
                "Включение программного обеспечения в Реестр доверенного программного обеспечения и продукции электронной промышленности — inclusion of software in the Register of trusted software and electronic-industry products (LC-32.a, LC-22, LC-37, LC-38)",
                "trusted-software-inclusions",
                "supplier",
                "LC-32.a",
                software_form(),
            ),
        ],
    }
}

/// The steps. Every task is the catalog's (the registries' service).
pub fn steps(_e: &Edition) -> Vec<Step> {
    use Unit::WorkingDays;
    vec![
        step(
            "register-decision",
            "Решение о включении программного обеспечения в Реестр — the decision on including the software in the Register of trusted software and electronic-industry products, under the Register rules (order 53/НҚ of 28.03.2018, reg. No. 16750): those rules are external to these Rules and set their own procedure and terms, so no term is counted here",
            "authorized-body",
            "catalog",
            "LC-32.a",
        )
        .outcome(outcome("include", "Включено в Реестр — included in the Register").rule("LC-32.a"))
        .outcome(
            outcome("refuse", "Отказано во включении в Реестр — inclusion refused, with reasons")
                .with_reasons()
                .rule("LC-32.a"),
        ),
        step(
            "provide-environment",
            "Предоставление сред разработки и тестирования, опытной эксплуатации и проведения испытаний на информационно-коммуникационной платформе \"электронного правительства\" — provision of the development and testing, trial-operation and trials environments on the e-gov ICT platform, free of charge for at most three months from the Agreement (LC-12.a, LC-12.b)",
            "operator",
            "catalog",
            "LC-12.a",
        )
        .term(
            10,
            WorkingDays,
            "receipt of the application under the concluded Agreement («в течение десяти рабочих дней с момента получения заявки на основании заключенного договора», AMB-LC-4.c)",
        )
        .outcome(outcome("provided", "Среда предоставлена — the environments were provided"))
        .outcome(
            outcome("refused", "Отказано в предоставлении среды — refused, with reasons")
                .with_reasons(),
        ),
        step(
            "provide-placement",
            "Услуга по предоставлению технологической платформы и (или) информационно-коммуникационной инфраструктуры для размещения объекта — the service of providing the technological platform and/or the ICT infrastructure to place the object (LC-13.a, LC-30.a)",
            "operator",
            "catalog",
            "LC-13.a",
        )
        .term(
            10,
            WorkingDays,
            "receipt of the application («в течение десяти рабочих дней с момента получения заявки»)",
        )
        .outcome(outcome("provided", "Услуга оказана — the platform and/or infrastructure was provided"))
        .outcome(
            outcome("refused", "Отказано в оказании услуги — refused, with reasons")
                .with_reasons(),
        ),
        step(
            "warranty-service",
            "Гарантийное обслуживание: устранение поставщиком допущенных им ошибок и недочетов в согласованные сроки, безвозмездно — warranty service: the supplier eliminates, free of charge, the errors and shortcomings it made, within the agreed time limits (LC-17.a, LC-17.b). The Rules set no term: the time limit agreed for the object runs as a timer (AMB-LC-6)",
            "supplier",
            "catalog",
            "LC-17.b",
        )
        .outcome(outcome("eliminated", "Ошибки и недочеты устранены — the errors and shortcomings were eliminated"))
        .outcome(
            outcome("declined", "Отказ: не соблюдено требование п.17 — declined: a condition of p.17 is disputed (name it in the reasons)")
                .with_reasons(),
        ),
    ]
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

/// The variant's state: the object, or the application, under its intake's name (externally
/// tagged, so that it is read in one pass).
#[derive(serde::Serialize, serde::Deserialize)]
enum State {
    #[serde(rename = "informatization-objects")]
    Object(Box<Object>),
    #[serde(rename = "trusted-software-inclusions")]
    Software(Box<Software>),
}

/// A refusal with one violation.
pub(crate) fn bad(field: &str, rule: &str, message: impl Into<String>) -> Vec<Violation> {
    vec![violation(field, rule, message)]
}

/// The variant's `react`.
pub fn react(state: &str, input: &Input, cal: &dyn Calendar) -> Result<Reaction, Vec<Violation>> {
    let state: Option<State> = serde_json::from_str(state)
        .map_err(|e| bad("", "", format!("the case state is not this variant's: {e}")))?;
    let mut effects = Vec::new();
    let next = match (state, input) {
        (None, Input::Submitted(s)) if s.intake == OBJECTS => {
            State::Object(Box::new(object::submitted(s, cal, &mut effects)?))
        }
        (None, Input::Submitted(s)) if s.intake == SOFTWARE => {
            State::Software(Box::new(software::submitted(s, &mut effects)?))
        }
        (None, Input::Submitted(s)) => {
            return Err(bad("intake", "", format!("no intake {:?}", s.intake)));
        }
        (None, _) => return Err(bad("", "", "the case has not been submitted")),
        (Some(_), Input::Submitted(_)) => return Err(bad("", "", "the case was submitted before")),
        (Some(State::Object(mut o)), input) => {
            o.react(input, cal, &mut effects)?;
            State::Object(o)
        }
        (Some(State::Software(mut s)), input) => {
            s.react(input, &mut effects)?;
            State::Software(s)
        }
    };
    Ok(Reaction {
        state: serde_json::to_string(&next).expect("the state serializes"),
        effects,
    })
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
        react(state, input, &Host)
    }
}

#[cfg(test)]
mod tests;
