//! intake's OpenAPI document, with one submission path per loaded procedure variant.

use egov_procedure::Registry;
use serde_json::{Value, json};

pub(crate) fn openapi(defs: &Registry) -> Value {
    let mut paths = serde_json::Map::new();
    for d in defs.all() {
        let kinds: Vec<&str> = d.form.kinds.iter().map(|k| k.name.as_str()).collect();
        let fields: serde_json::Map<String, Value> = d
            .form
            .fields
            .iter()
            .map(|f| {
                (
                    f.name.clone(),
                    json!({"type": "string", "description": format!("{} ({})", f.title, f.rule)}),
                )
            })
            .collect();
        paths.insert(
            format!("/api/v1/{}", d.intake.path),
            json!({"post": {
                "summary": format!("Submit: {} ({})", d.title, d.intake.rule),
                "description": format!("Role: {}. Variant chosen by the day of submission; this document lists {} {}.", d.intake.role, d.id, d.version),
                "security": [{"bearer": []}],
                "parameters": [{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 255}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "additionalProperties": false, "required": ["object_kind"],
                    "properties": {
                        "object_kind": {"type": "string", "enum": kinds},
                        "fields": {"type": "object", "additionalProperties": false, "properties": fields},
                        "documents": {"type": "array", "items": {"$ref": "#/components/schemas/DocumentRef"}}
                    }}}}},
                "responses": {
                    "201": {"description": "Recorded; the case id and its location"},
                    "400": {"$ref": "#/components/responses/Problem"},
                    "401": {"$ref": "#/components/responses/Problem"},
                    "403": {"$ref": "#/components/responses/Problem"},
                    "413": {"$ref": "#/components/responses/Problem"},
                    "422": {"$ref": "#/components/responses/Problem"}
                }}}),
        );
    }
    paths.insert(
        "/api/v1/cases/{id}".into(),
        json!({"get": {
            "summary": "A case and its timeline (local times with offset)",
            "description": "A state body reads its own cases; the authorized body, the service integrator, the operator read any.",
            "security": [{"bearer": []}],
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The case"}, "404": {"$ref": "#/components/responses/Problem"}}
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
