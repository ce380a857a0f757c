//! Cases on the engine: each input is one `react` call of the case's variant (pinned by
//! digest), the pure core's `apply`, and one atomic append of the case with a `CaseAdvanced`
//! event and the index changes.

use std::sync::Arc;

use egov_bus::Envelope;
use egov_engine::{ApplyError, Case, Context, Input, Violation};
use egov_kernel::{Calendar, CaseId, TaskKey, time};
use egov_procedure::{Definition, PluginError, SelectError};
use egov_store::{Answer, Answered, Append, Appended, IndexOp, Store, StoreError};
use jiff::civil::Date;

use crate::Host as Ctx;
use crate::event::{self, Actor};

pub use egov_engine::apply::index::{APPROACHING, MISSED};

/// The aggregate kind of a case in expertise's store.
pub const CASE: &str = "case";

/// How many follow-up inputs (a closed or unsealed slot) one input may cause.
const MAX_FOLLOW_UPS: usize = 8;

/// Why an input could not be applied. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum AdvanceError {
    /// The case's variant revision is not loaded.
    #[error(transparent)]
    Variant(#[from] SelectError),
    /// The variant failed (trap, timeout, limit...).
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// The variant asked for something the engine cannot do.
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// The store failed or the case changed meanwhile.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an input did.
pub enum Advanced {
    /// Applied and recorded: the case after it and its new version.
    Committed(Box<Case>, u64),
    /// The variant refused the input; nothing was recorded.
    Refused(Vec<Violation>),
    /// The event causing it was applied before.
    AlreadyApplied,
}

/// Loads a case and its version.
pub async fn load(store: &Store, id: CaseId) -> Result<Option<(Case, u64)>, StoreError> {
    Ok(store
        .load::<Case>(CASE, &id.to_string())
        .await?
        .map(|l| (l.state, l.version)))
}

/// The case's variant revision.
pub fn variant(ctx: &Ctx, case: &Case) -> Result<Arc<Definition>, SelectError> {
    let v = &case.variant;
    ctx.platform
        .definitions
        .pinned(&v.id, &v.version, &v.digest)
}

/// Runs `input` through the case's variant and records what it changed: `case` is the case
/// as loaded at `version` (0 and a fresh case for a submission); `cause` is the event that
/// brought the input, whose id makes the step exactly-once.
pub async fn advance(
    ctx: &Ctx,
    case: Case,
    version: u64,
    input: Input,
    actor: &Actor,
    cause: Option<&Envelope>,
) -> Result<Advanced, AdvanceError> {
    match decide(ctx, case, version, input, actor, cause).await? {
        Decided::Refused(v) => Ok(Advanced::Refused(v)),
        Decided::Step(step) => (*step).commit(&ctx.store).await,
    }
}

/// What an input does to a case, decided and not yet written.
pub enum Decided {
    /// The step to write.
    Step(Box<Step>),
    /// The variant refused the input.
    Refused(Vec<Violation>),
}

/// An input's effect on a case: the case after it, its event and index changes, to be appended
/// at the version it was decided on ([`Step::commit`], [`Step::commit_answered`]).
pub struct Step {
    id: String,
    case: Box<Case>,
    version: u64,
    event: Envelope,
    index: Vec<IndexOp>,
    applied: Option<String>,
}

impl Step {
    /// The case as it will be.
    pub fn case(&self) -> &Case {
        &self.case
    }

    /// The case's version once the step is written.
    pub fn version_after(&self) -> u64 {
        self.version + 1
    }

    /// The append of the step (its index changes and marker moved into it: it is written once).
    fn append(&mut self) -> Append<'_, Case> {
        Append {
            kind: CASE,
            id: &self.id,
            expected_version: self.version,
            state: &self.case,
            event: &self.event,
            index: std::mem::take(&mut self.index),
            applied: self.applied.take(),
            unique: None,
        }
    }

    /// Writes the step (one atomic append; a changed case is [`StoreError::Conflict`]).
    pub async fn commit(mut self, store: &Store) -> Result<Advanced, AdvanceError> {
        let appended = store.append(self.append()).await?;
        Ok(self.committed(appended))
    }

    /// Writes the step carrying out a client request, keeping its answer in the same append
    /// ([`Store::append_answered`]; the answer's name must be in the case's partition,
    /// [`Store::answers_with`]). `Err(record)` when the request was answered before: its record,
    /// and nothing written.
    pub async fn commit_answered(
        mut self,
        store: &Store,
        answer: Answer<'_>,
    ) -> Result<Result<Advanced, String>, AdvanceError> {
        Ok(match store.append_answered(self.append(), answer).await? {
            Answered::Appended(a) => Ok(self.committed(a)),
            Answered::Recorded(record) => Err(record),
        })
    }

    fn committed(self, appended: Appended) -> Advanced {
        match appended {
            Appended::Committed { version, .. } => Advanced::Committed(self.case, version),
            Appended::AlreadyApplied | Appended::Exists(_) => Advanced::AlreadyApplied,
        }
    }
}

/// Runs `input` through the case's variant (see [`advance`]) and decides the step, without
/// writing it.
pub async fn decide(
    ctx: &Ctx,
    mut case: Case,
    version: u64,
    input: Input,
    actor: &Actor,
    cause: Option<&Envelope>,
) -> Result<Decided, AdvanceError> {
    let before = (version > 0).then(|| case.index_view());
    let def = variant(ctx, &case)?;
    let ctx_core = Context {
        steps: &def.steps,
        calendar: &ctx.platform.calendar,
    };
    // The first input names the step in the event; follow-ups are queued behind it.
    let mut first = None;
    let mut changes = Vec::new();
    let mut queue = vec![input];
    let mut rounds = 0;
    while let Some(input) = queue.pop() {
        rounds += 1;
        if rounds > 1 + MAX_FOLLOW_UPS {
            return Err(ApplyError("too many follow-up inputs from one input".into()).into());
        }
        // The state, the entries and the input go to the call and come back, not copied.
        let (d, state, entries) = (
            def.clone(),
            std::mem::take(&mut case.state),
            std::mem::take(&mut case.entries),
        );
        // The variant runs off the async runtime under a permit of the plugin pool (waited
        // for before the hop), bounded by its deadline.
        let (verdict, state, entries, input) = def
            .run(move |_| {
                let verdict = egov_engine::react(&d, &state, &input, &entries);
                (verdict, state, entries, input)
            })
            .await?;
        (case.state, case.entries) = (state, entries);
        let verdict = verdict?;
        let reaction = match verdict {
            Ok(r) => r,
            Err(v) if rounds == 1 => return Ok(Decided::Refused(v)),
            Err(v) => {
                return Err(ApplyError(format!(
                    "the variant refused its own follow-up input: {}",
                    v.iter()
                        .map(|v| format!("{} ({})", v.message, v.rule))
                        .collect::<Vec<_>>()
                        .join("; ")
                ))
                .into());
            }
        };
        let (mut done, mut next) = egov_engine::apply(&mut case, &input, reaction, &ctx_core)?;
        for i in &mut next {
            open_sealed(ctx, &mut case, i)?;
        }
        changes.append(&mut done);
        queue.extend(next.into_iter().rev());
        first.get_or_insert(input);
    }
    let first = first.expect("the loop ran the input it was given");
    egov_engine::apply::coalesce_entries(&mut changes);
    let event = event::advanced(&case, &first, &changes, actor);
    let at = time::parse(first.at()).unwrap_or_else(|_| ctx.platform.clock.now());
    let mut env = Envelope::new(ctx.service, &event, at).with_case(case.id.to_string());
    if let Some(c) = cause {
        env = env.caused_by(c);
    }
    Ok(Decided::Step(Box::new(Step {
        id: case.id.to_string(),
        index: egov_engine::index_ops(before.as_ref(), &case),
        case: Box::new(case),
        version,
        event: env,
        applied: cause.map(|c| c.id.to_string()),
    })))
}

/// The unseal step: a sealed slot's bodies, kept encrypted until now, are opened with the
/// case's slot key, given to the variant in `slot-unsealed` and kept open on the case from
/// here on. A body that does not open fails the step (nothing is written).
fn open_sealed(ctx: &Ctx, case: &mut Case, input: &mut Input) -> Result<(), AdvanceError> {
    let Input::SlotUnsealed { slot, inputs, .. } = input else {
        return Ok(());
    };
    let case_id = case.id.to_string();
    let Some(kept) = case.slots.get_mut(slot) else {
        return Ok(());
    };
    for i in inputs.iter_mut() {
        if !egov_runtime::sealing::Sealer::is_sealed(&i.body) {
            continue;
        }
        let place = egov_runtime::sealing::Place {
            case: &case_id,
            slot: slot.as_str(),
            seq: i.seq,
            digest: &i.digest,
        };
        let body = ctx
            .platform
            .sealer
            .open(place, &i.body)
            .map_err(|e| ApplyError(format!("unseal {slot} input {}: {e}", i.seq)))?;
        if let Some(k) = kept.inputs.iter_mut().find(|k| k.seq == i.seq) {
            k.body = body.clone();
        }
        i.body = body;
    }
    Ok(())
}

/// Working days left after today, counted as the term counts them: N on the day the matter was
/// received, 0 on the last day, negative (working days overdue) after it.
pub fn working_days_left(calendar: &Calendar, today: Date, last_day: Date) -> Option<i32> {
    calendar
        .working_days_between(today, last_day)
        .ok()
        .map(|(n, _)| n)
}

/// The task id of `key` in `case`.
pub fn task_id(case: &Case, key: &TaskKey) -> String {
    egov_engine::apply::task_member(case, key)
}
