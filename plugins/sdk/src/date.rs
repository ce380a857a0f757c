//! Local dates and instants as a variant handles them: the day of an instant, the day after a
//! date, the instant a term ends (24:00 local time of its last day, with the country's offset of
//! that instant), the order of instants, and dates for people. Terms themselves are counted by
//! the host's calendar (`host::term_end`, the engine's), never here.

use crate::parse_date;

/// The day Kazakhstan moved to one zone, UTC+5 (Asia/Almaty in the tz database): instants from
/// its 00:00 carry +05:00, earlier ones +06:00.
pub const ONE_ZONE_FROM: &str = "2024-03-01";

/// The independence of the Republic of Kazakhstan (16.12.1991): no act of the Republic, and no
/// object of its e-government, is older, so an earlier date is a typing error. The lower bound of
/// [`Earliest::INDEPENDENCE`](crate::read::Earliest::INDEPENDENCE); informatization acts begin
/// later ([`EARLIEST_DATE`](crate::EARLIEST_DATE)).
pub const INDEPENDENCE: &str = "1991-12-16";

/// The local day (`YYYY-MM-DD`) of an RFC 3339 instant with its local offset.
pub fn day(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
pub fn days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468
}

/// The date `YYYY-MM-DD` of a day count since 1970-01-01 (`civil_from_days`).
pub fn civil(z: i64) -> String {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!("{y:04}-{m:02}-{d:02}")
}

/// The day count of a valid date.
pub fn ordinal(date: &str) -> Option<i64> {
    let (y, m, d) = parse_date(date)?;
    Some(days(y.into(), m.into(), d.into()))
}

/// The day after `date`.
pub fn next_day(date: &str) -> Option<String> {
    ordinal(date).map(|z| civil(z + 1))
}

/// The country's offset at 00:00 local time of `date`: +06:00 before 1 March 2024 (Almaty's),
/// +05:00 from it.
pub fn offset_on(date: &str) -> &'static str {
    if date < ONE_ZONE_FROM {
        "+06:00"
    } else {
        "+05:00"
    }
}

/// The instant a term whose last day is `last_day` ends: 24:00 local time of that day, written
/// as 00:00 of the next day with the offset of that instant (the engine's timer instant).
pub fn end_of_day(last_day: &str) -> Option<String> {
    let next = next_day(last_day)?;
    let offset = offset_on(&next);
    Some(format!("{next}T00:00:00{offset}"))
}

/// An RFC 3339 instant as (seconds since the epoch, nanoseconds): what orders two instants
/// written with different offsets. `None` when it cannot be read.
pub fn instant(at: &str) -> Option<(i64, u32)> {
    let date = at.get(..10)?;
    let z = ordinal(date)?;
    let rest = at.get(10..)?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let num = |s: &str| s.parse::<i64>().ok();
    let (h, mi, s) = (
        num(rest.get(..2)?)?,
        num(rest.get(3..5)?)?,
        num(rest.get(6..8)?)?,
    );
    if rest.get(2..3)? != ":" || rest.get(5..6)? != ":" {
        return None;
    }
    let mut tail = rest.get(8..)?;
    let mut nanos = 0u32;
    if let Some(frac) = tail.strip_prefix('.') {
        let digits: String = frac.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return None;
        }
        let padded = format!("{:0<9}", &digits[..digits.len().min(9)]);
        nanos = padded.parse().ok()?;
        tail = &frac[digits.len()..];
    }
    let offset = match tail {
        "Z" | "z" => 0,
        t if t.len() == 6 && (t.starts_with('+') || t.starts_with('-')) => {
            let sign = if t.starts_with('-') { -1 } else { 1 };
            if t.get(3..4)? != ":" {
                return None;
            }
            sign * (num(t.get(1..3)?)? * 3600 + num(t.get(4..6)?)? * 60)
        }
        _ => return None,
    };
    Some((z * 86400 + h * 3600 + mi * 60 + s - offset, nanos))
}

/// A date for people: `DD.MM.YYYY`, as the acts write them.
pub fn dotted(date: &str) -> String {
    match parse_date(date) {
        Some((y, m, d)) => format!("{d:02}.{m:02}.{y:04}"),
        None => date.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_instants_and_the_offset_of_24_00() {
        assert_eq!(day("2026-03-19T10:00:00+05:00"), "2026-03-19");
        assert_eq!(next_day("2024-02-28").as_deref(), Some("2024-02-29"));
        assert_eq!(next_day("2026-12-31").as_deref(), Some("2027-01-01"));
        // 24:00 of 28 February 2024 is still +06:00; 24:00 of 29 February is 1 March, +05:00.
        assert_eq!(
            end_of_day("2024-02-28").as_deref(),
            Some("2024-02-29T00:00:00+06:00")
        );
        assert_eq!(
            end_of_day("2024-02-29").as_deref(),
            Some("2024-03-01T00:00:00+05:00")
        );
        assert_eq!(
            end_of_day("2022-05-04").as_deref(),
            Some("2022-05-05T00:00:00+06:00")
        );
        // An input of 2026 (+05:00) and its term (from the lifecycle variant's tests).
        assert_eq!(
            end_of_day("2026-04-07").as_deref(),
            Some("2026-04-08T00:00:00+05:00")
        );
        assert_eq!(offset_on(ONE_ZONE_FROM), "+05:00");
        assert_eq!(offset_on("2024-02-29"), "+06:00");
        assert_eq!(dotted("2026-04-14"), "14.04.2026");
        assert_eq!(dotted("2026-04-07"), "07.04.2026");
        assert_eq!(dotted("not a date"), "not a date");
        assert_eq!(civil(days(1970, 1, 1)), "1970-01-01");
        assert_eq!(ordinal("2026-02-30"), None);
        // One instant in two offsets; a later one; fractions order within a second.
        assert_eq!(
            instant("2024-02-29T23:30:00+06:00"),
            instant("2024-02-29T22:30:00+05:00")
        );
        assert!(instant("2026-04-10T10:00:00+05:00") < instant("2026-04-10T06:00:00+00:00"));
        assert!(instant("2026-04-10T10:00:00.25+05:00") < instant("2026-04-10T10:00:00.3+05:00"));
        assert_eq!(
            instant("2026-04-10T10:00:00Z"),
            Some((days(2026, 4, 10) * 86400 + 36000, 0))
        );
        assert_eq!(instant("2026-04-10 10:00"), None);
    }
}
