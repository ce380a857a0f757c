//! The engine end to end: a step opened again under its next key (a loop of return and
//! resubmission, three rounds, each term counted afresh), and worklists read a page at a time.

use egov_e2e::{AGENCY, MINISTRY, Suite, events, eventually, install_plugin};
use egov_kernel::Role;
use serde_json::json;

#[tokio::test]
async fn a_loop_of_return_and_resubmission_runs_three_rounds_each_term_counted_afresh() {
    let dir = std::env::temp_dir().join(format!("egov-e2e-loop-{}", ulid::Ulid::new()));
    install_plugin(
        &dir,
        "fixture-loop",
        &egov_testkit::plugins_dir().join("fixtures/loop.wasm"),
        200,
    );
    // Thursday 19 March 2026 (Nauryz, 21-25 March, is off).
    let s = Suite::start_with("2026-03-19T10:00:00+05:00", vec![dir.clone()]).await;
    let sb = s.token(Role::StateBody, AGENCY);
    let ab = s.token(Role::AuthorizedBody, MINISTRY);
    let (status, created) = s
        .post(
            "intake",
            "/api/v1/loop-requests",
            &sb,
            &json!({"object_kind": "request", "fields": {"subject": "An IS"}}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let case = created["id"].as_str().unwrap().to_owned();

    // Each round: the review (5 working days from its receipt), returned with remarks, then
    // resubmitted the next day; the third review approves.
    // Received 19 March: 20, 26, 27, 30, 31 March. Resubmitted Friday 20 March: 26, 27, 30,
    // 31 March, 1 April. Resubmitted Monday 6 April: 7, 8, 9, 10, 13 April.
    let rounds = [
        ("review", "2026-03-31", "2026-03-20T10:00:00+05:00"),
        ("review~2", "2026-04-01", "2026-04-06T10:00:00+05:00"),
        ("review~3", "2026-04-13", ""),
    ];
    for (i, (key, last_day, resubmitted_at)) in rounds.iter().enumerate() {
        let t = s.task_of(Role::AuthorizedBody, MINISTRY, &case).await;
        assert_eq!(t["id"], format!("{case}.{key}"), "round {}", i + 1);
        assert_eq!(t["due"]["last_day"], *last_day, "{key}");
        if i == 2 {
            let done = s
                .complete(&ab, &format!("{case}.{key}"), json!({"outcome": "approve"}))
                .await;
            assert_eq!(done["outcome"], "approve");
            break;
        }
        // A return states its remarks.
        let (status, p) = s
            .post(
                "expertise",
                &format!("/api/v1/tasks/{case}.{key}/complete"),
                &ab,
                &json!({"outcome": "return"}),
                None,
            )
            .await;
        assert_eq!((status, p["field"].as_str()), (422, Some("reasons")), "{p}");
        s.complete(
            &ab,
            &format!("{case}.{key}"),
            json!({"outcome": "return", "reasons": [format!("remarks of round {}", i + 1)]}),
        )
        .await;
        // The state body resubmits; the next review counts from that day.
        s.set_clock(resubmitted_at);
        let r = s.task_of(Role::StateBody, AGENCY, &case).await;
        let want = if i == 0 {
            "resubmission"
        } else {
            "resubmission~2"
        };
        assert_eq!(r["id"], format!("{case}.{want}"));
        s.complete(
            &sb,
            &format!("{case}.{want}"),
            json!({"outcome": "resubmitted"}),
        )
        .await;
    }

    let c = eventually("the approval on the timeline", || async {
        let c = s.case(&case).await;
        (c["status"] == "approved").then_some(c)
    })
    .await;
    let opened: Vec<&str> = events(&c, "StepOpened")
        .iter()
        .map(|e| e["task"].as_str().unwrap().rsplit('.').next().unwrap())
        .collect();
    assert_eq!(
        opened,
        [
            "review",
            "resubmission",
            "review~2",
            "resubmission~2",
            "review~3"
        ]
    );
    s.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn worklists_are_read_a_page_at_a_time_with_a_cursor() {
    let s = Suite::start("2026-03-19T10:00:00+05:00").await;
    let mut cases = Vec::new();
    for _ in 0..5 {
        cases.push(s.submit("2026-03-19").await);
    }
    let ab = s.token(Role::AuthorizedBody, MINISTRY);
    eventually("five tasks", || async {
        (s.tasks(Role::AuthorizedBody).await.len() == 5).then_some(())
    })
    .await;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for page in 0.. {
        let path = match &after {
            None => "/api/v1/tasks?limit=2".to_owned(),
            Some(c) => format!("/api/v1/tasks?limit=2&after={c}"),
        };
        let (status, body) = s.get("expertise", &path, &ab).await;
        assert_eq!(status, 200, "{body}");
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|t| t["case_id"].as_str().unwrap().to_owned()),
        );
        match body["next"].as_str() {
            Some(c) => after = Some(c.to_owned()),
            None => break,
        }
        assert!(page < 5, "the cursor does not advance");
    }
    seen.sort();
    cases.sort();
    assert_eq!(seen, cases, "every task once");
    for bad in ["limit=0", "limit=201", "after=nonsense", "colour=blue"] {
        let (status, p) = s
            .get("expertise", &format!("/api/v1/tasks?{bad}"), &ab)
            .await;
        assert_eq!(status, 400, "{bad}: {p}");
    }
    s.stop().await;
}
