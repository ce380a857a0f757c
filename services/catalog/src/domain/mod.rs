//! catalog's aggregates: the registry entries procedures write (the `put-entry` effects of
//! engine v2: the Perechen list of PL-9 and PL-10, agreed terms of reference, design
//! assignments...). The pure core: what one write makes of an entry, and the indexes it keeps.

pub mod ict;

use egov_store::IndexOp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The aggregate kind of a registry entry.
pub const ENTRY: &str = "entry";

/// The change feed: every entry, scored by when the catalog last recorded a write of it.
pub const CHANGES: &str = "changes";

/// The index of the entries listed in `registry`, scored by when each was first recorded.
pub fn listed_index(registry: &str) -> String {
    format!("listed:{registry}")
}

/// The aggregate id of the entry `key` of `registry`: the registry and a digest of the key (a
/// key is a procedure's text, e.g. an object's name, and ids are key parts).
pub fn entry_id(registry: &str, key: &str) -> String {
    let digest = hex::encode(Sha256::digest(key.as_bytes()));
    format!("{registry}.{}", &digest[..32])
}

/// A registry entry: the body a procedure last wrote under `(registry, key)`, where it came
/// from, and whether it is in the registry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub registry: String,
    pub key: String,
    pub body: Value,
    /// Whether it is in the registry: a body whose `status` is `excluded` or `removed` took it
    /// out (PL-10); the entry and its history stay.
    pub listed: bool,
    /// The case that last wrote it, its variant and agency.
    pub case_id: String,
    pub variant_id: String,
    pub org: String,
    /// When a case first wrote it and last wrote it (the case's time).
    pub first_written_at: String,
    pub written_at: String,
    /// When the catalog first recorded it (epoch milliseconds): its place in the listing.
    pub first_recorded_ms: i64,
    /// How many writes it has had.
    pub writes: u64,
}

/// One write of a case.
#[derive(Clone, Debug)]
pub struct Write {
    pub registry: String,
    pub key: String,
    pub body: Value,
    pub case_id: String,
    pub variant_id: String,
    pub org: String,
    pub written_at: String,
}

/// Whether a body keeps its entry in the registry.
pub fn listed(body: &Value) -> bool {
    !matches!(body["status"].as_str(), Some("excluded" | "removed"))
}

/// The entry after `w`, recorded at `now_ms`.
pub fn record(before: Option<&Entry>, w: Write, now_ms: i64) -> Entry {
    Entry {
        listed: listed(&w.body),
        first_written_at: before
            .map_or_else(|| w.written_at.clone(), |b| b.first_written_at.clone()),
        first_recorded_ms: before.map_or(now_ms, |b| b.first_recorded_ms),
        writes: before.map_or(0, |b| b.writes) + 1,
        registry: w.registry,
        key: w.key,
        body: w.body,
        case_id: w.case_id,
        variant_id: w.variant_id,
        org: w.org,
        written_at: w.written_at,
    }
}

/// The set index of the entries that name the ICT service `service` (e.g. its development
/// requests, SM-90..92).
pub fn links_index(service: &str) -> String {
    format!("ict-links:{service}")
}

/// The ICT service an entry names in its `ict_service` (an id of the Catalog), if any.
pub fn linked_service(body: &Value) -> Option<String> {
    body["ict_service"]
        .as_str()
        .and_then(|s| s.trim().parse::<egov_kernel::CaseId>().ok())
        .map(|id| id.to_string())
}

/// The index changes of a write: the entry moves to the end of the change feed, is listed in
/// its registry or not, and is linked to the ICT service it names.
pub fn index_ops(after: &Entry, id: &str, now_ms: i64) -> Vec<IndexOp> {
    let listing = listed_index(&after.registry);
    let link = linked_service(&after.body).map(|service| IndexOp::Add {
        index: links_index(&service),
        member: id.to_owned(),
    });
    let mut ops = vec![
        IndexOp::Score {
            index: CHANGES.into(),
            member: id.to_owned(),
            score: now_ms as f64,
        },
        if after.listed {
            IndexOp::Score {
                index: listing,
                member: id.to_owned(),
                score: after.first_recorded_ms as f64,
            }
        } else {
            IndexOp::Unscore {
                index: listing,
                member: id.to_owned(),
            }
        },
    ];
    ops.extend(link);
    ops
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write(body: Value, at: &str) -> Write {
        Write {
            registry: "perechen".into(),
            key: "E-notary".into(),
            body,
            case_id: "01J0000000000000000000000A".into(),
            variant_id: "perechen-353".into(),
            org: "940740000911".into(),
            written_at: at.into(),
        }
    }

    #[test]
    fn pl_9_and_pl_10_an_inclusion_lists_the_entry_and_an_exclusion_takes_it_out() {
        let included = record(
            None,
            write(json!({"status": "included"}), "2026-03-19T10:00:00+05:00"),
            1000,
        );
        assert!(included.listed);
        assert_eq!(included.writes, 1);
        let excluded = record(
            Some(&included),
            write(json!({"status": "excluded"}), "2026-04-01T10:00:00+05:00"),
            2000,
        );
        assert!(!excluded.listed);
        assert_eq!(
            (
                excluded.writes,
                excluded.first_recorded_ms,
                excluded.first_written_at.as_str()
            ),
            (2, 1000, "2026-03-19T10:00:00+05:00")
        );
        let id = entry_id("perechen", "E-notary");
        assert_eq!(
            index_ops(&excluded, &id, 2000)[1],
            IndexOp::Unscore {
                index: "listed:perechen".into(),
                member: id.clone()
            }
        );
        assert!(id.starts_with("perechen.") && id.len() == "perechen.".len() + 32);
    }
}
