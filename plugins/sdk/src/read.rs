//! Strict reading of the JSON a variant is given: submissions (which the engine has checked
//! against their forms, so this is the second line of defence), the facts of a completion
//! (checked against the step's schema) and the bodies of slot inputs (which have no schema in
//! the engine, so this is the only one). Every unknown field, wrong type, missing or blank value
//! is a violation naming its path and rule, and reading goes on, so that one answer lists every
//! fault. What differs between variants (the longest list, the earliest date, what a `null`
//! is) is their [`Reading`], which [`Checks`] carries.
//!
//! ```ignore
//! use egov_plugin_sdk::read::{Checks, object};
//! let mut c = Checks::default(); // or Checks::new(Reading { .. })
//! if let Some(o) = object(&mut c, &body, "", "R-1", "the report", &["on", "note"]) {
//!     let on = o.date(&mut c, "on", ("R-1", "the day"), Some(today), true);
//!     let note = o.text(&mut c, "note", "R-1", "the note", false);
//! }
//! c.done()?;
//! ```
//!
//! Its functions are `#[inline]`, so that they are compiled only in the crates that call them:
//! compiled into the SDK itself, they change (through LTO) the artifacts of variants that never
//! read with them.

use serde_json::{Map, Value};

use crate::date::INDEPENDENCE;
use crate::{EARLIEST_DATE, Violation, bin_is_valid, parse_date, violation};

/// The longest one-line value (the engine's `Line`).
pub const MAX_LINE: usize = 2000;
/// The longest free text (the engine's `Text`).
pub const MAX_TEXT: usize = 20000;
/// The most items a list holds unless the [`Reading`] says otherwise.
pub const MAX_ITEMS: usize = 200;

/// The earliest date [`Obj::date`] accepts, and how its violation names it: "`<what>` `<date>`
/// is before `<named>`: `<why>`".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Earliest {
    /// The day, `YYYY-MM-DD`.
    pub date: &'static str,
    /// The day as the message names it.
    pub named: &'static str,
    /// Why no date is earlier.
    pub why: &'static str,
}

impl Earliest {
    /// [`EARLIEST_DATE`]: no e-government informatization act is older (the SDK's forms use the
    /// same bound).
    pub const ACTS: Earliest = Earliest {
        date: EARLIEST_DATE,
        named: EARLIEST_DATE,
        why: "no e-government informatization act is older",
    };
    /// [`INDEPENDENCE`] (16.12.1991): the objects of e-government and the acts about them may
    /// predate the informatization acts, but not the Republic.
    pub const INDEPENDENCE: Earliest = Earliest {
        date: INDEPENDENCE,
        named: "the independence of the Republic of Kazakhstan (16.12.1991)",
        why: "no e-government act or object is older",
    };
}

/// What a field given as JSON `null` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Null {
    /// The field is absent: [`Obj::has`] is false, a required one "is required", an optional
    /// one is `None`. For bodies whose forms admit `null` for "none".
    Absent,
    /// The field is given, with a value of the wrong type: [`Obj::has`] is true, and reading it
    /// is a violation ("... is text, got null"). For bodies whose forms never admit `null`.
    Value,
}

/// How [`Checks`] reads: the limits and the semantics that differ between variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    /// The most items a list holds ([`Obj::list`], [`Obj::lines`], [`Obj::references`]).
    pub max_items: usize,
    /// The earliest date [`Obj::date`] accepts.
    pub earliest: Earliest,
    /// What a field given as `null` is.
    pub null: Null,
}

impl Reading {
    /// The default: lists of at most [`MAX_ITEMS`], dates from [`Earliest::ACTS`], a `null`
    /// field is absent.
    pub const DEFAULT: Reading = Reading {
        max_items: MAX_ITEMS,
        earliest: Earliest::ACTS,
        null: Null::Absent,
    };
}

impl Default for Reading {
    #[inline]
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The violations found so far, and how to read ([`Reading`]; [`Reading::DEFAULT`] for
/// `Checks::default()`).
#[derive(Default, Debug)]
pub struct Checks {
    pub v: Vec<Violation>,
    reading: Reading,
}

impl Checks {
    /// No violations yet; reading as `reading` says.
    #[inline]
    pub fn new(reading: Reading) -> Self {
        Self {
            v: Vec::new(),
            reading,
        }
    }

    /// How this reads.
    #[inline]
    pub fn reading(&self) -> &Reading {
        &self.reading
    }

    /// A violation of `rule` at `field`.
    #[inline]
    pub fn push(&mut self, field: &str, rule: &str, message: impl Into<String>) {
        self.v.push(violation(field, rule, message));
    }

    /// Whether nothing was found.
    #[inline]
    pub fn ok(&self) -> bool {
        self.v.is_empty()
    }

    /// The violations, or `Ok` when there are none.
    #[inline]
    pub fn done(self) -> Result<(), Vec<Violation>> {
        if self.v.is_empty() {
            Ok(())
        } else {
            Err(self.v)
        }
    }
}

/// `path.key` (just `key` at the root).
#[inline]
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Whether `c` may not appear in text; `multiline` admits LF, CR and TAB (as the engine's
/// `Line` and `Text`). Checked before trimming, as the engine does: a trailing line break is
/// not one line.
#[inline]
fn forbidden(c: char, multiline: bool) -> bool {
    match c {
        '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => !multiline,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => true,
        c => c.is_control(),
    }
}

/// What kind of JSON value `v` is, for people.
#[inline]
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The JSON object `v` at `path`, whose fields may only be `keys`; `what` names it for people.
#[inline]
pub fn object<'a>(
    c: &mut Checks,
    v: &'a Value,
    path: &str,
    rule: &str,
    what: &str,
    keys: &[&str],
) -> Option<Obj<'a>> {
    let Value::Object(map) = v else {
        c.push(
            path,
            rule,
            format!("{what} is a JSON object, got {}", kind_of(v)),
        );
        return None;
    };
    for k in map.keys() {
        if !keys.contains(&k.as_str()) {
            c.push(
                &join(path, k),
                rule,
                format!("unknown field: {what} has {}", keys.join(", ")),
            );
        }
    }
    Some(Obj {
        map,
        path: path.to_owned(),
        null: c.reading.null,
    })
}

/// One JSON object, read field by field.
pub struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
    null: Null,
}

impl<'a> Obj<'a> {
    /// The path of `key`.
    #[inline]
    pub fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// Whether `key` is given; a `null` counts as the [`Reading`]'s [`Null`] says.
    #[inline]
    pub fn has(&self, key: &str) -> bool {
        self.given(key).is_some()
    }

    /// The value of `key` unless absent (a `null` as the [`Reading`] says).
    #[inline]
    fn given(&self, key: &str) -> Option<&'a Value> {
        let v = self.map.get(key);
        match self.null {
            Null::Absent => v.filter(|v| !v.is_null()),
            Null::Value => v,
        }
    }

    /// The value of `key` as given (`null` too, whatever the [`Reading`]).
    #[inline]
    pub fn raw(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    /// The value of `key`: `None` when absent (a violation when `need`).
    #[inline]
    fn get(
        &self,
        c: &mut Checks,
        key: &str,
        rule: &str,
        what: &str,
        need: bool,
    ) -> Option<&'a Value> {
        let v = self.given(key);
        if v.is_none() && need {
            c.push(&self.at(key), rule, format!("{what} is required"));
        }
        v
    }

    #[inline]
    fn string(
        &self,
        c: &mut Checks,
        key: &str,
        (rule, what): (&str, &str),
        need: bool,
        multiline: bool,
    ) -> Option<String> {
        let v = self.get(c, key, rule, what, need)?;
        let Value::String(s) = v else {
            c.push(
                &self.at(key),
                rule,
                format!("{what} is text, got {}", kind_of(v)),
            );
            return None;
        };
        let max = if multiline { MAX_TEXT } else { MAX_LINE };
        if s.chars().any(|ch| forbidden(ch, multiline)) {
            let how = if multiline {
                "text without control characters other than line breaks and tabs"
            } else {
                "one line without control characters"
            };
            c.push(&self.at(key), rule, format!("{what} is {how}"));
            None
        } else if s.trim().is_empty() {
            c.push(
                &self.at(key),
                rule,
                format!("{what} is required (it is blank)"),
            );
            None
        } else if s.chars().count() > max {
            c.push(
                &self.at(key),
                rule,
                format!("{what} is longer than {max} characters"),
            );
            None
        } else {
            Some(s.trim().to_owned())
        }
    }

    /// One line of text.
    #[inline]
    pub fn line(
        &self,
        c: &mut Checks,
        key: &str,
        rule: &str,
        what: &str,
        need: bool,
    ) -> Option<String> {
        self.string(c, key, (rule, what), need, false)
    }

    /// Text that may span lines.
    #[inline]
    pub fn text(
        &self,
        c: &mut Checks,
        key: &str,
        rule: &str,
        what: &str,
        need: bool,
    ) -> Option<String> {
        self.string(c, key, (rule, what), need, true)
    }

    /// A date `YYYY-MM-DD` from the [`Reading`]'s [`Earliest`] to `latest` (the day of the
    /// input; `None`: no upper bound).
    #[inline]
    pub fn date(
        &self,
        c: &mut Checks,
        key: &str,
        (rule, what): (&str, &str),
        latest: Option<&str>,
        need: bool,
    ) -> Option<String> {
        let d = self.line(c, key, rule, what, need)?;
        if parse_date(&d).is_none() {
            c.push(
                &self.at(key),
                rule,
                format!("{what} is a date YYYY-MM-DD, got {d:?}"),
            );
            return None;
        }
        let earliest = c.reading.earliest;
        if d.as_str() < earliest.date {
            c.push(
                &self.at(key),
                rule,
                format!("{what} {d} is before {}: {}", earliest.named, earliest.why),
            );
            return None;
        }
        if let Some(latest) = latest
            && d.as_str() > latest
        {
            c.push(
                &self.at(key),
                rule,
                format!("{what} {d} is in the future (the input is of {latest})"),
            );
            return None;
        }
        Some(d)
    }

    /// `true` or `false`.
    #[inline]
    pub fn boolean(
        &self,
        c: &mut Checks,
        key: &str,
        rule: &str,
        what: &str,
        need: bool,
    ) -> Option<bool> {
        let v = self.get(c, key, rule, what, need)?;
        match v {
            Value::Bool(b) => Some(*b),
            other => {
                c.push(
                    &self.at(key),
                    rule,
                    format!("{what} is true or false, got {}", kind_of(other)),
                );
                None
            }
        }
    }

    /// A whole number in `range`.
    #[inline]
    pub fn integer(
        &self,
        c: &mut Checks,
        key: &str,
        (rule, what): (&str, &str),
        range: std::ops::RangeInclusive<i64>,
        need: bool,
    ) -> Option<i64> {
        let v = self.get(c, key, rule, what, need)?;
        match v.as_i64() {
            Some(n) if range.contains(&n) => Some(n),
            _ => {
                c.push(
                    &self.at(key),
                    rule,
                    format!(
                        "{what} is a whole number from {} to {}, got {v}",
                        range.start(),
                        range.end()
                    ),
                );
                None
            }
        }
    }

    /// One of `options`.
    #[inline]
    pub fn choice(
        &self,
        c: &mut Checks,
        key: &str,
        (rule, what): (&str, &str),
        options: &[&str],
        need: bool,
    ) -> Option<String> {
        let v = self.get(c, key, rule, what, need)?;
        match v.as_str() {
            Some(s) if options.contains(&s) => Some(s.to_owned()),
            _ => {
                c.push(
                    &self.at(key),
                    rule,
                    format!("{what} is one of {}, got {v}", options.join(", ")),
                );
                None
            }
        }
    }

    /// A BIN (12 digits with the control digit).
    #[inline]
    pub fn bin(
        &self,
        c: &mut Checks,
        key: &str,
        rule: &str,
        what: &str,
        need: bool,
    ) -> Option<String> {
        let s = self.line(c, key, rule, what, need)?;
        if bin_is_valid(&s) {
            Some(s)
        } else {
            c.push(
                &self.at(key),
                rule,
                format!("{what} {s:?} is not a BIN: 12 digits whose last is the control digit"),
            );
            None
        }
    }

    /// An amount of tenge: text `"123"` or `"123.45"` (at most two decimals), as hundredths.
    #[inline]
    pub fn tenge(
        &self,
        c: &mut Checks,
        key: &str,
        rule: &str,
        what: &str,
        need: bool,
    ) -> Option<u128> {
        let s = self.line(c, key, rule, what, need)?;
        match crate::money::parse(&s) {
            Some(h) => Some(h),
            None => {
                c.push(
                    &self.at(key),
                    rule,
                    format!(
                        "{what} is an amount of tenge written \"123\" or \"123.45\", got {s:?}"
                    ),
                );
                None
            }
        }
    }

    /// The list at `key` (at most the [`Reading`]'s `max_items`), at least one item when `need`;
    /// its items are read by the caller, with their paths.
    #[inline]
    pub fn list(
        &self,
        c: &mut Checks,
        key: &str,
        rule: &str,
        what: &str,
        need: bool,
    ) -> Option<Vec<(String, &'a Value)>> {
        let v = self.get(c, key, rule, what, need)?;
        let Value::Array(items) = v else {
            c.push(
                &self.at(key),
                rule,
                format!("{what} is a list, got {}", kind_of(v)),
            );
            return None;
        };
        if items.is_empty() && need {
            c.push(
                &self.at(key),
                rule,
                format!("{what}: at least one is required"),
            );
            return None;
        }
        let max = c.reading.max_items;
        if items.len() > max {
            c.push(&self.at(key), rule, format!("{what}: at most {max}"));
            return None;
        }
        Some(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{}[{i}]", self.at(key)), v))
                .collect(),
        )
    }

    /// A list of distinct one-line texts (names; the same name in another case is the same),
    /// possibly empty unless `need`.
    #[inline]
    pub fn lines(
        &self,
        c: &mut Checks,
        key: &str,
        rule: &str,
        what: &str,
        need: bool,
    ) -> Option<Vec<String>> {
        self.one_line_each(
            c,
            (key, rule, what),
            need,
            true,
            "each is one line of text, not blank",
        )
    }

    /// A list of one-line references (a portal id or a URI), possibly empty unless `need`; one
    /// may be given twice.
    #[inline]
    pub fn references(
        &self,
        c: &mut Checks,
        key: &str,
        rule: &str,
        what: &str,
        need: bool,
    ) -> Option<Vec<String>> {
        self.one_line_each(
            c,
            (key, rule, what),
            need,
            false,
            "each is a reference, one line of text (a portal id or a URI)",
        )
    }

    /// A list of one-line texts, trimmed; `distinct`: none given twice (ignoring case); `each`
    /// says what an item is when one is not.
    #[inline]
    fn one_line_each(
        &self,
        c: &mut Checks,
        (key, rule, what): (&str, &str, &str),
        need: bool,
        distinct: bool,
        each: &str,
    ) -> Option<Vec<String>> {
        let items = self.list(c, key, rule, what, need)?;
        let before = c.v.len();
        let mut out: Vec<String> = Vec::new();
        for (path, item) in items {
            match item.as_str() {
                Some(s)
                    if !s.trim().is_empty()
                        && s.chars().count() <= MAX_LINE
                        && !s.chars().any(|ch| forbidden(ch, false)) =>
                {
                    let s = s.trim();
                    if distinct && out.iter().any(|o| o.to_lowercase() == s.to_lowercase()) {
                        c.push(&path, rule, format!("{what}: {s:?} is given twice"));
                    } else {
                        out.push(s.to_owned());
                    }
                }
                _ => c.push(&path, rule, format!("{what}: {each}")),
            }
        }
        (c.v.len() == before).then_some(out)
    }

    /// A non-empty list of distinct values of `options`.
    #[inline]
    pub fn set_of(
        &self,
        c: &mut Checks,
        key: &str,
        (rule, what): (&str, &str),
        options: &[&str],
        need: bool,
    ) -> Option<Vec<String>> {
        let v = self.get(c, key, rule, what, need)?;
        let items = v
            .as_array()
            .map(|a| a.iter().map(Value::as_str).collect::<Vec<_>>());
        let ok = items.as_ref().is_some_and(|a| {
            !a.is_empty()
                && a.iter().all(|s| s.is_some_and(|s| options.contains(&s)))
                && a.iter().enumerate().all(|(i, s)| !a[..i].contains(s))
        });
        if !ok {
            c.push(
                &self.at(key),
                rule,
                format!(
                    "{what} is a non-empty list of distinct values of {}, got {v}",
                    options.join(", ")
                ),
            );
            return None;
        }
        items.map(|a| a.into_iter().flatten().map(str::to_owned).collect())
    }

    /// The object at `key`, whose fields may only be `keys`.
    #[inline]
    pub fn object(
        &self,
        c: &mut Checks,
        key: &str,
        (rule, what): (&str, &str),
        keys: &[&str],
        need: bool,
    ) -> Option<Obj<'a>> {
        let v = self.get(c, key, rule, what, need)?;
        object(c, v, &self.at(key), rule, what, keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The lifecycle variant's reading: references, dates from 1991, `null` as a value.
    const STRICT: Reading = Reading {
        max_items: 50,
        earliest: Earliest::INDEPENDENCE,
        null: Null::Value,
    };

    fn found(c: &Checks) -> Vec<(&str, &str, &str)> {
        c.v.iter()
            .map(|v| (v.field.as_str(), v.rule.as_str(), v.message.as_str()))
            .collect()
    }

    #[test]
    fn objects_fields_and_nulls() {
        let body = json!({"a": null, "b": "x", "extra": 1});
        let keys = ["a", "b", "c"];
        // By default a null is absent: not given, "required" when needed.
        let mut c = Checks::default();
        let o = object(&mut c, &body, "", "R", "the body", &keys).unwrap();
        assert!(!o.has("a") && o.has("b") && !o.has("c"));
        assert_eq!(o.raw("a"), Some(&Value::Null));
        assert_eq!(o.line(&mut c, "a", "R", "A", false), None);
        assert_eq!(o.line(&mut c, "a", "R", "A", true), None);
        assert_eq!(o.line(&mut c, "b", "R", "B", true).as_deref(), Some("x"));
        assert_eq!(
            found(&c),
            [
                ("extra", "R", "unknown field: the body has a, b, c"),
                ("a", "R", "A is required"),
            ]
        );
        // Read strictly, a null is given, with the wrong type.
        let mut c = Checks::new(STRICT);
        let o = object(&mut c, &body, "in", "R", "the body", &keys).unwrap();
        assert!(o.has("a") && !o.has("c"));
        assert_eq!(o.line(&mut c, "a", "R", "A", false), None);
        assert_eq!(o.line(&mut c, "c", "R", "C", true), None);
        assert_eq!(
            found(&c)[1..],
            [
                ("in.a", "R", "A is text, got null"),
                ("in.c", "R", "C is required")
            ]
        );
        // Not an object: the path as given ("" is the whole document).
        let mut c = Checks::default();
        assert!(object(&mut c, &json!([1]), "", "R", "the body", &keys).is_none());
        assert!(object(&mut c, &json!(1), "inputs", "R", "the facts", &keys).is_none());
        assert_eq!(
            found(&c),
            [
                ("", "R", "the body is a JSON object, got a list"),
                ("inputs", "R", "the facts is a JSON object, got a number"),
            ]
        );
        assert!(c.done().is_err());
        assert!(Checks::default().done().is_ok());
    }

    #[test]
    fn text_is_one_line_or_many_and_never_blank() {
        let body = json!({"one": " a ", "two": "a\nb", "blank": " \t", "bidi": "a\u{202E}b",
            "long": "x".repeat(MAX_LINE + 1), "n": 7});
        let mut c = Checks::default();
        let o = object(
            &mut c,
            &body,
            "",
            "R",
            "it",
            &["one", "two", "blank", "bidi", "long", "n"],
        )
        .unwrap();
        assert_eq!(
            o.line(&mut c, "one", "R", "One", true).as_deref(),
            Some("a")
        );
        assert_eq!(
            o.text(&mut c, "two", "R", "Two", true).as_deref(),
            Some("a\nb")
        );
        assert_eq!(o.line(&mut c, "two", "R", "Two", true), None);
        assert_eq!(o.text(&mut c, "blank", "R", "Blank", true), None);
        assert_eq!(o.text(&mut c, "bidi", "R", "Bidi", true), None);
        assert_eq!(o.line(&mut c, "long", "R", "Long", true), None);
        assert!(o.text(&mut c, "long", "R", "Long", true).is_some());
        assert_eq!(o.line(&mut c, "n", "R", "N", true), None);
        let messages: Vec<&str> = found(&c).iter().map(|f| f.2).collect();
        assert_eq!(
            messages,
            [
                "Two is one line without control characters",
                "Blank is required (it is blank)",
                "Bidi is text without control characters other than line breaks and tabs",
                "Long is longer than 2000 characters",
                "N is text, got a number",
            ]
        );
    }

    #[test]
    fn dates_are_bounded_by_the_readings_earliest_day_and_the_input() {
        let body = json!({"old": "1995-05-05", "early": "1991-12-15", "late": "2026-03-20",
            "bad": "2026-02-30"});
        let keys = ["old", "early", "late", "bad"];
        let what = ("R", "The day");
        let mut c = Checks::default();
        let o = object(&mut c, &body, "", "R", "it", &keys).unwrap();
        assert_eq!(o.date(&mut c, "old", what, Some("2026-03-19"), true), None);
        assert_eq!(o.date(&mut c, "late", what, Some("2026-03-19"), true), None);
        assert_eq!(
            o.date(&mut c, "late", what, None, true).as_deref(),
            Some("2026-03-20")
        );
        assert_eq!(o.date(&mut c, "bad", what, None, true), None);
        let mut strict = Checks::new(STRICT);
        let s = object(&mut strict, &body, "", "R", "it", &keys).unwrap();
        assert_eq!(
            s.date(&mut strict, "old", what, Some("2026-03-19"), true)
                .as_deref(),
            Some("1995-05-05")
        );
        assert_eq!(s.date(&mut strict, "early", what, None, true), None);
        let messages: Vec<&str> = found(&c)
            .iter()
            .chain(&found(&strict))
            .map(|f| f.2)
            .collect();
        assert_eq!(
            messages,
            [
                "The day 1995-05-05 is before 2000-01-01: no e-government informatization act is older",
                "The day 2026-03-20 is in the future (the input is of 2026-03-19)",
                "The day is a date YYYY-MM-DD, got \"2026-02-30\"",
                "The day 1991-12-15 is before the independence of the Republic of Kazakhstan (16.12.1991): no e-government act or object is older",
            ]
        );
    }

    #[test]
    fn scalars() {
        let body = json!({"b": true, "n": 3, "big": 30, "ch": "x", "bin": "123456789012",
            "good_bin": "000740001307", "sum": "1250000.5", "bad_sum": "12,5",
            "set": ["a", "b"], "dup": ["a", "a"]});
        let keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut c = Checks::default();
        let o = object(&mut c, &body, "", "R", "it", &keys).unwrap();
        assert_eq!(o.boolean(&mut c, "b", "R", "B", true), Some(true));
        assert_eq!(o.boolean(&mut c, "n", "R", "N", true), None);
        assert_eq!(o.integer(&mut c, "n", ("R", "N"), 1..=10, true), Some(3));
        assert_eq!(o.integer(&mut c, "big", ("R", "Big"), 1..=10, true), None);
        assert_eq!(
            o.choice(&mut c, "ch", ("R", "Ch"), &["x", "y"], true)
                .as_deref(),
            Some("x")
        );
        assert_eq!(o.choice(&mut c, "ch", ("R", "Ch"), &["y"], true), None);
        assert_eq!(o.bin(&mut c, "bin", "R", "BIN", true), None);
        assert_eq!(
            o.bin(&mut c, "good_bin", "R", "BIN", true).as_deref(),
            Some("000740001307")
        );
        assert_eq!(o.tenge(&mut c, "sum", "R", "Sum", true), Some(125_000_050));
        assert_eq!(o.tenge(&mut c, "bad_sum", "R", "Sum", true), None);
        assert_eq!(
            o.set_of(&mut c, "set", ("R", "Set"), &["a", "b", "c"], true),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(o.set_of(&mut c, "dup", ("R", "Set"), &["a"], true), None);
        let messages: Vec<&str> = found(&c).iter().map(|f| f.2).collect();
        assert_eq!(
            messages,
            [
                "N is true or false, got a number",
                "Big is a whole number from 1 to 10, got 30",
                "Ch is one of y, got \"x\"",
                "BIN \"123456789012\" is not a BIN: 12 digits whose last is the control digit",
                "Sum is an amount of tenge written \"123\" or \"123.45\", got \"12,5\"",
                "Set is a non-empty list of distinct values of a, got [\"a\",\"a\"]",
            ]
        );
    }

    #[test]
    fn lists_names_and_references() {
        let body = json!({
            "names": [" Alpha ", "beta", "ALPHA", "", "a\n", 5],
            "refs": ["portal:1", " portal:1 ", "https://x/y"],
            "none": [],
            "many": vec!["r"; 51],
            "objects": [{"k": 1}],
        });
        let keys = ["names", "refs", "none", "many", "objects"];
        let mut c = Checks::default();
        let o = object(&mut c, &body, "", "R", "it", &keys).unwrap();
        assert_eq!(o.lines(&mut c, "names", "R", "the names", true), None);
        assert_eq!(
            found(&c),
            [
                ("names[2]", "R", "the names: \"ALPHA\" is given twice"),
                (
                    "names[3]",
                    "R",
                    "the names: each is one line of text, not blank"
                ),
                (
                    "names[4]",
                    "R",
                    "the names: each is one line of text, not blank"
                ),
                (
                    "names[5]",
                    "R",
                    "the names: each is one line of text, not blank"
                ),
            ]
        );
        let mut c = Checks::default();
        assert_eq!(
            o.references(&mut c, "refs", "R", "the references", true),
            Some(vec![
                "portal:1".into(),
                "portal:1".into(),
                "https://x/y".into()
            ])
        );
        assert_eq!(
            o.lines(&mut c, "none", "R", "the names", false),
            Some(vec![])
        );
        assert_eq!(
            o.references(&mut c, "none", "R", "the references", true),
            None
        );
        assert_eq!(
            o.references(&mut c, "many", "R", "the references", false)
                .map(|r| r.len()),
            Some(51)
        );
        let items = o.list(&mut c, "objects", "R", "the objects", true).unwrap();
        assert_eq!(items, [("objects[0]".to_owned(), &json!({"k": 1}))]);
        assert_eq!(
            found(&c),
            [("none", "R", "the references: at least one is required")]
        );
        // A reading's own limit: the lifecycle variant's lists of references hold at most 50.
        let mut strict = Checks::new(STRICT);
        let s = object(&mut strict, &body, "", "R", "it", &keys).unwrap();
        assert_eq!(
            s.references(&mut strict, "many", "R", "the references", false),
            None
        );
        assert_eq!(
            s.references(&mut strict, "refs", "R", "the references", false)
                .map(|r| r.len()),
            Some(3)
        );
        assert_eq!(
            s.references(&mut strict, "names", "R", "the references", false),
            None
        );
        assert_eq!(
            found(&strict)[..2],
            [
                ("many", "R", "the references: at most 50"),
                (
                    "names[3]",
                    "R",
                    "the references: each is a reference, one line of text (a portal id or a URI)"
                ),
            ]
        );
        assert_eq!(strict.reading(), &STRICT);
        assert_eq!(Checks::default().reading(), &Reading::DEFAULT);
    }
}
