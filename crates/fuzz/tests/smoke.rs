//! The fuzz smoke of `make test`: every target on its seeds, the regressions (inputs that once
//! crashed a target, kept once fixed) and mutations of both. `make fuzz` runs the same targets
//! under libFuzzer for a set time. EGOV_FUZZ_SMOKE sets the mutations per target (default
//! 3,000); EGOV_BLESS=1 writes the signed seeds and their CA again (then run once more).

use std::path::Path;

fn inputs(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

#[test]
fn every_target_survives_its_seeds_its_regressions_and_their_mutations() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("EGOV_BLESS").is_some() {
        bless(root);
    }
    let n: usize = std::env::var("EGOV_FUZZ_SMOKE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000);
    for (i, (name, target)) in egov_fuzz::TARGETS.iter().enumerate() {
        let seeds = inputs(&root.join("corpus").join(name));
        assert!(!seeds.is_empty(), "corpus/{name} has no seeds");
        let regressions = inputs(&root.join("regressions").join(name));
        let all: Vec<Vec<u8>> = seeds.iter().chain(&regressions).cloned().collect();
        let t = std::time::Instant::now();
        let ran = egov_fuzz::smoke(target, &all, n, 0x9e37_79b9_7f4a_7c15 ^ i as u64);
        eprintln!(
            "fuzz smoke {name}: {ran} inputs ({} seeds, {} regressions) in {:?}",
            seeds.len(),
            regressions.len(),
            t.elapsed()
        );
    }
}

#[test]
fn every_target_has_a_libfuzzer_binary_and_a_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("../../fuzz/Cargo.toml")).unwrap();
    for (name, _) in egov_fuzz::TARGETS {
        let bin = root.join(format!("../../fuzz/fuzz_targets/{name}.rs"));
        let text =
            std::fs::read_to_string(&bin).unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
        assert!(
            text.contains(&format!("egov_fuzz::{name}(")),
            "{}",
            bin.display()
        );
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml: {name}"
        );
    }
}

/// Signs the seeds of `cms` and `monitoring` with a fresh development CA, valid around
/// [`egov_fuzz::SIGNED_AT`].
fn bless(root: &Path) {
    use egov_signature::dev::{Ca, LeafSpec};
    use prost::Message as _;
    let at: jiff::Timestamp = egov_fuzz::SIGNED_AT.parse().unwrap();
    let ca = Ca::new("egov fuzz seeds CA");
    let mut spec = LeafSpec::signing("egov fuzz seed signer");
    spec.not_before = "2026-01-01T00:00:00Z".parse().unwrap();
    spec.not_after = "2036-01-01T00:00:00Z".parse().unwrap();
    let signer = ca.issue(&spec).signer();
    std::fs::write(root.join("data/ca.pem"), ca.cert_pem()).unwrap();
    let der = egov_signature::sign_detached(&signer, b"egov", at).unwrap();
    let dir = root.join("corpus/cms");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("signed-p256"), [&[0u8][..], &der].concat()).unwrap();
    use egov_events::monitoring::{Batch, Message, Signed};
    let message = Message {
        id: "01JQ3Z5XJ6V2Y8T4W0K9M1N7PB".into(),
        ..Default::default()
    }
    .encode_to_vec();
    let signature = egov_signature::sign_detached(&signer, &message, at).unwrap();
    let batch = Batch {
        messages: vec![Signed { message, signature }],
    };
    let dir = root.join("corpus/monitoring");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("batch-signed"), batch.encode_to_vec()).unwrap();
}
