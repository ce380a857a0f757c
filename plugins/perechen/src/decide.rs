//! The Perechen decisions: the step checks the engine calls with the case's dossier
//! (`{case: {object_kind, fields, criteria}, steps: {<step>: {outcome, inputs}}, outcome,
//! reasons, inputs}`) and the PL-F3 criteria score.
//!
//! - `pl-5-recommendation` (step si-recommendation): PL-5.b, the SI's confirmation of each
//!   portal item, typed strictly.
//! - `pl-7-decision` (step ab-decision): PL-6.a with AMB-PL-13 (the AB's corrections of the
//!   declared criteria answers, each with its reason), then the PL-6 grounds against the
//!   decision (PL-7).
//! - `pl-10-notice` (step operation-ended): PL-10, the day operation ended and the 10 working
//!   days (AMB-PL-9).
//! - `pl-6.a-criteria-score`: the score alone.
//!
//! A step's `inputs` are validated strictly: an unknown key, a value of the wrong type, an item
//! or criterion that does not apply is a violation naming its field path and its rule. Keys the
//! engine adds to the dossier at its top level are ignored. Date-dependent decisions take the
//! day from the input's top-level `today` (YYYY-MM-DD) when it is given (recorded cases pin
//! it), else from the host's clock (`host::today`, what the engine sends).

use std::collections::BTreeMap;

use egov_plugin_sdk::Violation;
use serde_json::{Map, Value, json};

use crate::form::{CRITERIA, PortalItem, applies, group_of, portal_items};
use crate::{HSC, IS};

fn violation(field: &str, rule: &str, message: impl Into<String>) -> Violation {
    Violation {
        field: field.into(),
        rule: rule.into(),
        message: message.into(),
    }
}

fn kind_title(kind: &str) -> &'static str {
    match kind {
        IS => "an information system",
        HSC => "a hardware-software complex",
        _ => "an unknown object kind",
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
    for c in &CRITERIA {
        match criteria.get(c.id) {
            Some(true) if applies(c, object_kind) => {
                *groups.entry(group_of(c.id).to_owned()).or_default() += 1;
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

/// The dossier's object kind, one of PL-3's.
fn object_kind(input: &Value) -> Result<&str, Vec<Violation>> {
    match input["case"]["object_kind"].as_str() {
        Some(k @ (IS | HSC)) => Ok(k),
        other => Err(vec![violation(
            "case.object_kind",
            "PL-3",
            format!("{other:?} is not an object kind of the Perechen"),
        )]),
    }
}

/// The step's `inputs`: an object (absent or null: none) whose keys are all in `known`.
fn inputs<'a>(
    input: &'a Value,
    known: &[&str],
    rule: &str,
    step: &str,
    v: &mut Vec<Violation>,
) -> Option<&'a Map<String, Value>> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    let map = match input.get("inputs") {
        None | Some(Value::Null) => EMPTY.get_or_init(Map::new),
        Some(Value::Object(m)) => m,
        Some(other) => {
            v.push(violation(
                "inputs",
                rule,
                format!("the inputs of {step} are an object, got {other}"),
            ));
            return None;
        }
    };
    for k in map.keys().filter(|k| !known.contains(&k.as_str())) {
        v.push(violation(
            &format!("inputs.{k}"),
            rule,
            format!(
                "not an input of {step}; its inputs are: {}",
                known.join(", ")
            ),
        ));
    }
    Some(map)
}

/// One portal item as the SI answered it: `Some(true)` confirmed, `Some(false)` answered no,
/// `None` not answered (which is not a confirmation).
fn answered(items: Option<&Value>, n: &str) -> Option<bool> {
    items.and_then(|m| m.get(n)).and_then(Value::as_bool)
}

fn item_line(i: &PortalItem, a: Option<bool>) -> String {
    let state = match a {
        Some(true) => "confirmed",
        Some(false) => "answered no",
        None => "not answered",
    };
    format!("{} ({}: {state})", i.n, i.en)
}

/// The portal items of `kind` with the SI's answers, and the ones not confirmed.
fn portal_view(kind: &str, items: Option<&Value>) -> (Value, Vec<String>) {
    let mut view = Vec::new();
    let mut unconfirmed = Vec::new();
    for i in portal_items(kind) {
        let a = answered(items, i.n);
        if a != Some(true) {
            unconfirmed.push(item_line(i, a));
        }
        view.push(json!({"item": i.n, "text": format!("{} — {}", i.ru, i.en), "confirmed": a}));
    }
    (Value::Array(view), unconfirmed)
}

/// PL-5.b: `inputs: {"portal_items": {"1": true, ..., "6": false}}`, keyed by the item's number
/// in p.5 sp.1) (six, an information system) or sp.2) (two, a complex). Every value given is a
/// JSON boolean; items not given are not confirmed. Either outcome (PL-5.a) may be recorded;
/// the items not confirmed become reasons, and PL-6.c weighs them at the decision.
fn pl_5_recommendation(input: &Value) -> Result<Value, Vec<Violation>> {
    let kind = object_kind(input)?;
    let mut v = Vec::new();
    let map = inputs(
        input,
        &["portal_items"],
        "PL-5.b",
        "the SI's recommendation",
        &mut v,
    );
    let items = map.and_then(|m| m.get("portal_items"));
    match items {
        None | Some(Value::Object(_)) => {}
        Some(other) => v.push(violation(
            "inputs.portal_items",
            "PL-5.b",
            format!("the portal items are an object keyed by item number, e.g. {{\"1\": true}}, got {other}"),
        )),
    }
    if let Some(Value::Object(given)) = items {
        let own = portal_items(kind);
        for (n, a) in given {
            let path = format!("inputs.portal_items.{n}");
            let Some(item) = own.iter().find(|i| i.n == n) else {
                let other = if kind == IS { HSC } else { IS };
                let why = if portal_items(other).iter().any(|i| i.n == n) {
                    format!(
                        "item {n} is an item for {} only; {} has items 1 to {} (PL-5.b)",
                        kind_title(other),
                        kind_title(kind),
                        own.len()
                    )
                } else {
                    format!(
                        "not an item of PL-5.b; {} has items 1 to {}",
                        kind_title(kind),
                        own.len()
                    )
                };
                v.push(violation(&path, "PL-5.b", why));
                continue;
            };
            if !a.is_boolean() {
                v.push(violation(
                    &path,
                    "PL-5.b",
                    format!(
                        "whether item {n} ({}) is on the architecture portal is true or false (a JSON boolean), got {a}",
                        item.en
                    ),
                ));
            }
        }
    }
    if !v.is_empty() {
        return Err(v);
    }
    let (view, unconfirmed) = portal_view(kind, items);
    let reasons: Vec<String> = if unconfirmed.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "PL-5.b: not confirmed on the architecture portal: {}",
            unconfirmed.join("; ")
        )]
    };
    Ok(
        json!({"object_kind": kind, "portal_items": view, "unconfirmed": unconfirmed.len(), "reasons": reasons}),
    )
}

/// One correction of the AB (PL-6.a, AMB-PL-13).
struct Correction {
    declared: Option<bool>,
    answer: bool,
    reason: String,
}

/// PL-6.a with AMB-PL-13: `inputs: {"criteria_corrections": {"<id>": {"answer": <bool>,
/// "reason": "<text>"}}}`. A correction names a criterion of Appendix 2 that applies to the
/// object kind, changes the declared answer, and gives its reason.
fn corrections(
    kind: &str,
    declared: &BTreeMap<String, bool>,
    given: Option<&Value>,
    v: &mut Vec<Violation>,
) -> BTreeMap<String, Correction> {
    let mut out = BTreeMap::new();
    let given = match given {
        None | Some(Value::Null) => return out,
        Some(Value::Object(m)) => m,
        Some(other) => {
            v.push(violation(
                "inputs.criteria_corrections",
                "PL-6.a",
                format!("the corrections are an object keyed by criterion id, e.g. {{\"2.3\": {{\"answer\": false, \"reason\": \"…\"}}}}, got {other}"),
            ));
            return out;
        }
    };
    for (id, c) in given {
        let path = format!("inputs.criteria_corrections.{id}");
        let Some(crit) = CRITERIA.iter().find(|x| x.id == id) else {
            v.push(violation(
                &path,
                "PL-6.a",
                "not a criterion of Appendix 2 (1.1 to 3.4)",
            ));
            continue;
        };
        if !applies(crit, kind) {
            v.push(violation(
                &path,
                "PL-6.a",
                format!(
                    "criterion {id} does not apply to {} (PL-F3), so it cannot be corrected",
                    kind_title(kind)
                ),
            ));
            continue;
        }
        let Some(fields) = c.as_object() else {
            v.push(violation(
                &path,
                "PL-6.a",
                format!("a correction is {{\"answer\": true|false, \"reason\": \"…\"}}, got {c}"),
            ));
            continue;
        };
        for k in fields.keys().filter(|k| *k != "answer" && *k != "reason") {
            v.push(violation(
                &format!("{path}.{k}"),
                "PL-6.a",
                "not part of a correction; it has answer and reason",
            ));
        }
        let answer = fields.get("answer").and_then(Value::as_bool);
        if answer.is_none() {
            v.push(violation(
                &format!("{path}.answer"),
                "PL-6.a",
                format!(
                    "the checked answer to criterion {id} is true or false (a JSON boolean), got {}",
                    fields.get("answer").unwrap_or(&Value::Null)
                ),
            ));
        }
        let reason = fields
            .get("reason")
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or_default();
        if reason.is_empty() {
            v.push(violation(
                &format!("{path}.reason"),
                "PL-6.a",
                format!("a correction of criterion {id} states its reason"),
            ));
        } else if reason.chars().count() > 2000 {
            v.push(violation(
                &format!("{path}.reason"),
                "PL-6.a",
                "a reason is at most 2000 characters",
            ));
        }
        let Some(answer) = answer else { continue };
        let was = declared.get(id).copied();
        if was == Some(answer) {
            v.push(violation(
                &format!("{path}.answer"),
                "PL-6.a",
                format!(
                    "criterion {id} was declared {}; a correction changes the answer",
                    yes_no(answer)
                ),
            ));
            continue;
        }
        out.insert(
            id.clone(),
            Correction {
                declared: was,
                answer,
                reason: reason.to_owned(),
            },
        );
    }
    out
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The PL-6 grounds that apply: (rule, reason).
fn grounds(
    kind: &str,
    checked: &BTreeMap<String, bool>,
    si: Option<&Value>,
    declaration: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let s = score(kind, checked);
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
        out.push(("PL-6.a", why));
    }
    if si.and_then(|s| s["outcome"].as_str()) == Some("does-not-comply") {
        out.push((
            "PL-6.b",
            "the SI found the object does not comply with the e-government architecture".into(),
        ));
    }
    // PL-6.c (p.6 sp.3), read as pointing to p.5, AMB-PL-2): every item of PL-5.b for the kind
    // must be confirmed; a missing answer is not a confirmation.
    let (_, unconfirmed) = portal_view(kind, si.map(|s| &s["inputs"]["portal_items"]));
    if !unconfirmed.is_empty() {
        let declared = match declaration {
            Some("yes") => "; the state body declared it placed (PL-3.c)",
            Some("no") => "; the state body declared it not placed (PL-3.c)",
            _ => "",
        };
        out.push((
            "PL-6.c",
            format!(
                "the information PL-5.b requires is not confirmed on the architecture portal: {}{declared}",
                unconfirmed.join("; ")
            ),
        ));
    }
    out
}

/// The declared criteria answers of the dossier.
fn declared(input: &Value) -> Result<BTreeMap<String, bool>, Vec<Violation>> {
    match &input["case"]["criteria"] {
        Value::Null => Ok(BTreeMap::new()),
        c => serde_json::from_value(c.clone()).map_err(|e| {
            vec![violation(
                "case.criteria",
                "PL-F3",
                format!("the declared answers are yes/no: {e}"),
            )]
        }),
    }
}

/// PL-7 with PL-6: the AB includes only when no PL-6 ground applies, and refuses only on a
/// PL-6 ground, stating it (PL-7.b). The score is computed from the checked answers (the
/// declared ones with the AB's corrections); the corrections and the grounds become reasons.
fn pl_7_decision(input: &Value) -> Result<Value, Vec<Violation>> {
    let kind = object_kind(input)?;
    let declared = declared(input)?;
    let outcome = input["outcome"].as_str().unwrap_or_default();
    let mut v = Vec::new();
    let map = inputs(
        input,
        &["criteria_corrections"],
        "PL-7",
        "the AB's decision",
        &mut v,
    );
    let fixes = corrections(
        kind,
        &declared,
        map.and_then(|m| m.get("criteria_corrections")),
        &mut v,
    );
    if !v.is_empty() {
        return Err(v);
    }
    let mut checked = declared.clone();
    for (id, c) in &fixes {
        checked.insert(id.clone(), c.answer);
    }
    let si = input["steps"].get("si-recommendation");
    let declaration = input["case"]["fields"][crate::form::PORTAL_DECLARATION].as_str();
    let found = grounds(kind, &checked, si, declaration);
    match outcome {
        "include" if !found.is_empty() => {
            return Err(found
                .into_iter()
                .map(|(rule, why)| {
                    violation("outcome", rule, format!("inclusion must be refused: {why}"))
                })
                .collect());
        }
        "refuse" if found.is_empty() => {
            return Err(vec![violation(
                "outcome",
                "PL-6",
                "no refusal ground of PL-6 applies, so the object is to be included",
            )]);
        }
        _ => {}
    }
    let mut reasons: Vec<String> = fixes
        .iter()
        .map(|(id, c)| {
            format!(
                "PL-6.a: the AB corrected criterion {id} from {} to {}: {}",
                c.declared.map_or("unanswered", yes_no),
                yes_no(c.answer),
                c.reason
            )
        })
        .collect();
    reasons.extend(found.iter().map(|(rule, why)| format!("{rule}: {why}")));
    let (portal, _) = portal_view(kind, si.map(|s| &s["inputs"]["portal_items"]));
    Ok(json!({
        "criteria": {"declared": declared, "checked": checked},
        "corrections": fixes.iter().map(|(id, c)| (id.clone(), json!({"declared": c.declared, "answer": c.answer, "reason": c.reason}))).collect::<Map<_, _>>(),
        "declared_score": score(kind, &declared),
        "score": score(kind, &checked),
        "portal_items": portal,
        "portal_placement_declared": declaration,
        "grounds": found.iter().map(|(rule, _)| *rule).collect::<Vec<_>>(),
        "reasons": reasons,
    }))
}

/// The day of the decision: the input's `today` when given, else the host's.
fn today(input: &Value, rule: &str) -> Result<String, Vec<Violation>> {
    match input.get("today") {
        None | Some(Value::Null) => Ok(egov_plugin_sdk::host::today()),
        Some(Value::String(d)) if egov_plugin_sdk::parse_date(d).is_some() => Ok(d.clone()),
        Some(other) => Err(vec![violation(
            "today",
            rule,
            format!("today is a date YYYY-MM-DD, got {other}"),
        )]),
    }
}

/// PL-10: `inputs: {"operation_ended_on": "YYYY-MM-DD"}`. The notice is due within 10 working
/// days of that day (AMB-PL-9), counted by the host's calendar. A late notice is still a
/// notice: the lateness is recorded as a reason, not refused.
fn pl_10_notice(input: &Value) -> Result<Value, Vec<Violation>> {
    let mut v = Vec::new();
    let field = "inputs.operation_ended_on";
    let map = inputs(
        input,
        &["operation_ended_on"],
        "PL-10",
        "the notice",
        &mut v,
    );
    let mut ended = "";
    if let Some(m) = map {
        match m.get("operation_ended_on") {
            Some(Value::String(d)) if egov_plugin_sdk::parse_date(d).is_some() => ended = d,
            Some(other) => v.push(violation(
                field,
                "PL-10",
                format!("the day operation ended is a date YYYY-MM-DD, got {other}"),
            )),
            None => v.push(violation(
                field,
                "PL-10",
                "the day operation ended (YYYY-MM-DD) is required",
            )),
        }
    }
    if !v.is_empty() {
        return Err(v);
    }
    let today = today(input, "PL-10")?;
    if ended > today.as_str() {
        return Err(vec![violation(
            field,
            "PL-10",
            format!("operation cannot have ended in the future ({ended}, today is {today})"),
        )]);
    }
    let due = egov_plugin_sdk::host::term_end(ended, 10, egov_plugin_sdk::Unit::WorkingDays)
        .map_err(|e| vec![violation(field, "PL-10", e)])?;
    let late = today > due;
    let mut reasons = Vec::new();
    if late {
        reasons.push(format!(
            "PL-10: notified on {today}, after the 10 working days that ended on {due}"
        ));
    }
    Ok(
        json!({"operation_ended_on": ended, "notified_on": today, "notice_due": due, "late": late, "reasons": reasons}),
    )
}

/// A step check on its dossier (what `react` runs before it accepts a completion).
pub fn check(name: &str, input: &Value) -> Result<Value, Vec<Violation>> {
    match name {
        "pl-5-recommendation" => pl_5_recommendation(input),
        "pl-7-decision" => pl_7_decision(input),
        "pl-10-notice" => pl_10_notice(input),
        other => Err(vec![violation("name", "", format!("no check {other:?}"))]),
    }
}

/// The variant's `decide`.
pub fn decide(name: &str, input: &str) -> Result<String, Vec<Violation>> {
    let rule = match name {
        "pl-6.a-criteria-score" => "PL-6.a",
        "pl-5-recommendation" => "PL-5.b",
        "pl-7-decision" => "PL-7",
        "pl-10-notice" => "PL-10",
        other => {
            return Err(vec![violation(
                "name",
                "",
                format!(
                    "no decision {other:?}; known: pl-5-recommendation, pl-6.a-criteria-score, pl-7-decision, pl-10-notice"
                ),
            )]);
        }
    };
    let input: Value = serde_json::from_str(input)
        .map_err(|e| vec![violation("", rule, format!("the input is not JSON: {e}"))])?;
    if !input.is_object() {
        return Err(vec![violation("", rule, "the input is a JSON object")]);
    }
    let out = match name {
        "pl-6.a-criteria-score" => {
            let kind = match input["object_kind"].as_str() {
                Some(k @ (IS | HSC)) => k,
                other => {
                    return Err(vec![violation(
                        "object_kind",
                        "PL-3",
                        format!("{other:?} is not an object kind"),
                    )]);
                }
            };
            let criteria: BTreeMap<String, bool> = match &input["criteria"] {
                Value::Null => BTreeMap::new(),
                c => serde_json::from_value(c.clone()).map_err(|e| {
                    vec![violation(
                        "criteria",
                        "PL-6.a",
                        format!("the answers are yes/no: {e}"),
                    )]
                })?,
            };
            score(kind, &criteria)
        }
        "pl-5-recommendation" => pl_5_recommendation(&input)?,
        "pl-7-decision" => pl_7_decision(&input)?,
        _ => pl_10_notice(&input)?,
    };
    Ok(out.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(met: &[&str]) -> BTreeMap<String, bool> {
        met.iter().map(|id| ((*id).to_owned(), true)).collect()
    }

    /// Every criterion of an information system, `met` yes and the others no.
    fn declared_is(met: &[&str]) -> Value {
        CRITERIA
            .iter()
            .filter(|c| applies(c, IS))
            .map(|c| (c.id.to_owned(), Value::Bool(met.contains(&c.id))))
            .collect::<Map<_, _>>()
            .into()
    }

    fn all_items(kind: &str) -> Value {
        portal_items(kind)
            .iter()
            .map(|i| (i.n.to_owned(), Value::Bool(true)))
            .collect::<Map<_, _>>()
            .into()
    }

    fn run(name: &str, input: &Value) -> Result<Value, Vec<Violation>> {
        decide(name, &input.to_string()).map(|s| serde_json::from_str(&s).unwrap())
    }

    fn at(v: &[Violation]) -> Vec<(&str, &str)> {
        v.iter()
            .map(|x| (x.field.as_str(), x.rule.as_str()))
            .collect()
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

    #[test]
    fn pl_6a_the_score_decision_types_its_input() {
        let err = run(
            "pl-6.a-criteria-score",
            &json!({"object_kind": IS, "criteria": {"1.1": "true"}}),
        )
        .unwrap_err();
        assert_eq!(at(&err), [("criteria", "PL-6.a")]);
        let err = run("pl-6.a-criteria-score", &json!({"object_kind": "thing"})).unwrap_err();
        assert_eq!(at(&err), [("object_kind", "PL-3")]);
        assert_eq!(decide("nope", "{}").unwrap_err()[0].field, "name");
        assert_eq!(decide("pl-7-decision", "[1]").unwrap_err()[0].rule, "PL-7");
    }

    // --- PL-5.b ---------------------------------------------------------------------------

    fn recommendation(kind: &str, inputs: Value) -> Result<Value, Vec<Violation>> {
        run(
            "pl-5-recommendation",
            &json!({"outcome": "complies", "reasons": [], "inputs": inputs,
                    "case": {"object_kind": kind, "fields": {}, "criteria": {}}, "steps": {}}),
        )
    }

    #[test]
    fn pl_5b_the_si_confirms_each_of_the_six_items_of_an_information_system() {
        let ok = recommendation(IS, json!({"portal_items": all_items(IS)})).unwrap();
        assert_eq!(ok["portal_items"].as_array().unwrap().len(), 6);
        assert_eq!(ok["unconfirmed"], 0);
        assert_eq!(ok["reasons"], json!([]));
        assert!(
            ok["portal_items"][5]["text"]
                .as_str()
                .unwrap()
                .contains("информационной безопасности")
        );
    }

    #[test]
    fn pl_5b_the_two_items_of_a_complex_and_items_of_the_other_kind_are_refused() {
        let ok = recommendation(HSC, json!({"portal_items": {"1": true, "2": true}})).unwrap();
        assert_eq!(ok["portal_items"].as_array().unwrap().len(), 2);
        let err = recommendation(
            HSC,
            json!({"portal_items": {"1": true, "2": true, "3": true}}),
        )
        .unwrap_err();
        assert_eq!(at(&err), [("inputs.portal_items.3", "PL-5.b")]);
        assert!(
            err[0].message.contains("an information system only"),
            "{}",
            err[0].message
        );
        let err = recommendation(IS, json!({"portal_items": {"7": true, "01": true}})).unwrap_err();
        assert_eq!(
            at(&err),
            [
                ("inputs.portal_items.01", "PL-5.b"),
                ("inputs.portal_items.7", "PL-5.b")
            ]
        );
    }

    #[test]
    fn pl_5b_a_confirmation_is_a_json_boolean_never_a_string() {
        let err = recommendation(
            IS,
            json!({"portal_items": {"1": true, "2": "false", "3": 1, "4": null, "5": true, "6": true}}),
        )
        .unwrap_err();
        assert_eq!(
            at(&err),
            [
                ("inputs.portal_items.2", "PL-5.b"),
                ("inputs.portal_items.3", "PL-5.b"),
                ("inputs.portal_items.4", "PL-5.b")
            ]
        );
        let err = recommendation(IS, json!({"portal_items": [true, true]})).unwrap_err();
        assert_eq!(at(&err), [("inputs.portal_items", "PL-5.b")]);
        let err = recommendation(IS, json!("yes")).unwrap_err();
        assert_eq!(at(&err), [("inputs", "PL-5.b")]);
    }

    #[test]
    fn pl_5b_unknown_inputs_are_refused() {
        let err = recommendation(
            IS,
            json!({"portal_information_confirmed": true, "portal_items": all_items(IS)}),
        )
        .unwrap_err();
        assert_eq!(
            at(&err),
            [("inputs.portal_information_confirmed", "PL-5.b")]
        );
    }

    #[test]
    fn pl_5b_items_not_confirmed_are_listed_in_the_reasons_and_do_not_comply_stays_possible() {
        let out = run(
            "pl-5-recommendation",
            &json!({"outcome": "does-not-comply", "inputs": {"portal_items": {"1": true, "3": false}},
                    "case": {"object_kind": IS}}),
        )
        .unwrap();
        assert_eq!(out["unconfirmed"], 5);
        let reason = out["reasons"][0].as_str().unwrap();
        assert!(reason.starts_with("PL-5.b: not confirmed"), "{reason}");
        assert!(
            reason.contains("3 (document on putting into commercial operation: answered no)"),
            "{reason}"
        );
        assert!(
            reason.contains("2 (copy of the technical documentation: not answered)"),
            "{reason}"
        );
        // No inputs at all: nothing is confirmed, and the outcome is still accepted.
        let out = recommendation(IS, Value::Null).unwrap();
        assert_eq!(out["unconfirmed"], 6);
        let err = recommendation("thing", json!({})).unwrap_err();
        assert_eq!(at(&err), [("case.object_kind", "PL-3")]);
    }

    // --- PL-6 / PL-7 ------------------------------------------------------------------------

    fn decision(
        outcome: &str,
        met: &[&str],
        si: &str,
        items: Value,
        inputs: Value,
    ) -> Result<Value, Vec<Violation>> {
        run(
            "pl-7-decision",
            &json!({
                "outcome": outcome,
                "reasons": [],
                "inputs": inputs,
                "case": {"object_kind": IS, "fields": {"portal_placement_declared": "yes"}, "criteria": declared_is(met)},
                "steps": {"si-recommendation": {"outcome": si, "inputs": {"portal_items": items}}},
            }),
        )
    }

    const PASSING: &[&str] = &["1.1", "2.1", "3.1"];

    #[test]
    fn pl_7_inclusion_is_accepted_only_without_a_pl_6_ground() {
        let ok = decision("include", PASSING, "complies", all_items(IS), json!({})).unwrap();
        assert_eq!(ok["reasons"], json!([]));
        assert_eq!(ok["portal_placement_declared"], "yes");
        let err = decision(
            "include",
            &["1.1", "2.1"],
            "complies",
            all_items(IS),
            json!({}),
        )
        .unwrap_err();
        assert_eq!(at(&err), [("outcome", "PL-6.a")]);
    }

    #[test]
    fn pl_7b_a_refusal_needs_a_pl_6_ground_and_states_them_all() {
        let err = decision("refuse", PASSING, "complies", all_items(IS), json!({})).unwrap_err();
        assert_eq!(at(&err), [("outcome", "PL-6")]);
        let ok = decision(
            "refuse",
            &["1.1"],
            "does-not-comply",
            json!({"1": false}),
            json!({}),
        )
        .unwrap();
        let reasons: Vec<&str> = ok["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        assert!(reasons[0].starts_with("PL-6.a"), "{reasons:?}");
        assert!(reasons[1].starts_with("PL-6.b"), "{reasons:?}");
        assert!(reasons[2].starts_with("PL-6.c"), "{reasons:?}");
        assert_eq!(ok["grounds"], json!(["PL-6.a", "PL-6.b", "PL-6.c"]));
    }

    #[test]
    fn pl_6c_a_missing_confirmation_is_not_a_confirmation() {
        let mut five = all_items(IS);
        five.as_object_mut().unwrap().remove("6");
        let err = decision("include", PASSING, "complies", five.clone(), json!({})).unwrap_err();
        assert_eq!(at(&err), [("outcome", "PL-6.c")]);
        assert!(
            err[0].message.contains("6 (copy of the act on the results of trials of compliance with information-security requirements"),
            "{}",
            err[0].message
        );
        assert!(
            err[0].message.contains("not answered"),
            "{}",
            err[0].message
        );
        // Refusing states the unconfirmed items, with the state body's PL-3.c declaration.
        let ok = decision("refuse", PASSING, "complies", five, json!({})).unwrap();
        let reason = ok["reasons"][0].as_str().unwrap();
        assert!(reason.starts_with("PL-6.c:"), "{reason}");
        assert!(reason.contains("declared it placed (PL-3.c)"), "{reason}");
        assert_eq!(ok["portal_items"][5]["confirmed"], Value::Null);
        // An item answered no, or no SI step at all: the same ground.
        let err = decision(
            "include",
            PASSING,
            "complies",
            json!({"1": true, "2": true, "3": true, "4": true, "5": true, "6": false}),
            json!({}),
        )
        .unwrap_err();
        assert!(err[0].message.contains("answered no"), "{}", err[0].message);
        let alone = json!({"outcome": "include", "case": {"object_kind": HSC, "criteria": {"1.1": true, "2.1": true, "3.4": true}}});
        assert_eq!(
            at(&run("pl-7-decision", &alone).unwrap_err()),
            [("outcome", "PL-6.c")]
        );
        // The complex needs its two items only.
        let hsc = json!({"outcome": "include", "case": {"object_kind": HSC, "criteria": {"1.1": true, "2.1": true, "3.4": true}},
                         "steps": {"si-recommendation": {"outcome": "complies", "inputs": {"portal_items": {"1": true, "2": true}}}}});
        assert!(run("pl-7-decision", &hsc).is_ok());
    }

    #[test]
    fn pl_6a_the_ab_corrects_a_declared_answer_with_a_reason_and_the_score_follows() {
        // Declared 1.1, 2.3 and 3.1: passes. The AB finds 2.3 is not met: no point in group 2.
        let fix = json!({"criteria_corrections": {"2.3": {"answer": false, "reason": "only 2 e-services use it (portal record 77)"}}});
        let err = decision(
            "include",
            &["1.1", "2.3", "3.1"],
            "complies",
            all_items(IS),
            fix.clone(),
        )
        .unwrap_err();
        assert_eq!(at(&err), [("outcome", "PL-6.a")]);
        assert!(
            err[0].message.contains("none in criteria group(s) 2"),
            "{}",
            err[0].message
        );
        let ok = decision(
            "refuse",
            &["1.1", "2.3", "3.1"],
            "complies",
            all_items(IS),
            fix,
        )
        .unwrap();
        assert_eq!(ok["criteria"]["declared"]["2.3"], true);
        assert_eq!(ok["criteria"]["checked"]["2.3"], false);
        assert_eq!(ok["declared_score"]["passes"], true);
        assert_eq!(ok["score"]["passes"], false);
        assert_eq!(
            ok["corrections"]["2.3"],
            json!({"declared": true, "answer": false, "reason": "only 2 e-services use it (portal record 77)"})
        );
        assert_eq!(
            ok["reasons"][0],
            "PL-6.a: the AB corrected criterion 2.3 from yes to no: only 2 e-services use it (portal record 77)"
        );
        assert!(
            ok["reasons"][1]
                .as_str()
                .unwrap()
                .starts_with("PL-6.a: the object scores 2")
        );
    }

    #[test]
    fn pl_6a_a_correction_can_also_raise_the_score() {
        let fix = json!({"criteria_corrections": {"3.2": {"answer": true, "reason": "the registry serves 2 million people"}}});
        let ok = decision("include", &["1.1", "2.1"], "complies", all_items(IS), fix).unwrap();
        assert_eq!(
            (
                ok["declared_score"]["passes"].as_bool(),
                ok["score"]["passes"].as_bool()
            ),
            (Some(false), Some(true))
        );
        assert_eq!(ok["reasons"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn pl_6a_a_correction_needs_a_reason_a_boolean_answer_and_an_applicable_criterion() {
        let run_fix = |fix: Value| {
            decision(
                "include",
                PASSING,
                "complies",
                all_items(IS),
                json!({"criteria_corrections": fix}),
            )
            .unwrap_err()
        };
        assert_eq!(
            at(&run_fix(json!({"2.3": {"answer": true}}))),
            [("inputs.criteria_corrections.2.3.reason", "PL-6.a")]
        );
        assert_eq!(
            at(&run_fix(json!({"2.3": {"answer": true, "reason": "   "}}))),
            [("inputs.criteria_corrections.2.3.reason", "PL-6.a")]
        );
        assert_eq!(
            at(&run_fix(json!({"2.3": {"answer": "true", "reason": "x"}}))),
            [("inputs.criteria_corrections.2.3.answer", "PL-6.a")]
        );
        assert_eq!(
            at(&run_fix(json!({"3.4": {"answer": true, "reason": "x"}}))),
            [("inputs.criteria_corrections.3.4", "PL-6.a")]
        );
        assert_eq!(
            at(&run_fix(json!({"4.1": {"answer": true, "reason": "x"}}))),
            [("inputs.criteria_corrections.4.1", "PL-6.a")]
        );
        assert_eq!(
            at(&run_fix(json!({"2.3": true}))),
            [("inputs.criteria_corrections.2.3", "PL-6.a")]
        );
        assert_eq!(
            at(&run_fix(
                json!({"2.3": {"answer": true, "reason": "x", "by": "me"}})
            )),
            [("inputs.criteria_corrections.2.3.by", "PL-6.a")]
        );
        assert_eq!(
            at(&run_fix(json!(["2.3"]))),
            [("inputs.criteria_corrections", "PL-6.a")]
        );
    }

    #[test]
    fn pl_6a_a_correction_must_change_the_declared_answer() {
        let err = decision(
            "include",
            PASSING,
            "complies",
            all_items(IS),
            json!({"criteria_corrections": {"1.1": {"answer": true, "reason": "checked"}}}),
        )
        .unwrap_err();
        assert_eq!(
            at(&err),
            [("inputs.criteria_corrections.1.1.answer", "PL-6.a")]
        );
    }

    #[test]
    fn pl_7_unknown_inputs_of_the_decision_are_refused() {
        let err = decision(
            "include",
            PASSING,
            "complies",
            all_items(IS),
            json!({"score": 13}),
        )
        .unwrap_err();
        assert_eq!(at(&err), [("inputs.score", "PL-7")]);
    }

    // --- PL-10 ------------------------------------------------------------------------------

    #[test]
    fn pl_10_the_notice_types_its_inputs() {
        let notice = |inputs: Value| {
            run(
                "pl-10-notice",
                &json!({"today": "2026-03-19", "inputs": inputs}),
            )
            .unwrap_err()
        };
        assert_eq!(
            at(&notice(json!({}))),
            [("inputs.operation_ended_on", "PL-10")]
        );
        assert_eq!(
            at(&notice(json!({"operation_ended_on": 20260306}))),
            [("inputs.operation_ended_on", "PL-10")]
        );
        assert_eq!(
            at(&notice(json!({"operation_ended_on": "2026-02-30"}))),
            [("inputs.operation_ended_on", "PL-10")]
        );
        assert_eq!(
            at(&notice(
                json!({"operation_ended_on": "2026-03-06", "why": "x"})
            )),
            [("inputs.why", "PL-10")]
        );
        let future = notice(json!({"operation_ended_on": "2026-03-20"}));
        assert_eq!(at(&future), [("inputs.operation_ended_on", "PL-10")]);
        assert!(future[0].message.contains("today is 2026-03-19"));
        let bad_day = run(
            "pl-10-notice",
            &json!({"today": "19.03.2026", "inputs": {"operation_ended_on": "2026-03-06"}}),
        )
        .unwrap_err();
        assert_eq!(at(&bad_day), [("today", "PL-10")]);
    }
}
