//! The watcher, the status writer and the Lease against recorded Kubernetes API exchanges,
//! played by a real HTTP server on 127.0.0.1 (`apiserver`), with `kube::Client` pointed at it.
//! The recordings are in `tests/recorded/`; the components are the real ones of
//! `make plugins`.

mod apiserver;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use apiserver::ApiServer;
use base64::Engine as _;
use egov_k8s::{KubeLease, Loader};
use egov_kernel::{Calendar, FixedClock};
use egov_procedure::{Engine, EngineConfig, Registry, SelectError};
use sha2::Digest;
use tokio_util::sync::CancellationToken;

fn artifact(path: &str) -> (Vec<u8>, String) {
    let bytes = std::fs::read(egov_testkit::plugins_dir().join(path)).unwrap();
    let digest = hex::encode(sha2::Sha256::digest(&bytes));
    (bytes, digest)
}

fn registry() -> Arc<Registry> {
    let engine = Engine::new(
        EngineConfig::default(),
        Arc::new(Calendar::builtin()),
        Arc::new(FixedClock::at("2026-11-30T10:00:00+05:00")),
    )
    .unwrap();
    Registry::new(engine, Vec::new())
}

/// Plays `procedure-plugins.json`: seven resources listed (one good, six refused for six
/// reasons), a new generation of the good one with a wrong digest (the last good revision
/// keeps serving), deletions. Returns the server, for its requests.
async fn procedure_plugins() -> ApiServer {
    let (perechen, perechen_sha) = artifact("variants/perechen-353.wasm");
    let (v3, v3_sha) = artifact("hostile/contract-v3.wasm");
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let vars = BTreeMap::from([
        ("perechen_sha256", perechen_sha.clone()),
        ("perechen_353_base64", b64(&perechen)),
        ("contract_v3_sha256", v3_sha),
        ("contract_v3_base64", b64(&v3)),
    ]);
    let server = ApiServer::start(include_str!("recorded/procedure-plugins.json"), &vars).await;
    let registry = registry();
    let loader = Loader::new(
        "intake",
        registry.clone(),
        server.client("egov"),
        "egov",
        None,
    );
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(loader.run(shutdown.clone()));

    // Everything was played but the last watch, which waits at its gate: the good revision
    // serves...
    let key = "procedureplugin:egov/perechen-353";
    server.played_all().await;
    let day = jiff::civil::date(2026, 11, 30);
    let serving = registry.select("perechen", day).unwrap();
    assert_eq!(
        serving.digest, perechen_sha,
        "generation 2 pinned another digest: the last good revision keeps serving"
    );
    assert_eq!(
        registry
            .all()
            .iter()
            .map(|d| d.digest.clone())
            .collect::<Vec<_>>(),
        vec![perechen_sha.clone()],
        "refused resources load nothing"
    );
    assert!(
        !registry
            .deployed_keys()
            .contains(&"procedureplugin:egov/wrong-digest".to_owned()),
        "wrong-digest was deleted"
    );
    // ...until its resource is deleted: no new case gets it, the cases pinned to it keep it.
    server.open("delete");
    for _ in 0..100 {
        if !registry.deployed_keys().contains(&key.to_owned()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!registry.deployed_keys().contains(&key.to_owned()));
    assert!(matches!(
        registry.select("perechen", day),
        Err(SelectError::UnknownKind(_) | SelectError::NotInForce { .. })
    ));
    assert!(
        registry
            .pinned(&serving.id, &serving.version, &perechen_sha)
            .is_ok(),
        "a case pinned to the deleted resource's revision keeps it"
    );
    shutdown.cancel();
    running.await.unwrap();
    server.assert_no_unexpected();
    server
}

#[tokio::test]
async fn procedure_plugins_load_beside_the_others_and_every_refusal_is_a_clear_condition() {
    let server = procedure_plugins().await;
    // The messages say why, and what serves instead.
    let messages: BTreeMap<String, String> = server
        .seen()
        .iter()
        .filter(|s| s.method == "PATCH")
        .map(|s| {
            let b = s.body.as_ref().unwrap();
            (
                format!(
                    "{} gen {}",
                    s.path.split('/').nth_back(1).unwrap(),
                    b.pointer("/status/conditions/0/observedGeneration")
                        .unwrap()
                ),
                b.pointer("/status/conditions/0/message")
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    let has = |k: &str, part: &str| {
        let m = &messages[k];
        assert!(m.contains(part), "{k}: {m:?} lacks {part:?}");
    };
    has("perechen-353 gen 1", "perechen-353@");
    has("wrong-digest gen 1", "sha256 mismatch");
    has("unreachable gen 1", "127.0.0.1:9");
    has("contract-v3 gen 1", "built for contract egov:procedure@3");
    has("malformed gen 1", "spec.sha256");
    has("wrong-kind gen 1", "not the \"tender\" it is deployed as");
    has("missing-configmap gen 1", "ConfigMap absent");
    has("perechen-353 gen 2", "the last good revision perechen-353@");
    has("perechen-353 gen 2", "keeps serving");
}

/// Plays `lease.json` on four replicas with a controlled monotonic clock; returns the server.
async fn lease() -> ApiServer {
    let server = ApiServer::start(include_str!("recorded/lease.json"), &BTreeMap::new()).await;
    let name = "egov-expertise-deadlines";
    let replica = || KubeLease::new(server.client("egov"), "egov", name);
    let (a, b, c, d) = (replica(), replica(), replica(), replica());
    let ttl = Duration::from_secs(15);
    let t0 = Instant::now();
    let at = |s: u64| t0 + Duration::from_secs(s);

    assert!(a.try_hold("pod-a", ttl, at(0)).await.unwrap(), "created");
    assert!(
        !b.try_hold("pod-b", ttl, at(0)).await.unwrap(),
        "fresh: not taken"
    );
    assert!(a.try_hold("pod-a", ttl, at(5)).await.unwrap(), "renewed");
    assert!(
        !b.try_hold("pod-b", ttl, at(20)).await.unwrap(),
        "20 s after its first look, but the record changed since: not taken"
    );
    assert!(
        !b.try_hold("pod-b", ttl, at(30)).await.unwrap(),
        "10 s of the same record: not taken"
    );
    assert!(
        b.try_hold("pod-b", ttl, at(36)).await.unwrap(),
        "16 s of the same record: pod-a is gone, taken over"
    );
    // Two candidates race for the expired lease; the API server lets one win.
    assert!(!c.try_hold("pod-c", ttl, at(60)).await.unwrap());
    assert!(!d.try_hold("pod-d", ttl, at(60)).await.unwrap());
    assert!(c.try_hold("pod-c", ttl, at(76)).await.unwrap(), "first");
    assert!(
        !d.try_hold("pod-d", ttl, at(76)).await.unwrap(),
        "409 Conflict: the second loses"
    );
    // A clean stop clears the holder: another replica takes it at once.
    c.release("pod-c").await.unwrap();
    assert!(d.try_hold("pod-d", ttl, at(77)).await.unwrap());
    server.played_all().await;
    server.assert_no_unexpected();
    server
}

#[tokio::test]
async fn a_lease_is_created_renewed_taken_over_raced_and_released_by_the_rules() {
    lease().await;
}

/// The chart's RBAC rules (`charts/egov/files/rbac.yaml`) grant exactly the calls the
/// recorded tests make: none is missing (the services would fail) and none is unused.
#[tokio::test]
async fn rbac_grants_exactly_the_calls_the_code_makes() {
    let mut calls = BTreeSet::new();
    for server in [procedure_plugins().await, lease().await] {
        calls.extend(server.seen().iter().filter_map(apiserver::rbac));
    }
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../charts/egov/files/rbac.yaml"
    ))
    .unwrap();
    let rules: BTreeMap<String, Vec<serde_yaml::Value>> = serde_yaml::from_str(&text).unwrap();
    let mut granted = BTreeSet::new();
    for rule in rules.values().flatten() {
        let list = |k: &str| -> Vec<String> {
            rule[k]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        for g in list("apiGroups") {
            for r in list("resources") {
                for v in list("verbs") {
                    granted.insert((g.clone(), r.clone(), v));
                }
            }
        }
    }
    assert_eq!(
        calls, granted,
        "the calls made (left) and the verbs granted (right) differ"
    );
}
