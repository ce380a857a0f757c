//! One loaded variant: its model, read once from the plugin and checked, and the calls that go
//! to the plugin (validation, decisions).

use std::collections::{BTreeMap, BTreeSet};

use std::sync::Arc;

use egov_kernel::{Line, Name, Role, Term, Unit};
use egov_plugin_host::{Contract, Plugin, PluginError, wit, wit2};
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

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
    /// The contract major the plugin was built for.
    pub contract: Contract,
    /// How cases enter (a 1.x variant has one intake).
    pub intakes: Vec<Intake>,
    /// The steps (for 1.x, the graph the engine routes by; for 2.x, the description of what
    /// the reducer opens).
    pub steps: Vec<Step>,
    /// The plugin's sha256.
    pub digest: String,
    plugin: Plugin,
}

/// How cases of this procedure enter.
#[derive(Clone, Debug)]
pub struct Intake {
    /// Its name in the variant (a 1.x variant's one intake is named by its path).
    pub name: String,
    /// A title.
    pub title: String,
    /// The collection under `/api/v1/`, e.g. `perechen-applications`.
    pub path: String,
    /// The role that submits.
    pub role: Role,
    /// The rule that gives the submitter the right to apply.
    pub rule: String,
    /// The submission form.
    pub form: IntakeForm,
}

/// A form's reference to another case (`x-case`, see [`Schema::case_refs`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseRef {
    /// The top-level property holding the case id.
    pub field: String,
    /// Its rule.
    pub rule: String,
    /// The procedure kind of the case referred to.
    pub kind: String,
    /// The statuses it may be in.
    pub status: Vec<String>,
}

/// A form's uniqueness (`x-unique`, see [`Schema::unique`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UniqueKey {
    /// The top-level properties whose values, together, are taken once.
    pub properties: Vec<String>,
    /// The rule that makes a second one a duplicate.
    pub rule: String,
}

impl UniqueKey {
    /// The name a submission of `intake` of procedure `kind` takes: its values compared without
    /// case, surrounding spaces or repeated spaces (`Product 1.0` is `product  1.0`).
    pub fn name(&self, kind: &str, intake: &str, submission: &Value) -> String {
        let values: Vec<String> = self
            .properties
            .iter()
            .map(|p| match submission.get(p) {
                Some(Value::String(s)) => s
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase(),
                Some(v) => v.to_string(),
                None => String::new(),
            })
            .collect();
        let digest = Sha256::digest(serde_json::json!([kind, intake, values]).to_string());
        format!("x-unique:{}", hex::encode(&digest[..16]))
    }
}

/// What a submission must look like.
#[derive(Clone, Debug)]
pub enum IntakeForm {
    /// 1.x: object kinds, text fields, documents, yes/no criteria ([`Submission`]).
    Graph(Form),
    /// 2.x: a JSON Schema (2020-12) with the rule of each property in `x-rule`.
    Schema(Arc<Schema>),
}

/// A compiled JSON Schema of a form or of a step's inputs. Its violations name the instance
/// path and the rule of the nearest schema node that states one (`x-rule`).
pub struct Schema {
    /// The schema document.
    pub document: Value,
    /// The rule of the document's root (`x-rule` there, else the intake's or step's rule).
    pub rule: String,
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schema").field("rule", &self.rule).finish()
    }
}

impl Schema {
    /// Compiles `text` (JSON Schema 2020-12) whose root rule is `rule` unless it says.
    pub fn compile(text: &str, rule: &str) -> Result<Self, String> {
        let document: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let validator = jsonschema::draft202012::new(&document).map_err(|e| e.to_string())?;
        let rule = document["x-rule"].as_str().unwrap_or(rule).to_owned();
        Ok(Self {
            document,
            rule,
            validator,
        })
    }

    /// The references to other cases the form makes: each top-level string property with
    /// `"x-case": {"kind": K, "status": [S, ...]}` names a case of the submitter's agency, of
    /// procedure kind K, in one of the statuses (e.g. TOR-12: an addendum to an agreed TOR).
    /// Intake checks them before it records the submission.
    pub fn case_refs(&self) -> Result<Vec<CaseRef>, String> {
        let Some(props) = self.document.get("properties").and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        let mut refs = Vec::new();
        for (field, node) in props {
            let Some(x) = node.get("x-case") else {
                continue;
            };
            let kind = x.get("kind").and_then(Value::as_str);
            let status: Option<Vec<String>> = x.get("status").and_then(Value::as_array).map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            });
            match (kind, status) {
                (Some(kind), Some(status))
                    if !status.is_empty() && node.get("type") == Some(&Value::from("string")) =>
                {
                    refs.push(CaseRef {
                        field: field.clone(),
                        rule: node
                            .get("x-rule")
                            .and_then(Value::as_str)
                            .unwrap_or(&self.rule)
                            .to_owned(),
                        kind: kind.to_owned(),
                        status,
                    })
                }
                _ => {
                    return Err(format!(
                        "x-case of {field}: a string property with {{\"kind\": K, \"status\": [S, ...]}}"
                    ));
                }
            }
        }
        Ok(refs)
    }

    /// What makes two submissions the same one: `"x-unique": {"properties": [P, ...], "rule": R}`
    /// at the root of the form (e.g. LC-32.a: a product and version enter the Register once).
    /// Intake takes the name of the values with the case, in the same atomic step, so a second
    /// submission of them is refused (409) however close together the two come.
    pub fn unique(&self) -> Result<Option<UniqueKey>, String> {
        let Some(x) = self.document.get("x-unique") else {
            return Ok(None);
        };
        let props = self.document.get("properties").and_then(Value::as_object);
        let properties: Option<Vec<String>> =
            x.get("properties").and_then(Value::as_array).map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            });
        match (properties, x.get("rule").and_then(Value::as_str)) {
            (Some(ps), Some(rule))
                if !ps.is_empty() && ps.iter().all(|p| props.is_some_and(|o| o.contains_key(p))) =>
            {
                Ok(Some(UniqueKey {
                    properties: ps,
                    rule: rule.to_owned(),
                }))
            }
            _ => Err(
                "x-unique: {\"properties\": [P, ...] (top-level properties of the form), \"rule\": R}"
                    .into(),
            ),
        }
    }

    /// The rule of the field at `path` (dotted, `[i]` for array items): the `x-rule` of the
    /// deepest schema node on the way that states one, else the root's.
    pub fn rule_at(&self, path: &str) -> String {
        let mut node = &self.document;
        let mut rule = self.rule.clone();
        for seg in path.split(['.', '[']).filter(|s| !s.is_empty()) {
            let next = if seg.ends_with(']') {
                node.get("items")
            } else {
                node.get("properties").and_then(|p| p.get(seg))
            };
            let Some(n) = next else { break };
            node = n;
            if let Some(r) = node.get("x-rule").and_then(Value::as_str) {
                rule = r.to_owned();
            }
        }
        rule
    }

    /// The first string of `doc` that the schema marks as one line (`"x-line": true`) and that
    /// is not one ([`Line`]: no control character at all, no line or paragraph separator, no
    /// bidirectional override): its path and what is wrong.
    pub fn check_lines(&self, doc: &Value) -> Option<(String, String)> {
        use crate::inputs::Path;
        fn walk(doc: &Value, node: &Value, path: &Path<'_>) -> Option<(String, String)> {
            match doc {
                Value::String(s) if node.get("x-line") == Some(&Value::Bool(true)) => {
                    egov_kernel::text::check_line(s, Line::MAX)
                        .err()
                        .map(|e| (path.to_string(), e.to_string()))
                }
                Value::Object(m) => m.iter().find_map(|(k, v)| {
                    let child = node.get("properties").and_then(|p| p.get(k))?;
                    walk(v, child, &Path::Member(path, k))
                }),
                Value::Array(a) => {
                    let items = node.get("items")?;
                    a.iter()
                        .enumerate()
                        .find_map(|(i, v)| walk(v, items, &Path::Item(path, i)))
                }
                _ => None,
            }
        }
        walk(doc, &self.document, &Path::Root(""))
    }

    /// Every way `v` breaks the schema, each naming its field (a dotted path from `root`) and
    /// the rule of the nearest schema node with an `x-rule`.
    pub fn check(&self, v: &Value, root: &str) -> Vec<Violation> {
        self.check_shape(v, root)
            .into_iter()
            .map(|(v, _)| v)
            .collect()
    }

    /// [`Schema::check`], each violation with whether it is of the document's shape (a value of
    /// the wrong type, a property the schema does not know) rather than of a rule's content.
    pub fn check_shape(&self, v: &Value, root: &str) -> Vec<(Violation, bool)> {
        use jsonschema::error::ValidationErrorKind as K;
        self.validator
            .iter_errors(v)
            .map(|e| {
                let shape = matches!(e.kind(), K::Type { .. } | K::AdditionalProperties { .. });
                let mut field = root.to_owned();
                for seg in e.instance_path().to_string().split('/').skip(1) {
                    let seg = seg.replace("~1", "/").replace("~0", "~");
                    if seg.parse::<usize>().is_ok() {
                        field.push_str(&format!("[{seg}]"));
                    } else if field.is_empty() {
                        field = seg;
                    } else {
                        field = format!("{field}.{seg}");
                    }
                }
                // The keyword's location in the schema; the nearest node up that names a rule.
                let mut at = e.schema_path().to_string();
                // A missing or unexpected property is named itself, with its own rule when
                // the schema states one.
                let named = match e.kind() {
                    jsonschema::error::ValidationErrorKind::Required { property } => {
                        property.as_str().map(str::to_owned)
                    }
                    jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                        unexpected.first().cloned()
                    }
                    _ => None,
                };
                let mut own_rule = None;
                if let Some(name) = named {
                    let parent = at.rsplit_once('/').map_or("", |(p, _)| p).to_owned();
                    let escaped = name.replace('~', "~0").replace('/', "~1");
                    own_rule = self
                        .document
                        .pointer(&format!("{parent}/properties/{escaped}/x-rule"))
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    field = if field.is_empty() {
                        name
                    } else {
                        format!("{field}.{name}")
                    };
                }
                let rule = own_rule.unwrap_or_else(|| {
                    loop {
                        if let Some(r) = self
                            .document
                            .pointer(&format!("{at}/x-rule"))
                            .and_then(Value::as_str)
                        {
                            break r.to_owned();
                        }
                        match at.rfind('/') {
                            Some(i) => at.truncate(i),
                            None => break self.rule.clone(),
                        }
                    }
                });
                let v = Violation {
                    field: if field.is_empty() {
                        "body".into()
                    } else {
                        field
                    },
                    rule,
                    message: e.to_string(),
                };
                (v, shape)
            })
            .collect()
    }
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
    /// A decision computed before an outcome is accepted (1.x).
    pub check: Option<String>,
    /// The schema of the inputs a completion carries (2.x; none: it takes none).
    pub inputs: Option<Arc<Schema>>,
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
    /// The plugin fault behind it, if one.
    #[source]
    pub source: Option<PluginError>,
}

impl DefinitionError {
    /// A model error of `id`.
    pub fn new(id: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            detail: detail.into(),
            source: None,
        }
    }
}

fn unit(u: wit::Unit) -> Unit {
    match u {
        wit::Unit::WorkingDays => Unit::WorkingDays,
        wit::Unit::CalendarDays => Unit::CalendarDays,
        wit::Unit::Months => Unit::Months,
    }
}

fn unit2(u: wit2::Unit) -> Unit {
    match u {
        wit2::Unit::WorkingDays => Unit::WorkingDays,
        wit2::Unit::CalendarDays => Unit::CalendarDays,
        wit2::Unit::Months => Unit::Months,
    }
}

/// What a submission became once admitted: the document stored on the case and given to the
/// reducer.
#[derive(Clone, Debug)]
pub enum Admitted {
    /// A 1.x submission.
    Graph(Submission),
    /// A 2.x submission: a JSON document valid against the intake's form, and its text as the
    /// variant read it (kept, so that the event does not write it out again).
    Document(Value, String),
}

/// Why a submission was not admitted.
#[derive(Clone, Debug)]
pub enum Refusal {
    /// It is not a submission of this form's shape (a 400): the first bad value.
    Malformed(Violation),
    /// It breaks the form's rules (a 422): every violation.
    Rules(Vec<Violation>),
}

impl Admitted {
    /// The submission as JSON and as text, and its 1.x parts (none for a 2.x document).
    pub fn into_json(self) -> (Value, String, Option<Submission>) {
        match self {
            Admitted::Graph(s) => {
                let v = serde_json::to_value(&s).expect("a submission serializes");
                let text = v.to_string();
                (v, text, Some(s))
            }
            Admitted::Document(v, text) => (v, text, None),
        }
    }
}

/// What both contracts' metadata say of a variant, as the plugin wrote it.
struct Head {
    id: String,
    kind: String,
    version: String,
    title: String,
    effective_from: String,
    effective_to: Option<String>,
    legal_basis: String,
}

/// Reads a plugin's model into typed values, naming the variant in every error.
struct Reader {
    label: String,
}

impl Reader {
    fn new(plugin: &Plugin) -> Self {
        Self {
            label: plugin.label().to_owned(),
        }
    }

    fn err(&self, detail: String) -> DefinitionError {
        DefinitionError::new(self.label.clone(), detail)
    }

    fn fault(&self, e: PluginError) -> DefinitionError {
        DefinitionError {
            id: self.label.clone(),
            detail: "the plugin failed".into(),
            source: Some(e),
        }
    }

    fn date(&self, what: &str, s: &str) -> Result<Date, DefinitionError> {
        s.parse::<Date>()
            .map_err(|e| self.err(format!("{what} {s:?}: {e}")))
    }

    fn role(&self, s: &str) -> Result<Role, DefinitionError> {
        s.parse::<Role>().map_err(|e| self.err(e.to_string()))
    }

    fn term(
        &self,
        step: &str,
        count: u32,
        unit: Unit,
        from: String,
    ) -> Result<StepTerm, DefinitionError> {
        Ok(StepTerm {
            term: Term::new(count.into(), unit)
                .map_err(|e| self.err(format!("step {step}: {e}")))?,
            from,
        })
    }

    fn assemble(
        &self,
        h: Head,
        contract: Contract,
        intakes: Vec<Intake>,
        steps: Vec<Step>,
        plugin: Plugin,
    ) -> Result<Definition, DefinitionError> {
        Ok(Definition {
            semver: semver::Version::parse(&h.version).map_err(|e| {
                self.err(format!(
                    "version {:?} is not a semantic version: {e}",
                    h.version
                ))
            })?,
            effective_from: self.date("effective-from", &h.effective_from)?,
            effective_to: h
                .effective_to
                .as_deref()
                .map(|s| self.date("effective-to", s))
                .transpose()?,
            id: h.id,
            kind: h.kind,
            version: h.version,
            title: h.title,
            legal_basis: h.legal_basis,
            contract,
            intakes,
            steps,
            digest: plugin.digest().to_owned(),
            plugin,
        })
    }
}

/// The services that host steps: a step's `service` is one of them, and that service's
/// worklist and actions serve its tasks.
pub const STEP_HOSTS: &[&str] = &["expertise", "tender", "catalog"];

impl Definition {
    /// Reads the model from `plugin` (metadata, steps, form or intakes) and checks it.
    pub fn from_plugin(plugin: Plugin) -> Result<Self, DefinitionError> {
        let d = match plugin.contract() {
            Contract::V1 => Self::from_v1(plugin)?,
            Contract::V2 => Self::from_v2(plugin)?,
        };
        d.check()?;
        Ok(d)
    }

    fn from_v1(plugin: Plugin) -> Result<Self, DefinitionError> {
        let r = Reader::new(&plugin);
        let md = plugin.metadata().map_err(|e| r.fault(e))?;
        let steps = plugin.steps().map_err(|e| r.fault(e))?;
        let form = plugin.form().map_err(|e| r.fault(e))?;
        let mut out_steps = Vec::with_capacity(steps.len());
        for s in steps {
            let term = match s.term {
                Some(t) => Some(r.term(&s.id, t.count, unit(t.unit), t.start)?),
                None => None,
            };
            out_steps.push(Step {
                role: r.role(&s.role)?,
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
                inputs: None,
            });
        }
        let form = Form {
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
        };
        let intakes = vec![Intake {
            name: md.intake.path.clone(),
            title: md.title.clone(),
            role: r.role(&md.intake.role)?,
            path: md.intake.path,
            rule: md.intake.rule,
            form: IntakeForm::Graph(form),
        }];
        let head = Head {
            id: md.id,
            kind: md.kind,
            version: md.version,
            title: md.title,
            effective_from: md.effective_from,
            effective_to: md.effective_to,
            legal_basis: md.legal_basis,
        };
        r.assemble(head, Contract::V1, intakes, out_steps, plugin)
    }

    fn from_v2(plugin: Plugin) -> Result<Self, DefinitionError> {
        let r = Reader::new(&plugin);
        let md = plugin.metadata_v2().map_err(|e| r.fault(e))?;
        let steps = plugin.steps_v2().map_err(|e| r.fault(e))?;
        let mut out_steps = Vec::with_capacity(steps.len());
        for s in steps {
            let term = match s.term {
                Some(t) => Some(r.term(&s.id, t.count, unit2(t.unit), t.start)?),
                None => None,
            };
            let inputs = match &s.inputs {
                Some(text) => {
                    Some(Arc::new(Schema::compile(text, &s.rule).map_err(|e| {
                        r.err(format!("step {} inputs schema: {e}", s.id))
                    })?))
                }
                None => None,
            };
            out_steps.push(Step {
                role: r.role(&s.role)?,
                id: s.id,
                title: s.title,
                service: s.service,
                rule: s.rule,
                term,
                start: false,
                outcomes: s
                    .outcomes
                    .into_iter()
                    .map(|o| Outcome {
                        name: o.name,
                        title: o.title,
                        next: vec![],
                        status: None,
                        requires_reasons: o.requires_reasons,
                        rule: o.rule,
                    })
                    .collect(),
                check: None,
                inputs,
            });
        }
        let mut intakes = Vec::with_capacity(md.intakes.len());
        for i in md.intakes {
            let schema = Schema::compile(&i.form, &i.rule)
                .map_err(|e| r.err(format!("intake {} form schema: {e}", i.name)))?;
            schema
                .case_refs()
                .map_err(|e| r.err(format!("intake {} form schema: {e}", i.name)))?;
            schema
                .unique()
                .map_err(|e| r.err(format!("intake {} form schema: {e}", i.name)))?;
            intakes.push(Intake {
                role: r.role(&i.role)?,
                name: i.name,
                title: i.title,
                path: i.path,
                rule: i.rule,
                form: IntakeForm::Schema(Arc::new(schema)),
            });
        }
        let head = Head {
            id: md.id,
            kind: md.kind,
            version: md.version,
            title: md.title,
            effective_from: md.effective_from,
            effective_to: md.effective_to,
            legal_basis: md.legal_basis,
        };
        r.assemble(head, Contract::V2, intakes, out_steps, plugin)
    }

    /// The model's checks: one start step, unique ids, outcomes that lead to known steps,
    /// a semantic version, dates in order, a non-empty form.
    pub fn check(&self) -> Result<(), DefinitionError> {
        let bad = |detail: String| {
            Err(DefinitionError::new(
                format!("{}@{}", self.id, self.version),
                detail,
            ))
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
        if self.contract == Contract::V1 && self.steps.iter().filter(|s| s.start).count() != 1 {
            return bad("exactly one step must be the start step".into());
        }
        if let Some(s) = self
            .steps
            .iter()
            .find(|s| !STEP_HOSTS.contains(&s.service.as_str()))
        {
            return bad(format!(
                "step {} is owned by {:?}, which hosts no steps (one of {})",
                s.id,
                s.service,
                STEP_HOSTS.join(", ")
            ));
        }
        if self.intakes.is_empty() {
            return bad("the variant has no intake".into());
        }
        let paths: BTreeSet<&str> = self.intakes.iter().map(|i| i.path.as_str()).collect();
        let intake_names: BTreeSet<&str> = self.intakes.iter().map(|i| i.name.as_str()).collect();
        if paths.len() != self.intakes.len() || intake_names.len() != self.intakes.len() {
            return bad("intake names and paths must be unique".into());
        }
        if let Some(i) = self
            .intakes
            .iter()
            .find(|i| !i.path.split('/').all(Name::is_valid))
        {
            return bad(format!("intake path {:?} is not a path of names", i.path));
        }
        // Names become task ids, key parts and JSON paths: every one must parse as a Name.
        let names = self
            .steps
            .iter()
            .flat_map(|s| {
                std::iter::once(("step", s.id.as_str()))
                    .chain(s.outcomes.iter().map(|o| ("outcome", o.name.as_str())))
            })
            .chain(self.graph_form().into_iter().flat_map(|form| {
                form.kinds
                    .iter()
                    .flat_map(|k| {
                        std::iter::once(("object kind", k.name.as_str())).chain(
                            k.documents
                                .iter()
                                .map(|d| ("document kind", d.kind.as_str())),
                        )
                    })
                    .chain(form.fields.iter().map(|f| ("field", f.name.as_str())))
                    .chain(form.criteria.iter().map(|c| ("criterion", c.id.as_str())))
            }))
            .chain(self.intakes.iter().map(|i| ("intake", i.name.as_str())));
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
        if self.graph_form().is_some_and(|f| f.kinds.is_empty()) {
            return bad("the form has no object kinds".into());
        }
        Ok(())
    }

    /// The form of a 1.x variant's one intake.
    pub fn graph_form(&self) -> Option<&Form> {
        self.intakes.iter().find_map(|i| match &i.form {
            IntakeForm::Graph(f) => Some(f),
            IntakeForm::Schema(_) => None,
        })
    }

    /// The intake at `path` (under `/api/v1/`).
    pub fn intake_at(&self, path: &str) -> Option<&Intake> {
        self.intakes.iter().find(|i| i.path == path)
    }

    /// The intake named `name`.
    pub fn intake(&self, name: &str) -> Option<&Intake> {
        self.intakes.iter().find(|i| i.name == name)
    }

    /// The plugin.
    pub fn plugin(&self) -> &Plugin {
        &self.plugin
    }

    /// `id@version (digest prefix)`.
    pub fn label(&self) -> &str {
        self.plugin.label()
    }

    /// The step opened on submission (1.x).
    pub fn start_step(&self) -> Option<&Step> {
        self.steps.iter().find(|s| s.start)
    }

    /// A step by id.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Whether a case submitted on `day` follows this variant.
    pub fn in_force_on(&self, day: Date) -> bool {
        day >= self.effective_from && self.effective_to.is_none_or(|to| day <= to)
    }

    /// The variant's verdict on a 1.x submission made on `today`: every violation (empty when
    /// valid). Runs the plugin (blocking, bounded by its deadline).
    pub fn validate(&self, s: &Submission, today: Date) -> Result<Vec<Violation>, PluginError> {
        let json = serde_json::to_string(s).expect("a submission serializes");
        self.plugin.validate(&json, &today.to_string())
    }

    /// Admits a submission `body` to `intake` on `today`: parsed into its type (1.x: a
    /// [`Submission`]; 2.x: a document of names and one-line-safe text, valid against the
    /// intake's form schema), then the variant's rules. Violations refuse it. Runs the plugin
    /// (blocking, bounded by its deadline).
    pub fn admit(
        &self,
        intake: &Intake,
        body: Value,
        today: Date,
    ) -> Result<Result<Admitted, Refusal>, PluginError> {
        let refuse = |field: String, rule: &str, message: String| {
            Ok(Err(Refusal::Malformed(Violation {
                field,
                rule: rule.to_owned(),
                message,
            })))
        };
        match &intake.form {
            IntakeForm::Graph(form) => {
                let s: Submission = match serde_path_to_error::deserialize(&body) {
                    Ok(s) => s,
                    Err(e) => {
                        let path = e.path().to_string();
                        let field = if path == "." { "body".into() } else { path };
                        return refuse(field, &form.kind_rule, e.inner().to_string());
                    }
                };
                let v = self.validate(&s, today)?;
                Ok(if v.is_empty() {
                    Ok(Admitted::Graph(s))
                } else {
                    Err(Refusal::Rules(v))
                })
            }
            IntakeForm::Schema(schema) => {
                if !body.is_object() {
                    return refuse(
                        "body".into(),
                        &schema.rule,
                        "a submission is a JSON object".into(),
                    );
                }
                if let Err(e) = crate::inputs::check_document(&body, "", 1) {
                    let (field, message) = e.split_once(": ").unwrap_or(("body", &e));
                    let field = if field.is_empty() { "body" } else { field };
                    return refuse(field.to_owned(), &schema.rule_at(field), message.to_owned());
                }
                if let Some((field, message)) = schema.check_lines(&body) {
                    return refuse(field.clone(), &schema.rule_at(&field), message);
                }
                let v = schema.check_shape(&body, "");
                // A body not of the form's shape is malformed (400), like a 1.x body that does
                // not parse; the rest breaks the form's rules (422), reported together with
                // the variant's own verdict so the submitter sees every violation at once.
                if let Some((first, _)) = v.iter().find(|(_, shape)| *shape) {
                    return Ok(Err(Refusal::Malformed(first.clone())));
                }
                let mut v: Vec<Violation> = v.into_iter().map(|(v, _)| v).collect();
                let text = body.to_string();
                let own = self
                    .plugin
                    .validate_v2(&intake.name, &text, &today.to_string())?;
                // The variant's own verdict, less what the schema already said.
                let by_schema = v.len();
                for x in own {
                    if !v[..by_schema]
                        .iter()
                        .any(|y| y.field == x.field && y.rule == x.rule)
                    {
                        v.push(Violation {
                            field: x.field,
                            rule: x.rule,
                            message: x.message,
                        });
                    }
                }
                Ok(if v.is_empty() {
                    Ok(Admitted::Document(body, text))
                } else {
                    Err(Refusal::Rules(v))
                })
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_that_is_not_one_is_named_by_its_path_in_the_submission() {
        let schema = Schema::compile(
            r#"{"type": "object", "properties": {
                "name": {"type": "string", "x-line": true},
                "parts": {"type": "array", "items": {"type": "object", "properties": {
                    "title": {"type": "string", "x-line": true},
                    "note": {"type": "string"}}}}}}"#,
            "PL-6",
        )
        .unwrap();
        let ok = serde_json::json!({"name": "A", "parts": [{"title": "B", "note": "two\nlines"}]});
        assert_eq!(schema.check_lines(&ok), None);
        let bad = serde_json::json!({"name": "A", "parts": [{"title": "B"}, {"title": "C\nD"}]});
        let (field, message) = schema.check_lines(&bad).unwrap();
        assert_eq!(field, "parts[1].title");
        assert!(message.contains("control"), "{message}");
        let bad = serde_json::json!({"name": "A\u{2028}B"});
        assert_eq!(schema.check_lines(&bad).unwrap().0, "name");
    }
}
