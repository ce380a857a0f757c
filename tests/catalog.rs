//! The catalog service: the Catalog of ICT services from the SI's SM-98.b notification (the
//! event the tender service will publish), with the three-year dates of SM-103-1 and SM-103-2,
//! and a notification that breaks the rules dead-lettered with its faults named.

use egov_bus::Envelope;
use egov_e2e::{MINISTRY, Suite, eventually};
use egov_events::v1::IctServiceForCatalog;
use egov_kernel::Role;
use serde_json::json;

fn notification(id: &str) -> IctServiceForCatalog {
    IctServiceForCatalog {
        service_id: id.into(),
        name: "E-licensing as a service".into(),
        service_type: "software".into(),
        origin: "sm-98".into(),
        supplier: "940740000911".into(),
        customer: MINISTRY.into(),
        software_product: "E-licensing SPP".into(),
        monthly_price_tenge: "1250000".into(),
        rental_start: "2024-02-29".into(),
        ownership_transfer_required: true,
        commissioning_protocol: "Protocol No. 7".into(),
        protocol_signed_on: "2024-02-28".into(),
    }
}

async fn publish(s: &Suite, n: &IctServiceForCatalog) {
    let topic = s.platform.topic("tender");
    let at = egov_kernel::time::parse("2026-11-30T10:00:00+05:00").unwrap();
    let env = Envelope::new("tender", n, at);
    s.platform
        .bus
        .publish(&topic.stream(topic.partition_of(&n.service_id)), &env)
        .await
        .unwrap();
}

#[tokio::test]
async fn sm_98_a_notification_enters_the_catalog_with_its_three_year_dates_and_a_bad_one_is_dead_lettered()
 {
    let s = Suite::start("2026-11-30T10:00:00+05:00").await;
    let token = s.token(Role::StateBody, "940740000911");
    let id = ulid::Ulid::new().to_string();
    publish(&s, &notification(&id)).await;
    // The same notification again (a redelivery, or the tender service's retry) changes
    // nothing.
    publish(&s, &notification(&id)).await;
    let e = eventually("the Catalog entry", || async {
        let (status, e) = s
            .get("catalog", &format!("/api/v1/ict-services/{id}"), &token)
            .await;
        (status == 200).then_some(e)
    })
    .await;
    assert_eq!(
        (&e["type"], &e["monthly_price_tenge"]),
        (&json!("software"), &json!("1250000.00")),
        "{e}"
    );
    // SM-103: three years of rental from 29 February 2024 end on 28 February 2027; on
    // 30 November 2026 that is 90 days away, inside the alert.
    assert_eq!(e["three_years_on"], "2027-02-28", "{e}");
    let rules: Vec<&str> = e["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["SM-103-2", "SM-103-1"], "{e}");
    assert_eq!(
        (
            &e["milestones"][0]["days_left"],
            &e["milestones"][0]["alert"]
        ),
        (&json!(90), &json!(true)),
        "{e}"
    );
    // The alerts, as events: SM-103-2 and SM-103-1 are 90 days away on entering the Catalog,
    // each announced once (the notification came twice).
    let alerts = eventually("the SM-103 alerts", || async {
        let found: Vec<_> =
            egov_e2e::topic_events::<egov_events::v1::IctServiceMilestoneAlert>(&s, "catalog")
                .await
                .into_iter()
                .map(|a| (a.rule, a.kind, a.on))
                .collect();
        (found.len() >= 2).then_some(found)
    })
    .await;
    let mut alerts = alerts;
    alerts.sort();
    assert_eq!(
        alerts,
        [
            (
                "SM-103-1".to_owned(),
                "approaching".to_owned(),
                "2027-02-28".to_owned()
            ),
            (
                "SM-103-2".to_owned(),
                "approaching".to_owned(),
                "2027-02-28".to_owned()
            )
        ]
    );
    let (_, list) = s
        .get("catalog", "/api/v1/ict-services?type=software", &token)
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    let (_, none) = s
        .get(
            "catalog",
            "/api/v1/ict-services?type=infrastructure",
            &token,
        )
        .await;
    assert_eq!(none["items"], json!([]), "{none}");
    let (status, p) = s
        .get("catalog", "/api/v1/ict-services?type=hosting", &token)
        .await;
    assert_eq!((status, &p["rule"]), (400, &json!("LC-25")), "{p}");
    assert_eq!(
        s.get("catalog", "/api/v1/ict-services/not-an-id", &token)
            .await
            .0,
        400
    );

    // A notification of an unknown type and a bad BIN: dead-lettered, every fault named, and
    // nothing enters the Catalog.
    let bad_id = ulid::Ulid::new().to_string();
    let mut bad = notification(&bad_id);
    bad.service_type = "hosting".into();
    bad.supplier = "940740000912".into();
    publish(&s, &bad).await;
    let topic = s.platform.topic("tender");
    let dead = eventually("the dead letter", || async {
        let d = s
            .platform
            .bus
            .list_dead_letters(&topic, "catalog", 10)
            .await
            .unwrap();
        (!d.is_empty()).then_some(d)
    })
    .await;
    let why = format!("{dead:?}");
    assert!(
        why.contains("service_type (LC-25)") && why.contains("supplier (SM-98.b)"),
        "{why}"
    );
    assert_eq!(
        s.get("catalog", &format!("/api/v1/ict-services/{bad_id}"), &token)
            .await
            .0,
        404
    );
    s.stop().await;
}

#[tokio::test]
async fn sm_88_and_lc_30_c_the_operator_enters_its_own_platform_service_and_only_of_types_1_and_3()
{
    let s = Suite::start("2026-11-30T10:00:00+05:00").await;
    let operator = s.token(Role::Operator, "000740001307");
    let body = json!({
        "name": "Контейнерная платформа «электронного правительства»",
        "type": "technological-platform",
        "customer": "940740000911",
        "software_product": "Kubernetes cluster of the e-gov ICT platform",
        "monthly_price_tenge": "480000.50",
        "rental_start": "2026-02-02",
        "commissioning_protocol": "Протокол ввода № 12",
        "protocol_signed_on": "2026-01-30",
    });
    let (status, e) = s
        .post(
            "catalog",
            "/api/v1/ict-services",
            &operator,
            &body,
            Some("op-1"),
        )
        .await;
    assert_eq!(status, 201, "{e}");
    assert_eq!(
        (&e["origin"], &e["supplier"], &e["monthly_price_tenge"]),
        (
            &json!("operator"),
            &json!("000740001307"),
            &json!("480000.50")
        ),
        "{e}"
    );
    // The same request again (a retry with its key) is the same entry.
    let (_, again) = s
        .post(
            "catalog",
            "/api/v1/ict-services",
            &operator,
            &body,
            Some("op-1"),
        )
        .await;
    assert_eq!(again["id"], e["id"]);
    let (status, _) = s
        .get(
            "catalog",
            &format!("/api/v1/ict-services/{}", e["id"].as_str().unwrap()),
            &operator,
        )
        .await;
    assert_eq!(status, 200);

    // LC-30.c: software is not the operator's own service type; every fault is named.
    let mut bad = body.clone();
    bad["type"] = json!("software");
    bad["customer"] = json!("940740000912");
    bad["rental_start"] = json!("2026-01-29");
    let (status, p) = s
        .post("catalog", "/api/v1/ict-services", &operator, &bad, None)
        .await;
    assert_eq!(status, 422, "{p}");
    let named: Vec<(&str, &str)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["field"].as_str().unwrap(), v["rule"].as_str().unwrap()))
        .collect();
    for want in [
        ("type", "LC-30.c"),
        ("customer", "SM-98.b"),
        ("rental_start", "SM-86"),
    ] {
        assert!(named.contains(&want), "{want:?} in {p}");
    }
    // Unknown fields, and a role other than the operator.
    let mut unknown = body.clone();
    unknown["supplier"] = json!("940740000911");
    let (status, _) = s
        .post("catalog", "/api/v1/ict-services", &operator, &unknown, None)
        .await;
    assert_eq!(status, 400);
    let agency = s.token(Role::StateBody, "940740000911");
    let (status, _) = s
        .post("catalog", "/api/v1/ict-services", &agency, &body, None)
        .await;
    assert_eq!(status, 403);
    let (_, list) = s.get("catalog", "/api/v1/ict-services", &operator).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    s.stop().await;
}

#[tokio::test]
async fn sm_90_to_sm_91_a_development_request_is_linked_to_the_catalog_entry_it_names() {
    // Under the rules of order 101/НҚ (in force to 31.12.2022).
    let s = Suite::start("2022-06-01T10:00:00+05:00").await;
    let sb = s.token(Role::StateBody, "940740000911");
    let id = ulid::Ulid::new().to_string();
    let mut n = notification(&id);
    n.customer = "940740000911".into();
    n.rental_start = "2022-05-04".into();
    n.protocol_signed_on = "2022-05-03".into();
    publish(&s, &n).await;
    eventually("the Catalog entry", || async {
        let (status, _) = s
            .get("catalog", &format!("/api/v1/ict-services/{id}"), &sb)
            .await;
        (status == 200).then_some(())
    })
    .await;
    let (status, r) = s
        .post(
            "intake",
            "/api/v1/ict-service-development-requests",
            &sb,
            &json!({"ict_service": id, "development": "A module for electronic licences of a new kind",
                    "justification": "Law of 1 May 2022 adds the licence"}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{r}");
    let case = r["id"].as_str().unwrap().to_owned();
    let linked = eventually("the request on the Catalog entry", || async {
        let (_, e) = s
            .get("catalog", &format!("/api/v1/ict-services/{id}"), &sb)
            .await;
        (e["development_requests"].as_array()?.len() == 1).then_some(e)
    })
    .await;
    let request = &linked["development_requests"][0];
    assert_eq!(
        (&request["case_id"], &request["status"], &request["rule"]),
        (&json!(case), &json!("requested"), &json!("SM-90")),
        "{linked}"
    );
    // SM-91.b: the SI's conclusion shows on the entry.
    let si = s.token(Role::ServiceIntegrator, MINISTRY);
    let (status, p) = s
        .complete_when_open(
            Role::ServiceIntegrator,
            &si,
            &format!("{case}.si-analysis"),
            &json!({"outcome": "positive"}),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    eventually("the SM-91.b conclusion on the Catalog entry", || async {
        let (_, e) = s
            .get("catalog", &format!("/api/v1/ict-services/{id}"), &sb)
            .await;
        (e["development_requests"][0]["status"] == "positive").then_some(())
    })
    .await;
    s.stop().await;
}
