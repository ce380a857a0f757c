//! Facts an actor gives with a step's outcome (`inputs` of a completion), parsed at the
//! boundary: an object whose keys are [`Name`]s and whose strings are [`Text`] (no control
//! characters but line breaks and tabs), at most [`StepInputs::MAX_DEPTH`] levels deep. What
//! the facts mean is the variant's to check: a step takes inputs only through its `check`.

use egov_kernel::{Name, Text};
use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The inputs of one completion.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(transparent)]
pub struct StepInputs(Map<String, Value>);

impl StepInputs {
    /// How deep objects and arrays may nest.
    pub const MAX_DEPTH: usize = 8;

    /// Parses `map`, naming the first bad value by its path under `inputs`.
    pub fn parse(map: Map<String, Value>) -> Result<Self, String> {
        for (k, v) in &map {
            Name::parse(k.as_str()).map_err(|e| format!("inputs: {e}"))?;
            check_document(v, &format!("inputs.{k}"), 1)?;
        }
        Ok(Self(map))
    }

    /// Whether no fact was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The facts.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The facts, owned.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }
}

/// Checks a JSON document from outside at `path`, `depth` levels down: object keys are
/// [`Name`]s, strings are [`Text`] (no control characters but line breaks and tabs), nesting
/// is at most [`StepInputs::MAX_DEPTH`] levels. The first bad value is named by its path.
pub fn check_document(v: &Value, path: &str, depth: usize) -> Result<(), String> {
    if depth > StepInputs::MAX_DEPTH {
        return Err(format!(
            "{path}: nested deeper than {} levels",
            StepInputs::MAX_DEPTH
        ));
    }
    let child = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::String(s) if s.is_empty() => Ok(()),
        Value::String(s) => Text::parse(s.as_str())
            .map(|_| ())
            .map_err(|e| format!("{path}: {e}")),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| check_document(x, &format!("{path}[{i}]"), depth + 1)),
        Value::Object(o) => o.iter().try_for_each(|(k, x)| {
            Name::parse(k.as_str()).map_err(|e| format!("{}: {e}", child(k)))?;
            check_document(x, &child(k), depth + 1)
        }),
        _ => Ok(()),
    }
}

/// The JSON Schema of what [`check_document`] admits at `depth`: a reference to the component
/// `Document<depth>`, each level referring to the next (the deepest holds no member), the
/// components added to the generator's definitions.
pub fn document_schema(generator: &mut SchemaGenerator, depth: usize) -> Schema {
    let path = generator.settings().definitions_path.to_string();
    let reference = |d: usize| json!({"$ref": format!("#{path}/Document{d}")});
    for d in depth..=StepInputs::MAX_DEPTH {
        let name = format!("Document{d}");
        if generator.definitions().contains_key(&name) {
            continue;
        }
        let mut schema = json!({
            "description": format!("JSON at level {d} of at most {}: object keys are names, strings texts (or empty)", StepInputs::MAX_DEPTH),
            "type": ["object", "array", "string", "number", "boolean", "null"],
            "pattern": egov_kernel::schema::text_or_empty_pattern(),
            "maxLength": Text::MAX,
            "propertyNames": egov_kernel::schema::name(),
        });
        if d < StepInputs::MAX_DEPTH {
            schema["items"] = reference(d + 1);
            schema["additionalProperties"] = reference(d + 1);
        } else {
            // The deepest level holds only empty arrays and objects.
            schema["maxItems"] = json!(0);
            schema["maxProperties"] = json!(0);
        }
        generator.definitions_mut().insert(name, schema);
    }
    Schema::try_from(reference(depth)).expect("an object")
}

impl JsonSchema for StepInputs {
    fn schema_name() -> Cow<'static, str> {
        "StepInputs".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let value = document_schema(generator, 1).to_value();
        Schema::try_from(json!({
            "type": "object",
            "description": "Facts given with the outcome, checked by the variant",
            "propertyNames": egov_kernel::schema::name(),
            "additionalProperties": value,
        }))
        .expect("an object")
    }
}

impl<'de> Deserialize<'de> for StepInputs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(Map::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<StepInputs, String> {
        StepInputs::parse(v.as_object().unwrap().clone())
    }

    #[test]
    fn control_characters_and_bad_keys_are_named_by_path() {
        let e = parse(json!({"portal": {"items": ["ok", "bad\u{1b}[2J"]}})).unwrap_err();
        assert!(e.starts_with("inputs.portal.items[1]:"), "{e}");
        let e = parse(json!({"a}b": true})).unwrap_err();
        assert!(e.starts_with("inputs:"), "{e}");
        assert!(parse(json!({"note": "line one\nline two", "n": 3, "ok": true})).is_ok());
    }

    #[test]
    fn nesting_is_bounded() {
        let mut v = json!(true);
        for _ in 0..StepInputs::MAX_DEPTH {
            v = json!([v]);
        }
        assert!(parse(json!({ "deep": v })).is_err());
    }
}
