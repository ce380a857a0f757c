//! intake's HTTP API.

mod cases;
mod dev;
mod openapi;
mod procedures;

use std::sync::Arc;

use warp::{Filter, Rejection, Reply};

use crate::Ctx;

pub(crate) use openapi::openapi;

/// Every route of intake's API.
pub(crate) fn routes(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    cases::submit(ctx.clone())
        .or(cases::get(ctx.clone()))
        .or(dev::routes(ctx.clone()))
        .or(procedures::list(ctx))
}
