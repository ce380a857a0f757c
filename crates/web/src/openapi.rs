//! The statuses the shared layers answer, added to every operation of a service's OpenAPI
//! document: a handler documents what it decides; what this crate and `egov-auth` decide for it
//! (the token, the roles, the `Accept`, the body's length, size and type, the idempotency key,
//! `If-Match`, storage being unavailable) is documented here, once, by the code that answers it.

use schemars::{JsonSchema, SchemaGenerator, generate::SchemaSettings};
use serde_json::{Map, Value, json};

/// Request body schemas generated from the handlers' Rust types (`schemars`), their named
/// parts kept as `#/components/schemas/...` of the document they go into.
pub struct Schemas(SchemaGenerator);

impl Default for Schemas {
    fn default() -> Self {
        let mut settings = SchemaSettings::draft2020_12();
        settings.definitions_path = "/components/schemas".into();
        settings.meta_schema = None;
        Self(settings.into_generator())
    }
}

impl Schemas {
    /// The schema of `T` (a reference to its component, or inline for the kernel's types).
    pub fn of<T: JsonSchema>(&mut self) -> Value {
        self.0.subschema_for::<T>().to_value()
    }

    /// The generator, for schemas written by hand that keep components of their own.
    pub fn generator(&mut self) -> &mut SchemaGenerator {
        &mut self.0
    }

    /// Adds the components the schemas refer to to `doc`'s `components.schemas`.
    pub fn into_document(mut self, doc: &mut Value) {
        let defs = self.0.take_definitions(true);
        if defs.is_empty() {
            return;
        }
        let schemas = doc
            .as_object_mut()
            .expect("a document")
            .entry("components")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("components is an object")
            .entry("schemas")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("components.schemas is an object");
        for (k, v) in defs {
            schemas.entry(k).or_insert(v);
        }
    }
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// Adds to each operation of `doc` the problem answers the shared layers give it; a status
/// the operation documents already is kept as it is.
pub fn complete(doc: &mut Value) {
    let Some(root) = doc.as_object_mut() else {
        return;
    };
    let components = root
        .entry("components")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("components is an object");
    components
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("components.responses is an object")
        .entry("Problem")
        .or_insert_with(|| {
            json!({"description": "RFC 9457 problem naming the field and the rule",
                   "content": {"application/problem+json": {"schema": {"type": "object"}}}})
        });
    let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in METHODS {
            if let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) {
                idempotency_key_schema(op);
                let statuses = statuses(path, method, op);
                let responses = op
                    .entry("responses")
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .expect("responses is an object");
                for s in statuses {
                    responses
                        .entry(s)
                        .or_insert_with(|| json!({"$ref": "#/components/responses/Problem"}));
                }
            }
        }
    }
}

/// An `Idempotency-Key` parameter is described by the rule [`crate::idempotency_key`]
/// enforces, whatever the handler wrote: a schema that admits a key the filter refuses would
/// be a hidden rule.
fn idempotency_key_schema(op: &mut Map<String, Value>) {
    let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    for p in params {
        if p["in"] == "header"
            && p["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case("Idempotency-Key"))
        {
            p["schema"] = json!({"type": "string", "minLength": 1, "maxLength": crate::body::MAX_IDEMPOTENCY_KEY,
                                 "pattern": crate::body::IDEMPOTENCY_KEY_PATTERN});
        }
    }
}

/// The statuses the shared layers may answer for `method path`.
fn statuses(path: &str, method: &str, op: &Map<String, Value>) -> Vec<&'static str> {
    let mut out = Vec::new();
    if path.starts_with("/api/") {
        // `Accept` without JSON (egov_web::serve).
        out.push("406");
    }
    let params = op
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let header = |name: &str| {
        params.iter().any(|p| {
            p["in"] == "header"
                && p["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    };
    if !params.is_empty() || op.contains_key("requestBody") {
        // A parameter or the body does not parse into its type.
        out.push("400");
    }
    if path.contains('{') {
        out.push("404");
    }
    if op.contains_key("security") {
        // The token (egov-auth), then the caller's roles; storage behind the operation.
        out.extend(["401", "403", "503"]);
    }
    if op.contains_key("requestBody") || matches!(method, "post" | "put") {
        // The body: its length is required, it has a limit, it is JSON.
        out.extend(["411", "413", "415"]);
    }
    if header("Idempotency-Key") {
        // The same key still running (409), or sent again with another body (422).
        out.extend(["409", "422"]);
    }
    if header("If-Match") {
        out.push("412");
    }
    out
}
