//! Kazakhstan local time.
//!
//! The whole country has been one zone, UTC+5, since 1 March 2024; before that Almaty (and the
//! other eastern regions) was UTC+6. The offset comes from the tz database bundled into the
//! binary (`jiff`'s `tzdb-bundle-always`, 2024a or later), never from a hard-coded number, so
//! instants before 2024-03-01 keep their +06:00. Everything shown, stored in events or sent to a
//! peer carries the offset explicitly (RFC 3339).

use std::sync::{Mutex, OnceLock};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

/// The IANA zone used for Kazakhstan's single time zone.
pub const ZONE: &str = "Asia/Almaty";

/// The Kazakhstan time zone from the bundled tz database.
pub fn zone() -> &'static TimeZone {
    static TZ: OnceLock<TimeZone> = OnceLock::new();
    TZ.get_or_init(|| {
        TimeZone::get(ZONE)
            .expect("the bundled tz database has Asia/Almaty (jiff tzdb-bundle-always)")
    })
}

/// The instant in Kazakhstan local time.
pub fn local(ts: Timestamp) -> Zoned {
    ts.to_zoned(zone().clone())
}

/// The local calendar date of an instant.
pub fn local_date(ts: Timestamp) -> Date {
    local(ts).date()
}

/// RFC 3339 text with the local offset, e.g. `2026-03-19T10:00:00+05:00`, to the millisecond
/// (digits only when not zero). Before 1924 Almaty kept local mean time, +05:07:48, an offset
/// RFC 3339 cannot write (it has minutes only): such an instant is written in UTC (`Z`), so the
/// text always parses back to the same instant (found by the `dates` fuzz target).
pub fn format(ts: Timestamp) -> String {
    let ts = ts.round(jiff::Unit::Millisecond).unwrap_or(ts);
    let offset = zone().to_offset(ts);
    if offset.seconds() % 60 != 0 {
        return ts.to_string();
    }
    ts.display_with_offset(offset).to_string()
}

/// Parses RFC 3339 text with an explicit offset (as written by [`format`]).
pub fn parse(s: &str) -> Result<Timestamp, jiff::Error> {
    s.parse()
}

/// The instant a term ends: 24:00 local time of its last day, i.e. the start of the next day.
pub fn end_of_day(date: Date) -> Zoned {
    let next = date
        .tomorrow()
        .expect("dates used by the calendar are far from jiff's limits");
    next.to_zoned(zone().clone())
        // "Compatible" disambiguation: a midnight inside a fold or gap still resolves.
        .expect("to_zoned fails only outside jiff's supported range")
}

/// A source of the current instant; domain code asks a clock and never reads the wall directly.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Timestamp;
    /// Today's local date.
    fn today(&self) -> Date {
        local_date(self.now())
    }
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that stands still until moved: for tests and replays.
#[derive(Debug)]
pub struct FixedClock(Mutex<Timestamp>);

impl FixedClock {
    /// A clock stopped at `ts`.
    pub fn new(ts: Timestamp) -> Self {
        Self(Mutex::new(ts))
    }
    /// A clock stopped at local time `s`, written as RFC 3339 with offset.
    pub fn at(s: &str) -> Self {
        Self::new(parse(s).expect("FixedClock::at takes RFC 3339 with offset"))
    }
    /// Moves the clock to `ts`.
    pub fn set(&self, ts: Timestamp) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = ts;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SetClock for FixedClock {
    fn set(&self, ts: Timestamp) {
        FixedClock::set(self, ts);
    }
    fn reset(&self) {}
}

/// A clock whose instant a development suite may move (`egov up`, the tests): the demo replays
/// months of a procedure in minutes this way. Never in a deployment (`egov serve`).
pub trait SetClock: Clock {
    /// Moves the clock to `ts`; a running clock keeps running from there.
    fn set(&self, ts: Timestamp);
    /// Back to the wall (a running clock) or left where it is (a stopped one).
    fn reset(&self);
}

/// The system clock shifted by an offset that can be moved: it runs with the wall.
#[derive(Debug, Default)]
pub struct ShiftedClock(std::sync::atomic::AtomicI64);

impl ShiftedClock {
    /// The offset, in milliseconds.
    pub fn offset_ms(&self) -> i64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
            .checked_add(jiff::SignedDuration::from_millis(self.offset_ms()))
            .unwrap_or_else(|_| Timestamp::now())
    }
}

impl SetClock for ShiftedClock {
    fn set(&self, ts: Timestamp) {
        let offset = ts.as_millisecond() - Timestamp::now().as_millisecond();
        self.0.store(offset, std::sync::atomic::Ordering::Relaxed);
    }
    fn reset(&self) {
        self.0.store(0, std::sync::atomic::Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_is_plus_six_before_2024_03_01_and_plus_five_after() {
        let before: Timestamp = "2024-02-29T12:00:00Z".parse().unwrap();
        let after: Timestamp = "2024-03-01T12:00:00Z".parse().unwrap();
        assert_eq!(format(before), "2024-02-29T18:00:00+06:00");
        assert_eq!(format(after), "2024-03-01T17:00:00+05:00");
    }

    #[test]
    fn local_date_follows_the_offset_of_the_day() {
        // 19:30 UTC on 29 Feb 2024 is already 1 March in Almaty (+06:00).
        let ts: Timestamp = "2024-02-29T19:30:00Z".parse().unwrap();
        assert_eq!(local_date(ts), jiff::civil::date(2024, 3, 1));
        // The same clock time a year later (+05:00) is still the same day.
        let ts: Timestamp = "2025-02-28T18:30:00Z".parse().unwrap();
        assert_eq!(local_date(ts), jiff::civil::date(2025, 2, 28));
    }

    #[test]
    fn formatted_times_parse_back() {
        let ts: Timestamp = "2026-03-19T05:00:00Z".parse().unwrap();
        assert_eq!(format(ts), "2026-03-19T10:00:00+05:00");
        assert_eq!(parse(&format(ts)).unwrap(), ts);
        // Local mean time (+05:07:48, before 1924) has seconds RFC 3339 cannot write: UTC.
        let lmt: Timestamp = "1512-02-29T17:00:59.81Z".parse().unwrap();
        assert_eq!(format(lmt), "1512-02-29T17:00:59.81Z");
        assert_eq!(parse(&format(lmt)).unwrap(), lmt);
    }

    #[test]
    fn a_day_ends_at_local_midnight() {
        let end = end_of_day(jiff::civil::date(2026, 4, 14));
        assert_eq!(format(end.timestamp()), "2026-04-15T00:00:00+05:00");
        let end = end_of_day(jiff::civil::date(2024, 2, 28));
        assert_eq!(format(end.timestamp()), "2024-02-29T00:00:00+06:00");
    }
}
