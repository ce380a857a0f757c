use std::sync::Arc;

use egov_kernel::{Calendar, FixedClock};
use egov_plugin_host::{Engine, EngineConfig, Limits};

#[test]
fn loads_the_perechen_variant() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/wasm32-wasip2/release/perechen_353.wasm"
    ))
    .unwrap();
    let t = std::time::Instant::now();
    let engine = Engine::new(
        EngineConfig::default(),
        Arc::new(Calendar::builtin()),
        Arc::new(FixedClock::at("2026-03-19T10:00:00+05:00")),
    )
    .unwrap();
    let p = engine.load(&bytes, Limits::default()).unwrap();
    eprintln!("load {:?} {}", t.elapsed(), p.label());
    let md = p.metadata().unwrap();
    assert_eq!(md.id, "perechen-353");
    let t = std::time::Instant::now();
    let steps = p.steps().unwrap();
    eprintln!("steps {:?}", t.elapsed());
    assert_eq!(steps.len(), 5);
    let v = p
        .validate(r#"{"object_kind":"spreadsheet"}"#, "2026-03-19")
        .unwrap();
    assert_eq!(v[0].rule, "PL-3");
    let d = p
        .decide(
            "pl-6.a-criteria-score",
            r#"{"object_kind":"information-system","criteria":{"1.1":true,"2.1":true,"3.4":true}}"#,
        )
        .unwrap()
        .unwrap();
    eprintln!("{d}");
}
