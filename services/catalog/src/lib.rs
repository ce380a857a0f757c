//! catalog: the Catalog of ICT services (LC-25, SM-103), the Register of trusted software
//! (LC-14, -20, -26, -28), Perechen entries (PL-9, PL-10), informatization objects with their
//! life-cycle stage (LC-9..19) and warranty (LC-16, -17) (DESIGN.md §5).
//!
//! This crate has the suite's shape today (API, health, OpenAPI, its consumer groups on the
//! expertise and tender topics); the registries come with later issues.

mod api;
mod config;
mod domain;

use egov_runtime::{Platform, Running, StartError};
use tokio_util::sync::CancellationToken;

pub use config::Config;

/// The service name.
pub const NAME: &str = "catalog";

/// The topics it reads.
pub const READS: &[&str] = &["expertise", "tender"];

/// Starts catalog: API, consumer groups (acknowledging what it does not act on yet), trimmer.
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
