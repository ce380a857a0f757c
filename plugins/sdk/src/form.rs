//! Forms of the classic shape (an object kind with its documents, one-line text fields, yes/no
//! criteria), declared in code: [`Form::schema`] writes the intake's JSON Schema (with the rule
//! of every path in `x-rule`, and the texts as descriptions) and [`validate_form`] checks what a
//! schema cannot (dates against the day of submission, the documents and criteria of the
//! chosen object kind).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::Violation;

/// A text of a form: usually a literal of the variant (no copy when the form is built, which a
/// variant does on every call, each on a fresh instance), or one it computed.
pub type Text = Cow<'static, str>;

/// A document an application of one object kind must carry.
#[derive(Clone, Debug)]
pub struct DocumentSpec {
    /// Wire name.
    pub kind: Text,
    /// What it is.
    pub title: Text,
}

/// An object kind and its documents.
#[derive(Clone, Debug)]
pub struct ObjectKind {
    /// Wire name.
    pub name: Text,
    /// What it is.
    pub title: Text,
    /// The rule listing its documents.
    pub rule: Text,
    /// Its documents.
    pub documents: Vec<DocumentSpec>,
}

/// A field's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// One line of text.
    Text,
    /// A date `YYYY-MM-DD`.
    Date,
    /// A whole number (written as text).
    Count,
}

/// A form field (one line of text on the wire).
#[derive(Clone, Debug)]
pub struct Field {
    /// Wire name.
    pub name: Text,
    /// What it is.
    pub title: Text,
    /// The rule that requires it.
    pub rule: Text,
    /// Its type.
    pub kind: FieldType,
    /// Whether it must be given.
    pub required: bool,
}

/// A yes/no criterion the submitter answers.
#[derive(Clone, Debug)]
pub struct Criterion {
    /// Id, e.g. `3.1`.
    pub id: Text,
    /// Its group.
    pub group: Text,
    /// What it says.
    pub text: Text,
    /// The object kinds it applies to (empty: all).
    pub applies_to: Vec<Text>,
    /// The rule.
    pub rule: Text,
}

/// A form of the classic shape.
#[derive(Clone, Debug)]
pub struct Form {
    /// The rule listing the object kinds.
    pub kind_rule: Text,
    /// The object kinds.
    pub kinds: Vec<ObjectKind>,
    /// The fields.
    pub fields: Vec<Field>,
    /// The criteria.
    pub criteria: Vec<Criterion>,
}

/// An object kind with its documents `(kind, title)`.
pub fn object_kind(
    name: impl Into<Text>,
    title: impl Into<Text>,
    rule: impl Into<Text>,
    documents: &[(&'static str, &'static str)],
) -> ObjectKind {
    ObjectKind {
        name: name.into(),
        title: title.into(),
        rule: rule.into(),
        documents: documents
            .iter()
            .map(|&(k, t)| DocumentSpec {
                kind: k.into(),
                title: t.into(),
            })
            .collect(),
    }
}

/// A required field.
pub fn field(
    name: impl Into<Text>,
    title: impl Into<Text>,
    rule: impl Into<Text>,
    kind: FieldType,
) -> Field {
    Field {
        name: name.into(),
        title: title.into(),
        rule: rule.into(),
        kind,
        required: true,
    }
}

impl Field {
    /// Not required.
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }
}

/// A criterion of `group`, for the object kinds in `applies_to` (empty: all).
pub fn criterion(
    id: impl Into<Text>,
    group: impl Into<Text>,
    text: impl Into<Text>,
    applies_to: &[&'static str],
    rule: impl Into<Text>,
) -> Criterion {
    Criterion {
        id: id.into(),
        group: group.into(),
        text: text.into(),
        applies_to: applies_to.iter().map(|&s| s.into()).collect(),
        rule: rule.into(),
    }
}

impl Form {
    /// The JSON Schema (2020-12) of a submission of this form: each path with its rule in
    /// `x-rule` and its text as `description`. What depends on the object kind or on the day
    /// (documents per kind, criteria per kind, date ranges) is [`validate_form`]'s.
    pub fn schema(&self) -> Value {
        let fields: Map<String, Value> = self
            .fields
            .iter()
            .map(|f| {
                // `x-line`: one line, no control characters (the engine checks it as the
                // shape of the value, before any rule).
                let mut p = json!({"type": "string", "maxLength": MAX_TEXT, "x-line": true,
                                   "description": f.title, "x-rule": f.rule});
                if f.kind == FieldType::Date {
                    p["pattern"] = json!("^[0-9]{4}-[0-9]{2}-[0-9]{2}$");
                }
                (f.name.to_string(), p)
            })
            .collect();
        let required: Vec<&str> = self
            .fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name.as_ref())
            .collect();
        let criteria: Map<String, Value> = self
            .criteria
            .iter()
            .map(|c| {
                (
                    c.id.to_string(),
                    json!({"type": "boolean", "description": format!("{} / {}", c.group, c.text), "x-rule": c.rule}),
                )
            })
            .collect();
        let documents: Vec<&str> = self
            .kinds
            .iter()
            .flat_map(|k| k.documents.iter().map(|d| d.kind.as_ref()))
            .collect();
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object", "additionalProperties": false, "required": ["object_kind", "fields"],
            "x-rule": self.kind_rule,
            "properties": {
                "object_kind": {"enum": self.kinds.iter().map(|k| k.name.as_ref()).collect::<Vec<_>>(),
                                "description": self.kinds.iter().map(|k| format!("{}: {}", k.name, k.title)).collect::<Vec<_>>().join("; "),
                                "x-rule": self.kind_rule},
                "fields": {"type": "object", "additionalProperties": false, "required": required,
                           "properties": fields},
                "documents": {"type": "array", "maxItems": MAX_DOCUMENTS, "items": {
                    "type": "object", "additionalProperties": false, "required": ["kind", "reference"],
                    "properties": {
                        "kind": {"enum": documents},
                        "reference": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "x-line": true},
                        "title": {"type": "string", "maxLength": MAX_TEXT, "x-line": true}
                    }}},
                "criteria": {"type": "object", "additionalProperties": false, "properties": criteria}
            }
        })
    }
}

const MAX_TEXT: usize = 2000;
const MAX_DOCUMENTS: usize = 50;

/// A submission of a [`Form`], parsed once ([`Submission::parse`]) for [`check_form`] and for
/// whatever a variant checks beyond it.
#[derive(Clone, Debug, Deserialize)]
pub struct Submission {
    /// The object kind chosen.
    pub object_kind: String,
    /// The fields given, by name.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// The documents attached.
    #[serde(default)]
    pub documents: Vec<Document>,
    /// The criteria answered, by id.
    #[serde(default)]
    pub criteria: BTreeMap<String, bool>,
}

/// A document attached to a [`Submission`].
#[derive(Clone, Debug, Deserialize)]
pub struct Document {
    /// Its kind.
    pub kind: String,
    /// Where it is (a portal id or URI).
    pub reference: String,
}

impl Submission {
    /// `submission` (JSON) as a submission of `form`, or the violation of the form's shape.
    pub fn parse(form: &Form, submission: &str) -> Result<Self, Violation> {
        serde_json::from_str(submission).map_err(|e| Violation {
            field: String::new(),
            rule: form.kind_rule.to_string(),
            message: format!("the submission is not of the form's shape: {e}"),
        })
    }

    /// Field `name` as given, trimmed; `None` when it is absent or blank.
    pub fn given(&self, name: &str) -> Option<&str> {
        self.fields
            .get(name)
            .map(|x| x.trim())
            .filter(|x| !x.is_empty())
    }
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

/// Whether `bin` is a Kazakh business identification number (БИН): 12 digits whose last is the
/// control digit (the weighted sum of the first eleven digits modulo 11 with weights 1..=11,
/// else, when that gives 10, with weights 3..=11, 1, 2; a second 10 cannot be issued).
pub fn bin_is_valid(bin: &str) -> bool {
    let d: Vec<u32> = bin.chars().filter_map(|c| c.to_digit(10)).collect();
    if bin.len() != 12 || d.len() != 12 {
        return false;
    }
    let sum = |offset: usize| {
        d[..11]
            .iter()
            .enumerate()
            .map(|(i, x)| x * ((i + offset) % 11 + 1) as u32)
            .sum::<u32>()
            % 11
    };
    let c = match sum(0) {
        10 => sum(2),
        c => c,
    };
    c != 10 && c == d[11]
}

/// The earliest date any date field accepts unless its [`DateRange`] says otherwise: the
/// procedures of this platform govern e-government informatization, which has no acts before
/// this day; `0001-01-01` is a typing error, not a date.
pub const EARLIEST_DATE: &str = "2000-01-01";

/// One end of a [`DateRange`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DateBound {
    /// A fixed day, `YYYY-MM-DD`.
    On(Text),
    /// The day of submission.
    Today,
}

/// The plausible range of a date field, stated per field: `earliest..=latest`. A date field
/// without one accepts [`EARLIEST_DATE`] to the day of submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateRange {
    /// The field.
    pub field: Text,
    /// The earliest day accepted.
    pub earliest: DateBound,
    /// The latest day accepted.
    pub latest: DateBound,
    /// Why this range, for the person who gets it wrong (e.g. "the form exists from ...").
    pub why: Text,
}

impl DateRange {
    /// `field` accepts `earliest` to the day of submission, because `why`.
    pub fn up_to_today(
        field: impl Into<Text>,
        earliest: impl Into<Text>,
        why: impl Into<Text>,
    ) -> Self {
        Self {
            field: field.into(),
            earliest: DateBound::On(earliest.into()),
            latest: DateBound::Today,
            why: why.into(),
        }
    }

    fn resolve<'a>(b: &'a DateBound, today: &'a str) -> &'a str {
        match b {
            DateBound::On(d) => d,
            DateBound::Today => today,
        }
    }

    fn describe(b: &DateBound) -> String {
        match b {
            DateBound::On(d) => d.to_string(),
            DateBound::Today => "the day of submission".into(),
        }
    }
}

/// Whether `c` may not appear in a one-line field: every control character (C0 including CR,
/// LF and TAB, DEL, C1), the Unicode line and paragraph separators, and the bidirectional
/// embeddings, overrides and isolates.
fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Every violation of `form` in `submission` (JSON), submitted on `today` (YYYY-MM-DD); date
/// fields accept [`EARLIEST_DATE`] to `today`.
pub fn validate_form(form: &Form, submission: &str, today: &str) -> Vec<Violation> {
    validate_form_with(form, &[], submission, today)
}

/// [`validate_form`] with a plausible range per date field (fields not in `ranges` accept
/// [`EARLIEST_DATE`] to `today`).
pub fn validate_form_with(
    form: &Form,
    ranges: &[DateRange],
    submission: &str,
    today: &str,
) -> Vec<Violation> {
    match Submission::parse(form, submission) {
        Ok(s) => check_form(form, ranges, &s, today),
        Err(shape) => vec![shape],
    }
}

/// [`validate_form_with`] on a submission already parsed: every violation of `form` in `s`,
/// submitted on `today` (YYYY-MM-DD), with a plausible range per date field in `ranges`.
pub fn check_form(
    form: &Form,
    ranges: &[DateRange],
    s: &Submission,
    today: &str,
) -> Vec<Violation> {
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
        let names: Vec<&str> = form.kinds.iter().map(|k| k.name.as_ref()).collect();
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
        // Written out only for a violation.
        let path = || format!("fields.{}", f.name);
        let raw = s.fields.get(f.name.as_ref());
        // Before trimming: U+0085 is white space to `trim` and a control character here.
        if raw.is_some_and(|x| x.chars().any(forbidden)) {
            push(
                path(),
                &f.rule,
                format!("{} is one line without control characters", f.title),
            );
            continue;
        }
        match raw.map(|x| x.trim()) {
            None | Some("") if f.required => {
                push(path(), &f.rule, format!("{} is required", f.title))
            }
            None | Some("") => {}
            Some(x) if x.chars().count() > MAX_TEXT => {
                push(
                    path(),
                    &f.rule,
                    format!("{} is longer than {MAX_TEXT} characters", f.title),
                );
            }
            Some(x) => match f.kind {
                FieldType::Text => {}
                FieldType::Date => match parse_date(x) {
                    None => push(
                        path(),
                        &f.rule,
                        format!("{} must be a date YYYY-MM-DD, got {x:?}", f.title),
                    ),
                    Some(_) => {
                        let default = DateRange::up_to_today(
                            f.name.clone(),
                            EARLIEST_DATE,
                            "no e-government informatization act is older",
                        );
                        let range = ranges
                            .iter()
                            .find(|r| r.field == f.name)
                            .unwrap_or(&default);
                        let earliest = DateRange::resolve(&range.earliest, today);
                        let latest = DateRange::resolve(&range.latest, today);
                        if x < earliest || x > latest {
                            push(
                                path(),
                                &f.rule,
                                format!(
                                    "{} {x} is outside {} to {} ({})",
                                    f.title,
                                    DateRange::describe(&range.earliest),
                                    DateRange::describe(&range.latest),
                                    range.why
                                ),
                            );
                        }
                    }
                },
                FieldType::Count => {
                    if x.parse::<u64>().is_err() {
                        push(
                            path(),
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
    let applies = |c: &Criterion| c.applies_to.is_empty() || c.applies_to.contains(&kind.name);
    for c in &form.criteria {
        let answered = s.criteria.contains_key(c.id.as_ref());
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
    fn bins_have_a_control_digit() {
        for good in ["940740000911", "990140000384", "000740001307"] {
            assert!(bin_is_valid(good), "{good}");
        }
        for bad in [
            "940740000912",
            "94074000091",
            "9407400009111",
            "94074000091a",
            "",
        ] {
            assert!(!bin_is_valid(bad), "{bad}");
        }
    }

    fn one_field(kind: FieldType) -> Form {
        Form {
            kind_rule: "K".into(),
            kinds: vec![object_kind("a", "A", "K.a", &[])],
            fields: vec![field("f", "F", "R", kind)],
            criteria: vec![],
        }
    }

    fn check(form: &Form, ranges: &[DateRange], value: &str) -> Vec<String> {
        let sub = serde_json::json!({"object_kind": "a", "fields": {"f": value}}).to_string();
        validate_form_with(form, ranges, &sub, "2026-11-30")
            .into_iter()
            .map(|v| format!("{} {} {}", v.field, v.rule, v.message))
            .collect()
    }

    #[test]
    fn dates_have_a_plausible_range_stated_per_field() {
        let form = one_field(FieldType::Date);
        for bad in ["0001-01-01", "1999-12-31", "2026-12-01"] {
            let v = check(&form, &[], bad);
            assert!(
                v.len() == 1 && v[0].contains("outside 2000-01-01 to the day of submission"),
                "{bad}: {v:?}"
            );
        }
        assert!(check(&form, &[], "2026-11-30").is_empty());
        let since = [DateRange::up_to_today(
            "f",
            "2022-10-10",
            "the form exists from then",
        )];
        let v = check(&form, &since, "2022-10-09");
        assert!(
            v[0].contains(
                "outside 2022-10-10 to the day of submission (the form exists from then)"
            ),
            "{v:?}"
        );
        assert!(check(&form, &since, "2022-10-10").is_empty());
    }

    #[test]
    fn one_line_fields_refuse_control_characters() {
        let form = one_field(FieldType::Text);
        for bad in [
            "a\0b",
            "a\u{1b}[31m",
            "a\r\nb",
            "a\tb",
            "a\u{85}",
            "a\u{202e}b",
        ] {
            let v = check(&form, &[], bad);
            assert!(
                v.len() == 1 && v[0].starts_with("fields.f R"),
                "{bad:?}: {v:?}"
            );
        }
        assert!(check(&form, &[], "Министерство «Е»").is_empty());
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
