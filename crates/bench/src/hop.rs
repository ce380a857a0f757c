//! The event hop (P2): an event published by one service and handled by another, at a steady
//! rate (`--rate`, default 1,000 events/s, for `--seconds`), with the handler's own work
//! excluded: the handler does nothing but note the instant it was called. Goal: p99 < 5 ms.
//!
//! - The publisher (this process) calls the real [`egov_bus::Bus::publish`] of an
//!   [`egov_bus::Envelope`] (a `DeadlineApproaching`, the size of a real one) onto a partition
//!   of a topic (`egov:{hop.0}:events`). Publishes are paced open-loop: publish `i` starts at
//!   its slot `t0 + i/rate` in a task of its own, whatever the earlier ones are doing, so a slow
//!   `XADD` cannot delay (and hide) the ones after it (coordinated omission). The instant the
//!   publish starts (CLOCK_REALTIME, µs) travels in the event itself (the message's `rule` field
//!   reads `hop <seq> <µs>`), so the consumer needs nothing from the publisher.
//! - The consumer is "another service": this binary again, as a child process
//!   (`egov-bench hop-consumer`), on a multi-threaded runtime of two workers as a service runs,
//!   with a real [`egov_bus::Consumer`] (consumer group, the services' default
//!   [`egov_bus::ConsumerConfig`]). Its handler notes the wall clock first thing; the latency is
//!   that instant less the publish's start. It writes every latency, by sequence number, to its
//!   stdout when it has seen every event (and half a second more, for duplicates).
//! - Baseline, in the same run, on the same Redis, at the same rate: a bare `XADD` of one field
//!   (`<seq> <µs>`, no envelope, no bus) and, in another child process, a bare consumer-group
//!   loop (`XREADGROUP … COUNT 8 BLOCK 0`, then `XACK` of what it read; redis-rs, no bus).
//!
//! What the bus consumer does between the `XADD` and the handler's call (crates/bus,
//! consumer.rs): its partition task sits in `XREADGROUP … COUNT 8 BLOCK 2000` on a connection of
//! its own (woken by the `XADD`, so the block's length adds nothing), parses the envelopes, asks
//! whether their events were handled before (the dedup marks: one pipelined `EXISTS` round trip
//! for the whole read), opens the `bus.handle` span (the trace context parsed from the entry)
//! and calls the handler. A handled entry's mark and `XACK` (one `MULTI`) go out without being
//! waited for: they are answered while the next entry is handled or the next read waits. The
//! heartbeat only ticks for a handler slower than a third of `claim_idle` (20 s); `XAUTOCLAIM` of
//! stale entries runs every 15 s. Before this bench, each entry of a read cost its own `EXISTS`
//! and its own awaited `MULTI`, so the eighth entry of a read waited 15 round trips, and a
//! consumer behind (a slow moment of the machine) caught up one entry per two round trips.
//!
//! Every event must be handled exactly once (counted by sequence number): a lost or duplicated
//! event fails the run, `--short` (2 s, `make test`) included. No timing goal is asserted.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use egov_bus::{Bus, BusMetrics, ConsumerConfig, Delivery, Envelope, Topic};
use egov_events::v1::{Deadline, DeadlineApproaching};
use redis::AsyncCommands;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_util::sync::CancellationToken;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Events published per second.
    #[arg(long, default_value_t = 1_000)]
    rate: u32,
    /// How long each measurement publishes.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// A quick run (2 s per measurement) that still fails when an event is lost or handled
    /// twice; no timing goal is checked.
    #[arg(long)]
    short: bool,
    /// Redis fsync policy.
    #[arg(long, default_value = "everysec")]
    fsync: String,
}

/// Which consumer a child process runs.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The bus's `Consumer` of the topic's envelopes.
    Bus,
    /// A bare `XREADGROUP BLOCK 0` loop of the bare entries.
    Raw,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Bus => "bus",
            Mode::Raw => "raw",
        }
    }
}

/// `egov-bench hop-consumer`: the consuming service of [`run`] (not for people).
#[derive(clap::Args, Debug)]
pub(crate) struct ConsumerArgs {
    /// Redis.
    #[arg(long)]
    redis_url: String,
    /// The consumer.
    #[arg(long, value_enum)]
    mode: Mode,
    /// The topic read (one partition).
    #[arg(long)]
    topic: String,
    /// Events to wait for (sequence numbers `0..expect`).
    #[arg(long)]
    expect: usize,
    /// Give up after this long.
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,
}

/// The group both consumers read in.
const GROUP: &str = "hop";
/// How long a consumer that has seen every event keeps reading, to catch duplicates.
const GRACE: Duration = Duration::from_millis(500);

/// Microseconds since the epoch (CLOCK_REALTIME): comparable between processes.
fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// CPU time this process has used (user and system, all threads), from `/proc/self/stat`;
/// zero where there is none.
pub(crate) fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // After the command's closing parenthesis: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<u64>().ok())
        .sum();
    // USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

/// What a consumer saw: the latency of each sequence number (µs), duplicates, strangers.
struct Seen {
    lat: Vec<Option<i64>>,
    distinct: usize,
    duplicates: usize,
    unknown: usize,
}

impl Seen {
    fn new(expect: usize) -> Self {
        Self {
            lat: vec![None; expect],
            distinct: 0,
            duplicates: 0,
            unknown: 0,
        }
    }

    /// Notes `text` (`<seq> <publish µs>`) handled at `at` µs.
    fn note(&mut self, text: &str, at: i64) {
        let mut parts = text.split(' ');
        let (Some(seq), Some(sent)) = (
            parts.next().and_then(|s| s.parse::<usize>().ok()),
            parts.next().and_then(|s| s.parse::<i64>().ok()),
        ) else {
            self.unknown += 1;
            return;
        };
        match self.lat.get_mut(seq) {
            None => self.unknown += 1,
            Some(Some(_)) => self.duplicates += 1,
            Some(slot) => {
                *slot = Some(at - sent);
                self.distinct += 1;
            }
        }
    }

    fn report(&self, cpu: Duration) -> Value {
        json!({
            "cpu_us": cpu.as_micros() as u64,
            "distinct": self.distinct,
            "duplicates": self.duplicates,
            "unknown": self.unknown,
            "lat_us": self.lat.iter().map(|l| l.unwrap_or(-1)).collect::<Vec<_>>(),
        })
    }
}

/// The bus's event of publish `seq` started at `at_us`.
fn hop_event(seq: usize, at_us: i64) -> Envelope {
    let case = ulid::Ulid::new().to_string();
    let msg = DeadlineApproaching {
        deadline: Some(Deadline {
            case_id: case.clone(),
            step: "ab-check".into(),
            rule: format!("{seq} {at_us}"),
            last_day: "2026-03-31".into(),
            ends_at: "2026-04-01T00:00:00+05:00".into(),
            provisional: false,
            role: "authorized-body".into(),
        }),
    };
    Envelope::new("bench", &msg, jiff::Timestamp::now()).with_case(case)
}

/// The child process: runs one consumer until it saw `expect` events (plus [`GRACE`]), then
/// prints what it saw as one JSON line. On a multi-threaded runtime of two workers (a
/// service's), on a thread of its own.
pub(crate) fn consume(args: ConsumerArgs) -> anyhow::Result<()> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        rt.block_on(async move {
            let (seen, cpu) = match args.mode {
                Mode::Bus => consume_bus(&args).await?,
                Mode::Raw => consume_raw(&args).await?,
            };
            println!("{}", seen.report(cpu));
            anyhow::Ok(())
        })
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the consumer's thread panicked"))?
}

async fn consume_bus(args: &ConsumerArgs) -> anyhow::Result<(Seen, Duration)> {
    let client = redis::Client::open(args.redis_url.as_str())?;
    let bus = Bus::new(client, BusMetrics::unregistered()).await?;
    let topic = Topic::new(args.topic.clone(), 1);
    let consumer = bus.consumer(ConsumerConfig::new(topic, GROUP, "hop-1"));
    consumer.attach().await?;
    let seen = Arc::new(Mutex::new(Seen::new(args.expect)));
    let handler = {
        let seen = seen.clone();
        move |d: Delivery| {
            // The handler's whole work: the instant it was called.
            let at = now_us();
            let seen = seen.clone();
            async move {
                let text = d
                    .envelope
                    .decode::<DeadlineApproaching>()
                    .ok()
                    .and_then(|m| m.deadline)
                    .map(|d| d.rule)
                    .unwrap_or_default();
                seen.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .note(&text, at);
                Ok(())
            }
        }
    };
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(consumer.run(handler, shutdown.clone()));
    println!("ready");
    let cpu = cpu_time();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(args.timeout_secs);
    loop {
        let done = seen.lock().unwrap_or_else(|e| e.into_inner()).distinct >= args.expect;
        if done {
            tokio::time::sleep(GRACE).await;
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let cpu = cpu_time().saturating_sub(cpu);
    shutdown.cancel();
    running.await??;
    let seen = std::mem::replace(
        &mut *seen.lock().unwrap_or_else(|e| e.into_inner()),
        Seen::new(0),
    );
    Ok((seen, cpu))
}

async fn consume_raw(args: &ConsumerArgs) -> anyhow::Result<(Seen, Duration)> {
    let client = redis::Client::open(args.redis_url.as_str())?;
    let cfg = redis::AsyncConnectionConfig::new().set_response_timeout(None);
    let mut conn = client
        .get_multiplexed_async_connection_with_config(&cfg)
        .await?;
    let stream = Topic::new(args.topic.clone(), 1).stream(0);
    let created: redis::RedisResult<()> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&stream)
        .arg(GROUP)
        .arg("0")
        .arg("MKSTREAM")
        .query_async(&mut conn)
        .await;
    if let Err(e) = created
        && e.code() != Some("BUSYGROUP")
    {
        return Err(e.into());
    }
    let mut seen = Seen::new(args.expect);
    println!("ready");
    let cpu = cpu_time();
    let mut deadline = tokio::time::Instant::now() + Duration::from_secs(args.timeout_secs);
    loop {
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP")
            .arg(GROUP)
            .arg("hop-1")
            .arg("COUNT")
            .arg(8)
            .arg("BLOCK")
            .arg(0)
            .arg("STREAMS")
            .arg(&stream)
            .arg(">");
        let read = cmd.query_async::<Option<redis::streams::StreamReadReply>>(&mut conn);
        let reply = tokio::select! {
            r = read => r?,
            _ = tokio::time::sleep_until(deadline) => break,
        };
        let mut ids = Vec::new();
        for e in reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids) {
            let at = now_us();
            let text = e.get::<String>("t").unwrap_or_default();
            seen.note(&text, at);
            ids.push(e.id);
        }
        if !ids.is_empty() {
            let _: i64 = conn.xack(&stream, GROUP, &ids).await?;
        }
        if seen.distinct >= args.expect {
            deadline = deadline.min(tokio::time::Instant::now() + GRACE);
        }
    }
    Ok((seen, cpu_time().saturating_sub(cpu)))
}

/// One measurement's figures.
struct Measured {
    name: &'static str,
    published: usize,
    distinct: usize,
    duplicates: usize,
    unknown: usize,
    /// Latencies (µs) of the events after the warm-up, sorted.
    lat: Vec<i64>,
    /// How late publishes started after their slot (µs), sorted.
    late: Vec<i64>,
    /// CPU time of the publishing process while it published.
    publisher_cpu: Duration,
    /// CPU time of the consuming process from its start of reading to its report.
    consumer_cpu: Duration,
}

fn pct(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn ms(us: i64) -> String {
    format!("{:.2} ms", us as f64 / 1e3)
}

/// Publishes `n` events at `rate` while a child process of `mode` consumes them.
async fn measure(
    name: &'static str,
    mode: Mode,
    url: &str,
    topic: &str,
    rate: u32,
    n: usize,
    warmup: usize,
) -> anyhow::Result<Measured> {
    let exe = std::env::current_exe()?;
    let mut child = tokio::process::Command::new(exe)
        .args(["hop-consumer", "--redis-url", url, "--mode", mode.as_str()])
        .args(["--topic", topic, "--expect", &n.to_string()])
        .args([
            "--timeout-secs",
            &(n as u64 / u64::from(rate.max(1)) + 60).to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .context("starting the consumer process")?;
    let mut lines = BufReader::new(child.stdout.take().context("the child's stdout")?).lines();
    match tokio::time::timeout(Duration::from_secs(60), lines.next_line()).await {
        Ok(Ok(Some(l))) if l == "ready" => {}
        other => bail!("the {mode:?} consumer did not start: {other:?}"),
    }
    // Its read is under way a moment after it says so.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let client = redis::Client::open(url)?;
    let bus = Bus::new(client.clone(), BusMetrics::unregistered()).await?;
    let conn = egov_bus::connect(&client).await?;
    let topic = Topic::new(topic.to_owned(), 1);
    let stream = topic.stream(0);
    let period = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let cpu = cpu_time();
    let t0 = tokio::time::Instant::now() + Duration::from_millis(20);
    let mut tasks = tokio::task::JoinSet::new();
    let mut late = Vec::with_capacity(n);
    for i in 0..n {
        let slot = t0 + period.mul_f64(i as f64);
        tokio::time::sleep_until(slot).await;
        let (bus, mut conn, stream) = (bus.clone(), conn.clone(), stream.clone());
        tasks.spawn(async move {
            let late = tokio::time::Instant::now().saturating_duration_since(slot);
            let at = now_us();
            match mode {
                Mode::Bus => {
                    bus.publish(&stream, &hop_event(i, at)).await?;
                }
                Mode::Raw => {
                    let _: String = conn
                        .xadd(&stream, "*", &[("t", format!("{i} {at}"))])
                        .await?;
                }
            }
            anyhow::Ok(late.as_micros() as i64)
        });
        while let Some(r) = tasks.try_join_next() {
            late.push(r??);
        }
    }
    while let Some(r) = tasks.join_next().await {
        late.push(r??);
    }
    let publisher_cpu = cpu_time().saturating_sub(cpu);
    late.sort_unstable();

    let line = tokio::time::timeout(Duration::from_secs(120), lines.next_line())
        .await
        .context("the consumer did not report")??
        .context("the consumer ended without a report")?;
    let status = child.wait().await?;
    anyhow::ensure!(status.success(), "the {mode:?} consumer failed: {status}");
    let r: Value = serde_json::from_str(&line).context("the consumer's report")?;
    let num = |k: &str| r[k].as_u64().unwrap_or(u64::MAX) as usize;
    let mut lat: Vec<i64> = r["lat_us"]
        .as_array()
        .map(|a| {
            a.iter()
                .skip(warmup)
                .filter_map(Value::as_i64)
                .filter(|l| *l >= 0)
                .collect()
        })
        .unwrap_or_default();
    lat.sort_unstable();
    Ok(Measured {
        name,
        published: n,
        distinct: num("distinct"),
        duplicates: num("duplicates"),
        unknown: num("unknown"),
        lat,
        late,
        publisher_cpu,
        consumer_cpu: Duration::from_micros(r["cpu_us"].as_u64().unwrap_or(0)),
    })
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let seconds = if args.short { 2 } else { args.seconds };
    let rate = args.rate.max(1);
    let n = (u64::from(rate) * seconds) as usize;
    // The first half second (connections, caches) is counted but not timed.
    let warmup = (rate as usize / 2).min(n / 4);
    let server = egov_testkit::RedisServer::start_with(&["--appendfsync", &args.fsync]);
    let url = server.url();

    let raw = measure(
        "bare XADD → XREADGROUP BLOCK 0 loop + XACK (baseline)",
        Mode::Raw,
        &url,
        "hopraw",
        rate,
        n,
        warmup,
    )
    .await?;
    let bus = measure(
        "Bus::publish → bus Consumer's handler",
        Mode::Bus,
        &url,
        "hop",
        rate,
        n,
        warmup,
    )
    .await?;

    println!(
        "## egov bench hop: {rate} events/s for {seconds} s ({n} events per measurement, the first {warmup} not timed), publisher and consumer in two processes, appendfsync {}",
        args.fsync
    );
    println!();
    println!(
        "| measurement | handled | p50 | p90 | p99 | max | p50 vs baseline | p99 vs baseline | publish start after its slot p99 / max | CPU per event: publisher / consumer |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for m in [&raw, &bus] {
        println!(
            "| {} | {}/{} | {} | {} | {} | {} | {:.2} | {:.2} | {} / {} | {:.0} µs / {:.0} µs |",
            m.name,
            m.distinct,
            m.published,
            ms(pct(&m.lat, 0.50)),
            ms(pct(&m.lat, 0.90)),
            ms(pct(&m.lat, 0.99)),
            ms(m.lat.last().copied().unwrap_or(0)),
            pct(&m.lat, 0.50) as f64 / pct(&raw.lat, 0.50).max(1) as f64,
            pct(&m.lat, 0.99) as f64 / pct(&raw.lat, 0.99).max(1) as f64,
            ms(pct(&m.late, 0.99)),
            ms(m.late.last().copied().unwrap_or(0)),
            m.publisher_cpu.as_secs_f64() * 1e6 / m.published as f64,
            m.consumer_cpu.as_secs_f64() * 1e6 / m.published as f64,
        );
    }
    println!();
    println!(
        "goal: bus p99 < 5 ms ({})",
        if pct(&bus.lat, 0.99) < 5_000 {
            "met"
        } else {
            "not met"
        }
    );
    for m in [&raw, &bus] {
        anyhow::ensure!(
            m.distinct == m.published && m.duplicates == 0 && m.unknown == 0,
            "{}: {} of {} events handled, {} twice, {} unknown: every event must be handled exactly once",
            m.name,
            m.distinct,
            m.published,
            m.duplicates,
            m.unknown
        );
    }
    Ok(())
}
