//! intake's OpenAPI document, with one submission path per loaded procedure variant.

use egov_kernel::{Line, Text, schema};
use egov_procedure::{Form, IntakeForm, Registry};
use egov_web::openapi::Schemas;
use jiff::civil::Date;
use serde_json::{Value, json};

/// The document; `today`: which variant's form each path shows (the one in force, where
/// several share a path); `dev_clock`: the suite has a development clock (`egov up`, the
/// tests).
pub(crate) fn openapi(defs: &Registry, today: Date, dev_clock: bool) -> Value {
    let mut paths = serde_json::Map::new();
    let mut schemas = Schemas::default();
    let all = defs.all();
    // Each path once: the form of the variant in force today, else the last one listed.
    let in_force = |d: &egov_procedure::Definition| {
        defs.select(&d.kind, today)
            .is_ok_and(|s| s.id == d.id && s.version == d.version && s.digest == d.digest)
    };
    let mut chosen: Vec<(std::sync::Arc<egov_procedure::Definition>, usize)> = Vec::new();
    for d in &all {
        for (i, intake) in d.intakes.iter().enumerate() {
            let same = chosen
                .iter()
                .position(|(c, j)| c.intakes[*j].path == intake.path);
            match same {
                None => chosen.push((d.clone(), i)),
                Some(k) if !in_force(&chosen[k].0) => chosen[k] = (d.clone(), i),
                Some(_) => {}
            }
        }
    }
    for (d, i) in &chosen {
        let intake = &d.intakes[*i];
        let schema = match &intake.form {
            IntakeForm::Graph(form) => graph_schema(form),
            // OpenAPI 3.1 schemas are JSON Schema 2020-12: the form as the variant wrote
            // it, its `x-rule`s included, with what intake checks before the variant sees
            // a submission (`check_document`, `check_lines`) written into it.
            IntakeForm::Schema(s) => {
                let mut form = s.document.clone();
                host_rules(&mut form, &mut schemas, 1);
                form
            }
        };
        let mut responses = json!({
            "201": {"description": "Recorded; the case id and its location"},
            "400": {"$ref": "#/components/responses/Problem"},
            "401": {"$ref": "#/components/responses/Problem"},
            "403": {"$ref": "#/components/responses/Problem"},
            "413": {"$ref": "#/components/responses/Problem"},
            "415": {"$ref": "#/components/responses/Problem"},
            "422": {"$ref": "#/components/responses/Problem"}
        });
        // A form whose values are taken once (`x-unique`): a second submission is a 409.
        if let IntakeForm::Schema(s) = &intake.form
            && let Ok(Some(_)) = s.unique()
        {
            responses["409"] = json!({"$ref": "#/components/responses/Problem"});
        }
        paths.insert(
            format!("/api/v1/{}", intake.path),
            json!({"post": {
                "summary": format!("Submit: {} ({})", intake.title, intake.rule),
                "description": format!("Role: {}. Variant chosen by the day of submission; this document lists {} {}.", intake.role, d.id, d.version),
                "security": [{"bearer": []}],
                "parameters": [{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 255}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": schema}}},
                "responses": responses}}),
        );
    }
    paths.insert(
        "/api/v1/cases/{id}".into(),
        json!({"get": {
            "summary": "A case and its timeline (local times with offset)",
            "description": "A state body reads its own cases; the authorized body, the service integrator, the operator read any.",
            "security": [{"bearer": []}],
            "parameters": [{"name": "id", "in": "path", "required": true, "description": "The case id (a ULID)", "schema": schema::ulid()}],
            "responses": {"200": {"description": "The case"}, "400": {"$ref": "#/components/responses/Problem"},
                          "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"},
                          "404": {"$ref": "#/components/responses/Problem"}}
        }}),
    );
    paths.insert(
        "/api/v1/procedures".into(),
        json!({"get": {
            "summary": "The procedure variants in use; for platform admins and the operator also every plugin revision's state",
            "description": "Any role. Revisions name manifest files, never server paths.",
            "security": [{"bearer": []}],
            "responses": {"200": {"description": "{variants: [...], revisions?: [...]}"},
                          "401": {"$ref": "#/components/responses/Problem"},
                          "403": {"$ref": "#/components/responses/Problem"}}
        }}),
    );
    if dev_clock {
        let problem = json!({"$ref": "#/components/responses/Problem"});
        paths.insert(
            "/api/v1/dev/clock".into(),
            json!({
                "get": {"summary": "The development suite's clock (egov up, the tests): its instant and local date. A deployment has no such route",
                        "security": [{"bearer": []}],
                        "responses": {"200": {"description": "{now, today}"}, "401": problem, "403": problem}},
                "put": {"summary": "Moves the development suite's clock (platform administrators; the demo replays months of windows this way); now: null goes back to the wall",
                        "security": [{"bearer": []}],
                        "requestBody": {"required": true, "content": {"application/json": {"schema": {
                            "type": "object", "additionalProperties": false, "required": ["now"],
                            "properties": {"now": {"type": ["string", "null"], "format": "date-time", "pattern": super::dev::YEARS_PATTERN,
                                                     "description": "An RFC 3339 instant written in the years 2000 to 2100; null: the wall clock"}}}}}},
                        "responses": {"200": {"description": "{now, today}"}, "400": problem, "401": problem, "403": problem,
                                      "411": problem, "413": problem, "415": problem}}
            }),
        );
    }
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "egov intake", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": {"DocumentRef": {"type": "object", "additionalProperties": false, "required": ["kind", "reference"],
                "properties": {"kind": schema::name(), "reference": schema::line(Line::MAX), "title": schema::line(Line::MAX)}}},
            "responses": {"Problem": {"description": "RFC 9457 problem naming the field and the rule",
                "content": {"application/problem+json": {"schema": {"type": "object"}}}}}
        }
    });
    schemas.into_document(&mut doc);
    doc
}

/// The pattern the SDK's date fields carry: such a string is also a `format: date`.
const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// Writes into a 2.x form, at `depth` (the submission is level 1), what intake checks before the
/// variant sees the submission: a string is a text, or empty (`check_document`), one line
/// where it says `"x-line": true` (`check_lines`); an object's keys are names; at most
/// `StepInputs::MAX_DEPTH` levels. A string with a pattern, `enum` or `const` of its own
/// keeps it: the variant's rule is the stricter one (digits, dates, codes).
fn host_rules(node: &mut Value, schemas: &mut Schemas, depth: usize) {
    let Some(n) = node.as_object_mut() else {
        return;
    };
    let types: Vec<String> = match n.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => vec![],
    };
    let has = |t: &str| types.iter().any(|x| x == t);
    if has("string") {
        let line = n.get("x-line") == Some(&Value::Bool(true));
        if n.get("pattern").and_then(Value::as_str) == Some(DATE_PATTERN) {
            n.insert("format".into(), json!("date"));
        }
        if !n.contains_key("pattern") && !n.contains_key("enum") && !n.contains_key("const") {
            let (pattern, max) = if line {
                (schema::line_pattern(), Line::MAX)
            } else {
                (schema::text_or_empty_pattern(), Text::MAX)
            };
            n.insert("pattern".into(), json!(pattern));
            let max = n
                .get("maxLength")
                .and_then(Value::as_u64)
                .map_or(max, |m| (m as usize).min(max));
            n.insert("maxLength".into(), json!(max));
        }
    }
    if has("object") {
        if let Some(Value::Object(props)) = n.get_mut("properties") {
            for v in props.values_mut() {
                host_rules(v, schemas, depth + 1);
            }
        }
        match n.get_mut("additionalProperties") {
            Some(Value::Bool(false)) => {}
            Some(v @ Value::Object(_)) => host_rules(v, schemas, depth + 1),
            _ => {
                let doc = egov_procedure::document_schema(schemas.generator(), depth + 1);
                n.insert("additionalProperties".into(), doc.to_value());
            }
        }
        if n.get("additionalProperties") != Some(&Value::Bool(false)) {
            n.insert("propertyNames".into(), schema::name());
        }
    }
    if has("array")
        && let Some(items) = n.get_mut("items")
    {
        host_rules(items, schemas, depth + 1);
    }
}

/// The request schema of a 1.x form (object kind, text fields, documents, yes/no criteria).
fn graph_schema(form: &Form) -> Value {
    let kinds: Vec<&str> = form.kinds.iter().map(|k| k.name.as_str()).collect();
    let fields: serde_json::Map<String, Value> = form
        .fields
        .iter()
        .map(|f| {
            (f.name.clone(), {
                let mut line = schema::line(Line::MAX);
                line["description"] = json!(format!("{} ({})", f.title, f.rule));
                line
            })
        })
        .collect();
    let criteria: serde_json::Map<String, Value> = form
        .criteria
        .iter()
        .map(|c| {
            (
                c.id.clone(),
                json!({"type": "boolean", "description": format!("{} ({})", c.text, c.rule)}),
            )
        })
        .collect();
    json!({
    "type": "object", "additionalProperties": false, "required": ["object_kind"],
    "properties": {
        "object_kind": {"type": "string", "enum": kinds},
        "fields": {"type": "object", "additionalProperties": false, "properties": fields},
        "documents": {"type": "array", "items": {"$ref": "#/components/schemas/DocumentRef"}},
        "criteria": {"type": "object", "additionalProperties": false, "properties": criteria}
    }})
}
