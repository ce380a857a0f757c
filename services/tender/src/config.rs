//! tender's settings.

use std::net::SocketAddr;

use egov_runtime::StartError;

/// tender's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the API listens (`TENDER_ADDR`, default `127.0.0.1:8083`).
    pub listen: SocketAddr,
    /// The OCDS ocid prefix (`EGOV_OCID_PREFIX`: `ocds-` and six lowercase letters or digits,
    /// as the OCDS registry assigns them; default `ocds-kzegov`, not a registered one).
    pub ocid_prefix: String,
    /// The URL callers reach the API at (`EGOV_PUBLIC_URL`, e.g. `https://egov.example.kz`): the
    /// OCDS packages' absolute URIs. Unset: the request's `Host`.
    pub public_url: Option<String>,
}

impl Config {
    /// From the environment.
    pub fn from_env() -> Result<Self, StartError> {
        Self::at(egov_runtime::env_addr("TENDER_ADDR", "127.0.0.1:8083")?)
    }

    /// Listening on `listen`, the rest from the environment.
    pub fn at(listen: SocketAddr) -> Result<Self, StartError> {
        Ok(Self {
            listen,
            ocid_prefix: ocid_prefix(std::env::var("EGOV_OCID_PREFIX").ok())?,
            public_url: std::env::var("EGOV_PUBLIC_URL").ok(),
        })
    }
}

/// The ocid prefix: `ocds-` and six lowercase letters or digits.
fn ocid_prefix(v: Option<String>) -> Result<String, StartError> {
    let p = v.unwrap_or_else(|| crate::ocds::DEFAULT_PREFIX.to_owned());
    let six = p.strip_prefix("ocds-").is_some_and(|r| {
        r.len() == 6
            && r.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if six {
        Ok(p)
    } else {
        Err(StartError::Config(format!(
            "EGOV_OCID_PREFIX={p:?}: \"ocds-\" and six lowercase letters or digits"
        )))
    }
}
