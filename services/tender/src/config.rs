//! tender's settings.

use std::net::SocketAddr;

use egov_runtime::StartError;

/// tender's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the API listens (`TENDER_ADDR`, default `127.0.0.1:8083`).
    pub listen: SocketAddr,
}

impl Config {
    /// From the environment.
    pub fn from_env() -> Result<Self, StartError> {
        Ok(Self {
            listen: egov_runtime::env_addr("TENDER_ADDR", "127.0.0.1:8083")?,
        })
    }
}
