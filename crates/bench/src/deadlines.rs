//! A million open deadlines (P5). The deadline scheduler (services/expertise/src/deadlines.rs)
//! keeps terms as sorted-set index entries (`egov:{expertise.0}:idx:due:approaching` and
//! `…:due:missed`, scored by their instant) and a tick reads at most `SCAN_LIMIT` (500) due
//! entries per set (`ZRANGE … BYSCORE LIMIT`). This bench, on the real suite (in-process, on a
//! runtime of its own, with its scheduler at the default tick), on a development clock moved as
//! an operator moves it (intake's `PUT /api/v1/dev/clock`):
//!
//! 1. submits `--due` real Perechen applications over HTTP on 19 March 2026, whose PL-4 term (the
//!    authorized body's check) ends at 24:00 on 31 March: a thousand windows closing at one
//!    midnight;
//! 2. adds `--open` synthetic open deadlines (an approaching and a missed entry each, of task ids
//!    of cases that do not exist) spread over the following year to the same keys, and reports
//!    Redis memory per deadline (`INFO memory` before and after; `MEMORY USAGE` of the keys),
//!    against the `ZADD` throughput of the same entries;
//! 3. times the scheduler's per-tick query (and its next-due query) on the key holding
//!    `--open` + `--due` entries against the same query on a key of 1,000 entries that returns
//!    the same page;
//! 4. moves the clock to the last day (every approach is announced once), then to 2 s before
//!    the midnight, and measures from the due instant to each `DeadlineMissed` on expertise's
//!    topic (the entry's `XADD` time) and the event's own time against the instant, against a
//!    bare announcement of the same number (`ZRANGE` pages and one `MULTI` of `XADD` + `ZREM` per
//!    entry, 32 at a time). Goal: no breach later than 1 s after its instant;
//! 5. puts a backlog of `--backlog` overdue entries of cases that do not exist in the missed set
//!    and times the scheduler clearing it (a page per tick) against a small backlog (the time
//!    per tick must not grow with the backlog) and a bare drain (`ZRANGE` pages, one `HGETALL`
//!    of the missing case and one `ZREM` per entry, 32 at a time).
//!
//! Fails (`--short` included) when a breach or an approach is missing or announced twice, a
//! breach is announced before its instant, or the backlog is not cleared. No timing goal is
//! asserted.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use egov::suite::{self, Layout};
use egov_auth::dev::{DevKeys, TokenRequest};
use egov_bus::{Conn, Envelope};
use egov_engine::apply::index::{APPROACHING, MISSED};
use egov_events::v1::{Deadline, DeadlineApproaching, DeadlineMissed};
use egov_kernel::{Bin, Clock, Role, SetClock, ShiftedClock, time};
use egov_runtime::Platform;
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::measure;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Real cases whose PL-4 term ends at the same midnight.
    #[arg(long, default_value_t = 1_000)]
    due: usize,
    /// Synthetic open deadlines spread over the following year.
    #[arg(long, default_value_t = 1_000_000)]
    open: usize,
    /// Synthetic overdue entries of cases that do not exist, cleared by the scheduler.
    #[arg(long, default_value_t = 100_000)]
    backlog: usize,
    /// Concurrent clients submitting the applications.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// A quick run (50 cases, 20,000 open deadlines, a backlog of 2,000) that still fails when a
    /// breach is lost or doubled or the backlog stays; no timing goal is checked.
    #[arg(long)]
    short: bool,
    /// Redis fsync policy.
    #[arg(long, default_value = "everysec")]
    fsync: String,
}

const AGENCY: &str = "940740000911";
const MINISTRY: &str = "000740001307";
/// The day the applications are submitted.
const START: &str = "2026-03-19T10:00:00+05:00";
/// Noon of the PL-4 term's last day (31 March: 21 to 23 March are Nauryz): approaches are due.
const LAST_DAY: &str = "2026-03-31T12:00:00+05:00";
/// The end of the term: 24:00 on 31 March.
const MIDNIGHT: &str = "2026-04-01T00:00:00+05:00";
/// How long before the midnight the clock is put.
const LEAD: Duration = Duration::from_secs(2);
/// The scheduler's page per set and tick (services/expertise/src/deadlines.rs).
const SCAN_LIMIT: usize = 500;
/// How long a collector goes on reading once it has every event, for duplicates.
const GRACE: Duration = Duration::from_secs(1);

/// The application of PL-3.a / PL-F1 (tests/support `application()`), `n`-th of the run.
fn application(n: usize) -> Value {
    let criteria: serde_json::Map<String, Value> = [
        "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "2.5", "3.1", "3.2", "3.3",
    ]
    .iter()
    .map(|id| {
        (
            (*id).to_owned(),
            Value::Bool(["1.1", "2.1", "2.3", "3.1"].contains(id)),
        )
    })
    .collect();
    json!({
        "object_kind": "information-system",
        "fields": {"addressee": "Ministry of Digital Development", "state_body_name": "Ministry of Justice",
                   "request": "Include the IS in the Perechen", "object_name": format!("Deadline-{n:07}"),
                   "signatory": "Nurlanov A. B.", "signed_on": "2026-03-18",
                   "signature": "eds:cms/bench/0001", "portal_placement_declared": "yes"},
        "documents": [{"kind": "services-or-functions-list", "reference": "portal:doc/1001"},
                      {"kind": "criteria-compliance", "reference": "portal:doc/1002"}],
        "criteria": criteria,
    })
}

/// Synthetic deadline `i` of `n`: its task id and the instants of its approach and its end,
/// uniformly over the year after `from` (never due during the run).
fn synthetic(i: usize, n: usize, from: i64) -> (String, i64, i64) {
    const YEAR: i64 = 365 * 86_400;
    let approaching = from + 86_400 + (i as i64 * YEAR) / n.max(1) as i64;
    let missed = approaching + 86_400;
    let case = ulid::Ulid::from_parts((missed * 1000) as u64, i as u128);
    (format!("{case}.ab-check"), approaching, missed)
}

/// Overdue entry `i` of a backlog whose cases do not exist, due before `now`.
fn orphan(i: usize, now: i64, tag: u128) -> (String, i64) {
    let at = now - 2 * 86_400 + (i % 86_400) as i64;
    let case = ulid::Ulid::from_parts((at * 1000) as u64, (tag << 40) | i as u128);
    (format!("{case}.ab-check"), at)
}

/// `ZADD` of `entries` to `key`, 1,000 a command, 8 commands in flight.
async fn zadd(conn: &Conn, key: &str, entries: Vec<(String, i64)>) -> anyhow::Result<()> {
    futures::stream::iter(entries.chunks(1000).map(|c| c.to_vec()))
        .map(|chunk| {
            let mut conn = conn.clone();
            let key = key.to_owned();
            async move {
                let mut cmd = redis::cmd("ZADD");
                cmd.arg(&key);
                for (m, s) in &chunk {
                    cmd.arg(*s).arg(m);
                }
                let _: i64 = cmd.query_async(&mut conn).await?;
                anyhow::Ok(())
            }
        })
        .buffer_unordered(8)
        .try_collect::<()>()
        .await
}

async fn zcard(conn: &mut Conn, key: &str) -> anyhow::Result<usize> {
    Ok(redis::cmd("ZCARD").arg(key).query_async(conn).await?)
}

async fn used_memory(conn: &mut Conn) -> anyhow::Result<i64> {
    let info: String = redis::cmd("INFO").arg("memory").query_async(conn).await?;
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .context("INFO memory has no used_memory")
}

async fn memory_usage(conn: &mut Conn, key: &str) -> anyhow::Result<i64> {
    Ok(redis::cmd("MEMORY")
        .arg("USAGE")
        .arg(key)
        .arg("SAMPLES")
        .arg(0)
        .query_async::<Option<i64>>(conn)
        .await?
        .unwrap_or(0))
}

/// The scheduler's per-tick query on `key` (what `SetScan::next` sends).
async fn page_query(conn: &mut Conn, key: &str, max: i64) -> anyhow::Result<usize> {
    let m: Vec<(String, f64)> = redis::cmd("ZRANGE")
        .arg(key)
        .arg("-inf")
        .arg(max)
        .arg("BYSCORE")
        .arg("LIMIT")
        .arg(0)
        .arg(SCAN_LIMIT)
        .arg("WITHSCORES")
        .query_async(conn)
        .await?;
    Ok(m.len())
}

/// The scheduler's next-due query on `key` (what `Scan::next_due` sends).
async fn next_query(conn: &mut Conn, key: &str, now: i64) -> anyhow::Result<usize> {
    let m: Vec<(String, f64)> = redis::cmd("ZRANGE")
        .arg(key)
        .arg(format!("({now}"))
        .arg("+inf")
        .arg("BYSCORE")
        .arg("LIMIT")
        .arg(0)
        .arg(1)
        .arg("WITHSCORES")
        .query_async(conn)
        .await?;
    Ok(m.len())
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

/// One announcement seen on the topic: when it was appended (the entry id's milliseconds,
/// Redis's wall clock) and the event's own time.
struct Seen {
    entry_ms: i64,
    occurred_at: jiff::Timestamp,
}

/// Reads `stream` after `from` until every case of `cases` has an event of `kind` (and
/// [`GRACE`] more, for duplicates) or `timeout`; returns those events by case.
async fn collect(
    conn: &mut Conn,
    stream: &str,
    from: String,
    kind: &str,
    cases: &HashSet<String>,
    timeout: Duration,
) -> anyhow::Result<HashMap<String, Vec<Seen>>> {
    let mut out: HashMap<String, Vec<Seen>> = HashMap::new();
    let deadline = Instant::now() + timeout;
    let mut complete: Option<Instant> = None;
    let mut cursor = from;
    loop {
        let now = Instant::now();
        if now >= deadline || complete.is_some_and(|c| now >= c + GRACE) {
            return Ok(out);
        }
        let reply: redis::streams::StreamReadReply = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(1000)
            .arg("BLOCK")
            .arg(100)
            .arg("STREAMS")
            .arg(stream)
            .arg(&cursor)
            .query_async(conn)
            .await?;
        for e in reply.keys.into_iter().flat_map(|k| k.ids) {
            cursor.clone_from(&e.id);
            let Ok(env) = Envelope::from_fields(&e.map) else {
                continue;
            };
            if env.kind != kind {
                continue;
            }
            let deadline: Option<Deadline> = match kind {
                "DeadlineMissed" => env.decode::<DeadlineMissed>().ok().and_then(|m| m.deadline),
                _ => env
                    .decode::<DeadlineApproaching>()
                    .ok()
                    .and_then(|m| m.deadline),
            };
            let Some(d) = deadline.filter(|d| cases.contains(&d.case_id)) else {
                continue;
            };
            let entry_ms =
                e.id.split('-')
                    .next()
                    .and_then(|ms| ms.parse().ok())
                    .unwrap_or(0);
            out.entry(d.case_id).or_default().push(Seen {
                entry_ms,
                occurred_at: time::parse(&env.occurred_at)?,
            });
        }
        if complete.is_none() && out.len() == cases.len() {
            complete = Some(Instant::now());
        }
    }
}

/// Each case announced exactly once: fails naming how many were not, or twice.
fn exactly_once(
    what: &str,
    seen: &HashMap<String, Vec<Seen>>,
    cases: &HashSet<String>,
) -> anyhow::Result<()> {
    let missing = cases.iter().filter(|c| !seen.contains_key(*c)).count();
    let twice = seen.values().filter(|v| v.len() > 1).count();
    ensure!(
        missing == 0 && twice == 0,
        "{what}: {missing} of {} cases never announced, {twice} announced more than once",
        cases.len()
    );
    Ok(())
}

/// The bare announcement of every entry of `key` due at `max`: `ZRANGE` pages of
/// [`SCAN_LIMIT`], one `MULTI` of `XADD` (a `DeadlineMissed` envelope) and `ZREM` per entry,
/// 32 at a time; returns how many.
async fn bare_announce(conn: &Conn, key: &str, stream: &str, max: i64) -> anyhow::Result<usize> {
    let mut n = 0;
    loop {
        let page: Vec<String> = redis::cmd("ZRANGE")
            .arg(key)
            .arg("-inf")
            .arg(max)
            .arg("BYSCORE")
            .arg("LIMIT")
            .arg(0)
            .arg(SCAN_LIMIT)
            .query_async(&mut conn.clone())
            .await?;
        if page.is_empty() {
            return Ok(n);
        }
        n += page.len();
        futures::stream::iter(page)
            .map(|member| {
                let mut conn = conn.clone();
                async move {
                    let case = member.split('.').next().unwrap_or_default().to_owned();
                    let msg = DeadlineMissed {
                        deadline: Some(Deadline {
                            case_id: case.clone(),
                            step: "ab-check".into(),
                            rule: "PL-4".into(),
                            last_day: "2026-03-31".into(),
                            ends_at: MIDNIGHT.into(),
                            provisional: false,
                            role: "authorized-body".into(),
                        }),
                    };
                    let env = Envelope::new("bench", &msg, jiff::Timestamp::now()).with_case(case);
                    let _: () = redis::pipe()
                        .atomic()
                        .xadd(stream, "*", &env.fields())
                        .ignore()
                        .zrem(key, &member)
                        .ignore()
                        .query_async(&mut conn)
                        .await?;
                    anyhow::Ok(())
                }
            })
            .buffer_unordered(32)
            .try_collect::<()>()
            .await?;
    }
}

/// The bare drain of every entry of `key` due at `max` whose case does not exist: `ZRANGE`
/// pages of [`SCAN_LIMIT`], one `HGETALL` of the case and one `ZREM` per entry, 32 at a time.
async fn bare_drain(conn: &Conn, key: &str, max: i64) -> anyhow::Result<usize> {
    let mut n = 0;
    loop {
        let page: Vec<String> = redis::cmd("ZRANGE")
            .arg(key)
            .arg("-inf")
            .arg(max)
            .arg("BYSCORE")
            .arg("LIMIT")
            .arg(0)
            .arg(SCAN_LIMIT)
            .query_async(&mut conn.clone())
            .await?;
        if page.is_empty() {
            return Ok(n);
        }
        n += page.len();
        futures::stream::iter(page)
            .map(|member| {
                let mut conn = conn.clone();
                async move {
                    let case = member.split('.').next().unwrap_or_default();
                    let h: HashMap<String, String> = redis::cmd("HGETALL")
                        .arg(format!("egov:{{benchbare.0}}:agg:case:{case}"))
                        .query_async(&mut conn)
                        .await?;
                    ensure!(h.is_empty(), "a bare case exists");
                    let _: i64 = redis::cmd("ZREM")
                        .arg(key)
                        .arg(&member)
                        .query_async(&mut conn)
                        .await?;
                    anyhow::Ok(())
                }
            })
            .buffer_unordered(32)
            .try_collect::<()>()
            .await?;
    }
}

struct Client {
    http: reqwest::Client,
    keys: DevKeys,
    intake: String,
}

impl Client {
    fn token(&self, role: Role, org: &str) -> String {
        self.keys.mint(&TokenRequest {
            sub: format!("bench-{role}"),
            org: Bin::parse(org).expect("a BIN"),
            roles: vec![role],
            ttl: Duration::from_secs(3 * 3600),
        })
    }

    /// Moves the development clock as an operator does (which wakes the scheduler).
    async fn move_clock(&self, to: jiff::Timestamp) -> anyhow::Result<()> {
        let r = self
            .http
            .put(format!("{}/api/v1/dev/clock", self.intake))
            .bearer_auth(self.token(Role::PlatformAdmin, MINISTRY))
            .json(&json!({"now": time::format(to)}))
            .send()
            .await?;
        ensure!(r.status() == 200, "moving the clock: {}", r.status());
        Ok(())
    }
}

/// One row of the table (no ratio without a baseline).
fn row(what: &str, value: String, baseline: &str, base: String, ratio: f64) {
    let ratio = if baseline.is_empty() {
        String::new()
    } else {
        format!("{ratio:.2}")
    };
    println!("| {what} | {value} | {baseline} | {base} | {ratio} |");
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

pub(crate) async fn run(mut args: Args) -> anyhow::Result<()> {
    if args.short {
        (args.due, args.open, args.backlog) = (50, 20_000, 2_000);
    }
    let reps = if args.short { 200 } else { 2_000 };
    let server = egov_testkit::RedisServer::start_with(&["--appendfsync", &args.fsync]);
    let home = std::env::temp_dir().join(format!("egov-bench-deadlines-{}", std::process::id()));
    let keys = DevKeys::load_or_create(&home)?;
    let sealing_key = home.join("dev-sealing-key");
    egov_runtime::sealing::create_dev_key(&sealing_key)?;
    let clock = Arc::new(ShiftedClock::default());
    SetClock::set(&*clock, time::parse(START)?);
    let midnight = time::parse(MIDNIGHT)?;
    let midnight_s = midnight.as_second();

    // The suite on a runtime of its own (one worker), the bench on this one.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let shutdown = CancellationToken::new();
    let (stop, url, jwks, c, dir) = (
        shutdown.clone(),
        server.url(),
        keys.jwks_path(),
        clock.clone(),
        home.clone(),
    );
    let servers = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        rt.block_on(async move {
            let started = async {
                let cfg = crate::platform_config(
                    url,
                    jwks,
                    sealing_key,
                    vec![egov_testkit::plugins_dir().join("variants")],
                );
                let platform = Platform::connect(&cfg, c.clone()).await?.with_dev_clock(c);
                let mut layout = Layout::loopback(0);
                let nowhere = "http://127.0.0.1:9/messages";
                layout.monitoring = Some(egov_monitoring_bridge::dev::config(
                    &dir.join("monitoring"),
                    layout.monitoring_bridge,
                    nowhere,
                    nowhere,
                )?);
                anyhow::Ok(suite::start_all(&platform, &layout, stop.clone()).await?)
            };
            let running = match started.await {
                Ok(r) => r,
                Err(e) => {
                    tx.send(Err(e)).ok();
                    return;
                }
            };
            let addrs: Vec<(String, std::net::SocketAddr)> = running
                .iter()
                .map(|r| (r.name.to_owned(), r.addr))
                .collect();
            tx.send(Ok(addrs)).ok();
            stop.cancelled().await;
            for r in running {
                r.wait().await;
            }
        });
    });
    let addrs = rx.await??;
    let intake = addrs
        .iter()
        .find(|(n, _)| n == "intake")
        .map(|(_, a)| format!("http://{a}"))
        .context("intake")?;
    let client = Arc::new(Client {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(args.concurrency)
            .build()?,
        keys,
        intake,
    });
    let result = measured(&args, reps, &server, &client, &clock, midnight_s).await;
    shutdown.cancel();
    servers
        .join()
        .map_err(|_| anyhow::anyhow!("the suite's thread panicked"))?;
    let _ = std::fs::remove_dir_all(&home);
    result
}

async fn measured(
    args: &Args,
    reps: usize,
    server: &egov_testkit::RedisServer,
    client: &Arc<Client>,
    clock: &Arc<ShiftedClock>,
    midnight_s: i64,
) -> anyhow::Result<()> {
    let midnight = jiff::Timestamp::from_second(midnight_s)?;
    let mut conn = egov_bus::connect(&redis::Client::open(server.url())?).await?;
    let store = egov_store::Store::new(conn.clone(), egov_bus::Topic::new("expertise", 1));
    let (approaching_key, missed_key) =
        (store.index_key(0, APPROACHING), store.index_key(0, MISSED));
    let stream = egov_bus::Topic::new("expertise", 1).stream(0);

    // 1. The real cases, submitted on 19 March.
    eprintln!("submitting {} applications...", args.due);
    let started = Instant::now();
    let cases = Arc::new(tokio::sync::Mutex::new(Vec::with_capacity(args.due)));
    let submit = {
        let (client, cases) = (client.clone(), cases.clone());
        measure("submissions", args.due, args.concurrency, move |n| {
            let (client, cases) = (client.clone(), cases.clone());
            async move {
                let r = client
                    .http
                    .post(format!("{}/api/v1/perechen-applications", client.intake))
                    .bearer_auth(client.token(Role::StateBody, AGENCY))
                    .json(&application(n))
                    .send()
                    .await?;
                let status = r.status();
                let body: Value = r.json().await.unwrap_or(Value::Null);
                ensure!(status == 201, "submission {n}: {status} {body}");
                cases
                    .lock()
                    .await
                    .push(body["id"].as_str().unwrap_or_default().to_owned());
                Ok(())
            }
        })
        .await?
    };
    let cases: HashSet<String> = cases.lock().await.iter().cloned().collect();
    ensure!(
        cases.len() == args.due,
        "{} distinct cases of {}",
        cases.len(),
        args.due
    );
    // Expertise starts each case (its consumer of intake's topic): the PL-4 task with its term.
    let wait_until = Instant::now() + Duration::from_secs(120 + args.due as u64 / 5);
    while zcard(&mut conn, &missed_key).await? < args.due {
        ensure!(
            Instant::now() < wait_until,
            "the cases' PL-4 terms were not all indexed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let at_midnight: usize = redis::cmd("ZCOUNT")
        .arg(&missed_key)
        .arg(midnight_s)
        .arg(midnight_s)
        .query_async(&mut conn)
        .await?;
    ensure!(
        at_midnight == args.due && zcard(&mut conn, &approaching_key).await? == args.due,
        "{at_midnight} of {} PL-4 terms end at {MIDNIGHT}",
        args.due
    );
    let setup = started.elapsed();
    eprintln!("{} cases open in {:.1} s", args.due, setup.as_secs_f64());

    // 2. The open deadlines: memory, against the ZADD of the same entries.
    eprintln!("adding {} open deadlines...", args.open);
    let used_before = used_memory(&mut conn).await?;
    let (mut app, mut miss) = (Vec::with_capacity(args.open), Vec::with_capacity(args.open));
    for i in 0..args.open {
        let (member, a, m) = synthetic(i, args.open, midnight_s);
        app.push((member.clone(), a));
        miss.push((member, m));
    }
    let t = Instant::now();
    zadd(&conn, &approaching_key, app).await?;
    zadd(&conn, &missed_key, miss).await?;
    let zadd_time = t.elapsed();
    let used_after = used_memory(&mut conn).await?;
    let usage = memory_usage(&mut conn, &approaching_key).await?
        + memory_usage(&mut conn, &missed_key).await?;
    let total = zcard(&mut conn, &missed_key).await?;
    ensure!(total == args.open + args.due, "{total} missed entries");
    let per_deadline = (used_after - used_before) as f64 / args.open as f64;
    let per_deadline_usage = usage as f64 / (args.open + args.due) as f64;

    // 3. The tick's queries on the big key, against a key of 1,000 with the same due page.
    let small_key = store.index_key(0, "bench-small");
    let real: Vec<(String, f64)> = redis::cmd("ZRANGE")
        .arg(&missed_key)
        .arg(midnight_s)
        .arg(midnight_s)
        .arg("BYSCORE")
        .arg("WITHSCORES")
        .query_async(&mut conn)
        .await?;
    let mut small: Vec<(String, i64)> = real.into_iter().map(|(m, s)| (m, s as i64)).collect();
    for i in 0..1000usize.saturating_sub(small.len()) {
        let (member, _, m) = synthetic(i, args.open, midnight_s);
        small.push((member, m));
    }
    let small_len = small.len();
    zadd(&conn, &small_key, small).await?;
    let (mut q_big, mut q_small, mut n_big, mut n_small) = (vec![], vec![], vec![], vec![]);
    let before = midnight_s - LEAD.as_secs() as i64;
    for _ in 0..reps {
        let t = Instant::now();
        let a = page_query(&mut conn, &missed_key, midnight_s).await?;
        q_big.push(t.elapsed());
        let t = Instant::now();
        let b = page_query(&mut conn, &small_key, midnight_s).await?;
        q_small.push(t.elapsed());
        ensure!(
            a == b && a == args.due.min(SCAN_LIMIT),
            "pages of {a} and {b}"
        );
        let t = Instant::now();
        next_query(&mut conn, &missed_key, before).await?;
        n_big.push(t.elapsed());
        let t = Instant::now();
        next_query(&mut conn, &small_key, before).await?;
        n_small.push(t.elapsed());
    }
    let _: i64 = redis::cmd("DEL")
        .arg(&small_key)
        .query_async(&mut conn)
        .await?;
    for v in [&mut q_big, &mut q_small, &mut n_big, &mut n_small] {
        v.sort();
    }

    // 4a. The last day: every approach announced once.
    eprintln!("the last day...");
    let from = crate::tender::last_id(&mut conn, &stream).await?;
    client.move_clock(time::parse(LAST_DAY)?).await?;
    let approached = collect(
        &mut conn,
        &stream,
        from,
        "DeadlineApproaching",
        &cases,
        Duration::from_secs(120),
    )
    .await?;
    exactly_once("DeadlineApproaching", &approached, &cases)?;
    let approach_last = approached
        .values()
        .flatten()
        .map(|s| s.entry_ms)
        .max()
        .unwrap_or(0);
    let approach_first = approached
        .values()
        .flatten()
        .map(|s| s.entry_ms)
        .min()
        .unwrap_or(0);
    let approach_time = Duration::from_millis((approach_last - approach_first).max(0) as u64);

    // 4b. The midnight.
    eprintln!("the midnight...");
    let from = crate::tender::last_id(&mut conn, &stream).await?;
    client
        .move_clock(midnight - jiff::SignedDuration::try_from(LEAD)?)
        .await?;
    // The wall instant the clock reaches the midnight at.
    let due_wall_ms = midnight.as_millisecond() - clock.offset_ms();
    let missed = collect(
        &mut conn,
        &stream,
        from,
        "DeadlineMissed",
        &cases,
        LEAD + Duration::from_secs(120),
    )
    .await?;
    exactly_once("DeadlineMissed", &missed, &cases)?;
    let early = missed
        .values()
        .flatten()
        .filter(|s| s.occurred_at < midnight)
        .count();
    ensure!(
        early == 0,
        "{early} breaches announced before their instant"
    );
    let mut emitted: Vec<Duration> = missed
        .values()
        .flatten()
        .map(|s| Duration::from_millis((s.entry_ms - due_wall_ms).max(0) as u64))
        .collect();
    emitted.sort();
    let own_late = missed
        .values()
        .flatten()
        .map(|s| Duration::try_from(s.occurred_at.duration_since(midnight)).unwrap_or_default())
        .max()
        .unwrap_or_default();
    let last = emitted.last().copied().unwrap_or_default();

    // The bare announcement of as many.
    let bare_key = "egov:{benchbare.0}:idx:due";
    let bare_stream = "egov:{benchbare.0}:events";
    zadd(
        &conn,
        bare_key,
        cases.iter().map(|c| (format!("{c}.ab-check"), 1)).collect(),
    )
    .await?;
    let t = Instant::now();
    let n = bare_announce(&conn, bare_key, bare_stream, 1).await?;
    let bare_time = t.elapsed();
    ensure!(n == args.due, "the bare announcement saw {n}");

    // 5. Backlogs of entries of cases that do not exist: the scheduler clears a page a tick.
    let base = zcard(&mut conn, &missed_key).await?;
    ensure!(
        base == args.open,
        "{base} missed entries left, {} open",
        args.open
    );
    let small_backlog = (5 * SCAN_LIMIT).min(args.backlog / 2).max(1);
    let mut drains = Vec::new();
    for (tag, size) in [(1u128, small_backlog), (2, args.backlog)] {
        eprintln!("a backlog of {size}...");
        let now = clock.now().as_second();
        let entries: Vec<(String, i64)> = (0..size).map(|i| orphan(i, now, tag)).collect();
        zadd(&conn, &missed_key, entries.clone()).await?;
        let t = Instant::now();
        // Moved to where it is: the scheduler wakes now rather than at its next tick.
        client.move_clock(clock.now()).await?;
        let limit = Duration::from_secs(60) + Duration::from_millis(size as u64 * 2);
        loop {
            let left = zcard(&mut conn, &missed_key).await?.saturating_sub(base);
            if left == 0 {
                break;
            }
            if t.elapsed() > limit {
                bail!(
                    "{left} of {size} overdue entries of cases that do not exist still stand after {:.0?}: the scheduler does not clear them",
                    t.elapsed()
                );
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let scheduler = t.elapsed();
        zadd(&conn, bare_key, entries).await?;
        let t = Instant::now();
        bare_drain(&conn, bare_key, now).await?;
        let bare = t.elapsed();
        let ticks = size.div_ceil(SCAN_LIMIT) as u32;
        drains.push((size, scheduler, bare, scheduler / ticks, bare / ticks));
    }

    // The table.
    println!(
        "## egov bench deadlines: {} cases whose PL-4 term ends at {MIDNIGHT}, {} more open deadlines over the following year, backlogs of {} and {}, appendfsync {}",
        args.due, args.open, drains[0].0, drains[1].0, args.fsync
    );
    println!();
    println!(
        "set-up: {} applications submitted at {:.0}/s (p50 {}, p99 {}), all open in {:.1} s; {} open deadlines added in {:.1} s",
        args.due,
        submit.ops_per_sec,
        ms(submit.p50),
        ms(submit.p99),
        setup.as_secs_f64(),
        args.open,
        zadd_time.as_secs_f64()
    );
    println!();
    println!("| figure | value | baseline (same run) | baseline value | ratio |");
    println!("|---|---:|---|---:|---:|");
    row(
        "Redis memory per open deadline (INFO used_memory after − before, / deadlines; an approaching and a missed entry each)",
        format!("{per_deadline:.0} B"),
        "MEMORY USAGE of both keys / deadlines",
        format!("{per_deadline_usage:.0} B"),
        per_deadline / per_deadline_usage.max(1.0),
    );
    let entries = 2 * args.open;
    row(
        "ZADD of the open deadlines' entries (1,000 a command, 8 in flight)",
        format!("{:.0} entries/s", entries as f64 / zadd_time.as_secs_f64()),
        "",
        String::new(),
        1.0,
    );
    for (what, big, small) in [
        (
            "tick's query (ZRANGE -inf now BYSCORE LIMIT 0 500), p50",
            pct(&q_big, 0.5),
            pct(&q_small, 0.5),
        ),
        ("tick's query, p99", pct(&q_big, 0.99), pct(&q_small, 0.99)),
        (
            "next-due query (ZRANGE (now +inf BYSCORE LIMIT 0 1), p50",
            pct(&n_big, 0.5),
            pct(&n_small, 0.5),
        ),
        (
            "next-due query, p99",
            pct(&n_big, 0.99),
            pct(&n_small, 0.99),
        ),
    ] {
        row(
            &format!("{what} on {total} entries"),
            us(big),
            &format!("the same on {small_len} entries"),
            us(small),
            ratio(big, small),
        );
    }
    row(
        &format!("{} approaches announced (first to last)", args.due),
        ms(approach_time),
        &format!(
            "bare announcement of {} (ZRANGE pages, MULTI XADD + ZREM each, 32 at a time)",
            args.due
        ),
        ms(bare_time),
        ratio(approach_time, bare_time),
    );
    row(
        "due instant → first breach emitted (DeadlineMissed XADD)",
        ms(emitted.first().copied().unwrap_or_default()),
        "",
        String::new(),
        1.0,
    );
    row(
        "due instant → p50 of breaches emitted",
        ms(pct(&emitted, 0.5)),
        "",
        String::new(),
        1.0,
    );
    row(
        "due instant → p99 of breaches emitted",
        ms(pct(&emitted, 0.99)),
        "",
        String::new(),
        1.0,
    );
    row(
        &format!(
            "due instant → every one of the {} breaches emitted",
            args.due
        ),
        ms(last),
        "bare announcement of as many",
        ms(bare_time),
        ratio(last, bare_time),
    );
    row(
        "latest breach's own time (occurred_at, the tick's instant) after its instant",
        ms(own_late),
        "goal",
        "1000.0 ms".into(),
        ratio(own_late, Duration::from_secs(1)),
    );
    for (size, scheduler, bare, per_tick, bare_per_tick) in &drains {
        row(
            &format!("backlog of {size} overdue entries of no case: cleared by the scheduler"),
            ms(*scheduler),
            "bare drain (ZRANGE pages, HGETALL + ZREM each, 32 at a time)",
            ms(*bare),
            ratio(*scheduler, *bare),
        );
        row(
            &format!("  per tick of {SCAN_LIMIT} (backlog of {size})"),
            ms(*per_tick),
            "bare drain per page",
            ms(*bare_per_tick),
            ratio(*per_tick, *bare_per_tick),
        );
    }
    row(
        &format!(
            "per tick, backlog of {} against {}",
            drains[1].0, drains[0].0
        ),
        ms(drains[1].3),
        &format!("per tick, backlog of {}", drains[0].0),
        ms(drains[0].3),
        ratio(drains[1].3, drains[0].3),
    );
    println!();
    println!(
        "goal: no breach later than 1 s after its instant: {} (the last emitted {} after it)",
        if last <= Duration::from_secs(1) {
            "met"
        } else {
            "not met"
        },
        ms(last)
    );
    Ok(())
}
