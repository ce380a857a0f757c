//! What the commands share: why a command failed and the exit code that says so, reading a
//! JSON file, loading a plugin component. Every command module depends on this one and this
//! one on none of them, so the modules form a tree: `main` → `cli` → `plugin` →
//! `plugin_cases`, with `bus`, `up`, `serve` beside `plugin`.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use egov_kernel::{Calendar, SystemClock};
use egov_procedure::{Definition, Engine, EngineConfig, Limits};
use serde_json::Value;

/// Exit code: the command did what was asked.
pub const EXIT_OK: u8 = 0;
/// Exit code: something failed at run time, or the input was judged and refused.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: the input was wrong (usage, malformed values); clap's own usage errors too.
pub const EXIT_BAD_INPUT: u8 = 2;

/// Why a command failed.
pub enum Failure {
    /// The input was wrong: exit 2.
    Input(String),
    /// Something failed at run time: exit 1.
    Runtime(anyhow::Error),
    /// The input was read and judged, and refused (violations, failed cases): exit 1.
    Rejected(String),
}

impl Failure {
    /// Prints the failure to stderr and returns its exit code.
    pub fn report(self) -> ExitCode {
        match self {
            Failure::Input(msg) => {
                eprintln!("egov: {msg}");
                ExitCode::from(EXIT_BAD_INPUT)
            }
            Failure::Rejected(msg) => {
                eprintln!("egov: {msg}");
                ExitCode::from(EXIT_FAILED)
            }
            Failure::Runtime(e) => {
                eprintln!("egov: {e:#}");
                ExitCode::from(EXIT_FAILED)
            }
        }
    }
}

/// A run-time failure caused by `e`, its sources kept (the report prints the chain).
pub fn runtime<E: std::error::Error + Send + Sync + 'static>(e: E) -> Failure {
    Failure::Runtime(anyhow::Error::new(e))
}

/// The JSON in `file`; a missing file or invalid JSON is bad input.
pub fn read_json(file: &Path) -> Result<Value, Failure> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Failure::Input(format!("{}: {e}", file.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| Failure::Input(format!("{}: not JSON: {e}", file.display())))
}

/// The variant in component `file`, loaded as the suite would (the shipped calendar, the
/// system clock, default limits).
pub fn load_component(file: &Path) -> Result<Definition, Failure> {
    Definition::from_plugin(load_plugin(file)?).map_err(runtime)
}

/// The component at `file` loaded as a plugin (its own engine: the built-in calendar, the
/// system clock, default limits).
pub fn load_plugin(file: &Path) -> Result<egov_procedure::Plugin, Failure> {
    let bytes =
        std::fs::read(file).map_err(|e| Failure::Input(format!("{}: {e}", file.display())))?;
    let engine = Engine::new(
        EngineConfig::default(),
        Arc::new(Calendar::builtin()),
        Arc::new(SystemClock),
    )
    .map_err(runtime)?;
    engine.load(&bytes, Limits::default()).map_err(runtime)
}
