//! Restarting expertise mid-flight: nothing lost, nothing done twice.

use egov_e2e::{Suite, events, eventually};
use egov_kernel::Role;

#[tokio::test]
async fn expertise_crashing_mid_flight_and_restarting_loses_nothing_and_does_nothing_twice() {
    let mut s = Suite::start("2026-03-19T10:00:00+05:00").await;
    let mut cases = Vec::new();
    for _ in 0..10 {
        cases.push(s.submit("2026-03-19").await);
    }
    // Crash expertise while it is opening tasks: some entries are delivered and not yet
    // acknowledged, some not yet read.
    eventually("some tasks opened", || async {
        (!s.tasks(Role::AuthorizedBody).await.is_empty()).then_some(())
    })
    .await;
    s.crash_service("expertise");
    // Submissions go on while it is down.
    for _ in 0..10 {
        cases.push(s.submit("2026-03-19").await);
    }
    s.start_service("expertise").await;

    let tasks = eventually("20 tasks", || async {
        let t = s.tasks(Role::AuthorizedBody).await;
        (t.len() == 20).then_some(t)
    })
    .await;
    let mut ids: Vec<&str> = tasks
        .iter()
        .map(|t| t["case_id"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut expected: Vec<&str> = cases.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(ids, expected, "one task per case");

    // Every case's timeline has exactly one StepOpened: no task was opened twice.
    for id in &cases {
        let case = eventually("the StepOpened on the timeline", || async {
            let c = s.case(id).await;
            (!events(&c, "StepOpened").is_empty()).then_some(c)
        })
        .await;
        assert_eq!(events(&case, "StepOpened").len(), 1, "{id}");
    }
    // And the topic carries exactly 20 cases started: one `submitted` input each, each opening
    // one task.
    let mut conn = egov_bus::connect(&s.redis.client()).await.unwrap();
    let mut opened = 0;
    for p in 0..2 {
        let r: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(format!("egov:{{expertise.{p}}}:events"))
            .arg("-")
            .arg("+")
            .query_async(&mut conn)
            .await
            .unwrap();
        for e in &r.ids {
            let env = egov_bus::Envelope::from_fields(&e.map).unwrap();
            if env.kind == "CaseAdvanced" {
                let a: egov_events::v1::CaseAdvanced = env.decode().unwrap();
                assert_eq!(a.input, "submitted");
                opened += a
                    .changes
                    .iter()
                    .filter(|c| {
                        matches!(
                            c.change,
                            Some(egov_events::v1::change::Change::StepOpened(_))
                        )
                    })
                    .count();
            }
        }
    }
    assert_eq!(opened, 20);
    s.stop().await;
}
