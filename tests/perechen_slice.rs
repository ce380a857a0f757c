//! The first procedure slice end to end over HTTP: a Perechen application from submission to
//! the SI recommendation and on (PL-3 to PL-9), with deadlines, scoping and bad input.

use egov_e2e::{AGENCY, MINISTRY, OTHER_AGENCY, Suite, application, events, eventually};
use egov_kernel::Role;
use serde_json::{Value, json};

/// Thursday 19 March 2026, 10:00 in Almaty: the next working days are Fri 20, then Nauryz
/// (21-25 March) is off, then 26, 27, 30 and 31 March.
const SUBMITTED: &str = "2026-03-19T10:00:00+05:00";

/// The SI's PL-5.b answers: every item of an information system confirmed.
fn all_items() -> Value {
    json!({"1": true, "2": true, "3": true, "4": true, "5": true, "6": true})
}

async fn one_task(s: &Suite, role: Role) -> Value {
    eventually("a task", || async {
        s.tasks(role).await.into_iter().next()
    })
    .await
}

#[tokio::test]
async fn pl_4_and_pl_5_an_application_reaches_the_si_recommendation_with_terms_by_the_calendar() {
    let s = Suite::start(SUBMITTED).await;
    let id = s.submit("2026-03-19").await;

    // PL-4: the AB checks within 5 working days of receipt.
    let t = one_task(&s, Role::AuthorizedBody).await;
    assert_eq!(
        (
            t["step"].as_str(),
            t["rule"].as_str(),
            t["case_id"].as_str()
        ),
        (Some("ab-check"), Some("PL-4"), Some(id.as_str()))
    );
    assert_eq!(t["opened_at"], SUBMITTED);
    assert_eq!(t["due"]["last_day"], "2026-03-31");
    assert_eq!(t["due"]["ends_at"], "2026-04-01T00:00:00+05:00");
    assert_eq!(t["due"]["working_days_left"], 5);
    assert_eq!(t["due"]["overdue"], false);
    assert!(s.tasks(Role::ServiceIntegrator).await.is_empty());

    // On Monday 30 March one working day is left; the AB forwards to the SI.
    s.set_clock("2026-03-30T15:00:00+05:00");
    assert_eq!(
        s.tasks(Role::AuthorizedBody).await[0]["due"]["working_days_left"],
        1
    );
    let ab = s.token(Role::AuthorizedBody, MINISTRY);
    let task_id = t["id"].as_str().unwrap();
    let (status, done) = s
        .post(
            "expertise",
            &format!("/api/v1/tasks/{task_id}/complete"),
            &ab,
            &json!({"outcome": "forward-to-si"}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "completed");

    // PL-5: the SI recommends within 5 working days of receiving the forwarded application:
    // 31 March, 1, 2, 3 and 6 April.
    let si = one_task(&s, Role::ServiceIntegrator).await;
    assert_eq!(
        (si["step"].as_str(), si["rule"].as_str()),
        (Some("si-recommendation"), Some("PL-5"))
    );
    assert_eq!(si["opened_at"], "2026-03-30T15:00:00+05:00");
    assert_eq!(si["due"]["last_day"], "2026-04-06");
    assert!(s.tasks(Role::AuthorizedBody).await.is_empty());

    // The case timeline, from both services' events, in local time.
    let case = eventually("four timeline entries", || async {
        let c = s.case(&id).await;
        (c["timeline"].as_array().unwrap().len() == 4).then_some(c)
    })
    .await;
    let kinds: Vec<&str> = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["CaseSubmitted", "StepOpened", "StepCompleted", "StepOpened"]
    );
    assert_eq!(case["timeline"][0]["at"], SUBMITTED);
    assert_eq!(case["timeline"][1]["due"]["last_day"], "2026-03-31");
    assert_eq!(case["timeline"][2]["outcome"], "forward-to-si");
    assert_eq!(case["timeline"][3]["rule"], "PL-5");
    assert_eq!(case["status"], "in-examination");
    assert_eq!(
        (&case["variant"]["id"], &case["variant"]["version"]),
        (&json!("perechen-353"), &json!("2.0.0"))
    );
    s.stop().await;
}

/// The deadline scheduler sleeps between ticks; moving the development clock through
/// `PUT /api/v1/dev/clock` wakes it, so what fell due is announced at once rather than at the
/// next tick (PL-4's approach; the same wake acts on a tender window's close).
#[tokio::test]
async fn pl_4_moving_the_development_clock_wakes_the_deadline_scheduler_at_once() {
    let mut s = Suite::start(SUBMITTED).await;
    // A tick far longer than this test may wait: only the wake can announce in time.
    s.crash_service("expertise");
    s.layout.scheduler_tick = std::time::Duration::from_secs(600);
    s.start_service("expertise").await;
    s.submit("2026-03-19").await;
    one_task(&s, Role::AuthorizedBody).await;
    // The crashed scheduler's lease (at least 1 s) runs out first.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let (status, _, r) = s
        .raw(
            "PUT",
            "intake",
            "/api/v1/dev/clock",
            &s.token(Role::PlatformAdmin, MINISTRY),
            Some(r#"{"now": "2026-03-31T00:00:01+05:00"}"#),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let t = eventually("approaching, long before the next tick", || async {
        let t = s.tasks(Role::AuthorizedBody).await.remove(0);
        (t["due"]["approaching"] == true).then_some(t)
    })
    .await;
    assert_eq!(t["due"]["working_days_left"].as_i64(), Some(0), "{t}");
    s.stop().await;
}

#[tokio::test]
async fn pl_4_deadline_approaching_then_missed_shows_on_the_worklist_and_the_timeline() {
    let s = Suite::start(SUBMITTED).await;
    let id = s.submit("2026-03-19").await;
    one_task(&s, Role::AuthorizedBody).await;
    // Not yet: Monday 30 March is two working days before the end.
    s.set_clock("2026-03-30T23:59:00+05:00");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        s.tasks(Role::AuthorizedBody).await[0]["due"]["approaching"],
        false
    );

    // One working day before the term ends: the start of Tuesday 31 March.
    s.set_clock("2026-03-31T00:00:01+05:00");
    let t = eventually("approaching", || async {
        let t = s.tasks(Role::AuthorizedBody).await.remove(0);
        (t["due"]["approaching"] == true).then_some(t)
    })
    .await;
    assert_eq!(
        (
            t["due"]["overdue"].as_bool(),
            t["due"]["working_days_left"].as_i64()
        ),
        (Some(false), Some(0))
    );

    // The term ended at 24:00 on 31 March.
    s.set_clock("2026-04-01T09:00:00+05:00");
    let t = eventually("missed", || async {
        let t = s.tasks(Role::AuthorizedBody).await.remove(0);
        (t["due"]["missed"] == true).then_some(t)
    })
    .await;
    assert_eq!(
        (
            t["due"]["overdue"].as_bool(),
            t["due"]["working_days_left"].as_i64()
        ),
        (Some(true), Some(-1))
    );

    let case = eventually("both deadline events on the timeline", || async {
        let c = s.case(&id).await;
        (!events(&c, "DeadlineMissed").is_empty()).then_some(c)
    })
    .await;
    let approaching = events(&case, "DeadlineApproaching");
    assert_eq!(approaching.len(), 1);
    assert_eq!(
        (
            approaching[0]["rule"].as_str(),
            approaching[0]["ends_at"].as_str()
        ),
        (Some("PL-4"), Some("2026-04-01T00:00:00+05:00"))
    );
    assert_eq!(events(&case, "DeadlineMissed").len(), 1);
    let metrics = reqwest::get(s.url("expertise", "/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"egov_deadlines_total{kind="missed",rule="PL-4"} 1"#),
        "{metrics}"
    );
    s.stop().await;
}

#[tokio::test]
async fn scoping_another_agency_gets_404_a_supplier_403_and_a_forged_token_401() {
    let s = Suite::start(SUBMITTED).await;
    let id = s.submit("2026-03-19").await;
    let path = format!("/api/v1/cases/{id}");
    let (status, p) = s
        .get("intake", &path, &s.token(Role::StateBody, OTHER_AGENCY))
        .await;
    assert_eq!(status, 404, "{p}");
    assert_eq!(
        s.get("intake", &path, &s.token(Role::AuthorizedBody, MINISTRY))
            .await
            .0,
        200
    );

    let supplier = s.token(Role::Supplier, AGENCY);
    let (status, p) = s
        .post(
            "intake",
            "/api/v1/perechen-applications",
            &supplier,
            &application("2026-03-19"),
            None,
        )
        .await;
    assert_eq!((status, p["rule"].as_str()), (403, Some("PL-3")), "{p}");
    assert_eq!(s.get("intake", &path, &supplier).await.0, 403);

    let mut forged = s.token(Role::StateBody, AGENCY);
    forged.replace_range(forged.len() - 4.., "AAAA");
    assert_eq!(s.get("intake", &path, &forged).await.0, 401);
    let (status, _) = s
        .post(
            "intake",
            "/api/v1/perechen-applications",
            &forged,
            &application("2026-03-19"),
            None,
        )
        .await;
    assert_eq!(status, 401);

    // The SI cannot act on the AB's step, nor see it.
    let t = one_task(&s, Role::AuthorizedBody).await;
    let si = s.token(Role::ServiceIntegrator, MINISTRY);
    let complete = format!("/api/v1/tasks/{}/complete", t["id"].as_str().unwrap());
    assert_eq!(
        s.post(
            "expertise",
            &complete,
            &si,
            &json!({"outcome": "forward-to-si"}),
            None
        )
        .await
        .0,
        404
    );
    // A state body's worklist holds only its own cases' steps (none yet).
    let (status, list) = s
        .get(
            "expertise",
            "/api/v1/tasks",
            &s.token(Role::StateBody, AGENCY),
        )
        .await;
    assert_eq!(
        (status, list["items"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    s.stop().await;
}

#[tokio::test]
async fn pl_3_bad_applications_name_the_field_and_the_rule_and_change_nothing() {
    let s = Suite::start(SUBMITTED).await;
    let sb = s.token(Role::StateBody, AGENCY);
    let mut hsc = application("2026-03-19");
    hsc["object_kind"] = json!("hardware-software-complex");
    let (status, p) = s
        .post("intake", "/api/v1/perechen-applications", &sb, &hsc, None)
        .await;
    assert_eq!(status, 422, "{p}");
    let errors = p["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .all(|e| e["rule"] == "PL-3.b" || e["rule"] == "PL-F3"),
        "{p}"
    );
    // PL-F3: criterion 3.1 is for an information system, 3.4 must be answered for a complex.
    let at = |field: &str| {
        errors
            .iter()
            .find(|e| e["field"] == field)
            .map(|e| e["rule"].as_str().unwrap().to_owned())
    };
    assert_eq!(at("criteria.3.1").as_deref(), Some("PL-F3"));
    assert_eq!(at("criteria.3.4").as_deref(), Some("PL-3.b"));
    assert!(
        errors.iter().any(|e| e["field"] == "documents[0].kind"),
        "{p}"
    );

    let mut missing = application("2026-03-19");
    missing["fields"]
        .as_object_mut()
        .unwrap()
        .remove("object_name");
    let (status, p) = s
        .post(
            "intake",
            "/api/v1/perechen-applications",
            &sb,
            &missing,
            None,
        )
        .await;
    assert_eq!(
        (status, p["field"].as_str(), p["rule"].as_str()),
        (422, Some("fields.object_name"), Some("PL-F1"))
    );

    let mut unknown = application("2026-03-19");
    unknown["colour"] = json!("blue");
    let (status, p) = s
        .post(
            "intake",
            "/api/v1/perechen-applications",
            &sb,
            &unknown,
            None,
        )
        .await;
    assert_eq!((status, p["field"].as_str()), (400, Some("colour")), "{p}");

    // PL-F1: the signature is a reference to the EDS-signed application (AMB-PL-11); PL-3.c:
    // the portal declaration is yes or no.
    let mut unsigned = application("2026-03-19");
    unsigned["fields"]["signature"] = json!("Nurlanov A. B.");
    unsigned["fields"]["portal_placement_declared"] = json!("maybe");
    let (status, p) = s
        .post(
            "intake",
            "/api/v1/perechen-applications",
            &sb,
            &unsigned,
            None,
        )
        .await;
    assert_eq!(status, 422, "{p}");
    let got: Vec<(&str, &str)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("fields.portal_placement_declared", "PL-3.c"),
            ("fields.signature", "PL-F1")
        ],
        "{p}"
    );

    let mut future = application("2026-03-19");
    future["fields"]["signed_on"] = json!("2026-03-20");
    assert_eq!(
        s.post(
            "intake",
            "/api/v1/perechen-applications",
            &sb,
            &future,
            None
        )
        .await
        .0,
        422
    );

    // Nothing was recorded or published.
    let mut conn = egov_bus::connect(&s.redis.client()).await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("egov:*")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(
        keys.iter()
            .all(|k| !k.contains(":agg:") && !k.contains("idx:org")),
        "{keys:?}"
    );
    for p in 0..2 {
        let len: usize = redis::cmd("XLEN")
            .arg(format!("egov:{{intake.{p}}}:events"))
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(len, 0);
    }
    s.stop().await;
}

#[tokio::test]
async fn an_idempotency_key_gives_one_case_however_often_it_is_sent() {
    let s = Suite::start(SUBMITTED).await;
    let sb = s.token(Role::StateBody, AGENCY);
    let app = application("2026-03-19");
    let (s1, b1) = s
        .post(
            "intake",
            "/api/v1/perechen-applications",
            &sb,
            &app,
            Some("k-1"),
        )
        .await;
    let (s2, b2) = s
        .post(
            "intake",
            "/api/v1/perechen-applications",
            &sb,
            &app,
            Some("k-1"),
        )
        .await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(b1, b2);
    let mut other = app.clone();
    other["fields"]["object_name"] = json!("Another system");
    let (s3, p3) = s
        .post(
            "intake",
            "/api/v1/perechen-applications",
            &sb,
            &other,
            Some("k-1"),
        )
        .await;
    assert_eq!((s3, p3["field"].as_str()), (422, Some("Idempotency-Key")));
    one_task(&s, Role::AuthorizedBody).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        s.tasks(Role::AuthorizedBody).await.len(),
        1,
        "one case, one task"
    );
    s.stop().await;
}

/// A keyed submission's answer is kept with its case, in the case's hash slot and the same
/// step: a replay is answered from it (`Idempotent-Replayed`); a refusal under a key is kept
/// and replayed too, and that key then takes no other body.
#[tokio::test]
async fn a_keyed_submissions_answer_is_kept_with_its_case_and_replayed_from_there() {
    let s = Suite::start(SUBMITTED).await;
    let sb = s.token(Role::StateBody, AGENCY);
    let http = reqwest::Client::new();
    let post = |body: Value, key: &'static str| {
        let req = http
            .post(s.url("intake", "/api/v1/perechen-applications"))
            .bearer_auth(&sb)
            .header("idempotency-key", key)
            .json(&body);
        async move {
            let r = req.send().await.unwrap();
            let replayed = r.headers().get("idempotent-replayed").is_some();
            (
                r.status().as_u16(),
                replayed,
                r.json::<Value>().await.unwrap(),
            )
        }
    };
    let app = application("2026-03-19");
    let (s1, replayed1, b1) = post(app.clone(), "k-a").await;
    assert_eq!((s1, replayed1), (201, false), "{b1}");
    let (s2, replayed2, b2) = post(app.clone(), "k-a").await;
    assert_eq!((s2, replayed2), (201, true), "{b2}");
    assert_eq!(b1, b2);
    let keys = s.keys().await;
    let tag = |k: &str| k[k.find('{').unwrap()..=k.find('}').unwrap()].to_owned();
    let answers: Vec<&String> = keys.iter().filter(|k| k.contains(":answer:")).collect();
    let case = b1["id"].as_str().unwrap();
    let state = keys
        .iter()
        .find(|k| k.starts_with("egov:{intake.") && k.ends_with(&format!(":agg:case:{case}")))
        .unwrap();
    assert_eq!(answers.len(), 1, "{keys:?}");
    assert_eq!(tag(answers[0]), tag(state));
    assert!(
        !keys.iter().any(|k| k.starts_with("egov:idem:")),
        "no second record: {keys:?}"
    );
    // A refusal is kept under its key and replayed; the key then takes no other body.
    let mut bad = app.clone();
    bad["fields"]["signed_on"] = json!("2026-02-30");
    let (s3, replayed3, p3) = post(bad.clone(), "k-b").await;
    assert!((400..500).contains(&s3) && !replayed3, "{s3} {p3}");
    let (s4, replayed4, p4) = post(bad, "k-b").await;
    assert_eq!((s4, replayed4, &p4), (s3, true, &p3));
    let (s5, _, p5) = post(app, "k-b").await;
    assert_eq!(
        (s5, p5["field"].as_str()),
        (422, Some("Idempotency-Key")),
        "{p5}"
    );
    let cases = s
        .keys()
        .await
        .into_iter()
        .filter(|k| k.contains(":agg:case:") && k.starts_with("egov:{intake."))
        .filter(|k| !k.contains(":history") && !k.contains(":projection"))
        .count();
    assert_eq!(cases, 1, "one case: the first");
    s.stop().await;
}

/// A keyed completion's answer is kept by the case's own append when the key's record falls in
/// the case's partition, and at the same record after a reservation when it does not: either
/// way a replay gets the first answer (`Idempotent-Replayed`, the same ETag), the key with
/// another body is a 422, a refusal under a key is kept and replayed, and the case moves once.
/// The record is the service's one record of the key, in the cases' store.
#[tokio::test]
async fn a_keyed_completion_is_answered_once_whether_its_case_keeps_the_answer_or_a_reservation_does()
 {
    let s = Suite::start(SUBMITTED).await;
    let cases = [s.submit("2026-03-19").await, s.submit("2026-03-19").await];
    eventually("two PL-4 tasks", || async {
        (s.tasks(Role::AuthorizedBody).await.len() == 2).then_some(())
    })
    .await;
    let ab = s.token(Role::AuthorizedBody, MINISTRY);
    let http = reqwest::Client::new();
    let send = |path: String, body: Value, key: String| {
        let req = http
            .post(s.url("expertise", &path))
            .bearer_auth(&ab)
            .header("idempotency-key", key)
            .json(&body);
        async move {
            let r = req.send().await.unwrap();
            let h = r.headers().clone();
            let replayed = h.get("idempotent-replayed").is_some();
            let etag = h.get("etag").map(|v| v.to_str().unwrap().to_owned());
            (
                r.status().as_u16(),
                replayed,
                etag,
                r.json::<Value>().await.unwrap(),
            )
        }
    };
    let conn = egov_bus::connect(s.redis.client()).await.unwrap();
    let records = egov_store::idempotency::IdempotencyRecords::new(conn.clone(), "expertise");
    let topic = egov_bus::Topic::new("expertise", 2);
    let scope = format!("{MINISTRY}:e2e-{}", Role::AuthorizedBody);
    let history = |case: &str| {
        let key = format!(
            "egov:{}:agg:case:{case}:history",
            topic.tag(topic.partition_of(case))
        );
        let mut conn = conn.clone();
        async move {
            redis::cmd("XLEN")
                .arg(key)
                .query_async::<usize>(&mut conn)
                .await
                .unwrap()
        }
    };
    for (case, kept_by_the_case) in [(&cases[0], true), (&cases[1], false)] {
        // A key of this case's own whose record is (or is not) in the case's partition.
        let key = (0..)
            .map(|i| format!("{case}-{i}"))
            .find(|k| {
                let name = records.request_name(&scope, k);
                (topic.partition_of(&name) == topic.partition_of(case)) == kept_by_the_case
            })
            .unwrap();
        let path = format!("/api/v1/tasks/{case}.ab-check/complete");
        let forward = json!({"outcome": "forward-to-si"});
        let before = history(case).await;
        let first = send(path.clone(), forward.clone(), key.clone()).await;
        assert_eq!((first.0, first.1), (200, false), "{}", first.3);
        assert_eq!(first.3["status"], "completed");
        let again = send(path.clone(), forward.clone(), key.clone()).await;
        assert_eq!((again.0, again.1), (200, true), "{}", again.3);
        assert_eq!((&again.2, &again.3), (&first.2, &first.3));
        let other = send(path.clone(), json!({"outcome": "reject"}), key.clone()).await;
        assert_eq!(
            (other.0, other.3["field"].as_str()),
            (422, Some("Idempotency-Key")),
            "{}",
            other.3
        );
        assert_eq!(history(case).await, before + 1, "the case moved once");
        // Another key on the completed task: a 409, kept under that key and replayed.
        let late = send(path.clone(), forward.clone(), format!("late-{key}")).await;
        assert_eq!((late.0, late.1), (409, false), "{}", late.3);
        let late_again = send(path, forward, format!("late-{key}")).await;
        assert_eq!((late_again.0, late_again.1), (409, true));
        assert_eq!(late_again.3, late.3);
        // The record is at the key's name in the cases' store.
        let name = records.request_name(&scope, &key);
        let record = format!(
            "egov:{}:answer:{name}",
            topic.tag(topic.partition_of(&name))
        );
        assert!(s.keys().await.contains(&record), "{record}");
    }
    let keys = s.keys().await;
    assert!(
        !keys.iter().any(|k| k.starts_with("egov:idem:")),
        "one record per key: {keys:?}"
    );
    s.stop().await;
}

/// Takes a case through PL-4 and PL-5 (the SI gives `si` and its PL-5.b answers per portal
/// item); returns the id of the AB's decision task once it is open.
/// The entries listed in the Perechen, as the catalog service keeps them.
async fn listed(s: &Suite, token: &str) -> Vec<Value> {
    let (status, l) = s
        .get("catalog", "/api/v1/registries/perechen/entries", token)
        .await;
    assert_eq!(status, 200, "{l}");
    l["items"].as_array().unwrap().clone()
}

async fn to_decision(s: &Suite, case: &str, si: &str, portal_items: Value) -> String {
    let ab = s.token(Role::AuthorizedBody, MINISTRY);
    let si_token = s.token(Role::ServiceIntegrator, MINISTRY);
    for (role, token, step, body) in [
        (
            Role::AuthorizedBody,
            &ab,
            "ab-check",
            json!({"outcome": "forward-to-si"}),
        ),
        (
            Role::ServiceIntegrator,
            &si_token,
            "si-recommendation",
            json!({"outcome": si, "inputs": {"portal_items": portal_items}}),
        ),
    ] {
        let id = format!("{case}.{step}");
        let (status, p) = s.complete_when_open(role, token, &id, &body).await;
        assert_eq!(status, 200, "{step}: {p}");
    }
    let decision = format!("{case}.ab-decision");
    eventually("decision task", || async {
        s.tasks(Role::AuthorizedBody)
            .await
            .iter()
            .any(|t| t["id"] == decision.as_str())
            .then_some(())
    })
    .await;
    decision
}

#[tokio::test]
async fn pl_6_and_pl_7_the_variant_refuses_with_its_grounds_and_includes_only_without_one() {
    let s = Suite::start(SUBMITTED).await;
    let ab = s.token(Role::AuthorizedBody, MINISTRY);
    let complete = |id: &str| format!("/api/v1/tasks/{id}/complete");

    // PL-6.b: the SI found the object does not comply. Including is refused by the variant's
    // check, naming PL-6.b; refusing needs no typed reasons: the grounds become the reasons.
    let refused = s.submit("2026-03-19").await;
    let decision = to_decision(&s, &refused, "does-not-comply", all_items()).await;
    let (status, p) = s
        .post(
            "expertise",
            &complete(&decision),
            &ab,
            &json!({"outcome": "include"}),
            None,
        )
        .await;
    assert_eq!(
        (status, p["field"].as_str(), p["rule"].as_str()),
        (422, Some("outcome"), Some("PL-6.b")),
        "{p}"
    );
    // A stale If-Match is refused before anything is decided.
    let stale = reqwest::Client::new()
        .post(s.url("expertise", &complete(&decision)))
        .bearer_auth(&ab)
        .header("if-match", "\"0\"")
        .json(&json!({"outcome": "refuse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status().as_u16(), 412);
    let (status, p) = s
        .post(
            "expertise",
            &complete(&decision),
            &ab,
            &json!({"outcome": "refuse"}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{p}");
    let case = eventually("refused", || async {
        let c = s.case(&refused).await;
        (c["status"] == "refused").then_some(c)
    })
    .await;
    let reasons = events(&case, "StepCompleted").last().unwrap()["reasons"].clone();
    assert!(
        reasons[0].as_str().unwrap().starts_with("PL-6.b"),
        "{reasons}"
    );
    // Completing twice is a conflict.
    assert_eq!(
        s.post(
            "expertise",
            &complete(&decision),
            &ab,
            &json!({"outcome": "refuse"}),
            None
        )
        .await
        .0,
        409
    );

    // PL-6.a with PL-F3: two points, none in group 3: inclusion is refused by the score.
    let mut weak = application("2026-03-19");
    weak["criteria"] = egov_e2e::criteria(&["1.1", "2.1"]);
    let low = s.submit_app(&weak).await;
    let decision = to_decision(&s, &low, "complies", all_items()).await;
    let (status, p) = s
        .post(
            "expertise",
            &complete(&decision),
            &ab,
            &json!({"outcome": "include"}),
            None,
        )
        .await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("PL-6.a")), "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("none in criteria group(s) 3"),
        "{p}"
    );

    // No ground: refusing is refused (PL-6 is exhaustive); including opens PL-8 and PL-9.
    let included = s.submit("2026-03-19").await;
    let decision = to_decision(&s, &included, "complies", all_items()).await;
    let (status, p) = s
        .post(
            "expertise",
            &complete(&decision),
            &ab,
            &json!({"outcome": "refuse"}),
            None,
        )
        .await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("PL-6")), "{p}");
    let (status, p) = s
        .post(
            "expertise",
            &complete(&decision),
            &ab,
            &json!({"outcome": "maybe"}),
            None,
        )
        .await;
    assert_eq!(
        (status, p["field"].as_str(), p["rule"].as_str()),
        (422, Some("outcome"), Some("PL-7"))
    );
    assert_eq!(
        s.post(
            "expertise",
            &complete(&decision),
            &ab,
            &json!({"outcome": "include"}),
            None
        )
        .await
        .0,
        200
    );
    let rules = eventually("PL-8 and PL-9", || async {
        let mut rules: Vec<String> = s
            .tasks(Role::AuthorizedBody)
            .await
            .iter()
            .filter(|t| t["case_id"] == included.as_str())
            .map(|t| t["rule"].as_str().unwrap().to_owned())
            .collect();
        rules.sort();
        (rules.len() == 2).then_some(rules)
    })
    .await;
    assert_eq!(rules, ["PL-8", "PL-9"]);
    assert_eq!(s.case(&included).await["status"], "included");

    // PL-8: the operator is notified.
    let notify = format!("{included}.operator-notification");
    assert_eq!(
        s.post(
            "expertise",
            &complete(&notify),
            &ab,
            &json!({"outcome": "operator-notified"}),
            None
        )
        .await
        .0,
        200
    );
    // PL-8: the operator is a party: a task of its own, and the documents of points 3 and 5
    // (the application and its documents, the SI's recommendation) on the case.
    let receipt = format!("{included}.operator-receipt");
    let op = s.token(Role::Operator, MINISTRY);
    eventually("the operator's PL-8 task", || async {
        let (_, list) = s.get("expertise", "/api/v1/tasks", &op).await;
        list["items"]
            .as_array()?
            .iter()
            .any(|t| t["id"] == receipt.as_str() && t["rule"] == "PL-8")
            .then_some(())
    })
    .await;
    s.complete(&op, &receipt, json!({"outcome": "received"}))
        .await;
    let c = s.case(&included).await;
    let sent = events(&c, "PartyNotified");
    assert_eq!(sent.len(), 1, "{c}");
    assert_eq!(sent[0]["party"]["role"], "operator", "{c}");
    assert_eq!(
        sent[0]["details"]["documents"][0]["reference"],
        "portal:doc/1001"
    );
    assert_eq!(
        sent[0]["details"]["si_recommendation"]["outcome"],
        "complies"
    );
    // PL-9, then PL-10: once operation ends, the state body (and only it) notifies the AB.
    let order = format!("{included}.inclusion-order");
    assert_eq!(
        s.post(
            "expertise",
            &complete(&order),
            &ab,
            &json!({"outcome": "order-adopted"}),
            None
        )
        .await
        .0,
        200
    );
    // PL-9: the catalog service records the order's entry in the Perechen list.
    let items = eventually("the Perechen list entry", || async {
        let items = listed(&s, &ab).await;
        (!items.is_empty()).then_some(items)
    })
    .await;
    assert_eq!(
        (&items[0]["key"], &items[0]["listed"], &items[0]["case_id"]),
        (&json!("E-notary"), &json!(true), &json!(included)),
        "{items:?}"
    );
    let notice = format!("{included}.operation-ended");
    let own = s.token(Role::StateBody, AGENCY);
    eventually("the state body's PL-10 task", || async {
        let (_, list) = s.get("expertise", "/api/v1/tasks", &own).await;
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == notice.as_str())
            .then_some(())
    })
    .await;
    let other = s.token(Role::StateBody, OTHER_AGENCY);
    assert_eq!(
        s.get("expertise", &format!("/api/v1/tasks/{notice}"), &other)
            .await
            .0,
        404
    );
    let (status, p) = s
        .post(
            "expertise",
            &complete(&notice),
            &own,
            &json!({"outcome": "operation-ended"}),
            None,
        )
        .await;
    assert_eq!(
        (status, p["field"].as_str(), p["rule"].as_str()),
        (422, Some("inputs.operation_ended_on"), Some("PL-10")),
        "{p}"
    );
    // Operation ended on Fri 6 March 2026; today is Thu 19 March: within 10 working days.
    let body =
        json!({"outcome": "operation-ended", "inputs": {"operation_ended_on": "2026-03-06"}});
    assert_eq!(
        s.post("expertise", &complete(&notice), &own, &body, None)
            .await
            .0,
        200
    );
    let exclusion = format!("{included}.exclusion");
    eventually("exclusion task", || async {
        s.tasks(Role::AuthorizedBody)
            .await
            .iter()
            .any(|t| t["id"] == exclusion.as_str())
            .then_some(())
    })
    .await;
    assert_eq!(
        s.post(
            "expertise",
            &complete(&exclusion),
            &ab,
            &json!({"outcome": "excluded"}),
            None
        )
        .await
        .0,
        200
    );
    let case = eventually("excluded", || async {
        let c = s.case(&included).await;
        (c["status"] == "excluded").then_some(c)
    })
    .await;
    let notice_event = events(&case, "StepCompleted")
        .into_iter()
        .find(|e| e["step"] == "operation-ended")
        .unwrap();
    assert!(
        notice_event["reasons"].as_array().unwrap().is_empty(),
        "on time: {notice_event}"
    );
    // PL-9 wrote the object into the list, PL-10 took it out: one entry, as it is now.
    let (_, p) = s
        .get(
            "expertise",
            &format!("/api/v1/cases/{included}/progress"),
            &ab,
        )
        .await;
    assert_eq!(p["entries"].as_array().unwrap().len(), 1, "{p}");
    let entry = &p["entries"][0];
    assert_eq!(
        (&entry["registry"], &entry["key"], &entry["body"]["status"]),
        (&json!("perechen"), &json!("E-notary"), &json!("excluded")),
        "{p}"
    );
    let puts: Vec<&Value> = events(&case, "EntryPut");
    assert_eq!(puts.len(), 2, "included by PL-9, then excluded by PL-10");
    // PL-10: the exclusion takes it out of the list; the entry says so, with both writes, and
    // the change feed holds it once, at its latest write.
    eventually("the exclusion in the catalog", || async {
        listed(&s, &ab).await.is_empty().then_some(())
    })
    .await;
    let (status, e) = s
        .get(
            "catalog",
            "/api/v1/registries/perechen/entry?key=E-notary",
            &ab,
        )
        .await;
    assert_eq!(status, 200, "{e}");
    assert_eq!(
        (&e["listed"], &e["writes"], &e["body"]["status"]),
        (&json!(false), &json!(2), &json!("excluded")),
        "{e}"
    );
    let (_, feed) = s.get("catalog", "/api/v1/registry-changes", &ab).await;
    let keys: Vec<&Value> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["key"])
        .collect();
    assert_eq!(keys, [&json!("E-notary")], "{feed}");
    let (_, later) = s
        .get(
            "catalog",
            &format!(
                "/api/v1/registry-changes?since={}",
                feed["cursor"].as_str().unwrap()
            ),
            &ab,
        )
        .await;
    assert_eq!(later["items"], json!([]), "{later}");
    assert_eq!(later["cursor"], feed["cursor"]);
    for bad in [
        "/api/v1/registries/per%20echen/entries",
        "/api/v1/registry-changes?since=x",
        "/api/v1/registry-changes?limit=100000",
    ] {
        let (status, p) = s.get("catalog", bad, &ab).await;
        assert_eq!(status, 400, "{bad}: {p}");
    }
    s.stop().await;
}

#[tokio::test]
async fn pl_10_the_exclusion_of_an_object_listed_before_this_suite_starts_from_its_own_intake() {
    // An object included by an order of 2021, before this suite ran: the state body notifies
    // the end of its operation directly; the AB's exclusion task opens at once.
    let s = Suite::start(SUBMITTED).await;
    let own = s.token(Role::StateBody, AGENCY);
    let ab = s.token(Role::AuthorizedBody, MINISTRY);
    // A notice of a day after the notice is refused, naming the field and PL-10.
    let (status, p) = s
        .post(
            "intake",
            "/api/v1/perechen-exclusions",
            &own,
            &json!({"object_name": "Old IS", "inclusion_order": "order No. 12 of 2021-05-04", "operation_ended_on": "2026-03-20"}),
            None,
        )
        .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(
        (
            p["errors"][0]["field"].as_str(),
            p["errors"][0]["rule"].as_str()
        ),
        (Some("operation_ended_on"), Some("PL-10")),
        "{p}"
    );
    // Ended Monday 2 March 2026; noticed Thursday 19 March: the 10 working days (3-6, 10-13,
    // 16 and 17 March; Sunday 8 March, International Women's Day, moves its day off to Monday
    // 9 March) ended on 17 March, so the notice is late, and that is recorded, not refused.
    let (status, created) = s
        .post(
            "intake",
            "/api/v1/perechen-exclusions",
            &own,
            &json!({"object_name": "Old IS", "inclusion_order": "order No. 12 of 2021-05-04", "operation_ended_on": "2026-03-02"}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let case = created["id"].as_str().unwrap().to_owned();
    let task = s.task_of(Role::AuthorizedBody, MINISTRY, &case).await;
    assert_eq!(task["id"], format!("{case}.exclusion"));
    s.complete(
        &ab,
        task["id"].as_str().unwrap(),
        json!({"outcome": "excluded"}),
    )
    .await;
    let (_, p) = s
        .get("expertise", &format!("/api/v1/cases/{case}/progress"), &ab)
        .await;
    assert_eq!(p["status"], "excluded", "{p}");
    assert_eq!(p["entries"][0]["key"], "Old IS", "{p}");
    assert_eq!(p["entries"][0]["body"]["status"], "excluded", "{p}");
    let c = s.case(&case).await;
    let done = events(&c, "StepCompleted");
    assert_eq!(
        done[0]["reasons"][0],
        "PL-10: notified on 2026-03-19, after the 10 working days that ended on 2026-03-17",
        "{c}"
    );
    s.stop().await;
}

/// The (field, rule) of every error of a problem.
fn errors(p: &Value) -> Vec<(String, String)> {
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(field: &str, rule: &str) -> (String, String) {
    (field.to_owned(), rule.to_owned())
}

#[tokio::test]
async fn pl_5b_and_pl_6c_the_si_confirms_each_portal_item_and_a_missing_one_refuses_inclusion() {
    let s = Suite::start(SUBMITTED).await;
    let ab = s.token(Role::AuthorizedBody, MINISTRY);
    let si = s.token(Role::ServiceIntegrator, MINISTRY);
    let case = s.submit("2026-03-19").await;
    let (status, p) = s
        .complete_when_open(
            Role::AuthorizedBody,
            &ab,
            &format!("{case}.ab-check"),
            &json!({"outcome": "forward-to-si"}),
        )
        .await;
    assert_eq!(status, 200, "{p}");

    // A string "false" is neither a confirmation nor a refusal; an unknown input is refused;
    // an item of a complex's list does not exist for an information system.
    let task = format!("{case}.si-recommendation");
    for (inputs, field) in [
        (
            json!({"portal_items": {"1": true, "2": true, "3": true, "4": true, "5": true, "6": "false"}}),
            "inputs.portal_items.6",
        ),
        (
            json!({"portal_information_confirmed": true}),
            "inputs.portal_information_confirmed",
        ),
        (
            json!({"portal_items": {"7": true}}),
            "inputs.portal_items.7",
        ),
    ] {
        let (status, p) = s
            .complete_when_open(
                Role::ServiceIntegrator,
                &si,
                &task,
                &json!({"outcome": "complies", "inputs": inputs}),
            )
            .await;
        assert_eq!(status, 422, "{p}");
        assert_eq!(errors(&p), [pair(field, "PL-5.b")], "{p}");
    }

    // Item 6 (the information-security trial act) left unanswered: the recommendation is
    // recorded, stating the item, but it is not a confirmation.
    let (status, p) = s.complete_when_open(Role::ServiceIntegrator,
        &si,
        &task,
        &json!({"outcome": "complies", "inputs": {"portal_items": {"1": true, "2": true, "3": true, "4": true, "5": true}}}),
    )
    .await;
    assert_eq!(status, 200, "{p}");

    // PL-6.c: inclusion is refused, naming the item; the refusal states it.
    let decision = format!("{case}.ab-decision");
    let (status, p) = s
        .complete_when_open(
            Role::AuthorizedBody,
            &ab,
            &decision,
            &json!({"outcome": "include"}),
        )
        .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(errors(&p), [pair("outcome", "PL-6.c")], "{p}");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("6 (copy of the act on the results of trials of compliance with information-security requirements"),
        "{p}"
    );
    let (status, p) = s
        .post(
            "expertise",
            &format!("/api/v1/tasks/{decision}/complete"),
            &ab,
            &json!({"outcome": "refuse"}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{p}");
    let c = eventually("refused", || async {
        let c = s.case(&case).await;
        (c["status"] == "refused").then_some(c)
    })
    .await;
    let completed = events(&c, "StepCompleted");
    let si_reasons = completed
        .iter()
        .find(|e| e["step"] == "si-recommendation")
        .unwrap()["reasons"]
        .clone();
    assert!(
        si_reasons[0]
            .as_str()
            .unwrap()
            .starts_with("PL-5.b: not confirmed on the architecture portal: 6 ("),
        "{si_reasons}"
    );
    let reasons = completed.last().unwrap()["reasons"].clone();
    assert_eq!(reasons.as_array().unwrap().len(), 1, "{reasons}");
    assert!(
        reasons[0].as_str().unwrap().starts_with("PL-6.c: "),
        "{reasons}"
    );
    s.stop().await;
}

#[tokio::test]
async fn pl_6a_the_ab_corrects_declared_criteria_with_reasons_and_the_score_follows_the_checked_answers()
 {
    let s = Suite::start(SUBMITTED).await;
    let ab = s.token(Role::AuthorizedBody, MINISTRY);
    // Declared: 1.1, 2.1, 2.3, 3.1 (four points, one or more per group).
    let case = s.submit("2026-03-19").await;
    let decision = to_decision(&s, &case, "complies", all_items()).await;
    let path = format!("/api/v1/tasks/{decision}/complete");

    // A correction without a reason, of a criterion that does not apply to an information
    // system, or with a non-boolean answer: refused, each named (PL-6.a).
    let (status, p) = s
        .post(
            "expertise",
            &path,
            &ab,
            &json!({"outcome": "include", "inputs": {"criteria_corrections": {
                "2.3": {"answer": false},
                "3.4": {"answer": true, "reason": "all users use it"},
                "3.1": {"answer": "false", "reason": "612 active users"}}}}),
            None,
        )
        .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(
        errors(&p),
        [
            pair("inputs.criteria_corrections.2.3.reason", "PL-6.a"),
            pair("inputs.criteria_corrections.3.1.answer", "PL-6.a"),
            pair("inputs.criteria_corrections.3.4", "PL-6.a")
        ],
        "{p}"
    );

    // The AB finds 3.1 is not met: no point in group 3, so the object cannot be included.
    let fix = json!({"criteria_corrections": {"3.1": {"answer": false, "reason": "612 active users on the portal record"}}});
    let (status, p) = s
        .post(
            "expertise",
            &path,
            &ab,
            &json!({"outcome": "include", "inputs": fix}),
            None,
        )
        .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(errors(&p), [pair("outcome", "PL-6.a")], "{p}");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("none in criteria group(s) 3"),
        "{p}"
    );

    // Refused: the correction and the ground are the reasons.
    let (status, p) = s
        .post(
            "expertise",
            &path,
            &ab,
            &json!({"outcome": "refuse", "inputs": fix}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{p}");
    let c = eventually("refused", || async {
        let c = s.case(&case).await;
        (c["status"] == "refused").then_some(c)
    })
    .await;
    let reasons = events(&c, "StepCompleted").last().unwrap()["reasons"].clone();
    assert_eq!(
        reasons,
        json!([
            "PL-6.a: the AB corrected criterion 3.1 from yes to no: 612 active users on the portal record",
            "PL-6.a: the object scores 3 point(s) and none in criteria group(s) 3"
        ])
    );
    s.stop().await;
}
