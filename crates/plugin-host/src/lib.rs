//! The host of procedure-variant plugins (DESIGN.md §4), on wasmtime 48 with the component
//! model.
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

/// The contract versions this host supports: the WIT package `egov:procedure`, major 1.
pub const CONTRACT_MAJOR: u64 = 1;
/// The WIT package version the host implements.
pub const CONTRACT_VERSION: &str = "1.0.0";
