//! A snapshot of the loaded definitions: selection by procedure kind and submission date.

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::civil::Date;

use crate::{Definition, DefinitionError};

/// No variant fits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    /// No definition of this kind is loaded (none was, or every revision failed: fail closed).
    #[error("no procedure variant of kind {0:?} is loaded")]
    UnknownKind(String),
    /// Definitions exist, but none is in force on the day.
    #[error("no variant of {kind:?} is in force on {day}")]
    NotInForce {
        /// The kind.
        kind: String,
        /// The day.
        day: Date,
    },
    /// A case names a variant that is not loaded.
    #[error("variant {id} {version} is not loaded")]
    Missing {
        /// Variant id.
        id: String,
        /// Version.
        version: String,
    },
}

/// Loaded definitions, oldest revision first. Old revisions stay: a case keeps the revision
/// (artifact digest) it started on. A **retired** revision (no manifest deploys it any more:
/// replaced, rolled back from, removed) serves only the cases pinned to it, never a new one.
#[derive(Clone, Debug, Default)]
pub struct Definitions {
    list: Vec<Arc<Definition>>,
    retired: BTreeSet<String>,
}

impl Definitions {
    /// This snapshot plus `d`. A variant of another id whose period overlaps one of the same
    /// kind is refused: selection by date must be unambiguous. The same id in a new version or
    /// revision supersedes the older one for new cases.
    pub fn with(&self, d: Definition) -> Result<Self, DefinitionError> {
        for other in self
            .list
            .iter()
            .filter(|o| o.kind == d.kind && o.id != d.id)
        {
            let overlaps = d.effective_to.is_none_or(|to| to >= other.effective_from)
                && other.effective_to.is_none_or(|to| to >= d.effective_from);
            if overlaps {
                return Err(DefinitionError::new(
                    format!("{}@{}", d.id, d.version),
                    format!(
                        "its period overlaps that of {} {} (kind {})",
                        other.id, other.version, d.kind
                    ),
                ));
            }
        }
        let mut list = self.list.clone();
        list.push(Arc::new(d));
        Ok(Self {
            list,
            retired: self.retired.clone(),
        })
    }

    /// This snapshot with the revisions of `digests` retired (and every other one not).
    pub fn retiring(&self, digests: BTreeSet<String>) -> Self {
        Self {
            list: self.list.clone(),
            retired: digests,
        }
    }

    /// The retired revisions still loaded.
    pub fn retired(&self) -> Vec<Arc<Definition>> {
        self.list
            .iter()
            .filter(|d| self.retired.contains(&d.digest))
            .cloned()
            .collect()
    }

    /// This snapshot without the retired revision `digest` (a deployed one is never dropped).
    pub fn unloading(&self, digest: &str) -> Self {
        Self {
            list: self
                .list
                .iter()
                .filter(|d| d.digest != digest || !self.retired.contains(digest))
                .cloned()
                .collect(),
            retired: self.retired.clone(),
        }
    }

    /// Whether a revision with this digest is loaded.
    pub fn has_digest(&self, digest: &str) -> bool {
        self.list.iter().any(|d| d.digest == digest)
    }

    /// The loaded revision with this digest.
    pub fn by_digest(&self, digest: &str) -> Option<Arc<Definition>> {
        self.list.iter().find(|d| d.digest == digest).cloned()
    }

    /// Every loaded revision, oldest first.
    pub fn all_revisions(&self) -> impl Iterator<Item = &Arc<Definition>> {
        self.list.iter()
    }

    /// The variant of `kind` in force on `day` (the case's submission date): the newest
    /// version of the one variant id in force then. Only the newest revision of each id and
    /// version is considered: a rebuilt revision supersedes the older one for new cases, its
    /// period included (a corrected `effective_from` is not undone by the revision it
    /// corrects), while cases that recorded the older one keep it through [`Self::get`].
    pub fn select(&self, kind: &str, day: Date) -> Result<Arc<Definition>, SelectError> {
        let newest = |i: usize, d: &Definition| {
            !self.list[i + 1..].iter().any(|o| {
                o.id == d.id && o.version == d.version && !self.retired.contains(&o.digest)
            })
        };
        let mut of_kind = self
            .list
            .iter()
            .enumerate()
            .filter(|(_, d)| d.kind == kind && !self.retired.contains(&d.digest))
            .filter(|(i, d)| newest(*i, d))
            .peekable();
        if of_kind.peek().is_none() {
            return Err(SelectError::UnknownKind(kind.to_owned()));
        }
        of_kind
            .filter(|(_, d)| d.in_force_on(day))
            .max_by_key(|(i, d)| (d.semver.clone(), *i))
            .map(|(_, d)| d.clone())
            .ok_or_else(|| SelectError::NotInForce {
                kind: kind.to_owned(),
                day,
            })
    }

    /// The revision a case started on, by its artifact digest: a rebuilt artifact of the same
    /// id and version is another revision and never takes over a case in flight. A case
    /// recorded before digests were recorded (an empty `digest`) gets the newest revision of
    /// its id and version.
    pub fn pinned(
        &self,
        id: &str,
        version: &str,
        digest: &str,
    ) -> Result<Arc<Definition>, SelectError> {
        if digest.is_empty() {
            return self.get(id, version);
        }
        self.list
            .iter()
            .find(|d| d.digest == digest)
            .cloned()
            .ok_or_else(|| SelectError::Missing {
                id: id.to_owned(),
                version: format!("{version} (sha256 {digest})"),
            })
    }

    /// The newest revision of variant `id` at `version`.
    pub fn get(&self, id: &str, version: &str) -> Result<Arc<Definition>, SelectError> {
        self.list
            .iter()
            .rev()
            .find(|d| d.id == id && d.version == version)
            .cloned()
            .ok_or_else(|| SelectError::Missing {
                id: id.to_owned(),
                version: version.to_owned(),
            })
    }

    /// The newest revision of every variant id and version.
    pub fn all(&self) -> Vec<Arc<Definition>> {
        let mut out: Vec<Arc<Definition>> = Vec::new();
        for d in self.list.iter().rev() {
            if !out.iter().any(|o| o.id == d.id && o.version == d.version) {
                out.push(d.clone());
            }
        }
        out.reverse();
        out
    }
}
