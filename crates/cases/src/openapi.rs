//! The OpenAPI paths of the cases' API, as every step-hosting service documents them.

use egov_kernel::schema;
use egov_web::openapi::Schemas;
use serde_json::{Value, json};

/// The OpenAPI document of `service` (its `version`): the cases' API and `more` paths of its
/// own.
pub fn document(service: &str, version: &str, more: Value) -> Value {
    let mut schemas = Schemas::default();
    let mut paths = paths(&mut schemas);
    if let (Some(all), Value::Object(more)) = (paths.as_object_mut(), more) {
        all.extend(more);
    }
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": format!("egov {service}"), "version": version},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "responses": {"Problem": {"description": "RFC 9457 problem naming the field and the rule",
                "content": {"application/problem+json": {"schema": {"type": "object"}}}}}
        }
    });
    schemas.into_document(&mut doc);
    doc
}

/// The `after` cursor of a worklist: the score and the task id of the last item.
pub fn task_cursor() -> Value {
    let mut s = egov_web::cursor::schema(&schema::TASK_ID[1..schema::TASK_ID.len() - 1]);
    s["description"] = json!("The `next` cursor of the previous page: <score>~<task id>");
    s
}

/// The cases' API: worklist, task and completion (the host's own steps), slot input and view,
/// progress.
fn paths(schemas: &mut Schemas) -> Value {
    let problem = json!({"$ref": "#/components/responses/Problem"});
    let id = json!({"name": "id", "in": "path", "required": true, "description": "The case id (a ULID)", "schema": schema::ulid()});
    let slot = json!({"name": "slot", "in": "path", "required": true, "description": "The slot's name", "schema": schema::name()});
    let seq = json!({"name": "seq", "in": "path", "required": true, "description": "The input's number in the slot (1, 2, ...)",
                     "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,8}$"}});
    let task = json!({"name": "id", "in": "path", "required": true, "description": "<case id>.<step>[~<round>]", "schema": schema::task_id()});
    let idempotency =
        json!({"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}});
    let completion = schemas.of::<crate::tasks::Completion>();
    // An input is a JSON object: names for keys, texts (or empty) for strings, at most eight
    // levels with the object itself (`check_document`).
    let input = json!({"type": "object", "propertyNames": schema::name(),
                       "additionalProperties": egov_procedure::document_schema(schemas.generator(), 2).to_value()});
    json!({
        "/api/v1/tasks": {"get": {
                "summary": "Open tasks of the caller's parties (each role, and each role for the caller's agency) in the steps this service owns, soonest end of term first, with due date, working days left and overdue flag",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
                    {"name": "after", "in": "query", "description": "The `next` cursor of the previous page", "schema": task_cursor()}
                ],
                "responses": {"200": {"description": "{items: [task], next: cursor or null}"}}}},
        "/api/v1/tasks/{id}": {"get": {
                "summary": "One task; ETag (its case's version) for If-Match on the decision",
                "security": [{"bearer": []}],
                "parameters": [task],
                "responses": {"200": {"description": "The task"},
                              "421": {"description": "The task is another service's: the problem names it",
                                      "content": {"application/problem+json": {"schema": {"type": "object"}}}}}}},
        "/api/v1/tasks/{id}/complete": {"post": {
                "summary": "Complete a step with one of its outcomes (reasons where the outcome requires them)",
                "security": [{"bearer": []}],
                "parameters": [
                    task,
                    {"name": "If-Match", "in": "header", "description": "The task's ETag: its case's version", "schema": {"type": "string"}},
                    idempotency
                ],
                "requestBody": {"required": true, "content": {"application/json": {"schema": completion}}},
                "responses": {"200": {"description": "The completed task"},
                              "409": {"description": "The task was completed or withdrawn already, or the same Idempotency-Key is still running",
                                      "content": {"application/problem+json": {"schema": {"type": "object"}}}},
                              "421": problem, "422": problem}}},
        "/api/v1/cases/{id}/inputs/{slot}": {
                "post": {
                    "summary": "Input into an open slot of a case, by the slot's party; recorded with the sha256 of its bytes as sent. A sealed slot shows only digests and the count until the variant unseals it",
                    "security": [{"bearer": []}],
                    "parameters": [id, slot, idempotency],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": input}}},
                    "responses": {"201": {"description": "The receipt: {receipt: {case_id, slot, seq, digest (sha256 of the bytes as sent), received_at, by}, closes_at}"},
                                  "409": {"description": "The slot is closed, or its window closed at the instant the problem names (nothing was recorded)",
                                          "content": {"application/problem+json": {"schema": {"type": "object"}}}},
                                  "422": problem}},
                "get": {
                    "summary": "The slot as the caller sees it: a giver its own inputs; the case's readers digests and the count while sealed, every input once unsealed",
                    "security": [{"bearer": []}],
                    "parameters": [id, slot],
                    "responses": {"200": {"description": "The slot"}}}},
        "/api/v1/cases/{id}/inputs/{slot}/{seq}": {
                "put": {
                    "summary": "The giver replaces its own input `seq` before the slot closes: the new input takes the next number, `seq` no longer counts and its body is dropped",
                    "security": [{"bearer": []}],
                    "parameters": [id, slot, seq, idempotency],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": input}}},
                    "responses": {"201": {"description": "The receipt of the new input, naming the one it replaces"}, "409": problem, "422": problem}},
                "delete": {
                    "summary": "The giver withdraws its own input `seq` before the slot closes: it no longer counts and its body is dropped",
                    "security": [{"bearer": []}],
                    "parameters": [id, slot, seq],
                    "responses": {"200": {"description": "The receipt of the withdrawal"}, "409": problem}}},
        "/api/v1/cases/{id}/progress": {"get": {
                "summary": "The case on the engine: status, tasks, timers, slots and the registry entries it wrote (its state body and examiners)",
                "security": [{"bearer": []}],
                "parameters": [id],
                "responses": {"200": {"description": "The case's progress"}}}}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema of `pointer` in the document, with the document's components beside it.
    fn validator(doc: &Value, pointer: &str) -> jsonschema::Validator {
        let mut schema = doc.pointer(pointer).expect("a schema").clone();
        schema["components"] = doc["components"].clone();
        jsonschema::draft202012::new(&schema).expect("a valid schema")
    }

    fn nested(levels: usize) -> Value {
        (0..levels).fold(json!("x"), |v, _| json!([v]))
    }

    /// The completion body's schema is generated from `Completion`; this holds the two together:
    /// each body is valid by the schema exactly when it deserializes.
    #[test]
    fn the_completion_schema_admits_what_the_handler_reads() {
        let doc = document("expertise", "0", json!({}));
        let schema = validator(
            &doc,
            "/paths/~1api~1v1~1tasks~1{id}~1complete/post/requestBody/content/application~1json/schema",
        );
        for body in [
            json!({"outcome": "forward-to-si"}),
            json!({"outcome": ""}),
            json!({"outcome": "a b"}),
            json!({"outcome": "ok", "note": "two\nlines"}),
            json!({"outcome": "ok", "note": " \t "}),
            json!({"outcome": "ok", "note": null}),
            json!({"outcome": "ok", "reasons": ["one", "two"]}),
            json!({"outcome": "ok", "reasons": ["line\nbreak"]}),
            json!({"outcome": "ok", "reasons": [""]}),
            json!({"outcome": "ok", "inputs": {"portal_items": {"1": true, "2": "yes"}}}),
            json!({"outcome": "ok", "inputs": {"bad key": 1}}),
            json!({"outcome": "ok", "inputs": {"k": ""}}),
            json!({"outcome": "ok", "inputs": {"k": "\u{1b}[2J"}}),
            json!({"outcome": "ok", "inputs": {"k": nested(7)}}),
            json!({"outcome": "ok", "inputs": {"k": nested(8)}}),
            json!({"outcome": "ok", "inputs": {"k": (0..7).fold(json!([]), |v, _| json!([v]))}}),
            json!({"outcome": "ok", "other": 1}),
            json!({"note": "no outcome"}),
        ] {
            let read = serde_json::from_value::<crate::tasks::Completion>(body.clone()).is_ok();
            assert_eq!(schema.is_valid(&body), read, "{body}");
        }
    }

    /// An input into a slot: an object of names, texts (or empty), at most eight levels.
    #[test]
    fn the_input_schema_admits_what_check_document_does() {
        let doc = document("tender", "0", json!({}));
        let schema = validator(
            &doc,
            "/paths/~1api~1v1~1cases~1{id}~1inputs~1{slot}/post/requestBody/content/application~1json/schema",
        );
        for body in [
            json!({"price": "100.50", "items": [{"a": 1}]}),
            json!({"price": ""}),
            json!({"price": " "}),
            json!({"bad key": 1}),
            json!({"k": nested(6)}),
            json!({"k": nested(7)}),
            json!({"k": (0..6).fold(json!({}), |v, _| json!({"a": v}))}),
            json!({"k": (0..7).fold(json!({}), |v, _| json!({"a": v}))}),
        ] {
            let read = egov_procedure::check_document(&body, "", 1).is_ok();
            assert_eq!(schema.is_valid(&body), read, "{body}");
        }
    }
}
