//! `egov-bench http`: the write path measured from outside, as agencies load it. `wrk` (Debian's
//! package) drives the whole suite, `egov up` as its own process on its own Redis, and, in the
//! same run on the same Redis, a bare warp handler doing one `XADD` (`egov-bench bare`, also its
//! own process): authenticated, validated, durable Perechen applications and task completions
//! per second, p50 and p99, at each connection count and each `appendfsync` policy, every figure
//! also as a ratio to the baseline of the same run. Every request carries an `Idempotency-Key` of
//! its own; after each run the cases and completions are counted in Redis, and a run whose 2xx
//! answers are not all there fails the benchmark.
//!
//! `--short` (in `make test`) runs every part for a second or two: it fails when the path breaks
//! (a body today's variant refuses, a 5xx, an answer not durable) and asserts no speed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use egov_auth::dev::{DevKeys, TokenRequest};
use egov_kernel::{Bin, Role};
use redis::AsyncCommands;
use serde::Deserialize;
use warp::Filter;

/// The agency that submits, and the ministry (the authorized body) that completes PL-4.
const AGENCY: &str = "940740000911";
const MINISTRY: &str = "000740001307";

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Seconds per measurement.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent connections (comma-separated), each measured.
    #[arg(long, value_delimiter = ',', default_values_t = [16, 64])]
    connections: Vec<usize>,
    /// Redis `appendfsync` policies (comma-separated), each a suite of its own.
    #[arg(long, value_delimiter = ',', default_values_t = ["everysec".to_owned(), "always".to_owned()])]
    fsync: Vec<String>,
    /// wrk threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// The `egov` binary (default: the one next to this binary, the same build).
    #[arg(long)]
    egov: Option<PathBuf>,
    /// Record egov's CPU with `perf` during the submissions at the most connections, and print
    /// the top entries.
    #[arg(long)]
    profile: bool,
    /// `make test`'s run: 2 s per measurement, 16 connections, `appendfsync everysec`; checks
    /// that everything answered 2xx is durable, asserts no speed.
    #[arg(long)]
    short: bool,
}

/// `egov-bench bare`: the baseline server, a process of its own like egov.
#[derive(clap::Args, Debug)]
pub(crate) struct BareArgs {
    /// Its Redis.
    #[arg(long)]
    redis_url: String,
    /// Its port on 127.0.0.1.
    #[arg(long)]
    port: u16,
}

/// `POST /submit`: one `XADD` of the body, then 201. No auth, no parsing: the floor.
pub(crate) async fn bare(args: BareArgs) -> anyhow::Result<()> {
    let client = redis::Client::open(args.redis_url.as_str())?;
    let conn = egov_bus::connect(&client)
        .await
        .context("bare server redis")?;
    warp::serve(bare_route(conn))
        .run(([127, 0, 0, 1], args.port))
        .await;
    Ok(())
}

/// The bare server on this runtime (the tender benchmark's in-process baseline).
pub(crate) async fn bare_xadd_server(redis_url: &str) -> std::net::SocketAddr {
    let client = redis::Client::open(redis_url).unwrap();
    let conn = egov_bus::connect(&client)
        .await
        .context("bare server redis")
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(warp::serve(bare_route(conn)).incoming(listener).run());
    addr
}

fn bare_route(
    conn: egov_bus::Conn,
) -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    warp::path!("submit")
        .and(warp::post())
        .and(warp::body::bytes())
        .then(move |body: bytes::Bytes| {
            let mut conn = conn.clone();
            async move {
                match conn
                    .xadd::<_, _, _, _, String>("bench:bare", "*", &[("data", body.as_ref())])
                    .await
                {
                    Ok(id) => warp::reply::with_status(
                        warp::reply::json(&serde_json::json!({ "id": id })),
                        warp::http::StatusCode::CREATED,
                    ),
                    Err(e) => warp::reply::with_status(
                        warp::reply::json(&serde_json::json!({ "error": e.to_string() })),
                        warp::http::StatusCode::SERVICE_UNAVAILABLE,
                    ),
                }
            }
        })
}

/// A child process, killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    /// SIGTERM first, so that `egov up` stops what it started (its monitoring peers, Redis);
    /// SIGKILL after 10 s.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What `wrk` reported (the script's `done`).
#[derive(Deserialize, Debug, Clone)]
struct Wrk {
    requests: u64,
    duration_us: u64,
    status_errors: u64,
    connect: u64,
    read: u64,
    write: u64,
    timeout: u64,
    p50_us: u64,
    p99_us: u64,
    #[allow(dead_code)]
    max_us: u64,
    /// CPU time used during the run, µs: the server, Redis, wrk (not wrk's report).
    #[serde(skip)]
    cpu_us: [u64; 3],
}

/// The processes whose CPU a measurement counts besides wrk: the server measured and Redis.
#[derive(Clone, Copy)]
struct Pids {
    server: u32,
    redis: u32,
}

impl Pids {
    /// CPU µs used so far: the server, Redis.
    fn cpu(&self) -> [u64; 2] {
        [cpu_us(Some(self.server)), cpu_us(Some(self.redis))]
    }

    /// CPU µs used since `before` (a [`Pids::cpu`]).
    fn since(&self, before: [u64; 2]) -> [u64; 2] {
        let now = self.cpu();
        [0, 1].map(|i| now[i].saturating_sub(before[i]))
    }
}

/// CPU time used so far (user and system), µs: of process `pid`, or (`None`) of this process's
/// waited-for children (wrk, once `output()` returned). /proc counts in USER_HZ ticks, 100 a
/// second on every Linux ABI: 10 ms, fine over seconds of load.
fn cpu_us(pid: Option<u32>) -> u64 {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".into(),
    };
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // Fields after the command (which may hold spaces) in parentheses: state is field 3;
    // utime, stime, cutime, cstime are fields 14 to 17.
    let fields: Vec<u64> = stat
        .rsplit_once(')')
        .map(|(_, rest)| {
            rest.split_whitespace()
                .skip(11)
                .take(4)
                .filter_map(|f| f.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let ticks = match (pid, fields.as_slice()) {
        (Some(_), [u, s, ..]) => u + s,
        (None, [_, _, cu, cs]) => cu + cs,
        _ => 0,
    };
    ticks * 10_000
}

impl Wrk {
    /// Answers 2xx (wrk counts every status from 400 up as an error; nothing here redirects).
    fn ok(&self) -> u64 {
        self.requests - self.status_errors
    }

    fn per_sec(&self) -> f64 {
        self.ok() as f64 / (self.duration_us as f64 / 1e6)
    }

    /// Requests whose answer never came: they may or may not have been recorded.
    fn unanswered(&self) -> u64 {
        self.connect + self.read + self.write + self.timeout
    }

    /// CPU µs per 2xx: the server, Redis, wrk, and all three.
    fn cpu_per_op(&self) -> [f64; 4] {
        let ok = self.ok().max(1) as f64;
        let [a, b, c] = self.cpu_us.map(|u| u as f64 / ok);
        [a, b, c, a + b + c]
    }
}

/// One line of the report.
struct Row {
    what: String,
    conns: usize,
    fsync: String,
    run: Wrk,
    base: Wrk,
    /// Redis commands per operation, the suite as a whole (consumers included), and the
    /// commands that took most of Redis's time.
    commands: (f64, String),
    /// CPU µs of the server and of Redis from the run's start until every consumer group of the
    /// suite had handled and acknowledged everything (see [`settled`]): what an operation
    /// costs sustained, the consumers' catch-up included.
    settled_us: [u64; 2],
    /// How long the consumers took, after wrk stopped, to handle everything.
    settle: Duration,
}

pub(crate) async fn run(mut args: Args) -> anyhow::Result<()> {
    if args.short {
        args.seconds = 2;
        args.connections = vec![16];
        args.fsync = vec!["everysec".into()];
    }
    ensure!(
        Command::new("wrk").arg("--version").output().is_ok(),
        "wrk is missing: `make deps` installs it (Debian's package wrk)"
    );
    let egov = match &args.egov {
        Some(p) => p.clone(),
        None => std::env::current_exe()?.with_file_name("egov"),
    };
    ensure!(
        egov.exists(),
        "{} missing: build egov with the same profile (`cargo build [--release] -p egov`)",
        egov.display()
    );
    let mut rows = Vec::new();
    let mut profiles = Vec::new();
    for fsync in args.fsync.clone() {
        let (r, p) = suite_run(&args, &egov, &fsync).await?;
        rows.extend(r);
        profiles.extend(p);
    }
    println!(
        "## egov bench http: wrk ({} thread{}) {} s per measurement against `egov up` and a bare warp handler doing one XADD, same Redis, same run",
        args.threads,
        if args.threads == 1 { "" } else { "s" },
        args.seconds
    );
    println!();
    println!(
        "| measurement | conns | appendfsync | 2xx/s | p50 | p99 | baseline 2xx/s | baseline p99 | vs baseline | Redis commands/op |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {:.0} | {:.2} ms | {:.2} ms | {:.0} | {:.2} ms | {:.3} | {:.1} |",
            r.what,
            r.conns,
            r.fsync,
            r.run.per_sec(),
            r.run.p50_us as f64 / 1e3,
            r.run.p99_us as f64 / 1e3,
            r.base.per_sec(),
            r.base.p99_us as f64 / 1e3,
            r.run.per_sec() / r.base.per_sec(),
            r.commands.0,
        );
    }
    println!();
    println!(
        "CPU per 2xx while wrk ran (µs; /proc): the server, Redis, wrk; on 2 cores a total of 2,000,000 / ops-per-second is the whole machine. Consumers lag under load: `settled` is egov and Redis from the run's start until every consumer group had handled and acknowledged everything (the sustained cost), then that with wrk against the bare total"
    );
    println!();
    println!(
        "| measurement | conns | appendfsync | egov | Redis | wrk | total | bare server | bare's Redis | bare's wrk | bare total | total vs bare | egov settled | Redis settled | settled vs bare | catch-up |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let (a, b) = (r.run.cpu_per_op(), r.base.cpu_per_op());
        let ok = r.run.ok().max(1) as f64;
        let settled = r.settled_us.map(|u| u as f64 / ok);
        println!(
            "| {} | {} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1}x | {:.0} | {:.0} | {:.1}x | {:.1} s |",
            r.what,
            r.conns,
            r.fsync,
            a[0],
            a[1],
            a[2],
            a[3],
            b[0],
            b[1],
            b[2],
            b[3],
            a[3] / b[3].max(f64::MIN_POSITIVE),
            settled[0],
            settled[1],
            (settled[0] + settled[1] + a[2]) / b[3].max(f64::MIN_POSITIVE),
            r.settle.as_secs_f64(),
        );
    }
    println!();
    println!(
        "Redis's time per operation (the whole suite: the request, then every consumer of its events), by command: calls/op and µs/op"
    );
    println!();
    for r in &rows {
        println!(
            "- {}, {} conns, appendfsync {}: {}",
            r.what, r.conns, r.fsync, r.commands.1
        );
    }
    for p in profiles {
        println!();
        println!("{p}");
    }
    Ok(())
}

/// One suite on a Redis with `fsync`: every connection count, submissions then completions.
async fn suite_run(
    args: &Args,
    egov: &Path,
    fsync: &str,
) -> anyhow::Result<(Vec<Row>, Vec<String>)> {
    let redis = egov_testkit::RedisServer::start_with(&["--appendfsync", fsync]);
    let url = redis.url();
    let home = std::env::temp_dir().join(format!("egov-bench-http-{}-{fsync}", std::process::id()));
    std::fs::create_dir_all(&home)?;
    let keys = DevKeys::load_or_create(&home)?;
    let token = |role, org: &str| {
        keys.mint(&TokenRequest {
            sub: "bench".into(),
            org: Bin::parse(org).expect("a valid BIN"),
            roles: vec![role],
            ttl: Duration::from_secs(3600),
        })
    };
    let (agency, ministry) = (
        token(Role::StateBody, AGENCY),
        token(Role::AuthorizedBody, MINISTRY),
    );

    let bare_port = egov_testkit::free_port();
    let bare_proc = Proc(
        Command::new(std::env::current_exe()?)
            .args([
                "bare",
                "--redis-url",
                &url,
                "--port",
                &bare_port.to_string(),
            ])
            .stdout(Stdio::null())
            .spawn()
            .context("starting the bare server")?,
    );
    let first = free_ports(7);
    let log = std::fs::File::create(home.join("egov.log"))?;
    let egov_proc = Proc(
        Command::new(egov)
            .arg("up")
            .arg("--home")
            .arg(&home)
            .args(["--redis-url", &url, "--first-port", &first.to_string()])
            .arg("--plugins")
            .arg(egov_testkit::plugins_dir().join("variants"))
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or("info".into()),
            )
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", egov.display()))?,
    );
    let intake = format!("http://127.0.0.1:{first}");
    let expertise = format!("http://127.0.0.1:{}", first + 1);
    let bare = format!("http://127.0.0.1:{bare_port}/submit");
    let http = reqwest::Client::new();
    for base in [&intake, &expertise] {
        ready(&http, &format!("{base}/readyz"), &home).await?;
    }
    ready_port(bare_port).await?;

    // The application, signed yesterday (local time), as an agency sends it today: checked
    // once with an ordinary client, so that a body the variant in force refuses stops the
    // benchmark with the variant's own words instead of a table of 422s.
    let today = egov_kernel::time::local_date(jiff::Timestamp::now());
    let body = serde_json::to_vec(&application(today))?;
    let body_file = home.join("application.json");
    std::fs::write(&body_file, &body)?;
    let submissions = format!("{intake}/api/v1/perechen-applications");
    let probe = http
        .post(&submissions)
        .bearer_auth(&agency)
        .header("idempotency-key", "probe")
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await?;
    let status = probe.status();
    ensure!(
        status == 201,
        "the benchmark's application is refused ({status}): {}",
        probe.text().await?
    );
    let decision = home.join("decision.json");
    std::fs::write(&decision, br#"{"outcome":"forward-to-si"}"#)?;
    let script = home.join("wrk.lua");
    std::fs::write(&script, include_str!("wrk.lua"))?;

    let mut conn = egov_bus::connect(&redis::Client::open(url.as_str())?).await?;
    let server_info: String = redis::cmd("INFO")
        .arg("server")
        .query_async(&mut conn)
        .await?;
    let redis_pid = server_info
        .lines()
        .find_map(|l| l.strip_prefix("process_id:")?.trim().parse().ok())
        .context("Redis's process_id")?;
    let egov_pids = Pids {
        server: egov_proc.0.id(),
        redis: redis_pid,
    };
    let bare_pids = Pids {
        server: bare_proc.0.id(),
        redis: redis_pid,
    };
    // Warm both (connections, caches, the plugin pool).
    let warm = Wrk::run(
        args,
        bare_pids,
        &script,
        &bare,
        8,
        1,
        &[],
        &body_file,
        "warm-bare",
        None,
    )?;
    ensure!(warm.ok() > 0, "the bare server answered nothing");
    Wrk::run(
        args,
        egov_pids,
        &script,
        &submissions,
        8,
        1,
        &[&agency],
        &body_file,
        "warm",
        None,
    )?;

    // The topic partitions (their groups exist once the suite is ready), listed while the
    // keyspace is small: `KEYS` over the keys of a measurement would cost Redis milliseconds.
    let topics: Vec<String> = redis::cmd("KEYS")
        .arg("egov:{*}:events")
        .query_async(&mut conn)
        .await?;
    let mut rows = Vec::new();
    let mut profiles = Vec::new();
    let most = args.connections.iter().copied().max().unwrap_or(0);
    for (i, &c) in args.connections.iter().enumerate() {
        // The baseline first in one round, second in the next: neither always gets the
        // machine's quieter moment.
        let mut base = None;
        if i % 2 == 0 {
            base = Some(Wrk::run(
                args,
                bare_pids,
                &script,
                &bare,
                c,
                args.seconds,
                &[],
                &body_file,
                "bare",
                None,
            )?);
        }
        let cases_before = cases_of_agency(&mut conn).await?;
        let stats_before = commandstats(&mut conn).await?;
        let cpu_before = egov_pids.cpu();
        let perf = (args.profile && c == most).then(|| egov_proc.0.id());
        let (run, profile) = Wrk::run_profiled(
            args,
            egov_pids,
            &script,
            &submissions,
            c,
            &[&agency],
            &body_file,
            &format!("sub-{c}"),
            None,
            perf,
        )?;
        let ended = Instant::now();
        settled(&mut conn, &topics).await?;
        let settle = ended.elapsed();
        let settled_us = egov_pids.since(cpu_before);
        let stats_after = commandstats(&mut conn).await?;
        let cases = cases_of_agency(&mut conn).await? - cases_before;
        if let Some(p) = profile {
            profiles.push(format!(
                "### egov's CPU during the submissions at {c} connections, appendfsync {fsync} (perf, self time)\n\n```\n{p}```"
            ));
        }
        ensure!(
            run.status_errors == 0,
            "{} of {} submissions at {c} connections were refused or failed; see {}",
            run.status_errors,
            run.requests,
            home.join("egov.log").display()
        );
        // Every 2xx is a case in Redis; a request whose answer was cut off by the end of the
        // run (at most one per connection) or lost may be there too.
        ensure!(
            run.ok() <= cases && cases <= run.ok() + run.unanswered() + c as u64,
            "{} submissions answered 2xx at {c} connections, {cases} cases in Redis",
            run.ok()
        );
        if base.is_none() {
            base = Some(Wrk::run(
                args,
                bare_pids,
                &script,
                &bare,
                c,
                args.seconds,
                &[],
                &body_file,
                "bare",
                None,
            )?);
        }
        rows.push(Row {
            what: "durable submission (Perechen application)".into(),
            conns: c,
            fsync: fsync.into(),
            run,
            base: base.expect("measured"),
            commands: commands_per_op(&stats_before, &stats_after, cases),
            settled_us,
            settle,
        });
    }

    // Completions: PL-4's check by the authorized body of every case submitted above, once
    // expertise has opened each (it started them while the submissions ran).
    caught_up(&mut conn, "egov:{intake.0}:events", "expertise").await?;
    let mut cases = case_ids(&mut conn).await?;
    let completions = format!("{expertise}/api/v1/tasks");
    let mut used = 0u64;
    // How many open tasks a completion run may take: 3 times the fastest submission rate for
    // the first (a completion costs less than a submission: in a debug build about twice as
    // many answer per second), then 2.5 times the fastest completion rate so far (more
    // connections, more per second).
    let fastest_submission = rows.iter().map(|r| r.run.per_sec()).fold(0.0, f64::max);
    let mut fastest: Option<f64> = None;
    for (i, &c) in args.connections.iter().enumerate() {
        // Too few open tasks for that: submissions, not measured, top them up (their cases
        // sort after those taken already: ids are ULIDs).
        let rate = fastest.map_or(3.0 * fastest_submission, |r| 2.5 * r);
        let need = (rate * args.seconds as f64) as u64;
        while (cases.len() as u64).saturating_sub(used) < need {
            let top_up = Wrk::run(
                args,
                egov_pids,
                &script,
                &submissions,
                most,
                args.seconds,
                &[&agency],
                &body_file,
                "top-up",
                None,
            )?;
            ensure!(
                top_up.ok() > 0 && top_up.status_errors == 0,
                "the submissions topping up the open tasks failed; see {}",
                home.join("egov.log").display()
            );
            // Every group caught up: the measurement after it counts none of their work.
            settled(&mut conn, &topics).await?;
            cases = case_ids(&mut conn).await?;
        }
        let bare_run = || {
            Wrk::run(
                args,
                bare_pids,
                &script,
                &bare,
                c,
                args.seconds,
                &[],
                &body_file,
                "bare",
                None,
            )
        };
        let base = if i % 2 == 1 { Some(bare_run()?) } else { None };
        // Each run takes the tasks after the ones the runs before took.
        let share = home.join(format!("tasks-{c}.txt"));
        std::fs::write(
            &share,
            cases
                .iter()
                .skip(used as usize)
                .map(|c| format!("/api/v1/tasks/{c}.ab-check/complete\n"))
                .collect::<String>(),
        )?;
        let left = cases.len() as u64 - used;
        ensure!(left > 0, "no open task is left for the completions");
        let done_before = completed(&mut conn).await?;
        let stats_before = commandstats(&mut conn).await?;
        let cpu_before = egov_pids.cpu();
        let perf = (args.profile && c == most).then(|| egov_proc.0.id());
        let (run, profile) = Wrk::run_profiled(
            args,
            egov_pids,
            &script,
            &completions,
            c,
            &[&ministry],
            &decision,
            &format!("done-{c}"),
            Some(&share),
            perf,
        )?;
        if let Some(p) = profile {
            profiles.push(format!(
                "### egov's CPU during the completions at {c} connections, appendfsync {fsync} (perf, self time)\n\n```\n{p}```"
            ));
        }
        let ended = Instant::now();
        settled(&mut conn, &topics).await?;
        let settle = ended.elapsed();
        let settled_us = egov_pids.since(cpu_before);
        let stats_after = commandstats(&mut conn).await?;
        let done = completed(&mut conn).await? - done_before;
        ensure!(
            run.requests < left,
            "the completions at {c} connections ran out of open tasks ({left}): submit for longer"
        );
        ensure!(
            run.status_errors == 0,
            "{} of {} completions at {c} connections were refused or failed; see {}",
            run.status_errors,
            run.requests,
            home.join("egov.log").display()
        );
        ensure!(
            run.ok() <= done && done <= run.ok() + run.unanswered() + c as u64,
            "{} completions answered 2xx at {c} connections, {done} recorded in Redis",
            run.ok()
        );
        used += run.requests + run.unanswered() + c as u64;
        fastest = Some(fastest.unwrap_or(0.0).max(run.per_sec()));
        let base = match base {
            Some(b) => b,
            None => bare_run()?,
        };
        rows.push(Row {
            what: "durable task completion (PL-4 check)".into(),
            conns: c,
            fsync: fsync.into(),
            run,
            base,
            commands: commands_per_op(&stats_before, &stats_after, done),
            settled_us,
            settle,
        });
    }
    drop(egov_proc);
    let _ = std::fs::remove_dir_all(&home);
    Ok((rows, profiles))
}

impl Wrk {
    #[allow(clippy::too_many_arguments)]
    fn run(
        args: &Args,
        pids: Pids,
        script: &Path,
        url: &str,
        conns: usize,
        seconds: u64,
        tokens: &[&str],
        body: &Path,
        prefix: &str,
        paths: Option<&Path>,
    ) -> anyhow::Result<Wrk> {
        let threads = args.threads.clamp(1, conns);
        let mut cmd = Command::new("wrk");
        cmd.arg(format!("-t{threads}"))
            .arg(format!("-c{conns}"))
            .arg(format!("-d{seconds}s"))
            .args(["--timeout", "10s", "-s"])
            .arg(script)
            .args(["-H", "Content-Type: application/json"])
            .env("EGOV_BENCH_BODY", body)
            .env("EGOV_BENCH_THREADS", threads.to_string())
            .env(
                "EGOV_BENCH_PREFIX",
                format!("{prefix}-{}", ulid::Ulid::new()),
            )
            .env(
                "EGOV_BENCH_PATHS",
                paths.map(Path::as_os_str).unwrap_or_default(),
            );
        for t in tokens {
            cmd.arg("-H").arg(format!("Authorization: Bearer {t}"));
        }
        let (before, before_children) = (pids.cpu(), cpu_us(None));
        let out = cmd.arg(url).output().context("running wrk")?;
        let [server, redis] = pids.since(before);
        let text = String::from_utf8_lossy(&out.stdout);
        let Some(line) = text.lines().find_map(|l| l.strip_prefix("EGOV ")) else {
            bail!(
                "wrk said nothing the benchmark understands: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let mut wrk: Wrk = serde_json::from_str(line).context("wrk's summary")?;
        // wrk's: this process's waited-for children, wrk the one just waited for.
        wrk.cpu_us = [server, redis, cpu_us(None).saturating_sub(before_children)];
        Ok(wrk)
    }

    /// A measurement of `args.seconds`, with egov's process `perf`-recorded meanwhile when
    /// `perf_pid` is given (and perf is there).
    #[allow(clippy::too_many_arguments)]
    fn run_profiled(
        args: &Args,
        pids: Pids,
        script: &Path,
        url: &str,
        conns: usize,
        tokens: &[&str],
        body: &Path,
        prefix: &str,
        paths: Option<&Path>,
        perf_pid: Option<u32>,
    ) -> anyhow::Result<(Wrk, Option<String>)> {
        let Some(pid) = perf_pid else {
            return Ok((
                Self::run(
                    args,
                    pids,
                    script,
                    url,
                    conns,
                    args.seconds,
                    tokens,
                    body,
                    prefix,
                    paths,
                )?,
                None,
            ));
        };
        let data = body.with_file_name(format!("perf-{prefix}.data"));
        let perf = Command::new("perf")
            .args(["record", "-F", "499", "--call-graph", "dwarf,16384", "-o"])
            .arg(&data)
            .args(["-p", &pid.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        let run = Self::run(
            args,
            pids,
            script,
            url,
            conns,
            args.seconds,
            tokens,
            body,
            prefix,
            paths,
        )?;
        let Ok(perf) = perf else {
            eprintln!("perf is not installed: no profile");
            return Ok((run, None));
        };
        // SIGINT: perf writes its data and exits.
        let _ = Command::new("kill")
            .args(["-INT", &perf.id().to_string()])
            .status();
        let recorded = perf.wait_with_output()?;
        let by_dso = perf_report(&data, "dso", 12)?;
        let by_symbol = perf_report(&data, "symbol", 30)?;
        if by_symbol.is_empty() {
            eprintln!(
                "perf recorded nothing: {}",
                String::from_utf8_lossy(&recorded.stderr)
            );
        }
        // Kept for `perf report -g` (callers): the run's home is removed at its end.
        let kept = std::env::temp_dir().join(format!("egov-bench-perf-{prefix}.data"));
        let _ = std::fs::copy(&data, &kept);
        let top = format!(
            "by binary:\n{by_dso}\nby function:\n{by_symbol}\n(perf data: {})\n",
            kept.display()
        );
        Ok((run, Some(top)))
    }
}

/// The top `n` lines of `perf report --sort <sort>` (self time), highest first, each `percent
/// name` cut to 140 characters.
fn perf_report(data: &Path, sort: &str, n: usize) -> anyhow::Result<String> {
    let report = Command::new("perf")
        .args(["report", "--no-children", "--stdio", "-g", "none", "-F"])
        .arg(format!("overhead,{sort}"))
        .args(["--percent-limit", "0.5", "--sort", sort, "-i"])
        .arg(data)
        .output()?;
    let text = String::from_utf8_lossy(&report.stdout);
    let mut lines: Vec<(f64, String)> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let l = l.trim();
            let (pct, rest) = l.split_once('%')?;
            let pct: f64 = pct.trim().parse().ok()?;
            let name: String = rest.trim().chars().take(140).collect();
            Some((pct, name))
        })
        .collect();
    lines.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(lines
        .into_iter()
        .take(n)
        .map(|(pct, name)| format!("{pct:6.2}%  {name}\n"))
        .collect())
}

/// A Perechen application (PL-3, forms PL-F1 and PL-F3) of an information system, signed the
/// day before `today`.
fn application(today: jiff::civil::Date) -> serde_json::Value {
    let signed = today.yesterday().expect("a day before");
    let criteria: serde_json::Map<String, serde_json::Value> = [
        "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "2.5", "3.1", "3.2", "3.3",
    ]
    .iter()
    .map(|id| {
        (
            (*id).to_owned(),
            serde_json::Value::Bool(["1.1", "2.1", "2.3", "3.1"].contains(id)),
        )
    })
    .collect();
    serde_json::json!({
        "object_kind": "information-system",
        "fields": {"addressee": "Ministry of Digital Development", "state_body_name": "Ministry of Justice",
                   "request": "Include the IS in the Perechen", "object_name": "E-notary",
                   "signatory": "Nurlanov A. B.", "signed_on": signed.to_string(),
                   "signature": "eds:cms/bench/0001", "portal_placement_declared": "yes"},
        "documents": [{"kind": "services-or-functions-list", "reference": "portal:doc/1001"},
                      {"kind": "criteria-compliance", "reference": "portal:doc/1002"}],
        "criteria": criteria,
    })
}

/// Seven consecutive free loopback ports (egov up's services and peers); returns the first.
fn free_ports(n: u16) -> u16 {
    loop {
        let first = egov_testkit::free_port();
        if first > 65535 - n {
            continue;
        }
        if (0..n).all(|i| std::net::TcpListener::bind(("127.0.0.1", first + i)).is_ok()) {
            return first;
        }
    }
}

async fn ready(http: &reqwest::Client, url: &str, home: &Path) -> anyhow::Result<()> {
    let until = Instant::now() + Duration::from_secs(180);
    loop {
        if let Ok(r) = http.get(url).send().await
            && r.status() == 200
        {
            return Ok(());
        }
        ensure!(
            Instant::now() < until,
            "{url} not ready after 180 s; see {}",
            home.join("egov.log").display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn ready_port(port: u16) -> anyhow::Result<()> {
    let until = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        ensure!(Instant::now() < until, "the bare server never listened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Every case of the benchmark's agency, oldest first.
async fn case_ids(conn: &mut egov_bus::Conn) -> anyhow::Result<Vec<String>> {
    let mut ids: Vec<String> = conn
        .smembers(format!("egov:{{intake.0}}:idx:org:{AGENCY}"))
        .await?;
    ids.sort();
    Ok(ids)
}

/// Cases of the benchmark's agency intake holds (its index of the agency's cases).
async fn cases_of_agency(conn: &mut egov_bus::Conn) -> anyhow::Result<u64> {
    Ok(conn
        .scard(format!("egov:{{intake.0}}:idx:org:{AGENCY}"))
        .await?)
}

/// PL-4 checks completed: each forwarded its case to the service integrator, whose open
/// tasks expertise indexes (`idx:work:expertise:service-integrator`).
async fn completed(conn: &mut egov_bus::Conn) -> anyhow::Result<u64> {
    Ok(conn
        .zcard("egov:{expertise.0}:idx:work:expertise:service-integrator")
        .await?)
}

/// Waits until `group` has read and acknowledged everything on `stream`; true when it had to
/// wait.
async fn caught_up(conn: &mut egov_bus::Conn, stream: &str, group: &str) -> anyhow::Result<bool> {
    let until = Instant::now() + Duration::from_secs(600);
    let mut waited = false;
    loop {
        let groups: Vec<BTreeMap<String, redis::Value>> = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg(stream)
            .query_async(conn)
            .await?;
        let g = groups.iter().find(|g| {
            g.get("name")
                .and_then(|v| redis::from_redis_value::<String>(v.clone()).ok())
                .as_deref()
                == Some(group)
        });
        let num = |k: &str| {
            g.and_then(|g| g.get(k))
                .and_then(|v| redis::from_redis_value::<i64>(v.clone()).ok())
        };
        if num("lag") == Some(0) && num("pending") == Some(0) {
            return Ok(waited);
        }
        ensure!(
            Instant::now() < until,
            "{group} did not catch up with {stream}"
        );
        waited = true;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until every consumer group of `streams` (the topic partitions) has read and
/// acknowledged everything: the suite has done all the work of what it answered. A group's
/// handler may publish to a stream already passed, so the passes repeat until one finds every
/// group caught up without waiting.
async fn settled(conn: &mut egov_bus::Conn, streams: &[String]) -> anyhow::Result<()> {
    loop {
        let mut waited = false;
        for stream in streams {
            let groups: Vec<BTreeMap<String, redis::Value>> = redis::cmd("XINFO")
                .arg("GROUPS")
                .arg(stream)
                .query_async(conn)
                .await?;
            for g in groups {
                if let Some(name) = g
                    .get("name")
                    .and_then(|v| redis::from_redis_value::<String>(v.clone()).ok())
                {
                    waited |= caught_up(conn, stream, &name).await?;
                }
            }
        }
        if !waited {
            return Ok(());
        }
    }
}

/// `INFO commandstats`: calls and microseconds per command.
async fn commandstats(conn: &mut egov_bus::Conn) -> anyhow::Result<BTreeMap<String, (u64, u64)>> {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(conn)
        .await?;
    Ok(info
        .lines()
        .filter_map(|l| {
            let (name, rest) = l.strip_prefix("cmdstat_")?.split_once(':')?;
            let field = |k: &str| {
                rest.split(',')
                    .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('='))?
                    .parse::<u64>()
                    .ok()
            };
            Some((name.to_owned(), (field("calls")?, field("usec")?)))
        })
        .collect())
}

/// Per operation: Redis commands in all (what the benchmark itself sends left out), and the
/// commands that took most of Redis's time, each `name calls/op usec/op`.
fn commands_per_op(
    before: &BTreeMap<String, (u64, u64)>,
    after: &BTreeMap<String, (u64, u64)>,
    ops: u64,
) -> (f64, String) {
    let ops = ops.max(1) as f64;
    let mut delta: Vec<(&str, f64, f64)> = after
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "info" | "scard" | "zcard" | "smembers" | "xinfo|groups"
            )
        })
        .map(|(k, (calls, usec))| {
            let (c0, u0) = before.get(k).copied().unwrap_or((0, 0));
            (
                k.as_str(),
                (calls - c0) as f64 / ops,
                (usec - u0) as f64 / ops,
            )
        })
        .filter(|(_, c, _)| *c > 0.0)
        .collect();
    let total = delta.iter().map(|(_, c, _)| c).sum();
    delta.sort_by(|a, b| b.2.total_cmp(&a.2));
    let top = delta
        .iter()
        .take(6)
        .map(|(k, c, u)| format!("{k} {c:.2}/{u:.0}µs"))
        .collect::<Vec<_>>()
        .join(", ");
    (total, top)
}
