//! The last minute of a tender window (SM-47, SM-49): applications accepted per second into the
//! sealed slots of `tenders` open tenders, against a bare warp handler doing one `XADD` in the
//! same run; then the close: the clock is set to the windows' common end (24:00 local time of
//! their last day) and the time from that instant to each tender's opening (the `CaseAdvanced`
//! that unsealed its applications) is measured. Goal: every close acted on within 1 s.
//!
//! The suite runs in-process on a runtime of its own (intake, expertise with its scheduler at
//! the default tick, tender, catalog), on a development clock the bench sets (the close through
//! intake's `PUT /api/v1/dev/clock`, as an operator would): tenders of the 2022 edition
//! are opened from a design assignment (platform administrators' intake), announced and given a
//! Commission over HTTP, all on 4 May 2022.

use std::sync::Arc;
use std::time::{Duration, Instant};

use egov::suite::{self, Layout};

use egov_auth::dev::{DevKeys, TokenRequest};
use egov_kernel::{Bin, FixedClock, Role, time};
use egov_runtime::Platform;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::{Run, measure};

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Open tenders whose windows close at the same instant.
    #[arg(long, default_value_t = 1_000)]
    tenders: usize,
    /// Applications sent in the last minute (spread over the tenders).
    #[arg(long, default_value_t = 5_000)]
    applications: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Redis fsync policy.
    #[arg(long, default_value = "everysec")]
    fsync: String,
}

const CUSTOMER: &str = "940740000911";
const MINISTRY: &str = "000740001307";
const SUPPLIERS: [&str; 2] = ["990140000384", "051140000123"];
/// The day the tenders are opened, announced and given their Commission (a Wednesday).
const OPENED: &str = "2022-05-04T10:00:00+06:00";

/// The body of an approved design assignment's entry (what the service-model variant writes).
fn design_assignment(n: usize) -> Value {
    let items = [
        "general_information",
        "rental_cost_ceiling",
        "ict_service_cost_ceiling",
        "processes_or_technical_requirements",
        "platform_requirements",
        "integration_requirements",
        "performance_requirements",
        "information_security_requirements",
        "commissioning_requirements",
        "source_code_and_standard_solutions",
        "training_requirements",
        "supplier_selection_criteria",
        "schedule_and_responsibility_matrix",
        "ppp_conditions",
    ];
    let da: serde_json::Map<String, Value> = items
        .iter()
        .enumerate()
        .map(|(i, k)| ((*k).to_owned(), json!(format!("Сведения пункта {}", i + 1))))
        .collect();
    let received = format!(
        "2022-03-{:02}T{:02}:{:02}:00+06:00",
        1 + n % 28,
        n / 60 % 24,
        n % 60
    );
    json!({
        "customer": CUSTOMER,
        "request": {"intake": "request", "received_at": received, "function": "Бенчмарк"},
        "design_assignment": da,
        "developed_at": "2022-04-20T10:00:00+06:00",
        "approved_on": "2022-05-04",
        "status": "approved",
        "next": "SM-42",
        "design_assignment_key": format!("{CUSTOMER}/{received}#{n}"),
    })
}

struct Client {
    http: reqwest::Client,
    keys: DevKeys,
}

impl Client {
    fn token(&self, role: Role, org: &str) -> String {
        self.keys.mint(&TokenRequest {
            sub: format!("bench-{role}"),
            org: Bin::parse(org).expect("a BIN"),
            roles: vec![role],
            ttl: Duration::from_secs(3600),
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        token: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut r = self.http.request(method, url).bearer_auth(token);
        if let Some(b) = body {
            r = r.json(b);
        }
        let r = r.send().await?;
        let status = r.status().as_u16();
        Ok((status, r.json().await.unwrap_or(Value::Null)))
    }

    /// Task `key` of `case` in `role`'s worklist at `base`, waited for.
    async fn task(
        &self,
        base: &str,
        role: Role,
        org: &str,
        case: &str,
        key: &str,
    ) -> anyhow::Result<String> {
        let token = self.token(role, org);
        for _ in 0..400 {
            let (_, w) = self
                .call(
                    reqwest::Method::GET,
                    &format!("{base}/api/v1/tasks?limit=200"),
                    &token,
                    None,
                )
                .await?;
            if let Some(t) = w["items"]
                .as_array()
                .and_then(|i| i.iter().find(|t| t["case_id"] == case && t["key"] == key))
            {
                return Ok(t["id"].as_str().unwrap_or_default().to_owned());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        anyhow::bail!("task {key} of {case} never opened")
    }

    async fn complete(
        &self,
        base: &str,
        role: Role,
        org: &str,
        case: &str,
        key: &str,
        body: Value,
    ) -> anyhow::Result<()> {
        let id = self.task(base, role, org, case, key).await?;
        let (status, r) = self
            .call(
                reqwest::Method::POST,
                &format!("{base}/api/v1/tasks/{id}/complete"),
                &self.token(role, org),
                Some(&body),
            )
            .await?;
        anyhow::ensure!(status == 200, "{key}: {status} {r}");
        Ok(())
    }
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let server = egov_testkit::RedisServer::start_with(&["--appendfsync", &args.fsync]);
    let home = std::env::temp_dir().join(format!("egov-bench-tender-{}", std::process::id()));
    let keys = DevKeys::load_or_create(&home)?;
    let sealing_key = home.join("dev-sealing-key");
    egov_runtime::sealing::create_dev_key(&sealing_key)?;
    let clock = Arc::new(FixedClock::at(OPENED));

    // The suite on a runtime of its own (one worker), the clients on this one.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let shutdown = CancellationToken::new();
    let (stop, url, jwks, c) = (
        shutdown.clone(),
        server.url(),
        keys.jwks_path(),
        clock.clone(),
    );
    let servers = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        rt.block_on(async move {
            let cfg = crate::platform_config(
                url.clone(),
                jwks,
                sealing_key,
                vec![egov_testkit::plugins_dir().join("variants")],
            );
            let platform = Platform::connect(&cfg, c.clone())
                .await
                .expect("the platform")
                .with_dev_clock(c);
            let mut layout = Layout::loopback(0);
            let nowhere = "http://127.0.0.1:9/messages";
            layout.monitoring = Some(
                egov_monitoring_bridge::dev::config(
                    &std::env::temp_dir().join(format!("egov-bench-{}", std::process::id())),
                    layout.monitoring_bridge,
                    nowhere,
                    nowhere,
                )
                .expect("development monitoring keys"),
            );
            let running = suite::start_all(&platform, &layout, stop.clone())
                .await
                .expect("the suite");
            let addrs: Vec<(String, std::net::SocketAddr)> = running
                .iter()
                .map(|r| (r.name.to_owned(), r.addr))
                .collect();
            let bare = crate::http::bare_xadd_server(&url).await;
            tx.send((addrs, bare)).ok();
            stop.cancelled().await;
            for r in running {
                r.wait().await;
            }
        });
    });
    let (addrs, bare) = rx.await?;
    let base = |name: &str| {
        addrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| format!("http://{a}"))
            .expect("a service")
    };
    let (intake, tender) = (base("intake"), base("tender"));
    let client = Arc::new(Client {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(args.concurrency)
            .build()?,
        keys,
    });

    // The tenders: opened, announced (the window: 15 working days from 4 May 2022) and with
    // their Commission (else a window closing without one voids the tender, SM-36.a).
    let started = Instant::now();
    let cases = Arc::new(tokio::sync::Mutex::new(Vec::with_capacity(args.tenders)));
    {
        let (client, intake, tender, cases) = (
            client.clone(),
            intake.clone(),
            tender.clone(),
            cases.clone(),
        );
        measure("set-up", args.tenders, args.concurrency.min(16), move |n| {
            let (client, intake, tender, cases) = (client.clone(), intake.clone(), tender.clone(), cases.clone());
            async move {
                let admin = client.token(Role::PlatformAdmin, MINISTRY);
                let (status, r) = client
                    .call(reqwest::Method::POST, &format!("{intake}/api/v1/tender-openings"), &admin, Some(&design_assignment(n)))
                    .await?;
                anyhow::ensure!(status == 201, "opening: {status} {r}");
                let case = r["id"].as_str().unwrap_or_default().to_owned();
                client
                    .complete(&tender, Role::ServiceIntegrator, MINISTRY, &case, "announce", json!({"outcome": "published", "inputs": {
                        "announcement": format!("B-{n}"),
                        "customer_agreement": {"date": "2022-05-04", "reference": "portal:doc/bench"},
                        "platform_reference": format!("bench:{n}"),
                        "criteria": [{"criterion": "Цена", "weight": 100}],
                        "ppp_project": false, "integrations": []}}))
                    .await?;
                client
                    .complete(&tender, Role::StateBody, CUSTOMER, &case, "commission", json!({"outcome": "formed", "inputs": {
                        "order": "1", "formed_on": "2022-05-04", "ppp": false,
                        "members": [{"name": "А", "position": "П"}, {"name": "Б", "position": "П"}, {"name": "В", "position": "П"}]}}))
                    .await?;
                cases.lock().await.push(case);
                Ok(())
            }
        })
        .await?;
    }
    let cases: Vec<String> = cases.lock().await.clone();
    let setup = started.elapsed();
    // The common close: read from one tender's record.
    let token = client.token(Role::ServiceIntegrator, MINISTRY);
    let (_, t) = client
        .call(
            reqwest::Method::GET,
            &format!("{tender}/api/v1/tenders/{}", cases[0]),
            &token,
            None,
        )
        .await?;
    let close = t["record"]["window"]["end"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no window: {t}"))?
        .to_owned();
    let close_at = time::parse(&close)?;

    // The last minute: applications into the sealed slots, against the bare handler.
    clock.set(close_at - jiff::SignedDuration::from_secs(60));
    let tokens: Vec<String> = SUPPLIERS
        .iter()
        .map(|s| client.token(Role::Supplier, s))
        .collect();
    let apply = {
        let (client, tender, cases, tokens) = (
            client.clone(),
            tender.clone(),
            Arc::new(cases.clone()),
            Arc::new(tokens),
        );
        measure("applications into sealed slots (tender, full path)", args.applications, args.concurrency, move |i| {
            let (client, tender, cases, tokens) = (client.clone(), tender.clone(), cases.clone(), tokens.clone());
            async move {
                let case = &cases[i % cases.len()];
                let body = json!({"price_tenge": format!("{}.00", 1_000_000 + i), "proposal": format!("Предложение {i}")});
                let (status, r) = client
                    .call(reqwest::Method::POST, &format!("{tender}/api/v1/cases/{case}/inputs/applications"), &tokens[i % tokens.len()], Some(&body))
                    .await?;
                anyhow::ensure!(status == 201, "application: {status} {r}");
                Ok(())
            }
        })
        .await?
    };
    let bare_run = {
        let http = client.http.clone();
        let url = format!("http://{bare}/submit");
        measure(
            "bare warp handler + one XADD (baseline)",
            args.applications,
            args.concurrency,
            move |i| {
                let (http, url) = (http.clone(), url.clone());
                async move {
                    let r = http
                        .post(&url)
                        .body(format!("{{\"price_tenge\": \"{i}.00\"}}"))
                        .send()
                        .await?;
                    anyhow::ensure!(r.status() == 201, "bare: {}", r.status());
                    Ok(())
                }
            },
        )
        .await?
    };

    // The close: from the instant to each tender's opening.
    let mut conn = egov_bus::connect(&redis::Client::open(server.url())?).await?;
    let topic = egov_bus::Topic::new("expertise", 1);
    let stream = topic.stream(0);
    let from: String = last_id(&mut conn, &stream).await?;
    // Moved as an operator moves it (`PUT /api/v1/dev/clock`), which wakes the scheduler.
    let admin = client.token(Role::PlatformAdmin, MINISTRY);
    let set_at = Instant::now();
    let (status, _) = client
        .call(
            reqwest::Method::PUT,
            &format!("{intake}/api/v1/dev/clock"),
            &admin,
            Some(&json!({"now": close})),
        )
        .await?;
    anyhow::ensure!(status == 200, "moving the clock: {status}");
    let mut opened: std::collections::HashMap<String, Duration> = std::collections::HashMap::new();
    let mut cursor = from;
    while opened.len() < cases.len() && set_at.elapsed() < Duration::from_secs(60) {
        let reply: redis::streams::StreamReadReply = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(500)
            .arg("BLOCK")
            .arg(200)
            .arg("STREAMS")
            .arg(&stream)
            .arg(&cursor)
            .query_async(&mut conn)
            .await?;
        for key in reply.keys {
            for e in key.ids {
                cursor = e.id.clone();
                let kind = e
                    .map
                    .get("type")
                    .and_then(|v| redis::from_redis_value::<String>(v.clone()).ok());
                if kind.as_deref() != Some("CaseAdvanced") {
                    continue;
                }
                let data = e
                    .map
                    .get("data")
                    .and_then(|v| redis::from_redis_value::<Vec<u8>>(v.clone()).ok())
                    .unwrap_or_default();
                let Ok(ev) =
                    <egov_events::v1::CaseAdvanced as prost::Message>::decode(data.as_slice())
                else {
                    continue;
                };
                let unsealed = ev.changes.iter().any(|c| {
                    matches!(
                        c.change,
                        Some(egov_events::v1::change::Change::SlotUnsealed(_))
                    )
                });
                if unsealed {
                    opened.entry(ev.case_id).or_insert_with(|| set_at.elapsed());
                }
            }
        }
    }
    shutdown.cancel();
    servers
        .join()
        .map_err(|_| anyhow::anyhow!("the suite's thread panicked"))?;
    let _ = std::fs::remove_dir_all(&home);

    let mut lat: Vec<Duration> = opened.values().copied().collect();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "## egov bench tender: {} open tenders, {} applications in the last minute of their window, {} concurrent clients, appendfsync {}",
        args.tenders, args.applications, args.concurrency, args.fsync
    );
    println!();
    println!(
        "set-up (open, announce, Commission): {:.1} s",
        setup.as_secs_f64()
    );
    println!();
    println!("| measurement | req/s | p50 | p99 | vs baseline |");
    println!("|---|---:|---:|---:|---:|");
    for r in [&bare_run, &apply] {
        row(r, bare_run.ops_per_sec);
    }
    println!();
    println!(
        "close at {close}: {} of {} tenders opened; from the instant to the opening: p50 {:.0} ms, p99 {:.0} ms, last {:.0} ms (goal: every one within 1 s)",
        lat.len(),
        cases.len(),
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    anyhow::ensure!(lat.len() == cases.len(), "not every tender was opened");
    Ok(())
}

/// The id of `stream`'s newest entry (`0` when it is empty): where a read of what comes next
/// starts.
pub(crate) async fn last_id(conn: &mut egov_bus::Conn, stream: &str) -> anyhow::Result<String> {
    let r: redis::streams::StreamRangeReply = redis::cmd("XREVRANGE")
        .arg(stream)
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .query_async(conn)
        .await?;
    Ok(r.ids
        .first()
        .map(|e| e.id.clone())
        .unwrap_or_else(|| "0".into()))
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
