//! `GET /api/v1/procedures`: the procedure variants this suite runs, for every caller with a
//! role; and, for platform admins and the operator, the state of every plugin revision seen
//! (loaded, or refused and why), with manifest file names and no server paths.

use std::sync::Arc;

use egov_auth::Principal;
use egov_kernel::Role;
use egov_web::ApiResponse;
use serde_json::{Value, json};
use warp::http::StatusCode;
use warp::{Filter, Rejection};

use crate::Ctx;

/// Who sees the plugin revisions (and why each failed): those who run the platform.
const OPERATORS: &[Role] = &[Role::PlatformAdmin, Role::Operator];

pub(crate) fn list(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "procedures")
        .and(warp::get())
        .and(egov_auth::require(
            ctx.platform.verifier.clone(),
            &Role::ALL,
        ))
        .map(move |p: Principal| {
            let variants: Vec<Value> = ctx
                .platform
                .definitions
                .all()
                .iter()
                .map(|d| {
                    json!({
                        "id": d.id, "kind": d.kind, "version": d.version, "title": d.title,
                        "effective_from": d.effective_from, "effective_to": d.effective_to,
                        "legal_basis": d.legal_basis, "intake": d.intakes.first().map(|i| format!("/api/v1/{}", i.path)),
                        "intakes": d.intakes.iter().map(|i| json!({"name": i.name, "title": i.title, "path": format!("/api/v1/{}", i.path), "role": i.role, "rule": i.rule})).collect::<Vec<_>>(),
                        "contract": format!("{:?}", d.contract),
                        "sha256": d.digest,
                    })
                })
                .collect();
            let mut body = json!({"variants": variants});
            if OPERATORS.iter().any(|r| p.has(*r)) {
                let revisions: Vec<Value> = ctx
                    .platform
                    .definitions
                    .statuses()
                    .into_iter()
                    .map(|s| {
                        let path = std::path::Path::new(&s.manifest);
                        let dir = path
                            .parent()
                            .map(|d| d.display().to_string())
                            .filter(|d| !d.is_empty());
                        let name = path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        // Errors may quote the files they could not read: keep names, drop
                        // the server's directories.
                        let error = s.error.map(|e| match &dir {
                            Some(d) => e.replace(&format!("{d}/"), "").replace(d, ""),
                            None => e,
                        });
                        json!({"manifest": name, "digest": s.digest, "state": s.state,
                               "variant": s.variant, "error": error})
                    })
                    .collect();
                body["revisions"] = json!(revisions);
            }
            ApiResponse::json(StatusCode::OK, &body)
        })
}
