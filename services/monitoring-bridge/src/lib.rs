//! monitoring-bridge: the information interaction with the monitoring IS for public services
//! (seed 004: the Rules approved by order 1277 of 30.12.2015, as amended by order 330/НК of
//! 30.06.2025), built as the trusted message gateways of this field are: signed messages, a
//! message log, ordered queues.
//!
//! - The three integration categories (p.5): status reports (MON-5.1, MON-8), requests for
//!   information and their answers, "request" and "response" messages (MON-7.1..MON-7.5), and
//!   applications with electronic copies of documents and their results (MON-7.2, MON-5.3).
//!   State-secret content is refused (MON-2).
//! - Every message received is verified before anything is stored: a detached CMS signature
//!   whose certificate chains to the configured CA (MON-11); every message sent is signed with
//!   the bridge's own key (`egov-signature`).
//! - Every send and receipt is in a hash-chained log with local time (MON-9.a, MON-10;
//!   `domain::log`, `egov monitoring verify-log`).
//! - One ordered queue per destination, delivered in order with backoff while the destination
//!   is down, kept in Redis across crashes (MON-9.b; `deliver`).
//! - `peer`: a small monitoring-IS (or provider-IS) peer for tests and demos
//!   (`egov monitoring peer`).

mod api;
mod config;
pub mod deliver;
pub mod dev;
pub mod domain;
pub mod exchange;
pub mod journal;
pub mod logread;
mod metrics;
pub mod peer;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use egov_runtime::{Platform, Running, StartError};
use tokio_util::sync::CancellationToken;

pub use config::{
    Config, Destination, Exchange, MONITORING_IS, Provider, Retry, provider_destination,
};
pub use exchange::{Bridge, Keys};

/// The service name.
pub const NAME: &str = "monitoring-bridge";

/// The topics it reads: none (its inputs are the parties' API calls and peers' messages).
pub const READS: &[&str] = &[];

/// The bridge's keys from its configuration files.
pub fn load_keys(cfg: &Config) -> Result<Keys, StartError> {
    let signer = egov_signature::KeySigner::from_files(&cfg.signing_key, &cfg.signing_chain)
        .map_err(|e| StartError::Config(format!("the bridge's signing key: {e}")))?;
    let trust = egov_signature::Trust::from_file(&cfg.trust)
        .map_err(|e| StartError::Config(format!("MONITORING_TRUST: {e}")))?;
    Ok(Keys {
        signer: Arc::new(signer),
        verifier: egov_signature::Verifier::new(trust),
    })
}

/// Starts monitoring-bridge: API, journal, one deliverer per destination.
pub async fn start(
    platform: Platform,
    cfg: Config,
    shutdown: CancellationToken,
) -> Result<Running, StartError> {
    let keys = load_keys(&cfg)?;
    start_with(platform, cfg.listen, cfg.exchange, Some(keys), shutdown).await
}

/// Starts monitoring-bridge with no keys at all: nothing verified, nothing signed. Only the
/// benchmark's baseline of the same path unsigned builds it (feature `unsigned-baseline`).
#[cfg(feature = "unsigned-baseline")]
pub async fn start_unsigned(
    platform: Platform,
    listen: std::net::SocketAddr,
    exchange: Exchange,
    shutdown: CancellationToken,
) -> Result<Running, StartError> {
    start_with(platform, listen, exchange, None, shutdown).await
}

async fn start_with(
    platform: Platform,
    listen: std::net::SocketAddr,
    exchange: Exchange,
    keys: Option<Keys>,
    shutdown: CancellationToken,
) -> Result<Running, StartError> {
    let listener = egov_runtime::bind(listen).await?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Bind(listen, e))?;
    let ctx = egov_runtime::ServiceContext::new(&platform, NAME);
    let conn = egov_bus::connect(&platform.redis).await?;
    let clock = platform.clock.clone();
    let stamp = clock.clone();
    let (journal, journal_task) = journal::Journal::start(
        egov_bus::connect(&platform.redis).await?,
        Arc::new(move || egov_kernel::time::format(stamp.now())),
    );
    let routes = exchange.routes();
    let subject = keys
        .as_ref()
        .map(|k| k.signer.certificate().tbs_certificate.subject.to_string())
        .unwrap_or_default();
    let bridge = Arc::new(Bridge {
        wake: routes
            .keys()
            .map(|d| (d.clone(), Default::default()))
            .collect::<BTreeMap<_, _>>(),
        routes: routes.clone(),
        exchange,
        keys,
        journal,
        conn,
        clock,
        subject,
        metrics: {
            let m = platform.metrics(metrics::Metrics::new)?;
            routes.keys().for_each(|d| m.destination(d));
            m
        },
    });
    let (held, keeper) = egov_runtime::lease::keep(
        &platform.leases,
        deliver::lease_name(),
        format!("{}:{}", platform.replica, ulid::Ulid::new()),
        Duration::from_secs(3),
        shutdown.clone(),
    );
    let mut tasks = vec![
        journal_task,
        deliver::spawn_sampler(bridge.clone(), shutdown.clone()),
        // Aborting this task (a crash in tests) drops the keeper: the lease then expires.
        tokio::spawn(keeper.finish()),
    ];
    for (dest, url) in routes {
        tasks.push(deliver::spawn(
            bridge.clone(),
            dest,
            url,
            held.clone(),
            shutdown.clone(),
        ));
    }
    let api = Arc::new(api::Api { bridge, ctx });
    tasks.push(egov_runtime::serve(
        &platform,
        NAME,
        listener,
        api::routes(api),
        api::openapi(),
        Vec::new(),
        shutdown,
    ));
    Ok(Running {
        name: NAME,
        addr,
        tasks,
    })
}
