//! catalog's HTTP API.

use serde_json::{Value, json};
use warp::{Filter, Rejection, Reply};

/// `GET /api/v1/status`: what this service is and which topics it will read (`reads`; no
/// consumer group is attached until it has handlers).
pub(crate) fn routes() -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "status").and(warp::get()).map(|| {
        warp::reply::json(&json!({"service": crate::NAME, "reads": crate::READS, "version": env!("CARGO_PKG_VERSION")}))
    })
}

pub(crate) fn openapi() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "egov catalog", "version": env!("CARGO_PKG_VERSION")},
        "paths": {"/api/v1/status": {"get": {
            "summary": "The service and the topics it reads",
            "responses": {"200": {"description": "{service, reads, version}"}}}}}
    })
}
