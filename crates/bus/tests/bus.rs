//! The bus against a real Redis: reclaim after a kill, dead letters (listed and re-driven),
//! pending first, dedup, trimming, trace context, groups created at the start of a stream.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use egov_bus::{Bus, BusMetrics, ConsumerConfig, Delivery, Envelope, HandleError, Topic};
use egov_events::v1::{Deadline, DeadlineMissed};
use egov_testkit::child;
use redis::AsyncCommands;
use tokio_util::sync::CancellationToken;

fn topic() -> Topic {
    Topic::new("intake", 1)
}

/// Fast timings so the tests take milliseconds, not minutes.
fn config(group: &str, consumer: &str) -> ConsumerConfig {
    let mut c = ConsumerConfig::new(topic(), group, consumer);
    c.block = Duration::from_millis(100);
    c.claim_idle = Duration::from_millis(400);
    c.backoff = Duration::from_millis(20);
    c.max_backoff = Duration::from_millis(80);
    c.max_deliveries = 3;
    c.metrics_every = Duration::from_millis(50);
    c
}

fn event(marker: &str) -> Envelope {
    let msg = DeadlineMissed {
        deadline: Some(Deadline {
            case_id: marker.into(),
            step: "test".into(),
            ..Default::default()
        }),
    };
    Envelope::new("intake", &msg, jiff::Timestamp::now()).with_case(marker)
}

fn marker(d: &Delivery) -> String {
    d.envelope.case.clone().unwrap_or_default()
}

async fn bus(url: &str) -> Bus {
    Bus::new(
        redis::Client::open(url).unwrap(),
        BusMetrics::unregistered(),
    )
    .await
    .unwrap()
}

async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while tokio::time::Instant::now() < deadline {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// Entries of partition 0 `group` counted with `outcome` (`ok`, `duplicate`, `skipped`...).
fn handled(bus: &Bus, group: &str, outcome: &str) -> u64 {
    bus.metrics()
        .handled
        .with_label_values(&[&topic().stream(0), group, outcome])
        .get()
}

type Seen = Arc<Mutex<Vec<(String, u32)>>>;

/// A consumer running on its own task, and the token that stops it.
type Running = (
    CancellationToken,
    tokio::task::JoinHandle<Result<(), egov_bus::BusError>>,
);

/// Runs a consumer of `cfg` with `handler` until its token is cancelled.
fn spawn(bus: &Bus, cfg: ConsumerConfig, handler: impl egov_bus::Handler) -> Running {
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(bus.consumer(cfg).run(handler, shutdown.clone()));
    (shutdown, task)
}

/// Runs a consumer whose handler records (marker, deliveries) and answers with `outcome`.
fn spawn_recorder(
    bus: &Bus,
    cfg: ConsumerConfig,
    outcome: impl Fn(&str) -> Result<(), HandleError> + Send + Sync + 'static,
) -> (
    Seen,
    CancellationToken,
    tokio::task::JoinHandle<Result<(), egov_bus::BusError>>,
) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let outcome = Arc::new(outcome);
    let (shutdown, task) = spawn(bus, cfg, move |d: Delivery| {
        let s = s.clone();
        let outcome = outcome.clone();
        async move {
            let m = marker(&d);
            s.lock().unwrap().push((m.clone(), d.deliveries));
            outcome(&m)
        }
    });
    (seen, shutdown, task)
}

fn count(seen: &Seen) -> impl FnMut() -> std::future::Ready<usize> + use<> {
    let seen = seen.clone();
    move || std::future::ready(seen.lock().unwrap().len())
}

async fn pending(conn: &mut egov_bus::Conn, group: &str) -> usize {
    let p: redis::streams::StreamPendingReply =
        conn.xpending(topic().stream(0), group).await.unwrap();
    p.count()
}

/// Run as a child process by the test below: a consumer whose handler starts and never ends.
#[tokio::test]
#[ignore = "runs only as a child process of a_consumer_killed_mid_handling_..."]
async fn child_stuck_consumer() {
    if child::role().as_deref() != Some("stuck-consumer") {
        return;
    }
    let url = std::env::var("EGOV_TEST_URL").unwrap();
    let bus = bus(&url).await;
    let conn = bus.connection();
    let handler = move |d: Delivery| {
        let mut conn = conn.clone();
        async move {
            let _: () = conn
                .set(format!("started:{}", marker(&d)), "pod-a")
                .await
                .unwrap();
            std::future::pending::<()>().await;
            Ok(())
        }
    };
    bus.consumer(config("expertise", "pod-a"))
        .run(handler, CancellationToken::new())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_consumer_killed_mid_handling_has_its_entry_reclaimed_and_handled_exactly_once_by_another()
 {
    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let mut conn = bus.connection();
    bus.consumer(config("expertise", "pod-a"))
        .attach()
        .await
        .unwrap();
    bus.publish(&topic().stream(0), &event("e1")).await.unwrap();

    let mut stuck = child::spawn(
        "child_stuck_consumer",
        "stuck-consumer",
        &[("EGOV_TEST_URL", &r.url)],
    );
    eventually("pod-a started handling e1", || {
        let mut c = conn.clone();
        async move { c.exists::<_, bool>("started:e1").await.unwrap() }
    })
    .await;

    // pod-b runs beside the live pod-a: the heartbeat keeps e1 with pod-a even though handling
    // takes longer than claim_idle.
    let (handled, shutdown, task) = spawn_recorder(&bus, config("expertise", "pod-b"), |_| Ok(()));
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(
        handled.lock().unwrap().is_empty(),
        "a live consumer's slow entry was stolen"
    );

    // Kill pod-a mid-work (SIGKILL: no cleanup runs).
    stuck.kill().unwrap();
    stuck.wait().unwrap();
    let mut n = count(&handled);
    eventually("pod-b reclaimed e1", || {
        let n = n();
        async move { n.await == 1 }
    })
    .await;
    // Entries published after the kill flow too.
    bus.publish(&topic().stream(0), &event("e2")).await.unwrap();
    eventually("pod-b handled e2", || {
        let n = n();
        async move { n.await == 2 }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    shutdown.cancel();
    task.await.unwrap().unwrap();

    let handled = handled.lock().unwrap().clone();
    assert_eq!(
        handled,
        vec![("e1".to_owned(), 2), ("e2".to_owned(), 1)],
        "each entry handled exactly once"
    );
    assert_eq!(pending(&mut conn, "expertise").await, 0);
    assert!(
        bus.dead_letters(&topic().dead_letters(0, "expertise"))
            .await
            .unwrap()
            .is_empty()
    );
    let reclaimed = bus
        .metrics()
        .reclaimed
        .with_label_values(&[&topic().stream(0), "expertise"])
        .get();
    assert_eq!(reclaimed, 1);
}

#[tokio::test]
async fn a_poison_entry_reaches_the_dead_letter_stream_after_n_deliveries_and_entries_behind_it_are_handled()
 {
    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let mut conn = bus.connection();
    let stream = topic().stream(0);
    bus.consumer(config("expertise", "pod-a"))
        .attach()
        .await
        .unwrap();
    bus.publish(&stream, &event("poison")).await.unwrap();
    bus.publish(&stream, &event("b")).await.unwrap();
    // Not an envelope at all: dead-lettered at once, it can never succeed.
    let _: String = conn.xadd(&stream, "*", &[("garbage", "1")]).await.unwrap();
    bus.publish(&stream, &event("c")).await.unwrap();

    let (seen, shutdown, task) = spawn_recorder(&bus, config("expertise", "pod-a"), |m| {
        if m == "poison" {
            Err(HandleError::Retry("register unavailable".into()))
        } else {
            Ok(())
        }
    });
    let dlq = topic().dead_letters(0, "expertise");
    eventually("two dead letters", || {
        let bus = bus.clone();
        let dlq = dlq.clone();
        async move { bus.dead_letters(&dlq).await.unwrap().len() == 2 }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    shutdown.cancel();
    task.await.unwrap().unwrap();

    let seen = seen.lock().unwrap().clone();
    let poison: Vec<u32> = seen
        .iter()
        .filter(|(m, _)| m == "poison")
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(
        poison,
        vec![1, 2, 3],
        "delivered exactly max_deliveries times"
    );
    assert_eq!(seen.iter().filter(|(m, _)| m == "b").count(), 1);
    assert_eq!(seen.iter().filter(|(m, _)| m == "c").count(), 1);
    // b and c did not wait for the poison entry's retries.
    let pos = |m: &str| seen.iter().position(|(x, _)| x == m).unwrap();
    assert!(pos("c") < seen.iter().rposition(|(x, _)| x == "poison").unwrap());

    let letters = bus.dead_letters(&dlq).await.unwrap();
    let malformed = letters.iter().find(|l| l.envelope.is_none()).unwrap();
    assert!(
        malformed.reason.contains("malformed envelope"),
        "{}",
        malformed.reason
    );
    let poisoned = letters.iter().find(|l| l.envelope.is_some()).unwrap();
    assert_eq!(poisoned.deliveries, 3);
    assert_eq!(poisoned.group, "expertise");
    assert!(
        poisoned.reason.contains("register unavailable"),
        "{}",
        poisoned.reason
    );
    assert_eq!(
        poisoned.envelope.as_ref().unwrap().case.as_deref(),
        Some("poison")
    );
    assert_eq!(pending(&mut conn, "expertise").await, 0);
    let m = bus.metrics();
    assert_eq!(
        m.dead_lettered
            .with_label_values(&[&stream, "expertise"])
            .get(),
        2
    );
    assert_eq!(
        m.handled
            .with_label_values(&[&stream, "expertise", "retry"])
            .get(),
        2
    );
    // Sampled while the consumer ran (every 50 ms here): the two waiting.
    assert_eq!(
        m.dead_letters
            .with_label_values(&[&stream, "expertise"])
            .get(),
        2
    );
}

#[tokio::test]
async fn after_a_restart_pending_entries_are_handled_first() {
    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let mut conn = bus.connection();
    let stream = topic().stream(0);
    bus.consumer(config("expertise", "pod-a"))
        .attach()
        .await
        .unwrap();
    bus.publish(&stream, &event("p1")).await.unwrap();
    bus.publish(&stream, &event("p2")).await.unwrap();
    // pod-a read p1 and p2, then died before acknowledging them.
    let _: redis::streams::StreamReadReply = redis::cmd("XREADGROUP")
        .arg(&[
            "GROUP",
            "expertise",
            "pod-a",
            "COUNT",
            "10",
            "STREAMS",
            &stream,
            ">",
        ])
        .query_async(&mut conn)
        .await
        .unwrap();
    bus.publish(&stream, &event("n1")).await.unwrap();

    let (order, shutdown, task) = spawn_recorder(&bus, config("expertise", "pod-a"), |_| Ok(()));
    let mut n = count(&order);
    eventually("three handled", || {
        let n = n();
        async move { n.await == 3 }
    })
    .await;
    shutdown.cancel();
    task.await.unwrap().unwrap();
    let order = order.lock().unwrap().clone();
    assert_eq!(
        order,
        vec![("p1".into(), 2), ("p2".into(), 2), ("n1".into(), 1)]
    );
    assert_eq!(pending(&mut conn, "expertise").await, 0);
}

#[tokio::test]
async fn an_event_published_twice_is_handled_once() {
    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let stream = topic().stream(0);
    bus.consumer(config("expertise", "pod-a"))
        .attach()
        .await
        .unwrap();
    let e = event("twice");
    bus.publish(&stream, &e).await.unwrap();
    bus.publish(&stream, &e).await.unwrap();
    bus.publish(&stream, &event("after")).await.unwrap();

    let (seen, shutdown, task) = spawn_recorder(&bus, config("expertise", "pod-a"), |_| Ok(()));
    let mut n = count(&seen);
    eventually("two handled", || {
        let n = n();
        async move { n.await == 2 }
    })
    .await;
    shutdown.cancel();
    task.await.unwrap().unwrap();
    let seen: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(m, _)| m.clone())
        .collect();
    assert_eq!(seen, vec!["twice".to_owned(), "after".to_owned()]);
    assert_eq!(handled(&bus, "expertise", "duplicate"), 1);
}

#[tokio::test]
async fn trimming_never_drops_an_unacknowledged_entry() {
    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let mut conn = bus.connection();
    let stream = topic().stream(0);
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(
            bus.publish(&stream, &event(&format!("e{i}")))
                .await
                .unwrap(),
        );
    }
    // A retention window longer than the entries' age keeps everything.
    assert_eq!(
        bus.trim(&stream, Duration::from_secs(3600)).await.unwrap(),
        0
    );

    for g in ["fast", "slow"] {
        let _: () = conn.xgroup_create(&stream, g, "0").await.unwrap();
    }
    let reader = conn.clone();
    let read = |group: &'static str, n: usize| {
        let mut conn = reader.clone();
        let stream = stream.clone();
        async move {
            let r: redis::streams::StreamReadReply = redis::cmd("XREADGROUP")
                .arg(&[
                    "GROUP",
                    group,
                    "c",
                    "COUNT",
                    &n.to_string(),
                    "STREAMS",
                    &stream,
                    ">",
                ])
                .query_async(&mut conn)
                .await
                .unwrap();
            r.keys
                .into_iter()
                .flat_map(|k| k.ids)
                .map(|e| e.id)
                .collect::<Vec<_>>()
        }
    };
    // "fast" was delivered 6 entries and acknowledged them all.
    let fast = read("fast", 6).await;
    let _: i64 = conn.xack(&stream, "fast", &fast).await.unwrap();
    // "slow" was delivered all 10 and acknowledged only the first 3.
    let slow = read("slow", 10).await;
    let _: i64 = conn.xack(&stream, "slow", &slow[..3]).await.unwrap();

    assert_eq!(bus.trim(&stream, Duration::ZERO).await.unwrap(), 3);
    let left: redis::streams::StreamRangeReply = conn.xrange_all(&stream).await.unwrap();
    let left: Vec<String> = left.ids.into_iter().map(|e| e.id).collect();
    assert_eq!(
        left,
        ids[3..].to_vec(),
        "slow's pending entries and fast's undelivered ones stay"
    );

    // A group that has read nothing pins the whole stream.
    let _: () = conn.xgroup_create(&stream, "new", "0").await.unwrap();
    let _: i64 = conn.xack(&stream, "slow", &slow[3..]).await.unwrap();
    assert_eq!(bus.trim(&stream, Duration::ZERO).await.unwrap(), 0);
}

#[tokio::test(flavor = "current_thread")]
async fn trace_context_survives_a_hop() {
    use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
    use tracing::Instrument;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    use tracing_subscriber::layer::SubscriberExt;

    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    let _guard = tracing::subscriber::set_default(subscriber);

    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let stream = topic().stream(0);
    bus.consumer(config("expertise", "pod-a"))
        .attach()
        .await
        .unwrap();

    let submit = tracing::info_span!("submit");
    let sent_trace = submit.context().span().span_context().trace_id();
    async { bus.publish(&stream, &event("traced")).await.unwrap() }
        .instrument(submit)
        .await;

    let got = Arc::new(Mutex::new(None));
    let g = got.clone();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(bus.consumer(config("expertise", "pod-a")).run(
        move |d: Delivery| {
            let g = g.clone();
            async move {
                let cx = tracing::Span::current().context();
                *g.lock().unwrap() = Some((
                    cx.span().span_context().trace_id(),
                    d.envelope.traceparent.clone(),
                ));
                Ok(())
            }
        },
        shutdown.clone(),
    ));
    eventually("handled", || {
        let g = got.clone();
        async move { g.lock().unwrap().is_some() }
    })
    .await;
    shutdown.cancel();
    task.await.unwrap().unwrap();

    let (handled_trace, traceparent) = got.lock().unwrap().clone().unwrap();
    assert!(traceparent.unwrap().contains(&sent_trace.to_string()));
    assert_eq!(
        handled_trace, sent_trace,
        "the handler runs in the publisher's trace"
    );
    provider.force_flush().unwrap();
    let spans = exporter.get_finished_spans().unwrap();
    let attr = |s: &opentelemetry_sdk::trace::SpanData, k: &str| {
        s.attributes
            .iter()
            .find(|a| a.key.as_str() == k)
            .map(|a| a.value.to_string())
    };
    let submit = spans.iter().find(|s| s.name == "submit").unwrap();
    // submit → the publish (PRODUCER) → the handling (CONSUMER), one trace.
    let send = spans
        .iter()
        .find(|s| s.name == format!("send {stream}"))
        .unwrap();
    assert_eq!(send.span_kind, opentelemetry::trace::SpanKind::Producer);
    assert_eq!(send.parent_span_id, submit.span_context.span_id());
    let handle = spans
        .iter()
        .find(|s| s.name == format!("process {stream}"))
        .unwrap();
    assert_eq!(handle.span_kind, opentelemetry::trace::SpanKind::Consumer);
    assert_eq!(
        handle.span_context.trace_id(),
        submit.span_context.trace_id()
    );
    assert_eq!(handle.parent_span_id, send.span_context.span_id());
    for (span, operation) in [(send, "send"), (handle, "process")] {
        assert_eq!(attr(span, "messaging.system").as_deref(), Some("redis"));
        assert_eq!(
            attr(span, "messaging.operation.type").as_deref(),
            Some(operation)
        );
        assert_eq!(
            attr(span, "messaging.destination.name").as_deref(),
            Some(stream.as_str())
        );
    }
    assert_eq!(
        attr(handle, "messaging.consumer.group.name").as_deref(),
        Some("expertise")
    );
    assert_eq!(
        attr(handle, "messaging.message.id"),
        attr(send, "messaging.message.id")
    );
}

#[tokio::test]
async fn pending_and_lag_are_sampled_while_a_handler_is_slow() {
    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let stream = topic().stream(0);
    let mut cfg = config("expertise", "pod-a");
    cfg.batch = 1;
    bus.consumer(cfg.clone()).attach().await.unwrap();
    for m in ["a", "b", "c"] {
        bus.publish(&stream, &event(m)).await.unwrap();
    }
    let release = Arc::new(tokio::sync::Notify::new());
    let rel = release.clone();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(bus.consumer(cfg).run(
        move |d: Delivery| {
            let rel = rel.clone();
            async move {
                if marker(&d) == "a" {
                    rel.notified().await;
                }
                Ok(())
            }
        },
        shutdown.clone(),
    ));
    let gauges = |bus: Bus| {
        let stream = stream.clone();
        move || {
            let m = bus.metrics();
            (
                m.pending.with_label_values(&[&stream, "expertise"]).get(),
                m.lag.with_label_values(&[&stream, "expertise"]).get(),
            )
        }
    };
    let read = gauges(bus.clone());
    eventually("one pending, two not delivered", || {
        let v = read();
        async move { v == (1, 2) }
    })
    .await;
    release.notify_one();
    eventually("all handled", || {
        let v = read();
        async move { v == (0, 0) }
    })
    .await;
    shutdown.cancel();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn the_trimmer_keeps_what_a_group_has_not_acknowledged() {
    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let mut conn = bus.connection();
    let stream = topic().stream(0);
    bus.consumer(config("expertise", "pod-a"))
        .attach()
        .await
        .unwrap();
    for i in 0..5 {
        bus.publish(&stream, &event(&format!("t{i}")))
            .await
            .unwrap();
    }
    let shutdown = CancellationToken::new();
    let trimmer = bus.spawn_trimmer(
        topic(),
        Duration::ZERO,
        Duration::from_millis(20),
        shutdown.clone(),
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    let len: usize = conn.xlen(&stream).await.unwrap();
    assert_eq!(len, 5, "nothing delivered yet, nothing trimmed");
    let handled = tokio::spawn(
        bus.consumer(config("expertise", "pod-a"))
            .run(|_d: Delivery| async { Ok(()) }, shutdown.clone()),
    );
    eventually("all acknowledged and trimmed", || {
        let mut c = conn.clone();
        let stream = stream.clone();
        async move { c.xlen::<_, usize>(&stream).await.unwrap() == 0 }
    })
    .await;
    shutdown.cancel();
    trimmer.await.unwrap();
    handled.await.unwrap().unwrap();
}

/// Publishes `markers` on `topic` (each in its partition), then dead-letters them all for
/// group "expertise" (its handler rejects everything); returns the events.
async fn dead_lettered(bus: &Bus, topic: &Topic, markers: &[&str]) -> Vec<Envelope> {
    let mut cfg = config("expertise", "pod-a");
    cfg.topic = topic.clone();
    bus.consumer(cfg.clone()).attach().await.unwrap();
    let mut events = Vec::new();
    for m in markers {
        let e = event(m);
        bus.publish(&topic.stream(topic.partition_of(m)), &e)
            .await
            .unwrap();
        events.push(e);
    }
    let (_, shutdown, task) = spawn_recorder(bus, cfg, |_| {
        Err(HandleError::Reject("the register refused it".into()))
    });
    eventually("every event dead-lettered", || {
        let bus = bus.clone();
        let topic = topic.clone();
        async move {
            bus.count_dead_letters(&topic, "expertise").await.unwrap() == markers.len() as u64
        }
    })
    .await;
    shutdown.cancel();
    task.await.unwrap().unwrap();
    events
}

async fn entry_fields(conn: &mut egov_bus::Conn, stream: &str, id: &str) -> Envelope {
    let r: redis::streams::StreamRangeReply = conn.xrange(stream, id, id).await.unwrap();
    Envelope::from_fields(&r.ids[0].map).unwrap()
}

#[tokio::test]
async fn dead_letters_are_listed_with_reason_group_deliveries_fields_and_id() {
    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let mut conn = bus.connection();
    let stream = topic().stream(0);
    let events = dead_lettered(&bus, &topic(), &["a", "b"]).await;
    // Not an envelope: dead-lettered at once by the next consumer.
    let _: String = conn.xadd(&stream, "*", &[("garbage", "1")]).await.unwrap();
    let (_, shutdown, task) = spawn_recorder(&bus, config("expertise", "pod-a"), |_| Ok(()));
    eventually("three dead letters", || {
        let bus = bus.clone();
        async move { bus.count_dead_letters(&topic(), "expertise").await.unwrap() == 3 }
    })
    .await;
    shutdown.cancel();
    task.await.unwrap().unwrap();

    let all = bus
        .list_dead_letters(&topic(), "expertise", 10)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let originals: redis::streams::StreamRangeReply = conn.xrange_all(&stream).await.unwrap();
    for (letter, event) in all.iter().zip(&events) {
        assert_eq!(letter.partition, 0);
        assert_eq!(letter.qualified_id(), format!("0/{}", letter.id));
        assert_eq!(letter.reason, "the register refused it");
        assert_eq!(letter.group, "expertise");
        assert_eq!(letter.consumer, "pod-a");
        assert_eq!(letter.deliveries, 1);
        assert_eq!(letter.stream, stream);
        assert_eq!(letter.envelope.as_ref(), Some(event));
        assert!(letter.envelope_error.is_none());
        assert!(originals.ids.iter().any(|e| e.id == letter.entry));
        // The original fields, and only those.
        let names: Vec<&str> = letter.fields.iter().map(|(k, _)| k.as_str()).collect();
        let mut expected: Vec<&str> = event.fields().iter().map(|(k, _)| *k).collect();
        expected.sort();
        assert_eq!(names, expected);
    }
    let malformed = &all[2];
    assert!(malformed.envelope.is_none());
    assert!(
        malformed.reason.contains("malformed envelope"),
        "{}",
        malformed.reason
    );
    assert!(malformed.envelope_error.is_some());
    assert_eq!(
        malformed.fields,
        vec![("garbage".to_owned(), b"1".to_vec())]
    );

    // Oldest first, at most the limit.
    let two = bus
        .list_dead_letters(&topic(), "expertise", 2)
        .await
        .unwrap();
    let ids: Vec<&str> = two.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, vec![all[0].id.as_str(), all[1].id.as_str()]);
    // Another group has none.
    assert!(
        bus.list_dead_letters(&topic(), "catalog", 10)
            .await
            .unwrap()
            .is_empty()
    );
    let one = bus
        .dead_letter(&topic(), "expertise", 0, &all[1].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one.envelope.as_ref(), Some(&events[1]));
}

#[tokio::test]
async fn a_redrive_puts_the_event_back_on_its_partition_once_and_clears_the_groups_mark() {
    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let mut conn = bus.connection();
    let stream = topic().stream(0);
    let events = dead_lettered(&bus, &topic(), &["x", "y"]).await;
    let letters = bus
        .list_dead_letters(&topic(), "expertise", 10)
        .await
        .unwrap();
    // A copy of x published again went through meanwhile: the group holds a mark for x.
    let mark = topic().seen(0, "expertise", &events[0].id.to_string());
    let _: () = conn.set(&mark, 1).await.unwrap();
    let other_mark = topic().seen(0, "catalog", &events[0].id.to_string());
    let _: () = conn.set(&other_mark, 1).await.unwrap();

    let done = bus
        .redrive(&topic(), "expertise", 0, &letters[0].id)
        .await
        .unwrap()
        .expect("re-driven");
    assert_eq!(done.partition, 0);
    assert_eq!(done.stream, stream);
    assert_eq!(done.dead_letter, letters[0].id);
    assert_eq!(done.event, Some(events[0].id.to_string()));
    assert_eq!(
        entry_fields(&mut conn, &stream, &done.entry).await,
        events[0]
    );
    assert!(
        !conn.exists::<_, bool>(&mark).await.unwrap(),
        "the group handles it again"
    );
    assert!(
        conn.exists::<_, bool>(&other_mark).await.unwrap(),
        "other groups keep theirs"
    );
    let left = bus
        .list_dead_letters(&topic(), "expertise", 10)
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, letters[1].id);

    // Twice: nothing more is published.
    assert_eq!(
        bus.redrive(&topic(), "expertise", 0, &letters[0].id)
            .await
            .unwrap(),
        None
    );
    assert_eq!(conn.xlen::<_, usize>(&stream).await.unwrap(), 3);
    // Twice at once: one of them re-drives.
    let t = topic();
    let (a, b) = tokio::join!(
        bus.redrive(&t, "expertise", 0, &letters[1].id),
        bus.redrive(&t, "expertise", 0, &letters[1].id)
    );
    assert_eq!(
        [a.unwrap(), b.unwrap()].iter().flatten().count(),
        1,
        "re-driven exactly once"
    );
    assert_eq!(conn.xlen::<_, usize>(&stream).await.unwrap(), 4);
    assert_eq!(
        bus.count_dead_letters(&topic(), "expertise").await.unwrap(),
        0
    );
    // An unknown id is no dead letter.
    assert_eq!(
        bus.redrive(&topic(), "expertise", 0, "1-0").await.unwrap(),
        None
    );
}

#[tokio::test]
async fn redrive_all_puts_every_dead_letter_back_on_its_own_partition() {
    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let mut conn = bus.connection();
    let topic = Topic::new("intake", 2);
    // Markers of both partitions.
    let markers: Vec<String> = (0..40).map(|i| format!("m{i}")).collect();
    let pick: Vec<&str> = [0u16, 1]
        .iter()
        .flat_map(|p| {
            markers
                .iter()
                .filter(|m| topic.partition_of(m) == *p)
                .take(2)
                .map(String::as_str)
        })
        .collect();
    assert_eq!(pick.len(), 4);
    let events = dead_lettered(&bus, &topic, &pick).await;
    let listed = bus
        .list_dead_letters(&topic, "expertise", 10)
        .await
        .unwrap();
    assert_eq!(listed.len(), 4);
    assert_eq!(
        listed.iter().filter(|l| l.partition == 1).count(),
        2,
        "both partitions listed"
    );

    let done = bus.redrive_all(&topic, "expertise").await.unwrap();
    assert_eq!(done.len(), 4);
    for (m, e) in pick.iter().zip(&events) {
        let r = done
            .iter()
            .find(|r| r.event == Some(e.id.to_string()))
            .unwrap();
        let p = topic.partition_of(m);
        assert_eq!(
            (r.partition, r.stream.as_str()),
            (p, topic.stream(p).as_str())
        );
        assert_eq!(entry_fields(&mut conn, &r.stream, &r.entry).await, *e);
    }
    assert_eq!(
        bus.count_dead_letters(&topic, "expertise").await.unwrap(),
        0
    );
    assert!(
        bus.redrive_all(&topic, "expertise")
            .await
            .unwrap()
            .is_empty()
    );
    for p in 0..2 {
        assert_eq!(conn.xlen::<_, usize>(topic.stream(p)).await.unwrap(), 4);
    }

    // The group handles each once.
    let mut cfg = config("expertise", "pod-a");
    cfg.topic = topic.clone();
    let (seen, shutdown, task) = spawn_recorder(&bus, cfg, |_| Ok(()));
    let mut n = count(&seen);
    eventually("four handled", || {
        let n = n();
        async move { n.await == 4 }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    shutdown.cancel();
    task.await.unwrap().unwrap();
    let mut handled: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(m, _)| m.clone())
        .collect();
    handled.sort();
    let mut want: Vec<String> = pick.iter().map(|m| (*m).to_owned()).collect();
    want.sort();
    assert_eq!(handled, want);
}

#[tokio::test]
async fn a_redriven_poison_entry_is_handled_once_it_is_fixed_and_other_groups_skip_it() {
    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let mut conn = bus.connection();
    let stream = topic().stream(0);
    bus.consumer(config("expertise", "pod-a"))
        .attach()
        .await
        .unwrap();
    bus.consumer(config("catalog", "pod-a"))
        .attach()
        .await
        .unwrap();
    bus.publish(&stream, &event("poison")).await.unwrap();
    bus.publish(&stream, &event("fine")).await.unwrap();

    let broken = Arc::new(AtomicBool::new(true));
    let b = broken.clone();
    let (seen, shutdown, task) = spawn_recorder(&bus, config("expertise", "pod-a"), move |m| {
        if m == "poison" && b.load(Ordering::SeqCst) {
            Err(HandleError::Retry("register unavailable".into()))
        } else {
            Ok(())
        }
    });
    // Another group on the same topic handles everything the first time.
    let (other, other_shutdown, other_task) =
        spawn_recorder(&bus, config("catalog", "pod-a"), |_| Ok(()));
    eventually("poison dead-lettered", || {
        let bus = bus.clone();
        async move { bus.count_dead_letters(&topic(), "expertise").await.unwrap() == 1 }
    })
    .await;

    // The register is fixed; the operator re-drives.
    broken.store(false, Ordering::SeqCst);
    let done = bus.redrive_all(&topic(), "expertise").await.unwrap();
    assert_eq!(done.len(), 1);
    eventually("poison handled", || {
        let seen = seen.clone();
        async move {
            seen.lock()
                .unwrap()
                .iter()
                .filter(|(m, _)| m == "poison")
                .count()
                == 4
        }
    })
    .await;
    let dup = || handled(&bus, "catalog", "duplicate");
    eventually("catalog skipped the re-driven entry", || {
        let d = dup();
        async move { d == 1 }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    shutdown.cancel();
    other_shutdown.cancel();
    task.await.unwrap().unwrap();
    other_task.await.unwrap().unwrap();

    let seen = seen.lock().unwrap().clone();
    let poison: Vec<u32> = seen
        .iter()
        .filter(|(m, _)| m == "poison")
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(
        poison,
        vec![1, 2, 3, 1],
        "three failed deliveries, then the re-driven entry once"
    );
    assert_eq!(seen.iter().filter(|(m, _)| m == "fine").count(), 1);
    assert_eq!(
        handled(&bus, "expertise", "ok"),
        2,
        "fine, then poison once fixed"
    );
    let other = other.lock().unwrap().clone();
    assert_eq!(
        other.iter().filter(|(m, _)| m == "poison").count(),
        1,
        "the other group handled it once: its mark skips the re-driven entry"
    );
    assert_eq!(
        bus.count_dead_letters(&topic(), "expertise").await.unwrap(),
        0
    );
    assert_eq!(pending(&mut conn, "expertise").await, 0);
    assert_eq!(pending(&mut conn, "catalog").await, 0);
}

#[tokio::test]
async fn events_published_before_a_group_exists_are_all_delivered_when_it_first_attaches() {
    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let stream = topic().stream(0);
    // The service had no handlers (no group) while these were published.
    for m in ["b1", "b2", "b3"] {
        bus.publish(&stream, &event(m)).await.unwrap();
    }
    let (seen, shutdown, task) = spawn_recorder(&bus, config("tender", "pod-a"), |_| Ok(()));
    let mut n = count(&seen);
    eventually("three handled", || {
        let n = n();
        async move { n.await == 3 }
    })
    .await;
    shutdown.cancel();
    task.await.unwrap().unwrap();
    let order: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(m, _)| m.clone())
        .collect();
    assert_eq!(order, vec!["b1", "b2", "b3"]);

    // Attaching again keeps the group's position: only what came since is delivered.
    bus.publish(&stream, &event("a1")).await.unwrap();
    bus.consumer(config("tender", "pod-a"))
        .attach()
        .await
        .unwrap();
    let (seen, shutdown, task) = spawn_recorder(&bus, config("tender", "pod-a"), |_| Ok(()));
    let mut n = count(&seen);
    eventually("one handled", || {
        let n = n();
        async move { n.await == 1 }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    shutdown.cancel();
    task.await.unwrap().unwrap();
    assert_eq!(
        seen.lock().unwrap().clone(),
        vec![("a1".to_owned(), 1)],
        "nothing delivered twice"
    );
}

/// A handler that cannot go on until something outside the entry changes (a variant revision
/// not loaded) waits: the entry stays pending and owned, comes back every `max_backoff`, never
/// counts toward `max_deliveries` nor goes to the dead letters, and entries behind it pass.
#[tokio::test]
async fn a_waiting_entry_is_never_dead_lettered_and_is_handled_once_it_can_be() {
    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let mut conn = bus.connection();
    let stream = topic().stream(0);
    bus.consumer(config("expertise", "pod-a"))
        .attach()
        .await
        .unwrap();
    bus.publish(&stream, &event("waiting")).await.unwrap();
    bus.publish(&stream, &event("b")).await.unwrap();
    let tries = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t = tries.clone();
    // Ten tries at 80 ms: past max_deliveries (3) and past claim_idle (400 ms).
    let (seen, shutdown, task) = spawn_recorder(&bus, config("expertise", "pod-a"), move |m| {
        if m == "waiting" && t.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 10 {
            Err(HandleError::Wait("variant revision not loaded".into()))
        } else {
            Ok(())
        }
    });
    eventually("the waiting entry handled", || {
        let seen = seen.clone();
        async move {
            seen.lock()
                .unwrap()
                .iter()
                .filter(|(m, _)| m == "waiting")
                .count()
                == 11
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    shutdown.cancel();
    task.await.unwrap().unwrap();
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .filter(|(m, _)| m == "waiting")
            .all(|(_, n)| *n == 1),
        "a wait is not a delivery: {seen:?}"
    );
    assert_eq!(seen.iter().filter(|(m, _)| m == "b").count(), 1);
    let pos = |m: &str| seen.iter().position(|(x, _)| x == m).unwrap();
    assert!(pos("b") < seen.iter().rposition(|(x, _)| x == "waiting").unwrap());
    let dlq = topic().dead_letters(0, "expertise");
    assert!(bus.dead_letters(&dlq).await.unwrap().is_empty());
    assert_eq!(pending(&mut conn, "expertise").await, 0);
}

/// Entries read together are not held back by each other's acknowledgement: whether each was
/// handled before is asked once for all of them, and a handled entry's mark and `XACK` are
/// answered while the next one is handled. Here the first handler pauses Redis's writes for
/// 600 ms (its acknowledgement waits that long): the entries after it are handled meanwhile,
/// and everything is acknowledged once, after the pause. A copy of an event in the same read
/// is handled once.
#[tokio::test]
async fn entries_read_together_are_not_held_back_by_each_others_acknowledgement() {
    // A server of its own: the pause holds every writer of the server.
    let r = egov_testkit::redis_own();
    let bus = bus(&r.url).await;
    let stream = topic().stream(0);
    let twice = event("twice");
    for e in [
        event("first"),
        event("second"),
        twice.clone(),
        event("third"),
        twice,
    ] {
        bus.publish(&stream, &e).await.unwrap();
    }
    let pauser = redis::Client::open(r.url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let seen: Arc<Mutex<Vec<(String, tokio::time::Instant)>>> = Arc::default();
    let shutdown = CancellationToken::new();
    let consumer = bus.consumer(config("expertise", "c1"));
    let handler = {
        let seen = seen.clone();
        move |d: Delivery| {
            let (seen, mut pauser) = (seen.clone(), pauser.clone());
            async move {
                let m = marker(&d);
                if m == "first" {
                    let _: () = redis::cmd("CLIENT")
                        .arg("PAUSE")
                        .arg(600)
                        .arg("WRITE")
                        .query_async(&mut pauser)
                        .await
                        .unwrap();
                }
                seen.lock().unwrap().push((m, tokio::time::Instant::now()));
                Ok(())
            }
        }
    };
    let task = tokio::spawn(consumer.run(handler, shutdown.clone()));
    let mut conn = bus.connection();
    eventually("every entry acknowledged", || {
        let mut conn = conn.clone();
        let seen = seen.clone();
        async move { seen.lock().unwrap().len() >= 4 && pending(&mut conn, "expertise").await == 0 }
    })
    .await;
    shutdown.cancel();
    task.await.unwrap().unwrap();
    let seen = seen.lock().unwrap().clone();
    let markers: Vec<&str> = seen.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(markers, ["first", "second", "twice", "third"]);
    let held = seen[3].1 - seen[0].1;
    assert!(
        held < Duration::from_millis(300),
        "the entries after the first waited {held:?} for its acknowledgement"
    );
    let info: redis::streams::StreamInfoGroupsReply = conn.xinfo_groups(&stream).await.unwrap();
    assert_eq!(info.groups[0].pending, 0);
    assert_eq!(info.groups[0].entries_read, Some(5));
}

#[tokio::test]
async fn entries_a_group_does_not_want_are_acknowledged_without_a_mark_or_a_call() {
    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let stream = topic().stream(0);
    let skipped = event("not-ours");
    for e in [event("a"), skipped.clone(), event("b")] {
        bus.publish(&stream, &e).await.unwrap();
    }
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let handler = {
        let seen = seen.clone();
        egov_bus::only(
            |e: &Envelope| e.case.as_deref() != Some("not-ours"),
            move |d: Delivery| {
                seen.lock().unwrap().push(marker(&d));
                std::future::ready(Ok(()))
            },
        )
    };
    let (shutdown, task) = spawn(&bus, config("catalog", "c1"), handler);
    let mut conn = bus.connection();
    eventually("every entry acknowledged", || {
        let mut conn = conn.clone();
        let seen = seen.clone();
        async move { seen.lock().unwrap().len() == 2 && pending(&mut conn, "catalog").await == 0 }
    })
    .await;
    shutdown.cancel();
    task.await.unwrap().unwrap();
    assert_eq!(*seen.lock().unwrap(), ["a", "b"]);
    let count = |outcome: &str| handled(&bus, "catalog", outcome);
    assert_eq!((count("ok"), count("skipped")), (2, 1));
    // Nothing is remembered of the skipped entry; the handled ones are marked.
    let marked = |e: &Envelope| topic().seen(0, "catalog", &e.id.to_string());
    let skipped_mark: bool = conn.exists(marked(&skipped)).await.unwrap();
    assert!(!skipped_mark, "a skipped entry got a handled mark");
    let info: redis::streams::StreamInfoGroupsReply = conn.xinfo_groups(&stream).await.unwrap();
    assert_eq!(
        (info.groups[0].pending, info.groups[0].entries_read),
        (0, Some(3))
    );
    let marks: Vec<String> = conn.keys("egov:{intake.0}:seen:catalog:*").await.unwrap();
    assert_eq!(marks.len(), 2, "one mark per handled entry: {marks:?}");
}

#[tokio::test]
async fn a_per_case_group_handles_cases_at_once_and_each_cases_events_in_stream_order() {
    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let stream = topic().stream(0);
    // `C.task` is an aggregate of case C (a task): it follows C's own event.
    for m in ["A", "B", "A.task", "B.task"] {
        bus.publish(&stream, &event(m)).await.unwrap();
    }
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let b_started = Arc::new(tokio::sync::Notify::new());
    let handler = {
        let (log, b_started) = (log.clone(), b_started.clone());
        egov_bus::only(
            |_: &Envelope| true,
            move |d: Delivery| {
                let (log, b_started) = (log.clone(), b_started.clone());
                async move {
                    let m = marker(&d);
                    log.lock().unwrap().push(format!("start {m}"));
                    match m.as_str() {
                        // Handled one after another, A would wait here for ever.
                        "A" => {
                            let waited =
                                tokio::time::timeout(Duration::from_secs(5), b_started.notified())
                                    .await;
                            if waited.is_err() {
                                log.lock().unwrap().push("A gave up waiting for B".into());
                            }
                        }
                        "B" => b_started.notify_one(),
                        _ => {}
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    log.lock().unwrap().push(format!("end {m}"));
                    Ok(())
                }
            },
        )
        .per_case()
    };
    let (shutdown, task) = spawn(&bus, config("expertise", "c1"), handler);
    let conn = bus.connection();
    eventually("every entry handled and acknowledged", || {
        let mut conn = conn.clone();
        let log = log.clone();
        async move { log.lock().unwrap().len() >= 8 && pending(&mut conn, "expertise").await == 0 }
    })
    .await;
    shutdown.cancel();
    task.await.unwrap().unwrap();
    let log = log.lock().unwrap().clone();
    let at = |what: &str| log.iter().position(|l| l == what).unwrap();
    assert!(
        at("start B") < at("end A") && !log.iter().any(|l| l.contains("gave up")),
        "cases were not handled at once: {log:?}"
    );
    for case in ["A", "B"] {
        assert!(
            at(&format!("end {case}")) < at(&format!("start {case}.task")),
            "{case}'s task event was handled before {case}'s own had finished: {log:?}"
        );
    }
    assert_eq!(handled(&bus, "expertise", "ok"), 4);
}

#[tokio::test]
async fn entries_done_early_in_a_read_with_a_slow_one_are_not_reclaimed_while_it_runs() {
    let r = egov_testkit::redis().await;
    let bus = bus(&r.url).await;
    let stream = topic().stream(0);
    bus.consumer(config("expertise", "pod-a"))
        .attach()
        .await
        .unwrap();
    // One read: `fast` is done at once, `slow` (another case) takes three times `claim_idle`.
    for m in ["fast", "slow"] {
        bus.publish(&stream, &event(m)).await.unwrap();
    }
    let handled: Seen = Arc::default();
    let handler = {
        let handled = handled.clone();
        egov_bus::only(
            |_: &Envelope| true,
            move |d: Delivery| {
                let handled = handled.clone();
                async move {
                    let m = marker(&d);
                    if m == "slow" {
                        tokio::time::sleep(Duration::from_millis(1200)).await;
                    }
                    handled.lock().unwrap().push((m, d.deliveries));
                    Ok(())
                }
            },
        )
        .per_case()
    };
    let (shutdown_a, task_a) = spawn(&bus, config("expertise", "pod-a"), handler);
    let mut n = count(&handled);
    eventually("pod-a handled fast", || {
        let n = n();
        async move { n.await == 1 }
    })
    .await;
    // pod-b runs beside pod-a and reclaims whatever looks idle past `claim_idle`.
    let (stolen, shutdown_b, task_b) =
        spawn_recorder(&bus, config("expertise", "pod-b"), |_| Ok(()));
    let conn = bus.connection();
    eventually("both handled and acknowledged", || {
        let mut conn = conn.clone();
        let handled = handled.clone();
        async move {
            handled.lock().unwrap().len() == 2 && pending(&mut conn, "expertise").await == 0
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    shutdown_a.cancel();
    shutdown_b.cancel();
    task_a.await.unwrap().unwrap();
    task_b.await.unwrap().unwrap();
    assert!(
        stolen.lock().unwrap().is_empty(),
        "pod-b took entries pod-a was still answerable for: {:?}",
        stolen.lock().unwrap()
    );
    assert_eq!(
        *handled.lock().unwrap(),
        [("fast".to_owned(), 1), ("slow".to_owned(), 1)]
    );
}
