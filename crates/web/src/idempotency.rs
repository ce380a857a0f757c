//! `Idempotency-Key` on POST.

use std::future::Future;

use egov_store::idempotency::{Begin, IdempotencyRecords, StoredResponse};
use sha2::{Digest, Sha256};
use warp::http::StatusCode;

use crate::{ApiResponse, Problem};

/// Runs `run` at most once per (`scope`, `key`): a replay with the same method, path and body
/// gets the first answer (with `Idempotent-Replayed: true`); the same key with anything else is
/// a 422; a replay while the first is still running is a 409. Answers of 5xx are not kept, so a
/// retry runs again. Without a key, `run` just runs.
///
/// `scope` is the caller's identity (agency and subject), so two callers never share keys.
///
/// This takes two round trips to Redis besides `run`'s (the reservation, the record of the
/// answer). A request whose effect is one append keeps its answer in that append instead
/// (`Store::append_answered`, run under [`answering`]).
pub async fn idempotent<F, Fut>(
    records: &IdempotencyRecords,
    scope: &str,
    key: Option<&str>,
    method: &str,
    path: &str,
    body: &[u8],
    run: F,
) -> ApiResponse
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<ApiResponse, Problem>>,
{
    let Some(key) = key else {
        return run().await.unwrap_or_else(Into::into);
    };
    let fp = fingerprint(method, path, body);
    reserved(records, &records.record_key(scope, key), &fp, run).await
}

/// [`idempotent`] with the record at `record` (a key of the caller's, e.g. where the aggregate
/// the request makes will be) for a request of fingerprint `fp`: reserves it, runs `run`, keeps
/// the answer (not a 5xx), or answers from the record found.
pub async fn reserved<F, Fut>(
    records: &IdempotencyRecords,
    record: &str,
    fp: &str,
    run: F,
) -> ApiResponse
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<ApiResponse, Problem>>,
{
    match records.begin_at(record, fp).await {
        Err(e) => unavailable(&e),
        Ok(Begin::Started) => {
            let resp = run().await.unwrap_or_else(Into::into);
            let Some(stored) = kept(&resp) else {
                if let Err(e) = records.release_at(record, fp).await {
                    tracing::warn!(error = %e, "could not release an idempotency key; it expires by itself");
                }
                return resp;
            };
            if let Err(e) = records.finish_at(record, fp, &stored).await {
                tracing::warn!(error = %e, "could not store an idempotent response");
            }
            resp
        }
        Ok(found) => recorded(found).unwrap_or_else(|| Problem::internal().into()),
    }
}

/// [`idempotent`] for a request whose effect is one append that keeps its answer itself, at
/// `record` (`Store::append_answered` at the request's name): `run` runs without a
/// reservation, and what it answers is kept by its append (or is the record that append found,
/// [`replayed`]). A problem it returns wrote nothing: that answer is kept afterwards (not a
/// 5xx), unless the key has a record by then, which answers instead. Two requests under one
/// key may both run up to the append, where the first one's record answers the second.
pub async fn answering<F, Fut>(
    records: &IdempotencyRecords,
    record: &str,
    fp: &str,
    run: F,
) -> ApiResponse
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<ApiResponse, Problem>>,
{
    let resp = match run().await {
        Ok(resp) => return resp,
        Err(problem) => ApiResponse::from(problem),
    };
    let stored = kept(&resp);
    match records.answered_at(record, fp, stored.as_ref()).await {
        Ok(Begin::Started) => resp,
        Ok(had) => recorded(had).unwrap_or(resp),
        // A 5xx is not kept: it stands.
        Err(_) if stored.is_none() => resp,
        Err(e) => unavailable(&e),
    }
}

/// The answer to a request of fingerprint `fp` from the record an answered append found
/// (`Answered::Recorded`): the first answer, or the key's reuse.
pub fn replayed(record: &str, fp: &str) -> ApiResponse {
    match egov_store::idempotency::found(record, fp) {
        Ok(had) => recorded(had).unwrap_or_else(|| Problem::internal().into()),
        Err(e) => {
            tracing::error!(error = %e, "an idempotency record does not parse");
            Problem::internal().into()
        }
    }
}

/// A request's fingerprint: its method, path and body (each length-prefixed, hashed).
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    for part in [method.as_bytes(), path.as_bytes(), body] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    hex::encode(h.finalize())
}

/// What is kept of `resp` as the answer to replay: everything but a 5xx (a retry runs again).
pub fn kept(resp: &ApiResponse) -> Option<StoredResponse> {
    if resp.status.is_server_error() {
        return None;
    }
    let mut headers = resp.headers.clone();
    let ct = if resp.problem {
        "application/problem+json"
    } else {
        "application/json"
    };
    headers.push(("content-type".into(), ct.into()));
    Some(StoredResponse {
        status: resp.status.as_u16(),
        headers,
        body: resp.body.clone(),
    })
}

/// The answer to a request whose key has a record (`None` for [`Begin::Started`]): the first
/// answer with `Idempotent-Replayed: true`, a 422 for a key used with another request, a 409
/// while that request runs.
pub fn recorded(found: Begin) -> Option<ApiResponse> {
    Some(match found {
        Begin::Started => return None,
        Begin::Replay(stored) => {
            let mut r = ApiResponse {
                status: StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK),
                headers: stored.headers,
                body: stored.body,
                problem: false,
            };
            r.problem = r
                .headers
                .iter()
                .any(|(k, v)| k == "content-type" && v.contains("problem"));
            r.headers.retain(|(k, _)| k != "content-type");
            r.header("idempotent-replayed", "true")
        }
        Begin::Mismatch => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "Idempotency-Key reused with a different request",
        )
        .field("Idempotency-Key")
        .detail("this key was first used with another method, path or body; use a new key")
        .into(),
        Begin::InProgress => {
            Problem::conflict("a request with this Idempotency-Key is still running; retry later")
                .field("Idempotency-Key")
                .into()
        }
    })
}

/// The answer when the key's record cannot be read or written (a 503: retry).
pub fn unavailable(e: &egov_store::StoreError) -> ApiResponse {
    tracing::error!(error = %e, "idempotency record unavailable");
    Problem::unavailable("cannot check the Idempotency-Key now; retry").into()
}
