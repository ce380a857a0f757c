//! The host against real components built from plugins/ (`make plugins`), the hostile ones
//! included: each fault is typed, within its deadline, and the engine keeps serving.

use std::sync::Arc;
use std::time::{Duration, Instant};

use egov_kernel::{Calendar, FixedClock};
use egov_plugin_host::{
    Engine, EngineConfig, LOG_BUDGET_BYTES, LOG_BUDGET_LINES, Limits, MAX_OUTPUT, Plugin,
    PluginError, wit2,
};

fn engine(cache_dir: Option<std::path::PathBuf>) -> Arc<Engine> {
    let cfg = EngineConfig {
        cache_dir,
        ..EngineConfig::default()
    };
    Engine::new(
        cfg,
        Arc::new(Calendar::builtin()),
        Arc::new(FixedClock::at("2026-03-19T10:00:00+05:00")),
    )
    .unwrap()
}

fn bytes(path: &str) -> Vec<u8> {
    std::fs::read(egov_testkit::plugins_dir().join(path)).unwrap()
}

fn limits() -> Limits {
    Limits {
        timeout: Duration::from_millis(100),
        memory: 16 << 20,
    }
}

fn perechen(e: &Arc<Engine>) -> Plugin {
    e.load(&bytes("variants/perechen-353-1.0.0.wasm"), limits())
        .unwrap()
}

#[test]
fn the_perechen_variant_answers_metadata_steps_form_validation_and_decisions() {
    let e = engine(None);
    let p = perechen(&e);
    assert!(
        p.label().starts_with("perechen-353@1.0.0 ("),
        "{}",
        p.label()
    );
    let md = p.metadata().unwrap();
    assert_eq!(
        (md.kind.as_str(), md.effective_from.as_str()),
        ("perechen", "2022-10-10")
    );
    let steps = p.steps().unwrap();
    let rules: Vec<&str> = steps.iter().map(|s| s.rule.as_str()).collect();
    assert_eq!(
        rules,
        ["PL-4", "PL-5", "PL-7", "PL-8", "PL-9", "PL-10", "PL-10"]
    );
    assert_eq!(p.form().unwrap().criteria.len(), 13);
    let v = p
        .validate(r#"{"object_kind":"spreadsheet"}"#, "2026-03-19")
        .unwrap();
    assert_eq!(
        (v[0].field.as_str(), v[0].rule.as_str()),
        ("object_kind", "PL-3")
    );
    let score = p
        .decide(
            "pl-6.a-criteria-score",
            r#"{"object_kind":"information-system","criteria":{"1.1":true,"2.1":true,"3.1":true}}"#,
        )
        .unwrap()
        .unwrap();
    let score: serde_json::Value = serde_json::from_str(&score).unwrap();
    assert_eq!(
        (score["total"].as_u64(), score["passes"].as_bool()),
        (Some(3), Some(true))
    );
}

#[test]
fn an_infinite_loop_is_interrupted_at_its_deadline_and_the_engine_keeps_serving() {
    let e = engine(None);
    let bad = e.load(&bytes("hostile/loop.wasm"), limits()).unwrap();
    let good = perechen(&e);
    let t = Instant::now();
    let err = bad
        .validate_v2("application", "{}", "2026-03-19")
        .unwrap_err();
    let took = t.elapsed();
    assert!(
        matches!(err, PluginError::Timeout { after, .. } if after == Duration::from_millis(100)),
        "{err}"
    );
    assert!(
        took < Duration::from_millis(400),
        "interrupted after {took:?}"
    );
    assert_eq!(err.kind(), "timeout");
    // A fresh store per call: the next call, and another plugin, are unaffected.
    assert_eq!(good.metadata().unwrap().id, "perechen-353");
    assert!(matches!(
        bad.decide("x", "{}"),
        Err(PluginError::Timeout { .. })
    ));
}

#[test]
fn unbounded_memory_growth_stops_at_the_limit() {
    let e = engine(None);
    let bad = e.load(&bytes("hostile/memory.wasm"), limits()).unwrap();
    let err = bad
        .validate_v2("application", "{}", "2026-03-19")
        .unwrap_err();
    assert!(
        matches!(err, PluginError::LimitExceeded { limit_bytes, .. } if limit_bytes == 16 << 20),
        "{err}"
    );
    assert_eq!(perechen(&e).steps().unwrap().len(), 7);
}

#[test]
fn an_answer_larger_than_the_host_takes_is_typed_and_goes_no_further() {
    let e = engine(None);
    // Room for the 5 MiB answer in the guest: the bound under test is the host's, not memory.
    let roomy = Limits {
        memory: 48 << 20,
        ..limits()
    };
    let bad = e.load(&bytes("hostile/output.wasm"), roomy).unwrap();
    let submitted = wit2::Input::TimerFired(wit2::TimerFired {
        timer: "t".into(),
        at: "2026-03-19T10:00:00+05:00".into(),
    });
    for (call, err) in [
        (
            "validate",
            bad.validate_v2("application", "{}", "2026-03-19")
                .map(drop)
                .unwrap_err(),
        ),
        (
            "react",
            bad.react("null", &submitted, &[]).map(drop).unwrap_err(),
        ),
        ("decide", bad.decide("x", "{}").map(drop).unwrap_err()),
    ] {
        let PluginError::Output { variant, detail } = &err else {
            panic!("{call}: {err}")
        };
        assert!(variant.starts_with("hostile-output@1.0.0"), "{variant}");
        // The answer is measured, not taken: 5 MiB of text and its envelope.
        let bytes: usize = detail
            .strip_prefix(&format!("{call} answered with "))
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(
            (5 << 20..(5 << 20) + 4096).contains(&bytes)
                && detail.ends_with(&format!(
                    "more than the {MAX_OUTPUT} the host takes from one call"
                )),
            "{detail}"
        );
        assert_eq!(err.kind(), "output");
    }
    assert_eq!(perechen(&e).steps().unwrap().len(), 7);
}

/// The log lines written while `f` runs on this thread.
fn logged(f: impl FnOnce()) -> Vec<String> {
    #[derive(Clone, Default)]
    struct Lines(Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Lines {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    text.lines().map(str::to_owned).collect()
}

#[test]
fn a_flood_of_log_lines_is_cut_to_the_budget_and_counted() {
    let e = engine(None);
    let noisy = e
        .load(
            &bytes("hostile/log.wasm"),
            Limits {
                timeout: Duration::from_secs(5),
                ..limits()
            },
        )
        .unwrap();
    let mut answer = None;
    let lines = logged(|| answer = Some(noisy.validate_v2("application", "{}", "2026-03-19")));
    // The call answers as a good variant would: the flood costs it nothing but its lines.
    assert!(answer.unwrap().unwrap().is_empty());
    let flood = lines
        .iter()
        .filter(|l| l.contains("a hostile variant floods the log"))
        .count();
    assert_eq!(flood, LOG_BUDGET_LINES as usize, "{lines:#?}");
    let bytes: usize = lines.iter().map(String::len).sum();
    assert!(bytes < LOG_BUDGET_BYTES + 4096, "{bytes} bytes");
    let summary: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("were not written"))
        .collect();
    assert_eq!(summary.len(), 1, "{lines:#?}");
    assert!(
        summary[0].contains(&format!(
            "{} lines were not written",
            100_000 - LOG_BUDGET_LINES
        )),
        "{}",
        summary[0]
    );
    // The budget is per call: the next call writes its own 64 lines.
    let again = logged(|| drop(noisy.decide("x", "{}")));
    assert_eq!(
        again
            .iter()
            .filter(|l| l.contains("a hostile variant floods the log"))
            .count(),
        LOG_BUDGET_LINES as usize
    );
}

#[test]
fn a_trap_is_typed_with_its_message() {
    let e = engine(None);
    let bad = e.load(&bytes("hostile/trap.wasm"), limits()).unwrap();
    let err = bad.decide("x", "{}").unwrap_err();
    let PluginError::Trap { variant, detail } = &err else {
        panic!("{err}")
    };
    assert!(variant.starts_with("hostile-trap@1.0.0"), "{variant}");
    assert!(
        detail.contains("unreachable") || detail.contains("wasm trap"),
        "{detail}"
    );
}

#[test]
fn a_plugin_built_for_another_contract_version_is_refused_with_both_versions() {
    let e = engine(None);
    let err = e
        .load(&bytes("hostile/contract-v3.wasm"), limits())
        .unwrap_err();
    assert!(
        matches!(&err, PluginError::Contract { built_for, .. } if built_for == "3.0.0"),
        "{err}"
    );
    assert!(
        err.to_string().contains("host supports ^1.0.0 or ^2.0.0"),
        "{err}"
    );
    let err = e.load(b"not wasm at all", limits()).unwrap_err();
    assert_eq!(err.kind(), "compile");
}

#[test]
fn compiled_artifacts_are_cached_on_disk_by_digest_and_wasmtime_version() {
    let dir = std::env::temp_dir().join(format!("egov-wasm-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let first = engine(Some(dir.clone()));
    let p = perechen(&first);
    let cached: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(cached.len(), 1);
    assert!(
        cached[0].starts_with(p.digest()) && cached[0].contains("wasmtime-48.0.8"),
        "{cached:?}"
    );
    // A new engine (a restarted process) loads from the cache and the plugin works.
    let second = engine(Some(dir.clone()));
    assert_eq!(perechen(&second).digest(), p.digest());
    assert_eq!(perechen(&second).steps().unwrap().len(), 7);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_concurrent_calls_than_the_pool_holds_wait_for_a_permit_before_the_blocking_hop() {
    let cfg = EngineConfig {
        max_instances: 1,
        ..EngineConfig::default()
    };
    let e = Engine::new(
        cfg,
        Arc::new(Calendar::builtin()),
        Arc::new(FixedClock::at("2026-03-19T10:00:00+05:00")),
    )
    .unwrap();
    let p = perechen(&e);
    // The PL-7 evaluation (about 0.1 ms) from 16 tasks: far more calls overlap than the pool
    // of one call's worth of instances holds; each waits for the permit, none fails.
    let input = r#"{"outcome":"include","case":{"object_kind":"information-system","criteria":{"1.1":true,"2.1":true,"3.1":true}},"steps":{"si-recommendation":{"outcome":"complies","inputs":{"portal_items":{"1":true,"2":true,"3":true,"4":true,"5":true,"6":true}}}}}"#;
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let p = p.clone();
            tokio::spawn(async move {
                let mut out = Vec::new();
                for _ in 0..40 {
                    out.push(p.run(move |p| p.decide("pl-7-decision", input)).await);
                }
                out
            })
        })
        .collect();
    for t in tasks {
        for r in t.await.unwrap() {
            assert!(r.unwrap().unwrap().is_ok());
        }
    }
    // A call made outside `run` (a tool) does not wait: while the one permit is held, it is
    // refused as busy at once.
    let (held_tx, held_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = {
        let p = p.clone();
        tokio::spawn(async move {
            p.run(move |_| {
                held_tx.send(()).unwrap();
                release_rx.recv().unwrap();
            })
            .await
        })
    };
    held_rx.recv().unwrap();
    let busy = p.decide("pl-7-decision", input).unwrap_err();
    assert_eq!(busy.kind(), "busy", "{busy}");
    release_tx.send(()).unwrap();
    holder.await.unwrap().unwrap();
    assert!(p.decide("pl-7-decision", input).unwrap().is_ok());
}

/// Calls run inline on the async worker (no hop to the blocking pool), each with a short
/// deadline: a call that outruns it is run again with the plugin's own deadline under
/// `block_in_place`, so the one worker keeps serving its other tasks meanwhile, and the answer
/// (here the loop's timeout at 100 ms) is the plugin's, as on the blocking pool. Every call is
/// counted by variant, call and outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_call_past_the_inline_deadline_leaves_the_worker_and_keeps_the_plugins_own_deadline() {
    let e = engine(None);
    let bad = e.load(&bytes("hostile/loop.wasm"), limits()).unwrap();
    let good = perechen(&e);
    // A task on the same (only) worker, ticking every millisecond: the longest gap between
    // two ticks is how long the worker was held.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let ticker = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut longest = Duration::ZERO;
            let mut last = Instant::now();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(1)).await;
                longest = longest.max(last.elapsed());
                last = Instant::now();
            }
            longest
        })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    let t = Instant::now();
    let err = tokio::spawn({
        let bad = bad.clone();
        async move {
            bad.run(|p| p.validate_v2("application", "{}", "2026-03-19"))
                .await
        }
    })
    .await
    .unwrap()
    .unwrap()
    .unwrap_err();
    let took = t.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let longest = ticker.await.unwrap();
    assert!(
        matches!(err, PluginError::Timeout { after, .. } if after == Duration::from_millis(100)),
        "{err}"
    );
    assert!(
        took >= Duration::from_millis(100),
        "the plugin's own deadline, not the inline one: {took:?}"
    );
    assert!(
        longest < Duration::from_millis(60),
        "the worker was held for {longest:?}"
    );
    // A good plugin is answered inline, the same as ever.
    let md = good.run(|p| p.metadata()).await.unwrap().unwrap();
    assert_eq!(md.id, "perechen-353");
    let m = e.metrics();
    assert_eq!(
        m.calls
            .with_label_values(&["hostile-loop@1.0.0", "validate", "timeout"])
            .get(),
        1
    );
    // It computed past the inline budget once: run again off the worker, one strike, no verdict.
    assert_eq!(
        m.inline_overruns
            .with_label_values(&["hostile-loop@1.0.0", "validate", "computed"])
            .get(),
        1
    );
    assert_eq!(
        m.offloads.with_label_values(&["hostile-loop@1.0.0"]).get(),
        0
    );
    // (Its metadata read while loading is counted under its digest: its name was not known.)
    assert_eq!(
        m.calls
            .with_label_values(&["perechen-353@1.0.0", "metadata", "ok"])
            .get(),
        1
    );
}

/// A plugin whose inline calls keep computing past the inline budget is sent to the blocking
/// pool after the third within a minute (one could be a cold slot or an odd input); its calls
/// after that do not start on the worker at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_whose_inline_calls_compute_too_long_three_times_goes_to_the_blocking_pool() {
    let e = engine(None);
    let bad = e.load(&bytes("hostile/loop.wasm"), limits()).unwrap();
    let m = e.metrics();
    let computed = || {
        m.inline_overruns
            .with_label_values(&["hostile-loop@1.0.0", "validate", "computed"])
            .get()
    };
    let offloads = || m.offloads.with_label_values(&["hostile-loop@1.0.0"]).get();
    for strike in 1..=4u64 {
        let err = bad
            .run(|p| p.validate_v2("application", "{}", "2026-03-19"))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind(), "timeout", "{err}");
        assert_eq!(computed(), strike.min(3), "call {strike}");
        assert_eq!(offloads(), u64::from(strike >= 3), "call {strike}");
    }
    assert_eq!(
        m.calls
            .with_label_values(&["hostile-loop@1.0.0", "validate", "timeout"])
            .get(),
        4
    );
}

/// A clock whose readings, once `sleep` is set, take `nap` without computing: the thread
/// sleeps, as a worker preempted on a loaded machine does.
struct Sleepy {
    nap: Duration,
    sleep: std::sync::atomic::AtomicBool,
    reads: std::sync::atomic::AtomicU32,
}

impl egov_kernel::Clock for Sleepy {
    fn now(&self) -> jiff::Timestamp {
        use std::sync::atomic::Ordering::Relaxed;
        if self.sleep.load(Relaxed) {
            self.reads.fetch_add(1, Relaxed);
            std::thread::sleep(self.nap);
        }
        egov_kernel::time::parse("2026-03-19T10:00:00+05:00").unwrap()
    }
}

/// An inline call that passes the inline deadline without computing (its thread was not
/// running: here it sleeps in the host's `today`) goes on where it is: it is neither abandoned
/// nor run twice, and it counts as `preempted`, not against the plugin.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn an_inline_call_that_was_preempted_goes_on_and_is_not_run_twice() {
    use std::sync::atomic::Ordering::Relaxed;
    let clock = Arc::new(Sleepy {
        nap: Duration::from_millis(25),
        sleep: false.into(),
        reads: 0.into(),
    });
    let e = Engine::new(
        EngineConfig::default(),
        Arc::new(Calendar::builtin()),
        clock.clone(),
    )
    .unwrap();
    let p = perechen(&e);
    let m = e.metrics();
    let overruns = |cause: &str| {
        m.inline_overruns
            .with_label_values(&["perechen-353@1.0.0", "decide", cause])
            .get()
    };
    // PL-10 without a `today` of its own reads the host's. The first call warms what a first
    // use costs (the time zone's rules, the calendar, a cold slot: in a debug build they alone
    // can take the inline CPU budget); the second one sleeps in `today`.
    let input = r#"{"inputs":{"operation_ended_on":"2026-03-02"}}"#;
    let decide = || p.run(move |p| p.decide("pl-10-notice", input));
    decide().await.unwrap().unwrap().unwrap();
    // (Counted from here: on a loaded machine the warm-up may overrun too.)
    let (preempted, computed) = (overruns("preempted"), overruns("computed"));
    clock.sleep.store(true, Relaxed);
    let out = decide().await.unwrap().unwrap().unwrap();
    assert!(out.contains(r#""notified_on":"2026-03-19""#), "{out}");
    assert_eq!(clock.reads.load(Relaxed), 1, "run once");
    assert_eq!(overruns("preempted"), preempted + 1);
    assert_eq!(overruns("computed"), computed);
    assert_eq!(
        m.offloads.with_label_values(&["perechen-353@1.0.0"]).get(),
        0
    );
}
