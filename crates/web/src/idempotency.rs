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
    let mut h = Sha256::new();
    for part in [method.as_bytes(), path.as_bytes(), body] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    let fp = hex::encode(h.finalize());
    match records.begin(scope, key, &fp).await {
        Err(e) => {
            tracing::error!(error = %e, "idempotency record unavailable");
            Problem::unavailable("cannot check the Idempotency-Key now; retry").into()
        }
        Ok(Begin::Replay(stored)) => {
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
        Ok(Begin::Mismatch) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "Idempotency-Key reused with a different request",
        )
        .field("Idempotency-Key")
        .detail("this key was first used with another method, path or body; use a new key")
        .into(),
        Ok(Begin::InProgress) => {
            Problem::conflict("a request with this Idempotency-Key is still running; retry later")
                .field("Idempotency-Key")
                .into()
        }
        Ok(Begin::Started) => {
            let resp = run().await.unwrap_or_else(Into::into);
            if resp.status.is_server_error() {
                if let Err(e) = records.release(scope, key, &fp).await {
                    tracing::warn!(error = %e, "could not release an idempotency key; it expires by itself");
                }
                return resp;
            }
            let mut headers = resp.headers.clone();
            let ct = if resp.problem {
                "application/problem+json"
            } else {
                "application/json"
            };
            headers.push(("content-type".into(), ct.into()));
            let stored = StoredResponse {
                status: resp.status.as_u16(),
                headers,
                body: resp.body.clone(),
            };
            if let Err(e) = records.finish(scope, key, &fp, &stored).await {
                tracing::warn!(error = %e, "could not store an idempotent response");
            }
            resp
        }
    }
}
