//! Stream consumers: the registry writes of cases (`EntryPut` in expertise's `CaseAdvanced`)
//! become registry entries, each write once (the store's applied marker per entry and event).

use std::sync::Arc;

use egov_bus::{Delivery, Envelope, HandleError};
use egov_events::v1::change::Change as ChangeKind;
use egov_events::v1::{CaseAdvanced, EntryRecorded};
use egov_runtime::Flag;
use egov_store::{Append, StoreError};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Ctx;
use crate::domain::{ENTRY, Entry, Write, entry_id, index_ops, record};

/// Reads `topic` as group `catalog`.
pub(crate) fn spawn(
    ctx: Arc<Ctx>,
    topic: &'static str,
    attached: Flag,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    let platform = ctx.platform.clone();
    let handler = move |d: Delivery| {
        let ctx = ctx.clone();
        async move { handle(&ctx, d).await }
    };
    egov_runtime::spawn_consumer(&platform, topic, crate::NAME, attached, handler, shutdown)
}

async fn handle(ctx: &Ctx, d: Delivery) -> Result<(), HandleError> {
    let env = &d.envelope;
    if env.kind != "CaseAdvanced" {
        return Ok(());
    }
    let e: CaseAdvanced = env
        .decode()
        .map_err(|e| HandleError::Reject(e.to_string()))?;
    for c in e.changes.iter().filter_map(|c| c.change.as_ref()) {
        let ChangeKind::EntryPut(put) = c else {
            continue;
        };
        // The engine checked the registry name and the body (a JSON object) when the case
        // wrote it; an event that says otherwise is not ours to repair.
        let body = serde_json::from_str(&put.body_json)
            .map_err(|e| HandleError::Reject(format!("entry body: {e}")))?;
        egov_kernel::Name::parse(&put.registry)
            .map_err(|e| HandleError::Reject(format!("registry: {e}")))?;
        let w = Write {
            registry: put.registry.clone(),
            key: put.key.clone(),
            body,
            case_id: e.case_id.clone(),
            variant_id: e.variant_id.clone(),
            org: e.org.clone(),
            written_at: e.at.clone(),
        };
        recorded(ctx, env, w)
            .await
            .map_err(|e| HandleError::Retry(e.to_string()))?;
    }
    Ok(())
}

/// Records one write: load, the pure `record`, one append (exactly once per cause).
async fn recorded(ctx: &Ctx, cause: &Envelope, w: Write) -> Result<(), StoreError> {
    let id = entry_id(&w.registry, &w.key);
    // A concurrent write of the same entry (another replica) is a version conflict: load again.
    for _ in 0..4 {
        let before = ctx.store.load::<Entry>(ENTRY, &id).await?;
        let (prev, version) = match &before {
            Some(l) => (Some(&l.state), l.version),
            None => (None, 0),
        };
        let now = ctx.platform.clock.now();
        let now_ms = now.as_millisecond();
        let entry = record(prev, w.clone(), now_ms);
        let event = EntryRecorded {
            registry: entry.registry.clone(),
            key: entry.key.clone(),
            body_json: entry.body.to_string(),
            listed: entry.listed,
            case_id: entry.case_id.clone(),
            variant_id: entry.variant_id.clone(),
            org: entry.org.clone(),
            written_at: entry.written_at.clone(),
        };
        let env = Envelope::new(crate::NAME, &event, now).caused_by(cause);
        match ctx
            .store
            .append(Append {
                kind: ENTRY,
                id: &id,
                expected_version: version,
                state: &entry,
                event: &env,
                index: index_ops(&entry, &id, now_ms),
                applied: Some(cause.id.to_string()),
                unique: None,
            })
            .await
        {
            Err(StoreError::Conflict { .. }) => continue,
            other => return other.map(drop),
        }
    }
    Err(StoreError::Conflict {
        aggregate: id,
        expected: 0,
        actual: 0,
    })
}
