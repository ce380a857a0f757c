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
    /// Signs a JSON document (from FILE, or stdin) for the bridge's API: prints
    /// `{"message": ..., "signature": <base64 detached CMS over its RFC 8785 bytes>}`. A document
    /// without an `id` gets a new ULID.
    Sign(SignArgs),
}

/// `egov monitoring sign` options.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("who").required(true).args(["as_dev", "key"])))]
pub struct SignArgs {
    /// The document; stdin when absent.
    file: Option<PathBuf>,
    /// A development signer under `<home>/monitoring` (`egov up` makes them):
    /// `employee.<BIN>` for the development organizations, `monitoring-is`, `bridge`.
    #[arg(long = "as")]
    as_dev: Option<String>,
    /// A signing key (PKCS#8 PEM) instead, with `--chain`.
    #[arg(long, requires = "chain")]
    key: Option<PathBuf>,
    /// Its certificate chain (PEM, leaf first).
    #[arg(long)]
    chain: Option<PathBuf>,
    /// Where the development keys live.
    #[arg(long, env = "EGOV_HOME", default_value = ".egov")]
    home: PathBuf,
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
                signatures: true,
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
        MonitoringCommand::Sign(a) => sign(a),
        MonitoringCommand::VerifyLog(a) => {
            let (entries, outcome) = match (a.file, a.redis) {
                (Some(f), _) => peer::verify_file(&f)
                    .map_err(|e| Failure::Input(format!("{}: {e}", f.display())))?,
                (None, Some(url)) => tokio()?.block_on(async {
                    let client = egov_bus::Redis::open(url.as_str())
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

fn sign(a: SignArgs) -> Result<(), Failure> {
    use base64::Engine;
    let text = match &a.file {
        Some(f) => std::fs::read_to_string(f)
            .map_err(|e| Failure::Input(format!("{}: {e}", f.display())))?,
        None => std::io::read_to_string(std::io::stdin())
            .map_err(|e| Failure::Input(format!("stdin: {e}")))?,
    };
    let mut doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| Failure::Input(format!("not JSON: {e}")))?;
    let Some(obj) = doc.as_object_mut() else {
        return Err(Failure::Input("the document is a JSON object".into()));
    };
    obj.entry("id")
        .or_insert_with(|| ulid::Ulid::new().to_string().into());
    let (key, chain) = match (&a.as_dev, a.key, a.chain) {
        (Some(name), _, _) => {
            let dir = a.home.join("monitoring");
            (
                dir.join(format!("{name}.key.pem")),
                dir.join(format!("{name}.chain.pem")),
            )
        }
        (None, Some(k), Some(c)) => (k, c),
        _ => return Err(Failure::Input("--as NAME, or --key and --chain".into())),
    };
    let signer = egov_signature::KeySigner::from_files(&key, &chain)
        .map_err(|e| Failure::Input(e.to_string()))?;
    let bytes = egov_signature::canonical_json(&doc).map_err(runtime)?;
    let cms = egov_signature::sign_detached(&signer, &bytes, jiff::Timestamp::now())
        .map_err(|e| Failure::Runtime(anyhow::anyhow!("{e}")))?;
    let body = serde_json::json!({
        "message": doc,
        "signature": base64::engine::general_purpose::STANDARD.encode(cms),
    });
    println!("{body}");
    Ok(())
}
