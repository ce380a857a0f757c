//! The message log (MON-9.a, MON-10): every message sent and every message received, in the
//! order they happened, each entry chained to the one before by its hash.
//!
//! An entry's `hash` is the SHA-256 of its other fields in RFC 8785 canonical JSON, `prev`
//! included, and `prev` is the hash of the entry before (64 zeros for the first). So an entry
//! edited in place no longer matches its hash, one edited with its hash recomputed no longer
//! matches the next entry's `prev`, and a removed or moved entry breaks the run of `seq`. The
//! head (the last `seq` and hash) is kept beside the log, so that removing the newest entries
//! shows too; whoever keeps a copy of a head it saw can check that the log still holds it.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Whether a message was sent or received.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Received by this system.
    Received,
    /// Sent by this system (the destination acknowledged it).
    Sent,
}

impl Direction {
    /// Its name in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Sent => "sent",
        }
    }
}

/// What happened to a message, as the log records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// The message id.
    pub id: String,
    /// Sent or received.
    pub direction: Direction,
    /// The other party: the destination of a message sent, the sender of one received.
    pub peer: String,
    /// The message type (`STATUS_REPORT`, `REQUEST`...).
    #[serde(rename = "type")]
    pub kind: String,
    /// The integration category (1 to 3, MON-5).
    pub category: u8,
    /// SHA-256 (hex) of the bytes as signed.
    pub digest: String,
    /// The signer: the subject of the certificate that signed them.
    pub signer: String,
    /// `delivered` or `refused` for a message sent; `accepted` for one received.
    pub outcome: String,
}

/// One entry of the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Its number: 1, 2, 3... with no gap.
    pub seq: u64,
    /// The fact.
    #[serde(flatten)]
    pub fact: Fact,
    /// When, in local time with its offset (MON-10; Asia/Almaty).
    pub at: String,
    /// The hash of the entry before.
    pub prev: String,
    /// The hash of this entry.
    pub hash: String,
}

#[derive(Serialize)]
struct Hashed<'a> {
    seq: u64,
    #[serde(flatten)]
    fact: &'a Fact,
    at: &'a str,
    prev: &'a str,
}

/// The last entry's number and hash (`0` and [`GENESIS`] for an empty log).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// The last `seq`.
    pub seq: u64,
    /// The last hash.
    pub hash: String,
}

impl Default for Head {
    fn default() -> Self {
        Self {
            seq: 0,
            hash: GENESIS.into(),
        }
    }
}

impl fmt::Display for Head {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.hash)
    }
}

impl Head {
    /// Reads `"<seq> <hash>"`.
    pub fn parse(s: &str) -> Option<Self> {
        let (seq, hash) = s.split_once(' ')?;
        let seq = seq.parse().ok()?;
        (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then(|| Self {
            seq,
            hash: hash.into(),
        })
    }

    /// The entry recording `fact` at `at` after this head; the head moves to it.
    pub fn chain(&mut self, fact: Fact, at: String) -> Entry {
        let seq = self.seq + 1;
        let hash = hash_of(seq, &fact, &at, &self.hash);
        let entry = Entry {
            seq,
            fact,
            at,
            prev: std::mem::replace(&mut self.hash, hash.clone()),
            hash,
        };
        self.seq = seq;
        entry
    }
}

fn hash_of(seq: u64, fact: &Fact, at: &str, prev: &str) -> String {
    let v = serde_json::to_value(Hashed {
        seq,
        fact,
        at,
        prev,
    })
    .expect("a log entry is JSON");
    let bytes = egov_signature::canonical_json(&v).expect("a log entry canonicalises");
    hex::encode(Sha256::digest(bytes))
}

impl Entry {
    /// Whether its hash is the hash of its fields.
    pub fn intact(&self) -> bool {
        hash_of(self.seq, &self.fact, &self.at, &self.prev) == self.hash
    }

    /// The entry as stream fields (the order of [`Entry::from_fields`]).
    pub fn to_fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("seq", self.seq.to_string()),
            ("id", self.fact.id.clone()),
            ("direction", self.fact.direction.as_str().into()),
            ("peer", self.fact.peer.clone()),
            ("type", self.fact.kind.clone()),
            ("category", self.fact.category.to_string()),
            ("digest", self.fact.digest.clone()),
            ("signer", self.fact.signer.clone()),
            ("outcome", self.fact.outcome.clone()),
            ("at", self.at.clone()),
            ("prev", self.prev.clone()),
            ("hash", self.hash.clone()),
        ]
    }

    /// An entry from stream fields; `None` when a field is missing or not of its type (which
    /// the verification reports as an edit).
    pub fn from_fields(get: impl Fn(&str) -> Option<String>) -> Option<Self> {
        Some(Self {
            seq: get("seq")?.parse().ok()?,
            fact: Fact {
                id: get("id")?,
                direction: match get("direction")?.as_str() {
                    "received" => Direction::Received,
                    "sent" => Direction::Sent,
                    _ => return None,
                },
                peer: get("peer")?,
                kind: get("type")?,
                category: get("category")?.parse().ok()?,
                digest: get("digest")?,
                signer: get("signer")?,
                outcome: get("outcome")?,
            },
            at: get("at")?,
            prev: get("prev")?,
            hash: get("hash")?,
        })
    }
}

/// Where the chain breaks: the first fault found, with the position (0-based, in stored order)
/// and the stored id of the entry at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Break {
    /// The entry's fields do not match its hash (or cannot be read): it was edited.
    Edited {
        /// Position in the log.
        position: u64,
        /// Its stored id.
        at: String,
        /// Its `seq`, when readable.
        seq: Option<u64>,
    },
    /// The entry matches its hash but not the hash of the entry before: it (or the one before)
    /// was replaced with a recomputed hash.
    Unchained {
        /// Position in the log.
        position: u64,
        /// Its stored id.
        at: String,
        /// Its `seq`.
        seq: u64,
    },
    /// Entries are missing: `from..=to` do not appear anywhere.
    Removed {
        /// Position where they should be.
        position: u64,
        /// The first missing `seq`.
        from: u64,
        /// The last missing `seq`.
        to: u64,
    },
    /// An entry is out of its place: `seq` appears at `position`, where `expected` belongs.
    Reordered {
        /// Position in the log.
        position: u64,
        /// Its stored id.
        at: String,
        /// The `seq` found.
        seq: u64,
        /// The `seq` expected there.
        expected: u64,
    },
    /// The log ends before its head: the newest entries were removed.
    Truncated {
        /// The last `seq` in the log.
        last: u64,
        /// The head's `seq`.
        head: u64,
    },
    /// The log has entries but its head is gone (removed, or the log put in from elsewhere).
    HeadMissing,
    /// The log does not hold the head at its `seq`: the entries up to it were replaced.
    HeadMismatch {
        /// The log's last entry.
        last: Head,
        /// The head kept beside it.
        head: Head,
    },
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Edited { position, at, seq } => write!(
                f,
                "entry {} (position {position}, stream id {at}) was edited: its fields do not match its hash",
                seq.map_or("?".into(), |s| s.to_string())
            ),
            Self::Unchained { position, at, seq } => write!(
                f,
                "entry {seq} (position {position}, stream id {at}) does not follow entry {}: an entry was replaced",
                seq - 1
            ),
            Self::Removed { position, from, to } if from == to => {
                write!(f, "entry {from} was removed (before position {position})")
            }
            Self::Removed { position, from, to } => {
                write!(
                    f,
                    "entries {from} to {to} were removed (before position {position})"
                )
            }
            Self::Reordered {
                position,
                at,
                seq,
                expected,
            } => write!(
                f,
                "entries were reordered: entry {seq} is at position {position} (stream id {at}), where entry {expected} belongs"
            ),
            Self::Truncated { last, head } => write!(
                f,
                "the log ends at entry {last} but its head is entry {head}: entries {} to {head} were removed",
                last + 1
            ),
            Self::HeadMissing => write!(
                f,
                "the log has entries but no head: its newest entries may have been removed with it"
            ),
            Self::HeadMismatch { last, head } => write!(
                f,
                "the log does not hold its head ({head}); it ends at ({last}): entries up to the head were replaced"
            ),
        }
    }
}

/// Checks a log: `entries` in stored order as (stored id, entry or `None` when unreadable), and
/// a head of it: the one kept beside it, read before the entries (entries appended after it are
/// newer and must chain on from it), or one an auditor kept from an earlier check. Returns the
/// log's last entry, or where the chain first breaks.
pub fn verify(entries: &[(String, Option<Entry>)], head: &Head) -> Result<Head, Break> {
    let seqs: HashSet<u64> = entries
        .iter()
        .filter_map(|(_, e)| e.as_ref().map(|e| e.seq))
        .collect();
    let mut last = Head::default();
    let mut at_head = (head.seq == 0).then(|| GENESIS.to_owned());
    for (i, (at, entry)) in entries.iter().enumerate() {
        let position = i as u64;
        let Some(e) = entry.as_ref().filter(|e| e.intact()) else {
            return Err(Break::Edited {
                position,
                at: at.clone(),
                seq: entry.as_ref().map(|e| e.seq),
            });
        };
        let expected = last.seq + 1;
        if e.seq != expected {
            return Err(if e.seq > expected && !seqs.contains(&expected) {
                let to = (expected..e.seq)
                    .take_while(|s| !seqs.contains(s))
                    .last()
                    .unwrap_or(expected);
                Break::Removed {
                    position,
                    from: expected,
                    to,
                }
            } else {
                Break::Reordered {
                    position,
                    at: at.clone(),
                    seq: e.seq,
                    expected,
                }
            });
        }
        if e.prev != last.hash {
            return Err(Break::Unchained {
                position,
                at: at.clone(),
                seq: e.seq,
            });
        }
        last = Head {
            seq: e.seq,
            hash: e.hash.clone(),
        };
        if e.seq == head.seq {
            at_head = Some(e.hash.clone());
        }
    }
    if last.seq < head.seq {
        return Err(Break::Truncated {
            last: last.seq,
            head: head.seq,
        });
    }
    if at_head.as_deref() != Some(head.hash.as_str()) {
        return Err(Break::HeadMismatch {
            last,
            head: head.clone(),
        });
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(i: u32) -> Fact {
        Fact {
            id: format!("01J{i:023}"),
            direction: if i.is_multiple_of(2) {
                Direction::Sent
            } else {
                Direction::Received
            },
            peer: "monitoring-is".into(),
            kind: "STATUS_REPORT".into(),
            category: 1,
            digest: hex::encode(Sha256::digest(i.to_be_bytes())),
            signer: "CN=bridge".into(),
            outcome: "delivered".into(),
        }
    }

    fn log(n: u32) -> (Vec<(String, Option<Entry>)>, Head) {
        let mut head = Head::default();
        let entries = (1..=n)
            .map(|i| {
                let e = head.chain(fact(i), format!("2024-02-29T23:59:{:02}+06:00", i % 60));
                (format!("{i}-0"), Some(e))
            })
            .collect();
        (entries, head)
    }

    #[test]
    fn mon_9_a_an_untouched_log_verifies_to_its_head() {
        let (entries, head) = log(5);
        assert_eq!(verify(&entries, &head), Ok(head.clone()));
        assert_eq!(verify(&[], &Head::default()), Ok(Head::default()));
        assert_eq!(Head::parse(&head.to_string()), Some(head));
    }

    #[test]
    fn mon_9_a_an_edited_entry_is_found_where_it_is() {
        let (mut entries, head) = log(5);
        entries[2].1.as_mut().unwrap().fact.peer = "elsewhere".into();
        assert!(matches!(
            verify(&entries, &head),
            Err(Break::Edited {
                position: 2,
                seq: Some(3),
                ..
            })
        ));
        // Edited with its hash recomputed: the next entry no longer follows it.
        let (mut entries, head) = log(5);
        let e = entries[2].1.as_mut().unwrap();
        e.fact.digest = GENESIS.into();
        e.hash = hash_of(e.seq, &e.fact, &e.at, &e.prev);
        assert!(matches!(
            verify(&entries, &head),
            Err(Break::Unchained {
                position: 3,
                seq: 4,
                ..
            })
        ));
        // Unreadable.
        let (mut entries, head) = log(3);
        entries[1].1 = None;
        assert!(matches!(
            verify(&entries, &head),
            Err(Break::Edited {
                position: 1,
                seq: None,
                ..
            })
        ));
    }

    #[test]
    fn mon_9_a_removed_and_reordered_entries_are_named() {
        let (mut entries, head) = log(6);
        entries.drain(2..4);
        let b = verify(&entries, &head).unwrap_err();
        assert_eq!(
            b,
            Break::Removed {
                position: 2,
                from: 3,
                to: 4
            }
        );
        assert_eq!(
            b.to_string(),
            "entries 3 to 4 were removed (before position 2)"
        );
        let (mut entries, head) = log(6);
        entries.swap(1, 4);
        assert!(matches!(
            verify(&entries, &head),
            Err(Break::Reordered {
                position: 1,
                seq: 5,
                expected: 2,
                ..
            })
        ));
        // Entries appended after the head was read chain on from it.
        let (entries, mut head) = log(6);
        head.seq = 4;
        head.hash = entries[3].1.as_ref().unwrap().hash.clone();
        assert_eq!(verify(&entries, &head).map(|h| h.seq), Ok(6));
        head.hash = GENESIS.into();
        assert!(matches!(
            verify(&entries, &head),
            Err(Break::HeadMismatch { .. })
        ));
        let (mut entries, head) = log(6);
        entries.truncate(4);
        assert_eq!(
            verify(&entries, &head),
            Err(Break::Truncated { last: 4, head: 6 })
        );
    }

    #[test]
    fn mon_10_the_time_of_an_entry_is_part_of_what_is_hashed() {
        let (mut entries, head) = log(2);
        entries[0].1.as_mut().unwrap().at = "2024-03-01T00:00:01+05:00".into();
        assert!(matches!(
            verify(&entries, &head),
            Err(Break::Edited { position: 0, .. })
        ));
    }

    #[test]
    fn fields_round_trip() {
        let (entries, _) = log(1);
        let e = entries[0].1.clone().unwrap();
        let fields = e.to_fields();
        let back =
            Entry::from_fields(|k| fields.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()));
        assert_eq!(back, Some(e));
    }
}
