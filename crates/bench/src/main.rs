//! `make bench`: a load generator for the bus and the store, each reported as a ratio against a
//! baseline measured in the same run on the same Redis (these machines are noisy; absolute
//! numbers are not comparable between runs, ratios are).
//!
//! Baselines: `redis-benchmark` XADD (Redis alone, C client) and a raw `XADD` of the same
//! fields through the same Rust client and connection the bus uses.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use egov_bus::{Bus, BusMetrics, Envelope, Topic};
use egov_events::v1::{Deadline, DeadlineApproaching};
use egov_store::{Append, IndexOp, Store};
use redis::AsyncCommands;

/// The allocator egov itself runs on, so that the baseline server and the in-process suites
/// differ from egov only in what they do.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod deadlines;
mod hop;
mod http;
mod monitoring;
mod search;
mod tender;

#[derive(Parser, Debug)]
#[command(about = "egov benchmarks, each against a baseline measured in the same run")]
enum Cli {
    /// Bus publishes and store appends against raw XADD.
    Streams(Args),
    /// Durable submissions and task completions over HTTP (wrk against `egov up`) against a
    /// bare warp handler doing one XADD, in the same run.
    Http(http::Args),
    /// The baseline server of `http` (a process of its own): one XADD per POST.
    #[command(hide = true)]
    Bare(http::BareArgs),
    /// The catalog's search index: query p50/p99 at 100,000 entries and catch-up from the
    /// streams, against reading the same entries with XRANGE.
    Search(search::Args),
    /// The last minute of a tender window: applications into sealed slots of 1,000 open
    /// tenders against a bare warp handler doing one XADD; then the time from the windows'
    /// close to each tender's opening.
    Tender(tender::Args),
    /// The monitoring bridge: signed messages ingested and forwarded per second, and a queue's
    /// drain after an outage, against the same path unsigned.
    Monitoring(monitoring::Args),
    /// The event hop: publish to handled in another process at a steady rate (p50/p99),
    /// against a bare XADD and a bare XREADGROUP loop.
    Hop(hop::Args),
    /// The consuming process of `hop` (started by it).
    #[command(hide = true)]
    HopConsumer(hop::ConsumerArgs),
    /// A million open deadlines: Redis memory per deadline, a thousand terms ending at one
    /// midnight (the time to every breach), and a tick's work against the backlog.
    Deadlines(deadlines::Args),
}

#[derive(clap::Args, Debug)]
struct Args {
    /// Operations per measurement.
    #[arg(long, default_value_t = 20_000)]
    ops: usize,
    /// Concurrent clients (tasks sharing one multiplexed connection, as a service does).
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Rounds per measurement; the median is reported.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Redis fsync policy: `everysec` shows our overhead; `always` is the chart's production
    /// setting and is disk-bound.
    #[arg(long, default_value = "everysec")]
    fsync: String,
}

pub(crate) struct Run {
    pub(crate) name: &'static str,
    pub(crate) ops_per_sec: f64,
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
}

/// The platform of a benchmark's suite: its Redis, the development keys, these plugins.
pub(crate) fn platform_config(
    redis_url: String,
    jwks: std::path::PathBuf,
    sealing_key: std::path::PathBuf,
    plugins: Vec<std::path::PathBuf>,
) -> egov_runtime::PlatformConfig {
    egov_runtime::PlatformConfig {
        redis_url,
        replica: "bench".into(),
        partitions: 1,
        jwks: egov_auth::JwksSource::File(jwks),
        issuer: egov_auth::dev::DEV_ISSUER.into(),
        audience: egov_auth::dev::DEV_AUDIENCE.into(),
        calendar_file: None,
        plugins,
        plugin_cache: None,
        sealing_key: Some(sealing_key),
    }
}

fn event(i: usize) -> Envelope {
    let msg = DeadlineApproaching {
        deadline: Some(Deadline {
            case_id: format!("01KBENCH{i:018}"),
            step: "pl-4".into(),
            rule: "PL-4".into(),
            last_day: "2026-04-14".into(),
            ends_at: "2026-04-15T00:00:00+05:00".into(),
            provisional: false,
            role: "authorized-body".into(),
        }),
    };
    Envelope::new("bench", &msg, jiff::Timestamp::now()).with_case(format!("01KBENCH{i:018}"))
}

/// Runs `ops` calls of `f` from `concurrency` tasks; measures each call.
pub(crate) async fn measure<F, Fut>(
    name: &'static str,
    ops: usize,
    concurrency: usize,
    f: F,
) -> anyhow::Result<Run>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let f = Arc::new(f);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(ops / concurrency + 1);
            let mut i = t;
            while i < ops {
                let s = Instant::now();
                f(i).await?;
                lat.push(s.elapsed());
                i += concurrency;
            }
            anyhow::Ok(lat)
        }));
    }
    let mut lat = Vec::with_capacity(ops);
    for t in tasks {
        lat.extend(t.await??);
    }
    let elapsed = start.elapsed();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    Ok(Run {
        name,
        ops_per_sec: ops as f64 / elapsed.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
    })
}

fn redis_benchmark(port: u16, ops: usize, concurrency: usize, payload: &str) -> Option<f64> {
    let out = std::process::Command::new("redis-benchmark")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-c",
            &concurrency.to_string(),
        ])
        .args([
            "-n",
            &ops.to_string(),
            "-q",
            "XADD",
            "egov:bench:rb",
            "*",
            "data",
            payload,
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    // "XADD egov:bench:rb * data ...: 51020.41 requests per second, p50=0.151 msec"
    let rps = text.rsplit(": ").find_map(|part| {
        part.split(" requests per second")
            .next()?
            .trim()
            .parse()
            .ok()
    });
    if rps.is_none() {
        eprintln!("redis-benchmark output not understood: {text}");
    }
    rps
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The baseline server runs like a service: a worker per core.
    if let Cli::Bare(args) = cli {
        return tokio::runtime::Runtime::new()?.block_on(http::bare(args));
    }
    // One thread for the load generator, so Redis keeps the other core of a 2-core machine;
    // with two workers the generator fights Redis for CPU and the ratios drift with scheduling.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(bench(cli))
}

async fn bench(cli: Cli) -> anyhow::Result<()> {
    match cli {
        Cli::Bare(_) => unreachable!("served above"),
        Cli::Streams(args) => streams(args).await,
        Cli::Http(args) => http::run(args).await,
        Cli::Search(args) => search::run(args).await,
        Cli::Tender(args) => tender::run(args).await,
        Cli::Monitoring(args) => monitoring::run(args).await,
        Cli::Hop(args) => hop::run(args).await,
        Cli::HopConsumer(args) => hop::consume(args),
        Cli::Deadlines(args) => deadlines::run(args).await,
    }
}

async fn streams(args: Args) -> anyhow::Result<()> {
    let server = egov_testkit::RedisServer::start_with(&["--appendfsync", &args.fsync]);
    let client = redis::Client::open(server.url())?;
    let bus = Bus::new(client.clone(), BusMetrics::unregistered()).await?;
    let topic = Topic::new("bench", 1);
    let stream = topic.stream(0);
    let (ops, c) = (args.ops, args.concurrency);
    let sample_fields = event(0).fields();
    let payload_len: usize = sample_fields.iter().map(|(k, v)| k.len() + v.len()).sum();

    eprintln!("warming up...");
    let conn = bus.connection();
    measure("warm-up", 2000, c, {
        let conn = conn.clone();
        let fields = sample_fields.clone();
        move |_| {
            let mut conn = conn.clone();
            let fields = fields.clone();
            async move {
                let _: String = conn.xadd("egov:bench:warm", "*", &fields).await?;
                Ok(())
            }
        }
    })
    .await?;

    let rb = redis_benchmark(server.port(), ops, c, &"x".repeat(payload_len));
    let store = Store::new(bus.connection(), Topic::new("benchstore", 1));

    // Rounds with the order rotated, medians reported: one slow moment of the machine (an AOF
    // fsync, another process) does not decide a ratio.
    let mut raw = Vec::new();
    let mut publish = Vec::new();
    let mut append = Vec::new();
    for round in 0..args.rounds {
        for k in 0..3 {
            match (round + k) % 3 {
                0 => raw.push(raw_xadd(&conn, &sample_fields, ops, c).await?),
                1 => publish.push(bus_publish(&bus, &stream, ops, c).await?),
                _ => append.push(store_append(&store, round * ops, ops, c).await?),
            }
        }
    }
    let (raw, publish, append) = (median(raw), median(publish), median(append));

    println!(
        "## egov bench: {ops} ops x {} rounds (median), {c} concurrent clients, appendfsync {}",
        args.rounds, args.fsync
    );
    println!();
    println!("| measurement | ops/s | p50 | p99 | vs raw XADD |");
    println!("|---|---:|---:|---:|---:|");
    if let Some(rb) = rb {
        println!(
            "| redis-benchmark XADD (C client, {payload_len} B payload) | {rb:.0} | | | {:.2} |",
            rb / raw.ops_per_sec
        );
    }
    for r in [&raw, &publish, &append] {
        let r = r.as_ref();
        println!(
            "| {} | {:.0} | {:.3} ms | {:.3} ms | {:.2} |",
            r.name,
            r.ops_per_sec,
            r.p50.as_secs_f64() * 1e3,
            r.p99.as_secs_f64() * 1e3,
            r.ops_per_sec / raw.ops_per_sec
        );
    }
    Ok(())
}

pub(crate) fn median(mut runs: Vec<Run>) -> Box<Run> {
    runs.sort_by(|a, b| a.ops_per_sec.total_cmp(&b.ops_per_sec));
    let mid = runs.len() / 2;
    Box::new(runs.swap_remove(mid))
}

async fn raw_xadd(
    conn: &egov_bus::Conn,
    fields: &[(&'static str, Vec<u8>)],
    ops: usize,
    c: usize,
) -> anyhow::Result<Run> {
    let conn = conn.clone();
    let fields = fields.to_vec();
    measure("raw XADD (redis-rs, same fields)", ops, c, move |_| {
        let mut conn = conn.clone();
        let fields = fields.clone();
        async move {
            let _: String = conn.xadd("egov:bench:raw", "*", &fields).await?;
            Ok(())
        }
    })
    .await
}

async fn bus_publish(bus: &Bus, stream: &str, ops: usize, c: usize) -> anyhow::Result<Run> {
    let bus = bus.clone();
    let stream = stream.to_owned();
    measure("bus publish (envelope built + XADD)", ops, c, move |i| {
        let bus = bus.clone();
        let stream = stream.clone();
        async move {
            bus.publish(&stream, &event(i)).await.context("publish")?;
            Ok(())
        }
    })
    .await
}

async fn store_append(store: &Store, first: usize, ops: usize, c: usize) -> anyhow::Result<Run> {
    let store = store.clone();
    measure(
        "store append (new aggregate: state, history, 2 indexes, topic)",
        ops,
        c,
        move |i| {
            let store = store.clone();
            async move {
                let n = first + i;
                let id = format!("01KBENCH{n:018}");
                let state = serde_json::json!({"status": "submitted", "n": n});
                store
                    .append(Append {
                        kind: "case",
                        id: &id,
                        expected_version: 0,
                        state: &state,
                        event: &event(n),
                        index: vec![
                            IndexOp::Add {
                                index: "status:submitted".into(),
                                member: id.clone(),
                            },
                            IndexOp::Score {
                                index: "due".into(),
                                member: id.clone(),
                                score: n as f64,
                            },
                        ],
                        applied: None,
                        unique: None,
                    })
                    .await
                    .context("append")?;
                Ok(())
            }
        },
    )
    .await
}
