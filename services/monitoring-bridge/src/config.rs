//! monitoring-bridge's settings: where it listens, its signing key and the CA it trusts, and the
//! exchange (`MONITORING_CONFIG`, TOML): the destinations it delivers to, the service providers
//! it knows and whether each has an information system of its own (MON-7.1, AMB-MON-7), and the
//! retry policy of its queues (MON-9.b, AMB-MON-4).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use egov_kernel::Bin;
use egov_runtime::StartError;
use serde::Deserialize;

/// The destination name of the monitoring IS.
pub const MONITORING_IS: &str = "monitoring-is";

/// monitoring-bridge's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the API listens (`MONITORING_BRIDGE_ADDR`, default `127.0.0.1:8085`).
    pub listen: SocketAddr,
    /// The bridge's signing key, PKCS#8 PEM (`MONITORING_SIGNING_KEY`).
    pub signing_key: PathBuf,
    /// Its certificate and the intermediates, PEM, leaf first (`MONITORING_SIGNING_CHAIN`).
    pub signing_chain: PathBuf,
    /// The CA certificates it trusts, PEM (`MONITORING_TRUST`): in production the national
    /// CA's (УЦ РК, MON-11.b).
    pub trust: PathBuf,
    /// The exchange.
    pub exchange: Exchange,
}

/// The exchange: who the bridge talks to and how it retries.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    /// The bridge's name as a sender (`sender` of what it signs).
    #[serde(default = "default_name")]
    pub name: String,
    /// Destinations by name; `monitoring-is` is the monitoring IS.
    #[serde(default)]
    pub destinations: BTreeMap<String, Destination>,
    /// The service providers the bridge knows, by BIN.
    #[serde(default)]
    pub providers: Vec<Provider>,
    /// How deliveries are retried.
    #[serde(default)]
    pub retry: Retry,
}

/// A destination: where its queue is delivered.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    /// The URL messages are POSTed to (a `Batch`, `application/x-protobuf`).
    pub url: String,
    /// The common name (CN) of the certificate its answers and messages must be signed with:
    /// a certificate of the national CA proves who holds it, this says who may speak for the
    /// destination. A provider's IS (`provider:<BIN>`) signs with a certificate of its
    /// organization (`OU=BIN<BIN>`) instead.
    #[serde(default)]
    pub signer: Option<String>,
}

/// A service provider (услугодатель, MON-4 sp.3).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// Its BIN.
    pub bin: Bin,
    /// Its name, for people.
    #[serde(default)]
    pub name: String,
    /// The URL of its own information system, when it has one: "request" messages (MON-7.4)
    /// go there, and requests and applications in the monitoring IS (MON-7.1, MON-7.2) are
    /// only for providers without one.
    #[serde(default)]
    pub is_url: Option<String>,
}

/// The retry policy of deliveries: exponential backoff with full jitter, capped (AMB-MON-4).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    /// The first backoff, ms.
    #[serde(default = "default_base_ms")]
    pub base_ms: u64,
    /// The longest backoff, ms.
    #[serde(default = "default_cap_ms")]
    pub cap_ms: u64,
    /// How long one delivery may take, ms.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// The most messages in one delivery.
    #[serde(default = "default_batch")]
    pub batch: usize,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            base_ms: default_base_ms(),
            cap_ms: default_cap_ms(),
            timeout_ms: default_timeout_ms(),
            batch: default_batch(),
        }
    }
}

impl Retry {
    /// The backoff before attempt `n` (1 = the first retry): a random wait in
    /// `[0, min(cap, base·2ⁿ⁻¹)]` ("full jitter"), so that queues held back by one outage do
    /// not all come back at the same instant.
    pub fn backoff(&self, n: u32, jitter: f64) -> Duration {
        let exp = self
            .base_ms
            .saturating_mul(1u64 << n.saturating_sub(1).min(30));
        let ceiling = exp.min(self.cap_ms) as f64;
        Duration::from_millis((ceiling * jitter.clamp(0.0, 1.0)).round() as u64)
    }
}

fn default_name() -> String {
    "egov-bridge".into()
}
fn default_base_ms() -> u64 {
    200
}
fn default_cap_ms() -> u64 {
    30_000
}
fn default_timeout_ms() -> u64 {
    10_000
}
fn default_batch() -> usize {
    256
}

impl Exchange {
    /// Reads and checks an exchange file.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let ex: Exchange = toml::from_str(text).map_err(|e| e.to_string())?;
        ex.check()?;
        Ok(ex)
    }

    fn check(&self) -> Result<(), String> {
        for (name, d) in &self.destinations {
            if !egov_kernel::Name::is_valid(name) {
                return Err(format!("destination {name:?} is not a name"));
            }
            check_url(&d.url).map_err(|e| format!("destinations.{name}.url: {e}"))?;
        }
        let mut bins = std::collections::HashSet::new();
        for p in &self.providers {
            if !bins.insert(p.bin.to_string()) {
                return Err(format!("provider {} is listed twice", p.bin));
            }
            if let Some(u) = &p.is_url {
                check_url(u).map_err(|e| format!("providers[{}].is_url: {e}", p.bin))?;
            }
        }
        if !(1..=10_000).contains(&self.retry.batch) {
            return Err("retry.batch is 1 to 10000".into());
        }
        if self.retry.base_ms == 0 || self.retry.cap_ms < self.retry.base_ms {
            return Err("retry.base_ms must be positive and at most retry.cap_ms".into());
        }
        Ok(())
    }

    /// The provider with BIN `bin`, when known.
    pub fn provider(&self, bin: &Bin) -> Option<&Provider> {
        self.providers.iter().find(|p| &p.bin == bin)
    }

    /// Every destination and its URL: the named ones, and `provider:<BIN>` for each provider
    /// with an information system of its own.
    pub fn routes(&self) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = self
            .destinations
            .iter()
            .map(|(k, d)| (k.clone(), d.url.clone()))
            .collect();
        for p in &self.providers {
            if let Some(u) = &p.is_url {
                out.insert(provider_destination(&p.bin), u.clone());
            }
        }
        out
    }
}

/// The destination name of a provider's own IS.
pub fn provider_destination(bin: &Bin) -> String {
    format!("provider:{bin}")
}

fn check_url(u: &str) -> Result<(), String> {
    let url: reqwest::Url = u.parse().map_err(|e| format!("{u:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{u:?}: only http and https"));
    }
    Ok(())
}

impl Config {
    /// From the environment.
    pub fn from_env() -> Result<Self, StartError> {
        let path = |var: &str| {
            std::env::var_os(var)
                .map(PathBuf::from)
                .ok_or_else(|| StartError::Config(format!("{var} is not set")))
        };
        let p = path("MONITORING_CONFIG")?;
        let text = std::fs::read_to_string(&p)
            .map_err(|e| StartError::Config(format!("MONITORING_CONFIG={p:?}: {e}")))?;
        let exchange = Exchange::from_toml(&text)
            .map_err(|e| StartError::Config(format!("MONITORING_CONFIG={p:?}: {e}")))?;
        if !exchange.destinations.contains_key(MONITORING_IS) {
            return Err(StartError::Config(format!(
                "MONITORING_CONFIG={p:?}: no [destinations.{MONITORING_IS}]: where would status reports go?"
            )));
        }
        Ok(Self {
            listen: egov_runtime::env_addr("MONITORING_BRIDGE_ADDR", "127.0.0.1:8085")?,
            signing_key: path("MONITORING_SIGNING_KEY")?,
            signing_chain: path("MONITORING_SIGNING_CHAIN")?,
            trust: path("MONITORING_TRUST")?,
            exchange,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mon_9_b_backoff_doubles_to_its_cap_and_jitters_below_it() {
        let r = Retry::default();
        assert_eq!(r.backoff(1, 1.0), Duration::from_millis(200));
        assert_eq!(r.backoff(3, 1.0), Duration::from_millis(800));
        assert_eq!(r.backoff(40, 1.0), Duration::from_millis(30_000));
        assert_eq!(r.backoff(3, 0.5), Duration::from_millis(400));
        assert_eq!(r.backoff(3, 0.0), Duration::ZERO);
    }

    #[test]
    fn the_exchange_file_names_destinations_and_providers() {
        let ex = Exchange::from_toml(
            r#"
[destinations.monitoring-is]
url = "http://127.0.0.1:9000/messages"
[[providers]]
bin = "940740000911"
name = "with IS"
is_url = "http://127.0.0.1:9001/messages"
[[providers]]
bin = "990140000384"
"#,
        )
        .unwrap();
        let routes = ex.routes();
        assert_eq!(routes.len(), 2);
        assert!(routes.contains_key("provider:940740000911"));
        assert!(Exchange::from_toml("[destinations.x]\nurl = \"ftp://a\"").is_err());
        assert!(Exchange::from_toml("[[providers]]\nbin = \"060240003411\"").is_err());
        assert!(Exchange::from_toml("unknown = 1").is_err());
    }
}
