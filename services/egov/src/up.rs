//! `egov up`: the whole suite on one machine, no set-up beyond the README's first command.
//!
//! Uses `REDIS_URL` when set; otherwise starts and supervises a `redis-server` with AOF on and
//! its data under `<home>/redis`. Creates the development signing key and JWKS under `<home>`.
//! Starts the five services in this process, and two monitoring peers (the monitoring IS, a
//! provider's IS) as child processes with development certificates. Prints where each listens and the exact
//! `egov token` command. Ctrl-C (or SIGTERM) stops everything, Redis included.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use egov::suite::{self, Layout};
use egov_auth::JwksSource;
use egov_auth::dev::{DEV_AUDIENCE, DEV_ISSUER, DevKeys};
use egov_runtime::{Platform, PlatformConfig};
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// `egov up` options (each also an environment variable).
#[derive(Args, Debug)]
pub struct UpArgs {
    /// The project folder for Redis data and development keys.
    #[arg(long, env = "EGOV_HOME", default_value = ".egov")]
    home: PathBuf,
    /// An external Redis (redis://HOST:PORT/DB) or Redis Cluster
    /// (redis+cluster://HOST:PORT,HOST:PORT,...); when absent, egov starts its own.
    #[arg(long, env = "REDIS_URL")]
    redis_url: Option<String>,
    /// The port of the Redis egov starts (loopback only).
    #[arg(long, env = "EGOV_REDIS_PORT", default_value_t = 6390)]
    redis_port: u16,
    /// The first of seven consecutive ports on 127.0.0.1: the five services (intake,
    /// expertise, tender, catalog, monitoring-bridge), then the two development monitoring
    /// peers.
    #[arg(long, env = "EGOV_FIRST_PORT", default_value_t = 8081)]
    first_port: u16,
    /// Directories of procedure-variant plugins (`make plugins` builds them), `:`-separated.
    #[arg(
        long,
        env = "EGOV_PLUGINS",
        default_value = "target/plugins/variants",
        value_delimiter = ':'
    )]
    plugins: Vec<PathBuf>,
    /// A calendar file adding or replacing years.
    #[arg(long, env = "EGOV_CALENDAR")]
    calendar: Option<PathBuf>,
}

/// Runs `egov up` until Ctrl-C.
pub fn run(args: UpArgs) -> anyhow::Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
    let consumers = egov_runtime::consumer_runtime()?;
    let _telemetry = rt.block_on(async { egov_runtime::telemetry::init("egov") });
    rt.block_on(up(args, consumers.handle().clone()))
}

async fn up(args: UpArgs, consumers: tokio::runtime::Handle) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.home)
        .with_context(|| format!("creating {}", args.home.display()))?;
    let keys = DevKeys::load_or_create(&args.home).context("development keys")?;
    let shutdown = CancellationToken::new();

    let (redis_url, supervisor) = match &args.redis_url {
        Some(url) => (url.clone(), None),
        None => {
            let url = format!("redis://127.0.0.1:{}", args.redis_port);
            let dir = args.home.join("redis");
            std::fs::create_dir_all(&dir)?;
            let child = start_redis(&dir, args.redis_port).await?;
            let sup = tokio::spawn(supervise(child, dir, args.redis_port, shutdown.clone()));
            (url, Some(sup))
        }
    };
    let cfg = PlatformConfig {
        redis_url: redis_url.clone(),
        replica: "local".into(),
        partitions: 1,
        jwks: JwksSource::File(keys.jwks_path()),
        issuer: DEV_ISSUER.into(),
        audience: DEV_AUDIENCE.into(),
        calendar_file: args.calendar.clone(),
        plugins: args.plugins.clone(),
        plugin_cache: Some(args.home.join("plugin-cache")),
        sealing_key: Some(dev_sealing_key(&args.home)?),
    };
    // The wall clock, which a platform administrator may shift (`PUT /api/v1/dev/clock` at
    // intake): `egov demo` replays tenders through months of windows this way. A development
    // suite only: `egov serve` has no such clock.
    let clock = Arc::new(egov_kernel::ShiftedClock::default());
    let platform = Platform::connect(&cfg, clock.clone())
        .await
        .with_context(|| format!("starting the platform on {redis_url}"))?
        .with_dev_clock(clock)
        .with_consumers_on(consumers);
    let mut layout = Layout::loopback(args.first_port);
    // The monitoring bridge talks to two development peers, each its own process: the
    // monitoring IS and the IS of a provider that has one.
    let pki_dir = args.home.join("monitoring");
    let peer_port = |i: u16| args.first_port + 5 + i;
    let peers = [
        (
            egov_monitoring_bridge::MONITORING_IS.to_owned(),
            peer_port(0),
        ),
        (
            format!(
                "provider-is.{}",
                egov_monitoring_bridge::dev::PROVIDER_WITH_IS
            ),
            peer_port(1),
        ),
    ];
    let url = |port: u16| format!("http://127.0.0.1:{port}/messages");
    let monitoring = egov_monitoring_bridge::dev::config(
        &pki_dir,
        layout.monitoring_bridge,
        &url(peers[0].1),
        &url(peers[1].1),
    )
    .context("the monitoring bridge's development keys")?;
    layout.monitoring = Some(monitoring);
    let mut peer_children = Vec::new();
    for (name, port) in &peers {
        peer_children.push(start_peer(&args.home, &pki_dir, name, *port).await?);
    }
    let running = suite::start_all(&platform, &layout, shutdown.clone()).await?;
    // New plugin revisions are picked up while the suite runs.
    let watch = platform
        .definitions
        .spawn_watch(Duration::from_secs(2), shutdown.clone());

    println!("egov is up.");
    match &supervisor {
        Some(_) => println!(
            "  redis              {redis_url}  (data in {}, AOF on)",
            args.home.join("redis").display()
        ),
        None => println!("  redis              {redis_url}  (external)"),
    }
    for r in &running {
        println!(
            "  {:<18} http://{}  (/api/v1/openapi.json, /healthz, /readyz, /metrics)",
            r.name, r.addr
        );
    }
    for (name, port) in &peers {
        println!(
            "  peer {:<13} {}  (egov monitoring peer; GET /received)",
            name,
            url(*port)
        );
    }
    println!("  jwks               {}", keys.jwks_path().display());
    for d in platform.definitions.all() {
        println!(
            "  variant            {} ({}, in force from {})",
            d.label(),
            d.kind,
            d.effective_from
        );
    }
    println!();
    println!("Get a development token (valid 1 hour):");
    println!(
        "  cargo run -q -p egov -- token --home {} --role state-body --org 940740000911",
        args.home.display()
    );
    println!(
        "Other roles: authorized-body, service-integrator, operator, supplier, ... (README.md)."
    );
    println!();
    println!("Ctrl-C stops everything.");

    egov_web::shutdown_signal().await;
    info!("stopping");
    shutdown.cancel();
    for r in running {
        r.wait().await;
    }
    let _ = watch.await;
    for mut c in peer_children {
        let _ = c.kill().await;
    }
    if let Some(sup) = supervisor {
        let _ = redis::cmd("SHUTDOWN")
            .query_async::<()>(&mut platform.bus.connection())
            .await;
        let _ = sup.await;
    }
    println!("egov stopped.");
    Ok(())
}

/// The development sealing key under `home` (created once, mode 0600): what sealed slots are
/// encrypted with at rest (`EGOV_SEALING_KEY` in a deployment).
fn dev_sealing_key(home: &Path) -> anyhow::Result<PathBuf> {
    let path = home.join("dev-sealing-key");
    egov_runtime::sealing::create_dev_key(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    Ok(path)
}

/// Starts a development monitoring peer (`egov monitoring peer`) as a child process.
async fn start_peer(home: &Path, pki: &Path, name: &str, port: u16) -> anyhow::Result<Child> {
    let listen = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let cfg = egov_monitoring_bridge::dev::peer(pki, name, listen, home.join("peers").join(name))?;
    let child = Command::new(std::env::current_exe()?)
        .args([
            "monitoring",
            "peer",
            "--listen",
            &listen.to_string(),
            "--name",
            &cfg.name,
        ])
        .arg("--dir")
        .arg(&cfg.dir)
        .arg("--key")
        .arg(&cfg.key)
        .arg("--chain")
        .arg(&cfg.chain)
        .arg("--trust")
        .arg(&cfg.trust)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .context("starting the monitoring peer")?;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(listen).await.is_ok() {
            return Ok(child);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    bail!("the monitoring peer {name} did not listen on {listen} within 5s")
}

async fn start_redis(dir: &Path, port: u16) -> anyhow::Result<Child> {
    if tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_ok()
    {
        bail!("port {port} is taken (another `egov up`?); set EGOV_REDIS_PORT or REDIS_URL");
    }
    let dir = dir.canonicalize()?;
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--protected-mode",
            "no",
        ])
        .arg("--dir")
        .arg(&dir)
        .args([
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
        ])
        .args(["--maxmemory-policy", "noeviction"])
        .arg("--logfile")
        .arg(dir.join("redis.log"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .context("starting redis-server (make up installs it; or set REDIS_URL)")?;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(child);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    bail!(
        "redis-server did not listen on port {port} within 5s; see {}",
        dir.join("redis.log").display()
    )
}

/// Restarts Redis if it dies while the suite runs; on shutdown waits for it to exit.
async fn supervise(mut child: Child, dir: PathBuf, port: u16, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            status = child.wait() => {
                if shutdown.is_cancelled() {
                    return;
                }
                warn!(?status, "redis-server exited; restarting it");
                tokio::time::sleep(Duration::from_secs(1)).await;
                match start_redis(&dir, port).await {
                    Ok(c) => child = c,
                    Err(e) => {
                        warn!(error = %e, "could not restart redis-server");
                        return;
                    }
                }
            }
            _ = shutdown.cancelled() => {
                // `egov up` sends SHUTDOWN (AOF flushed) after the services stopped; wait for
                // it, then make sure.
                if tokio::time::timeout(Duration::from_secs(15), child.wait()).await.is_err() {
                    let _ = child.kill().await;
                }
                return;
            }
        }
    }
}
