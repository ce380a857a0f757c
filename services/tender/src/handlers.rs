//! Stream consumers of the tender service.
//!
//! From expertise's topic (the cases' `CaseAdvanced`), for tender cases:
//! - each `put-entry` into `tenders` is a new version of the tender's record (an OCDS release),
//!   kept under `tender:<case id>` once per event;
//! - a `put-entry` into `ict-services-for-catalog` is published as `IctServiceForCatalog`
//!   (SM-98.b), which the catalog consumes;
//! - a slot `register-check` opened (LC-26, LC-28) is a question to the Register:
//!   `SimilarSoftwareAsked` with the tender's functionality.
//!
//! From catalog's topic: the `SimilarSoftwareAnswered` to such a question is given into the
//! tender's `register-check` slot, as the platform.
//!
//! Every effect is one append with the consumed event's id as its applied marker, so a
//! redelivery changes nothing.

use std::sync::Arc;

use egov_bus::{Delivery, Envelope, HandleError};
use egov_engine::Party;
use egov_events::v1::change::Change as ChangeKind;
use egov_events::v1::{
    CaseAdvanced, SimilarSoftwareAnswered, SimilarSoftwareAsked, TenderRecorded,
};
use egov_kernel::{CaseId, Name, Role, time};
use egov_runtime::Flag;
use egov_store::{Append, Appended, IndexOp, StoreError};
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Ctx;
use crate::domain::{
    FOR_CATALOG, INDEX_RELEASES, INDEX_TENDERS, NOTIFICATION, QUESTION, RECORDS, REGISTER_CHECK,
    TENDER, Tender, Version,
};

/// What the handlers share.
pub(crate) struct Handlers {
    pub ctx: Arc<Ctx>,
    pub host: Arc<egov_cases::Host>,
    pub prefix: String,
}

/// Reads `topic` as group `tender`.
pub(crate) fn spawn(
    h: Arc<Handlers>,
    topic: &'static str,
    attached: Flag,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    let platform = h.ctx.platform.clone();
    let handler = egov_bus::only(wants, move |d: Delivery| {
        let h = h.clone();
        async move { handle(&h, d).await }
    });
    egov_runtime::spawn_consumer(&platform, topic, crate::NAME, attached, handler, shutdown)
}

/// The events `handle` acts on: an answer of the Register, and a case's `CaseAdvanced` only
/// when it has a change `advanced` looks at (every other case's events are acknowledged
/// unread); one that does not decode is handed on, to be dead-lettered there.
fn wants(env: &Envelope) -> bool {
    match env.kind.as_str() {
        "SimilarSoftwareAnswered" => true,
        "CaseAdvanced" => env.decode::<CaseAdvanced>().map_or(true, |e| {
            e.changes.iter().any(|c| match &c.change {
                Some(ChangeKind::EntryPut(p)) => p.registry == RECORDS || p.registry == FOR_CATALOG,
                Some(ChangeKind::SlotOpened(s)) => s.name == REGISTER_CHECK,
                _ => false,
            })
        }),
        _ => false,
    }
}

async fn handle(h: &Handlers, d: Delivery) -> Result<(), HandleError> {
    let env = &d.envelope;
    match env.kind.as_str() {
        "CaseAdvanced" => advanced(h, env).await,
        "SimilarSoftwareAnswered" => answered(h, env).await,
        _ => Ok(()),
    }
}

fn retry(e: StoreError) -> HandleError {
    HandleError::Retry(e.to_string())
}

async fn advanced(h: &Handlers, env: &Envelope) -> Result<(), HandleError> {
    let e: CaseAdvanced = env
        .decode()
        .map_err(|e| HandleError::Reject(e.to_string()))?;
    let mut records = Vec::new();
    let mut for_catalog = None;
    let mut ask = false;
    for c in e.changes.iter().filter_map(|c| c.change.as_ref()) {
        match c {
            ChangeKind::EntryPut(p) if p.registry == RECORDS => {
                let body: Value = serde_json::from_str(&p.body_json)
                    .map_err(|e| HandleError::Reject(format!("tender record: {e}")))?;
                records.push((p.key.clone(), body));
            }
            ChangeKind::EntryPut(p) if p.registry == FOR_CATALOG => {
                let body: Value = serde_json::from_str(&p.body_json)
                    .map_err(|e| HandleError::Reject(format!("{FOR_CATALOG} entry: {e}")))?;
                for_catalog = Some(body);
            }
            ChangeKind::SlotOpened(s) if s.name == REGISTER_CHECK => ask = true,
            _ => {}
        }
    }
    if !records.is_empty() {
        record(h, env, &e, records).await?;
    }
    if let Some(body) = for_catalog {
        notify_catalog(h, env, &e.case_id, &body).await?;
    }
    if ask {
        ask_register(h, env, &e.case_id).await?;
    }
    Ok(())
}

/// Keeps the new versions of a tender's record (each one release), in order, once per event.
async fn record(
    h: &Handlers,
    env: &Envelope,
    e: &CaseAdvanced,
    records: Vec<(String, Value)>,
) -> Result<(), HandleError> {
    let store = &h.ctx.store;
    let now = h.ctx.platform.clock.now();
    let recorded_at = time::format(now);
    // A version conflict means another delivery (or replica) wrote meanwhile: reload and redo.
    for _ in 0..4 {
        let loaded = store
            .load::<Tender>(TENDER, &e.case_id)
            .await
            .map_err(retry)?;
        let (mut t, version) = match loaded {
            Some(l) => (l.state, l.version),
            None => (
                Tender {
                    case_id: e.case_id.clone(),
                    variant_id: e.variant_id.clone(),
                    customer: e.org.clone(),
                    key: records[0].0.clone(),
                    versions: Vec::new(),
                },
                0,
            ),
        };
        let mut index = Vec::new();
        if version == 0 {
            index.push(IndexOp::Score {
                index: INDEX_TENDERS.into(),
                member: e.case_id.clone(),
                score: now.as_millisecond() as f64,
            });
        }
        for (_, body) in &records {
            t.versions.push(Version {
                record: body.clone(),
                recorded_at: recorded_at.clone(),
            });
            index.push(IndexOp::Score {
                index: INDEX_RELEASES.into(),
                member: format!("{}:{}", e.case_id, t.versions.len()),
                // Releases recorded by one event keep their order within the millisecond.
                score: now.as_millisecond() as f64 + t.versions.len() as f64 / 1e4,
            });
        }
        let event = TenderRecorded {
            case_id: e.case_id.clone(),
            ocid: crate::ocds::ocid(&h.prefix, &e.case_id),
            release: t.versions.len() as u32,
            status: t.status().to_owned(),
        };
        let out = Envelope::new(crate::NAME, &event, now)
            .with_case(&e.case_id)
            .caused_by(env);
        match store
            .append(Append {
                kind: TENDER,
                id: &e.case_id,
                expected_version: version,
                state: &t,
                event: &out,
                index,
                applied: Some(env.id.to_string()),
                unique: None,
            })
            .await
        {
            Ok(_) => return Ok(()),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(retry(e)),
        }
    }
    Err(HandleError::Retry(format!(
        "the record of tender {} kept changing",
        e.case_id
    )))
}

/// SM-98.b: the notification that the formed ICT service must be included in the Catalog.
async fn notify_catalog(
    h: &Handlers,
    env: &Envelope,
    case_id: &str,
    body: &Value,
) -> Result<(), HandleError> {
    // The variant wrote an entry this service cannot read: a defect no retry mends.
    let n = crate::domain::for_catalog(case_id, body)
        .map_err(|e| HandleError::Reject(format!("{FOR_CATALOG} entry of {case_id}: {e}")))?;
    once(h, env, NOTIFICATION, case_id, &n).await
}

/// LC-26, LC-28: asks the catalog whether the Register holds software of the functionality
/// the tender's record names.
async fn ask_register(h: &Handlers, env: &Envelope, case_id: &str) -> Result<(), HandleError> {
    let id: CaseId = case_id
        .parse()
        .map_err(|e| HandleError::Reject(format!("case id: {e}")))?;
    let (case, _) = egov_cases::load(&h.host.store, id)
        .await
        .map_err(retry)?
        .ok_or_else(|| HandleError::Retry(format!("case {case_id} is not recorded yet")))?;
    let functionality = case
        .entries
        .iter()
        .find(|e| e.registry.as_str() == RECORDS)
        .and_then(|e| e.body["functionality"].as_str())
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| {
            HandleError::Reject(format!(
                "tender {case_id} opened {REGISTER_CHECK} without a functionality in its record"
            ))
        })?
        .to_owned();
    let q = SimilarSoftwareAsked {
        reference: case_id.to_owned(),
        functionality,
        rule: "LC-26".into(),
    };
    once(h, env, QUESTION, case_id, &q).await
}

/// Publishes `event` on tender's topic as the one event of aggregate `kind:<case id>`.
async fn once<M: prost::Message + prost::Name>(
    h: &Handlers,
    env: &Envelope,
    kind: &str,
    case_id: &str,
    event: &M,
) -> Result<(), HandleError> {
    let out = Envelope::new(crate::NAME, event, h.ctx.platform.clock.now())
        .with_case(case_id)
        .caused_by(env);
    match h
        .ctx
        .store
        .append(Append {
            kind,
            id: case_id,
            expected_version: 0,
            state: &json!({"event": out.id.to_string(), "cause": env.id.to_string()}),
            event: &out,
            index: Vec::new(),
            applied: Some(env.id.to_string()),
            unique: None,
        })
        .await
    {
        Ok(Appended::Committed { .. } | Appended::AlreadyApplied | Appended::Exists(_)) => Ok(()),
        // Published once already for this case (by an earlier event): nothing more to say.
        Err(StoreError::Conflict { .. }) => {
            tracing::warn!(case = case_id, kind, "published before; not again");
            Ok(())
        }
        Err(e) => Err(retry(e)),
    }
}

/// The Register's answer to a tender's question, given into its `register-check` slot.
async fn answered(h: &Handlers, env: &Envelope) -> Result<(), HandleError> {
    let a: SimilarSoftwareAnswered = env
        .decode()
        .map_err(|e| HandleError::Reject(e.to_string()))?;
    // Only answers to this service's questions: a tender's case id whose question is recorded.
    let Ok(id) = a.reference.parse::<CaseId>() else {
        return Ok(());
    };
    let asked = h
        .ctx
        .store
        .load::<Value>(QUESTION, &a.reference)
        .await
        .map_err(retry)?;
    if asked.is_none() {
        return Ok(());
    }
    let slot = Name::parse(REGISTER_CHECK).expect("a name");
    let body = json!({
        "similar": a.similar,
        "matches": a.matches.iter().map(|m| json!({
            "entry_id": m.entry_id, "key": m.key, "title": m.title, "supplier": m.supplier,
            "score": m.score,
        })).collect::<Vec<_>>(),
        "reading": a.reading,
    });
    egov_cases::give_as(
        &h.host,
        id,
        &slot,
        Party::role(Role::ServiceIntegrator),
        body,
        "catalog",
    )
    .await
    .map(|_| ())
    .map_err(|e| match e {
        egov_cases::AdvanceError::Variant(e) => HandleError::Wait(e.to_string()),
        e => HandleError::Retry(e.to_string()),
    })
}
