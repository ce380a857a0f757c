//! The evaluation method: a gap in the Rules, decided here. The service-model Rules put «критерии
//! отбора поставщика» (the criteria for selecting the supplier) into the design assignment
//! (SM-19 sp.12), and the form of the tender application (Appendix 4) is not in the text
//! (AMB-SM-1); they say nothing of how the Commission applies the criteria. This variant's
//! method, the same in both editions:
//!
//! 1. The announcement states the criteria, each with a weight, a whole number from 1 to 100;
//!    the weights sum to 100.
//! 2. The Commission judges every opened application once: admissible or not; an inadmissible
//!    one with its reasons, and no score.
//! 3. Each admissible application gets a score from 0 to 100 (whole numbers) per criterion.
//! 4. Its total is Σ weight × score / 100, kept exact to two decimals (a weighted mean on the
//!    same 0..100 scale).
//! 5. The highest total wins; of equal totals, the application received first (then the lower
//!    sequence number) wins.
//! 6. A single admissible application may be awarded: the Rules provide only for "no
//!    application" (SM-53-1; AMB-SM-10). No admissible application at all is treated as no
//!    application: the ladder of SM-53-1 for the round.
//!
//! [`rank`] is the method as a pure function; `decide("evaluation", …)` exposes it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use egov_plugin_sdk::date::instant;

/// A selection criterion of the announcement and its weight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    /// What it is, as the announcement states it.
    pub criterion: String,
    /// Its weight, 1..=100; the weights of the announcement sum to 100.
    pub weight: u32,
}

/// One opened application, as the Commission judged it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Judged {
    /// Its sequence number in the slot.
    pub seq: u32,
    /// The supplier (BIN).
    pub supplier: String,
    /// When it was received (RFC 3339 with offset).
    pub received_at: String,
    /// Whether it is admissible.
    pub admissible: bool,
    /// Per criterion (its text), a score 0..=100; empty for an inadmissible application.
    pub scores: BTreeMap<String, u32>,
}

/// An admissible application's place in the ranking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ranked {
    /// 1 for the winner.
    pub rank: u32,
    pub seq: u32,
    pub supplier: String,
    pub received_at: String,
    /// The total, two decimals.
    pub total: String,
    /// The total in hundredths.
    #[serde(skip)]
    pub hundredths: u32,
    /// The sequence numbers of the other applications with the same total.
    pub tied_with: Vec<u32>,
}

/// The total of `scores` under `criteria`, in hundredths: Σ weight × score (= Σ weight × score /
/// 100, in hundredths). A criterion without a score counts 0.
pub fn total(criteria: &[Criterion], scores: &BTreeMap<String, u32>) -> u32 {
    criteria
        .iter()
        .map(|c| c.weight * scores.get(&c.criterion).copied().unwrap_or(0))
        .sum()
}

/// Hundredths written with two decimals.
pub fn two_decimals(h: u32) -> String {
    format!("{}.{:02}", h / 100, h % 100)
}

/// The admissible applications, best first: by total (highest first), then the one received
/// first, then the lower sequence number. Empty when none is admissible.
pub fn rank(criteria: &[Criterion], apps: &[Judged]) -> Vec<Ranked> {
    let mut scored: Vec<(&Judged, u32)> = apps
        .iter()
        .filter(|a| a.admissible)
        .map(|a| (a, total(criteria, &a.scores)))
        .collect();
    scored.sort_by(|(a, ta), (b, tb)| {
        tb.cmp(ta)
            .then_with(|| received(a).cmp(&received(b)))
            .then_with(|| a.seq.cmp(&b.seq))
    });
    scored
        .iter()
        .enumerate()
        .map(|(i, (a, t))| Ranked {
            rank: i as u32 + 1,
            seq: a.seq,
            supplier: a.supplier.clone(),
            received_at: a.received_at.clone(),
            total: two_decimals(*t),
            hundredths: *t,
            tied_with: scored
                .iter()
                .filter(|(b, tb)| tb == t && b.seq != a.seq)
                .map(|(b, _)| b.seq)
                .collect(),
        })
        .collect()
}

/// The order of receipt: the instant when it can be read (offsets compared), else the text.
fn received(a: &Judged) -> (Option<(i64, u32)>, &str) {
    (instant(&a.received_at), a.received_at.as_str())
}

/// How each total was reached and why the winner won, for the protocol's reasons.
pub fn explain(criteria: &[Criterion], apps: &[Judged], ranking: &[Ranked]) -> Vec<String> {
    let mut out = Vec::new();
    for r in ranking {
        let scores = apps
            .iter()
            .find(|a| a.seq == r.seq)
            .map(|a| {
                criteria
                    .iter()
                    .map(|c| {
                        format!(
                            "{} × {}",
                            c.weight,
                            a.scores.get(&c.criterion).copied().unwrap_or(0)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" + ")
            })
            .unwrap_or_default();
        out.push(format!(
            "{}. application {} of {} (received {}): ({scores}) / 100 = {}",
            r.rank, r.seq, r.supplier, r.received_at, r.total
        ));
    }
    if let Some(first) = ranking.first() {
        let how = if ranking.len() == 1 {
            "the only admissible application (a single application may be awarded: the Rules provide only for no application, SM-53-1, AMB-SM-10)".to_owned()
        } else if first.tied_with.is_empty() {
            format!("the highest total, {}", first.total)
        } else {
            format!(
                "the highest total, {}, tied with application(s) {}: the application received first wins",
                first.total,
                first
                    .tied_with
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.push(format!(
            "The winner: application {} of {}, {how}",
            first.seq, first.supplier
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criteria() -> Vec<Criterion> {
        vec![
            Criterion {
                criterion: "Цена".into(),
                weight: 40,
            },
            Criterion {
                criterion: "Опыт".into(),
                weight: 60,
            },
        ]
    }

    fn app(seq: u32, at: &str, admissible: bool, scores: [u32; 2]) -> Judged {
        Judged {
            seq,
            supplier: format!("supplier-{seq}"),
            received_at: at.into(),
            admissible,
            scores: if admissible {
                [
                    ("Цена".to_owned(), scores[0]),
                    ("Опыт".to_owned(), scores[1]),
                ]
                .into()
            } else {
                BTreeMap::new()
            },
        }
    }

    #[test]
    fn amb_sm_10_the_total_is_the_weighted_mean_to_two_decimals() {
        let c = criteria();
        // 40 × 85 + 60 × 82 = 8320 hundredths: 83.20.
        let a = app(1, "2026-04-01T10:00:00+05:00", true, [85, 82]);
        assert_eq!(total(&c, &a.scores), 8320);
        assert_eq!(two_decimals(8320), "83.20");
        assert_eq!(two_decimals(10000), "100.00");
        assert_eq!(two_decimals(5), "0.05");
        // A weight of 1 and 99 keeps the hundredths: 1 × 1 + 99 × 0 = 0.01.
        let odd = [
            Criterion {
                criterion: "a".into(),
                weight: 1,
            },
            Criterion {
                criterion: "b".into(),
                weight: 99,
            },
        ];
        assert_eq!(total(&odd, &[("a".to_owned(), 1)].into()), 1);
    }

    #[test]
    fn amb_sm_10_the_highest_total_wins_and_a_tie_goes_to_the_application_received_first() {
        let c = criteria();
        let apps = [
            // The same total (86.00) for 2 and 3; 3 came first (in another offset, 04:00 UTC).
            app(2, "2026-04-02T10:00:00+05:00", true, [80, 90]),
            app(3, "2026-04-02T10:00:00+06:00", true, [95, 80]),
            app(4, "2026-04-01T09:00:00+05:00", true, [50, 50]),
            app(5, "2026-04-01T08:00:00+05:00", false, [0, 0]),
        ];
        let r = rank(&c, &apps);
        let order: Vec<(u32, &str)> = r.iter().map(|x| (x.seq, x.total.as_str())).collect();
        assert_eq!(order, [(3, "86.00"), (2, "86.00"), (4, "50.00")]);
        assert_eq!(r[0].tied_with, [2]);
        assert_eq!(r[0].rank, 1);
        let why = explain(&c, &apps, &r);
        assert_eq!(
            why[0],
            "1. application 3 of supplier-3 (received 2026-04-02T10:00:00+06:00): (40 × 95 + 60 × 80) / 100 = 86.00"
        );
        assert!(
            why.last()
                .unwrap()
                .contains("the application received first wins")
        );
        // Received at the same instant: the lower sequence number.
        let same = [
            app(7, "2026-04-02T10:00:00+05:00", true, [80, 90]),
            app(6, "2026-04-02T10:00:00+05:00", true, [80, 90]),
        ];
        assert_eq!(rank(&c, &same)[0].seq, 6);
    }

    #[test]
    fn amb_sm_10_a_single_admissible_application_ranks_alone_and_none_ranks_nothing() {
        let c = criteria();
        let apps = [
            app(1, "2026-04-02T10:00:00+05:00", false, [0, 0]),
            app(2, "2026-04-03T10:00:00+05:00", true, [10, 20]),
        ];
        let r = rank(&c, &apps);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].total, "16.00");
        assert!(
            explain(&c, &apps, &r)
                .last()
                .unwrap()
                .contains("the only admissible application")
        );
        assert!(rank(&c, &apps[..1]).is_empty());
        assert!(explain(&c, &apps[..1], &[]).is_empty());
    }
}
