//! intake's settings.

use std::net::SocketAddr;

use egov_runtime::StartError;

/// intake's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the API listens (`INTAKE_ADDR`, default `127.0.0.1:8081`).
    pub listen: SocketAddr,
}

impl Config {
    /// From the environment.
    pub fn from_env() -> Result<Self, StartError> {
        Ok(Self {
            listen: egov_runtime::env_addr("INTAKE_ADDR", "127.0.0.1:8081")?,
        })
    }
}
