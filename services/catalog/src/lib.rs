//! catalog: the Catalog of ICT services (LC-25, SM-103), the Register of trusted software
//! (LC-14, -20, -26, -28), Perechen entries (PL-9, PL-10), informatization objects with their
//! life-cycle stage (LC-9..19) and warranty (LC-16, -17) (DESIGN.md §5).
//!
//! This crate has the suite's shape today (API, health, OpenAPI, its consumer groups on the
//! expertise and tender topics); the registries come with later issues.

mod api;
mod config;
mod domain;
mod handlers;

use std::time::Duration;

use egov_runtime::{Flag, Platform, Running, StartError};
use tokio_util::sync::CancellationToken;

pub use config::Config;

/// The service name.
pub const NAME: &str = "catalog";

/// The topics it reads.
pub const READS: &[&str] = &["expertise", "tender"];

/// Starts catalog: API, consumer groups, trimmer.
pub async fn start(
    platform: Platform,
    cfg: Config,
    shutdown: CancellationToken,
) -> Result<Running, StartError> {
    let listener = egov_runtime::bind(cfg.listen).await?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Bind(cfg.listen, e))?;
    let attached: Vec<Flag> = READS.iter().map(|_| Flag::default()).collect();
    let mut tasks: Vec<_> = READS
        .iter()
        .zip(&attached)
        .map(|(topic, flag)| handlers::spawn(&platform, topic, flag.clone(), shutdown.clone()))
        .collect();
    tasks.push(platform.bus.spawn_trimmer(
        platform.topic(NAME),
        egov_runtime::TOPIC_RETENTION,
        Duration::from_secs(60),
        shutdown.clone(),
    ));
    let ready = READS
        .iter()
        .zip(&attached)
        .map(|(topic, f)| {
            f.check(
                &format!("consumer:{topic}"),
                "consumer group not attached yet",
            )
        })
        .collect();
    tasks.push(egov_runtime::serve(
        &platform,
        NAME,
        listener,
        api::routes(),
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
