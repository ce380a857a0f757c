//! The rules on the host target. The host's calendar is replaced by [`Kz`], built from the host's
//! own data file (`crates/kernel/data/kz-calendar.toml`, the years it publishes) and counted as
//! the kernel counts, so the terms are real: e.g. 15 working days from Thursday 19 March 2026
//! end on Tuesday 14 April 2026 (21-25 March are off for Nauryz and the weekend), and 15 from
//! Friday 3 June 2022 on Friday 24 June 2022.

use std::collections::BTreeSet;

use super::*;
use egov_plugin_sdk::date::{civil, offset_on, ordinal};
use serde_json::{Value, json};

const E2022: Edition = Edition {
    id: "tender-2022",
    version: "1.0.0",
    title: "",
    manifest: include_str!("../../tender-2022/manifest.toml"),
    legal_basis: "",
    rules: Rules::ServiceModel,
};

const E2023: Edition = Edition {
    id: "tender-2023",
    version: "1.0.0",
    title: "",
    manifest: include_str!("../../tender-2023/manifest.toml"),
    legal_basis: "",
    rules: Rules::LifeCycle,
};

/// The host's calendar data (crates/kernel), the source of [`Kz`].
const HOST_CALENDAR: &str = include_str!("../../../crates/kernel/data/kz-calendar.toml");

/// The customer (a state body), the service integrator, the operator, three suppliers: valid BINs.
const CUSTOMER: &str = "940740000911";
const SI: &str = "000740001307";
const OPERATOR: &str = "181140002225";
const S1: &str = "990140000384";
const S2: &str = "120340004562";
const S3: &str = "050840007897";

// ---------------------------------------------------------------------------------------------
// The calendar.

/// The host's calendar for the years its data file publishes, counted as the host counts
/// (kernel `Calendar::due`): working days from the day after the event. A day of another year is
/// refused, not guessed.
struct Kz {
    years: BTreeSet<String>,
    off: BTreeSet<String>,
    worked: BTreeSet<String>,
}

fn kz() -> Kz {
    let (mut years, mut off, mut worked) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let mut in_working = false;
    for line in HOST_CALENDAR.lines() {
        let line = line.trim();
        if let Some(y) = line.strip_prefix("year = ") {
            years.insert(y.trim().to_owned());
        } else if line.starts_with("off") {
            in_working = false;
        } else if line.starts_with("working") {
            in_working = true;
        }
        if let Some(d) = line
            .split_once("date = \"")
            .and_then(|(_, rest)| rest.get(..10))
        {
            if in_working {
                worked.insert(d.to_owned());
            } else {
                off.insert(d.to_owned());
            }
        }
    }
    Kz { years, off, worked }
}

impl Kz {
    fn working(&self, d: &str) -> Result<bool, String> {
        if !self.years.contains(&d[..4]) {
            return Err(format!("the host's calendar data has no year {}", &d[..4]));
        }
        let z = ordinal(d).ok_or("not a date")?;
        // 1970-01-01 was a Thursday: (z + 3) % 7 is 0 on Mondays.
        let weekday = (z + 3).rem_euclid(7) < 5;
        Ok(self.worked.contains(d) || (weekday && !self.off.contains(d)))
    }
}

impl Calendar for Kz {
    fn term_end(&self, d: &str, count: u32, unit: Unit) -> Result<String, String> {
        let mut z = ordinal(d).ok_or("not a date")?;
        match unit {
            Unit::WorkingDays => {
                let mut left = count;
                while left > 0 {
                    z += 1;
                    if self.working(&civil(z))? {
                        left -= 1;
                    }
                }
                Ok(civil(z))
            }
            _ => Err("the tender counts working days only".into()),
        }
    }
}

#[test]
fn amb_x2_the_test_calendar_is_the_hosts() {
    let kz = kz();
    assert!(kz.years.contains("2022") && kz.years.contains("2026"));
    // RULES §11's worked example: 15 working days from Thursday 19 March 2026 (21-25 March off).
    assert_eq!(
        kz.term_end("2026-03-19", 15, Unit::WorkingDays).unwrap(),
        "2026-04-14"
    );
    // 6 July 2022 (Capital Day) is off: 15 from Monday 27 June 2022 end on Tuesday 19 July.
    assert!(!kz.working("2022-07-06").unwrap());
    assert_eq!(
        kz.term_end("2022-06-27", 15, Unit::WorkingDays).unwrap(),
        "2022-07-19"
    );
    // 8 March 2024 is off: 15 from Thursday 8 February 2024 end on Thursday 29 February.
    assert_eq!(
        kz.term_end("2024-02-08", 15, Unit::WorkingDays).unwrap(),
        "2024-02-29"
    );
    assert!(kz.term_end("2031-01-05", 1, Unit::WorkingDays).is_err());
}

// ---------------------------------------------------------------------------------------------
// Inputs.

/// 10:00 local time of `day`, with the country's offset of that day.
fn at(day: &str) -> String {
    format!("{day}T10:00:00{}", offset_on(day))
}

/// `hh:mm` local time of `day`.
fn at_time(day: &str, time: &str) -> String {
    format!("{day}T{time}:00{}", offset_on(day))
}

fn si() -> Party {
    party_of("service-integrator", SI)
}

fn state_body() -> Party {
    party_of("state-body", CUSTOMER)
}

fn commission_member() -> Party {
    party_of("commission", CUSTOMER)
}

fn operator() -> Party {
    party_of("operator", OPERATOR)
}

fn done(task: &str, outcome: &str, inputs: Value, reasons: &[&str], by: Party, at: &str) -> Input {
    Input::TaskCompleted(TaskCompleted {
        task: task.into(),
        outcome: outcome.into(),
        inputs: inputs.to_string(),
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
        by,
        at: at.into(),
    })
}

fn fired(timer: &str, at: &str) -> Input {
    Input::TimerFired(TimerFired {
        timer: timer.into(),
        at: at.into(),
    })
}

fn digest(seq: u32) -> String {
    format!("{seq:0>64}")
}

/// A sealed application: its digest, no body.
fn sealed(slot: &str, seq: u32, supplier: &str, at: &str) -> Input {
    Input::SlotInput(SlotInput {
        slot: slot.into(),
        seq,
        by: party_of("supplier", supplier),
        digest: digest(seq),
        body: None,
        at: at.into(),
    })
}

fn closed(slot: &str, count: u32, at: &str) -> Input {
    Input::SlotClosed(SlotClosed {
        slot: slot.into(),
        count,
        at: at.into(),
    })
}

/// An unsealed slot: (seq, supplier, price, received day).
fn unsealed(slot: &str, apps: &[(u32, &str, &str, &str)], at: &str) -> Input {
    Input::SlotUnsealed(SlotUnsealed {
        slot: slot.into(),
        inputs: apps
            .iter()
            .map(|(seq, supplier, price, day)| SlotEntry {
                seq: *seq,
                by: party_of("supplier", supplier),
                digest: digest(*seq),
                body: json!({"price_tenge": price, "offer": "portal:doc/offer"}).to_string(),
                at: at_time(day, "11:30"),
            })
            .collect(),
        at: at.into(),
    })
}

/// The Register check's answer (2023).
fn register_answer(similar: bool, at: &str) -> Input {
    let matches = if similar {
        json!([{"entry_id": "01J0000000000000000000000A", "key": "Е-Разрешения 2.1", "title": "Е-Разрешения",
                "supplier": S3, "score": 0.82}])
    } else {
        json!([])
    };
    Input::SlotInput(SlotInput {
        slot: REGISTER_CHECK.into(),
        seq: 1,
        by: role("service-integrator"),
        digest: digest(1),
        body: Some(
            json!({"similar": similar, "matches": matches, "reading": "similar functionality by the catalog's search"})
                .to_string(),
        ),
        at: at.into(),
    })
}

fn criteria() -> Value {
    json!([{"criterion": "Цена предложения", "weight": 40},
           {"criterion": "Опыт оказания аналогичных услуг", "weight": 60}])
}

/// Scores for the two criteria of [`criteria`].
fn scores(price: u32, experience: u32) -> Value {
    json!([{"criterion": "Цена предложения", "score": price},
           {"criterion": "Опыт оказания аналогичных услуг", "score": experience}])
}

fn announcement(number: &str, agreed_on: &str) -> Value {
    json!({
        "announcement": number,
        "customer_agreement": {"date": agreed_on, "reference": "portal:doc/agreement-1"},
        "criteria": criteria(),
        "platform_reference": format!("https://eplatform.example.kz/announcements/{number}"),
        "ppp_project": false,
        "integrations": ["ГБД ЮЛ", "Платежный шлюз"]
    })
}

fn members() -> Value {
    json!([{"name": "Ахметов А.А.", "position": "Председатель"},
           {"name": "Иванова И.И.", "position": "Член комиссии"},
           {"name": "Сериков С.С.", "position": "Секретарь"}])
}

fn commission(formed_on: &str) -> Value {
    json!({"order": "12-п", "formed_on": formed_on, "members": members(), "ppp": false})
}

fn protocol(number: &str, date: &str) -> Value {
    json!({"number": number, "date": date})
}

// ---------------------------------------------------------------------------------------------
// The case.

/// A tender case fed input by input, as the engine would.
struct Case {
    e: &'static Edition,
    state: String,
}

impl Case {
    fn start(
        e: &'static Edition,
        intake: &str,
        body: &Value,
        by: Party,
        at: &str,
    ) -> (Case, Reaction) {
        let r = react(
            e,
            "null",
            &Input::Submitted(Submitted {
                intake: intake.into(),
                submission: body.to_string(),
                by,
                at: at.into(),
            }),
            &kz(),
        )
        .unwrap_or_else(|v| panic!("the start was refused: {v:?}"));
        (
            Case {
                e,
                state: r.state.clone(),
            },
            r,
        )
    }

    fn attempt(&self, input: &Input) -> Result<Reaction, Vec<Violation>> {
        react(self.e, &self.state, input, &kz())
    }

    fn go(&mut self, input: Input) -> Reaction {
        let r = self
            .attempt(&input)
            .unwrap_or_else(|v| panic!("refused: {v:#?}"));
        self.state = r.state.clone();
        r
    }

    fn refused(&self, input: Input) -> Vec<Violation> {
        match self.attempt(&input) {
            Ok(r) => panic!("accepted: {:?}", r.effects),
            Err(v) => v,
        }
    }

    fn tender(&self) -> Tender {
        serde_json::from_str(&self.state).unwrap()
    }

    fn record(&self) -> Value {
        serde_json::to_value(&self.tender().record).unwrap()
    }
}

// ---------------------------------------------------------------------------------------------
// Effects.

fn party_name(p: &Party) -> String {
    match &p.org {
        Some(o) => format!("{}:{o}", p.role),
        None => p.role.clone(),
    }
}

/// The tasks opened, with their party when given (`role:org`).
fn opened(r: &Reaction) -> Vec<(String, Option<String>)> {
    r.effects
        .iter()
        .filter_map(|e| match e {
            Effect::OpenTask(t) => Some((t.key.clone(), t.party.as_ref().map(party_name))),
            _ => None,
        })
        .collect()
}

fn opened_keys(r: &Reaction) -> Vec<String> {
    opened(r).into_iter().map(|(k, _)| k).collect()
}

fn closed_tasks(r: &Reaction) -> Vec<String> {
    r.effects
        .iter()
        .filter_map(|e| match e {
            Effect::CloseTask(t) => Some(t.key.clone()),
            _ => None,
        })
        .collect()
}

/// Who was told what: (party, subject).
fn notified(r: &Reaction) -> Vec<(String, String)> {
    r.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some((party_name(&n.party), n.subject.clone())),
            _ => None,
        })
        .collect()
}

fn told(r: &Reaction) -> Vec<String> {
    notified(r).into_iter().map(|(p, _)| p).collect()
}

/// The entries written to `registry`: (key, body).
fn entries(r: &Reaction, registry: &str) -> Vec<(String, Value)> {
    r.effects
        .iter()
        .filter_map(|e| match e {
            Effect::PutEntry(x) if x.registry == registry => {
                Some((x.key.clone(), serde_json::from_str(&x.body).unwrap()))
            }
            _ => None,
        })
        .collect()
}

/// The tender record this reaction wrote, if it wrote one.
fn written(r: &Reaction) -> Option<Value> {
    entries(r, TENDERS).pop().map(|(_, b)| b)
}

fn status(r: &Reaction) -> Option<String> {
    r.effects.iter().find_map(|e| match e {
        Effect::SetStatus(s) => Some(s.clone()),
        _ => None,
    })
}

/// The timers set: (name, at, term count).
fn timers(r: &Reaction) -> Vec<(String, Option<String>, Option<u32>)> {
    r.effects
        .iter()
        .filter_map(|e| match e {
            Effect::SetTimer(t) => Some((t.name.clone(), t.at.clone(), t.term.map(|s| s.count))),
            _ => None,
        })
        .collect()
}

/// The slots opened: (name, party, sealed, rule).
fn slots(r: &Reaction) -> Vec<(String, String, bool, String)> {
    r.effects
        .iter()
        .filter_map(|e| match e {
            Effect::OpenSlot(s) => Some((
                s.name.clone(),
                party_name(&s.party),
                s.sealed,
                s.rule.clone(),
            )),
            _ => None,
        })
        .collect()
}

fn closes_slot(r: &Reaction) -> Vec<String> {
    r.effects
        .iter()
        .filter_map(|e| match e {
            Effect::CloseSlot(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

fn unseals(r: &Reaction) -> Vec<String> {
    r.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Unseal(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

fn explained(r: &Reaction) -> Option<(Vec<String>, Value)> {
    r.effects.iter().find_map(|e| match e {
        Effect::Explain(x) => Some((
            x.reasons.clone(),
            serde_json::from_str(&x.decision).unwrap(),
        )),
        _ => None,
    })
}

fn rules(v: &[Violation]) -> Vec<(&str, &str)> {
    v.iter()
        .map(|x| (x.field.as_str(), x.rule.as_str()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The design assignment, approved in a service-model case.

fn request() -> Value {
    json!({
        "function": "Выдача разрешений на наружную рекламу\nв электронной форме",
        "legal_basis": "Rules for issuing permits, p.5-12",
        "purpose_and_tasks": "Move the intake and review of applications online",
        "scale_and_capacity": "Country level; 20 000 legal persons",
        "current_situation": "Paper applications",
        "expected_results": "Review in 5 days",
        "restricted_information": {"official_use_documents": false, "state_secrets": false},
        "technical_documentation": {"available": false},
        "information_systems": "None",
        "contacts": [{"surname": "Нурланов", "name": "Арман", "unit": "Digitalization", "position": "Head",
                      "phones": {"work": "+7 7172 74 00 00", "mobile": "+7 701 000 00 00"}, "email": "a@example.kz"}],
        "scope": {"national_bank": false}
    })
}

fn items() -> Value {
    let mut m: serde_json::Map<String, Value> = service_model::ITEMS
        .iter()
        .map(|i| (i.key.to_owned(), json!(format!("item {} text", i.number))))
        .collect();
    m["general_information"] = json!("Назначение: выдача разрешений; 16 государственных органов");
    m["ict_service_cost_ceiling"] = json!("125 000 000,00 тенге");
    m["processes_or_technical_requirements"] =
        json!("Прием заявлений, проверка, выдача разрешения");
    m["integration_requirements"] = json!("ГБД ЮЛ; платежный шлюз");
    m["supplier_selection_criteria"] =
        json!("Цена предложения — 40%, опыт оказания аналогичных услуг — 60%");
    Value::Object(m)
}

/// What the service-model variant starts the tender with when the customer approves the design
/// assignment on `day` (the request was received on 4 May of that year).
fn approved_design_assignment(day: &str) -> Value {
    use service_model as sm;
    let year = &day[..4];
    let go = |state: &str, input: Input| sm::react(state, &input).unwrap();
    let r = go(
        "null",
        Input::Submitted(Submitted {
            intake: sm::REQUEST.into(),
            submission: request().to_string(),
            by: state_body(),
            at: at(&format!("{year}-05-04")),
        }),
    );
    let criteria = json!({
        "expediency": {"met": true, "analysis": "a"},
        "feasibility": {"met": true, "analysis": "b"},
        "no_duplicates": {"met": true, "analysis": "c"}
    });
    let r = go(
        &r.state,
        done(
            "si-conclusion",
            "positive",
            criteria,
            &[],
            si(),
            &at(&format!("{year}-05-05")),
        ),
    );
    let r = go(
        &r.state,
        done(
            "ab-decision",
            "agree",
            json!({}),
            &[],
            party_of("authorized-body", SI),
            &at(&format!("{year}-05-06")),
        ),
    );
    let r = go(
        &r.state,
        done(
            "design-assignment",
            "submitted",
            items(),
            &[],
            si(),
            &at(&format!("{year}-05-20")),
        ),
    );
    let r = go(
        &r.state,
        done(
            "da-approval",
            "approved",
            json!({}),
            &[],
            state_body(),
            &at(day),
        ),
    );
    r.effects
        .iter()
        .find_map(|e| match e {
            Effect::StartCase(s) => {
                assert_eq!(
                    (s.procedure.as_str(), s.link.as_str()),
                    (KIND, DESIGN_ASSIGNMENT)
                );
                Some(serde_json::from_str(&s.submission).unwrap())
            }
            _ => None,
        })
        .expect("the approval starts the tender")
}

/// The design assignment's key in `design-assignments`.
fn da_key(year: &str) -> String {
    format!("{CUSTOMER}/{}", at(&format!("{year}-05-04")))
}

/// A 2022 tender started from the design assignment approved on `day` (the platform admits it
/// on that day, as the customer).
fn started_2022(day: &str) -> (Case, Reaction) {
    Case::start(
        &E2022,
        DESIGN_ASSIGNMENT,
        &approved_design_assignment(day),
        state_body(),
        &at_time(day, "11:00"),
    )
}

/// A 2023 tender of the intake `tender`.
fn tender_body() -> Value {
    json!({
        "title": "ИК-услуга «Электронные разрешения»",
        "description": "Выдача разрешений на наружную рекламу",
        "functionality": "Прием заявлений на разрешения, проверка, выдача разрешения, уведомления",
        "tor_case": "01J00000000000000000000TOR",
        "ceiling_cost_tenge": "125000000",
        "service_type": "software",
        "criteria": criteria(),
        "integrations": ["ГБД ЮЛ"]
    })
}

/// A 2023 tender received on `day`, the Register answering on the same day that nothing
/// similar is there.
fn started_2023(day: &str) -> Case {
    let (mut c, _) = Case::start(
        &E2023,
        TENDER,
        &tender_body(),
        state_body(),
        &at_time(day, "09:00"),
    );
    c.go(register_answer(false, &at_time(day, "09:05")));
    c
}

/// Publishes round `round`'s announcement on `day` (the customer agreed the day before).
fn publish(c: &mut Case, round: u32, day: &str) -> Reaction {
    let task = task_key("announce", round);
    let mut a = announcement(&format!("ANN-{round}"), day);
    if c.e.lc() && round == 1 && c.tender().record.tor_case.is_none() {
        a["tor_case"] = json!("01J00000000000000000000TOR");
    }
    c.go(done(&task, "published", a, &[], si(), &at(day)))
}

// ---------------------------------------------------------------------------------------------
// Metadata, intakes, steps.

#[test]
fn sm_ord_5_and_lc_ord_4_the_editions_take_their_periods_and_intakes() {
    let m = metadata(&E2022);
    assert_eq!(
        (
            m.kind.as_str(),
            m.effective_from.as_str(),
            m.effective_to.as_deref()
        ),
        (KIND, "2022-04-10", Some("2022-12-31"))
    );
    let m23 = metadata(&E2023);
    assert_eq!(
        (m23.effective_from.as_str(), m23.effective_to.as_deref()),
        ("2023-01-01", None)
    );
    let shape = |m: &Metadata| {
        m.intakes
            .iter()
            .map(|i| {
                (
                    i.name.clone(),
                    i.path.clone(),
                    i.role.clone(),
                    i.rule.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let da = |rule: &str| {
        (
            "design-assignment".to_owned(),
            "tender-openings".to_owned(),
            "platform-admin".to_owned(),
            rule.to_owned(),
        )
    };
    assert_eq!(shape(&m), [da("SM-42")]);
    assert_eq!(
        shape(&m23),
        [
            da("LC-28"),
            (
                "tender".into(),
                "ict-service-tenders".into(),
                "state-body".into(),
                "LC-28".into()
            )
        ]
    );
    // LC-28: the tender's TOR is an agreed terms of reference of the customer's own.
    let form: Value = serde_json::from_str(&m23.intakes[1].form).unwrap();
    assert_eq!(
        form["properties"]["tor_case"]["x-case"],
        json!({"kind": "terms-of-reference", "status": ["agreed"]})
    );
    // The design assignment's form has the fourteen items of SM-19.
    let form: Value = serde_json::from_str(&m.intakes[0].form).unwrap();
    let items = form["properties"]["design_assignment"]["properties"]
        .as_object()
        .unwrap();
    assert_eq!(items.len(), 14);
    assert!(
        items["supplier_selection_criteria"]["description"]
            .as_str()
            .unwrap()
            .contains("критерии отбора поставщика")
    );
}

#[test]
fn sm_42_sm_36_a_sm_83_sm_98_a_sm_98_b_lc_26_lc_31_the_steps_with_their_rules_and_terms() {
    let s22 = steps(&E2022);
    let s23 = steps(&E2023);
    let ids = |s: &[Step]| s.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&s23), STEPS);
    assert_eq!(ids(&s22), STEPS[1..]);
    let get = |s: &[Step], id: &str| s.iter().find(|x| x.id == id).unwrap().clone();
    let term = |s: &[Step], id: &str| get(s, id).term.map(|t| t.count);
    for s in [&s22, &s23] {
        assert!(s.iter().all(|x| x.service == "tender"));
        assert_eq!(term(s, "announce"), Some(3));
        assert_eq!(term(s, "commission"), Some(15));
        assert_eq!(term(s, "convene"), Some(2));
        assert_eq!(term(s, "notify-si"), Some(3));
        assert_eq!(term(s, "notify-ab"), Some(3));
        for none in [
            "ladder",
            "evaluation",
            "creation",
            "formation",
            "testing",
            "trials",
        ] {
            assert_eq!(term(s, none), None, "{none}");
        }
        let ladder = get(s, "ladder");
        let outcomes: Vec<(String, Option<String>)> = ladder
            .outcomes
            .iter()
            .map(|o| (o.name.clone(), o.rule.clone()))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("re-announce".into(), Some("SM-53-1.a".into())),
                ("amend-and-re-tender".into(), Some("SM-53-1.b".into())),
                ("cancel".into(), Some("SM-53-1.c".into()))
            ]
        );
        // Every step with facts describes them; every title quotes the law.
        for x in s {
            assert!(x.title.contains('«') || x.title.contains(" — "), "{}", x.id);
        }
    }
    let rules_of = |s: &[Step]| {
        s.iter()
            .map(|x| (x.id.clone(), x.rule.clone()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let (r22, r23) = (rules_of(&s22), rules_of(&s23));
    assert_eq!(r22["announce"], "SM-42");
    assert_eq!(r22["creation"], "SM-73");
    assert_eq!(r22["testing"], "SM-76-1");
    assert_eq!(r22["commissioning"], "SM-87");
    assert_eq!(r23["announce"], "LC-28");
    assert_eq!(r23["register-decision"], "LC-26");
    assert_eq!(r23["creation"], "LC-31");
    assert_eq!(r23["testing"], "LC-9");
    assert_eq!(r23["trials"], "LC-9");
    assert_eq!(r23["commissioning"], "LC-9");
    // 2023 labels the steps it keeps from the service-model Rules.
    assert!(
        get(&s23, "ladder")
            .title
            .contains("kept from the service-model Rules")
    );
    assert!(!get(&s22, "ladder").title.contains("kept from"));
    // The evaluation method is stated in the step.
    assert!(
        get(&s22, "evaluation")
            .title
            .contains("Σ weight × score / 100")
    );
    // The 2023 announcement must be able to name the TOR; the 2022 one has no such field.
    let announce = |s: &[Step]| {
        serde_json::from_str::<Value>(get(s, "announce").inputs.as_deref().unwrap()).unwrap()
    };
    assert!(announce(&s23)["properties"]["tor_case"].is_object());
    assert!(announce(&s22)["properties"]["tor_case"].is_null());
}

// ---------------------------------------------------------------------------------------------
// The start.

#[test]
fn sm_42_the_design_assignment_starts_the_tender_as_the_service_model_writes_it() {
    let body = approved_design_assignment("2022-06-01");
    assert_eq!(body["design_assignment_key"], da_key("2022"));
    assert!(validate(&E2022, DESIGN_ASSIGNMENT, &body.to_string(), "2022-06-01").is_empty());
    // What intake checks beyond the schema: the customer's BIN, every item, the status, the key.
    let mut bad = body.clone();
    bad["customer"] = json!("940740000912");
    assert_eq!(
        rules(&validate(
            &E2022,
            DESIGN_ASSIGNMENT,
            &bad.to_string(),
            "2022-06-01"
        )),
        [("customer", "SM-42")]
    );
    let mut bad = body.clone();
    bad["design_assignment"]["supplier_selection_criteria"] = json!("  ");
    bad["status"] = json!("draft");
    bad["design_assignment_key"] = json!(format!("{S1}/x"));
    let v = validate(&E2023, DESIGN_ASSIGNMENT, &bad.to_string(), "2023-02-01");
    assert_eq!(
        rules(&v),
        [
            ("design_assignment_key", "LC-28"),
            ("status", "LC-28"),
            ("design_assignment.supplier_selection_criteria", "SM-19")
        ]
    );
    assert!(
        v[2].message.contains("критерии отбора поставщика"),
        "{}",
        v[2].message
    );
    // Approved in the future of the day of submission: refused.
    assert_eq!(
        rules(&validate(
            &E2022,
            DESIGN_ASSIGNMENT,
            &body.to_string(),
            "2022-05-31"
        )),
        [("approved_on", "SM-42")]
    );

    let (c, r) = started_2022("2022-06-01");
    assert_eq!(status(&r).as_deref(), Some("planning"));
    // SM-42: the SI's announcement, 3 working days from the approval (the step's term).
    assert_eq!(opened(&r), [("announce".into(), None)]);
    assert!(slots(&r).is_empty());
    let rec = written(&r).unwrap();
    assert_eq!(
        entries(&r, TENDERS)[0].0,
        format!("{CUSTOMER}/2022-06-01T11:00:00+06:00")
    );
    assert_eq!(rec, c.record());
    assert_eq!(rec["edition"], "tender-2022");
    assert_eq!(rec["title"], "Выдача разрешений на наружную рекламу");
    assert_eq!(
        rec["description"],
        "Назначение: выдача разрешений; 16 государственных органов"
    );
    assert_eq!(rec["customer"], CUSTOMER);
    assert_eq!(rec["status"], "planning");
    assert_eq!(rec["round"], 1);
    assert_eq!(
        rec["value"],
        json!({"amount": "125000000.00", "currency": "KZT"})
    );
    assert_eq!(rec["criteria"], json!([]));
    assert_eq!(
        rec["criteria_text"],
        "Цена предложения — 40%, опыт оказания аналогичных услуг — 60%"
    );
    assert_eq!(rec["design_assignment"], da_key("2022"));
    assert_eq!(rec["updated_at"], "2022-06-01T11:00:00+06:00");
    for null in [
        "functionality",
        "procuring_entity",
        "tor_case",
        "window",
        "commission",
        "award",
        "contract",
    ] {
        assert!(rec[null].is_null(), "{null}: {rec}");
    }
    assert_eq!(rec["rounds"], json!([]));
    assert_eq!(rec["applications"], json!([]));
}

#[test]
fn lc_28_the_tender_intake_is_read_strictly() {
    assert!(validate(&E2023, TENDER, &tender_body().to_string(), "2026-03-19").is_empty());
    let mut b = tender_body();
    b["criteria"] =
        json!([{"criterion": "Цена", "weight": 40}, {"criterion": " цена ", "weight": 50}]);
    assert_eq!(
        rules(&validate(&E2023, TENDER, &b.to_string(), "2026-03-19")),
        [("criteria[1].criterion", "LC-28")]
    );
    b["criteria"] =
        json!([{"criterion": "Цена", "weight": 40}, {"criterion": "Опыт", "weight": 50}]);
    b["ceiling_cost_tenge"] = json!("125 000 000");
    b["service_type"] = json!("hosting");
    let v = validate(&E2023, TENDER, &b.to_string(), "2026-03-19");
    assert_eq!(
        rules(&v),
        [
            ("ceiling_cost_tenge", "LC-28"),
            ("service_type", "LC-25"),
            ("criteria", "LC-28")
        ]
    );
    assert!(
        v[2].message.contains("sum to 100, not 90"),
        "{}",
        v[2].message
    );
    // The 2022 edition has no such intake.
    assert_eq!(
        rules(&validate(
            &E2022,
            TENDER,
            &tender_body().to_string(),
            "2022-06-01"
        )),
        [("intake", "")]
    );
}

// ---------------------------------------------------------------------------------------------
// The whole road.

#[test]
fn sm_42_to_sm_98_b_the_whole_road_to_the_catalog_entry_with_two_applications() {
    let (mut c, _) = started_2022("2022-06-01");

    // SM-42, SM-47: published on Friday 3 June 2022; 15 working days end on Friday 24 June, at
    // 24:00 local time (+06:00 in 2022).
    let r = publish(&mut c, 1, "2022-06-03");
    assert_eq!(status(&r).as_deref(), Some("active"));
    assert_eq!(
        slots(&r),
        [(
            "applications".into(),
            "supplier".into(),
            true,
            "SM-49".into()
        )]
    );
    assert_eq!(timers(&r), [("applications".into(), None, Some(15))]);
    // SM-36.a: the customer's Commission, due by the end of acceptance.
    assert_eq!(
        opened(&r),
        [("commission".into(), Some(format!("state-body:{CUSTOMER}")))]
    );
    assert_eq!(
        notified(&r),
        [(
            format!("state-body:{CUSTOMER}"),
            "SM-47: the announcement No. ANN-1 is published; applications are accepted until 24:00 of 24.06.2022".into()
        )]
    );
    let rec = written(&r).unwrap();
    assert_eq!(rec["status"], "active");
    assert_eq!(rec["procuring_entity"], SI);
    assert_eq!(
        rec["rounds"],
        json!([{"round": 1, "announcement": "ANN-1", "published_at": "2022-06-03T10:00:00+06:00",
                "window_end": "2022-06-25T00:00:00+06:00", "received": null, "decision": null}])
    );
    assert_eq!(
        rec["window"],
        json!({"start": "2022-06-03T10:00:00+06:00", "end": "2022-06-25T00:00:00+06:00"})
    );
    assert_eq!(rec["criteria"], criteria());
    assert_eq!(rec["updated_at"], "2022-06-03T10:00:00+06:00");

    // SM-36.a: the Commission, within the window.
    let r = c.go(done(
        "commission",
        "formed",
        commission("2022-06-10"),
        &[],
        state_body(),
        &at("2022-06-10"),
    ));
    assert_eq!(
        written(&r).unwrap()["commission"],
        json!({"formed_on": "2022-06-10", "order": "12-п", "members": 3, "ppp": false})
    );
    assert_eq!(told(&r), ["service-integrator"]);

    // SM-49: sealed applications change nothing the record shows (it shows them once opened).
    for (seq, who, day) in [(1, S1, "2022-06-15"), (2, S2, "2022-06-20")] {
        let r = c.go(sealed("applications", seq, who, &at_time(day, "11:30")));
        assert!(r.effects.is_empty(), "{:?}", r.effects);
    }
    assert_eq!(c.record()["applications"], json!([]));

    // The window's timer: the slot closes; then its count; then its bodies.
    let end = "2022-06-25T00:00:00+06:00";
    let r = c.go(fired("applications", end));
    assert_eq!(closes_slot(&r), ["applications"]);
    assert!(written(&r).is_none());
    let r = c.go(closed("applications", 2, end));
    assert_eq!(unseals(&r), ["applications"]);
    let rec = written(&r).unwrap();
    assert_eq!(rec["rounds"][0]["received"], 2);
    assert_eq!(rec["applications"], json!([]));
    let r = c.go(unsealed(
        "applications",
        &[
            (1, S1, "91000000", "2022-06-15"),
            (2, S2, "98000000.00", "2022-06-20"),
        ],
        end,
    ));
    assert_eq!(status(&r).as_deref(), Some("evaluation"));
    assert_eq!(
        opened(&r),
        [("evaluation".into(), Some(format!("commission:{CUSTOMER}")))]
    );
    let rec = written(&r).unwrap();
    assert_eq!(
        rec["applications"],
        json!([
            {"round": 1, "seq": 1, "supplier": S1, "received_at": "2022-06-15T11:30:00+06:00", "digest": digest(1),
             "price": "91000000.00", "status": "pending", "score": null, "reasons": []},
            {"round": 1, "seq": 2, "supplier": S2, "received_at": "2022-06-20T11:30:00+06:00", "digest": digest(2),
             "price": "98000000.00", "status": "pending", "score": null, "reasons": []}
        ])
    );

    // The evaluation: 40 × 90 + 60 × 70 = 78.00 against 40 × 70 + 60 × 95 = 85.00.
    let evaluation = json!({
        "protocol": protocol("П-1", "2022-06-28"),
        "applications": [{"seq": 1, "admissible": true, "scores": scores(90, 70)},
                         {"seq": 2, "admissible": true, "scores": scores(70, 95)}],
        "creation_due": "2022-09-30"
    });
    let r = c.go(done(
        "evaluation",
        "award",
        evaluation,
        &[],
        commission_member(),
        &at("2022-06-28"),
    ));
    assert_eq!(status(&r).as_deref(), Some("awarded"));
    let (reasons, decision) = explained(&r).unwrap();
    assert_eq!(
        reasons,
        [
            format!(
                "1. application 2 of {S2} (received 2022-06-20T11:30:00+06:00): (40 × 70 + 60 × 95) / 100 = 85.00"
            ),
            format!(
                "2. application 1 of {S1} (received 2022-06-15T11:30:00+06:00): (40 × 90 + 60 × 70) / 100 = 78.00"
            ),
            format!("The winner: application 2 of {S2}, the highest total, 85.00"),
        ]
    );
    assert_eq!(decision["ranking"][0]["seq"], 2);
    let rec = written(&r).unwrap();
    assert_eq!(
        rec["award"],
        json!({"supplier": S2, "amount": "98000000.00", "score": "85.00", "protocol": "П-1",
               "protocol_date": "2022-06-28", "decided_at": "2022-06-28T10:00:00+06:00"})
    );
    assert_eq!(rec["applications"][0]["status"], "valid");
    assert_eq!(rec["applications"][0]["score"], "78.00");
    assert_eq!(rec["applications"][1]["score"], "85.00");
    let award = entries(&r, AWARDS);
    assert_eq!(award[0].0, format!("{CUSTOMER}/2022-06-01T11:00:00+06:00"));
    assert_eq!(award[0].1["supplier"], S2);
    assert_eq!(award[0].1["creation_due"], "2022-09-30");
    // SM-73: the winner creates; the protocol's term is a timer at 24:00 of its last day.
    assert_eq!(
        opened(&r),
        [("creation".into(), Some(format!("supplier:{S2}")))]
    );
    assert_eq!(
        timers(&r),
        [(
            "sm-73".into(),
            Some("2022-10-01T00:00:00+06:00".into()),
            None
        )]
    );
    assert_eq!(
        told(&r),
        [
            format!("supplier:{S2}"),
            format!("state-body:{CUSTOMER}"),
            "service-integrator".into()
        ]
    );

    // SM-73 (AMB-SM-11): the supplier's notification with the ICI resources; the SI tests.
    let r = c.go(done(
        "creation",
        "created",
        json!({"ici_resources": "4 vCPU, 16 GB RAM, 500 GB"}),
        &[],
        party_of("supplier", S2),
        &at("2022-09-01"),
    ));
    assert_eq!(opened_keys(&r), ["testing"]);
    assert!(matches!(&r.effects[0], Effect::CancelTimer(t) if t == "sm-73"));
    assert!(written(&r).is_none());
    // SM-76-1: both integrations named in the announcement checked and passed.
    let testing = json!({"protocol": protocol("T-1", "2022-09-05"),
                         "integration_checks": [{"service": "ГБД ЮЛ", "result": "passed"},
                                                {"service": "Платежный шлюз", "result": "passed"}]});
    let r = c.go(done(
        "testing",
        "passed",
        testing,
        &[],
        si(),
        &at("2022-09-05"),
    ));
    assert_eq!(opened_keys(&r), ["environment"]);
    assert_eq!(told(&r), ["operator"]);
    let r = c.go(done(
        "environment",
        "allocated",
        json!({}),
        &[],
        operator(),
        &at("2022-09-06"),
    ));
    assert_eq!(opened_keys(&r), ["trials"]);
    let r = c.go(done(
        "trials",
        "passed",
        json!({"object": "spp", "act": protocol("A-7", "2022-09-12")}),
        &[],
        operator(),
        &at("2022-09-12"),
    ));
    assert_eq!(opened_keys(&r), ["convene"]);
    assert_eq!(told(&r), ["service-integrator"]);
    let r = c.go(done(
        "convene",
        "convened",
        json!({}),
        &[],
        si(),
        &at("2022-09-13"),
    ));
    assert_eq!(
        opened(&r),
        [("formation".into(), Some(format!("commission:{CUSTOMER}")))]
    );
    let formation = json!({"protocol": protocol("П-2", "2022-09-15"), "service_name": "Электронные разрешения",
                           "service_type": "software", "software_product": "E-Permits 1.0",
                           "monthly_price_tenge": "1250000", "ownership_transfer_required": true});
    let r = c.go(done(
        "formation",
        "form",
        formation,
        &[],
        commission_member(),
        &at("2022-09-15"),
    ));
    assert_eq!(opened_keys(&r), ["commissioning"]);
    let commissioning = json!({"protocol": "ПЭ-3", "signed_on": "2022-09-19",
                               "technical_documentation_accepted": true, "rental_start": "2022-10-01"});
    let r = c.go(done(
        "commissioning",
        "commissioned",
        commissioning,
        &[],
        operator(),
        &at("2022-09-20"),
    ));
    assert_eq!(opened_keys(&r), ["notify-si"]);
    assert_eq!(
        written(&r).unwrap()["contract"],
        json!({"supplier": S2, "service_name": "Электронные разрешения", "protocol": "ПЭ-3",
               "signed_on": "2022-09-19", "rental_start": "2022-10-01", "monthly_price": "1250000.00"})
    );
    // SM-98.a, SM-98.b: the notifications, then the entry the catalog includes.
    let r = c.go(done(
        "notify-si",
        "notified",
        json!({}),
        &[],
        operator(),
        &at("2022-09-21"),
    ));
    assert_eq!(opened_keys(&r), ["notify-ab"]);
    assert_eq!(told(&r), ["service-integrator"]);
    let r = c.go(done(
        "notify-ab",
        "notified",
        json!({}),
        &[],
        si(),
        &at("2022-09-23"),
    ));
    assert_eq!(status(&r).as_deref(), Some("formed"));
    assert_eq!(told(&r), ["authorized-body"]);
    assert_eq!(
        entries(&r, CATALOG),
        [(
            format!("{CUSTOMER}/2022-06-01T11:00:00+06:00"),
            json!({"name": "Электронные разрешения", "service_type": "software", "origin": "sm-98",
                   "supplier": S2, "customer": CUSTOMER, "software_product": "E-Permits 1.0",
                   "monthly_price_tenge": "1250000.00", "rental_start": "2022-10-01",
                   "ownership_transfer_required": true, "commissioning_protocol": "ПЭ-3",
                   "protocol_signed_on": "2022-09-19"})
        )]
    );
    let rec = written(&r).unwrap();
    assert_eq!(rec["status"], "formed");
    assert_eq!(rec["updated_at"], "2022-09-23T10:00:00+06:00");
    assert!(c.tender().open.is_empty());
}

/// Round `round`'s window closes at 24:00 of `last_day` with `count` applications.
fn close_window(c: &mut Case, round: u32, last_day: &str, count: u32) -> Reaction {
    let name = window_name(round);
    let end = date::end_of_day(last_day).unwrap();
    let r = c.go(fired(&name, &end));
    assert_eq!(closes_slot(&r), [name.as_str()]);
    c.go(closed(&name, count, &end))
}

/// A 2022 tender awarded to S2 on 28 June 2022 (two applications, S2 85.00 against 78.00).
fn awarded_2022() -> Case {
    let (mut c, _) = started_2022("2022-06-01");
    publish(&mut c, 1, "2022-06-03");
    c.go(done(
        "commission",
        "formed",
        commission("2022-06-10"),
        &[],
        state_body(),
        &at("2022-06-10"),
    ));
    close_window(&mut c, 1, "2022-06-24", 2);
    c.go(unsealed(
        "applications",
        &[
            (1, S1, "91000000", "2022-06-15"),
            (2, S2, "98000000", "2022-06-20"),
        ],
        "2022-06-25T00:00:00+06:00",
    ));
    c.go(done(
        "evaluation",
        "award",
        json!({"protocol": protocol("П-1", "2022-06-28"),
               "applications": [{"seq": 1, "admissible": true, "scores": scores(90, 70)},
                                {"seq": 2, "admissible": true, "scores": scores(70, 95)}],
               "creation_due": "2022-09-30"}),
        &[],
        commission_member(),
        &at("2022-06-28"),
    ));
    c
}

#[test]
fn sm_53_1_a_b_c_the_ladder_of_empty_rounds_ends_cancelled() {
    let (mut c, _) = started_2022("2022-06-01");
    publish(&mut c, 1, "2022-06-03");
    c.go(done(
        "commission",
        "formed",
        commission("2022-06-10"),
        &[],
        state_body(),
        &at("2022-06-10"),
    ));
    // Round 1: no application. SM-53-1.a: the Commission re-announces.
    let r = close_window(&mut c, 1, "2022-06-24", 0);
    assert!(unseals(&r).is_empty());
    assert_eq!(status(&r).as_deref(), Some("ladder"));
    assert_eq!(
        opened(&r),
        [("ladder".into(), Some(format!("commission:{CUSTOMER}")))]
    );
    assert_eq!(written(&r).unwrap()["rounds"][0]["received"], 0);
    let r = c.go(done(
        "ladder",
        "re-announce",
        json!({"protocol": protocol("П-1", "2022-06-27")}),
        &[],
        commission_member(),
        &at("2022-06-27"),
    ));
    assert_eq!(status(&r).as_deref(), Some("planning"));
    assert_eq!(opened_keys(&r), ["announce~2"]);
    assert!(explained(&r).unwrap().0[0].starts_with(
        "SM-53-1.a: «Если в течении срока действия объявления не поступило ни одной заявки"
    ));
    assert_eq!(
        told(&r),
        [
            format!("state-body:{CUSTOMER}"),
            "service-integrator".into()
        ]
    );
    let rec = written(&r).unwrap();
    assert_eq!(rec["round"], 2);
    assert!(rec["window"].is_null());
    assert_eq!(
        rec["rounds"][0]["decision"],
        json!({"outcome": "re-announce", "rule": "SM-53-1.a", "protocol": "П-1",
               "protocol_date": "2022-06-27", "decided_at": "2022-06-27T10:00:00+06:00"})
    );

    // Round 2: its own slot and timer; the Commission exists already. 6 July is off: 15
    // working days from Monday 27 June end on Tuesday 19 July.
    let r = publish(&mut c, 2, "2022-06-27");
    assert_eq!(slots(&r)[0].0, "applications-2");
    assert_eq!(timers(&r), [("applications-2".into(), None, Some(15))]);
    assert!(opened(&r).is_empty());
    assert_eq!(
        written(&r).unwrap()["rounds"][1]["window_end"],
        "2022-07-20T00:00:00+06:00"
    );
    close_window(&mut c, 2, "2022-07-19", 0);
    // SM-53-1.b: the design assignment is amended, naming the items as amended.
    let v = c.refused(done(
        "ladder~2",
        "amend-and-re-tender",
        json!({"protocol": protocol("П-2", "2022-07-21"), "amendments": "The ceiling raised"}),
        &[],
        commission_member(),
        &at("2022-07-21"),
    ));
    assert_eq!(rules(&v), [("inputs.amended_items", "SM-53-1.b")]);
    let v = c.refused(done("ladder~2", "amend-and-re-tender", json!({"protocol": protocol("П-2", "2022-07-21"), "amendments": "The ceiling raised", "amended_items": {}}), &[], commission_member(), &at("2022-07-21")));
    assert_eq!(rules(&v), [("inputs.amended_items", "SM-53-1.b")]);
    let r = c.go(done(
        "ladder~2",
        "amend-and-re-tender",
        json!({"protocol": protocol("П-2", "2022-07-21"), "amendments": "The ceiling raised; experience weighs less",
               "amended_items": {"ict_service_cost_ceiling": "150000000 тенге",
                                 "supplier_selection_criteria": "Цена — 50%, опыт — 50%"}}),
        &[],
        commission_member(),
        &at("2022-07-21"),
    ));
    assert_eq!(opened_keys(&r), ["announce~3"]);
    let rec = written(&r).unwrap();
    assert_eq!(rec["round"], 3);
    assert_eq!(rec["rounds"][1]["decision"]["rule"], "SM-53-1.b");
    assert_eq!(rec["value"]["amount"], "150000000.00");
    assert_eq!(rec["criteria_text"], "Цена — 50%, опыт — 50%");
    assert_eq!(
        c.tender().design_assignment.unwrap()["ict_service_cost_ceiling"],
        "150000000 тенге"
    );

    // Round 3: SM-53-1.c cancels the creation of the ICT service.
    let mut a = announcement("ANN-3", "2022-07-22");
    a["criteria"] = json!([{"criterion": "Цена предложения", "weight": 50}, {"criterion": "Опыт оказания аналогичных услуг", "weight": 50}]);
    let r = c.go(done(
        "announce~3",
        "published",
        a,
        &[],
        si(),
        &at("2022-07-22"),
    ));
    assert_eq!(slots(&r)[0].0, "applications-3");
    assert_eq!(written(&r).unwrap()["criteria"][0]["weight"], 50);
    close_window(
        &mut c,
        3,
        &kz().term_end("2022-07-22", 15, Unit::WorkingDays).unwrap(),
        0,
    );
    let r = c.go(done(
        "ladder~3",
        "cancel",
        json!({"protocol": protocol("П-3", "2022-08-15")}),
        &[],
        commission_member(),
        &at("2022-08-15"),
    ));
    assert_eq!(status(&r).as_deref(), Some("cancelled"));
    assert!(opened(&r).is_empty());
    assert_eq!(
        told(&r),
        [
            format!("state-body:{CUSTOMER}"),
            "service-integrator".into(),
            "authorized-body".into()
        ]
    );
    let rec = written(&r).unwrap();
    assert_eq!(rec["status"], "cancelled");
    let decisions: Vec<&Value> = rec["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["decision"]["rule"])
        .collect();
    assert_eq!(decisions, ["SM-53-1.a", "SM-53-1.b", "SM-53-1.c"]);
    assert!(c.tender().open.is_empty());
}

#[test]
fn sm_53_1_outcomes_out_of_order_are_refused_naming_their_rule() {
    // 2023 (the ladder kept as the edition's reading), published on Thursday 19 March 2026:
    // 15 working days end on Tuesday 14 April (21-25 March off), at 24:00 (+05:00).
    let mut c = started_2023("2026-03-18");
    let r = publish(&mut c, 1, "2026-03-19");
    assert_eq!(
        written(&r).unwrap()["rounds"][0]["window_end"],
        "2026-04-15T00:00:00+05:00"
    );
    c.go(done(
        "commission",
        "formed",
        commission("2026-03-27"),
        &[],
        state_body(),
        &at("2026-03-27"),
    ));
    close_window(&mut c, 1, "2026-04-14", 0);
    let ladder = |task: &str, outcome: &str, day: &str| {
        done(
            task,
            outcome,
            json!({"protocol": protocol("П", day), "amendments": "x"}),
            &[],
            commission_member(),
            &at(day),
        )
    };
    let plain = |task: &str, outcome: &str, day: &str| {
        done(
            task,
            outcome,
            json!({"protocol": protocol("П", day)}),
            &[],
            commission_member(),
            &at(day),
        )
    };
    let v = c.refused(ladder("ladder", "amend-and-re-tender", "2026-04-16"));
    assert_eq!(rules(&v), [("outcome", "SM-53-1.b")]);
    assert!(
        v[0].message
            .contains("only after the repeated announcement")
            && v[0]
                .message
                .contains("the first announcement (round 1), under SM-53-1.a: re-announce"),
        "{}",
        v[0].message
    );
    let v = c.refused(plain("ladder", "cancel", "2026-04-16"));
    assert_eq!(rules(&v), [("outcome", "SM-53-1.c")]);
    assert!(
        v[0].message
            .contains("«Если в течении срока действия повторного объявления, с изменениями"),
        "{}",
        v[0].message
    );
    // A protocol dated before the window closed is refused.
    let v = c.refused(plain("ladder", "re-announce", "2026-04-14"));
    assert_eq!(rules(&v), [("inputs.protocol.date", "SM-53-1")]);
    c.go(plain("ladder", "re-announce", "2026-04-16"));

    // Round 2: 1, 7 and 11 May are off; 15 working days from Monday 20 April end on 14 May.
    let r = publish(&mut c, 2, "2026-04-20");
    assert_eq!(
        written(&r).unwrap()["rounds"][1]["window_end"],
        "2026-05-15T00:00:00+05:00"
    );
    close_window(&mut c, 2, "2026-05-14", 0);
    let v = c.refused(plain("ladder~2", "re-announce", "2026-05-15"));
    assert_eq!(rules(&v), [("outcome", "SM-53-1.a")]);
    assert!(
        v[0].message
            .contains("the second (repeated) announcement (round 2), under SM-53-1.b"),
        "{}",
        v[0].message
    );
    assert_eq!(
        rules(&c.refused(plain("ladder~2", "cancel", "2026-05-15"))),
        [("outcome", "SM-53-1.c")]
    );
    // A tender of the intake `tender` has no design assignment: the amendments are to its
    // documentation.
    let v = c.refused(done(
        "ladder~2",
        "amend-and-re-tender",
        json!({"protocol": protocol("П", "2026-05-15"), "amendments": "x", "amended_items": {"general_information": "y"}}),
        &[],
        commission_member(),
        &at("2026-05-15"),
    ));
    assert_eq!(rules(&v), [("inputs.amended_items", "SM-53-1.b")]);
    c.go(ladder("ladder~2", "amend-and-re-tender", "2026-05-15"));

    // Round 3: 27 May is off (Kurban Ait).
    let r = publish(&mut c, 3, "2026-05-15");
    assert_eq!(
        written(&r).unwrap()["rounds"][2]["window_end"],
        "2026-06-09T00:00:00+05:00"
    );
    close_window(&mut c, 3, "2026-06-08", 0);
    assert_eq!(
        rules(&c.refused(plain("ladder~3", "re-announce", "2026-06-09"))),
        [("outcome", "SM-53-1.a")]
    );
    assert_eq!(
        rules(&c.refused(ladder("ladder~3", "amend-and-re-tender", "2026-06-09"))),
        [("outcome", "SM-53-1.b")]
    );
    assert_eq!(
        rules(&c.refused(ladder("ladder~3", "cancel", "2026-06-09"))),
        [("inputs.amendments", "SM-53-1.b")]
    );
    let r = c.go(plain("ladder~3", "cancel", "2026-06-09"));
    assert_eq!(status(&r).as_deref(), Some("cancelled"));
}

#[test]
fn sm_36_a_a_commission_created_after_the_end_of_acceptance_is_refused() {
    let (mut c, _) = started_2022("2022-06-01");
    publish(&mut c, 1, "2022-06-03");
    // Recorded on 25 June, before the window's timer came: created on 25 June, a day late.
    let v = c.refused(done(
        "commission",
        "formed",
        commission("2022-06-25"),
        &[],
        state_body(),
        &at_time("2022-06-25", "09:00"),
    ));
    assert_eq!(rules(&v), [("inputs.formed_on", "SM-36.a")]);
    assert!(
        v[0].message
            .contains("no later than the date acceptance of applications ends, 24.06.2022")
            && v[0]
                .message
                .contains("«по проектам СМИ в срок не позднее даты завершения приема заявок"),
        "{}",
        v[0].message
    );
    // The announcement said it is not a PPP SMI project: the Commission cannot say otherwise.
    let mut ppp = commission("2022-06-10");
    ppp["ppp"] = json!(true);
    ppp["budget_commission_proposal"] = protocol("БК-1", "2022-06-09");
    assert_eq!(
        rules(&c.refused(done(
            "commission",
            "formed",
            ppp,
            &[],
            state_body(),
            &at("2022-06-10")
        ))),
        [("inputs.ppp", "SM-36.b")]
    );
    // Two members, a member without a position, a proposal for a project not PPP.
    let mut bad = commission("2022-06-10");
    bad["members"] = json!([{"name": "А"}, {"name": "Б", "position": "Член"}]);
    bad["budget_commission_proposal"] = protocol("БК-1", "2022-06-09");
    assert_eq!(
        rules(&c.refused(done(
            "commission",
            "formed",
            bad,
            &[],
            state_body(),
            &at("2022-06-10")
        ))),
        [
            ("inputs.members", "SM-36.a"),
            ("inputs.members[0].position", "SM-36.a")
        ]
    );
    // Within the window: accepted.
    c.go(done(
        "commission",
        "formed",
        commission("2022-06-24"),
        &[],
        state_body(),
        &at("2022-06-24"),
    ));
}

#[test]
fn sm_36_b_a_ppp_project_forms_its_commission_after_the_proposal_even_after_the_window() {
    let (mut c, _) = started_2022("2022-06-01");
    let mut a = announcement("ANN-1", "2022-06-03");
    a["ppp_project"] = json!(true);
    c.go(done(
        "announce",
        "published",
        a,
        &[],
        si(),
        &at("2022-06-03"),
    ));
    // The window closes without a Commission: a PPP SMI project is not void; the applications
    // are opened and wait for the Commission.
    let r = close_window(&mut c, 1, "2022-06-24", 1);
    assert_eq!(unseals(&r), ["applications"]);
    assert!(status(&r).is_none());
    let r = c.go(unsealed(
        "applications",
        &[(1, S1, "91000000", "2022-06-15")],
        "2022-06-25T00:00:00+06:00",
    ));
    assert_eq!(status(&r).as_deref(), Some("evaluation"));
    assert!(opened(&r).is_empty());
    assert_eq!(c.tender().deferred.as_deref(), Some("evaluation"));
    // SM-36.b: after the budget commission's positive proposal.
    let mut ppp = commission("2022-07-01");
    ppp["ppp"] = json!(true);
    let v = c.refused(done(
        "commission",
        "formed",
        ppp.clone(),
        &[],
        state_body(),
        &at("2022-07-01"),
    ));
    assert_eq!(
        rules(&v),
        [("inputs.budget_commission_proposal", "SM-36.b")]
    );
    assert!(
        v[0].message
            .contains("после получения положительного предложения"),
        "{}",
        v[0].message
    );
    ppp["budget_commission_proposal"] = protocol("БК-7", "2022-07-04");
    ppp["formed_on"] = json!("2022-07-01");
    let v = c.refused(done(
        "commission",
        "formed",
        ppp.clone(),
        &[],
        state_body(),
        &at("2022-07-05"),
    ));
    assert_eq!(rules(&v), [("inputs.formed_on", "SM-36.b")]);
    ppp["formed_on"] = json!("2022-07-05");
    let r = c.go(done(
        "commission",
        "formed",
        ppp,
        &[],
        state_body(),
        &at("2022-07-05"),
    ));
    assert_eq!(
        opened(&r),
        [("evaluation".into(), Some(format!("commission:{CUSTOMER}")))]
    );
    assert_eq!(
        written(&r).unwrap()["commission"],
        json!({"formed_on": "2022-07-05", "order": "12-п", "members": 3, "ppp": true})
    );
    assert!(c.tender().deferred.is_none());
}

#[test]
fn sm_36_a_no_commission_at_the_close_makes_the_tender_void() {
    let mut c = started_2023("2026-03-18");
    publish(&mut c, 1, "2026-03-19");
    c.go(sealed("applications", 1, S1, &at("2026-04-01")));
    let r = close_window(&mut c, 1, "2026-04-14", 3);
    assert_eq!(status(&r).as_deref(), Some("void"));
    // The applications stay sealed; the customer's task is withdrawn.
    assert!(unseals(&r).is_empty());
    assert_eq!(closed_tasks(&r), ["commission"]);
    assert_eq!(
        told(&r),
        [
            format!("state-body:{CUSTOMER}"),
            "service-integrator".into(),
            "authorized-body".into()
        ]
    );
    assert!(notified(&r)[0].1.starts_with("SM-36.a: the customer did not create the Commission by the date acceptance of applications ended (14.04.2026)"));
    let rec = written(&r).unwrap();
    assert_eq!(
        (rec["status"].as_str(), &rec["rounds"][0]["received"]),
        (Some("void"), &json!(3))
    );
    assert_eq!(rec["applications"], json!([]));
    assert!(c.tender().open.is_empty());
    // Nothing more is taken.
    assert!(
        c.attempt(&done(
            "commission",
            "formed",
            commission("2026-04-14"),
            &[],
            state_body(),
            &at("2026-04-15")
        ))
        .is_err()
    );
}

#[test]
fn amb_sm_10_a_single_application_may_be_awarded() {
    let (mut c, _) = started_2022("2022-06-01");
    publish(&mut c, 1, "2022-06-03");
    c.go(done(
        "commission",
        "formed",
        commission("2022-06-10"),
        &[],
        state_body(),
        &at("2022-06-10"),
    ));
    close_window(&mut c, 1, "2022-06-24", 1);
    c.go(unsealed(
        "applications",
        &[(3, S3, "not a price", "2022-06-24")],
        "2022-06-25T00:00:00+06:00",
    ));
    assert!(c.record()["applications"][0]["price"].is_null());
    let r = c.go(done(
        "evaluation",
        "award",
        json!({"protocol": protocol("П-1", "2022-06-27"),
               "applications": [{"seq": 3, "admissible": true, "scores": scores(50, 60)}],
               "creation_due": "2022-08-31"}),
        &[],
        commission_member(),
        &at("2022-06-27"),
    ));
    assert_eq!(status(&r).as_deref(), Some("awarded"));
    assert!(
        explained(&r)
            .unwrap()
            .0
            .last()
            .unwrap()
            .contains("the only admissible application")
    );
    let rec = written(&r).unwrap();
    assert_eq!(rec["award"]["supplier"], S3);
    assert_eq!(rec["award"]["score"], "56.00");
    assert!(rec["award"]["amount"].is_null());
    assert_eq!(
        opened(&r),
        [("creation".into(), Some(format!("supplier:{S3}")))]
    );
}

#[test]
fn amb_sm_10_a_tie_goes_to_the_application_received_first() {
    let (mut c, _) = started_2022("2022-06-01");
    publish(&mut c, 1, "2022-06-03");
    c.go(done(
        "commission",
        "formed",
        commission("2022-06-10"),
        &[],
        state_body(),
        &at("2022-06-10"),
    ));
    close_window(&mut c, 1, "2022-06-24", 3);
    c.go(unsealed(
        "applications",
        &[
            (1, S1, "90000000", "2022-06-20"),
            (2, S2, "95000000", "2022-06-15"),
            (4, S3, "99000000", "2022-06-22"),
        ],
        "2022-06-25T00:00:00+06:00",
    ));
    // 40 × 80 + 60 × 90 = 40 × 95 + 60 × 80 = 86.00; S2's application came first (15 June).
    let r = c.go(done(
        "evaluation",
        "award",
        json!({"protocol": protocol("П-1", "2022-06-28"),
               "applications": [{"seq": 1, "admissible": true, "scores": scores(80, 90)},
                                {"seq": 2, "admissible": true, "scores": scores(95, 80)},
                                {"seq": 4, "admissible": false, "reasons": ["No licence"]}],
               "creation_due": "2022-09-30"}),
        &[],
        commission_member(),
        &at("2022-06-28"),
    ));
    let rec = written(&r).unwrap();
    assert_eq!(rec["award"]["supplier"], S2);
    assert_eq!(rec["award"]["score"], "86.00");
    let (reasons, decision) = explained(&r).unwrap();
    assert_eq!(
        reasons.last().unwrap(),
        &format!(
            "The winner: application 2 of {S2}, the highest total, 86.00, tied with application(s) 1: the application received first wins"
        )
    );
    assert_eq!(decision["ranking"][0]["tied_with"], json!([1]));
    assert_eq!(rec["applications"][2]["status"], "disqualified");
    assert_eq!(rec["applications"][2]["reasons"], json!(["No licence"]));
    assert!(rec["applications"][2]["score"].is_null());
}

#[test]
fn amb_sm_10_no_admissible_application_is_read_as_none_and_goes_to_the_ladder() {
    let (mut c, _) = started_2022("2022-06-01");
    publish(&mut c, 1, "2022-06-03");
    c.go(done(
        "commission",
        "formed",
        commission("2022-06-10"),
        &[],
        state_body(),
        &at("2022-06-10"),
    ));
    close_window(&mut c, 1, "2022-06-24", 2);
    c.go(unsealed(
        "applications",
        &[
            (1, S1, "91000000", "2022-06-15"),
            (2, S2, "98000000", "2022-06-20"),
        ],
        "2022-06-25T00:00:00+06:00",
    ));
    let none = json!({"protocol": protocol("П-1", "2022-06-28"),
                      "applications": [{"seq": 1, "admissible": false, "reasons": ["No licence"]},
                                       {"seq": 2, "admissible": false, "reasons": ["Late bank guarantee", "Price above the ceiling"]}]});
    // Neither is admissible: no award.
    let mut award = none.clone();
    award["creation_due"] = json!("2022-09-30");
    let v = c.refused(done(
        "evaluation",
        "award",
        award,
        &[],
        commission_member(),
        &at("2022-06-28"),
    ));
    assert_eq!(rules(&v), [("outcome", "SM-F2")]);
    // One is admissible: not "no-admissible".
    let mut one = none.clone();
    one["applications"][1] = json!({"seq": 2, "admissible": true, "scores": scores(1, 1)});
    let v = c.refused(done(
        "evaluation",
        "no-admissible",
        one,
        &[],
        commission_member(),
        &at("2022-06-28"),
    ));
    assert_eq!(rules(&v), [("outcome", "SM-F2")]);
    assert!(
        v[0].message.contains("application(s) 2 are admissible"),
        "{}",
        v[0].message
    );
    let r = c.go(done(
        "evaluation",
        "no-admissible",
        none,
        &[],
        commission_member(),
        &at("2022-06-28"),
    ));
    assert_eq!(status(&r).as_deref(), Some("ladder"));
    assert_eq!(
        opened(&r),
        [("ladder".into(), Some(format!("commission:{CUSTOMER}")))]
    );
    let (reasons, _) = explained(&r).unwrap();
    assert_eq!(
        reasons[1],
        format!(
            "application 2 of {S2} is not admissible: Late bank guarantee; Price above the ceiling"
        )
    );
    let rec = written(&r).unwrap();
    assert_eq!(rec["status"], "ladder");
    assert_eq!(rec["applications"][0]["status"], "disqualified");
    assert!(rec["award"].is_null());
    // SM-53-1.a after the first announcement, as with no application at all.
    let r = c.go(done(
        "ladder",
        "re-announce",
        json!({"protocol": protocol("П-2", "2022-06-29")}),
        &[],
        commission_member(),
        &at("2022-06-29"),
    ));
    assert_eq!(opened_keys(&r), ["announce~2"]);
}

#[test]
fn sm_f2_every_opened_application_is_judged_once_on_every_announced_criterion() {
    let (mut c, _) = started_2022("2022-06-01");
    publish(&mut c, 1, "2022-06-03");
    c.go(done(
        "commission",
        "formed",
        commission("2022-06-10"),
        &[],
        state_body(),
        &at("2022-06-10"),
    ));
    close_window(&mut c, 1, "2022-06-24", 2);
    c.go(unsealed(
        "applications",
        &[
            (1, S1, "91000000", "2022-06-15"),
            (2, S2, "98000000", "2022-06-20"),
        ],
        "2022-06-25T00:00:00+06:00",
    ));
    let eval = |apps: Value, due: &str, protocol_day: &str| {
        done(
            "evaluation",
            "award",
            json!({"protocol": protocol("П-1", protocol_day), "applications": apps, "creation_due": due}),
            &[],
            commission_member(),
            &at("2022-06-28"),
        )
    };
    // Application 2 not judged.
    let v = c.refused(eval(
        json!([{"seq": 1, "admissible": true, "scores": scores(1, 1)}]),
        "2022-09-30",
        "2022-06-28",
    ));
    assert_eq!(rules(&v), [("inputs.applications", "SM-F2")]);
    assert!(
        v[0].message.contains(&format!("not judged 2 ({S2})")),
        "{}",
        v[0].message
    );
    // An unknown one, one twice, a missing score, a score out of range, an unknown criterion,
    // an inadmissible one without reasons and with scores.
    let v = c.refused(eval(
        json!([{"seq": 9, "admissible": true},
               {"seq": 1, "admissible": true, "scores": [{"criterion": "Цена предложения", "score": 101},
                                                          {"criterion": "Опыт оказания аналогичных услуг", "score": 5},
                                                          {"criterion": "Стиль", "score": 3}]},
               {"seq": 1, "admissible": false, "reasons": ["x"]},
               {"seq": 2, "admissible": false, "scores": scores(1, 1)}]),
        "2022-09-30",
        "2022-06-28",
    ));
    assert_eq!(
        rules(&v),
        [
            ("inputs.applications[0].seq", "SM-F2"),
            ("inputs.applications[1].scores[0]", "SM-F2"),
            ("inputs.applications[1].scores[2]", "SM-F2"),
            ("inputs.applications[2].seq", "SM-F2"),
            ("inputs.applications[3].reasons", "SM-F2"),
            ("inputs.applications[3].scores", "SM-F2"),
        ]
    );
    // A protocol before the opening, a term of creation already over.
    let ok = json!([{"seq": 1, "admissible": true, "scores": scores(1, 1)}, {"seq": 2, "admissible": true, "scores": scores(1, 1)}]);
    let v = c.refused(eval(ok.clone(), "2022-06-28", "2022-06-24"));
    assert_eq!(
        rules(&v),
        [
            ("inputs.protocol.date", "SM-F2"),
            ("inputs.creation_due", "SM-73")
        ]
    );
    // Equal totals, the same day... the first received wins; accepted.
    c.go(eval(ok, "2022-09-30", "2022-06-28"));
    assert_eq!(c.record()["award"]["supplier"], S1);
}

// ---------------------------------------------------------------------------------------------
// 2023: the Register check, the TOR.

#[test]
fn lc_26_lc_28_the_register_check_opens_the_tender_or_the_customers_decision() {
    let (c0, r) = Case::start(
        &E2023,
        TENDER,
        &tender_body(),
        state_body(),
        &at_time("2026-03-18", "09:00"),
    );
    assert_eq!(
        slots(&r),
        [(
            REGISTER_CHECK.into(),
            "service-integrator".into(),
            false,
            "LC-26".into()
        )]
    );
    assert!(opened(&r).is_empty());
    let rec = written(&r).unwrap();
    assert_eq!(rec["status"], "planning");
    assert_eq!(rec["edition"], "tender-2023");
    assert_eq!(
        rec["functionality"],
        "Прием заявлений на разрешения, проверка, выдача разрешения, уведомления"
    );
    assert_eq!(rec["tor_case"], "01J00000000000000000000TOR");
    assert_eq!(
        rec["value"],
        json!({"amount": "125000000.00", "currency": "KZT"})
    );
    assert_eq!(rec["criteria"], criteria());
    assert!(rec["design_assignment"].is_null());

    // Nothing similar: the slot closes and the SI announces the tender (LC-28).
    let mut c = Case {
        e: &E2023,
        state: c0.state.clone(),
    };
    let r = c.go(register_answer(false, &at("2026-03-18")));
    assert_eq!(closes_slot(&r), [REGISTER_CHECK]);
    assert_eq!(opened(&r), [("announce".into(), None)]);
    assert!(
        notified(&r)[0]
            .1
            .starts_with("LC-28: the Register of trusted software has no ICT service needed")
    );
    assert!(written(&r).is_none());
    assert_eq!(
        rules(&c.refused(register_answer(true, &at("2026-03-18")))),
        [("slot", "LC-26")]
    );

    // Something similar: the customer decides.
    let mut c = Case {
        e: &E2023,
        state: c0.state.clone(),
    };
    let r = c.go(register_answer(true, &at("2026-03-18")));
    assert_eq!(
        opened(&r),
        [(
            "register-decision".into(),
            Some(format!("state-body:{CUSTOMER}"))
        )]
    );
    let decide = |outcome: &str, inputs: Value, reasons: &[&str]| {
        done(
            "register-decision",
            outcome,
            inputs,
            reasons,
            state_body(),
            &at("2026-03-20"),
        )
    };
    // Acquired from the Register: the tender ends.
    let v = c.refused(decide(
        "acquire-from-register",
        json!({"register_entry": "Другое 1.0"}),
        &[],
    ));
    assert_eq!(rules(&v), [("inputs.register_entry", "LC-26")]);
    let r = c.go(decide(
        "acquire-from-register",
        json!({"register_entry": "Е-Разрешения 2.1"}),
        &[],
    ));
    assert_eq!(status(&r).as_deref(), Some("acquired-from-register"));
    assert_eq!(written(&r).unwrap()["status"], "acquired-from-register");
    assert!(opened(&r).is_empty());
    assert_eq!(told(&r), ["service-integrator"]);
    // Or the tender, saying why the Register's software does not suit.
    let mut c = Case {
        e: &E2023,
        state: c0.state.clone(),
    };
    c.go(register_answer(true, &at("2026-03-18")));
    assert_eq!(
        rules(&c.refused(decide("tender", json!({}), &[" "]))),
        [("reasons", "LC-28")]
    );
    let r = c.go(decide(
        "tender",
        json!({}),
        &["Е-Разрешения does not cover outdoor advertising"],
    ));
    assert_eq!(opened(&r), [("announce".into(), None)]);
    // A malformed answer is refused, naming the field.
    let c = Case {
        e: &E2023,
        state: c0.state,
    };
    let bad = Input::SlotInput(SlotInput {
        slot: REGISTER_CHECK.into(),
        seq: 1,
        by: role("service-integrator"),
        digest: digest(1),
        body: Some(json!({"similar": "no", "found": []}).to_string()),
        at: at("2026-03-18"),
    });
    assert_eq!(
        rules(&c.refused(bad)),
        [
            ("body.found", "LC-26"),
            ("body.similar", "LC-26"),
            ("body.matches", "LC-26")
        ]
    );
}

#[test]
fn lc_28_a_2023_tender_from_a_design_assignment_names_its_tor_in_the_announcement() {
    // A request received in 2022, its design assignment approved on 30 January 2023: tender-2023.
    let body = approved_design_assignment("2023-01-30");
    let (mut c, r) = Case::start(
        &E2023,
        DESIGN_ASSIGNMENT,
        &body,
        state_body(),
        &at_time("2023-01-30", "11:00"),
    );
    assert_eq!(slots(&r)[0].0, REGISTER_CHECK);
    let rec = written(&r).unwrap();
    // LC-26: the Register is searched for the processes of the design assignment (item 4).
    assert_eq!(
        rec["functionality"],
        "Прием заявлений, проверка, выдача разрешения"
    );
    assert!(rec["tor_case"].is_null());
    c.go(register_answer(false, &at("2023-01-30")));
    let v = c.refused(done(
        "announce",
        "published",
        announcement("ANN-1", "2023-02-01"),
        &[],
        si(),
        &at("2023-02-01"),
    ));
    assert_eq!(rules(&v), [("inputs.tor_case", "LC-28")]);
    assert!(
        v[0].message
            .contains("конкурсная документация включает техническое задание"),
        "{}",
        v[0].message
    );
    let r = publish(&mut c, 1, "2023-02-01");
    let rec = written(&r).unwrap();
    assert_eq!(rec["tor_case"], "01J00000000000000000000TOR");
    assert_eq!(slots(&r)[0].3, "LC-28");
    // The 2022 edition's announcement has no TOR.
    let (c22, _) = started_2022("2022-06-01");
    let mut a = announcement("ANN-1", "2022-06-03");
    a["tor_case"] = json!("x");
    assert_eq!(
        rules(&c22.refused(done(
            "announce",
            "published",
            a,
            &[],
            si(),
            &at("2022-06-03")
        ))),
        [("inputs.tor_case", "SM-42")]
    );
}

#[test]
fn sm_47_the_window_ends_at_24_00_of_its_last_day_with_the_offset_of_that_instant() {
    // Published on 8 February 2024 (+06:00): 8 March is off, the 15th working day is Thursday
    // 29 February, and its 24:00 is 1 March 2024, when the country is one zone: +05:00.
    let mut c = started_2023("2024-02-07");
    let r = publish(&mut c, 1, "2024-02-08");
    let rec = written(&r).unwrap();
    assert_eq!(
        rec["rounds"][0]["published_at"],
        "2024-02-08T10:00:00+06:00"
    );
    assert_eq!(rec["rounds"][0]["window_end"], "2024-03-01T00:00:00+05:00");
    assert_eq!(rec["window"]["end"], "2024-03-01T00:00:00+05:00");
    // A day earlier: the window ends at 24:00 of 28 February, still +06:00.
    let mut c = started_2023("2024-02-06");
    let r = publish(&mut c, 1, "2024-02-07");
    assert_eq!(
        written(&r).unwrap()["window"]["end"],
        "2024-02-29T00:00:00+06:00"
    );
    // The timer is the engine's, set by the same term: 15 working days from the publication.
    assert_eq!(timers(&r), [("applications".into(), None, Some(15))]);
}

#[test]
fn sm_49_the_window_takes_applications_until_it_closes() {
    let mut c = started_2023("2026-03-18");
    publish(&mut c, 1, "2026-03-19");
    c.go(done(
        "commission",
        "formed",
        commission("2026-03-27"),
        &[],
        state_body(),
        &at("2026-03-27"),
    ));
    assert!(
        c.go(sealed("applications", 1, S1, &at("2026-04-14")))
            .effects
            .is_empty()
    );
    // Another slot name, or after the close: refused.
    assert_eq!(
        rules(&c.refused(sealed("applications-2", 2, S1, &at("2026-04-14")))),
        [("slot", "LC-28")]
    );
    close_window(&mut c, 1, "2026-04-14", 1);
    assert!(
        c.attempt(&sealed("applications", 2, S2, "2026-04-15T00:00:01+05:00"))
            .is_err()
    );
    // A task that is not open, an input before the start.
    assert_eq!(
        rules(&c.refused(done(
            "formation",
            "form",
            json!({}),
            &[],
            commission_member(),
            &at("2026-04-16")
        ))),
        [("task", "")]
    );
    assert!(
        react(
            &E2023,
            "null",
            &fired("applications", &at("2026-04-15")),
            &kz()
        )
        .is_err()
    );
}

// ---------------------------------------------------------------------------------------------
// After the award.

#[test]
fn sm_73_amb_sm_11_the_term_of_creation_is_a_timer_and_its_passing_is_told() {
    let mut c = awarded_2022();
    let r = c.go(fired("sm-73", "2022-10-01T00:00:00+06:00"));
    assert_eq!(
        told(&r),
        [
            "service-integrator".to_owned(),
            format!("state-body:{CUSTOMER}")
        ]
    );
    assert!(notified(&r)[0].1.contains("ended at 24:00 of 30.09.2022"));
    assert!(written(&r).is_none());
    // The notice of creation stops it; a late timer tells nobody.
    let r = c.go(done(
        "creation",
        "created",
        json!({"ici_resources": "2 VM"}),
        &[],
        party_of("supplier", S2),
        &at("2022-10-03"),
    ));
    assert!(matches!(&r.effects[0], Effect::CancelTimer(t) if t == "sm-73"));
    assert!(
        c.go(fired("sm-73", "2022-10-01T00:00:00+06:00"))
            .effects
            .is_empty()
    );
    // SM-76-1: the testing states its integration checks.
    assert_eq!(
        rules(&c.refused(done(
            "testing",
            "passed",
            json!({"protocol": protocol("T", "2022-10-04")}),
            &[],
            si(),
            &at("2022-10-04")
        ))),
        [("inputs.integration_checks", "SM-76-1")]
    );
}

#[test]
fn sm_76_1_and_sm_82_a_testing_checks_every_integration_and_a_failed_test_or_trial_returns_to_creation()
 {
    let mut c = awarded_2022();
    c.go(done(
        "creation",
        "created",
        json!({"ici_resources": "2 VM"}),
        &[],
        party_of("supplier", S2),
        &at("2022-09-01"),
    ));
    let testing = |outcome: &str, checks: Value, reasons: &[&str]| {
        done(
            "testing",
            outcome,
            json!({"protocol": protocol("T-1", "2022-09-05"), "integration_checks": checks}),
            reasons,
            si(),
            &at("2022-09-05"),
        )
    };
    // "Платежный шлюз" was named in the announcement and is not checked.
    let v = c.refused(testing(
        "passed",
        json!([{"service": "гбд юл", "result": "passed"}]),
        &[],
    ));
    assert_eq!(rules(&v), [("inputs.integration_checks", "SM-76-1")]);
    assert!(
        v[0].message.contains("\"Платежный шлюз\""),
        "{}",
        v[0].message
    );
    // A failed check is not a passed testing.
    let checks = json!([{"service": "ГБД ЮЛ", "result": "passed"}, {"service": "Платежный шлюз", "result": "failed"}]);
    let v = c.refused(testing("passed", checks.clone(), &[]));
    assert_eq!(rules(&v), [("outcome", "SM-76-1")]);
    // Failed: the supplier's creation again (its next round), the protocol's term still running.
    let r = c.go(testing(
        "failed",
        checks,
        &["The payment gateway rejects the signature"],
    ));
    assert_eq!(
        opened(&r),
        [("creation~2".into(), Some(format!("supplier:{S2}")))]
    );
    assert_eq!(told(&r), [format!("supplier:{S2}")]);
    assert_eq!(
        timers(&r),
        [(
            "sm-73".into(),
            Some("2022-10-01T00:00:00+06:00".into()),
            None
        )]
    );
    c.go(done(
        "creation~2",
        "created",
        json!({"ici_resources": "2 VM"}),
        &[],
        party_of("supplier", S2),
        &at("2022-09-12"),
    ));
    let r = c.go(done(
        "testing~2",
        "passed",
        json!({"protocol": protocol("T-2", "2022-09-14"),
               "integration_checks": [{"service": "ГБД ЮЛ", "result": "passed"}, {"service": "Платежный шлюз", "result": "passed"}]}),
        &[],
        si(),
        &at("2022-09-14"),
    ));
    assert_eq!(opened_keys(&r), ["environment"]);
    // SM-82: failed trials return to creation too.
    c.go(done(
        "environment",
        "allocated",
        json!({}),
        &[],
        operator(),
        &at("2022-09-15"),
    ));
    let r = c.go(done(
        "trials",
        "failed",
        json!({"object": "ici-object", "act": protocol("A-1", "2022-09-16")}),
        &["Port 8080 open"],
        operator(),
        &at("2022-09-16"),
    ));
    assert_eq!(opened_keys(&r), ["creation~3"]);
}

/// A 2022 tender whose ICT service the Commission formed; trials of `object`.
fn formed_2022(object: &str) -> Case {
    let mut c = awarded_2022();
    c.go(done(
        "creation",
        "created",
        json!({"ici_resources": "2 VM"}),
        &[],
        party_of("supplier", S2),
        &at("2022-09-01"),
    ));
    c.go(done(
        "testing",
        "passed",
        json!({"protocol": protocol("T-1", "2022-09-05"),
               "integration_checks": [{"service": "ГБД ЮЛ", "result": "passed"}, {"service": "Платежный шлюз", "result": "passed"}]}),
        &[],
        si(),
        &at("2022-09-05"),
    ));
    c.go(done(
        "environment",
        "allocated",
        json!({}),
        &[],
        operator(),
        &at("2022-09-06"),
    ));
    let r = c.go(done(
        "trials",
        "passed",
        json!({"object": object, "act": protocol("A-7", "2022-09-12")}),
        &[],
        operator(),
        &at("2022-09-12"),
    ));
    let subject = &notified(&r)[0].1;
    assert!(
        subject.starts_with(if object == "spp" {
            "SM-83 (AMB-SM-12)"
        } else {
            "SM-82.b"
        }),
        "{subject}"
    );
    c.go(done(
        "convene",
        "convened",
        json!({}),
        &[],
        si(),
        &at("2022-09-13"),
    ));
    c
}

#[test]
fn sm_85_sm_87_1_amb_sm_12_formation_and_commissioning_of_a_product_and_of_an_ici_object() {
    let mut c = formed_2022("spp");
    // SM-85: the ICT service as formed, each fact required with form.
    let v = c.refused(done(
        "formation",
        "form",
        json!({"protocol": protocol("П-2", "2022-09-15"), "monthly_price_tenge": "1 250 000"}),
        &[],
        commission_member(),
        &at("2022-09-15"),
    ));
    assert_eq!(
        rules(&v),
        [
            ("inputs.service_name", "SM-85"),
            ("inputs.service_type", "LC-25"),
            ("inputs.software_product", "SM-85"),
            ("inputs.monthly_price_tenge", "SM-85"),
            ("inputs.ownership_transfer_required", "SM-103-1")
        ]
    );
    c.go(done(
        "formation",
        "form",
        json!({"protocol": protocol("П-2", "2022-09-15"), "service_name": "Электронные разрешения",
               "service_type": "software", "software_product": "E-Permits 1.0",
               "monthly_price_tenge": "1250000.5", "ownership_transfer_required": false}),
        &[],
        commission_member(),
        &at("2022-09-15"),
    ));
    // SM-87-1: a service software product is commissioned with its technical documentation;
    // the rental does not start before the protocol is signed.
    let v = c.refused(done(
        "commissioning",
        "commissioned",
        json!({"protocol": "ПЭ-3", "signed_on": "2022-09-19", "technical_documentation_accepted": false, "rental_start": "2022-09-18"}),
        &[],
        operator(),
        &at("2022-09-20"),
    ));
    assert_eq!(
        rules(&v),
        [
            ("inputs.technical_documentation_accepted", "SM-87-1"),
            ("inputs.rental_start", "SM-103-1")
        ]
    );
    assert!(
        v[0].message
            .contains("оператор принимает техническую документацию"),
        "{}",
        v[0].message
    );
    let r = c.go(done(
        "commissioning",
        "commissioned",
        json!({"protocol": "ПЭ-3", "signed_on": "2022-09-19", "technical_documentation_accepted": true, "rental_start": "2022-09-19"}),
        &[],
        operator(),
        &at("2022-09-20"),
    ));
    assert_eq!(
        written(&r).unwrap()["contract"]["monthly_price"],
        "1250000.50"
    );

    // An ICI object: the platform's trial act (AMB-SM-13); no SPP documentation to accept.
    let mut c = formed_2022("ici-object");
    c.go(done(
        "formation",
        "form",
        json!({"protocol": protocol("П-2", "2022-09-15"), "service_name": "Хостинг", "service_type": "infrastructure",
               "software_product": "Кластер K8s", "monthly_price_tenge": "300000", "ownership_transfer_required": false}),
        &[],
        commission_member(),
        &at("2022-09-15"),
    ));
    c.go(done(
        "commissioning",
        "commissioned",
        json!({"protocol": "ПЭ-4", "signed_on": "2022-09-19", "technical_documentation_accepted": false, "rental_start": "2022-10-01"}),
        &[],
        operator(),
        &at("2022-09-20"),
    ));
}

#[test]
fn amb_sm_13_a_refusal_to_form_the_ict_service_ends_the_tender_not_formed() {
    let mut c = formed_2022("spp");
    let r = c.go(done(
        "formation",
        "refuse",
        json!({"protocol": protocol("П-2", "2022-09-15")}),
        &["The trial act has remarks"],
        commission_member(),
        &at("2022-09-15"),
    ));
    assert_eq!(status(&r).as_deref(), Some("not-formed"));
    assert_eq!(
        told(&r),
        [
            format!("state-body:{CUSTOMER}"),
            "service-integrator".into(),
            format!("supplier:{S2}")
        ]
    );
    assert_eq!(written(&r).unwrap()["status"], "not-formed");
    assert!(c.tender().open.is_empty());
}

#[test]
fn lc_31_lc_32_a_lc_35_the_2023_winner_provides_a_service_and_keeps_its_rights() {
    let mut c = started_2023("2026-03-18");
    publish(&mut c, 1, "2026-03-19");
    c.go(done(
        "commission",
        "formed",
        commission("2026-03-27"),
        &[],
        state_body(),
        &at("2026-03-27"),
    ));
    close_window(&mut c, 1, "2026-04-14", 1);
    c.go(unsealed(
        "applications",
        &[(1, S1, "100000000", "2026-04-10")],
        "2026-04-15T00:00:00+05:00",
    ));
    let r = c.go(done(
        "evaluation",
        "award",
        json!({"protocol": protocol("П-1", "2026-04-16"),
               "applications": [{"seq": 1, "admissible": true, "scores": scores(70, 80)}],
               "creation_due": "2026-07-31"}),
        &[],
        commission_member(),
        &at("2026-04-16"),
    ));
    let to_winner: Vec<String> = notified(&r)
        .into_iter()
        .filter(|(p, _)| p == &format!("supplier:{S1}"))
        .map(|(_, s)| s)
        .collect();
    assert!(to_winner[0].starts_with("LC-31: you are the supplier determined by the tender"));
    assert!(to_winner[1].starts_with(
        "LC-32.a: the supplier determined by the tender initiates the inclusion in the Register"
    ));
    assert_eq!(
        timers(&r),
        [(
            "sm-73".into(),
            Some("2026-08-01T00:00:00+05:00".into()),
            None
        )]
    );
    c.go(done(
        "creation",
        "created",
        json!({"ici_resources": "2 VM"}),
        &[],
        party_of("supplier", S1),
        &at("2026-06-01"),
    ));
    c.go(done(
        "testing",
        "passed",
        json!({"protocol": protocol("T-1", "2026-06-02"),
               "integration_checks": [{"service": "ГБД ЮЛ", "result": "passed"}, {"service": "Платежный шлюз", "result": "passed"}]}),
        &[],
        si(),
        &at("2026-06-02"),
    ));
    c.go(done(
        "environment",
        "allocated",
        json!({}),
        &[],
        operator(),
        &at("2026-06-03"),
    ));
    c.go(done(
        "trials",
        "passed",
        json!({"object": "spp", "act": protocol("A-1", "2026-06-04")}),
        &[],
        operator(),
        &at("2026-06-04"),
    ));
    c.go(done(
        "convene",
        "convened",
        json!({}),
        &[],
        si(),
        &at("2026-06-05"),
    ));
    let formation = |transfer: bool| {
        done(
            "formation",
            "form",
            json!({"protocol": protocol("П-2", "2026-06-08"), "service_name": "Электронные разрешения", "service_type": "software",
                   "software_product": "E-Permits 2.0", "monthly_price_tenge": "1500000", "ownership_transfer_required": transfer}),
            &[],
            commission_member(),
            &at("2026-06-08"),
        )
    };
    let v = c.refused(formation(true));
    assert_eq!(rules(&v), [("inputs.ownership_transfer_required", "LC-35")]);
    assert!(
        v[0].message.contains("Исключительные права"),
        "{}",
        v[0].message
    );
    c.go(formation(false));
    c.go(done("commissioning", "commissioned", json!({"protocol": "ПЭ-1", "signed_on": "2026-06-09", "technical_documentation_accepted": true, "rental_start": "2026-06-10"}), &[], operator(), &at("2026-06-09")));
    c.go(done(
        "notify-si",
        "notified",
        json!({}),
        &[],
        operator(),
        &at("2026-06-10"),
    ));
    let r = c.go(done(
        "notify-ab",
        "notified",
        json!({}),
        &[],
        si(),
        &at("2026-06-11"),
    ));
    assert_eq!(status(&r).as_deref(), Some("formed"));
    let catalog = entries(&r, CATALOG);
    assert_eq!(catalog[0].1["origin"], "sm-98");
    assert_eq!(catalog[0].1["ownership_transfer_required"], false);
    assert_eq!(catalog[0].1["supplier"], S1);
    assert_eq!(catalog[0].1.as_object().unwrap().len(), 11);
}

#[test]
fn amb_sm_10_the_evaluation_method_is_a_decision_of_its_own() {
    let input = json!({
        "criteria": criteria(),
        "applications": [
            {"seq": 1, "supplier": S1, "received_at": "2026-04-10T10:00:00+05:00", "admissible": true, "scores": scores(80, 90)},
            {"seq": 2, "supplier": S2, "received_at": "2026-04-09T10:00:00+05:00", "admissible": true, "scores": scores(95, 80)},
            {"seq": 3, "supplier": S3, "received_at": "2026-04-08T10:00:00+05:00", "admissible": false}
        ]
    });
    let out: Value =
        serde_json::from_str(&decide("evaluation", &input.to_string()).unwrap()).unwrap();
    assert_eq!(out["winner"]["supplier"], S2);
    assert_eq!(out["ranking"].as_array().unwrap().len(), 2);
    assert_eq!(out["ranking"][1]["total"], "86.00");
    let mut bad = input.clone();
    bad["criteria"][0]["weight"] = json!(30);
    assert_eq!(
        rules(&decide("evaluation", &bad.to_string()).unwrap_err()),
        [("criteria", "SM-F2")]
    );
    assert_eq!(rules(&decide("score", "{}").unwrap_err()), [("name", "")]);
}

#[test]
fn every_described_outcome_is_handled() {
    // Each step's each outcome, offered to a case where that step is not open, is refused as
    // "not open" (never as an unknown step): the reducer knows every step described.
    let c = started_2023("2026-03-18");
    for s in steps(&E2023) {
        for o in &s.outcomes {
            let v = c.refused(done(
                &s.id,
                &o.name,
                json!({}),
                &[],
                si(),
                &at("2026-03-19"),
            ));
            assert!(
                v[0].message.contains("is not open") || s.id == "announce",
                "{} {}: {v:?}",
                s.id,
                o.name
            );
        }
        // Every step's facts are an object schema that names its rule.
        if let Some(schema) = &s.inputs {
            let schema: Value = serde_json::from_str(schema).unwrap();
            assert_eq!(schema["type"], "object", "{}", s.id);
            assert!(schema["x-rule"].is_string(), "{}", s.id);
        }
    }
}
