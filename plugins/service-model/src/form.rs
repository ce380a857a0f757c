//! The intakes' forms and what `validate` checks beyond their schemas.
//!
//! - `request` (SM-8.a, SM-F1): the ten sections of Appendix 1, each described by its section
//!   name and its guidance in Russian as the appendix gives them, then an English gloss;
//!   section 7 says, as two booleans, whether documents for official use circulate and whether
//!   information classified as state secrets is involved, so that SM-3.a can be applied; a
//!   `scope` object (not a section of Appendix 1) says whether the resources belong to the
//!   National Bank and whether it is an information system integrating with e-government ICI
//!   objects (SM-3.b).
//! - `supplier-application` / `operator-application` (SM-8.b): Appendix 2 is not in the text of
//!   order 101/НҚ (AMB-SM-1), so the form is a minimal one of this variant's own.
//! - `development` (SM-90): the customer's request to develop an ICT service.
//!
//! The Russian texts are the seed's, with two extraction artefacts of section 4 repaired (a
//! missing space in "ИК-услугв рамках", read "ИК-услуг в рамках", and a space before a comma)
//! and, in every guidance text, the parentheses around the whole guidance left out.

use egov_plugin_sdk::{Violation, violation};
use serde_json::{Map, Value, json};

use crate::{DEVELOPMENT, OPERATOR_APPLICATION, REQUEST, SUPPLIER_APPLICATION};

/// The longest one-line value (the engine's `Line`).
pub const MAX_LINE: usize = 2000;
/// The longest free text (the engine's `Text`).
pub const MAX_TEXT: usize = 20000;

/// The title of Appendix 1 (SM-F1), as the seed gives it, with an English gloss.
pub const REQUEST_TITLE: &str = "Запрос государственного органа на автоматизацию деятельности государственного органа в уполномоченный орган и сервисному интегратору — Request of the state body for automation of the state body's activity, to the authorized body and the service integrator (Appendix 1)";

/// One section of Appendix 1 (SM-F1).
pub struct Section {
    /// Its number in the appendix.
    pub number: u32,
    /// The property of the submission.
    pub key: &'static str,
    /// "Наименование раздела", as in the appendix.
    pub name: &'static str,
    /// An English gloss of the name.
    pub name_en: &'static str,
    /// The guidance under "Сведения", as in the appendix (without its parentheses).
    pub guidance: &'static str,
    /// An English gloss of the guidance.
    pub guidance_en: &'static str,
}

/// The ten sections of Appendix 1, in its order.
pub const SECTIONS: [Section; 10] = [
    Section {
        number: 1,
        key: "function",
        name: "Наименование и описание функции государственного органа",
        name_en: "Name and description of the state body's function",
        guidance: "Указывается наименование функции государственного органа для автоматизации посредством сервисной модели информатизации",
        guidance_en: "the name of the state body's function to be automated through the service model of informatization",
    },
    Section {
        number: 2,
        key: "legal_basis",
        name: "Нормативное основание для автоматизации деятельности государственного органа",
        name_en: "Legal basis for automating the state body's activity",
        guidance: "Перечень нормативных правовых актов, в которых описана функция, планируемая к автоматизации (к примеру, положение ведомства, правила, регламент, методика, инструкция), наименование установленных государственных, отраслевых программ и программы развития территорий Республики Казахстан, в составе которой предусмотрена реализация сервиса (указать ссылки на конкретные пункты)",
        guidance_en: "the list of legal acts describing the function planned for automation (for example the agency's regulation, rules, reglament, methodology, instruction), and the names of the established state and sectoral programs and of the territorial development program of the Republic of Kazakhstan within which implementing the service is provided for (give references to the specific points)",
    },
    Section {
        number: 3,
        key: "purpose_and_tasks",
        name: "Назначение и задачи автоматизации деятельности государственного органа",
        name_en: "Purpose and tasks of automating the state body's activity",
        guidance: "Указывается назначение и задачи автоматизации деятельности государственного органа",
        guidance_en: "the purpose and tasks of automating the state body's activity",
    },
    Section {
        number: 4,
        key: "scale_and_capacity",
        name: "Масштаб и мощность внедрения ИК-услуг",
        name_en: "Scale and capacity of implementing the ICT services",
        guidance: "Указываются сведения о необходимости реализации ИК-услуги функционирования ИК-услуг в рамках страны, региона или ведомства. Перечислить группы потенциальных пользователей ИК-услуг (юридические/ физические лица), их количество и функции, которые будут выполняться ими. Указывается регулярность пользования ИК-услугой, количество и объем электронных документов, предполагаемых к обращению в рамках ИК-услуг",
        guidance_en: "whether the ICT service is to be implemented and function at the level of the country, a region or an agency; list the groups of potential users of the ICT services (legal/natural persons), their number and the functions they will perform; the regularity of use of the ICT service, and the number and volume of the electronic documents expected to circulate within the ICT services",
    },
    Section {
        number: 5,
        key: "current_situation",
        name: "Описание текущей ситуации с выполнением деятельности и проблем, связанных с отсутствием автоматизации",
        name_en: "Description of the current situation in performing the activity and of the problems caused by the lack of automation",
        guidance: "Приводится краткое описание текущей ситуации - каким образом осуществляется исполнение функций, какие проблемы существуют в настоящее время. Также, при необходимости, указываются недостатки частичной автоматизации посредством существующих информационных систем, частично автоматизирующих деятельность государственного органа",
        guidance_en: "a brief description of the current situation: how the functions are performed and which problems exist now; where needed, also the shortcomings of partial automation by existing information systems that partly automate the state body's activity",
    },
    Section {
        number: 6,
        key: "expected_results",
        name: "Ожидаемые результаты от автоматизации",
        name_en: "Expected results of the automation",
        guidance: "Указывается в какой части перевод деятельности государственного органа в электронный вид решит недостатки текущей ситуации с выполнением функции",
        guidance_en: "to what extent moving the state body's activity into electronic form will remove the shortcomings of the current situation in performing the function",
    },
    Section {
        number: 7,
        key: "restricted_information",
        name: "Наличие информации ограниченного пользования в рамках деятельности государственного органа",
        name_en: "Restricted-use information within the state body's activity",
        guidance: "Указывается имеются ли ограничения в выполнении функции: обращение документов служебного пользования, сведений, носящих статус государственных секретов",
        guidance_en: "whether performing the function is subject to restrictions: circulation of documents for official use, of information classified as state secrets",
    },
    Section {
        number: 8,
        key: "technical_documentation",
        name: "Наличие технической документации по автоматизации деятельности государственного органа",
        name_en: "Technical documentation on automating the state body's activity",
        guidance: "Указывается наименование технической документации (в случае наличия), в которой детально описаны бизнес-процессы (например: техническое задание, технико-экономическое обоснование, инвестиционный проект), с приложением копий данных документов к заявке о наличии потребности государственного органа",
        guidance_en: "the name of the technical documentation (where it exists) describing the business processes in detail (for example: terms of reference, feasibility study, investment project), with copies of those documents attached to the application on the state body's need",
    },
    Section {
        number: 9,
        key: "information_systems",
        name: "Имеется ли информационная (ые) система (ы) государственных органов, автоматизирующая деятельность государственного органа/частично автоматизирующая деятельность",
        name_en: "Whether there are information systems of state bodies that automate, or partly automate, the state body's activity",
        guidance: "Указывается информационная система, автоматизирующая деятельность либо частично автоматизирующая деятельность, в том числе системы электронного документооборота, интернет-ресурсы, ведомственные порталы",
        guidance_en: "the information system automating, or partly automating, the activity, including electronic document management systems, internet resources and departmental portals",
    },
    Section {
        number: 10,
        key: "contacts",
        name: "Контакты ответственных лиц",
        name_en: "Contacts of the responsible persons",
        guidance: "Фамилия, имя, отчество (при его наличии), структурное подразделение, должность, телефон (рабочий, мобильный), электронная почта",
        guidance_en: "surname, name, patronymic (if any), structural unit, position, telephone (work, mobile), e-mail",
    },
];

/// p.3 sp.1) of the Rules (SM-3.a), as order 101/НҚ states it.
pub const SM_3_A: &str = "«Правила не распространяются на: 1) электронные информационные ресурсы, информационные системы и информационно-коммуникационную инфраструктуру, содержащие, обрабатывающие и (или) передающие сведения, отнесенные к государственным секретам в соответствии с Законом Республики Казахстан \"О государственных секретах\"» — the Rules do not apply to electronic information resources, information systems and ICT infrastructure that contain, process and/or transmit information classified as state secrets under the Law \"On State Secrets\" (p.3 sp.1))";
/// p.3 sp.2) of the Rules (SM-3.b), as order 101/НҚ states it.
pub const SM_3_B: &str = "«Правила не распространяются на: … 2) электронные информационные ресурсы, информационные системы и информационно-коммуникационную инфраструктуру Национального Банка Республики Казахстан, за исключением информационных систем, интегрирующихся с объектами информационно-коммуникационной инфраструктуры \"электронного правительства\"» — the Rules do not apply to the electronic information resources, information systems and ICT infrastructure of the National Bank of the Republic of Kazakhstan, except information systems integrating with objects of the e-government ICT infrastructure (p.3 sp.2))";

/// The section of Appendix 1 whose property is `key`.
pub fn section(key: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.key == key)
}

fn section_label(s: &Section) -> String {
    format!("{}. {} — {}", s.number, s.name, s.name_en)
}

fn section_description(s: &Section) -> String {
    format!(
        "Сведения: {} — {}. Required (SM-F1).",
        s.guidance, s.guidance_en
    )
}

fn text(rule: &str, title: &str, description: &str) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "x-rule": rule,
           "title": title, "description": description})
}

fn line(rule: &str, description: &str) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": MAX_LINE, "x-line": true, "x-rule": rule,
           "description": description})
}

/// One responsible person (section 10 of Appendix 1), under `rule`.
fn contact(rule: &str) -> Value {
    json!({
        "type": "object", "additionalProperties": false, "x-rule": rule,
        "required": ["surname", "name", "unit", "position", "phones", "email"],
        "properties": {
            "surname": line(rule, "Фамилия — surname"),
            "name": line(rule, "Имя — name"),
            "patronymic": line(rule, "Отчество (при его наличии) — patronymic (if any): optional"),
            "unit": line(rule, "Структурное подразделение — structural unit"),
            "position": line(rule, "Должность — position"),
            "phones": {
                "type": "object", "additionalProperties": false, "x-rule": rule,
                "required": ["work", "mobile"],
                "description": "Телефон (рабочий, мобильный) — telephone (work, mobile)",
                "properties": {
                    "work": {"type": "string", "pattern": PHONE, "maxLength": 40, "x-line": true,
                             "x-rule": rule, "description": "рабочий — work"},
                    "mobile": {"type": "string", "pattern": PHONE, "maxLength": 40, "x-line": true,
                               "x-rule": rule, "description": "мобильный — mobile"}
                }
            },
            "email": {"type": "string", "pattern": EMAIL, "maxLength": 254, "x-line": true,
                      "x-rule": rule, "description": "Электронная почта — e-mail"}
        }
    })
}

const PHONE: &str = "^\\+?[0-9][0-9 ()-]{4,38}$";
const EMAIL: &str = "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$";
const BIN: &str = "^[0-9]{12}$";

fn contacts(rule: &str, title: &str, description: &str) -> Value {
    json!({"type": "array", "minItems": 1, "maxItems": 20, "x-rule": rule,
           "title": title, "description": description, "items": contact(rule)})
}

/// The scope questions of p.3 (SM-3): not a section of Appendix 1. `with_secrets` adds the
/// state-secrets question (a form without section 7 asks it here).
fn scope(with_secrets: bool) -> Value {
    let mut properties = Map::new();
    if with_secrets {
        properties.insert(
            "state_secrets".into(),
            json!({"type": "boolean", "x-rule": "SM-3.a",
                   "description": format!("Whether the resources, systems or infrastructure concerned contain, process or transmit information classified as state secrets. If so the Rules do not apply and the submission is refused: {SM_3_A}")}),
        );
    }
    properties.insert(
        "national_bank".into(),
        json!({"type": "boolean", "x-rule": "SM-3.b",
               "description": format!("Whether the electronic information resources, information systems or ICT infrastructure concerned are the National Bank's. If so the Rules do not apply, except to an information system integrating with e-government ICI objects: {SM_3_B}")}),
    );
    properties.insert(
        "integrates_with_egov_ici".into(),
        json!({"type": "boolean", "x-rule": "SM-3.b",
               "description": "Required when national_bank is true: whether what is concerned is an information system (информационная система) that integrates with objects of the e-government ICT infrastructure (интегрирующаяся с объектами информационно-коммуникационной инфраструктуры \"электронного правительства\"), the one exception of p.3 sp.2). false: the submission is refused (SM-3.b)."}),
    );
    let mut required = vec!["national_bank"];
    if with_secrets {
        required.insert(0, "state_secrets");
    }
    json!({"type": "object", "additionalProperties": false, "x-rule": "SM-3", "required": required,
           "title": "Scope of the Rules (p.3) — not a section of Appendix 1",
           "properties": properties})
}

/// The form of the request of Appendix 1 (SM-8.a, SM-F1).
pub fn request_form() -> Value {
    let mut properties = Map::new();
    for s in &SECTIONS {
        let (title, description) = (section_label(s), section_description(s));
        let p = match s.key {
            "restricted_information" => json!({
                "type": "object", "additionalProperties": false, "x-rule": "SM-F1",
                "required": ["official_use_documents", "state_secrets"],
                "title": title, "description": description,
                "properties": {
                    "official_use_documents": {"type": "boolean", "x-rule": "SM-F1",
                        "description": "обращение документов служебного пользования — whether documents for official use circulate in performing the function"},
                    "state_secrets": {"type": "boolean", "x-rule": "SM-3.a",
                        "description": format!("сведения, носящие статус государственных секретов — whether information classified as state secrets is involved. If so the Rules do not apply and the request is refused: {SM_3_A}")},
                    "details": {"type": "string", "maxLength": MAX_TEXT, "x-rule": "SM-F1",
                        "description": "Other restrictions in performing the function, or details of these (free text, optional)"}
                }
            }),
            "technical_documentation" => json!({
                "type": "object", "additionalProperties": false, "x-rule": "SM-F1",
                "required": ["available"],
                "title": title, "description": description,
                "properties": {
                    "available": {"type": "boolean", "x-rule": "SM-F1",
                        "description": "Whether such technical documentation exists («в случае наличия»); true: list each document with its copy attached"},
                    "documents": {"type": "array", "maxItems": 50, "x-rule": "SM-F1",
                        "description": "Each document: its name and the reference of its attached copy («с приложением копий данных документов»)",
                        "items": {"type": "object", "additionalProperties": false, "x-rule": "SM-F1",
                                  "required": ["title", "reference"],
                                  "properties": {
                                      "title": line("SM-F1", "Наименование технической документации — the name of the document (e.g. техническое задание, технико-экономическое обоснование, инвестиционный проект)"),
                                      "reference": line("SM-F1", "The attached copy: an architecture-portal id or a URI")
                                  }}}
                }
            }),
            "contacts" => contacts("SM-F1", &title, &description),
            _ => text("SM-F1", &title, &description),
        };
        properties.insert(s.key.into(), p);
    }
    properties.insert("scope".into(), scope(false));
    let mut required: Vec<&str> = SECTIONS.iter().map(|s| s.key).collect();
    required.push("scope");
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object", "additionalProperties": false, "x-rule": "SM-8.a",
        "title": REQUEST_TITLE,
        "description": "Sent to the authorized body and the service integrator through the e-government architecture portal (SM-8.a). Each of the ten sections is required (SM-F1); `scope` answers p.3 of the Rules (SM-3).",
        "required": required,
        "properties": properties
    })
}

/// The form of the application of a potential supplier or of the operator (SM-8.b).
pub fn application_form(applicant: &str) -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object", "additionalProperties": false, "x-rule": "SM-8.b",
        "title": format!("Заявка {applicant} на автоматизацию деятельности государственного органа — application for automation of a state body's activity (SM-8.b)"),
        "description": "Appendix 2 of the Rules (the form of this application) is not in the text of order 101/НҚ (AMB-SM-1): this is a minimal form of this variant's own, not the appendix. It names the state body whose activity is concerned (which is notified of the authorized body's decision with the applicant, AMB-SM-4), the activity, the justification, the applicant's contacts, and answers p.3 of the Rules (SM-3).",
        "required": ["state_body_bin", "activity", "justification", "contacts", "scope"],
        "properties": {
            "state_body_bin": {"type": "string", "pattern": BIN, "x-line": true, "x-rule": "SM-8.b",
                               "description": "The BIN (12 digits, with its control digit) of the state body whose activity is to be automated"},
            "state_body_name": line("SM-8.b", "The name of that state body (optional)"),
            "activity": text("SM-8.b", "Activity or function of the state body to be automated",
                             "The activity of the state body, including the state functions and the public services that follow from them, to be automated (p.8)"),
            "justification": text("SM-8.b", "Justification", "Why the automation is needed and what it achieves"),
            "contacts": contacts("SM-8.b", "The applicant's responsible persons",
                                 "Surname, name, patronymic (if any), structural unit, position, telephone (work, mobile), e-mail"),
            "scope": scope(true)
        }
    })
}

/// The form of the customer's request to develop an ICT service (SM-90).
pub fn development_form() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object", "additionalProperties": false, "x-rule": "SM-90",
        "title": "Запрос на развитие ИК-услуги — request for development of the ICT service (SM-90)",
        "description": "Sent by the customer of the ICT service to the authorized body with a copy to the service integrator, through the e-government architecture portal (p.90).",
        "required": ["ict_service", "development", "justification"],
        "properties": {
            "ict_service": line("SM-90", "The ICT service to develop (its name, as in the Catalog of ICT services, or its reference)"),
            "development": text("SM-90", "The development needed", "What development of the ICT service is needed"),
            "justification": text("SM-90", "Justification", "Why the development is needed")
        }
    })
}

/// Whether `bin` is 12 digits with a valid control digit (the SDK's check, shared by the
/// variants).
pub use egov_plugin_sdk::bin_is_valid;

fn blank(v: Option<&Value>) -> bool {
    v.and_then(Value::as_str)
        .is_none_or(|s| s.trim().is_empty())
}

/// The text fields of `obj` (by key) that are missing or blank, each a violation of `rule`.
fn texts_given(obj: &Value, keys: &[(&str, &str)], rule: &str, out: &mut Vec<Violation>) {
    for (key, what) in keys {
        if blank(obj.get(key)) {
            out.push(violation(key, rule, format!("{what} is required")));
        }
    }
}

/// SM-3: the scope of the Rules. `secrets` is where the state-secrets answer is.
fn scope_checks(s: &Value, secrets: (&str, Option<&Value>), out: &mut Vec<Violation>) {
    let (field, answer) = secrets;
    if answer.and_then(Value::as_bool) == Some(true) {
        out.push(violation(
            field,
            "SM-3.a",
            format!(
                "information classified as state secrets is involved, so the Rules for implementing the service model of informatization do not apply: {SM_3_A}"
            ),
        ));
    }
    let scope = &s["scope"];
    if scope["national_bank"].as_bool() == Some(true) {
        match scope["integrates_with_egov_ici"].as_bool() {
            Some(true) => {}
            Some(false) => out.push(violation(
                "scope.national_bank",
                "SM-3.b",
                format!(
                    "the resources are the National Bank's and are not an information system integrating with e-government ICI objects, so the Rules do not apply: {SM_3_B}"
                ),
            )),
            None => out.push(violation(
                "scope.integrates_with_egov_ici",
                "SM-3.b",
                format!(
                    "the resources are the National Bank's: say whether they are an information system integrating with e-government ICI objects, the one case the Rules still apply to: {SM_3_B}"
                ),
            )),
        }
    }
}

fn contacts_checks(s: &Value, rule: &str, out: &mut Vec<Violation>) {
    for (i, c) in s["contacts"].as_array().into_iter().flatten().enumerate() {
        for key in ["surname", "name", "unit", "position", "email"] {
            if blank(c.get(key)) {
                out.push(violation(
                    &format!("contacts[{i}].{key}"),
                    rule,
                    format!("the responsible person's {key} is required"),
                ));
            }
        }
        for key in ["work", "mobile"] {
            if blank(c["phones"].get(key)) {
                out.push(violation(
                    &format!("contacts[{i}].phones.{key}"),
                    rule,
                    format!("the responsible person's {key} telephone is required («телефон (рабочий, мобильный)»)"),
                ));
            }
        }
    }
}

/// The request's own rules (SM-F1, SM-3).
fn validate_request(s: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    for sec in &SECTIONS {
        let v = s.get(sec.key);
        let missing = match sec.key {
            "restricted_information" | "technical_documentation" => {
                !v.is_some_and(Value::is_object)
            }
            "contacts" => v.and_then(Value::as_array).is_none_or(Vec::is_empty),
            _ => blank(v),
        };
        if missing {
            out.push(violation(
                sec.key,
                "SM-F1",
                format!(
                    "section {} «{}» ({}) is required: {} — {}",
                    sec.number, sec.name, sec.name_en, sec.guidance, sec.guidance_en
                ),
            ));
        }
    }
    let r = &s["restricted_information"];
    if r.is_object() {
        for key in ["official_use_documents", "state_secrets"] {
            if !r[key].is_boolean() {
                let rule = if key == "state_secrets" {
                    "SM-3.a"
                } else {
                    "SM-F1"
                };
                out.push(violation(
                    &format!("restricted_information.{key}"),
                    rule,
                    "section 7: answer true or false («обращение документов служебного пользования, сведений, носящих статус государственных секретов»)",
                ));
            }
        }
    }
    let t = &s["technical_documentation"];
    if t.is_object() {
        let docs = t["documents"].as_array().map_or(0, Vec::len);
        match t["available"].as_bool() {
            Some(true) if docs == 0 => out.push(violation(
                "technical_documentation.documents",
                "SM-F1",
                "section 8: the technical documentation exists, so name each document and attach its copy («с приложением копий данных документов»)",
            )),
            Some(false) if docs > 0 => out.push(violation(
                "technical_documentation.available",
                "SM-F1",
                "section 8: documents are listed, so the technical documentation exists (available: true)",
            )),
            _ => {}
        }
        for (i, d) in t["documents"].as_array().into_iter().flatten().enumerate() {
            for key in ["title", "reference"] {
                if blank(d.get(key)) {
                    out.push(violation(
                        &format!("technical_documentation.documents[{i}].{key}"),
                        "SM-F1",
                        format!("section 8: each document has its {key}"),
                    ));
                }
            }
        }
    }
    contacts_checks(s, "SM-F1", &mut out);
    if !s["scope"].is_object() {
        out.push(violation(
            "scope",
            "SM-3",
            "the scope questions of p.3 of the Rules are required",
        ));
    }
    scope_checks(
        s,
        (
            "restricted_information.state_secrets",
            r.get("state_secrets"),
        ),
        &mut out,
    );
    out
}

fn validate_application(s: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    let bin = s["state_body_bin"].as_str().unwrap_or_default();
    if !bin_is_valid(bin) {
        out.push(violation(
            "state_body_bin",
            "SM-8.b",
            format!("{bin:?} is not a BIN: 12 digits whose last is the control digit"),
        ));
    }
    texts_given(
        s,
        &[
            ("activity", "the activity of the state body to be automated"),
            ("justification", "the justification"),
        ],
        "SM-8.b",
        &mut out,
    );
    if s["contacts"].as_array().is_none_or(Vec::is_empty) {
        out.push(violation(
            "contacts",
            "SM-8.b",
            "at least one responsible person of the applicant is required",
        ));
    }
    contacts_checks(s, "SM-8.b", &mut out);
    if !s["scope"].is_object() {
        out.push(violation(
            "scope",
            "SM-3",
            "the scope questions of p.3 of the Rules are required",
        ));
    } else if !s["scope"]["state_secrets"].is_boolean() {
        out.push(violation(
            "scope.state_secrets",
            "SM-3.a",
            "say whether information classified as state secrets is involved",
        ));
    }
    scope_checks(
        s,
        ("scope.state_secrets", s["scope"].get("state_secrets")),
        &mut out,
    );
    out
}

fn validate_development(s: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    texts_given(
        s,
        &[
            ("ict_service", "the ICT service to develop"),
            ("development", "the development needed"),
            ("justification", "the justification"),
        ],
        "SM-90",
        &mut out,
    );
    out
}

/// The variant's `validate` of a submission to `intake`: every violation of the rules beyond
/// the form's schema (which the engine checks first; the same field and rule are reported
/// once).
pub fn validate_intake(intake: &str, submission: &str, _today: &str) -> Vec<Violation> {
    let Ok(s @ Value::Object(_)) = serde_json::from_str::<Value>(submission) else {
        return vec![violation("body", "SM-8", "a submission is a JSON object")];
    };
    match intake {
        REQUEST => validate_request(&s),
        SUPPLIER_APPLICATION | OPERATOR_APPLICATION => validate_application(&s),
        DEVELOPMENT => validate_development(&s),
        other => vec![violation("intake", "", format!("no intake {other:?}"))],
    }
}
