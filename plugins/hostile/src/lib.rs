//! A variant that loads and then misbehaves in `validate`, `react` and `decide`, as its feature
//! says:
//! `loop` never returns, `memory` grows its memory without bound, `trap` panics (a trap, as
//! plugins abort on panic). Its metadata is valid, so the host loads it; the fault comes on a
//! request, where the host must type it and the service must keep serving everyone else.

use egov_plugin_sdk::*;

#[cfg(feature = "loop")]
const NAME: &str = "loop";
#[cfg(feature = "memory")]
const NAME: &str = "memory";
#[cfg(feature = "trap")]
const NAME: &str = "trap";

fn misbehave() -> ! {
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
        misbehave()
    }
    fn react(
        _state: String,
        _input: Input,
        _entries: Vec<Entry>,
    ) -> Result<Reaction, Vec<Violation>> {
        misbehave()
    }
    fn decide(_name: String, _input: String) -> Result<String, Vec<Violation>> {
        misbehave()
    }
}

export!(Variant);
