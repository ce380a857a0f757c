//! Cases on the engine at the edge, shared by every service that hosts steps.
//!
//! A variant's step names the service that owns it (`step.service`: expertise, tender or
//! catalog). Each of them mounts [`routes`] with its own name: its worklist holds only the
//! tasks of the steps it owns (the per-party worklist indexes are per service), and a task of
//! another service's step is not acted on here (the answer names the service that serves it).
//! Input into open cases and a case's progress are the case's, and every host serves them.
//!
//! The case aggregate is one: it lives in the store of its home ([`HOME`], expertise, which
//! starts cases from intake's submissions and runs their deadlines and timers), so every input,
//! whichever service takes it, is one `react` of the case's variant and one atomic append of the
//! case with its `CaseAdvanced` event on the home's topic (optimistic concurrency on the case's
//! version). The event's source is the service that took the input.

mod cases;
mod domain;
mod event;
mod openapi;
mod tasks;

use std::sync::Arc;

use egov_runtime::Platform;
use egov_store::Store;
use egov_store::idempotency::IdempotencyRecords;
use warp::{Filter, Rejection, Reply};

pub use cases::give_as;
pub use domain::{
    APPROACHING, AdvanceError, Advanced, CASE, MISSED, advance, load, task_id, variant,
    working_days_left,
};
pub use event::Actor;
pub use openapi::document as openapi;

/// The service whose store keeps the cases and whose topic carries their history.
pub const HOME: &str = "expertise";

/// The services that may own steps (`step.service`).
pub use egov_procedure::STEP_HOSTS;

/// One step-hosting service's view of the cases.
pub struct Host {
    /// The platform.
    pub platform: Platform,
    /// The cases' store (the home's).
    pub store: Store,
    /// The hosting service's `Idempotency-Key` records, at the answer keys of the cases' store
    /// ([`IdempotencyRecords::answering_in`]): a completion's append keeps its answer.
    pub idem: IdempotencyRecords,
    /// The hosting service: it serves the tasks of the steps it owns.
    pub service: &'static str,
}

impl Host {
    /// The cases as `service` hosts them.
    pub fn new(platform: &Platform, service: &'static str) -> Arc<Self> {
        debug_assert!(STEP_HOSTS.contains(&service), "{service} hosts no steps");
        let store = platform.store(HOME);
        Arc::new(Self {
            idem: IdempotencyRecords::new(platform.bus.connection(), service).answering_in(&store),
            store,
            platform: platform.clone(),
            service,
        })
    }
}

/// The routes of the cases' API as `host` serves them: worklist, task, completion (its own
/// steps), slot input and view, progress.
pub fn routes(host: Arc<Host>) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    tasks::list(host.clone())
        .or(tasks::get(host.clone()))
        .or(tasks::complete(host.clone()))
        .or(cases::give(host.clone()))
        .or(cases::replace(host.clone()))
        .or(cases::withdraw(host.clone()))
        .or(cases::slot(host.clone()))
        .or(cases::progress(host))
}
