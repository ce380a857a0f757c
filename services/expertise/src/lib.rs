//! expertise: examination and decision steps.
//!
//! Cases run on the engine (`egov-engine`): `CaseSubmitted` starts a case on the variant
//! revision intake chose (pinned by digest), and every input (a submission, a completion) is
//! one `react` of the variant and one atomic append of the case with a `CaseAdvanced` event.
//! The step graph, roles and terms come from the variant; no procedure's rule is written here.
//! The deadline scheduler (one active instance, by a Redis lease) publishes
//! `DeadlineApproaching` and `DeadlineMissed`, and fires the variants' timers. Retired plugin
//! revisions are unloaded once no open case is pinned to them (`revisions`).

mod api;
mod config;
mod deadlines;
mod handlers;
mod revisions;

use std::time::Duration;

use egov_runtime::{Flag, Platform, Running, StartError};
use tokio_util::sync::CancellationToken;

pub use config::Config;

/// The service name.
pub const NAME: &str = "expertise";

pub(crate) use egov_cases::Host as Ctx;

/// Starts expertise: API, consumers, deadline scheduler, trimmer.
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
    let mut tasks = vec![
        // Submissions start cases; completions advance them synchronously (api).
        handlers::spawn(ctx.clone(), "intake", attached.clone(), shutdown.clone()),
        deadlines::spawn(ctx.clone(), cfg.scheduler_tick, shutdown.clone()),
        revisions::spawn(ctx.clone(), Duration::from_secs(30), shutdown.clone()),
        platform.bus.spawn_trimmer(
            platform.topic(NAME),
            egov_runtime::TOPIC_RETENTION,
            Duration::from_secs(60),
            shutdown.clone(),
        ),
    ];
    let ready = vec![attached.check("consumers", "consumer groups not attached yet")];
    tasks.push(egov_runtime::serve(
        &platform,
        NAME,
        listener,
        egov_cases::routes(ctx),
        api::openapi(),
        ready,
        shutdown,
    ));
    Ok(Running {
        name: NAME,
        addr,
        tasks,
    })
}
