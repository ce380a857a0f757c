//! catalog: the Catalog of ICT services (LC-25, SM-103), the Register of trusted software
//! (LC-14, -20, -26, -28), Perechen entries (PL-9, PL-10), informatization objects with their
//! life-cycle stage (LC-9..19) and warranty (LC-16, -17).
//!
//! It serves the worklist and actions of the steps it owns (`egov-cases`). Otherwise it has the
//! suite's shape today (API, health, OpenAPI, trimming; no consumer group
//! yet: it will read the expertise and tender topics once it has handlers); the registries
//! come with later issues.

mod api;
mod config;
mod domain;

use egov_runtime::{Platform, Running, StartError};
use tokio_util::sync::CancellationToken;

pub use config::Config;

/// The service name.
pub const NAME: &str = "catalog";

/// The topics it will read once it has handlers. It attaches no consumer group before
/// (see `egov_runtime::start_shell`), so its groups, when created, start at the beginning of
/// these topics and it reads what was published before.
pub const READS: &[&str] = &["expertise", "tender"];

/// Starts catalog: API, health and trimmer; no consumer group until it has handlers.
pub async fn start(
    platform: Platform,
    cfg: Config,
    shutdown: CancellationToken,
) -> Result<Running, StartError> {
    let host = egov_cases::Host::new(&platform, NAME);
    egov_runtime::start_shell(
        platform,
        NAME,
        cfg.listen,
        api::routes(host),
        api::openapi(),
        shutdown,
    )
    .await
}
