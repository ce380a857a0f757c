//! The working-day calendar against the published production calendars (the Law on holidays
//! art. 5 and the transfer acts named in `data/kz-calendar.toml`) and the counting rule (AMB-X2).

use egov_kernel::calendar::DayKind;
use egov_kernel::{Calendar, Term, Unit, time};
use jiff::civil::{Date, date};

fn cal() -> Calendar {
    Calendar::builtin()
}

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn working(s: &str) -> bool {
    let (w, provisional) = cal().is_working_day(d(s)).unwrap();
    assert!(!provisional, "{s} is in a published year");
    w
}

fn due(from: &str, n: i64, unit: Unit) -> (String, bool) {
    let due = cal().due(d(from), Term::new(n, unit).unwrap()).unwrap();
    (due.last_day.to_string(), due.provisional)
}

#[test]
fn days_off_of_2025_are_not_working_days() {
    for s in [
        "2025-01-01",
        "2025-01-02",
        "2025-01-03",
        "2025-01-07",
        "2025-03-10",
        "2025-03-21",
        "2025-03-24",
        "2025-03-25",
        "2025-05-01",
        "2025-05-07",
        "2025-05-09",
        "2025-06-06",
        "2025-07-07",
        "2025-09-01",
        "2025-10-27",
        "2025-12-16",
    ] {
        assert!(!working(s), "{s} is a day off in 2025");
    }
}

#[test]
fn working_days_of_2025() {
    // Sunday 5 January is the other half of the 3 January transfer; Thursday 8 May is worked.
    assert!(working("2025-01-05"));
    assert_eq!(
        cal().day(d("2025-01-05")).unwrap().kind,
        DayKind::WorkingWeekend
    );
    assert!(working("2025-05-08"));
}

#[test]
fn days_off_of_2026() {
    for s in [
        "2026-01-01",
        "2026-01-02",
        "2026-01-07",
        "2026-03-09",
        "2026-03-23",
        "2026-03-24",
        "2026-03-25",
        "2026-05-01",
        "2026-05-07",
        "2026-05-11",
        "2026-05-27",
        "2026-07-06",
        "2026-08-31",
        "2026-10-26",
        "2026-12-16",
    ] {
        assert!(!working(s), "{s} is a day off in 2026");
    }
    // Ordinary days around them are worked.
    for s in [
        "2026-01-05",
        "2026-03-10",
        "2026-03-26",
        "2026-05-08",
        "2026-12-17",
    ] {
        assert!(working(s), "{s} is a working day in 2026");
    }
}

#[test]
fn days_of_2024_including_the_may_transfer() {
    for s in [
        "2024-01-01",
        "2024-01-02",
        "2024-03-08",
        "2024-03-21",
        "2024-03-22",
        "2024-03-25",
        "2024-05-01",
        "2024-05-07",
        "2024-05-08",
        "2024-05-09",
        "2024-07-08",
        "2024-08-30",
        "2024-10-25",
        "2024-12-16",
    ] {
        assert!(!working(s), "{s} is a day off in 2024");
    }
    assert!(
        working("2024-05-04"),
        "Saturday 4 May 2024 was worked (transfer to 8 May)"
    );
    assert!(working("2024-12-17"), "17 December is no longer a holiday");
}

#[test]
fn days_of_2019_including_the_may_transfer() {
    for s in [
        "2019-01-01",
        "2019-01-02",
        "2019-01-07",
        "2019-03-08",
        "2019-03-21",
        "2019-03-22",
        "2019-03-25",
        "2019-05-01",
        "2019-05-07",
        "2019-05-09",
        "2019-05-10",
        "2019-07-08",
        "2019-08-30",
        "2019-12-02",
        "2019-12-16",
        "2019-12-17",
    ] {
        assert!(!working(s), "{s} is a day off in 2019");
    }
    // Saturday 4 May was worked for Friday 10 May; Kurban Ait (Sunday 11 August) is not moved,
    // so Monday 12 August is worked; 25 October was not a holiday before 2022.
    assert!(working("2019-05-04"));
    assert_eq!(
        cal().day(d("2019-05-04")).unwrap().kind,
        DayKind::WorkingWeekend
    );
    for s in ["2019-08-12", "2019-10-25", "2019-12-18"] {
        assert!(working(s), "{s} is a working day in 2019");
    }
}

#[test]
fn days_of_2020_with_its_three_transfers() {
    for s in [
        "2020-01-01",
        "2020-01-02",
        "2020-01-03",
        "2020-01-07",
        "2020-03-09",
        "2020-03-23",
        "2020-03-24",
        "2020-03-25",
        "2020-05-01",
        "2020-05-07",
        "2020-05-08",
        "2020-07-06",
        "2020-07-31",
        "2020-08-31",
        "2020-12-01",
        "2020-12-16",
        "2020-12-17",
        "2020-12-18",
    ] {
        assert!(!working(s), "{s} is a day off in 2020");
    }
    // Sundays 5 January and 20 December were worked; the day off that the weekend rule gave
    // Monday 11 May (Victory Day on Saturday 9 May) was moved to Friday 8 May, so 11 May is worked.
    for s in ["2020-01-05", "2020-12-20"] {
        assert!(working(s), "{s} was worked in 2020");
        assert_eq!(cal().day(d(s)).unwrap().kind, DayKind::WorkingWeekend);
    }
    assert!(working("2020-05-11"));
    assert_eq!(cal().day(d("2020-05-11")).unwrap().kind, DayKind::Working);
}

#[test]
fn days_of_2021_including_the_capital_day_transfer() {
    for s in [
        "2021-01-01",
        "2021-01-04",
        "2021-01-07",
        "2021-03-08",
        "2021-03-22",
        "2021-03-23",
        "2021-03-24",
        "2021-05-03",
        "2021-05-07",
        "2021-05-10",
        "2021-07-05",
        "2021-07-06",
        "2021-07-20",
        "2021-08-30",
        "2021-12-01",
        "2021-12-16",
        "2021-12-17",
    ] {
        assert!(!working(s), "{s} is a day off in 2021");
    }
    assert!(working("2021-07-03"), "Saturday 3 July 2021 was worked");
    assert!(
        working("2021-10-25"),
        "25 October was not a holiday in 2021"
    );
}

#[test]
fn days_of_2022_under_the_holidays_amended_in_september_2022() {
    for s in [
        "2022-01-03",
        "2022-01-04",
        "2022-01-07",
        "2022-03-07",
        "2022-03-08",
        "2022-03-21",
        "2022-03-22",
        "2022-03-23",
        "2022-05-02",
        "2022-05-09",
        "2022-05-10",
        "2022-07-06",
        "2022-08-29",
        "2022-08-30",
        "2022-10-24",
        "2022-10-25",
        "2022-12-16",
    ] {
        assert!(!working(s), "{s} is a day off in 2022");
    }
    // The transfer Saturdays were worked.
    for s in ["2022-03-05", "2022-08-27", "2022-10-22"] {
        assert!(working(s), "{s} was worked in 2022");
        assert_eq!(cal().day(d(s)).unwrap().kind, DayKind::WorkingWeekend);
    }
    // Kurban Ait on Saturday 9 July is not moved: Monday 11 July is worked. 1 December stopped
    // being a holiday and Independence Day became 16 December only, so Saturday 17 December is an
    // ordinary weekend day and Monday 19 December is worked.
    for s in ["2022-07-11", "2022-12-01", "2022-12-19"] {
        assert!(working(s), "{s} is a working day in 2022");
    }
    assert_eq!(cal().day(d("2022-12-17")).unwrap().kind, DayKind::Weekend);
}

#[test]
fn days_of_2023_including_kurban_ait_and_the_july_transfer() {
    for s in [
        "2023-01-02",
        "2023-01-03",
        "2023-03-08",
        "2023-03-21",
        "2023-03-22",
        "2023-03-23",
        "2023-05-01",
        "2023-05-08",
        "2023-05-09",
        "2023-06-28",
        "2023-07-06",
        "2023-07-07",
        "2023-08-30",
        "2023-10-25",
        "2023-12-18",
    ] {
        assert!(!working(s), "{s} is a day off in 2023");
    }
    // Orthodox Christmas on Saturday 7 January is not moved: Monday 9 January is worked.
    assert!(working("2023-01-09"));
    assert!(working("2023-07-01"), "Saturday 1 July 2023 was worked");
    assert!(working("2023-12-19"), "17 December is no longer a holiday");
}

#[test]
fn calendar_worked_example_15_working_days_from_19_march_2026() {
    // Count starts Fri 20 March (day 1); 21-25 March are off; day 15 is Tue 14 April.
    assert_eq!(
        due("2026-03-19", 15, Unit::WorkingDays),
        ("2026-04-14".into(), false)
    );
    let due = cal().due(d("2026-03-19"), Term::working_days(15)).unwrap();
    assert_eq!(
        time::format(due.ends_at().timestamp()),
        "2026-04-15T00:00:00+05:00"
    );
    assert_eq!(
        cal()
            .working_days_between(d("2026-03-19"), d("2026-04-14"))
            .unwrap(),
        (15, false)
    );
}

#[test]
fn working_day_term_across_the_year_end_2024_2025() {
    // Fri 27 Dec 2024 + 5 WD: Mon 30 Dec (1), Tue 31 (2); 1-3 Jan off; Sat 4 off; Sun 5 Jan
    // worked by transfer (3); Mon 6 (4); Tue 7 off (Orthodox Christmas); Wed 8 Jan (5).
    assert_eq!(
        due("2024-12-27", 5, Unit::WorkingDays),
        ("2025-01-08".into(), false)
    );
}

#[test]
fn working_day_term_across_the_year_end_2025_2026() {
    // Wed 24 Dec 2025 + 5 WD: 25, 26, 29, 30, 31 Dec.
    assert_eq!(
        due("2025-12-24", 5, Unit::WorkingDays),
        ("2025-12-31".into(), false)
    );
    // + 6 WD: 1, 2 Jan off, 3-4 weekend, Mon 5 Jan 2026.
    assert_eq!(
        due("2025-12-24", 6, Unit::WorkingDays),
        ("2026-01-05".into(), false)
    );
}

#[test]
fn working_day_term_across_the_year_end_2019_2020() {
    // Fri 27 Dec 2019 + 5 WD: Mon 30 Dec (1), Tue 31 (2); 1-2 Jan off, Fri 3 Jan off (transfer);
    // Sat 4 off; Sun 5 Jan worked by transfer (3); Mon 6 (4); Tue 7 off (Orthodox Christmas);
    // Wed 8 Jan (5).
    assert_eq!(
        due("2019-12-27", 5, Unit::WorkingDays),
        ("2020-01-08".into(), false)
    );
}

#[test]
fn working_day_term_from_15_december_2022_across_the_new_year_2023() {
    // Thu 15 Dec 2022 + 15 WD: Fri 16 off (Independence Day), 17-18 weekend; Mon 19 (1), 20 (2),
    // 21 (3), 22 (4), 23 (5), 26 (6), 27 (7), 28 (8), 29 (9), Fri 30 Dec (10); 31 Dec-1 Jan
    // weekend, Mon 2 Jan off (New Year), Tue 3 Jan off (moved from Sunday 1 January); Wed 4 (11),
    // Thu 5 (12), Fri 6 (13); Sat 7 (Orthodox Christmas, not moved) and Sun 8 off; Mon 9 (14),
    // Tue 10 Jan 2023 (15).
    assert_eq!(
        due("2022-12-15", 15, Unit::WorkingDays),
        ("2023-01-10".into(), false)
    );
    assert_eq!(
        cal()
            .working_days_between(d("2022-12-15"), d("2023-01-10"))
            .unwrap(),
        (15, false)
    );
}

#[test]
fn amb_x2_calendar_day_term_ending_on_24_october_2022_moves_past_republic_day() {
    // 10 CD from Fri 14 Oct 2022 = Mon 24 Oct, the day of rest transferred from Saturday 22
    // October; Tue 25 Oct is Republic Day: ends Wed 26 Oct.
    assert_eq!(
        due("2022-10-14", 10, Unit::CalendarDays),
        ("2022-10-26".into(), false)
    );
    // 1 month from 24 Sep 2022 = 24 Oct 2022: the same two days off, ends Wed 26 Oct.
    assert_eq!(
        due("2022-09-24", 1, Unit::Months),
        ("2022-10-26".into(), false)
    );
    // 10 CD from Wed 12 Oct 2022 = Sat 22 Oct, a worked Saturday: no move.
    assert_eq!(
        due("2022-10-12", 10, Unit::CalendarDays),
        ("2022-10-22".into(), false)
    );
}

#[test]
fn three_working_days_across_kurban_ait_28_june_2023() {
    // Mon 26 Jun 2023 + 3 WD: Tue 27 (1), Wed 28 off (Kurban Ait), Thu 29 (2), Fri 30 (3).
    assert_eq!(
        due("2023-06-26", 3, Unit::WorkingDays),
        ("2023-06-30".into(), false)
    );
    // Tue 27 Jun 2023 + 3 WD: Wed 28 off, Thu 29 (1), Fri 30 (2), Sat 1 July, worked for
    // Friday 7 July (3).
    assert_eq!(
        due("2023-06-27", 3, Unit::WorkingDays),
        ("2023-07-01".into(), false)
    );
    // + 6 WD from Tue 27 June: then Mon 3 (4), Tue 4 (5), Wed 5 July (6); 6 and 7 July are off.
    assert_eq!(
        due("2023-06-27", 6, Unit::WorkingDays),
        ("2023-07-05".into(), false)
    );
    // + 7 WD: Thu 6 July (Capital Day) and Fri 7 July (transfer) off, 8-9 weekend: Mon 10 July.
    assert_eq!(
        due("2023-06-27", 7, Unit::WorkingDays),
        ("2023-07-10".into(), false)
    );
}

#[test]
fn twenty_working_days_from_1_december_2022_when_first_president_day_was_worked() {
    // 1 December stopped being a holiday in 2022: Thu 1 Dec 2022 is the first working day after
    // Wed 30 Nov.
    assert_eq!(cal().day(d("2022-12-01")).unwrap().kind, DayKind::Working);
    assert_eq!(
        cal()
            .working_days_between(d("2022-11-30"), d("2022-12-01"))
            .unwrap(),
        (1, false)
    );
    // Thu 1 Dec 2022 + 20 WD: Fri 2 (1); 5-9 Dec (2-6); 12-15 Dec (7-10); Fri 16 off; 19-23 Dec
    // (11-15); 26-30 Dec (16-20): ends Fri 30 Dec 2022.
    assert_eq!(
        due("2022-12-01", 20, Unit::WorkingDays),
        ("2022-12-30".into(), false)
    );
    // Counted from Wed 30 Nov, 1 December is day 1 and day 20 is Thu 29 Dec.
    assert_eq!(
        due("2022-11-30", 20, Unit::WorkingDays),
        ("2022-12-29".into(), false)
    );
}

#[test]
fn working_day_term_across_the_2024_time_zone_change() {
    // An event at 23:30 local on 29 Feb 2024 (+06:00) is 17:30Z; at 00:30 local on 1 March
    // (+05:00) it is 19:30Z. Their local dates, and so their terms, differ by one day.
    let late_feb: jiff::Timestamp = "2024-02-29T17:30:00Z".parse().unwrap();
    assert_eq!(time::format(late_feb), "2024-02-29T23:30:00+06:00");
    let due = cal().due_after(late_feb, Term::working_days(5)).unwrap();
    // 1, 4, 5, 6, 7 March (8 March is a holiday).
    assert_eq!(due.last_day, date(2024, 3, 7));
    let early_mar: jiff::Timestamp = "2024-02-29T19:30:00Z".parse().unwrap();
    assert_eq!(time::format(early_mar), "2024-03-01T00:30:00+05:00");
    let due = cal().due_after(early_mar, Term::working_days(5)).unwrap();
    // 4, 5, 6, 7, (8 off), 11 March.
    assert_eq!(due.last_day, date(2024, 3, 11));
    assert_eq!(
        time::format(due.ends_at().timestamp()),
        "2024-03-12T00:00:00+05:00"
    );
}

#[test]
fn amb_x2_calendar_day_term_ending_on_a_day_off_moves_to_the_next_working_day() {
    // 10 CD from 13 March 2026 = 23 March (Nauryz); 24 and 25 are off too: ends 26 March.
    assert_eq!(
        due("2026-03-13", 10, Unit::CalendarDays),
        ("2026-03-26".into(), false)
    );
    // 10 CD from 1 Dec 2025 = Thu 11 Dec, a working day: no move.
    assert_eq!(
        due("2025-12-01", 10, Unit::CalendarDays),
        ("2025-12-11".into(), false)
    );
    // 10 CD ending on Saturday 4 May 2024, a working Saturday: no move.
    assert_eq!(
        due("2024-04-24", 10, Unit::CalendarDays),
        ("2024-05-04".into(), false)
    );
}

#[test]
fn amb_x2_month_term_ending_on_a_day_off_moves_to_the_next_working_day() {
    // 12 months from commissioning on 16 Dec 2024 (LC-16.b warranty) = 16 Dec 2025, a holiday:
    // ends Wed 17 Dec 2025.
    assert_eq!(
        due("2024-12-16", 12, Unit::Months),
        ("2025-12-17".into(), false)
    );
    // 3 months from 7 Feb 2026 = 7 May 2026 (holiday), then 8 May (Fri) is worked.
    assert_eq!(
        due("2026-02-07", 3, Unit::Months),
        ("2026-05-08".into(), false)
    );
}

#[test]
fn amb_x2_month_term_from_a_day_the_last_month_lacks_ends_on_that_months_last_day() {
    // 31 Jan 2024 + 1 month = 29 Feb 2024 (leap year), a Thursday.
    assert_eq!(
        due("2024-01-31", 1, Unit::Months),
        ("2024-02-29".into(), false)
    );
    // 31 Jan 2026 + 1 month = 28 Feb 2026, a Saturday: ends Mon 2 March.
    assert_eq!(
        due("2026-01-31", 1, Unit::Months),
        ("2026-03-02".into(), false)
    );
}

#[test]
fn a_year_without_published_data_is_provisional() {
    // 2027 is not published: statutory rules decide and the answer says so.
    let (w, provisional) = cal().is_working_day(d("2027-01-04")).unwrap();
    assert!(provisional);
    // 2 Jan 2027 is a Saturday: the New Year day off moves to Monday 4 January.
    assert!(!w);
    // A term that reaches into 2027 is provisional; one that stays in 2026 is not.
    // Thu 24 Dec 2026 + 10 WD: 25, 28, 29, 30, 31 Dec; 1 Jan off, 4 Jan off (moved from
    // Saturday 2 January), 5, 6; 7 Jan off; 8, 11, 12 January.
    assert_eq!(
        due("2026-12-24", 10, Unit::WorkingDays),
        ("2027-01-12".into(), true)
    );
    assert_eq!(
        due("2026-12-01", 5, Unit::WorkingDays),
        ("2026-12-08".into(), false)
    );
}

#[test]
fn years_2019_to_2026_are_published_and_2018_is_provisional() {
    let c = cal();
    assert_eq!(
        c.published_years().collect::<Vec<_>>(),
        (2019..=2026).collect::<Vec<i16>>()
    );
    for y in 2019..=2026 {
        assert!(c.source(y).is_some_and(|s| !s.is_empty()), "{y}");
    }
    assert_eq!(c.source(2018), None);
    // A term that starts in 2018 looked at a statutory year and says so.
    assert!(
        due("2018-12-28", 2, Unit::WorkingDays).1,
        "2018 has no published data"
    );
}

#[test]
fn statutory_rules_reproduce_the_published_2026_fixed_holidays() {
    // 2026 had no transfer act, so the statutory rules give the same days off but Kurban Ait.
    let stat = Calendar::statutory();
    let mut day = date(2026, 1, 1);
    while day.year() == 2026 {
        let published = cal().is_working_day(day).unwrap().0;
        let statutory = stat.is_working_day(day).unwrap().0;
        if day != date(2026, 5, 27) {
            assert_eq!(published, statutory, "{day}");
        }
        day = day.tomorrow().unwrap();
    }
}

#[test]
fn a_calendar_file_replaces_a_whole_year_and_bad_files_change_nothing() {
    let dir = std::env::temp_dir().join(format!("egov-cal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.toml");
    std::fs::write(
        &good,
        r#"[[year]]
year = 2027
source = "test"
off = [{ date = "2027-05-17", why = "Kurban Ait, first day" }]
working = [{ date = "2027-01-09", why = "test transfer" }]
"#,
    )
    .unwrap();
    let c = Calendar::builtin_with_file(&good).unwrap();
    assert_eq!(c.is_working_day(d("2027-05-17")).unwrap(), (false, false));
    assert_eq!(c.is_working_day(d("2027-01-09")).unwrap(), (true, false));
    // The whole year is replaced: statutory 2027 moves are gone with the file's data.
    assert_eq!(c.is_working_day(d("2027-01-04")).unwrap(), (true, false));

    for (name, text, needle) in [
        (
            "weekday.toml",
            "[[year]]\nyear = 2027\nworking = [{ date = \"2027-01-11\", why = \"x\" }]\n",
            "is a weekday",
        ),
        (
            "both.toml",
            "[[year]]\nyear = 2027\noff = [{ date = \"2027-01-09\", why = \"x\" }]\nworking = [{ date = \"2027-01-09\", why = \"x\" }]\n",
            "both",
        ),
        (
            "other-year.toml",
            "[[year]]\nyear = 2027\noff = [{ date = \"2028-01-03\", why = \"x\" }]\n",
            "not in 2027",
        ),
        (
            "impossible.toml",
            "[[year]]\nyear = 2027\noff = [{ date = \"2027-02-30\", why = \"x\" }]\n",
            "malformed",
        ),
        (
            "unknown.toml",
            "[[year]]\nyear = 2027\nholidays = []\n",
            "malformed",
        ),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        let err = Calendar::builtin_with_file(&p).unwrap_err().to_string();
        assert!(err.contains(needle), "{name}: {err}");
    }
}

#[test]
fn terms_refuse_zero_negative_and_unknown_units() {
    assert!(Term::new(0, Unit::WorkingDays).is_err());
    assert!(Term::new(-3, Unit::WorkingDays).is_err());
    assert!("fortnights".parse::<Unit>().is_err());
    assert!(cal().day(d("1999-12-31")).is_err());
}
