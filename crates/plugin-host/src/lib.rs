//! The host of procedure-variant plugins (ARCHITECTURE.md, plugin-host), on wasmtime 48 with
//! the component model.
//!
//! - [`Engine`]: one per process. Compiles each artifact once per sha256 (and caches the
//!   compiled artifact on disk, keyed by digest and wasmtime version), allocates instances
//!   from a pooling allocator, and runs an epoch ticker for deadlines.
//! - [`Plugin`]: one loaded variant: its digest and an `InstancePre`. Every call gets a
//!   **fresh store** (nothing leaks between calls or cases), an epoch deadline and a memory
//!   limit, and WASI with nothing granted (no files, no network, no environment, frozen
//!   clocks, deterministic randomness). Host imports are the calendar, today's local date and
//!   logging, each trivial and bounded.
//! - [`PluginError`]: a trap, a timeout, an exceeded limit or a contract-version mismatch, each
//!   typed. A plugin fault fails that call, never the process.

mod engine;
mod error;
mod state;

pub use engine::{Engine, EngineConfig, Limits, Plugin};
pub use error::PluginError;

/// The contract's generated host bindings (`plugins/wit`).
pub mod bindings {
    wasmtime::component::bindgen!({
        world: "procedure-variant",
        path: "../../plugins/wit",
    });
}

pub use bindings::egov::procedure::types as wit;

/// The WIT package version the host implements, read from the package line of
/// `plugins/wit/procedure.wit` at build time (written once, there).
pub const CONTRACT_VERSION: &str = env!("EGOV_CONTRACT_VERSION");

/// The contract versions this host runs: the same major as [`CONTRACT_VERSION`] (`^X.Y.Z`).
pub fn supported_contracts() -> semver::VersionReq {
    semver::VersionReq::parse(&format!("^{CONTRACT_VERSION}"))
        .expect("the WIT package version is a semantic version (checked by build.rs)")
}
