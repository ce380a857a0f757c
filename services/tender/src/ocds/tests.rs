//! The OCDS view of whole tenders, version by version, checked by the validator; and the
//! validator refusing broken data.

use std::sync::OnceLock;

use serde_json::{Value, json};

use super::schema::{Validator, has_ocid_prefix, is_rfc3339, merge_patch};
use super::*;

const CASE: &str = "01HQ3Z8V6W2K9T4M7N5P1R0S2B";
const CUSTOMER: &str = "040140001236";
const SI: &str = "990340005878";
const SUPPLIER_A: &str = "180440012345";
const SUPPLIER_B: &str = "071240004567";

fn validator() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(Validator::new)
}

/// Successive versions of one tender record.
struct Story(Vec<Value>);

impl Story {
    fn new(at: &str, first: Value) -> Self {
        let mut first = first;
        first["updated_at"] = json!(at);
        Self(vec![first])
    }

    /// The next version: the last one changed by `f`, written at `at`.
    fn then(mut self, at: &str, f: impl FnOnce(&mut Value)) -> Self {
        let mut next = self.0.last().expect("a first version").clone();
        f(&mut next);
        next["updated_at"] = json!(at);
        self.0.push(next);
        self
    }

    /// One release per version, numbered from 1.
    fn releases(&self) -> Vec<Value> {
        self.0
            .iter()
            .enumerate()
            .map(|(i, record)| {
                let previous = i.checked_sub(1).map(|p| &self.0[p]);
                let number = u32::try_from(i + 1).expect("few versions");
                release(DEFAULT_PREFIX, CASE, number, record, previous)
            })
            .collect()
    }
}

fn base(edition: &str, at_planning: Value) -> Value {
    let mut r = json!({
        "edition": edition,
        "title": "ИК-услуга электронного лицензирования",
        "description": "Создание ИК-услуги по выдаче лицензий в электронной форме",
        "functionality": null,
        "customer": CUSTOMER,
        "procuring_entity": null,
        "status": "planning",
        "round": 1,
        "value": {"amount": "125000000.00", "currency": "KZT"},
        "criteria": [
            {"criterion": "Цена предложения", "weight": 40},
            {"criterion": "Опыт создания аналогичных ИК-услуг", "weight": 60}
        ],
        "criteria_text": null,
        "design_assignment": null,
        "tor_case": null,
        "rounds": [],
        "window": null,
        "commission": null,
        "applications": [],
        "award": null,
        "contract": null
    });
    merge_patch(&mut r, &at_planning);
    r
}

fn announce(r: &mut Value, round: u64, published_at: &str, window_end: &str) {
    r["status"] = json!("active");
    r["round"] = json!(round);
    r["procuring_entity"] = json!(SI);
    r["rounds"].as_array_mut().expect("rounds").push(json!({
        "round": round,
        "announcement": format!("ОБ-{round}"),
        "published_at": published_at,
        "window_end": window_end,
        "received": null,
        "decision": null
    }));
    r["window"] = json!({"start": published_at, "end": window_end});
}

fn close_empty(r: &mut Value) {
    let round = r["round"].as_u64().expect("round");
    r["rounds"][round as usize - 1]["received"] = json!(0);
    r["status"] = json!("ladder");
}

fn decide(r: &mut Value, outcome: &str, rule: &str, at: &str) {
    let round = r["round"].as_u64().expect("round");
    r["rounds"][round as usize - 1]["decision"] = json!({
        "outcome": outcome, "rule": rule, "protocol": format!("ПК-{round}"),
        "protocol_date": &at[..10], "decided_at": at
    });
    if outcome == "cancel" {
        r["status"] = json!("cancelled");
    } else {
        r["round"] = json!(round + 1);
        r["status"] = json!("active");
        r["window"] = Value::Null;
    }
}

fn form_commission(r: &mut Value, on: &str) {
    r["commission"] = json!({"formed_on": on, "order": "№ 12-к", "members": 5, "ppp": false});
}

/// 2023 edition, February to June 2024: planning, Register check, announcement (+06:00),
/// window closing after the offset change (+05:00), two applications, award, contract, formed.
fn whole_tender() -> Story {
    Story::new(
        "2024-02-05T09:30:00+06:00",
        base(
            "tender-2023",
            json!({"functionality": "Приём заявлений на лицензии и выдача лицензий",
                   "tor_case": "01HP0000000000000000000000"}),
        ),
    )
    .then("2024-02-06T11:00:00+06:00", |_| {}) // the Register check: nothing similar
    .then("2024-02-12T10:00:00+06:00", |r| {
        announce(
            r,
            1,
            "2024-02-12T10:00:00+06:00",
            "2024-03-02T00:00:00+05:00",
        );
    })
    .then("2024-02-20T15:00:00+06:00", |r| {
        form_commission(r, "2024-02-20")
    })
    .then("2024-03-02T00:00:00+05:00", |r| {
        r["status"] = json!("evaluation");
        r["rounds"][0]["received"] = json!(2);
        r["applications"] = json!([
            {"round": 1, "seq": 1, "supplier": SUPPLIER_A,
             "received_at": "2024-02-28T16:20:00+06:00", "digest": "ab".repeat(32),
             "price": "118500000.00", "status": "pending", "score": null, "reasons": []},
            {"round": 1, "seq": 2, "supplier": SUPPLIER_B,
             "received_at": "2024-03-01T09:05:00+05:00", "digest": "cd".repeat(32),
             "price": "121000000.50", "status": "pending", "score": null, "reasons": []}
        ]);
    })
    .then("2024-03-15T11:00:00+05:00", |r| {
        r["status"] = json!("awarded");
        r["applications"][0]["status"] = json!("valid");
        r["applications"][0]["score"] = json!("83.50");
        r["applications"][1]["status"] = json!("valid");
        r["applications"][1]["score"] = json!("71.25");
        r["award"] = json!({"supplier": SUPPLIER_A, "amount": "118500000.00", "score": "83.50",
                            "protocol": "П-3", "protocol_date": "2024-03-15",
                            "decided_at": "2024-03-15T11:00:00+05:00"});
    })
    .then("2024-05-31T15:00:00+05:00", |r| {
        r["contract"] = json!({"supplier": SUPPLIER_A, "service_name": "Е-лицензирование",
                               "protocol": "АВЭ-12", "signed_on": "2024-05-31",
                               "rental_start": "2024-06-03", "monthly_price": "1250000.10"});
    })
    .then("2024-06-07T10:00:00+05:00", |r| {
        r["status"] = json!("formed")
    })
}

/// 2022 edition: three rounds without applications, then SM-53-1.c.
fn ladder() -> Story {
    Story::new(
        "2022-05-04T10:00:00+06:00",
        base(
            "tender-2022",
            json!({"design_assignment": "040140001236/2022-04-28T09:00:00+06:00",
                   "criteria_text": "опыт, цена, сроки"}),
        ),
    )
    .then("2022-05-06T10:00:00+06:00", |r| {
        announce(
            r,
            1,
            "2022-05-06T10:00:00+06:00",
            "2022-05-31T00:00:00+06:00",
        );
    })
    .then("2022-05-16T12:00:00+06:00", |r| {
        form_commission(r, "2022-05-16")
    })
    .then("2022-05-31T00:00:00+06:00", close_empty)
    .then("2022-06-02T12:00:00+06:00", |r| {
        decide(r, "re-announce", "SM-53-1.a", "2022-06-02T12:00:00+06:00");
    })
    .then("2022-06-06T10:00:00+06:00", |r| {
        announce(
            r,
            2,
            "2022-06-06T10:00:00+06:00",
            "2022-06-28T00:00:00+06:00",
        );
    })
    .then("2022-06-28T00:00:00+06:00", close_empty)
    .then("2022-06-30T12:00:00+06:00", |r| {
        decide(
            r,
            "amend-and-re-tender",
            "SM-53-1.b",
            "2022-06-30T12:00:00+06:00",
        );
    })
    .then("2022-07-04T10:00:00+06:00", |r| {
        announce(
            r,
            3,
            "2022-07-04T10:00:00+06:00",
            "2022-07-26T00:00:00+06:00",
        );
    })
    .then("2022-07-26T00:00:00+06:00", close_empty)
    .then("2022-07-28T12:00:00+06:00", |r| {
        decide(r, "cancel", "SM-53-1.c", "2022-07-28T12:00:00+06:00");
    })
}

/// 2022 edition: one application, no commission by the close (SM-36.a): void.
fn void() -> Story {
    Story::new("2022-09-01T10:00:00+06:00", base("tender-2022", json!({})))
        .then("2022-09-02T10:00:00+06:00", |r| {
            announce(
                r,
                1,
                "2022-09-02T10:00:00+06:00",
                "2022-09-24T00:00:00+06:00",
            );
        })
        .then("2022-09-24T00:00:00+06:00", |r| {
            r["rounds"][0]["received"] = json!(1);
            r["status"] = json!("void");
        })
}

fn tags(release: &Value) -> Vec<&str> {
    release["tag"]
        .as_array()
        .expect("tag")
        .iter()
        .map(|t| t.as_str().expect("a tag string"))
        .collect()
}

fn roles<'a>(release: &'a Value, bin: &str) -> Vec<&'a str> {
    let id = party_id(bin);
    release["parties"]
        .as_array()
        .expect("parties")
        .iter()
        .find(|p| p["id"] == id.as_str())
        .map(|p| {
            p["roles"]
                .as_array()
                .expect("roles")
                .iter()
                .filter_map(Value::as_str)
                .collect()
        })
        .unwrap_or_default()
}

/// Every release valid on its own and in one package; the package returned.
fn assert_valid(releases: &[Value]) -> Value {
    for r in releases {
        let problems = validator().validate(r);
        assert!(problems.is_empty(), "release {}: {problems:#?}", r["id"]);
    }
    let pkg = package(
        releases.to_vec(),
        &format!("https://egov.example/ocds/{CASE}.json"),
        "2024-06-07T12:00:00+05:00",
    );
    let problems = validator().validate(&pkg);
    assert!(problems.is_empty(), "package: {problems:#?}");
    pkg
}

#[test]
fn whole_tender_maps_each_version_to_a_valid_release() {
    let rs = whole_tender().releases();
    assert_valid(&rs);
    let all_tags: Vec<Vec<&str>> = rs.iter().map(tags).collect();
    assert_eq!(
        all_tags,
        vec![
            vec!["planning"],
            vec!["planningUpdate"],
            vec!["tender"],
            vec!["tenderUpdate"], // the commission: nothing new in the published view
            vec!["tenderUpdate"], // the opening
            vec!["tenderUpdate", "award"],
            vec!["contract"],
            vec!["contractUpdate"],
        ]
    );
    let statuses: Vec<&str> = rs
        .iter()
        .map(|r| r["tender"]["status"].as_str().expect("status"))
        .collect();
    assert_eq!(
        statuses,
        [
            "planning", "planning", "active", "active", "active", "complete", "complete",
            "complete"
        ]
    );
    for (i, r) in rs.iter().enumerate() {
        assert_eq!(r["ocid"], format!("ocds-kzegov-{CASE}"));
        assert_eq!(r["id"], format!("ocds-kzegov-{CASE}-{}", i + 1));
        assert_eq!(r["language"], "ru");
        assert_eq!(r["initiationType"], "tender");
        assert_eq!(r["buyer"]["id"], "KZ-BIN-040140001236");
        assert_eq!(r["tender"]["id"], CASE);
        assert_eq!(r["tender"]["procurementMethod"], "open");
        assert_eq!(r["tender"]["mainProcurementCategory"], "services");
        assert_eq!(r["tender"]["awardCriteria"], "ratedCriteria");
        assert_eq!(
            r["tender"]["value"],
            json!({"amount": 125000000, "currency": "KZT"})
        );
    }
    assert!(
        rs[0]["tender"]["procurementMethodDetails"]
            .as_str()
            .expect("details")
            .contains("пункт 28 Правил создания, развития, эксплуатации")
    );
    assert!(
        rs[0]["tender"]["awardCriteriaDetails"]
            .as_str()
            .expect("criteria")
            .contains("«Цена предложения» — 40; «Опыт создания аналогичных ИК-услуг» — 60")
    );

    // Planning: the buyer alone, no period, no procuring entity.
    assert_eq!(rs[0]["parties"].as_array().map(Vec::len), Some(1));
    assert_eq!(roles(&rs[0], CUSTOMER), ["buyer"]);
    assert!(rs[0]["tender"].get("tenderPeriod").is_none());

    // Announced: the SI, the window with its local offsets (+06:00 then +05:00), nothing of the
    // sealed applications.
    let announced = &rs[2];
    assert_eq!(roles(announced, SI), ["procuringEntity"]);
    assert_eq!(
        announced["tender"]["procuringEntity"]["id"],
        "KZ-BIN-990340005878"
    );
    assert_eq!(
        announced["parties"][1]["identifier"],
        json!({"scheme": "KZ-BIN", "id": SI})
    );
    assert_eq!(
        announced["tender"]["tenderPeriod"],
        json!({"startDate": "2024-02-12T10:00:00+06:00", "endDate": "2024-03-02T00:00:00+05:00"})
    );
    assert_eq!(announced["date"], "2024-02-12T10:00:00+06:00");
    for r in &rs[..4] {
        assert!(r.get("bids").is_none(), "{}", r["id"]);
        assert!(
            r["tender"].get("numberOfTenderers").is_none(),
            "{}",
            r["id"]
        );
        assert!(r["tender"].get("tenderers").is_none(), "{}", r["id"]);
    }

    // Opened at the close: two tenderers, two pending bids with their values and instants.
    let opened = &rs[4];
    assert_eq!(opened["date"], "2024-03-02T00:00:00+05:00");
    assert_eq!(opened["tender"]["numberOfTenderers"], 2);
    assert_eq!(
        opened["tender"]["tenderers"],
        json!([{"id": "KZ-BIN-180440012345"}, {"id": "KZ-BIN-071240004567"}])
    );
    assert_eq!(roles(opened, SUPPLIER_A), ["tenderer"]);
    assert_eq!(roles(opened, SUPPLIER_B), ["tenderer"]);
    let bids = opened["bids"]["details"].as_array().expect("bids");
    assert_eq!(bids.len(), 2);
    assert_eq!(
        bids[0],
        json!({"id": "1-1", "date": "2024-02-28T16:20:00+06:00", "status": "pending",
               "tenderers": [{"id": "KZ-BIN-180440012345"}],
               "value": {"amount": 118500000, "currency": "KZT"}})
    );
    assert_eq!(bids[1]["date"], "2024-03-01T09:05:00+05:00");
    assert_eq!(
        serde_json::to_string(&bids[1]["value"]["amount"]).expect("a number"),
        "121000000.5"
    );

    // Awarded: the tender complete, the bids valid, the winner also a supplier.
    let awarded = &rs[5];
    assert_eq!(awarded["bids"]["details"][1]["status"], "valid");
    assert_eq!(roles(awarded, SUPPLIER_A), ["tenderer", "supplier"]);
    assert_eq!(
        awarded["awards"],
        json!([{"id": "award-1", "status": "active", "date": "2024-03-15T11:00:00+05:00",
                "value": {"amount": 118500000, "currency": "KZT"},
                "suppliers": [{"id": "KZ-BIN-180440012345"}], "relatedBid": "1-1",
                "description": "Протокол Комиссии № П-3 от 2024-03-15; итоговый балл победителя 83.50"}])
    );
    assert!(awarded.get("contracts").is_none());

    // The contract: rental from local midnight (+05:00 after 2024-03-01), the monthly price.
    let contract = &rs[6]["contracts"][0];
    assert_eq!(contract["id"], "contract-1");
    assert_eq!(contract["awardID"], "award-1");
    assert_eq!(contract["status"], "active");
    assert_eq!(contract["period"]["startDate"], "2024-06-03T00:00:00+05:00");
    assert_eq!(contract["dateSigned"], "2024-05-31T00:00:00+05:00");
    assert_eq!(
        contract["value"],
        json!({"amount": 1250000.1, "currency": "KZT"})
    );
    assert_eq!(rs[7]["contracts"], rs[6]["contracts"]);
    assert_eq!(rs[7]["date"], "2024-06-07T10:00:00+05:00");
}

#[test]
fn ladder_three_rounds_without_applications_then_sm_53_1c_cancels() {
    let rs = ladder().releases();
    assert_valid(&rs);
    let all_tags: Vec<Vec<&str>> = rs.iter().map(tags).collect();
    assert_eq!(
        all_tags,
        vec![
            vec!["planning"],
            vec!["tender"],
            vec!["tenderUpdate"],       // commission formed
            vec!["tenderUpdate"],       // round 1 closed: none
            vec!["tenderUpdate"],       // SM-53-1.a: re-announce
            vec!["tenderUpdate"],       // round 2 published
            vec!["tenderUpdate"],       // round 2 closed: none
            vec!["tenderAmendment"],    // SM-53-1.b: the design assignment amended
            vec!["tenderUpdate"],       // round 3 published
            vec!["tenderUpdate"],       // round 3 closed: none
            vec!["tenderCancellation"], // SM-53-1.c
        ]
    );
    let statuses: Vec<&str> = rs
        .iter()
        .map(|r| r["tender"]["status"].as_str().expect("status"))
        .collect();
    let mut expected = vec!["planning"];
    expected.extend(["active"; 9]);
    expected.push("cancelled");
    assert_eq!(statuses, expected);
    assert!(
        rs[0]["tender"]["procurementMethodDetails"]
            .as_str()
            .expect("details")
            .contains("Правил реализации сервисной модели информатизации")
    );
    assert!(
        rs[0]["tender"]["awardCriteriaDetails"]
            .as_str()
            .expect("criteria")
            .ends_with("Критерии отбора поставщика по заданию: опыт, цена, сроки")
    );
    // Before the first close nothing is known of applications; after it, none were received.
    assert!(rs[2]["tender"].get("numberOfTenderers").is_none());
    for r in &rs[3..] {
        assert_eq!(r["tender"]["numberOfTenderers"], 0, "{}", r["id"]);
        assert_eq!(r["tender"]["tenderers"], json!([]));
        assert!(r.get("bids").is_none());
        assert!(r.get("awards").is_none());
        assert_eq!(r["parties"].as_array().map(Vec::len), Some(2));
    }
    // Each round's window; between a decision and the next announcement, the last one.
    let period = |i: usize| rs[i]["tender"]["tenderPeriod"]["startDate"].as_str();
    assert_eq!(period(4), Some("2022-05-06T10:00:00+06:00"));
    assert_eq!(period(5), Some("2022-06-06T10:00:00+06:00"));
    assert_eq!(period(8), Some("2022-07-04T10:00:00+06:00"));
    assert_eq!(
        rs[8]["tender"]["tenderPeriod"]["endDate"],
        "2022-07-26T00:00:00+06:00"
    );
    // SM-53-1.b as the one formal amendment, quoting the rule.
    assert!(rs[6]["tender"].get("amendments").is_none());
    let amendments = rs[10]["tender"]["amendments"]
        .as_array()
        .expect("amendments");
    assert_eq!(amendments.len(), 1);
    assert_eq!(amendments[0]["id"], "round-3");
    assert_eq!(amendments[0]["date"], "2022-06-30T12:00:00+06:00");
    assert!(
        amendments[0]["rationale"]
            .as_str()
            .expect("rationale")
            .starts_with("SM-53-1.b: «Если в течении срока действия повторного объявления")
    );
}

#[test]
fn void_without_a_commission_is_a_cancellation_with_the_applications_unopened() {
    let rs = void().releases();
    assert_valid(&rs);
    let all_tags: Vec<Vec<&str>> = rs.iter().map(tags).collect();
    assert_eq!(
        all_tags,
        vec![vec!["planning"], vec!["tender"], vec!["tenderCancellation"]]
    );
    let last = &rs[2];
    assert_eq!(last["tender"]["status"], "cancelled");
    assert!(last.get("bids").is_none());
    assert!(last["tender"].get("numberOfTenderers").is_none());
    assert!(last["tender"].get("tenderers").is_none());
    assert_eq!(roles(last, SI), ["procuringEntity"]);
}

#[test]
fn register_acquisition_withdraws_the_planned_tender() {
    let rs = Story::new("2024-04-01T10:00:00+05:00", base("tender-2023", json!({})))
        .then("2024-04-03T10:00:00+05:00", |r| {
            r["status"] = json!("acquired-from-register");
        })
        .releases();
    assert_valid(&rs);
    assert_eq!(tags(&rs[1]), ["planningUpdate"]);
    assert_eq!(rs[1]["tender"]["status"], "withdrawn");
}

#[test]
fn formation_refused_cancels_the_award() {
    let mut story = whole_tender();
    story.0.truncate(6); // up to the award
    let rs = story
        .then("2024-05-20T10:00:00+05:00", |r| {
            r["status"] = json!("not-formed")
        })
        .releases();
    assert_valid(&rs);
    let last = rs.last().expect("releases");
    assert_eq!(tags(last), ["awardCancellation"]);
    assert_eq!(last["awards"][0]["status"], "cancelled");
    assert_eq!(last["tender"]["status"], "complete");
}

#[test]
fn the_package_declares_the_bids_extension_and_the_publisher() {
    let pkg = assert_valid(&whole_tender().releases());
    assert_eq!(pkg["version"], "1.1");
    assert_eq!(
        pkg["extensions"],
        json!([
            "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"
        ])
    );
    assert_eq!(pkg["publisher"], json!({"name": "egov"}));
    assert_eq!(pkg["publishedDate"], "2024-06-07T12:00:00+05:00");
    assert_eq!(pkg["releases"].as_array().map(Vec::len), Some(8));
}

#[test]
fn the_validator_rejects_a_broken_release() {
    let mut r = whole_tender().releases().swap_remove(5);
    assert!(validator().validate(&r).is_empty());
    r["ocid"] = json!("kzegov-01HQ3Z8V6W2K9T4M7N5P1R0S2B"); // no registered prefix
    r["tender"]["status"] = json!("evaluation"); // not in the closed tenderStatus
    r["date"] = json!("2024-03-15T11:00:00"); // no zone
    r["tag"] = json!(["award", "opening"]); // not in the closed releaseTag
    r["bids"]["details"][0]["status"] = json!("accepted"); // not in the closed bidStatus
    r["tender"]["value"]["amount"] = json!("125000000.00"); // a string, not a number
    r["parties"][0]["roles"] = json!(["customer"]); // not in the open partyRole
    r["awards"][0]["date"] = json!("2024-02-30T11:00:00+05:00"); // no such day
    let problems = validator().validate(&r);
    let has = |prefix: &str| problems.iter().any(|p| p.starts_with(prefix));
    for prefix in [
        "ocid: 'kzegov-01HQ3Z8V6W2K9T4M7N5P1R0S2B' does not start with an ocid prefix",
        "tender/status: 'evaluation' is not a code in the closed codelist tenderStatus.csv",
        "date: '2024-03-15T11:00:00' is not an RFC 3339 date-time with a time zone",
        "tag/1: 'opening' is not a code in the closed codelist releaseTag.csv",
        "bids/details/0/status: 'accepted' is not a code in the closed codelist bidStatus.csv",
        "tender/value/amount: ",
        "parties/0/roles/0: 'customer' is not a code in the open codelist partyRole.csv",
        "awards/0/date: '2024-02-30T11:00:00+05:00' is not an RFC 3339 date-time",
    ] {
        assert!(has(prefix), "no {prefix:?} in {problems:#?}");
    }
    // An OCDS check and the schema's own enum or format error are reported once.
    assert_eq!(
        problems
            .iter()
            .filter(|p| p.starts_with("tender/status:"))
            .count(),
        1
    );
    assert_eq!(
        problems.iter().filter(|p| p.starts_with("date:")).count(),
        1
    );
    // A release without its required fields.
    let problems = validator().validate(&json!({"ocid": "ocds-kzegov-1"}));
    for field in ["id", "date", "tag", "initiationType"] {
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("(root):") && p.contains(field)),
            "{field}: {problems:#?}"
        );
    }
}

#[test]
fn the_validator_rejects_a_broken_package() {
    let releases = whole_tender().releases();
    let mut pkg = package(
        releases,
        "https://egov.example/ocds/x.json",
        "2024-06-07T12:00:00",
    );
    pkg["version"] = json!("1.0");
    pkg["extensions"] = json!([]);
    pkg["releases"][1]["id"] = pkg["releases"][0]["id"].clone();
    pkg["releases"][2]["id"] = json!("ocds-kzegov-x#3");
    pkg["publisher"] = json!({});
    let problems = validator().validate(&pkg);
    let has = |prefix: &str| problems.iter().any(|p| p.starts_with(prefix));
    for prefix in [
        "version: the package declares OCDS '1.0'",
        "extensions: the releases use the Bids extension",
        "publishedDate: '2024-06-07T12:00:00' is not an RFC 3339 date-time",
        "releases/1/id: release id 'ocds-kzegov-01HQ3Z8V6W2K9T4M7N5P1R0S2B-1' is used twice",
        "releases/2/id: release id 'ocds-kzegov-x#3' must not contain '#'",
        "publisher: ",
    ] {
        assert!(has(prefix), "no {prefix:?} in {problems:#?}");
    }
    assert_eq!(
        validator().validate(&json!({"records": []})),
        ["(root): not an OCDS release package ('releases') or release ('ocid')"]
    );
}

#[test]
fn every_codelist_the_schema_names_is_vendored() {
    fn names(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(n) = m.get("codelist").and_then(Value::as_str) {
                    out.push(n.to_owned());
                }
                m.values().for_each(|x| names(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| names(x, out)),
            _ => {}
        }
    }
    let mut named = Vec::new();
    names(validator().release_schema(), &mut named);
    let ext: Value = serde_json::from_str(schema::BID_EXTENSION_JSON).expect("extension.json");
    named.extend(
        ext["codelists"]
            .as_array()
            .expect("codelists")
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned),
    );
    assert!(named.len() > 20);
    for name in named {
        let codes = validator().codes(&name);
        assert!(
            codes.is_some_and(|c| !c.is_empty()),
            "{name} is not vendored"
        );
    }
    let status = validator().codes("tenderStatus.csv").expect("tenderStatus");
    assert_eq!(status.len(), 7);
    let bid = validator().codes("bidStatus.csv").expect("bidStatus");
    assert!(bid.contains("disqualified") && bid.contains("pending"));
    // Description cells with quoted commas do not break the Code column.
    assert!(
        validator()
            .codes("awardCriteria.csv")
            .expect("awardCriteria")
            .contains("ratedCriteria")
    );
    assert!(
        validator()
            .codes("currency.csv")
            .expect("currency")
            .contains("KZT")
    );
}

#[test]
fn amounts_are_exact_numbers() {
    let text = |s: &str| amount(s).map(|v| serde_json::to_string(&v).expect("json"));
    assert_eq!(text("125000000.00").as_deref(), Some("125000000"));
    assert_eq!(text("1250000.10").as_deref(), Some("1250000.1"));
    assert_eq!(text("121000000.50").as_deref(), Some("121000000.5"));
    assert_eq!(text("0.05").as_deref(), Some("0.05"));
    assert_eq!(text("12.3").as_deref(), Some("12.3"));
    assert_eq!(
        text("9999999999999.99").as_deref(),
        Some("9999999999999.99")
    );
    assert_eq!(text("123").as_deref(), Some("123"));
    for bad in [
        "",
        "1.",
        ".5",
        "1,00",
        "-1.00",
        "1.234",
        "1e3",
        "12345678901234.00",
        "abc",
    ] {
        assert_eq!(amount(bad), None, "{bad:?}");
    }
    // Every cent of a range prints back as written.
    for cents in (0..100_000u64).step_by(7) {
        let s = format!("{}.{:02}", 4_000_000_000 + cents / 100, cents % 100);
        let v: f64 = serde_json::to_string(&amount(&s).expect("an amount"))
            .expect("json")
            .parse()
            .expect("a float");
        assert_eq!(format!("{v:.2}"), s);
    }
}

#[test]
fn local_days_take_the_offset_of_their_date() {
    assert_eq!(almaty_offset("2024-02-29"), "+06:00");
    assert_eq!(almaty_offset("2024-03-01"), "+05:00");
    assert_eq!(
        local_midnight("2024-02-15").as_deref(),
        Some("2024-02-15T00:00:00+06:00")
    );
    assert_eq!(
        local_midnight("2024-06-03").as_deref(),
        Some("2024-06-03T00:00:00+05:00")
    );
    assert_eq!(local_midnight("2024-6-3"), None);
    assert_eq!(local_midnight("2024-06-03T00:00:00"), None);
}

#[test]
fn date_times_and_ocids_as_the_ocds_tools_read_them() {
    for good in [
        "2024-04-02T10:00:00+05:00",
        "2024-04-02T05:00:00Z",
        "2024-02-29T23:59:59.123-03:30",
        "2024-04-02t10:00:00z",
    ] {
        assert!(is_rfc3339(good), "{good}");
    }
    for bad in [
        "2024-04-02T10:00:00",
        "2024-04-02",
        "2023-02-29T10:00:00Z",
        "2024-04-02T24:00:00+05:00",
        "2024-04-02T10:00:00+5:00",
        "2024-04-02T10:00:00+05:60",
        "2024-04-02 10:00:00+05:00",
        "2024-04-02T10:00:00.+05:00",
    ] {
        assert!(!is_rfc3339(bad), "{bad}");
    }
    assert!(has_ocid_prefix("ocds-kzegov-01HQ"));
    assert!(has_ocid_prefix("ocds-213czf-1"));
    assert!(!has_ocid_prefix("ocds-KZEGOV-1"));
    assert!(!has_ocid_prefix("ocds-kzeg"));
    assert!(!has_ocid_prefix("kzegov-1"));
}

#[test]
fn merge_patch_follows_rfc_7386() {
    let mut target = json!({"a": "b", "c": {"d": "e", "f": "g"}, "keep": 1});
    merge_patch(
        &mut target,
        &json!({"a": "z", "c": {"f": null, "h": [1]}, "new": {"x": 1}}),
    );
    assert_eq!(
        target,
        json!({"a": "z", "c": {"d": "e", "h": [1]}, "keep": 1, "new": {"x": 1}})
    );
    // The Bids extension adds `bids` and `Award.relatedBid` and keeps core's Award fields.
    let schema = validator().release_schema();
    assert!(schema["properties"]["bids"].is_object());
    assert!(schema["definitions"]["Award"]["properties"]["relatedBid"].is_object());
    assert!(schema["definitions"]["Award"]["properties"]["suppliers"].is_object());
}

/// Writes the packages of the stories for a manual check with the OCDS tools:
/// `OCDS_DUMP_DIR=/tmp/ocds cargo test -p egov-tender --lib ocds::tests::dump -- --ignored`.
#[test]
#[ignore = "writes files for a manual cross-check"]
fn dump() {
    let dir = std::env::var("OCDS_DUMP_DIR").expect("OCDS_DUMP_DIR");
    std::fs::create_dir_all(&dir).expect("the dump directory");
    for (name, story) in [
        ("whole", whole_tender()),
        ("ladder", ladder()),
        ("void", void()),
    ] {
        let pkg = assert_valid(&story.releases());
        let text = serde_json::to_string_pretty(&pkg).expect("json");
        std::fs::write(format!("{dir}/{name}.json"), text).expect("written");
    }
}
