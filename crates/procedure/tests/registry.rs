//! The registry on real components: sha256 pins, selection by date, hot reload.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egov_kernel::{Calendar, FixedClock};
use egov_procedure::{Engine, EngineConfig, Registry, RevisionState, SelectError};
use egov_testkit::rebuilt;
use jiff::civil::date;
use sha2::Digest;

fn engine() -> Arc<Engine> {
    Engine::new(
        EngineConfig::default(),
        Arc::new(Calendar::builtin()),
        Arc::new(FixedClock::at("2026-03-19T10:00:00+05:00")),
    )
    .unwrap()
}

fn tmp() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "egov-registry-{}-{}",
        std::process::id(),
        ulid_like()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn ulid_like() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn built(path: &str) -> Vec<u8> {
    std::fs::read(egov_testkit::plugins_dir().join(path)).unwrap()
}

/// Installs `bytes` as `<name>.wasm` with a manifest pinning `pin` (the real digest if None).
fn install(dir: &Path, name: &str, bytes: &[u8], pin: Option<&str>) {
    install_with(dir, name, bytes, pin, "");
}

/// [`install`] with more top-level manifest lines (e.g. the period).
fn install_with(dir: &Path, name: &str, bytes: &[u8], pin: Option<&str>, extra: &str) {
    std::fs::write(dir.join(format!("{name}.wasm")), bytes).unwrap();
    let digest = hex::encode(sha2::Sha256::digest(bytes));
    let pin = pin.unwrap_or(&digest);
    std::fs::write(
        dir.join(format!("{name}.toml")),
        format!("artifact = \"{name}.wasm\"\nsha256 = \"{pin}\"\n{extra}"),
    )
    .unwrap();
}

/// `bytes` with the one occurrence of `from` replaced by `to` (same length).
fn patched(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at: Vec<usize> = bytes
        .windows(from.len())
        .enumerate()
        .filter(|(_, w)| *w == from.as_bytes())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(at.len(), 1, "{from:?} occurs {} times", at.len());
    let mut out = bytes.to_vec();
    out[at[0]..at[0] + to.len()].copy_from_slice(to.as_bytes());
    out
}

#[test]
fn editions_are_selected_by_the_submission_date() {
    let r = Registry::new(
        engine(),
        vec![
            egov_testkit::plugins_dir().join("variants"),
            egov_testkit::plugins_dir().join("demo"),
        ],
    );
    assert_eq!(
        r.reload(),
        10,
        "the released 1.0.0, 2.0.0 and the demonstration 2.1.0 of perechen-353, the two \
         editions each of the TOR, the service model and the tender, and the life cycle's"
    );
    assert_eq!(
        r.select("lifecycle", date(2023, 1, 1)).unwrap().id,
        "lc-471-2023"
    );
    // A tender follows the rules in force on the day it begins: to 31.12.2022 the service-model
    // Rules as amended by order 101/НҚ, from 01.01.2023 the Rules restated by order 471/НҚ.
    assert_eq!(
        r.select("tender", date(2022, 12, 31)).unwrap().id,
        "tender-2022"
    );
    assert_eq!(
        r.select("tender", date(2023, 1, 1)).unwrap().id,
        "tender-2023"
    );
    assert!(r.select("tender", date(2022, 4, 9)).is_err());
    // The demonstration edition is version 2.1.0 of the same variant, in force from 2027: the
    // higher version in force on the day is chosen; before 2027 only 2.0.0 is in force.
    assert_eq!(
        r.select("perechen", date(2026, 12, 31)).unwrap().version,
        "2.0.0"
    );
    assert_eq!(
        r.select("perechen", date(2027, 1, 1)).unwrap().version,
        "2.1.0"
    );
    // Without the demonstration edition, 2.0.0 serves 2027 too: the real act has no end date.
    let real = Registry::new(engine(), vec![egov_testkit::plugins_dir().join("variants")]);
    real.reload();
    assert_eq!(
        real.select("perechen", date(2027, 6, 1)).unwrap().version,
        "2.0.0"
    );
    assert_eq!(
        r.select("perechen", date(2022, 10, 9)).unwrap_err(),
        SelectError::NotInForce {
            kind: "perechen".into(),
            day: date(2022, 10, 9)
        }
    );
    assert_eq!(
        r.get("perechen-353", "2.0.0")
            .unwrap()
            .step("si-recommendation")
            .unwrap()
            .term
            .as_ref()
            .unwrap()
            .term(),
        egov_kernel::Term::working_days(5)
    );
    assert_eq!(
        r.get("perechen-353", "2.1.0")
            .unwrap()
            .step("si-recommendation")
            .unwrap()
            .term
            .as_ref()
            .unwrap()
            .term(),
        egov_kernel::Term::working_days(7)
    );
}

#[test]
fn an_artifact_that_does_not_match_its_pin_is_refused_and_the_kind_fails_closed() {
    let dir = tmp();
    install(
        &dir,
        "perechen",
        &built("variants/perechen-353.wasm"),
        Some(&"0".repeat(64)),
    );
    let r = Registry::new(engine(), vec![dir]);
    assert_eq!(r.reload(), 0);
    let s = &r.statuses()[0];
    assert_eq!(s.state, RevisionState::Failed);
    assert!(
        s.error.as_deref().unwrap().contains("sha256 mismatch"),
        "{s:?}"
    );
    // No valid variant: submissions of the kind are refused, not served by a guess.
    assert!(matches!(
        r.select("perechen", date(2026, 3, 19)),
        Err(SelectError::UnknownKind(_))
    ));
}

#[test]
fn a_new_revision_loads_beside_the_old_one_and_a_failed_one_keeps_the_last_good() {
    let dir = tmp();
    let original = built("variants/perechen-353.wasm");
    install(&dir, "perechen", &original, None);
    let r = Registry::new(engine(), vec![dir.clone()]);
    assert_eq!(r.reload(), 1);
    let first = r.select("perechen", date(2026, 3, 19)).unwrap();
    // Nothing changed: nothing reloads.
    assert_eq!(r.reload(), 0);

    // A broken revision (not a component): refused; the last good one keeps serving.
    install(&dir, "perechen", b"\0asm broken", None);
    assert_eq!(r.reload(), 0);
    assert_eq!(
        r.select("perechen", date(2026, 3, 19)).unwrap().digest,
        first.digest
    );

    // A rebuilt revision: loads beside the old one and serves new cases; the old stays.
    let second = rebuilt(&original, "2");
    install(&dir, "perechen", &second, None);
    assert_eq!(r.reload(), 1);
    let now = r.select("perechen", date(2026, 3, 19)).unwrap();
    assert_ne!(now.digest, first.digest);
    // A case that started on the first revision keeps it: pinned by digest, not by version.
    assert_eq!(
        r.pinned("perechen-353", "2.0.0", &first.digest)
            .unwrap()
            .digest,
        first.digest
    );
    assert_eq!(r.get("perechen-353", "2.0.0").unwrap().digest, now.digest);
    let states: Vec<RevisionState> = r.statuses().into_iter().map(|s| s.state).collect();
    assert_eq!(
        states,
        [
            RevisionState::Loaded,
            RevisionState::Failed,
            RevisionState::Loaded
        ]
    );
    // The first revision's definition still works for whoever holds it.
    assert_eq!(first.steps.len(), 8);
}

#[test]
fn pl_ord_4_the_period_of_each_edition_is_the_one_its_manifest_states() {
    // `make plugins` copies plugins/<crate>/manifest.toml, period included, into the deployed
    // manifest; the variant built from the same file has the same period, so it loads.
    for (dir, name, from, to) in [
        ("variants", "perechen-353", "2022-10-10", None),
        ("demo", "perechen-demo-2027", "2027-01-01", None),
        // TOR-ORD-5 for orders 360/НҚ and 521/НҚ; the 2022 edition ends the day before.
        ("variants", "tor-143-2022", "2022-10-10", Some("2024-09-06")),
        ("variants", "tor-143-2024", "2024-09-07", None),
        // SM-ORD-5 for order 101/НҚ; AMB-X1: order 471/НҚ from 2023-01-01.
        ("variants", "sm-101-2022", "2022-04-10", Some("2022-12-31")),
        ("variants", "sm-2023-closed", "2023-01-01", None),
    ] {
        let text =
            std::fs::read_to_string(egov_testkit::plugins_dir().join(format!("{dir}/{name}.toml")))
                .unwrap();
        let m: toml::Value = toml::from_str(&text).unwrap();
        assert_eq!(m["effective_from"].as_str(), Some(from), "{text}");
        assert_eq!(m.get("effective_to").and_then(|t| t.as_str()), to, "{text}");
        let r = Registry::new(engine(), vec![egov_testkit::plugins_dir().join(dir)]);
        r.reload();
        let statuses = r.statuses();
        let all = r.all();
        // The id of an edition is its crate's name, except the demonstration's (a version of
        // perechen-353).
        let id = if name == "perechen-demo-2027" {
            "perechen-353"
        } else {
            name
        };
        let d = all
            .iter()
            .filter(|d| d.id == id)
            .max_by_key(|d| d.semver.clone())
            .unwrap_or_else(|| panic!("{name} did not load: {statuses:?}"));
        assert_eq!(
            (
                d.effective_from.to_string(),
                d.effective_to.map(|t| t.to_string())
            ),
            (from.to_owned(), to.map(str::to_owned)),
            "{name}"
        );
    }
}

#[test]
fn a_manifest_whose_period_disagrees_with_the_artifact_is_refused_and_the_kind_fails_closed() {
    let bytes = built("variants/perechen-353.wasm");
    for (extra, error) in [
        (
            "effective_from = \"2022-10-11\"\n",
            "the deployed period 2022-10-11 .. (open) disagrees with perechen-353@2.0.0's own 2022-10-10 .. (open)",
        ),
        (
            "effective_from = \"2022-10-10\"\neffective_to = \"2030-12-31\"\n",
            "the deployed period 2022-10-10 .. 2030-12-31 disagrees",
        ),
        (
            "effective_to = \"2030-12-31\"\n",
            "effective_to without effective_from",
        ),
        ("effective_from = \"10.10.2022\"\n", "is not a date"),
    ] {
        let dir = tmp();
        install_with(&dir, "perechen", &bytes, None, extra);
        let r = Registry::new(engine(), vec![dir]);
        assert_eq!(r.reload(), 0, "{extra}");
        let s = &r.statuses()[0];
        assert_eq!(s.state, RevisionState::Failed);
        assert!(s.error.as_deref().unwrap().contains(error), "{s:?}");
        assert!(matches!(
            r.select("perechen", date(2026, 3, 19)),
            Err(SelectError::UnknownKind(_))
        ));
    }
    // The same artifact with its own period, or with none stated (a hand-written manifest):
    // loaded.
    for extra in ["effective_from = \"2022-10-10\"\n", ""] {
        let dir = tmp();
        install_with(&dir, "perechen", &bytes, None, extra);
        let r = Registry::new(engine(), vec![dir]);
        assert_eq!(r.reload(), 1, "{:?}", r.statuses());
    }
}

#[test]
fn a_rebuilt_revision_with_a_corrected_period_supersedes_the_older_one_for_new_cases() {
    // The period is read from the manifest built into the artifact: rewriting that text (what
    // editing manifest.toml and `make plugins` does) is the only way to move it.
    let original = built("variants/perechen-353.wasm");
    let corrected = patched(
        &original,
        "effective_from = \"2022-10-10\"",
        "effective_from = \"2022-10-12\"",
    );
    let dir = tmp();
    install_with(
        &dir,
        "perechen",
        &original,
        None,
        "effective_from = \"2022-10-10\"\n",
    );
    let r = Registry::new(engine(), vec![dir.clone()]);
    assert_eq!(r.reload(), 1);
    let first = r.select("perechen", date(2022, 10, 10)).unwrap();

    // The corrected artifact with the old period in its manifest: refused, the first serves.
    install_with(
        &dir,
        "perechen",
        &corrected,
        None,
        "effective_from = \"2022-10-10\"\n",
    );
    assert_eq!(r.reload(), 0);
    assert_eq!(
        r.select("perechen", date(2022, 10, 10)).unwrap().digest,
        first.digest
    );

    // With its own period: loaded; from now on 10 and 11 October are before the edition, even
    // though the older revision said otherwise.
    install_with(
        &dir,
        "perechen",
        &corrected,
        None,
        "effective_from = \"2022-10-12\"\n",
    );
    assert_eq!(r.reload(), 1, "{:?}", r.statuses());
    assert_eq!(
        r.select("perechen", date(2022, 10, 11)).unwrap_err(),
        SelectError::NotInForce {
            kind: "perechen".into(),
            day: date(2022, 10, 11)
        }
    );
    let now = r.select("perechen", date(2022, 10, 12)).unwrap();
    assert_ne!(now.digest, first.digest);
    assert_eq!(now.effective_from, date(2022, 10, 12));
    assert_eq!(r.get("perechen-353", "2.0.0").unwrap().digest, now.digest);
    // Whoever holds the first revision keeps it as it was.
    assert_eq!(first.effective_from, date(2022, 10, 10));
}

#[test]
fn a_rollback_deploys_the_earlier_revision_again_and_a_retired_one_is_unloaded_only_when_asked() {
    let dir = tmp();
    let original = built("variants/perechen-353.wasm");
    install(&dir, "perechen", &original, None);
    let r = Registry::new(engine(), vec![dir.clone()]);
    assert_eq!(r.reload(), 1);
    let first = r.select("perechen", date(2026, 3, 19)).unwrap();
    assert!(r.retired().is_empty());

    // An upgrade: the rebuilt revision serves new cases, the first is retired (it serves only
    // the cases pinned to it).
    let second = rebuilt(&original, "2");
    install(&dir, "perechen", &second, None);
    assert_eq!(r.reload(), 1);
    let now = r.select("perechen", date(2026, 3, 19)).unwrap();
    assert_ne!(now.digest, first.digest);
    let retired: Vec<String> = r.retired().iter().map(|d| d.digest.clone()).collect();
    assert_eq!(retired, std::slice::from_ref(&first.digest));

    // A rollback: the manifest names the first artifact again. It serves new cases at once,
    // without a reload of the component or a restart; the second is retired instead.
    install(&dir, "perechen", &original, None);
    assert_eq!(r.reload(), 1, "{:?}", r.statuses());
    assert_eq!(
        r.select("perechen", date(2026, 3, 19)).unwrap().digest,
        first.digest
    );
    let retired: Vec<String> = r.retired().iter().map(|d| d.digest.clone()).collect();
    assert_eq!(retired, std::slice::from_ref(&now.digest));
    // Cases pinned to the second still find it until it is unloaded; a deployed revision is
    // never unloaded.
    assert!(r.pinned("perechen-353", "2.0.0", &now.digest).is_ok());
    r.unload(&first.digest);
    assert!(r.pinned("perechen-353", "2.0.0", &first.digest).is_ok());
    r.unload(&now.digest);
    assert!(r.pinned("perechen-353", "2.0.0", &now.digest).is_err());
    assert!(r.retired().is_empty());

    // A manifest removed from disk retires its revision; the kind then fails closed for new
    // cases.
    std::fs::remove_file(dir.join("perechen.toml")).unwrap();
    r.reload();
    assert_eq!(r.retired().len(), 1);
    assert!(r.select("perechen", date(2026, 3, 19)).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}
