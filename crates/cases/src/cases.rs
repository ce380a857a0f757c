//! Input into open cases (slots) and the case's progress on the engine: tasks, timers, slots
//! and the registry entries it wrote.
//!
//! A slot takes inputs from its party (a role, or one agency in a role). Each input is
//! recorded with the sha256 of its bytes as sent; while the slot is sealed, nobody but the
//! giver reads a body: the case's readers see only digests and the count, and the variant gets
//! the digests too, until it unseals the slot after it closed.

use std::sync::Arc;

use egov_auth::Principal;
use egov_engine::apply::{SlotEntryDraft, receive};
use egov_engine::{Case, Input, Party, Slot, TaskStatus};
use egov_kernel::{CaseId, Name, Role, time};
use egov_web::{ApiResponse, Posted, Problem};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use warp::http::StatusCode;
use warp::{Filter, Rejection};

use crate::Host as Ctx;
use crate::domain::{self, Advanced};
use crate::event::Actor;

/// Roles that read every case's progress; a state body reads its own cases'.
const READERS: &[Role] = &[
    Role::AuthorizedBody,
    Role::ServiceIntegrator,
    Role::StateTechnicalService,
    Role::Operator,
    Role::PlatformAdmin,
];

/// The largest input into a slot.
const MAX_INPUT: u64 = 64 * 1024;

fn bad(field: &str, e: impl std::fmt::Display) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, "invalid-id", "Not an id")
        .field(field)
        .detail(e.to_string())
}

/// The case id and slot name of a path, parsed before anything is read; else the problem.
fn parse(id: &str, slot: &str) -> Result<(CaseId, Name), Box<Problem>> {
    Ok((
        id.parse::<CaseId>().map_err(|e| Box::new(bad("id", e)))?,
        Name::parse(slot).map_err(|e| Box::new(bad("slot", e)))?,
    ))
}

/// Whether `p` reads the whole case (its state body, or an examiner).
fn reads_case(case: &Case, p: &Principal) -> bool {
    READERS.iter().any(|r| p.has(*r)) || (p.has(Role::StateBody) && p.org == case.org)
}

/// The slot as `p` sees it: its readers see digests and the count while it is sealed, bodies
/// once unsealed; a party that gave inputs sees its own, bodies included.
fn slot_view(case: &Case, name: &Name, slot: &Slot, p: &Principal) -> Value {
    let reader = reads_case(case, p);
    let open_to_all = !slot.sealed || slot.unsealed;
    let inputs: Vec<Value> = slot
        .inputs
        .iter()
        .filter_map(|i| {
            let own = i.by.org.as_ref() == Some(&p.org) && slot.party.admits(p.roles.iter().copied(), &p.org);
            if own || (reader && open_to_all) {
                Some(json!({"seq": i.seq, "digest": i.digest, "at": i.at, "by": i.by, "body": i.body}))
            } else if reader {
                Some(json!({"seq": i.seq, "digest": i.digest, "at": i.at}))
            } else {
                None
            }
        })
        .collect();
    json!({
        "case_id": case.id, "slot": name, "rule": slot.rule, "party": slot.party,
        "open": slot.open, "sealed": slot.sealed, "unsealed": slot.unsealed,
        "count": if reader { Some(slot.inputs.len()) } else { None },
        "inputs": inputs,
    })
}

/// The case and slot `name` if `p` may see the slot (its party or a reader of the case); else
/// a 404, as if it did not exist.
async fn load_slot(
    ctx: &Ctx,
    id: &CaseId,
    name: &Name,
    p: &Principal,
) -> Result<(Case, u64), Problem> {
    let not_found = || Problem::not_found(format!("no slot {name} of case {id} for your roles"));
    let (case, version) = domain::load(&ctx.store, *id)
        .await
        .map_err(egov_runtime::store_problem)?
        .ok_or_else(not_found)?;
    let visible = case
        .slots
        .get(name)
        .is_some_and(|s| s.party.admits(p.roles.iter().copied(), &p.org) || reads_case(&case, p));
    if visible {
        Ok((case, version))
    } else {
        Err(not_found())
    }
}

/// `POST /api/v1/cases/{id}/inputs/{slot}`: one input into an open slot of a case, by its party.
pub(crate) fn give(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "cases" / String / "inputs" / String)
        .and(warp::post())
        .and(egov_auth::require(
            ctx.platform.verifier.clone(),
            &Role::ALL,
        ))
        .and(egov_web::posted::<Value>(MAX_INPUT))
        .then(
            move |id: String, slot: String, p: Principal, post: Posted<Value>| {
                let ctx = ctx.clone();
                async move {
                    let (id, slot) = match parse(&id, &slot) {
                        Ok(x) => x,
                        Err(e) => return (*e).into(),
                    };
                    let raw = post.body.raw.clone();
                    let scope = p.scope();
                    post.once(&ctx.idem, &scope, |body, _| {
                        give_input(&ctx, &id, &slot, &p, body, &raw)
                    })
                    .await
                }
            },
        )
}

async fn give_input(
    ctx: &Ctx,
    id: &CaseId,
    name: &Name,
    p: &Principal,
    body: Value,
    raw: &[u8],
) -> Result<ApiResponse, Problem> {
    if !body.is_object() {
        return Err(Problem::bad_request("an input is a JSON object").field("body"));
    }
    egov_procedure::check_document(&body, "", 1).map_err(|e| {
        let (field, msg) = e.split_once(": ").unwrap_or(("body", &e));
        Problem::bad_request(msg.to_owned()).field(if field.is_empty() { "body" } else { field })
    })?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match give_once(ctx, id, name, p, body.clone(), raw).await {
            Err(Given::Changed) if attempt < super::tasks::ATTEMPTS => continue,
            Err(Given::Changed) => {
                return Err(Problem::new(
                    StatusCode::CONFLICT,
                    "busy",
                    "The case kept changing while the input was recorded",
                )
                .detail("nothing was recorded; send it again"));
            }
            Err(Given::Problem(e)) => return Err(*e),
            Ok(r) => return Ok(r),
        }
    }
}

/// Why one attempt at an input did not go through.
enum Given {
    /// The case changed between the load and the append: try again.
    Changed,
    Problem(Box<Problem>),
}

impl From<Problem> for Given {
    fn from(p: Problem) -> Self {
        Given::Problem(Box::new(p))
    }
}

async fn give_once(
    ctx: &Ctx,
    id: &CaseId,
    name: &Name,
    p: &Principal,
    body: Value,
    raw: &[u8],
) -> Result<ApiResponse, Given> {
    let (mut case, version) = load_slot(ctx, id, name, p).await?;
    let slot = &case.slots[name];
    if !slot.party.admits(p.roles.iter().copied(), &p.org) {
        return Err(
            Problem::forbidden(format!("slot {name} takes inputs from {}", slot.party))
                .field("roles")
                .rule(slot.rule.clone())
                .into(),
        );
    }
    if !slot.open {
        return Err(Problem::conflict(format!("slot {name} is closed"))
            .rule(slot.rule.clone())
            .into());
    }
    let (sealed, rule) = (slot.sealed, slot.rule.clone());
    let by = Party {
        role: slot.party.role,
        org: Some(p.org),
    };
    let digest = hex::encode(Sha256::digest(raw));
    let at = time::format(ctx.platform.clock.now());
    let seq = receive(
        &mut case,
        SlotEntryDraft {
            slot: name.as_str(),
            by: by.clone(),
            digest: digest.clone(),
            body: body.clone(),
            at: at.clone(),
        },
    )
    .map_err(|e| Problem::conflict(e.to_string()).rule(rule.clone()))?;
    let input = Input::SlotInput {
        slot: name.clone(),
        seq,
        by,
        digest: digest.clone(),
        body: (!sealed).then_some(body),
        at: at.clone(),
    };
    let actor = Actor {
        sub: p.sub.clone(),
        note: String::new(),
    };
    let advanced = match domain::advance(ctx, case, version, input, &actor, None).await {
        Err(e) if super::tasks::is_conflict(&e) => return Err(Given::Changed),
        other => other.map_err(super::tasks::advance_problem)?,
    };
    match advanced {
        Advanced::Committed(..) => {
            let location = format!("/api/v1/cases/{id}/inputs/{name}");
            Ok(ApiResponse::json(
                StatusCode::CREATED,
                &json!({"case_id": id, "slot": name, "seq": seq, "digest": digest, "at": at, "sealed": sealed,
                        "links": {"slot": location}}),
            )
            .header("location", location))
        }
        Advanced::Refused(v) => Err(super::tasks::refused(v).into()),
        Advanced::AlreadyApplied => Err(Problem::internal().into()),
    }
}

/// `GET /api/v1/cases/{id}/inputs/{slot}`: the slot as the caller sees it.
pub(crate) fn slot(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "cases" / String / "inputs" / String)
        .and(warp::get())
        .and(egov_auth::require(
            ctx.platform.verifier.clone(),
            &Role::ALL,
        ))
        .then(move |id: String, slot: String, p: Principal| {
            let ctx = ctx.clone();
            async move {
                let r = async {
                    let (id, name) = parse(&id, &slot).map_err(|e| *e)?;
                    let (case, _) = load_slot(&ctx, &id, &name, &p).await?;
                    Ok::<_, Problem>(ApiResponse::json(
                        StatusCode::OK,
                        &slot_view(&case, &name, &case.slots[&name], &p),
                    ))
                };
                r.await.unwrap_or_else(Into::into)
            }
        })
}

/// `GET /api/v1/cases/{id}/progress`: the case on the engine for its readers: status, tasks,
/// timers, slots (as [`slot_view`]) and the registry entries it wrote.
pub(crate) fn progress(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "cases" / String / "progress")
        .and(warp::get())
        .and(egov_auth::require(ctx.platform.verifier.clone(), &Role::ALL))
        .then(move |id: String, p: Principal| {
            let ctx = ctx.clone();
            async move {
                let r = async {
                    let id = id.parse::<CaseId>().map_err(|e| bad("id", e))?;
                    let not_found = || Problem::not_found(format!("no case {id}"));
                    let (case, version) = domain::load(&ctx.store, id)
                        .await
                        .map_err(egov_runtime::store_problem)?
                        .ok_or_else(not_found)?;
                    if !reads_case(&case, &p) {
                        return Err(not_found());
                    }
                    let tasks: Vec<Value> = case
                        .tasks
                        .values()
                        .map(|t| json!({
                            "id": domain::task_id(&case, &t.key), "key": t.key, "title": t.title,
                            "party": t.party, "rule": t.rule, "service": t.service,
                            "opened_at": t.opened_at, "due": t.due, "status": t.status,
                            "outcome": t.outcome, "done_at": t.done_at,
                        }))
                        .collect();
                    let slots: Vec<Value> = case
                        .slots
                        .iter()
                        .map(|(n, s)| slot_view(&case, n, s, &p))
                        .collect();
                    let open = case.tasks.values().filter(|t| t.status == TaskStatus::Open).count();
                    Ok::<_, Problem>(
                        ApiResponse::json(
                            StatusCode::OK,
                            &json!({
                                "id": case.id, "procedure": case.procedure, "org": case.org,
                                "variant": {"id": case.variant.id, "version": case.variant.version, "sha256": case.variant.digest},
                                "status": case.status, "received_at": case.received_at,
                                "open_tasks": open, "tasks": tasks, "timers": case.timers,
                                "slots": slots, "entries": case.entries,
                            }),
                        )
                        .header("etag", format!("\"{version}\"")),
                    )
                };
                r.await.unwrap_or_else(Into::into)
            }
        })
}
