//! Amounts of tenge, kept as whole hundredths (tiyn) so that no sum is rounded: read from text
//! ("1250000", "1250000.5", "1250000.00"), written with two decimals ("1250000.50").

use serde_json::Value;

/// The largest amount read: a trillion tenge (no ICT service costs more; a longer number is a
/// typing error, not a price).
const MAX_TENGE: u128 = 1_000_000_000_000;

/// Hundredths of `s`: digits, optionally a point and one or two decimals.
pub fn parse(s: &str) -> Option<u128> {
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || whole.len() > 13 || (s.contains('.') && !digits(frac)) || frac.len() > 2 {
        return None;
    }
    let whole: u128 = whole.parse().ok()?;
    if whole > MAX_TENGE {
        return None;
    }
    let frac: u128 = format!("{frac:0<2}").parse().ok()?;
    Some(whole * 100 + frac)
}

/// Hundredths written with two decimals.
pub fn format(h: u128) -> String {
    format!("{}.{:02}", h / 100, h % 100)
}

/// An amount given as JSON (text, or a number with at most two decimals), as hundredths.
pub fn of_value(v: &Value) -> Option<u128> {
    match v {
        Value::String(s) => parse(s.trim()),
        Value::Number(n) => parse(&n.to_string()),
        _ => None,
    }
}

/// An amount stated in a design assignment's text (item 3, «предельная стоимость ИК-услуги»),
/// when the text is the amount alone: spaces between the thousands, a decimal comma and the
/// currency ("125 000 000,00 тенге", "125000000 тг", "125000000 KZT", "₸") allowed. Anything
/// else (a sentence, a range, several amounts) is no amount: the record shows none rather than
/// a guess.
pub fn in_text(text: &str) -> Option<u128> {
    let mut s: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202F}' && *c != '\u{00A0}')
        .collect::<String>()
        .to_lowercase();
    for currency in ["тенге", "тг.", "тг", "kzt", "₸"] {
        if let Some(rest) = s.strip_suffix(currency) {
            s = rest.to_owned();
            break;
        }
    }
    parse(&s.replace(',', "."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_are_hundredths_of_tenge() {
        assert_eq!(parse("1250000"), Some(125_000_000));
        assert_eq!(parse("1250000.5"), Some(125_000_050));
        assert_eq!(parse("0.07"), Some(7));
        for bad in [
            "",
            ".5",
            "12.",
            "12.345",
            "-1",
            "1e6",
            "1 000",
            "12,5",
            "99999999999999",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_eq!(format(125_000_050), "1250000.50");
        assert_eq!(of_value(&json!(1250.5)), Some(125_050));
        assert_eq!(of_value(&json!("980000.00")), Some(98_000_000));
        assert_eq!(of_value(&json!(true)), None);
        assert_eq!(in_text("125 000 000,00 тенге"), Some(12_500_000_000));
        assert_eq!(in_text("125000000 KZT"), Some(12_500_000_000));
        assert_eq!(in_text("не более 125 млн тенге"), None);
        assert_eq!(in_text("item 3 text"), None);
    }
}
