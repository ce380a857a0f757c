//! The search projection: every listed registry entry and every Catalog entry in a tantivy index
//! of this replica's own (`egov-search`), rebuilt on start and kept current from catalog's topic.
//!
//! On start it notes where each partition of the topic ends, loads every entry from the store
//! (the change feed's index holds each entry of every registry, the Catalog's index each ICT
//! service), and then follows the topic from the noted positions. A write between the two is
//! applied twice, in order, so the index ends with the last one; a replica whose index was
//! wiped, or a new one, catches up the same way however long ago the topic was trimmed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use egov_bus::{Bus, Envelope, Topic};
use egov_events::v1::{EntryRecorded, IctServiceCatalogued, IctServiceForCatalog};
use egov_runtime::Flag;
use egov_search::{Doc, SearchIndex};
use egov_store::StoreError;
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Ctx;
use crate::domain::{CHANGES, ENTRY, Entry, entry_id, ict};

/// The index and whether its snapshot is in (searches before that would miss entries).
#[derive(Clone)]
pub(crate) struct Search {
    pub index: Arc<SearchIndex>,
    pub ready: Flag,
    pub metrics: SearchMetrics,
}

/// What a query of the index is, the `kind` label of `egov_search_duration_seconds`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Query {
    /// `GET /api/v1/search`: words, filters, facets, a page.
    Search,
    /// "Is there software with similar functionality?" (the API, or a question on a stream).
    Similar,
}

impl Query {
    const ALL: [Query; 2] = [Query::Search, Query::Similar];

    fn label(self) -> &'static str {
        match self {
            Query::Search => "search",
            Query::Similar => "similar",
        }
    }
}

/// The search metrics: how long queries of the index take, by kind.
#[derive(Clone)]
pub(crate) struct SearchMetrics {
    duration: prometheus::HistogramVec,
}

impl SearchMetrics {
    /// Registered in `registry`, every kind present from the start.
    pub fn new(registry: &prometheus::Registry) -> Result<Self, prometheus::Error> {
        let duration = prometheus::HistogramVec::new(
            prometheus::HistogramOpts::new(
                "egov_search_duration_seconds",
                "How long a query of the catalog's search index takes (on the blocking pool), by kind.",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
            ]),
            &["kind"],
        )?;
        registry.register(Box::new(duration.clone()))?;
        for q in Query::ALL {
            duration.with_label_values(&[q.label()]);
        }
        Ok(Self { duration })
    }
}

impl Search {
    /// Runs `query` on the index on the blocking pool (tantivy blocks), timed into
    /// `egov_search_duration_seconds{kind}` (the query itself, not its wait for a thread).
    pub async fn run<T: Send + 'static>(
        &self,
        kind: Query,
        query: impl FnOnce(&SearchIndex) -> T + Send + 'static,
    ) -> Result<T, tokio::task::JoinError> {
        let index = self.index.clone();
        let histogram = self.metrics.duration.with_label_values(&[kind.label()]);
        tokio::task::spawn_blocking(move || {
            let start = Instant::now();
            let out = query(&index);
            histogram.observe(start.elapsed().as_secs_f64());
            out
        })
        .await
    }
}

/// The registry name of the Catalog of ICT services in search.
pub const ICT_REGISTRY: &str = "ict-services";

/// The registry of the Register of trusted software (the `lifecycle` variant writes it).
pub const TRUSTED_SOFTWARE: &str = "trusted-software";

/// How "similar functionality" is read (LC-14 sp.3, LC-23.b, LC-26, LC-28 do not define it).
pub const SIMILAR_READING: &str = "an entry of the Register of trusted software whose text holds at least half of the significant words of the functionality sought (each word compared by its stem, Russian or English, or as written, Kazakh); the matches are shown for the person who decides";

/// The document of a registry entry, or `None` when it is not listed (PL-10 took it out).
pub fn entry_doc(registry: &str, key: &str, body: &Value, org: &str, listed: bool) -> Option<Doc> {
    if !listed {
        return None;
    }
    let s = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let title = [
        "name_ru",
        "name",
        "object_name",
        "title",
        "name_kk",
        "name_en",
    ]
    .iter()
    .find_map(|k| s(k))
    .or_else(|| {
        s("product").map(|p| match s("version") {
            Some(v) => format!("{p} {v}"),
            None => p,
        })
    })
    .unwrap_or_else(|| key.to_owned());
    let mut text = Vec::new();
    strings(body, &mut text, 0);
    Some(Doc {
        id: entry_id(registry, key),
        registry: registry.to_owned(),
        key: key.to_owned(),
        title,
        text: text.join(" · "),
        agency: org.to_owned(),
        supplier: s("supplier"),
        kind: s("type")
            .or_else(|| s("ground"))
            .or_else(|| s("object_kind")),
        class: body.get("class").and_then(|c| match c {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) => Some(s.clone()),
            _ => None,
        }),
        stage: s("stage"),
    })
}

/// Every string of a body, depth first (the texts search matches), bounded.
fn strings(v: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 6 || out.len() > 200 {
        return;
    }
    match v {
        Value::String(s) if !s.is_empty() => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out, depth + 1)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out, depth + 1)),
        _ => {}
    }
}

/// The document of a Catalog entry.
pub fn ict_doc(n: &IctServiceForCatalog) -> Doc {
    let type_text = ict::TYPES
        .iter()
        .find(|(t, _)| *t == n.service_type)
        .map_or("", |(_, d)| d);
    Doc {
        id: n.service_id.clone(),
        registry: ICT_REGISTRY.into(),
        key: n.service_id.clone(),
        title: n.name.clone(),
        text: [n.name.as_str(), n.software_product.as_str(), type_text].join(" · "),
        agency: n.customer.clone(),
        supplier: Some(n.supplier.clone()),
        kind: Some(n.service_type.clone()),
        class: None,
        stage: None,
    }
}

/// Applies one event of catalog's topic; whether it changed the index.
pub fn apply(index: &SearchIndex, env: &Envelope) -> Result<bool, egov_search::SearchError> {
    match env.kind.as_str() {
        "EntryRecorded" => {
            let Ok(e) = env.decode::<EntryRecorded>() else {
                return Ok(false);
            };
            let body = serde_json::from_str(&e.body_json).unwrap_or(Value::Null);
            match entry_doc(&e.registry, &e.key, &body, &e.org, e.listed) {
                Some(d) => index.upsert(&d)?,
                None => index.remove(&entry_id(&e.registry, &e.key)),
            }
            Ok(true)
        }
        "IctServiceCatalogued" => {
            let Some(n) = env
                .decode::<IctServiceCatalogued>()
                .ok()
                .and_then(|e| e.notification)
            else {
                return Ok(false);
            };
            index.upsert(&ict_doc(&n))?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// How long indexed writes wait for more before a commit makes them searchable.
const SETTLE: Duration = Duration::from_millis(250);
/// The longest a write waits for its commit while more keep coming.
const AT_MOST: Duration = Duration::from_secs(1);

/// Follows `topic` from `from` into `index` until `shutdown`. A commit (the costly part: a
/// segment each) comes once writes have paused for [`SETTLE`], and at least every
/// [`AT_MOST`] while they keep coming: a burst (a thousand tender windows closing at one
/// midnight) is made searchable in a few commits rather than one per event, and every write
/// is searchable within about a second.
pub async fn follow(
    bus: &Bus,
    topic: &Topic,
    from: Vec<String>,
    index: Arc<SearchIndex>,
    shutdown: CancellationToken,
) -> Result<(), egov_bus::BusError> {
    let mut tail = bus.tail(topic, from, 2000, shutdown.clone()).await?;
    let mut pending = 0usize;
    let mut since = Instant::now();
    loop {
        let batch = if pending == 0 {
            tail.next().await
        } else {
            let wait = SETTLE.min(AT_MOST.saturating_sub(since.elapsed()));
            match tokio::time::timeout(wait, tail.next()).await {
                Ok(b) => b,
                Err(_) => {
                    commit(&index, &mut pending, &mut since);
                    continue;
                }
            }
        };
        let Some(batch) = batch else {
            if pending > 0 {
                commit(&index, &mut pending, &mut since);
            }
            return Ok(());
        };
        for env in &batch {
            match apply(&index, env) {
                Ok(true) => {
                    if pending == 0 {
                        since = Instant::now();
                    }
                    pending += 1;
                }
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "search: indexing failed"),
            }
        }
        if pending > 0 && since.elapsed() >= AT_MOST {
            commit(&index, &mut pending, &mut since);
        }
    }
}

fn commit(index: &SearchIndex, pending: &mut usize, since: &mut Instant) {
    if let Err(e) = index.commit() {
        tracing::error!(error = %e, "search: commit failed");
    }
    *pending = 0;
    *since = Instant::now();
}

/// Loads every entry and Catalog entry from the store into `index`.
async fn snapshot(ctx: &Ctx, index: &SearchIndex) -> Result<u64, StoreError> {
    let mut n = 0;
    for listing in [CHANGES, ict::CATALOG] {
        let mut after: Option<String> = None;
        loop {
            let cursor = after
                .as_deref()
                .and_then(egov_store::split_cursor)
                .map(|(s, m)| (s, m.to_owned()));
            let (members, more) = ctx
                .store
                .scored_page(listing, cursor.as_ref().map(|(s, m)| (*s, m.as_str())), 500)
                .await?;
            for (id, _) in &members {
                if listing == CHANGES {
                    if let Some(l) = ctx.store.load::<Entry>(ENTRY, id).await? {
                        let e = &l.state;
                        match entry_doc(&e.registry, &e.key, &e.body, &e.org, e.listed) {
                            Some(d) => index.upsert(&d).map_err(index_error)?,
                            None => index.remove(id),
                        }
                        n += 1;
                    }
                } else if let Some(l) = ctx
                    .store
                    .load::<ict::IctService>(ict::ICT_SERVICE, id)
                    .await?
                {
                    index
                        .upsert(&ict_doc(&l.state.notification()))
                        .map_err(index_error)?;
                    n += 1;
                }
            }
            after = members.last().map(|(m, s)| egov_store::cursor(*s, m));
            if !more {
                break;
            }
        }
    }
    index.commit().map_err(index_error)?;
    Ok(n)
}

fn index_error(e: egov_search::SearchError) -> StoreError {
    StoreError::WrongType(format!("search index: {e}"))
}

/// Builds the projection, marks `ready` once the snapshot is in, then follows the topic (and
/// loads again should following fail).
pub(crate) fn spawn(
    ctx: Arc<Ctx>,
    index: Arc<SearchIndex>,
    ready: Flag,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let topic = ctx.platform.topic(crate::NAME);
        let bus = ctx.platform.bus.clone();
        loop {
            let from = loop {
                let started = Instant::now();
                let attempt = async {
                    let from = bus.ends(&topic).await.map_err(|e| e.to_string())?;
                    let n = snapshot(&ctx, &index).await.map_err(|e| e.to_string())?;
                    Ok::<_, String>((from, n))
                };
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    r = attempt => match r {
                        Ok((from, n)) => {
                            tracing::info!(entries = n, ms = started.elapsed().as_millis() as u64, "search: snapshot loaded");
                            break from;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "search: snapshot failed, retrying");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                }
            };
            ready.set();
            match follow(&bus, &topic, from, index.clone(), shutdown.clone()).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::error!(error = %e, "search: cannot follow the topic, loading again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    })
}
