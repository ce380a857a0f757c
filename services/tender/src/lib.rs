//! tender: what every tender shares, whatever the edition of its rules: the applications
//! sealed until the window closes (SM-49; the engine keeps a sealed slot's bodies encrypted
//! with the case's slot key, `egov_runtime::sealing`), the tender's public record as it changed
//! and its OCDS 1.1 view, the question to the Register before a tender of the 2023 rules
//! (LC-26, LC-28) and the notification of a formed ICT service to the Catalog (SM-98.b).
//!
//! The procedure itself (commission SM-36, announcement SM-42, window SM-47, the ladder
//! SM-53-1, evaluation, award, testing SM-73..83, formation SM-85..88, the chain SM-98) is the
//! `tender` variants' (`tender-2022`, `tender-2023`): cases on the engine at expertise, whose
//! steps this service serves (`egov-cases`).

mod api;
mod config;
mod domain;
mod handlers;
pub mod ocds;

use std::sync::Arc;
use std::time::Duration;

use egov_runtime::{Flag, Platform, Running, StartError};
use tokio_util::sync::CancellationToken;

pub use config::Config;

/// The service name.
pub const NAME: &str = "tender";

/// The topics it reads: expertise (the tender cases' changes) and catalog (the Register's
/// answers).
pub const READS: &[&str] = &["expertise", "catalog"];

pub(crate) use egov_runtime::ServiceContext as Ctx;

/// Starts tender: API, consumers, trimmer.
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
    let host = egov_cases::Host::new(&platform, NAME);
    let h = Arc::new(handlers::Handlers {
        ctx: ctx.clone(),
        host: host.clone(),
        prefix: cfg.ocid_prefix.clone(),
    });
    let (cases, catalog) = (Flag::default(), Flag::default());
    let mut tasks = vec![
        handlers::spawn(h.clone(), "expertise", cases.clone(), shutdown.clone()),
        handlers::spawn(h, "catalog", catalog.clone(), shutdown.clone()),
        platform.bus.spawn_trimmer(
            platform.topic(NAME),
            egov_runtime::TOPIC_RETENTION,
            Duration::from_secs(60),
            shutdown.clone(),
        ),
    ];
    let ready = vec![
        cases.check(
            "consumers",
            "the expertise consumer group is not attached yet",
        ),
        catalog.check(
            "catalog-consumer",
            "the catalog consumer group is not attached yet",
        ),
    ];
    let api = Arc::new(api::Api {
        ctx,
        prefix: cfg.ocid_prefix,
        public_url: cfg.public_url,
    });
    tasks.push(egov_runtime::serve(
        &platform,
        NAME,
        listener,
        api::routes(api, host),
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
