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
