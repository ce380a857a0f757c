//! The envelope: one event as one stream entry.

use std::collections::HashMap;

use egov_kernel::{EventId, time};
use jiff::Timestamp;
use redis::Value;

/// One event. Field names on the wire are those listed in ARCHITECTURE.md (bus).
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
    /// Unique event id (ULID); the key of idempotent handling.
    pub id: EventId,
    /// The message's short name, e.g. `DeadlineMissed` (wire field `type`).
    pub kind: String,
    /// The case (aggregate) the event belongs to, if any.
    pub case: Option<String>,
    /// The id of the first event of the chain this one belongs to.
    pub correlation: String,
    /// The id of the event that directly caused this one.
    pub causation: Option<String>,
    /// When it happened, local time with offset (RFC 3339).
    pub occurred_at: String,
    /// The service that produced it.
    pub producer: String,
    /// The protobuf full name of `data`, e.g. `egov.events.v1.DeadlineMissed`.
    pub schema: String,
    /// W3C `traceparent` of the span that produced it.
    pub traceparent: Option<String>,
    /// W3C `tracestate`.
    pub tracestate: Option<String>,
    /// The protobuf encoding of the message.
    pub data: Vec<u8>,
}

/// An entry that is not a valid envelope, or data of another schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// A required field is absent or not text.
    #[error("envelope field {0:?} is missing or not UTF-8")]
    Missing(&'static str),
    /// A field has a value of the wrong shape.
    #[error("envelope field {field:?} is invalid: {detail}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        detail: String,
    },
    /// `decode` asked for another message than the one carried.
    #[error("event carries {carried}, not {wanted}")]
    Schema {
        /// The schema in the entry.
        carried: String,
        /// The schema asked for.
        wanted: String,
    },
    /// `data` is not a valid encoding of the schema's message.
    #[error("event data does not decode as {0}: {1}")]
    Decode(String, String),
}

impl Envelope {
    /// A new event carrying `msg`, produced by `producer` at `at`, in the current trace.
    ///
    /// It starts its own correlation chain; use [`Envelope::caused_by`] for a follow-up event.
    pub fn new<M: prost::Message + prost::Name>(producer: &str, msg: &M, at: Timestamp) -> Self {
        let id = EventId::new();
        let (traceparent, tracestate) = crate::trace::current();
        Self {
            id,
            kind: M::NAME.to_owned(),
            case: None,
            correlation: id.to_string(),
            causation: None,
            occurred_at: time::format(at),
            producer: producer.to_owned(),
            schema: M::full_name(),
            traceparent,
            tracestate,
            data: msg.encode_to_vec(),
        }
    }

    /// The same event, attached to `case`.
    pub fn with_case(mut self, case: impl Into<String>) -> Self {
        self.case = Some(case.into());
        self
    }

    /// The same event, as a consequence of `cause` (same correlation, causation = cause's id).
    pub fn caused_by(mut self, cause: &Envelope) -> Self {
        self.correlation.clone_from(&cause.correlation);
        self.causation = Some(cause.id.to_string());
        self
    }

    /// Decodes `data` as `M`, checking that the entry carries `M`.
    pub fn decode<M: prost::Message + prost::Name + Default>(&self) -> Result<M, EnvelopeError> {
        if self.schema != M::full_name() {
            return Err(EnvelopeError::Schema {
                carried: self.schema.clone(),
                wanted: M::full_name(),
            });
        }
        M::decode(self.data.as_slice())
            .map_err(|e| EnvelopeError::Decode(self.schema.clone(), e.to_string()))
    }

    /// The entry's field-value pairs, as `XADD` takes them.
    pub fn fields(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut f: Vec<(&'static str, Vec<u8>)> = vec![
            ("id", self.id.to_string().into_bytes()),
            ("type", self.kind.clone().into_bytes()),
            ("correlation", self.correlation.clone().into_bytes()),
            ("occurred_at", self.occurred_at.clone().into_bytes()),
            ("producer", self.producer.clone().into_bytes()),
            ("schema", self.schema.clone().into_bytes()),
        ];
        let optional = [
            ("case", &self.case),
            ("causation", &self.causation),
            ("traceparent", &self.traceparent),
            ("tracestate", &self.tracestate),
        ];
        for (name, value) in optional {
            if let Some(v) = value {
                f.push((name, v.clone().into_bytes()));
            }
        }
        f.push(("data", self.data.clone()));
        f
    }

    /// Reads an envelope back from a stream entry's fields.
    pub fn from_fields(map: &HashMap<String, Value>) -> Result<Self, EnvelopeError> {
        let text = |name: &'static str| -> Result<Option<String>, EnvelopeError> {
            match map.get(name) {
                None | Some(Value::Nil) => Ok(None),
                Some(v) => redis::from_redis_value_ref::<String>(v)
                    .map(Some)
                    .map_err(|_| EnvelopeError::Missing(name)),
            }
        };
        let required = |name: &'static str| text(name)?.ok_or(EnvelopeError::Missing(name));
        let id = required("id")?;
        let id = id
            .parse()
            .map_err(|e: egov_kernel::IdError| EnvelopeError::Invalid {
                field: "id",
                detail: e.to_string(),
            })?;
        let occurred_at = required("occurred_at")?;
        time::parse(&occurred_at).map_err(|e| EnvelopeError::Invalid {
            field: "occurred_at",
            detail: e.to_string(),
        })?;
        let data = match map.get("data") {
            Some(v) => redis::from_redis_value_ref::<Vec<u8>>(v)
                .map_err(|_| EnvelopeError::Missing("data"))?,
            None => return Err(EnvelopeError::Missing("data")),
        };
        Ok(Self {
            id,
            kind: required("type")?,
            case: text("case")?,
            correlation: required("correlation")?,
            causation: text("causation")?,
            occurred_at,
            producer: required("producer")?,
            schema: required("schema")?,
            traceparent: text("traceparent")?,
            tracestate: text("tracestate")?,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egov_events::v1::{Deadline, DeadlineMissed};

    fn sample() -> Envelope {
        let msg = DeadlineMissed {
            deadline: Some(Deadline {
                case_id: "c1".into(),
                step: "pl-4".into(),
                ..Default::default()
            }),
        };
        Envelope::new("expertise", &msg, "2026-03-19T05:00:00Z".parse().unwrap()).with_case("c1")
    }

    #[test]
    fn fields_round_trip() {
        let env = sample();
        let map: HashMap<String, Value> = env
            .fields()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::BulkString(v)))
            .collect();
        let back = Envelope::from_fields(&map).unwrap();
        assert_eq!(back, env);
        assert_eq!(back.occurred_at, "2026-03-19T10:00:00+05:00");
        assert_eq!(back.schema, "egov.events.v1.DeadlineMissed");
        assert_eq!(back.kind, "DeadlineMissed");
        let msg: DeadlineMissed = back.decode().unwrap();
        assert_eq!(msg.deadline.unwrap().step, "pl-4");
    }

    #[test]
    fn decoding_another_schema_is_refused() {
        let env = sample();
        let err = env
            .decode::<egov_events::v1::DeadlineApproaching>()
            .unwrap_err();
        assert!(matches!(err, EnvelopeError::Schema { .. }));
    }

    #[test]
    fn missing_and_invalid_fields_are_named() {
        let mut map: HashMap<String, Value> = sample()
            .fields()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::BulkString(v)))
            .collect();
        map.insert(
            "occurred_at".into(),
            Value::BulkString(b"yesterday".to_vec()),
        );
        assert!(matches!(
            Envelope::from_fields(&map),
            Err(EnvelopeError::Invalid {
                field: "occurred_at",
                ..
            })
        ));
        map.remove("schema");
        map.insert(
            "occurred_at".into(),
            Value::BulkString(b"2026-03-19T10:00:00+05:00".to_vec()),
        );
        assert_eq!(
            Envelope::from_fields(&map),
            Err(EnvelopeError::Missing("schema"))
        );
    }
}
