//! What the five services share, so each service crate holds only its own API, domain and
//! handlers (the shape of every service crate, ARCHITECTURE.md: `lib.rs` builds the service
//! from its `Config`).
//!
//! - [`Platform`]: one connection to everything a service needs (Redis, bus, verifier,
//!   calendar, procedure definitions, clock, metrics). `egov up` builds one and gives it to all
//!   five services; `egov serve` builds one for one service.
//! - [`serve`]: a service's API plus `/api/v1/openapi.json`, `/healthz`, `/readyz`, `/metrics`.
//! - [`telemetry`]: `tracing` everywhere, OTLP export when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

pub mod lease;
pub mod sealing;
pub mod telemetry;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use egov_auth::{JwksSource, Verifier, VerifierConfig};
use egov_bus::{Bus, BusMetrics, ConsumerConfig, Topic};
use egov_kernel::{Calendar, Clock};
use egov_procedure::{Engine, EngineConfig, Registry as Variants};
use egov_store::Store;
use egov_web::{HttpMetrics, ReadyCheck};
use prometheus::Registry;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use warp::{Filter, Rejection, Reply};

/// How long a topic keeps acknowledged entries (longer than the dedup window of readers is
/// not needed: readers that were down longer than this restart from what is left).
pub const TOPIC_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// A socket address from environment variable `var`, or `default`.
pub fn env_addr(var: &str, default: &str) -> Result<SocketAddr, StartError> {
    let v = std::env::var(var).unwrap_or_else(|_| default.to_owned());
    v.parse()
        .map_err(|e| StartError::Config(format!("{var}={v:?}: {e}")))
}

/// Why a service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Redis could not be reached.
    #[error("redis: {0}")]
    Redis(#[from] egov_bus::BusError),
    /// The signing keys could not be loaded.
    #[error("auth: {0}")]
    Auth(#[from] egov_auth::AuthError),
    /// The calendar file is invalid.
    #[error("calendar: {0}")]
    Calendar(#[from] egov_kernel::CalendarError),
    /// Metrics could not be registered.
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    /// The listen address could not be bound.
    #[error("listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    /// A setting is missing or invalid.
    #[error("configuration: {0}")]
    Config(String),
}

/// Settings every service reads (each from an environment variable in `egov serve`).
#[derive(Clone, Debug)]
pub struct PlatformConfig {
    /// `REDIS_URL`.
    pub redis_url: String,
    /// This replica's stable name (`POD_NAME`, else the host name): the consumer name.
    pub replica: String,
    /// Topic partitions (`EGOV_PARTITIONS`, default 1).
    pub partitions: u16,
    /// `EGOV_JWKS`: a JWKS file or URL.
    pub jwks: JwksSource,
    /// `EGOV_JWT_ISSUER`.
    pub issuer: String,
    /// `EGOV_JWT_AUDIENCE`.
    pub audience: String,
    /// `EGOV_CALENDAR`: a calendar file adding or replacing years.
    pub calendar_file: Option<PathBuf>,
    /// `EGOV_PLUGINS`: directories of procedure-variant plugins (manifest + component).
    pub plugins: Vec<PathBuf>,
    /// `EGOV_PLUGIN_CACHE`: where compiled plugins are cached (none: compile at each start).
    pub plugin_cache: Option<PathBuf>,
    /// `EGOV_SEALING_KEY`: the file of the key sealed slots are encrypted with (64 hex digits).
    /// `None` for a process that runs no cases (the monitoring bridge): a key of its own,
    /// random and never stored, that nothing it seals could outlive.
    pub sealing_key: Option<PathBuf>,
}

/// Everything a service needs, connected. Cheap to clone.
#[derive(Clone)]
pub struct Platform {
    /// Where Redis is, one server or a cluster (for connections of one's own).
    pub redis: egov_bus::Redis,
    /// The bus.
    pub bus: Bus,
    /// The token verifier.
    pub verifier: Arc<Verifier>,
    /// The one calendar.
    pub calendar: Arc<Calendar>,
    /// The procedure variants (plugins), reloaded when their files change.
    pub definitions: Arc<Variants>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// The metrics registry served at `/metrics`.
    pub registry: Registry,
    /// HTTP metrics (registered once, labelled by service).
    pub http: HttpMetrics,
    /// Deadline metrics (registered once).
    pub deadlines: DeadlineMetrics,
    /// This replica's name.
    pub replica: String,
    /// Topic partitions.
    pub partitions: u16,
    /// The key sealed slots are encrypted with at rest.
    pub sealer: Arc<sealing::Sealer>,
    /// The clock a development suite lets a platform administrator move
    /// (`PUT /api/v1/dev/clock`); never set by `egov serve`.
    pub dev_clock: Option<Arc<dyn egov_kernel::SetClock>>,
    /// Counts the moves of the development clock, so that what waits for an instant (the
    /// deadline scheduler) wakes when the clock jumps instead of at its next tick.
    pub clock_moved: tokio::sync::watch::Sender<u64>,
    /// Where leases are held: Redis unless [`Platform::with_leases`] says otherwise.
    pub leases: lease::Leases,
    /// Services' own metrics, registered once ([`Platform::metrics`]).
    pub shared_metrics: SharedMetrics,
    /// Where the consumers run ([`spawn_consumer`]): a runtime of their own at a lower CPU
    /// priority ([`consumer_runtime`]) in `egov up` and `egov serve`, the caller's runtime
    /// when `None` (tests).
    pub consumers: Option<tokio::runtime::Handle>,
}

impl Platform {
    /// Connects to Redis, loads keys, calendar and definitions.
    pub async fn connect(cfg: &PlatformConfig, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let redis = egov_bus::Redis::open(cfg.redis_url.as_str())
            .map_err(|e| StartError::Config(format!("REDIS_URL: {e}")))?;
        let registry = Registry::new();
        let bus = Bus::new(redis.clone(), BusMetrics::new(&registry)?).await?;
        let http = HttpMetrics::new(&registry)?;
        let deadlines = DeadlineMetrics::new(&registry)?;
        let verifier = Verifier::new(VerifierConfig::new(
            cfg.jwks.clone(),
            cfg.issuer.clone(),
            cfg.audience.clone(),
        ))
        .await?;
        let sealer = Arc::new(match &cfg.sealing_key {
            Some(path) => {
                sealing::Sealer::from_file(path).map_err(|e| StartError::Config(e.to_string()))?
            }
            None => sealing::Sealer::ephemeral(),
        });
        let calendar = match &cfg.calendar_file {
            Some(f) => Calendar::builtin_with_file(f)?,
            None => Calendar::builtin(),
        };
        let calendar = Arc::new(calendar);
        let engine = Engine::new(
            EngineConfig {
                cache_dir: cfg.plugin_cache.clone(),
                ..EngineConfig::default()
            },
            calendar.clone(),
            clock.clone(),
        )
        .map_err(|e| StartError::Config(format!("plugin engine: {e}")))?;
        engine.metrics().register(&registry)?;
        let definitions = Variants::new(engine, cfg.plugins.clone());
        let r = definitions.clone();
        let loaded = tokio::task::spawn_blocking(move || r.reload())
            .await
            .map_err(|e| StartError::Config(format!("loading plugins: {e}")))?;
        tracing::info!(loaded, dirs = ?cfg.plugins, "procedure variants loaded");
        let leases = lease::Leases::Redis(bus.connection());
        Ok(Self {
            redis,
            bus,
            verifier,
            calendar,
            definitions,
            clock,
            registry,
            http,
            deadlines,
            replica: cfg.replica.clone(),
            partitions: cfg.partitions,
            sealer,
            dev_clock: None,
            clock_moved: tokio::sync::watch::Sender::new(0),
            leases,
            shared_metrics: SharedMetrics::default(),
            consumers: None,
        })
    }

    /// A service's metrics of type `M`: made by `make` (which registers them in the platform's
    /// registry) the first time, the same ones after (a service started again in one process).
    pub fn metrics<M: Clone + Send + Sync + 'static>(
        &self,
        make: impl FnOnce(&Registry) -> Result<M, prometheus::Error>,
    ) -> Result<M, StartError> {
        let mut all = self
            .shared_metrics
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let id = std::any::TypeId::of::<M>();
        if let Some(m) = all.get(&id).and_then(|m| m.downcast_ref::<M>()) {
            return Ok(m.clone());
        }
        let m = make(&self.registry)?;
        all.insert(id, Box::new(m.clone()));
        Ok(m)
    }

    /// This platform with its leases held in `leases` (Kubernetes Leases in a cluster).
    pub fn with_leases(mut self, leases: lease::Leases) -> Self {
        self.leases = leases;
        self
    }

    /// This platform with its consumers run on `runtime` ([`consumer_runtime`]).
    pub fn with_consumers_on(mut self, runtime: tokio::runtime::Handle) -> Self {
        self.consumers = Some(runtime);
        self
    }

    /// A development suite's platform: `clock` (the one it was connected with) may be moved
    /// through intake's `PUT /api/v1/dev/clock` by a platform administrator.
    pub fn with_dev_clock(mut self, clock: Arc<dyn egov_kernel::SetClock>) -> Self {
        self.dev_clock = Some(clock);
        self
    }

    /// Moves the development clock to `ts` (`None`: back to the wall) and wakes what waits on
    /// it; false when this suite has no development clock.
    pub fn move_clock(&self, ts: Option<jiff::Timestamp>) -> bool {
        let Some(clock) = &self.dev_clock else {
            return false;
        };
        match ts {
            Some(ts) => clock.set(ts),
            None => clock.reset(),
        }
        self.clock_moved.send_modify(|n| *n += 1);
        true
    }

    /// The topic written by `service`.
    pub fn topic(&self, service: &str) -> Topic {
        Topic::new(service, self.partitions)
    }

    /// The aggregate store of `service`.
    pub fn store(&self, service: &str) -> Store {
        Store::new(self.bus.connection(), self.topic(service))
            .with_metrics(self.bus.metrics().clone())
    }

    /// The consumer settings for `group` reading the topic of `service`.
    pub fn consumer(&self, service: &str, group: &str) -> ConsumerConfig {
        ConsumerConfig::new(self.topic(service), group, self.replica.clone())
    }
}

/// The deadline scheduler's metrics (expertise): what it announced, how late, and what is open
/// and overdue. `kind` is `approaching`, `missed` or `timer`.
#[derive(Clone)]
pub struct DeadlineMetrics {
    /// `DeadlineApproaching` and `DeadlineMissed` events published and timers fired, by `kind`
    /// and `rule` (a timer's name for timers).
    pub announced: prometheus::IntCounterVec,
    /// Entries of each deadline sorted set, due or not (sampled: `ZCARD`).
    pub open: prometheus::IntGaugeVec,
    /// Entries of each set already due and not yet announced (sampled: `ZCOUNT -inf now`): what a
    /// scheduler that keeps up holds near zero.
    pub overdue: prometheus::IntGaugeVec,
    /// How long after its due instant each announcement was made (by the suite's clock).
    pub lateness: prometheus::HistogramVec,
}

/// The kinds of deadline the scheduler announces (the `kind` label).
pub const DEADLINE_KINDS: [&str; 3] = ["approaching", "missed", "timer"];

impl DeadlineMetrics {
    fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let announced = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                "egov_deadlines_total",
                "Deadline events published (and timers fired), by kind and rule.",
            ),
            &["kind", "rule"],
        )?;
        let open = prometheus::IntGaugeVec::new(
            prometheus::Opts::new(
                "egov_deadlines_open",
                "Deadlines (and timers) set and not yet announced, due or not, by kind.",
            ),
            &["kind"],
        )?;
        let overdue = prometheus::IntGaugeVec::new(
            prometheus::Opts::new(
                "egov_deadlines_overdue",
                "Deadlines (and timers) due and not yet announced, by kind.",
            ),
            &["kind"],
        )?;
        let lateness = prometheus::HistogramVec::new(
            prometheus::HistogramOpts::new(
                "egov_deadline_lateness_seconds",
                "How long after its due instant a deadline was announced (or a timer fired), by kind.",
            )
            .buckets(vec![
                0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 3600.0,
                21600.0, 86400.0,
            ]),
            &["kind"],
        )?;
        for c in [
            Box::new(announced.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(open.clone()),
            Box::new(overdue.clone()),
            Box::new(lateness.clone()),
        ] {
            registry.register(c)?;
        }
        // Every kind is on /metrics from the start (a family without a sample is absent).
        for kind in DEADLINE_KINDS {
            lateness.with_label_values(&[kind]);
        }
        Ok(Self {
            announced,
            open,
            overdue,
            lateness,
        })
    }
}

/// Metrics a service registers once per platform and keeps across its restarts in one process
/// (`egov up` and the tests start services again on the same platform, and a registry refuses a
/// second registration of a name), by type.
#[derive(Clone, Default)]
pub struct SharedMetrics(
    Arc<
        std::sync::Mutex<
            std::collections::HashMap<std::any::TypeId, Box<dyn std::any::Any + Send + Sync>>,
        >,
    >,
);

/// What a service's handlers share: the platform, the service's own store and its
/// idempotency records.
pub struct ServiceContext {
    /// The platform.
    pub platform: Platform,
    /// The service's aggregate store (its topic).
    pub store: Store,
    /// The service's `Idempotency-Key` records.
    pub idem: egov_store::idempotency::IdempotencyRecords,
}

impl ServiceContext {
    /// The context of service `name`.
    pub fn new(platform: &Platform, name: &str) -> Arc<Self> {
        let idem =
            egov_store::idempotency::IdempotencyRecords::new(platform.bus.connection(), name);
        Self::with_records(platform, name, idem)
    }

    /// The context of service `name` keeping its `Idempotency-Key` records in `idem` (records
    /// it shares with another part of the service, e.g. its cases' routes).
    pub fn with_records(
        platform: &Platform,
        name: &str,
        idem: egov_store::idempotency::IdempotencyRecords,
    ) -> Arc<Self> {
        Arc::new(Self {
            store: platform.store(name),
            idem,
            platform: platform.clone(),
        })
    }
}

/// A flag that becomes ready once something (consumer groups) is attached.
#[derive(Clone, Default)]
pub struct Flag(Arc<AtomicBool>);

impl Flag {
    /// Sets it.
    pub fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether it is set.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// A readiness check named `name` that passes once set.
    pub fn check(&self, name: &str, why: &'static str) -> (String, ReadyCheck) {
        let flag = self.0.clone();
        let check: ReadyCheck = Arc::new(move || {
            let ok = flag.load(Ordering::SeqCst);
            Box::pin(async move { if ok { Ok(()) } else { Err(why.to_owned()) } })
        });
        (name.to_owned(), check)
    }
}

/// A running service.
pub struct Running {
    /// Its name.
    pub name: &'static str,
    /// Where its API listens.
    pub addr: SocketAddr,
    /// Its tasks (server, consumers, schedulers); they end after shutdown.
    pub tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Waits for every task to end.
    pub async fn wait(self) {
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// Binds `addr` (port 0 picks a free one).
pub async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, StartError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| StartError::Bind(addr, e))
}

/// Serves `api` with the service's OpenAPI document and the health endpoints; readiness adds
/// a Redis ping to `ready`.
pub fn serve<F, R>(
    platform: &Platform,
    name: &'static str,
    listener: tokio::net::TcpListener,
    api: F,
    openapi: serde_json::Value,
    mut ready: Vec<(String, ReadyCheck)>,
    shutdown: CancellationToken,
) -> JoinHandle<()>
where
    F: Filter<Extract = (R,), Error = Rejection> + Clone + Send + Sync + 'static,
    R: Reply + 'static,
{
    ready.insert(0, egov_web::redis_ready(platform.bus.connection()));
    let registry = platform.definitions.clone();
    let plugins: ReadyCheck = Arc::new(move || {
        let n = registry.all().len();
        Box::pin(async move {
            if n > 0 {
                Ok(())
            } else {
                Err("no procedure variant is loaded".to_owned())
            }
        })
    });
    ready.insert(1, ("plugins".to_owned(), plugins));
    // The statuses the shared layers answer, documented by them on every operation.
    let mut openapi = openapi;
    egov_web::openapi::complete(&mut openapi);
    // Every 405 names the methods its path admits: the document's operations and ours.
    let allow = egov_web::Routes::from_openapi(&openapi)
        .route("/api/v1/openapi.json", &["get"])
        .route("/healthz", &["get"])
        .route("/readyz", &["get"])
        .route("/metrics", &["get"]);
    let openapi = Arc::new(openapi);
    let doc = warp::path!("api" / "v1" / "openapi.json")
        .and(warp::get())
        .map(move || warp::reply::json(&*openapi).into_response());
    let routes = api
        .map(Reply::into_response)
        .or(doc)
        .unify()
        .or(egov_web::health(platform.registry.clone(), ready))
        .unify();
    tokio::spawn(egov_web::serve(
        listener,
        name,
        platform.http.clone(),
        allow,
        routes,
        shutdown,
    ))
}

/// A store failure as the caller sees it: a version conflict is a 409 (retry after reloading),
/// Redis out of reach a 503 (the request may not have been recorded: retry with the same
/// `Idempotency-Key`), anything else a 500 whose cause goes to the log. A key part the store
/// refused is our defect: ids are parsed before they reach it.
pub fn store_problem(e: egov_store::StoreError) -> egov_web::Problem {
    use egov_store::StoreError;
    match e {
        StoreError::Conflict { .. } => {
            egov_web::Problem::conflict("the record changed meanwhile; reload and retry")
        }
        StoreError::Redis(e) => {
            tracing::error!(error = %e, "store unavailable");
            egov_web::Problem::unavailable(
                "storage did not answer; the request may not have been recorded: retry with the same Idempotency-Key",
            )
        }
        StoreError::InvalidKey(k) => {
            tracing::error!(key = %k, "a key part reached the store unparsed");
            egov_web::Problem::internal()
        }
        other => {
            tracing::error!(error = %other, "store failure");
            egov_web::Problem::internal()
        }
    }
}

/// A plugin fault fails this request only: a 503 problem naming the fault's type, logged with
/// the variant, version and digest.
pub fn plugin_problem(e: &egov_procedure::PluginError) -> egov_web::Problem {
    tracing::error!(error = %e, kind = e.kind(), "procedure variant failed");
    egov_web::Problem::new(
        warp::http::StatusCode::SERVICE_UNAVAILABLE,
        &format!("plugin-{}", e.kind()),
        "The procedure variant failed",
    )
    .detail(format!("{e}; nothing was recorded"))
}

/// Attaches consumer group `group` to the topic of `topic`, sets `attached`, then runs
/// `handler` until `shutdown`. Attaching is retried while Redis is not there yet.
pub fn spawn_consumer<H: egov_bus::Handler>(
    platform: &Platform,
    topic: &'static str,
    group: &'static str,
    attached: Flag,
    handler: H,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    let consumer = platform.bus.consumer(platform.consumer(topic, group));
    let task = async move {
        let ok = retry_until(
            "attaching a consumer group",
            Duration::from_secs(1),
            &shutdown,
            || consumer.attach(),
        )
        .await;
        if ok.is_none() {
            return;
        }
        attached.set();
        if let Err(e) = consumer.run(handler, shutdown).await {
            tracing::error!(error = %e, topic, group, "consumer stopped");
        }
    };
    match &platform.consumers {
        Some(runtime) => runtime.spawn(task),
        None => tokio::spawn(task),
    }
}

/// How many nice steps the consumers' threads run below the thread that built their runtime
/// ([`consumer_runtime`]): at ten, the kernel gives a busy request thread about nine times a
/// consumer thread's share of a core (CFS weights 1024 and 110), and an idle request path
/// leaves the consumers every core.
pub const CONSUMER_NICE_STEPS: i32 = 10;

/// The runtime a process's consumers run on ([`Platform::with_consumers_on`]): as many workers
/// as cores, each thread (and each of its blocking threads) [`CONSUMER_NICE_STEPS`] below the
/// priority of the thread that calls this (the request path's), at most nice 19.
///
/// A burst of requests (the end of a quarter, the last day of a tender window) is then
/// answered first, each answer durable in Redis, and what the events set off (expertise's
/// cases, projections) follows as the request path leaves CPU: the streams hold the backlog,
/// and the consumers catch up after the burst. Sustained, the consumers take what the request
/// path leaves. Where the priority cannot be read or set (not Linux), the threads run at the
/// process's priority.
pub fn consumer_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let nice = consumer_nice();
    tokio::runtime::Builder::new_multi_thread()
        .thread_name("egov-consumer")
        .on_thread_start(move || set_nice(nice))
        .enable_all()
        .build()
}

/// The nice value of the consumers' threads: [`CONSUMER_NICE_STEPS`] below this thread's.
/// Taken once, when their runtime is built, since a new thread starts at the priority of the
/// thread that made it (a blocking thread may be made by a consumer thread).
fn consumer_nice() -> Option<i32> {
    #[cfg(target_os = "linux")]
    return rustix::process::getpriority_process(Some(rustix::thread::gettid()))
        .ok()
        .map(|n| (n + CONSUMER_NICE_STEPS).min(19));
    #[cfg(not(target_os = "linux"))]
    None
}

/// Sets this thread's nice value. On Linux a nice value is the thread's own:
/// `setpriority(PRIO_PROCESS, tid)` leaves the process's other threads as they are.
fn set_nice(nice: Option<i32>) {
    #[cfg(target_os = "linux")]
    if let Some(n) = nice
        && let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), n)
    {
        tracing::warn!(error = %e, "a consumer thread keeps the process's CPU priority");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

/// Runs `f` until it succeeds or `shutdown`, waiting `every` between tries (attaching consumer
/// groups while Redis comes up).
pub async fn retry_until<T, E: std::fmt::Display, Fut>(
    what: &str,
    every: Duration,
    shutdown: &CancellationToken,
    mut f: impl FnMut() -> Fut,
) -> Option<T>
where
    Fut: std::future::Future<Output = Result<T, E>>,
{
    loop {
        match f().await {
            Ok(v) => return Some(v),
            Err(e) => tracing::warn!(%e, "{what} failed; retrying"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return None,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The consumers' runtime runs its tasks on threads of its own, [`CONSUMER_NICE_STEPS`]
    /// below the thread that built it, and leaves that thread as it was.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_consumer_runtime_runs_its_tasks_on_threads_of_lower_priority() {
        fn nice() -> rustix::io::Result<i32> {
            rustix::process::getpriority_process(Some(rustix::thread::gettid()))
        }
        let before = nice().unwrap();
        let expected = (before + CONSUMER_NICE_STEPS).min(19);
        let rt = consumer_runtime().unwrap();
        let (name, theirs) = rt.block_on(async {
            rt.spawn(async {
                let name = std::thread::current().name().map(str::to_owned);
                (name, nice().unwrap())
            })
            .await
            .unwrap()
        });
        assert_eq!(name.as_deref(), Some("egov-consumer"));
        assert_eq!(theirs, expected);
        assert_eq!(
            nice().unwrap(),
            before,
            "the caller's thread is left as it was"
        );
        // A blocking thread made from a consumer thread: no lower again.
        let blocking = rt
            .block_on(rt.spawn(async move {
                tokio::task::spawn_blocking(move || nice().unwrap())
                    .await
                    .unwrap()
            }))
            .unwrap();
        assert_eq!(blocking, expected, "its blocking threads too, once");
    }
}
