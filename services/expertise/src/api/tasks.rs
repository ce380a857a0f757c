//! Worklists and step completion.

use std::sync::Arc;

use egov_auth::Principal;
use egov_bus::Envelope;
use egov_events::v1::StepCompleted;
use egov_kernel::{Line, Name, Role, TaskId, Text, time};
use egov_procedure::StepInputs;
use egov_store::{Append, IndexOp, StoreError};
use egov_web::{ApiResponse, Posted, Problem, Violation};
use serde::Deserialize;
use serde_json::{Value, json};
use warp::http::StatusCode;
use warp::{Filter, Rejection};

use crate::Ctx;
use crate::domain::{self, APPROACHING, MISSED, Task, TaskStatus};

/// Roles that act on steps. A state body acts only on its own cases' steps (e.g. PL-10).
const ACTORS: &[Role] = &[
    Role::StateBody,
    Role::AuthorizedBody,
    Role::ServiceIntegrator,
    Role::StateTechnicalService,
    Role::Operator,
    Role::Commission,
];

fn store_problem(e: StoreError) -> Problem {
    match e {
        // Ids are parsed before they get here; a key the store refuses is our defect.
        StoreError::InvalidKey(k) => {
            tracing::error!(key = %k, "a key part reached the store unparsed");
            Problem::internal()
        }
        StoreError::Conflict { .. } => Problem::new(
            StatusCode::PRECONDITION_FAILED,
            "stale",
            "The task changed meanwhile",
        )
        .detail("reload the task and decide again")
        .field("If-Match"),
        other => {
            tracing::error!(error = %other, "store failure");
            Problem::unavailable("storage did not answer; retry with the same Idempotency-Key")
        }
    }
}

/// The task as its actor sees it, with days left computed now by the calendar.
fn view(ctx: &Ctx, t: &Task) -> Value {
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
    let outcomes: Vec<Value> = ctx
        .platform
        .definitions
        .pinned(&t.variant_id, &t.variant_version, &t.variant_digest)
        .ok()
        .and_then(|d| d.step(&t.step).cloned())
        .map(|s| {
            s.outcomes
                .iter()
                .map(|o| json!({"name": o.name, "title": o.title, "requires_reasons": o.requires_reasons}))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "id": t.id, "case_id": t.case_id, "org": t.org, "step": t.step, "title": t.title,
        "role": t.role, "rule": t.rule, "opened_at": t.opened_at, "due": due,
        "status": t.status, "outcome": t.outcome, "completed_at": t.completed_at,
        "outcomes": outcomes,
        "variant": {"id": t.variant_id, "version": t.variant_version, "sha256": t.variant_digest},
    })
}

fn actor(ctx: &Arc<Ctx>) -> impl Filter<Extract = (Principal,), Error = Rejection> + Clone + use<> {
    egov_auth::require(ctx.platform.verifier.clone(), ACTORS)
}

/// `GET /api/v1/tasks`: the open tasks of the caller's roles, soonest deadline first.
pub(crate) fn list(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "tasks")
        .and(warp::get())
        .and(actor(&ctx))
        .then(move |p: Principal| {
            let ctx = ctx.clone();
            async move {
                let mut tasks = Vec::new();
                for role in p.roles.iter().filter(|r| ACTORS.contains(r)) {
                    let ids = match ctx.store.members(&domain::open_index(*role)).await {
                        Ok(ids) => ids,
                        Err(e) => return store_problem(e).into(),
                    };
                    for id in ids {
                        match ctx.store.load::<Task>("task", &id).await {
                            Ok(Some(t)) if visible(&t.state, &p) => tasks.push(t.state),
                            Ok(_) => {}
                            Err(e) => return store_problem(e).into(),
                        }
                    }
                }
                tasks.sort_by(|a, b| {
                    let key = |t: &Task| t.due.as_ref().map(|d| d.last_day);
                    key(a)
                        .cmp(&key(b))
                        .then_with(|| a.opened_at.cmp(&b.opened_at))
                });
                let items: Vec<Value> = tasks.iter().map(|t| view(&ctx, t)).collect();
                ApiResponse::json(StatusCode::OK, &json!({"items": items}))
            }
        })
}

/// A task is the caller's if the caller has its role and, for a state body, if the case is
/// its own.
fn visible(t: &Task, p: &Principal) -> bool {
    p.has(t.role) && (t.role != Role::StateBody || t.org == p.org.to_string())
}

/// A task id from the URL is parsed before it goes near a key: 400 naming `id` when it is not
/// one.
fn bad_id(e: egov_kernel::IdError) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, "invalid-id", "Not a task id")
        .field("id")
        .detail(e.to_string())
}

async fn load_for(ctx: &Ctx, id: &TaskId, p: &Principal) -> Result<(Task, u64), Problem> {
    let loaded = ctx
        .store
        .load::<Task>("task", &id.to_string())
        .await
        .map_err(store_problem)?;
    match loaded {
        Some(l) if visible(&l.state, p) => Ok((l.state, l.version)),
        // A task of another role is not the caller's to see.
        _ => Err(Problem::not_found(format!("no task {id} for your roles"))),
    }
}

/// `GET /api/v1/tasks/{id}`, with an `ETag` for `If-Match` on the decision.
pub(crate) fn get(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "tasks" / String)
        .and(warp::get())
        .and(actor(&ctx))
        .then(move |id: String, p: Principal| {
            let ctx = ctx.clone();
            async move {
                let loaded = match id.parse::<TaskId>() {
                    Ok(id) => load_for(&ctx, &id, &p).await,
                    Err(e) => Err(bad_id(e)),
                };
                match loaded {
                    Ok((t, v)) => ApiResponse::json(StatusCode::OK, &view(&ctx, &t))
                        .header("etag", format!("\"{v}\"")),
                    Err(e) => e.into(),
                }
            }
        })
}

/// The decision on a step.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Completion {
    outcome: Name,
    #[serde(default)]
    note: Option<Text>,
    #[serde(default)]
    reasons: Vec<Line>,
    /// Facts given with the outcome, checked by the step's `check` (a step without one takes
    /// none).
    #[serde(default)]
    inputs: StepInputs,
}

/// `POST /api/v1/tasks/{id}/complete`: completes a step with one of its outcomes.
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
                    let scope = p.scope();
                    // The id is parsed before anything is recorded, the key's record too.
                    let id = match id.parse::<TaskId>() {
                        Ok(id) => id,
                        Err(e) => return bad_id(e).into(),
                    };
                    post.once(&ctx.idem, &scope, |c, _| {
                        complete_task(&ctx, &id, &p, if_match.as_deref(), c)
                    })
                    .await
                }
            },
        )
}

async fn complete_task(
    ctx: &Ctx,
    id: &TaskId,
    p: &Principal,
    if_match: Option<&str>,
    c: Completion,
) -> Result<ApiResponse, Problem> {
    let (mut task, version) = load_for(ctx, id, p).await?;
    if let Some(tag) = if_match
        && tag.trim().trim_start_matches("W/").trim_matches('"') != version.to_string()
    {
        return Err(Problem::new(
            StatusCode::PRECONDITION_FAILED,
            "stale",
            "The task changed meanwhile",
        )
        .field("If-Match")
        .detail(format!("the task is at version {version}")));
    }
    if task.status != TaskStatus::Open {
        return Err(
            Problem::conflict(format!("step {} was completed already", task.step))
                .rule(task.rule.clone()),
        );
    }
    let def = ctx
        .platform
        .definitions
        .pinned(
            &task.variant_id,
            &task.variant_version,
            &task.variant_digest,
        )
        .map_err(|e| Problem::unavailable(e.to_string()))?;
    let step = def.step(&task.step).ok_or_else(Problem::internal)?;
    let Some(outcome) = step.outcome(c.outcome.as_str()) else {
        let names: Vec<&str> = step.outcomes.iter().map(|o| o.name.as_str()).collect();
        return Err(Problem::invalid(vec![Violation {
            field: "outcome".into(),
            rule: Some(step.rule.clone()),
            message: format!(
                "{:?} is not an outcome of {}; use one of: {}",
                c.outcome,
                step.id,
                names.join(", ")
            ),
        }]));
    };
    // Inputs are facts for the step's check; a step without one has nothing to read them, so
    // they would be recorded unchecked (a string "false" taken for a refusal ground).
    if step.check.is_none() && !c.inputs.is_empty() {
        return Err(Problem::invalid(vec![Violation {
            field: "inputs".into(),
            rule: Some(step.rule.clone()),
            message: format!("step {} takes no inputs", step.id),
        }]));
    }
    let mut reasons: Vec<String> = c
        .reasons
        .into_iter()
        .map(|r| r.as_str().trim().to_owned())
        .collect();
    // The variant's check: it may refuse the outcome (with the rules that refuse it) or
    // compute what the decision rests on (e.g. the PL-6 grounds, which become reasons).
    let mut decision = Value::Null;
    if let Some(check) = &step.check {
        let events = ctx
            .store
            .projection("dossier", &task.case_id)
            .await
            .map_err(store_problem)?;
        let mut input = domain::dossier(&events);
        input["outcome"] = json!(outcome.name);
        input["reasons"] = json!(reasons);
        input["inputs"] = Value::Object(c.inputs.as_map().clone());
        let (d, name) = (def.clone(), check.clone());
        let verdict = tokio::task::spawn_blocking(move || d.decide(&name, &input))
            .await
            .map_err(|_| Problem::internal())?
            .map_err(|e| egov_runtime::plugin_problem(&e))?;
        match verdict {
            Err(violations) => {
                return Err(Problem::invalid(
                    violations
                        .into_iter()
                        .map(|v| Violation {
                            field: v.field,
                            rule: Some(v.rule),
                            message: v.message,
                        })
                        .collect(),
                ));
            }
            Ok(v) => {
                for r in v["reasons"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    if !reasons.iter().any(|x| x == r) {
                        reasons.push(r.to_owned());
                    }
                }
                decision = v;
            }
        }
    }
    if outcome.requires_reasons && reasons.is_empty() {
        return Err(Problem::invalid(vec![Violation {
            field: "reasons".into(),
            rule: Some(outcome.rule.clone().unwrap_or_else(|| step.rule.clone())),
            message: format!("the outcome {} must state its reasons", outcome.name),
        }]));
    }
    let now = ctx.platform.clock.now();
    task.status = TaskStatus::Completed;
    task.outcome = Some(outcome.name.clone());
    task.completed_at = Some(time::format(now));
    let event = StepCompleted {
        case_id: task.case_id.clone(),
        task_id: task.id.clone(),
        step: task.step.clone(),
        outcome: outcome.name.clone(),
        next_steps: outcome.next.clone(),
        status: outcome.status.clone().unwrap_or_default(),
        completed_at: time::format(now),
        by_org: p.org.to_string(),
        by_sub: p.sub.clone(),
        note: c.note.map(Text::into_string).unwrap_or_default(),
        org: task.org.clone(),
        variant_id: task.variant_id.clone(),
        variant_version: task.variant_version.clone(),
        variant_digest: task.variant_digest.clone(),
        reasons,
        inputs_json: Value::Object(c.inputs.into_map()).to_string(),
        decision_json: if decision.is_null() {
            String::new()
        } else {
            decision.to_string()
        },
    };
    let env = Envelope::new(crate::NAME, &event, now).with_case(&task.case_id);
    let id = &id.to_string();
    ctx.store
        .append(Append {
            kind: "task",
            id,
            expected_version: version,
            state: &task,
            event: &env,
            index: vec![
                IndexOp::Remove {
                    index: domain::open_index(task.role),
                    member: id.to_owned(),
                },
                IndexOp::Unscore {
                    index: APPROACHING.into(),
                    member: id.to_owned(),
                },
                IndexOp::Unscore {
                    index: MISSED.into(),
                    member: id.to_owned(),
                },
            ],
            applied: None,
            unique: None,
        })
        .await
        .map_err(store_problem)?;
    Ok(ApiResponse::json(StatusCode::OK, &view(ctx, &task))
        .header("etag", format!("\"{}\"", version + 1)))
}
