//! The store against a real Redis.

use std::time::Duration;

use egov_bus::{Envelope, Topic};
use egov_events::v1::{Deadline, DeadlineApproaching};
use egov_store::idempotency::{Begin, IdempotencyRecords, StoredResponse};
use egov_store::{Append, Appended, IndexOp, Store, StoreError};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Case {
    status: String,
    writer: u32,
}

fn event(case: &str, step: &str) -> Envelope {
    let msg = DeadlineApproaching {
        deadline: Some(Deadline {
            case_id: case.into(),
            step: step.into(),
            ..Default::default()
        }),
    };
    Envelope::new("intake", &msg, jiff::Timestamp::now()).with_case(case)
}

async fn store(url: &str, partitions: u16) -> Store {
    let client = redis::Client::open(url).unwrap();
    Store::new(
        egov_bus::connect(&client).await.unwrap(),
        Topic::new("intake", partitions),
    )
}

fn status_change(id: &str, from: Option<&str>, to: &str) -> Vec<IndexOp> {
    let mut ops = vec![IndexOp::Add {
        index: format!("status:{to}"),
        member: id.into(),
    }];
    if let Some(from) = from {
        ops.push(IndexOp::Remove {
            index: format!("status:{from}"),
            member: id.into(),
        });
    }
    ops
}

/// Creates case `id` in `status` (version 0 to 1), indexed by status.
async fn create(store: &Store, id: &str, status: &str) -> Result<Appended, StoreError> {
    let state = Case {
        status: status.into(),
        writer: 0,
    };
    store
        .append(Append {
            kind: "case",
            id,
            expected_version: 0,
            state: &state,
            event: &event(id, status),
            index: status_change(id, None, status),
            applied: None,
            unique: None,
        })
        .await
}

#[tokio::test]
async fn two_concurrent_writers_exactly_one_wins_and_history_state_index_and_topic_agree() {
    let r = egov_testkit::redis().await;
    let store = store(&r.url, 4).await;
    let id = "01KCASE000000000000000000A";
    let created = create(&store, id, "s0").await.unwrap();
    assert!(matches!(created, Appended::Committed { version: 1, .. }));

    for round in 1..=40u32 {
        let loaded = store.load::<Case>("case", id).await.unwrap().unwrap();
        let from = loaded.state.status.clone();
        let write = |writer: u32| {
            let store = store.clone();
            let from = from.clone();
            async move {
                let to = format!("s{round}-w{writer}");
                let state = Case {
                    status: to.clone(),
                    writer,
                };
                let ev = event(id, &to);
                store
                    .append(Append {
                        kind: "case",
                        id,
                        expected_version: loaded.version,
                        state: &state,
                        event: &ev,
                        index: status_change(id, Some(&from), &to),
                        applied: None,
                        unique: None,
                    })
                    .await
            }
        };
        let (a, b) = tokio::join!(write(1), write(2));
        let results = [a, b];
        let wins = results
            .iter()
            .filter(|r| matches!(r, Ok(Appended::Committed { .. })))
            .count();
        let conflicts = results
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Conflict { actual, .. }) if *actual == loaded.version + 1))
            .count();
        assert_eq!((wins, conflicts), (1, 1), "round {round}: {results:?}");
    }

    // History, state, index and topic agree.
    let loaded = store.load::<Case>("case", id).await.unwrap().unwrap();
    assert_eq!(loaded.version, 41);
    let history = store.history("case", id).await.unwrap();
    assert_eq!(history.len(), 41);
    let last_step = history
        .last()
        .unwrap()
        .1
        .decode::<DeadlineApproaching>()
        .unwrap()
        .deadline
        .unwrap()
        .step;
    assert_eq!(
        last_step, loaded.state.status,
        "state is the last event's result"
    );
    let p = store.topic().partition_of(id);
    let mut conn = egov_bus::connect(&r.client()).await.unwrap();
    let topic: redis::streams::StreamRangeReply =
        conn.xrange_all(store.topic().stream(p)).await.unwrap();
    let topic_ids: Vec<String> = topic.ids.iter().map(|e| e.id.clone()).collect();
    let history_ids: Vec<String> = history.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(
        topic_ids, history_ids,
        "every history entry is on the topic with the same id, in order"
    );
    for (status, members) in [
        (loaded.state.status.as_str(), vec![id.to_owned()]),
        ("s0", vec![]),
    ] {
        assert_eq!(
            store.members(&format!("status:{status}")).await.unwrap(),
            members
        );
    }
    // Exactly one status index holds the case.
    let keys: Vec<String> = conn.keys("egov:*:idx:status:*").await.unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
}

#[tokio::test]
async fn a_failed_step_writes_nothing() {
    let r = egov_testkit::redis().await;
    let store = store(&r.url, 1).await;
    let mut conn = egov_bus::connect(&r.client()).await.unwrap();
    let id = "01KCASE000000000000000000B";
    let s = Case {
        status: "new".into(),
        writer: 1,
    };
    // Someone left a string where the index set should be.
    let _: () = conn
        .set(store.index_key(0, "status:new"), "oops")
        .await
        .unwrap();
    let err = create(&store, id, "new").await.unwrap_err();
    assert!(
        matches!(err, StoreError::WrongType(ref k) if k.ends_with("idx:status:new")),
        "{err}"
    );
    assert!(store.load::<Case>("case", id).await.unwrap().is_none());
    assert!(store.history("case", id).await.unwrap().is_empty());
    let topic_len: usize = conn.xlen(store.topic().stream(0)).await.unwrap();
    assert_eq!(topic_len, 0);

    // A non-finite score is refused before Redis is asked.
    let err = store
        .append(Append {
            kind: "case",
            id,
            expected_version: 0,
            state: &s,
            event: &event(id, "new"),
            index: vec![IndexOp::Score {
                index: "due".into(),
                member: id.into(),
                score: f64::NAN,
            }],
            applied: None,
            unique: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidIndex(_)));
}

#[tokio::test]
async fn the_effect_of_one_incoming_event_is_applied_once() {
    let r = egov_testkit::redis().await;
    let store = store(&r.url, 1).await;
    let id = "01KCASE000000000000000000C";
    let cause = event("other", "submitted");
    let mut version = 0;
    for _ in 0..3 {
        let s = Case {
            status: "opened".into(),
            writer: 1,
        };
        let out = store
            .append(Append {
                kind: "task",
                id,
                expected_version: version,
                state: &s,
                event: &event(id, "opened"),
                index: vec![IndexOp::Score {
                    index: "due".into(),
                    member: id.into(),
                    score: 1.7e9,
                }],
                applied: Some(cause.id.to_string()),
                unique: None,
            })
            .await
            .unwrap();
        if let Appended::Committed { version: v, .. } = out {
            version = v;
        } else {
            assert_eq!(out, Appended::AlreadyApplied);
        }
    }
    assert_eq!(store.history("task", id).await.unwrap().len(), 1);
    assert_eq!(
        store.scored("due", 0.0, 2e9).await.unwrap(),
        vec![(id.to_owned(), 1.7e9)]
    );
}

#[tokio::test]
async fn a_committed_append_survives_a_redis_kill() {
    let mut server = egov_testkit::RedisServer::start();
    let url = server.url();
    let ids: Vec<String> = (0..20)
        .map(|i| format!("01KCASE0000000000000000{i:03}"))
        .collect();
    {
        let store = store(&url, 2).await;
        for id in &ids {
            create(&store, id, "submitted").await.unwrap();
        }
    }
    // SIGKILL right after the last success: appendfsync always means all 20 are on disk.
    server.restart();
    let store = store(&url, 2).await;
    for id in &ids {
        assert_eq!(
            store
                .load::<Case>("case", id)
                .await
                .unwrap()
                .unwrap()
                .version,
            1,
            "{id}"
        );
        assert_eq!(store.history("case", id).await.unwrap().len(), 1);
    }
    assert_eq!(store.members("status:submitted").await.unwrap().len(), 20);
}

#[tokio::test]
async fn idempotency_records_replay_refuse_and_release() {
    let r = egov_testkit::redis().await;
    let client = r.client();
    let mut recs = IdempotencyRecords::new(egov_bus::connect(&client).await.unwrap(), "intake");
    recs.lock_ttl = Duration::from_millis(300);
    let resp = StoredResponse {
        status: 201,
        headers: vec![("location".into(), "/api/v1/cases/X".into())],
        body: "{\"id\":\"X\"}".into(),
    };
    assert_eq!(
        recs.begin("org1", "k1", "fp-a").await.unwrap(),
        Begin::Started
    );
    assert_eq!(
        recs.begin("org1", "k1", "fp-a").await.unwrap(),
        Begin::InProgress
    );
    assert_eq!(
        recs.begin("org1", "k1", "fp-b").await.unwrap(),
        Begin::Mismatch
    );
    assert!(recs.finish("org1", "k1", "fp-a", &resp).await.unwrap());
    assert_eq!(
        recs.begin("org1", "k1", "fp-a").await.unwrap(),
        Begin::Replay(resp.clone())
    );
    assert_eq!(
        recs.begin("org1", "k1", "fp-b").await.unwrap(),
        Begin::Mismatch
    );
    // Keys are per caller: another agency's identical key is its own.
    assert_eq!(
        recs.begin("org2", "k1", "fp-b").await.unwrap(),
        Begin::Started
    );
    // A failed request frees its key for the retry.
    recs.release("org2", "k1", "fp-b").await.unwrap();
    assert_eq!(
        recs.begin("org2", "k1", "fp-b").await.unwrap(),
        Begin::Started
    );
    // A crashed request's reservation expires.
    assert_eq!(
        recs.begin("org3", "k9", "fp").await.unwrap(),
        Begin::Started
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        recs.begin("org3", "k9", "fp").await.unwrap(),
        Begin::Started
    );
    // ...and a late finish of an expired reservation does not overwrite the new one.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        recs.begin("org3", "k9", "fp2").await.unwrap(),
        Begin::Started
    );
    assert!(!recs.finish("org3", "k9", "fp", &resp).await.unwrap());
}

/// Records placed in a store's partitions are at its answer keys of the request's name, where
/// an append in the name's partition keeps an answer; elsewhere they have a slot of their own.
#[tokio::test]
async fn idempotency_records_placed_in_a_store_are_at_its_answer_keys() {
    let r = egov_testkit::redis().await;
    let store = store(&r.url, 4).await;
    let conn = egov_bus::connect(&r.client()).await.unwrap();
    let own = IdempotencyRecords::new(conn.clone(), "tender");
    let placed = own.clone().answering_in(&store);
    let name = own.request_name("org1\nsub", "k1");
    assert!(name.starts_with("tender:"), "{name}");
    assert_eq!(placed.request_name("org1\nsub", "k1"), name);
    assert_eq!(
        own.record_key("org1\nsub", "k1"),
        format!("egov:idem:{{{name}}}")
    );
    assert_eq!(
        placed.record_key("org1\nsub", "k1"),
        store.answer_key(&name).unwrap()
    );
    assert_eq!(
        placed.record_key_of(&name),
        store.answer_key(&name).unwrap()
    );
    // The caller's characters never reach the key, and the service is part of the name.
    assert_ne!(
        own.request_name("org1", "}k1"),
        own.request_name("org1}", "k1")
    );
    let other = IdempotencyRecords::new(conn, "catalog");
    assert_ne!(other.request_name("org1\nsub", "k1"), name);
    // A record kept there is the one an answered append finds.
    let fp = "fp-a";
    assert_eq!(
        placed.begin("org1\nsub", "k1", fp).await.unwrap(),
        Begin::Started
    );
    let id = store.new_id_for(&name);
    let found = advance_answered(&store, &id, 0, &name, false, "{}")
        .await
        .unwrap();
    let egov_store::Answered::Recorded(reservation) = found else {
        panic!("{found:?}");
    };
    assert_eq!(
        egov_store::idempotency::found(&reservation, fp).unwrap(),
        Begin::InProgress
    );
}

#[tokio::test]
async fn a_unique_name_is_taken_once_and_names_its_owner() {
    let r = egov_testkit::redis().await;
    let store = store(&r.url, 4).await;
    let name = "idem:org1:key-1";
    let first = store.new_id_for(name);
    let second = store.new_id_for(name);
    assert_eq!(
        store.topic().partition_of(&first),
        store.topic().partition_of(name)
    );
    let append = |id: String| {
        let store = store.clone();
        async move {
            let state = Case {
                status: "submitted".into(),
                writer: 0,
            };
            store
                .append(Append {
                    kind: "case",
                    id: &id,
                    expected_version: 0,
                    state: &state,
                    event: &event(&id, "submitted"),
                    index: vec![],
                    applied: None,
                    unique: Some(name.to_owned()),
                })
                .await
                .unwrap()
        }
    };
    assert!(matches!(
        append(first.clone()).await,
        Appended::Committed { .. }
    ));
    // A retry that lost the first answer (another id) finds the first aggregate.
    assert_eq!(
        append(second.clone()).await,
        Appended::Exists(first.clone())
    );
    assert!(store.load::<Case>("case", &second).await.unwrap().is_none());
}

/// Creates case `id` (version 0 to 1) under request name `name` (which it takes as its unique
/// name), keeping `record` as the request's answer.
async fn create_answered(
    store: &Store,
    id: &str,
    name: &str,
    record: &str,
) -> Result<egov_store::Answered, StoreError> {
    advance_answered(store, id, 0, name, true, record).await
}

/// Appends to case `id` at `version` for the request named `name` (taking it as the unique
/// name when `unique`), keeping `record` as the request's answer.
async fn advance_answered(
    store: &Store,
    id: &str,
    version: u64,
    name: &str,
    unique: bool,
    record: &str,
) -> Result<egov_store::Answered, StoreError> {
    let state = Case {
        status: "submitted".into(),
        writer: 0,
    };
    store
        .append_answered(
            Append {
                kind: "case",
                id,
                expected_version: version,
                state: &state,
                event: &event(id, "submitted"),
                index: vec![],
                applied: None,
                unique: unique.then(|| name.to_owned()),
            },
            egov_store::Answer {
                name,
                record,
                ttl: Duration::from_secs(60),
            },
        )
        .await
}

/// A request's answer kept in its append: written with the aggregate, in its hash slot; a
/// request under the same name then gets that record back and writes nothing; a refusal is
/// kept at the same key unless one is there.
#[tokio::test]
async fn an_answered_append_keeps_its_answer_with_the_aggregate_and_returns_it_after() {
    let r = egov_testkit::redis().await;
    let store = store(&r.url, 4).await;
    let client = r.client();
    let recs = IdempotencyRecords::new(egov_bus::connect(&client).await.unwrap(), "intake");
    let name = "submission:0123abcd";
    let answer = StoredResponse {
        status: 201,
        headers: vec![("location".into(), "/api/v1/cases/A".into())],
        body: "{\"id\":\"A\"}".into(),
    };
    let record = egov_store::idempotency::finished_record("fp-a", &answer);
    let key = store.answer_key(name).unwrap();
    let topic = store.topic().stream(store.topic().partition_of(name));
    let first = store.new_id_for(name);
    assert!(matches!(
        create_answered(&store, &first, name, &record)
            .await
            .unwrap(),
        egov_store::Answered::Appended(Appended::Committed { version: 1, .. })
    ));
    // In the aggregate's slot, kept for the TTL, and what it says is the first answer.
    let tag = |k: &str| k[k.find('{').unwrap()..=k.find('}').unwrap()].to_owned();
    assert_eq!(tag(&key), tag(&store.state_key("case", &first).unwrap()));
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let ttl: i64 = conn.pttl(&key).await.unwrap();
    assert!((1..=60_000).contains(&ttl), "{ttl}");
    assert_eq!(
        egov_store::idempotency::found(&conn.get::<_, String>(&key).await.unwrap(), "fp-a")
            .unwrap(),
        Begin::Replay(answer.clone())
    );
    let events: usize = conn.xlen(&topic).await.unwrap();
    // Another request under the name (another id, another answer): the record, nothing written.
    let second = store.new_id_for(name);
    let other = egov_store::idempotency::finished_record("fp-b", &answer);
    assert_eq!(
        create_answered(&store, &second, name, &other)
            .await
            .unwrap(),
        egov_store::Answered::Recorded(record.clone())
    );
    assert!(store.load::<Case>("case", &second).await.unwrap().is_none());
    assert_eq!(conn.xlen::<_, usize>(&topic).await.unwrap(), events);
    // The records are `IdempotencyRecords`' own: a refusal is kept unless one is there.
    let answered = |name: &'static str, fp: &'static str, resp: Option<StoredResponse>| {
        let (recs, store) = (recs.clone(), store.clone());
        async move {
            let key = store.answer_key(name).unwrap();
            recs.answered_at(&key, fp, resp.as_ref()).await.unwrap()
        }
    };
    let refused = StoredResponse {
        status: 422,
        headers: vec![],
        body: "{}".into(),
    };
    assert_eq!(
        answered(name, "fp-c", Some(refused.clone())).await,
        Begin::Mismatch
    );
    assert_eq!(
        answered(name, "fp-a", None).await,
        Begin::Replay(answer.clone())
    );
    let fresh = "submission:4567ef";
    assert_eq!(answered(fresh, "fp-r", None).await, Begin::Started);
    assert_eq!(
        answered(fresh, "fp-r", Some(refused.clone())).await,
        Begin::Started
    );
    assert_eq!(
        answered(fresh, "fp-r", Some(refused.clone())).await,
        Begin::Replay(refused.clone())
    );
    // An append under a name whose request was refused is answered from the refusal.
    let third = store.new_id_for(fresh);
    let refusal = conn
        .get::<_, String>(store.answer_key(fresh).unwrap())
        .await
        .unwrap();
    let appended = create_answered(&store, &third, fresh, &record)
        .await
        .unwrap();
    assert_eq!(appended, egov_store::Answered::Recorded(refusal));
    // An append to an existing aggregate (a task's completion) keeps the answer of a request
    // whose name is in its partition, and takes no unique name.
    let update = (0..)
        .map(|i| format!("expertise:{i:04x}"))
        .find(|n| store.answers_with(n, &first))
        .unwrap();
    let answered = advance_answered(&store, &first, 1, &update, false, &record)
        .await
        .unwrap();
    assert!(matches!(
        answered,
        egov_store::Answered::Appended(Appended::Committed { version: 2, .. })
    ));
    let kept: String = conn.get(store.answer_key(&update).unwrap()).await.unwrap();
    assert_eq!(kept, record);
    assert!(
        !conn
            .exists::<_, bool>(format!("egov:{}:unique:{update}", tag(&key)))
            .await
            .unwrap()
    );
    // Its replay (at the version after it): the record, before the version is looked at.
    assert_eq!(
        advance_answered(&store, &first, 1, &update, false, &other)
            .await
            .unwrap(),
        egov_store::Answered::Recorded(record.clone())
    );
    assert_eq!(
        store
            .load::<Case>("case", &first)
            .await
            .unwrap()
            .unwrap()
            .version,
        2
    );
    // And an answered append needs its aggregate in the name's partition.
    let elsewhere = ('A'..='Z')
        .map(|c| format!("01KCASE00000000000000000{c}X"))
        .find(|id| store.topic().partition_of(id) != store.topic().partition_of(fresh))
        .unwrap();
    assert!(matches!(
        create_answered(&store, &elsewhere, fresh, &record).await,
        Err(StoreError::InvalidKey(_))
    ));
}

#[tokio::test]
async fn a_projection_records_each_foreign_event_once() {
    let r = egov_testkit::redis().await;
    let store = store(&r.url, 2).await;
    let id = "01KCASE000000000000000000P";
    let foreign = event(id, "opened");
    assert!(
        store
            .project("case", id, &foreign, &foreign.id.to_string())
            .await
            .unwrap()
    );
    assert!(
        !store
            .project("case", id, &foreign, &foreign.id.to_string())
            .await
            .unwrap()
    );
    let p = store.projection("case", id).await.unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].1, foreign);
    // Projections do not publish.
    let mut conn = egov_bus::connect(&r.client()).await.unwrap();
    let len: usize = conn
        .xlen(store.topic().stream(store.topic().partition_of(id)))
        .await
        .unwrap();
    assert_eq!(len, 0);
}

/// Ids reach key names, so the store refuses key parts outside the key alphabet before it
/// touches Redis: a crafted id cannot address another key or another hash slot.
#[tokio::test]
async fn key_parts_outside_the_key_alphabet_are_refused_and_nothing_is_written() {
    let r = egov_testkit::redis().await;
    let store = store(&r.url, 1).await;
    let mut conn = egov_bus::connect(&r.client()).await.unwrap();
    for bad in [
        "x}:agg:case:other",
        "{intake.0}",
        "a b",
        "a\0b",
        "",
        "a\r\nDEL x",
    ] {
        let got = create(&store, bad, "new").await;
        assert!(
            matches!(got, Err(StoreError::InvalidKey(_))),
            "{bad:?}: {got:?}"
        );
        assert!(matches!(
            store.load::<Case>("case", bad).await,
            Err(StoreError::InvalidKey(_))
        ));
        assert!(matches!(
            store.history("case", bad).await,
            Err(StoreError::InvalidKey(_))
        ));
    }
    assert!(matches!(
        store.members("open:{x}").await,
        Err(StoreError::InvalidKey(_))
    ));
    let keys: Vec<String> = conn.keys("*").await.unwrap();
    assert!(keys.is_empty(), "{keys:?}");
}

/// An index entry that stands for nothing leaves only while its aggregate is as the caller
/// read it: gone (version 0) or at the version read. A write in between keeps it.
#[tokio::test]
async fn an_entry_is_unscored_only_while_its_aggregate_is_at_the_version_read() {
    let r = egov_testkit::redis().await;
    let store = store(&r.url, 3).await;
    let mut conn = egov_bus::connect(&r.client()).await.unwrap();
    let score = |id: &str| {
        let key = store.index_key(Topic::new("intake", 3).partition_of(id), "due");
        (key, format!("{id}.step"))
    };
    let reader = conn.clone();
    let zscore = move |key: String, member: String| {
        let mut conn = reader.clone();
        async move { conn.zscore::<_, _, Option<f64>>(key, member).await.unwrap() }
    };
    // An aggregate that does not exist: its entry goes.
    let (key, member) = score("01KGONE0000000000000000000");
    let _: i64 = conn.zadd(&key, &member, 5.0).await.unwrap();
    assert!(
        store
            .unscore_if("case", "01KGONE0000000000000000000", 0, "due", &member)
            .await
            .unwrap()
    );
    assert_eq!(zscore(key, member).await, None);

    // An aggregate at version 1: an entry read at version 1 goes, one read at version 0 (the
    // aggregate was written meanwhile) stays.
    let id = "01KHERE0000000000000000000";
    create(&store, id, "open").await.unwrap();
    let (key, member) = score(id);
    let _: i64 = conn.zadd(&key, &member, 5.0).await.unwrap();
    assert!(
        !store
            .unscore_if("case", id, 0, "due", &member)
            .await
            .unwrap()
    );
    assert_eq!(zscore(key.clone(), member.clone()).await, Some(5.0));
    assert!(
        store
            .unscore_if("case", id, 1, "due", &member)
            .await
            .unwrap()
    );
    assert_eq!(zscore(key, member).await, None);
}
