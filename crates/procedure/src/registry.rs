//! The loaded definitions, selected by procedure kind and submission date.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use jiff::civil::Date;

use crate::{Definition, DefinitionError};

/// No variant fits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    /// No definition of this kind at all.
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

/// Definitions by kind.
#[derive(Clone, Debug, Default)]
pub struct Definitions {
    by_kind: BTreeMap<String, Vec<Arc<Definition>>>,
}

impl Definitions {
    /// Adds a definition; periods of one kind must not overlap.
    pub fn add(&mut self, d: Definition) -> Result<(), DefinitionError> {
        d.check()?;
        let list = self.by_kind.entry(d.kind.clone()).or_default();
        for other in list.iter() {
            let overlaps = d.effective_to.is_none_or(|to| to >= other.effective_from)
                && other.effective_to.is_none_or(|to| to >= d.effective_from);
            if overlaps {
                return Err(DefinitionError {
                    id: d.id.clone(),
                    detail: format!("its period overlaps that of {} {}", other.id, other.version),
                });
            }
        }
        list.push(Arc::new(d));
        list.sort_by_key(|d| d.effective_from);
        Ok(())
    }

    /// Loads every `*.toml` in `dir`.
    pub fn load_dir(dir: &Path) -> Result<Self, DefinitionError> {
        let err = |detail: String| DefinitionError {
            id: dir.display().to_string(),
            detail,
        };
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| err(e.to_string()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        let mut out = Self::default();
        for f in files {
            let text =
                std::fs::read_to_string(&f).map_err(|e| err(format!("{}: {e}", f.display())))?;
            let d = Definition::from_toml(&text).map_err(|e| DefinitionError {
                id: f.display().to_string(),
                detail: e.to_string(),
            })?;
            out.add(d)?;
        }
        Ok(out)
    }

    /// The variant of `kind` in force on `day` (the case's submission date).
    pub fn select(&self, kind: &str, day: Date) -> Result<Arc<Definition>, SelectError> {
        let list = self
            .by_kind
            .get(kind)
            .ok_or_else(|| SelectError::UnknownKind(kind.to_owned()))?;
        list.iter()
            .find(|d| d.in_force_on(day))
            .cloned()
            .ok_or_else(|| SelectError::NotInForce {
                kind: kind.to_owned(),
                day,
            })
    }

    /// The variant a case recorded.
    pub fn get(&self, id: &str, version: &str) -> Result<Arc<Definition>, SelectError> {
        self.by_kind
            .values()
            .flatten()
            .find(|d| d.id == id && d.version == version)
            .cloned()
            .ok_or_else(|| SelectError::Missing {
                id: id.to_owned(),
                version: version.to_owned(),
            })
    }

    /// Every loaded definition.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Definition>> {
        self.by_kind.values().flatten()
    }
}
