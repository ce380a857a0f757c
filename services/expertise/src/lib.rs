//! expertise: examination and decision steps (DESIGN.md §5).
//!
//! The engine: on `CaseSubmitted` it opens the start step of the case's recorded variant as a
//! task with its legal term; when a task is completed with an outcome, `StepCompleted` is
//! published and (read back from its own topic) opens the steps the outcome leads to. The step
//! graph, roles and terms come from the variant's definition; no procedure's rule is written
//! here. The deadline scheduler (one active instance, by a Redis lease) publishes
//! `DeadlineApproaching` and `DeadlineMissed`.

mod api;
mod config;
mod deadlines;
mod domain;
mod handlers;

use std::time::Duration;

use egov_runtime::{Flag, Platform, Running, StartError};
use tokio_util::sync::CancellationToken;

pub use config::Config;

/// The service name.
pub const NAME: &str = "expertise";

pub(crate) use egov_runtime::ServiceContext as Ctx;

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
        // Submissions open start steps; our own completions open next steps.
        handlers::spawn(ctx.clone(), "intake", attached.clone(), shutdown.clone()),
        handlers::spawn(ctx.clone(), NAME, Flag::default(), shutdown.clone()),
        deadlines::spawn(ctx.clone(), cfg.scheduler_tick, shutdown.clone()),
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
        api::routes(ctx),
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
