//! The warp kit every service uses.
//!
//! - [`Problem`]: every error is `application/problem+json` (RFC 9457) naming the field and the
//!   rule id; [`recover`] turns any rejection into one.
//! - [`json_body`]: a JSON body with a size limit (413), a content type (415), and unknown
//!   fields refused by the target types (`#[serde(deny_unknown_fields)]`), errors naming the
//!   field path.
//! - [`ApiResponse`]: a JSON reply whose parts can be stored, so [`idempotent`] can replay it.
//! - [`query`]: a query string parsed into its type, errors naming the parameter.
//! - [`idempotent`]: `Idempotency-Key` on POST.
//! - [`health`]: `/healthz`, `/readyz`, `/metrics`.
//! - [`serve`]: hyper under warp, with request ids, HTTP metrics, `Allow` on every 405
//!   ([`Routes`]) and graceful shutdown.

mod allow;
mod body;
pub mod cursor;
mod health;
pub mod idempotency;
pub mod openapi;
mod problem;
mod reply;
mod server;

pub use allow::{Routes, UNMATCHED_ROUTE};
pub use body::{Json, Posted, idempotency_key, json_body, posted, query};
pub use health::{ReadyCheck, health, redis_ready};
pub use idempotency::idempotent;
pub use problem::{Problem, Violation, recover};
pub use reply::ApiResponse;
pub use server::{HttpMetrics, current_request_id, serve, shutdown_signal};

/// The default limit of a JSON request body (64 KiB): forms are small; documents travel as
/// references, not inline.
pub const DEFAULT_BODY_LIMIT: u64 = 64 * 1024;
