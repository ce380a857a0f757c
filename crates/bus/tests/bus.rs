//! The bus against a real Redis: reclaim after a kill, dead letters, pending first, dedup,
//! trimming, trace context.

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

type Seen = Arc<Mutex<Vec<(String, u32)>>>;

/// Runs a consumer whose handler records (marker, deliveries) and answers with `outcome`.
fn spawn_recorder(
    bus: &Bus,
    cfg: ConsumerConfig,
    outcome: fn(&str) -> Result<(), HandleError>,
) -> (
    Seen,
    CancellationToken,
    tokio::task::JoinHandle<Result<(), egov_bus::BusError>>,
) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(bus.consumer(cfg).run(
        move |d: Delivery| {
            let s = s.clone();
            async move {
                let m = marker(&d);
                s.lock().unwrap().push((m.clone(), d.deliveries));
                outcome(&m)
            }
        },
        shutdown.clone(),
    ));
    (seen, shutdown, task)
}

fn count(seen: &Seen) -> impl FnMut() -> std::future::Ready<usize> + use<> {
    let seen = seen.clone();
    move || std::future::ready(seen.lock().unwrap().len())
}

async fn pending(conn: &mut redis::aio::ConnectionManager, group: &str) -> usize {
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
    let dup = bus
        .metrics()
        .handled
        .with_label_values(&[&stream, "expertise", "duplicate"])
        .get();
    assert_eq!(dup, 1);
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
    let submit = spans.iter().find(|s| s.name == "submit").unwrap();
    let handle = spans.iter().find(|s| s.name == "bus.handle").unwrap();
    assert_eq!(
        handle.span_context.trace_id(),
        submit.span_context.trace_id()
    );
    assert_eq!(handle.parent_span_id, submit.span_context.span_id());
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
