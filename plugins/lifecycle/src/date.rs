//! Local dates as the variant handles them: the day of an instant, the day after a date, and the
//! instant a term ends. Terms themselves are counted by the host's calendar ([`crate::Calendar`]),
//! never here.

use egov_plugin_sdk::parse_date;

/// The earliest date any date field accepts: the independence of the Republic of Kazakhstan
/// (16.12.1991). No act of the Republic, and no object of its e-government, is older; an earlier
/// date is a typing error.
pub const EARLIEST: &str = "1991-12-16";

/// The local day (`YYYY-MM-DD`) of an RFC 3339 instant with its local offset.
pub fn day(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

/// The offset of an RFC 3339 instant (`+05:00`, `Z`); the country's (`+05:00`) when it has none.
pub fn offset(at: &str) -> &str {
    let time = at.get(11..).unwrap_or_default();
    if time.ends_with('Z') || time.ends_with('z') {
        return "Z";
    }
    match time.rfind(['+', '-']) {
        Some(i) => &time[i..],
        None => "+05:00",
    }
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

/// The instant a term whose last day is `last_day` ends: 24:00 local time of that day, i.e. the
/// start of the next, with the offset of the input that set it.
pub fn end_of_day(last_day: &str, at: &str) -> Option<String> {
    Some(format!("{}T00:00:00{}", next_day(last_day)?, offset(at)))
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
    fn days_and_instants() {
        assert_eq!(day("2026-03-19T10:00:00+05:00"), "2026-03-19");
        assert_eq!(offset("2026-03-19T10:00:00.5+05:00"), "+05:00");
        assert_eq!(offset("2026-03-19T10:00:00Z"), "Z");
        assert_eq!(offset("2023-03-19T10:00:00-03:00"), "-03:00");
        assert_eq!(next_day("2024-02-28").as_deref(), Some("2024-02-29"));
        assert_eq!(next_day("2026-12-31").as_deref(), Some("2027-01-01"));
        assert_eq!(
            end_of_day("2026-04-07", "2026-03-19T10:00:00+05:00").as_deref(),
            Some("2026-04-08T00:00:00+05:00")
        );
        assert_eq!(dotted("2026-04-07"), "07.04.2026");
        assert_eq!(civil(days(1970, 1, 1)), "1970-01-01");
    }
}
