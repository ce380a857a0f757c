//! Submissions and their validation against a definition's form.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Deserialize;

use crate::{Definition, FieldType};

/// A submission, as agencies send it (the body of `POST /api/v1/<intake path>`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// One of the form's object kinds.
    pub object_kind: String,
    /// The form's fields by name.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Attached documents, by reference.
    #[serde(default)]
    pub documents: Vec<DocumentRef>,
}

/// A document by reference.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentRef {
    /// A document kind the form names.
    pub kind: String,
    /// Where the document is: an architecture-portal id or a URI.
    pub reference: String,
    /// A title.
    #[serde(default)]
    pub title: Option<String>,
}

/// One violation: the field path, the rule, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The JSON path, e.g. `fields.object_name` or `documents[2].kind`.
    pub field: String,
    /// The rule id.
    pub rule: String,
    /// What is wrong.
    pub message: String,
}

const MAX_TEXT: usize = 2000;
const MAX_DOCUMENTS: usize = 50;

impl Definition {
    /// Every violation of the form's rules in `s`, submitted on `today` (empty when valid).
    pub fn validate(&self, s: &Submission, today: Date) -> Vec<Violation> {
        let form = &self.form;
        let mut v = Vec::new();
        let mut push = |field: String, rule: &str, message: String| {
            v.push(Violation {
                field,
                rule: rule.to_owned(),
                message,
            });
        };
        let kind = form.kinds.iter().find(|k| k.name == s.object_kind);
        if kind.is_none() {
            let names: Vec<&str> = form.kinds.iter().map(|k| k.name.as_str()).collect();
            push(
                "object_kind".into(),
                &form.kind_rule,
                format!(
                    "{:?} is not an object kind of this procedure; use one of: {}",
                    s.object_kind,
                    names.join(", ")
                ),
            );
        }
        for f in &form.fields {
            let path = format!("fields.{}", f.name);
            match s.fields.get(&f.name).map(|x| x.trim()) {
                None | Some("") if f.required => {
                    push(path, &f.rule, format!("{} is required", f.title))
                }
                None | Some("") => {}
                Some(x) if x.chars().count() > MAX_TEXT => {
                    push(
                        path,
                        &f.rule,
                        format!("{} is longer than {MAX_TEXT} characters", f.title),
                    );
                }
                Some(x) => match f.kind {
                    FieldType::Text => {}
                    FieldType::Date => match x.parse::<Date>() {
                        Err(_) => push(
                            path,
                            &f.rule,
                            format!("{} must be a date YYYY-MM-DD, got {x:?}", f.title),
                        ),
                        Ok(d) if d > today => {
                            push(path, &f.rule, format!("{} {d} is in the future", f.title))
                        }
                        Ok(_) => {}
                    },
                    FieldType::Count => {
                        if x.parse::<u64>().is_err() {
                            push(
                                path,
                                &f.rule,
                                format!("{} must be a whole number, got {x:?}", f.title),
                            );
                        }
                    }
                },
            }
        }
        for name in s.fields.keys() {
            if !form.fields.iter().any(|f| &f.name == name) {
                push(
                    format!("fields.{name}"),
                    &form.kind_rule,
                    "not a field of this form".into(),
                );
            }
        }
        if s.documents.len() > MAX_DOCUMENTS {
            push(
                "documents".into(),
                &form.kind_rule,
                format!("at most {MAX_DOCUMENTS} documents"),
            );
        }
        if let Some(kind) = kind {
            for (i, d) in s.documents.iter().enumerate() {
                if !kind.documents.iter().any(|spec| spec.kind == d.kind) {
                    push(
                        format!("documents[{i}].kind"),
                        &kind.rule,
                        format!(
                            "{:?} is not a document of an application for a {}",
                            d.kind, kind.title
                        ),
                    );
                }
                let r = d.reference.trim();
                if r.is_empty() || r.chars().count() > MAX_TEXT {
                    push(
                        format!("documents[{i}].reference"),
                        &kind.rule,
                        "a reference (portal id or URI) is required".into(),
                    );
                }
            }
            for spec in &kind.documents {
                if !s.documents.iter().any(|d| d.kind == spec.kind) {
                    push(
                        "documents".into(),
                        &kind.rule,
                        format!(
                            "missing {} ({}) for a {}",
                            spec.kind, spec.title, kind.title
                        ),
                    );
                }
            }
        }
        v
    }
}
