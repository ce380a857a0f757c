//! The OpenAPI paths of the cases' API, as every step-hosting service documents them.

use serde_json::{Value, json};

/// The OpenAPI document of `service` (its `version`): the cases' API and `more` paths of its
/// own.
pub fn document(service: &str, version: &str, more: Value) -> Value {
    let mut paths = paths();
    if let (Some(all), Value::Object(more)) = (paths.as_object_mut(), more) {
        all.extend(more);
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": format!("egov {service}"), "version": version},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "responses": {"Problem": {"description": "RFC 9457 problem naming the field and the rule",
                "content": {"application/problem+json": {"schema": {"type": "object"}}}}}
        }
    })
}

/// The cases' API: worklist, task and completion (the host's own steps), slot input and view,
/// progress.
fn paths() -> Value {
    let problem = json!({"$ref": "#/components/responses/Problem"});
    json!({
        "/api/v1/tasks": {"get": {
                "summary": "Open tasks of the caller's parties (each role, and each role for the caller's agency) in the steps this service owns, soonest end of term first, with due date, working days left and overdue flag",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
                    {"name": "after", "in": "query", "description": "The `next` cursor of the previous page", "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "{items: [task], next: cursor or null}"}, "400": problem, "401": problem, "403": problem}}},
        "/api/v1/tasks/{id}": {"get": {
                "summary": "One task; ETag (its case's version) for If-Match on the decision",
                "security": [{"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "description": "<case id>.<step>[~<round>]",
                                "schema": {"type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}\\.[A-Za-z0-9][A-Za-z0-9._-]{0,63}(~[1-9][0-9]*)?$"}}],
                "responses": {"200": {"description": "The task"}, "400": problem, "404": problem, "421": problem}}},
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
                    "properties": {"outcome": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
                                   "note": {"type": "string", "maxLength": 20000},
                                   "reasons": {"type": "array", "items": {"type": "string", "maxLength": 2000}},
                                   "inputs": {"type": "object", "description": "Facts for the step's check (a step without one takes none)"}}}}}},
                "responses": {"200": {"description": "The completed task"}, "400": problem, "404": problem, "421": problem,
                              "409": problem, "411": problem, "412": problem, "413": problem, "415": problem,
                              "422": problem, "503": problem}}},
        "/api/v1/cases/{id}/inputs/{slot}": {
                "post": {
                    "summary": "Input into an open slot of a case, by the slot's party; recorded with the sha256 of its bytes as sent. A sealed slot shows only digests and the count until the variant unseals it",
                    "security": [{"bearer": []}],
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "slot", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"}},
                        {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 255}}
                    ],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "maxProperties": 200}}}},
                    "responses": {"201": {"description": "The receipt: {receipt: {case_id, slot, seq, digest (sha256 of the bytes as sent), received_at, by}, closes_at}"},
                                  "400": problem, "401": problem, "403": problem, "404": problem,
                                  "409": {"description": "The slot is closed, or its window closed at the instant the problem names (nothing was recorded)",
                                          "content": {"application/problem+json": {"schema": {"type": "object"}}}},
                                  "411": problem, "413": problem, "415": problem, "422": problem, "503": problem}},
                "get": {
                    "summary": "The slot as the caller sees it: a giver its own inputs; the case's readers digests and the count while sealed, every input once unsealed",
                    "security": [{"bearer": []}],
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "slot", "in": "path", "required": true, "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"description": "The slot"}, "400": problem, "404": problem}}},
        "/api/v1/cases/{id}/inputs/{slot}/{seq}": {
                "put": {
                    "summary": "The giver replaces its own input `seq` before the slot closes: the new input takes the next number, `seq` no longer counts and its body is dropped",
                    "security": [{"bearer": []}],
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "slot", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"}},
                        {"name": "seq", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,8}$"}},
                        {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 255}}
                    ],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "maxProperties": 200}}}},
                    "responses": {"201": {"description": "The receipt of the new input, naming the one it replaces"}, "400": problem, "401": problem,
                                  "403": problem, "404": problem, "409": problem, "411": problem, "413": problem, "415": problem,
                                  "422": problem, "503": problem}},
                "delete": {
                    "summary": "The giver withdraws its own input `seq` before the slot closes: it no longer counts and its body is dropped",
                    "security": [{"bearer": []}],
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "slot", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"}},
                        {"name": "seq", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,8}$"}}
                    ],
                    "responses": {"200": {"description": "The receipt of the withdrawal"}, "400": problem, "401": problem, "403": problem,
                                  "404": problem, "409": problem, "503": problem}}},
        "/api/v1/cases/{id}/progress": {"get": {
                "summary": "The case on the engine: status, tasks, timers, slots and the registry entries it wrote (its state body and examiners)",
                "security": [{"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The case's progress"}, "400": problem, "404": problem}}}
    })
}
