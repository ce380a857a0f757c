//! The life cycle of an e-government informatization object (the `lc-471-2023` variant, seed 002)
//! and the Register of trusted software, end to end: an object registered by its agency goes
//! from creation to commercial operation only along the legal order (LC-9, LC-10.a), asks the
//! operator for environments (LC-12.a, 10 working days, in catalog's operator worklist), gets a
//! warranty claim accepted and others refused (LC-16.b, LC-17.b), and is found by a Russian query
//! inflected differently from its name; a Register entry is taken once (LC-32.a) and legacy
//! software only from before 2023 (LC-37).

use egov_e2e::{AGENCY, OTHER_AGENCY, Suite, eventually};
use egov_kernel::Role;
use serde_json::{Value, json};

fn object() -> Value {
    json!({
        "name_ru": "Информационная система «Электронный нотариат»",
        "name_kk": "«Электрондық нотариат» ақпараттық жүйесі",
        "name_en": "E-notary information system",
        "description": "Регистрация нотариальных действий, выдача электронных копий нотариальных документов",
        "class": 1,
        "placement": "platform",
        "funding": "state-investment-project",
        "budget_funded": true,
        "supplier": OTHER_AGENCY,
        "warranty_sla_working_days": 5,
        "portal": {"record": "AP-2026-0042", "documents_placed_on": "2026-03-18"},
    })
}

/// The rules named by a 422's violations.
fn rules(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|v| {
                    format!(
                        "{} {}",
                        v["field"].as_str().unwrap_or(""),
                        v["rule"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn input(s: &Suite, token: &str, case: &str, slot: &str, body: Value) -> (u16, Value) {
    s.post(
        "catalog",
        &format!("/api/v1/cases/{case}/inputs/{slot}"),
        token,
        &body,
        None,
    )
    .await
}

async fn catalog_tasks(s: &Suite, token: &str) -> Vec<Value> {
    let (_, b) = s.get("catalog", "/api/v1/tasks", token).await;
    b["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn lc_9_lc_12_a_lc_16_b_lc_17_b_an_object_goes_to_commercial_operation_and_its_warranty_claims_are_checked()
 {
    let s = Suite::start("2026-03-19T10:00:00+05:00").await;
    let sb = s.token(Role::StateBody, AGENCY);

    // LC-13.b: class 1 only on the platform or the e-gov ICI; LC-14: off the platform, the
    // exception and its ground. Nothing is recorded.
    let mut off = object();
    off["placement"] = json!("organization");
    off["placement_ground"] = json!("no capacity");
    let (status, p) = s
        .post("intake", "/api/v1/informatization-objects", &sb, &off, None)
        .await;
    assert_eq!(status, 422, "{p}");
    assert!(rules(&p).iter().any(|r| r.ends_with("LC-13.b")), "{p}");
    let mut ici = object();
    ici["placement"] = json!("ici");
    let (status, p) = s
        .post("intake", "/api/v1/informatization-objects", &sb, &ici, None)
        .await;
    assert_eq!(status, 422, "{p}");
    assert!(rules(&p).iter().any(|r| r.ends_with("LC-14")), "{p}");

    let (status, created) = s
        .post(
            "intake",
            "/api/v1/informatization-objects",
            &sb,
            &object(),
            Some("obj-1"),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["variant"]["id"], "lc-471-2023");
    let id = created["id"].as_str().unwrap().to_owned();

    // LC-9: no jump from creation to commercial operation; LC-10.a: no development before
    // commissioning. The first input waits for the case to reach the engine.
    let (status, p) = eventually("the object's case", || async {
        let r = input(
            &s,
            &sb,
            &id,
            "stage",
            json!({"stage": "commercial-operation", "on": "2026-03-19"}),
        )
        .await;
        (r.0 != 404).then_some(r)
    })
    .await;
    assert_eq!(status, 422, "{p}");
    assert!(rules(&p).iter().any(|r| r == "stage LC-9"), "{p}");
    let (status, p) = input(
        &s,
        &sb,
        &id,
        "stage",
        json!({"stage": "development", "on": "2026-03-19", "tor": "ТЗ № 12"}),
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert!(rules(&p).iter().any(|r| r == "stage LC-10.a"), "{p}");

    // LC-12.a: an environment needs the Agreement; with it, the operator has 10 working days
    // from receipt (Thursday 19 March 2026; 21-25 March are Nauryz days off): Tuesday 7 April.
    let (status, p) = input(
        &s,
        &sb,
        &id,
        "environment-requests",
        json!({"environments": ["development-testing"]}),
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert!(rules(&p).iter().any(|r| r == "agreement LC-12.a"), "{p}");
    let (status, p) = input(
        &s,
        &sb,
        &id,
        "environment-requests",
        json!({"environments": ["development-testing", "trial-operation"], "agreement": {"number": "№ 17-ПЛ", "concluded_on": "2026-03-10"}}),
    )
    .await;
    assert_eq!(status, 201, "{p}");
    let operator = s.token(Role::Operator, "000740001307");
    let task = eventually("the operator's task in catalog", || async {
        catalog_tasks(&s, &operator)
            .await
            .into_iter()
            .find(|t| t["case_id"] == id.as_str())
    })
    .await;
    assert_eq!(task["step"], "provide-environment", "{task}");
    assert_eq!(task["due"]["last_day"], "2026-04-07", "{task}");
    // Not on the expertise worklist: catalog serves this step.
    let (_, ex) = s.get("expertise", "/api/v1/tasks", &operator).await;
    assert!(
        !ex["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["case_id"] == id.as_str()),
        "{ex}"
    );

    // The legal order, each step with its act (LC-9 sp.2-5, LC-15).
    for (day, body) in [
        (
            "2026-04-01",
            json!({"stage": "trial-operation", "on": "2026-04-01"}),
        ),
        (
            "2026-05-04",
            json!({"stage": "is-testing", "on": "2026-05-04", "act": {"number": "Акт ОЭ № 4", "date": "2026-04-30"}}),
        ),
        (
            "2026-05-20",
            json!({"stage": "implementation", "on": "2026-05-20", "act": {"number": "Протокол испытаний № 9", "date": "2026-05-19"}}),
        ),
        (
            "2026-06-01",
            json!({"stage": "commercial-operation", "on": "2026-06-01", "act": {"number": "Акт ввода № 2", "date": "2026-06-01"}}),
        ),
    ] {
        s.set_clock(&format!("{day}T10:00:00+05:00"));
        let (status, p) = input(&s, &sb, &id, "stage", body.clone()).await;
        assert_eq!(status, 201, "{body}: {p}");
    }
    // LC-16.b: 12 months from the commissioning on 1 June 2026.
    let entry = eventually("the object's entry at commercial operation", || async {
        let (_, page) = s
            .get(
                "catalog",
                "/api/v1/registries/informatization-objects/entries",
                &sb,
            )
            .await;
        page["items"]
            .as_array()?
            .iter()
            .find(|e| e["body"]["stage"] == "commercial-operation")
            .cloned()
    })
    .await;
    assert_eq!(entry["body"]["warranty_until"], "2027-06-01", "{entry}");
    // LC-4, LC-18: the portal record and the documentation are there, so operation is funded.
    assert_eq!(
        entry["body"]["operation_funding_supported"], true,
        "{entry}"
    );
    assert_eq!(
        entry["body"]["stages"].as_array().map(Vec::len),
        Some(5),
        "{entry}"
    );
    assert_eq!(entry["case_id"], id.as_str());

    // LC-17.b: a claim within the period meeting the five conditions opens the supplier's task.
    s.set_clock("2026-09-14T10:00:00+05:00");
    let claim = json!({
        "defect": "Копии нотариальных документов не подписываются ЭЦП",
        "found_on": "2026-09-11",
        "evidence": ["Акт о сбое № 3 от 11.09.2026"],
        "supplier_error": "Ошибка в модуле подписания, внесённая поставщиком (заключение № 5)",
        "operated_correctly": true,
        "no_intervention": true,
        "tor_compliant": true,
        "tor": "ТЗ № 12 от 01.02.2025",
    });
    let (status, p) = input(&s, &sb, &id, "warranty-claims", claim.clone()).await;
    assert_eq!(status, 201, "{p}");
    let supplier = s.token(Role::Supplier, OTHER_AGENCY);
    let warranty = eventually("the supplier's warranty task", || async {
        catalog_tasks(&s, &supplier)
            .await
            .into_iter()
            .find(|t| t["case_id"] == id.as_str())
    })
    .await;
    assert_eq!(warranty["step"], "warranty-service", "{warranty}");
    // Only that supplier sees it; it eliminates the defect (free of charge, LC-17.a).
    let stranger = s.token(Role::Supplier, AGENCY);
    assert!(catalog_tasks(&s, &stranger).await.is_empty());
    let task_id = warranty["id"].as_str().unwrap();
    let (status, p) = s
        .post(
            "catalog",
            &format!("/api/v1/tasks/{task_id}/complete"),
            &stranger,
            &json!({"outcome": "eliminated"}),
            None,
        )
        .await;
    assert_eq!(status, 404, "{p}");
    let (status, p) = s
        .post(
            "catalog",
            &format!("/api/v1/tasks/{task_id}/complete"),
            &supplier,
            &json!({"outcome": "eliminated"}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{p}");
    // Each failing condition is named; nothing is recorded.
    let mut failing = claim.clone();
    failing["evidence"] = json!([]);
    failing["operated_correctly"] = json!(false);
    let (status, p) = input(&s, &sb, &id, "warranty-claims", failing).await;
    assert_eq!(status, 422, "{p}");
    let r = rules(&p);
    assert!(
        r.iter().filter(|r| r.ends_with("LC-17.b")).count() >= 2,
        "{p}"
    );
    assert!(
        r.iter().any(|r| r.starts_with("evidence"))
            && r.iter().any(|r| r.starts_with("operated_correctly")),
        "{p}"
    );
    // Another agency is not the customer: it has no such slot.
    let (status, _) = input(
        &s,
        &s.token(Role::StateBody, OTHER_AGENCY),
        &id,
        "warranty-claims",
        claim.clone(),
    )
    .await;
    assert_eq!(status, 404);
    // After the period: refused with the period's end.
    s.set_clock("2027-06-07T10:00:00+05:00");
    let mut late = claim.clone();
    late["found_on"] = json!("2027-06-04");
    let (status, p) = input(&s, &sb, &id, "warranty-claims", late).await;
    assert_eq!(status, 422, "{p}");
    assert!(
        p.to_string().contains("01.06.2027") && rules(&p).iter().any(|r| r.ends_with("LC-16.b")),
        "{p}"
    );

    // Found by a Russian query whose words are inflected differently from the object's name.
    let page = eventually("the object in search", || async {
        let (_, page) = s
            .get(
                "catalog",
                "/api/v1/search?q=электронного%20нотариата&registry=informatization-objects&stage=commercial-operation",
                &sb,
            )
            .await;
        (page["total"] == 1).then_some(page)
    })
    .await;
    assert_eq!(page["items"][0]["class"], "1", "{page}");
    s.stop().await;
}

#[tokio::test]
async fn lc_32_a_a_register_entry_is_taken_once_and_lc_37_legacy_software_is_from_before_2023() {
    let s = Suite::start("2026-11-30T10:00:00+05:00").await;
    let supplier = s.token(Role::Supplier, OTHER_AGENCY);
    let docflow = json!({
        "product": "Docflow Pro",
        "version": "3.2",
        "description": "Система электронного документооборота: регистрация входящих документов, согласование и подписание ЭЦП",
        "supplier": OTHER_AGENCY,
        "ground": "legacy",
        "commissioned_on": "2021-05-10",
    });
    let (status, p) = s
        .post(
            "intake",
            "/api/v1/trusted-software-inclusions",
            &supplier,
            &docflow,
            Some("r-1"),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    // The same request again is the same case; the same product and version again (spelt
    // otherwise) is a duplicate.
    let (status, again) = s
        .post(
            "intake",
            "/api/v1/trusted-software-inclusions",
            &supplier,
            &docflow,
            Some("r-1"),
        )
        .await;
    assert_eq!((status, &again["id"]), (201, &p["id"]), "{again}");
    // The key is the caller's on every intake path: under it, another path (whose form takes
    // no values once, so its record is kept by its append) is the key reused.
    let (status, reused) = s
        .post(
            "intake",
            "/api/v1/informatization-objects",
            &supplier,
            &docflow,
            Some("r-1"),
        )
        .await;
    assert_eq!(
        (status, reused["field"].as_str()),
        (422, Some("Idempotency-Key")),
        "{reused}"
    );
    let mut dup = docflow.clone();
    dup["product"] = json!("docflow  PRO");
    let (status, d) = s
        .post(
            "intake",
            "/api/v1/trusted-software-inclusions",
            &supplier,
            &dup,
            None,
        )
        .await;
    assert_eq!((status, &d["rule"]), (409, &json!("LC-32.a")), "{d}");
    // LC-37: commissioned before 1 January 2023 only.
    let mut late = docflow.clone();
    late["version"] = json!("4.0");
    late["commissioned_on"] = json!("2023-02-01");
    let (status, p) = s
        .post(
            "intake",
            "/api/v1/trusted-software-inclusions",
            &supplier,
            &late,
            None,
        )
        .await;
    assert_eq!(status, 422, "{p}");
    assert!(rules(&p).iter().any(|r| r.ends_with("LC-37")), "{p}");
    // Included at once (LC-37: without the Register rules), and then "similar functionality?"
    // finds it (LC-14 sp.3, LC-28).
    let similar = eventually("the Register entry in search", || async {
        let (_, r) = s
            .get(
                "catalog",
                "/api/v1/trusted-software/similar?functionality=электронный%20документооборот%20и%20согласование%20документов",
                &supplier,
            )
            .await;
        (r["similar"] == true).then_some(r)
    })
    .await;
    assert_eq!(
        similar["matches"][0]["title"], "Docflow Pro 3.2",
        "{similar}"
    );
    s.stop().await;
}
