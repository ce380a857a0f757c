//! tender: competitive procedures: commission (SM-36), announcement (SM-42),
//! application window (SM-47), applications sealed until the window closes (SM-49), the
//! no-application ladder (SM-53-1), testing (SM-73..83), the commission's decision and formation
//! (SM-85..88), and the catalog notification chain (SM-98).
//!
//! It serves the worklist and actions of the steps it owns (`egov-cases`). Otherwise it has the
//! suite's shape today (API, health, OpenAPI, trimming; no consumer group
//! yet: it will read the expertise topic once it has handlers); the tender procedures come as
//! plugin variants in later issues.

mod api;
mod config;
mod domain;

use egov_runtime::{Platform, Running, StartError};
use tokio_util::sync::CancellationToken;

pub use config::Config;

/// The service name.
pub const NAME: &str = "tender";

/// The topics it will read once it has handlers. It attaches no consumer group before
/// (see `egov_runtime::start_shell`), so its groups, when created, start at the beginning of
/// these topics and it reads what was published before.
pub const READS: &[&str] = &["expertise"];

/// Starts tender: API, health and trimmer; no consumer group until it has handlers.
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
