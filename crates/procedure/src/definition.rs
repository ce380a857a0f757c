//! One loaded variant: its model, read once from the plugin and checked, and the calls that go
//! to the plugin (validation, decisions).

use std::collections::{BTreeMap, BTreeSet};

use egov_kernel::{Line, Name, Role, Term, Unit};
use egov_plugin_host::{Plugin, PluginError, wit};
use jiff::civil::Date;
use serde::Deserialize;

/// A procedure variant: one edition of one procedure's rules.
#[derive(Clone, Debug)]
pub struct Definition {
    /// Unique id of the variant, e.g. `perechen-353`.
    pub id: String,
    /// The procedure kind it implements, e.g. `perechen`.
    pub kind: String,
    /// Semantic version, as the plugin wrote it.
    pub version: String,
    /// The version parsed (semver 2.0.0): selection takes the highest in force.
    pub semver: semver::Version,
    /// A title for people.
    pub title: String,
    /// First day a case submitted on it follows this variant.
    pub effective_from: Date,
    /// Last day (inclusive), if the edition was replaced.
    pub effective_to: Option<Date>,
    /// The act this edition implements.
    pub legal_basis: String,
    /// How cases enter.
    pub intake: Intake,
    /// The submission form.
    pub form: Form,
    /// The step graph.
    pub steps: Vec<Step>,
    /// The plugin's sha256.
    pub digest: String,
    plugin: Plugin,
}

/// How cases of this procedure enter.
#[derive(Clone, Debug)]
pub struct Intake {
    /// The collection under `/api/v1/`, e.g. `perechen-applications`.
    pub path: String,
    /// The role that submits.
    pub role: Role,
    /// The rule that gives the submitter the right to apply.
    pub rule: String,
}

/// The submission form.
#[derive(Clone, Debug)]
pub struct Form {
    /// The rule listing the object kinds.
    pub kind_rule: String,
    /// The object kinds and their documents.
    pub kinds: Vec<ObjectKind>,
    /// The fields.
    pub fields: Vec<Field>,
    /// The yes/no criteria the submitter answers.
    pub criteria: Vec<Criterion>,
}

/// An object kind with its required documents.
#[derive(Clone, Debug)]
pub struct ObjectKind {
    /// Wire name.
    pub name: String,
    /// Title.
    pub title: String,
    /// The rule listing its documents.
    pub rule: String,
    /// Required documents.
    pub documents: Vec<DocumentSpec>,
}

/// A required document.
#[derive(Clone, Debug)]
pub struct DocumentSpec {
    /// Wire name.
    pub kind: String,
    /// Title.
    pub title: String,
}

/// A form field.
#[derive(Clone, Debug)]
pub struct Field {
    /// Wire name.
    pub name: String,
    /// Title.
    pub title: String,
    /// The rule that requires it.
    pub rule: String,
    /// Its type.
    pub kind: FieldType,
    /// Whether it must be present.
    pub required: bool,
}

/// Field types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// Non-empty text.
    Text,
    /// A date, not in the future.
    Date,
    /// A whole number.
    Count,
}

/// A yes/no criterion.
#[derive(Clone, Debug)]
pub struct Criterion {
    /// Id, e.g. `3.1`.
    pub id: String,
    /// Its group.
    pub group: String,
    /// What it says.
    pub text: String,
    /// Object kinds it applies to (empty: all).
    pub applies_to: Vec<String>,
    /// The rule.
    pub rule: String,
}

/// A step of the procedure.
#[derive(Clone, Debug)]
pub struct Step {
    /// Step id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The acting role.
    pub role: Role,
    /// The owning service.
    pub service: String,
    /// The rule it implements.
    pub rule: String,
    /// Its legal term.
    pub term: Option<StepTerm>,
    /// True for the step opened on submission.
    pub start: bool,
    /// Outcomes.
    pub outcomes: Vec<Outcome>,
    /// A decision computed before an outcome is accepted.
    pub check: Option<String>,
}

/// A step's term.
#[derive(Clone, Debug)]
pub struct StepTerm {
    /// The term.
    pub term: Term,
    /// What starts it, as the rule says.
    pub from: String,
}

impl StepTerm {
    /// The term as a kernel [`Term`].
    pub fn term(&self) -> Term {
        self.term
    }
}

/// An outcome of a step.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Wire name.
    pub name: String,
    /// Title.
    pub title: String,
    /// The steps it opens.
    pub next: Vec<String>,
    /// The case status it sets.
    pub status: Option<String>,
    /// Whether the actor must give reasons.
    pub requires_reasons: bool,
    /// The rule behind it, when not the step's.
    pub rule: Option<String>,
}

/// A submission as agencies send it (the body of `POST /api/v1/<intake path>`); parsed for
/// shape here (names are [`Name`]s, text is one [`Line`] without control characters), for the
/// rules by the variant.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// One of the form's object kinds.
    pub object_kind: Name,
    /// The form's fields by name.
    #[serde(default)]
    pub fields: BTreeMap<Name, Line>,
    /// Attached documents, by reference.
    #[serde(default)]
    pub documents: Vec<DocumentRef>,
    /// Answers to the form's criteria.
    #[serde(default)]
    pub criteria: BTreeMap<Name, bool>,
}

/// A document by reference.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentRef {
    /// A document kind the form names.
    pub kind: Name,
    /// An architecture-portal id or a URI.
    pub reference: Line,
    /// A title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Line>,
}

pub use egov_plugin_host::wit::Violation;

/// A plugin whose model cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("procedure variant {id}: {detail}")]
pub struct DefinitionError {
    /// The variant (or manifest).
    pub id: String,
    /// What is wrong.
    pub detail: String,
}

fn unit(u: wit::Unit) -> Unit {
    match u {
        wit::Unit::WorkingDays => Unit::WorkingDays,
        wit::Unit::CalendarDays => Unit::CalendarDays,
        wit::Unit::Months => Unit::Months,
    }
}

impl Definition {
    /// Reads the model from `plugin` (metadata, steps, form) and checks it.
    pub fn from_plugin(plugin: Plugin) -> Result<Self, DefinitionError> {
        let label = plugin.label().to_owned();
        let err = |detail: String| DefinitionError {
            id: label.clone(),
            detail,
        };
        let fault = |e: PluginError| DefinitionError {
            id: label.clone(),
            detail: e.to_string(),
        };
        let md = plugin.metadata().map_err(fault)?;
        let steps = plugin.steps().map_err(fault)?;
        let form = plugin.form().map_err(fault)?;
        let date = |what: &str, s: &str| {
            s.parse::<Date>()
                .map_err(|e| err(format!("{what} {s:?}: {e}")))
        };
        let role = |s: &str| s.parse::<Role>().map_err(|e| err(e.to_string()));
        let mut out_steps = Vec::with_capacity(steps.len());
        for s in steps {
            let term = match s.term {
                Some(t) => Some(StepTerm {
                    term: Term::new(t.count.into(), unit(t.unit))
                        .map_err(|e| err(format!("step {}: {e}", s.id)))?,
                    from: t.start,
                }),
                None => None,
            };
            out_steps.push(Step {
                role: role(&s.role)?,
                id: s.id,
                title: s.title,
                service: s.service,
                rule: s.rule,
                term,
                start: s.start,
                outcomes: s
                    .outcomes
                    .into_iter()
                    .map(|o| Outcome {
                        name: o.name,
                        title: o.title,
                        next: o.next,
                        status: o.status,
                        requires_reasons: o.requires_reasons,
                        rule: o.rule,
                    })
                    .collect(),
                check: s.check,
            });
        }
        let d = Definition {
            id: md.id,
            kind: md.kind,
            semver: semver::Version::parse(&md.version).map_err(|e| {
                err(format!(
                    "version {:?} is not a semantic version: {e}",
                    md.version
                ))
            })?,
            version: md.version,
            title: md.title,
            effective_from: date("effective-from", &md.effective_from)?,
            effective_to: md
                .effective_to
                .as_deref()
                .map(|s| date("effective-to", s))
                .transpose()?,
            legal_basis: md.legal_basis,
            intake: Intake {
                path: md.intake.path,
                role: role(&md.intake.role)?,
                rule: md.intake.rule,
            },
            form: Form {
                kind_rule: form.kind_rule,
                kinds: form
                    .kinds
                    .into_iter()
                    .map(|k| ObjectKind {
                        name: k.name,
                        title: k.title,
                        rule: k.rule,
                        documents: k
                            .documents
                            .into_iter()
                            .map(|d| DocumentSpec {
                                kind: d.kind,
                                title: d.title,
                            })
                            .collect(),
                    })
                    .collect(),
                fields: form
                    .fields
                    .into_iter()
                    .map(|f| Field {
                        name: f.name,
                        title: f.title,
                        rule: f.rule,
                        kind: match f.kind {
                            wit::FieldType::Text => FieldType::Text,
                            wit::FieldType::Date => FieldType::Date,
                            wit::FieldType::Count => FieldType::Count,
                        },
                        required: f.required,
                    })
                    .collect(),
                criteria: form
                    .criteria
                    .into_iter()
                    .map(|c| Criterion {
                        id: c.id,
                        group: c.group,
                        text: c.text,
                        applies_to: c.applies_to,
                        rule: c.rule,
                    })
                    .collect(),
            },
            steps: out_steps,
            digest: plugin.digest().to_owned(),
            plugin,
        };
        d.check()?;
        Ok(d)
    }

    /// The model's checks: one start step, unique ids, outcomes that lead to known steps,
    /// a semantic version, dates in order, a non-empty form.
    pub fn check(&self) -> Result<(), DefinitionError> {
        let bad = |detail: String| {
            Err(DefinitionError {
                id: format!("{}@{}", self.id, self.version),
                detail,
            })
        };
        if let Some(to) = self.effective_to
            && to < self.effective_from
        {
            return bad("effective-to is before effective-from".into());
        }
        let ids: BTreeSet<&str> = self.steps.iter().map(|s| s.id.as_str()).collect();
        if ids.len() != self.steps.len() {
            return bad("step ids are not unique".into());
        }
        if self.steps.iter().filter(|s| s.start).count() != 1 {
            return bad("exactly one step must be the start step".into());
        }
        // Names become task ids, key parts and JSON paths: every one must parse as a Name.
        let names = self
            .steps
            .iter()
            .flat_map(|s| {
                std::iter::once(("step", s.id.as_str()))
                    .chain(s.outcomes.iter().map(|o| ("outcome", o.name.as_str())))
            })
            .chain(self.form.kinds.iter().flat_map(|k| {
                std::iter::once(("object kind", k.name.as_str())).chain(
                    k.documents
                        .iter()
                        .map(|d| ("document kind", d.kind.as_str())),
                )
            }))
            .chain(self.form.fields.iter().map(|f| ("field", f.name.as_str())))
            .chain(
                self.form
                    .criteria
                    .iter()
                    .map(|c| ("criterion", c.id.as_str())),
            );
        for (what, name) in names {
            if !Name::is_valid(name) {
                return bad(format!(
                    "{what} {name:?} is not a name (1 to 64 ASCII letters, digits, '.', '_', '-')"
                ));
            }
        }
        for s in &self.steps {
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

    /// `id@version (digest prefix)`.
    pub fn label(&self) -> &str {
        self.plugin.label()
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

    /// The variant's verdict on a submission made on `today`: every violation (empty when
    /// valid). Runs the plugin (blocking, bounded by its deadline).
    pub fn validate(&self, s: &Submission, today: Date) -> Result<Vec<Violation>, PluginError> {
        let json = serde_json::to_string(s).expect("a submission serializes");
        self.plugin.validate(&json, &today.to_string())
    }

    /// Runs `f` on the blocking pool under a permit of the plugin pool, waiting for the permit
    /// before the hop (`Busy` after 5 s): how services call a variant.
    pub async fn run<T: Send + 'static>(
        self: &std::sync::Arc<Self>,
        f: impl FnOnce(&Definition) -> T + Send + 'static,
    ) -> Result<T, PluginError> {
        let me = self.clone();
        self.plugin.run(move |_| f(&me)).await
    }

    /// A computed decision (blocking, bounded by its deadline).
    pub fn decide(
        &self,
        name: &str,
        input: &serde_json::Value,
    ) -> Result<Result<serde_json::Value, Vec<Violation>>, PluginError> {
        Ok(self
            .plugin
            .decide(name, &input.to_string())?
            .map(|out| serde_json::from_str(&out).unwrap_or(serde_json::Value::String(out))))
    }
}

impl Step {
    /// An outcome by name.
    pub fn outcome(&self, name: &str) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.name == name)
    }
}
