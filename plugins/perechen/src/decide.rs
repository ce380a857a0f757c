//! The Perechen decisions: the PL-F3 criteria score (PL-6.a) and the refusal grounds of PL-6
//! checked against the AB's decision (PL-7).

use std::collections::BTreeMap;

use egov_plugin_sdk::Violation;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{HSC, IS, form};

#[derive(Deserialize)]
struct ScoreInput {
    object_kind: String,
    #[serde(default)]
    criteria: BTreeMap<String, bool>,
}

fn violation(field: &str, rule: &str, message: String) -> Violation {
    Violation {
        field: field.into(),
        rule: rule.into(),
        message,
    }
}

/// PL-6.a with PL-F3: one point per criterion met that applies to the object kind (3.1 to an
/// information system only, 3.4 to a hardware-software complex only). Passes with at least
/// three points in total and at least one in each of the three groups (the threshold reading
/// of PL-6.a, AMB-PL-5).
pub fn score(object_kind: &str, criteria: &BTreeMap<String, bool>) -> Value {
    let mut groups: BTreeMap<String, u32> = ["1", "2", "3"]
        .iter()
        .map(|g| ((*g).to_owned(), 0))
        .collect();
    let mut counted = Vec::new();
    let mut ignored = Vec::new();
    for c in form().criteria {
        let applies = c.applies_to.is_empty() || c.applies_to.iter().any(|k| k == object_kind);
        match criteria.get(&c.id) {
            Some(true) if applies => {
                *groups.entry(c.group.clone()).or_default() += 1;
                counted.push(c.id);
            }
            Some(true) => ignored.push(c.id),
            _ => {}
        }
    }
    let total: u32 = groups.values().sum();
    let passes = total >= 3 && groups.values().all(|&n| n >= 1);
    json!({"total": total, "groups": groups, "passes": passes, "counted": counted, "ignored": ignored})
}

#[derive(Deserialize)]
struct DecisionInput {
    outcome: String,
    case: ScoreInput,
    #[serde(default)]
    steps: BTreeMap<String, StepFacts>,
}

#[derive(Deserialize, Default)]
struct StepFacts {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    inputs: BTreeMap<String, Value>,
}

/// The PL-6 grounds that apply: (rule, reason).
fn grounds(case: &ScoreInput, si: Option<&StepFacts>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let s = score(&case.object_kind, &case.criteria);
    if s["passes"] != true {
        let empty: Vec<&String> = s["groups"]
            .as_object()
            .map(|g| g.iter().filter(|(_, n)| *n == 0).map(|(k, _)| k).collect())
            .unwrap_or_default();
        let why = if empty.is_empty() {
            format!(
                "the object scores {} point(s) under the criteria, fewer than three",
                s["total"]
            )
        } else {
            format!(
                "the object scores {} point(s) and none in criteria group(s) {}",
                s["total"],
                empty
                    .iter()
                    .map(|g| g.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.push(("PL-6.a".to_owned(), why));
    }
    if let Some(si) = si {
        if si.outcome == "does-not-comply" {
            out.push((
                "PL-6.b".to_owned(),
                "the SI found the object does not comply with the e-government architecture".into(),
            ));
        }
        if si.inputs.get("portal_information_confirmed") == Some(&Value::Bool(false)) {
            out.push((
                "PL-6.c".to_owned(),
                "the information required by PL-5 is not on the architecture portal".into(),
            ));
        }
    }
    out
}

/// The variant's `decide`.
pub fn decide(name: &str, input: &str) -> Result<String, Vec<Violation>> {
    match name {
        "pl-6.a-criteria-score" => {
            let i: ScoreInput = serde_json::from_str(input)
                .map_err(|e| vec![violation("", "PL-6.a", format!("bad input: {e}"))])?;
            if i.object_kind != IS && i.object_kind != HSC {
                return Err(vec![violation(
                    "object_kind",
                    "PL-3",
                    format!("{:?} is not an object kind", i.object_kind),
                )]);
            }
            Ok(score(&i.object_kind, &i.criteria).to_string())
        }
        // PL-7 with PL-6: the AB includes only when no PL-6 ground applies, and refuses only
        // on a PL-6 ground, stating it (PL-7.b). The grounds found become the reasons.
        "pl-7-decision" => {
            let i: DecisionInput = serde_json::from_str(input)
                .map_err(|e| vec![violation("", "PL-7", format!("bad input: {e}"))])?;
            let found = grounds(&i.case, i.steps.get("si-recommendation"));
            match i.outcome.as_str() {
                "include" if !found.is_empty() => Err(found
                    .into_iter()
                    .map(|(rule, why)| violation("outcome", &rule, format!("inclusion must be refused: {why}")))
                    .collect()),
                "refuse" if found.is_empty() => Err(vec![violation(
                    "outcome",
                    "PL-6",
                    "no refusal ground of PL-6 applies, so the object is to be included".into(),
                )]),
                _ => Ok(json!({
                    "score": score(&i.case.object_kind, &i.case.criteria),
                    "reasons": found.iter().map(|(rule, why)| format!("{rule}: {why}")).collect::<Vec<_>>(),
                })
                .to_string()),
            }
        }
        // PL-10: the notice gives the day operation ended; it is due within 10 working days
        // of it (AMB-PL-9), counted by the host's calendar. A late notice is still a notice:
        // the lateness is recorded, not refused.
        "pl-10-notice" => {
            #[derive(Deserialize)]
            struct Notice {
                #[serde(default)]
                inputs: BTreeMap<String, Value>,
            }
            let n: Notice = serde_json::from_str(input)
                .map_err(|e| vec![violation("", "PL-10", format!("bad input: {e}"))])?;
            let field = "inputs.operation_ended_on";
            let ended = n
                .inputs
                .get("operation_ended_on")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if egov_plugin_sdk::parse_date(ended).is_none() {
                return Err(vec![violation(
                    field,
                    "PL-10",
                    "the day operation ended (YYYY-MM-DD) is required".into(),
                )]);
            }
            let today = egov_plugin_sdk::host::today();
            if ended > today.as_str() {
                return Err(vec![violation(
                    field,
                    "PL-10",
                    format!("operation cannot have ended in the future ({ended})"),
                )]);
            }
            let due =
                egov_plugin_sdk::host::term_end(ended, 10, egov_plugin_sdk::Unit::WorkingDays)
                    .map_err(|e| vec![violation(field, "PL-10", e)])?;
            let late = today > due;
            let mut reasons = Vec::new();
            if late {
                reasons.push(format!(
                    "PL-10: notified on {today}, after the 10 working days that ended on {due}"
                ));
            }
            Ok(json!({"operation_ended_on": ended, "notice_due": due, "late": late, "reasons": reasons}).to_string())
        }
        other => Err(vec![violation(
            "name",
            "",
            format!(
                "no decision {other:?}; known: pl-6.a-criteria-score, pl-7-decision, pl-10-notice"
            ),
        )]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(met: &[&str]) -> BTreeMap<String, bool> {
        met.iter().map(|id| ((*id).to_owned(), true)).collect()
    }

    #[test]
    fn pl_6a_three_points_with_one_in_each_group_pass() {
        let s = score(IS, &answers(&["1.1", "2.3", "3.2"]));
        assert_eq!(
            (s["total"].as_u64(), s["passes"].as_bool()),
            (Some(3), Some(true))
        );
    }

    #[test]
    fn pl_6a_a_group_with_no_point_fails_whatever_the_total() {
        let s = score(IS, &answers(&["1.1", "1.2", "2.1", "2.2", "2.3"]));
        assert_eq!(
            (s["total"].as_u64(), s["passes"].as_bool()),
            (Some(5), Some(false))
        );
        assert_eq!(s["groups"]["3"], 0);
    }

    #[test]
    fn pl_6a_fewer_than_three_points_fail() {
        let s = score(HSC, &answers(&["1.1", "2.1"]));
        assert_eq!(s["passes"], false);
    }

    #[test]
    fn pl_f3_criterion_3_1_counts_for_an_information_system_only_and_3_4_for_a_complex_only() {
        let met = answers(&["1.1", "2.1", "3.1", "3.4"]);
        let is = score(IS, &met);
        assert_eq!(
            (is["total"].as_u64(), is["ignored"].clone()),
            (Some(3), json!(["3.4"]))
        );
        let hsc = score(HSC, &met);
        assert_eq!(
            (hsc["total"].as_u64(), hsc["ignored"].clone()),
            (Some(3), json!(["3.1"]))
        );
    }

    fn decision(
        outcome: &str,
        met: &[&str],
        si: &str,
        portal: bool,
    ) -> Result<Value, Vec<Violation>> {
        let input = json!({
            "outcome": outcome,
            "case": {"object_kind": IS, "criteria": answers(met)},
            "steps": {"si-recommendation": {"outcome": si, "inputs": {"portal_information_confirmed": portal}}},
        });
        decide("pl-7-decision", &input.to_string()).map(|s| serde_json::from_str(&s).unwrap())
    }

    #[test]
    fn pl_7_inclusion_is_accepted_only_without_a_pl_6_ground() {
        assert!(decision("include", &["1.1", "2.1", "3.1"], "complies", true).is_ok());
        let err = decision("include", &["1.1", "2.1"], "complies", true).unwrap_err();
        assert_eq!(err[0].rule, "PL-6.a");
    }

    #[test]
    fn pl_7b_a_refusal_needs_a_pl_6_ground_and_states_them_all() {
        let err = decision("refuse", &["1.1", "2.1", "3.1"], "complies", true).unwrap_err();
        assert_eq!(err[0].rule, "PL-6");
        let ok = decision("refuse", &["1.1"], "does-not-comply", false).unwrap();
        let reasons: Vec<&str> = ok["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        assert!(reasons[0].starts_with("PL-6.a"), "{reasons:?}");
        assert!(reasons[1].starts_with("PL-6.b"), "{reasons:?}");
        assert!(reasons[2].starts_with("PL-6.c"), "{reasons:?}");
    }
}
