//! The examination of terms of reference (order 143/НҚ as amended; the `tor-143-2024` edition)
//! end to end through the HTTP APIs, with real dates of 2026: 1 May, 7 May, 11 May (for 9 May)
//! and 27 May (Kurban Ait) are days off.

use egov_e2e::{AGENCY, MINISTRY, OTHER_AGENCY, Suite, eventually};
use egov_kernel::Role;
use serde_json::{Value, json};

fn doc(kind: &str, reference: &str) -> Value {
    json!({"kind": kind, "reference": reference, "title": format!("{kind} {reference}")})
}

fn tor(documents: Vec<Value>) -> Value {
    json!({
        "object_name": "IS \"E-licensing\"",
        "purpose": "development",
        "submitted_as": "budget-program-administrator",
        "branch": "budget-investments",
        "documents": documents,
        "compliance": {"st_rk_34_015_2002": true, "pre_project_basis": true,
                       "egov_architecture": true, "uniform_requirements": true},
        "data_structure": {"description": "Section 5 of the TOR: entities, attributes and flows",
                           "data_master": "Department of data management of the ministry"}
    })
}

fn complete_package() -> Value {
    tor(vec![
        doc("terms-of-reference", "AP-2026-0413"),
        doc("feo", "FEO-17"),
        doc("economic-conclusion", "EC-17"),
    ])
}

async fn submit(s: &Suite, body: &Value) -> String {
    let (status, created) = s
        .post(
            "intake",
            "/api/v1/terms-of-reference",
            &s.token(Role::StateBody, AGENCY),
            body,
            None,
        )
        .await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

/// The case on the engine, once expertise has started it from the submission.
async fn progress(s: &Suite, case: &str) -> Value {
    eventually("the case on the engine", || async {
        let (status, p) = s
            .get(
                "expertise",
                &format!("/api/v1/cases/{case}/progress"),
                &s.token(Role::AuthorizedBody, MINISTRY),
            )
            .await;
        (status == 200).then_some(p)
    })
    .await
}

fn task<'a>(p: &'a Value, key: &str) -> &'a Value {
    p["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == key)
        .unwrap_or_else(|| panic!("no task {key}: {p}"))
}

fn conclusion(outcome: &str) -> Value {
    let mut c = json!({"outcome": outcome, "inputs": {"conclusion": {"reference": "C-1", "title": "Conclusion"}}});
    if outcome == "remarks" {
        c["reasons"] = json!(["Section 4 does not follow the e-government architecture"]);
    }
    c
}

async fn edition(s: &Suite, case: &str, body: Value) -> (u16, Value) {
    s.post(
        "expertise",
        &format!("/api/v1/cases/{case}/inputs/editions"),
        &s.token(Role::StateBody, AGENCY),
        &body,
        None,
    )
    .await
}

/// One round of examinations: both conclusions (the STS's first when `sts_first`), on the days
/// given.
async fn examine(s: &Suite, case: &str, si: &str, sts: &str, days: [&str; 2], sts_first: bool) {
    let si_t = s.token(Role::ServiceIntegrator, MINISTRY);
    let sts_t = s.token(Role::StateTechnicalService, MINISTRY);
    let mut order = vec![
        (sts_t, format!("{case}.{sts}"), "no-remarks"),
        (si_t, format!("{case}.{si}"), "remarks"),
    ];
    if !sts_first {
        order.reverse();
    }
    for ((token, id, outcome), day) in order.into_iter().zip(days) {
        s.set_clock(&format!("{day}T10:00:00+05:00"));
        s.complete(&token, &id, conclusion(outcome)).await;
    }
}

#[tokio::test]
async fn tor_8_to_11_a_tor_agreed_after_two_returns_with_a_new_edition_in_the_second_round() {
    let s = Suite::start("2026-04-13T10:00:00+05:00").await;
    let ab = s.token(Role::AuthorizedBody, MINISTRY);

    // TOR-4.c / TOR-5: a package without the economic conclusion its branch needs is refused,
    // and the refusal says the 15 working days have not started.
    let (status, p) = s
        .post(
            "intake",
            "/api/v1/terms-of-reference",
            &s.token(Role::StateBody, AGENCY),
            &tor(vec![doc("terms-of-reference", "AP-1"), doc("feo", "FEO-1")]),
            None,
        )
        .await;
    assert_eq!(status, 422, "{p}");
    let v = &p["errors"][0];
    assert_eq!(
        (&v["field"], &v["rule"]),
        (&json!("documents"), &json!("TOR-4.b")),
        "{p}"
    );
    assert!(v["message"].as_str().unwrap().contains("TOR-5"), "{p}");
    // TOR-3.c: this edition requires the data-structure section with the data master.
    let mut no_data = complete_package();
    no_data.as_object_mut().unwrap().remove("data_structure");
    let (status, p) = s
        .post(
            "intake",
            "/api/v1/terms-of-reference",
            &s.token(Role::StateBody, AGENCY),
            &no_data,
            None,
        )
        .await;
    assert_eq!(status, 422, "{p}");
    assert!(p.to_string().contains("TOR-3.c"), "{p}");

    // Monday 13 April: the complete package. TOR-5: 15 working days, to Tuesday 5 May (1 May
    // off); TOR-7: the referral, one working day (AMB-TOR-3).
    let case = submit(&s, &complete_package()).await;
    let p = progress(&s, &case).await;
    assert_eq!(
        p["timers"]["tor-5"]["fires_at"], "2026-05-06T00:00:00+05:00",
        "{p}"
    );
    assert_eq!(task(&p, "referral")["due"]["last_day"], "2026-04-14");

    // TOR-8: both examine in parallel, 12 working days from receipt (14 April): 30 April.
    s.set_clock("2026-04-14T10:00:00+05:00");
    s.complete(
        &ab,
        &format!("{case}.referral"),
        json!({"outcome": "referred"}),
    )
    .await;
    let p = progress(&s, &case).await;
    for key in ["si-exam", "sts-exam"] {
        assert_eq!(task(&p, key)["due"]["last_day"], "2026-04-30", "{key}: {p}");
    }
    // A conclusion by the wrong party is not its task.
    let (status, _) = s
        .post(
            "expertise",
            &format!("/api/v1/tasks/{case}.si-exam/complete"),
            &s.token(Role::StateTechnicalService, MINISTRY),
            &conclusion("no-remarks"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    // A conclusion without its document is refused (TOR-8).
    let (status, p) = s
        .post(
            "expertise",
            &format!("/api/v1/tasks/{case}.si-exam/complete"),
            &s.token(Role::ServiceIntegrator, MINISTRY),
            &json!({"outcome": "no-remarks"}),
            None,
        )
        .await;
    assert_eq!(status, 422, "{p}");

    // The STS concludes first (20 April): no decision yet (TOR-11 needs both).
    s.set_clock("2026-04-20T10:00:00+05:00");
    s.complete(
        &s.token(Role::StateTechnicalService, MINISTRY),
        &format!("{case}.sts-exam"),
        conclusion("no-remarks"),
    )
    .await;
    let (status, _) = s
        .post(
            "expertise",
            &format!("/api/v1/tasks/{case}.ab-decision/complete"),
            &ab,
            &json!({"outcome": "agree"}),
            None,
        )
        .await;
    assert_eq!(status, 404, "a decision before both conclusions");
    // The SI on 21 April: TOR-11's 5 working days run from the last conclusion: 28 April.
    s.set_clock("2026-04-21T10:00:00+05:00");
    s.complete(
        &s.token(Role::ServiceIntegrator, MINISTRY),
        &format!("{case}.si-exam"),
        conclusion("remarks"),
    )
    .await;
    let p = progress(&s, &case).await;
    assert_eq!(
        task(&p, "ab-decision")["due"]["last_day"],
        "2026-04-28",
        "{p}"
    );

    // Round 1 ends in a return with the remarks (TOR-11.b); reasons are required.
    s.set_clock("2026-04-22T10:00:00+05:00");
    let (status, _) = s
        .post(
            "expertise",
            &format!("/api/v1/tasks/{case}.ab-decision/complete"),
            &ab,
            &json!({"outcome": "return"}),
            None,
        )
        .await;
    assert_eq!(status, 422);
    s.complete(
        &ab,
        &format!("{case}.ab-decision"),
        json!({"outcome": "return", "reasons": ["Align section 4 with the architecture"]}),
    )
    .await;
    assert_eq!(progress(&s, &case).await["status"], "returned");
    // No examination is open: a new edition extends nothing (TOR-6).
    let letter = json!({"letter": {"reference": "L-1", "title": "Letter"}, "edition": {"reference": "AP-2", "title": "TOR, edition 2"}});
    let (status, p) = edition(&s, &case, letter.clone()).await;
    assert_eq!(
        (status, &p["errors"][0]["rule"]),
        (422, &json!("TOR-6")),
        "{p}"
    );

    // Round 2: resubmitted on Monday 27 April; TOR-9-1 / TOR-10-1: 12 working days afresh, to
    // 18 May (1, 7 and 11 May off); TOR-5 afresh too (AMB-TOR-4): 21 May.
    s.set_clock("2026-04-27T10:00:00+05:00");
    s.complete(
        &s.token(Role::StateBody, AGENCY),
        &format!("{case}.resubmission"),
        json!({"outcome": "resubmitted", "inputs": {"edition": doc("terms-of-reference", "AP-2026-0427")}}),
    )
    .await;
    let p = progress(&s, &case).await;
    for key in ["si-reexam", "sts-reexam"] {
        assert_eq!(task(&p, key)["due"]["last_day"], "2026-05-18", "{key}: {p}");
    }
    assert_eq!(
        p["timers"]["tor-5"]["fires_at"], "2026-05-22T00:00:00+05:00",
        "{p}"
    );
    // A conclusion for another round: round 1's task is done.
    let (status, _) = s
        .post(
            "expertise",
            &format!("/api/v1/tasks/{case}.si-exam/complete"),
            &s.token(Role::ServiceIntegrator, MINISTRY),
            &conclusion("no-remarks"),
            None,
        )
        .await;
    assert_eq!(status, 409);

    // TOR-6: an extension needs a new edition with the letter.
    s.set_clock("2026-05-13T10:00:00+05:00");
    let (status, p) = edition(
        &s,
        &case,
        json!({"letter": {"reference": "L-2", "title": "Letter"}}),
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(
        (&p["errors"][0]["field"], &p["errors"][0]["rule"]),
        (&json!("edition"), &json!("TOR-6"))
    );
    // Wednesday 13 May, with the letter: the open terms run to 10 working days from the letter,
    // 28 May (27 May off), and the SI and the STS are told.
    let (status, p) = edition(&s, &case, letter.clone()).await;
    assert_eq!(status, 201, "{p}");
    let p = progress(&s, &case).await;
    for key in ["si-reexam", "sts-reexam"] {
        assert_eq!(task(&p, key)["due"]["last_day"], "2026-05-28", "{key}: {p}");
    }
    assert_eq!(
        p["timers"]["tor-5"]["fires_at"], "2026-05-29T00:00:00+05:00",
        "{p}"
    );
    // A second edition on 22 May would take the round past 10 working days beyond its term
    // (21 May + 10 = 5 June; 22 May + 10 = 8 June): refused, nothing changes.
    s.set_clock("2026-05-22T10:00:00+05:00");
    let (status, p) = edition(&s, &case, letter.clone()).await;
    assert_eq!(
        (status, &p["errors"][0]["rule"]),
        (422, &json!("TOR-6")),
        "{p}"
    );
    assert_eq!(
        task(&progress(&s, &case).await, "si-reexam")["due"]["last_day"],
        "2026-05-28"
    );

    // Round 2 ends in a second return; round 3 is agreed.
    examine(
        &s,
        &case,
        "si-reexam",
        "sts-reexam",
        ["2026-05-25", "2026-05-26"],
        false,
    )
    .await;
    s.complete(
        &ab,
        &format!("{case}.ab-decision~2"),
        json!({"outcome": "return", "reasons": ["Section 7 lacks the data master's duties"]}),
    )
    .await;
    s.set_clock("2026-05-28T10:00:00+05:00");
    s.complete(
        &s.token(Role::StateBody, AGENCY),
        &format!("{case}.resubmission~2"),
        json!({"outcome": "resubmitted", "inputs": {"edition": doc("terms-of-reference", "AP-2026-0528")}}),
    )
    .await;
    examine(
        &s,
        &case,
        "si-reexam~2",
        "sts-reexam~2",
        ["2026-06-01", "2026-06-02"],
        true,
    )
    .await;
    s.complete(
        &ab,
        &format!("{case}.ab-decision~3"),
        json!({"outcome": "agree"}),
    )
    .await;
    let p = progress(&s, &case).await;
    assert_eq!(p["status"], "agreed", "{p}");
    assert_eq!(
        p["entries"][0]["registry"], "agreed-terms-of-reference",
        "{p}"
    );
    assert!(p["timers"].as_object().unwrap().is_empty(), "{p}");
    s.stop().await;
}

#[tokio::test]
async fn tor_12_an_addendum_runs_the_same_procedure_for_an_agreed_tor_only() {
    let s = Suite::start("2026-04-13T10:00:00+05:00").await;
    let ab = s.token(Role::AuthorizedBody, MINISTRY);
    let case = submit(&s, &complete_package()).await;
    let addendum = |agreed: &str, development: bool| {
        json!({"agreed_tor": agreed, "changes": "A new report in section 4.2",
               "requires_development": development,
               "documents": [doc("addendum", "AD-1")]})
    };
    let post = |body: Value, org: &'static str| {
        let s = &s;
        async move {
            s.post(
                "intake",
                "/api/v1/terms-of-reference-addenda",
                &s.token(Role::StateBody, org),
                &body,
                None,
            )
            .await
        }
    };
    // Not agreed yet: refused (TOR-12.a).
    let (status, p) = post(addendum(&case, false), AGENCY).await;
    assert_eq!(status, 422, "{p}");
    let v = &p["errors"][0];
    assert_eq!(
        (&v["field"], &v["rule"]),
        (&json!("agreed_tor"), &json!("TOR-12.a")),
        "{p}"
    );

    progress(&s, &case).await;
    s.complete(
        &ab,
        &format!("{case}.referral"),
        json!({"outcome": "referred"}),
    )
    .await;
    examine(
        &s,
        &case,
        "si-exam",
        "sts-exam",
        ["2026-04-15", "2026-04-16"],
        true,
    )
    .await;
    s.complete(
        &ab,
        &format!("{case}.ab-decision"),
        json!({"outcome": "agree"}),
    )
    .await;
    assert_eq!(progress(&s, &case).await["status"], "agreed");

    // Another agency's TOR is not there for it; a change needing development is not an
    // addendum (AMB-TOR-8); a case id that is not one is refused.
    let (status, p) = post(addendum(&case, false), OTHER_AGENCY).await;
    assert_eq!(status, 422, "{p}");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no case"),
        "{p}"
    );
    let (status, p) = post(addendum(&case, true), AGENCY).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "requires_development", "{p}");
    let (status, p) = post(addendum("not-a-case", false), AGENCY).await;
    assert_eq!(status, 422, "{p}");

    // The addendum of the agreed TOR: a case of its own on the same procedure (TOR-12.b).
    let (status, created) = post(addendum(&case, false), AGENCY).await;
    assert_eq!(status, 201, "{created}");
    let add = created["id"].as_str().unwrap();
    let p = progress(&s, add).await;
    assert_eq!(task(&p, "referral")["rule"], "TOR-7", "{p}");
    assert_eq!(
        p["timers"]["tor-5"]["fires_at"], "2026-05-13T00:00:00+05:00",
        "{p}"
    );
    s.stop().await;
}

#[tokio::test]
async fn tor_3_c_a_tor_follows_the_edition_in_force_on_its_submission_day() {
    // 1 June 2023: the 2022 edition (orders 136/НҚ and 360/НҚ), before order 521/НҚ added the
    // data-structure section: a package without it is complete, and the case keeps that edition
    // after 521/НҚ is in force.
    let s = Suite::start("2023-06-01T10:00:00+05:00").await;
    let mut package = complete_package();
    package.as_object_mut().unwrap().remove("data_structure");
    let (status, created) = s
        .post(
            "intake",
            "/api/v1/terms-of-reference",
            &s.token(Role::StateBody, AGENCY),
            &package,
            None,
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["variant"]["id"], "tor-143-2022", "{created}");
    let case = created["id"].as_str().unwrap().to_owned();
    // The 2022 edition knows no data-structure section: giving one is an unknown field.
    let (status, p) = s
        .post(
            "intake",
            "/api/v1/terms-of-reference",
            &s.token(Role::StateBody, AGENCY),
            &complete_package(),
            None,
        )
        .await;
    assert_eq!(
        (status, &p["field"]),
        (400, &json!("data_structure")),
        "{p}"
    );
    // 1 June 2023 (Thursday) + 15 working days: 22 June, 24:00 at UTC+6 (before 1 March 2024).
    assert_eq!(
        progress(&s, &case).await["timers"]["tor-5"]["fires_at"],
        "2023-06-23T00:00:00+06:00"
    );
    // In 2025 the referral still runs on the 2022 edition.
    s.set_clock("2025-01-15T10:00:00+05:00");
    let ab = s.token(Role::AuthorizedBody, MINISTRY);
    s.complete(
        &ab,
        &format!("{case}.referral"),
        json!({"outcome": "referred"}),
    )
    .await;
    let p = progress(&s, &case).await;
    assert_eq!(p["variant"]["id"], "tor-143-2022", "{p}");
    s.stop().await;
}
