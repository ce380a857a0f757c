//! The store on a real Redis Cluster: three masters, three replicas (`redis-cli --cluster
//! create`), a master killed while writers append, its replica taking over.
//!
//! Every append whose `append` returned `Committed` (what a service acknowledges with a 2xx)
//! must be there afterwards, state, history and topic entry, exactly once. Redis replicates
//! asynchronously, so this holds only because a cluster connection answers a write once a
//! replica has it (`WAIT`, see `egov_bus::Conn`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use egov_bus::{Envelope, Redis, Topic};
use egov_events::v1::{Deadline, DeadlineApproaching};
use egov_store::{Append, Appended, Store};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Case {
    n: usize,
}

fn event(case: &str) -> Envelope {
    let msg = DeadlineApproaching {
        deadline: Some(Deadline {
            case_id: case.into(),
            step: "s".into(),
            ..Default::default()
        }),
    };
    Envelope::new("intake", &msg, jiff::Timestamp::now()).with_case(case)
}

/// Eight writers append new aggregates to a three-master cluster; meanwhile the master of
/// partition 0's slot is killed (SIGKILL), its replica takes over, and the old master comes
/// back as a replica. Every append acknowledged must be there afterwards, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_a_cluster_a_master_killed_under_load_loses_no_acknowledged_append() {
    let cluster = Arc::new(std::sync::Mutex::new(egov_testkit::RedisCluster::start(3)));
    let url = cluster.lock().unwrap().url();
    let topic = Topic::new("intake", 6);
    let conn = egov_bus::connect(Redis::open(&url).unwrap()).await.unwrap();
    let store = Store::new(conn.clone(), topic.clone());

    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let failed = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for _ in 0..8 {
        let (store, acked, failed, stop, next) = (
            store.clone(),
            acked.clone(),
            failed.clone(),
            stop.clone(),
            next.clone(),
        );
        writers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let id = format!("01KCLUSTER{n:016}");
                match create(&store, &id, n).await {
                    Ok(Appended::Committed { .. }) => acked.lock().await.push(id),
                    Ok(other) => panic!("{id}: {other:?}"),
                    Err(_) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
        }));
    }
    let until = |n: usize| {
        let acked = acked.clone();
        async move {
            let limit = Instant::now() + Duration::from_secs(120);
            while acked.lock().await.len() < n {
                assert!(
                    Instant::now() < limit,
                    "fewer than {n} appends acknowledged"
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };
    let cluster_do = |f: Box<dyn FnOnce(&mut egov_testkit::RedisCluster) + Send>| {
        let c = cluster.clone();
        tokio::task::spawn_blocking(move || f(&mut c.lock().unwrap()))
    };

    until(300).await;
    let slot = egov_bus::slot(topic.tag(0).trim_matches(['{', '}']).as_bytes());
    let victim = cluster.lock().unwrap().master_of(slot);
    let killed_at = acked.lock().await.len();
    cluster_do(Box::new(move |c| c.fail(victim))).await.unwrap();
    // Until the old master is back as a replica, the new master has none: it refuses writes
    // (`min-replicas-to-write 1`); the other masters' go on.
    let failed_over = acked.lock().await.len();
    until(failed_over + 100).await;
    cluster_do(Box::new(move |c| c.recover(victim)))
        .await
        .unwrap();
    let recovered = acked.lock().await.len();
    until(recovered + 200).await;
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }

    // Each acknowledged append: its state, its history and its topic entry, once.
    let mut on_topic = std::collections::BTreeMap::<String, usize>::new();
    for (_, stream) in topic.streams() {
        let r: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(&stream)
            .arg("-")
            .arg("+")
            .query_async(&mut conn.clone())
            .await
            .unwrap();
        for e in r.ids {
            let env = Envelope::from_fields(&e.map).unwrap();
            *on_topic.entry(env.case.unwrap_or_default()).or_default() += 1;
        }
    }
    let acked = acked.lock().await.clone();
    for id in &acked {
        let state = store.load::<Case>("case", id).await.unwrap();
        let history = store.history("case", id).await.unwrap().len();
        match (state, history, on_topic.get(id)) {
            (Some(s), 1, Some(1)) if s.version == 1 => {}
            other => panic!("{id} acknowledged, now {other:?}"),
        }
    }
    println!(
        "cluster: {} appends acknowledged, all present once ({killed_at} when the master of \
         slot {slot} was killed, {failed_over} when its replica had taken over, {recovered} when \
         the old master was back as a replica); {} attempts refused and not acknowledged",
        acked.len(),
        failed.load(Ordering::Relaxed)
    );
}

async fn create(store: &Store, id: &str, n: usize) -> Result<Appended, egov_store::StoreError> {
    store
        .append(Append {
            kind: "case",
            id,
            expected_version: 0,
            state: &Case { n },
            event: &event(id),
            index: vec![],
            applied: None,
            unique: None,
        })
        .await
}

/// A write is answered only once a replica has it: with the replica frozen (SIGSTOP) the
/// append fails after `WAIT`'s timeout and is not acknowledged; `?wait_replicas=0` acknowledges
/// it at once (what a failover then may lose).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_cluster_a_write_is_acknowledged_only_once_a_replica_has_it() {
    let mut cluster = egov_testkit::RedisCluster::start(3);
    let topic = Topic::new("intake", 1);
    let waiting = Store::new(
        egov_bus::connect(Redis::open(&cluster.url()).unwrap())
            .await
            .unwrap(),
        topic.clone(),
    );
    let not_waiting = Store::new(
        egov_bus::connect(Redis::open(&format!("{}?wait_replicas=0", cluster.url())).unwrap())
            .await
            .unwrap(),
        topic.clone(),
    );
    assert!(matches!(
        create(&waiting, "01KCLUSTER0000000000000001", 1).await,
        Ok(Appended::Committed { .. })
    ));
    let slot = egov_bus::slot(topic.tag(0).trim_matches(['{', '}']).as_bytes());
    let replica = cluster.replica_of(cluster.master_of(slot));
    cluster.freeze(replica);
    let started = Instant::now();
    let refused = create(&waiting, "01KCLUSTER0000000000000002", 2).await;
    let waited = started.elapsed();
    let unguarded = create(&not_waiting, "01KCLUSTER0000000000000003", 3).await;
    cluster.resume(replica);
    let err = refused
        .expect_err("acknowledged without a replica")
        .to_string();
    assert!(err.contains("not replicated"), "{err}");
    assert!(waited >= Duration::from_secs(2), "{waited:?}");
    assert!(matches!(unguarded, Ok(Appended::Committed { .. })));
}
