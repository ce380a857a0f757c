//! Typed plugin faults.

use std::sync::Arc;
use std::time::Duration;

/// A fault of the host itself, shared (a fault is cloned into every revision's state).
pub type Source = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// Why a plugin could not be loaded or a call failed. Logged with the variant, version and
/// digest; a fault fails that request, never the service.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PluginError {
    /// The artifact is not a valid component for this engine.
    #[error("plugin {digest}: not a loadable component: {detail}")]
    Compile {
        /// The artifact's sha256.
        digest: String,
        /// The compiler's message.
        detail: String,
    },
    /// The plugin was built for another version of the contract.
    #[error(
        "plugin {digest}: built for contract egov:procedure@{built_for}, host supports {supported}"
    )]
    Contract {
        /// The artifact's sha256.
        digest: String,
        /// The contract version it imports.
        built_for: String,
        /// The versions the host supports.
        supported: String,
    },
    /// The guest trapped (a panic, `unreachable`, an out-of-bounds access...).
    #[error("plugin {variant}: trapped: {detail}")]
    Trap {
        /// `id@version (digest)`.
        variant: String,
        /// The trap and its wasm backtrace.
        detail: String,
    },
    /// The call ran past its deadline and was interrupted.
    #[error("plugin {variant}: interrupted after its deadline of {after:?}")]
    Timeout {
        /// `id@version (digest)`.
        variant: String,
        /// The deadline.
        after: Duration,
    },
    /// The guest tried to grow its memory past the limit.
    #[error("plugin {variant}: exceeded its memory limit of {limit_bytes} bytes")]
    LimitExceeded {
        /// `id@version (digest)`.
        variant: String,
        /// The limit.
        limit_bytes: usize,
    },
    /// Every instance of the pool stayed in use for the whole wait.
    #[error("plugin {variant}: no free instance within {waited:?}")]
    Busy {
        /// `id@version (digest)`.
        variant: String,
        /// How long the call waited.
        waited: Duration,
    },
    /// The plugin answered what its contract does not allow (a malformed effect, a call of
    /// the other major).
    #[error("plugin {variant}: {detail}")]
    Output {
        /// `id@version (digest)`.
        variant: String,
        /// What is wrong with the answer.
        detail: String,
    },
    /// The host itself failed: the wasmtime engine or linker could not be set up, the epoch
    /// ticker could not start, or a call's task did not finish (it panicked or was cancelled).
    #[error("plugin host: {what}")]
    Host {
        /// What the host was doing.
        what: &'static str,
        /// The fault.
        #[source]
        source: Source,
    },
}

impl PluginError {
    /// A fault of the host while it was doing `what`.
    pub fn host(
        what: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        PluginError::Host {
            what,
            source: Arc::from(source.into()),
        }
    }

    /// A short label for metrics: `compile`, `contract`, `trap`, `timeout`, `limit`, `busy`,
    /// `output`, `host`.
    pub fn kind(&self) -> &'static str {
        match self {
            PluginError::Compile { .. } => "compile",
            PluginError::Contract { .. } => "contract",
            PluginError::Trap { .. } => "trap",
            PluginError::Timeout { .. } => "timeout",
            PluginError::LimitExceeded { .. } => "limit",
            PluginError::Busy { .. } => "busy",
            PluginError::Output { .. } => "output",
            PluginError::Host { .. } => "host",
        }
    }
}
