//! Plugin directories: manifests with sha256 pins, hot reload, revision states.

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
        loaded
    }

    fn load_one(&self, manifest: &Path) -> RevisionStatus {
        let mut status = RevisionStatus {
            manifest: manifest.display().to_string(),
            digest: None,
            state: RevisionState::Failed,
            variant: None,
            error: None,
        };
        let result = (|| -> Result<Definition, String> {
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
            if self.snapshot().has_digest(&digest) {
                return Err("this revision is already loaded".into());
            }
            let limits = Limits {
                timeout: Duration::from_millis(m.limits.timeout_ms),
                memory: m.limits.memory_mib << 20,
            };
            let plugin = self
                .engine
                .load(&bytes, limits)
                .map_err(|e| e.to_string())?;
            Definition::from_plugin(plugin).map_err(|e| e.to_string())
        })();
        match result {
            Ok(def) => {
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
