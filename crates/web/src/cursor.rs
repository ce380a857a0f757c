//! Page cursors as the APIs hand them out (`egov_store::cursor`: `<score>~<member>`), read
//! back strictly, and their OpenAPI schema: the score as the store writes an `f64` (digits,
//! an optional sign and fraction, no exponent) and the member as the list's own type, so the
//! document states exactly what the server takes.

use serde_json::{Value, json};

/// The score part of a cursor (the `Display` of a finite `f64`).
pub const SCORE: &str = r"-?[0-9]{1,309}(\.[0-9]{1,40})?";

/// The pattern of a cursor whose member matches `member` (a pattern without anchors).
pub fn pattern(member: &str) -> String {
    format!("^{SCORE}~({member})$")
}

/// The schema of a cursor query parameter's value.
pub fn schema(member: &str) -> Value {
    json!({"type": "string", "pattern": pattern(member)})
}

fn digits(s: &str, max: usize) -> bool {
    (1..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// A cursor's score and member when both are of their documented shape (`member` says whether
/// the member is one of the list's); `None` otherwise.
pub fn parse(s: &str, member: impl Fn(&str) -> bool) -> Option<(f64, &str)> {
    let (score, m) = s.split_once('~')?;
    let unsigned = score.strip_prefix('-').unwrap_or(score);
    let shaped = match unsigned.split_once('.') {
        None => digits(unsigned, 309),
        Some((i, f)) => digits(i, 309) && digits(f, 40),
    };
    if !shaped || !member(m) {
        return None;
    }
    egov_store::split_cursor(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_and_the_parser_agree() {
        let member = |m: &str| m == "ab" || m == "a~b";
        let re = regex::Regex::new(&pattern("ab|a~b")).unwrap();
        for s in [
            "1~ab",
            "-1~ab",
            "1.5~ab",
            "1733050000000.0003~ab",
            "0~a~b",
            "1e5~ab",
            "+1~ab",
            ".5~ab",
            "1.~ab",
            "inf~ab",
            "NaN~ab",
            "1~",
            "~ab",
            "1~abc",
            "1 ~ab",
            "",
        ] {
            assert_eq!(re.is_match(s), parse(s, member).is_some(), "{s:?}");
        }
        let max = egov_store::cursor(f64::MAX, "ab");
        assert!(re.is_match(&max) && parse(&max, member).is_some());
        let now = egov_store::cursor(1_733_050_000_000.0 + 3.0 / 1e4, "ab");
        assert!(re.is_match(&now) && parse(&now, member).is_some(), "{now}");
    }
}
