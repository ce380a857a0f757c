//! expertise's HTTP API.

mod cases;
mod openapi;
mod tasks;

use std::sync::Arc;

use warp::{Filter, Rejection, Reply};

use crate::Ctx;

pub(crate) use openapi::openapi;

/// Every route of expertise's API.
pub(crate) fn routes(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    tasks::list(ctx.clone())
        .or(tasks::get(ctx.clone()))
        .or(tasks::complete(ctx.clone()))
        .or(cases::give(ctx.clone()))
        .or(cases::slot(ctx.clone()))
        .or(cases::progress(ctx))
}
