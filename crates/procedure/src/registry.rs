//! Plugin directories: manifests with sha256 pins, hot reload, revision states.
//!
//! ## Effective dates are configuration, checked against the artifact
//!
//! The period a variant is in force (`effective_from`, `effective_to`) is configuration: it
//! often depends on a publication date learned after the code is written (e.g. PL-ORD-4: "10
//! calendar days after first official publication"). It is written once, in the
//! variant's `plugins/<crate>/manifest.toml`; the variant reads that file when it is built (its
//! metadata), and `make plugins` copies it into the deployed manifest beside the sha256 pin.
//!
//! The registry **refuses** a manifest whose dates disagree with the artifact's own metadata,
//! rather than letting the manifest override them:
//! - the sha256 pin then covers everything that decides selection: the same pinned artifact is
//!   in force on the same days wherever it is deployed, and `egov plugin inspect`, `egov plugin
//!   test`, `GET /api/v1/procedures` and a case's recorded variant all tell one story;
//! - an override would make a manifest-only edit a new revision of an already loaded digest,
//!   and the old revision's period would stay selectable beside the new one;
//! - a hand edit of a deployed manifest that was not rebuilt is a mistake the registry should
//!   say out loud: the revision is refused with both periods named, and the last good revision
//!   keeps serving (or the kind fails closed).
//!
//! A change of date is an edit of `plugins/<crate>/manifest.toml` and `make plugins`: a new
//! artifact, so a new revision, which supersedes the older revision of the same id and version
//! for new cases ([`crate::Definitions::select`]).
//!
//! A manifest with no `effective_from` (one written by hand around a test fixture) states no
//! period: the artifact's stands. `effective_to` without `effective_from` is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use egov_plugin_host::{Engine, Limits};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::{Definition, Definitions, SelectError};

/// A plugin's manifest: `<name>.toml` beside its artifact.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    /// The component file, relative to the manifest.
    artifact: String,
    /// The artifact's sha256: a different file is refused.
    sha256: String,
    /// First day in force (`YYYY-MM-DD`, local); must equal the artifact's `effective-from`.
    #[serde(default)]
    effective_from: Option<String>,
    /// Last day in force (inclusive); absent with `effective_from` present: open-ended. Must
    /// equal the artifact's `effective-to`.
    #[serde(default)]
    effective_to: Option<String>,
    #[serde(default)]
    limits: ManifestLimits,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestLimits {
    #[serde(default = "default_timeout")]
    timeout_ms: u64,
    #[serde(default = "default_memory")]
    memory_mib: usize,
}

impl Default for ManifestLimits {
    fn default() -> Self {
        Self {
            timeout_ms: default_timeout(),
            memory_mib: default_memory(),
        }
    }
}

fn default_timeout() -> u64 {
    200
}

fn default_memory() -> usize {
    32
}

/// The longest deadline a manifest may give one call.
const MAX_TIMEOUT_MS: u64 = 60_000;
/// The most memory a manifest may give one call (the engine's pool caps it lower).
const MAX_MEMORY_MIB: usize = 4096;

/// Reads a manifest's text: the artifact's file name (beside the manifest: no directories)
/// and the pin it makes (digest, period, limits).
pub fn parse_manifest(text: &str) -> Result<(String, Pin), String> {
    let m: Manifest = toml::from_str(text).map_err(|e| e.to_string())?;
    let name = Path::new(&m.artifact);
    if m.artifact.is_empty()
        || name.file_name().and_then(|n| n.to_str()) != Some(m.artifact.as_str())
    {
        return Err(format!(
            "artifact: {:?} is not a file name beside the manifest",
            m.artifact
        ));
    }
    let period = Pin::period(
        m.effective_from.as_deref(),
        m.effective_to.as_deref(),
        ("effective_from", "effective_to"),
    )?;
    if !(1..=MAX_TIMEOUT_MS).contains(&m.limits.timeout_ms) {
        return Err(format!(
            "limits.timeout_ms: {} is not between 1 and {MAX_TIMEOUT_MS}",
            m.limits.timeout_ms
        ));
    }
    if !(1..=MAX_MEMORY_MIB).contains(&m.limits.memory_mib) {
        return Err(format!(
            "limits.memory_mib: {} is not between 1 and {MAX_MEMORY_MIB}",
            m.limits.memory_mib
        ));
    }
    let pin = Pin {
        sha256: m.sha256.trim().to_owned(),
        kind: None,
        period,
        limits: Limits {
            timeout: Duration::from_millis(m.limits.timeout_ms),
            memory: m.limits.memory_mib << 20,
        },
    };
    Ok((m.artifact, pin))
}

/// The state of one revision of one manifest.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevisionState {
    /// Loaded and selectable.
    Loaded,
    /// Refused; the previous good revision of the manifest (if any) stays in use.
    Failed,
}

/// Why a revision was refused (a status condition's reason in Kubernetes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureReason {
    /// The manifest or the artifact could not be read.
    Unreadable,
    /// The manifest (or resource) is malformed.
    Invalid,
    /// The artifact's sha256 is not the pinned one.
    DigestMismatch,
    /// The artifact was built for a contract version this host does not support.
    IncompatibleContract,
    /// The artifact implements another procedure kind than the one deployed.
    KindMismatch,
    /// The deployed period disagrees with the artifact's own.
    PeriodMismatch,
    /// It cannot stand beside the loaded variants (an overlapping period of another id).
    Conflict,
    /// It is not a loadable component, or its metadata or step graph is invalid.
    LoadFailed,
}

/// What the registry knows of one revision.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RevisionStatus {
    /// Where it was deployed from: the manifest file, or `procedureplugin:<namespace>/<name>`.
    pub manifest: String,
    /// The artifact's sha256 (when it could be read).
    pub digest: Option<String>,
    /// Loaded or failed.
    pub state: RevisionState,
    /// `id@version`, when loaded.
    pub variant: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Why it failed, as a code.
    pub reason: Option<FailureReason>,
}

/// What a deployment pins about its artifact, checked before it serves: a manifest beside the
/// artifact, or a `ProcedurePlugin` resource.
#[derive(Clone, Debug)]
pub struct Pin {
    /// The artifact's sha256 (hex): any other bytes are refused.
    pub sha256: String,
    /// The procedure kind the artifact must implement (`None`: whichever it declares).
    pub kind: Option<String>,
    /// The period it must declare, first and last day (`None`: the artifact's own stands).
    pub period: Option<(jiff::civil::Date, Option<jiff::civil::Date>)>,
    /// The limits of each call.
    pub limits: Limits,
}

impl Pin {
    /// A deployment's period from its first and last day as written (`YYYY-MM-DD`), `names`
    /// naming the two fields in the error: none, open-ended, or closed and not reversed.
    pub fn period(
        from: Option<&str>,
        to: Option<&str>,
        names: (&str, &str),
    ) -> Result<Option<(jiff::civil::Date, Option<jiff::civil::Date>)>, String> {
        let date = |what: &str, s: &str| {
            s.trim()
                .parse::<jiff::civil::Date>()
                .map_err(|e| format!("{what} {s:?} is not a date YYYY-MM-DD: {e}"))
        };
        let Some(from) = from else {
            return match to {
                Some(_) => Err(format!("{} without {}", names.1, names.0)),
                None => Ok(None),
            };
        };
        let from = date(names.0, from)?;
        let to = to.map(|t| date(names.1, t)).transpose()?;
        if let Some(t) = to.filter(|t| *t < from) {
            return Err(format!("{} {t} is before {} {from}", names.1, names.0));
        }
        Ok(Some((from, to)))
    }
}

/// The loaded variants of one process, reloaded from their directories.
pub struct Registry {
    engine: Arc<Engine>,
    dirs: Vec<PathBuf>,
    current: RwLock<Arc<Definitions>>,
    /// Per manifest: every revision seen (oldest first).
    revisions: RwLock<BTreeMap<String, Vec<RevisionStatus>>>,
    /// Per manifest: its fingerprint (content of manifest + artifact size and mtime) last read.
    seen: RwLock<BTreeMap<String, String>>,
    /// What deploys a revision now: the manifests on disk at the last reload, and the
    /// deployments made with [`Registry::deploy`] and not withdrawn.
    deploying: RwLock<Deploying>,
}

#[derive(Default)]
struct Deploying {
    on_disk: std::collections::BTreeSet<String>,
    external: std::collections::BTreeSet<String>,
}

impl Registry {
    /// A registry loading from `dirs` with `engine`; call [`Registry::reload`] to load.
    pub fn new(engine: Arc<Engine>, dirs: Vec<PathBuf>) -> Arc<Self> {
        Arc::new(Self {
            engine,
            dirs,
            current: RwLock::new(Arc::new(Definitions::default())),
            revisions: RwLock::new(BTreeMap::new()),
            seen: RwLock::new(BTreeMap::new()),
            deploying: RwLock::new(Deploying::default()),
        })
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Definitions> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// See [`Definitions::select`].
    pub fn select(
        &self,
        kind: &str,
        day: jiff::civil::Date,
    ) -> Result<Arc<Definition>, SelectError> {
        self.snapshot().select(kind, day)
    }

    /// See [`Definitions::get`].
    pub fn get(&self, id: &str, version: &str) -> Result<Arc<Definition>, SelectError> {
        self.snapshot().get(id, version)
    }

    /// See [`Definitions::pinned`].
    pub fn pinned(
        &self,
        id: &str,
        version: &str,
        digest: &str,
    ) -> Result<Arc<Definition>, SelectError> {
        self.snapshot().pinned(id, version, digest)
    }

    /// See [`Definitions::all`].
    pub fn all(&self) -> Vec<Arc<Definition>> {
        self.snapshot().all()
    }

    /// Every revision seen, by manifest.
    pub fn statuses(&self) -> Vec<RevisionStatus> {
        self.revisions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .flatten()
            .cloned()
            .collect()
    }

    /// Reads every manifest whose files changed since the last call and loads new revisions
    /// beside the old ones. Blocking (compiles); returns how many revisions were loaded.
    pub fn reload(&self) -> usize {
        let mut loaded = 0;
        let mut on_disk = std::collections::BTreeSet::new();
        for dir in &self.dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                tracing::warn!(dir = %dir.display(), "plugin directory unreadable");
                continue;
            };
            let mut manifests: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            manifests.sort();
            for m in manifests {
                let key = m.display().to_string();
                on_disk.insert(key.clone());
                let fp = fingerprint(&m);
                if self
                    .seen
                    .read()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&key)
                    == Some(&fp)
                {
                    continue;
                }
                self.seen
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key.clone(), fp);
                let status = self.load_one(&m);
                if status.state == RevisionState::Loaded {
                    loaded += 1;
                }
                self.record(&key, &status);
            }
        }
        self.deploying
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .on_disk = on_disk;
        self.retire_undeployed();
        loaded
    }

    /// Deploys `bytes` under `key` (a source outside the plugin directories: a
    /// `ProcedurePlugin` resource), checked against `pin`, beside the revisions already
    /// loaded. Blocking (compiles). A refused revision leaves the key's last good one deployed;
    /// see [`Registry::withdraw`] to stop deploying it.
    pub fn deploy(&self, key: &str, bytes: &[u8], pin: &Pin) -> RevisionStatus {
        let status = self.install(key, bytes, pin);
        self.record(key, &status);
        self.deploying
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .external
            .insert(key.to_owned());
        self.retire_undeployed();
        status
    }

    /// Stops deploying what `key` deployed (its resource was deleted, or its new revision
    /// failed under a fail-closed strategy): its revision is retired and serves only the cases
    /// pinned to it. Deploying under `key` again undoes this.
    pub fn withdraw(&self, key: &str) {
        let removed = self
            .deploying
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .external
            .remove(key);
        if removed {
            self.revisions
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .remove(key);
            self.retire_undeployed();
        }
    }

    /// The keys [`Registry::deploy`] deploys now.
    pub fn deployed_keys(&self) -> Vec<String> {
        self.deploying
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .external
            .iter()
            .cloned()
            .collect()
    }

    fn record(&self, key: &str, status: &RevisionStatus) {
        if status.state == RevisionState::Loaded {
            tracing::info!(source = %key, variant = ?status.variant, digest = ?status.digest, "plugin revision loaded");
        } else {
            tracing::error!(source = %key, error = ?status.error, "plugin revision refused; the last good revision stays");
        }
        self.revisions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.to_owned())
            .or_default()
            .push(status.clone());
    }

    /// Retires every loaded revision that nothing deploys: a manifest on disk (or a
    /// deployment key) deploys the last revision it loaded (a later one that failed leaves it
    /// deployed; one that names an earlier artifact again, a rollback, deploys that one again).
    fn retire_undeployed(&self) {
        let deploying = self.deploying.read().unwrap_or_else(|e| e.into_inner());
        let deployed: std::collections::BTreeSet<String> = self
            .revisions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(k, _)| deploying.on_disk.contains(*k) || deploying.external.contains(*k))
            .filter_map(|(_, revs)| {
                revs.iter()
                    .rev()
                    .find(|r| r.state == RevisionState::Loaded)
                    .and_then(|r| r.digest.clone())
            })
            .collect();
        let mut cur = self.current.write().unwrap_or_else(|e| e.into_inner());
        let retired: std::collections::BTreeSet<String> = cur
            .all_revisions()
            .map(|d| d.digest.clone())
            .filter(|d| !deployed.contains(d))
            .collect();
        let before: std::collections::BTreeSet<String> =
            cur.retired().iter().map(|d| d.digest.clone()).collect();
        if retired != before {
            for d in retired.difference(&before) {
                tracing::info!(digest = %d, "plugin revision retired: it serves only the cases pinned to it");
            }
            *cur = Arc::new(cur.retiring(retired));
        }
    }

    /// The retired revisions still loaded (for the cases pinned to them).
    pub fn retired(&self) -> Vec<Arc<Definition>> {
        self.snapshot().retired()
    }

    /// Unloads the retired revision `digest`: the caller has made sure no open case is pinned
    /// to it. A deployed revision is never unloaded.
    pub fn unload(&self, digest: &str) {
        let mut cur = self.current.write().unwrap_or_else(|e| e.into_inner());
        *cur = Arc::new(cur.unloading(digest));
        tracing::info!(
            digest,
            "plugin revision unloaded: no open case is pinned to it"
        );
    }

    fn load_one(&self, manifest: &Path) -> RevisionStatus {
        let key = manifest.display().to_string();
        let read = (|| -> Result<(Vec<u8>, Pin), (FailureReason, String)> {
            let unreadable = |e: String| (FailureReason::Unreadable, e);
            let invalid = |e: String| (FailureReason::Invalid, e);
            let text = std::fs::read_to_string(manifest).map_err(|e| unreadable(e.to_string()))?;
            let (artifact, pin) =
                parse_manifest(&text).map_err(|e| invalid(format!("manifest: {e}")))?;
            let artifact = manifest.parent().unwrap_or(Path::new(".")).join(artifact);
            let bytes = std::fs::read(&artifact)
                .map_err(|e| unreadable(format!("{}: {e}", artifact.display())))?;
            Ok((bytes, pin))
        })();
        match read {
            Ok((bytes, pin)) => self.install(&key, &bytes, &pin),
            Err((reason, error)) => RevisionStatus {
                manifest: key,
                digest: None,
                state: RevisionState::Failed,
                variant: None,
                error: Some(error),
                reason: Some(reason),
            },
        }
    }

    /// Checks `bytes` against `pin`, loads them (unless a revision with that digest is loaded
    /// already: a rollback) and adds the definition beside the others.
    fn install(&self, key: &str, bytes: &[u8], pin: &Pin) -> RevisionStatus {
        let digest = hex::encode(Sha256::digest(bytes));
        let mut status = RevisionStatus {
            manifest: key.to_owned(),
            digest: Some(digest.clone()),
            state: RevisionState::Failed,
            variant: None,
            error: None,
            reason: None,
        };
        let result =
            (|| -> Result<Result<Definition, Arc<Definition>>, (FailureReason, String)> {
                if !digest.eq_ignore_ascii_case(pin.sha256.trim()) {
                    return Err((
                        FailureReason::DigestMismatch,
                        format!(
                            "sha256 mismatch: the deployment pins {}, the artifact is {digest}",
                            pin.sha256
                        ),
                    ));
                }
                if let Some(d) = self.snapshot().by_digest(&digest) {
                    // Deployed again (a rollback): no reload, no restart; its pin is checked as any
                    // other.
                    check_pin(pin, &d)?;
                    return Ok(Err(d));
                }
                let plugin = self.engine.load(bytes, pin.limits).map_err(|e| {
                    let reason = match e {
                        egov_plugin_host::PluginError::Contract { .. } => {
                            FailureReason::IncompatibleContract
                        }
                        _ => FailureReason::LoadFailed,
                    };
                    (reason, e.to_string())
                })?;
                let def = Definition::from_plugin(plugin)
                    .map_err(|e| (FailureReason::LoadFailed, egov_kernel::error_chain(&e)))?;
                check_pin(pin, &def)?;
                Ok(Ok(def))
            })();
        match result {
            Ok(Err(loaded)) => {
                status.state = RevisionState::Loaded;
                status.variant = Some(format!("{}@{}", loaded.id, loaded.version));
            }
            Ok(Ok(def)) => {
                let variant = format!("{}@{}", def.id, def.version);
                let mut cur = self.current.write().unwrap_or_else(|e| e.into_inner());
                match cur.with(def) {
                    Ok(next) => {
                        *cur = Arc::new(next);
                        status.state = RevisionState::Loaded;
                        status.variant = Some(variant);
                    }
                    Err(e) => {
                        status.error = Some(e.to_string());
                        status.reason = Some(FailureReason::Conflict);
                    }
                }
            }
            Err((reason, e)) => {
                status.error = Some(e);
                status.reason = Some(reason);
            }
        }
        status
    }

    /// Reloads every `every` until `shutdown` (compiling off the async runtime).
    pub fn spawn_watch(
        self: &Arc<Self>,
        every: Duration,
        shutdown: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(every) => {}
                }
                let r = me.clone();
                let _ = tokio::task::spawn_blocking(move || r.reload()).await;
            }
        })
    }
}

/// The pinned kind and period against the artifact's own: equal, or the revision is refused
/// (see the module's documentation for why the manifest does not override).
fn check_pin(pin: &Pin, def: &Definition) -> Result<(), (FailureReason, String)> {
    if let Some(kind) = &pin.kind
        && *kind != def.kind
    {
        return Err((
            FailureReason::KindMismatch,
            format!(
                "{}@{} implements procedure kind {:?}, not the {kind:?} it is deployed as",
                def.id, def.version, def.kind
            ),
        ));
    }
    let Some((from, to)) = pin.period else {
        return Ok(());
    };
    if (from, to) != (def.effective_from, def.effective_to) {
        let period = |f: jiff::civil::Date, t: Option<jiff::civil::Date>| {
            format!(
                "{f} .. {}",
                t.map_or("(open)".to_owned(), |t| t.to_string())
            )
        };
        return Err((
            FailureReason::PeriodMismatch,
            format!(
                "the deployed period {} disagrees with {}@{}'s own {}; the period is set in the variant's manifest.toml and built into it: rebuild the variant (make plugins) or correct the deployment",
                period(from, to),
                def.id,
                def.version,
                period(def.effective_from, def.effective_to)
            ),
        ));
    }
    Ok(())
}

/// A manifest's identity on disk: its text and its artifact's size and modification time.
fn fingerprint(manifest: &Path) -> String {
    let text = std::fs::read_to_string(manifest).unwrap_or_default();
    let artifact = toml::from_str::<toml::Value>(&text)
        .ok()
        .and_then(|v| {
            v.get("artifact")
                .and_then(|a| a.as_str())
                .map(str::to_owned)
        })
        .map(|a| manifest.parent().unwrap_or(Path::new(".")).join(a));
    let meta = artifact.and_then(|a| std::fs::metadata(a).ok());
    let (len, mtime) = meta.map_or((0, None), |m| (m.len(), m.modified().ok()));
    format!("{text}\n{len}\n{mtime:?}")
}
