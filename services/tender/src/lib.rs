//! tender: competitive procedures (DESIGN.md §5): commission (SM-36), announcement (SM-42),
//! application window (SM-47), applications sealed until the window closes (SM-49), the
//! no-application ladder (SM-53-1), testing (SM-73..83), the commission's decision and formation
//! (SM-85..88), and the catalog notification chain (SM-98).
//!
//! This crate has the suite's shape today (API, health, OpenAPI, its consumer group on the
//! expertise topic); the tender procedures come as plugin variants in later issues.

mod api;
mod config;
mod domain;
mod handlers;

use std::time::Duration;

use egov_runtime::{Flag, Platform, Running, StartError};
use tokio_util::sync::CancellationToken;

pub use config::Config;

/// The service name.
pub const NAME: &str = "tender";

/// The topics it reads.
pub const READS: &[&str] = &["expertise"];

/// Starts tender: API, consumer groups, trimmer.
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
