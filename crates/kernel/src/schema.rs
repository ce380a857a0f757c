//! The JSON Schemas of the kernel's types, as the OpenAPI documents state them: what a schema
//! admits is exactly what the type's parser admits, so a request a schema accepts is not
//! refused by a rule the document does not show (the tests below hold the two together).
//!
//! The patterns are written in the common part of ECMA-262 (with `u`), Python's `re` (the API
//! tester generates from them) and Rust's `regex`: no lookaround, no `\s`, `\w` or `\d`, whose
//! meaning differs between them; every class spelled out.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};
use std::borrow::Cow;

/// A [`crate::Name`].
pub const NAME: &str = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

/// A ULID ([`crate::CaseId`], [`crate::EventId`]): 26 Crockford base32 digits, either case, the
/// first at most 7 (128 bits).
pub const ULID: &str = r"^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$";

/// A [`crate::TaskKey`]: a step, and the round from the second on (`~2`; rounds of up to nine
/// digits are documented).
pub const TASK_KEY: &str = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(~([2-9]|[1-9][0-9]{1,8}))?$";

/// A [`crate::TaskId`]: `<case ULID>.<task key>`.
pub const TASK_ID: &str = r"^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}\.[A-Za-z0-9][A-Za-z0-9._-]{0,63}(~([2-9]|[1-9][0-9]{1,8}))?$";

/// A [`crate::Bin`]'s shape; its control digit is the format [`BIN_FORMAT`].
pub const BIN: &str = r"^[0-9]{12}$";

/// The custom format of a BIN (or IIN) whose control digit holds (`Bin::parse`).
pub const BIN_FORMAT: &str = "kz-bin";

/// A character of one-line text: no control character (C0, DEL, C1), no line or paragraph
/// separator, no bidirectional embedding, override or isolate.
const LINE_CHAR: &str = r"[^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]";
/// A character of multi-line text: as [`LINE_CHAR`], with TAB, LF, CR and the separators.
const TEXT_CHAR: &str = r"[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]";
/// A character of either that is not white space (Unicode `White_Space`, what `str::trim`
/// removes): a text holds at least one.
const VISIBLE_CHAR: &str =
    r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028-\u202F\u205F\u2066-\u2069\u3000]";

/// A [`crate::Line`]'s pattern (its length is `maxLength`).
pub fn line_pattern() -> String {
    format!("^{LINE_CHAR}*{VISIBLE_CHAR}{LINE_CHAR}*$")
}

/// A [`crate::Text`]'s pattern (its length is `maxLength`).
pub fn text_pattern() -> String {
    format!("^{TEXT_CHAR}*{VISIBLE_CHAR}{TEXT_CHAR}*$")
}

/// A line that may also be empty (an optional query).
pub fn line_or_empty_pattern() -> String {
    format!("^({LINE_CHAR}*{VISIBLE_CHAR}{LINE_CHAR}*)?$")
}

/// A text that may also be empty (a string of a submitted document, `check_document`).
pub fn text_or_empty_pattern() -> String {
    format!("^({TEXT_CHAR}*{VISIBLE_CHAR}{TEXT_CHAR}*)?$")
}

/// The schema of a [`crate::Name`].
pub fn name() -> Value {
    json!({"type": "string", "pattern": NAME, "minLength": 1, "maxLength": crate::Name::MAX})
}

/// The schema of a [`crate::Line`] of at most `max` characters (at most `Line::MAX`).
pub fn line(max: usize) -> Value {
    json!({"type": "string", "pattern": line_pattern(), "minLength": 1,
           "maxLength": max.min(crate::Line::MAX)})
}

/// The schema of a [`crate::Text`] of at most `max` characters (at most `Text::MAX`).
pub fn text(max: usize) -> Value {
    json!({"type": "string", "pattern": text_pattern(), "minLength": 1,
           "maxLength": max.min(crate::Text::MAX)})
}

/// The schema of a [`crate::Bin`] (or IIN): twelve digits whose control digit holds.
pub fn bin() -> Value {
    json!({"type": "string", "pattern": BIN, "format": BIN_FORMAT,
           "description": "BIN or IIN: 12 digits with a valid control digit"})
}

/// The schema of a ULID ([`crate::CaseId`]).
pub fn ulid() -> Value {
    json!({"type": "string", "pattern": ULID, "description": "A ULID"})
}

/// The schema of a [`crate::TaskId`].
pub fn task_id() -> Value {
    json!({"type": "string", "pattern": TASK_ID, "description": "<case id>.<step>[~<round>]"})
}

fn schema(v: Value) -> Schema {
    Schema::try_from(v).expect("an object")
}

macro_rules! inline_schema {
    ($t:ty, $name:literal, $schema:expr) => {
        impl JsonSchema for $t {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                schema($schema)
            }
        }
    };
}

inline_schema!(crate::Name, "Name", name());
inline_schema!(crate::Line, "Line", line(crate::Line::MAX));
inline_schema!(crate::Text, "Text", text(crate::Text::MAX));
inline_schema!(crate::Bin, "Bin", bin());
inline_schema!(crate::CaseId, "CaseId", ulid());
inline_schema!(crate::EventId, "EventId", ulid());
inline_schema!(crate::TaskId, "TaskId", task_id());

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Bin, CaseId, Line, Name, TaskId, TaskKey, Text};

    /// Strings from an alphabet of the characters each rule is about, deterministic.
    fn corpus() -> Vec<String> {
        let alphabet: Vec<char> = [
            'a', 'Z', '0', '7', '8', '9', '.', '_', '-', '~', ' ', '\t', '\n', '\r', '\u{0}',
            '\u{1b}', '\u{7f}', '\u{85}', '\u{a0}', '\u{ad}', '\u{1680}', '\u{2000}', '\u{200b}',
            '\u{2028}', '\u{2029}', '\u{202a}', '\u{202e}', '\u{202f}', '\u{205f}', '\u{2066}',
            '\u{2069}', '\u{3000}', '\u{feff}', 'ж', 'қ', 'I', 'L', 'O', 'U', 'i', 'l', 'o', 'u',
            'Ё', '😀', ':', '}', '#',
        ]
        .into();
        let mut out: Vec<String> = alphabet.iter().map(|c| c.to_string()).collect();
        out.push(String::new());
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..20_000 {
            let len = next(6);
            out.push((0..len).map(|_| alphabet[next(alphabet.len())]).collect());
        }
        let case = CaseId::new().to_string();
        for s in [
            case.clone(),
            case.to_lowercase(),
            format!("8{}", &case[1..]),
            format!("{case}.ab-check"),
            format!("{case}.ab-check~2"),
            format!("{case}.ab-check~1"),
            format!("{case}.ab-check~02"),
            format!("{case}.si.exam~123456789"),
            format!("{case}."),
            "a".repeat(64),
            "a".repeat(65),
            "940740000911".into(),
            "940740000912".into(),
            "000000000000".into(),
        ] {
            out.push(s);
        }
        out
    }

    fn check(pattern: &str, max: Option<usize>, parse: impl Fn(&str) -> bool) {
        let re = regex::Regex::new(pattern).unwrap();
        for s in corpus() {
            let by_schema = re.is_match(&s) && max.is_none_or(|m| s.chars().count() <= m);
            assert_eq!(by_schema, parse(&s), "{pattern} on {s:?}");
        }
    }

    #[test]
    fn each_pattern_admits_exactly_what_its_parser_does() {
        check(NAME, None, |s| Name::parse(s).is_ok());
        check(ULID, None, |s| s.parse::<CaseId>().is_ok());
        check(TASK_KEY, None, |s| {
            // Rounds past nine digits parse but are not documented.
            s.parse::<TaskKey>()
                .is_ok_and(|k| k.round() < 1_000_000_000)
        });
        check(TASK_ID, None, |s| {
            s.parse::<TaskId>()
                .is_ok_and(|t| t.key().round() < 1_000_000_000)
        });
        check(&line_pattern(), Some(Line::MAX), |s| Line::parse(s).is_ok());
        check(&text_pattern(), Some(Text::MAX), |s| Text::parse(s).is_ok());
        check(&line_or_empty_pattern(), Some(Line::MAX), |s| {
            s.is_empty() || Line::parse(s).is_ok()
        });
        check(&text_or_empty_pattern(), Some(Text::MAX), |s| {
            s.is_empty() || Text::parse(s).is_ok()
        });
        // The shape; the control digit is the format's.
        check(BIN, None, |s| {
            s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
        });
        assert!(Bin::parse("940740000911").is_ok());
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        let long = "ж".repeat(Line::MAX);
        assert!(Line::parse(long.as_str()).is_ok());
        assert!(Line::parse(format!("{long}ж")).is_err());
    }

    #[test]
    fn the_types_describe_themselves_inline() {
        let s = schemars::SchemaGenerator::default().into_root_schema_for::<Vec<Name>>();
        assert_eq!(s.as_value()["items"]["pattern"], NAME);
    }
}
