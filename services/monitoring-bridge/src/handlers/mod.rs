//! Stream consumers.

use egov_bus::{Delivery, HandleError};
use egov_runtime::{Flag, Platform};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Reads `topic` as group `monitoring-bridge`. No event type is acted on yet: each is acknowledged (and
/// counted as handled), so the group's position is kept and nothing piles up.
pub(crate) fn spawn(
    platform: &Platform,
    topic: &'static str,
    attached: Flag,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    let handler = |d: Delivery| async move {
        tracing::debug!(r#type = %d.envelope.kind, case = ?d.envelope.case, "no reaction to this event yet");
        Ok::<(), HandleError>(())
    };
    egov_runtime::spawn_consumer(platform, topic, crate::NAME, attached, handler, shutdown)
}
