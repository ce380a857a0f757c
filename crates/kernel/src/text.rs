//! Text from outside, parsed before it goes anywhere: names (the keys of forms, steps and
//! outcomes), one-line text (form fields, references, reasons) and multi-line text (notes).
//!
//! Control characters never pass: C0 (NUL, ESC, CR, LF, TAB ...), DEL and C1, the Unicode
//! line and paragraph separators in one-line text, and the bidirectional embeddings, overrides
//! and isolates (U+202A..U+202E, U+2066..U+2069) that make a text read differently from what
//! it holds. A multi-line text admits LF, CR and TAB, nothing else of those.

use std::fmt;

/// Why a text was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// A character that may not appear, with its position (in characters, from 0).
    #[error("contains the control character U+{code:04X} at position {at}")]
    Control {
        /// The character's code point.
        code: u32,
        /// Its position in characters.
        at: usize,
    },
    /// Longer than allowed.
    #[error("is longer than {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// Empty (or only blanks) where a value is required.
    #[error("is empty")]
    Empty,
    /// A name with characters outside its alphabet.
    #[error(
        "{got:?} is not a name: 1 to {max} characters, letters, digits, '.', '_' or '-', starting with a letter or digit",
        max = Name::MAX
    )]
    Name {
        /// What was given (cut to 40 characters).
        got: String,
    },
}

/// Whether `c` may never appear in text from outside (see the module docs); `multiline`
/// admits LF, CR and TAB.
fn forbidden(c: char, multiline: bool) -> bool {
    match c {
        '\n' | '\r' | '\t' => !multiline,
        '\u{2028}' | '\u{2029}' => !multiline,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => true,
        c => c.is_control(),
    }
}

fn check(s: &str, max: usize, multiline: bool) -> Result<(), TextError> {
    for (at, c) in s.chars().enumerate() {
        if forbidden(c, multiline) {
            return Err(TextError::Control { code: c as u32, at });
        }
        if at == max {
            return Err(TextError::TooLong { max });
        }
    }
    if s.trim().is_empty() {
        return Err(TextError::Empty);
    }
    Ok(())
}

/// Checks that `s` could be a [`Line`] of at most `max` characters.
pub fn check_line(s: &str, max: usize) -> Result<(), TextError> {
    check(s, max, false)
}

/// Checks that `s` could be a [`Text`] of at most `max` characters.
pub fn check_text(s: &str, max: usize) -> Result<(), TextError> {
    check(s, max, true)
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $max:expr, $multiline:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The longest value, in characters.
            pub const MAX: usize = $max;

            /// Parses `s`.
            pub fn parse(s: impl Into<String>) -> Result<Self, TextError> {
                let s = s.into();
                check(&s, Self::MAX, $multiline)?;
                Ok(Self(s))
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Self::parse(String::deserialize(d)?).map_err(serde::de::Error::custom)
            }
        }
    };
}

text_type!(
    /// One line of text from outside (a form field, a document reference, a reason): no control
    /// characters, not blank, at most 2 000 characters.
    Line,
    2_000,
    false
);

text_type!(
    /// Text from outside that may span lines (a note): LF, CR and TAB allowed, no other control
    /// character, not blank, at most 20 000 characters.
    Text,
    20_000,
    true
);

/// A name: the key of a form field, a criterion, an object or document kind, a step or an
/// outcome. 1 to 64 ASCII letters, digits, `.`, `_` or `-`, starting with a letter or digit, so
/// a name is safe in a key, a path and a log line.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(String);

impl Name {
    /// The longest name.
    pub const MAX: usize = 64;

    /// Whether `s` is a name.
    pub fn is_valid(s: &str) -> bool {
        let b = s.as_bytes();
        !b.is_empty()
            && b.len() <= Self::MAX
            && b[0].is_ascii_alphanumeric()
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(c))
    }

    /// Parses `s`.
    pub fn parse(s: impl Into<String>) -> Result<Self, TextError> {
        let s = s.into();
        if Self::is_valid(&s) {
            Ok(Self(s))
        } else {
            Err(TextError::Name {
                got: s.chars().take(40).collect(),
            })
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_text_refuses_every_control_character() {
        for bad in [
            "a\0b",
            "a\u{1b}[31mred",
            "a\rb",
            "a\nb",
            "a\tb",
            "a\u{7f}",
            "a\u{85}b",
            "a\u{9b}b",
            "a\u{2028}b",
            "abc\u{202E}fed",
            "x\u{2066}y",
        ] {
            assert!(
                matches!(Line::parse(bad), Err(TextError::Control { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(
            Line::parse("Министрство юстиции «E-нотариат» — 2026").map(|l| l.to_string()),
            Ok("Министрство юстиции «E-нотариат» — 2026".to_owned())
        );
    }

    #[test]
    fn multi_line_text_admits_line_breaks_and_tabs_only() {
        assert!(Text::parse("first line\r\nsecond\tline\n").is_ok());
        assert!(matches!(
            Text::parse("bell\u{7}"),
            Err(TextError::Control { code: 7, at: 4 })
        ));
        assert!(matches!(
            Text::parse("a\u{202D}b"),
            Err(TextError::Control { .. })
        ));
    }

    #[test]
    fn blank_and_overlong_text_is_refused() {
        assert_eq!(Line::parse(""), Err(TextError::Empty));
        assert_eq!(Line::parse("   "), Err(TextError::Empty));
        assert_eq!(
            Line::parse("я".repeat(Line::MAX + 1)),
            Err(TextError::TooLong { max: Line::MAX })
        );
        assert!(Line::parse("я".repeat(Line::MAX)).is_ok());
    }

    #[test]
    fn names_are_key_safe() {
        for ok in ["signed_on", "1.1", "si-recommendation", "PL-6.a"] {
            assert!(Name::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-x",
            "a b",
            "a}b",
            "a{b",
            "a:b",
            "a/b",
            "шаг",
            &"a".repeat(65),
        ] {
            assert!(Name::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn text_types_parse_when_deserialized() {
        let e = serde_json::from_str::<Line>("\"a\\u0000b\"").unwrap_err();
        assert!(e.to_string().contains("U+0000"), "{e}");
        let n: Name = serde_json::from_str("\"ab-check\"").unwrap();
        assert_eq!(n.as_str(), "ab-check");
    }
}
