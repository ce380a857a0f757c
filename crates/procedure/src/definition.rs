//! Definitions and their load-time checks.

use std::collections::BTreeSet;

use egov_kernel::{Role, Term, Unit};
use jiff::civil::Date;
use serde::Deserialize;

/// A procedure variant: one edition of one procedure's rules.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Unique id of the variant, e.g. `perechen-353`.
    pub id: String,
    /// The procedure kind it implements, e.g. `perechen`.
    pub kind: String,
    /// Semantic version of the variant.
    pub version: String,
    /// A title for people.
    pub title: String,
    /// First day a case submitted on it follows this variant.
    pub effective_from: Date,
    /// Last day (inclusive), if the edition was replaced.
    #[serde(default)]
    pub effective_to: Option<Date>,
    /// The act this edition implements.
    pub legal_basis: String,
    /// How cases enter.
    pub intake: Intake,
    /// The submission form.
    pub form: Form,
    /// The step graph.
    pub steps: Vec<Step>,
}

/// How cases of this procedure enter.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Intake {
    /// The collection under `/api/v1/`, e.g. `perechen-applications`.
    pub path: String,
    /// The role that submits.
    pub role: Role,
    /// The rule that gives the submitter the right to apply.
    pub rule: String,
}

/// The submission form.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    /// The rule that lists the object kinds (checked on `object_kind`).
    pub kind_rule: String,
    /// The object kinds and their documents.
    pub kinds: Vec<ObjectKind>,
    /// The fields, common to every kind.
    pub fields: Vec<Field>,
}

/// An object kind with the documents an application for it must carry.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectKind {
    /// Wire name, e.g. `information-system`.
    pub name: String,
    /// Title.
    pub title: String,
    /// The rule listing its documents, e.g. `PL-3.a`.
    pub rule: String,
    /// Required documents.
    pub documents: Vec<DocumentSpec>,
}

/// A required document.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentSpec {
    /// Wire name of the document kind.
    pub kind: String,
    /// Title.
    pub title: String,
}

/// A form field.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Wire name.
    pub name: String,
    /// Title.
    pub title: String,
    /// The rule that requires it (e.g. `PL-F1`).
    pub rule: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// Whether it must be present.
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

/// Field types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldType {
    /// Non-empty text.
    Text,
    /// A date (YYYY-MM-DD), not in the future.
    Date,
    /// A whole number >= 0.
    Count,
}

/// A step of the procedure.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Step id, unique in the definition.
    pub id: String,
    /// Title.
    pub title: String,
    /// The acting role.
    pub role: Role,
    /// The service that owns the step.
    pub service: String,
    /// The rule the step implements (and whose term it carries).
    pub rule: String,
    /// The legal term, counted from the day the acting party received the matter.
    #[serde(default)]
    pub term: Option<StepTerm>,
    /// True for the step opened on submission.
    #[serde(default)]
    pub start: bool,
    /// Outcomes.
    pub outcomes: Vec<Outcome>,
}

/// A step's term.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepTerm {
    /// How many units.
    pub count: i64,
    /// The unit.
    pub unit: Unit,
    /// What starts it, as the rule says (documentation: the engine counts from the step's
    /// opening, which is that event).
    pub from: String,
}

impl StepTerm {
    /// The term as a kernel [`Term`].
    pub fn term(&self) -> Term {
        Term::new(self.count, self.unit).expect("checked when the definition was loaded")
    }
}

/// An outcome of a step.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// Wire name, e.g. `forward-to-si`.
    pub name: String,
    /// Title.
    pub title: String,
    /// The steps it opens (several run in parallel); none ends this branch.
    #[serde(default)]
    pub next: Vec<String>,
    /// The case status it sets, e.g. `included` or `refused`.
    #[serde(default)]
    pub status: Option<String>,
    /// Whether the actor must give reasons (e.g. a refusal).
    #[serde(default)]
    pub requires_reasons: bool,
    /// The rule behind the outcome, when it is not the step's.
    #[serde(default)]
    pub rule: Option<String>,
}

/// A definition that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("procedure definition {id}: {detail}")]
pub struct DefinitionError {
    /// The definition id (or file).
    pub id: String,
    /// What is wrong.
    pub detail: String,
}

impl Definition {
    /// Parses a definition from TOML and checks it.
    pub fn from_toml(text: &str) -> Result<Self, DefinitionError> {
        let d: Definition = toml::from_str(text).map_err(|e| DefinitionError {
            id: "?".into(),
            detail: e.to_string(),
        })?;
        d.check()?;
        Ok(d)
    }

    /// The load-time checks: one start step, unique ids, outcomes that lead somewhere known,
    /// valid terms, a semantic version, dates in order.
    pub fn check(&self) -> Result<(), DefinitionError> {
        let bad = |detail: String| {
            Err(DefinitionError {
                id: self.id.clone(),
                detail,
            })
        };
        let parts: Vec<&str> = self.version.split('.').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.parse::<u32>().is_err()) {
            return bad(format!(
                "version {:?} is not MAJOR.MINOR.PATCH",
                self.version
            ));
        }
        if let Some(to) = self.effective_to
            && to < self.effective_from
        {
            return bad("effective_to is before effective_from".into());
        }
        let ids: BTreeSet<&str> = self.steps.iter().map(|s| s.id.as_str()).collect();
        if ids.len() != self.steps.len() {
            return bad("step ids are not unique".into());
        }
        if self.steps.iter().filter(|s| s.start).count() != 1 {
            return bad("exactly one step must be the start step".into());
        }
        for s in &self.steps {
            if let Some(t) = &s.term
                && let Err(e) = Term::new(t.count, t.unit)
            {
                return bad(format!("step {}: {e}", s.id));
            }
            if s.outcomes.is_empty() {
                return bad(format!("step {} has no outcomes", s.id));
            }
            for o in &s.outcomes {
                if let Some(n) = o.next.iter().find(|n| !ids.contains(n.as_str())) {
                    return bad(format!(
                        "step {} outcome {} leads to unknown step {n}",
                        s.id, o.name
                    ));
                }
            }
        }
        if self.form.kinds.is_empty() {
            return bad("the form has no object kinds".into());
        }
        Ok(())
    }

    /// The step opened on submission.
    pub fn start_step(&self) -> &Step {
        self.steps
            .iter()
            .find(|s| s.start)
            .expect("checked: one start step")
    }

    /// A step by id.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Whether a case submitted on `day` follows this variant.
    pub fn in_force_on(&self, day: Date) -> bool {
        day >= self.effective_from && self.effective_to.is_none_or(|to| day <= to)
    }
}

impl Step {
    /// An outcome by name.
    pub fn outcome(&self, name: &str) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.name == name)
    }
}
