//! An e-government informatization object: the case is the object for its whole life.
//!
//! Registered through the intake `informatization-objects` (LC-4.a); the state body's slots carry
//! its stages (LC-9), warranty claims (LC-17.b), requests for environments (LC-12.a) and
//! placement (LC-13.a), and its records (LC-4.b). Every accepted input that changes the object
//! writes its entry in the registry `informatization-objects` again, under the same key.

use std::collections::BTreeMap;

use egov_plugin_sdk::date::{day, dotted, end_of_day};
use egov_plugin_sdk::read::{Checks, Obj, object};
use egov_plugin_sdk::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::form::{
    Act, Placement, Portal, read_act, read_conclusion, read_object, read_placement, read_portal,
};
use crate::texts::*;
use crate::{Calendar, OBJECT_REGISTRY, READING, SLOTS, STAGES, bad, stage_title};

/// One stage the object entered.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StageRecord {
    pub stage: String,
    /// The day it began (unknown for the stage an existing object was registered in, unless it
    /// is commercial operation, which began on the day of commissioning).
    pub on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Act>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    pub recorded_on: String,
}

/// The Agreement an environment is provided under (LC-12.a).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Agreement {
    pub number: String,
    pub concluded_on: String,
}

/// An application for environments (LC-12).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EnvironmentRequest {
    pub n: u32,
    pub task: String,
    pub environments: Vec<String>,
    pub agreement: Agreement,
    pub received_on: String,
    /// The operator's last day (10 working days, LC-12.a).
    pub due: String,
    /// The last day of the free period (3 months from the Agreement, LC-12.b).
    pub free_until: String,
    #[serde(default)]
    pub free_period_ended: bool,
    pub status: String,
    #[serde(default)]
    pub provided_on: Option<String>,
    #[serde(default)]
    pub reasons: Vec<String>,
}

/// An application for placement services (LC-13.a).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlacementRequest {
    pub n: u32,
    pub task: String,
    pub services: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
    pub received_on: String,
    /// The operator's last day (10 working days, LC-13.a).
    pub due: String,
    pub status: String,
    #[serde(default)]
    pub provided_on: Option<String>,
    #[serde(default)]
    pub reasons: Vec<String>,
}

/// A warranty claim (LC-17.b).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claim {
    pub n: u32,
    pub task: String,
    pub defect: String,
    pub found_on: String,
    pub evidence: Vec<String>,
    pub supplier_error: String,
    pub tor: String,
    pub claimed_on: String,
    pub supplier: String,
    /// The agreed time limit (AMB-LC-6) and its last day, when the object has one.
    #[serde(default)]
    pub sla_working_days: Option<u32>,
    #[serde(default)]
    pub sla_due: Option<String>,
    #[serde(default)]
    pub sla_passed: bool,
    pub status: String,
    #[serde(default)]
    pub closed_on: Option<String>,
    #[serde(default)]
    pub reasons: Vec<String>,
}

/// The registry entry of an object: what the catalog indexes and shows.
#[derive(Serialize)]
struct EntryBody<'a> {
    name_ru: &'a str,
    name_kk: &'a Option<String>,
    name_en: &'a Option<String>,
    description: &'a str,
    class: u8,
    placement: &'a str,
    placement_ground: &'a Option<String>,
    platform_exception: &'a Option<Value>,
    funding: &'a str,
    budget_funded: bool,
    origin: &'a str,
    stage: &'a str,
    stage_since: &'a Option<String>,
    stages: Vec<StageView<'a>>,
    requires_trial_operation: bool,
    org: &'a str,
    supplier: &'a Option<String>,
    development_supplier: &'a Option<String>,
    commissioned_on: &'a Option<String>,
    warranty_until: &'a Option<String>,
    warranty_sla_working_days: Option<u32>,
    portal: &'a Option<Portal>,
    operation_funding_supported: bool,
    environment_requests: &'a [EnvironmentRequest],
    placement_requests: &'a [PlacementRequest],
    warranty_claims: ClaimsView<'a>,
    events: &'a [Value],
    status: &'a str,
}

#[derive(Serialize)]
struct StageView<'a> {
    stage: &'a str,
    on: &'a Option<String>,
    act: &'a Option<Act>,
    tor: &'a Option<String>,
}

#[derive(Serialize)]
struct ClaimsView<'a> {
    count: usize,
    open: usize,
    eliminated: usize,
    declined: usize,
    claims: Vec<ClaimView<'a>>,
}

/// A claim as the entry shows it (its texts stay on the case).
#[derive(Serialize)]
struct ClaimView<'a> {
    n: u32,
    task: &'a str,
    found_on: &'a str,
    claimed_on: &'a str,
    supplier: &'a str,
    status: &'a str,
    sla_due: &'a Option<String>,
    sla_passed: bool,
    closed_on: &'a Option<String>,
}

/// The object.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Object {
    /// The state body's BIN.
    pub org: String,
    pub registered_on: String,
    pub name_ru: String,
    pub name_kk: Option<String>,
    pub name_en: Option<String>,
    pub description: String,
    pub class: u8,
    pub placement: Placement,
    pub funding: String,
    pub budget_funded: bool,
    pub supplier: Option<String>,
    pub warranty_sla_working_days: Option<u32>,
    pub origin: String,
    pub ab_conclusion: Option<Value>,
    pub stage: String,
    pub stage_since: Option<String>,
    pub stages: Vec<StageRecord>,
    pub commissioned_on: Option<String>,
    pub warranty_until: Option<String>,
    /// LC-24: a donated object passes trial operation and commissioning (again).
    pub requires_trial_operation: bool,
    pub portal: Option<Portal>,
    pub environment_requests: Vec<EnvironmentRequest>,
    pub placement_requests: Vec<PlacementRequest>,
    pub warranty_claims: Vec<Claim>,
    /// Refinements (LC-10.c), source-code transfers (LC-11), acquisitions (LC-23), placement
    /// changes (LC-13.b), portal updates (LC-4.b).
    pub events: Vec<Value>,
    /// The last round opened of each step.
    pub rounds: BTreeMap<String, u32>,
    /// The supplier of a development under way, and its agreed time limit: the warranty's once
    /// the developed object is commissioned.
    #[serde(default)]
    pub next_supplier: Option<String>,
    #[serde(default)]
    pub next_warranty_sla_working_days: Option<u32>,
}

fn calendar(e: String) -> Vec<Violation> {
    bad("", "", format!("the calendar could not count: {e}"))
}

/// The body of a slot input, as JSON.
fn body_of(i: &SlotInput, rule: &str) -> Result<Value, Vec<Violation>> {
    let Some(b) = i.body.as_deref() else {
        return Err(bad("", rule, "the input has no body"));
    };
    serde_json::from_str(b).map_err(|e| bad("", rule, format!("the input is not JSON: {e}")))
}

/// The object registered (LC-4.a): its stage, its slots, its entry.
pub fn submitted(
    s: &Submitted,
    cal: &dyn Calendar,
    effects: &mut Vec<Effect>,
) -> Result<Object, Vec<Violation>> {
    let today = day(&s.at).to_owned();
    let body: Value = serde_json::from_str(&s.submission)
        .map_err(|e| bad("", "LC-4.a", format!("the submission is not JSON: {e}")))?;
    let r = read_object(&body, &today)?;
    let Some(org) = s.by.org.clone() else {
        return Err(bad(
            "",
            "LC-4.a",
            "an object is registered by a state body or an organization: the submitter's BIN is required",
        ));
    };
    let stage = r.stage.clone().unwrap_or_else(|| "creation".to_owned());
    let stage_since = match (r.origin.as_str(), stage.as_str()) {
        ("creation" | "donation", _) => Some(today.clone()),
        (_, "commercial-operation") => r.commissioned_on.clone(),
        _ => None,
    };
    let warranty_until = match &r.commissioned_on {
        Some(d) => Some(cal.term_end(d, 12, Unit::Months).map_err(calendar)?),
        None => None,
    };
    let o = Object {
        org: org.clone(),
        registered_on: today.clone(),
        name_ru: r.name_ru,
        name_kk: r.name_kk,
        name_en: r.name_en,
        description: r.description,
        class: r.class,
        placement: r.placement,
        funding: r.funding,
        budget_funded: r.budget_funded,
        supplier: r.supplier,
        warranty_sla_working_days: r.warranty_sla_working_days,
        requires_trial_operation: r.origin == "donation",
        origin: r.origin,
        ab_conclusion: r.ab_conclusion,
        stage: stage.clone(),
        stage_since: stage_since.clone(),
        stages: vec![StageRecord {
            stage: stage.clone(),
            on: stage_since,
            act: None,
            tor: None,
            supplier: None,
            recorded_on: today.clone(),
        }],
        commissioned_on: r.commissioned_on,
        warranty_until,
        portal: r.portal,
        environment_requests: Vec::new(),
        placement_requests: Vec::new(),
        warranty_claims: Vec::new(),
        events: Vec::new(),
        rounds: BTreeMap::new(),
        next_supplier: None,
        next_warranty_sla_working_days: None,
    };
    effects.push(Effect::SetStatus(stage));
    for (slot, rule) in SLOTS {
        effects.push(open_slot(slot, party_of("state-body", &org), false, rule));
    }
    o.warranty_timer(&today, false, effects);
    o.put(effects);
    Ok(o)
}

impl Object {
    /// The registry key: `<BIN>/<name_ru>`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.org, self.name_ru)
    }

    /// LC-18: the expenses of commercial operation are supported only with the object's
    /// information and the electronic copies of its technical documentation on the portal.
    pub fn operation_funding_supported(&self) -> bool {
        self.portal.is_some()
    }

    /// The registry entry: what the catalog indexes and shows.
    pub fn entry(&self) -> Value {
        serde_json::from_str(&self.entry_json()).unwrap_or(Value::Null)
    }

    /// The registry entry as JSON text, serialized straight from the object (no JSON tree).
    pub fn entry_json(&self) -> String {
        let count = |s: &str| {
            self.warranty_claims
                .iter()
                .filter(|c| c.status == s)
                .count()
        };
        let body = EntryBody {
            name_ru: &self.name_ru,
            name_kk: &self.name_kk,
            name_en: &self.name_en,
            description: &self.description,
            class: self.class,
            placement: &self.placement.placement,
            placement_ground: &self.placement.placement_ground,
            platform_exception: &self.placement.platform_exception,
            funding: &self.funding,
            budget_funded: self.budget_funded,
            origin: &self.origin,
            stage: &self.stage,
            stage_since: &self.stage_since,
            stages: self
                .stages
                .iter()
                .map(|s| StageView {
                    stage: &s.stage,
                    on: &s.on,
                    act: &s.act,
                    tor: &s.tor,
                })
                .collect(),
            requires_trial_operation: self.requires_trial_operation,
            org: &self.org,
            supplier: &self.supplier,
            development_supplier: &self.next_supplier,
            commissioned_on: &self.commissioned_on,
            warranty_until: &self.warranty_until,
            warranty_sla_working_days: self.warranty_sla_working_days,
            portal: &self.portal,
            operation_funding_supported: self.operation_funding_supported(),
            environment_requests: &self.environment_requests,
            placement_requests: &self.placement_requests,
            warranty_claims: ClaimsView {
                count: self.warranty_claims.len(),
                open: count("open"),
                eliminated: count("eliminated"),
                declined: count("declined"),
                claims: self
                    .warranty_claims
                    .iter()
                    .map(|c| ClaimView {
                        n: c.n,
                        task: &c.task,
                        found_on: &c.found_on,
                        claimed_on: &c.claimed_on,
                        supplier: &c.supplier,
                        status: &c.status,
                        sla_due: &c.sla_due,
                        sla_passed: c.sla_passed,
                        closed_on: &c.closed_on,
                    })
                    .collect(),
            },
            events: &self.events,
            status: &self.stage,
        };
        serde_json::to_string(&body).expect("the entry serializes")
    }

    /// Writes the entry.
    fn put(&self, effects: &mut Vec<Effect>) {
        effects.push(Effect::PutEntry(Entry {
            registry: OBJECT_REGISTRY.into(),
            key: self.key(),
            body: self.entry_json(),
        }));
    }

    fn state_body(&self) -> Party {
        party_of("state-body", &self.org)
    }

    fn next_round(&mut self, step: &str) -> (u32, String) {
        let n = self.rounds.get(step).copied().unwrap_or(0) + 1;
        self.rounds.insert(step.to_owned(), n);
        (n, task_key(step, n))
    }

    /// The timer at the end of the warranty period (LC-16.b), when it is still to come; `again`:
    /// a later commissioning, whose period replaces the last one's timer.
    fn warranty_timer(&self, today: &str, again: bool, effects: &mut Vec<Effect>) {
        match &self.warranty_until {
            Some(until) if until.as_str() >= today => {
                if let Some(end) = end_of_day(until) {
                    effects.push(set_timer_at("warranty-end", &end, "LC-16.b"));
                }
            }
            Some(_) if again => effects.push(Effect::CancelTimer("warranty-end".into())),
            _ => {}
        }
    }

    /// One input after the registration.
    pub fn react(
        &mut self,
        input: &Input,
        cal: &dyn Calendar,
        effects: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let changed = match input {
            Input::SlotInput(i) => {
                let rule = SLOTS
                    .iter()
                    .find(|(s, _)| *s == i.slot)
                    .map(|(_, r)| *r)
                    .ok_or_else(|| bad("slot", "", format!("no slot {:?}", i.slot)))?;
                let body = body_of(i, rule)?;
                match i.slot.as_str() {
                    "stage" => self.stage_report(i, &body, cal, effects)?,
                    "warranty-claims" => self.warranty_claim(i, &body, cal, effects)?,
                    "environment-requests" => self.environment_request(i, &body, cal, effects)?,
                    "placement-requests" => self.placement_request(i, &body, cal, effects)?,
                    _ => self.record(i, &body)?,
                }
                true
            }
            Input::TaskCompleted(t) => {
                self.task_completed(t, effects)?;
                true
            }
            Input::TimerFired(f) => self.timer_fired(f, effects),
            _ => false,
        };
        if changed {
            self.put(effects);
        }
        Ok(())
    }

    /// The stages that may follow the current one, and the rule that says so.
    pub fn next_stages(&self) -> Vec<&'static str> {
        let after_commissioning = ["trial-operation", "is-testing", "implementation"];
        if self.stage == "termination" {
            return Vec::new();
        }
        if self.requires_trial_operation && !after_commissioning.contains(&self.stage.as_str()) {
            return vec!["trial-operation"];
        }
        match self.stage.as_str() {
            "creation" | "development" => vec!["trial-operation"],
            "trial-operation" => vec!["is-testing"],
            "is-testing" => vec!["implementation"],
            "implementation" => vec!["commercial-operation"],
            "commercial-operation" => vec!["development", "support", "termination"],
            "support" => vec!["development", "termination"],
            _ => Vec::new(),
        }
    }

    /// The rule a move from the current stage to `to` breaks, and why.
    fn forbidden_move(&self, to: &str) -> (&'static str, String) {
        let next = self.next_stages();
        let allowed = if next.is_empty() {
            "none".to_owned()
        } else {
            next.iter()
                .map(|s| stage_title(s))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let from = stage_title(&self.stage);
        if self.stage == "termination" {
            return (
                "LC-19",
                format!(
                    "the object's commercial operation was terminated: {LC_19}; no stage follows"
                ),
            );
        }
        if to == "development" && self.commissioned_on.is_none() {
            return (
                "LC-10.a",
                format!(
                    "the object at {from} has not been commissioned into commercial operation: {LC_10_A}. The next stage allowed: {allowed}"
                ),
            );
        }
        if self.requires_trial_operation {
            return (
                "LC-24",
                format!(
                    "the object was acquired by donation: {LC_24}. From {from} the next stage allowed: {allowed}"
                ),
            );
        }
        (
            "LC-9",
            format!(
                "from {from} the object moves to {allowed} (p.3, p.9: creation and development comprise development, trial operation, IS testing, implementation and commissioning, in that order), not to {}",
                stage_title(to)
            ),
        )
    }

    /// The latest day the object's history knows: a stage report cannot be dated before it.
    fn floor(&self) -> Option<&str> {
        match (&self.stage_since, &self.commissioned_on) {
            (Some(a), Some(b)) => Some(a.max(b).as_str()),
            (Some(a), None) | (None, Some(a)) => Some(a.as_str()),
            (None, None) => None,
        }
    }

    /// A stage report (LC-9, LC-10, LC-15, LC-19), or a refinement that is not development
    /// (LC-10.c).
    fn stage_report(
        &mut self,
        i: &SlotInput,
        body: &Value,
        cal: &dyn Calendar,
        effects: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        if body.get("refinement").is_some() {
            return self.refinement(i, body);
        }
        let today = day(&i.at).to_owned();
        let mut c = Checks::new(READING);
        let keys = [
            "stage",
            "on",
            "act",
            "tor",
            "portal",
            "supplier",
            "warranty_sla_working_days",
        ];
        let Some(o) = object(&mut c, body, "", "LC-9", "a stage report", &keys) else {
            return Err(c.v);
        };
        let all: Vec<&str> = STAGES.iter().map(|(s, _)| *s).collect();
        let Some(to) = o.choice(&mut c, "stage", ("LC-9", "the stage"), &all, true) else {
            return Err(c.v);
        };
        if !self.next_stages().contains(&to.as_str()) {
            let (rule, why) = self.forbidden_move(&to);
            c.push("stage", rule, why);
            return Err(c.v);
        }
        let from = self.stage.clone();
        // The rule of this move, and the act that closes the stage it leaves.
        let (rule, act_needed): (&str, Option<&str>) = match (from.as_str(), to.as_str()) {
            ("trial-operation", _) => ("LC-9", Some(LC_9_2)),
            (_, "implementation") => ("LC-9", Some(LC_9_3)),
            (_, "commercial-operation") => ("LC-15", Some(LC_15)),
            (_, "development") => ("LC-10.a", None),
            (_, "termination") => ("LC-19", None),
            (_, "support") => ("LC-16.a", None),
            _ => ("LC-9", None),
        };
        let on = o.date(
            &mut c,
            "on",
            (rule, "the day the stage began"),
            Some(&today),
            true,
        );
        let floor = self.floor().map(str::to_owned);
        if let (Some(on), Some(floor)) = (&on, &floor)
            && on < floor
        {
            c.push(
                "on",
                rule,
                format!("the stage cannot begin on {on}, before the object's previous stage began ({floor})"),
            );
        }
        let act = read_act(&mut c, &o, "act", (rule, "the act"), &today, false);
        if let (Some(a), Some(on)) = (&act, &on)
            && a.date.as_str() > on.as_str()
        {
            c.push(
                "act.date",
                rule,
                format!(
                    "the act of {} is dated after the day the stage began ({on}): the act closes the stage the object leaves",
                    a.date
                ),
            );
        }
        if let Some(text) = act_needed
            && !o.has("act")
        {
            c.push(
                "act",
                rule,
                format!(
                    "moving from {} to {} needs its act: {text}",
                    stage_title(&from),
                    stage_title(&to)
                ),
            );
        }
        if let (Some(a), Some(floor)) = (&act, &floor)
            && a.date.as_str() < floor.as_str()
        {
            c.push(
                "act.date",
                rule,
                format!(
                    "the act of {} is dated before the stage it closes began ({floor})",
                    a.date
                ),
            );
        }
        let tor = o.line(&mut c, "tor", "LC-8", "the terms of reference", false);
        if to == "development" && !o.has("tor") {
            c.push(
                "tor",
                "LC-8",
                format!("development is carried out on the basis of terms of reference agreed under order 143/НҚ: {LC_8}; {LC_10_B}"),
            );
        }
        let supplier = o.bin(&mut c, "supplier", "LC-16.b", "the supplier", false);
        let sla = o.integer(
            &mut c,
            "warranty_sla_working_days",
            ("LC-17.b", "the agreed time limit in working days"),
            1..=120,
            false,
        );
        for key in ["supplier", "warranty_sla_working_days"] {
            if o.has(key) && !matches!(to.as_str(), "development" | "commercial-operation") {
                c.push(
                    key,
                    "LC-16.b",
                    "the supplier and its agreed time limit are stated when the object enters development or commercial operation (whose commissioning starts that supplier's warranty)",
                );
            }
        }
        let portal = read_portal(&mut c, &o, "portal", "LC-4.b", &today);
        if !c.ok() {
            return Err(c.v);
        }
        let Some(on) = on else {
            return Err(c.v);
        };
        // The supplier (and its agreed time limit) named at a development takes the warranty over
        // when the developed object is commissioned; named at the commissioning, at once. Until
        // then, claims go to the supplier whose warranty runs.
        if to == "development" {
            self.next_supplier = supplier.clone();
            self.next_warranty_sla_working_days = sla.map(|n| n as u32);
        }
        if to == "commercial-operation" {
            if let Some(s) = supplier.clone().or(self.next_supplier.take()) {
                self.supplier = Some(s);
            }
            if let Some(n) = sla
                .map(|n| n as u32)
                .or(self.next_warranty_sla_working_days.take())
            {
                self.warranty_sla_working_days = Some(n);
            }
        }
        if let Some(p) = portal {
            self.portal = Some(p);
        }
        self.stages.push(StageRecord {
            stage: to.clone(),
            on: Some(on.clone()),
            act,
            tor,
            supplier,
            recorded_on: today.clone(),
        });
        self.stage = to.clone();
        self.stage_since = Some(on.clone());
        if to == "commercial-operation" {
            // LC-16.b: 12 months from the day of commissioning; a later commissioning (after a
            // development) starts them anew.
            self.warranty_until = Some(cal.term_end(&on, 12, Unit::Months).map_err(calendar)?);
            self.commissioned_on = Some(on);
            self.requires_trial_operation = false;
            self.warranty_timer(&today, true, effects);
        }
        effects.push(Effect::SetStatus(to));
        Ok(())
    }

    /// LC-10.c: a refinement that is not development, recorded without terms of reference and
    /// without a change of stage.
    fn refinement(&mut self, i: &SlotInput, body: &Value) -> Result<(), Vec<Violation>> {
        let today = day(&i.at).to_owned();
        let mut c = Checks::new(READING);
        let Some(o) = object(
            &mut c,
            body,
            "",
            "LC-10.c",
            "a refinement",
            &["refinement", "on", "note", "stage", "tor"],
        ) else {
            return Err(c.v);
        };
        for key in ["stage", "tor"] {
            if o.has(key) {
                c.push(
                    key,
                    "LC-10.c",
                    format!("a refinement is not development and changes no stage: it is recorded without terms of reference and without a stage ({LC_10_C})"),
                );
            }
        }
        if self.stage == "termination" {
            c.push("refinement", "LC-19", LC_19);
        }
        let kind = o.choice(
            &mut c,
            "refinement",
            ("LC-10.c", "the refinement"),
            &["integration", "no-source-change", "external-module"],
            true,
        );
        let on = o.date(
            &mut c,
            "on",
            ("LC-10.c", "the day of the refinement"),
            Some(&today),
            true,
        );
        let note = o.text(&mut c, "note", "LC-10.c", "what the refinement is", true);
        c.done()?;
        self.events.push(
            json!({"kind": "refinement", "refinement": kind, "on": on, "note": note,
                                "rule": "LC-10.c", "recorded_on": today}),
        );
        Ok(())
    }

    /// A warranty claim (LC-16.b, LC-17.b).
    fn warranty_claim(
        &mut self,
        i: &SlotInput,
        body: &Value,
        cal: &dyn Calendar,
        effects: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let today = day(&i.at).to_owned();
        let mut c = Checks::new(READING);
        let keys = [
            "defect",
            "found_on",
            "evidence",
            "supplier_error",
            "operated_correctly",
            "no_intervention",
            "tor_compliant",
            "tor",
        ];
        // The period first: a claim outside it fails whatever it says.
        match (&self.commissioned_on, &self.warranty_until) {
            (Some(_), Some(until)) if today.as_str() > until.as_str() => c.push(
                "",
                "LC-16.b",
                format!(
                    "the warranty period ended on {} (12 months from the commissioning on {}): {LC_16_B}",
                    dotted(until),
                    dotted(self.commissioned_on.as_deref().unwrap_or_default())
                ),
            ),
            (Some(_), Some(_)) => {}
            _ => c.push(
                "",
                "LC-16.b",
                format!("the object has not been commissioned into commercial operation, so no warranty period has started: {LC_16_B}"),
            ),
        }
        if self.supplier.is_none() {
            c.push(
                "",
                "LC-17.b",
                "no supplier of the object is recorded: the warranty service is the supplier's (LC-16.a sp.9)); record it with the registration or with the stage report of the commissioning",
            );
        }
        let Some(o) = object(&mut c, body, "", "LC-17.b", "a warranty claim", &keys) else {
            return Err(c.v);
        };
        let defect = o.text(
            &mut c,
            "defect",
            "LC-17.b",
            "the error or shortcoming",
            true,
        );
        let found_on = o.date(
            &mut c,
            "found_on",
            ("LC-16.b", "the day the failure was found"),
            Some(&today),
            true,
        );
        if let Some(f) = &found_on {
            if let Some(from) = &self.commissioned_on
                && f < from
            {
                c.push(
                    "found_on",
                    "LC-16.b",
                    format!("found on {}, before the commissioning on {}: the warranty covers errors and shortcomings found in the warranty period", dotted(f), dotted(from)),
                );
            }
            if let Some(until) = &self.warranty_until
                && f > until
            {
                c.push(
                    "found_on",
                    "LC-16.b",
                    format!(
                        "found on {}, after the warranty period ended on {}: {LC_16_B}",
                        dotted(f),
                        dotted(until)
                    ),
                );
            }
        }
        // The five conditions of p.17, each its own violation (AMB-LC-6: all are required).
        let [c1, c2, c3, c4, c5] = LC_17_B_CONDITIONS;
        let unmet = |c: &mut Checks, (field, text): (&str, &str), how: &str| {
            c.push(field, "LC-17.b", format!("{how} {text}: {LC_17_B}"));
        };
        let evidence = match o.raw("evidence") {
            None => {
                unmet(&mut c, c1, "not met:");
                None
            }
            Some(Value::Array(a)) if a.is_empty() => {
                unmet(&mut c, c1, "not met (no document is referenced):");
                None
            }
            Some(_) => o.references(&mut c, "evidence", "LC-17.b", "the evidence", true),
        };
        let supplier_error = match o.raw("supplier_error") {
            None => {
                unmet(&mut c, c2, "not met:");
                None
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                unmet(&mut c, c2, "not met:");
                None
            }
            Some(_) => o.text(
                &mut c,
                "supplier_error",
                "LC-17.b",
                "the confirmation",
                true,
            ),
        };
        for cond in [c3, c4, c5] {
            match o.raw(cond.0) {
                None => unmet(&mut c, cond, "required, true when met:"),
                Some(Value::Bool(false)) => unmet(&mut c, cond, "not met:"),
                Some(_) => {
                    o.boolean(&mut c, cond.0, "LC-17.b", "the condition", true);
                }
            }
        }
        let tor = if o.has("tor") {
            o.line(&mut c, "tor", "LC-17.b", "the terms of reference", true)
        } else {
            c.push(
                "tor",
                "LC-17.b",
                format!(
                    "the terms of reference the claim is checked against are required for {}",
                    c5.1
                ),
            );
            None
        };
        if !c.ok() {
            return Err(c.v);
        }
        let (
            Some(defect),
            Some(found_on),
            Some(evidence),
            Some(supplier_error),
            Some(tor),
            Some(supplier),
        ) = (
            defect,
            found_on,
            evidence,
            supplier_error,
            tor,
            self.supplier.clone(),
        )
        else {
            return Err(c.v);
        };
        let (n, task) = self.next_round("warranty-service");
        effects.push(open_task_for(&task, party_of("supplier", &supplier)));
        let sla = self.warranty_sla_working_days;
        let sla_due = match sla {
            Some(days) => {
                effects.push(set_timer_after(
                    &format!("warranty-sla-{n}"),
                    days,
                    Unit::WorkingDays,
                    "LC-17.b",
                ));
                Some(
                    cal.term_end(&today, days, Unit::WorkingDays)
                        .map_err(calendar)?,
                )
            }
            None => None,
        };
        self.warranty_claims.push(Claim {
            n,
            task,
            defect,
            found_on,
            evidence,
            supplier_error,
            tor,
            claimed_on: today,
            supplier,
            sla_working_days: sla,
            sla_due,
            sla_passed: false,
            status: "open".into(),
            closed_on: None,
            reasons: Vec::new(),
        });
        Ok(())
    }

    /// An application for environments under the Agreement (LC-12.a, LC-12.b).
    fn environment_request(
        &mut self,
        i: &SlotInput,
        body: &Value,
        cal: &dyn Calendar,
        effects: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let today = day(&i.at).to_owned();
        let mut c = Checks::new(READING);
        if self.stage == "termination" {
            c.push("", "LC-19", LC_19);
        } else if !self.requires_trial_operation
            && !matches!(
                self.stage.as_str(),
                "creation" | "trial-operation" | "is-testing" | "implementation" | "development"
            )
        {
            c.push(
                "",
                "LC-12.a",
                format!("environments are provided while the object is created or developed: {LC_12_A}; the object is at {}", stage_title(&self.stage)),
            );
        }
        if self.placement.placement != "platform" {
            c.push(
                "",
                "LC-12.a",
                format!("the object is not created or developed on the e-gov ICT platform (placement {}): {LC_12_A}", self.placement.placement),
            );
        }
        let Some(o) = object(
            &mut c,
            body,
            "",
            "LC-12.a",
            "an application for environments",
            &["environments", "agreement"],
        ) else {
            return Err(c.v);
        };
        let environments = o.set_of(
            &mut c,
            "environments",
            ("LC-12.a", "the environments"),
            &["development-testing", "trial-operation", "is-trials"],
            true,
        );
        let agreement = if o.has("agreement") {
            read_agreement(&mut c, &o, &today)
        } else {
            c.push(
                "agreement",
                "LC-12.a",
                format!("the application is filed under a concluded Agreement for the environment (AMB-LC-4.c): {LC_12_A}"),
            );
            None
        };
        if !c.ok() {
            return Err(c.v);
        }
        let (Some(environments), Some(agreement)) = (environments, agreement) else {
            return Err(c.v);
        };
        let (n, task) = self.next_round("provide-environment");
        effects.push(open_task(&task));
        let due = cal
            .term_end(&today, 10, Unit::WorkingDays)
            .map_err(calendar)?;
        let free_until = cal
            .term_end(&agreement.concluded_on, 3, Unit::Months)
            .map_err(calendar)?;
        let free_period_ended = free_until < today;
        if !free_period_ended && let Some(end) = end_of_day(&free_until) {
            effects.push(set_timer_at(
                &format!("environment-free-{n}"),
                &end,
                "LC-12.b",
            ));
        }
        self.environment_requests.push(EnvironmentRequest {
            n,
            task,
            environments,
            agreement,
            received_on: today,
            due,
            free_until,
            free_period_ended,
            status: "requested".into(),
            provided_on: None,
            reasons: Vec::new(),
        });
        Ok(())
    }

    /// An application for placement services (LC-13.a), or a change of placement (LC-13.b,
    /// LC-14), or both.
    fn placement_request(
        &mut self,
        i: &SlotInput,
        body: &Value,
        cal: &dyn Calendar,
        effects: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let today = day(&i.at).to_owned();
        let mut c = Checks::new(READING);
        if self.stage == "termination" {
            c.push("", "LC-19", LC_19);
        }
        let keys = [
            "services",
            "note",
            "placement",
            "placement_ground",
            "platform_exception",
        ];
        let Some(o) = object(
            &mut c,
            body,
            "",
            "LC-13.a",
            "an application for placement",
            &keys,
        ) else {
            return Err(c.v);
        };
        if !o.has("services") && !o.has("placement") {
            c.push(
                "services",
                "LC-13.a",
                format!("name the services applied for, or a change of placement: {LC_13_A}"),
            );
        }
        let change = if o.has("placement") {
            read_placement(&mut c, &o, Some(self.class), &self.origin)
        } else {
            for key in ["placement_ground", "platform_exception"] {
                if o.has(key) {
                    c.push(
                        key,
                        "LC-13.b",
                        "given only with a change of placement (placement)",
                    );
                }
            }
            None
        };
        let services = if o.has("services") {
            o.set_of(
                &mut c,
                "services",
                ("LC-13.a", "the services"),
                &["technological-platform", "ici"],
                true,
            )
        } else {
            None
        };
        let note = o.text(&mut c, "note", "LC-13.a", "the note", false);
        let placement = change
            .as_ref()
            .map_or(self.placement.placement.as_str(), |p| p.placement.as_str());
        if services.is_some() && placement == "organization" {
            c.push(
                "services",
                "LC-13.a",
                format!("the object is placed with an organization providing ICT infrastructure: the operator's service is for placing it on the e-gov ICT platform or infrastructure ({LC_13_A})"),
            );
        }
        c.done()?;
        if let Some(p) = change
            && p != self.placement
        {
            self.events.push(
                json!({"kind": "placement-change", "from": self.placement.placement,
                                    "to": p.placement, "placement_ground": p.placement_ground,
                                    "platform_exception": p.platform_exception, "on": today,
                                    "rule": "LC-13.b", "recorded_on": today}),
            );
            self.placement = p;
        }
        if let Some(services) = services {
            let (n, task) = self.next_round("provide-placement");
            effects.push(open_task(&task));
            let due = cal
                .term_end(&today, 10, Unit::WorkingDays)
                .map_err(calendar)?;
            self.placement_requests.push(PlacementRequest {
                n,
                task,
                services,
                note,
                received_on: today,
                due,
                status: "requested".into(),
                provided_on: None,
                reasons: Vec::new(),
            });
        }
        Ok(())
    }

    /// A record (LC-4.b, LC-11, LC-23, LC-24).
    fn record(&mut self, i: &SlotInput, body: &Value) -> Result<(), Vec<Violation>> {
        let today = day(&i.at).to_owned();
        let mut c = Checks::new(READING);
        let kinds = [
            "portal-update",
            "source-code-transfer",
            "donation",
            "inheritance",
        ];
        let kind = body.get("kind").and_then(Value::as_str).unwrap_or_default();
        let keys: &[&str] = match kind {
            "portal-update" => &["kind", "record", "documents_placed_on"],
            "source-code-transfer" => &["kind", "supplier", "transferred_on", "reference"],
            "donation" | "inheritance" => &["kind", "acquired_on", "ab_conclusion"],
            _ => &[
                "kind",
                "record",
                "documents_placed_on",
                "supplier",
                "transferred_on",
                "reference",
                "acquired_on",
                "ab_conclusion",
            ],
        };
        let Some(o) = object(&mut c, body, "", "LC-4.b", "a record", keys) else {
            return Err(c.v);
        };
        let Some(kind) = o.choice(
            &mut c,
            "kind",
            ("LC-4.b", "the kind of record"),
            &kinds,
            true,
        ) else {
            return Err(c.v);
        };
        match kind.as_str() {
            "portal-update" => {
                let record = o.line(&mut c, "record", "LC-4.b", "the portal record", true);
                let placed = o.date(
                    &mut c,
                    "documents_placed_on",
                    (
                        "LC-4.b",
                        "the day the technical documentation was placed on the portal",
                    ),
                    Some(&today),
                    true,
                );
                c.done()?;
                let portal = Portal {
                    record: record.unwrap_or_default(),
                    documents_placed_on: placed.unwrap_or_default(),
                };
                self.events.push(
                    json!({"kind": kind, "portal": portal, "rule": "LC-4.b", "recorded_on": today}),
                );
                self.portal = Some(portal);
            }
            "source-code-transfer" => {
                let supplier = o.bin(
                    &mut c,
                    "supplier",
                    "LC-11",
                    "the supplier that transferred the source code",
                    true,
                );
                let on = o.date(
                    &mut c,
                    "transferred_on",
                    ("LC-11", "the day of the transfer"),
                    Some(&today),
                    true,
                );
                let reference = o.line(
                    &mut c,
                    "reference",
                    "LC-11",
                    "the reference of the transfer (act or repository)",
                    true,
                );
                c.done()?;
                self.events.push(json!({"kind": kind, "supplier": supplier, "transferred_on": on,
                                        "reference": reference, "required_by_lc_11": self.budget_funded,
                                        "rule": "LC-11", "recorded_on": today}));
            }
            _ => {
                if self.stage == "termination" {
                    c.push("kind", "LC-19", LC_19);
                }
                let acquired = o.date(
                    &mut c,
                    "acquired_on",
                    ("LC-23.a", "the day the rights were acquired"),
                    Some(&today),
                    true,
                );
                let conclusion = read_conclusion(&mut c, &o, &today, true);
                if let (Some(a), Some(d)) = (
                    &acquired,
                    conclusion.as_ref().and_then(|x| x["date"].as_str()),
                ) && a.as_str() < d
                {
                    c.push(
                        "acquired_on",
                        "LC-23.a",
                        format!("the rights are acquired taking into account the authorized body's conclusion, which is dated {d}, after {a}: {LC_23_A}"),
                    );
                }
                c.done()?;
                let donation = kind == "donation";
                self.events.push(json!({"kind": kind, "acquired_on": acquired, "ab_conclusion": conclusion,
                                        "rule": if donation { "LC-24" } else { "LC-23.a" }, "recorded_on": today}));
                self.ab_conclusion = conclusion;
                if donation {
                    // LC-24: trial operation and commissioning are ensured for a donated object.
                    self.requires_trial_operation = true;
                }
            }
        }
        Ok(())
    }

    fn task_completed(
        &mut self,
        t: &TaskCompleted,
        effects: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let today = day(&t.at).to_owned();
        let (step, n) = match t.task.split_once('~') {
            Some((s, n)) => (s, n.parse::<u32>().unwrap_or(0)),
            None => (t.task.as_str(), 1),
        };
        let unknown = || bad("task", "", format!("no task {:?} on this object", t.task));
        let outcome_error = |a: &str, b: &str| {
            bad(
                "outcome",
                "",
                format!("{:?} is not an outcome of {step}: {a} or {b}", t.outcome),
            )
        };
        let state_body = self.state_body();
        match step {
            "provide-environment" => {
                let e = self
                    .environment_requests
                    .iter_mut()
                    .find(|e| e.n == n)
                    .ok_or_else(unknown)?;
                match t.outcome.as_str() {
                    "provided" => {
                        e.status = "provided".into();
                        e.provided_on = Some(today);
                    }
                    "refused" => {
                        e.status = "refused".into();
                        e.reasons = t.reasons.clone();
                        effects.push(Effect::CancelTimer(format!("environment-free-{n}")));
                    }
                    _ => return Err(outcome_error("provided", "refused")),
                }
                effects.push(notify(
                    state_body,
                    &format!("LC-12.a: the operator {} the environments applied for", e.status),
                    &json!({"request": e.n, "environments": e.environments, "agreement": e.agreement,
                            "status": e.status, "provided_on": e.provided_on, "reasons": e.reasons,
                            "free_until": e.free_until}),
                ));
            }
            "provide-placement" => {
                let p = self
                    .placement_requests
                    .iter_mut()
                    .find(|p| p.n == n)
                    .ok_or_else(unknown)?;
                match t.outcome.as_str() {
                    "provided" => {
                        p.status = "provided".into();
                        p.provided_on = Some(today);
                    }
                    "refused" => {
                        p.status = "refused".into();
                        p.reasons = t.reasons.clone();
                    }
                    _ => return Err(outcome_error("provided", "refused")),
                }
                effects.push(notify(
                    state_body,
                    &format!(
                        "LC-13.a: the operator {} the placement services applied for",
                        p.status
                    ),
                    &json!({"request": p.n, "services": p.services, "status": p.status,
                            "provided_on": p.provided_on, "reasons": p.reasons}),
                ));
            }
            "warranty-service" => {
                let claim = self
                    .warranty_claims
                    .iter_mut()
                    .find(|c| c.n == n)
                    .ok_or_else(unknown)?;
                match t.outcome.as_str() {
                    "eliminated" => claim.status = "eliminated".into(),
                    "declined" => {
                        claim.status = "declined".into();
                        claim.reasons = t.reasons.clone();
                    }
                    _ => return Err(outcome_error("eliminated", "declined")),
                }
                claim.closed_on = Some(today.clone());
                if claim.sla_working_days.is_some() {
                    effects.push(Effect::CancelTimer(format!("warranty-sla-{n}")));
                }
                let within = claim.sla_due.as_ref().map(|d| today.as_str() <= d.as_str());
                effects.push(notify(
                    state_body,
                    &format!(
                        "LC-17.b: warranty claim {n}: the supplier {} it",
                        claim.status
                    ),
                    &json!({"claim": n, "status": claim.status, "closed_on": claim.closed_on,
                            "reasons": claim.reasons, "agreed_limit_due": claim.sla_due,
                            "within_agreed_limit": within}),
                ));
            }
            _ => return Err(unknown()),
        }
        Ok(())
    }

    /// The timers: the end of the warranty period, an agreed time limit that passed, the end of
    /// a free period. Each alerts and blocks nothing.
    fn timer_fired(&mut self, f: &TimerFired, effects: &mut Vec<Effect>) -> bool {
        let state_body = self.state_body();
        if f.timer == "warranty-end" {
            let body = json!({"object": self.key(), "commissioned_on": self.commissioned_on,
                              "warranty_until": self.warranty_until});
            let subject = "LC-16.b: the 12-month warranty period of the object has ended";
            effects.push(notify(state_body, subject, &body));
            if let Some(s) = &self.supplier {
                effects.push(notify(party_of("supplier", s), subject, &body));
            }
            return false;
        }
        let number = |prefix: &str| {
            f.timer
                .strip_prefix(prefix)
                .and_then(|n| n.parse::<u32>().ok())
        };
        if let Some(n) = number("warranty-sla-") {
            let key = self.key();
            let Some(claim) = self
                .warranty_claims
                .iter_mut()
                .find(|c| c.n == n && c.status == "open")
            else {
                return false;
            };
            claim.sla_passed = true;
            effects.push(notify(
                state_body,
                "LC-17.b: the time limit agreed with the supplier to eliminate a warranty defect has passed",
                &json!({"object": key, "claim": n, "task": claim.task, "supplier": claim.supplier,
                        "agreed_working_days": claim.sla_working_days, "due": claim.sla_due,
                        "claimed_on": claim.claimed_on}),
            ));
            return true;
        }
        if let Some(n) = number("environment-free-") {
            let key = self.key();
            let Some(e) = self.environment_requests.iter_mut().find(|e| e.n == n) else {
                return false;
            };
            e.free_period_ended = true;
            let body = json!({"object": key, "request": n, "agreement": e.agreement,
                              "free_until": e.free_until});
            let subject = "LC-12.b: the free-of-charge period of the environment (at most three months from the Agreement) has ended";
            effects.push(notify(state_body, subject, &body));
            effects.push(notify(role("operator"), subject, &body));
            return true;
        }
        false
    }
}

/// The Agreement {number, concluded_on} of an application for environments (LC-12.a).
fn read_agreement(c: &mut Checks, o: &Obj, today: &str) -> Option<Agreement> {
    let a = o.object(
        c,
        "agreement",
        ("LC-12.a", "the Agreement"),
        &["number", "concluded_on"],
        true,
    )?;
    let number = a.line(c, "number", "LC-12.a", "the Agreement's number", true);
    let concluded_on = a.date(
        c,
        "concluded_on",
        (
            "LC-12.a",
            "the day the Agreement was concluded (it precedes the application, AMB-LC-4.c)",
        ),
        Some(today),
        true,
    );
    Some(Agreement {
        number: number?,
        concluded_on: concluded_on?,
    })
}
