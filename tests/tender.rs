//! The tender end to end over HTTP, on real dates, with the variant chosen by the day the tender
//! begins: `tender-2022` (the service-model Rules as amended by order 101/НҚ) for one begun
//! before 1 January 2023, `tender-2023` (the Rules restated by order 471/НҚ) after.
//!
//! - 2022: a design assignment approved on Thursday 28 April 2022 starts the tender; the window
//!   of 15 working days from Friday 29 April (2, 9 and 10 May off) ends at 24:00 on Wednesday
//!   25 May (SM-47); two suppliers apply, one replaces its application, one withdraws a second
//!   one; nothing of an application is in Redis in readable form before the close; the close
//!   opens them, the Commission evaluates, the tie goes to the application received first, and
//!   the road of SM-73..SM-98 ends in the Catalog entry (SM-98.b).
//! - 2023: a design assignment approved on Thursday 5 January 2023 starts a tender of the 2023
//!   rules: the Register is asked first (LC-26); no application comes in three windows, and the
//!   Commission decides SM-53-1.a, .b, .c in that order (out of order is refused) to
//!   cancellation.
//!
//! Every release the suite produces is validated against the OCDS 1.1.5 schemas.
//! Kazakhstan was on UTC+6 until 1 March 2024.

use egov_e2e::sm::{criteria, design_assignment, request};
use egov_e2e::{AGENCY, MINISTRY, OTHER_AGENCY, Suite, eventually, topic_events};
use egov_events::v1::{IctServiceForCatalog, SimilarSoftwareAsked};
use egov_kernel::Role;
use serde_json::{Value, json};

/// A second supplier (a valid BIN).
const SUPPLIER_B: &str = "051140000123";

/// `role` of `org`'s open task `key` of `case` at `service`, once it is there.
async fn task(s: &Suite, service: &str, role: Role, org: &str, case: &str, key: &str) -> Value {
    let token = s.token(role, org);
    eventually(&format!("task {key}"), || async {
        let (_, body) = s.get(service, "/api/v1/tasks", &token).await;
        body["items"]
            .as_array()?
            .iter()
            .find(|t| t["case_id"] == case && t["key"] == key)
            .cloned()
    })
    .await
}

/// Completes `key` of `case` at `service` as `role` of `org` at local time `at`.
async fn complete(
    s: &Suite,
    service: &str,
    (role, org): (Role, &str),
    case: &str,
    key: &str,
    at: &str,
    body: Value,
) -> (u16, Value) {
    let t = task(s, service, role, org, case, key).await;
    s.set_clock(at);
    s.post(
        service,
        &format!("/api/v1/tasks/{}/complete", t["id"].as_str().unwrap()),
        &s.token(role, org),
        &body,
        None,
    )
    .await
}

/// As [`complete`], asserting a 200.
async fn done(
    s: &Suite,
    service: &str,
    who: (Role, &str),
    case: &str,
    key: &str,
    at: &str,
    body: Value,
) -> Value {
    let (status, r) = complete(s, service, who, case, key, at, body).await;
    assert_eq!(status, 200, "{key}: {r}");
    r
}

/// A service-model request of the agency taken to the customer's approval of its design
/// assignment at `approved` (SM-8.a, SM-11, SM-13.a, SM-18, AMB-SM-8): the case id.
async fn approved_design_assignment(s: &Suite, times: [&str; 3], approved: &str) -> String {
    let (status, created) = s
        .post(
            "intake",
            "/api/v1/automation-requests",
            &s.token(Role::StateBody, AGENCY),
            &request(),
            None,
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let case = created["id"].as_str().unwrap().to_owned();
    let si = (Role::ServiceIntegrator, MINISTRY);
    let ab = (Role::AuthorizedBody, MINISTRY);
    let x = "expertise";
    done(
        s,
        x,
        si,
        &case,
        "si-conclusion",
        times[0],
        json!({"outcome": "positive", "inputs": criteria()}),
    )
    .await;
    done(
        s,
        x,
        ab,
        &case,
        "ab-decision",
        times[1],
        json!({"outcome": "agree"}),
    )
    .await;
    let mut da = design_assignment();
    da["ict_service_cost_ceiling"] = json!("125000000.00");
    da["supplier_selection_criteria"] =
        json!("Цена предложения (60 баллов) и опыт создания аналогичных систем (40 баллов)");
    done(
        s,
        x,
        si,
        &case,
        "design-assignment",
        times[2],
        json!({"outcome": "submitted", "inputs": da}),
    )
    .await;
    done(
        s,
        x,
        (Role::StateBody, AGENCY),
        &case,
        "da-approval",
        approved,
        json!({"outcome": "approved"}),
    )
    .await;
    case
}

/// The one tender of the suite, once the tender service recorded it: its id (the case's).
async fn the_tender(s: &Suite) -> Value {
    let token = s.token(Role::ServiceIntegrator, MINISTRY);
    eventually("the tender", || async {
        let (_, body) = s.get("tender", "/api/v1/tenders", &token).await;
        body["items"].as_array()?.first().cloned()
    })
    .await
}

/// The tender as it stands, once `pred` holds.
async fn tender_when(s: &Suite, id: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let token = s.token(Role::ServiceIntegrator, MINISTRY);
    eventually(what, || async {
        let (_, t) = s
            .get("tender", &format!("/api/v1/tenders/{id}"), &token)
            .await;
        pred(&t).then_some(t)
    })
    .await
}

/// An application (or anything) into the tender's slot as `role` of `org`.
async fn apply(
    s: &Suite,
    method: &str,
    path: &str,
    role: Role,
    org: &str,
    body: &Value,
) -> (u16, Value) {
    let (status, _, r) = s
        .raw(
            method,
            "tender",
            path,
            &s.token(role, org),
            Some(&body.to_string()),
        )
        .await;
    (status, r)
}

/// Everything in the suite's Redis, as text: every string, hash, list, set, sorted set and
/// every stream entry.
async fn redis_dump(s: &Suite) -> String {
    let mut conn = egov_bus::connect(&s.redis.client()).await.unwrap();
    let mut out = String::new();
    for key in s.keys().await {
        let kind: String = redis::cmd("TYPE")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        // Each type's read-everything command; its reply, whatever its shape, as text.
        let cmd: &[&str] = match kind.as_str() {
            "string" => &["GET"],
            "hash" => &["HGETALL"],
            "list" => &["LRANGE", "0", "-1"],
            "set" => &["SMEMBERS"],
            "zset" => &["ZRANGE", "0", "-1"],
            "stream" => &["XRANGE", "-", "+"],
            other => panic!("a key of type {other}: {key}"),
        };
        let mut c = redis::cmd(cmd[0]);
        c.arg(&key);
        for a in &cmd[1..] {
            c.arg(*a);
        }
        let v: redis::Value = c.query_async(&mut conn).await.unwrap();
        out.push_str(&key);
        out.push('\n');
        out.push_str(&text_of(&v));
        out.push('\n');
    }
    out
}

/// Every byte string in a Redis reply, as UTF-8 text (Cyrillic stays readable), one per line.
fn text_of(v: &redis::Value) -> String {
    match v {
        redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        redis::Value::SimpleString(t) => t.clone(),
        redis::Value::Array(items) | redis::Value::Set(items) => {
            items.iter().map(text_of).collect::<Vec<_>>().join("\n")
        }
        redis::Value::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| format!("{}\n{}", text_of(k), text_of(v)))
            .collect::<Vec<_>>()
            .join("\n"),
        other => format!("{other:?}"),
    }
}

/// The tender's OCDS releases, each valid against the OCDS 1.1.5 schemas: the package.
async fn ocds_valid(s: &Suite, id: &str) -> Value {
    let (status, package) = s
        .get(
            "tender",
            &format!("/api/v1/tenders/{id}/ocds"),
            &s.token(Role::Supplier, OTHER_AGENCY),
        )
        .await;
    assert_eq!(status, 200, "{package}");
    let problems = egov_tender::ocds::schema::Validator::new().validate(&package);
    assert!(problems.is_empty(), "{problems:#?}\n{package:#}");
    package
}

/// The releases' tags, in order.
fn tags(package: &Value) -> Vec<String> {
    package["releases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["tag"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_owned())
        })
        .collect()
}

/// The Commission's protocol.
fn protocol(n: &str, date: &str) -> Value {
    json!({"number": n, "date": date})
}

fn members() -> Value {
    json!([{"name": "Абенов Ерлан Маратович", "position": "Председатель"},
           {"name": "Сейтова Айгуль Нурлановна", "position": "Заместитель председателя"},
           {"name": "Ким Андрей Викторович", "position": "Член комиссии"}])
}

#[tokio::test]
async fn sm_42_to_sm_98_b_a_2022_tender_with_two_applications_sealed_until_the_close_ends_in_the_catalog()
 {
    let s = Suite::start("2022-04-20T10:00:00+06:00").await;
    let sm = approved_design_assignment(
        &s,
        [
            "2022-04-21T10:00:00+06:00",
            "2022-04-22T10:00:00+06:00",
            "2022-04-26T10:00:00+06:00",
        ],
        "2022-04-28T10:00:00+06:00",
    )
    .await;

    // The approval started the tender (SM-42), on the rules in force that day.
    let t = the_tender(&s).await;
    let id = t["id"].as_str().unwrap().to_owned();
    assert_ne!(id, sm);
    assert_eq!(t["variant"], "tender-2022", "{t}");
    assert_eq!(t["customer"], AGENCY);
    let si = (Role::ServiceIntegrator, MINISTRY);
    let customer = (Role::StateBody, AGENCY);
    let commission = (Role::Commission, AGENCY);
    let ts = "tender";

    // SM-42: the SI publishes within 3 working days of the approval (29 April, 3 and 4 May:
    // 30 April and 1 May are a weekend, 2 May is off).
    let a = task(&s, ts, si.0, si.1, &id, "announce").await;
    assert_eq!(
        (a["rule"].as_str(), a["due"]["last_day"].as_str()),
        (Some("SM-42"), Some("2022-05-04")),
        "{a}"
    );
    done(
        &s,
        ts,
        si,
        &id,
        "announce",
        "2022-04-29T10:00:00+06:00",
        json!({"outcome": "published", "inputs": {
            "announcement": "ЗК-2022/17",
            "customer_agreement": {"date": "2022-04-29", "reference": "portal:doc/2022-991"},
            "platform_reference": "https://eplatform.example.kz/tenders/17",
            "criteria": [{"criterion": "Цена", "weight": 60}, {"criterion": "Опыт", "weight": 40}],
            "ppp_project": false,
            "integrations": ["ГБД ФЛ"]
        }}),
    )
    .await;
    // SM-47: 15 working days from the day after the publication; 9 and 10 May are off too.
    let t = tender_when(&s, &id, "the window", |t| t["status"] == "active").await;
    assert_eq!(
        t["record"]["window"]["end"], "2022-05-26T00:00:00+06:00",
        "{t}"
    );
    // SM-36.a: the Commission no later than the last day of acceptance.
    let c = task(&s, ts, customer.0, customer.1, &id, "commission").await;
    assert_eq!(c["due"]["last_day"], "2022-05-25", "{c}");
    done(
        &s,
        ts,
        customer,
        &id,
        "commission",
        "2022-05-04T10:00:00+06:00",
        json!({"outcome": "formed", "inputs": {
            "order": "Приказ № 45", "formed_on": "2022-05-04", "members": members(), "ppp": false
        }}),
    )
    .await;

    // SM-49: applications by suppliers only, each answered with a receipt holding its digest.
    let slot = format!("/api/v1/cases/{id}/inputs/applications");
    s.set_clock("2022-05-05T10:00:00+06:00");
    let (status, r) = apply(
        &s,
        "POST",
        &slot,
        Role::StateBody,
        AGENCY,
        &json!({"price_tenge": "1.00"}),
    )
    .await;
    assert_eq!((status, r["rule"].as_str()), (403, Some("SM-49")), "{r}");
    let first_a = json!({"price_tenge": "98765432.10", "proposal": "ZETA-PROPOSAL-5521 первое"});
    let (status, ra) = apply(&s, "POST", &slot, Role::Supplier, OTHER_AGENCY, &first_a).await;
    assert_eq!(status, 201, "{ra}");
    assert_eq!(ra["receipt"]["seq"], 1);
    assert_eq!(ra["receipt"]["by"], OTHER_AGENCY);
    let digest = ra["receipt"]["digest"].as_str().unwrap();
    assert_eq!(digest.len(), 64);
    s.set_clock("2022-05-06T10:00:00+06:00");
    let (status, rb) = apply(
        &s,
        "POST",
        &slot,
        Role::Supplier,
        SUPPLIER_B,
        &json!({"price_tenge": "99000000.00", "proposal": "ZETA-PROPOSAL-3344"}),
    )
    .await;
    assert_eq!(
        (status, rb["receipt"]["seq"].as_u64()),
        (201, Some(2)),
        "{rb}"
    );
    // Another supplier cannot replace or withdraw A's application.
    let (status, r) = apply(
        &s,
        "PUT",
        &format!("{slot}/1"),
        Role::Supplier,
        SUPPLIER_B,
        &json!({"price_tenge": "1.00"}),
    )
    .await;
    assert_eq!(status, 404, "{r}");
    let (status, _, r) = s
        .raw(
            "DELETE",
            "tender",
            &format!("{slot}/1"),
            &s.token(Role::Supplier, SUPPLIER_B),
            None,
        )
        .await;
    assert_eq!(status, 404, "{r}");
    // A replaces its own; B sends a second and withdraws it.
    s.set_clock("2022-05-20T10:00:00+06:00");
    let (status, r) = apply(
        &s,
        "PUT",
        &format!("{slot}/1"),
        Role::Supplier,
        OTHER_AGENCY,
        &json!({"price_tenge": "97000000.00", "proposal": "ZETA-PROPOSAL-7788 заменённое"}),
    )
    .await;
    assert_eq!(
        (
            status,
            r["receipt"]["seq"].as_u64(),
            r["receipt"]["replaces"].as_u64()
        ),
        (201, Some(3), Some(1)),
        "{r}"
    );
    let (status, r) = apply(
        &s,
        "POST",
        &slot,
        Role::Supplier,
        SUPPLIER_B,
        &json!({"price_tenge": "1.00", "proposal": "ZETA-PROPOSAL-9900"}),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    let (status, _, r) = s
        .raw(
            "DELETE",
            "tender",
            &format!("{slot}/4"),
            &s.token(Role::Supplier, SUPPLIER_B),
            None,
        )
        .await;
    assert_eq!(status, 200, "{r}");

    // Before the close nobody reads an application: the SI sees digests and the count (2 live),
    // a supplier its own receipts, no body anywhere.
    let (_, v) = s.get(ts, &slot, &s.token(si.0, si.1)).await;
    assert_eq!(v["count"], 2, "{v}");
    let (_, v) = s
        .get(ts, &slot, &s.token(Role::Supplier, OTHER_AGENCY))
        .await;
    let own = v["inputs"].as_array().unwrap();
    assert_eq!(own.len(), 2, "{v}");
    assert!(
        own.iter()
            .all(|i| i.get("body").is_none() && i["by"]["org"] == OTHER_AGENCY),
        "{v}"
    );
    // ...and nothing in Redis holds any of them in readable form: no key, no stream entry.
    let dump = redis_dump(&s).await;
    for marker in [
        "ZETA-PROPOSAL",
        "98765432.10",
        "97000000.00",
        "99000000.00",
        "первое",
    ] {
        assert!(
            !dump.contains(marker),
            "{marker} is readable in Redis before the close"
        );
    }
    let t = tender_when(&s, &id, "the record", |t| t["status"] == "active").await;
    assert!(
        t["record"]["applications"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{t}"
    );
    // The case's timeline tells that applications came, not who sent them.
    let (_, timeline) = s
        .get(
            "intake",
            &format!("/api/v1/cases/{id}"),
            &s.token(Role::AuthorizedBody, MINISTRY),
        )
        .await;
    assert!(
        timeline.to_string().contains("SlotInputReceived"),
        "{timeline}"
    );
    for supplier in [OTHER_AGENCY, SUPPLIER_B] {
        assert!(
            !timeline.to_string().contains(supplier),
            "the timeline names {supplier} before the close"
        );
    }

    // SM-47: the window closes at 24:00 on 25 May; an application at that instant is refused,
    // naming the instant, before the scheduler acts on it and after.
    s.set_clock("2022-05-26T00:00:00+06:00");
    let (status, r) = apply(
        &s,
        "POST",
        &slot,
        Role::Supplier,
        OTHER_AGENCY,
        &json!({"price_tenge": "1.00"}),
    )
    .await;
    assert_eq!((status, r["rule"].as_str()), (409, Some("SM-47")), "{r}");
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .contains("2022-05-26T00:00:00+06:00"),
        "{r}"
    );
    assert!(r["detail"].as_str().unwrap().contains("25.05.2022"), "{r}");
    // The close opens the two live applications.
    let t = tender_when(&s, &id, "the opening", |t| t["status"] == "evaluation").await;
    let apps = t["record"]["applications"].as_array().unwrap();
    let seqs: Vec<u64> = apps.iter().map(|a| a["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [2, 3], "{t}");
    let (_, v) = s.get(ts, &slot, &s.token(si.0, si.1)).await;
    assert_eq!(v["unsealed"], true);
    assert!(v.to_string().contains("ZETA-PROPOSAL-7788"), "{v}");
    assert!(
        !v.to_string().contains("ZETA-PROPOSAL-9900"),
        "a withdrawn body was kept: {v}"
    );

    // The evaluation (SM-F2 item 12, the variant's method): 84.00 each; the tie goes to the
    // application received first (B's, 6 May; A's replacement came on 20 May).
    let r = done(&s, ts, commission, &id, "evaluation", "2022-05-27T11:00:00+06:00", json!({"outcome": "award", "inputs": {
        "protocol": protocol("ПК-3", "2022-05-27"),
        "applications": [
            {"seq": 2, "admissible": true, "scores": [{"criterion": "Цена", "score": 80}, {"criterion": "Опыт", "score": 90}]},
            {"seq": 3, "admissible": true, "scores": [{"criterion": "Цена", "score": 90}, {"criterion": "Опыт", "score": 75}]}
        ],
        "creation_due": "2022-08-31"
    }})).await;
    assert_eq!(r["outcome"], "award", "{r}");
    let t = tender_when(&s, &id, "the award", |t| t["status"] == "awarded").await;
    assert_eq!(t["record"]["award"]["supplier"], SUPPLIER_B, "{t}");
    assert_eq!(t["record"]["award"]["score"], "84.00", "{t}");
    let scores: Vec<&Value> = t["record"]["applications"]
        .as_array()
        .expect("the opened applications")
        .iter()
        .filter(|a| a["status"] == "valid")
        .map(|a| &a["score"])
        .collect();
    assert_eq!(scores, [&json!("84.00"), &json!("84.00")], "{t}");

    // SM-73..SM-98: creation, testing with the integration check, environment, trials, the
    // Commission convened within 2 working days, formation, commissioning, the two notices.
    let winner = (Role::Supplier, SUPPLIER_B);
    let operator = (Role::Operator, MINISTRY);
    done(
        &s,
        ts,
        winner,
        &id,
        "creation",
        "2022-07-01T10:00:00+06:00",
        json!({"outcome": "created", "inputs": {"ici_resources": "8 vCPU, 32 ГБ ОЗУ, 1 ТБ"}}),
    )
    .await;
    let (status, r) = complete(&s, ts, si, &id, "testing", "2022-07-05T10:00:00+06:00", json!({"outcome": "passed", "inputs": {"protocol": protocol("ПТ-1", "2022-07-05"), "integration_checks": []}})).await;
    assert_eq!(
        (status, r["errors"][0]["rule"].as_str()),
        (422, Some("SM-76-1")),
        "{r}"
    );
    done(&s, ts, si, &id, "testing", "2022-07-05T10:00:00+06:00", json!({"outcome": "passed", "inputs": {"protocol": protocol("ПТ-1", "2022-07-05"), "integration_checks": [{"service": "ГБД ФЛ", "result": "passed"}]}})).await;
    done(
        &s,
        ts,
        operator,
        &id,
        "environment",
        "2022-07-06T10:00:00+06:00",
        json!({"outcome": "allocated"}),
    )
    .await;
    done(&s, ts, operator, &id, "trials", "2022-07-08T10:00:00+06:00", json!({"outcome": "passed", "inputs": {"object": "spp", "act": protocol("АИ-5", "2022-07-08")}})).await;
    // SM-83: 2 working days from Friday 8 July: 11 and 12 July.
    let c = task(&s, ts, si.0, si.1, &id, "convene").await;
    assert_eq!(c["due"]["last_day"], "2022-07-12", "{c}");
    done(
        &s,
        ts,
        si,
        &id,
        "convene",
        "2022-07-11T10:00:00+06:00",
        json!({"outcome": "convened"}),
    )
    .await;
    done(&s, ts, commission, &id, "formation", "2022-07-13T10:00:00+06:00", json!({"outcome": "form", "inputs": {
        "protocol": protocol("ПК-9", "2022-07-13"), "service_name": "Разрешения на наружную рекламу",
        "service_type": "software", "software_product": "СПП «Реклама»",
        "monthly_price_tenge": "1250000.00", "ownership_transfer_required": true
    }})).await;
    done(&s, ts, operator, &id, "commissioning", "2022-07-20T10:00:00+06:00", json!({"outcome": "commissioned", "inputs": {
        "protocol": "ПВ-7", "signed_on": "2022-07-20", "technical_documentation_accepted": true, "rental_start": "2022-07-20"
    }})).await;
    // SM-98.a: 3 working days after the signing (21, 22, 25 July); SM-98.b: 3 from the receipt.
    let n = task(&s, ts, operator.0, operator.1, &id, "notify-si").await;
    assert_eq!(n["due"]["last_day"], "2022-07-25", "{n}");
    done(
        &s,
        ts,
        operator,
        &id,
        "notify-si",
        "2022-07-21T10:00:00+06:00",
        json!({"outcome": "notified"}),
    )
    .await;
    let n = task(&s, ts, si.0, si.1, &id, "notify-ab").await;
    assert_eq!(n["due"]["last_day"], "2022-07-26", "{n}");
    done(
        &s,
        ts,
        si,
        &id,
        "notify-ab",
        "2022-07-22T10:00:00+06:00",
        json!({"outcome": "notified"}),
    )
    .await;

    // The notification reaches the catalog, whose entry is the formed ICT service.
    let sent = eventually("SM-98.b", || async {
        topic_events::<IctServiceForCatalog>(&s, "tender")
            .await
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(
        (sent.service_id.as_str(), sent.supplier.as_str()),
        (id.as_str(), SUPPLIER_B)
    );
    let token = s.token(Role::AuthorizedBody, MINISTRY);
    let entry = eventually("the Catalog entry", || async {
        let (status, e) = s
            .get("catalog", &format!("/api/v1/ict-services/{id}"), &token)
            .await;
        (status == 200).then_some(e)
    })
    .await;
    assert_eq!(entry["customer"], AGENCY, "{entry}");
    let t = tender_when(&s, &id, "formed", |t| t["status"] == "formed").await;
    assert!(t["record"]["contract"].is_object(), "{t}");

    // OCDS: every release valid; the tender, the award and the contract are there.
    let package = ocds_valid(&s, &id).await;
    let tags = tags(&package);
    for tag in ["tender", "award", "contract"] {
        assert!(tags.iter().any(|t| t == tag), "{tags:?}");
    }
    let last = package["releases"].as_array().unwrap().last().unwrap();
    assert_eq!(last["ocid"], format!("ocds-kzegov-{id}"));
    assert_eq!(
        last["tender"]["tenderPeriod"]["endDate"],
        "2022-05-26T00:00:00+06:00"
    );
    assert!(
        last["parties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == format!("KZ-BIN-{SUPPLIER_B}")),
        "{last}"
    );
    // The feed holds the same releases, a page at a time.
    let mut seen = 0;
    let mut next = Some("/api/v1/ocds/releases?limit=2".to_owned());
    while let Some(path) = next {
        let (status, page) = s.get("tender", &path, &token).await;
        assert_eq!(status, 200, "{page}");
        assert!(
            egov_tender::ocds::schema::Validator::new()
                .validate(&page)
                .is_empty(),
            "{page}"
        );
        seen += page["releases"].as_array().unwrap().len();
        // An absolute URL of this service (OCDS wants absolute URIs).
        next = page["links"]["next"].as_str().map(|u| {
            u.split_once("/api/")
                .map(|(_, p)| format!("/api/{p}"))
                .unwrap()
        });
    }
    assert_eq!(seen, package["releases"].as_array().unwrap().len());
    s.stop().await;
}

#[tokio::test]
async fn sm_53_1_a_2023_tender_asks_the_register_then_three_empty_windows_lead_to_cancellation_in_order()
 {
    let s = Suite::start("2022-12-26T10:00:00+06:00").await;
    approved_design_assignment(
        &s,
        [
            "2022-12-27T10:00:00+06:00",
            "2022-12-28T10:00:00+06:00",
            "2022-12-29T10:00:00+06:00",
        ],
        "2023-01-05T10:00:00+06:00",
    )
    .await;
    // Begun on 5 January 2023: the 2023 rules, whose first step asks the Register (LC-26).
    let t = the_tender(&s).await;
    let id = t["id"].as_str().unwrap().to_owned();
    assert_eq!(t["variant"], "tender-2023", "{t}");
    let asked = eventually("LC-26", || async {
        topic_events::<SimilarSoftwareAsked>(&s, "tender")
            .await
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(
        (asked.reference.as_str(), asked.rule.as_str()),
        (id.as_str(), "LC-26")
    );
    let si = (Role::ServiceIntegrator, MINISTRY);
    let commission = (Role::Commission, AGENCY);
    let ts = "tender";
    let announce = |round: u32, at: &'static str| {
        let (s, id) = (&s, id.clone());
        async move {
            let key = if round == 1 {
                "announce".to_owned()
            } else {
                format!("announce~{round}")
            };
            done(
                s,
                ts,
                si,
                &id,
                &key,
                at,
                json!({"outcome": "published", "inputs": {
                    "announcement": format!("ЗК-2023/{round}"),
                    "customer_agreement": {"date": &at[..10], "reference": "portal:doc/2023-5"},
                    "platform_reference": "https://eplatform.example.kz/tenders/2023-5",
                    "criteria": [{"criterion": "Цена", "weight": 100}],
                    "ppp_project": false, "integrations": [],
                    "tor_case": "01GQ0000000000000000000000"
                }}),
            )
            .await;
        }
    };
    // Nothing similar in the (empty) Register: the announcement.
    announce(1, "2023-01-05T15:00:00+06:00").await;
    done(
        &s,
        ts,
        (Role::StateBody, AGENCY),
        &id,
        "commission",
        "2023-01-06T10:00:00+06:00",
        json!({"outcome": "formed", "inputs": {
            "order": "Приказ № 2", "formed_on": "2023-01-06", "members": members(), "ppp": false
        }}),
    )
    .await;
    let t = tender_when(&s, &id, "round 1", |t| t["status"] == "active").await;
    assert_eq!(
        t["record"]["window"]["end"], "2023-01-27T00:00:00+06:00",
        "{t}"
    );

    // No application in round 1: the Commission may only re-announce (SM-53-1.a).
    s.set_clock("2023-01-27T00:00:01+06:00");
    tender_when(&s, &id, "round 1 closed", |t| t["status"] == "ladder").await;
    let ladder = |key: &'static str, outcome: &'static str, at: &'static str, extra: Value| {
        let (s, id) = (&s, id.clone());
        async move {
            let mut inputs = json!({"protocol": protocol("ПК-L", &at[..10])});
            if let (Value::Object(m), Value::Object(e)) = (&mut inputs, extra) {
                m.extend(e);
            }
            complete(
                s,
                ts,
                commission,
                &id,
                key,
                at,
                json!({"outcome": outcome, "inputs": inputs}),
            )
            .await
        }
    };
    for (outcome, rule) in [
        ("cancel", "SM-53-1.c"),
        ("amend-and-re-tender", "SM-53-1.b"),
    ] {
        let (status, r) = ladder("ladder", outcome, "2023-01-30T10:00:00+06:00", json!({})).await;
        assert_eq!(status, 422, "{r}");
        assert_eq!(r["errors"][0]["rule"], rule, "{r}");
    }
    let (status, r) = ladder(
        "ladder",
        "re-announce",
        "2023-01-30T10:00:00+06:00",
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{r}");

    // Round 2: 15 working days from 1 March 2023 (8 and 21-23 March off): 28 March.
    announce(2, "2023-03-01T10:00:00+06:00").await;
    let t = tender_when(&s, &id, "round 2", |t| {
        t["status"] == "active" && t["record"]["round"] == 2
    })
    .await;
    assert_eq!(
        t["record"]["window"]["end"], "2023-03-29T00:00:00+06:00",
        "{t}"
    );
    s.set_clock("2023-03-29T00:00:01+06:00");
    tender_when(&s, &id, "round 2 closed", |t| t["status"] == "ladder").await;
    let (status, r) = ladder("ladder~2", "cancel", "2023-03-30T10:00:00+06:00", json!({})).await;
    assert_eq!(
        (status, r["errors"][0]["rule"].as_str()),
        (422, Some("SM-53-1.c")),
        "{r}"
    );
    let (status, r) = ladder("ladder~2", "amend-and-re-tender", "2023-03-30T10:00:00+06:00", json!({
        "amendments": "Снижены требования к опыту, уточнён перечень процессов",
        "amended_items": {"processes_or_technical_requirements": "Приём и рассмотрение заявлений в электронном виде"}
    })).await;
    assert_eq!(status, 200, "{r}");

    // Round 3, then SM-53-1.c: the creation of the ICT service is cancelled.
    announce(3, "2023-04-03T10:00:00+06:00").await;
    let t = tender_when(&s, &id, "round 3", |t| {
        t["status"] == "active" && t["record"]["round"] == 3
    })
    .await;
    assert_eq!(
        t["record"]["window"]["end"], "2023-04-25T00:00:00+06:00",
        "{t}"
    );
    s.set_clock("2023-04-25T00:00:01+06:00");
    tender_when(&s, &id, "round 3 closed", |t| t["status"] == "ladder").await;
    let (status, r) = ladder(
        "ladder~3",
        "re-announce",
        "2023-04-26T10:00:00+06:00",
        json!({}),
    )
    .await;
    assert_eq!(
        (status, r["errors"][0]["rule"].as_str()),
        (422, Some("SM-53-1.a")),
        "{r}"
    );
    let (status, r) = ladder("ladder~3", "cancel", "2023-04-26T10:00:00+06:00", json!({})).await;
    assert_eq!(status, 200, "{r}");
    let t = tender_when(&s, &id, "cancelled", |t| t["status"] == "cancelled").await;
    assert_eq!(t["record"]["rounds"].as_array().unwrap().len(), 3, "{t}");
    // An application to the cancelled tender is refused.
    let (status, r) = apply(
        &s,
        "POST",
        &format!("/api/v1/cases/{id}/inputs/applications-3"),
        Role::Supplier,
        OTHER_AGENCY,
        &json!({"price_tenge": "1.00"}),
    )
    .await;
    assert_eq!(status, 409, "{r}");

    let package = ocds_valid(&s, &id).await;
    let tags = tags(&package);
    assert!(tags.iter().any(|t| t == "tenderCancellation"), "{tags:?}");
    assert_eq!(
        package["releases"].as_array().unwrap().last().unwrap()["tender"]["status"],
        "cancelled"
    );
    s.stop().await;
}

#[tokio::test]
async fn sm_49_sm_36_a_bad_applications_and_decisions_out_of_order_are_refused_and_change_nothing()
{
    let s = Suite::start("2022-04-20T10:00:00+06:00").await;
    approved_design_assignment(
        &s,
        [
            "2022-04-21T10:00:00+06:00",
            "2022-04-22T10:00:00+06:00",
            "2022-04-26T10:00:00+06:00",
        ],
        "2022-04-28T10:00:00+06:00",
    )
    .await;
    let id = the_tender(&s).await["id"].as_str().unwrap().to_owned();
    let slot = format!("/api/v1/cases/{id}/inputs/applications");
    let si = (Role::ServiceIntegrator, MINISTRY);
    let commission = s.token(Role::Commission, AGENCY);
    // No application before the announcement: the slot does not exist yet.
    let (status, r) = apply(
        &s,
        "POST",
        &slot,
        Role::Supplier,
        OTHER_AGENCY,
        &json!({"price_tenge": "1.00"}),
    )
    .await;
    assert_eq!(status, 404, "{r}");
    done(
        &s,
        "tender",
        si,
        &id,
        "announce",
        "2022-04-29T10:00:00+06:00",
        json!({"outcome": "published", "inputs": {
            "announcement": "ЗК-2022/18",
            "customer_agreement": {"date": "2022-04-29", "reference": "portal:doc/2022-992"},
            "platform_reference": "https://eplatform.example.kz/tenders/18",
            "criteria": [{"criterion": "Цена", "weight": 100}],
            "ppp_project": false, "integrations": []
        }}),
    )
    .await;
    let before = tender_when(&s, &id, "the window", |t| t["status"] == "active").await;
    s.set_clock("2022-05-05T10:00:00+06:00");

    // Decisions out of order: no evaluation before the close (SM-47), no award without one.
    let (status, r) = s
        .post("tender", &format!("/api/v1/tasks/{id}.evaluation/complete"), &commission,
              &json!({"outcome": "award", "inputs": {"protocol": protocol("X", "2022-05-05"), "applications": [{"seq": 1, "admissible": true}]}}), None)
        .await;
    assert_eq!(status, 404, "{r}");
    // SM-49: by suppliers only; an object; at most 64 KiB.
    for role in [Role::Operator, Role::ServiceIntegrator, Role::StateBody] {
        let org = if role == Role::StateBody {
            AGENCY
        } else {
            MINISTRY
        };
        let (status, r) = apply(
            &s,
            "POST",
            &slot,
            role,
            org,
            &json!({"price_tenge": "1.00"}),
        )
        .await;
        assert!(status == 403 || status == 404, "{role}: {r}");
    }
    let (status, r) = apply(
        &s,
        "POST",
        &slot,
        Role::Supplier,
        OTHER_AGENCY,
        &json!(["not", "an", "object"]),
    )
    .await;
    assert_eq!(status, 400, "{r}");
    let big = json!({"price_tenge": "1.00", "proposal": "x".repeat(70 * 1024)});
    let (status, r) = apply(&s, "POST", &slot, Role::Supplier, OTHER_AGENCY, &big).await;
    assert_eq!(status, 413, "{r}");
    let (status, r) = apply(
        &s,
        "PUT",
        &format!("{slot}/1"),
        Role::Supplier,
        OTHER_AGENCY,
        &json!({"price_tenge": "1.00"}),
    )
    .await;
    assert_eq!(status, 404, "replacing what was never sent: {r}");
    let (status, _, r) = s
        .raw(
            "DELETE",
            "tender",
            &format!("{slot}/abc"),
            &s.token(Role::Supplier, OTHER_AGENCY),
            None,
        )
        .await;
    assert_eq!(status, 400, "{r}");
    let (_, v) = s.get("tender", &slot, &s.token(si.0, si.1)).await;
    assert_eq!(v["count"], 0, "a refused application was recorded: {v}");
    // One real application: the customer, the AB and the SI read its digest, never its body.
    let (status, r) = apply(
        &s,
        "POST",
        &slot,
        Role::Supplier,
        OTHER_AGENCY,
        &json!({"price_tenge": "5.00", "proposal": "ZETA-PROPOSAL-0001"}),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    for (role, org) in [
        (Role::StateBody, AGENCY),
        (Role::AuthorizedBody, MINISTRY),
        si,
        (Role::Operator, MINISTRY),
    ] {
        let (_, v) = s.get("tender", &slot, &s.token(role, org)).await;
        assert!(
            !v.to_string().contains("ZETA-PROPOSAL"),
            "{role} read a sealed application: {v}"
        );
        let (_, p) = s
            .get(
                "tender",
                &format!("/api/v1/cases/{id}/progress"),
                &s.token(role, org),
            )
            .await;
        assert!(
            !p.to_string().contains("ZETA-PROPOSAL"),
            "{role} read a sealed application: {p}"
        );
    }
    let after = tender_when(&s, &id, "the record", |t| t["status"] == "active").await;
    assert_eq!(
        after["record"], before["record"],
        "bad input changed the tender"
    );

    // SM-36.a: the window closes (24:00 on 25 May) without a Commission: the tender is void,
    // its application never opened, and a Commission formed afterwards is refused.
    s.set_clock("2022-05-26T00:00:01+06:00");
    let t = tender_when(&s, &id, "void", |t| t["status"] == "void").await;
    assert!(
        t["record"]["applications"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{t}"
    );
    let (status, r) = s
        .post("tender", &format!("/api/v1/tasks/{id}.commission/complete"), &s.token(Role::StateBody, AGENCY),
              &json!({"outcome": "formed", "inputs": {"order": "Приказ № 9", "formed_on": "2022-05-26", "members": members(), "ppp": false}}), None)
        .await;
    assert!(
        status == 404 || status == 409 || status == 422,
        "{status}: {r}"
    );
    let (_, v) = s.get("tender", &slot, &s.token(si.0, si.1)).await;
    assert!(
        !v.to_string().contains("ZETA-PROPOSAL"),
        "a void tender's application was opened: {v}"
    );
    s.stop().await;
}
