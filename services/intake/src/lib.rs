//! intake: the front door for submissions and the case registry.
//!
//! - `POST /api/v1/<intake path>` for every loaded procedure variant (e.g.
//!   `perechen-applications`): validates the form by the variant in force on the day of
//!   submission, records the case and publishes `CaseSubmitted` in one atomic step.
//! - `GET /api/v1/cases/{id}`: the case and its timeline, built from intake's own history and
//!   the events other services published about it (consumed from their topics).

mod api;
mod config;
mod domain;
mod handlers;
mod started;

use std::time::Duration;

use egov_runtime::{Flag, Platform, Running, StartError};
use tokio_util::sync::CancellationToken;

pub use config::Config;

/// The service name: its topic, its consumer group, its metrics label.
pub const NAME: &str = "intake";

/// The topics intake reads, besides its own: the services that act on cases.
const READS: &[&str] = &["expertise"];

pub(crate) use egov_runtime::ServiceContext as Ctx;

/// Starts intake: API, consumers, trimmer.
pub async fn start(
    platform: Platform,
    cfg: Config,
    shutdown: CancellationToken,
) -> Result<Running, StartError> {
    let listener = egov_runtime::bind(cfg.listen).await?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Bind(cfg.listen, e))?;
    let ctx = Ctx::new(&platform, NAME);
    let attached = Flag::default();
    let mut tasks = Vec::new();
    for topic in READS {
        tasks.push(handlers::spawn(
            ctx.clone(),
            topic,
            attached.clone(),
            shutdown.clone(),
        ));
    }
    tasks.push(platform.bus.spawn_trimmer(
        platform.topic(NAME),
        egov_runtime::TOPIC_RETENTION,
        Duration::from_secs(60),
        shutdown.clone(),
    ));
    let ready = vec![attached.check("consumers", "consumer groups not attached yet")];
    tasks.push(egov_runtime::serve(
        &platform,
        NAME,
        listener,
        api::routes(ctx.clone()),
        api::openapi(
            &platform.definitions,
            egov_kernel::time::local_date(platform.clock.now()),
            platform.dev_clock.is_some(),
        ),
        ready,
        shutdown,
    ));
    Ok(Running {
        name: NAME,
        addr,
        tasks,
    })
}
