//! The `egov` binary's tool commands, run as a user would; `egov bus` and `egov serve` against a
//! real Redis.

use std::process::Command;
use std::time::Duration;

use egov_bus::{Bus, BusMetrics, ConsumerConfig, Delivery, Envelope, HandleError, Topic};
use tokio_util::sync::CancellationToken;

fn egov(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_egov"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn crd_prints_the_crd_the_chart_installs() {
    let (code, out, _) = egov(&["crd"]);
    assert_eq!(code, 0);
    let chart = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../charts/egov/crds/procedureplugins.egov.kz.yaml"
    ))
    .unwrap();
    assert_eq!(
        out, chart,
        "run `egov crd > charts/egov/crds/procedureplugins.egov.kz.yaml`"
    );
}

#[test]
fn calendar_add_prints_the_last_day_first() {
    // Worked example on the published production calendar for 2026.
    let (code, out, _) = egov(&["calendar", "add", "2026-03-19", "15", "working-days"]);
    assert_eq!(code, 0);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("2026-04-14"));
    assert_eq!(
        lines.next(),
        Some("ends at 2026-04-15T00:00:00+05:00 (24:00 local time of 2026-04-14)")
    );
    let (_, out, _) = egov(&["calendar", "add", "2024-12-16", "12", "months"]);
    assert_eq!(out.lines().next(), Some("2025-12-17"));
    let (_, out, _) = egov(&["calendar", "add", "2026-03-13", "10", "calendar-days"]);
    assert_eq!(out.lines().next(), Some("2026-03-26"));
    let (_, out, _) = egov(&["calendar", "add", "2026-12-24", "10", "working-days"]);
    assert!(out.contains("provisional"), "{out}");
}

#[test]
fn calendar_is_working_day_prints_yes_or_no() {
    let (code, out, _) = egov(&["calendar", "is-working-day", "2025-01-05"]);
    assert_eq!(
        (code, out.lines().next()),
        (0, Some("yes")),
        "a transferred working Sunday"
    );
    let (_, out, _) = egov(&["calendar", "is-working-day", "2026-03-24"]);
    assert_eq!(out.lines().next(), Some("no"));
    assert!(out.contains("Nauryz"), "{out}");
    let (_, out, _) = egov(&["calendar", "is-working-day", "2026-03-26"]);
    assert_eq!(out, "yes\n");
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    for (args, needle) in [
        (
            vec!["calendar", "add", "2026-02-30", "5", "working-days"],
            "not a date",
        ),
        (
            vec!["calendar", "add", "19.03.2026", "5", "working-days"],
            "not a date",
        ),
        (
            vec!["calendar", "add", "2026-03-19", "-3", "working-days"],
            "between 1 and",
        ),
        (
            vec!["calendar", "add", "2026-03-19", "0", "months"],
            "between 1 and",
        ),
        (
            vec!["calendar", "add", "2026-03-19", "5", "fortnights"],
            "unknown unit",
        ),
        (
            vec!["calendar", "add", "2026-03-19", "five", "working-days"],
            "invalid value",
        ),
        (
            vec!["calendar", "is-working-day", "1999-12-31"],
            "outside the calendar's range",
        ),
        (
            vec!["token", "--role", "state-body", "--org", "940740000915"],
            "checksum",
        ),
        (
            vec!["token", "--role", "emperor", "--org", "940740000911"],
            "unknown role",
        ),
        (
            vec![
                "token",
                "--role",
                "state-body",
                "--org",
                "940740000911",
                "--ttl",
                "-1h",
            ],
            "positive",
        ),
    ] {
        let (code, out, err) = egov(&args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?} printed {out}");
    }
}

#[test]
fn token_mints_a_token_the_dev_jwks_verifies() {
    let home = std::env::temp_dir().join(format!("egov-cli-{}", std::process::id()));
    let home_s = home.to_str().unwrap();
    let (code, out, err) = egov(&[
        "token",
        "--role",
        "state-body",
        "--org",
        "940740000911",
        "--ttl",
        "2h",
        "--home",
        home_s,
    ]);
    assert_eq!(code, 0, "{err}");
    let token = out.trim().to_owned();
    assert_eq!(token.split('.').count(), 3);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let p = rt.block_on(async {
        let v = egov_auth::Verifier::new(egov_auth::VerifierConfig::new(
            egov_auth::JwksSource::File(home.join("jwks.json")),
            egov_auth::dev::DEV_ISSUER,
            egov_auth::dev::DEV_AUDIENCE,
        ))
        .await
        .unwrap();
        v.verify(&token).await.unwrap()
    });
    assert_eq!(p.org.to_string(), "940740000911");
    assert_eq!(p.sub, "dev-state-body");
    let _ = std::fs::remove_dir_all(home);
}

fn plugins() -> std::path::PathBuf {
    egov_testkit::plugins_dir()
}

#[test]
fn plugin_inspect_prints_metadata_and_the_steps_with_their_terms() {
    // Contract 2.0: the intakes, and each step with its outcomes (routing is the reducer's).
    let file = plugins().join("variants/perechen-353.wasm");
    let (code, out, err) = egov(&["plugin", "inspect", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("perechen-353 2.0.0  kind perechen  in force 2022-10-10 .. (open)"),
        "{out}"
    );
    for line in [
        "contract: V2",
        "intake application: POST /api/v1/perechen-applications by state-body (PL-3)",
        "intake exclusion: POST /api/v1/perechen-exclusions by state-body (PL-10)",
    ] {
        assert!(out.lines().any(|l| l == line), "{line}: {out}");
    }
    let row = out.lines().find(|l| l.starts_with("ab-check ")).unwrap();
    for cell in [
        "authorized-body",
        "expertise",
        "PL-4",
        "5 working-days",
        "forward-to-si",
    ] {
        assert!(row.contains(cell), "{row}");
    }
    // Contract 1.x (the released 1.0.0): the graph with its routes.
    let file = plugins().join("variants/perechen-353-1.0.0.wasm");
    let (code, out, err) = egov(&["plugin", "inspect", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("perechen-353 1.0.0  kind perechen"),
        "{out}"
    );
    let row = out
        .lines()
        .find(|l| l.starts_with("ab-check (start)"))
        .unwrap();
    assert!(row.contains("forward-to-si -> si-recommendation"), "{row}");
    assert!(
        out.contains("include -> operator-notification + inclusion-order [included]"),
        "{out}"
    );
}

#[test]
fn plugin_inspect_shows_every_step_of_the_tor_and_service_model_variants_with_rule_and_term() {
    // (edition, [(step, rule, term with its start)]) for every step of each variant.
    type Steps = &'static [(&'static str, &'static str, &'static str)];
    let expected: &[(&str, Steps)] = &[
        (
            "tor-143-2024",
            &[
                (
                    "referral",
                    "TOR-7",
                    "1 working-days from receipt of the complete package",
                ),
                (
                    "si-exam",
                    "TOR-9",
                    "12 working-days from the examiner's receipt of the TOR",
                ),
                (
                    "sts-exam",
                    "TOR-10",
                    "12 working-days from the examiner's receipt of the TOR",
                ),
                (
                    "si-reexam",
                    "TOR-9-1",
                    "12 working-days from the examiner's receipt of the resubmitted TOR",
                ),
                (
                    "sts-reexam",
                    "TOR-10-1",
                    "12 working-days from the examiner's receipt of the resubmitted TOR",
                ),
                (
                    "ab-decision",
                    "TOR-11",
                    "5 working-days from receipt of both examination conclusions",
                ),
                ("resubmission", "TOR-9-1", "-"),
            ],
        ),
        (
            "tor-143-2022",
            &[
                ("si-exam", "TOR-9", "12 working-days"),
                ("ab-decision", "TOR-11", "5 working-days"),
            ],
        ),
        (
            "sm-101-2022",
            &[
                ("si-conclusion", "SM-11", "15 working-days"),
                ("ab-decision", "SM-13", "3 working-days"),
                ("design-assignment", "SM-18", "20 working-days"),
                ("si-analysis", "SM-91", "15 working-days"),
            ],
        ),
    ];
    for (edition, steps) in expected {
        let file = plugins().join(format!("variants/{edition}.wasm"));
        let (code, out, err) = egov(&["plugin", "inspect", file.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        for (step, rule, term) in *steps {
            let row = out
                .lines()
                .find(|l| l.split_whitespace().next() == Some(step))
                .unwrap_or_else(|| panic!("{edition}: no step {step}: {out}"));
            let cells: Vec<&str> = row
                .split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            assert!(
                cells.iter().any(|c| c.starts_with(rule)),
                "{edition} {step}: {rule}: {row}"
            );
            assert!(row.contains(term), "{edition} {step}: {term}: {row}");
        }
    }
}

#[test]
fn plugin_validate_and_run_report_violations_with_exit_1_and_results_with_exit_0() {
    let dir = std::env::temp_dir().join(format!("egov-cli-plugin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = plugins().join("variants/perechen-353.wasm");
    let input = dir.join("app.json");
    std::fs::write(
        &input,
        r#"{"object_kind": "information-system", "fields": {"object_name": "E-notary"}}"#,
    )
    .unwrap();
    let (code, out, _) = egov(&[
        "plugin",
        "validate",
        file.to_str().unwrap(),
        "--form",
        "hardware-software-complex",
        "--input",
        input.to_str().unwrap(),
        "--today",
        "2026-03-19",
    ]);
    assert_eq!(code, 1);
    assert!(
        out.lines()
            .any(|l| l.starts_with("fields.signed_on") && l.contains("PL-F1")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("criteria.3.4") && l.contains("PL-3.b")),
        "{out}"
    );

    let score = dir.join("score.json");
    std::fs::write(&score, r#"{"object_kind": "information-system", "criteria": {"1.1": true, "2.1": true, "3.1": true}}"#).unwrap();
    let (code, out, _) = egov(&[
        "plugin",
        "run",
        file.to_str().unwrap(),
        "--decision",
        "pl-6.a-criteria-score",
        "--input",
        score.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["total"].as_u64(), v["passes"].as_bool()),
        (Some(3), Some(true))
    );

    // Bad input exits 2.
    let (code, _, err) = egov(&[
        "plugin",
        "run",
        file.to_str().unwrap(),
        "--decision",
        "x",
        "--input",
        "/nonexistent.json",
    ]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn plugin_test_runs_the_recorded_cases_of_the_perechen_variant() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../plugins/perechen-353/cases"
    );
    let (code, out, err) = egov(&["plugin", "test", dir]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("ok    PL-6.a: five points but none in group 3 fail")),
        "{out}"
    );
    assert!(out.trim_end().ends_with("passed, 0 failed"), "{out}");
}

#[test]
fn plugin_bench_times_every_export_on_a_fresh_instance_against_a_live_one() {
    let file = plugins().join("variants/perechen-353.wasm");
    let submission = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../plugins/perechen-353/cases/pl-3a-valid-information-system.case.json");
    let case: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&submission).unwrap()).unwrap();
    let dir = std::env::temp_dir().join(format!("egov-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body = dir.join("submission.json");
    std::fs::write(&body, case["validate"]["submission"].to_string()).unwrap();
    let (code, out, err) = egov(&[
        "plugin",
        "bench",
        file.to_str().unwrap(),
        "--submission",
        body.to_str().unwrap(),
        "--iterations",
        "20",
    ]);
    assert_eq!(code, 0, "{err}");
    // A 2.0 variant: every export, one thread and every core, against the baseline.
    for needle in [
        "| metadata() |",
        "| steps() |",
        "| validate(application) |",
        "| react(submitted) |",
        "baseline (live) mean",
        "threads p50",
    ] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
    // A 1.x variant (the released 1.0.0): its form and a decision too.
    let file = plugins().join("variants/perechen-353-1.0.0.wasm");
    let (code, out, err) = egov(&[
        "plugin",
        "bench",
        file.to_str().unwrap(),
        "--decision",
        "pl-7-decision",
        "--iterations",
        "20",
    ]);
    assert_eq!(code, 0, "{err}");
    for needle in [
        "| form() |",
        "| validate(submission) |",
        "| decide(pl-7-decision) |",
    ] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
    assert!(!out.contains("react("), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

// `egov bus dlq` and `egov serve` against a real Redis.

/// Runs `egov` with exactly `env` of the bus settings (none inherited).
fn egov_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_egov"));
    cmd.args(args)
        .env_remove("REDIS_URL")
        .env_remove("EGOV_PARTITIONS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// An event as a producer would publish it (any payload: nobody decodes it here).
fn envelope(case: &str) -> Envelope {
    let id = egov_kernel::EventId::new();
    Envelope {
        id,
        kind: "DeadlineMissed".into(),
        case: Some(case.into()),
        correlation: id.to_string(),
        causation: None,
        occurred_at: "2026-03-19T10:00:00+05:00".into(),
        producer: "intake".into(),
        schema: "egov.events.v1.DeadlineMissed".into(),
        traceparent: None,
        tracestate: None,
        data: vec![1, 2, 3],
    }
}

async fn bus(url: &str) -> Bus {
    Bus::new(
        redis::Client::open(url).unwrap(),
        BusMetrics::unregistered(),
    )
    .await
    .unwrap()
}

async fn eventually(what: &str, mut f: impl AsyncFnMut() -> bool) {
    for _ in 0..1500 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for: {what}");
}

#[test]
fn bus_dlq_lists_and_redrives_the_dead_letters_of_a_group() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let r = rt.block_on(egov_testkit::redis());
    let topic = Topic::new("intake", 1);
    let stream = topic.stream(0);
    let events = [envelope("c1"), envelope("c2")];
    let b = rt.block_on(bus(&r.url));
    // expertise's handler refuses both: they are dead-lettered at once.
    rt.block_on(async {
        for e in &events {
            b.publish(&stream, e).await.unwrap();
        }
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(
            b.consumer(ConsumerConfig::new(topic.clone(), "expertise", "pod-a"))
                .run(
                    |_d: Delivery| async { Err(HandleError::Reject("refused by the test".into())) },
                    shutdown.clone(),
                ),
        );
        eventually("two dead letters", async || {
            b.count_dead_letters(&topic, "expertise").await.unwrap() == 2
        })
        .await;
        shutdown.cancel();
        task.await.unwrap().unwrap();
    });
    let env = [("REDIS_URL", r.url.as_str())];
    let target = ["--topic", "intake", "--group", "expertise"];
    let args = |cmd: &[&'static str], more: &[&str]| -> Vec<String> {
        ["bus", "dlq"]
            .iter()
            .chain(cmd)
            .chain(&target)
            .chain(more)
            .map(|s| (*s).to_owned())
            .collect()
    };
    let run = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        egov_env(&a, &env)
    };

    let (code, out, err) = run(args(&["list"], &[]));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    for (line, e) in lines.iter().zip(&events) {
        assert!(line.starts_with("0/"), "{line}");
        for part in [
            format!("DeadlineMissed {}", e.id).as_str(),
            "deliveries 1",
            "from egov:{intake.0}:events",
            "consumer pod-a",
            "reason: refused by the test",
        ] {
            assert!(line.contains(part), "{line} lacks {part}");
        }
    }
    let first_id = lines[0].split_whitespace().next().unwrap().to_owned();

    let (code, out, _) = run(args(&["list"], &["--json", "--limit", "1"]));
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["id"], first_id.as_str());
    assert_eq!(v["group"], "expertise");
    assert_eq!(v["deliveries"], 1);
    assert_eq!(v["fields"]["id"], events[0].id.to_string().as_str());
    assert_eq!(v["fields"]["case"], "c1");
    assert_eq!(v["binary_fields"]["data"], "010203");
    assert!(v["envelope_error"].is_null());

    // One, by the id the list printed; a second time it is gone (exit 1), nothing doubled.
    let (code, out, err) = run(args(&["redrive"], &["--id", &first_id]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!(
            "re-driven {first_id} -> egov:{{intake.0}}:events "
        )),
        "{out}"
    );
    assert!(out.contains(&events[0].id.to_string()), "{out}");
    let (code, out, err) = run(args(&["redrive"], &["--id", &first_id]));
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(err.contains("no dead letter"), "{err}");

    // The rest.
    let (code, out, err) = run(args(&["redrive"], &["--all", "--json"]));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["event"], events[1].id.to_string().as_str());
    assert_eq!(v["stream"], stream.as_str());
    let (code, out, err) = run(args(&["list"], &[]));
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(err.contains("no dead letters"), "{err}");
    let len: usize = rt.block_on(async {
        redis::cmd("XLEN")
            .arg(&stream)
            .query_async(&mut b.connection())
            .await
            .unwrap()
    });
    assert_eq!(len, 4, "two published, two re-driven once each");

    // Bad input exits 2 with a message.
    for (a, needle) in [
        (args(&["redrive"], &[]), "required"),
        (
            args(&["redrive"], &["--all", "--id", "0/1-0"]),
            "cannot be used",
        ),
        (
            args(&["redrive"], &["--id", "yesterday"]),
            "not a dead letter id",
        ),
        (
            args(&["redrive"], &["--id", "1/1-0"]),
            "partition 1 does not exist",
        ),
        (args(&["list"], &["--limit", "0"]), "--limit"),
        (args(&["list"], &["--partitions", "0"]), "--partitions"),
        (
            [
                "bus",
                "dlq",
                "list",
                "--topic",
                "intak",
                "--group",
                "expertise",
            ]
            .map(String::from)
            .to_vec(),
            "not a service",
        ),
    ] {
        let (code, out, err) = run(a.clone());
        assert_eq!(code, 2, "{a:?}: {out}{err}");
        assert!(err.contains(needle), "{a:?}: {err}");
        assert!(out.is_empty(), "{a:?} printed {out}");
    }
    let (code, _, err) = egov_env(
        &[
            "bus",
            "dlq",
            "list",
            "--topic",
            "intake",
            "--group",
            "expertise",
        ],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("REDIS_URL"), "{err}");
}

/// Kills the child when the test ends, however it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_status(addr: &str, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut reply = String::new();
    s.read_to_string(&mut reply).ok()?;
    reply.split_whitespace().nth(1)?.parse().ok()
}

/// `egov serve SERVICE` against the Redis at `redis`, with development keys under `home`.
fn serve(service: &str, redis: &str, home: &std::path::Path) -> Command {
    let keys = egov_auth::dev::DevKeys::load_or_create(home).unwrap();
    let sealing_key = home.join("dev-sealing-key");
    if !sealing_key.exists() {
        egov_runtime::sealing::create_dev_key(&sealing_key).unwrap();
    }
    let mut c = Command::new(env!("CARGO_BIN_EXE_egov"));
    c.args(["serve", service])
        .env("REDIS_URL", redis)
        .env("EGOV_PARTITIONS", "1")
        .env("EGOV_JWKS", keys.jwks_path())
        .env("EGOV_JWT_ISSUER", egov_auth::dev::DEV_ISSUER)
        .env("EGOV_JWT_AUDIENCE", egov_auth::dev::DEV_AUDIENCE)
        .env("EGOV_PLUGINS", plugins().join("variants"))
        .env("EGOV_SEALING_KEY", &sealing_key);
    c
}

/// Whether `addr` answers `/readyz` with 200 within 30 s.
fn ready(addr: &str) -> bool {
    (0..600).any(|_| {
        if http_status(addr, "/readyz") == Some(200) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
        false
    })
}

#[test]
fn serve_runs_the_monitoring_bridge_from_its_environment_and_attaches_no_consumer_group() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let r = rt.block_on(egov_testkit::redis());
    let b = rt.block_on(bus(&r.url));
    let expertise = Topic::new("expertise", 1);
    rt.block_on(async {
        b.publish(&expertise.stream(0), &envelope("p1"))
            .await
            .unwrap();
    });
    let home = std::env::temp_dir().join(format!("egov-cli-serve-{}", std::process::id()));
    let addr = format!("127.0.0.1:{}", egov_testkit::free_port());
    let pki = egov_monitoring_bridge::dev::pki(&home.join("monitoring")).unwrap();
    let exchange = home.join("exchange.toml");
    std::fs::write(
        &exchange,
        "[destinations.monitoring-is]\nurl = \"http://127.0.0.1:9/messages\"\nsigner = \"monitoring-is\"\n",
    )
    .unwrap();
    let bridge = |config: Option<&std::path::Path>| {
        let mut c = serve("monitoring-bridge", &r.url, &home);
        c.env("MONITORING_BRIDGE_ADDR", &addr)
            .env("MONITORING_SIGNING_KEY", pki.key("bridge"))
            .env("MONITORING_SIGNING_CHAIN", pki.chain("bridge"))
            .env("MONITORING_TRUST", &pki.ca)
            .env_remove("MONITORING_CONFIG");
        if let Some(p) = config {
            c.env("MONITORING_CONFIG", p);
        }
        c
    };
    // Without its exchange it does not start, and says what is missing.
    let out = bridge(None).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("MONITORING_CONFIG"));
    let child = bridge(Some(&exchange))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _child = Killed(child);
    assert!(ready(&addr), "monitoring-bridge did not become ready");
    // Its inputs are the parties' calls and its peers' messages: it reads no topic.
    rt.block_on(async {
        let mut conn = b.connection();
        let groups: redis::RedisResult<redis::streams::StreamInfoGroupsReply> = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg(expertise.stream(0))
            .query_async(&mut conn)
            .await;
        assert_eq!(groups.map(|g| g.groups.len()).unwrap_or(0), 0);
    });
    let _ = std::fs::remove_dir_all(home);
}

/// The threads of process `pid` as (name, nice value), from `/proc`.
#[cfg(target_os = "linux")]
fn threads(pid: u32) -> Vec<(String, i32)> {
    let mut out = Vec::new();
    for t in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let dir = t.unwrap().path();
        let (Ok(comm), Ok(stat)) = (
            std::fs::read_to_string(dir.join("comm")),
            std::fs::read_to_string(dir.join("stat")),
        ) else {
            continue; // a thread that ended meanwhile
        };
        // Fields after the name, which is in parentheses: the 3rd (state) onwards; the nice
        // value is the 19th.
        let after = &stat[stat.rfind(')').unwrap() + 1..];
        let nice = after
            .split_whitespace()
            .nth(19 - 3)
            .unwrap()
            .parse()
            .unwrap();
        out.push((comm.trim().to_owned(), nice));
    }
    out
}

/// A service's consumers run on threads of their own, ten nice steps below the request path's,
/// so a burst of requests is answered first and the streams hold what it sets off.
#[cfg(target_os = "linux")]
#[test]
fn serve_runs_a_services_consumers_on_threads_below_the_request_paths_priority() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let r = rt.block_on(egov_testkit::redis());
    let b = rt.block_on(bus(&r.url));
    let home = std::env::temp_dir().join(format!("egov-cli-nice-{}", std::process::id()));
    let addr = format!("127.0.0.1:{}", egov_testkit::free_port());
    let child = serve("expertise", &r.url, &home)
        .env("EXPERTISE_ADDR", &addr)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let _child = Killed(child);
    assert!(ready(&addr), "expertise did not become ready");
    // Every other thread (main, the request path's workers, the plugins' epoch ticker) runs at
    // the process's priority.
    let threads = threads(pid);
    let (consumers, others): (Vec<_>, Vec<_>) = threads
        .iter()
        .partition(|(name, _)| name == "egov-consumer");
    assert!(!consumers.is_empty(), "no consumer thread in {threads:?}");
    let base = others[0].1;
    assert!(others.iter().all(|(_, n)| *n == base), "{threads:?}");
    let expected = (base + egov_runtime::CONSUMER_NICE_STEPS).min(19);
    assert!(consumers.iter().all(|(_, n)| *n == expected), "{threads:?}");
    // And they are what reads the topics: expertise's group is on intake's topic.
    rt.block_on(async {
        let mut conn = b.connection();
        let groups: redis::streams::StreamInfoGroupsReply = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg(Topic::new("intake", 1).stream(0))
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(
            groups.groups.iter().any(|g| g.name == "expertise"),
            "{:?}",
            groups.groups.iter().map(|g| &g.name).collect::<Vec<_>>()
        );
    });
    let _ = std::fs::remove_dir_all(home);
}
