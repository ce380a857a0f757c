//! `egov serve SERVICE`: one service, configured from the environment (the container's
//! entry point in the chart).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use egov::suite::{self, Layout};
use egov_auth::JwksSource;
use egov_runtime::lease::Leases;
use egov_runtime::{Platform, PlatformConfig};
use tokio_util::sync::CancellationToken;

fn var(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| format!("{name} is required"))
}

/// Runs `service` until SIGTERM or Ctrl-C.
pub fn run(service: &str) -> anyhow::Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
    let consumers = egov_runtime::consumer_runtime()?;
    let _telemetry = rt.block_on(async { egov_runtime::telemetry::init(service) });
    rt.block_on(async {
        let cfg = PlatformConfig {
            redis_url: var("REDIS_URL")?,
            replica: std::env::var("POD_NAME")
                .or_else(|_| std::env::var("HOSTNAME"))
                .unwrap_or_else(|_| "local".into()),
            partitions: std::env::var("EGOV_PARTITIONS")
                .ok()
                .map(|p| p.parse())
                .transpose()?
                .unwrap_or(1),
            jwks: JwksSource::parse(&var("EGOV_JWKS")?),
            issuer: var("EGOV_JWT_ISSUER")?,
            audience: std::env::var("EGOV_JWT_AUDIENCE").unwrap_or_else(|_| "egov".into()),
            calendar_file: std::env::var("EGOV_CALENDAR").ok().map(PathBuf::from),
            plugins: std::env::var("EGOV_PLUGINS")
                .unwrap_or_else(|_| "target/plugins/variants".into())
                .split(':')
                .map(PathBuf::from)
                .collect(),
            plugin_cache: std::env::var("EGOV_PLUGIN_CACHE").ok().map(PathBuf::from),
            // Every service that runs cases seals and opens slots with the one key; the bridge
            // runs none.
            sealing_key: match service {
                "monitoring-bridge" => None,
                _ => Some(PathBuf::from(var("EGOV_SEALING_KEY")?)),
            },
        };
        let mut platform = Platform::connect(&cfg, Arc::new(egov_kernel::SystemClock))
            .await?
            .with_consumers_on(consumers.handle().clone());
        let shutdown = CancellationToken::new();
        let cluster = Cluster::from_env()?;
        let client = match cluster.needs_client() {
            true => Some(egov_k8s::client().await.context(
                "the Kubernetes API (EGOV_LEASE_BACKEND=kubernetes or EGOV_PLUGIN_RESOURCES=true)",
            )?),
            false => None,
        };
        if let (Some(prefix), Some(client)) = (&cluster.lease_prefix, &client) {
            platform = platform.with_leases(Leases::Kubernetes {
                client: client.clone(),
                namespace: cluster.namespace.clone(),
                prefix: prefix.clone(),
            });
        }
        let running =
            suite::start_one(&platform, service, &Layout::from_env()?, shutdown.clone()).await?;
        let _watch = platform
            .definitions
            .spawn_watch(std::time::Duration::from_secs(5), shutdown.clone());
        // The bridge runs no procedure: it has no plugins to load.
        let _loader = match (&client, cluster.plugin_resources, service) {
            (Some(client), true, s) if s != "monitoring-bridge" => Some(tokio::spawn(
                egov_k8s::Loader::new(
                    service,
                    platform.definitions.clone(),
                    client.clone(),
                    &cluster.namespace,
                    cluster.plugin_selector.clone(),
                )
                .run(shutdown.clone()),
            )),
            _ => None,
        };
        tracing::info!(service, addr = %running.addr, "serving");
        egov_web::shutdown_signal().await;
        shutdown.cancel();
        running.wait().await;
        Ok(())
    })
}

/// What a service does with the Kubernetes API, from the environment the chart sets.
struct Cluster {
    /// `POD_NAMESPACE`: where the ProcedurePlugins and the Leases are.
    namespace: String,
    /// `EGOV_LEASE_BACKEND=kubernetes`: Leases named after `EGOV_LEASE_PREFIX` (the release).
    lease_prefix: Option<String>,
    /// `EGOV_PLUGIN_RESOURCES=true`: watch ProcedurePlugins.
    plugin_resources: bool,
    /// `EGOV_PLUGIN_SELECTOR`: only the ProcedurePlugins with these labels.
    plugin_selector: Option<String>,
}

impl Cluster {
    fn from_env() -> anyhow::Result<Self> {
        let flag = |name: &str| match std::env::var(name).as_deref() {
            Ok("true") => Ok(true),
            Ok("false") | Err(_) => Ok(false),
            Ok(other) => anyhow::bail!("{name}={other:?}: true or false"),
        };
        let lease_prefix = match std::env::var("EGOV_LEASE_BACKEND").as_deref() {
            Ok("kubernetes") => {
                Some(std::env::var("EGOV_LEASE_PREFIX").unwrap_or_else(|_| "egov".into()))
            }
            Ok("redis") | Err(_) => None,
            Ok(other) => anyhow::bail!("EGOV_LEASE_BACKEND={other:?}: redis or kubernetes"),
        };
        let me = Self {
            namespace: std::env::var("POD_NAMESPACE").unwrap_or_default(),
            lease_prefix,
            plugin_resources: flag("EGOV_PLUGIN_RESOURCES")?,
            plugin_selector: std::env::var("EGOV_PLUGIN_SELECTOR").ok(),
        };
        if me.needs_client() && me.namespace.is_empty() {
            anyhow::bail!("POD_NAMESPACE is required with the Kubernetes API (the chart sets it)");
        }
        Ok(me)
    }

    fn needs_client(&self) -> bool {
        self.lease_prefix.is_some() || self.plugin_resources
    }
}
