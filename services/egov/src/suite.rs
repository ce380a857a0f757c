//! The five services, started from one platform: all in one process (`egov up`, tests), or
//! one of them (`egov serve SERVICE`).

use std::net::SocketAddr;
use std::time::Duration;

use egov_runtime::{Platform, Running, StartError};
use tokio_util::sync::CancellationToken;

/// The services, in start order.
pub const SERVICES: [&str; 5] = [
    "intake",
    "expertise",
    "tender",
    "catalog",
    "monitoring-bridge",
];

/// Where each service listens, and the settings tests shorten.
#[derive(Clone, Debug)]
pub struct Layout {
    /// intake.
    pub intake: SocketAddr,
    /// expertise.
    pub expertise: SocketAddr,
    /// tender.
    pub tender: SocketAddr,
    /// catalog.
    pub catalog: SocketAddr,
    /// monitoring-bridge.
    pub monitoring_bridge: SocketAddr,
    /// How often expertise's deadline scheduler looks.
    pub scheduler_tick: Duration,
    /// The monitoring bridge's keys and exchange; `None` reads them from the environment
    /// (`MONITORING_*`, `egov serve`).
    pub monitoring: Option<egov_monitoring_bridge::Config>,
}

impl Layout {
    /// 127.0.0.1 from `first_port` up, one port each (port 0: free ports, for tests).
    pub fn loopback(first_port: u16) -> Self {
        let at = |i: u16| {
            SocketAddr::from((
                [127, 0, 0, 1],
                if first_port == 0 { 0 } else { first_port + i },
            ))
        };
        Self {
            intake: at(0),
            expertise: at(1),
            tender: at(2),
            catalog: at(3),
            monitoring_bridge: at(4),
            // Half a second: a window's close (SM-47) is acted on within a second of it.
            scheduler_tick: Duration::from_millis(500),
            monitoring: None,
        }
    }

    /// The address of service `name`.
    pub fn addr(&self, name: &str) -> Option<SocketAddr> {
        Some(match name {
            "intake" => self.intake,
            "expertise" => self.expertise,
            "tender" => self.tender,
            "catalog" => self.catalog,
            "monitoring-bridge" => self.monitoring_bridge,
            _ => return None,
        })
    }

    /// Each service's address from its variable (`INTAKE_ADDR`...), else 127.0.0.1:8081 up.
    pub fn from_env() -> Result<Self, StartError> {
        let d = Self::loopback(8081);
        let get =
            |var: &str, default: SocketAddr| egov_runtime::env_addr(var, &default.to_string());
        Ok(Self {
            intake: get("INTAKE_ADDR", d.intake)?,
            expertise: get("EXPERTISE_ADDR", d.expertise)?,
            tender: get("TENDER_ADDR", d.tender)?,
            catalog: get("CATALOG_ADDR", d.catalog)?,
            monitoring_bridge: get("MONITORING_BRIDGE_ADDR", d.monitoring_bridge)?,
            scheduler_tick: d.scheduler_tick,
            monitoring: None,
        })
    }
}

/// Starts one service by name.
pub async fn start_one(
    platform: &Platform,
    name: &str,
    layout: &Layout,
    shutdown: CancellationToken,
) -> Result<Running, StartError> {
    let p = platform.clone();
    let addr = layout.addr(name).ok_or_else(|| {
        StartError::Config(format!(
            "unknown service {name:?}; one of {}",
            SERVICES.join(", ")
        ))
    })?;
    match name {
        "intake" => egov_intake::start(p, egov_intake::Config { listen: addr }, shutdown).await,
        "expertise" => {
            let cfg = egov_expertise::Config {
                listen: addr,
                scheduler_tick: layout.scheduler_tick,
            };
            egov_expertise::start(p, cfg, shutdown).await
        }
        "tender" => egov_tender::start(p, egov_tender::Config::at(addr)?, shutdown).await,
        "catalog" => egov_catalog::start(p, egov_catalog::Config { listen: addr }, shutdown).await,
        "monitoring-bridge" => {
            let mut cfg = match &layout.monitoring {
                Some(cfg) => cfg.clone(),
                None => egov_monitoring_bridge::Config::from_env()?,
            };
            cfg.listen = addr;
            egov_monitoring_bridge::start(p, cfg, shutdown).await
        }
        other => Err(StartError::Config(format!(
            "unknown service {other:?}; one of {}",
            SERVICES.join(", ")
        ))),
    }
}

/// Starts all five.
pub async fn start_all(
    platform: &Platform,
    layout: &Layout,
    shutdown: CancellationToken,
) -> Result<Vec<Running>, StartError> {
    let mut out = Vec::new();
    for name in SERVICES {
        out.push(start_one(platform, name, layout, shutdown.clone()).await?);
    }
    Ok(out)
}
