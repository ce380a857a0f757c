//! intake's OpenAPI document, with one submission path per loaded procedure variant.

use egov_procedure::{Form, IntakeForm, Registry};
use serde_json::{Value, json};

/// The document; `dev_clock`: the suite has a development clock (`egov up`, the tests).
pub(crate) fn openapi(defs: &Registry, dev_clock: bool) -> Value {
    let mut paths = serde_json::Map::new();
    for d in defs.all() {
        for intake in &d.intakes {
            let schema = match &intake.form {
                IntakeForm::Graph(form) => graph_schema(form),
                // OpenAPI 3.1 schemas are JSON Schema 2020-12: the form as the variant wrote
                // it, its `x-rule`s included.
                IntakeForm::Schema(s) => s.document.clone(),
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
    }
    paths.insert(
        "/api/v1/cases/{id}".into(),
        json!({"get": {
            "summary": "A case and its timeline (local times with offset)",
            "description": "A state body reads its own cases; the authorized body, the service integrator, the operator read any.",
            "security": [{"bearer": []}],
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
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
                            "properties": {"now": {"type": ["string", "null"], "format": "date-time"}}}}}},
                        "responses": {"200": {"description": "{now, today}"}, "400": problem, "401": problem, "403": problem,
                                      "411": problem, "413": problem, "415": problem}}
            }),
        );
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "egov intake", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": {"DocumentRef": {"type": "object", "additionalProperties": false, "required": ["kind", "reference"],
                "properties": {"kind": {"type": "string"}, "reference": {"type": "string"}, "title": {"type": "string"}}}},
            "responses": {"Problem": {"description": "RFC 9457 problem naming the field and the rule",
                "content": {"application/problem+json": {"schema": {"type": "object"}}}}}
        }
    })
}

/// The request schema of a 1.x form (object kind, text fields, documents, yes/no criteria).
fn graph_schema(form: &Form) -> Value {
    let kinds: Vec<&str> = form.kinds.iter().map(|k| k.name.as_str()).collect();
    let fields: serde_json::Map<String, Value> = form
        .fields
        .iter()
        .map(|f| {
            (
                f.name.clone(),
                json!({"type": "string", "description": format!("{} ({})", f.title, f.rule)}),
            )
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
