//! catalog's HTTP API: its status, and the cases' API (`egov-cases`) for the steps catalog owns.

use std::sync::Arc;

use serde_json::{Value, json};
use warp::{Filter, Rejection, Reply};

/// `GET /api/v1/status`: what this service is and which topics it will read (`reads`; no
/// consumer group is attached until it has handlers); the worklist and actions of its steps.
pub(crate) fn routes(
    host: Arc<egov_cases::Host>,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "status")
        .and(warp::get())
        .map(|| {
            warp::reply::json(&json!({"service": crate::NAME, "reads": crate::READS, "version": env!("CARGO_PKG_VERSION")}))
        })
        .or(egov_cases::routes(host))
}

pub(crate) fn openapi() -> Value {
    egov_cases::openapi(
        crate::NAME,
        env!("CARGO_PKG_VERSION"),
        json!({"/api/v1/status": {"get": {
            "summary": "The service and the topics it reads",
            "responses": {"200": {"description": "{service, reads, version}"}}}}}),
    )
}
