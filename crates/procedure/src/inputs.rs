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
    check_at(v, &Path::Root(path), depth)
}

/// Where a value sits in a document, written out only when a value is refused (a valid
/// document, the usual case, formats no path).
pub(crate) enum Path<'a> {
    Root(&'a str),
    Member(&'a Path<'a>, &'a str),
    Item(&'a Path<'a>, usize),
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Root(p) => f.write_str(p),
            Path::Member(Path::Root(""), k) => f.write_str(k),
            Path::Member(up, k) => write!(f, "{up}.{k}"),
            Path::Item(up, i) => write!(f, "{up}[{i}]"),
        }
    }
}

fn check_at(v: &Value, path: &Path<'_>, depth: usize) -> Result<(), String> {
    if depth > StepInputs::MAX_DEPTH {
        return Err(format!(
            "{path}: nested deeper than {} levels",
            StepInputs::MAX_DEPTH
        ));
    }
    match v {
        Value::String(s) if s.is_empty() => Ok(()),
        // Checked in place: a valid document copies none of its strings.
        Value::String(s) => {
            egov_kernel::text::check_text(s, Text::MAX).map_err(|e| format!("{path}: {e}"))
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| check_at(x, &Path::Item(path, i), depth + 1)),
        Value::Object(o) => o.iter().try_for_each(|(k, x)| {
            let at = Path::Member(path, k);
            if !Name::is_valid(k) {
                Name::parse(k.as_str()).map_err(|e| format!("{at}: {e}"))?;
            }
            check_at(x, &at, depth + 1)
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
    fn a_submitted_documents_bad_value_is_named_from_its_root() {
        let doc = json!({"a": [{"b": "ok"}, {"c d": 1}], "e": ["\u{7}"]});
        assert_eq!(
            check_document(&doc, "", 1)
                .unwrap_err()
                .split_once(": ")
                .unwrap()
                .0,
            "a[1].c d"
        );
        let doc = json!([["\u{7}"]]);
        assert!(
            check_document(&doc, "", 1)
                .unwrap_err()
                .starts_with("[0][0]: ")
        );
        let doc = json!({"e": ["x", "\u{7}"]});
        assert!(
            check_document(&doc, "body", 1)
                .unwrap_err()
                .starts_with("body.e[1]: ")
        );
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
