//! A development exchange (`egov up`, tests, the benchmark): a development PKI under a folder
//! (a CA, the bridge's key, the peers' keys and employees' keys of the development
//! organizations) and the exchange configuration that points at the development peers. Never
//! for production, where the national CA's certificates and a real exchange file are
//! configured (`MONITORING_*`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use egov_kernel::Bin;

use crate::config::{Config, Destination, Exchange, MONITORING_IS, Provider};
use crate::peer::{Mode, PeerConfig};

/// The development organizations whose employees get signing certificates
/// (`employee.<BIN>`, `OU=BIN<BIN>`).
pub const ORGS: [&str; 4] = [
    "940740000911",
    "990140000384",
    "000740001307",
    "051140000123",
];

/// The development provider with an information system of its own (its "request" messages go
/// to the second development peer); the other organizations are providers without one.
pub const PROVIDER_WITH_IS: &str = "990140000384";

/// The development PKI's names: the bridge, the peers and the employees.
pub fn names() -> Vec<String> {
    let mut n = vec![
        "bridge".to_owned(),
        MONITORING_IS.to_owned(),
        format!("provider-is.{PROVIDER_WITH_IS}"),
    ];
    n.extend(ORGS.iter().map(|o| format!("employee.{o}")));
    n
}

/// The development PKI in `dir` (created where missing).
pub fn pki(dir: &Path) -> std::io::Result<egov_signature::dev::DevPki> {
    let names = names();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    egov_signature::dev::ensure(dir, &refs)
}

/// The bridge's development configuration: keys from `dir`, the monitoring IS at
/// `monitoring_is`, the provider with an IS at `provider_is`.
pub fn config(
    dir: &Path,
    listen: SocketAddr,
    monitoring_is: &str,
    provider_is: &str,
) -> std::io::Result<Config> {
    let pki = pki(dir)?;
    let mut exchange = Exchange::from_toml("").expect("the empty exchange");
    exchange.destinations.insert(
        MONITORING_IS.into(),
        Destination {
            url: monitoring_is.into(),
            signer: Some(MONITORING_IS.into()),
        },
    );
    for org in ORGS {
        exchange.providers.push(Provider {
            bin: org.parse::<Bin>().expect("a development BIN"),
            name: format!("development provider {org}"),
            is_url: (org == PROVIDER_WITH_IS).then(|| provider_is.to_owned()),
        });
    }
    Ok(Config {
        listen,
        signing_key: pki.key("bridge"),
        signing_chain: pki.chain("bridge"),
        trust: pki.ca.clone(),
        exchange,
    })
}

/// A development peer's configuration: `name` is `monitoring-is` or `provider-is.<BIN>`.
pub fn peer(
    dir: &Path,
    name: &str,
    listen: SocketAddr,
    state: PathBuf,
) -> std::io::Result<PeerConfig> {
    let pki = pki(dir)?;
    let sender = match name.strip_prefix("provider-is.") {
        Some(bin) => format!("provider:{bin}"),
        None => name.to_owned(),
    };
    Ok(PeerConfig {
        listen,
        dir: state,
        name: sender,
        key: pki.key(name),
        chain: pki.chain(name),
        trust: pki.ca.clone(),
        mode: Mode::Accept,
        signatures: true,
    })
}
