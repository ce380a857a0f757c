//! The watching loader: every `ProcedurePlugin` of the namespace, fetched, verified and loaded
//! beside the revisions already serving, with the outcome written into its `status`.
//!
//! A `kube::runtime` watcher feeds a reflector (the cache of the resources as they are now);
//! each added or changed resource is reconciled once per generation:
//!
//! 1. the spec is checked (a malformed one: `InvalidSpec`);
//! 2. the bytes are fetched from the ConfigMap key or the URL, at most [`MAX_ARTIFACT`] bytes
//!    (`SourceUnavailable`);
//! 3. the registry checks the sha256 (`DigestMismatch`), the contract version
//!    (`IncompatibleContract`), the procedure kind (`KindMismatch`) and the period
//!    (`PeriodMismatch`), and loads the component beside the others (`LoadFailed`,
//!    `Conflict`); a refused revision leaves the resource's last good one serving, unless its
//!    fail strategy is `FailClosed`;
//! 4. the service's own condition (`IntakeLoaded`, ...) is written by server-side apply with
//!    the service's field manager, so that five services share one `status` without
//!    overwriting each other.
//!
//! A deleted resource stops deploying its revision: it is retired, and serves only the cases
//! pinned to it (a case keeps the revision it started on). After every (re)list, resources
//! that disappeared meanwhile are withdrawn the same way.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use egov_procedure::{FailureReason, Limits, Pin, Registry, RevisionState};
use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, ResourceExt};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::crd::{FailStrategy, ProcedurePlugin, ProcedurePluginSpec};

/// The largest artifact fetched (a component with its step graph is a few hundred KiB; a
/// ConfigMap holds at most 1 MiB anyway).
pub const MAX_ARTIFACT: usize = 32 << 20;

/// How long one download may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// The loader of one service.
pub struct Loader {
    /// The service's name (`intake`): its condition type and field manager.
    service: String,
    registry: Arc<Registry>,
    plugins: Api<ProcedurePlugin>,
    config_maps: Api<ConfigMap>,
    namespace: String,
    selector: Option<String>,
    http: reqwest::Client,
    /// Per resource key: the `(uid, generation)` last reconciled, so that a status write (an
    /// event of its own) or a relist does not load it again.
    done: BTreeMap<String, (String, i64)>,
}

/// One reconciliation's outcome: the condition written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the resource's revision serves.
    pub loaded: bool,
    /// The condition's reason.
    pub reason: &'static str,
    /// The condition's message.
    pub message: String,
}

impl Loader {
    /// A loader for `service` of the resources in `namespace` (matching `selector`, a label
    /// selector, when given).
    pub fn new(
        service: &str,
        registry: Arc<Registry>,
        client: Client,
        namespace: &str,
        selector: Option<String>,
    ) -> Self {
        Self {
            service: service.to_owned(),
            registry,
            plugins: Api::namespaced(client.clone(), namespace),
            config_maps: Api::namespaced(client, namespace),
            namespace: namespace.to_owned(),
            selector: selector.filter(|s| !s.trim().is_empty()),
            http: reqwest::Client::builder()
                .timeout(FETCH_TIMEOUT)
                .build()
                .expect("an HTTP client"),
            done: BTreeMap::new(),
        }
    }

    /// Watches until `shutdown` (reconnecting with backoff when the API server is away).
    pub async fn run(mut self, shutdown: CancellationToken) {
        let mut cfg = watcher::Config::default();
        if let Some(s) = &self.selector {
            cfg = cfg.labels(s);
        }
        let (store, writer) = reflector::store();
        let events =
            reflector::reflector(writer, watcher(self.plugins.clone(), cfg)).default_backoff();
        let mut events = std::pin::pin!(events);
        loop {
            let event = tokio::select! {
                _ = shutdown.cancelled() => return,
                e = events.next() => e,
            };
            match event {
                Some(Ok(e)) => self.on(e, &store).await,
                Some(Err(e)) => tracing::warn!(error = %e, "watching ProcedurePlugins"),
                None => return,
            }
        }
    }

    async fn on(&mut self, event: watcher::Event<ProcedurePlugin>, store: &Store<ProcedurePlugin>) {
        match event {
            watcher::Event::Apply(p) | watcher::Event::InitApply(p) => {
                self.reconcile(&p).await;
            }
            watcher::Event::Delete(p) => self.forget(&self.key(&p.name_any())),
            watcher::Event::InitDone => {
                // Deleted while the watch was down: no Delete event came for them.
                let present: Vec<String> = store
                    .state()
                    .iter()
                    .map(|p| self.key(&p.name_any()))
                    .collect();
                for key in self.registry.deployed_keys() {
                    if key.starts_with(&self.key("")) && !present.contains(&key) {
                        self.forget(&key);
                    }
                }
            }
            watcher::Event::Init => {}
        }
    }

    fn key(&self, name: &str) -> String {
        format!("procedureplugin:{}/{name}", self.namespace)
    }

    fn forget(&mut self, key: &str) {
        tracing::info!(
            source = key,
            "ProcedurePlugin deleted: its revision is retired"
        );
        self.registry.withdraw(key);
        self.done.remove(key);
    }

    /// Loads `p`'s revision (once per generation) and writes this service's condition.
    pub async fn reconcile(&mut self, p: &ProcedurePlugin) {
        let name = p.name_any();
        let key = self.key(&name);
        let seen = (
            p.uid().unwrap_or_default(),
            p.metadata.generation.unwrap_or(0),
        );
        if self.done.get(&key) == Some(&seen) {
            return;
        }
        let outcome = self.load(&key, &p.spec).await;
        if !outcome.loaded && p.spec.fail_strategy == FailStrategy::FailClosed {
            self.registry.withdraw(&key);
        }
        match self.write_status(p, &outcome).await {
            Ok(()) => {
                self.done.insert(key, seen);
            }
            // Loaded all the same; the status is written again at the next event.
            Err(e) => {
                tracing::warn!(resource = %name, error = %e, "ProcedurePlugin status not written")
            }
        }
    }

    async fn load(&self, key: &str, spec: &ProcedurePluginSpec) -> Outcome {
        let refused = |reason: &'static str, message: String| Outcome {
            loaded: false,
            reason,
            message: self.refusal(key, spec.fail_strategy, message),
        };
        let pin = match pin(spec) {
            Ok(p) => p,
            Err(e) => return refused("InvalidSpec", e),
        };
        let bytes = match self.fetch(spec).await {
            Ok(b) => b,
            Err(e) => return refused("SourceUnavailable", e),
        };
        let (registry, k) = (self.registry.clone(), key.to_owned());
        let status = tokio::task::spawn_blocking(move || registry.deploy(&k, &bytes, &pin))
            .await
            .expect("the load does not panic");
        if status.state == RevisionState::Loaded {
            return Outcome {
                loaded: true,
                reason: "Loaded",
                message: format!(
                    "{} loaded (sha256 {}); it serves new cases in its period",
                    status.variant.unwrap_or_default(),
                    status.digest.unwrap_or_default()
                ),
            };
        }
        let reason = match status.reason {
            Some(FailureReason::DigestMismatch) => "DigestMismatch",
            Some(FailureReason::IncompatibleContract) => "IncompatibleContract",
            Some(FailureReason::KindMismatch) => "KindMismatch",
            Some(FailureReason::PeriodMismatch) => "PeriodMismatch",
            Some(FailureReason::Conflict) => "Conflict",
            Some(FailureReason::Invalid) => "InvalidSpec",
            Some(FailureReason::Unreadable) => "SourceUnavailable",
            Some(FailureReason::LoadFailed) | None => "LoadFailed",
        };
        refused(reason, status.error.unwrap_or_default())
    }

    /// `message`, and what serves instead.
    fn refusal(&self, key: &str, strategy: FailStrategy, message: String) -> String {
        let last_good = self
            .registry
            .statuses()
            .into_iter()
            .rev()
            .find(|s| s.manifest == key && s.state == RevisionState::Loaded);
        match (strategy, last_good) {
            (FailStrategy::FailClosed, _) => format!(
                "{message}; failStrategy FailClosed: no revision of this resource serves new cases"
            ),
            (FailStrategy::KeepLastGood, Some(s)) => format!(
                "{message}; the last good revision {} (sha256 {}) keeps serving",
                s.variant.unwrap_or_default(),
                s.digest.unwrap_or_default()
            ),
            (FailStrategy::KeepLastGood, None) => {
                format!("{message}; no revision of this resource has loaded yet")
            }
        }
    }

    async fn fetch(&self, spec: &ProcedurePluginSpec) -> Result<Vec<u8>, String> {
        if let Some(cm) = &spec.source.config_map {
            let map = self
                .config_maps
                .get_opt(&cm.name)
                .await
                .map_err(|e| format!("ConfigMap {}: {e}", cm.name))?
                .ok_or_else(|| format!("ConfigMap {} not found", cm.name))?;
            let bytes = map
                .binary_data
                .as_ref()
                .and_then(|d| d.get(&cm.key))
                .map(|b| b.0.clone())
                .or_else(|| {
                    map.data
                        .as_ref()
                        .and_then(|d| d.get(&cm.key))
                        .map(|s| s.clone().into_bytes())
                })
                .ok_or_else(|| format!("ConfigMap {} has no key {:?}", cm.name, cm.key))?;
            return Ok(bytes);
        }
        let url = spec.source.url.as_deref().unwrap_or_default();
        let mut resp = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| format!("{url}: {}", egov_kernel::error_chain(&e)))?;
        if !resp.status().is_success() {
            return Err(format!("{url}: HTTP {}", resp.status()));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("{url}: {}", egov_kernel::error_chain(&e)))?
        {
            if bytes.len() + chunk.len() > MAX_ARTIFACT {
                return Err(format!("{url}: larger than {MAX_ARTIFACT} bytes"));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// This service's condition, by server-side apply: its field manager owns that one entry
    /// of `status.conditions` (a list map keyed by `type`).
    async fn write_status(&self, p: &ProcedurePlugin, o: &Outcome) -> Result<(), kube::Error> {
        let type_ = condition_type(&self.service);
        let status = if o.loaded { "True" } else { "False" };
        // The transition time moves only when the status does.
        let since = p
            .status
            .as_ref()
            .and_then(|s| s.conditions.iter().find(|c| c.type_ == type_))
            .filter(|c| c.status == status)
            .map(|c| c.last_transition_time.clone())
            .unwrap_or_else(|| {
                jiff::Timestamp::now()
                    .round(jiff::Unit::Second)
                    .expect("rounds")
                    .to_string()
            });
        let patch = json!({
            "apiVersion": "egov.kz/v1alpha1",
            "kind": "ProcedurePlugin",
            "status": {"conditions": [{
                "type": type_,
                "status": status,
                "reason": o.reason,
                "message": o.message,
                "observedGeneration": p.metadata.generation.unwrap_or(0),
                "lastTransitionTime": since,
            }]},
        });
        let params = PatchParams::apply(&format!("egov-{}", self.service)).force();
        self.plugins
            .patch_status(&p.name_any(), &params, &Patch::Apply(&patch))
            .await?;
        Ok(())
    }
}

/// `intake` → `IntakeLoaded`, `monitoring-bridge` → `MonitoringBridgeLoaded`.
pub fn condition_type(service: &str) -> String {
    let mut out = String::new();
    for word in service.split('-') {
        let mut c = word.chars();
        if let Some(f) = c.next() {
            out.extend(f.to_uppercase());
            out.push_str(c.as_str());
        }
    }
    out + "Loaded"
}

/// The registry's pin from a spec, every field checked (the API server checks the same
/// patterns when the CRD is installed; a resource that slipped past is refused here).
pub fn pin(spec: &ProcedurePluginSpec) -> Result<Pin, String> {
    let kind_ok = !spec.kind.is_empty()
        && spec.kind.len() <= 63
        && spec.kind.starts_with(|c: char| c.is_ascii_lowercase())
        && spec
            .kind
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !kind_ok {
        return Err(format!(
            "spec.kind {:?} is not a procedure kind (lowercase letters, digits and '-')",
            spec.kind
        ));
    }
    if spec.sha256.len() != 64
        || !spec
            .sha256
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    {
        return Err(format!(
            "spec.sha256 {:?} is not 64 lowercase hex digits",
            spec.sha256
        ));
    }
    match (&spec.source.config_map, &spec.source.url) {
        (Some(_), Some(_)) | (None, None) => {
            return Err("spec.source: exactly one of configMap or url".into());
        }
        (Some(cm), None) if cm.name.is_empty() || cm.key.is_empty() => {
            return Err("spec.source.configMap: name and key are required".into());
        }
        (None, Some(url)) => {
            let u: reqwest::Url = url
                .parse()
                .map_err(|e| format!("spec.source.url {url:?}: {e}"))?;
            if !matches!(u.scheme(), "http" | "https") {
                return Err(format!("spec.source.url {url:?}: only http and https"));
            }
        }
        _ => {}
    }
    let cfg = spec.config.clone().unwrap_or_default();
    let period = Pin::period(
        cfg.effective_from.as_deref(),
        cfg.effective_to.as_deref(),
        ("spec.config.effectiveFrom", "spec.config.effectiveTo"),
    )?;
    let defaults = Limits::default();
    let timeout = match cfg.timeout_ms {
        None => defaults.timeout,
        Some(ms @ 1..=10_000) => Duration::from_millis(ms),
        Some(ms) => return Err(format!("spec.config.timeoutMs {ms}: 1 to 10000")),
    };
    let memory = match cfg.memory_mib {
        None => defaults.memory,
        Some(m @ 1..=1024) => (m as usize) << 20,
        Some(m) => return Err(format!("spec.config.memoryMib {m}: 1 to 1024")),
    };
    Ok(Pin {
        sha256: spec.sha256.clone(),
        kind: Some(spec.kind.clone()),
        period,
        limits: Limits { timeout, memory },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_names_its_condition() {
        assert_eq!(condition_type("intake"), "IntakeLoaded");
        assert_eq!(
            condition_type("monitoring-bridge"),
            "MonitoringBridgeLoaded"
        );
    }
}
