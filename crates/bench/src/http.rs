//! Durable submissions per second through the whole intake path (auth, JSON, validation by the
//! procedure variant, the atomic append with its outbox XADD, the 201) against a bare warp
//! handler that does one XADD of the same body and answers 201: both on the same Redis, the
//! same machine, the same load generator, in one run.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use egov::suite::{self, Layout};

use egov_auth::dev::{DevKeys, TokenRequest};
use egov_kernel::{Bin, Role};
use egov_runtime::Platform;
use redis::AsyncCommands;
use tokio_util::sync::CancellationToken;
use warp::Filter;

use crate::{Run, measure, median};

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Requests per measurement.
    #[arg(long, default_value_t = 5_000)]
    requests: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Rounds (rotated order; the median is reported).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Redis fsync policy.
    #[arg(long, default_value = "everysec")]
    fsync: String,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let server = egov_testkit::RedisServer::start_with(&["--appendfsync", &args.fsync]);
    let home = std::env::temp_dir().join(format!("egov-bench-{}", std::process::id()));
    let keys = DevKeys::load_or_create(&home)?;
    let token = keys.mint(&TokenRequest {
        sub: "bench".into(),
        org: Bin::parse("940740000911")?,
        roles: vec![Role::StateBody],
        ttl: Duration::from_secs(3600),
    });

    // The servers run on a runtime of their own (one worker), the generator on this one, so
    // the two do not share a scheduler; Redis has the remaining core.
    let (addrs_tx, addrs_rx) = tokio::sync::oneshot::channel();
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    let url = server.url();
    let jwks = keys.jwks_path();
    let sealing_key = jwks.with_file_name("dev-sealing-key");
    egov_runtime::sealing::create_dev_key(&sealing_key).unwrap();
    let servers = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let cfg = crate::platform_config(
                url.clone(),
                jwks,
                sealing_key,
                vec![egov_testkit::plugins_dir().join("variants")],
            );
            let platform = Platform::connect(&cfg, Arc::new(egov_kernel::SystemClock))
                .await
                .unwrap();
            let intake = suite::start_one(&platform, "intake", &Layout::loopback(0), stop.clone())
                .await
                .unwrap();
            let bare = bare_xadd_server(&url).await;
            addrs_tx.send((intake.addr, bare)).unwrap();
            stop.cancelled().await;
            intake.wait().await;
        });
    });
    let (intake, bare) = addrs_rx.await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let body = serde_json::to_vec(&serde_json::json!({
        "object_kind": "information-system",
        "fields": {"addressee": "Ministry of Digital Development", "state_body_name": "Ministry of Justice",
                   "request": "Include the IS in the Perechen", "object_name": "E-notary",
                   "signatory": "Nurlanov A. B.", "signed_on": "2026-01-05",
                   "signature": "eds:cms/bench/0001", "portal_placement_declared": "yes"},
        "documents": [{"kind": "services-or-functions-list", "reference": "portal:doc/1001"},
                      {"kind": "criteria-compliance", "reference": "portal:doc/1002"}],
        // PL-F3, every criterion that applies to an information system answered.
        "criteria": {"1.1": true, "1.2": false, "1.3": false, "1.4": false, "2.1": true,
                     "2.2": false, "2.3": true, "2.4": false, "2.5": false, "3.1": true,
                     "3.2": false, "3.3": false}
    }))?;

    let post = |url: String, name: &'static str| {
        let client = client.clone();
        let body = body.clone();
        let token = token.clone();
        let (n, c) = (args.requests, args.concurrency);
        async move {
            measure(name, n, c, move |_| {
                let client = client.clone();
                let body = body.clone();
                let url = url.clone();
                let token = token.clone();
                async move {
                    let r = client
                        .post(&url)
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await?;
                    anyhow::ensure!(r.status() == 201, "{url}: {}", r.status());
                    Ok(())
                }
            })
            .await
        }
    };
    let bare_url = format!("http://{bare}/submit");
    let intake_url = format!("http://{intake}/api/v1/perechen-applications");
    // Warm both paths (connections, JIT-free but cache-warm).
    post(bare_url.clone(), "warm").await?;
    post(intake_url.clone(), "warm").await?;
    let mut bare_runs = Vec::new();
    let mut intake_runs = Vec::new();
    for round in 0..args.rounds {
        if round % 2 == 0 {
            bare_runs
                .push(post(bare_url.clone(), "bare warp handler + one XADD (baseline)").await?);
            intake_runs
                .push(post(intake_url.clone(), "durable submission (intake, full path)").await?);
        } else {
            intake_runs
                .push(post(intake_url.clone(), "durable submission (intake, full path)").await?);
            bare_runs
                .push(post(bare_url.clone(), "bare warp handler + one XADD (baseline)").await?);
        }
    }
    let (base, subject) = (median(bare_runs), median(intake_runs));
    shutdown.cancel();
    servers
        .join()
        .map_err(|_| anyhow::anyhow!("server thread panicked"))?;
    let _ = std::fs::remove_dir_all(&home);

    println!(
        "## egov bench http: {} requests x {} rounds (median), {} concurrent clients, appendfsync {}",
        args.requests, args.rounds, args.concurrency, args.fsync
    );
    println!();
    println!("| measurement | req/s | p50 | p99 | vs baseline |");
    println!("|---|---:|---:|---:|---:|");
    for r in [&base, &subject] {
        row(r, base.ops_per_sec);
    }
    Ok(())
}

fn row(r: &Run, base: f64) {
    println!(
        "| {} | {:.0} | {:.2} ms | {:.2} ms | {:.2} |",
        r.name,
        r.ops_per_sec,
        r.p50.as_secs_f64() * 1e3,
        r.p99.as_secs_f64() * 1e3,
        r.ops_per_sec / base
    );
}

/// `POST /submit`: one XADD of the body, then 201. No auth, no parsing: the floor.
pub(crate) async fn bare_xadd_server(redis_url: &str) -> std::net::SocketAddr {
    let client = redis::Client::open(redis_url).unwrap();
    let conn = egov_bus::connect(&client)
        .await
        .context("bare server redis")
        .unwrap();
    let route = warp::path!("submit")
        .and(warp::post())
        .and(warp::body::bytes())
        .then(move |body: bytes::Bytes| {
            let mut conn = conn.clone();
            async move {
                let id: String = conn
                    .xadd("bench:bare", "*", &[("data", body.as_ref())])
                    .await
                    .unwrap();
                warp::reply::with_status(
                    warp::reply::json(&serde_json::json!({"id": id})),
                    warp::http::StatusCode::CREATED,
                )
            }
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(warp::serve(route).incoming(listener).run());
    addr
}
