//! expertise's OpenAPI document.

use serde_json::{Value, json};

pub(crate) fn openapi() -> Value {
    let problem = json!({"$ref": "#/components/responses/Problem"});
    json!({
        "openapi": "3.1.0",
        "info": {"title": "egov expertise", "version": env!("CARGO_PKG_VERSION")},
        "paths": {
            "/api/v1/tasks": {"get": {
                "summary": "Open tasks of the caller's roles, with due date, working days left and overdue flag",
                "security": [{"bearer": []}],
                "responses": {"200": {"description": "{items: [task]}"}, "401": problem, "403": problem}}},
            "/api/v1/tasks/{id}": {"get": {
                "summary": "One task; ETag for If-Match on the decision",
                "security": [{"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The task"}, "404": problem}}},
            "/api/v1/tasks/{id}/complete": {"post": {
                "summary": "Complete a step with one of its outcomes (reasons where the outcome requires them)",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "If-Match", "in": "header", "schema": {"type": "string"}},
                    {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 255}}
                ],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "additionalProperties": false, "required": ["outcome"],
                    "properties": {"outcome": {"type": "string"}, "note": {"type": "string"},
                                   "reasons": {"type": "array", "items": {"type": "string"}}}}}}},
                "responses": {"200": {"description": "The completed task"}, "404": problem,
                              "409": problem, "412": problem, "422": problem}}}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "responses": {"Problem": {"description": "RFC 9457 problem naming the field and the rule",
                "content": {"application/problem+json": {"schema": {"type": "object"}}}}}
        }
    })
}
