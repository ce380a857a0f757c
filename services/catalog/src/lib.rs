//! catalog: the Catalog of ICT services (LC-25, SM-103), the Register of trusted software
//! (LC-14, -20, -26, -28), Perechen entries (PL-9, PL-10), informatization objects with their
//! life-cycle stage (LC-9..19) and warranty (LC-16, -17).
//!
//! Today it owns the registry writes of cases: every `put-entry` of a variant (an `EntryPut`
//! change of expertise's `CaseAdvanced`) becomes an entry aggregate here, exactly once per
//! write, listed in its registry or taken out of it (PL-10), with a change feed. It serves the
//! worklist and actions of the steps it owns (`egov-cases`). The Catalog of ICT services, the
//! Register, the life cycle and search come with the rest of its issue.

mod alerts;
mod api;
mod config;
mod domain;
mod handlers;
pub mod search;

use std::time::Duration;

use egov_runtime::{Flag, Platform, Running, StartError};
use tokio_util::sync::CancellationToken;

pub use config::Config;

/// The service name.
pub const NAME: &str = "catalog";

/// The topics it reads: expertise (the cases' registry writes) and tender (SM-98.b, the ICT
/// services to include in the Catalog).
pub const READS: &[&str] = &["expertise", "tender"];

pub(crate) use egov_runtime::ServiceContext as Ctx;

/// Starts catalog: API, the consumer of the cases' registry writes, trimmer.
pub async fn start(
    platform: Platform,
    cfg: Config,
    shutdown: CancellationToken,
) -> Result<Running, StartError> {
    let listener = egov_runtime::bind(cfg.listen).await?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Bind(cfg.listen, e))?;
    let host = egov_cases::Host::new(&platform, NAME);
    // Catalog's own keyed routes keep their records where its cases' routes keep theirs, so
    // one Idempotency-Key has one record across catalog's API.
    let ctx = Ctx::with_records(&platform, NAME, host.idem.clone());
    let (cases, tender) = (Flag::default(), Flag::default());
    let index = egov_search::SearchIndex::in_memory()
        .map_err(|e| StartError::Config(format!("search index: {e}")))?;
    let search = search::Search {
        index: std::sync::Arc::new(index),
        ready: Flag::default(),
        metrics: platform.metrics(search::SearchMetrics::new)?,
    };
    let mut tasks = vec![
        handlers::spawn(
            ctx.clone(),
            search.clone(),
            "expertise",
            cases.clone(),
            shutdown.clone(),
        ),
        handlers::spawn(
            ctx.clone(),
            search.clone(),
            "tender",
            tender.clone(),
            shutdown.clone(),
        ),
        search::spawn(
            ctx.clone(),
            search.index.clone(),
            search.ready.clone(),
            shutdown.clone(),
        ),
        alerts::spawn(ctx.clone(), shutdown.clone()),
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
        tender.check(
            "tender-consumer",
            "the tender consumer group is not attached yet",
        ),
        search.ready.check("search", "the search index is loading"),
    ];
    tasks.push(egov_runtime::serve(
        &platform,
        NAME,
        listener,
        api::routes(ctx, host, search),
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
