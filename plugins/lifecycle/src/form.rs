//! The intakes' forms (JSON Schema 2020-12, the rule of each property in `x-rule`) and what
//! `validate` checks beyond them; the same reading gives `react` the submission's values.
//!
//! - `informatization-objects` (LC-4.a): the object, its class and placement (LC-13.b, LC-14),
//!   funding (LC-5, LC-11), supplier and the agreed warranty time limit (LC-17.b, AMB-LC-6), its
//!   origin (LC-23, LC-24) and, for an object already in operation, its stage.
//! - `trusted-software-inclusions` (LC-32.a): the software, its supplier and the ground of the
//!   application (LC-32.a, LC-22, LC-37, LC-38).

use egov_plugin_sdk::Violation;
use egov_plugin_sdk::date::dotted;
use egov_plugin_sdk::read::{Checks, MAX_TEXT, Obj, object};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::texts::*;
use crate::{READING, STAGES, stage_title};

/// An act or protocol: its number and date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Act {
    pub number: String,
    pub date: String,
}

/// The object's record on the architecture portal (LC-4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Portal {
    pub record: String,
    pub documents_placed_on: String,
}

/// Where the object is placed (LC-13.b).
pub const PLACEMENTS: [(&str, &str); 3] = [
    (
        "platform",
        "на информационно-коммуникационной платформе \"электронного правительства\" — on the e-gov ICT platform",
    ),
    (
        "ici",
        "на информационно-коммуникационной инфраструктуре \"электронного правительства\" — on the e-gov ICT infrastructure",
    ),
    (
        "organization",
        "у организации, предоставляющей информационно-коммуникационную инфраструктуру — with an organization providing ICT infrastructure",
    ),
];

/// The financing channels of LC-5.
pub const FUNDING: [(&str, &str); 2] = [
    (
        "state-investment-project",
        "государственный инвестиционный проект — a state investment project",
    ),
    (
        "organization-investment-project",
        "инвестиционный проект за счет средств организации — an investment project financed by an organization",
    ),
];

/// How the state body came to hold the object.
pub const ORIGINS: [(&str, &str); 4] = [
    (
        "creation",
        "created (создание): registered when its creation starts (the default)",
    ),
    (
        "donation",
        "acquired by donation (дарение), with the authorized body's conclusion (LC-23); it passes trial operation and commissioning (LC-24)",
    ),
    (
        "inheritance",
        "acquired by inheritance (наследование), with the authorized body's conclusion (LC-23)",
    ),
    (
        "existing",
        "an object that already exists when it is registered here (e.g. in operation since before this register)",
    ),
];

/// The grounds of an application to the Register: (value, rule, text).
pub const GROUNDS: [(&str, &str, &str); 4] = [
    (
        "tender-winner",
        "LC-32.a",
        "the supplier determined by the tender (поставщик, определенный по итогам конкурса), for software meeting the terms of reference",
    ),
    (
        "potential-supplier",
        "LC-22",
        "a potential supplier, in advance, on the basis of an approved target business-process model of a state body",
    ),
    (
        "legacy",
        "LC-37",
        "a service software product commissioned into commercial operation before 1 January 2023: included without applying the Register rules",
    ),
    (
        "developed",
        "LC-38",
        "a service software product under development on 1 January 2023: included after testing, the IS-compliance trials and commissioning",
    ),
];

/// The day LC-37 and LC-38 turn on: the entry into force of order 471/НҚ.
pub const CUT_OFF: &str = "2023-01-01";

/// The stages an object may be registered in (not `termination`).
fn registrable_stages() -> Vec<&'static str> {
    STAGES
        .iter()
        .map(|(s, _)| *s)
        .filter(|s| *s != "termination")
        .collect()
}

fn names(list: &[(&'static str, &'static str)]) -> Vec<&'static str> {
    list.iter().map(|(n, _)| *n).collect()
}

fn described(list: &[(&str, &str)]) -> String {
    list.iter()
        .map(|(n, d)| format!("{n}: {d}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn line(rule: &str, max: usize, description: &str) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max, "x-line": true, "x-rule": rule,
           "description": description})
}

fn text(rule: &str, description: &str) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "x-rule": rule,
           "description": description})
}

fn date(rule: &str, description: &str) -> Value {
    json!({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "maxLength": 10, "x-line": true,
           "x-rule": rule, "description": format!("{description} (YYYY-MM-DD, not in the future)")})
}

fn bin(rule: &str, description: &str) -> Value {
    json!({"type": "string", "pattern": "^[0-9]{12}$", "maxLength": 12, "x-line": true, "x-rule": rule,
           "description": format!("{description}: a BIN, 12 digits with its control digit")})
}

/// The schema of an act or protocol {number, date}.
pub fn act_schema(rule: &str, description: &str) -> Value {
    json!({
        "type": "object", "additionalProperties": false, "x-rule": rule, "description": description,
        "required": ["number", "date"],
        "properties": {
            "number": line(rule, 200, "Its number"),
            "date": date(rule, "Its date")
        }
    })
}

fn portal_schema(rule: &str) -> Value {
    json!({
        "type": "object", "additionalProperties": false, "x-rule": rule,
        "description": format!("The object's record on the architecture portal: {LC_4_A}. With both the record and the electronic copies of the technical documentation placed, the expenses of commercial operation are supported ({LC_18})"),
        "required": ["record", "documents_placed_on"],
        "properties": {
            "record": line(rule, 500, "The object's record on the architecture portal (its id or link)"),
            "documents_placed_on": date(rule, "The day the electronic copies of the technical documentation were placed on the portal")
        }
    })
}

fn exception_schema() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "x-rule": "LC-14",
        "description": format!("{LC_14}. Required whenever the object is not placed on the platform, refused when it is. The exceptions: {}", LC_14_EXCEPTIONS.join("; ")),
        "required": ["number", "ground"],
        "properties": {
            "number": {"enum": [1, 2, 3], "x-rule": "LC-14", "description": "The exception of p.14: 1, 2 or 3"},
            "ground": text("LC-14", "Why the exception applies (AMB-LC-12: the Rules name no one who decides it; the state body states its ground)"),
            "register_entry": line("LC-14", 500, "For exception 3: the Register entry holding an object with similar functionality")
        }
    })
}

/// The schema of the authorized body's conclusion (LC-23).
pub fn conclusion_schema() -> Value {
    let si: serde_json::Map<String, Value> = LC_23_B_SI
        .iter()
        .map(|(k, d)| ((*k).to_owned(), json!({"type": "boolean", "x-rule": "LC-23.b", "description": format!("{d}: true when the service integrator's assessment confirms it")})))
        .collect();
    json!({
        "type": "object", "additionalProperties": false, "x-rule": "LC-23.b",
        "description": format!("The authorized body's conclusion: {LC_23_A}. Every indicator is required, and the service integrator's assessment must confirm all three points"),
        "required": ["number", "date", "economic_expediency", "purpose_and_use", "si_assessment"],
        "properties": {
            "number": line("LC-23.a", 200, "The conclusion's number"),
            "date": date("LC-23.a", "The conclusion's date"),
            "economic_expediency": text("LC-23.b", LC_23_B[0].1),
            "purpose_and_use": text("LC-23.b", LC_23_B[1].1),
            "si_assessment": {
                "type": "object", "additionalProperties": false, "x-rule": "LC-23.b",
                "description": "The service integrator's assessment, including on the basis of the submitted terms of reference",
                "required": LC_23_B_SI.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
                "properties": si
            }
        }
    })
}

/// The form of an e-government informatization object (LC-4.a).
pub fn object_form() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object", "additionalProperties": false, "x-rule": "LC-4.a",
        "title": "Сведения об объекте информатизации \"электронного правительства\" — an e-government informatization object",
        "description": format!("{LC_4_A}. The case is the object for its whole life: its stages, environments, placement, warranty claims and records are inputs into the case (LC-4.b)."),
        "required": ["name_ru", "description", "class", "placement", "funding", "budget_funded"],
        "properties": {
            "name_ru": line("LC-4.a", 1000, "Наименование на русском языке — the object's name in Russian (with the state body's BIN, the key of its registry entry)"),
            "name_kk": line("LC-4.a", 1000, "Атауы қазақ тілінде — the name in Kazakh (optional)"),
            "name_en": line("LC-4.a", 1000, "The name in English (optional)"),
            "description": text("LC-4.a", "Описание функциональных возможностей — the object's functionality"),
            "class": {"type": "integer", "minimum": 1, "maximum": 3, "x-rule": "LC-13.b",
                      "description": "The class of the object under the Classifier of informatization objects (order No. 135 of 28.01.2016, reg. No. 13349): 1, 2 or 3"},
            "placement": {"enum": names(&PLACEMENTS), "x-rule": "LC-13.b",
                          "description": format!("{}. {LC_13_B_1}; {LC_13_B_2}", described(&PLACEMENTS))},
            "placement_ground": text("LC-13.b", "Required when placed with an organization: why the object cannot be placed on the e-gov ICT platform or the e-gov ICT infrastructure (AMB-LC-12: the Rules give no criteria)"),
            "platform_exception": exception_schema(),
            "funding": {"enum": names(&FUNDING), "x-rule": "LC-5",
                        "description": format!("«Создание и развитие ... осуществляются через реализацию государственных инвестиционных проектов, а также инвестиционных проектов за счет средств организаций» (p.5): {}", described(&FUNDING))},
            "budget_funded": {"type": "boolean", "x-rule": "LC-11",
                              "description": format!("Whether the object is created or developed with budget funds: {LC_11}")},
            "supplier": bin("LC-17.b", "The supplier of the object, who gives the warranty service (LC-16.b, LC-17)"),
            "warranty_sla_working_days": {"type": "integer", "minimum": 1, "maximum": 120, "x-rule": "LC-17.b",
                "description": "«в согласованные сроки»: the time limit agreed with the supplier (in the contract or the terms of reference, AMB-LC-6) to eliminate a warranty defect, in working days from the claim; none: no timer runs"},
            "origin": {"enum": names(&ORIGINS), "default": "creation", "x-rule": "LC-23.a",
                       "description": described(&ORIGINS)},
            "ab_conclusion": conclusion_schema(),
            "stage": {"enum": registrable_stages(), "x-rule": "LC-9",
                      "description": "For an object that already exists (origin existing or inheritance): the stage it is in when registered (LC-3, LC-9); a created or donated object starts at creation"},
            "commissioned_on": date("LC-15", "For an object that already exists: the day it was commissioned into commercial operation (LC-15); required for the stages after commissioning, it starts the warranty period (LC-16.b)"),
            "portal": portal_schema("LC-4.a")
        }
    })
}

/// The form of an application to include software in the Register (LC-32.a).
pub fn software_form() -> Value {
    let grounds: Vec<(&str, &str)> = GROUNDS.iter().map(|(g, _, d)| (*g, *d)).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object", "additionalProperties": false, "x-rule": "LC-32.a",
        "title": "Заявка на включение программного обеспечения в Реестр доверенного программного обеспечения и продукции электронной промышленности — an application to include software in the Register of trusted software and electronic-industry products",
        "description": format!("{LC_32_A}. The Register is kept under order 53/НҚ of 28.03.2018 (reg. No. 16750), external to these Rules."),
        "x-unique": {"properties": ["product", "version"], "rule": "LC-32.a"},
        "required": ["product", "version", "description", "supplier", "ground"],
        "properties": {
            "product": line("LC-32.a", 500, "The software's name"),
            "version": line("LC-32.a", 100, "Its version"),
            "description": text("LC-32.a", "Its functionality"),
            "supplier": bin("LC-32.a", "The supplier that applies (the submitter's own organization)"),
            "ground": {"enum": grounds.iter().map(|(g, _)| *g).collect::<Vec<_>>(), "x-rule": "LC-32.a",
                       "description": GROUNDS.iter().map(|(g, r, d)| format!("{g} ({r}): {d}")).collect::<Vec<_>>().join("; ")},
            "tender": line("LC-32.a", 500, "For a tender winner: the tender (its number or link) whose terms of reference the software meets"),
            "business_process_model": line("LC-22", 500, format!("For a potential supplier: the approved target business-process model of the state body. {LC_22}").as_str()),
            "commissioned_on": date("LC-37", "The day the service software product was commissioned into commercial operation: before 01.01.2023 for legacy (LC-37); for developed, the day of its commissioning act (LC-38)"),
            "testing": act_schema("LC-38", "For developed: the testing (тестирование) protocol"),
            "trials": act_schema("LC-38", "For developed: the act of the trials for compliance with information-security requirements (испытания; AMB-LC-10)"),
            "commissioning": act_schema("LC-38", "For developed: the act of commissioning into commercial operation, on or after 01.01.2023")
        }
    })
}

/// An object as registered (LC-4.a).
#[derive(Clone, Debug)]
pub struct Registration {
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
    pub stage: Option<String>,
    pub commissioned_on: Option<String>,
    pub portal: Option<Portal>,
}

/// The placement of an object (LC-13.b) and its exception from the platform (LC-14).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    pub placement: String,
    pub placement_ground: Option<String>,
    pub platform_exception: Option<Value>,
}

/// LC-13.b and LC-14 on the fields `placement`, `placement_ground` and `platform_exception` of
/// `o`, for an object of `class` and `origin` (checked again when the placement changes).
pub fn read_placement(
    c: &mut Checks,
    o: &Obj,
    class: Option<u8>,
    origin: &str,
) -> Option<Placement> {
    let before = c.v.len();
    let placement = o.choice(
        c,
        "placement",
        ("LC-13.b", "the placement"),
        &names(&PLACEMENTS),
        true,
    );
    let ground = o.text(
        c,
        "placement_ground",
        "LC-13.b",
        "the ground of the placement",
        false,
    );
    let exception = read_exception(c, o, origin);
    let placement = placement?;
    if class == Some(1) && placement == "organization" {
        c.push(
            &o.at("placement"),
            "LC-13.b",
            format!("an object of class 1 cannot be placed with an organization: {LC_13_B_1}"),
        );
    }
    match (placement.as_str(), &ground) {
        ("organization", None) if !o.has("placement_ground") => c.push(
            &o.at("placement_ground"),
            "LC-13.b",
            format!("placed with an organization: state why the object cannot be placed on the e-gov ICT platform or the e-gov ICT infrastructure: {LC_13_B_2}"),
        ),
        ("organization", _) => {}
        (_, Some(_)) => c.push(
            &o.at("placement_ground"),
            "LC-13.b",
            "the ground of the placement is stated only for an object placed with an organization",
        ),
        _ => {}
    }
    match (placement.as_str(), o.has("platform_exception")) {
        ("platform", true) => c.push(
            &o.at("platform_exception"),
            "LC-14",
            "the object is created and developed on the e-gov ICT platform: no exception of p.14 is needed",
        ),
        ("platform", false) => {}
        (_, false) => c.push(
            &o.at("platform_exception"),
            "LC-14",
            format!(
                "an object not placed on the e-gov ICT platform needs one of the exceptions of p.14: {LC_14}: {}",
                LC_14_EXCEPTIONS.join("; ")
            ),
        ),
        _ => {}
    }
    (c.v.len() == before).then_some(Placement {
        placement,
        placement_ground: ground,
        platform_exception: exception,
    })
}

fn read_exception(c: &mut Checks, o: &Obj, origin: &str) -> Option<Value> {
    let e = o.object(
        c,
        "platform_exception",
        ("LC-14", "the exception of p.14"),
        &["number", "ground", "register_entry"],
        false,
    )?;
    let number = e.integer(
        c,
        "number",
        ("LC-14", "the exception's number"),
        1..=3,
        true,
    );
    let ground = e.text(c, "ground", "LC-14", "the ground of the exception", true);
    let entry = e.line(c, "register_entry", "LC-14", "the Register entry", false);
    match (number, &entry) {
        (Some(3), None) if !e.has("register_entry") => c.push(
            &e.at("register_entry"),
            "LC-14",
            format!(
                "exception 3 names the Register entry with similar functionality: {}",
                LC_14_EXCEPTIONS[2]
            ),
        ),
        (Some(1 | 2), Some(_)) => c.push(
            &e.at("register_entry"),
            "LC-14",
            "the Register entry is stated for exception 3 only",
        ),
        _ => {}
    }
    if number == Some(1) && origin == "creation" {
        c.push(
            &e.at("number"),
            "LC-14",
            format!(
                "exception 1 is the development of an object created earlier outside the platform, not the creation of a new one: {}",
                LC_14_EXCEPTIONS[0]
            ),
        );
    }
    let mut v = json!({"number": number?, "ground": ground?});
    if let Some(r) = entry {
        v["register_entry"] = json!(r);
    }
    Some(v)
}

/// The authorized body's conclusion of LC-23 at `key` of `o` (required when `need`).
pub fn read_conclusion(c: &mut Checks, o: &Obj, today: &str, need: bool) -> Option<Value> {
    let before = c.v.len();
    if !o.has("ab_conclusion") {
        if need {
            c.push(
                &o.at("ab_conclusion"),
                "LC-23.a",
                format!("an object acquired by inheritance or donation is acquired taking into account the authorized body's conclusion: {LC_23_A}"),
            );
        }
        return None;
    }
    let a = o.object(
        c,
        "ab_conclusion",
        ("LC-23.b", "the authorized body's conclusion"),
        &[
            "number",
            "date",
            "economic_expediency",
            "purpose_and_use",
            "si_assessment",
        ],
        true,
    )?;
    let number = a.line(c, "number", "LC-23.a", "the conclusion's number", true);
    let date = a.date(
        c,
        "date",
        ("LC-23.a", "the conclusion's date"),
        Some(today),
        true,
    );
    let mut indicators = serde_json::Map::new();
    for (key, what) in LC_23_B {
        let v = a.text(
            c,
            key,
            "LC-23.b",
            &format!("the indicator {key} of the conclusion, {what},"),
            true,
        );
        indicators.insert(key.to_owned(), json!(v));
    }
    let mut si = serde_json::Map::new();
    if let Some(s) = a.object(
        c,
        "si_assessment",
        ("LC-23.b", "the service integrator's assessment"),
        &LC_23_B_SI.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        true,
    ) {
        for (key, what) in LC_23_B_SI {
            match s.boolean(c, key, "LC-23.b", &format!("the assessment {what}"), true) {
                Some(true) => {
                    si.insert(key.to_owned(), json!(true));
                }
                Some(false) => c.push(
                    &s.at(key),
                    "LC-23.b",
                    format!("the service integrator's assessment does not confirm {what}: the conclusion does not support acquiring the object"),
                ),
                None => {}
            }
        }
    }
    (c.v.len() == before).then(|| {
        json!({"number": number, "date": date, "economic_expediency": indicators["economic_expediency"],
               "purpose_and_use": indicators["purpose_and_use"], "si_assessment": si})
    })
}

/// An act {number, date} at `key` of `o`, dated from `earliest` (when known) to `latest`.
pub fn read_act(
    c: &mut Checks,
    o: &Obj,
    key: &str,
    (rule, what): (&str, &str),
    latest: &str,
    need: bool,
) -> Option<Act> {
    if !o.has(key) {
        if need {
            c.push(&o.at(key), rule, format!("{what} is required"));
        }
        return None;
    }
    let a = o.object(c, key, (rule, what), &["number", "date"], true)?;
    let number = a.line(c, "number", rule, &format!("the number of {what}"), true);
    let date = a.date(
        c,
        "date",
        (rule, &format!("the date of {what}")),
        Some(latest),
        true,
    );
    Some(Act {
        number: number?,
        date: date?,
    })
}

/// The portal record {record, documents_placed_on} at `key` of `o`.
pub fn read_portal(c: &mut Checks, o: &Obj, key: &str, rule: &str, today: &str) -> Option<Portal> {
    let p = o.object(
        c,
        key,
        (rule, "the record on the architecture portal"),
        &["record", "documents_placed_on"],
        false,
    )?;
    let record = p.line(c, "record", rule, "the portal record", true);
    let placed = p.date(
        c,
        "documents_placed_on",
        (
            rule,
            "the day the technical documentation was placed on the portal",
        ),
        Some(today),
        true,
    );
    Some(Portal {
        record: record?,
        documents_placed_on: placed?,
    })
}

/// The stages after commissioning: an object in them has been commissioned (LC-10.a).
pub const COMMISSIONED: [&str; 3] = ["commercial-operation", "support", "development"];

/// The registration of an object (LC-4.a), submitted on `today`.
pub fn read_object(s: &Value, today: &str) -> Result<Registration, Vec<Violation>> {
    let mut c = Checks::new(READING);
    let keys = [
        "name_ru",
        "name_kk",
        "name_en",
        "description",
        "class",
        "placement",
        "placement_ground",
        "platform_exception",
        "funding",
        "budget_funded",
        "supplier",
        "warranty_sla_working_days",
        "origin",
        "ab_conclusion",
        "stage",
        "commissioned_on",
        "portal",
    ];
    let Some(o) = object(&mut c, s, "", "LC-4.a", "the object's information", &keys) else {
        return Err(c.v);
    };
    let name_ru = o.line(&mut c, "name_ru", "LC-4.a", "the name in Russian", true);
    let name_kk = o.line(&mut c, "name_kk", "LC-4.a", "the name in Kazakh", false);
    let name_en = o.line(&mut c, "name_en", "LC-4.a", "the name in English", false);
    let description = o.text(&mut c, "description", "LC-4.a", "the functionality", true);
    let class = o.integer(&mut c, "class", ("LC-13.b", "the class"), 1..=3, true);
    let origin = if o.has("origin") {
        o.choice(
            &mut c,
            "origin",
            ("LC-23.a", "the origin"),
            &names(&ORIGINS),
            true,
        )
    } else {
        Some("creation".to_owned())
    };
    let origin_str = origin.clone().unwrap_or_default();
    let class_u8 = class.map(|n| n as u8);
    let placement = read_placement(&mut c, &o, class_u8, &origin_str);
    let funding = o.choice(
        &mut c,
        "funding",
        ("LC-5", "the funding"),
        &names(&FUNDING),
        true,
    );
    let budget_funded = o.boolean(
        &mut c,
        "budget_funded",
        "LC-11",
        "whether budget funds are used",
        true,
    );
    let supplier = o.bin(&mut c, "supplier", "LC-17.b", "the supplier", false);
    let sla = o.integer(
        &mut c,
        "warranty_sla_working_days",
        ("LC-17.b", "the agreed time limit in working days"),
        1..=120,
        false,
    );
    let acquired = matches!(origin_str.as_str(), "donation" | "inheritance");
    let ab_conclusion = if acquired {
        read_conclusion(&mut c, &o, today, true)
    } else {
        if o.has("ab_conclusion") {
            c.push(
                "ab_conclusion",
                "LC-23.a",
                "the authorized body's conclusion is for an object acquired by inheritance or donation",
            );
        }
        None
    };
    let (stage, commissioned_on) = read_registered_stage(&mut c, &o, &origin_str, today);
    let portal = read_portal(&mut c, &o, "portal", "LC-4.a", today);
    if !c.ok() {
        return Err(c.v);
    }
    let missing = || vec![egov_plugin_sdk::violation("", "LC-4.a", "incomplete")];
    Ok(Registration {
        name_ru: name_ru.ok_or_else(missing)?,
        name_kk,
        name_en,
        description: description.ok_or_else(missing)?,
        class: class_u8.ok_or_else(missing)?,
        placement: placement.ok_or_else(missing)?,
        funding: funding.ok_or_else(missing)?,
        budget_funded: budget_funded.ok_or_else(missing)?,
        supplier,
        warranty_sla_working_days: sla.map(|n| n as u32),
        origin: origin.ok_or_else(missing)?,
        ab_conclusion,
        stage,
        commissioned_on,
        portal,
    })
}

/// The stage an object is registered in: given only for an object that already exists (origin
/// `existing`, or `inheritance`: an inherited object may be in operation, LC-24 binds only a
/// donated one); a created or donated object starts at creation.
fn read_registered_stage(
    c: &mut Checks,
    o: &Obj,
    origin: &str,
    today: &str,
) -> (Option<String>, Option<String>) {
    let existing = matches!(origin, "existing" | "inheritance");
    if !existing {
        for key in ["stage", "commissioned_on"] {
            if o.has(key) {
                let (rule, why) = if origin == "donation" {
                    (
                        "LC-24",
                        format!(
                            "a donated object is registered at creation and passes trial operation and commissioning: {LC_24}"
                        ),
                    )
                } else {
                    (
                        "LC-9",
                        format!(
                            "a created object is registered at its creation ({}); its stages follow as the object goes through them (p.9)",
                            stage_title("creation")
                        ),
                    )
                };
                c.push(&o.at(key), rule, why);
            }
        }
        return (None, None);
    }
    let stages = registrable_stages();
    let stage = o.choice(
        c,
        "stage",
        ("LC-9", "the stage the object is in"),
        &stages,
        origin == "existing",
    );
    let commissioned = o.date(
        c,
        "commissioned_on",
        ("LC-15", "the day of commissioning"),
        Some(today),
        false,
    );
    let at = stage.as_deref().unwrap_or("creation");
    if COMMISSIONED.contains(&at) && commissioned.is_none() && !o.has("commissioned_on") {
        c.push(
            &o.at("commissioned_on"),
            "LC-15",
            format!("an object at {} has been commissioned into commercial operation: give the day ({LC_10_A})", stage_title(at)),
        );
    }
    if at == "creation" && o.has("commissioned_on") {
        c.push(
            &o.at("commissioned_on"),
            "LC-9",
            "an object at its creation has not been commissioned into commercial operation",
        );
    }
    (stage, commissioned)
}

/// An application to the Register (LC-32.a).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Application {
    pub product: String,
    pub version: String,
    pub description: String,
    pub supplier: String,
    pub ground: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_process_model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commissioned_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub testing: Option<Act>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trials: Option<Act>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commissioning: Option<Act>,
}

impl Application {
    /// The rule the application rests on.
    pub fn rule(&self) -> &'static str {
        GROUNDS
            .iter()
            .find(|(g, _, _)| *g == self.ground)
            .map_or("LC-32.a", |(_, r, _)| r)
    }
}

/// The fields that belong to one ground only: (field, ground, rule).
const GROUND_FIELDS: [(&str, &[&str], &str); 6] = [
    ("tender", &["tender-winner"], "LC-32.a"),
    ("business_process_model", &["potential-supplier"], "LC-22"),
    ("commissioned_on", &["legacy", "developed"], "LC-37"),
    ("testing", &["developed"], "LC-38"),
    ("trials", &["developed"], "LC-38"),
    ("commissioning", &["developed"], "LC-38"),
];

/// An application to include software in the Register, submitted on `today`.
pub fn read_application(s: &Value, today: &str) -> Result<Application, Vec<Violation>> {
    let mut c = Checks::new(READING);
    let keys = [
        "product",
        "version",
        "description",
        "supplier",
        "ground",
        "tender",
        "business_process_model",
        "commissioned_on",
        "testing",
        "trials",
        "commissioning",
    ];
    let Some(o) = object(&mut c, s, "", "LC-32.a", "the application", &keys) else {
        return Err(c.v);
    };
    let product = o.line(&mut c, "product", "LC-32.a", "the software's name", true);
    let version = o.line(&mut c, "version", "LC-32.a", "the version", true);
    let description = o.text(&mut c, "description", "LC-32.a", "the functionality", true);
    let supplier = o.bin(&mut c, "supplier", "LC-32.a", "the supplier", true);
    let grounds: Vec<&str> = GROUNDS.iter().map(|(g, _, _)| *g).collect();
    let ground = o.choice(&mut c, "ground", ("LC-32.a", "the ground"), &grounds, true);
    let g = ground.as_deref().unwrap_or_default();
    for (field, only, rule) in GROUND_FIELDS {
        if o.has(field) && !g.is_empty() && !only.contains(&g) {
            c.push(
                field,
                rule,
                format!(
                    "{field} belongs to an application on the ground {}, not {g}",
                    only.join(" or ")
                ),
            );
        }
    }
    let tender = o.line(
        &mut c,
        "tender",
        "LC-32.a",
        "the tender",
        g == "tender-winner",
    );
    let model = o.line(
        &mut c,
        "business_process_model",
        "LC-22",
        &format!("the approved target business-process model ({LC_22})"),
        g == "potential-supplier",
    );
    let mut commissioned_on = None;
    let (mut testing, mut trials, mut commissioning) = (None, None, None);
    match g {
        "legacy" => {
            commissioned_on = o.date(
                &mut c,
                "commissioned_on",
                ("LC-37", "the day of commissioning"),
                Some(today),
                true,
            );
            if let Some(d) = &commissioned_on
                && d.as_str() >= CUT_OFF
            {
                c.push(
                    "commissioned_on",
                    "LC-37",
                    format!("commissioned on {}, not before 01.01.2023: {LC_37}. A product commissioned from 01.01.2023 is included under the Register rules (ground developed, LC-38, or tender-winner / potential-supplier)", dotted(d)),
                );
            }
        }
        "developed" => {
            let what = [
                ("testing", "the testing protocol (тестирование)"),
                ("trials", "the act of the IS-compliance trials (испытания)"),
                (
                    "commissioning",
                    "the commissioning act (ввод в промышленную эксплуатацию)",
                ),
            ];
            let mut acts: [Option<Act>; 3] = [None, None, None];
            for (i, (key, w)) in what.iter().enumerate() {
                acts[i] = read_act(&mut c, &o, key, ("LC-38", w), today, false);
                if !o.has(key) {
                    c.push(key, "LC-38", format!("{w} is required: {LC_38}"));
                }
            }
            [testing, trials, commissioning] = acts;
            let order = [
                (&testing, "testing"),
                (&trials, "trials"),
                (&commissioning, "commissioning"),
            ];
            for pair in order.windows(2) {
                if let [(Some(a), an), (Some(b), bn)] = pair
                    && b.date < a.date
                {
                    c.push(
                        &format!("{bn}.date"),
                        "LC-38",
                        format!("the stages are passed in the order testing, trials, commissioning: {bn} on {} is before {an} on {}", b.date, a.date),
                    );
                }
            }
            if let Some(act) = &commissioning
                && act.date.as_str() < CUT_OFF
            {
                c.push(
                    "commissioning.date",
                    "LC-38",
                    format!("commissioned on {}, before 01.01.2023: LC-38 is for products still under development on 01.01.2023; a product commissioned earlier is legacy ({LC_37})", dotted(&act.date)),
                );
            }
            commissioned_on = o.date(
                &mut c,
                "commissioned_on",
                ("LC-38", "the day of commissioning"),
                Some(today),
                false,
            );
            if let (Some(d), Some(act)) = (&commissioned_on, &commissioning)
                && d != &act.date
            {
                c.push(
                    "commissioned_on",
                    "LC-38",
                    format!(
                        "the day of commissioning {d} differs from the commissioning act's date {}",
                        act.date
                    ),
                );
            }
            if commissioned_on.is_none() {
                commissioned_on = commissioning.as_ref().map(|a| a.date.clone());
            }
        }
        _ => {}
    }
    if !c.ok() {
        return Err(c.v);
    }
    let missing = || vec![egov_plugin_sdk::violation("", "LC-32.a", "incomplete")];
    Ok(Application {
        product: product.ok_or_else(missing)?,
        version: version.ok_or_else(missing)?,
        description: description.ok_or_else(missing)?,
        supplier: supplier.ok_or_else(missing)?,
        ground: ground.ok_or_else(missing)?,
        tender,
        business_process_model: model,
        commissioned_on,
        testing,
        trials,
        commissioning,
    })
}

/// The variant's `validate`: every violation of the rules beyond the form's schema.
pub fn validate_intake(intake: &str, submission: &str, today: &str) -> Vec<Violation> {
    let s: Value = match serde_json::from_str(submission) {
        Ok(v) => v,
        Err(e) => {
            return vec![egov_plugin_sdk::violation(
                "",
                "LC-4.a",
                format!("the submission is not JSON: {e}"),
            )];
        }
    };
    match intake {
        crate::OBJECTS => read_object(&s, today).err().unwrap_or_default(),
        crate::SOFTWARE => read_application(&s, today).err().unwrap_or_default(),
        other => vec![egov_plugin_sdk::violation(
            "intake",
            "",
            format!("no intake {other:?}"),
        )],
    }
}
