//! The host of procedure-variant plugins (ARCHITECTURE.md, plugin-host), on wasmtime 48 with
//! the component model.
//!
//! - [`Engine`]: one per process. Compiles each artifact once per sha256 (and caches the
//!   compiled artifact on disk, keyed by digest and wasmtime version), allocates instances
//!   from a pooling allocator, and runs an epoch ticker for deadlines.
//! - [`Plugin`]: one loaded variant: its digest, the contract major it was built for (1 or 2,
//!   both bound) and an `InstancePre`. Every call gets a **fresh store** (nothing leaks between
//!   calls or cases), an epoch deadline and a memory limit, and WASI with nothing granted (no
//!   files, no network, no environment, frozen clocks, deterministic randomness). Host imports
//!   are the calendar, today's local date and logging, each trivial and bounded.
//! - [`PluginError`]: a trap, a timeout, an exceeded limit or a contract-version mismatch, each
//!   typed. A plugin fault fails that call, never the process.

mod engine;
mod error;
mod output;
mod state;

pub use engine::{Contract, Engine, EngineConfig, Export, Limits, Plugin, PluginMetrics};
pub use error::PluginError;
pub use output::MAX_OUTPUT;
pub use state::{LOG_BUDGET_BYTES, LOG_BUDGET_LINES};

/// The contracts' generated host bindings (`plugins/wit/v1`, `plugins/wit/v2`).
pub mod bindings {
    /// Contract 1.x: a declarative step graph, a form and decisions.
    pub mod v1 {
        wasmtime::component::bindgen!({
            world: "procedure-variant",
            path: "../../plugins/wit/v1",
        });
    }
    /// Contract 2.x: a pure reducer (`react`), intakes with JSON Schema forms.
    pub mod v2 {
        wasmtime::component::bindgen!({
            world: "procedure-variant",
            path: "../../plugins/wit/v2",
        });
    }
}

/// The data of contract 1.x.
pub use bindings::v1::egov::procedure::types as wit;
/// The data of contract 2.x.
pub use bindings::v2::egov::procedure::types as wit2;

/// The newest contract version (what new variants are written for), read from
/// `plugins/wit/v2/procedure.wit` at build time (written once, there).
pub const CONTRACT_VERSION: &str = env!("EGOV_CONTRACT_VERSION");

/// The contract versions this host runs: each bound major (`^1.0.0`, `^2.0.0`).
pub fn supported_contracts() -> Vec<semver::VersionReq> {
    env!("EGOV_CONTRACT_VERSIONS")
        .split(',')
        .map(|v| {
            semver::VersionReq::parse(&format!("^{v}"))
                .expect("the WIT package versions are semantic versions (checked by build.rs)")
        })
        .collect()
}

/// The supported versions for people: `^1.0.0 or ^2.0.0`.
pub fn supported_contracts_text() -> String {
    supported_contracts()
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(" or ")
}
