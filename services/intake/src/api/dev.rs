//! `GET|PUT /api/v1/dev/clock`: the clock of a development suite (`egov up`, the tests), which a
//! platform administrator may move, so that `egov demo` can replay months of legal terms (a
//! tender's windows) in minutes. Served only when the platform has such a clock; a deployment
//! (`egov serve`) has none and answers 404.

use std::sync::Arc;

use egov_auth::Principal;
use egov_kernel::{Role, time};
use egov_web::{ApiResponse, Posted, Problem};
use serde::Deserialize;
use serde_json::json;
use warp::http::StatusCode;
use warp::{Filter, Rejection};

use crate::Ctx;

/// What a move says: the local instant to move to, or `null` to go back to the wall.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Move {
    /// Required (a body without it is not taken as `null`).
    #[serde(deserialize_with = "present")]
    now: Option<String>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

/// The years a development clock may be moved to: those any procedure's dates are plausible
/// in (a clock in 1800 or 9999 would only put every term and calendar look-up out of range).
const YEARS: std::ops::RangeInclusive<i16> = 2000..=2100;

/// The year an RFC 3339 instant is written in (its first four digits).
fn written_year(s: Option<&str>) -> Option<i16> {
    s?.get(..4)?.parse().ok()
}

/// The pattern of an instant written in [`YEARS`].
pub(crate) const YEARS_PATTERN: &str = "^(20[0-9]{2}|2100)-";

fn enabled(ctx: &Arc<Ctx>) -> impl Filter<Extract = (), Error = Rejection> + Clone + use<> {
    let on = ctx.platform.dev_clock.is_some();
    warp::any()
        .and_then(move || async move {
            if on {
                Ok(())
            } else {
                Err(warp::reject::not_found())
            }
        })
        .untuple_one()
}

fn now(ctx: &Ctx) -> ApiResponse {
    ApiResponse::json(
        StatusCode::OK,
        &json!({"now": time::format(ctx.platform.clock.now()), "today": ctx.platform.clock.today().to_string()}),
    )
}

/// The routes, each refusing every caller but a platform administrator.
pub(crate) fn routes(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    let get = {
        let ctx = ctx.clone();
        warp::path!("api" / "v1" / "dev" / "clock")
            .and(warp::get())
            .and(enabled(&ctx))
            .and(egov_auth::require(
                ctx.platform.verifier.clone(),
                &[Role::PlatformAdmin],
            ))
            .map(move |_: Principal| now(&ctx))
    };
    let put = warp::path!("api" / "v1" / "dev" / "clock")
        .and(warp::put())
        .and(enabled(&ctx))
        .and(egov_auth::require(ctx.platform.verifier.clone(), &[Role::PlatformAdmin]))
        .and(egov_web::posted::<Move>(1024))
        .map(move |p: Principal, m: Posted<Move>| {
            let to = match m.body.value.now.as_deref().map(time::parse) {
                None => None,
                // The year as written (the schema's pattern states it); its local year is
                // at most a day off, as far from the ends of jiff's range.
                Some(Ok(ts)) if written_year(m.body.value.now.as_deref()).is_some_and(|y| YEARS.contains(&y)) => Some(ts),
                Some(Ok(_)) => {
                    return Problem::bad_request(format!(
                        "{} is outside the years {} to {} a development clock is moved in",
                        m.body.value.now.as_deref().unwrap_or_default(),
                        YEARS.start(),
                        YEARS.end()
                    ))
                    .field("now")
                    .into();
                }
                Some(Err(e)) => {
                    return Problem::bad_request(format!("not an RFC 3339 instant with its offset: {e}"))
                        .field("now")
                        .into();
                }
            };
            if !ctx.platform.move_clock(to) {
                return Problem::not_found("no development clock").into();
            }
            tracing::warn!(by = %p.sub, now = %time::format(ctx.platform.clock.now()), "the development clock was moved");
            now(&ctx)
        });
    get.or(put).unify()
}
