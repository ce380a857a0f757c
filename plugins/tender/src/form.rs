//! The intakes' forms (JSON Schema 2020-12, the rule of each property in `x-rule`) and what
//! `validate` checks beyond them; the same reading gives `react` the submission's values.
//!
//! - `design-assignment` (both editions): the approved design assignment exactly as the
//!   service-model variant writes it into `design-assignments`, with its key. The platform
//!   admits it when the service-model case starts the tender (`start-case`), on the day of the
//!   approval; a platform administrator may post it by hand to recover.
//! - `tender` (2023): the customer's tender for an ICT service the Register may not have
//!   (LC-26, LC-28): what it must do, the agreed terms of reference, the ceiling, the type
//!   (LC-25), the criteria, the integrations to test.

use egov_plugin_sdk::Violation;
use egov_plugin_sdk::read::{Checks, MAX_LINE, MAX_TEXT, Obj, object};
use serde_json::{Map, Value, json};
use service_model::{ITEMS, design_assignment_schema};

use crate::evaluation::Criterion;
use crate::texts::{LC_25, LC_26, LC_28, SM_42};

/// A date on the wire.
pub const DATE: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
/// An amount of tenge on the wire.
pub const TENGE: &str = "^[0-9]{1,13}([.][0-9]{1,2})?$";

/// One line of text (the engine's `Line`).
pub fn line_schema(rule: &str, description: &str) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": MAX_LINE, "x-line": true,
           "x-rule": rule, "description": description})
}

/// Free text (the engine's `Text`).
pub fn text_schema(rule: &str, description: &str) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "x-rule": rule,
           "description": description})
}

/// A date `YYYY-MM-DD`.
pub fn date_schema(rule: &str, description: &str) -> Value {
    json!({"type": "string", "pattern": DATE, "x-line": true, "x-rule": rule,
           "description": description})
}

/// An amount of tenge, text with at most two decimals.
pub fn tenge_schema(rule: &str, description: &str) -> Value {
    json!({"type": "string", "pattern": TENGE, "x-line": true, "x-rule": rule,
           "description": description})
}

/// A protocol, order or act: its number and date.
pub fn act_schema(rule: &str, description: &str) -> Value {
    json!({"type": "object", "additionalProperties": false, "required": ["number", "date"],
    "x-rule": rule, "description": description,
    "properties": {
        "number": line_schema(rule, "Its number"),
        "date": date_schema(rule, "Its date, YYYY-MM-DD (not in the future)")
    }})
}

/// The selection criteria with their weights.
pub fn criteria_schema(rule: &str, description: &str) -> Value {
    json!({"type": "array", "minItems": 1, "maxItems": 50, "x-rule": rule,
    "description": description,
    "items": {"type": "object", "additionalProperties": false,
              "required": ["criterion", "weight"],
              "properties": {
                  "criterion": line_schema(rule, "The criterion, as the announcement states it"),
                  "weight": {"type": "integer", "minimum": 1, "maximum": 100, "x-rule": rule,
                             "description": "Its weight, 1 to 100; the weights sum to 100"}
              }}})
}

/// The LC-25 types of ICT service.
pub fn service_types() -> Vec<&'static str> {
    LC_25.iter().map(|(v, _)| *v).collect()
}

fn service_types_described() -> String {
    LC_25
        .iter()
        .map(|(v, t)| format!("{v}: {t}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The service type of LC-25.
pub fn service_type_schema() -> Value {
    json!({"enum": service_types(), "x-rule": "LC-25",
           "description": format!("Вид информационно-коммуникационной услуги — the type of ICT service (LC-25): {}", service_types_described())})
}

/// The keys of a design assignment's entry, as the service-model variant writes it (plus its
/// key).
pub const DA_KEYS: [&str; 8] = [
    "customer",
    "request",
    "design_assignment",
    "developed_at",
    "approved_on",
    "status",
    "next",
    "design_assignment_key",
];

/// The form of the intake `design-assignment`; `rule`: the edition's (SM-42, LC-28).
pub fn design_assignment_form(rule: &str) -> Value {
    let mut da = design_assignment_schema();
    da["x-rule"] = json!("SM-19");
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object", "additionalProperties": false, "x-rule": rule,
        "description": format!("The approved design assignment that starts the tender: the body of its entry in the registry design-assignments, as the service-model variant writes it on the customer's approval, and its key. {SM_42}"),
        "required": DA_KEYS,
        "properties": {
            "customer": {"type": "string", "pattern": "^[0-9]{12}$", "x-line": true, "x-rule": rule,
                         "description": "Заказчик ИК-услуги — the customer of the ICT service (the state body whose activity is automated), by BIN"},
            "request": {"type": "object", "additionalProperties": false, "x-rule": rule,
                        "description": "The request or application the design assignment answers (SM-8)",
                        "required": ["intake", "received_at"],
                        "properties": {
                            "intake": {"type": "string", "maxLength": MAX_LINE, "x-line": true, "x-rule": rule},
                            "received_at": {"type": "string", "maxLength": MAX_LINE, "x-line": true, "x-rule": rule},
                            "function": {"type": ["string", "null"], "maxLength": MAX_TEXT, "x-rule": rule,
                                         "description": "The function (SM-F1 section 1) or the activity (SM-8.b) to automate"}
                        }},
            "design_assignment": da,
            "developed_at": {"type": ["string", "null"], "maxLength": MAX_LINE, "x-line": true, "x-rule": "SM-18",
                             "description": "When the service integrator submitted the design assignment"},
            "approved_on": date_schema(rule, "The day the customer approved the design assignment (AMB-SM-8); the 3 working days of SM-42 run from it"),
            "status": {"const": "approved", "x-rule": rule},
            "next": {"type": "string", "maxLength": MAX_TEXT, "x-rule": rule},
            "design_assignment_key": line_schema(rule, "The key of the entry in design-assignments: <customer BIN>/<received_at of the request>")
        }
    })
}

/// The approved design assignment a tender starts from.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignAssignment {
    pub customer: String,
    pub key: String,
    pub approved_on: String,
    /// The fourteen items of p.19, by key.
    pub items: Map<String, Value>,
    /// The function or activity of the request.
    pub function: Option<String>,
}

impl DesignAssignment {
    /// Item `key` of p.19, trimmed.
    pub fn item(&self, key: &str) -> Option<String> {
        self.items
            .get(key)
            .and_then(Value::as_str)
            .map(|s| s.trim().to_owned())
    }
}

/// Reads the intake `design-assignment`: every violation, or the design assignment.
pub fn read_design_assignment(
    v: &Value,
    today: &str,
    rule: &str,
) -> Result<DesignAssignment, Vec<Violation>> {
    let mut c = Checks::default();
    let Some(o) = object(
        &mut c,
        v,
        "",
        rule,
        "the design assignment's entry",
        &DA_KEYS,
    ) else {
        return Err(c.v);
    };
    let customer = o.bin(
        &mut c,
        "customer",
        rule,
        "the customer of the ICT service",
        true,
    );
    let key = o.line(
        &mut c,
        "design_assignment_key",
        rule,
        "the key of the design assignment",
        true,
    );
    if let (Some(customer), Some(key)) = (&customer, &key)
        && !key.starts_with(&format!("{customer}/"))
    {
        c.push(
            "design_assignment_key",
            rule,
            format!("the key of the design assignment is <customer BIN>/<received_at>: {key:?} is not the customer {customer}'s"),
        );
    }
    let approved_on = o.date(
        &mut c,
        "approved_on",
        (rule, "the day the design assignment was approved"),
        Some(today),
        true,
    );
    match o.raw("status").and_then(Value::as_str) {
        Some("approved") => {}
        other => c.push(
            "status",
            rule,
            format!("a tender starts from an approved design assignment (SM-42), got the status {other:?}"),
        ),
    }
    let mut function = None;
    if let Some(r) = o.object(
        &mut c,
        "request",
        (rule, "the request"),
        &["intake", "received_at", "function"],
        true,
    ) {
        r.line(&mut c, "intake", rule, "the request's intake", true);
        r.line(
            &mut c,
            "received_at",
            rule,
            "when the request was received",
            true,
        );
        if r.has("function") {
            function = r.text(&mut c, "function", rule, "the function to automate", false);
        }
    }
    if o.has("developed_at") {
        o.line(
            &mut c,
            "developed_at",
            "SM-18",
            "when the design assignment was developed",
            false,
        );
    }
    if o.has("next") {
        o.text(&mut c, "next", rule, "the next step", false);
    }
    let mut items = Map::new();
    let keys: Vec<&str> = ITEMS.iter().map(|i| i.key).collect();
    if let Some(da) = o.object(
        &mut c,
        "design_assignment",
        ("SM-19", "the design assignment"),
        &keys,
        true,
    ) {
        items = read_items(&mut c, &da, true);
    }
    c.done()?;
    Ok(DesignAssignment {
        customer: customer.unwrap_or_default(),
        key: key.unwrap_or_default(),
        approved_on: approved_on.unwrap_or_default(),
        items,
        function,
    })
}

/// The items of p.19 in `o` (all fourteen when `all`, else those given), each a text that is
/// not blank; a missing one is named with its content.
pub fn read_items(c: &mut Checks, o: &Obj, all: bool) -> Map<String, Value> {
    let mut items = Map::new();
    for it in &ITEMS {
        let what = format!(
            "item {}) of the design assignment «{}» — {}",
            it.number, it.text, it.text_en
        );
        if !all && o.raw(it.key).is_none() {
            continue;
        }
        if let Some(s) = o.text(c, it.key, "SM-19", &what, true) {
            items.insert(it.key.to_owned(), Value::String(s));
        }
    }
    items
}

/// The selection criteria at `key`: each named once (without case or extra spaces), each weight
/// 1..=100, the weights summing to 100.
pub fn read_criteria(
    c: &mut Checks,
    o: &Obj,
    key: &str,
    rule: &str,
    need: bool,
) -> Option<Vec<Criterion>> {
    let items = o.list(c, key, rule, "the supplier selection criteria", need)?;
    let before = c.v.len();
    let mut out: Vec<Criterion> = Vec::new();
    for (path, item) in items {
        let Some(x) = object(
            c,
            item,
            &path,
            rule,
            "a criterion",
            &["criterion", "weight"],
        ) else {
            continue;
        };
        let name = x.line(c, "criterion", rule, "the criterion", true);
        let weight = x.integer(c, "weight", (rule, "its weight"), 1..=100, true);
        if let (Some(name), Some(weight)) = (name, weight) {
            let norm = |s: &str| {
                s.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            };
            if out.iter().any(|o| norm(&o.criterion) == norm(&name)) {
                c.push(
                    &x.at("criterion"),
                    rule,
                    format!("the criterion {name:?} is given twice"),
                );
            } else {
                out.push(Criterion {
                    criterion: name.split_whitespace().collect::<Vec<_>>().join(" "),
                    weight: weight as u32,
                });
            }
        }
    }
    if c.v.len() != before {
        return None;
    }
    let sum: u32 = out.iter().map(|x| x.weight).sum();
    if sum != 100 {
        c.push(
            &o.at(key),
            rule,
            format!("the weights of the criteria sum to 100, not {sum} (the evaluation method of this variant: the total is Σ weight × score / 100)"),
        );
        return None;
    }
    Some(out)
}

/// The fields of the intake `tender`.
pub const TENDER_KEYS: [&str; 9] = [
    "title",
    "description",
    "functionality",
    "tor_case",
    "ceiling_cost_tenge",
    "service_type",
    "criteria",
    "integrations",
    "ppp_project",
];

/// The form of the intake `tender` (2023, LC-28).
pub fn tender_form() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object", "additionalProperties": false, "x-rule": "LC-28",
        "description": format!("A tender for creating an ICT service, after the Register check. {LC_26}. {LC_28}."),
        "required": ["title", "functionality", "tor_case", "ceiling_cost_tenge", "service_type", "criteria", "integrations"],
        "properties": {
            "title": line_schema("LC-28", "The subject of the tender: the ICT service to create"),
            "description": text_schema("LC-28", "What the ICT service is for (optional)"),
            "functionality": text_schema("LC-26", "What the software must do: the functionality the Register of trusted software is searched for before any tender (LC-26, LC-28)"),
            "tor_case": {"type": "string", "minLength": 1, "maxLength": MAX_LINE, "x-line": true, "x-rule": "LC-28",
                         "x-case": {"kind": "terms-of-reference", "status": ["agreed"]},
                         "description": "The case of the agreed terms of reference (one of the customer's own): «конкурсная документация включает техническое задание» — the tender documentation includes the TOR (LC-28, LC-34)"},
            "ceiling_cost_tenge": tenge_schema("LC-28", "The ceiling cost of the ICT service, tenge (\"125000000.00\")"),
            "service_type": service_type_schema(),
            "criteria": criteria_schema("LC-28", "The supplier selection criteria of the tender documentation, each with its weight (the weights sum to 100)"),
            "integrations": {"type": "array", "maxItems": 200, "x-rule": "LC-28",
                             "description": "The integrations with integration services the testing must check (may be empty)",
                             "items": line_schema("LC-28", "An integration service, by name")},
            "ppp_project": {"type": "boolean", "x-rule": "SM-36.b",
                            "description": "Whether the ICT service is created under a PPP project (then the Commission is created after the budget commission's positive proposal, without the limit of the end of acceptance; absent: no)"}
        }
    })
}

/// The tender of the intake `tender`.
#[derive(Clone, Debug, PartialEq)]
pub struct TenderForm {
    pub title: String,
    pub description: Option<String>,
    pub functionality: String,
    pub tor_case: String,
    pub ceiling: u128,
    pub service_type: String,
    pub criteria: Vec<Criterion>,
    pub integrations: Vec<String>,
    pub ppp: Option<bool>,
}

/// Reads the intake `tender`: every violation, or the tender.
pub fn read_tender(v: &Value) -> Result<TenderForm, Vec<Violation>> {
    let mut c = Checks::default();
    let Some(o) = object(&mut c, v, "", "LC-28", "the tender", &TENDER_KEYS) else {
        return Err(c.v);
    };
    let title = o.line(&mut c, "title", "LC-28", "the subject of the tender", true);
    let description = o.text(&mut c, "description", "LC-28", "the description", false);
    let functionality = o.text(
        &mut c,
        "functionality",
        "LC-26",
        "the functionality sought",
        true,
    );
    let tor_case = o.line(
        &mut c,
        "tor_case",
        "LC-28",
        "the agreed terms of reference",
        true,
    );
    let ceiling = o.tenge(
        &mut c,
        "ceiling_cost_tenge",
        "LC-28",
        "the ceiling cost",
        true,
    );
    let service_type = o.choice(
        &mut c,
        "service_type",
        ("LC-25", "the type of ICT service"),
        &service_types(),
        true,
    );
    let criteria = read_criteria(&mut c, &o, "criteria", "LC-28", true);
    if o.raw("integrations").is_none() {
        c.push(
            "integrations",
            "LC-28",
            "the integrations to check are required (an empty list when there are none)",
        );
    }
    let integrations = o.lines(
        &mut c,
        "integrations",
        "LC-28",
        "the integrations to check",
        false,
    );
    let ppp = o.boolean(
        &mut c,
        "ppp_project",
        "SM-36.b",
        "whether it is a PPP project",
        false,
    );
    c.done()?;
    Ok(TenderForm {
        title: title.unwrap_or_default(),
        description,
        functionality: functionality.unwrap_or_default(),
        tor_case: tor_case.unwrap_or_default(),
        ceiling: ceiling.unwrap_or_default(),
        service_type: service_type.unwrap_or_default(),
        criteria: criteria.unwrap_or_default(),
        integrations: integrations.unwrap_or_default(),
        ppp,
    })
}
