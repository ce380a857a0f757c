//! Stream consumers: the registry writes of cases (`EntryPut` in expertise's `CaseAdvanced`)
//! become registry entries, each write once (the store's applied marker per entry and event).

use std::sync::Arc;

use egov_bus::{Delivery, Envelope, HandleError};
use egov_events::v1::change::Change as ChangeKind;
use egov_events::v1::{CaseAdvanced, EntryRecorded, IctServiceCatalogued, IctServiceForCatalog};
use egov_runtime::Flag;
use egov_store::{Append, IndexOp, StoreError};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Ctx;
use crate::domain::{ENTRY, Entry, Write, entry_id, ict, index_ops, record};

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
    if env.kind == "IctServiceForCatalog" {
        return catalogued(ctx, env).await;
    }
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

/// SM-98.b: the ICT service enters the Catalog (or its entry is replaced by a later
/// notification of the same service), once per notification. A notification that breaks the
/// rules is a poison message: dead-lettered with every fault named.
async fn catalogued(ctx: &Ctx, env: &Envelope) -> Result<(), HandleError> {
    let n: IctServiceForCatalog = env
        .decode()
        .map_err(|e| HandleError::Reject(e.to_string()))?;
    let now = ctx.platform.clock.now();
    let service =
        ict::from_notification(&n, egov_kernel::time::local_date(now)).map_err(|faults| {
            HandleError::Reject(
                faults
                    .iter()
                    .map(|f| format!("{} ({}): {}", f.field, f.rule, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
    let retry = |e: StoreError| HandleError::Retry(e.to_string());
    for _ in 0..4 {
        let version = ctx
            .store
            .load::<ict::IctService>(ict::ICT_SERVICE, &service.id)
            .await
            .map_err(retry)?
            .map_or(0, |l| l.version);
        let event = IctServiceCatalogued {
            notification: Some(n.clone()),
            three_years_on: service.three_years_on.to_string(),
        };
        let out = Envelope::new(crate::NAME, &event, now).caused_by(env);
        let score = service
            .rental_start
            .since(jiff::civil::date(1970, 1, 1))
            .map_or(0, |s| s.get_days());
        match ctx
            .store
            .append(Append {
                kind: ict::ICT_SERVICE,
                id: &service.id,
                expected_version: version,
                state: &service,
                event: &out,
                index: vec![IndexOp::Score {
                    index: ict::CATALOG.into(),
                    member: service.id.clone(),
                    score: f64::from(score),
                }],
                applied: Some(env.id.to_string()),
                unique: None,
            })
            .await
        {
            Err(StoreError::Conflict { .. }) => continue,
            other => return other.map(drop).map_err(retry),
        }
    }
    Err(HandleError::Retry(format!("{}: kept changing", service.id)))
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
