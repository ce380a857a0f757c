//! What a step's completion must carry, checked in `react` before it is accepted (a refusal
//! changes nothing): the facts (`inputs`), strictly (types, unknown keys refused, each
//! violation naming its path and rule), the outcome against them, and the reasons where the
//! outcome needs them. The schemas of the steps' inputs describe the same facts for the
//! engine, worklists and the OpenAPI documents; they leave what is missing to these checks, so
//! that a missing criterion or item is named with its text.

use egov_plugin_sdk::{Violation, violation};
use serde_json::{Map, Value, json};

use crate::form::MAX_TEXT;

/// One criterion of the SI's conclusion on automation (SM-11).
pub struct Criterion {
    /// Its number in p.11.
    pub number: u32,
    /// The key of the inputs.
    pub key: &'static str,
    /// The text of p.11, as order 101/НҚ states it.
    pub text: &'static str,
    /// An English gloss.
    pub text_en: &'static str,
}

/// The three criteria of p.11 (SM-11).
pub const CRITERIA: [Criterion; 3] = [
    Criterion {
        number: 1,
        key: "expediency",
        text: "целесообразность автоматизации деятельности государственного органа – анализ нормативных правовых актов Республики Казахстан, регламентирующих автоматизацию деятельности государственного органа на период реализации",
        text_en: "expediency of automating the state body's activity: analysis of the legal acts of the Republic of Kazakhstan regulating automation of the state body's activity for the implementation period",
    },
    Criterion {
        number: 2,
        key: "feasibility",
        text: "реализуемость автоматизации деятельности государственного органа – достижимость показателей автоматизации деятельности государственного органа на соответствие Требованиям, ЕТ",
        text_en: "feasibility of automating the state body's activity: whether the automation indicators are achievable in compliance with the Requirements and the Uniform Requirements (ЕТ; AMB-SM-6)",
    },
    Criterion {
        number: 3,
        key: "no_duplicates",
        text: "отсутствие объектов информатизации или начатых к реализации проектов по созданию или развитию объектов информатизации, автоматизирующих деятельность государственного органа либо ИК-услуг",
        text_en: "absence of informatization objects, or of projects already started to create or develop informatization objects, automating the state body's activity, or of ICT services doing so",
    },
];

/// One item of the design assignment (SM-19, SM-F2).
pub struct Item {
    /// Its number in p.19.
    pub number: u32,
    /// The key of the inputs.
    pub key: &'static str,
    /// The text of p.19, as order 101/НҚ states it.
    pub text: &'static str,
    /// An English gloss.
    pub text_en: &'static str,
}

/// The fourteen items of p.19 (SM-19, SM-F2), in its order.
pub const ITEMS: [Item; 14] = [
    Item {
        number: 1,
        key: "general_information",
        text: "общие сведения (назначение, количество государственных органов и пользователей, класс электронного информационного ресурса, класс программного обеспечения, механизм и этапы создания)",
        text_en: "general information (purpose, number of state bodies and users, class of the electronic information resource, class of the software, mechanism and stages of creation)",
    },
    Item {
        number: 2,
        key: "rental_cost_ceiling",
        text: "предельная стоимость аренды сервисного программного продукта или объекта ИКИ",
        text_en: "maximum rental cost of the service software product or of the ICI object",
    },
    Item {
        number: 3,
        key: "ict_service_cost_ceiling",
        text: "предельная стоимость ИК-услуги",
        text_en: "maximum cost of the ICT service",
    },
    Item {
        number: 4,
        key: "processes_or_technical_requirements",
        text: "перечень процессов (подпроцессов и функций), при создании сервисного программного продукта или технические требования при создании объекта ИКИ",
        text_en: "the list of processes (sub-processes and functions) when a service software product is created, or the technical requirements when an ICI object is created",
    },
    Item {
        number: 5,
        key: "platform_requirements",
        text: "требования и ограничения, связанные с информационно-коммуникационной платформой \"электронного правительства\"",
        text_en: "requirements and constraints related to the e-government ICT platform",
    },
    Item {
        number: 6,
        key: "integration_requirements",
        text: "требования к интеграции с объектами информатизации \"электронного правительства\" или сервисными программными продуктами",
        text_en: "requirements for integration with e-government informatization objects or with service software products",
    },
    Item {
        number: 7,
        key: "performance_requirements",
        text: "требования к производительности, отказоустойчивости и масштабируемости сервисного программного продукта или объекта ИКИ",
        text_en: "requirements for the performance, fault tolerance and scalability of the service software product or of the ICI object",
    },
    Item {
        number: 8,
        key: "information_security_requirements",
        text: "требования к информационной безопасности в соответствии с классом объекта информатизации и описание взаимодействия с системами мониторинга, контроля и журналирования событий",
        text_en: "information-security requirements matching the class of the informatization object, and a description of the interaction with the systems of monitoring, control and event logging",
    },
    Item {
        number: 9,
        key: "commissioning_requirements",
        text: "условия и требования к вводу в промышленную эксплуатацию ИК-услуги, сервисного программного продукта или объекта ИКИ, требования к технической документации, порядку и условиям передачи исходного кода сервисного программного продукта",
        text_en: "conditions and requirements for commissioning the ICT service, the service software product or the ICI object; requirements for the technical documentation, and for the procedure and conditions of transferring the source code of the service software product",
    },
    Item {
        number: 10,
        key: "source_code_and_standard_solutions",
        text: "возможность использования исходных кодов информационных систем государственных органов и иных организаций, а также стандартных решений (компоненты, сервисы, процессы, интеграции, пользовательский интерфейс и его компоненты)",
        text_en: "whether the source code of information systems of state bodies and other organizations can be used, and standard solutions (components, services, processes, integrations, the user interface and its components)",
    },
    Item {
        number: 11,
        key: "training_requirements",
        text: "требования к процессу и материалам обучения пользователей",
        text_en: "requirements for the process and materials of user training",
    },
    Item {
        number: 12,
        key: "supplier_selection_criteria",
        text: "критерии отбора поставщика",
        text_en: "criteria for selecting the supplier",
    },
    Item {
        number: 13,
        key: "schedule_and_responsibility_matrix",
        text: "план-график и матрица ответственности создания ИК-услуги",
        text_en: "schedule and responsibility matrix of creating the ICT service",
    },
    Item {
        number: 14,
        key: "ppp_conditions",
        text: "условия по созданию ИК-услуги, сервисного программного продукта или объекта ИКИ, развитию ИК-услуги по проекту ГЧП СМИ, предполагаемые виды и объемы государственной поддержки для проектов ГЧП СМИ",
        text_en: "conditions for creating the ICT service, the service software product or the ICI object and for developing the ICT service under a PPP SMI project; the expected types and volumes of state support for PPP SMI projects",
    },
];

/// The decisions of the discussion of p.92 (SM-92): developing the ICT service and/or
/// replacing the supplier, or neither.
pub const DECISIONS: [(&str, &str); 4] = [
    ("develop", "develop the ICT service (развитие ИК-услуги)"),
    (
        "replace-supplier",
        "replace the supplier (замена поставщика)",
    ),
    (
        "develop-and-replace-supplier",
        "develop the ICT service and replace the supplier",
    ),
    (
        "no-development",
        "neither: the ICT service is not developed and the supplier is not replaced",
    ),
];

/// The schema of the SI's conclusion (SM-11).
pub fn conclusion_schema() -> Value {
    let criteria: Map<String, Value> = CRITERIA
        .iter()
        .map(|c| {
            (
                c.key.to_owned(),
                json!({"type": "object", "additionalProperties": false, "x-rule": "SM-11",
                       "description": format!("{}) {} — {}. Required: met (true or false) and the analysis.", c.number, c.text, c.text_en),
                       "properties": {
                           "met": {"type": "boolean", "x-rule": "SM-11", "description": "Whether the criterion is met"},
                           "analysis": {"type": "string", "maxLength": MAX_TEXT, "x-rule": "SM-11", "description": "The SI's analysis under this criterion"}
                       }}),
            )
        })
        .collect();
    json!({"type": "object", "additionalProperties": false, "x-rule": "SM-11",
           "description": "The conclusion on automation of the state body's activity, formed by assessing the three criteria of p.11, each required. positive: all three met; negative: at least one not met, with reasons.",
           "properties": criteria})
}

/// The schema of the design assignment (SM-19).
pub fn design_assignment_schema() -> Value {
    let items: Map<String, Value> = ITEMS
        .iter()
        .map(|i| {
            (
                i.key.to_owned(),
                json!({"type": "string", "maxLength": MAX_TEXT, "x-rule": "SM-19",
                       "description": format!("{}) {} — {}. Required.", i.number, i.text, i.text_en)}),
            )
        })
        .collect();
    json!({"type": "object", "additionalProperties": false, "x-rule": "SM-19",
           "description": "Задание на проектирование ИК-услуги — the design assignment for the ICT service: the fourteen items of p.19, each a non-empty text (a missing one is named with its content).",
           "properties": items})
}

/// The schema of the decision of the discussion (SM-92).
pub fn discussion_schema() -> Value {
    let names: Vec<&str> = DECISIONS.iter().map(|(n, _)| *n).collect();
    let described: Vec<String> = DECISIONS.iter().map(|(n, t)| format!("{n}: {t}")).collect();
    json!({"type": "object", "additionalProperties": false, "x-rule": "SM-92",
           "description": "The decision the discussion on developing the ICT service and/or replacing the supplier was held for (p.92). Required.",
           "properties": {"decision": {"enum": names, "x-rule": "SM-92", "description": described.join("; ")}}})
}

/// What a completion is checked on.
pub struct Completion<'a> {
    /// The step.
    pub step: &'a str,
    /// The outcome chosen.
    pub outcome: &'a str,
    /// The facts given (`{}` when none).
    pub inputs: &'a Value,
    /// The actor's reasons.
    pub reasons: &'a [String],
}

/// What an accepted completion adds: reasons for the record (added to the task) and what the
/// decision rests on.
#[derive(Debug, Default, PartialEq)]
pub struct Accepted {
    /// Reasons added to the completed task.
    pub reasons: Vec<String>,
    /// What the decision rests on.
    pub decision: Value,
}

fn unknown_keys(obj: &Map<String, Value>, known: &[&str], at: &str, rule: &str) -> Vec<Violation> {
    obj.keys()
        .filter(|k| !known.contains(&k.as_str()))
        .map(|k| {
            violation(
                &format!("{at}.{k}"),
                rule,
                format!("{k:?} is not one of {}", known.join(", ")),
            )
        })
        .collect()
}

fn given(reasons: &[String]) -> bool {
    reasons.iter().any(|r| !r.trim().is_empty())
}

fn object<'v>(inputs: &'v Value, rule: &str) -> Result<&'v Map<String, Value>, Vec<Violation>> {
    match inputs {
        Value::Object(m) => Ok(m),
        Value::Null => Err(vec![violation("inputs", rule, "the inputs are required")]),
        _ => Err(vec![violation(
            "inputs",
            rule,
            "the inputs are a JSON object",
        )]),
    }
}

/// SM-11: the three criteria, and the outcome that follows from them.
fn si_conclusion(c: &Completion) -> Result<Accepted, Vec<Violation>> {
    let m = object(c.inputs, "SM-11")?;
    let keys: Vec<&str> = CRITERIA.iter().map(|x| x.key).collect();
    let mut v = unknown_keys(m, &keys, "inputs", "SM-11");
    let mut not_met = Vec::new();
    for cr in &CRITERIA {
        let at = format!("inputs.{}", cr.key);
        let label = format!("criterion {}) «{}» — {}", cr.number, cr.text, cr.text_en);
        let Some(x) = m.get(cr.key) else {
            v.push(violation(
                &at,
                "SM-11",
                format!("{label} is required: {{met, analysis}}"),
            ));
            continue;
        };
        let Some(x) = x.as_object() else {
            v.push(violation(
                &at,
                "SM-11",
                format!("{label}: an object {{met, analysis}}"),
            ));
            continue;
        };
        v.extend(unknown_keys(x, &["met", "analysis"], &at, "SM-11"));
        match x.get("met") {
            Some(Value::Bool(false)) => not_met.push(cr),
            Some(Value::Bool(true)) => {}
            _ => v.push(violation(
                &format!("{at}.met"),
                "SM-11",
                format!("{label}: whether it is met is a JSON boolean"),
            )),
        }
        if x.get("analysis")
            .and_then(Value::as_str)
            .is_none_or(|s| s.trim().is_empty())
        {
            v.push(violation(
                &format!("{at}.analysis"),
                "SM-11",
                format!("{label}: the analysis is required"),
            ));
        }
    }
    if !v.is_empty() {
        return Err(v);
    }
    let listed = |xs: &[&Criterion]| {
        xs.iter()
            .map(|x| format!("{}) {}", x.number, x.key))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match c.outcome {
        "positive" if !not_met.is_empty() => {
            return Err(vec![violation(
                "outcome",
                "SM-11",
                format!(
                    "a positive conclusion needs all three criteria of p.11 met; not met: {}",
                    listed(&not_met)
                ),
            )]);
        }
        "negative" if not_met.is_empty() => {
            return Err(vec![violation(
                "outcome",
                "SM-11",
                "a negative conclusion needs at least one criterion of p.11 not met; all three are met",
            )]);
        }
        "negative" if !given(c.reasons) => {
            return Err(vec![violation(
                "reasons",
                "SM-11",
                format!(
                    "a negative conclusion states its reasons (not met: {})",
                    listed(&not_met)
                ),
            )]);
        }
        _ => {}
    }
    let reasons = not_met
        .iter()
        .map(|x| {
            format!(
                "SM-11: criterion {}) not met («{}»): {}",
                x.number,
                x.text,
                m[x.key]["analysis"].as_str().unwrap_or_default().trim()
            )
        })
        .collect();
    Ok(Accepted {
        reasons,
        decision: json!({
            "criteria": m,
            "not_met": not_met.iter().map(|x| x.key).collect::<Vec<_>>(),
        }),
    })
}

/// SM-19: the fourteen items of the design assignment.
fn design_assignment(c: &Completion) -> Result<Accepted, Vec<Violation>> {
    let m = object(c.inputs, "SM-19")?;
    let keys: Vec<&str> = ITEMS.iter().map(|x| x.key).collect();
    let mut v = Vec::new();
    for it in &ITEMS {
        let at = format!("inputs.{}", it.key);
        match m.get(it.key) {
            Some(Value::String(s)) if !s.trim().is_empty() => {}
            Some(x) if !x.is_string() => v.push(violation(
                &at,
                "SM-19",
                format!("item {}) of the design assignment is a text", it.number),
            )),
            _ => v.push(violation(
                &at,
                "SM-19",
                format!(
                    "item {}) of the design assignment is required: «{}» — {}",
                    it.number, it.text, it.text_en
                ),
            )),
        }
    }
    v.extend(unknown_keys(m, &keys, "inputs", "SM-19"));
    // Accepted as given: the items are the completion's inputs, nothing is added.
    if v.is_empty() {
        Ok(Accepted::default())
    } else {
        Err(v)
    }
}

/// SM-92: the decision of the discussion.
fn discussion(c: &Completion) -> Result<Accepted, Vec<Violation>> {
    let m = object(c.inputs, "SM-92")?;
    let mut v = unknown_keys(m, &["decision"], "inputs", "SM-92");
    let names: Vec<&str> = DECISIONS.iter().map(|(n, _)| *n).collect();
    match m.get("decision").and_then(Value::as_str) {
        Some(d) if names.contains(&d) => {}
        Some(d) => v.push(violation(
            "inputs.decision",
            "SM-92",
            format!("{d:?} is not one of {}", names.join(", ")),
        )),
        None => v.push(violation(
            "inputs.decision",
            "SM-92",
            format!(
                "the decision of the discussion is required: one of {}",
                names.join(", ")
            ),
        )),
    }
    if v.is_empty() {
        Ok(Accepted {
            reasons: vec![],
            decision: json!({"decision": m["decision"]}),
        })
    } else {
        Err(v)
    }
}

/// A step that takes no facts; `reasons_rule`: the outcome that must state its reasons, and
/// its rule.
fn no_inputs(
    c: &Completion,
    rule: &str,
    reasons_rule: Option<(&str, &str)>,
) -> Result<Accepted, Vec<Violation>> {
    if c.inputs.as_object().is_some_and(|m| !m.is_empty())
        || !(c.inputs.is_object() || c.inputs.is_null())
    {
        return Err(vec![violation(
            "inputs",
            rule,
            format!("step {} takes no inputs", c.step),
        )]);
    }
    if let Some((outcome, rule)) = reasons_rule
        && c.outcome == outcome
        && !given(c.reasons)
    {
        return Err(vec![violation(
            "reasons",
            rule,
            format!("the outcome {outcome} must state its reasons"),
        )]);
    }
    Ok(Accepted::default())
}

/// The outcomes of each step.
pub fn outcomes_of(step: &str) -> &'static [&'static str] {
    match step {
        "si-conclusion" | "si-analysis" => &["positive", "negative"],
        "ab-decision" => &["agree", "refuse"],
        "design-assignment" => &["submitted"],
        "da-approval" => &["approved", "returned"],
        "discussion" => &["decided"],
        _ => &[],
    }
}

/// Checks one completion of a step: the violations that refuse it, or what it adds.
pub fn check(c: &Completion) -> Result<Accepted, Vec<Violation>> {
    let outcomes = outcomes_of(c.step);
    if outcomes.is_empty() {
        return Err(vec![violation(
            "task",
            "",
            format!("the variant has no step {}", c.step),
        )]);
    }
    if !outcomes.contains(&c.outcome) {
        return Err(vec![violation(
            "outcome",
            "",
            format!(
                "step {} has no outcome {:?}: one of {}",
                c.step,
                c.outcome,
                outcomes.join(", ")
            ),
        )]);
    }
    match c.step {
        "si-conclusion" => si_conclusion(c),
        "ab-decision" => no_inputs(c, "SM-13", Some(("refuse", "SM-13.b"))),
        "design-assignment" => design_assignment(c),
        "da-approval" => no_inputs(c, "SM-42", Some(("returned", "SM-42"))),
        "si-analysis" => no_inputs(c, "SM-91.a", Some(("negative", "SM-91.b"))),
        "discussion" => discussion(c),
        _ => unreachable!("every step with outcomes is checked"),
    }
}
