//! expertise's settings.

use std::net::SocketAddr;
use std::time::Duration;

use egov_runtime::StartError;

/// expertise's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the API listens (`EXPERTISE_ADDR`, default `127.0.0.1:8082`).
    pub listen: SocketAddr,
    /// How often the deadline scheduler looks for terms that approach or end.
    pub scheduler_tick: Duration,
}

impl Config {
    /// From the environment.
    pub fn from_env() -> Result<Self, StartError> {
        Ok(Self {
            listen: egov_runtime::env_addr("EXPERTISE_ADDR", "127.0.0.1:8082")?,
            scheduler_tick: Duration::from_millis(500),
        })
    }
}
