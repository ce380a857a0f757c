//! `Idempotency-Key` records: a replay of the same key and body gets the first answer; the
//! same key with another body is refused; a request still running holds the key.
//!
//! A record is `egov:idem:{<service>:<sha256 of scope and key>}` (its own hash tag: one-key
//! operations only), or, for records placed in a store's partitions
//! ([`IdempotencyRecords::answering_in`]), the store's answer key of the request's name
//! (`egov:{svc.p}:answer:<service>:<sha256 of scope and key>`), where an append of an aggregate
//! in that partition can keep the answer with its effect ([`crate::Store::append_answered`]).
//! JSON: the request fingerprint and, once finished, the response. While the first
//! request runs, the record is a reservation that expires after `lock_ttl`, so a crashed
//! request frees its key. A finished record lives `ttl` (24 h by default).

use std::sync::LazyLock;
use std::time::Duration;

use egov_bus::{Conn, Topic};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::StoreError;

/// A stored response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers worth replaying (content type, location, ETag).
    pub headers: Vec<(String, String)>,
    /// The body (JSON text).
    pub body: String,
}

#[derive(Deserialize)]
struct Record {
    fingerprint: String,
    response: Option<StoredResponse>,
}

/// A record as written: borrows what it writes.
#[derive(Serialize)]
struct RecordRef<'a> {
    fingerprint: &'a str,
    response: Option<&'a StoredResponse>,
}

/// What `begin` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Begin {
    /// The key is new: the caller runs the request, then calls `finish` or `release`.
    Started,
    /// The same request finished before: answer with this.
    Replay(StoredResponse),
    /// The same key is in use by a request with another body (or method, or path).
    Mismatch,
    /// The same request is still running.
    InProgress,
}

/// The record of a finished request: its fingerprint and the answer, as [`IdempotencyRecords`]
/// keeps it and as [`crate::Store::append_answered`] keeps it with the aggregate it wrote.
pub fn finished_record(fingerprint: &str, response: &StoredResponse) -> String {
    serde_json::to_string(&RecordRef {
        fingerprint,
        response: Some(response),
    })
    .expect("a record serializes")
}

/// What a record found under a request's key means for a request with `fingerprint`: the first
/// answer, the key used for another request, or that request still running.
pub fn found(record: &str, fingerprint: &str) -> Result<Begin, StoreError> {
    let rec: Record = serde_json::from_str(record)?;
    Ok(match rec.response {
        _ if rec.fingerprint != fingerprint => Begin::Mismatch,
        Some(resp) => Begin::Replay(resp),
        None => Begin::InProgress,
    })
}

/// Replace the reservation with the response, only if the reservation is still ours.
/// KEYS[1] record; ARGV reservation JSON, final JSON, ttl ms.
static FINISH: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"#,
    )
});

/// Delete the reservation, only if it is still ours. KEYS[1] record; ARGV reservation JSON.
static RELEASE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"#,
    )
});

/// The idempotency records of one service.
#[derive(Clone)]
pub struct IdempotencyRecords {
    conn: Conn,
    service: String,
    /// How long a finished record is kept.
    pub ttl: Duration,
    /// How long a running request holds its key.
    pub lock_ttl: Duration,
    /// The topic whose partitions hold the records, if placed in a store's.
    placed: Option<Topic>,
}

impl IdempotencyRecords {
    /// Records for `service`, kept 24 h, reservations held 60 s.
    pub fn new(conn: Conn, service: impl Into<String>) -> Self {
        Self {
            conn,
            service: service.into(),
            ttl: Duration::from_secs(24 * 3600),
            lock_ttl: Duration::from_secs(60),
            placed: None,
        }
    }

    /// These records, kept at `store`'s answer keys ([`crate::Store::answer_key`] of
    /// [`IdempotencyRecords::request_name`]): an append of `store` in the partition of a
    /// request's name can then keep the request's answer in its own step
    /// ([`crate::Store::append_answered`]), and every other request of the service under a key
    /// finds that record, so one key has one record per service whichever way it was kept.
    pub fn answering_in(mut self, store: &crate::Store) -> Self {
        self.placed = Some(store.topic().clone());
        self
    }

    /// The name of the request under `key` sent by `scope`: the service and a digest of both.
    /// Scope (from a token) and key (from a header) are hashed, so no character a caller
    /// chooses (a `}` say) can move the record to another key or hash slot, and two (scope, key)
    /// pairs never meet by concatenation.
    pub fn request_name(&self, scope: &str, key: &str) -> String {
        let mut h = Sha256::new();
        for part in [scope, key] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        format!("{}:{}", self.service, hex::encode(h.finalize()))
    }

    /// The record's key for `key` sent by `scope` (see the module docs).
    pub fn record_key(&self, scope: &str, key: &str) -> String {
        self.record_key_of(&self.request_name(scope, key))
    }

    /// The record's key of the request named `name` ([`IdempotencyRecords::request_name`]).
    pub fn record_key_of(&self, name: &str) -> String {
        match &self.placed {
            Some(topic) => crate::answer_key(topic, name).expect("a request name is a key part"),
            None => format!("egov:idem:{{{name}}}"),
        }
    }

    fn reservation(fingerprint: &str) -> String {
        serde_json::to_string(&RecordRef {
            fingerprint,
            response: None,
        })
        .expect("a record serializes")
    }

    /// Starts a request under `key` for `scope` (the caller's identity), or reports the record.
    pub async fn begin(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
    ) -> Result<Begin, StoreError> {
        self.begin_at(&self.record_key(scope, key), fingerprint)
            .await
    }

    /// [`IdempotencyRecords::begin`] with the record at `record` (a key of the caller's: a
    /// `Store::answer_key`).
    pub async fn begin_at(&self, record: &str, fingerprint: &str) -> Result<Begin, StoreError> {
        // Reserves the key if free (nil), else answers the record and leaves it: one command,
        // no script (`NX` with `GET` needs Redis 7.0).
        let found: Option<String> = redis::cmd("SET")
            .arg(record)
            .arg(Self::reservation(fingerprint))
            .arg("NX")
            .arg("PX")
            .arg(self.lock_ttl.as_millis() as u64)
            .arg("GET")
            .query_async(&mut self.conn.clone())
            .await?;
        match found {
            None => Ok(Begin::Started),
            Some(record) => self::found(&record, fingerprint),
        }
    }

    /// Records the response of a started request. Returns false if the reservation had expired.
    pub async fn finish(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        response: &StoredResponse,
    ) -> Result<bool, StoreError> {
        self.finish_at(&self.record_key(scope, key), fingerprint, response)
            .await
    }

    /// [`IdempotencyRecords::finish`] with the record at `record`.
    pub async fn finish_at(
        &self,
        record: &str,
        fingerprint: &str,
        response: &StoredResponse,
    ) -> Result<bool, StoreError> {
        let n: i64 = FINISH
            .key(record)
            .arg(Self::reservation(fingerprint))
            .arg(finished_record(fingerprint, response))
            .arg(self.ttl.as_millis() as u64)
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(n == 1)
    }

    /// Frees the key of a started request that failed (so that a retry runs it again).
    pub async fn release(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
    ) -> Result<(), StoreError> {
        self.release_at(&self.record_key(scope, key), fingerprint)
            .await
    }

    /// [`IdempotencyRecords::release`] with the record at `record`.
    pub async fn release_at(&self, record: &str, fingerprint: &str) -> Result<(), StoreError> {
        let _: i64 = RELEASE
            .key(record)
            .arg(Self::reservation(fingerprint))
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(())
    }

    /// For a request that ran without a reservation and wrote nothing (a refusal), at `record`:
    /// keeps `response` unless the key has a record (`None`, a 5xx, is not kept), and answers
    /// what the key had ([`Begin::Started`]: nothing). One command.
    pub async fn answered_at(
        &self,
        record: &str,
        fingerprint: &str,
        response: Option<&StoredResponse>,
    ) -> Result<Begin, StoreError> {
        let cmd = match response {
            Some(r) => {
                let mut c = redis::cmd("SET");
                c.arg(record)
                    .arg(finished_record(fingerprint, r))
                    .arg("NX")
                    .arg("PX")
                    .arg(self.ttl.as_millis() as u64)
                    .arg("GET");
                c
            }
            None => {
                let mut c = redis::cmd("GET");
                c.arg(record);
                c
            }
        };
        let had: Option<String> = cmd.query_async(&mut self.conn.clone()).await?;
        match had {
            None => Ok(Begin::Started),
            Some(r) => found(&r, fingerprint),
        }
    }
}
