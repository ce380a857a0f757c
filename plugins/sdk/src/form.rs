//! The generic form validator: what every variant's `validate` does with its own `Form`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::{FieldType, Form, Violation};

const MAX_TEXT: usize = 2000;
const MAX_DOCUMENTS: usize = 50;

#[derive(Deserialize)]
struct Submission {
    object_kind: String,
    #[serde(default)]
    fields: BTreeMap<String, String>,
    #[serde(default)]
    documents: Vec<Document>,
    #[serde(default)]
    criteria: BTreeMap<String, bool>,
}

#[derive(Deserialize)]
struct Document {
    kind: String,
    reference: String,
}

/// A valid `YYYY-MM-DD` date as (year, month, day), or `None`.
pub fn parse_date(s: &str) -> Option<(u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (y >= 1 && (1..=days).contains(&d)).then_some((y, m, d))
}

/// Every violation of `form` in `submission` (JSON), submitted on `today` (YYYY-MM-DD).
pub fn validate_form(form: &Form, submission: &str, today: &str) -> Vec<Violation> {
    let mut v = Vec::new();
    let mut push = |field: String, rule: &str, message: String| {
        v.push(Violation {
            field,
            rule: rule.to_owned(),
            message,
        });
    };
    let s: Submission = match serde_json::from_str(submission) {
        Ok(s) => s,
        Err(e) => {
            push(
                "".into(),
                &form.kind_rule,
                format!("the submission is not of the form's shape: {e}"),
            );
            return v;
        }
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
                FieldType::Date => match parse_date(x) {
                    None => push(
                        path,
                        &f.rule,
                        format!("{} must be a date YYYY-MM-DD, got {x:?}", f.title),
                    ),
                    Some(_) if x > today => {
                        push(path, &f.rule, format!("{} {x} is in the future", f.title))
                    }
                    Some(_) => {}
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
    let Some(kind) = kind else { return v };
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
    let applies =
        |c: &crate::Criterion| c.applies_to.is_empty() || c.applies_to.contains(&kind.name);
    for c in &form.criteria {
        let answered = s.criteria.contains_key(&c.id);
        if applies(c) && !answered {
            push(
                format!("criteria.{}", c.id),
                &kind.rule,
                format!("criterion {} ({}) is not answered", c.id, c.text),
            );
        }
        if !applies(c) && answered {
            push(
                format!("criteria.{}", c.id),
                &c.rule,
                format!(
                    "criterion {} applies to {} only",
                    c.id,
                    c.applies_to.join(", ")
                ),
            );
        }
    }
    for id in s.criteria.keys() {
        if !form.criteria.iter().any(|c| &c.id == id) {
            push(
                format!("criteria.{id}"),
                &form.kind_rule,
                "not a criterion of this procedure".into(),
            );
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{criterion, field, object_kind};

    #[test]
    fn dates_are_real_calendar_dates() {
        assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
        for bad in [
            "2025-02-29",
            "2026-13-01",
            "2026-04-31",
            "26-04-01",
            "2026/04/01",
            "2026-04-1x",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn criteria_must_be_answered_where_they_apply_and_only_there() {
        let form = Form {
            kind_rule: "K".into(),
            kinds: vec![
                object_kind("a", "A", "K.a", &[]),
                object_kind("b", "B", "K.b", &[]),
            ],
            fields: vec![field("when", "When", "F", FieldType::Date)],
            criteria: vec![
                criterion("1", "g", "one", &[], "C"),
                criterion("2", "g", "two", &["b"], "C"),
            ],
        };
        let v = validate_form(
            &form,
            r#"{"object_kind":"a","fields":{"when":"2026-01-01"},"criteria":{"2":true}}"#,
            "2026-01-02",
        );
        let got: Vec<(&str, &str)> = v
            .iter()
            .map(|x| (x.field.as_str(), x.rule.as_str()))
            .collect();
        assert_eq!(got, [("criteria.1", "K.a"), ("criteria.2", "C")]);
    }
}
