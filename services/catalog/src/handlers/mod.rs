//! Stream consumers: the registry writes of cases (`EntryPut` in expertise's `CaseAdvanced`)
//! become registry entries, each write once (the store's applied marker per entry and event).

use std::sync::Arc;

use egov_bus::{Delivery, Envelope, HandleError};
use egov_events::v1::change::Change as ChangeKind;
use egov_events::v1::{
    CaseAdvanced, EntryRecorded, IctServiceCatalogued, IctServiceForCatalog, SimilarSoftware,
    SimilarSoftwareAnswered, SimilarSoftwareAsked,
};
use egov_runtime::Flag;
use egov_store::{Append, IndexOp, StoreError};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Ctx;
use crate::domain::{ENTRY, Entry, Write, entry_id, ict, index_ops, record};
use crate::search::{Query, Search};

/// Reads `topic` as group `catalog`.
pub(crate) fn spawn(
    ctx: Arc<Ctx>,
    search: Search,
    topic: &'static str,
    attached: Flag,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    let platform = ctx.platform.clone();
    let handler = egov_bus::only(wants, move |d: Delivery| {
        let (ctx, search) = (ctx.clone(), search.clone());
        async move { handle(&ctx, &search, d).await }
    });
    egov_runtime::spawn_consumer(&platform, topic, crate::NAME, attached, handler, shutdown)
}

/// The events `handle` acts on: a case's `CaseAdvanced` only when it writes a registry entry
/// (most do not, and they are acknowledged unread); one that does not decode is handed on, to
/// be dead-lettered there.
fn wants(env: &Envelope) -> bool {
    match env.kind.as_str() {
        "IctServiceForCatalog" | "SimilarSoftwareAsked" => true,
        "CaseAdvanced" => env.decode::<CaseAdvanced>().map_or(true, |e| {
            e.changes
                .iter()
                .any(|c| matches!(c.change, Some(ChangeKind::EntryPut(_))))
        }),
        _ => false,
    }
}

async fn handle(ctx: &Ctx, search: &Search, d: Delivery) -> Result<(), HandleError> {
    let env = &d.envelope;
    if env.kind == "IctServiceForCatalog" {
        return catalogued(ctx, env).await;
    }
    if env.kind == "SimilarSoftwareAsked" {
        return similar(ctx, search, env).await;
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
    enter(ctx, &service, &n, Some(env))
        .await
        .map_err(|e| HandleError::Retry(e.to_string()))
}

/// Enters `service` (made of `n`) in the Catalog, or replaces its entry: one append with its
/// `IctServiceCatalogued` event, once per cause when there is one.
pub(crate) async fn enter(
    ctx: &Ctx,
    service: &ict::IctService,
    n: &IctServiceForCatalog,
    cause: Option<&Envelope>,
) -> Result<(), StoreError> {
    let now = ctx.platform.clock.now();
    for _ in 0..4 {
        let version = ctx
            .store
            .load::<ict::IctService>(ict::ICT_SERVICE, &service.id)
            .await?
            .map_or(0, |l| l.version);
        let mut index = vec![IndexOp::Score {
            index: ict::CATALOG.into(),
            member: service.id.clone(),
            score: f64::from(
                service
                    .rental_start
                    .since(jiff::civil::date(1970, 1, 1))
                    .map_or(0, |s| s.get_days()),
            ),
        }];
        index.extend(ict::alert_ops(service, now, version == 0));
        let event = IctServiceCatalogued {
            notification: Some(n.clone()),
            three_years_on: service.three_years_on.to_string(),
        };
        let mut out = Envelope::new(crate::NAME, &event, now);
        if let Some(cause) = cause {
            out = out.caused_by(cause);
        }
        match ctx
            .store
            .append(Append {
                kind: ict::ICT_SERVICE,
                id: &service.id,
                expected_version: version,
                state: service,
                event: &out,
                index,
                applied: cause.map(|c| c.id.to_string()),
                unique: None,
            })
            .await
        {
            Err(StoreError::Conflict { .. }) => continue,
            other => return other.map(drop),
        }
    }
    Err(StoreError::Conflict {
        aggregate: service.id.clone(),
        expected: 0,
        actual: 0,
    })
}

/// LC-14 sp.3, LC-23.b, LC-26, LC-28 over the streams: answers a question once (the answer is
/// an aggregate keyed by the question's event id), from this replica's search index once its
/// snapshot is in.
async fn similar(ctx: &Ctx, search: &Search, env: &Envelope) -> Result<(), HandleError> {
    let q: SimilarSoftwareAsked = env
        .decode()
        .map_err(|e| HandleError::Reject(e.to_string()))?;
    if !search.ready.is_set() {
        return Err(HandleError::Retry("the search index is loading".into()));
    }
    let functionality = q.functionality.clone();
    let hits = search
        .run(Query::Similar, move |index| {
            index.similar(crate::search::TRUSTED_SOFTWARE, &functionality, 10)
        })
        .await
        .map_err(|e| HandleError::Retry(e.to_string()))?
        .map_err(|e| match e {
            egov_search::SearchError::Index(e) => HandleError::Retry(e.to_string()),
            other => HandleError::Reject(other.to_string()),
        })?;
    let answer = SimilarSoftwareAnswered {
        question_event_id: env.id.to_string(),
        reference: q.reference,
        rule: q.rule,
        similar: !hits.is_empty(),
        matches: hits
            .into_iter()
            .map(|h| SimilarSoftware {
                entry_id: h.id,
                key: h.key,
                title: h.title,
                supplier: h.supplier.unwrap_or_default(),
                score: h.score,
            })
            .collect(),
        reading: crate::search::SIMILAR_READING.into(),
    };
    let out = Envelope::new(crate::NAME, &answer, ctx.platform.clock.now()).caused_by(env);
    let state = serde_json::json!({"similar": answer.similar, "matches": answer.matches.len()});
    match ctx
        .store
        .append(Append {
            kind: "similar-answer",
            id: &env.id.to_string(),
            expected_version: 0,
            state: &state,
            event: &out,
            index: vec![],
            applied: Some(env.id.to_string()),
            unique: None,
        })
        .await
    {
        Ok(_) | Err(StoreError::Conflict { .. }) => Ok(()),
        Err(e) => Err(HandleError::Retry(e.to_string())),
    }
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
