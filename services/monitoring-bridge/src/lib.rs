//! monitoring-bridge: interaction with the monitoring information system for public services
//! (MON-*): the three integration categories, signed messages, the message log, and
//! per-destination ordered queues while a peer is down.
//!
//! This crate has the suite's shape today (API, health, OpenAPI, trimming; no consumer group
//! yet: it will read the intake topic once it has handlers); the exchange itself comes with a
//! later issue.

mod api;
mod config;
mod domain;

use egov_runtime::{Platform, Running, StartError};
use tokio_util::sync::CancellationToken;

pub use config::Config;

/// The service name.
pub const NAME: &str = "monitoring-bridge";

/// The topics it will read once it has handlers. It attaches no consumer group before
/// (see `egov_runtime::start_shell`), so its groups, when created, start at the beginning of
/// these topics and it reads what was published before.
pub const READS: &[&str] = &["intake"];

/// Starts monitoring-bridge: API, health and trimmer; no consumer group until it has handlers.
pub async fn start(
    platform: Platform,
    cfg: Config,
    shutdown: CancellationToken,
) -> Result<Running, StartError> {
    egov_runtime::start_shell(
        platform,
        NAME,
        cfg.listen,
        api::routes(),
        api::openapi(),
        shutdown,
    )
    .await
}
