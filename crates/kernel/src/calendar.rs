//! The working-day calendar of Kazakhstan, as data.
//!
//! Published years (2019 to 2026 shipped) come from `data/kz-calendar.toml` and optionally a file
//! that adds or replaces whole years. A year with no published data follows the statutory rules of
//! the Law "On holidays" as in force since 2023 (fixed holidays, and a holiday on a Saturday or
//! Sunday moves the day off to the next working day; religious days off are never moved and Kurban
//! Ait, whose date is set each year, is unknown), and every answer that looked at such a year is
//! marked `provisional`. Those rules are today's: for a year before 2019 without data they can
//! differ from the law then in force (from 2012 to 2021, for one, 1 December and 17 December were
//! days off and 25 October was not).

use std::collections::BTreeMap;
use std::path::Path;

use jiff::civil::{Date, Weekday};
use serde::Deserialize;

const BUILTIN: &str = include_str!("../data/kz-calendar.toml");

/// Years outside this range are refused rather than guessed.
pub const FIRST_YEAR: i16 = 2000;
/// The last year the calendar answers for.
pub const LAST_YEAR: i16 = 2100;

/// Fixed public holidays that are days off, as in force since 2023 (month, day, name, moved when on
/// a weekend).
const STATUTORY: &[(i8, i8, &str, bool)] = &[
    (1, 1, "New Year", true),
    (1, 2, "New Year", true),
    (1, 7, "Orthodox Christmas", false),
    (3, 8, "International Women's Day", true),
    (3, 21, "Nauryz meiramy", true),
    (3, 22, "Nauryz meiramy", true),
    (3, 23, "Nauryz meiramy", true),
    (5, 1, "Unity Day of the people of Kazakhstan", true),
    (5, 7, "Defender of the Fatherland Day", true),
    (5, 9, "Victory Day", true),
    (7, 6, "Capital Day", true),
    (8, 30, "Constitution Day", true),
    (10, 25, "Republic Day", true),
    (12, 16, "Independence Day", true),
];

/// What kind of day a date is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayKind {
    /// An ordinary Monday to Friday.
    Working,
    /// An ordinary Saturday or Sunday.
    Weekend,
    /// A day off that would otherwise be worked, or a holiday on a weekend (see `why`).
    Off,
    /// A Saturday or Sunday made a working day by a transfer act.
    WorkingWeekend,
}

/// One date as the calendar sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Day {
    /// The date.
    pub date: Date,
    /// Whether it is a working day.
    pub working: bool,
    /// Its kind.
    pub kind: DayKind,
    /// Why it is not ordinary (holiday name, transfer act), if it is not.
    pub why: Option<String>,
    /// True when its year has no published data and the statutory rules decided.
    pub provisional: bool,
}

/// Calendar errors: bad data files and dates the calendar will not answer for.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// A date outside [`FIRST_YEAR`]..=[`LAST_YEAR`].
    #[error("{0} is outside the calendar's range {FIRST_YEAR}..={LAST_YEAR}")]
    OutOfRange(Date),
    /// A calendar file that cannot be read.
    #[error("cannot read calendar file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A calendar file that is not valid TOML of the expected shape.
    #[error("calendar data is malformed: {0}")]
    Syntax(String),
    /// A calendar file whose entries contradict themselves.
    #[error("calendar data for {year} is inconsistent: {detail}")]
    Inconsistent {
        /// The year.
        year: i16,
        /// What is wrong.
        detail: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileData {
    year: Vec<YearData>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearData {
    year: i16,
    #[serde(default)]
    source: String,
    #[serde(default)]
    off: Vec<Entry>,
    #[serde(default)]
    working: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    date: Date,
    why: String,
}

#[derive(Clone, Debug)]
struct Year {
    published: bool,
    source: String,
    off: BTreeMap<Date, String>,
    working: BTreeMap<Date, String>,
}

/// The working-day calendar: published years plus the statutory rules for the rest.
#[derive(Clone, Debug)]
pub struct Calendar {
    years: BTreeMap<i16, Year>,
}

impl Calendar {
    /// The calendar shipped with egov (2019 to 2026 published).
    pub fn builtin() -> Self {
        let mut cal = Self::statutory();
        cal.merge_toml(BUILTIN)
            .expect("the shipped calendar data is valid (tested)");
        cal
    }

    /// The shipped calendar with the years of `path` added or replaced.
    pub fn builtin_with_file(path: &Path) -> Result<Self, CalendarError> {
        let text = std::fs::read_to_string(path).map_err(|source| CalendarError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let mut cal = Self::builtin();
        cal.merge_toml(&text)?;
        Ok(cal)
    }

    /// A calendar of statutory years only: every answer is provisional.
    pub fn statutory() -> Self {
        let years = (FIRST_YEAR..=LAST_YEAR)
            .map(|y| (y, statutory_year(y)))
            .collect();
        Self { years }
    }

    /// Adds the years in `text` (TOML, the shape of `data/kz-calendar.toml`), replacing whole
    /// years already present. Nothing changes when the text is invalid.
    pub fn merge_toml(&mut self, text: &str) -> Result<(), CalendarError> {
        let data: FileData =
            toml::from_str(text).map_err(|e| CalendarError::Syntax(e.to_string()))?;
        let mut parsed = Vec::with_capacity(data.year.len());
        for y in data.year {
            parsed.push((y.year, check_year(y)?));
        }
        self.years.extend(parsed);
        Ok(())
    }

    /// The years with published data.
    pub fn published_years(&self) -> impl Iterator<Item = i16> + '_ {
        self.years
            .iter()
            .filter(|(_, y)| y.published)
            .map(|(&n, _)| n)
    }

    /// Where a published year's data came from.
    pub fn source(&self, year: i16) -> Option<&str> {
        self.years
            .get(&year)
            .filter(|y| y.published)
            .map(|y| y.source.as_str())
    }

    /// Everything the calendar knows of one date.
    pub fn day(&self, date: Date) -> Result<Day, CalendarError> {
        let year = self
            .years
            .get(&date.year())
            .ok_or(CalendarError::OutOfRange(date))?;
        let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
        let (working, kind, why) = if let Some(why) = year.working.get(&date) {
            (true, DayKind::WorkingWeekend, Some(why.clone()))
        } else if let Some(why) = year.off.get(&date) {
            (false, DayKind::Off, Some(why.clone()))
        } else if weekend {
            (false, DayKind::Weekend, None)
        } else {
            (true, DayKind::Working, None)
        };
        Ok(Day {
            date,
            working,
            kind,
            why,
            provisional: !year.published,
        })
    }

    /// Whether `date` is a working day, and whether that answer is provisional.
    pub fn is_working_day(&self, date: Date) -> Result<(bool, bool), CalendarError> {
        let year = self
            .years
            .get(&date.year())
            .ok_or(CalendarError::OutOfRange(date))?;
        Ok((is_working(year, date), !year.published))
    }

    /// The first working day on or after `date`.
    pub fn roll_forward(&self, mut date: Date) -> Result<(Date, bool), CalendarError> {
        let mut provisional = false;
        loop {
            let (working, p) = self.is_working_day(date)?;
            provisional |= p;
            if working {
                return Ok((date, provisional));
            }
            date = next(date)?;
        }
    }

    /// The working days `d` with `from < d <= to`; negative when `to` is before `from`.
    ///
    /// This is the inverse of adding working days: if a term of N working days counted from
    /// `from` ends on `to`, this returns N. The bool is true when a provisional year was seen.
    pub fn working_days_between(&self, from: Date, to: Date) -> Result<(i32, bool), CalendarError> {
        let (lo, hi, sign) = if from <= to {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut n = 0;
        let mut provisional = false;
        let mut d = lo;
        while d < hi {
            d = next(d)?;
            let (working, p) = self.is_working_day(d)?;
            provisional |= p;
            n += i32::from(working);
        }
        Ok((sign * n, provisional))
    }

    /// The date reached by counting `n` working days after `from` (day 1 is the first working
    /// day after `from`).
    pub fn add_working_days(&self, from: Date, n: u32) -> Result<(Date, bool), CalendarError> {
        let mut d = from;
        let mut counted = 0;
        let mut provisional = false;
        while counted < n {
            d = next(d)?;
            let (working, p) = self.is_working_day(d)?;
            provisional |= p;
            counted += u32::from(working);
        }
        Ok((d, provisional))
    }
}

fn next(d: Date) -> Result<Date, CalendarError> {
    d.tomorrow().map_err(|_| CalendarError::OutOfRange(d))
}

fn is_working(year: &Year, date: Date) -> bool {
    if year.working.contains_key(&date) {
        return true;
    }
    !year.off.contains_key(&date) && !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn check_year(y: YearData) -> Result<Year, CalendarError> {
    let bad = |detail: String| CalendarError::Inconsistent {
        year: y.year,
        detail,
    };
    if !(FIRST_YEAR..=LAST_YEAR).contains(&y.year) {
        return Err(bad(format!("years {FIRST_YEAR}..={LAST_YEAR} only")));
    }
    let mut off = BTreeMap::new();
    for e in y.off {
        if e.date.year() != y.year {
            return Err(bad(format!("day off {} is not in {}", e.date, y.year)));
        }
        if off.insert(e.date, e.why).is_some() {
            return Err(bad(format!("day off {} is listed twice", e.date)));
        }
    }
    let mut working = BTreeMap::new();
    for e in y.working {
        if e.date.year() != y.year {
            return Err(bad(format!("working day {} is not in {}", e.date, y.year)));
        }
        if !matches!(e.date.weekday(), Weekday::Saturday | Weekday::Sunday) {
            return Err(bad(format!(
                "working day {} is a weekday; only weekend days are made working",
                e.date
            )));
        }
        if off.contains_key(&e.date) {
            return Err(bad(format!(
                "{} is listed both as a day off and as a working day",
                e.date
            )));
        }
        if working.insert(e.date, e.why).is_some() {
            return Err(bad(format!("working day {} is listed twice", e.date)));
        }
    }
    Ok(Year {
        published: true,
        source: y.source,
        off,
        working,
    })
}

/// The statutory days off of one year: fixed holidays, then each movable holiday that falls on a
/// Saturday or Sunday gives the next day that is neither a weekend, a holiday nor an already
/// moved day.
fn statutory_year(year: i16) -> Year {
    let mut off = BTreeMap::new();
    for &(m, d, name, _) in STATUTORY {
        off.insert(jiff::civil::date(year, m, d), name.to_owned());
    }
    for &(m, d, name, movable) in STATUTORY {
        let date = jiff::civil::date(year, m, d);
        if !movable || !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) {
            continue;
        }
        let mut to = date;
        while matches!(to.weekday(), Weekday::Saturday | Weekday::Sunday) || off.contains_key(&to) {
            to = to.tomorrow().expect("within range");
        }
        off.insert(
            to,
            format!("{name}, moved from {}", date.strftime("%A %-d %B")),
        );
    }
    Year {
        published: false,
        source: "statutory rules (Law on holidays art. 5); provisional".to_owned(),
        off,
        working: BTreeMap::new(),
    }
}
