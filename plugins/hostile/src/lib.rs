//! A variant that loads and then misbehaves in `validate`, `react` and `decide`, as its feature
//! says:
//! `loop` never returns, `memory` grows its memory without bound, `trap` panics (a trap, as
//! plugins abort on panic), `output` answers with far more than the host takes from one call
//! (5 MiB), `log` writes 100,000 log lines of half a KiB in one call and then answers as a good
//! variant would. Its metadata is valid, so the host loads it; the fault comes on a request,
//! where the host must type it (or bound it) and the service must keep serving everyone else.

use egov_plugin_sdk::*;

#[cfg(feature = "loop")]
const NAME: &str = "loop";
#[cfg(feature = "memory")]
const NAME: &str = "memory";
#[cfg(feature = "trap")]
const NAME: &str = "trap";
#[cfg(feature = "output")]
const NAME: &str = "output";
#[cfg(feature = "log")]
const NAME: &str = "log";

/// What `output` answers with: 5 MiB, more than the host takes from one call (4 MiB).
#[cfg(feature = "output")]
fn huge() -> String {
    "x".repeat(5 << 20)
}

/// `loop`, `memory`, `trap`: never answer. `log`: floods the log, then answers `good`.
/// `output`: answers with `huge` in place of `good`.
#[allow(unused_variables)]
fn misbehave<T>(good: T, huge_answer: impl FnOnce(String) -> T) -> T {
    #[cfg(feature = "loop")]
    {
        let mut n: u64 = 0;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }
    #[cfg(feature = "memory")]
    {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(vec![1u8; 1 << 20]);
            std::hint::black_box(&hoard);
        }
    }
    #[cfg(feature = "trap")]
    {
        panic!("a hostile variant panics on purpose");
    }
    #[cfg(feature = "output")]
    {
        huge_answer(huge())
    }
    #[cfg(feature = "log")]
    {
        let line = "a hostile variant floods the log ".repeat(16);
        for _ in 0..100_000 {
            host::log(host::Level::Warn, &line);
        }
        good
    }
}

struct Variant;

impl Guest for Variant {
    fn metadata() -> Metadata {
        Metadata {
            id: format!("hostile-{NAME}"),
            kind: format!("hostile-{NAME}"),
            version: "1.0.0".into(),
            title: format!("Hostile variant ({NAME}), for tests only"),
            effective_from: "2000-01-01".into(),
            effective_to: None,
            legal_basis: "none: a test fixture".into(),
            intakes: vec![intake(
                "application",
                "An application",
                &format!("hostile-{NAME}-applications"),
                "state-body",
                "TEST",
                serde_json::json!({"type": "object"}),
            )],
        }
    }
    fn steps() -> Vec<Step> {
        vec![
            step("only", "Only step", "authorized-body", "expertise", "TEST")
                .outcome(outcome("done", "Done")),
        ]
    }
    fn validate(_intake: String, _submission: String, _today: String) -> Vec<Violation> {
        misbehave(Vec::new(), |m| vec![violation("application", "TEST", m)])
    }
    fn react(
        _state: String,
        _input: Input,
        _entries: Vec<Entry>,
    ) -> Result<Reaction, Vec<Violation>> {
        let good = Reaction {
            state: "{}".into(),
            effects: vec![open_task("only")],
        };
        misbehave(Ok(good), |m| {
            // Built in place: a copy through serde_json would pass the memory limit first.
            let mut state = String::with_capacity(m.len() + 16);
            state.push_str("{\"hoard\":\"");
            state.push_str(&m);
            state.push_str("\"}");
            Ok(Reaction {
                state,
                effects: vec![open_task("only")],
            })
        })
    }
    fn decide(_name: String, _input: String) -> Result<String, Vec<Violation>> {
        misbehave(Ok("{}".into()), Ok)
    }
}

export!(Variant);
