//! The steps, as worklists, `inspect` and the OpenAPI documents describe them: who acts, the
//! rule, the term, the outcomes and the schema of the facts a completion carries. Every step is
//! the tender service's. The rule a step cites depends on the edition ([`rule`]): the 2023
//! edition cites the LC Rules where they speak (LC-26, LC-28, LC-31, LC-9) and labels the steps
//! it keeps from the service-model Rules as its reading ([`KEPT`]).

use egov_plugin_sdk::{Step, Unit, outcome, step};
use serde_json::{Value, json};
use service_model::ITEMS;

use crate::form::{
    act_schema, criteria_schema, date_schema, line_schema, service_type_schema, tenge_schema,
    text_schema,
};
use crate::texts::*;
use crate::{Edition, SERVICE};

/// The steps of the tender, in the order a case meets them.
pub const STEPS: [&str; 14] = [
    "register-decision",
    "announce",
    "commission",
    "evaluation",
    "ladder",
    "creation",
    "testing",
    "environment",
    "trials",
    "convene",
    "formation",
    "commissioning",
    "notify-si",
    "notify-ab",
];

/// The rule `step` implements in edition `e`.
pub fn rule(e: &Edition, step: &str) -> &'static str {
    let lc = e.lc();
    match step {
        "register-decision" => "LC-26",
        "announce" if lc => "LC-28",
        "announce" => "SM-42",
        // The window and its applications.
        "applications" if lc => "LC-28",
        "applications" => "SM-49",
        "window" => "SM-47",
        "commission" => "SM-36.a",
        "evaluation" if lc => "LC-28",
        "evaluation" => "SM-F2",
        "ladder" => "SM-53-1",
        "creation" if lc => "LC-31",
        "creation" => "SM-73",
        "testing" if lc => "LC-9",
        "testing" => "SM-76-1",
        "environment" => "SM-80-1",
        "trials" if lc => "LC-9",
        "trials" => "SM-82.a",
        "convene" => "SM-83",
        "formation" => "SM-85",
        "commissioning" if lc => "LC-9",
        "commissioning" => "SM-87",
        "notify-si" => "SM-98.a",
        "notify-ab" => "SM-98.b",
        _ => "",
    }
}

/// A title, labelled in the 2023 edition as kept from the service-model Rules.
fn kept(e: &Edition, title: String) -> String {
    if e.lc() {
        format!("{title}. In this edition: {KEPT}")
    } else {
        title
    }
}

/// The steps of edition `e`.
pub fn steps(e: &Edition) -> Vec<Step> {
    use Unit::WorkingDays;
    let lc = e.lc();
    let mut out = Vec::new();
    if lc {
        out.push(
            step(
                "register-decision",
                &format!("Решение заказчика по итогам проверки Реестра — the customer's decision after the Register check found software with similar functionality. {LC_26}. {LC_28}"),
                "state-body",
                SERVICE,
                "LC-26",
            )
            .inputs(register_decision_schema())
            .outcome(
                outcome("acquire-from-register", "Приобретение из Реестра — the ICT service is acquired from the Register of trusted software (LC-26); the tender ends")
                    .rule("LC-26"),
            )
            .outcome(
                outcome("tender", "Конкурс на создание ИК-услуги — the Register has no suitable software: the tender goes on, with the reasons why none of the matches suits (LC-28)")
                    .with_reasons()
                    .rule("LC-28"),
            ),
        );
    }
    let announce_title = if lc {
        format!(
            "Объявление конкурса на создание информационно-коммуникационной услуги — the announcement of the tender for creating the ICT service, its documentation including the terms of reference. {LC_28}. The service integrator publishes it in agreement with the customer, and applications are accepted for 15 working days: this edition's reading, kept from SM-42 and SM-47"
        )
    } else {
        format!(
            "Объявление о начале конкурсных процедур по определению поставщика — the announcement of the start of tender procedures. {SM_42}. {SM_47}"
        )
    };
    let announce_start = if lc {
        "the Register check found nothing similar, or the customer decided to hold the tender (LC-28 sets no term: a service level, after SM-42 of the former Rules); rounds 2 and 3 after the Commission's decision of SM-53-1 likewise (AMB-SM-10: no term in the Rules)"
    } else {
        "the approval of the design assignment, the day the tender case starts («в течение 3 (трех) рабочих дней после утверждения задания на проектирование», SM-42); rounds 2 and 3, after the Commission's decision of SM-53-1: no term in the Rules (AMB-SM-10), the same 3 working days as a service level"
    };
    out.push(
        step("announce", &announce_title, "service-integrator", SERVICE, rule(e, "announce"))
            .term(3, WorkingDays, announce_start)
            .inputs(announce_schema(e))
            .outcome(outcome("published", "Объявление опубликовано на электронной площадке — published on the electronic platform: the application window of 15 working days opens (SM-47)")),
    );
    out.push(
        step(
            "commission",
            &kept(e, format!("Создание Комиссии заказчиком ИК-услуги — the customer of the ICT service creates the Commission. {SM_36}")),
            "state-body",
            SERVICE,
            "SM-36.a",
        )
        .term(
            15,
            WorkingDays,
            "the publication of the announcement: no later than the date acceptance of applications ends, the last of the 15 working days of SM-47 (SM-36.a); a PPP SMI project has no upper limit, the Commission is created after the budget commission's positive proposal (SM-36.b)",
        )
        .inputs(commission_schema())
        .outcome(outcome("formed", "Комиссия создана — the Commission is created")),
    );
    out.push(
        step(
            "evaluation",
            &kept(e, format!("Рассмотрение заявок Комиссией и определение поставщика — the Commission examines the opened applications and determines the supplier by {SM_F2_12}. The Rules give no method (AMB-SM-1, AMB-SM-10); this variant's: each application admissible or not (reasons when not), each admissible one scored 0..100 per announced criterion, total = Σ weight × score / 100 (two decimals), the highest total wins, a tie goes to the application received first; a single admissible application may be awarded")),
            "commission",
            SERVICE,
            rule(e, "evaluation"),
        )
        .inputs(evaluation_schema(rule(e, "evaluation")))
        .outcome(outcome("award", "Поставщик определен — a supplier is determined: the variant ranks the admissible applications and names the winner; the protocol sets the term of creation (SM-73)"))
        .outcome(
            outcome("no-admissible", "Ни одна заявка не допущена — no application is admissible: read as no application, the Commission's decision of SM-53-1 for this round follows (AMB-SM-10)")
                .with_reasons(),
        ),
    );
    out.push(
        step(
            "ladder",
            &kept(e, format!("Решение Комиссии, если не поступило ни одной заявки — the Commission's decision when no application came, one step per announcement: {SM_53_1_A}; {SM_53_1_B}; {SM_53_1_C}. The Rules set no term (AMB-SM-10)")),
            "commission",
            SERVICE,
            "SM-53-1",
        )
        .inputs(ladder_schema())
        .outcome(outcome("re-announce", "Повторное объявление конкурса — announce the tender again (after the first announcement)").rule("SM-53-1.a"))
        .outcome(outcome("amend-and-re-tender", "Внесение изменений и дополнений в задание на проектирование ИК-услуги и повторное проведение конкурса — amend and supplement the design assignment and hold the tender again (after the repeated announcement)").rule("SM-53-1.b"))
        .outcome(outcome("cancel", "Отмена создания или развития ИК-услуги — cancel the creation or development of the ICT service (after the repeated announcement with the amended design assignment)").rule("SM-53-1.c")),
    );
    let creation_title = if lc {
        format!(
            "Создание программного обеспечения поставщиком, определенным по итогам конкурса — the supplier determined by the tender creates the software it will provide as a service. {LC_31}. {LC_9}. The notice of completion with the ICT-infrastructure resources needed is kept from SM-73 (AMB-SM-11) as this edition's reading"
        )
    } else {
        format!(
            "Создание сервисного программного продукта или объекта ИКИ поставщиком — the supplier creates the service software product or ICI object in the time limits set by the protocol, then notifies the service integrator. {SM_73}"
        )
    };
    out.push(
        step("creation", &creation_title, "supplier", SERVICE, rule(e, "creation"))
            .inputs(creation_schema())
            .outcome(outcome("created", "Создание завершено — creation complete: the notification with the ICT-infrastructure resources needed in the operating environment")),
    );
    let testing_title = if lc {
        format!(
            "Тестирование на работоспособность — operability testing, including the integrations, before the trials (LC-9: development, trial operation, trials, implementation, commissioning; the integration check is kept from SM-76-1 as this edition's reading). {LC_9}"
        )
    } else {
        format!(
            "Тестирование на работоспособность — the service integrator initiates and runs the operability testing (SM-73). {SM_76_1}"
        )
    };
    out.push(
        step("testing", &testing_title, "service-integrator", SERVICE, rule(e, "testing"))
            .inputs(testing_schema())
            .outcome(outcome("passed", "Тестирование пройдено — passed, every integration checked passed"))
            .outcome(
                outcome("failed", "Тестирование не пройдено — failed, with the reasons: the supplier's creation goes on (its next round)")
                    .with_reasons(),
            ),
    );
    out.push(
        step(
            "environment",
            &kept(e, format!("Выделение ИК-инфраструктуры для испытаний — the operator allocates the ICT infrastructure for the trials. {SM_80_1}")),
            "operator",
            SERVICE,
            "SM-80-1",
        )
        .outcome(outcome("allocated", "ИК-инфраструктура выделена — allocated in the regular operating environment")),
    );
    let trials_title = if lc {
        format!(
            "Испытание на соответствие требованиям информационной безопасности — the information-security trials. {LC_9_3}. Who notifies the service integrator is kept from SM-82 as this edition's reading"
        )
    } else {
        format!(
            "Испытания на соответствие требованиям информационной безопасности — the information-security trials: of the e-government ICT platform with an ICI object, or of the service software product (AMB-SM-12, AMB-SM-13). {SM_82}"
        )
    };
    out.push(
        step("trials", &trials_title, "operator", SERVICE, rule(e, "trials"))
            .inputs(trials_schema())
            .outcome(outcome("passed", "Испытания пройдены — passed: the service integrator is notified (SM-82.b; for a service software product, AMB-SM-12)").rule("SM-82.b"))
            .outcome(
                outcome("failed", "Испытания не пройдены — failed, with the reasons: the supplier's creation goes on (its next round)")
                    .with_reasons(),
            ),
    );
    out.push(
        step(
            "convene",
            &kept(e, format!("Инициирование заседания Комиссии — the service integrator initiates the Commission's meeting. {SM_83}")),
            "service-integrator",
            SERVICE,
            "SM-83",
        )
        .term(
            2,
            WorkingDays,
            "receipt of the notification of the supplier or the operator that the trials are passed (SM-83; AMB-SM-12)",
        )
        .outcome(outcome("convened", "Заседание Комиссии инициировано — the meeting is initiated")),
    );
    let ownership = if lc {
        format!("{LC_35}: in this edition no transfer of ownership is required")
    } else {
        SM_103_1.to_owned()
    };
    out.push(
        step(
            "formation",
            &kept(e, format!("Решение о формировании ИК-услуги — the Commission's decision to form the ICT service. {SM_85}. {ownership}")),
            "commission",
            SERVICE,
            "SM-85",
        )
        .inputs(formation_schema(e))
        .outcome(outcome("form", "ИК-услуга формируется — the ICT service is formed: commissioning follows (SM-86)"))
        .outcome(
            outcome("refuse", "Отказ в формировании ИК-услуги — not formed, with the reasons: the Rules do not regulate a negative decision (AMB-SM-13); the tender ends")
                .with_reasons(),
        ),
    );
    let commissioning_title = if lc {
        format!(
            "Ввод в промышленную эксплуатацию — commissioning into commercial operation, by the operator together with the supplier. {LC_9_5}; kept from SM-86, SM-87 and SM-87-1 as this edition's reading: {SM_87}; {SM_87_1}"
        )
    } else {
        format!(
            "Ввод в промышленную эксплуатацию — commissioning into commercial operation, by the operator together with the supplier. {SM_87}. {SM_87_1}"
        )
    };
    out.push(
        step(
            "commissioning",
            &commissioning_title,
            "operator",
            SERVICE,
            rule(e, "commissioning"),
        )
        .inputs(commissioning_schema())
        .outcome(outcome(
            "commissioned",
            "Введено в промышленную эксплуатацию — commissioned: the protocol is signed",
        )),
    );
    out.push(
        step(
            "notify-si",
            &kept(e, format!("Уведомление сервисного интегратора с копией протокола — the operator notifies the service integrator, with a copy of the commissioning protocol. {SM_98_A}")),
            "operator",
            SERVICE,
            "SM-98.a",
        )
        .term(
            3,
            WorkingDays,
            "the signing of the commissioning protocol (SM-98.a), counted from the day it is recorded here, which is not before the day it was signed",
        )
        .outcome(outcome("notified", "Уведомление направлено — the service integrator is notified")),
    );
    out.push(
        step(
            "notify-ab",
            &kept(e, format!("Уведомление уполномоченного органа о необходимости включения ИК-услуги в Каталог ИК-услуг — the service integrator notifies the authorized body that the ICT service must be included in the Catalog. {SM_98_B}")),
            "service-integrator",
            SERVICE,
            "SM-98.b",
        )
        .term(3, WorkingDays, "receipt of the operator's notification (SM-98.b)")
        .outcome(outcome("notified", "Уведомление направлено — the authorized body is notified: the entry ict-services-for-catalog is written (AMB-SM-15: the inclusion itself is the catalog's)")),
    );
    out
}

fn object(rule: &str, description: &str, required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "additionalProperties": false, "x-rule": rule,
           "description": description, "required": required, "properties": properties})
}

/// `register-decision` (LC-26).
pub fn register_decision_schema() -> Value {
    object(
        "LC-26",
        "acquire-from-register: optionally which Register entry of the check's matches; tender: the reasons why none suits are required",
        &[],
        json!({"register_entry": line_schema("LC-26", "The key of the Register entry acquired (one of the check's matches)")}),
    )
}

/// The rule the announced criteria rest on: the design assignment's item 12 (SM-F2), in 2023 the
/// tender documentation (LC-28).
pub fn criteria_rule(e: &Edition) -> &'static str {
    if e.lc() { "LC-28" } else { "SM-F2" }
}

/// `announce` (SM-42 / LC-28).
pub fn announce_schema(e: &Edition) -> Value {
    let r = rule(e, "announce");
    let mut properties = json!({
        "announcement": line_schema(r, "The announcement's number on the electronic platform"),
        "customer_agreement": object("SM-42",
            "AMB-SM-8: the customer's agreement of the announcement, a precondition of its publication: its date and a reference (a letter, an EDS-signed document)",
            &["date", "reference"],
            json!({"date": date_schema("SM-42", "The day the customer agreed, not in the future"),
                   "reference": line_schema("SM-42", "A reference to the agreement (scheme:rest, e.g. portal:doc/…)")})),
        "criteria": criteria_schema(criteria_rule(e), &format!("{SM_F2_12}: the announced criteria, each with its weight (1..100, summing to 100). Required in the first announcement of a tender started from a design assignment; absent: those announced before (or of the tender)")),
        "platform_reference": line_schema(r, "Where the announcement is on the electronic platform (an id or URI)"),
        "ppp_project": {"type": "boolean", "x-rule": "SM-36.b",
                        "description": "Whether the ICT service is created under a PPP SMI project (the design assignment's item 14): then the Commission is created after the budget commission's positive proposal, without the limit of the end of acceptance (SM-36.b). Required in the first announcement unless the tender states it"},
        "integrations": {"type": "array", "maxItems": 200, "x-rule": "SM-76-1",
                         "description": "The integrations with integration services placed in the register of services that the design assignment names (item 6): the testing must check each (SM-76-1). Absent: those stated before",
                         "items": line_schema("SM-76-1", "An integration service, by name")}
    });
    if e.lc() {
        properties["tor_case"] = line_schema(
            "LC-28",
            "The case of the agreed terms of reference the tender documentation includes (LC-28): required when the tender has none (one started from a design assignment)",
        );
    }
    object(
        r,
        "The announcement as published. Outcome published: the sealed slot of applications opens for 15 working days (SM-47), closed by the timer of the same name at 24:00 of the last day",
        &["announcement", "customer_agreement", "platform_reference"],
        properties,
    )
}

/// `commission` (SM-36).
pub fn commission_schema() -> Value {
    object(
        "SM-36.a",
        "The order creating the Commission. Not a PPP SMI project: formed no later than the last day of acceptance (SM-36.a). A PPP SMI project: after the budget commission's positive proposal, no upper limit (SM-36.b). The Rules do not state the composition: at least 3 members is this variant's reading of a collegial body",
        &["order", "formed_on", "members", "ppp"],
        json!({
            "order": line_schema("SM-36.a", "The number of the customer's order creating the Commission"),
            "formed_on": date_schema("SM-36.a", "The day the Commission was created"),
            "members": {"type": "array", "minItems": 3, "maxItems": 50, "x-rule": "SM-36.a",
                        "description": "The members: at least 3, each with name and position",
                        "items": object("SM-36.a", "A member", &["name", "position"],
                                        json!({"name": line_schema("SM-36.a", "Surname, name, patronymic"),
                                               "position": line_schema("SM-36.a", "Position")}))},
            "ppp": {"type": "boolean", "x-rule": "SM-36.b", "description": "Whether it is a PPP SMI project (as the announcement states)"},
            "budget_commission_proposal": object("SM-36.b",
                "The budget commission's positive proposal to take on state obligations (a PPP SMI project only): the Commission is created on or after its date",
                &["number", "date"],
                json!({"number": line_schema("SM-36.b", "Its number"),
                       "date": date_schema("SM-36.b", "Its date")}))
        }),
    )
}

/// `evaluation` (the method; SM-F2 item 12, SM-73); `r`: the edition's rule of the step.
pub fn evaluation_schema(r: &str) -> Value {
    object(
        r,
        "The protocol of the evaluation. Every opened application of the round once: admissible (with a score 0..100 per announced criterion: [{criterion, score}], the criterion as announced) or not (with its reasons, no scores). award: at least one admissible; the variant computes each total (Σ weight × score / 100, two decimals), ranks them (a tie goes to the application received first) and explains the ranking; creation_due (SM-73: the term of creation the protocol sets) is required. no-admissible: every application inadmissible",
        &["protocol", "applications"],
        json!({
            "protocol": act_schema(r, "The Commission's protocol: number and date (not before the applications were opened)"),
            "applications": {"type": "array", "minItems": 1, "maxItems": 200, "x-rule": r,
                             "description": "One judgment per opened application",
                             "items": object(r, "The judgment of one application", &["seq", "admissible"], json!({
                                 "seq": {"type": "integer", "minimum": 1, "x-rule": r, "description": "The application's sequence number, as opened"},
                                 "admissible": {"type": "boolean", "x-rule": r, "description": "Whether it is admissible"},
                                 "reasons": {"type": "array", "maxItems": 50, "x-rule": r, "description": "Why it is not admissible (required then)",
                                             "items": line_schema(r, "A reason")},
                                 "scores": {"type": "array", "maxItems": 50, "x-rule": r, "description": "Per announced criterion (named as announced), a whole score 0..100 (admissible applications only)",
                                            "items": object(r, "The score of one criterion", &["criterion", "score"], json!({
                                                "criterion": line_schema(r, "The criterion, as announced"),
                                                "score": {"type": "integer", "minimum": 0, "maximum": 100, "x-rule": r}}))}
                             }))},
            "creation_due": date_schema("SM-73", "The last day of creation the protocol sets («в сроки установленные протоколом или ЗНП», SM-73): award only, after the day of the protocol")
        }),
    )
}

/// `ladder` (SM-53-1).
pub fn ladder_schema() -> Value {
    let items: serde_json::Map<String, Value> = ITEMS
        .iter()
        .map(|i| {
            (
                i.key.to_owned(),
                text_schema(
                    "SM-53-1.b",
                    &format!("{}) {} — {} (as amended)", i.number, i.text, i.text_en),
                ),
            )
        })
        .collect();
    object(
        "SM-53-1",
        "The Commission's protocol. amend-and-re-tender also states the amendments and, for a tender started from a design assignment, the amended items of the design assignment (at least one)",
        &["protocol"],
        json!({
            "protocol": act_schema("SM-53-1", "The Commission's protocol: number and date (not before the window closed)"),
            "amendments": text_schema("SM-53-1.b", "The changes and additions to the design assignment (or to the tender documentation)"),
            "amended_items": {"type": "object", "additionalProperties": false, "x-rule": "SM-53-1.b",
                              "description": "The items of the design assignment as amended (p.19)", "properties": items}
        }),
    )
}

/// `creation` (SM-73, AMB-SM-11).
pub fn creation_schema() -> Value {
    object(
        "SM-73",
        "The supplier's notification that creation is complete (AMB-SM-11)",
        &["ici_resources"],
        json!({"ici_resources": text_schema("SM-73", "«информацию о требуемых ресурсах информационно-коммуникационной инфраструктуры для функционирования сервисного программного продукта или объекта ИКИ в среде эксплуатации» — the ICT-infrastructure resources the product or object needs in the operating environment")}),
    )
}

/// `testing` (SM-73, SM-76-1).
pub fn testing_schema() -> Value {
    object(
        "SM-76-1",
        "The testing protocol and the integration checks: every integration the tender names (SM-76-1) checked; passed needs every check passed",
        &["protocol", "integration_checks"],
        json!({
            "protocol": act_schema("SM-76-1", "The testing protocol: number and date"),
            "integration_checks": {"type": "array", "maxItems": 200, "x-rule": "SM-76-1",
                                   "description": "One check per integration service (an empty list when the tender names none)",
                                   "items": object("SM-76-1", "A check", &["service", "result"], json!({
                                       "service": line_schema("SM-76-1", "The integration service"),
                                       "result": {"enum": ["passed", "failed"], "x-rule": "SM-76-1"}
                                   }))}
        }),
    )
}

/// `trials` (SM-82, LC-9 sp.3)).
pub fn trials_schema() -> Value {
    object(
        "SM-82.a",
        "What was tried and the act of the trials",
        &["object", "act"],
        json!({
            "object": {"enum": ["spp", "ici-object"], "x-rule": "SM-82.a",
                       "description": "spp: a service software product (its own trials); ici-object: an ICI object (the e-government ICT platform with it, SM-82.a)"},
            "act": act_schema("SM-82.a", "The act of the information-security trials: number and date")
        }),
    )
}

/// `formation` (SM-85, SM-103-1, LC-25).
pub fn formation_schema(e: &Edition) -> Value {
    let ownership = if e.lc() {
        format!("{LC_35}: false in this edition")
    } else {
        SM_103_1.to_owned()
    };
    object(
        "SM-85",
        "The Commission's protocol; with form, the ICT service as formed",
        &["protocol"],
        json!({
            "protocol": act_schema("SM-85", "The Commission's protocol: number and date"),
            "service_name": line_schema("SM-85", "The name of the ICT service (form)"),
            "service_type": service_type_schema(),
            "software_product": line_schema("SM-85", "The service software product or ICI object it rests on (form)"),
            "monthly_price_tenge": tenge_schema("SM-85", "The monthly rental, tenge (\"1250000.00\") (form)"),
            "ownership_transfer_required": {"type": "boolean", "x-rule": if e.lc() { "LC-35" } else { "SM-103-1" },
                                            "description": format!("Whether the product passes into the state body's ownership after three years of rental (form). {ownership}")}
        }),
    )
}

/// `commissioning` (SM-86, SM-87, SM-87-1).
pub fn commissioning_schema() -> Value {
    object(
        "SM-87",
        "The commissioning protocol, signed by the operator and the supplier (AMB-SM-20)",
        &[
            "protocol",
            "signed_on",
            "technical_documentation_accepted",
            "rental_start",
        ],
        json!({
            "protocol": line_schema("SM-87", "The number of the commissioning protocol"),
            "signed_on": date_schema("SM-98.a", "The day the protocol was signed (the 3 working days of SM-98.a run from it)"),
            "technical_documentation_accepted": {"type": "boolean", "x-rule": "SM-87-1",
                                                 "description": "Whether the operator accepted the technical documentation: must be true for a service software product (SM-87-1)"},
            "rental_start": date_schema("SM-103-1", "The start of the rental: the commissioning of the ICT service (AMB-SM-18), not before the protocol was signed")
        }),
    )
}
