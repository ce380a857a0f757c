//! Legal terms ("within N working days of receipt...") and when they end.
//!
//! The counting rule (AMB-X2; the acts are silent, so this follows the Civil
//! Code's general rules on terms):
//! - a term counted from the day of an event starts on the next day;
//! - a working-day term counts working days only;
//! - a calendar-day or month term whose last day is not a working day ends on the next working
//!   day; a month term ends on the same-numbered day of its last month, or on that month's last
//!   day when it has no such day;
//! - a term ends at 24:00 local time of its last day.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan, Zoned};

use crate::calendar::{Calendar, CalendarError};
use crate::time;

/// The unit a term is counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// Working days (рабочие дни): weekends, holidays and transferred days off are skipped.
    WorkingDays,
    /// Calendar days (календарные дни).
    CalendarDays,
    /// Months.
    Months,
}

impl Unit {
    /// The unit's wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Unit::WorkingDays => "working-days",
            Unit::CalendarDays => "calendar-days",
            Unit::Months => "months",
        }
    }
}

impl FromStr for Unit {
    type Err = TermError;
    fn from_str(s: &str) -> Result<Self, TermError> {
        match s {
            "working-days" => Ok(Unit::WorkingDays),
            "calendar-days" => Ok(Unit::CalendarDays),
            "months" => Ok(Unit::Months),
            _ => Err(TermError::UnknownUnit(s.chars().take(40).collect())),
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A term that cannot be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TermError {
    /// Zero or negative, or absurdly long.
    #[error("a term's count must be between 1 and {max}, got {0}", max = Term::MAX)]
    Count(i64),
    /// Not one of `working-days`, `calendar-days`, `months`.
    #[error("unknown unit {0:?}; use working-days, calendar-days or months")]
    UnknownUnit(String),
}

/// A term: a positive count of a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Term {
    count: u32,
    unit: Unit,
}

impl Term {
    /// The longest term accepted (about 27 years of calendar days), to refuse nonsense early.
    pub const MAX: u32 = 10_000;

    /// A term of `count` units; the count must be 1..=[`Term::MAX`].
    pub fn new(count: i64, unit: Unit) -> Result<Self, TermError> {
        match u32::try_from(count) {
            Ok(c) if (1..=Self::MAX).contains(&c) => Ok(Self { count: c, unit }),
            _ => Err(TermError::Count(count)),
        }
    }
    /// N working days.
    pub fn working_days(count: u32) -> Self {
        Self::new(count.into(), Unit::WorkingDays).expect("a positive literal term")
    }
    /// The count.
    pub fn count(self) -> u32 {
        self.count
    }
    /// The unit.
    pub fn unit(self) -> Unit {
        self.unit
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.count, self.unit)
    }
}

impl<'de> serde::Deserialize<'de> for Term {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            count: i64,
            unit: Unit,
        }
        let raw = Raw::deserialize(d)?;
        Term::new(raw.count, raw.unit).map_err(serde::de::Error::custom)
    }
}

/// When a term ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    /// The last day of the term (local date).
    pub last_day: Date,
    /// True when a year without published calendar data decided the result.
    pub provisional: bool,
}

impl Due {
    /// The instant the term ends: 24:00 local time of its last day.
    pub fn ends_at(&self) -> Zoned {
        time::end_of_day(self.last_day)
    }
}

impl Calendar {
    /// When `term` ends, counted from the day of an event on `event_day` (local date).
    pub fn due(&self, event_day: Date, term: Term) -> Result<Due, CalendarError> {
        let (last_day, provisional) = match term.unit {
            Unit::WorkingDays => self.add_working_days(event_day, term.count)?,
            Unit::CalendarDays => {
                let d = event_day
                    .checked_add(i64::from(term.count).days())
                    .map_err(|_| CalendarError::OutOfRange(event_day))?;
                self.roll_forward(d)?
            }
            Unit::Months => {
                // jiff clamps to the month's last day (31 Jan + 1 month = 28/29 Feb), which is
                // the Civil Code's rule for a month with no same-numbered day.
                let d = event_day
                    .checked_add(i64::from(term.count).months())
                    .map_err(|_| CalendarError::OutOfRange(event_day))?;
                self.roll_forward(d)?
            }
        };
        Ok(Due {
            last_day,
            provisional,
        })
    }

    /// When `term` ends, counted from an event at instant `event` (its local date decides).
    pub fn due_after(&self, event: Timestamp, term: Term) -> Result<Due, CalendarError> {
        self.due(time::local_date(event), term)
    }
}
