//! The task aggregate: one step of one case, with its legal term.

use std::sync::Arc;

use egov_bus::Envelope;
use egov_events::v1::StepOpened;
use egov_kernel::{Calendar, Role, time};
use egov_procedure::Step;
use egov_store::{Append, Appended, IndexOp, Store, StoreError};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A task as expertise records it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Task {
    pub id: String,
    pub case_id: String,
    /// The case's submitting agency.
    pub org: String,
    pub variant_id: String,
    pub variant_version: String,
    /// The sha256 of the variant's artifact the case follows.
    #[serde(default)]
    pub variant_digest: String,
    pub step: String,
    pub title: String,
    pub role: Role,
    pub rule: String,
    pub opened_at: String,
    pub due: Option<Due>,
    pub status: TaskStatus,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub completed_at: Option<String>,
    #[serde(default)]
    pub approaching_notified: bool,
    #[serde(default)]
    pub missed_notified: bool,
}

/// A task's legal term.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Due {
    pub last_day: Date,
    pub ends_at: String,
    pub provisional: bool,
}

/// Open or done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskStatus {
    Open,
    Completed,
}

/// What a task is opened for: the case and its variant.
pub struct CaseRef<'a> {
    pub case_id: &'a str,
    pub org: &'a str,
    pub variant_id: &'a str,
    pub variant_version: &'a str,
    pub variant_digest: &'a str,
}

/// The task id of `step` in `case`: one task per step per case, so a redelivered event cannot
/// open a second one.
pub fn task_id(case: &str, step: &str) -> String {
    format!("{case}.{step}")
}

/// Index names.
pub fn open_index(role: Role) -> String {
    format!("open:{role}")
}
pub const APPROACHING: &str = "due:approaching";
pub const MISSED: &str = "due:missed";

/// When a term counts as approaching: one working day before it ends, i.e. the start of its
/// last day (the last day of a term is always a working day).
pub fn approaching_at(last_day: Date) -> Timestamp {
    let day_before = last_day
        .yesterday()
        .expect("calendar dates are far from jiff's limits");
    time::end_of_day(day_before).timestamp()
}

/// Why a task could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The store failed (transient).
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The calendar cannot count the term (a date outside its range).
    #[error("calendar: {0}")]
    Calendar(#[from] egov_kernel::CalendarError),
}

/// Opens `step` for `case`, received by the acting party at `received`; `cause` is the event
/// that opened it (its id makes the opening exactly-once).
pub async fn open(
    store: &Store,
    calendar: &Arc<Calendar>,
    case: CaseRef<'_>,
    step: &Step,
    received: Timestamp,
    cause: &Envelope,
) -> Result<(), OpenError> {
    let id = task_id(case.case_id, &step.id);
    let due = match &step.term {
        Some(t) => {
            let d = calendar.due_after(received, t.term())?;
            Some(Due {
                last_day: d.last_day,
                ends_at: time::format(d.ends_at().timestamp()),
                provisional: d.provisional,
            })
        }
        None => None,
    };
    let task = Task {
        id: id.clone(),
        case_id: case.case_id.to_owned(),
        org: case.org.to_owned(),
        variant_id: case.variant_id.to_owned(),
        variant_version: case.variant_version.to_owned(),
        variant_digest: case.variant_digest.to_owned(),
        step: step.id.clone(),
        title: step.title.clone(),
        role: step.role,
        rule: step.rule.clone(),
        opened_at: time::format(received),
        due: due.clone(),
        status: TaskStatus::Open,
        outcome: None,
        completed_at: None,
        approaching_notified: false,
        missed_notified: false,
    };
    let event = StepOpened {
        case_id: task.case_id.clone(),
        task_id: id.clone(),
        step: step.id.clone(),
        title: step.title.clone(),
        role: step.role.to_string(),
        rule: step.rule.clone(),
        opened_at: task.opened_at.clone(),
        last_day: due
            .as_ref()
            .map(|d| d.last_day.to_string())
            .unwrap_or_default(),
        ends_at: due.as_ref().map(|d| d.ends_at.clone()).unwrap_or_default(),
        provisional: due.as_ref().is_some_and(|d| d.provisional),
        org: task.org.clone(),
        variant_id: task.variant_id.clone(),
        variant_version: task.variant_version.clone(),
        variant_digest: task.variant_digest.clone(),
    };
    let env = Envelope::new(crate::NAME, &event, received)
        .with_case(case.case_id)
        .caused_by(cause);
    let mut index = vec![IndexOp::Add {
        index: open_index(step.role),
        member: id.clone(),
    }];
    if let Some(d) = &due {
        let ends: Timestamp = time::parse(&d.ends_at).expect("formatted above");
        index.push(IndexOp::Score {
            index: APPROACHING.into(),
            member: id.clone(),
            score: approaching_at(d.last_day).as_second() as f64,
        });
        index.push(IndexOp::Score {
            index: MISSED.into(),
            member: id.clone(),
            score: ends.as_second() as f64,
        });
    }
    let r = store
        .append(Append {
            kind: "task",
            id: &id,
            expected_version: 0,
            state: &task,
            event: &env,
            index,
            applied: Some(cause.id.to_string()),
            unique: None,
        })
        .await;
    match r {
        Ok(Appended::Committed { .. } | Appended::AlreadyApplied) => Ok(()),
        // Opened before by this same step of this case: nothing to do.
        Err(StoreError::Conflict { .. }) => Ok(()),
        Ok(Appended::Exists(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Working days left after today, counted as the term counts them: N on the day the matter was
/// received, 0 on the last day, negative (working days overdue) after it.
pub fn working_days_left(calendar: &Calendar, today: Date, last_day: Date) -> Option<i32> {
    calendar
        .working_days_between(today, last_day)
        .ok()
        .map(|(n, _)| n)
}

/// The facts a step's check decides on, folded from the case's dossier (the submission and
/// every completed step, as expertise received them): `{case: {object_kind, fields,
/// criteria}, steps: {step: {outcome, inputs}}}`.
pub fn dossier(events: &[(String, Envelope)]) -> serde_json::Value {
    use egov_events::v1::{CaseSubmitted, StepCompleted};
    let mut case = serde_json::json!({});
    let mut steps = serde_json::Map::new();
    for (_, env) in events {
        match env.kind.as_str() {
            "CaseSubmitted" => {
                if let Ok(e) = env.decode::<CaseSubmitted>() {
                    case = serde_json::json!({"object_kind": e.object_kind, "fields": e.fields, "criteria": e.criteria});
                }
            }
            "StepCompleted" => {
                if let Ok(e) = env.decode::<StepCompleted>() {
                    let inputs: serde_json::Value = serde_json::from_str(&e.inputs_json)
                        .unwrap_or_else(|_| serde_json::json!({}));
                    steps.insert(
                        e.step,
                        serde_json::json!({"outcome": e.outcome, "inputs": inputs}),
                    );
                }
            }
            _ => {}
        }
    }
    serde_json::json!({"case": case, "steps": steps})
}
