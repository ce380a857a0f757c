//! Crash and restart under load (DESIGN §8: a success means durable, nothing lost, nothing
//! done twice).
//!
//! The five services run as separate processes (children of this test binary) against a Redis
//! of the test's own with `appendfsync always`. Agencies submit Perechen applications and the
//! authorized body and the service integrator decide them, at a steady rate, through the public
//! APIs; every request is retried until it is answered, under its `Idempotency-Key`. Meanwhile
//! each service in turn is killed with SIGKILL and started again, and so is Redis. Afterwards:
//!
//! - every acknowledged submission is present exactly once (one case per key; as many cases
//!   as submissions), every acknowledged decision is on its case exactly once;
//! - no step was opened or completed twice, and no registry entry written twice (PL-9);
//! - no consumer group holds a pending entry;
//! - the deadlines that fell due while expertise (the scheduler) was down were announced once
//!   it came back (PL-4), once each.
//!
//! The second test does all of it on a Redis Cluster of six `redis-server`s (three masters,
//! three replicas, `redis-cli --cluster create`), where Redis's restart becomes a master killed
//! under load and its replica taking over (see `egov_bus::Conn` for what makes that lose
//! nothing acknowledged: `WAIT` for one replica, `min-replicas-to-write 1`).
//!
//! `EGOV_CRASH_OPS` sets the operations driven (default 600; `make soak` runs 100,000) and
//! `EGOV_CRASH_WORKERS` how many cases are driven at once (default 6).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use egov::suite::{self, Layout};
use egov_auth::JwksSource;
use egov_auth::dev::{DEV_AUDIENCE, DEV_ISSUER, DevKeys, TokenRequest};
use egov_e2e::{AGENCY, MINISTRY, application, events};
use egov_kernel::{Bin, Role};
use egov_runtime::{Platform, PlatformConfig};
use egov_testkit::child;
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// The instant every process starts at; the test moves it through the `clock` file.
const START: &str = "2026-03-19T10:00:00+05:00";
/// After the PL-4 term of an application submitted on 19 March 2026 (it ended at 24:00 on
/// 31 March: 30 March is a working day, 21 to 23 March are Nauryz).
const AFTER_PL4: &str = "2026-04-01T09:00:00+05:00";
const SERVICES: [&str; 5] = suite::SERVICES;

fn ops() -> usize {
    std::env::var("EGOV_CRASH_OPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600)
}

fn workers() -> usize {
    std::env::var("EGOV_CRASH_WORKERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6)
}

/// One service as a child process: its platform on the shared Redis, its clock following the
/// `clock` file of the home (polled every 50 ms, wakes what waits on the clock when it moves).
#[test]
#[ignore = "runs only as a child process of crash_and_restart_*"]
fn crash_child() {
    let Some(service) = child::role() else { return };
    let home = PathBuf::from(std::env::var("CRASH_HOME").unwrap());
    // Gone with the test: a child whose parent died exits rather than hold its port.
    let parent = std::os::unix::process::parent_id();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(200));
            if std::os::unix::process::parent_id() != parent {
                std::process::exit(0);
            }
        }
    });
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let keys = DevKeys::load_or_create(&home).unwrap();
        let cfg = PlatformConfig {
            redis_url: std::env::var("REDIS_URL").unwrap(),
            // The pod name: stable across restarts, so a restarted replica finds its own
            // pending entries first.
            replica: format!("crash-{service}"),
            partitions: 2,
            jwks: JwksSource::File(keys.jwks_path()),
            issuer: DEV_ISSUER.into(),
            audience: DEV_AUDIENCE.into(),
            calendar_file: None,
            plugins: vec![egov_testkit::plugins_dir().join("variants")],
            plugin_cache: Some(home.join("plugin-cache")),
            sealing_key: Some(home.join("dev-sealing-key")),
        };
        let clock = Arc::new(egov_kernel::FixedClock::at(START));
        let platform = Platform::connect(&cfg, clock.clone())
            .await
            .unwrap()
            .with_dev_clock(clock);
        follow_clock(platform.clone(), home.join("clock"));
        let mut layout = Layout::from_env().unwrap();
        layout.scheduler_tick = Duration::from_millis(100);
        egov_e2e::without_peers(&mut layout, &home);
        let _running = suite::start_one(&platform, &service, &layout, CancellationToken::new())
            .await
            .unwrap();
        std::future::pending::<()>().await;
    });
}

fn follow_clock(platform: Platform, file: PathBuf) {
    tokio::spawn(async move {
        let mut last = String::new();
        loop {
            if let Ok(now) = std::fs::read_to_string(&file)
                && now != last
                && let Ok(ts) = now.trim().parse::<jiff::Timestamp>()
            {
                platform.move_clock(Some(ts));
                last = now;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
}

/// Where the fleet keeps its data: one Redis, or a cluster of three masters and three replicas.
enum Storage {
    One(egov_testkit::TestRedis),
    Cluster(egov_testkit::RedisCluster),
}

impl Storage {
    fn url(&self) -> String {
        match self {
            Self::One(r) => r.url.clone(),
            Self::Cluster(c) => c.url(),
        }
    }

    /// One Redis: SIGKILL and started again (AOF replayed). A cluster: the master of
    /// expertise's partition 0 SIGKILLed, its replica taking over, then the old master back as
    /// a replica (until then the new master refuses writes: it has no replica).
    fn crash(&mut self) {
        match self {
            Self::One(r) => r.server().unwrap().restart(),
            Self::Cluster(c) => {
                let victim = c.master_of(egov_bus::slot(b"expertise.0"));
                c.fail(victim);
                c.recover(victim);
            }
        }
    }
}

/// The five processes, Redis, and what it takes to reach them.
struct Fleet {
    redis: std::sync::Mutex<Storage>,
    redis_url: String,
    home: PathBuf,
    layout: Layout,
    children: std::sync::Mutex<HashMap<&'static str, Child>>,
    keys: DevKeys,
    http: reqwest::Client,
}

impl Fleet {
    async fn start(cluster: bool) -> Self {
        let redis = if cluster {
            Storage::Cluster(egov_testkit::RedisCluster::start(3))
        } else {
            Storage::One(egov_testkit::redis_own())
        };
        let home = std::env::temp_dir().join(format!("egov-crash-{}", ulid::Ulid::new()));
        let keys = DevKeys::load_or_create(&home).unwrap();
        egov_runtime::sealing::create_dev_key(&home.join("dev-sealing-key")).unwrap();
        std::fs::write(home.join("clock"), START).unwrap();
        let port = |_| egov_testkit::free_port();
        let at = |p: u16| std::net::SocketAddr::from(([127, 0, 0, 1], p));
        let mut layout = Layout::loopback(0);
        layout.intake = at(port(0));
        layout.expertise = at(port(1));
        layout.tender = at(port(2));
        layout.catalog = at(port(3));
        layout.monitoring_bridge = at(port(4));
        let f = Self {
            redis_url: redis.url(),
            redis: std::sync::Mutex::new(redis),
            home,
            layout,
            children: Default::default(),
            keys,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
        };
        for s in SERVICES {
            f.spawn(s);
        }
        for s in SERVICES {
            f.wait_ready(s).await;
        }
        f
    }

    fn spawn(&self, service: &'static str) {
        let addr = |s: &str| self.layout.addr(s).unwrap().to_string();
        let env = [
            ("REDIS_URL", self.redis_url.clone()),
            ("CRASH_HOME", self.home.display().to_string()),
            ("INTAKE_ADDR", addr("intake")),
            ("EXPERTISE_ADDR", addr("expertise")),
            ("TENDER_ADDR", addr("tender")),
            ("CATALOG_ADDR", addr("catalog")),
            ("MONITORING_BRIDGE_ADDR", addr("monitoring-bridge")),
            (
                "EGOV_PLUGINS_BUILD",
                egov_testkit::plugins_dir().display().to_string(),
            ),
        ];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let c = child::spawn("crash_child", service, &env);
        self.children.lock().unwrap().insert(service, c);
    }

    /// `kill -9`: no chance to finish, acknowledge or flush anything.
    fn kill(&self, service: &str) {
        let mut c = self.children.lock().unwrap().remove(service).unwrap();
        c.kill().unwrap();
        c.wait().unwrap();
    }

    /// `kill -9` and start again; returns once the new process is ready.
    async fn crash(&self, service: &'static str) {
        self.kill(service);
        self.spawn(service);
        self.wait_ready(service).await;
    }

    fn url(&self, service: &str, path: &str) -> String {
        format!("http://{}{path}", self.layout.addr(service).unwrap())
    }

    async fn wait_ready(&self, service: &str) {
        let url = self.url(service, "/readyz");
        let until = Instant::now() + Duration::from_secs(120);
        while Instant::now() < until {
            if let Ok(r) = self.http.get(&url).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{service} did not become ready");
    }

    fn token(&self, role: Role, org: &str) -> String {
        self.keys.mint(&TokenRequest {
            sub: format!("crash-{role}"),
            org: Bin::parse(org).unwrap(),
            roles: vec![role],
            ttl: Duration::from_secs(24 * 3600),
        })
    }

    /// A read, retried while the service or its storage is coming back (no answer, or a
    /// 5xx) for up to 2 minutes.
    async fn read(&self, service: &str, path: &str, token: &str) -> (u16, Value) {
        let until = Instant::now() + Duration::from_secs(120);
        loop {
            match self
                .call(reqwest::Method::GET, service, path, token, None)
                .await
            {
                Some((status, v)) if status < 500 => return (status, v),
                other => assert!(Instant::now() < until, "{path}: {other:?}"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// One attempt: the status and the JSON answer; `None` when no answer came (the service
    /// or Redis was down, or the connection was cut).
    async fn call(
        &self,
        method: reqwest::Method,
        service: &str,
        path: &str,
        token: &str,
        body: Option<(&Value, &str)>,
    ) -> Option<(u16, Value)> {
        let mut req = self
            .http
            .request(method, self.url(service, path))
            .bearer_auth(token);
        if let Some((body, key)) = body {
            req = req.json(body).header("idempotency-key", key);
        }
        let r = req.send().await.ok()?;
        let status = r.status().as_u16();
        let body = r.json().await.unwrap_or(Value::Null);
        Some((status, body))
    }
}

#[derive(Default)]
struct Counts {
    /// Requests that changed state and were acknowledged (2xx, or found done on a retry).
    acknowledged: AtomicUsize,
    /// Attempts that got no answer or a 5xx, and were retried.
    retried: AtomicUsize,
    /// Decisions whose first answer was lost and that a retry found recorded.
    found_on_retry: AtomicUsize,
}

/// A request retried under one `Idempotency-Key` until it is answered with something else
/// than a 5xx or no answer at all. Up to 5 minutes: longer than any restart here.
async fn until_answered(
    f: &Fleet,
    counts: &Counts,
    service: &str,
    path: &str,
    token: &str,
    body: &Value,
    key: &str,
) -> (u16, Value, bool) {
    let until = Instant::now() + Duration::from_secs(300);
    let mut retried = false;
    loop {
        match f
            .call(
                reqwest::Method::POST,
                service,
                path,
                token,
                Some((body, key)),
            )
            .await
        {
            // A request cut off with its process holds its key until the reservation expires
            // (60 s): the answer says to retry later.
            Some((409, v)) if v["field"] == "Idempotency-Key" => {
                assert!(Instant::now() < until, "{path}: key held for 5 min: {v}");
                counts.retried.fetch_add(1, Ordering::Relaxed);
                retried = true;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Some((status, v)) if status < 500 => return (status, v, retried),
            other => {
                assert!(
                    Instant::now() < until,
                    "{path}: no answer for 5 min: {other:?}"
                );
                counts.retried.fetch_add(1, Ordering::Relaxed);
                retried = true;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Waits until task `id` is open for `token` (200 on `GET /api/v1/tasks/{id}`).
async fn open_task(f: &Fleet, token: &str, id: &str) -> Value {
    let until = Instant::now() + Duration::from_secs(300);
    loop {
        if let Some((200, t)) = f
            .call(
                reqwest::Method::GET,
                "expertise",
                &format!("/api/v1/tasks/{id}"),
                token,
                None,
            )
            .await
        {
            return t;
        }
        assert!(Instant::now() < until, "task {id} never opened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The steps an included application goes through (PL-4, PL-5, PL-7, PL-9), by whom, with
/// what: each is one decision.
fn steps() -> [(Role, &'static str, Value); 4] {
    [
        (
            Role::AuthorizedBody,
            "ab-check",
            json!({"outcome": "forward-to-si"}),
        ),
        (
            Role::ServiceIntegrator,
            "si-recommendation",
            json!({"outcome": "complies", "inputs": {"portal_items":
                {"1": true, "2": true, "3": true, "4": true, "5": true, "6": true}}}),
        ),
        (
            Role::AuthorizedBody,
            "ab-decision",
            json!({"outcome": "include"}),
        ),
        (
            Role::AuthorizedBody,
            "inclusion-order",
            json!({"outcome": "order-adopted"}),
        ),
    ]
}

/// Every `LEFT_OPEN`th application stays at the AB's check, for the deadline after the run.
const LEFT_OPEN: usize = 10;

/// Drives application `i`: submitted, then decided through `steps` (unless left open).
/// Returns its case id.
async fn drive(f: &Fleet, counts: &Counts, i: usize) -> String {
    let mut app = application("2026-03-19");
    app["fields"]["object_name"] = json!(format!("Crash-{i:06}"));
    let agency = f.token(Role::StateBody, AGENCY);
    let (status, body, _) = until_answered(
        f,
        counts,
        "intake",
        "/api/v1/perechen-applications",
        &agency,
        &app,
        &format!("submit-{i}"),
    )
    .await;
    assert_eq!(status, 201, "submission {i}: {body}");
    counts.acknowledged.fetch_add(1, Ordering::Relaxed);
    let case = body["id"].as_str().unwrap().to_owned();
    if i.is_multiple_of(LEFT_OPEN) {
        return case;
    }
    for (role, step, decision) in steps() {
        let token = f.token(role, MINISTRY);
        let id = format!("{case}.{step}");
        open_task(f, &token, &id).await;
        let path = format!("/api/v1/tasks/{id}/complete");
        let (status, body, retried) =
            until_answered(f, counts, "expertise", &path, &token, &decision, &id).await;
        match status {
            200 => {}
            // The first attempt was recorded and its answer lost with the process (the
            // idempotency record is written after the case): the task says it is done, with
            // this outcome.
            409 if retried => {
                let t = open_task(f, &token, &id).await;
                assert_eq!(
                    (t["status"].as_str(), &t["outcome"]),
                    (Some("completed"), &decision["outcome"]),
                    "{id}: {body}"
                );
                counts.found_on_retry.fetch_add(1, Ordering::Relaxed);
            }
            _ => panic!("{id}: {status} {body}"),
        }
        counts.acknowledged.fetch_add(1, Ordering::Relaxed);
    }
    case
}

/// Pending entries of every consumer group of every stream.
async fn pending(conn: &mut egov_bus::Conn) -> BTreeMap<String, u64> {
    let streams: Vec<String> = redis::cmd("KEYS")
        .arg("egov:*:events")
        .query_async(conn)
        .await
        .unwrap();
    let mut out = BTreeMap::new();
    for s in streams {
        let groups: redis::streams::StreamInfoGroupsReply = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg(&s)
            .query_async(conn)
            .await
            .unwrap();
        for g in groups.groups {
            if g.pending > 0 {
                out.insert(format!("{s} {}", g.name), g.pending as u64);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crash_and_restart_of_every_process_under_load_loses_nothing_does_nothing_twice_and_announces_pl_4()
 {
    crash_and_restart(false).await;
}

/// The same on a Redis Cluster (three masters, three replicas): the Perechen path end to end
/// across the masters, and instead of Redis's restart a master killed under load, its replica
/// taking over.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_a_redis_cluster_crash_restart_and_a_master_failover_under_load_lose_nothing_and_do_nothing_twice()
 {
    crash_and_restart(true).await;
}

async fn crash_and_restart(cluster: bool) {
    let total_ops = ops();
    let f = Arc::new(Fleet::start(cluster).await);
    // 5 decisions per decided application, 1 per one left open.
    let per_block = (LEFT_OPEN - 1) * 5 + 1;
    let cases_n = (total_ops * LEFT_OPEN).div_ceil(per_block);
    let counts = Arc::new(Counts::default());
    let next = Arc::new(AtomicUsize::new(0));
    let done: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
    let started = Instant::now();

    // The load: `workers` applications in flight at any time.
    let mut load = Vec::new();
    for _ in 0..workers() {
        let (f, counts, next, done) = (f.clone(), counts.clone(), next.clone(), done.clone());
        load.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= cases_n {
                    return;
                }
                let case = drive(&f, &counts, i).await;
                done.lock().await.push((i, case));
            }
        }));
    }

    // Meanwhile each process in turn: SIGKILL, then started again; Redis last (SIGKILL, AOF
    // replayed). Each at an even share of the operations.
    let victims = [
        "intake",
        "expertise",
        "tender",
        "catalog",
        "monitoring-bridge",
        "redis",
    ];
    let mut survived = Vec::new();
    for (k, victim) in victims.iter().enumerate() {
        let at = total_ops * (k + 1) / (victims.len() + 1);
        while counts.acknowledged.load(Ordering::Relaxed) < at {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let acked = counts.acknowledged.load(Ordering::Relaxed);
        match SERVICES.iter().find(|s| *s == victim) {
            Some(service) => f.crash(service).await,
            None => {
                let f = f.clone();
                tokio::task::spawn_blocking(move || f.redis.lock().unwrap().crash())
                    .await
                    .unwrap()
            }
        }
        survived.push((*victim, acked));
    }
    for l in load {
        l.await.unwrap();
    }
    let elapsed = started.elapsed();
    let mut done = std::mem::take(&mut *done.lock().await);
    done.sort();
    assert_eq!(done.len(), cases_n);

    let ab = f.token(Role::AuthorizedBody, MINISTRY);
    let mut conn = egov_bus::connect(egov_bus::Redis::open(&f.redis_url).unwrap())
        .await
        .unwrap();
    // Every acknowledged submission is one case, and there are no others.
    // (intake's own copies: each service keeps the cases it hosts steps of.)
    // (the hashes, not their `:history` and `:projection` streams)
    let case_keys: Vec<String> = redis::cmd("KEYS")
        .arg("egov:{intake.*}:agg:case:*")
        .query_async::<Vec<String>>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .filter(|k| !k.ends_with(":history") && !k.ends_with(":projection"))
        .collect();
    assert_eq!(
        case_keys.len(),
        cases_n,
        "as many cases at intake as submissions"
    );
    let mut ids: Vec<&str> = done.iter().map(|(_, c)| c.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), cases_n, "one case per submission");

    // Each decided case is included, each step opened once and completed once, its Perechen
    // entry written once.
    for (i, case) in &done {
        let (status, c) = f
            .read("intake", &format!("/api/v1/cases/{case}"), &ab)
            .await;
        assert_eq!(status, 200, "{case}: {c}");
        assert_eq!(
            c["submission"]["fields"]["object_name"],
            format!("Crash-{i:06}"),
            "{c}"
        );
        if i.is_multiple_of(LEFT_OPEN) {
            continue;
        }
        // intake's view follows the hosts' events: it may still be catching up (a case that
        // never gets there fails here after 2 minutes).
        let c = eventually_case(&f, &ab, case, |c| {
            c["status"] == "included" && !events(c, "EntryPut").is_empty()
        })
        .await;
        let mut per_step: BTreeMap<(String, String), usize> = BTreeMap::new();
        for kind in ["StepOpened", "StepCompleted"] {
            for e in events(&c, kind) {
                *per_step
                    .entry((kind.to_owned(), e["step"].as_str().unwrap_or("").to_owned()))
                    .or_default() += 1;
            }
        }
        assert!(per_step.values().all(|n| *n == 1), "{case}: {per_step:?}");
        assert_eq!(events(&c, "EntryPut").len(), 1, "{case}");
    }
    let decided = done
        .iter()
        .filter(|(i, _)| !i.is_multiple_of(LEFT_OPEN))
        .count();
    // The catalog records the entries from the cases' events: it may still be catching up.
    let until = Instant::now() + Duration::from_secs(120);
    let listed = loop {
        let listed = perechen_entries(&f, &ab).await;
        if listed.len() >= decided || Instant::now() > until {
            break listed;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(
        listed.len(),
        decided,
        "one Perechen entry per included object"
    );
    assert!(listed.values().all(|w| *w == 1), "each written once");

    // The deadlines: expertise is down while the clock passes the end of the PL-4 term of the
    // applications left at the AB's check; they are announced once it is back, once each.
    f.kill("expertise");
    std::fs::write(f.home.join("clock"), AFTER_PL4).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    f.spawn("expertise");
    f.wait_ready("expertise").await;
    let open: Vec<&String> = done
        .iter()
        .filter(|(i, _)| i.is_multiple_of(LEFT_OPEN))
        .map(|(_, c)| c)
        .collect();
    for case in &open {
        let c = eventually_case(&f, &ab, case, |c| !events(c, "DeadlineMissed").is_empty()).await;
        let missed = events(&c, "DeadlineMissed");
        assert_eq!(missed.len(), 1, "{case}");
        assert_eq!(missed[0]["rule"], "PL-4", "{case}");
        assert!(events(&c, "DeadlineApproaching").len() <= 1, "{case}");
    }

    // Nothing is stuck: every consumer group has acknowledged all it read.
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        let p = pending(&mut conn).await;
        if p.is_empty() {
            break;
        }
        assert!(Instant::now() < until, "stuck pending entries: {p:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    let acked = counts.acknowledged.load(Ordering::Relaxed);
    println!(
        "crash test{}: {acked} operations acknowledged in {elapsed:.1?} ({} cases, {} decided, {} left for PL-4), \
         {} attempts retried, {} decisions found recorded on a retry, {} cases at intake",
        if cluster {
            " (Redis Cluster, 3 masters + 3 replicas)"
        } else {
            ""
        },
        cases_n,
        decided,
        open.len(),
        counts.retried.load(Ordering::Relaxed),
        counts.found_on_retry.load(Ordering::Relaxed),
        case_keys.len(),
    );
    for (victim, acked) in &survived {
        let victim = match *victim {
            "redis" if cluster => "the Redis master of {expertise.0} (its replica took over)",
            v => v,
        };
        println!("  killed {victim} after {acked} acknowledged operations: all {acked} present");
    }
    println!(
        "  {} PL-4 deadlines fell due with expertise down, each announced once after it came back",
        open.len()
    );
    if let Storage::Cluster(c) = &*f.redis.lock().unwrap() {
        let keys = c.keys_per_master();
        assert!(keys.len() == 3 && keys.iter().all(|n| *n > 0), "{keys:?}");
        println!("  keys on each of the three masters: {keys:?}");
    }
    for (_, mut c) in f.children.lock().unwrap().drain() {
        let _ = c.kill();
        let _ = c.wait();
    }
}

/// The case as intake shows it, once `ready` holds (up to 2 minutes).
async fn eventually_case(
    f: &Fleet,
    token: &str,
    id: &str,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some((200, c)) = f
            .call(
                reqwest::Method::GET,
                "intake",
                &format!("/api/v1/cases/{id}"),
                token,
                None,
            )
            .await
            && ready(&c)
        {
            return c;
        }
        assert!(Instant::now() < until, "case {id} never got there");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The Perechen list at catalog: key to the number of writes of its entry.
async fn perechen_entries(f: &Fleet, token: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            None => "/api/v1/registries/perechen/entries?limit=200".to_owned(),
            Some(c) => format!("/api/v1/registries/perechen/entries?limit=200&after={c}"),
        };
        let (status, page) = f.read("catalog", &path, token).await;
        assert_eq!(status, 200, "{page}");
        for e in page["items"].as_array().unwrap() {
            let key = e["key"].as_str().unwrap().to_owned();
            assert!(
                out.insert(key, e["writes"].as_u64().unwrap_or(0)).is_none(),
                "{e}"
            );
        }
        match page["next"].as_str() {
            Some(c) => after = Some(c.to_owned()),
            None => return out,
        }
    }
}
