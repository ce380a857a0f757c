//! The monitoring bridge (MON-9.b, MON-11): signed status reports ingested per second over
//! HTTP (verified, logged, queued, answered 202) with their p50/p99, forwarded per second (until
//! the peer holds them all), and the drain rate of a queue after an outage, each against the
//! same path without signatures measured in the same run (the bridge and the peer with no keys:
//! nothing verified, nothing signed). Then the machine-to-machine path: the monitoring IS's
//! "request" messages posted to the inbox in batches, relayed to a provider's IS, whose signed
//! "responses" come back and go on to the monitoring IS. Goal: ≥ 5,000 messages/s forwarded,
//! drain ≥ 10,000/s.
//!
//! The bridge and the peer run in-process on a runtime of their own; the client's bodies are
//! signed before the clock starts (a client's signing is not the bridge's work).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;

use egov_auth::dev::{DevKeys, TokenRequest};
use egov_events::monitoring::{Batch, Category, Message, MessageType, Signed};
use egov_kernel::{Bin, Role};
use egov_monitoring_bridge::{MONITORING_IS, dev, peer};
use egov_runtime::Platform;
use prost::Message as _;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::{Run, measure};

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Messages ingested and forwarded per measurement.
    #[arg(long, default_value_t = 10_000)]
    messages: usize,
    /// Messages queued during the outage, then drained.
    #[arg(long, default_value_t = 20_000)]
    drain: usize,
    /// "Request" messages from the monitoring IS through the inbox, in batches, forwarded to a
    /// provider's IS (which answers each with a signed "response" the bridge forwards back).
    #[arg(long, default_value_t = 20_000)]
    requests: usize,
    /// Messages per inbox batch.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Redis fsync policy.
    #[arg(long, default_value = "everysec")]
    fsync: String,
}

const CORPORATION: &str = "000740001307";
const PROVIDER: &str = "940740000911";

struct Figures {
    ingest: Run,
    forwarded: f64,
    drain: f64,
    inbox: Run,
    relayed: f64,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let signed = one(&args, true).await?;
    let unsigned = one(&args, false).await?;
    println!();
    println!(
        "monitoring bridge: {} status reports, {} clients",
        args.messages, args.concurrency
    );
    let row = |what: &str, s: f64, u: f64, unit: &str| {
        println!(
            "  {what:<28} signed {s:>9.0} {unit}   unsigned {u:>9.0} {unit}   ratio {:.2}",
            s / u
        );
    };
    row(
        "ingested (202)",
        signed.ingest.ops_per_sec,
        unsigned.ingest.ops_per_sec,
        "msg/s",
    );
    println!(
        "  {:<28} signed p50 {:>6.2} ms p99 {:>6.2} ms   unsigned p50 {:>6.2} ms p99 {:>6.2} ms",
        "ingest latency",
        ms(signed.ingest.p50),
        ms(signed.ingest.p99),
        ms(unsigned.ingest.p50),
        ms(unsigned.ingest.p99)
    );
    row(
        "forwarded (peer holds all)",
        signed.forwarded,
        unsigned.forwarded,
        "msg/s",
    );
    row(
        &format!("inbox, batches of {}", args.batch),
        signed.inbox.ops_per_sec * args.batch as f64,
        unsigned.inbox.ops_per_sec * args.batch as f64,
        "msg/s",
    );
    println!(
        "  {:<28} signed p99 {:>6.2} ms   unsigned p99 {:>6.2} ms (a batch)",
        "inbox latency",
        ms(signed.inbox.p99),
        ms(unsigned.inbox.p99)
    );
    row(
        "relayed to a provider's IS",
        signed.relayed,
        unsigned.relayed,
        "msg/s",
    );
    row(
        &format!("drain after outage ({})", args.drain),
        signed.drain,
        unsigned.drain,
        "msg/s",
    );
    println!("  goal: forwarded >= 5000 msg/s signed; drain >= 10000 msg/s in order");
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One configuration on a fresh Redis.
async fn one(args: &Args, signatures: bool) -> anyhow::Result<Figures> {
    let server = egov_testkit::RedisServer::start_with(&["--appendfsync", &args.fsync]);
    let home = std::env::temp_dir().join(format!(
        "egov-bench-mon-{}-{signatures}",
        std::process::id()
    ));
    let keys = DevKeys::load_or_create(&home)?;
    let token = keys.mint(&TokenRequest {
        sub: "bench".into(),
        org: Bin::parse(CORPORATION)?,
        roles: vec![Role::StateCorporation],
        ttl: Duration::from_secs(3600),
    });
    let pki_dir = home.join("monitoring");
    let pki = dev::pki(&pki_dir)?;
    let sealing_key = home.join("dev-sealing-key");
    egov_runtime::sealing::create_dev_key(&sealing_key)?;
    let peer_port = egov_testkit::free_port();
    let peer_url = format!("http://127.0.0.1:{peer_port}");
    let provider_port = egov_testkit::free_port();
    let provider_url = format!("http://127.0.0.1:{provider_port}");
    let system = keys.mint(&TokenRequest {
        sub: "bench-monitoring-is".into(),
        org: Bin::parse(CORPORATION)?,
        roles: vec![Role::MonitoringSystem],
        ttl: Duration::from_secs(3600),
    });
    let bridge_addr = SocketAddr::from(([127, 0, 0, 1], egov_testkit::free_port()));

    // The bridge and the peer on a runtime of their own.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let shutdown = CancellationToken::new();
    let (stop, url, jwks, purl, prurl, pdir) = (
        shutdown.clone(),
        server.url(),
        keys.jwks_path(),
        peer_url.clone(),
        provider_url.clone(),
        pki_dir.clone(),
    );
    let servers = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        rt.block_on(async move {
            let cfg = crate::platform_config(url, jwks, sealing_key, Vec::new());
            let platform = Platform::connect(&cfg, Arc::new(egov_kernel::SystemClock))
                .await
                .expect("the platform");
            let listen = SocketAddr::from(([127, 0, 0, 1], peer_port));
            let mut pcfg =
                dev::peer(&pdir, MONITORING_IS, listen, pdir.join("peer-state")).expect("a peer");
            pcfg.signatures = signatures;
            peer::start(pcfg, stop.clone()).await.expect("the peer");
            let listen = SocketAddr::from(([127, 0, 0, 1], provider_port));
            let name = format!("provider-is.{}", dev::PROVIDER_WITH_IS);
            let mut pcfg =
                dev::peer(&pdir, &name, listen, pdir.join("provider-state")).expect("a peer");
            pcfg.signatures = signatures;
            peer::start(pcfg, stop.clone())
                .await
                .expect("the provider's peer");
            let bcfg = dev::config(
                &pdir,
                bridge_addr,
                &format!("{purl}/messages"),
                &format!("{prurl}/messages"),
            )
            .expect("a bridge");
            let running = if signatures {
                egov_monitoring_bridge::start(platform, bcfg, stop.clone()).await
            } else {
                egov_monitoring_bridge::start_unsigned(
                    platform,
                    bcfg.listen,
                    bcfg.exchange,
                    stop.clone(),
                )
                .await
            }
            .expect("the bridge");
            tx.send(()).ok();
            stop.cancelled().await;
            running.wait().await;
        });
    });
    rx.await?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let signer = pki.signer(&format!("employee.{CORPORATION}"))?;
    let bodies = |n: usize| -> Arc<Vec<bytes::Bytes>> {
        Arc::new(
            (0..n)
                .map(|_| {
                    let doc = json!({"id": ulid::Ulid::new().to_string(), "application": "APP-1", "service": "00101001",
                        "provider": PROVIDER, "status": "accepted", "at": egov_kernel::time::format(jiff::Timestamp::now())});
                    let body = if signatures {
                        let bytes = egov_signature::canonical_json(&doc).expect("JSON");
                        let cms = egov_signature::sign_detached(&signer, &bytes, jiff::Timestamp::now()).expect("signed");
                        json!({"message": doc, "signature": base64::engine::general_purpose::STANDARD.encode(cms)})
                    } else {
                        json!({"message": doc, "signature": ""})
                    };
                    bytes::Bytes::from(serde_json::to_vec(&body).expect("JSON"))
                })
                .collect(),
        )
    };
    let post = |bodies: Arc<Vec<bytes::Bytes>>| {
        let (http, token, url) = (
            http.clone(),
            token.clone(),
            format!("http://{bridge_addr}/api/v1/monitoring/status-reports"),
        );
        move |i: usize| {
            let (http, token, url, body) =
                (http.clone(), token.clone(), url.clone(), bodies[i].clone());
            async move {
                let r = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await?;
                anyhow::ensure!(r.status() == 202, "{}: {}", r.status(), r.text().await?);
                Ok(())
            }
        }
    };
    let received = |http: reqwest::Client, purl: String| async move {
        let v: Value = http
            .get(format!("{purl}/received?after=1000000000"))
            .send()
            .await?
            .json()
            .await?;
        anyhow::Ok(v["total"].as_u64().unwrap_or(0) as usize)
    };
    // Warm-up.
    let warm = bodies(500);
    measure("warm-up", warm.len(), args.concurrency, post(warm.clone())).await?;
    wait_for(&http, &peer_url, 500, received).await?;

    // Ingest and forward.
    let b = bodies(args.messages);
    let start = Instant::now();
    let ingest = measure(
        if signatures {
            "ingest signed"
        } else {
            "ingest unsigned"
        },
        b.len(),
        args.concurrency,
        post(b.clone()),
    )
    .await?;
    wait_for(&http, &peer_url, 500 + args.messages, received).await?;
    let forwarded = args.messages as f64 / start.elapsed().as_secs_f64();

    // The outage: the peer answers 503, the queue fills; then it comes back.
    set_mode(&http, &peer_url, "unavailable").await?;
    let d = bodies(args.drain);
    measure("queue", d.len(), args.concurrency, post(d.clone())).await?;
    set_mode(&http, &peer_url, "accept").await?;
    // The drain starts with the first delivery after the outage (the backoff's wait before
    // that retry is not drain time).
    let before = 500 + args.messages;
    wait_for(&http, &peer_url, before + 1, received).await?;
    let start = Instant::now();
    let first = received(http.clone(), peer_url.clone()).await?;
    wait_for(&http, &peer_url, before + args.drain, received).await?;
    let drain = (before + args.drain - first) as f64 / start.elapsed().as_secs_f64();

    // The inbox: the monitoring IS's "request" messages in batches, relayed to the provider's
    // IS, whose signed "responses" the bridge verifies and forwards to the monitoring IS.
    let mis = pki.signer(MONITORING_IS)?;
    let batches: Arc<Vec<bytes::Bytes>> = Arc::new(
        (0..args.requests.div_ceil(args.batch))
            .map(|_| {
                let messages = (0..args.batch)
                    .map(|_| {
                        let m = Message {
                            id: ulid::Ulid::new().to_string(),
                            r#type: MessageType::Request as i32,
                            category: Category::Information as i32,
                            sender: MONITORING_IS.into(),
                            recipient: format!("provider:{}", dev::PROVIDER_WITH_IS),
                            created_at: egov_kernel::time::format(jiff::Timestamp::now()),
                            body: br#"{"source":"application APP-1"}"#.to_vec(),
                            ..Default::default()
                        };
                        let bytes = m.encode_to_vec();
                        let signature = if signatures {
                            egov_signature::sign_detached(&mis, &bytes, jiff::Timestamp::now())
                                .expect("signed")
                        } else {
                            Vec::new()
                        };
                        Signed {
                            message: bytes,
                            signature,
                        }
                    })
                    .collect();
                bytes::Bytes::from(Batch { messages }.encode_to_vec())
            })
            .collect(),
    );
    let inbox_post = {
        let (http, system, url, batches) = (
            http.clone(),
            system.clone(),
            format!("http://{bridge_addr}/api/v1/monitoring/inbox"),
            batches.clone(),
        );
        move |i: usize| {
            let (http, system, url, body) = (
                http.clone(),
                system.clone(),
                url.clone(),
                batches[i].clone(),
            );
            async move {
                let r = http
                    .post(&url)
                    .bearer_auth(&system)
                    .header("content-type", "application/x-protobuf")
                    .body(body)
                    .send()
                    .await?;
                anyhow::ensure!(r.status() == 200, "{}", r.status());
                Ok(())
            }
        }
    };
    let start = Instant::now();
    let inbox = measure(
        "inbox",
        batches.len(),
        (args.concurrency / 4).max(1),
        inbox_post,
    )
    .await?;
    let total = batches.len() * args.batch;
    wait_for(&http, &provider_url, total, received).await?;
    let relayed = total as f64 / start.elapsed().as_secs_f64();
    eprintln!(
        "{}: ingest {:.0}/s p99 {:.1} ms, forwarded {forwarded:.0}/s, drain {drain:.0}/s",
        if signatures { "signed" } else { "unsigned" },
        ingest.ops_per_sec,
        ms(ingest.p99)
    );
    shutdown.cancel();
    let _ = servers.join();
    let _ = std::fs::remove_dir_all(&home);
    Ok(Figures {
        ingest,
        forwarded,
        drain,
        inbox,
        relayed,
    })
}

async fn set_mode(http: &reqwest::Client, peer: &str, mode: &str) -> anyhow::Result<()> {
    let r = http
        .put(format!("{peer}/mode"))
        .json(&json!({"mode": mode}))
        .send()
        .await?;
    anyhow::ensure!(r.status().is_success(), "mode {mode}: {}", r.status());
    Ok(())
}

async fn wait_for<F, Fut>(
    http: &reqwest::Client,
    peer: &str,
    n: usize,
    received: F,
) -> anyhow::Result<()>
where
    F: Fn(reqwest::Client, String) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        if received(http.clone(), peer.to_owned()).await? >= n {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the peer did not receive {n} messages in time"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
