//! `egov serve SERVICE`: one service, configured from the environment (the container's
//! entry point in the chart).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use egov::suite::{self, Layout};
use egov_auth::JwksSource;
use egov_runtime::{Platform, PlatformConfig};
use tokio_util::sync::CancellationToken;

fn var(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| format!("{name} is required"))
}

/// Runs `service` until SIGTERM or Ctrl-C.
pub fn run(service: &str) -> anyhow::Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
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
            sealing_key: PathBuf::from(var("EGOV_SEALING_KEY")?),
        };
        let platform = Platform::connect(&cfg, Arc::new(egov_kernel::SystemClock)).await?;
        let shutdown = CancellationToken::new();
        let running =
            suite::start_one(&platform, service, &Layout::from_env()?, shutdown.clone()).await?;
        let _watch = platform
            .definitions
            .spawn_watch(std::time::Duration::from_secs(5), shutdown.clone());
        tracing::info!(service, addr = %running.addr, "serving");
        egov_web::shutdown_signal().await;
        shutdown.cancel();
        running.wait().await;
        Ok(())
    })
}
