//! The rules on the host target. The host's calendar is replaced by [`Kz`], the Kazakh calendar
//! of 2025 and 2026 as the host ships it (checked against its data file below), so the terms are
//! real: e.g. 10 working days from Thursday 19 March 2026 end on Tuesday 7 April 2026 (21-25
//! March are off for Nauryz and the weekend).

use super::*;
use serde_json::{Value, json};

const MANIFEST: &str = include_str!("../../lc-471-2023/manifest.toml");
/// The host's calendar data (crates/kernel), read only to check [`Kz`] against it.
const HOST_CALENDAR: &str = include_str!("../../../crates/kernel/data/kz-calendar.toml");

/// A state body, a supplier, another organization: valid BINs.
const AGENCY: &str = "940740000911";
const SUPPLIER: &str = "990140000384";
const OTHER: &str = "000740001307";
const NAME: &str = "Информационная система «Е-лицензирование»";

/// The weekdays off of 2025 and 2026 (RULES §11; the host's `kz-calendar.toml`).
const OFF: &[&str] = &[
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
];
/// The weekend days worked.
const WORKING_WEEKEND: &[&str] = &["2025-01-05"];

/// The host's calendar for 2025 and 2026, counted as the host counts (kernel `Calendar::due`):
/// working days from the day after the event; calendar days and months (clamped to the
/// month's last day) rolled forward to a working day. A day outside those years is refused, not
/// guessed.
struct Kz;

fn working(d: &str) -> Result<bool, String> {
    if !(d.starts_with("2025-") || d.starts_with("2026-")) {
        return Err(format!(
            "the test calendar knows 2025 and 2026 only, not {d}"
        ));
    }
    let z = date::ordinal(d).ok_or("not a date")?;
    // 1970-01-01 was a Thursday: (z + 3) % 7 is 0 on Mondays.
    let weekday = (z + 3).rem_euclid(7) < 5;
    Ok(WORKING_WEEKEND.contains(&d) || (weekday && !OFF.contains(&d)))
}

fn roll_forward(mut z: i64) -> Result<String, String> {
    while !working(&date::civil(z))? {
        z += 1;
    }
    Ok(date::civil(z))
}

impl Calendar for Kz {
    fn term_end(&self, d: &str, count: u32, unit: Unit) -> Result<String, String> {
        let (y, m, day) = parse_date(d).ok_or("not a date")?;
        let z = date::ordinal(d).ok_or("not a date")?;
        match unit {
            Unit::WorkingDays => {
                let (mut z, mut left) = (z, count);
                while left > 0 {
                    z += 1;
                    if working(&date::civil(z))? {
                        left -= 1;
                    }
                }
                Ok(date::civil(z))
            }
            Unit::CalendarDays => roll_forward(z + i64::from(count)),
            Unit::Months => {
                let months = i64::from(y) * 12 + i64::from(m) - 1 + i64::from(count);
                let (y, m) = (months.div_euclid(12), months.rem_euclid(12) + 1);
                let mut d = i64::from(day);
                while parse_date(&format!("{y:04}-{m:02}-{d:02}")).is_none() {
                    d -= 1;
                }
                roll_forward(date::days(y, m, d))
            }
        }
    }
}

#[test]
fn amb_x2_the_test_calendar_is_the_hosts_for_2025_and_2026() {
    // Every weekday off and weekend worked of the host's data for those years, and only those.
    let (mut off, mut worked) = (Vec::new(), Vec::new());
    let mut in_working = false;
    for line in HOST_CALENDAR.lines() {
        let line = line.trim();
        if line.starts_with("off") {
            in_working = false;
        } else if line.starts_with("working") {
            in_working = true;
        }
        let Some(d) = line
            .split_once("date = \"")
            .and_then(|(_, rest)| rest.get(..10))
        else {
            continue;
        };
        if !(d.starts_with("2025-") || d.starts_with("2026-")) {
            continue;
        }
        let z = date::ordinal(d).unwrap();
        if in_working {
            worked.push(d.to_owned());
        } else if (z + 3).rem_euclid(7) < 5 {
            off.push(d.to_owned());
        }
    }
    assert_eq!(off, OFF);
    assert_eq!(worked, WORKING_WEEKEND);
    // RULES §11's worked example: 15 working days from Thursday 19 March 2026.
    assert_eq!(
        Kz.term_end("2026-03-19", 15, Unit::WorkingDays).unwrap(),
        "2026-04-14"
    );
    // 10 working days: Friday 20 March is day 1, 21-25 March are off, day 10 is Tuesday 7 April.
    assert_eq!(
        Kz.term_end("2026-03-19", 10, Unit::WorkingDays).unwrap(),
        "2026-04-07"
    );
    // 12 months from 27 May 2025 reach Kurban Ait 2026, a day off: the next working day.
    assert_eq!(
        Kz.term_end("2025-05-27", 12, Unit::Months).unwrap(),
        "2026-05-28"
    );
}

// ---------------------------------------------------------------------------------------------
// Helpers.

fn at(day: &str) -> String {
    format!("{day}T10:00:00+05:00")
}

fn rules(v: &[Violation]) -> Vec<(&str, &str)> {
    v.iter()
        .map(|x| (x.field.as_str(), x.rule.as_str()))
        .collect()
}

fn object_submission() -> Value {
    json!({
        "name_ru": NAME,
        "name_kk": "«Е-лицензиялау» ақпараттық жүйесі",
        "description": "Выдача разрешений и уведомлений в электронной форме.\nИнтеграция с ГБД ЮЛ.",
        "class": 2,
        "placement": "platform",
        "funding": "state-investment-project",
        "budget_funded": true,
        "supplier": SUPPLIER,
        "warranty_sla_working_days": 10
    })
}

fn submitted(intake: &str, s: &Value, role: &str, org: &str, day: &str) -> Input {
    Input::Submitted(Submitted {
        intake: intake.into(),
        submission: s.to_string(),
        by: party_of(role, org),
        at: at(day),
    })
}

fn register(s: &Value, day: &str) -> Result<Reaction, Vec<Violation>> {
    react(
        "null",
        &submitted(OBJECTS, s, "state-body", AGENCY, day),
        &Kz,
    )
}

fn apply(state: &str, slot_name: &str, body: Value, day: &str) -> Result<Reaction, Vec<Violation>> {
    let input = Input::SlotInput(SlotInput {
        slot: slot_name.into(),
        seq: 1,
        by: party_of("state-body", AGENCY),
        digest: String::new(),
        body: Some(body.to_string()),
        at: at(day),
    });
    react(state, &input, &Kz)
}

fn done(state: &str, task: &str, outcome: &str, reasons: &[&str], day: &str) -> Reaction {
    let input = Input::TaskCompleted(TaskCompleted {
        task: task.into(),
        outcome: outcome.into(),
        inputs: "{}".into(),
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
        by: role("x"),
        at: at(day),
    });
    react(state, &input, &Kz).unwrap()
}

fn fired(state: &str, timer: &str, day: &str) -> Reaction {
    let input = Input::TimerFired(TimerFired {
        timer: timer.into(),
        at: format!("{day}T00:00:00+05:00"),
    });
    react(state, &input, &Kz).unwrap()
}

/// The entries written: (registry, key, body).
fn entries(r: &Reaction) -> Vec<(String, String, Value)> {
    r.effects
        .iter()
        .filter_map(|e| match e {
            Effect::PutEntry(x) => Some((
                x.registry.clone(),
                x.key.clone(),
                serde_json::from_str(&x.body).unwrap(),
            )),
            _ => None,
        })
        .collect()
}

fn entry(r: &Reaction) -> Value {
    let e = entries(r);
    assert_eq!(e.len(), 1, "one entry is written: {:?}", r.effects);
    e[0].2.clone()
}

fn status(r: &Reaction) -> Option<String> {
    r.effects.iter().find_map(|e| match e {
        Effect::SetStatus(s) => Some(s.clone()),
        _ => None,
    })
}

fn party_name(p: &Party) -> String {
    match &p.org {
        Some(o) => format!("{}:{o}", p.role),
        None => p.role.clone(),
    }
}

fn opened(r: &Reaction) -> Vec<(String, Option<String>)> {
    r.effects
        .iter()
        .filter_map(|e| match e {
            Effect::OpenTask(t) => Some((t.key.clone(), t.party.as_ref().map(party_name))),
            _ => None,
        })
        .collect()
}

fn timers(r: &Reaction) -> Vec<(String, String)> {
    r.effects
        .iter()
        .filter_map(|e| match e {
            Effect::SetTimer(t) => Some((
                t.name.clone(),
                match (&t.at, &t.term) {
                    (Some(a), _) => a.clone(),
                    (None, Some(s)) => format!(
                        "{} {}",
                        s.count,
                        match s.unit {
                            Unit::WorkingDays => "working days",
                            Unit::CalendarDays => "calendar days",
                            Unit::Months => "months",
                        }
                    ),
                    _ => String::new(),
                },
            )),
            _ => None,
        })
        .collect()
}

fn cancelled(r: &Reaction) -> Vec<String> {
    r.effects
        .iter()
        .filter_map(|e| match e {
            Effect::CancelTimer(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

fn notified(r: &Reaction) -> Vec<(String, String)> {
    r.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some((party_name(&n.party), n.subject.clone())),
            _ => None,
        })
        .collect()
}

fn act(number: &str, date: &str) -> Value {
    json!({"number": number, "date": date})
}

fn to_stage(
    state: &str,
    stage: &str,
    on: &str,
    act: Option<Value>,
    day: &str,
) -> Result<Reaction, Vec<Violation>> {
    let mut body = json!({"stage": stage, "on": on});
    if let Some(a) = act {
        body["act"] = a;
    }
    apply(state, "stage", body, day)
}

/// An object registered on Monday 3 February 2025 and taken through LC-9 to commissioning on
/// Tuesday 27 May 2025.
fn commissioned() -> String {
    let r = register(&object_submission(), "2025-02-03").unwrap();
    let r = to_stage(
        &r.state,
        "trial-operation",
        "2025-02-17",
        None,
        "2025-02-17",
    )
    .unwrap();
    let r = to_stage(
        &r.state,
        "is-testing",
        "2025-04-01",
        Some(act("АОЭ-12", "2025-03-31")),
        "2025-04-01",
    )
    .unwrap();
    let r = to_stage(
        &r.state,
        "implementation",
        "2025-04-21",
        Some(act("ПИ-7", "2025-04-18")),
        "2025-04-21",
    )
    .unwrap();
    let r = to_stage(
        &r.state,
        "commercial-operation",
        "2025-05-27",
        Some(act("ВПЭ-3", "2025-05-27")),
        "2025-05-27",
    )
    .unwrap();
    r.state
}

fn claim() -> Value {
    json!({
        "defect": "Заявление не подписывается ЭЦП после обновления",
        "found_on": "2026-03-18",
        "evidence": ["portal:incident/4411", "portal:doc/902"],
        "supplier_error": "The log shows the supplier's signing module rejects valid certificates",
        "operated_correctly": true,
        "no_intervention": true,
        "tor_compliant": true,
        "tor": "portal:tor/2024-118"
    })
}

// ---------------------------------------------------------------------------------------------
// The edition and its description.

#[test]
fn lc_ord_4_the_edition_is_in_force_from_1_january_2023_with_two_intakes() {
    assert_eq!(manifest_period(MANIFEST), Ok(("2023-01-01".into(), None)));
    let e = Edition {
        id: "lc-471-2023",
        version: "1.0.0",
        title: "",
        manifest: MANIFEST,
        legal_basis: "",
    };
    let m = metadata(&e);
    assert_eq!(
        (m.kind.as_str(), m.effective_from.as_str(), m.effective_to),
        ("lifecycle", "2023-01-01", None)
    );
    let shape: Vec<(&str, &str, &str, &str)> = m
        .intakes
        .iter()
        .map(|i| {
            (
                i.name.as_str(),
                i.path.as_str(),
                i.role.as_str(),
                i.rule.as_str(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (OBJECTS, "informatization-objects", "state-body", "LC-4.a"),
            (
                SOFTWARE,
                "trusted-software-inclusions",
                "supplier",
                "LC-32.a"
            )
        ]
    );
    // Every property of both forms names its rule; one-line strings are marked; nothing else is
    // accepted.
    fn walk(path: &str, node: &Value) {
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            assert_eq!(node["additionalProperties"], json!(false), "{path}");
            for (k, p) in props {
                let at = format!("{path}.{k}");
                assert!(p["x-rule"].is_string(), "{at} has no x-rule");
                if p["type"] == json!("string") {
                    assert!(p["maxLength"].is_u64(), "{at} has no maxLength");
                }
                walk(&at, p);
            }
        }
    }
    for i in &m.intakes {
        let form: Value = serde_json::from_str(&i.form).unwrap();
        walk(&i.name, &form);
    }
    let object: Value = serde_json::from_str(&m.intakes[0].form).unwrap();
    assert_eq!(object["properties"]["name_ru"]["x-line"], json!(true));
    assert!(object["properties"]["description"].get("x-line").is_none());
    let software: Value = serde_json::from_str(&m.intakes[1].form).unwrap();
    assert_eq!(
        software["x-unique"],
        json!({"properties": ["product", "version"], "rule": "LC-32.a"})
    );
}

#[test]
fn lc_12_a_lc_13_a_lc_17_b_lc_32_a_the_steps_are_the_catalogs_with_their_terms() {
    let e = Edition {
        id: "lc-471-2023",
        version: "1.0.0",
        title: "",
        manifest: MANIFEST,
        legal_basis: "",
    };
    let s = steps(&e);
    let got: Vec<(&str, &str, &str, &str, Option<u32>)> = s
        .iter()
        .map(|x| {
            (
                x.id.as_str(),
                x.role.as_str(),
                x.service.as_str(),
                x.rule.as_str(),
                x.term.as_ref().map(|t| t.count),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "register-decision",
                "authorized-body",
                "catalog",
                "LC-32.a",
                None
            ),
            (
                "provide-environment",
                "operator",
                "catalog",
                "LC-12.a",
                Some(10)
            ),
            (
                "provide-placement",
                "operator",
                "catalog",
                "LC-13.a",
                Some(10)
            ),
            ("warranty-service", "supplier", "catalog", "LC-17.b", None),
        ]
    );
    // Each refusal states its reasons.
    for step in &s {
        let with_reasons: Vec<&str> = step
            .outcomes
            .iter()
            .filter(|o| o.requires_reasons)
            .map(|o| o.name.as_str())
            .collect();
        assert_eq!(with_reasons.len(), 1, "{}", step.id);
    }
    assert!(s[0].title.contains("53/НҚ"), "{}", s[0].title);
}

// ---------------------------------------------------------------------------------------------
// LC-4: the registration.

#[test]
fn lc_4_a_registration_opens_the_slots_and_writes_the_entry_under_the_bin_and_name() {
    let r = register(&object_submission(), "2026-03-19").unwrap();
    assert_eq!(status(&r).as_deref(), Some("creation"));
    let slots: Vec<(String, String, String)> = r
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::OpenSlot(s) => Some((s.name.clone(), party_name(&s.party), s.rule.clone())),
            _ => None,
        })
        .collect();
    let party = format!("state-body:{AGENCY}");
    assert_eq!(
        slots,
        [
            ("stage".into(), party.clone(), "LC-9".into()),
            ("warranty-claims".into(), party.clone(), "LC-17.b".into()),
            (
                "environment-requests".into(),
                party.clone(),
                "LC-12.a".into()
            ),
            ("placement-requests".into(), party.clone(), "LC-13.a".into()),
            ("records".into(), party, "LC-4.b".into()),
        ]
    );
    let e = entries(&r);
    assert_eq!(e.len(), 1);
    let (registry, key, body) = &e[0];
    assert_eq!(registry, "informatization-objects");
    assert_eq!(key, &format!("{AGENCY}/{NAME}"));
    for (field, value) in [
        ("name_ru", json!(NAME)),
        ("class", json!(2)),
        ("placement", json!("platform")),
        ("platform_exception", Value::Null),
        ("stage", json!("creation")),
        ("stage_since", json!("2026-03-19")),
        ("org", json!(AGENCY)),
        ("supplier", json!(SUPPLIER)),
        ("commissioned_on", Value::Null),
        ("warranty_until", Value::Null),
        ("portal", Value::Null),
        ("operation_funding_supported", json!(false)),
        ("environment_requests", json!([])),
        ("events", json!([])),
        ("status", json!("creation")),
    ] {
        assert_eq!(body[field], value, "{field}");
    }
    assert_eq!(body["warranty_claims"]["count"], json!(0));
    assert_eq!(
        body["stages"],
        json!([{"stage": "creation", "on": "2026-03-19", "act": null, "tor": null}])
    );
}

#[test]
fn lc_4_a_the_form_is_read_strictly_and_dates_are_plausible() {
    let mut s = object_submission();
    s["colour"] = json!("red");
    s["class"] = json!("2");
    s["name_ru"] = json!("two\nlines");
    s["portal"] = json!({"record": "portal:obj/1", "documents_placed_on": "2026-03-20"});
    let v = validate_intake(OBJECTS, &s.to_string(), "2026-03-19");
    assert_eq!(
        rules(&v),
        [
            ("colour", "LC-4.a"),
            ("name_ru", "LC-4.a"),
            ("class", "LC-13.b"),
            ("portal.documents_placed_on", "LC-4.a")
        ]
    );
    assert!(v[3].message.contains("in the future"), "{}", v[3].message);
    let mut s = object_submission();
    s["portal"] = json!({"record": "portal:obj/1", "documents_placed_on": "1991-12-15"});
    let v = validate_intake(OBJECTS, &s.to_string(), "2026-03-19");
    assert!(v[0].message.contains("16.12.1991"), "{}", v[0].message);
    assert!(validate_intake(OBJECTS, &object_submission().to_string(), "2026-03-19").is_empty());
}

#[test]
fn lc_4_b_a_portal_update_is_recorded_and_lc_18_supports_operation_only_with_it() {
    let state = commissioned();
    let r = apply(&state, "records", json!({"kind": "portal-update", "record": "portal:obj/8812", "documents_placed_on": "2025-06-02"}), "2025-06-03").unwrap();
    let body = entry(&r);
    assert_eq!(body["operation_funding_supported"], json!(true));
    assert_eq!(
        body["portal"],
        json!({"record": "portal:obj/8812", "documents_placed_on": "2025-06-02"})
    );
    assert_eq!(body["events"][0]["kind"], json!("portal-update"));
    // A portal update is read strictly.
    let v = apply(
        &state,
        "records",
        json!({"kind": "portal-update", "record": "portal:obj/8812"}),
        "2025-06-03",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("documents_placed_on", "LC-4.b")]);
    let v = apply(&state, "records", json!({"kind": "portal-update", "record": "x", "documents_placed_on": "2025-06-02", "tor": "x"}), "2025-06-03").unwrap_err();
    assert_eq!(rules(&v), [("tor", "LC-4.b")]);
}

// ---------------------------------------------------------------------------------------------
// LC-9, LC-10, LC-15, LC-16.a, LC-19: the stages.

#[test]
fn lc_9_every_stage_from_creation_to_commercial_operation_with_its_acts_and_lc_16_b_the_warranty() {
    let r = register(&object_submission(), "2025-02-03").unwrap();
    let r = to_stage(
        &r.state,
        "trial-operation",
        "2025-02-17",
        None,
        "2025-02-17",
    )
    .unwrap();
    assert_eq!(status(&r).as_deref(), Some("trial-operation"));
    let r = to_stage(
        &r.state,
        "is-testing",
        "2025-04-01",
        Some(act("АОЭ-12", "2025-03-31")),
        "2025-04-01",
    )
    .unwrap();
    assert_eq!(status(&r).as_deref(), Some("is-testing"));
    let r = to_stage(
        &r.state,
        "implementation",
        "2025-04-21",
        Some(act("ПИ-7", "2025-04-18")),
        "2025-04-21",
    )
    .unwrap();
    assert_eq!(status(&r).as_deref(), Some("implementation"));
    let r = to_stage(
        &r.state,
        "commercial-operation",
        "2025-05-27",
        Some(act("ВПЭ-3", "2025-05-27")),
        "2025-05-28",
    )
    .unwrap();
    assert_eq!(status(&r).as_deref(), Some("commercial-operation"));
    let body = entry(&r);
    assert_eq!(body["commissioned_on"], json!("2025-05-27"));
    // 12 months from 27 May 2025: 27 May 2026 is Kurban Ait, so the host's calendar ends the
    // period on Thursday 28 May 2026.
    assert_eq!(body["warranty_until"], json!("2026-05-28"));
    assert_eq!(body["stage_since"], json!("2025-05-27"));
    let history: Vec<(&str, Option<&str>)> = body["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["stage"].as_str().unwrap(), s["act"]["number"].as_str()))
        .collect();
    assert_eq!(
        history,
        [
            ("creation", None),
            ("trial-operation", None),
            ("is-testing", Some("АОЭ-12")),
            ("implementation", Some("ПИ-7")),
            ("commercial-operation", Some("ВПЭ-3"))
        ]
    );
    // The warranty's end is a timer at 24:00 of its last day.
    assert_eq!(
        timers(&r),
        [("warranty-end".into(), "2026-05-29T00:00:00+05:00".into())]
    );
    let f = fired(&r.state, "warranty-end", "2026-05-29");
    assert_eq!(
        notified(&f)
            .iter()
            .map(|(p, _)| p.as_str())
            .collect::<Vec<_>>(),
        [
            format!("state-body:{AGENCY}"),
            format!("supplier:{SUPPLIER}")
        ]
    );
}

#[test]
fn lc_9_each_forbidden_jump_is_refused_with_the_stages_allowed() {
    let r = register(&object_submission(), "2025-02-03").unwrap();
    for to in [
        "is-testing",
        "implementation",
        "commercial-operation",
        "support",
        "termination",
        "creation",
    ] {
        let v = to_stage(
            &r.state,
            to,
            "2025-02-10",
            Some(act("1", "2025-02-10")),
            "2025-02-10",
        )
        .unwrap_err();
        assert_eq!(rules(&v), [("stage", "LC-9")], "creation -> {to}");
        assert!(
            v[0].message
                .contains("«опытная эксплуатация — trial operation» (trial-operation)"),
            "{}",
            v[0].message
        );
    }
    let r = to_stage(
        &r.state,
        "trial-operation",
        "2025-02-17",
        None,
        "2025-02-17",
    )
    .unwrap();
    // Leaving trial operation needs the certificate of its completion (LC-9 sp.2)).
    let v = to_stage(&r.state, "is-testing", "2025-04-01", None, "2025-04-01").unwrap_err();
    assert_eq!(rules(&v), [("act", "LC-9")]);
    assert!(
        v[0].message
            .contains("акта о завершении опытной эксплуатации"),
        "{}",
        v[0].message
    );
    let v = to_stage(
        &r.state,
        "implementation",
        "2025-04-01",
        Some(act("1", "2025-04-01")),
        "2025-04-01",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("stage", "LC-9")]);
    let r = to_stage(
        &r.state,
        "is-testing",
        "2025-04-01",
        Some(act("АОЭ-12", "2025-03-31")),
        "2025-04-01",
    )
    .unwrap();
    // Entering implementation needs the IS-testing protocol (LC-9 sp.3)).
    let v = to_stage(&r.state, "implementation", "2025-04-21", None, "2025-04-21").unwrap_err();
    assert_eq!(rules(&v), [("act", "LC-9")]);
    let r = to_stage(
        &r.state,
        "implementation",
        "2025-04-21",
        Some(act("ПИ-7", "2025-04-18")),
        "2025-04-21",
    )
    .unwrap();
    // Commissioning needs its act (LC-15, Art. 40 of the Law).
    let v = to_stage(
        &r.state,
        "commercial-operation",
        "2025-05-27",
        None,
        "2025-05-27",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("act", "LC-15")]);
    // From commercial operation: development, support, termination; not back to trial operation.
    let state = commissioned();
    let v = to_stage(&state, "trial-operation", "2025-06-02", None, "2025-06-02").unwrap_err();
    assert_eq!(rules(&v), [("stage", "LC-9")]);
    for allowed in ["development", "support", "termination"] {
        assert!(
            v[0].message.contains(&format!("({allowed})")),
            "{}",
            v[0].message
        );
    }
    let v = to_stage(
        &state,
        "commercial-operation",
        "2025-06-02",
        Some(act("1", "2025-06-02")),
        "2025-06-02",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("stage", "LC-9")]);
}

#[test]
fn lc_9_a_stage_is_not_dated_in_the_future_nor_before_the_previous_one() {
    let r = register(&object_submission(), "2025-02-03").unwrap();
    let v = to_stage(
        &r.state,
        "trial-operation",
        "2025-02-18",
        None,
        "2025-02-17",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("on", "LC-9")]);
    assert!(v[0].message.contains("in the future"), "{}", v[0].message);
    let v = to_stage(
        &r.state,
        "trial-operation",
        "2025-01-31",
        None,
        "2025-02-17",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("on", "LC-9")]);
    assert!(v[0].message.contains("2025-02-03"), "{}", v[0].message);
    let r = to_stage(
        &r.state,
        "trial-operation",
        "2025-02-17",
        None,
        "2025-02-17",
    )
    .unwrap();
    // The act closing trial operation is dated within it.
    let v = to_stage(
        &r.state,
        "is-testing",
        "2025-04-01",
        Some(act("АОЭ-12", "2025-02-14")),
        "2025-04-01",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("act.date", "LC-9")]);
    let v = to_stage(
        &r.state,
        "is-testing",
        "2025-04-01",
        Some(act("АОЭ-12", "2025-04-02")),
        "2025-04-02",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("act.date", "LC-9")]);
}

#[test]
fn lc_9_a_stage_report_is_read_strictly() {
    let r = register(&object_submission(), "2025-02-03").unwrap();
    let v = apply(
        &r.state,
        "stage",
        json!({"stage": "trial-operation", "on": 20250217, "when": "now"}),
        "2025-02-17",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("when", "LC-9"), ("on", "LC-9")]);
    let v = apply(
        &r.state,
        "stage",
        json!({"stage": "trial-operation"}),
        "2025-02-17",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("on", "LC-9")]);
    let v = apply(&r.state, "stage", json!(["trial-operation"]), "2025-02-17").unwrap_err();
    assert_eq!(rules(&v), [("", "LC-9")]);
    let v = apply(
        &r.state,
        "stage",
        json!({"stage": "pilot", "on": "2025-02-17"}),
        "2025-02-17",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("stage", "LC-9")]);
    let v = apply(&r.state, "nowhere", json!({}), "2025-02-17").unwrap_err();
    assert_eq!(rules(&v), [("slot", "")]);
}

#[test]
fn lc_10_a_development_before_commissioning_is_refused() {
    let r = register(&object_submission(), "2025-02-03").unwrap();
    let v = apply(
        &r.state,
        "stage",
        json!({"stage": "development", "on": "2025-02-10", "tor": "portal:tor/1"}),
        "2025-02-10",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("stage", "LC-10.a")]);
    assert!(
        v[0].message
            .contains("после его ввода в промышленную эксплуатацию"),
        "{}",
        v[0].message
    );
    let r = to_stage(
        &r.state,
        "trial-operation",
        "2025-02-17",
        None,
        "2025-02-17",
    )
    .unwrap();
    let v = apply(
        &r.state,
        "stage",
        json!({"stage": "development", "on": "2025-02-18", "tor": "portal:tor/1"}),
        "2025-02-18",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("stage", "LC-10.a")]);
}

#[test]
fn lc_10_a_development_after_commissioning_rests_on_a_tor_goes_through_lc_9_again_and_restarts_the_warranty()
 {
    let state = commissioned();
    // LC-8: development is carried out on the basis of terms of reference.
    let v = to_stage(&state, "development", "2025-09-01", None, "2025-09-02").unwrap_err();
    assert_eq!(rules(&v), [("tor", "LC-8")]);
    let r = apply(&state, "stage", json!({"stage": "development", "on": "2025-09-02", "tor": "portal:tor/2025-77", "supplier": OTHER}), "2025-09-02").unwrap();
    assert_eq!(status(&r).as_deref(), Some("development"));
    // The warranty of the first commissioning stays the first supplier's until the developed
    // object is commissioned.
    let body = entry(&r);
    assert_eq!(
        (
            body["supplier"].clone(),
            body["development_supplier"].clone()
        ),
        (json!(SUPPLIER), json!(OTHER))
    );
    let c = apply(&r.state, "warranty-claims", json!({"defect": "d", "found_on": "2025-09-02", "evidence": ["e"], "supplier_error": "s", "operated_correctly": true, "no_intervention": true, "tor_compliant": true, "tor": "t"}), "2025-09-03").unwrap();
    assert_eq!(
        opened(&c)[0].1.as_deref(),
        Some(format!("supplier:{SUPPLIER}").as_str())
    );
    // The developed object goes through LC-9 again: not straight back into operation.
    let v = to_stage(
        &r.state,
        "commercial-operation",
        "2025-10-01",
        Some(act("1", "2025-10-01")),
        "2025-10-01",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("stage", "LC-9")]);
    let r = to_stage(
        &r.state,
        "trial-operation",
        "2025-10-01",
        None,
        "2025-10-01",
    )
    .unwrap();
    let r = to_stage(
        &r.state,
        "is-testing",
        "2025-11-03",
        Some(act("АОЭ-40", "2025-10-31")),
        "2025-11-03",
    )
    .unwrap();
    let r = to_stage(
        &r.state,
        "implementation",
        "2025-12-01",
        Some(act("ПИ-19", "2025-11-28")),
        "2025-12-01",
    )
    .unwrap();
    let r = to_stage(
        &r.state,
        "commercial-operation",
        "2025-12-26",
        Some(act("ВПЭ-9", "2025-12-26")),
        "2025-12-26",
    )
    .unwrap();
    let body = entry(&r);
    // The latest commissioning starts the warranty anew: Saturday 26 December 2026 rolls to
    // Monday 28 December.
    assert_eq!(body["commissioned_on"], json!("2025-12-26"));
    assert_eq!(body["warranty_until"], json!("2026-12-28"));
    assert_eq!(
        (
            body["supplier"].clone(),
            body["development_supplier"].clone()
        ),
        (json!(OTHER), Value::Null)
    );
    assert_eq!(body["stages"].as_array().unwrap().len(), 10);
    assert_eq!(body["stages"][5]["tor"], json!("portal:tor/2025-77"));
}

#[test]
fn lc_10_c_a_refinement_is_recorded_without_a_tor_and_without_a_change_of_stage() {
    let state = commissioned();
    let r = apply(&state, "stage", json!({"refinement": "integration", "on": "2025-07-01", "note": "Интеграция с ИС «Е-нотариат»"}), "2025-07-02").unwrap();
    assert_eq!(status(&r), None);
    let body = entry(&r);
    assert_eq!(body["stage"], json!("commercial-operation"));
    assert_eq!(body["events"][0]["kind"], json!("refinement"));
    assert_eq!(body["events"][0]["rule"], json!("LC-10.c"));
    let v = apply(&state, "stage", json!({"refinement": "integration", "on": "2025-07-01", "note": "x", "tor": "portal:tor/1"}), "2025-07-02").unwrap_err();
    assert_eq!(rules(&v), [("tor", "LC-10.c")]);
    let v = apply(
        &state,
        "stage",
        json!({"refinement": "rewrite", "on": "2025-07-01", "note": "x"}),
        "2025-07-02",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("refinement", "LC-10.c")]);
}

#[test]
fn lc_16_a_support_then_development_or_termination() {
    let state = commissioned();
    let r = to_stage(&state, "support", "2025-06-02", None, "2025-06-02").unwrap();
    assert_eq!(status(&r).as_deref(), Some("support"));
    let v = to_stage(
        &r.state,
        "commercial-operation",
        "2025-06-03",
        Some(act("1", "2025-06-03")),
        "2025-06-03",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("stage", "LC-9")]);
    let d = apply(
        &r.state,
        "stage",
        json!({"stage": "development", "on": "2025-07-01", "tor": "portal:tor/9"}),
        "2025-07-01",
    )
    .unwrap();
    assert_eq!(status(&d).as_deref(), Some("development"));
    let t = to_stage(&r.state, "termination", "2025-07-01", None, "2025-07-01").unwrap();
    assert_eq!(status(&t).as_deref(), Some("termination"));
}

#[test]
fn lc_19_termination_is_final() {
    let state = commissioned();
    let r = to_stage(&state, "termination", "2025-08-01", None, "2025-08-01").unwrap();
    let body = entry(&r);
    assert_eq!(
        (body["stage"].clone(), body["status"].clone()),
        (json!("termination"), json!("termination"))
    );
    for to in [
        "commercial-operation",
        "development",
        "trial-operation",
        "termination",
    ] {
        let v = apply(
            &r.state,
            "stage",
            json!({"stage": to, "on": "2025-08-04", "tor": "t", "act": act("1", "2025-08-04")}),
            "2025-08-04",
        )
        .unwrap_err();
        assert_eq!(rules(&v), [("stage", "LC-19")], "termination -> {to}");
    }
    let v = apply(
        &r.state,
        "stage",
        json!({"refinement": "integration", "on": "2025-08-04", "note": "x"}),
        "2025-08-04",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("refinement", "LC-19")]);
    let v = apply(&r.state, "environment-requests", json!({"environments": ["trial-operation"], "agreement": {"number": "1", "concluded_on": "2025-08-01"}}), "2025-08-04").unwrap_err();
    assert_eq!(rules(&v), [("", "LC-19")]);
}

#[test]
fn lc_15_an_existing_object_is_registered_in_its_stage_with_its_commissioning() {
    let mut s = object_submission();
    s["origin"] = json!("existing");
    s["stage"] = json!("commercial-operation");
    let v = validate_intake(OBJECTS, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("commissioned_on", "LC-15")]);
    s["commissioned_on"] = json!("2025-12-26");
    let r = register(&s, "2026-03-19").unwrap();
    assert_eq!(status(&r).as_deref(), Some("commercial-operation"));
    let body = entry(&r);
    assert_eq!(
        (
            body["commissioned_on"].clone(),
            body["warranty_until"].clone(),
            body["stage_since"].clone()
        ),
        (
            json!("2025-12-26"),
            json!("2026-12-28"),
            json!("2025-12-26")
        )
    );
    // A created object starts at creation; a donated one too (LC-24).
    let mut s = object_submission();
    s["stage"] = json!("commercial-operation");
    let v = validate_intake(OBJECTS, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("stage", "LC-9")]);
}

// ---------------------------------------------------------------------------------------------
// LC-16.b, LC-17: warranty.

#[test]
fn lc_17_b_a_claim_meeting_the_five_conditions_opens_the_suppliers_task_and_the_agreed_limit() {
    let state = commissioned();
    // Thursday 19 March 2026; the agreed limit is 10 working days: Tuesday 7 April 2026.
    let r = apply(&state, "warranty-claims", claim(), "2026-03-19").unwrap();
    assert_eq!(
        opened(&r),
        [(
            "warranty-service".into(),
            Some(format!("supplier:{SUPPLIER}"))
        )]
    );
    assert_eq!(
        timers(&r),
        [("warranty-sla-1".into(), "10 working days".into())]
    );
    let body = entry(&r);
    assert_eq!(body["warranty_claims"]["count"], json!(1));
    assert_eq!(body["warranty_claims"]["open"], json!(1));
    assert_eq!(
        body["warranty_claims"]["claims"][0]["sla_due"],
        json!("2026-04-07")
    );
    // A second claim is the step's next round, with its own timer.
    let r2 = apply(&r.state, "warranty-claims", claim(), "2026-03-20").unwrap();
    assert_eq!(opened(&r2)[0].0, "warranty-service~2");
    assert_eq!(timers(&r2)[0].0, "warranty-sla-2");
    // The limit passes: the state body is told, the task stays open.
    let f = fired(&r2.state, "warranty-sla-1", "2026-04-08");
    assert_eq!(notified(&f)[0].0, format!("state-body:{AGENCY}"));
    assert!(notified(&f)[0].1.contains("LC-17.b"));
    assert_eq!(
        entry(&f)["warranty_claims"]["claims"][0]["sla_passed"],
        json!(true)
    );
    // The supplier eliminates the first late, declines the second with a condition disputed.
    let e = done(
        &f.state,
        "warranty-service",
        "eliminated",
        &[],
        "2026-04-09",
    );
    assert_eq!(cancelled(&e), ["warranty-sla-1"]);
    let d = done(
        &e.state,
        "warranty-service~2",
        "declined",
        &["condition 3: the module was reconfigured by the customer"],
        "2026-04-09",
    );
    let body = entry(&d);
    assert_eq!(
        (
            body["warranty_claims"]["eliminated"].clone(),
            body["warranty_claims"]["declined"].clone(),
            body["warranty_claims"]["open"].clone()
        ),
        (json!(1), json!(1), json!(0))
    );
    assert_eq!(
        body["warranty_claims"]["claims"][0]["closed_on"],
        json!("2026-04-09")
    );
}

#[test]
fn lc_16_b_a_claim_after_the_warranty_period_is_refused_with_its_end_date() {
    let state = commissioned();
    // The period ends on Thursday 28 May 2026 (12 months, Kurban Ait moved it a day).
    let mut c = claim();
    c["found_on"] = json!("2026-05-27");
    assert!(apply(&state, "warranty-claims", c.clone(), "2026-05-28").is_ok());
    let v = apply(&state, "warranty-claims", c, "2026-05-29").unwrap_err();
    assert_eq!(rules(&v), [("", "LC-16.b")]);
    assert!(
        v[0].message.contains("ended on 28.05.2026"),
        "{}",
        v[0].message
    );
    assert!(v[0].message.contains("27.05.2025"), "{}", v[0].message);
    // A failure found before the commissioning is not in the period either.
    let mut c = claim();
    c["found_on"] = json!("2025-05-26");
    let v = apply(&state, "warranty-claims", c, "2025-06-02").unwrap_err();
    assert_eq!(rules(&v), [("found_on", "LC-16.b")]);
}

#[test]
fn lc_16_b_there_is_no_warranty_before_commissioning() {
    let r = register(&object_submission(), "2025-02-03").unwrap();
    let mut c = claim();
    c["found_on"] = json!("2025-02-04");
    let v = apply(&r.state, "warranty-claims", c, "2025-02-05").unwrap_err();
    assert_eq!(rules(&v), [("", "LC-16.b")]);
    assert!(
        v[0].message.contains("has not been commissioned"),
        "{}",
        v[0].message
    );
}

#[test]
fn lc_17_b_each_failing_condition_is_refused_on_its_own() {
    let state = commissioned();
    let cases: [(&str, Value, &str); 5] = [
        (
            "evidence",
            json!([]),
            "документально подтвержденное свидетельство наличия сбоя",
        ),
        (
            "supplier_error",
            json!(" "),
            "сбой произошел из-за ошибки, допущенной поставщиком",
        ),
        (
            "operated_correctly",
            json!(false),
            "корректная эксплуатация",
        ),
        (
            "no_intervention",
            json!(false),
            "отсутствие самостоятельного вмешательства заказчика",
        ),
        (
            "tor_compliant",
            json!(false),
            "соответствие претензии заказчика требованиям технического задания",
        ),
    ];
    for (field, value, text) in &cases {
        let mut c = claim();
        c[*field] = value.clone();
        let v = apply(&state, "warranty-claims", c, "2026-03-19").unwrap_err();
        assert_eq!(rules(&v), [(*field, "LC-17.b")], "{field}");
        assert!(v[0].message.contains(text), "{}", v[0].message);
        // Left out, a condition is not met either.
        let mut c = claim();
        c.as_object_mut().unwrap().remove(*field);
        let v = apply(&state, "warranty-claims", c, "2026-03-19").unwrap_err();
        assert_eq!(rules(&v), [(*field, "LC-17.b")], "{field} missing");
    }
    // All five at once: five violations, one per condition.
    let mut c = claim();
    for (field, value, _) in &cases {
        c[*field] = value.clone();
    }
    let v = apply(&state, "warranty-claims", c, "2026-03-19").unwrap_err();
    assert_eq!(v.len(), 5);
    // A condition is a boolean, not the text "true".
    let mut c = claim();
    c["operated_correctly"] = json!("true");
    let v = apply(&state, "warranty-claims", c, "2026-03-19").unwrap_err();
    assert_eq!(rules(&v), [("operated_correctly", "LC-17.b")]);
}

#[test]
fn lc_17_b_no_supplier_recorded_no_warranty_claim() {
    let mut s = object_submission();
    s.as_object_mut().unwrap().remove("supplier");
    let r = register(&s, "2025-02-03").unwrap();
    let r = to_stage(
        &r.state,
        "trial-operation",
        "2025-02-17",
        None,
        "2025-02-17",
    )
    .unwrap();
    let r = to_stage(
        &r.state,
        "is-testing",
        "2025-04-01",
        Some(act("АОЭ-12", "2025-03-31")),
        "2025-04-01",
    )
    .unwrap();
    let r = to_stage(
        &r.state,
        "implementation",
        "2025-04-21",
        Some(act("ПИ-7", "2025-04-18")),
        "2025-04-21",
    )
    .unwrap();
    let r = to_stage(
        &r.state,
        "commercial-operation",
        "2025-05-27",
        Some(act("ВПЭ-3", "2025-05-27")),
        "2025-05-27",
    )
    .unwrap();
    let v = apply(&r.state, "warranty-claims", claim(), "2026-03-19").unwrap_err();
    assert_eq!(rules(&v), [("", "LC-17.b")]);
    // Recorded with the commissioning, it is the warranty's supplier; without an agreed time
    // limit no timer runs (AMB-LC-6: no default).
    let mut s = object_submission();
    s.as_object_mut().unwrap().remove("supplier");
    s.as_object_mut()
        .unwrap()
        .remove("warranty_sla_working_days");
    let r = register(&s, "2025-02-03").unwrap();
    let r = to_stage(
        &r.state,
        "trial-operation",
        "2025-02-17",
        None,
        "2025-02-17",
    )
    .unwrap();
    let r = to_stage(
        &r.state,
        "is-testing",
        "2025-04-01",
        Some(act("АОЭ-12", "2025-03-31")),
        "2025-04-01",
    )
    .unwrap();
    let r = to_stage(
        &r.state,
        "implementation",
        "2025-04-21",
        Some(act("ПИ-7", "2025-04-18")),
        "2025-04-21",
    )
    .unwrap();
    let r = apply(&r.state, "stage", json!({"stage": "commercial-operation", "on": "2025-05-27", "act": act("ВПЭ-3", "2025-05-27"), "supplier": SUPPLIER}), "2025-05-27").unwrap();
    let c = apply(&r.state, "warranty-claims", claim(), "2026-03-19").unwrap();
    assert_eq!(
        opened(&c)[0].1.as_deref(),
        Some(format!("supplier:{SUPPLIER}").as_str())
    );
    assert!(timers(&c).is_empty());
}

// ---------------------------------------------------------------------------------------------
// LC-12, LC-13, LC-14: environments and placement.

#[test]
fn lc_12_a_an_environment_request_without_an_agreement_is_refused() {
    let r = register(&object_submission(), "2026-03-02").unwrap();
    let v = apply(
        &r.state,
        "environment-requests",
        json!({"environments": ["development-testing"]}),
        "2026-03-19",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("agreement", "LC-12.a")]);
    assert!(v[0].message.contains("AMB-LC-4.c"), "{}", v[0].message);
    // An Agreement dated after the application is not a concluded one.
    let v = apply(&r.state, "environment-requests", json!({"environments": ["development-testing"], "agreement": {"number": "Д-15", "concluded_on": "2026-03-20"}}), "2026-03-19").unwrap_err();
    assert_eq!(rules(&v), [("agreement.concluded_on", "LC-12.a")]);
    // The environments are a non-empty list of distinct kinds.
    let v = apply(&r.state, "environment-requests", json!({"environments": ["is-trials", "is-trials"], "agreement": {"number": "Д-15", "concluded_on": "2026-01-15"}}), "2026-03-19").unwrap_err();
    assert_eq!(rules(&v), [("environments", "LC-12.a")]);
    // An object not on the platform gets no environment under p.12.
    let mut s = object_submission();
    s["placement"] = json!("ici");
    s["platform_exception"] = json!({"number": 2, "ground": "The platform has no GPU nodes"});
    let r = register(&s, "2026-03-02").unwrap();
    let v = apply(&r.state, "environment-requests", json!({"environments": ["development-testing"], "agreement": {"number": "Д-15", "concluded_on": "2026-01-15"}}), "2026-03-19").unwrap_err();
    assert_eq!(rules(&v), [("", "LC-12.a")]);
}

#[test]
fn lc_12_a_b_environments_are_due_in_10_working_days_and_free_for_3_months_from_the_agreement() {
    let r = register(&object_submission(), "2026-03-02").unwrap();
    let body = json!({"environments": ["development-testing", "trial-operation"], "agreement": {"number": "Д-15", "concluded_on": "2026-01-15"}});
    let r = apply(&r.state, "environment-requests", body, "2026-03-19").unwrap();
    assert_eq!(opened(&r), [("provide-environment".into(), None)]);
    // Free until 15 April 2026 (3 months from the Agreement): the timer is at 24:00 that day.
    assert_eq!(
        timers(&r),
        [(
            "environment-free-1".into(),
            "2026-04-16T00:00:00+05:00".into()
        )]
    );
    let e = &entry(&r)["environment_requests"][0];
    assert_eq!(
        (
            e["received_on"].clone(),
            e["due"].clone(),
            e["free_until"].clone(),
            e["status"].clone()
        ),
        (
            json!("2026-03-19"),
            json!("2026-04-07"),
            json!("2026-04-15"),
            json!("requested")
        )
    );
    let p = done(
        &r.state,
        "provide-environment",
        "provided",
        &[],
        "2026-04-03",
    );
    let e = &entry(&p)["environment_requests"][0];
    assert_eq!(
        (e["status"].clone(), e["provided_on"].clone()),
        (json!("provided"), json!("2026-04-03"))
    );
    let f = fired(&p.state, "environment-free-1", "2026-04-16");
    assert_eq!(
        entry(&f)["environment_requests"][0]["free_period_ended"],
        json!(true)
    );
    assert_eq!(
        notified(&f)
            .iter()
            .map(|(p, _)| p.as_str())
            .collect::<Vec<_>>(),
        [format!("state-body:{AGENCY}").as_str(), "operator"]
    );
    // A second application is the next round; a refusal ends its free-period timer.
    let body = json!({"environments": ["is-trials"], "agreement": {"number": "Д-16", "concluded_on": "2026-03-19"}});
    let r2 = apply(&f.state, "environment-requests", body, "2026-04-20").unwrap();
    assert_eq!(opened(&r2)[0].0, "provide-environment~2");
    let x = done(
        &r2.state,
        "provide-environment~2",
        "refused",
        &["no capacity"],
        "2026-04-21",
    );
    assert_eq!(cancelled(&x), ["environment-free-2"]);
}

#[test]
fn lc_12_b_a_free_period_ending_after_the_move_to_one_zone_ends_at_24_00_in_the_new_offset() {
    // Applied on 20 February 2024 (the engine writes +06:00 then); the free period ends after
    // 1 March 2024, when the country's offset is +05:00: the timer is at 24:00 local time of
    // its last day in that offset, not in the offset of the input that set it. (The test
    // calendar has no 2024: these terms are stated, not counted.)
    struct Stated;
    impl Calendar for Stated {
        fn term_end(&self, _: &str, _: u32, unit: Unit) -> Result<String, String> {
            Ok(match unit {
                Unit::Months => "2024-04-10",
                _ => "2024-03-05",
            }
            .into())
        }
    }
    let r = register(&object_submission(), "2024-02-19").unwrap();
    let body = json!({"environments": ["development-testing"], "agreement": {"number": "Д-15", "concluded_on": "2024-01-10"}});
    let input = Input::SlotInput(SlotInput {
        slot: "environment-requests".into(),
        seq: 1,
        by: party_of("state-body", AGENCY),
        digest: String::new(),
        body: Some(body.to_string()),
        at: "2024-02-20T10:00:00+06:00".into(),
    });
    let r = react(&r.state, &input, &Stated).unwrap();
    assert_eq!(
        entry(&r)["environment_requests"][0]["free_until"],
        json!("2024-04-10")
    );
    assert_eq!(
        timers(&r),
        [(
            "environment-free-1".into(),
            "2024-04-11T00:00:00+05:00".into()
        )]
    );
}

#[test]
fn lc_13_b_an_object_of_class_1_is_never_placed_with_an_organization() {
    let mut s = object_submission();
    s["class"] = json!(1);
    s["placement"] = json!("organization");
    s["placement_ground"] = json!("The platform lacks capacity");
    s["platform_exception"] = json!({"number": 2, "ground": "Economically inexpedient"});
    let v = validate_intake(OBJECTS, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("placement", "LC-13.b")]);
    assert!(
        v[0].message.contains("к первому классу размещаются только"),
        "{}",
        v[0].message
    );
    // Class 2 may be, with the ground why the platform and the e-gov ICI cannot take it.
    s["class"] = json!(2);
    assert!(validate_intake(OBJECTS, &s.to_string(), "2026-03-19").is_empty());
    s.as_object_mut().unwrap().remove("placement_ground");
    let v = validate_intake(OBJECTS, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("placement_ground", "LC-13.b")]);
    // The same checks on a change of placement of a registered class-1 object.
    let mut s = object_submission();
    s["class"] = json!(1);
    let r = register(&s, "2026-03-02").unwrap();
    let v = apply(&r.state, "placement-requests", json!({"placement": "organization", "placement_ground": "x", "platform_exception": {"number": 2, "ground": "y"}}), "2026-03-19").unwrap_err();
    assert_eq!(rules(&v), [("placement", "LC-13.b")]);
    let ok = apply(
        &r.state,
        "placement-requests",
        json!({"placement": "ici", "platform_exception": {"number": 2, "ground": "y"}}),
        "2026-03-19",
    )
    .unwrap();
    let body = entry(&ok);
    assert_eq!(body["placement"], json!("ici"));
    assert_eq!(body["events"][0]["kind"], json!("placement-change"));
    assert!(opened(&ok).is_empty());
}

#[test]
fn lc_14_an_exception_is_required_off_the_platform_and_refused_on_it() {
    let mut s = object_submission();
    s["placement"] = json!("ici");
    let v = validate_intake(OBJECTS, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("platform_exception", "LC-14")]);
    let mut s = object_submission();
    s["platform_exception"] = json!({"number": 2, "ground": "x"});
    let v = validate_intake(OBJECTS, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("platform_exception", "LC-14")]);
    // Exception 3 names the Register entry; only it does.
    let mut s = object_submission();
    s["placement"] = json!("ici");
    s["platform_exception"] =
        json!({"number": 3, "ground": "A similar product is in the Register"});
    let v = validate_intake(OBJECTS, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("platform_exception.register_entry", "LC-14")]);
    s["platform_exception"]["register_entry"] = json!("trusted-software:Е-Лицензия 2.1");
    assert!(validate_intake(OBJECTS, &s.to_string(), "2026-03-19").is_empty());
    s["platform_exception"]["number"] = json!(2);
    let v = validate_intake(OBJECTS, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("platform_exception.register_entry", "LC-14")]);
    // Exception 1 is the development of an object created outside the platform: not a creation.
    let mut s = object_submission();
    s["placement"] = json!("ici");
    s["platform_exception"] =
        json!({"number": 1, "ground": "Created outside the platform in 2015"});
    let v = validate_intake(OBJECTS, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("platform_exception.number", "LC-14")]);
    s["origin"] = json!("existing");
    s["stage"] = json!("commercial-operation");
    s["commissioned_on"] = json!("2016-05-10");
    assert!(validate_intake(OBJECTS, &s.to_string(), "2026-03-19").is_empty());
}

#[test]
fn lc_13_a_a_placement_request_opens_the_operators_task_for_10_working_days() {
    let r = register(&object_submission(), "2026-03-02").unwrap();
    let r = apply(
        &r.state,
        "placement-requests",
        json!({"services": ["technological-platform", "ici"], "note": "Production tenancy"}),
        "2026-03-19",
    )
    .unwrap();
    assert_eq!(opened(&r), [("provide-placement".into(), None)]);
    let p = &entry(&r)["placement_requests"][0];
    assert_eq!(
        (p["due"].clone(), p["status"].clone()),
        (json!("2026-04-07"), json!("requested"))
    );
    let d = done(&r.state, "provide-placement", "provided", &[], "2026-04-06");
    assert_eq!(
        entry(&d)["placement_requests"][0]["provided_on"],
        json!("2026-04-06")
    );
    let v = apply(
        &r.state,
        "placement-requests",
        json!({"note": "x"}),
        "2026-03-19",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("services", "LC-13.a")]);
    let v = apply(
        &r.state,
        "placement-requests",
        json!({"services": ["cloud"]}),
        "2026-03-19",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("services", "LC-13.a")]);
}

// ---------------------------------------------------------------------------------------------
// LC-11, LC-23, LC-24: records and acquisition.

#[test]
fn lc_11_a_source_code_transfer_is_recorded_with_whether_lc_11_required_it() {
    let state = commissioned();
    let r = apply(&state, "records", json!({"kind": "source-code-transfer", "supplier": SUPPLIER, "transferred_on": "2025-06-10", "reference": "git:egov/e-licensing@v1.0"}), "2025-06-11").unwrap();
    let ev = &entry(&r)["events"][0];
    assert_eq!(
        (ev["kind"].clone(), ev["required_by_lc_11"].clone()),
        (json!("source-code-transfer"), json!(true))
    );
    let v = apply(&state, "records", json!({"kind": "source-code-transfer", "supplier": "990140000385", "transferred_on": "2025-06-10", "reference": "x"}), "2025-06-11").unwrap_err();
    assert_eq!(rules(&v), [("supplier", "LC-11")]);
}

fn conclusion() -> Value {
    json!({
        "number": "ЗУО-44", "date": "2026-02-10",
        "economic_expediency": "Operation costs 12 mln tenge a year, within the budget programme",
        "purpose_and_use": "Used by the licensing department for all permits",
        "si_assessment": {"architecture": true, "requirements": true, "no_similar_in_register": true}
    })
}

#[test]
fn lc_23_a_b_an_acquired_object_needs_the_conclusion_with_every_indicator() {
    let mut s = object_submission();
    s["origin"] = json!("donation");
    let v = validate_intake(OBJECTS, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("ab_conclusion", "LC-23.a")]);
    s["ab_conclusion"] = conclusion();
    assert!(validate_intake(OBJECTS, &s.to_string(), "2026-03-19").is_empty());
    // The service integrator's assessment must confirm all three points.
    s["ab_conclusion"]["si_assessment"]["no_similar_in_register"] = json!(false);
    let v = validate_intake(OBJECTS, &s.to_string(), "2026-03-19");
    assert_eq!(
        rules(&v),
        [(
            "ab_conclusion.si_assessment.no_similar_in_register",
            "LC-23.b"
        )]
    );
    assert!(
        v[0].message
            .contains("отсутствие наличия аналогичного программного обеспечения в Реестре"),
        "{}",
        v[0].message
    );
    // Every indicator is present.
    s["ab_conclusion"] = conclusion();
    s["ab_conclusion"]
        .as_object_mut()
        .unwrap()
        .remove("economic_expediency");
    s["ab_conclusion"]["si_assessment"]
        .as_object_mut()
        .unwrap()
        .remove("architecture");
    let v = validate_intake(OBJECTS, &s.to_string(), "2026-03-19");
    assert_eq!(
        rules(&v),
        [
            ("ab_conclusion.economic_expediency", "LC-23.b"),
            ("ab_conclusion.si_assessment.architecture", "LC-23.b")
        ]
    );
    // A created object has no conclusion of LC-23.
    let mut s = object_submission();
    s["ab_conclusion"] = conclusion();
    let v = validate_intake(OBJECTS, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("ab_conclusion", "LC-23.a")]);
}

#[test]
fn lc_24_a_donated_object_passes_trial_operation_and_commissioning() {
    let mut s = object_submission();
    s["origin"] = json!("donation");
    s["ab_conclusion"] = conclusion();
    s["stage"] = json!("commercial-operation");
    let v = validate_intake(OBJECTS, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("stage", "LC-24")]);
    s.as_object_mut().unwrap().remove("stage");
    let r = register(&s, "2026-03-19").unwrap();
    assert_eq!(status(&r).as_deref(), Some("creation"));
    assert_eq!(entry(&r)["requires_trial_operation"], json!(true));
    // Donated later, an object in operation goes through trial operation and commissioning
    // again before anything else.
    let state = commissioned();
    let mut c = conclusion();
    c["date"] = json!("2025-06-02");
    let r = apply(
        &state,
        "records",
        json!({"kind": "donation", "acquired_on": "2025-06-05", "ab_conclusion": c}),
        "2025-06-05",
    )
    .unwrap();
    assert_eq!(entry(&r)["requires_trial_operation"], json!(true));
    let v = apply(
        &r.state,
        "stage",
        json!({"stage": "development", "on": "2025-06-10", "tor": "portal:tor/5"}),
        "2025-06-10",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("stage", "LC-24")]);
    let t = to_stage(
        &r.state,
        "trial-operation",
        "2025-06-10",
        None,
        "2025-06-10",
    )
    .unwrap();
    let t = to_stage(
        &t.state,
        "is-testing",
        "2025-07-01",
        Some(act("АОЭ-2", "2025-06-30")),
        "2025-07-01",
    )
    .unwrap();
    let t = to_stage(
        &t.state,
        "implementation",
        "2025-08-01",
        Some(act("ПИ-2", "2025-07-31")),
        "2025-08-01",
    )
    .unwrap();
    let t = to_stage(
        &t.state,
        "commercial-operation",
        "2025-09-02",
        Some(act("ВПЭ-2", "2025-09-02")),
        "2025-09-02",
    )
    .unwrap();
    assert_eq!(entry(&t)["requires_trial_operation"], json!(false));
    // The conclusion comes first: rights acquired before it are refused.
    let v = apply(
        &state,
        "records",
        json!({"kind": "inheritance", "acquired_on": "2025-06-01", "ab_conclusion": c}),
        "2025-06-05",
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("acquired_on", "LC-23.a")]);
}

// ---------------------------------------------------------------------------------------------
// LC-22, LC-32, LC-37, LC-38: the Register of trusted software.

fn application(ground: &str) -> Value {
    json!({"product": "Е-Лицензия", "version": "2.1", "description": "Licensing workflow\nand registers",
           "supplier": SUPPLIER, "ground": ground})
}

fn apply_for(s: &Value, org: &str, day: &str) -> Result<Reaction, Vec<Violation>> {
    react("null", &submitted(SOFTWARE, s, "supplier", org, day), &Kz)
}

#[test]
fn lc_37_a_legacy_product_is_included_at_once_and_the_cut_off_is_1_january_2023() {
    let mut s = application("legacy");
    s["commissioned_on"] = json!("2022-12-30");
    let r = apply_for(&s, SUPPLIER, "2026-03-19").unwrap();
    assert_eq!(status(&r).as_deref(), Some("included"));
    assert!(opened(&r).is_empty());
    let e = entries(&r);
    assert_eq!(
        (e[0].0.as_str(), e[0].1.as_str()),
        ("trusted-software", "Е-Лицензия 2.1")
    );
    for (field, value) in [
        ("product", json!("Е-Лицензия")),
        ("version", json!("2.1")),
        ("supplier", json!(SUPPLIER)),
        ("ground", json!("legacy")),
        ("rule", json!("LC-37")),
        ("status", json!("included")),
        ("included_on", json!("2026-03-19")),
    ] {
        assert_eq!(e[0].2[field], value, "{field}");
    }
    s["commissioned_on"] = json!("2023-01-01");
    let v = validate_intake(SOFTWARE, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("commissioned_on", "LC-37")]);
    assert!(
        v[0].message.contains("not before 01.01.2023"),
        "{}",
        v[0].message
    );
    s.as_object_mut().unwrap().remove("commissioned_on");
    let v = validate_intake(SOFTWARE, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("commissioned_on", "LC-37")]);
}

#[test]
fn lc_38_a_developed_product_needs_testing_trials_and_commissioning_in_that_order() {
    let mut s = application("developed");
    let v = validate_intake(SOFTWARE, &s.to_string(), "2026-03-19");
    assert_eq!(
        rules(&v),
        [
            ("testing", "LC-38"),
            ("trials", "LC-38"),
            ("commissioning", "LC-38")
        ]
    );
    s["testing"] = act("ПТ-1", "2023-03-01");
    s["trials"] = act("АИ-1", "2023-02-01");
    s["commissioning"] = act("ВПЭ-1", "2023-04-03");
    let v = validate_intake(SOFTWARE, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("trials.date", "LC-38")]);
    s["trials"] = act("АИ-1", "2023-03-15");
    assert!(validate_intake(SOFTWARE, &s.to_string(), "2026-03-19").is_empty());
    // Commissioned before 2023 it is legacy, not developed.
    s["testing"] = act("ПТ-1", "2022-10-01");
    s["trials"] = act("АИ-1", "2022-11-01");
    s["commissioning"] = act("ВПЭ-1", "2022-12-01");
    let v = validate_intake(SOFTWARE, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("commissioning.date", "LC-38")]);
    // The acts belong to this ground only.
    let mut s = application("legacy");
    s["commissioned_on"] = json!("2022-12-30");
    s["testing"] = act("ПТ-1", "2022-10-01");
    let v = validate_intake(SOFTWARE, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("testing", "LC-38")]);
}

#[test]
fn lc_32_a_the_supplier_applies_for_its_own_software_and_the_authorized_body_decides() {
    let mut s = application("tender-winner");
    let v = validate_intake(SOFTWARE, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("tender", "LC-32.a")]);
    s["tender"] = json!("goszakup:2025-118734");
    let v = apply_for(&s, OTHER, "2026-03-19").unwrap_err();
    assert_eq!(rules(&v), [("supplier", "LC-32.a")]);
    let r = apply_for(&s, SUPPLIER, "2026-03-19").unwrap();
    assert_eq!(opened(&r), [("register-decision".into(), None)]);
    assert_eq!(status(&r).as_deref(), Some("under-review"));
    assert!(entries(&r).is_empty());
    let i = done(&r.state, "register-decision", "include", &[], "2026-04-02");
    assert_eq!(status(&i).as_deref(), Some("included"));
    let e = entry(&i);
    assert_eq!(
        (e["rule"].clone(), e["included_on"].clone()),
        (json!("LC-32.a"), json!("2026-04-02"))
    );
    assert_eq!(e["basis"]["tender"], json!("goszakup:2025-118734"));
    let x = done(
        &r.state,
        "register-decision",
        "refuse",
        &["not trusted"],
        "2026-04-02",
    );
    assert_eq!(status(&x).as_deref(), Some("refused"));
    assert!(entries(&x).is_empty());
    assert_eq!(notified(&x)[0].0, format!("supplier:{SUPPLIER}"));
}

#[test]
fn lc_22_a_potential_supplier_applies_on_an_approved_target_business_process_model() {
    let mut s = application("potential-supplier");
    let v = validate_intake(SOFTWARE, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("business_process_model", "LC-22")]);
    s["business_process_model"] = json!("portal:tbpm/mvd-17");
    s["tender"] = json!("goszakup:1");
    let v = validate_intake(SOFTWARE, &s.to_string(), "2026-03-19");
    assert_eq!(rules(&v), [("tender", "LC-32.a")]);
    s.as_object_mut().unwrap().remove("tender");
    let r = apply_for(&s, SUPPLIER, "2026-03-19").unwrap();
    assert_eq!(opened(&r)[0].0, "register-decision");
}
