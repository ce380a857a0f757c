//! Search over the registries: a Russian query whose words are inflected differently from the
//! entry's finds it, Kazakh and English words find theirs, filters and facets narrow and count,
//! bad queries are refused naming their field, "is there software with similar functionality?"
//! is answered over the API and over the streams (LC-14 sp.3, LC-26, LC-28), and a new replica
//! builds its index from the store and the streams.

use egov_bus::Envelope;
use egov_e2e::{AGENCY, MINISTRY, Suite, eventually};
use egov_events::v1::change::Change as ChangeKind;
use egov_events::v1::{
    CaseAdvanced, Change, EntryPut, IctServiceForCatalog, SimilarSoftwareAnswered,
    SimilarSoftwareAsked,
};
use egov_kernel::Role;
use serde_json::{Value, json};

const AT: &str = "2026-11-30T10:00:00+05:00";

async fn publish<M: prost::Message + prost::Name>(
    s: &Suite,
    topic: &str,
    key: &str,
    m: &M,
) -> String {
    let t = s.platform.topic(topic);
    let env = Envelope::new(topic, m, egov_kernel::time::parse(AT).unwrap());
    let id = env.id.to_string();
    s.platform
        .bus
        .publish(&t.stream(t.partition_of(key)), &env)
        .await
        .unwrap();
    id
}

/// A registry write as the expertise service publishes it (a case's `put-entry`).
async fn put_entry(s: &Suite, registry: &str, key: &str, body: Value) {
    let case = ulid::Ulid::new().to_string();
    let e = CaseAdvanced {
        case_id: case.clone(),
        org: AGENCY.into(),
        variant_id: "lc-471-2023".into(),
        variant_version: "1.0.1".into(),
        variant_digest: "0".repeat(64),
        input: "submitted".into(),
        at: AT.into(),
        status: String::new(),
        changes: vec![Change {
            change: Some(ChangeKind::EntryPut(EntryPut {
                registry: registry.into(),
                key: key.into(),
                body_json: body.to_string(),
            })),
        }],
    };
    publish(s, "expertise", &case, &e).await;
}

async fn search(s: &Suite, token: &str, query: &str) -> (u16, Value) {
    s.get("catalog", &format!("/api/v1/search?{query}"), token)
        .await
}

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn lc_14_lc_28_pl_10_registries_are_found_by_inflected_words_over_a_new_replica_too() {
    let mut s = Suite::start(AT).await;
    let token = s.token(Role::Supplier, "940740000911");
    put_entry(
        &s,
        "informatization-objects",
        "940740000911/ИС Электронный нотариат",
        json!({
            "name_ru": "Информационная система «Электронный нотариат»",
            "name_kk": "«Электрондық нотариат» ақпараттық жүйесі",
            "name_en": "E-notary information system",
            "description": "Регистрация нотариальных действий и выдача электронных копий",
            "class": 1, "stage": "commercial-operation", "supplier": "990140000384",
        }),
    )
    .await;
    put_entry(
        &s,
        "trusted-software",
        "Docflow Pro 3.2",
        json!({
            "product": "Docflow Pro", "version": "3.2", "ground": "potential-supplier",
            "description": "Система электронного документооборота: регистрация входящих документов, согласование и подписание ЭЦП",
            "supplier": "990140000384", "status": "included",
        }),
    )
    .await;
    let service = ulid::Ulid::new().to_string();
    publish(
        &s,
        "tender",
        &service,
        &IctServiceForCatalog {
            service_id: service.clone(),
            name: "Электронное лицензирование как услуга".into(),
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
        },
    )
    .await;

    // "of the electronic notary office" (genitive) finds "Электронный нотариат" (nominative),
    // with the matched words highlighted.
    let page = eventually("the object in search", || async {
        let (status, page) = search(&s, &token, "q=электронного%20нотариата").await;
        (status == 200 && page["total"] == 1).then_some(page)
    })
    .await;
    assert_eq!(
        titles(&page),
        ["Информационная система «Электронный нотариат»"]
    );
    assert!(
        page["items"][0]["highlight"]
            .as_str()
            .unwrap()
            .contains("<b>"),
        "{page}"
    );
    assert_eq!(page["items"][0]["stage"], "commercial-operation");
    // The Catalog entry by its inflected name; Kazakh and English words.
    let licensing = eventually("the ICT service in search", || async {
        let (_, page) = search(&s, &token, "q=электронному%20лицензированию").await;
        (page["total"] == 1).then_some(page)
    })
    .await;
    assert_eq!(licensing["items"][0]["registry"], "ict-services");
    assert_eq!(licensing["items"][0]["type"], "software");
    let (_, kk) = search(&s, &token, "q=ақпараттық%20жүйесі").await;
    assert_eq!(kk["total"], 1, "{kk}");
    let (_, en) = search(&s, &token, "q=notary%20systems").await;
    assert_eq!(en["total"], 1, "{en}");
    // Filters and facets.
    let (_, all) = search(&s, &token, "q=").await;
    assert_eq!(all["total"], 3, "{all}");
    assert_eq!(all["facets"]["registry"]["trusted-software"], 1, "{all}");
    assert_eq!(all["facets"]["class"]["1"], 1, "{all}");
    let (_, by_supplier) = search(
        &s,
        &token,
        "q=&supplier=990140000384&registry=trusted-software",
    )
    .await;
    assert_eq!(titles(&by_supplier), ["Docflow Pro 3.2"]);

    // A query the syntax cannot read is read leniently: what it cannot read matches nothing.
    let (status, p) = search(&s, &token, "q=title:(нотариат").await;
    assert_eq!((status, p["total"].as_u64()), (200, Some(0)), "{p}");

    // Bad input: each refused naming its field, nothing searched.
    for (query, field) in [
        ("q=x&limit=100000", "limit"),
        ("q=x&limit=0", "limit"),
        ("q=x&supplier=990140000385", "supplier"),
        ("q=x&class=4", "class"),
        ("q=x&cursor=bm90LWEtY3Vyc29y", "cursor"),
        ("q=x&colour=red", ""),
    ] {
        let (status, p) = search(&s, &token, query).await;
        assert_eq!(status, 400, "{query}: {p}");
        if !field.is_empty() {
            let named = p["field"] == field
                || p["errors"]
                    .as_array()
                    .is_some_and(|e| e.iter().any(|v| v["field"] == field));
            assert!(named, "{query}: {p}");
        }
    }
    let (status, _) = s
        .get("catalog", "/api/v1/search?q=нотариат", "not-a-token")
        .await;
    assert_eq!(status, 401);

    // LC-14 sp.3, LC-26, LC-28 over the API...
    let (status, similar) = s
        .get(
            "catalog",
            "/api/v1/trusted-software/similar?functionality=электронный%20документооборот%20с%20подписанием%20документов",
            &token,
        )
        .await;
    assert_eq!(status, 200, "{similar}");
    assert_eq!(similar["similar"], true, "{similar}");
    assert_eq!(similar["matches"][0]["title"], "Docflow Pro 3.2");
    let (_, none) = s
        .get(
            "catalog",
            "/api/v1/trusted-software/similar?functionality=учёт%20земельных%20участков%20кадастра",
            &token,
        )
        .await;
    assert_eq!(none["similar"], false, "{none}");
    // ... and over the streams: the tender service asks before a 2023 tender (LC-28), the
    // catalog answers once on its own topic.
    let question = publish(
        &s,
        "tender",
        "T-1",
        &SimilarSoftwareAsked {
            reference: "tender T-1".into(),
            functionality: "Электронный документооборот и подписание документов ЭЦП".into(),
            rule: "LC-28".into(),
        },
    )
    .await;
    let answer = eventually("the answer on catalog's topic", || async {
        egov_e2e::topic_events::<SimilarSoftwareAnswered>(&s, "catalog")
            .await
            .pop()
    })
    .await;
    assert_eq!(
        (
            answer.question_event_id.as_str(),
            answer.reference.as_str(),
            answer.similar,
            answer.matches.len()
        ),
        (question.as_str(), "tender T-1", true, 1)
    );

    // A new replica (or one whose index was wiped) builds its index from the store and the
    // streams before it is ready, and keeps it current.
    s.crash_service("catalog");
    s.start_service("catalog").await;
    let (_, again) = search(&s, &token, "q=электронного%20нотариата").await;
    assert_eq!(again["total"], 1, "{again}");
    put_entry(
        &s,
        "perechen",
        "Единый нотариальный архив",
        json!({"object_name": "Единый нотариальный архив", "object_kind": "information-system", "status": "included"}),
    )
    .await;
    eventually("the entry recorded after the restart", || async {
        let (status, _) = s
            .get(
                "catalog",
                "/api/v1/registries/perechen/entry?key=%D0%95%D0%B4%D0%B8%D0%BD%D1%8B%D0%B9%20%D0%BD%D0%BE%D1%82%D0%B0%D1%80%D0%B8%D0%B0%D0%BB%D1%8C%D0%BD%D1%8B%D0%B9%20%D0%B0%D1%80%D1%85%D0%B8%D0%B2",
                &token,
            )
            .await;
        (status == 200).then_some(())
    })
    .await;
    eventually("the entry written after the restart", || async {
        let (_, p) = search(&s, &token, "q=нотариального%20архива").await;

        (p["total"] == 1).then_some(())
    })
    .await;
    // An exclusion (PL-10) takes it out of search.
    put_entry(
        &s,
        "perechen",
        "Единый нотариальный архив",
        json!({"object_name": "Единый нотариальный архив", "status": "excluded"}),
    )
    .await;
    eventually("the excluded entry gone from search", || async {
        let (_, p) = search(&s, &token, "q=нотариального%20архива").await;
        (p["total"] == 0).then_some(())
    })
    .await;
    s.stop().await;
}
