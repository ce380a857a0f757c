//! The `egov` binary's tool commands, run as a user would.

use std::process::Command;

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
fn calendar_add_prints_the_last_day_first() {
    // RULES.md §11 worked example.
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
    let file = plugins().join("variants/perechen-353.wasm");
    let (code, out, err) = egov(&["plugin", "inspect", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("perechen-353 1.0.0  kind perechen  in force 2022-10-10 .. (open)"),
        "{out}"
    );
    let row = out
        .lines()
        .find(|l| l.starts_with("ab-check (start)"))
        .unwrap();
    for cell in [
        "authorized-body",
        "expertise",
        "PL-4",
        "5 working-days",
        "forward-to-si -> si-recommendation",
    ] {
        assert!(row.contains(cell), "{row}");
    }
    assert!(
        out.contains("include -> operator-notification + inclusion-order [included]"),
        "{out}"
    );
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
fn plugin_bench_times_a_fresh_instance_against_a_live_one() {
    let file = plugins().join("variants/perechen-353.wasm");
    let (code, out, err) = egov(&[
        "plugin",
        "bench",
        file.to_str().unwrap(),
        "--iterations",
        "20",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("bare wasmtime call, live instance (baseline)") && out.contains("ratio:"),
        "{out}"
    );
}
