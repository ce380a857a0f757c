//! `egov monitoring`: the monitoring bridge's tools.
//!
//! - `peer`: a monitoring-IS (or provider-IS) peer as its own process, for tests and demos
//!   (`egov_monitoring_bridge::peer`).
//! - `verify-log`: checks the hash chain of the bridge's message log in Redis (or a peer's
//!   log file) and says where it breaks (MON-9.a). Exit 0 when it holds, 1 when it breaks.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand};
use egov_monitoring_bridge::peer::{self, Mode, PeerConfig};
use tokio_util::sync::CancellationToken;

use crate::common::{Failure, runtime};

fn tokio() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Runtime::new().map_err(runtime)
}

/// `egov monitoring ...`
#[derive(Subcommand, Debug)]
pub enum MonitoringCommand {
    /// Runs a peer: verifies signed messages, logs receipts, answers requests with signed
    /// answers; `PUT /mode` makes it refuse or answer 503, `POST /exit` makes it go away.
    Peer(PeerArgs),
    /// Checks the message log's hash chain: every entry intact, none removed, none moved, the
    /// head where the log ends.
    VerifyLog(VerifyArgs),
}

/// `egov monitoring peer` options.
#[derive(Args, Debug)]
pub struct PeerArgs {
    /// Where it listens.
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// Its log and state.
    #[arg(long, default_value = ".egov/monitoring-peer")]
    dir: PathBuf,
    /// Its name as a sender: `monitoring-is`, or `provider:<BIN>` for a provider's IS.
    #[arg(long, default_value = "monitoring-is")]
    name: String,
    /// Its signing key (PKCS#8 PEM).
    #[arg(long)]
    key: PathBuf,
    /// Its certificate chain (PEM, leaf first).
    #[arg(long)]
    chain: PathBuf,
    /// The CA certificates it trusts (PEM).
    #[arg(long)]
    trust: PathBuf,
    /// How it starts.
    #[arg(long, value_enum, default_value = "accept")]
    mode: Mode,
}

/// `egov monitoring verify-log` options.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("where").args(["redis", "file"])))]
pub struct VerifyArgs {
    /// The bridge's Redis.
    #[arg(long, env = "REDIS_URL")]
    redis: Option<String>,
    /// A peer's log file instead.
    #[arg(long)]
    file: Option<PathBuf>,
}

/// Runs the command.
pub fn run(cmd: MonitoringCommand) -> Result<(), Failure> {
    match cmd {
        MonitoringCommand::Peer(a) => tokio()?.block_on(async {
            let cfg = PeerConfig {
                listen: a.listen,
                dir: a.dir,
                name: a.name,
                key: a.key,
                chain: a.chain,
                trust: a.trust,
                mode: a.mode,
            };
            let shutdown = CancellationToken::new();
            let (addr, server) = peer::start(cfg, shutdown.clone())
                .await
                .map_err(Failure::Input)?;
            println!("monitoring peer listening on http://{addr}/messages");
            egov_web::shutdown_signal().await;
            shutdown.cancel();
            let _ = server.await;
            Ok(())
        }),
        MonitoringCommand::VerifyLog(a) => {
            let (entries, outcome) = match (a.file, a.redis) {
                (Some(f), _) => peer::verify_file(&f)
                    .map_err(|e| Failure::Input(format!("{}: {e}", f.display())))?,
                (None, Some(url)) => tokio()?.block_on(async {
                    let client = redis::Client::open(url.as_str())
                        .map_err(|e| Failure::Input(format!("--redis {url}: {e}")))?;
                    let mut conn = egov_bus::connect(&client).await.map_err(runtime)?;
                    let v = egov_monitoring_bridge::logread::verify(&mut conn)
                        .await
                        .map_err(runtime)?;
                    Ok::<_, Failure>((v.entries, v.outcome))
                })?,
                (None, None) => {
                    return Err(Failure::Input(
                        "name the log: --redis URL (or REDIS_URL) or --file PATH".into(),
                    ));
                }
            };
            match outcome {
                Ok(head) => {
                    println!("ok: {entries} entries, the chain holds; head {head}");
                    Ok(())
                }
                Err(b) => Err(Failure::Rejected(format!(
                    "the log is broken: {b} ({entries} entries read)"
                ))),
            }
        }
    }
}
