//! The engine end to end on contract 2.0, with the `fixture-engine` variant (a test fixture,
//! rule ids `FX-*`): a fork joined when its second branch finishes first, an extension that
//! moves the due dates of open tasks, a registry entry written by an outcome, input into an
//! open case by two parties each seeing only its own, and a timer that moves a case. Dates are
//! real: Thursday 19 March 2026, with Nauryz (21-25 March) off.

use egov_e2e::{AGENCY, MINISTRY, OTHER_AGENCY, Suite, events, eventually, install_plugin};
use egov_kernel::Role;
use serde_json::{Value, json};

async fn suite() -> Suite {
    let dir = std::env::temp_dir().join(format!("egov-e2e-engine-{}", ulid::Ulid::new()));
    install_plugin(
        &dir,
        "fixture-engine",
        &egov_testkit::plugins_dir().join("fixtures/engine.wasm"),
        200,
    );
    Suite::start_with("2026-03-19T10:00:00+05:00", vec![dir]).await
}

/// Submits to a 2.0 intake; the case id.
async fn submit(s: &Suite, path: &str, role: Role, org: &str, body: Value) -> String {
    let (status, created) = s
        .post("intake", path, &s.token(role, org), &body, None)
        .await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

/// The case's progress on the engine as `token` sees it.
async fn progress(s: &Suite, case: &str, token: &str) -> Value {
    let (status, p) = s
        .get(
            "expertise",
            &format!("/api/v1/cases/{case}/progress"),
            token,
        )
        .await;
    assert_eq!(status, 200, "{p}");
    p
}

#[tokio::test]
async fn a_join_whose_second_branch_finishes_first_then_an_outcome_writes_a_registry_entry() {
    let s = suite().await;
    let ab = s.token(Role::AuthorizedBody, MINISTRY);
    let case = submit(
        &s,
        "/api/v1/fixture-reviews",
        Role::StateBody,
        AGENCY,
        json!({"title": "Data exchange IS", "pages": 40}),
    )
    .await;
    // Both examinations open at once (the fork), 12 working days from receipt: 20, 26, 27,
    // 30, 31 March, 1, 2, 3, 6, 7, 8, 9 April.
    let si = s.task_of(Role::ServiceIntegrator, MINISTRY, &case).await;
    let sts = s
        .task_of(Role::StateTechnicalService, MINISTRY, &case)
        .await;
    assert_eq!(si["due"]["last_day"], "2026-04-09", "{si}");
    assert_eq!(sts["due"]["last_day"], "2026-04-09", "{sts}");

    // The second branch (the STS) finishes first: the decision waits for the other one.
    s.set_clock("2026-03-20T10:00:00+05:00");
    s.complete(
        &s.token(Role::StateTechnicalService, MINISTRY),
        sts["id"].as_str().unwrap(),
        json!({"outcome": "done"}),
    )
    .await;
    let p = progress(&s, &case, &ab).await;
    assert!(
        p["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["key"] != "ab-decision"),
        "the decision opened before both conclusions: {p}"
    );

    // The SI finishes on Thursday 26 March: the decision opens, 5 working days from then
    // (27, 30, 31 March, 1, 2 April).
    s.set_clock("2026-03-26T10:00:00+05:00");
    s.complete(
        &s.token(Role::ServiceIntegrator, MINISTRY),
        si["id"].as_str().unwrap(),
        json!({"outcome": "done"}),
    )
    .await;
    let d = s.task_of(Role::AuthorizedBody, MINISTRY, &case).await;
    assert_eq!(d["id"], format!("{case}.ab-decision"));
    assert_eq!(d["due"]["last_day"], "2026-04-02", "{d}");
    assert_eq!(d["opened_at"], "2026-03-26T10:00:00+05:00");

    // The approval writes the entry of the registry and sets the status.
    s.complete(
        &ab,
        d["id"].as_str().unwrap(),
        json!({"outcome": "approve"}),
    )
    .await;
    let p = progress(&s, &case, &ab).await;
    assert_eq!(p["status"], "approved", "{p}");
    assert_eq!(
        p["entries"],
        json!([{"registry": "fixture-approved", "key": "Data exchange IS",
                "body": {"title": "Data exchange IS", "approved_at": "2026-03-26T10:00:00+05:00"}}])
    );
    // The agency reads it on its case's timeline too.
    let c = eventually("the entry on the timeline", || async {
        let c = s.case(&case).await;
        (!events(&c, "EntryPut").is_empty()).then_some(c)
    })
    .await;
    assert_eq!(
        events(&c, "EntryPut")[0]["registry"],
        "fixture-approved",
        "{c}"
    );
    assert_eq!(
        c["submission"],
        json!({"title": "Data exchange IS", "pages": 40})
    );
    s.stop().await;
}

#[tokio::test]
async fn a_new_edition_into_the_open_case_extends_the_open_examinations() {
    let s = suite().await;
    let sb = s.token(Role::StateBody, AGENCY);
    let case = submit(
        &s,
        "/api/v1/fixture-reviews",
        Role::StateBody,
        AGENCY,
        json!({"title": "Registry IS"}),
    )
    .await;
    let si = s.task_of(Role::ServiceIntegrator, MINISTRY, &case).await;
    assert_eq!(si["due"]["last_day"], "2026-04-09");
    // Another agency cannot give input into this case's slot (it is not its party).
    let (status, p) = s
        .post(
            "expertise",
            &format!("/api/v1/cases/{case}/inputs/editions"),
            &s.token(Role::StateBody, OTHER_AGENCY),
            &json!({"letter": "ours"}),
            None,
        )
        .await;
    assert_eq!(status, 404, "{p}");
    // The new edition extends both open examinations by 10 working days after their last day
    // (9 April): 10, 13-17, 20-23 April.
    let (status, given) = s
        .post(
            "expertise",
            &format!("/api/v1/cases/{case}/inputs/editions"),
            &sb,
            &json!({"letter": "edition 2 with the letter of 20 March", "pages": 44}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{given}");
    assert_eq!(given["seq"], 1);
    assert_eq!(given["digest"].as_str().unwrap().len(), 64);
    let si = s.task_of(Role::ServiceIntegrator, MINISTRY, &case).await;
    let sts = s
        .task_of(Role::StateTechnicalService, MINISTRY, &case)
        .await;
    assert_eq!(si["due"]["last_day"], "2026-04-23", "{si}");
    assert_eq!(sts["due"]["last_day"], "2026-04-23", "{sts}");
    let c = eventually("the extension on the timeline", || async {
        let c = s.case(&case).await;
        (events(&c, "TaskExtended").len() == 2).then_some(c)
    })
    .await;
    assert_eq!(events(&c, "TaskExtended")[0]["rule"], "FX-6");
    // An input with a control character, or into a slot that does not exist, changes nothing.
    let (status, p) = s
        .post(
            "expertise",
            &format!("/api/v1/cases/{case}/inputs/editions"),
            &sb,
            &json!({"letter": "bad\u{1b}[2J"}),
            None,
        )
        .await;
    assert_eq!((status, p["field"].as_str()), (400, Some("letter")), "{p}");
    let (status, _) = s
        .post(
            "expertise",
            &format!("/api/v1/cases/{case}/inputs/bids"),
            &sb,
            &json!({"price": 1}),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, p) = s
        .post(
            "expertise",
            &format!("/api/v1/cases/{case}/inputs/a}}b"),
            &sb,
            &json!({}),
            None,
        )
        .await;
    assert_eq!((status, p["field"].as_str()), (400, Some("slot")), "{p}");
    s.stop().await;
}

#[tokio::test]
async fn sealed_bids_each_supplier_sees_only_its_receipts_until_a_timer_closes_the_window_then_tender_acts()
 {
    let s = suite().await;
    let si = s.token(Role::ServiceIntegrator, MINISTRY);
    let case = submit(
        &s,
        "/api/v1/fixture-tenders",
        Role::ServiceIntegrator,
        MINISTRY,
        json!({"subject": "Support of the IS"}),
    )
    .await;
    let window = eventually("the window's timer", || async {
        let (_, p) = s
            .get("expertise", &format!("/api/v1/cases/{case}/progress"), &si)
            .await;
        p["timers"]["window"]["fires_at"]
            .as_str()
            .map(str::to_owned)
    })
    .await;
    // 15 working days from 19 March 2026 end on 14 April: the window closes at 24:00.
    assert_eq!(window, "2026-04-15T00:00:00+05:00");

    let bid = |org: &'static str, price: u64| {
        let s = &s;
        let case = case.clone();
        async move {
            // The slot is the case's: any service hosting steps takes its input (the tender
            // service here, where suppliers deal).
            let (status, r) = s
                .post(
                    "tender",
                    &format!("/api/v1/cases/{case}/inputs/bids"),
                    &s.token(Role::Supplier, org),
                    &json!({"price": price, "terms": "12 months"}),
                    None,
                )
                .await;
            (status, r)
        }
    };
    s.set_clock("2026-04-01T12:00:00+05:00");
    let (status, a) = bid(AGENCY, 900).await;
    assert_eq!((status, a["sealed"].as_bool()), (201, Some(true)), "{a}");
    let (status, b) = bid(OTHER_AGENCY, 700).await;
    assert_eq!(status, 201, "{b}");

    // Each supplier sees its own bid's receipt (no body: nobody reads a sealed body, its giver
    // included) and nothing of the other's.
    for (org, own) in [(AGENCY, &a), (OTHER_AGENCY, &b)] {
        let (status, v) = s
            .get(
                "expertise",
                &format!("/api/v1/cases/{case}/inputs/bids"),
                &s.token(Role::Supplier, org),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        let inputs = v["inputs"].as_array().unwrap();
        assert_eq!(inputs.len(), 1, "{org} sees another's bid: {v}");
        assert_eq!(inputs[0]["digest"], own["receipt"]["digest"]);
        assert_eq!(inputs[0]["by"]["org"], org);
        assert!(inputs[0].get("body").is_none(), "{v}");
        assert!(v["count"].is_null(), "a supplier learns the count: {v}");
    }
    // The organiser sees digests and the count, no body and no bidder, while sealed.
    let (_, v) = s
        .get(
            "expertise",
            &format!("/api/v1/cases/{case}/inputs/bids"),
            &si,
        )
        .await;
    assert_eq!(v["count"], 2, "{v}");
    for i in v["inputs"].as_array().unwrap() {
        assert!(i.get("body").is_none() && i.get("by").is_none(), "{v}");
    }
    let sealed = serde_json::to_string(&progress(&s, &case, &si).await).unwrap();
    assert!(
        !sealed.contains("12 months"),
        "a sealed body leaked: {sealed}"
    );

    // The timer fires at the window's close: the slot closes and is unsealed, and the lowest
    // price wins.
    s.set_clock("2026-04-15T00:00:01+05:00");
    let p = eventually("the award", || async {
        let p = progress(&s, &case, &si).await;
        (p["status"] == "awarded").then_some(p)
    })
    .await;
    assert_eq!(p["entries"][0]["registry"], "fixture-awards", "{p}");
    assert_eq!(p["entries"][0]["body"]["supplier"], OTHER_AGENCY);
    assert_eq!(p["entries"][0]["body"]["bids"], 2);
    assert!(p["timers"].as_object().unwrap().is_empty(), "{p}");
    let (_, v) = s
        .get(
            "expertise",
            &format!("/api/v1/cases/{case}/inputs/bids"),
            &si,
        )
        .await;
    assert_eq!(
        (v["open"].as_bool(), v["unsealed"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(v["inputs"][1]["body"]["price"], 700, "{v}");
    // A bid after the close is refused and changes nothing.
    let (status, late) = bid(AGENCY, 500).await;
    assert_eq!(status, 409, "{late}");
    let (_, v) = s
        .get(
            "expertise",
            &format!("/api/v1/cases/{case}/inputs/bids"),
            &si,
        )
        .await;
    assert_eq!(v["count"], 2);

    // The protocol is a step the tender service owns: it is in tender's worklist, not in
    // expertise's, and expertise does not act on it (421, naming the service that does).
    let commission = s.token(Role::Commission, MINISTRY);
    let mine = |service: &'static str| {
        let (s, commission, case) = (&s, commission.clone(), case.clone());
        async move {
            let (status, w) = s.get(service, "/api/v1/tasks", &commission).await;
            assert_eq!(status, 200, "{w}");
            w["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|t| t["case_id"] == case.as_str())
                .cloned()
                .collect::<Vec<_>>()
        }
    };
    let protocol = eventually("the protocol in tender's worklist", || async {
        mine("tender").await.into_iter().next()
    })
    .await;
    assert_eq!(
        (&protocol["key"], &protocol["service"], &protocol["rule"]),
        (&json!("protocol"), &json!("tender"), &json!("FX-8")),
        "{protocol}"
    );
    assert!(mine("expertise").await.is_empty());
    let id = protocol["id"].as_str().unwrap();
    let path = format!("/api/v1/tasks/{id}/complete");
    let signed = json!({"outcome": "signed"});
    let (status, p) = s.post("expertise", &path, &commission, &signed, None).await;
    assert_eq!((status, p["field"].as_str()), (421, Some("id")), "{p}");
    assert!(p["detail"].as_str().unwrap().contains("tender"), "{p}");
    assert_eq!(progress(&s, &case, &si).await["status"], "awarded");
    let (status, p) = s.post("tender", &path, &commission, &signed, None).await;
    assert_eq!((status, &p["status"]), (200, &json!("completed")), "{p}");
    assert_eq!(progress(&s, &case, &si).await["status"], "concluded");
    assert!(mine("tender").await.is_empty());
    s.stop().await;
}

#[tokio::test]
async fn a_2_0_form_refuses_by_its_schema_and_its_rules_naming_field_and_rule() {
    let s = suite().await;
    let sb = s.token(Role::StateBody, AGENCY);
    for (body, status, field, want_rule) in [
        (
            json!({"title": "ok", "colour": "red"}),
            400,
            "colour",
            "FX-1",
        ),
        (json!({"pages": 3}), 422, "title", "FX-1.a"),
        (json!({"title": "ok", "pages": 0}), 422, "pages", "FX-1.b"),
        // Text that is blank or carries a control character is not text (400), under the
        // field's rule.
        (json!({"title": "   "}), 400, "title", "FX-1.a"),
        (json!({"title": "a\u{0}b"}), 400, "title", "FX-1.a"),
        (json!(["not", "an", "object"]), 400, "body", "FX-1"),
    ] {
        let (got, p) = s
            .post("intake", "/api/v1/fixture-reviews", &sb, &body, None)
            .await;
        let named = p["field"]
            .as_str()
            .or_else(|| p["violations"][0]["field"].as_str());
        let rule = p["rule"]
            .as_str()
            .or_else(|| p["violations"][0]["rule"].as_str());
        assert_eq!(
            (got, named, rule),
            (status, Some(field), Some(want_rule)),
            "{body}: {p}"
        );
    }
    // The wrong role for the intake.
    let (got, p) = s
        .post(
            "intake",
            "/api/v1/fixture-tenders",
            &sb,
            &json!({"subject": "x"}),
            None,
        )
        .await;
    assert_eq!((got, p["rule"].as_str()), (403, Some("FX-5")), "{p}");
    s.stop().await;
}
