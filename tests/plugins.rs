//! Procedure variants as plugins, end to end: two editions chosen by submission date, and a
//! hostile plugin that fails its own requests with a typed problem while the suite serves on.

use std::time::{Duration, Instant};

use egov_e2e::{MINISTRY, Suite, application, eventually, install_plugin, rebuilt};
use egov_kernel::Role;
use serde_json::json;

#[tokio::test]
async fn amb_x1_each_case_follows_the_edition_in_force_on_its_submission_date() {
    // AMB-X1: a case keeps the variant in force on its submission date.
    // 30 December 2026: the order 353/НҚ edition (PL-5: 5 working days).
    let s = Suite::start("2026-12-30T10:00:00+05:00").await;
    let old = s.submit_app(&application("2026-12-30")).await;
    // 4 January 2027: the demonstration edition (PL-5: 7 working days) is in force.
    s.set_clock("2027-01-04T10:00:00+05:00");
    let new = s.submit_app(&application("2027-01-04")).await;
    for (case, version) in [(&old, "2.0.0"), (&new, "2.1.0")] {
        let v = s.case(case).await["variant"].clone();
        assert_eq!(
            (v["id"].as_str(), v["version"].as_str()),
            (Some("perechen-353"), Some(version))
        );
    }

    // Both reach the SI on Tuesday 5 January 2027. The old case keeps its edition's term.
    s.set_clock("2027-01-05T10:00:00+05:00");
    let ab = s.token(Role::AuthorizedBody, MINISTRY);
    for case in [&old, &new] {
        let id = format!("{case}.ab-check");
        eventually("AB task", || async {
            s.tasks(Role::AuthorizedBody)
                .await
                .iter()
                .any(|t| t["id"] == id.as_str())
                .then_some(())
        })
        .await;
        let path = format!("/api/v1/tasks/{id}/complete");
        assert_eq!(
            s.post(
                "expertise",
                &path,
                &ab,
                &json!({"outcome": "forward-to-si"}),
                None
            )
            .await
            .0,
            200
        );
    }
    let due = |case: String| {
        let s = &s;
        async move {
            let id = format!("{case}.si-recommendation");
            eventually("SI task", || async {
                s.tasks(Role::ServiceIntegrator)
                    .await
                    .into_iter()
                    .find(|t| t["id"] == id.as_str())
            })
            .await["due"]["last_day"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    // From Tue 5 Jan 2027: 5 WD = 6, (7 off), 8, 11, 12, 13 -> 13 January; 7 WD -> 15 January.
    assert_eq!(due(old.clone()).await, "2027-01-13");
    assert_eq!(due(new.clone()).await, "2027-01-15");
    s.stop().await;
}

#[tokio::test]
async fn a_hostile_plugin_fails_its_own_requests_with_a_typed_problem_and_the_suite_serves_on() {
    let dir = std::env::temp_dir().join(format!("egov-hostile-{}", ulid::Ulid::new()));
    let built = egov_testkit::plugins_dir().join("hostile");
    install_plugin(&dir, "loop", &built.join("loop.wasm"), 150);
    install_plugin(&dir, "memory", &built.join("memory.wasm"), 1000);
    install_plugin(&dir, "trap", &built.join("trap.wasm"), 150);
    install_plugin(&dir, "output", &built.join("output.wasm"), 1000);
    install_plugin(&dir, "log", &built.join("log.wasm"), 2000);
    // And one built for another contract: refused at load, the others unaffected.
    install_plugin(&dir, "contract-v3", &built.join("contract-v3.wasm"), 150);
    let s = Suite::start_with("2026-03-19T10:00:00+05:00", vec![dir]).await;
    let sb = s.token(Role::StateBody, egov_e2e::AGENCY);
    let body = json!({"object_kind": "thing"});

    for (kind, problem) in [
        ("loop", "plugin-timeout"),
        ("memory", "plugin-limit"),
        ("trap", "plugin-trap"),
        ("output", "plugin-output"),
    ] {
        let t = Instant::now();
        let (status, p) = s
            .post(
                "intake",
                &format!("/api/v1/hostile-{kind}-applications"),
                &sb,
                &body,
                None,
            )
            .await;
        assert_eq!(
            (status, p["type"].as_str()),
            (503, Some(format!("urn:egov:problem:{problem}").as_str())),
            "{p}"
        );
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("hostile-{kind}@1.0.0")),
            "{p}"
        );
        assert!(
            t.elapsed() < Duration::from_secs(3),
            "{kind} answered after {:?}",
            t.elapsed()
        );
    }
    // A variant that floods the log is cut to its budget per call and otherwise served.
    let (status, p) = s
        .post(
            "intake",
            "/api/v1/hostile-log-applications",
            &sb,
            &body,
            None,
        )
        .await;
    assert_eq!(status, 201, "{p}");
    // Meanwhile and afterwards, the real procedure is served.
    let looping = {
        let (url, token) = (
            s.url("intake", "/api/v1/hostile-loop-applications"),
            sb.clone(),
        );
        tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&json!({"object_kind": "thing"}))
                .send()
                .await
        })
    };
    let case = s.submit_app(&application("2026-03-19")).await;
    assert_eq!(s.case(&case).await["variant"]["id"], "perechen-353");
    assert_eq!(looping.await.unwrap().unwrap().status().as_u16(), 503);
    assert_eq!(
        reqwest::get(s.url("intake", "/readyz"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let refused = s
        .platform
        .definitions
        .statuses()
        .into_iter()
        .find(|r| r.manifest.ends_with("contract-v3.toml"))
        .unwrap();
    assert!(
        refused
            .error
            .unwrap()
            .contains("built for contract egov:procedure@3.0.0, host supports ^1.0.0 or ^2.0.0")
    );
    s.stop().await;
}

/// A case follows the artifact it started on, pinned by its sha256: a rebuilt artifact of the
/// same variant and version serves new cases and never takes over one in flight.
#[tokio::test]
async fn a_case_keeps_the_artifact_it_started_on_when_the_same_version_is_rebuilt() {
    let dir = std::env::temp_dir().join(format!("egov-e2e-pin-{}", ulid::Ulid::new()));
    let built = egov_testkit::plugins_dir().join("variants/perechen-353.wasm");
    install_plugin(&dir, "perechen-353", &built, 200);
    let s = Suite::start_plugins("2026-03-19T10:00:00+05:00", vec![dir.clone()]).await;
    let first = s.submit_app(&application("2026-03-19")).await;
    let old = s.case(&first).await["variant"]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();

    // The same version, rebuilt: another digest, loaded beside the first.
    let bytes = std::fs::read(&built).unwrap();
    let copy = dir.join("rebuilt.wasm");
    std::fs::write(&copy, rebuilt(&bytes, "2")).unwrap();
    install_plugin(&dir, "perechen-353", &copy, 200);
    let r = s.platform.definitions.clone();
    tokio::task::spawn_blocking(move || r.reload())
        .await
        .unwrap();
    let second = s.submit_app(&application("2026-03-19")).await;
    let new = s.case(&second).await["variant"]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(old, new);

    // The first case's tasks keep the first artifact, the second's the rebuilt one.
    let tasks = eventually("both PL-4 tasks", || async {
        let t = s.tasks(Role::AuthorizedBody).await;
        (t.len() == 2).then_some(t)
    })
    .await;
    for t in tasks {
        let want = if t["case_id"] == first.as_str() {
            &old
        } else {
            &new
        };
        assert_eq!(t["variant"]["sha256"].as_str(), Some(want.as_str()), "{t}");
    }
    s.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Completes the open task `key` of `case` (once it is in `role`'s worklist) with `body`.
async fn act(s: &Suite, role: Role, case: &str, key: &str, body: serde_json::Value) {
    let id = format!("{case}.{key}");
    let (status, p) = s
        .complete_when_open(role, &s.token(role, MINISTRY), &id, &body)
        .await;
    assert_eq!(status, 200, "{id}: {p}");
}

#[tokio::test]
async fn a_case_submitted_under_1_x_completes_under_1_x_after_the_upgrade_to_2_0() {
    // Before the upgrade only the released 1.0.0 (contract 1.x) is deployed.
    let dir = std::env::temp_dir().join(format!("egov-upgrade-{}", ulid::Ulid::new()));
    let variants = egov_testkit::plugins_dir().join("variants");
    install_plugin(
        &dir,
        "perechen-353-1.0.0",
        &variants.join("perechen-353-1.0.0.wasm"),
        200,
    );
    let s = Suite::start_plugins("2026-03-19T10:00:00+05:00", vec![dir.clone()]).await;
    let old = s.submit_app(&application("2026-03-19")).await;
    let v = s.case(&old).await["variant"].clone();
    assert_eq!(v["version"], "1.0.0");
    let pinned = v["sha256"].as_str().unwrap().to_owned();
    act(
        &s,
        Role::AuthorizedBody,
        &old,
        "ab-check",
        json!({"outcome": "forward-to-si"}),
    )
    .await;

    // The upgrade: 2.0.0 is deployed beside 1.0.0 (a hot reload, no restart).
    install_plugin(
        &dir,
        "perechen-353",
        &variants.join("perechen-353.wasm"),
        200,
    );
    s.platform.definitions.reload();
    s.set_clock("2026-03-20T10:00:00+05:00");
    let new = s.submit_app(&application("2026-03-20")).await;
    assert_eq!(s.case(&new).await["variant"]["version"], "2.0.0");

    // The old case runs on to its end on the artifact it was submitted on.
    let items = json!({"1": true, "2": true, "3": true, "4": true, "5": true, "6": true});
    act(
        &s,
        Role::ServiceIntegrator,
        &old,
        "si-recommendation",
        json!({"outcome": "complies", "inputs": {"portal_items": items}}),
    )
    .await;
    act(
        &s,
        Role::AuthorizedBody,
        &old,
        "ab-decision",
        json!({"outcome": "include"}),
    )
    .await;
    let c = eventually("the old case included", || async {
        let c = s.case(&old).await;
        (c["status"] == "included").then_some(c)
    })
    .await;
    assert_eq!(c["variant"]["sha256"], pinned.as_str());
    for e in egov_e2e::events(&c, "StepOpened") {
        let task = e["task"].as_str().unwrap();
        // The 1.x graph has no PL-8 operator task; 2.0 added it.
        assert!(!task.ends_with("operator-receipt"), "{c}");
    }
    // The new case runs on 2.0: its first step opened under the new artifact.
    act(
        &s,
        Role::AuthorizedBody,
        &new,
        "ab-check",
        json!({"outcome": "forward-to-si"}),
    )
    .await;
    let n = s.case(&new).await;
    assert_ne!(n["variant"]["sha256"], pinned.as_str());
    s.stop().await;
}
