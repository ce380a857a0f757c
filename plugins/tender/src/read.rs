//! Strict reading of the JSON the variant is given: submissions (which the engine has checked
//! against their forms, so this is the second line of defence), the facts of a completion
//! (checked against the step's schema) and the bodies of slot inputs (which have no schema in
//! the engine, so this is the only one). Every unknown field, wrong type, missing or blank value
//! is a violation naming its path and rule, and reading goes on, so that one answer lists every
//! fault.

use egov_plugin_sdk::{EARLIEST_DATE, Violation, bin_is_valid, parse_date, violation};
use serde_json::{Map, Value};

/// The longest one-line value (the engine's `Line`).
pub const MAX_LINE: usize = 2000;
/// The longest free text (the engine's `Text`).
pub const MAX_TEXT: usize = 20000;
/// The most items a list holds.
pub const MAX_ITEMS: usize = 200;

/// The violations found so far.
#[derive(Default, Debug)]
pub struct Checks {
    pub v: Vec<Violation>,
}

impl Checks {
    /// A violation of `rule` at `field`.
    pub fn push(&mut self, field: &str, rule: &str, message: impl Into<String>) {
        self.v.push(violation(field, rule, message));
    }

    /// Whether nothing was found.
    pub fn ok(&self) -> bool {
        self.v.is_empty()
    }

    /// The violations, or `Ok` when there are none.
    pub fn done(self) -> Result<(), Vec<Violation>> {
        if self.v.is_empty() {
            Ok(())
        } else {
            Err(self.v)
        }
    }
}

/// `path.key` (just `key` at the root).
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Whether `c` may not appear in text; `multiline` admits LF, CR and TAB (as the engine's
/// `Line` and `Text`).
fn forbidden(c: char, multiline: bool) -> bool {
    match c {
        '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => !multiline,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => true,
        c => c.is_control(),
    }
}

/// What kind of JSON value `v` is, for people.
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
            if path.is_empty() { "inputs" } else { path },
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
    })
}

/// One JSON object, read field by field.
pub struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    /// The path of `key`.
    pub fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// Whether `key` is given and not null.
    pub fn has(&self, key: &str) -> bool {
        self.map.get(key).is_some_and(|v| !v.is_null())
    }

    /// The value of `key`, if given.
    pub fn raw(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    /// The value of `key`: `None` when absent or null (a violation when `need`).
    fn get(
        &self,
        c: &mut Checks,
        key: &str,
        rule: &str,
        what: &str,
        need: bool,
    ) -> Option<&'a Value> {
        let v = self.map.get(key).filter(|v| !v.is_null());
        if v.is_none() && need {
            c.push(&self.at(key), rule, format!("{what} is required"));
        }
        v
    }

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

    /// A date `YYYY-MM-DD` from [`EARLIEST_DATE`] to `latest` (the day of the input; `None`: no
    /// upper bound).
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
        if d.as_str() < EARLIEST_DATE {
            c.push(
                &self.at(key),
                rule,
                format!("{what} {d} is before {EARLIEST_DATE}: no e-government informatization act is older"),
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

    /// The list at `key` (at most [`MAX_ITEMS`]), at least one item when `need`; its items are
    /// read by the caller, with their paths.
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
        if items.len() > MAX_ITEMS {
            c.push(&self.at(key), rule, format!("{what}: at most {MAX_ITEMS}"));
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

    /// A list of distinct one-line texts (names), possibly empty unless `need`.
    pub fn lines(
        &self,
        c: &mut Checks,
        key: &str,
        rule: &str,
        what: &str,
        need: bool,
    ) -> Option<Vec<String>> {
        let items = self.list(c, key, rule, what, need)?;
        let before = c.v.len();
        let mut out: Vec<String> = Vec::new();
        for (path, item) in items {
            match item.as_str().map(str::trim) {
                Some(s)
                    if !s.is_empty()
                        && s.chars().count() <= MAX_LINE
                        && !s.chars().any(|ch| forbidden(ch, false)) =>
                {
                    if out.iter().any(|o| o.to_lowercase() == s.to_lowercase()) {
                        c.push(&path, rule, format!("{what}: {s:?} is given twice"));
                    } else {
                        out.push(s.to_owned());
                    }
                }
                _ => c.push(
                    &path,
                    rule,
                    format!("{what}: each is one line of text, not blank"),
                ),
            }
        }
        (c.v.len() == before).then_some(out)
    }

    /// The object at `key`, whose fields may only be `keys`.
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
