//! monitoring-bridge: interaction with the monitoring information system for public services
//! (seed 004, MON-*): the three integration categories, signed messages, the message log, and
//! per-destination ordered queues while a peer is down (DESIGN.md §5).
//!
//! This crate has the suite's shape today (API, health, OpenAPI, its consumer group on the
//! intake topic); the exchange itself comes with a later issue.

mod api;
mod config;
mod domain;

use egov_runtime::{Platform, Running, StartError};
use tokio_util::sync::CancellationToken;

pub use config::Config;

/// The service name.
pub const NAME: &str = "monitoring-bridge";

/// The topics it reads.
pub const READS: &[&str] = &["intake"];

/// Starts monitoring-bridge: API, consumer groups (acknowledging what it does not act on yet), trimmer.
pub async fn start(
    platform: Platform,
    cfg: Config,
    shutdown: CancellationToken,
) -> Result<Running, StartError> {
    egov_runtime::start_shell(
        platform,
        NAME,
        cfg.listen,
        READS,
        api::routes(),
        api::openapi(),
        shutdown,
    )
    .await
}
