//! The reducer: one tender case from its start to the Catalog entry, or to its end on the way
//! (acquired from the Register, void, cancelled, not formed). Its state is [`Tender`]: the
//! bookkeeping of tasks and the window, and the tender record ([`Record`]), which is written to
//! the registry `tenders` whenever an input changes it.

use std::collections::{BTreeMap, BTreeSet};

use egov_plugin_sdk::date::{day, dotted, end_of_day};
use egov_plugin_sdk::read::{Checks, Obj, object};
use egov_plugin_sdk::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::evaluation::{self, Criterion, Judged};
use crate::form::{
    DesignAssignment, read_criteria, read_design_assignment, read_items, read_tender, service_types,
};
use crate::record::{
    self, Amount, Award, Commission, Contract, Decision, Record, Round, TENDERS, status,
};
use crate::steps::{criteria_rule, rule};
use crate::texts::*;
use crate::{
    AWARDS, CATALOG, Calendar, DESIGN_ASSIGNMENT, Edition, REGISTER_CHECK, TENDER, bad, intake_rule,
};

/// The current application window (the slot and the timer that closes it share its name).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Window {
    /// `applications` (round 1), `applications-2`, `applications-3`.
    pub name: String,
    pub round: u32,
    /// The last day of acceptance (SM-47), and 24:00 of it.
    pub last_day: String,
    pub end: String,
    /// The day the slot closed (its `slot-closed`).
    pub closed_on: Option<String>,
}

/// The ICT service as the Commission formed it (SM-85).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Formed {
    pub service_name: String,
    pub service_type: String,
    pub software_product: String,
    pub monthly_price: String,
    pub ownership_transfer_required: bool,
}

/// The state of a tender case.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tender {
    /// The intake it started through.
    pub intake: String,
    /// The key of its record in `tenders`: `<customer BIN>/<received_at>`.
    pub key: String,
    pub customer: String,
    pub received_at: String,
    /// The design assignment's fourteen items, as amended by SM-53-1.b.
    pub design_assignment: Option<Map<String, Value>>,
    /// The type of ICT service (LC-25), when the tender states it.
    pub service_type: Option<String>,
    /// The integrations the testing must check (SM-76-1).
    pub integrations: Vec<String>,
    /// Whether it is a PPP SMI project (SM-36.b), once stated.
    pub ppp: Option<bool>,
    /// The last round opened of each step, and the open tasks.
    pub rounds: BTreeMap<String, u32>,
    pub open: BTreeSet<String>,
    /// The application window of the current round.
    pub window: Option<Window>,
    /// A step of the Commission waiting for the Commission to be created (a PPP SMI project
    /// whose window closed first, SM-36.b).
    pub deferred: Option<String>,
    /// The answer of the Register check (2023).
    pub register: Option<Value>,
    /// The winner: its application's sequence number and BIN.
    pub winner: Option<(u32, String)>,
    /// The last day of creation the protocol set (SM-73).
    pub creation_due: Option<String>,
    /// The ICT-infrastructure resources the supplier said it needs (SM-73).
    pub ici_resources: Option<String>,
    /// What was tried: `spp` or `ici-object` (SM-82).
    pub object: Option<String>,
    pub formed: Option<Formed>,
    pub record: Record,
}

/// The step of a task key (`step`, `step~2`...).
fn step_of(task: &str) -> &str {
    task.split('~').next().unwrap_or(task)
}

/// The slot and timer of round `n`'s window.
pub fn window_name(n: u32) -> String {
    if n <= 1 {
        "applications".to_owned()
    } else {
        format!("applications-{n}")
    }
}

/// The first line of `text`, at most 300 characters: a title.
fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    line.chars().take(300).collect()
}

fn calendar(e: String) -> Vec<Violation> {
    bad("", "", format!("the calendar could not count: {e}"))
}

fn ordinal(n: u32) -> &'static str {
    match n {
        1 => "first",
        2 => "second (repeated)",
        _ => "third (repeated, with the amended design assignment)",
    }
}

/// The JSON object of a completion's facts.
fn inputs_of(t: &TaskCompleted) -> Result<Value, Vec<Violation>> {
    match serde_json::from_str::<Value>(&t.inputs) {
        Ok(Value::Null) => Ok(json!({})),
        Ok(v) => Ok(v),
        Err(e) => Err(bad("inputs", "", format!("the inputs are not JSON: {e}"))),
    }
}

/// A protocol or act `{number, date}` at `key`, dated from `earliest` (with why) to `today`.
fn act(
    c: &mut Checks,
    o: &Obj,
    key: &str,
    (rule, what): (&str, &str),
    today: &str,
    earliest: Option<(&str, &str)>,
) -> Option<(String, String)> {
    let a = o.object(c, key, (rule, what), &["number", "date"], true)?;
    let number = a.line(c, "number", rule, &format!("the number of {what}"), true);
    let date = a.date(
        c,
        "date",
        (rule, &format!("the date of {what}")),
        Some(today),
        true,
    );
    if let (Some(d), Some((from, why))) = (&date, earliest)
        && d.as_str() < from
    {
        c.push(
            &a.at("date"),
            rule,
            format!(
                "the date of {what} {} is before {} ({why})",
                dotted(d),
                dotted(from)
            ),
        );
        return None;
    }
    Some((number?, date?))
}

impl Tender {
    // -----------------------------------------------------------------------------------------
    // Parties and bookkeeping.

    /// The customer of the ICT service (the state body).
    fn customer(&self) -> Party {
        party_of("state-body", &self.customer)
    }

    /// The customer's Commission.
    fn commission(&self) -> Party {
        party_of("commission", &self.customer)
    }

    /// The supplier determined by the tender.
    fn supplier(&self) -> Option<Party> {
        self.winner
            .as_ref()
            .map(|(_, bin)| party_of("supplier", bin))
    }

    /// Opens the next round of `step` (for `party`, else the step's role).
    fn open(&mut self, step: &str, party: Option<Party>, fx: &mut Vec<Effect>) -> String {
        let n = self.rounds.get(step).copied().unwrap_or(0) + 1;
        self.rounds.insert(step.to_owned(), n);
        let key = task_key(step, n);
        self.open.insert(key.clone());
        fx.push(match party {
            Some(p) => open_task_for(&key, p),
            None => open_task(&key),
        });
        key
    }

    /// Whether a task of `step` is open.
    fn is_open(&self, step: &str) -> bool {
        self.open.iter().any(|k| step_of(k) == step)
    }

    /// Withdraws every open task.
    fn close_all(&mut self, reason: &str, fx: &mut Vec<Effect>) {
        for k in std::mem::take(&mut self.open) {
            fx.push(close_task(&k, reason));
        }
    }

    /// Sets the status of the record and of the case.
    fn status(&mut self, s: &str, fx: &mut Vec<Effect>) {
        if self.record.status != s {
            self.record.status = s.to_owned();
            fx.push(Effect::SetStatus(s.to_owned()));
        }
    }

    /// Opens a step of the Commission, or keeps it until the Commission exists (SM-36.b).
    fn open_for_commission(&mut self, step: &str, fx: &mut Vec<Effect>) {
        if self.record.commission.is_some() {
            let p = self.commission();
            self.open(step, Some(p), fx);
        } else {
            self.deferred = Some(step.to_owned());
        }
    }

    /// The registry entry of the record.
    fn entry(&self) -> Effect {
        put_entry(
            TENDERS,
            &self.key,
            &serde_json::to_value(&self.record).expect("the record serializes"),
        )
    }

    // -----------------------------------------------------------------------------------------
    // The start.

    /// A tender started through `s` (the intake `design-assignment`, or `tender` in 2023).
    pub fn submitted(
        e: &Edition,
        s: &Submitted,
        fx: &mut Vec<Effect>,
    ) -> Result<Tender, Vec<Violation>> {
        let today = day(&s.at);
        let body: Value = serde_json::from_str(&s.submission).map_err(|err| {
            bad(
                "",
                intake_rule(e),
                format!("the submission is not JSON: {err}"),
            )
        })?;
        let mut t = match s.intake.as_str() {
            DESIGN_ASSIGNMENT => {
                let da = read_design_assignment(&body, today, intake_rule(e))?;
                Tender::from_design_assignment(e, da, &s.at)
            }
            TENDER if e.lc() => {
                let f = read_tender(&body)?;
                let customer = s.by.org.clone().filter(|b| bin_is_valid(b)).ok_or_else(|| {
                    bad(
                        "",
                        "LC-28",
                        "a tender is the customer's: the submitter's BIN (a state body or an organization) is required",
                    )
                })?;
                let mut t = Tender::new(e, &customer, &s.at, s.intake.clone());
                t.record.title = f.title;
                t.record.description = f.description;
                t.record.functionality = Some(f.functionality);
                t.record.tor_case = Some(f.tor_case);
                t.record.value = Some(Amount {
                    amount: egov_plugin_sdk::money::format(f.ceiling),
                    currency: "KZT".into(),
                });
                t.record.criteria = f.criteria;
                t.service_type = Some(f.service_type);
                t.integrations = f.integrations;
                t.ppp = f.ppp;
                t
            }
            other => return Err(bad("intake", "", format!("no intake {other:?}"))),
        };
        fx.push(Effect::SetStatus(status::PLANNING.into()));
        if e.lc() {
            // LC-26, LC-28: the Register of trusted software is searched first; the tender
            // service answers into this slot.
            fx.push(open_slot(
                REGISTER_CHECK,
                role("service-integrator"),
                false,
                "LC-26",
            ));
        } else {
            t.open("announce", None, fx);
        }
        fx.push(t.entry());
        Ok(t)
    }

    /// An empty tender of `customer`, received `at`.
    fn new(e: &Edition, customer: &str, at: &str, intake: String) -> Tender {
        Tender {
            intake,
            key: format!("{customer}/{at}"),
            customer: customer.to_owned(),
            received_at: at.to_owned(),
            design_assignment: None,
            service_type: None,
            integrations: Vec::new(),
            ppp: None,
            rounds: BTreeMap::new(),
            open: BTreeSet::new(),
            window: None,
            deferred: None,
            register: None,
            winner: None,
            creation_due: None,
            ici_resources: None,
            object: None,
            formed: None,
            record: Record {
                edition: e.id.to_owned(),
                title: String::new(),
                description: None,
                functionality: None,
                customer: customer.to_owned(),
                procuring_entity: None,
                status: status::PLANNING.to_owned(),
                round: 1,
                value: None,
                criteria: Vec::new(),
                criteria_text: None,
                design_assignment: None,
                tor_case: None,
                rounds: Vec::new(),
                window: None,
                commission: None,
                applications: Vec::new(),
                award: None,
                contract: None,
                updated_at: at.to_owned(),
            },
        }
    }

    /// A tender started from an approved design assignment (SM-42).
    fn from_design_assignment(e: &Edition, da: DesignAssignment, at: &str) -> Tender {
        let mut t = Tender::new(e, &da.customer, at, DESIGN_ASSIGNMENT.to_owned());
        t.record.design_assignment = Some(da.key.clone());
        t.record.title = first_line(
            da.function
                .as_deref()
                .or(da.items.get("general_information").and_then(Value::as_str))
                .unwrap_or("ИК-услуга"),
        );
        t.design_assignment = Some(da.items);
        t.apply_design_assignment(e);
        t
    }

    /// What the record takes from the design assignment (again after SM-53-1.b): the general
    /// information (item 1), the ceiling (item 3), the processes the Register check asks about
    /// in 2023 (item 4), the criteria as written (item 12).
    fn apply_design_assignment(&mut self, e: &Edition) {
        let Some(items) = &self.design_assignment else {
            return;
        };
        let item = |k: &str| items.get(k).and_then(Value::as_str).map(str::to_owned);
        self.record.description = item("general_information");
        self.record.value = item("ict_service_cost_ceiling")
            .as_deref()
            .and_then(egov_plugin_sdk::money::in_text)
            .map(|h| Amount {
                amount: egov_plugin_sdk::money::format(h),
                currency: "KZT".into(),
            });
        self.record.criteria_text = item("supplier_selection_criteria");
        if e.lc() {
            self.record.functionality = item("processes_or_technical_requirements");
        }
    }

    // -----------------------------------------------------------------------------------------
    // Inputs.

    /// One input after the start.
    pub fn react(
        &mut self,
        e: &Edition,
        input: &Input,
        cal: &dyn Calendar,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let before = self.record.clone();
        let at = match input {
            Input::TaskCompleted(t) => {
                self.completed(e, t, cal, fx)?;
                &t.at
            }
            Input::TimerFired(t) => {
                self.timer(e, t, fx);
                &t.at
            }
            Input::SlotInput(i) => {
                self.slot_input(e, i, fx)?;
                &i.at
            }
            Input::SlotClosed(c) => {
                self.slot_closed(c, fx);
                &c.at
            }
            Input::SlotUnsealed(u) => {
                self.unsealed(u, fx);
                &u.at
            }
            Input::EntryChanged(_) => return Ok(()),
            Input::Submitted(_) => return Err(bad("", "", "the case was submitted before")),
        };
        if self.record != before {
            self.record.updated_at = at.clone();
            fx.push(self.entry());
        }
        Ok(())
    }

    fn completed(
        &mut self,
        e: &Edition,
        t: &TaskCompleted,
        cal: &dyn Calendar,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        if !self.open.remove(&t.task) {
            return Err(bad("task", "", format!("the task {} is not open", t.task)));
        }
        let inputs = inputs_of(t)?;
        let today = day(&t.at).to_owned();
        match step_of(&t.task) {
            "register-decision" => self.register_decision(t, &inputs, fx),
            "announce" => self.announce(e, t, &inputs, &today, cal, fx),
            "commission" => self.form_commission(t, &inputs, &today, fx),
            "evaluation" => self.evaluation(e, t, &inputs, &today, fx),
            "ladder" => self.ladder(e, t, &inputs, &today, fx),
            "creation" => self.creation(t, &inputs, fx),
            "testing" => self.testing(e, t, &inputs, &today, fx),
            "environment" => {
                no_inputs(&inputs, "SM-80-1")?;
                self.open("trials", None, fx);
                Ok(())
            }
            "trials" => self.trials(e, t, &inputs, &today, fx),
            "convene" => {
                no_inputs(&inputs, "SM-83")?;
                let p = self.commission();
                self.open("formation", Some(p), fx);
                Ok(())
            }
            "formation" => self.formation(e, t, &inputs, &today, fx),
            "commissioning" => self.commissioning(&inputs, &today, fx),
            "notify-si" => {
                no_inputs(&inputs, "SM-98.a")?;
                fx.push(notify(
                    role("service-integrator"),
                    "SM-98.a: the operator's notification of the commissioning of the service software product or ICI object, with a copy of the protocol",
                    &json!({"rule": "SM-98.a", "tender": self.key, "contract": self.record.contract}),
                ));
                self.open("notify-ab", None, fx);
                Ok(())
            }
            "notify-ab" => self.notify_ab(t, &inputs, fx),
            other => Err(bad("task", "", format!("the variant has no step {other}"))),
        }
    }

    /// LC-26, LC-28: the customer acquires from the Register, or holds the tender.
    fn register_decision(
        &mut self,
        t: &TaskCompleted,
        inputs: &Value,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let mut c = Checks::default();
        let o = object(
            &mut c,
            inputs,
            "inputs",
            "LC-26",
            "the decision",
            &["register_entry"],
        );
        let entry = o.and_then(|o| {
            o.line(
                &mut c,
                "register_entry",
                "LC-26",
                "the Register entry",
                false,
            )
        });
        let keys: Vec<&str> = self
            .register
            .as_ref()
            .and_then(|r| r["matches"].as_array())
            .into_iter()
            .flatten()
            .filter_map(|m| m["key"].as_str())
            .collect();
        if let Some(entry) = &entry
            && !keys.contains(&entry.as_str())
        {
            c.push(
                "inputs.register_entry",
                "LC-26",
                format!(
                    "{entry:?} is not one of the Register entries the check found: {}",
                    keys.join(", ")
                ),
            );
        }
        c.done()?;
        match t.outcome.as_str() {
            "acquire-from-register" => {
                self.status(status::ACQUIRED_FROM_REGISTER, fx);
                fx.push(notify(
                    role("service-integrator"),
                    "LC-26: the customer acquires the ICT service from the Register of trusted software; no tender is held",
                    &json!({"rule": "LC-26", "tender": self.key, "register_entry": entry}),
                ));
                Ok(())
            }
            "tender" => {
                if !t.reasons.iter().any(|r| !r.trim().is_empty()) {
                    return Err(bad(
                        "reasons",
                        "LC-28",
                        "a tender after the Register found similar software states why none of it suits",
                    ));
                }
                self.open("announce", None, fx);
                Ok(())
            }
            other => Err(bad(
                "outcome",
                "",
                format!("register-decision has no outcome {other:?}"),
            )),
        }
    }

    /// SM-42, SM-47 (LC-28): the announcement is published; its window opens.
    fn announce(
        &mut self,
        e: &Edition,
        t: &TaskCompleted,
        inputs: &Value,
        today: &str,
        cal: &dyn Calendar,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let r = rule(e, "announce");
        let n = self.record.round;
        let mut keys = vec![
            "announcement",
            "customer_agreement",
            "criteria",
            "platform_reference",
            "ppp_project",
            "integrations",
        ];
        if e.lc() {
            keys.push("tor_case");
        }
        let mut c = Checks::default();
        let Some(o) = object(&mut c, inputs, "inputs", r, "the announcement", &keys) else {
            return Err(c.v);
        };
        let announcement = o.line(&mut c, "announcement", r, "the announcement's number", true);
        if let Some(a) = o.object(
            &mut c,
            "customer_agreement",
            (
                "SM-42",
                "the customer's agreement of the announcement (AMB-SM-8)",
            ),
            &["date", "reference"],
            true,
        ) {
            a.date(
                &mut c,
                "date",
                ("SM-42", "the day the customer agreed"),
                Some(today),
                true,
            );
            a.line(
                &mut c,
                "reference",
                "SM-42",
                "the reference to the agreement",
                true,
            );
        }
        let criteria = read_criteria(
            &mut c,
            &o,
            "criteria",
            criteria_rule(e),
            self.record.criteria.is_empty(),
        );
        o.line(
            &mut c,
            "platform_reference",
            r,
            "where the announcement is on the electronic platform",
            true,
        );
        let ppp = o.boolean(
            &mut c,
            "ppp_project",
            "SM-36.b",
            "whether it is a PPP SMI project (item 14 of the design assignment)",
            self.ppp.is_none(),
        );
        if let (Some(p), Some(commission)) = (ppp, &self.record.commission)
            && p != commission.ppp
        {
            c.push(
                "inputs.ppp_project",
                "SM-36.b",
                format!(
                    "the Commission was created as for {} (order {})",
                    if commission.ppp {
                        "a PPP SMI project"
                    } else {
                        "an SMI project, not PPP"
                    },
                    commission.order
                ),
            );
        }
        let integrations = o.lines(
            &mut c,
            "integrations",
            "SM-76-1",
            "the integrations to check",
            false,
        );
        let tor = if e.lc() {
            o.line(
                &mut c,
                "tor_case",
                "LC-28",
                "the agreed terms of reference of the tender documentation («конкурсная документация включает техническое задание»)",
                self.record.tor_case.is_none(),
            )
        } else {
            None
        };
        c.done()?;
        let last_day = cal
            .term_end(today, 15, Unit::WorkingDays)
            .map_err(calendar)?;
        let end =
            end_of_day(&last_day).ok_or_else(|| calendar(format!("no day after {last_day}")))?;
        if let Some(criteria) = criteria {
            self.record.criteria = criteria;
        }
        if let Some(p) = ppp {
            self.ppp = Some(p);
        }
        if let Some(i) = integrations {
            self.integrations = i;
        }
        if let Some(tor) = tor {
            self.record.tor_case = Some(tor);
        }
        let name = window_name(n);
        self.record.procuring_entity = t.by.org.clone();
        self.record.rounds.push(Round {
            round: n,
            announcement: announcement.unwrap_or_default(),
            published_at: t.at.clone(),
            window_end: end.clone(),
            received: None,
            decision: None,
        });
        self.record.window = Some(record::Window {
            start: t.at.clone(),
            end: end.clone(),
        });
        self.window = Some(Window {
            name: name.clone(),
            round: n,
            last_day: last_day.clone(),
            end: end.clone(),
            closed_on: None,
        });
        self.status(status::ACTIVE, fx);
        // SM-49: sealed until the close; SM-47: closed by the timer of the same name.
        fx.push(open_slot(
            &name,
            role("supplier"),
            true,
            rule(e, "applications"),
        ));
        fx.push(set_timer_after(
            &name,
            15,
            Unit::WorkingDays,
            rule(e, "window"),
        ));
        // SM-36.a: the customer creates the Commission by the end of acceptance.
        if n == 1 && self.record.commission.is_none() && !self.is_open("commission") {
            let p = self.customer();
            self.open("commission", Some(p), fx);
        }
        fx.push(notify(
            self.customer(),
            &format!("SM-47: the announcement No. {} is published; applications are accepted until 24:00 of {}", self.record.rounds.last().map(|r| r.announcement.as_str()).unwrap_or_default(), dotted(&last_day)),
            &json!({"rule": "SM-47", "tender": self.key, "round": n, "window": {"start": t.at, "end": end, "last_day": last_day}}),
        ));
        Ok(())
    }

    /// SM-36: the Commission is created.
    fn form_commission(
        &mut self,
        t: &TaskCompleted,
        inputs: &Value,
        today: &str,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let mut c = Checks::default();
        let Some(o) = object(
            &mut c,
            inputs,
            "inputs",
            "SM-36.a",
            "the Commission",
            &[
                "order",
                "formed_on",
                "members",
                "ppp",
                "budget_commission_proposal",
            ],
        ) else {
            return Err(c.v);
        };
        let order = o.line(
            &mut c,
            "order",
            "SM-36.a",
            "the order creating the Commission",
            true,
        );
        let formed_on = o.date(
            &mut c,
            "formed_on",
            ("SM-36.a", "the day the Commission was created"),
            Some(today),
            true,
        );
        let mut members = 0u32;
        if let Some(list) = o.list(
            &mut c,
            "members",
            "SM-36.a",
            "the members of the Commission",
            true,
        ) {
            if list.len() < 3 {
                c.push(
                    "inputs.members",
                    "SM-36.a",
                    format!("the Commission is a collegial body: at least 3 members (this variant's reading; the Rules state no composition), got {}", list.len()),
                );
            }
            for (path, m) in list {
                if let Some(m) = object(
                    &mut c,
                    m,
                    &path,
                    "SM-36.a",
                    "a member",
                    &["name", "position"],
                ) {
                    m.line(&mut c, "name", "SM-36.a", "the member's name", true);
                    m.line(&mut c, "position", "SM-36.a", "the member's position", true);
                    members += 1;
                }
            }
        }
        let ppp = o.boolean(
            &mut c,
            "ppp",
            "SM-36.b",
            "whether it is a PPP SMI project",
            true,
        );
        let proposal = if o.has("budget_commission_proposal") {
            act(
                &mut c,
                &o,
                "budget_commission_proposal",
                ("SM-36.b", "the budget commission's proposal"),
                today,
                None,
            )
        } else {
            None
        };
        c.done()?;
        let (order, formed_on, ppp) = (
            order.unwrap_or_default(),
            formed_on.unwrap_or_default(),
            ppp.unwrap_or_default(),
        );
        if let Some(stated) = self.ppp
            && stated != ppp
        {
            return Err(bad(
                "inputs.ppp",
                "SM-36.b",
                format!(
                    "the announcement states the project is {}",
                    if stated {
                        "a PPP SMI project (SM-36.b)"
                    } else {
                        "an SMI project, not PPP (SM-36.a)"
                    }
                ),
            ));
        }
        if ppp {
            let Some((_, date)) = &proposal else {
                return Err(bad(
                    "inputs.budget_commission_proposal",
                    "SM-36.b",
                    format!(
                        "a PPP SMI project's Commission is created after the budget commission's positive proposal: {SM_36_B}; give its number and date"
                    ),
                ));
            };
            if formed_on < *date {
                return Err(bad(
                    "inputs.formed_on",
                    "SM-36.b",
                    format!(
                        "the Commission was created on {}, before the budget commission's proposal of {}: {SM_36_B}",
                        dotted(&formed_on),
                        dotted(date)
                    ),
                ));
            }
        } else {
            if proposal.is_some() {
                return Err(bad(
                    "inputs.budget_commission_proposal",
                    "SM-36.b",
                    "the budget commission's proposal concerns a PPP SMI project only",
                ));
            }
            if let Some(w) = &self.window
                && formed_on > w.last_day
            {
                return Err(bad(
                    "inputs.formed_on",
                    "SM-36.a",
                    format!(
                        "the Commission is created no later than the date acceptance of applications ends, {} (24:00): {SM_36_A}; it was created on {}",
                        dotted(&w.last_day),
                        dotted(&formed_on)
                    ),
                ));
            }
        }
        self.ppp = Some(ppp);
        self.record.commission = Some(Commission {
            formed_on: formed_on.clone(),
            order: order.clone(),
            members,
            ppp,
        });
        fx.push(notify(
            role("service-integrator"),
            &format!("{}: the customer created the Commission (order {order} of {})", if ppp { "SM-36.b" } else { "SM-36.a" }, dotted(&formed_on)),
            &json!({"rule": if ppp { "SM-36.b" } else { "SM-36.a" }, "tender": self.key, "commission": self.record.commission, "at": t.at}),
        ));
        if let Some(step) = self.deferred.take() {
            let p = self.commission();
            self.open(&step, Some(p), fx);
        }
        Ok(())
    }

    /// The evaluation of the opened applications (the method of [`evaluation`]).
    fn evaluation(
        &mut self,
        e: &Edition,
        t: &TaskCompleted,
        inputs: &Value,
        today: &str,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let r = rule(e, "evaluation");
        let n = self.record.round;
        let opened_on = self
            .window
            .as_ref()
            .and_then(|w| w.closed_on.clone())
            .unwrap_or_default();
        let mut c = Checks::default();
        let Some(o) = object(
            &mut c,
            inputs,
            "inputs",
            r,
            "the evaluation",
            &["protocol", "applications", "creation_due"],
        ) else {
            return Err(c.v);
        };
        let protocol = act(
            &mut c,
            &o,
            "protocol",
            (r, "the Commission's protocol"),
            today,
            Some((&opened_on, "the day the applications were opened")),
        );
        let round_apps: Vec<record::Application> = self
            .record
            .applications
            .iter()
            .filter(|a| a.round == n)
            .cloned()
            .collect();
        let mut judged: Vec<(Judged, Vec<String>)> = Vec::new();
        if let Some(list) = o.list(
            &mut c,
            "applications",
            r,
            "the judgment of each opened application",
            true,
        ) {
            for (path, item) in list {
                let Some(j) = object(
                    &mut c,
                    item,
                    &path,
                    r,
                    "a judgment",
                    &["seq", "admissible", "reasons", "scores"],
                ) else {
                    continue;
                };
                let Some(seq) = j.integer(
                    &mut c,
                    "seq",
                    (r, "the application's sequence number"),
                    1..=i64::from(u32::MAX),
                    true,
                ) else {
                    continue;
                };
                let seq = seq as u32;
                let Some(app) = round_apps.iter().find(|a| a.seq == seq) else {
                    let opened: Vec<String> =
                        round_apps.iter().map(|a| a.seq.to_string()).collect();
                    c.push(
                        &j.at("seq"),
                        r,
                        format!(
                            "no application {seq} was opened in round {n}: the opened ones are {}",
                            opened.join(", ")
                        ),
                    );
                    continue;
                };
                if judged.iter().any(|(x, _)| x.seq == seq) {
                    c.push(&j.at("seq"), r, format!("application {seq} is judged twice: each opened application is judged once"));
                    continue;
                }
                let Some(admissible) =
                    j.boolean(&mut c, "admissible", r, "whether it is admissible", true)
                else {
                    continue;
                };
                let reasons = j
                    .lines(
                        &mut c,
                        "reasons",
                        r,
                        "the reasons it is not admissible",
                        !admissible,
                    )
                    .unwrap_or_default();
                if admissible && !reasons.is_empty() {
                    c.push(
                        &j.at("reasons"),
                        r,
                        "an admissible application has no reasons of inadmissibility",
                    );
                }
                let mut scores = BTreeMap::new();
                match (admissible, j.raw("scores")) {
                    (false, None | Some(Value::Null)) => {}
                    (false, Some(_)) => c.push(
                        &j.at("scores"),
                        r,
                        "an inadmissible application is not scored",
                    ),
                    (true, v) => {
                        // One score per announced criterion, named by the criterion as
                        // announced (its text: a list, since criteria are not key names).
                        let given: &[Value] = match v {
                            Some(Value::Array(a)) => a,
                            None | Some(Value::Null) => &[],
                            Some(_) => {
                                c.push(&j.at("scores"), r, "the scores are a list of {criterion, score}: per announced criterion, a whole score 0..100");
                                continue;
                            }
                        };
                        let mut named = std::collections::BTreeSet::new();
                        for (n, g) in given.iter().enumerate() {
                            let at = format!("{}[{n}]", j.at("scores"));
                            let (Some(k), Some(v)) =
                                (g.get("criterion").and_then(Value::as_str), g.get("score"))
                            else {
                                c.push(&at, r, "a score is {criterion, score}");
                                continue;
                            };
                            if g.as_object().is_some_and(|o| o.len() != 2) {
                                c.push(&at, r, "a score is {criterion, score}, nothing else");
                            }
                            if !self.record.criteria.iter().any(|x| x.criterion == k) {
                                c.push(
                                    &at,
                                    r,
                                    format!(
                                        "{k:?} is not an announced criterion: {}",
                                        criteria_list(&self.record.criteria)
                                    ),
                                );
                            } else if !named.insert(k.to_owned()) {
                                c.push(&at, r, format!("{k:?} is scored twice"));
                            }
                            match v.as_u64() {
                                Some(s) if s <= 100 => {
                                    scores.insert(k.to_owned(), s as u32);
                                }
                                _ => c.push(
                                    &at,
                                    r,
                                    format!("the score of {k:?} is a whole number from 0 to 100, got {v}"),
                                ),
                            }
                        }
                        for cr in &self.record.criteria {
                            if !named.contains(&cr.criterion) {
                                c.push(
                                    &j.at("scores"),
                                    r,
                                    format!("application {seq} is admissible: it is scored on every announced criterion; {:?} has no score", cr.criterion),
                                );
                            }
                        }
                        scores
                            .retain(|k, _| self.record.criteria.iter().any(|x| &x.criterion == k));
                    }
                }
                judged.push((
                    Judged {
                        seq,
                        supplier: app.supplier.clone(),
                        received_at: app.received_at.clone(),
                        admissible,
                        scores,
                    },
                    reasons,
                ));
            }
            if c.ok() {
                let missing: Vec<String> = round_apps
                    .iter()
                    .filter(|a| !judged.iter().any(|(j, _)| j.seq == a.seq))
                    .map(|a| format!("{} ({})", a.seq, a.supplier))
                    .collect();
                if !missing.is_empty() {
                    c.push(
                        "inputs.applications",
                        r,
                        format!(
                            "every opened application is judged once: not judged {}",
                            missing.join(", ")
                        ),
                    );
                }
            }
        }
        let award = t.outcome == "award";
        let creation_due = if award {
            let d = o.date(
                &mut c,
                "creation_due",
                ("SM-73", "the last day of creation the protocol sets"),
                None,
                true,
            );
            if let Some(d) = &d
                && d.as_str() <= today
            {
                c.push("inputs.creation_due", "SM-73", format!("the term of creation ends after the day of the protocol's recording ({}), got {}", dotted(today), dotted(d)));
            }
            d
        } else {
            if o.has("creation_due") {
                c.push(
                    "inputs.creation_due",
                    "SM-73",
                    "the term of creation is set only with an award",
                );
            }
            None
        };
        c.done()?;
        let (number, date) = protocol.unwrap_or_default();
        let apps: Vec<Judged> = judged.iter().map(|(j, _)| j.clone()).collect();
        let ranking = evaluation::rank(&self.record.criteria, &apps);
        match (t.outcome.as_str(), ranking.first()) {
            ("award", None) => {
                return Err(bad(
                    "outcome",
                    r,
                    "no application is admissible: the outcome is no-admissible (then the Commission's decision of SM-53-1 for this round)",
                ));
            }
            ("no-admissible", Some(_)) => {
                let admissible: Vec<String> = ranking.iter().map(|x| x.seq.to_string()).collect();
                return Err(bad(
                    "outcome",
                    r,
                    format!(
                        "application(s) {} are admissible: a supplier is determined (award), even from a single admissible application",
                        admissible.join(", ")
                    ),
                ));
            }
            ("award" | "no-admissible", _) => {}
            (other, _) => {
                return Err(bad(
                    "outcome",
                    "",
                    format!("evaluation has no outcome {other:?}"),
                ));
            }
        }
        // The record: each application's judgment.
        for a in self.record.applications.iter_mut().filter(|a| a.round == n) {
            if let Some((j, reasons)) = judged.iter().find(|(j, _)| j.seq == a.seq) {
                a.status = if j.admissible {
                    "valid"
                } else {
                    "disqualified"
                }
                .to_owned();
                a.reasons = reasons.clone();
                a.score = ranking
                    .iter()
                    .find(|x| x.seq == a.seq)
                    .map(|x| x.total.clone());
            }
        }
        let decision = json!({
            "method": "each admissible application scored 0..100 per criterion; total = Σ weight × score / 100; the highest total wins; a tie goes to the application received first",
            "criteria": self.record.criteria, "ranking": ranking,
            "protocol": number, "protocol_date": date,
        });
        if let (Some(first), Some(due)) = (ranking.first(), creation_due) {
            let price = self
                .record
                .applications
                .iter()
                .find(|a| a.round == n && a.seq == first.seq)
                .and_then(|a| a.price.clone());
            self.record.award = Some(Award {
                supplier: first.supplier.clone(),
                amount: price.clone(),
                score: first.total.clone(),
                protocol: number.clone(),
                protocol_date: date.clone(),
                decided_at: t.at.clone(),
            });
            self.winner = Some((first.seq, first.supplier.clone()));
            self.creation_due = Some(due.clone());
            self.status(status::AWARDED, fx);
            fx.push(explain(
                evaluation::explain(&self.record.criteria, &apps, &ranking),
                &decision,
            ));
            fx.push(put_entry(AWARDS, &self.key, &json!({
                "tender": self.key, "round": n, "supplier": first.supplier, "seq": first.seq,
                "score": first.total, "amount": price, "protocol": number, "protocol_date": date,
                "decided_at": t.at, "creation_due": due, "ranking": ranking,
            })));
            let winner = party_of("supplier", &first.supplier);
            self.open("creation", Some(winner.clone()), fx);
            self.creation_timer(&due, today, e, fx);
            let body = json!({"tender": self.key, "round": n, "score": first.total, "protocol": number,
                              "protocol_date": date, "creation_due": due, "customer": self.customer});
            if e.lc() {
                fx.push(notify(winner.clone(), "LC-31: you are the supplier determined by the tender: you provide the software, under the contract, as a software-provision service", &body));
                fx.push(notify(winner, "LC-32.a: the supplier determined by the tender initiates the inclusion in the Register of trusted software of the software meeting the terms of reference (POST /api/v1/trusted-software-inclusions, ground tender-winner)", &body));
            } else {
                fx.push(notify(winner, &format!("SM-73: you are the supplier determined by the tender; create the service software product or ICI object by {} and notify the service integrator", dotted(&due)), &body));
            }
            for p in [self.customer(), role("service-integrator")] {
                fx.push(notify(
                    p,
                    &format!(
                        "The Commission determined the supplier: {} (total {})",
                        first.supplier, first.total
                    ),
                    &body,
                ));
            }
        } else {
            let reasons: Vec<String> = judged
                .iter()
                .map(|(j, reasons)| format!("application {} of {} is not admissible: {}", j.seq, j.supplier, reasons.join("; ")))
                .chain(std::iter::once("No application is admissible: read as no application (AMB-SM-10), the Commission decides under SM-53-1".to_owned()))
                .collect();
            fx.push(explain(reasons, &decision));
            self.status(status::LADDER, fx);
            self.open_for_commission("ladder", fx);
        }
        Ok(())
    }

    /// The timer of SM-73: the end of the term of creation the protocol set, while it is ahead.
    fn creation_timer(&self, due: &str, today: &str, e: &Edition, fx: &mut Vec<Effect>) {
        if due >= today
            && let Some(at) = end_of_day(due)
        {
            fx.push(set_timer_at("sm-73", &at, rule(e, "creation")));
        }
    }

    /// SM-53-1: the Commission's decision on a round without (admissible) applications.
    fn ladder(
        &mut self,
        e: &Edition,
        t: &TaskCompleted,
        inputs: &Value,
        today: &str,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let n = self.record.round;
        let (expected, rule_of) = match n {
            1 => ("re-announce", "SM-53-1.a"),
            2 => ("amend-and-re-tender", "SM-53-1.b"),
            _ => ("cancel", "SM-53-1.c"),
        };
        let (chosen_rule, quote, when) = match t.outcome.as_str() {
            "re-announce" => ("SM-53-1.a", SM_53_1_A, "after the first announcement"),
            "amend-and-re-tender" => ("SM-53-1.b", SM_53_1_B, "after the repeated announcement"),
            "cancel" => (
                "SM-53-1.c",
                SM_53_1_C,
                "after the repeated announcement with the amended design assignment",
            ),
            other => {
                return Err(bad(
                    "outcome",
                    "",
                    format!("ladder has no outcome {other:?}"),
                ));
            }
        };
        if t.outcome != expected {
            return Err(bad(
                "outcome",
                chosen_rule,
                format!(
                    "{chosen_rule}: the Commission takes this decision only {when}; this is the decision on the {} announcement (round {n}), under {rule_of}: {expected}. {quote}",
                    ordinal(n)
                ),
            ));
        }
        let closed_on = self
            .window
            .as_ref()
            .and_then(|w| w.closed_on.clone())
            .unwrap_or_default();
        let mut c = Checks::default();
        let Some(o) = object(
            &mut c,
            inputs,
            "inputs",
            "SM-53-1",
            "the decision",
            &["protocol", "amendments", "amended_items"],
        ) else {
            return Err(c.v);
        };
        let protocol = act(
            &mut c,
            &o,
            "protocol",
            ("SM-53-1", "the Commission's protocol"),
            today,
            Some((&closed_on, "the day the window closed")),
        );
        let mut amended = Map::new();
        if t.outcome == "amend-and-re-tender" {
            o.text(
                &mut c,
                "amendments",
                "SM-53-1.b",
                "the amendments and additions",
                true,
            );
            match (&self.design_assignment, o.object(&mut c, "amended_items", ("SM-53-1.b", "the amended items of the design assignment"), &service_model::ITEMS.map(|i| i.key), self.design_assignment.is_some())) {
                (Some(_), Some(items)) => {
                    amended = read_items(&mut c, &items, false);
                    if amended.is_empty() && c.ok() {
                        c.push("inputs.amended_items", "SM-53-1.b", "the design assignment is amended: at least one item as amended");
                    }
                }
                (None, Some(_)) => c.push("inputs.amended_items", "SM-53-1.b", "the tender has no design assignment: state the changes to its documentation in the amendments"),
                _ => {}
            }
        } else {
            for k in ["amendments", "amended_items"] {
                if o.has(k) {
                    c.push(&o.at(k), "SM-53-1.b", "the design assignment is amended only with amend-and-re-tender (SM-53-1.b)");
                }
            }
        }
        c.done()?;
        let (number, date) = protocol.unwrap_or_default();
        if let Some(round) = self.record.current() {
            round.decision = Some(Decision {
                outcome: t.outcome.clone(),
                rule: chosen_rule.to_owned(),
                protocol: number.clone(),
                protocol_date: date.clone(),
                decided_at: t.at.clone(),
            });
        }
        fx.push(explain(
            vec![format!("{chosen_rule}: {quote}")],
            &json!({"rule": chosen_rule, "round": n, "protocol": number, "protocol_date": date}),
        ));
        let body = json!({"rule": chosen_rule, "tender": self.key, "round": n, "decision": t.outcome, "protocol": number, "protocol_date": date});
        if t.outcome == "cancel" {
            self.status(status::CANCELLED, fx);
            self.close_all(
                "the creation or development of the ICT service is cancelled (SM-53-1.c)",
                fx,
            );
            for p in [
                self.customer(),
                role("service-integrator"),
                role("authorized-body"),
            ] {
                fx.push(notify(p, "SM-53-1.c: the Commission decided to cancel the creation or development of the ICT service (решение об отмене создания или развития ИК-услуги)", &body));
            }
            return Ok(());
        }
        if let Some(items) = &mut self.design_assignment {
            items.extend(amended);
            self.apply_design_assignment(e);
        }
        self.record.round = n + 1;
        self.record.window = None;
        self.window = None;
        self.status(status::PLANNING, fx);
        self.open("announce", None, fx);
        let subject = if t.outcome == "re-announce" {
            "SM-53-1.a: the Commission decided to announce the tender again (решение о повторном объявлении конкурса)"
        } else {
            "SM-53-1.b: the Commission decided to amend and supplement the design assignment and hold the tender again (решение о внесении изменений и дополнений в задание на проектирование ИК-услуги и повторном проведении конкурса)"
        };
        for p in [self.customer(), role("service-integrator")] {
            fx.push(notify(p, subject, &body));
        }
        Ok(())
    }

    /// SM-73 (AMB-SM-11): the supplier notifies that creation is complete.
    fn creation(
        &mut self,
        t: &TaskCompleted,
        inputs: &Value,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let mut c = Checks::default();
        let resources = object(
            &mut c,
            inputs,
            "inputs",
            "SM-73",
            "the notification",
            &["ici_resources"],
        )
        .and_then(|o| {
            o.text(
                &mut c,
                "ici_resources",
                "SM-73",
                "the ICT-infrastructure resources needed in the operating environment",
                true,
            )
        });
        c.done()?;
        self.ici_resources = resources;
        fx.push(Effect::CancelTimer("sm-73".into()));
        fx.push(notify(
            role("service-integrator"),
            "SM-73: the supplier notifies that the creation is complete, with the ICT-infrastructure resources needed in the operating environment; the service integrator initiates testing",
            &json!({"rule": "SM-73", "tender": self.key, "supplier": t.by.org, "ici_resources": self.ici_resources}),
        ));
        self.open("testing", None, fx);
        Ok(())
    }

    /// SM-73, SM-76-1: the operability testing with its integration checks.
    fn testing(
        &mut self,
        e: &Edition,
        t: &TaskCompleted,
        inputs: &Value,
        today: &str,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let mut c = Checks::default();
        let Some(o) = object(
            &mut c,
            inputs,
            "inputs",
            "SM-76-1",
            "the testing",
            &["protocol", "integration_checks"],
        ) else {
            return Err(c.v);
        };
        act(
            &mut c,
            &o,
            "protocol",
            ("SM-76-1", "the testing protocol"),
            today,
            None,
        );
        let mut checks: Vec<(String, String)> = Vec::new();
        if o.raw("integration_checks").is_none() {
            c.push(
                "inputs.integration_checks",
                "SM-76-1",
                "the integration checks are required (an empty list when the tender names none)",
            );
        }
        for (path, item) in o
            .list(
                &mut c,
                "integration_checks",
                "SM-76-1",
                "the integration checks",
                false,
            )
            .unwrap_or_default()
        {
            let Some(x) = object(
                &mut c,
                item,
                &path,
                "SM-76-1",
                "a check",
                &["service", "result"],
            ) else {
                continue;
            };
            let service = x.line(
                &mut c,
                "service",
                "SM-76-1",
                "the integration service",
                true,
            );
            let result = x.choice(
                &mut c,
                "result",
                ("SM-76-1", "the result"),
                &["passed", "failed"],
                true,
            );
            if let (Some(s), Some(r)) = (service, result) {
                if checks
                    .iter()
                    .any(|(o, _)| o.to_lowercase() == s.to_lowercase())
                {
                    c.push(
                        &x.at("service"),
                        "SM-76-1",
                        format!("{s:?} is checked twice"),
                    );
                } else {
                    checks.push((s, r));
                }
            }
        }
        if c.ok() {
            for i in &self.integrations {
                if !checks
                    .iter()
                    .any(|(s, _)| s.to_lowercase() == i.to_lowercase())
                {
                    c.push("inputs.integration_checks", "SM-76-1", format!("the integration with {i:?} named for this tender is not checked: {SM_76_1}"));
                }
            }
        }
        if t.outcome == "passed" {
            let failed: Vec<&str> = checks
                .iter()
                .filter(|(_, r)| r == "failed")
                .map(|(s, _)| s.as_str())
                .collect();
            if !failed.is_empty() {
                c.push(
                    "outcome",
                    "SM-76-1",
                    format!(
                        "testing that includes a failed integration check is not passed: {}",
                        failed.join(", ")
                    ),
                );
            }
        }
        c.done()?;
        match t.outcome.as_str() {
            "passed" => {
                fx.push(notify(
                    role("operator"),
                    "SM-80-1: testing is passed; allocate the ICT infrastructure in the regular operating environment for the trials",
                    &json!({"rule": "SM-80-1", "tender": self.key, "ici_resources": self.ici_resources}),
                ));
                self.open("environment", None, fx);
                Ok(())
            }
            "failed" => {
                self.back_to_creation(e, "testing", t, today, fx);
                Ok(())
            }
            other => Err(bad(
                "outcome",
                "",
                format!("testing has no outcome {other:?}"),
            )),
        }
    }

    /// A failed test or trial: the supplier's creation goes on, its next round.
    fn back_to_creation(
        &mut self,
        e: &Edition,
        what: &str,
        t: &TaskCompleted,
        today: &str,
        fx: &mut Vec<Effect>,
    ) {
        if let Some(p) = self.supplier() {
            fx.push(notify(
                p.clone(),
                &format!("The {what} is not passed: correct the service software product or ICI object and notify the service integrator again"),
                &json!({"tender": self.key, "reasons": t.reasons}),
            ));
            self.open("creation", Some(p), fx);
        }
        // The protocol's term still runs: its timer again (the SM-73 notice once it passes).
        if let Some(due) = self.creation_due.clone() {
            self.creation_timer(&due, today, e, fx);
        }
    }

    /// SM-82 (LC-9 sp.3)): the trials.
    fn trials(
        &mut self,
        e: &Edition,
        t: &TaskCompleted,
        inputs: &Value,
        today: &str,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let mut c = Checks::default();
        let Some(o) = object(
            &mut c,
            inputs,
            "inputs",
            "SM-82.a",
            "the trials",
            &["object", "act"],
        ) else {
            return Err(c.v);
        };
        let what = o.choice(
            &mut c,
            "object",
            ("SM-82.a", "what was tried"),
            &["spp", "ici-object"],
            true,
        );
        let act = act(
            &mut c,
            &o,
            "act",
            ("SM-82.a", "the act of the trials"),
            today,
            None,
        );
        c.done()?;
        self.object = what.clone();
        match t.outcome.as_str() {
            "passed" => {
                let (number, date) = act.unwrap_or_default();
                let subject = if what.as_deref() == Some("ici-object") {
                    "SM-82.b: the operator's notification: the e-government ICT platform with the created ICI object passed the information-security trials"
                } else {
                    "SM-83 (AMB-SM-12): the service software product passed the information-security trials; the notification of the supplier"
                };
                fx.push(notify(role("service-integrator"), subject, &json!({"rule": "SM-82.b", "tender": self.key, "object": what, "act": {"number": number, "date": date}})));
                self.open("convene", None, fx);
                Ok(())
            }
            "failed" => {
                self.back_to_creation(e, "trials", t, today, fx);
                Ok(())
            }
            other => Err(bad(
                "outcome",
                "",
                format!("trials has no outcome {other:?}"),
            )),
        }
    }

    /// SM-85: the decision to form the ICT service.
    fn formation(
        &mut self,
        e: &Edition,
        t: &TaskCompleted,
        inputs: &Value,
        today: &str,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let mut c = Checks::default();
        let Some(o) = object(
            &mut c,
            inputs,
            "inputs",
            "SM-85",
            "the decision",
            &[
                "protocol",
                "service_name",
                "service_type",
                "software_product",
                "monthly_price_tenge",
                "ownership_transfer_required",
            ],
        ) else {
            return Err(c.v);
        };
        act(
            &mut c,
            &o,
            "protocol",
            ("SM-85", "the Commission's protocol"),
            today,
            None,
        );
        if t.outcome == "refuse" {
            c.done()?;
            self.status(status::NOT_FORMED, fx);
            self.close_all("the Commission did not form the ICT service", fx);
            let body = json!({"rule": "SM-85", "tender": self.key, "reasons": t.reasons});
            let mut told = vec![self.customer(), role("service-integrator")];
            told.extend(self.supplier());
            for p in told {
                fx.push(notify(
                    p,
                    "SM-85 (AMB-SM-13): the Commission decided not to form the ICT service",
                    &body,
                ));
            }
            return Ok(());
        }
        let name = o.line(
            &mut c,
            "service_name",
            "SM-85",
            "the name of the ICT service",
            true,
        );
        let kind = o.choice(
            &mut c,
            "service_type",
            ("LC-25", "the type of ICT service"),
            &service_types(),
            true,
        );
        let product = o.line(
            &mut c,
            "software_product",
            "SM-85",
            "the service software product or ICI object",
            true,
        );
        let price = o.tenge(
            &mut c,
            "monthly_price_tenge",
            "SM-85",
            "the monthly rental",
            true,
        );
        let transfer = o.boolean(
            &mut c,
            "ownership_transfer_required",
            if e.lc() { "LC-35" } else { "SM-103-1" },
            "whether ownership passes after three years",
            true,
        );
        if e.lc() && transfer == Some(true) {
            c.push("inputs.ownership_transfer_required", "LC-35", format!("{LC_35}: the LC Rules have no transfer of ownership after three years (SM-103-1 ceased with the service-model Rules)"));
        }
        c.done()?;
        self.formed = Some(Formed {
            service_name: name.unwrap_or_default(),
            service_type: kind.unwrap_or_default(),
            software_product: product.unwrap_or_default(),
            monthly_price: egov_plugin_sdk::money::format(price.unwrap_or_default()),
            ownership_transfer_required: transfer.unwrap_or_default(),
        });
        self.open("commissioning", None, fx);
        Ok(())
    }

    /// SM-86, SM-87, SM-87-1: commissioning, by the operator together with the supplier.
    fn commissioning(
        &mut self,
        inputs: &Value,
        today: &str,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let mut c = Checks::default();
        let Some(o) = object(
            &mut c,
            inputs,
            "inputs",
            "SM-87",
            "the commissioning",
            &[
                "protocol",
                "signed_on",
                "technical_documentation_accepted",
                "rental_start",
            ],
        ) else {
            return Err(c.v);
        };
        let protocol = o.line(
            &mut c,
            "protocol",
            "SM-87",
            "the number of the commissioning protocol",
            true,
        );
        let signed_on = o.date(
            &mut c,
            "signed_on",
            ("SM-98.a", "the day the protocol was signed"),
            Some(today),
            true,
        );
        let accepted = o.boolean(
            &mut c,
            "technical_documentation_accepted",
            "SM-87-1",
            "whether the technical documentation was accepted",
            true,
        );
        let rental_start = o.date(
            &mut c,
            "rental_start",
            ("SM-103-1", "the start of the rental"),
            None,
            true,
        );
        if accepted == Some(false) && self.object.as_deref() != Some("ici-object") {
            c.push("inputs.technical_documentation_accepted", "SM-87-1", format!("a service software product is commissioned with its technical documentation accepted: {SM_87_1}"));
        }
        if let (Some(s), Some(r)) = (&signed_on, &rental_start)
            && r < s
        {
            c.push("inputs.rental_start", "SM-103-1", format!("the rental starts with the commissioning: not before the protocol was signed ({})", dotted(s)));
        }
        c.done()?;
        let formed = self
            .formed
            .clone()
            .ok_or_else(|| bad("task", "SM-86", "the ICT service was not formed (SM-85)"))?;
        self.record.contract = Some(Contract {
            supplier: self
                .winner
                .as_ref()
                .map(|(_, b)| b.clone())
                .unwrap_or_default(),
            service_name: formed.service_name,
            protocol: protocol.unwrap_or_default(),
            signed_on: signed_on.unwrap_or_default(),
            rental_start: rental_start.unwrap_or_default(),
            monthly_price: formed.monthly_price,
        });
        self.open("notify-si", None, fx);
        Ok(())
    }

    /// SM-98.b: the authorized body is notified; the Catalog entry.
    fn notify_ab(
        &mut self,
        t: &TaskCompleted,
        inputs: &Value,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        no_inputs(inputs, "SM-98.b")?;
        let (Some(f), Some(k)) = (&self.formed, &self.record.contract) else {
            return Err(bad(
                "task",
                "SM-98.b",
                "the ICT service was not commissioned (SM-87)",
            ));
        };
        let body = json!({
            "name": f.service_name,
            "service_type": f.service_type,
            "origin": "sm-98",
            "supplier": k.supplier,
            "customer": self.customer,
            "software_product": f.software_product,
            "monthly_price_tenge": f.monthly_price,
            "rental_start": k.rental_start,
            "ownership_transfer_required": f.ownership_transfer_required,
            "commissioning_protocol": k.protocol,
            "protocol_signed_on": k.signed_on,
        });
        fx.push(notify(
            role("authorized-body"),
            "SM-98.b: the ICT service must be included in the Catalog of ICT services (уведомление о необходимости включения ИК-услуги в Каталог ИК-услуг)",
            &json!({"rule": "SM-98.b", "tender": self.key, "service": body, "at": t.at}),
        ));
        fx.push(put_entry(CATALOG, &self.key, &body));
        self.status(status::FORMED, fx);
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Timers and slots.

    fn timer(&mut self, e: &Edition, t: &TimerFired, fx: &mut Vec<Effect>) {
        if let Some(w) = &self.window
            && w.name == t.timer
            && w.closed_on.is_none()
        {
            // SM-47: the window ends; the engine answers with slot-closed.
            fx.push(Effect::CloseSlot(w.name.clone()));
        } else if t.timer == "sm-73" && self.is_open("creation") {
            let due = self.creation_due.clone().unwrap_or_default();
            let body = json!({"rule": rule(e, "creation"), "tender": self.key, "creation_due": due, "supplier": self.winner.as_ref().map(|(_, b)| b)});
            for p in [role("service-integrator"), self.customer()] {
                fx.push(notify(
                    p,
                    &format!("SM-73: the term of creation set by the protocol ended at 24:00 of {} and the supplier has not notified that the creation is complete", dotted(&due)),
                    &body,
                ));
            }
        }
    }

    fn slot_input(
        &mut self,
        e: &Edition,
        i: &SlotInput,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        if i.slot == REGISTER_CHECK && e.lc() {
            return self.register_check(i, fx);
        }
        match &self.window {
            // A sealed application: only its digest; the record shows applications once opened.
            Some(w) if w.name == i.slot && w.closed_on.is_none() => Ok(()),
            _ => Err(bad(
                "slot",
                rule(e, "applications"),
                format!("the slot {} takes no input now", i.slot),
            )),
        }
    }

    /// LC-26, LC-28: the answer of the Register check.
    fn register_check(
        &mut self,
        i: &SlotInput,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        if self.register.is_some() {
            return Err(bad("slot", "LC-26", "the Register check was answered"));
        }
        let body: Value = match i.body.as_deref().map(serde_json::from_str::<Value>) {
            Some(Ok(v)) => v,
            Some(Err(err)) => {
                return Err(bad(
                    "body",
                    "LC-26",
                    format!("the answer is not JSON: {err}"),
                ));
            }
            None => return Err(bad("body", "LC-26", "the answer has no body")),
        };
        let mut c = Checks::default();
        let mut similar = None;
        if let Some(o) = object(
            &mut c,
            &body,
            "body",
            "LC-26",
            "the answer of the Register check",
            &["similar", "matches", "reading"],
        ) {
            similar = o.boolean(
                &mut c,
                "similar",
                "LC-26",
                "whether the Register holds software with similar functionality",
                true,
            );
            if o.raw("matches").is_none() {
                c.push(
                    "body.matches",
                    "LC-26",
                    "the matches are required (an empty list when none)",
                );
            }
            for (path, m) in o
                .list(&mut c, "matches", "LC-26", "the matches", false)
                .unwrap_or_default()
            {
                if let Some(m) = object(
                    &mut c,
                    m,
                    &path,
                    "LC-26",
                    "a match",
                    &["entry_id", "key", "title", "supplier", "score"],
                ) {
                    m.line(&mut c, "key", "LC-26", "the Register entry's key", true);
                }
            }
            if o.has("reading") {
                o.text(&mut c, "reading", "LC-26", "the reading", false);
            }
        }
        c.done()?;
        let similar = similar.unwrap_or_default();
        self.register = Some(body.clone());
        fx.push(Effect::CloseSlot(REGISTER_CHECK.into()));
        let body = json!({"rule": "LC-26", "tender": self.key, "check": body});
        if similar {
            let p = self.customer();
            fx.push(notify(p.clone(), &format!("LC-26: the Register of trusted software holds software with similar functionality; decide whether to acquire it from the Register or hold the tender. {LC_26}"), &body));
            self.open("register-decision", Some(p), fx);
        } else {
            fx.push(notify(self.customer(), &format!("LC-28: the Register of trusted software has no ICT service needed: the tender is announced. {LC_28}"), &body));
            self.open("announce", None, fx);
        }
        Ok(())
    }

    fn slot_closed(&mut self, c: &SlotClosed, fx: &mut Vec<Effect>) {
        let Some(w) = &mut self.window else { return };
        if w.name != c.slot || w.closed_on.is_some() {
            return;
        }
        w.closed_on = Some(day(&c.at).to_owned());
        let (name, last_day) = (w.name.clone(), w.last_day.clone());
        if let Some(r) = self.record.current() {
            r.received = Some(c.count);
        }
        if self.record.commission.is_none() && self.ppp != Some(true) {
            // SM-36.a: no Commission by the end of acceptance; nobody can examine the
            // applications, which stay sealed.
            self.status(status::VOID, fx);
            self.close_all(
                "no Commission was created by the end of acceptance (SM-36.a)",
                fx,
            );
            let body = json!({"rule": "SM-36.a", "tender": self.key, "last_day": last_day, "received": c.count});
            for p in [
                self.customer(),
                role("service-integrator"),
                role("authorized-body"),
            ] {
                fx.push(notify(
                    p,
                    &format!("SM-36.a: the customer did not create the Commission by the date acceptance of applications ended ({}); the tender cannot go on", dotted(&last_day)),
                    &body,
                ));
            }
            return;
        }
        if c.count == 0 {
            self.status(status::LADDER, fx);
            self.open_for_commission("ladder", fx);
        } else {
            fx.push(Effect::Unseal(name));
        }
    }

    fn unsealed(&mut self, u: &SlotUnsealed, fx: &mut Vec<Effect>) {
        let Some(w) = &self.window else { return };
        if w.name != u.slot
            || w.closed_on.is_none()
            || self.record.applications.iter().any(|a| a.round == w.round)
        {
            return;
        }
        let n = w.round;
        for i in &u.inputs {
            let price = serde_json::from_str::<Value>(&i.body)
                .ok()
                .and_then(|b| {
                    b.get("price_tenge")
                        .and_then(egov_plugin_sdk::money::of_value)
                })
                .map(egov_plugin_sdk::money::format);
            self.record.applications.push(record::Application {
                round: n,
                seq: i.seq,
                supplier: i.by.org.clone().unwrap_or_default(),
                received_at: i.at.clone(),
                digest: i.digest.clone(),
                price,
                status: "pending".into(),
                score: None,
                reasons: Vec::new(),
            });
        }
        if u.inputs.is_empty() {
            self.status(status::LADDER, fx);
            self.open_for_commission("ladder", fx);
        } else {
            self.status(status::EVALUATION, fx);
            self.open_for_commission("evaluation", fx);
        }
    }
}

/// A step that takes no facts.
fn no_inputs(inputs: &Value, rule: &str) -> Result<(), Vec<Violation>> {
    match inputs {
        Value::Object(m) if m.is_empty() => Ok(()),
        _ => Err(bad("inputs", rule, "this step takes no inputs")),
    }
}

/// The announced criteria, for a message.
fn criteria_list(criteria: &[Criterion]) -> String {
    criteria
        .iter()
        .map(|c| format!("{:?} ({})", c.criterion, c.weight))
        .collect::<Vec<_>>()
        .join(", ")
}
