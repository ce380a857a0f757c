//! Worklists and step completion: the HTTP edge of the engine. A task lives in its case
//! aggregate; a worklist is a per-party index of task ids scored by the end of their term.

use std::sync::Arc;

use egov_auth::Principal;
use egov_engine::{Case, Input, Party, Task, TaskStatus};
use egov_kernel::{Line, Name, Role, TaskId, Text, time};
use egov_procedure::StepInputs;
use egov_store::idempotency::finished_record;
use egov_store::{Answer, StoreError};
use egov_web::{ApiResponse, Posted, Problem, Violation, idempotency};
use serde::Deserialize;
use serde_json::{Value, json};
use warp::http::StatusCode;
use warp::{Filter, Rejection};

use crate::Host as Ctx;
use crate::domain::{self, AdvanceError, Advanced, Decided};
use crate::event::Actor;

/// Roles that act on steps. A state body acts only on its own cases' steps (e.g. PL-10).
const ACTORS: &[Role] = &[
    Role::StateBody,
    Role::AuthorizedBody,
    Role::ServiceIntegrator,
    Role::StateTechnicalService,
    Role::Operator,
    Role::Commission,
    // A supplier acts on the tasks given to it by BIN (e.g. LC-17.b's warranty service); the
    // party check shows each supplier only its own.
    Role::Supplier,
];

/// The largest worklist page.
const MAX_PAGE: usize = 200;

fn store_problem(e: StoreError) -> Problem {
    match e {
        StoreError::Conflict { .. } => Problem::new(
            StatusCode::PRECONDITION_FAILED,
            "stale",
            "The case changed meanwhile",
        )
        .detail("reload the task and decide again")
        .field("If-Match"),
        other => egov_runtime::store_problem(other),
    }
}

/// The variant's refusal of an input: a 422 naming every field and rule.
pub(super) fn refused(v: Vec<egov_engine::Violation>) -> Problem {
    Problem::invalid(
        v.into_iter()
            .map(|v| Violation {
                field: v.field,
                rule: Some(v.rule).filter(|r| !r.is_empty()),
                message: v.message,
            })
            .collect(),
    )
}

pub(super) fn advance_problem(e: AdvanceError) -> Problem {
    match e {
        AdvanceError::Store(e) => store_problem(e),
        AdvanceError::Plugin(e) => egov_runtime::plugin_problem(&e),
        AdvanceError::Variant(e) => Problem::unavailable(e.to_string()),
        AdvanceError::Apply(e) => {
            tracing::error!(error = %e, "a variant's reaction could not be applied");
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "plugin-contract",
                "The procedure variant failed",
            )
            .detail(format!("{e}; nothing was recorded"))
        }
    }
}

/// The task as its actor sees it, with days left computed now by the calendar.
fn view(ctx: &Ctx, case: &Case, t: &Task) -> Value {
    let now = ctx.platform.clock.now();
    let today = time::local_date(now);
    let due = t.due.as_ref().map(|d| {
        let ends = time::parse(&d.ends_at).ok();
        json!({
            "last_day": d.last_day,
            "ends_at": d.ends_at,
            "provisional": d.provisional,
            "working_days_left": domain::working_days_left(&ctx.platform.calendar, today, d.last_day),
            "overdue": t.status == TaskStatus::Open && ends.is_some_and(|e| now >= e),
            "approaching": t.approaching_notified,
            "missed": t.missed_notified,
        })
    });
    let outcomes: Vec<Value> = domain::variant(ctx, case)
        .ok()
        .and_then(|d| d.step(t.key.step().as_str()).cloned())
        .map(|s| {
            s.outcomes
                .iter()
                .map(|o| json!({"name": o.name, "title": o.title, "requires_reasons": o.requires_reasons}))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "id": domain::task_id(case, &t.key), "case_id": case.id, "org": case.org,
        "step": t.key.step(), "key": t.key, "title": t.title,
        "role": t.party.role, "party": t.party, "service": t.service, "rule": t.rule, "opened_at": t.opened_at,
        "due": due, "status": t.status, "outcome": t.outcome, "completed_at": t.done_at,
        "outcomes": outcomes,
        "variant": {"id": case.variant.id, "version": case.variant.version, "sha256": case.variant.digest},
    })
}

fn actor(ctx: &Arc<Ctx>) -> impl Filter<Extract = (Principal,), Error = Rejection> + Clone + use<> {
    egov_auth::require(ctx.platform.verifier.clone(), ACTORS)
}

/// A worklist page: `?limit=N&after=<cursor>`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Page {
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    after: Option<String>,
}

/// A cursor: the score and the task id of the last item of the previous page.
fn parse_cursor(s: &str) -> Option<(f64, TaskId)> {
    let (score, id) = egov_web::cursor::parse(s, |m| m.parse::<TaskId>().is_ok())?;
    Some((score, id.parse().ok()?))
}

/// `GET /api/v1/tasks`: the open tasks of the caller's parties (each role, and each role for
/// the caller's agency) in the steps this service owns, soonest end of term first, a page at a
/// time from the per-party indexes (no scan of every open task).
pub(crate) fn list(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "tasks")
        .and(warp::get())
        .and(actor(&ctx))
        .and(egov_web::query::<Page>())
        .then(move |p: Principal, page: Page| {
            let ctx = ctx.clone();
            async move { worklist(&ctx, &p, page).await.unwrap_or_else(Into::into) }
        })
}

async fn worklist(ctx: &Ctx, p: &Principal, page: Page) -> Result<ApiResponse, Problem> {
    let limit = page.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Problem::bad_request(format!("limit is 1 to {MAX_PAGE}")).field("limit"));
    }
    let after =
        match page.after.as_deref() {
            None => None,
            Some(c) => Some(parse_cursor(c).ok_or_else(|| {
                Problem::bad_request("not a cursor of this worklist").field("after")
            })?),
        };
    let after_ref = after.as_ref().map(|(s, id)| (*s, id.to_string()));
    let mut entries: Vec<(String, f64)> = Vec::new();
    let mut more = false;
    for role in p.roles.iter().filter(|r| ACTORS.contains(r)) {
        for party in [Party::role(*role), Party::of(*role, p.org)] {
            let (page, m) = ctx
                .store
                .scored_page(
                    &party.worklist(ctx.service),
                    after_ref.as_ref().map(|(s, id)| (*s, id.as_str())),
                    limit,
                )
                .await
                .map_err(store_problem)?;
            more |= m;
            entries.extend(page);
        }
    }
    entries.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    entries.dedup_by(|a, b| a.0 == b.0);
    more |= entries.len() > limit;
    entries.truncate(limit);
    let mut items = Vec::with_capacity(entries.len());
    for (member, _) in &entries {
        let Ok(id) = member.parse::<TaskId>() else {
            continue;
        };
        let Some((case, _)) = domain::load(&ctx.store, id.case())
            .await
            .map_err(store_problem)?
        else {
            continue;
        };
        if let Some(t) = case.tasks.get(id.key())
            && t.status == TaskStatus::Open
            && t.service == ctx.service
            && visible(t, p)
        {
            items.push(view(ctx, &case, t));
        }
    }
    let next = more
        .then(|| entries.last().map(|(m, s)| egov_store::cursor(*s, m)))
        .flatten();
    Ok(ApiResponse::json(
        StatusCode::OK,
        &json!({"items": items, "next": next}),
    ))
}

/// A task is the caller's when the caller is its party: its role, and its agency when the
/// party is one (a state body acts on its own cases only).
fn visible(t: &Task, p: &Principal) -> bool {
    t.party.admits(p.roles.iter().copied(), &p.org)
}

fn bad_id(e: egov_kernel::IdError) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, "invalid-id", "Not a task id")
        .field("id")
        .detail(e.to_string())
}

/// The case and task of `id` if the task is the caller's, with the case's version.
async fn load_for(ctx: &Ctx, id: &TaskId, p: &Principal) -> Result<(Case, u64), Problem> {
    let not_found = || Problem::not_found(format!("no task {id} for your roles")).field("id");
    let (case, version) = domain::load(&ctx.store, id.case())
        .await
        .map_err(store_problem)?
        .ok_or_else(not_found)?;
    match case.tasks.get(id.key()) {
        // A task of another party is not the caller's to see.
        Some(t) if !visible(t, p) => Err(not_found()),
        Some(t) if t.service == ctx.service => Ok((case, version)),
        // The caller's task, of a step another service owns: that service serves it.
        Some(t) => Err(Problem::new(
            StatusCode::MISDIRECTED_REQUEST,
            "other-service",
            "The task is served by another service",
        )
        .field("id")
        .rule(t.rule.clone())
        .detail(format!(
            "task {id} is a step of the {} service: act on it at that service's /api/v1/tasks/{id}",
            t.service
        ))),
        None => Err(not_found()),
    }
}

/// `GET /api/v1/tasks/{id}`, with an `ETag` (the case's version) for `If-Match`.
pub(crate) fn get(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "tasks" / String)
        .and(warp::get())
        .and(actor(&ctx))
        .then(move |id: String, p: Principal| {
            let ctx = ctx.clone();
            async move {
                let id = match id.parse::<TaskId>() {
                    Ok(id) => id,
                    Err(e) => return bad_id(e).into(),
                };
                match load_for(&ctx, &id, &p).await {
                    Ok((case, v)) => {
                        ApiResponse::json(StatusCode::OK, &view(&ctx, &case, &case.tasks[id.key()]))
                            .header("etag", format!("\"{v}\""))
                    }
                    Err(e) => e.into(),
                }
            }
        })
}

/// The decision on a step.
#[derive(Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Completion {
    outcome: Name,
    #[serde(default)]
    note: Option<Text>,
    #[serde(default)]
    reasons: Vec<Line>,
    /// Facts given with the outcome, checked by the variant (a 1.x step takes them only
    /// through its `check`).
    #[serde(default)]
    inputs: StepInputs,
}

/// `POST /api/v1/tasks/{id}/complete`: completes a step with one of its outcomes.
///
/// Under an `Idempotency-Key` (the contract of `egov_web::idempotent`), the case's append keeps
/// the answer in the same atomic step when the key's record falls in the case's partition
/// (always with one partition): two round trips to Redis (the case, the append). Elsewhere the
/// key is reserved first and the answer kept after.
pub(crate) fn complete(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "tasks" / String / "complete")
        .and(warp::post())
        .and(actor(&ctx))
        .and(warp::header::optional::<String>("if-match"))
        .and(egov_web::posted::<Completion>(16 * 1024))
        .then(
            move |id: String, p: Principal, if_match: Option<String>, post: Posted<Completion>| {
                let ctx = ctx.clone();
                async move {
                    // The id is parsed before anything is recorded, the key's record too.
                    let id = match id.parse::<TaskId>() {
                        Ok(id) => id,
                        Err(e) => return bad_id(e).into(),
                    };
                    let if_match = if_match.as_deref();
                    let Posted {
                        path,
                        key,
                        body: egov_web::Json { value, raw },
                    } = post;
                    let Some(key) = key else {
                        return complete_task(&ctx, &id, &p, if_match, value, None)
                            .await
                            .unwrap_or_else(Into::into);
                    };
                    let scope = p.scope();
                    let fp = idempotency::fingerprint("POST", &path, &raw);
                    let name = ctx.idem.request_name(&scope, &key);
                    let record = ctx.idem.record_key_of(&name);
                    if !ctx.store.answers_with(&name, &id.case().to_string()) {
                        return idempotency::reserved(&ctx.idem, &record, &fp, || {
                            complete_task(&ctx, &id, &p, if_match, value, None)
                        })
                        .await;
                    }
                    let keyed = Keyed {
                        name: &name,
                        fp: &fp,
                    };
                    idempotency::answering(&ctx.idem, &record, &fp, || {
                        complete_task(&ctx, &id, &p, if_match, value, Some(keyed))
                    })
                    .await
                }
            },
        )
}

/// A request under an `Idempotency-Key` whose answer the case's append keeps.
#[derive(Clone, Copy)]
struct Keyed<'a> {
    /// The request's name (`IdempotencyRecords::request_name`), in the case's partition.
    name: &'a str,
    /// Its fingerprint.
    fp: &'a str,
}

/// How many times an input is tried when its case changed between the load and the append
/// (the scheduler, a timer or another party wrote it meanwhile) and the caller pinned no
/// version: each attempt reloads the case and decides afresh.
pub(crate) const ATTEMPTS: usize = 4;

/// Whether `e` is the case having changed meanwhile.
pub(crate) fn is_conflict(e: &AdvanceError) -> bool {
    matches!(e, AdvanceError::Store(StoreError::Conflict { .. }))
}

async fn complete_task(
    ctx: &Ctx,
    id: &TaskId,
    p: &Principal,
    if_match: Option<&str>,
    c: Completion,
    keyed: Option<Keyed<'_>>,
) -> Result<ApiResponse, Problem> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (case, version) = load_for(ctx, id, p).await?;
        if let Some(tag) = if_match
            && tag.trim().trim_start_matches("W/").trim_matches('"') != version.to_string()
        {
            return Err(Problem::new(
                StatusCode::PRECONDITION_FAILED,
                "stale",
                "The case changed meanwhile",
            )
            .field("If-Match")
            .detail(format!("the task's case is at version {version}")));
        }
        let task = &case.tasks[id.key()];
        if task.status != TaskStatus::Open {
            return Err(Problem::conflict(format!(
                "task {} was {} already",
                id.key(),
                if task.status == TaskStatus::Completed {
                    "completed"
                } else {
                    "withdrawn"
                }
            ))
            .field("id")
            .rule(task.rule.clone()));
        }
        let by = Party {
            role: task.party.role,
            org: Some(p.org),
        };
        let c = c.clone();
        let input = Input::TaskCompleted {
            task: id.key().clone(),
            outcome: c.outcome,
            inputs: Value::Object(c.inputs.into_map()),
            reasons: c
                .reasons
                .into_iter()
                .map(|r| r.as_str().trim().to_owned())
                .collect(),
            by,
            at: time::format(ctx.platform.clock.now()),
        };
        let actor = Actor {
            sub: p.sub.clone(),
            note: c.note.map(Text::into_string).unwrap_or_default(),
        };
        let step = match domain::decide(ctx, case, version, input, &actor, None).await {
            Ok(Decided::Step(step)) => *step,
            Ok(Decided::Refused(v)) => return Err(refused(v)),
            Err(e) => return Err(advance_problem(e)),
        };
        // The answer is the task as the step leaves it, at the version after it.
        let answer = ApiResponse::json(
            StatusCode::OK,
            &view(ctx, step.case(), &step.case().tasks[id.key()]),
        )
        .header("etag", format!("\"{}\"", step.version_after()));
        let committed = match keyed {
            None => step.commit(&ctx.store).await,
            Some(k) => {
                let stored = idempotency::kept(&answer).ok_or_else(Problem::internal)?;
                let record = finished_record(k.fp, &stored);
                let kept = Answer {
                    name: k.name,
                    record: &record,
                    ttl: ctx.idem.ttl,
                };
                match step.commit_answered(&ctx.store, kept).await {
                    Ok(Err(record)) => return Ok(idempotency::replayed(&record, k.fp)),
                    Ok(Ok(advanced)) => Ok(advanced),
                    Err(e) => Err(e),
                }
            }
        };
        return match committed {
            Err(e) if is_conflict(&e) && if_match.is_none() && attempt < ATTEMPTS => continue,
            Err(e) => Err(advance_problem(e)),
            Ok(Advanced::Committed(..)) => Ok(answer),
            Ok(Advanced::Refused(v)) => Err(refused(v)),
            Ok(Advanced::AlreadyApplied) => Err(Problem::internal()),
        };
    }
}
