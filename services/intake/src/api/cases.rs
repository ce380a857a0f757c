//! Submissions and cases.

use std::collections::BTreeMap;
use std::sync::Arc;

use egov_auth::Principal;
use egov_bus::Envelope;
use egov_events::v1::{CaseSubmitted, DocumentRef};
use egov_kernel::{Role, time};
use egov_procedure::Refusal;
use egov_store::idempotency::finished_record;
use egov_store::{Answer, Answered, Appended, StoreError};
use egov_web::{ApiResponse, Posted, Problem, Violation, idempotency};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use warp::http::StatusCode;
use warp::{Filter, Rejection};

use crate::Ctx;
use crate::domain::{self, Case, Document};

/// Roles that examine cases and may read any of them; a state body reads its own.
const READERS: &[Role] = &[
    Role::AuthorizedBody,
    Role::ServiceIntegrator,
    Role::Operator,
    Role::PlatformAdmin,
];

/// `POST /api/v1/<intake path>`: submit a case of the procedure whose variant names that path.
pub(crate) fn submit(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    let c = ctx.clone();
    // The collection first, then the method: an unknown collection is a 404 and a known one
    // with another method a 405 (with Allow).
    warp::path!("api" / "v1" / String)
        .and_then(move |path: String| {
            let kind = c
                .platform
                .definitions
                .all()
                .iter()
                .find(|d| d.intake_at(&path).is_some())
                .map(|d| (d.kind.clone(), path));
            async move { kind.ok_or_else(warp::reject::not_found) }
        })
        .and(warp::post())
        .and(egov_auth::authenticated(ctx.platform.verifier.clone()))
        .and(egov_web::posted::<Value>(egov_web::DEFAULT_BODY_LIMIT))
        .then(
            move |(kind, path): (String, String), p: Principal, post: Posted<Value>| {
                let ctx = ctx.clone();
                async move {
                    match post.key {
                        Some(_) => submit_keyed(&ctx, kind, path, p, post).await,
                        None => submit_case(&ctx, kind, path, p, None, post.body.value, None)
                            .await
                            .unwrap_or_else(Into::into),
                    }
                }
            },
        )
}

/// Whether the form in force today at `path` takes its values once (`x-unique`), or states that
/// wrongly (which [`submit_case`] answers).
fn takes_values_once(ctx: &Ctx, kind: &str, path: &str) -> bool {
    let today = time::local_date(ctx.platform.clock.now());
    let Ok(def) = ctx.platform.definitions.select(kind, today) else {
        return false;
    };
    def.intake_at(path).is_some_and(|i| match &i.form {
        egov_procedure::IntakeForm::Schema(schema) => !matches!(schema.unique(), Ok(None)),
        egov_procedure::IntakeForm::Graph(_) => false,
    })
}

/// The name of a submission under an `Idempotency-Key`: the caller's and the key's digest. It
/// is the unique name the case takes, so a retry after a lost answer finds the first case even
/// without the answer's record, and the name of that record.
fn request_name(p: &Principal, key: &str) -> String {
    let digest = Sha256::digest(format!("{}\n{key}", p.scope()));
    format!("submission:{}", hex::encode(digest))
}

/// A submission with an `Idempotency-Key`, under the contract of `egov_web::idempotent` (a
/// replay gets the first answer, another request under the key a 422), its record kept at the
/// key's name in intake's store ([`egov_store::Store::answer_key`]), in the hash slot of the
/// case it makes:
/// - the case's own append keeps the answer, in the same atomic step
///   ([`egov_store::Store::append_answered`]): a new case takes one round trip to Redis, and no
///   crash falls between the case and its answer. An answer that appends nothing (a refusal) is
///   kept on its own afterwards, unless the key has a record by then; a 5xx is not kept. Two
///   requests under one key may both run up to the append, where the first answers both.
/// - a form that takes its values once (`x-unique`) puts its case where its values say, so its
///   key is reserved first and the answer kept after, as `egov_web::idempotent` does.
async fn submit_keyed(
    ctx: &Ctx,
    kind: String,
    path: String,
    p: Principal,
    post: Posted<Value>,
) -> ApiResponse {
    let Posted {
        path: uri,
        key,
        body: egov_web::Json { value, raw },
    } = post;
    let fingerprint = idempotency::fingerprint("POST", &uri, &raw);
    let name = request_name(&p, key.as_deref().unwrap_or_default());
    let named = Some(name.as_str());
    let record = match ctx.store.answer_key(&name) {
        Ok(k) => k,
        Err(e) => return idempotency::unavailable(&e),
    };
    if takes_values_once(ctx, &kind, &path) {
        return idempotency::reserved(&ctx.idem, &record, &fingerprint, || {
            submit_case(ctx, kind, path, p, named, value, None)
        })
        .await;
    }
    idempotency::answering(&ctx.idem, &record, &fingerprint, || {
        submit_case(ctx, kind, path, p, named, value, Some(&fingerprint))
    })
    .await
}

/// The answer to a new case.
fn created(case: &Case) -> ApiResponse {
    let location = format!("/api/v1/cases/{}", case.id);
    ApiResponse::json(
        StatusCode::CREATED,
        &json!({
            "id": case.id,
            "status": "submitted",
            "received_at": case.received_at,
            "variant": {"id": case.variant_id, "version": case.variant_version, "sha256": case.variant_digest},
            "links": {"self": location},
        }),
    )
    .header("location", location)
}

/// Submits a case. `name` is the request's under an `Idempotency-Key` ([`request_name`]);
/// with `fingerprint` too (from [`submit_keyed`]) the append keeps the answer at that name.
async fn submit_case(
    ctx: &Ctx,
    kind: String,
    path: String,
    p: Principal,
    name: Option<&str>,
    body: Value,
    fingerprint: Option<&str>,
) -> Result<ApiResponse, Problem> {
    let now = ctx.platform.clock.now();
    let today = time::local_date(now);
    // The variant in force on the day of submission decides the form and every later step
    // of this case (AMB-X1); it is recorded on the case.
    let def = ctx.platform.definitions.select(&kind, today).map_err(|e| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no-variant",
            "No procedure variant in force",
        )
        .detail(e.to_string())
        // The variant in force on the day of submission decides (AMB-X1).
        .rule("AMB-X1")
    })?;
    let intake = def.intake_at(&path).cloned().ok_or_else(|| {
        Problem::not_found(format!(
            "the variant in force ({} {}) takes no submissions at /api/v1/{path}",
            def.id, def.version
        ))
    })?;
    if !p.has(intake.role) {
        return Err(Problem::forbidden(format!(
            "only a {} may submit this ({})",
            intake.role, intake.rule
        ))
        .field("roles")
        .rule(intake.rule.clone()));
    }
    // The variant's rules run in its plugin: off the async runtime, bounded by its deadline.
    let (d, i) = (def.clone(), intake.clone());
    let verdict = d
        .run(move |d| d.admit(&i, body, today))
        .await
        .map_err(|e| egov_runtime::plugin_problem(&e))?
        .map_err(|e| egov_runtime::plugin_problem(&e))?;
    let admitted = match verdict {
        Ok(a) => a,
        Err(Refusal::Malformed(v)) => {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-body",
                "A field has an invalid value",
            )
            .field(v.field)
            .rule(v.rule)
            .detail(v.message));
        }
        Err(Refusal::Rules(violations)) => {
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
    };
    let (submission, submission_json, parts) = admitted.into_json();
    check_case_refs(ctx, &intake, &submission, &p).await?;
    // A form whose values are taken once (`x-unique`, e.g. LC-32.a) makes the case id unique per
    // those values; otherwise, with an Idempotency-Key, the case id is unique per key, so a retry
    // after a lost answer finds the first case even if the key's record was lost with a crash.
    let taken_once = match &intake.form {
        egov_procedure::IntakeForm::Schema(schema) => schema.unique().map_err(|e| {
            tracing::error!(error = %e, "a loaded form's x-unique is invalid");
            Problem::internal()
        })?,
        egov_procedure::IntakeForm::Graph(_) => None,
    };
    let unique = match &taken_once {
        Some(u) => Some(u.name(&def.kind, &intake.name, &submission)),
        None => name.map(str::to_owned),
    };
    let id = match &unique {
        Some(u) => ctx.store.new_id_for(u),
        None => ulid::Ulid::new().to_string(),
    };
    let received_at = time::format(now);
    let mut case = Case {
        id: id.clone(),
        procedure: def.kind.clone(),
        variant_id: def.id.clone(),
        variant_version: def.version.clone(),
        variant_digest: def.digest.clone(),
        org: p.org.to_string(),
        submitted_by: p.sub.clone(),
        received_at: received_at.clone(),
        intake: intake.name.clone(),
        submission,
        object_kind: String::new(),
        fields: Default::default(),
        documents: vec![],
        criteria: Default::default(),
    };
    // A 1.x submission keeps its parts on the case and the event (their readers predate 2.x).
    if let Some(s) = parts {
        case.object_kind = s.object_kind.to_string();
        case.fields = s
            .fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        case.documents = s
            .documents
            .iter()
            .map(|d| Document {
                kind: d.kind.to_string(),
                reference: d.reference.to_string(),
                title: d.title.as_ref().map(ToString::to_string),
            })
            .collect();
        case.criteria = s
            .criteria
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
    }
    let event = CaseSubmitted {
        case_id: id.clone(),
        procedure: def.kind.clone(),
        variant_id: def.id.clone(),
        variant_version: def.version.clone(),
        variant_digest: def.digest.clone(),
        org: case.org.clone(),
        submitted_by: p.sub.clone(),
        received_at,
        object_kind: case.object_kind.clone(),
        fields: case.fields.clone().into_iter().collect(),
        documents: case
            .documents
            .iter()
            .map(|d| DocumentRef {
                kind: d.kind.clone(),
                reference: d.reference.clone(),
                title: d.title.clone().unwrap_or_default(),
            })
            .collect(),
        criteria: case.criteria.clone().into_iter().collect(),
        intake: intake.name.clone(),
        submission_json,
    };
    let env = Envelope::new(crate::NAME, &event, now).with_case(&id);
    let append = case.creation(&env, unique);
    let appended = match fingerprint {
        None => ctx.store.append(append).await.map_err(store_problem)?,
        // The variant in force changed while the request ran, to one whose form takes its values
        // once: that case's key is not where the key's record is.
        Some(_) if taken_once.is_some() => {
            return Err(Problem::unavailable(
                "the procedure variant in force changed while the submission was checked; retry",
            ));
        }
        Some(fp) => {
            let answer = created(&case);
            let stored = idempotency::kept(&answer).ok_or_else(Problem::internal)?;
            let record = finished_record(fp, &stored);
            let answered = ctx
                .store
                .append_answered(
                    append,
                    Answer {
                        name: name.ok_or_else(Problem::internal)?,
                        record: &record,
                        ttl: ctx.idem.ttl,
                    },
                )
                .await
                .map_err(store_problem)?;
            match answered {
                Answered::Appended(Appended::Committed { .. }) => return Ok(answer),
                Answered::Appended(appended) => appended,
                Answered::Recorded(r) => return Ok(idempotency::replayed(&r, fp)),
            }
        }
    };
    let case = match appended {
        Appended::Committed { .. } => case,
        Appended::Exists(first) => {
            let first = load(ctx, &first).await?.ok_or_else(Problem::internal)?;
            // The same submitter's same submission is a retry; anything else is a duplicate.
            let retry = first.org == case.org
                && first.submitted_by == case.submitted_by
                && first.submission == case.submission;
            match &taken_once {
                Some(u) if !retry => {
                    return Err(Problem::conflict(format!(
                        "{} already submitted as case {} (the same {} are taken once)",
                        u.properties.join(" and "),
                        first.id,
                        u.properties.join(", ")
                    ))
                    .field(u.properties.join(","))
                    .rule(u.rule.clone()));
                }
                _ => first,
            }
        }
        Appended::AlreadyApplied => return Err(Problem::internal()),
    };
    Ok(created(&case))
}

/// The cases the submission refers to (`x-case` in its form, e.g. TOR-12's agreed TOR): each
/// must be a case of the submitter's agency, of the kind and in a status the form names. A case
/// of another agency is answered as no case at all.
async fn check_case_refs(
    ctx: &Ctx,
    intake: &egov_procedure::Intake,
    submission: &Value,
    p: &Principal,
) -> Result<(), Problem> {
    let egov_procedure::IntakeForm::Schema(schema) = &intake.form else {
        return Ok(());
    };
    let refs = schema.case_refs().map_err(|e| {
        tracing::error!(error = %e, "a loaded form's x-case is invalid");
        Problem::internal()
    })?;
    let store = ctx.platform.store(egov_cases::HOME);
    let mut violations = Vec::new();
    for r in refs {
        let Some(text) = submission.get(&r.field).and_then(Value::as_str) else {
            continue;
        };
        let refuse = |message: String| Violation {
            field: r.field.clone(),
            rule: Some(r.rule.clone()),
            message,
        };
        let Ok(id) = text.parse::<egov_kernel::CaseId>() else {
            violations.push(refuse(format!("{text:?} is not a case id")));
            continue;
        };
        let case = egov_cases::load(&store, id)
            .await
            .map_err(egov_runtime::store_problem)?
            .map(|(c, _)| c)
            .filter(|c| c.org == p.org);
        match case {
            None => violations.push(refuse(format!("your agency has no case {id}"))),
            Some(c) if c.procedure != r.kind => violations.push(refuse(format!(
                "case {id} is a {} case, not a {} one",
                c.procedure, r.kind
            ))),
            Some(c)
                if !c
                    .status
                    .as_ref()
                    .is_some_and(|s| r.status.iter().any(|x| x == s.as_str())) =>
            {
                violations.push(refuse(format!(
                    "case {id} is {}, and must be {}",
                    c.status.as_ref().map_or("under way", |s| s.as_str()),
                    r.status.join(" or ")
                )))
            }
            Some(_) => {}
        }
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Problem::invalid(violations))
    }
}

pub(crate) fn store_problem(e: StoreError) -> Problem {
    egov_runtime::store_problem(e)
}

async fn load(ctx: &Ctx, id: &str) -> Result<Option<Case>, Problem> {
    Ok(ctx
        .store
        .load::<Case>("case", id)
        .await
        .map_err(store_problem)?
        .map(|l| l.state))
}

/// `GET /api/v1/cases/{id}`: the case and its timeline. A state body sees only its own cases
/// (another agency's case is a 404, as if it did not exist); examiners see every case.
pub(crate) fn get(
    ctx: Arc<Ctx>,
) -> impl Filter<Extract = (ApiResponse,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "cases" / String)
        .and(warp::get())
        .and(egov_auth::authenticated(ctx.platform.verifier.clone()))
        .then(move |id: String, p: Principal| {
            let ctx = ctx.clone();
            async move { case_view(&ctx, &id, &p).await.unwrap_or_else(Into::into) }
        })
}

async fn case_view(ctx: &Ctx, id: &str, p: &Principal) -> Result<ApiResponse, Problem> {
    let examiner = READERS.iter().any(|r| p.has(*r));
    if !examiner && !p.has(Role::StateBody) {
        return Err(
            Problem::forbidden("cases are read by their state body and by examiners")
                .field("roles"),
        );
    }
    // An id is parsed before it goes near a key, as at every other service, and read in its
    // canonical spelling (a ULID is case-insensitive: the same case, whichever way it is
    // written).
    let id = match id.parse::<egov_kernel::CaseId>() {
        Ok(id) => id.to_string(),
        Err(e) => {
            return Err(
                Problem::new(StatusCode::BAD_REQUEST, "invalid-id", "Not an id")
                    .field("id")
                    .detail(e.to_string()),
            );
        }
    };
    let id = id.as_str();
    let not_found = || Problem::not_found(format!("no case {id}")).field("id");
    let case = load(ctx, id).await?.ok_or_else(not_found)?;
    if !examiner && case.org != p.org.to_string() {
        return Err(not_found());
    }
    let mut entries: Vec<(jiff::Timestamp, String, usize, Value)> = Vec::new();
    let own = ctx.store.history("case", id).await.map_err(store_problem)?;
    let foreign = ctx
        .store
        .projection("case", id)
        .await
        .map_err(store_problem)?;
    for (entry, env) in own.into_iter().chain(foreign) {
        for (i, (at, v)) in domain::timeline_entries(&env).into_iter().enumerate() {
            entries.push((at, entry.clone(), i, v));
        }
    }
    entries.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.cmp(&b.1))
            .then_with(|| a.2.cmp(&b.2))
    });
    let timeline: Vec<Value> = entries.into_iter().map(|(_, _, _, v)| v).collect();
    let documents: Vec<Value> = case.documents.iter().map(|d| json!(d)).collect();
    let fields: BTreeMap<&String, &String> = case.fields.iter().collect();
    Ok(ApiResponse::json(
        StatusCode::OK,
        &json!({
            "id": case.id,
            "procedure": case.procedure,
            "variant": {"id": case.variant_id, "version": case.variant_version, "sha256": case.variant_digest},
            "status": domain::status(&timeline),
            "org": case.org,
            "received_at": case.received_at,
            "intake": case.intake,
            "submission": case.submission,
            "object_kind": (!case.object_kind.is_empty()).then_some(&case.object_kind),
            "fields": fields,
            "documents": documents,
            "timeline": timeline,
        }),
    ))
}
