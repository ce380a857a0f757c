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

/// The state of one revision of one manifest.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevisionState {
    /// Loaded and selectable.
    Loaded,
    /// Refused; the previous good revision of the manifest (if any) stays in use.
    Failed,
}

/// What the registry knows of one revision.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RevisionStatus {
    /// The manifest file.
    pub manifest: String,
    /// The artifact's sha256 (when it could be read).
    pub digest: Option<String>,
    /// Loaded or failed.
    pub state: RevisionState,
    /// `id@version`, when loaded.
    pub variant: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
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
                    tracing::info!(manifest = %key, variant = ?status.variant, digest = ?status.digest, "plugin revision loaded");
                } else {
                    tracing::error!(manifest = %key, error = ?status.error, "plugin revision refused; the last good revision stays");
                }
                self.revisions
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .entry(key)
                    .or_default()
                    .push(status);
            }
        }
        self.retire_undeployed(&on_disk);
        loaded
    }

    /// Retires every loaded revision that no manifest on disk deploys: a manifest deploys the
    /// last revision it loaded (a later one that failed leaves it deployed; one that names an
    /// earlier artifact again, a rollback, deploys that one again).
    fn retire_undeployed(&self, on_disk: &std::collections::BTreeSet<String>) {
        let deployed: std::collections::BTreeSet<String> = self
            .revisions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(k, _)| on_disk.contains(*k))
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
        let mut status = RevisionStatus {
            manifest: manifest.display().to_string(),
            digest: None,
            state: RevisionState::Failed,
            variant: None,
            error: None,
        };
        let result = (|| -> Result<Result<Definition, Arc<Definition>>, String> {
            let text = std::fs::read_to_string(manifest).map_err(|e| e.to_string())?;
            let m: Manifest = toml::from_str(&text).map_err(|e| format!("manifest: {e}"))?;
            let artifact = manifest
                .parent()
                .unwrap_or(Path::new("."))
                .join(&m.artifact);
            let bytes =
                std::fs::read(&artifact).map_err(|e| format!("{}: {e}", artifact.display()))?;
            let digest = hex::encode(Sha256::digest(&bytes));
            status.digest = Some(digest.clone());
            if !digest.eq_ignore_ascii_case(m.sha256.trim()) {
                return Err(format!(
                    "sha256 mismatch: the manifest pins {}, the artifact is {digest}",
                    m.sha256
                ));
            }
            if let Some(d) = self.snapshot().by_digest(&digest) {
                // Deployed again (a rollback): no reload, no restart; its manifest is checked
                // as any other.
                check_period(&m, &d)?;
                return Ok(Err(d));
            }
            let limits = Limits {
                timeout: Duration::from_millis(m.limits.timeout_ms),
                memory: m.limits.memory_mib << 20,
            };
            let plugin = self
                .engine
                .load(&bytes, limits)
                .map_err(|e| e.to_string())?;
            let def = Definition::from_plugin(plugin).map_err(|e| chain(&e))?;
            check_period(&m, &def)?;
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
                    Err(e) => status.error = Some(e.to_string()),
                }
            }
            Err(e) => status.error = Some(e),
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

/// The manifest's period against the artifact's: equal, or the revision is refused (see the
/// module's documentation for why the manifest does not override).
fn check_period(m: &Manifest, def: &Definition) -> Result<(), String> {
    let date = |what: &str, s: &str| {
        s.trim()
            .parse::<jiff::civil::Date>()
            .map_err(|e| format!("manifest: {what} {s:?} is not a date YYYY-MM-DD: {e}"))
    };
    let Some(from) = &m.effective_from else {
        return match &m.effective_to {
            Some(_) => Err("manifest: effective_to without effective_from".into()),
            None => Ok(()),
        };
    };
    let from = date("effective_from", from)?;
    let to = m
        .effective_to
        .as_deref()
        .map(|t| date("effective_to", t))
        .transpose()?;
    if (from, to) != (def.effective_from, def.effective_to) {
        let period = |f: jiff::civil::Date, t: Option<jiff::civil::Date>| {
            format!(
                "{f} .. {}",
                t.map_or("(open)".to_owned(), |t| t.to_string())
            )
        };
        return Err(format!(
            "the manifest's period {} disagrees with {}@{}'s own {}; the period is set in the variant's manifest.toml and built into it: rebuild the variant (make plugins) or correct the manifest",
            period(from, to),
            def.id,
            def.version,
            period(def.effective_from, def.effective_to)
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

/// An error and its sources, for the revision's status.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        out.push_str(": ");
        out.push_str(&s.to_string());
        next = s.source();
    }
    out
}
