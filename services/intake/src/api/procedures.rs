//! `GET /api/v1/procedures`: the procedure variants this suite runs, and the state of every
//! plugin revision it has seen (loaded, or refused and why), for agencies and operators.

use std::sync::Arc;

use egov_auth::Principal;
use egov_web::ApiResponse;
use serde_json::{Value, json};
use warp::http::StatusCode;
use warp::{Filter, Rejection};

use crate::Ctx;

pub(crate) fn list(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "procedures")
        .and(warp::get())
        .and(egov_auth::authenticated(ctx.platform.verifier.clone()))
        .map(move |_: Principal| {
            let variants: Vec<Value> = ctx
                .platform
                .definitions
                .all()
                .iter()
                .map(|d| {
                    json!({
                        "id": d.id, "kind": d.kind, "version": d.version, "title": d.title,
                        "effective_from": d.effective_from, "effective_to": d.effective_to,
                        "legal_basis": d.legal_basis, "intake": format!("/api/v1/{}", d.intake.path),
                        "sha256": d.digest,
                    })
                })
                .collect();
            let revisions = ctx.platform.definitions.statuses();
            ApiResponse::json(StatusCode::OK, &json!({"variants": variants, "revisions": revisions}))
        })
}
