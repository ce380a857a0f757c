//! Input into open cases (slots) and the case's progress on the engine: tasks, timers, slots
//! and the registry entries it wrote.
//!
//! A slot takes inputs from its party (a role, or one agency in a role). Each input is
//! recorded with the sha256 of its bytes as sent and answered with a receipt holding it. While
//! a slot is sealed nobody reads a body, its giver included: the case's readers see digests and
//! the count, the giver its own receipts, the variant the digests; the body itself is kept
//! encrypted with the case's slot key (`egov_runtime::sealing`) until the variant unseals the
//! slot after it closed. A giver may replace or withdraw its own input until the close; a slot
//! closed by a timer of its name refuses inputs from that instant on, naming it.

use std::sync::Arc;

use egov_auth::Principal;
use egov_engine::apply::{SlotEntryDraft, SlotRefusal, receive, withdraw as apply_withdraw};
use egov_engine::{Case, Input, Party, Slot, TaskStatus};
use egov_kernel::{CaseId, Name, Role, time};
use egov_runtime::sealing::Place;
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
/// once unsealed (an unsealed slot, no body before); a party that gave inputs sees its own,
/// with bodies only where anyone may read them. Withdrawn inputs show when, without a body.
fn slot_view(case: &Case, name: &Name, slot: &Slot, p: &Principal) -> Value {
    let reader = reads_case(case, p);
    let readable = !slot.sealed || slot.unsealed;
    let inputs: Vec<Value> = slot
        .inputs
        .iter()
        .filter_map(|i| {
            let own = i.by.org.as_ref() == Some(&p.org)
                && slot.party.admits(p.roles.iter().copied(), &p.org);
            if !(own || reader) {
                return None;
            }
            let mut v = json!({"seq": i.seq, "digest": i.digest, "at": i.at});
            if own || readable {
                v["by"] = json!(i.by);
            }
            if readable && i.is_live() {
                v["body"] = i.body.clone();
            }
            if let Some(r) = i.replaces {
                v["replaces"] = json!(r);
            }
            if let Some(w) = &i.withdrawn_at {
                v["withdrawn_at"] = json!(w);
            }
            Some(v)
        })
        .collect();
    json!({
        "case_id": case.id, "slot": name, "rule": slot.rule, "party": slot.party,
        "open": slot.open, "sealed": slot.sealed, "unsealed": slot.unsealed,
        "closes_at": slot.closes_at, "closed_at": slot.closed_at,
        "count": if reader { Some(slot.live().count()) } else { None },
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
    // One answer whether the case is missing, the slot is, or neither is the caller's to see.
    let not_found =
        || Problem::not_found(format!("no slot {name} of case {id} for your roles")).field("slot");
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
                        give_input(&ctx, &id, &slot, &p, body, &raw, None)
                    })
                    .await
                }
            },
        )
}

/// The input number of a path, parsed.
fn parse_seq(seq: &str) -> Result<u32, Box<Problem>> {
    seq.parse::<u32>()
        .ok()
        .filter(|n| *n > 0 && !seq.starts_with('0'))
        .ok_or_else(|| {
            Box::new(bad(
                "seq",
                format!("{seq:?} is not an input number (1, 2, ...)"),
            ))
        })
}

/// `PUT /api/v1/cases/{id}/inputs/{slot}/{seq}`: the giver replaces its own input `seq` before
/// the slot closes; the new input gets the next number and `seq` no longer counts.
pub(crate) fn replace(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "cases" / String / "inputs" / String / String)
        .and(warp::put())
        .and(egov_auth::require(
            ctx.platform.verifier.clone(),
            &Role::ALL,
        ))
        .and(egov_web::posted::<Value>(MAX_INPUT))
        .then(
            move |id: String, slot: String, seq: String, p: Principal, post: Posted<Value>| {
                let ctx = ctx.clone();
                async move {
                    let parsed = parse(&id, &slot).and_then(|(i, s)| Ok((i, s, parse_seq(&seq)?)));
                    let (id, slot, seq) = match parsed {
                        Ok(x) => x,
                        Err(e) => return (*e).into(),
                    };
                    let raw = post.body.raw.clone();
                    let scope = p.scope();
                    post.once(&ctx.idem, &scope, |body, _| {
                        give_input(&ctx, &id, &slot, &p, body, &raw, Some(seq))
                    })
                    .await
                }
            },
        )
}

/// `DELETE /api/v1/cases/{id}/inputs/{slot}/{seq}`: the giver withdraws its own input `seq`
/// before the slot closes; its body is dropped and it no longer counts.
pub(crate) fn withdraw(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "cases" / String / "inputs" / String / String)
        .and(warp::delete())
        .and(egov_auth::require(
            ctx.platform.verifier.clone(),
            &Role::ALL,
        ))
        .then(move |id: String, slot: String, seq: String, p: Principal| {
            let ctx = ctx.clone();
            async move {
                let parsed = parse(&id, &slot).and_then(|(i, s)| Ok((i, s, parse_seq(&seq)?)));
                let (id, slot, seq) = match parsed {
                    Ok(x) => x,
                    Err(e) => return (*e).into(),
                };
                retrying(|| withdraw_once(&ctx, &id, &slot, seq, &p))
                    .await
                    .unwrap_or_else(Into::into)
            }
        })
}

/// Runs `attempt` until it is not a lost race with another writer of the case (up to
/// `tasks::ATTEMPTS` times).
async fn retrying<F, Fut>(mut attempt: F) -> Result<ApiResponse, Problem>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<ApiResponse, Given>>,
{
    for _ in 1..super::tasks::ATTEMPTS {
        match attempt().await {
            Err(Given::Changed) => continue,
            Err(Given::Problem(e)) => return Err(*e),
            Ok(r) => return Ok(r),
        }
    }
    match attempt().await {
        Err(Given::Changed) => Err(Problem::new(
            StatusCode::CONFLICT,
            "busy",
            "The case kept changing while the input was recorded",
        )
        .detail("nothing was recorded; send it again")),
        Err(Given::Problem(e)) => Err(*e),
        Ok(r) => Ok(r),
    }
}

async fn give_input(
    ctx: &Ctx,
    id: &CaseId,
    name: &Name,
    p: &Principal,
    body: Value,
    raw: &[u8],
    replaces: Option<u32>,
) -> Result<ApiResponse, Problem> {
    if !body.is_object() {
        return Err(Problem::bad_request("an input is a JSON object").field("body"));
    }
    egov_procedure::check_document(&body, "", 1).map_err(|e| {
        let (field, msg) = e.split_once(": ").unwrap_or(("body", &e));
        Problem::bad_request(msg.to_owned()).field(if field.is_empty() { "body" } else { field })
    })?;
    retrying(|| give_once(ctx, id, name, p, body.clone(), raw, replaces)).await
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

/// The answer to an input the slot refuses: a closed window names its instant and rule.
fn slot_refused(e: SlotRefusal, rule: &str) -> Problem {
    match e {
        SlotRefusal::Closed { slot, at, rule } => {
            // A window's end is 24:00 local time of its last day: say which day that is.
            let local = time::parse(&at)
                .ok()
                .map(time::local)
                .filter(|z| z.time() == jiff::civil::Time::midnight())
                .and_then(|z| z.date().yesterday().ok())
                .map(|d| format!(" (24:00 local time of {})", d.strftime("%d.%m.%Y")))
                .unwrap_or_default();
            Problem::conflict(format!(
                "slot {slot} closed at {at}{local}: nothing was recorded"
            ))
            .field("slot")
            .rule(rule)
        }
        SlotRefusal::NotYours(slot, seq) => {
            Problem::not_found(format!("no input {seq} of yours in slot {slot}"))
                .field("seq")
                .rule(rule.to_owned())
        }
        SlotRefusal::NotOpen(slot) => Problem::conflict(format!("slot {slot} is closed"))
            .field("slot")
            .rule(rule.to_owned()),
    }
}

/// The case and slot `name` for a giver: its party, else 403.
async fn load_for_giver(
    ctx: &Ctx,
    id: &CaseId,
    name: &Name,
    p: &Principal,
) -> Result<(Case, u64), Given> {
    let (case, version) = load_slot(ctx, id, name, p).await?;
    let slot = &case.slots[name];
    if !slot.party.admits(p.roles.iter().copied(), &p.org) {
        return Err(
            Problem::forbidden(format!("slot {name} takes inputs from {}", slot.party))
                .field("roles")
                .rule(slot.rule.clone())
                .into(),
        );
    }
    Ok((case, version))
}

async fn give_once(
    ctx: &Ctx,
    id: &CaseId,
    name: &Name,
    p: &Principal,
    body: Value,
    raw: &[u8],
    replaces: Option<u32>,
) -> Result<ApiResponse, Given> {
    let (mut case, version) = load_for_giver(ctx, id, name, p).await?;
    let slot = &case.slots[name];
    let (sealed, rule) = (slot.sealed, slot.rule.clone());
    let by = Party {
        role: slot.party.role,
        org: Some(p.org),
    };
    let digest = hex::encode(Sha256::digest(raw));
    let at = time::format(ctx.platform.clock.now());
    // A sealed body is kept only as ciphertext bound to its case, slot, number and digest.
    let seq = slot.inputs.len() as u32 + 1;
    let case_id = case.id.to_string();
    let stored = if sealed {
        let place = Place {
            case: &case_id,
            slot: name.as_str(),
            seq,
            digest: &digest,
        };
        ctx.platform.sealer.seal(place, &body)
    } else {
        body.clone()
    };
    let got = receive(
        &mut case,
        SlotEntryDraft {
            slot: name.as_str(),
            by: by.clone(),
            digest: digest.clone(),
            body: stored,
            at: at.clone(),
            replaces,
        },
    )
    .map_err(|e| slot_refused(e, &rule))?;
    debug_assert_eq!(got, seq);
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
    let closes_at = case.slots[name].closes_at.clone();
    let advanced = match domain::advance(ctx, case, version, input, &actor, None).await {
        Err(e) if super::tasks::is_conflict(&e) => return Err(Given::Changed),
        other => other.map_err(super::tasks::advance_problem)?,
    };
    match advanced {
        Advanced::Committed(..) => {
            let location = format!("/api/v1/cases/{id}/inputs/{name}");
            // The receipt: what was received, from whom, when, and its digest.
            Ok(ApiResponse::json(
                StatusCode::CREATED,
                &json!({"receipt": {"case_id": id, "slot": name, "seq": seq, "digest": digest,
                                    "algorithm": "sha256", "received_at": at, "by": p.org,
                                    "replaces": replaces},
                        "case_id": id, "slot": name, "seq": seq, "digest": digest, "at": at,
                        "sealed": sealed, "closes_at": closes_at,
                        "links": {"slot": location}}),
            )
            .header("location", location))
        }
        Advanced::Refused(v) => Err(super::tasks::refused(v).into()),
        Advanced::AlreadyApplied => Err(Problem::internal().into()),
    }
}

async fn withdraw_once(
    ctx: &Ctx,
    id: &CaseId,
    name: &Name,
    seq: u32,
    p: &Principal,
) -> Result<ApiResponse, Given> {
    let (mut case, version) = load_for_giver(ctx, id, name, p).await?;
    let rule = case.slots[name].rule.clone();
    let by = Party {
        role: case.slots[name].party.role,
        org: Some(p.org),
    };
    let at = time::format(ctx.platform.clock.now());
    apply_withdraw(&mut case, name.as_str(), seq, &by, &at).map_err(|e| slot_refused(e, &rule))?;
    let input = Input::SlotWithdrawn {
        slot: name.clone(),
        seq,
        by,
        at: at.clone(),
    };
    let actor = Actor {
        sub: p.sub.clone(),
        note: String::new(),
    };
    match domain::advance(ctx, case, version, input, &actor, None).await {
        Err(e) if super::tasks::is_conflict(&e) => Err(Given::Changed),
        Err(e) => Err(super::tasks::advance_problem(e).into()),
        Ok(Advanced::Committed(..)) => Ok(ApiResponse::json(
            StatusCode::OK,
            &json!({"receipt": {"case_id": id, "slot": name, "seq": seq, "withdrawn_at": at, "by": p.org}}),
        )),
        Ok(_) => Err(Problem::internal().into()),
    }
}

/// An input the platform itself gives into an open slot of a case (the tender service gives
/// the catalog's answer to a Register question this way, LC-26): recorded as any input, with
/// the sha256 of its JSON, by `by`, as `sub`. `Ok(None)` when the slot takes no more inputs
/// (closed, or its window passed): a redelivered answer changes nothing.
pub async fn give_as(
    ctx: &Ctx,
    id: CaseId,
    name: &Name,
    by: Party,
    body: Value,
    sub: &str,
) -> Result<Option<u32>, domain::AdvanceError> {
    let raw = serde_json::to_vec(&body).expect("a JSON value serializes");
    let digest = hex::encode(Sha256::digest(&raw));
    for attempt in 1..=super::tasks::ATTEMPTS {
        let Some((mut case, version)) = domain::load(&ctx.store, id).await? else {
            return Ok(None);
        };
        let Some(slot) = case.slots.get(name) else {
            return Ok(None);
        };
        let sealed = slot.sealed;
        let seq = slot.inputs.len() as u32 + 1;
        let at = time::format(ctx.platform.clock.now());
        let case_id = case.id.to_string();
        let stored = if sealed {
            let place = Place {
                case: &case_id,
                slot: name.as_str(),
                seq,
                digest: &digest,
            };
            ctx.platform.sealer.seal(place, &body)
        } else {
            body.clone()
        };
        let draft = SlotEntryDraft {
            slot: name.as_str(),
            by: by.clone(),
            digest: digest.clone(),
            body: stored,
            at: at.clone(),
            replaces: None,
        };
        if receive(&mut case, draft).is_err() {
            return Ok(None);
        }
        let input = Input::SlotInput {
            slot: name.clone(),
            seq,
            by: by.clone(),
            digest: digest.clone(),
            body: (!sealed).then(|| body.clone()),
            at,
        };
        let actor = Actor {
            sub: sub.to_owned(),
            note: String::new(),
        };
        match domain::advance(ctx, case, version, input, &actor, None).await {
            Err(e) if super::tasks::is_conflict(&e) && attempt < super::tasks::ATTEMPTS => continue,
            Err(e) => return Err(e),
            Ok(Advanced::Refused(v)) => {
                return Err(domain::AdvanceError::Apply(egov_engine::ApplyError(
                    format!("the variant refused the platform's input: {v:?}"),
                )));
            }
            Ok(_) => return Ok(Some(seq)),
        }
    }
    unreachable!("the last attempt returns")
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
                    let not_found = || Problem::not_found(format!("no case {id}")).field("id");
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
