//! The documents callers hand the bridge, parsed into their types, and the rules of seed 004
//! that decide whether one may be sent at all. Pure: no I/O, no clock (the instant is given).
//!
//! A caller sends `{"message": {...}, "signature": "<base64 CMS>"}`: the document and the
//! detached CMS signature of its author over the document's RFC 8785 canonical bytes (MON-7.3,
//! MON-11.a). The signature is checked by the edge before this module parses anything.

use base64::Engine;
use egov_kernel::{Bin, Line, Name, Text};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use ulid::Ulid;

use egov_events::monitoring::{Category, MessageType};

/// The earliest instant a document may name: p.7 and p.8 of the Rules are in force from
/// 01.03.2016 (MON-ORD-5).
pub const IN_FORCE: Date = jiff::civil::date(2016, 3, 1);

/// How far ahead of the bridge's clock a sender's clock may run.
pub const CLOCK_SKEW: jiff::SignedDuration = jiff::SignedDuration::from_mins(5);

/// The largest attachment (decoded).
pub const MAX_ATTACHMENT: usize = 2 * 1024 * 1024;

/// A signed JSON body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedJson {
    /// The document.
    pub message: Value,
    /// Base64 of the detached CMS SignedData over `message` in RFC 8785 canonical JSON.
    pub signature: String,
}

/// Why a document is refused: the field, the rule and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// HTTP status: 400 for a document not of its shape, 403 for a party that may not send it,
    /// 404 for something it names that is not the caller's to see, 409 for a state that does
    /// not allow it, 422 for a rule of the law.
    pub status: u16,
    /// The JSON path of the field, from the body's root (`message.consent`).
    pub field: String,
    /// The rule id.
    pub rule: Option<&'static str>,
    /// What is wrong.
    pub detail: String,
}

impl Refused {
    fn rule(field: &str, rule: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status: 422,
            field: field.into(),
            rule: Some(rule),
            detail: detail.into(),
        }
    }
}

/// A category 1 report: the status of an application (MON-5.1, MON-8).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusReport {
    /// The message id (a ULID).
    pub id: Ulid,
    /// The application's number at the provider.
    pub application: Name,
    /// The public service's code.
    pub service: Name,
    /// The provider that accepted the application.
    pub provider: Bin,
    /// Its status (the Rules define no list of statuses: AMB-MON-9).
    pub status: Name,
    /// When the application took this status, with its offset.
    pub at: Timestamp,
    /// A note.
    #[serde(default)]
    pub comment: Option<Line>,
    /// Declares state-secret content (refused, MON-2).
    #[serde(default)]
    pub state_secret: bool,
}

/// The service recipient's written consent (MON-7.3).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// It was given in writing.
    pub written: bool,
    /// Where it is kept (its number or reference).
    pub reference: Line,
    /// The day it was given.
    pub given_on: Date,
}

/// A category 2 request for information on the documents that identify the service recipient
/// (MON-7.1), certified by the employee with the recipient's written consent (MON-7.3).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InformationRequest {
    /// The message id.
    pub id: Ulid,
    /// The provider of the service asked for.
    pub provider: Bin,
    /// The public service's code.
    pub service: Name,
    /// The service recipient: IIN or BIN.
    pub recipient: Bin,
    /// The documents whose information is needed.
    pub documents: Vec<Name>,
    /// The recipient's written consent.
    #[serde(default)]
    pub consent: Option<Consent>,
    /// Declares state-secret content (refused, MON-2).
    #[serde(default)]
    pub state_secret: bool,
}

/// An electronic copy of a document (MON-7.2).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// Its name.
    pub name: Line,
    /// Its media type, e.g. `application/pdf`.
    pub media_type: Line,
    /// Its bytes, base64.
    pub content: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
}

/// A category 3 application to the provider, with electronic copies of the documents not
/// obtained from state bodies' systems (MON-7.2, MON-5.3).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// The message id.
    pub id: Ulid,
    /// The application's number.
    pub application: Name,
    /// The public service's code.
    pub service: Name,
    /// The provider.
    pub provider: Bin,
    /// The service recipient: IIN or BIN.
    pub recipient: Bin,
    /// The application's fields.
    pub form: Value,
    /// Electronic copies of documents.
    #[serde(default)]
    pub documents: Vec<Attachment>,
    /// Declares state-secret content (refused, MON-2).
    #[serde(default)]
    pub state_secret: bool,
}

/// A category 2 "response" of a provider's IS to a "request" (MON-7.5).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// The message id.
    pub id: Ulid,
    /// The id of the "request" it answers.
    pub correlation: Ulid,
    /// The result of processing the request.
    pub result: Value,
    /// Declares state-secret content (refused, MON-2).
    #[serde(default)]
    pub state_secret: bool,
}

/// One of the documents, parsed.
#[derive(Clone, Debug)]
pub enum Document {
    /// Category 1.
    Status(StatusReport),
    /// Category 2, from an employee.
    Information(InformationRequest),
    /// Category 3.
    Application(Application),
    /// Category 2, from a provider's IS.
    Response(Response),
}

/// Which operation a body was posted to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `POST /api/v1/monitoring/status-reports`.
    StatusReport,
    /// `POST /api/v1/monitoring/information-requests`.
    InformationRequest,
    /// `POST /api/v1/monitoring/applications`.
    Application,
    /// `POST /api/v1/monitoring/responses`.
    Response,
}

impl Document {
    /// Parses `message` as the document of `op`. Unknown fields, wrong types, invalid BINs,
    /// dates and ids are a 400 naming the field.
    pub fn parse(op: Operation, message: &Value) -> Result<Self, Refused> {
        fn de<T: serde::de::DeserializeOwned>(v: &Value) -> Result<T, Refused> {
            serde_path_to_error::deserialize(v).map_err(|e| {
                let mut path = e.path().to_string();
                let detail = e.into_inner().to_string();
                // A missing member is named by the message, not the path (which stops at the
                // object that lacks it).
                if let Some(name) = detail
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split('`').next())
                {
                    path = if path == "." {
                        name.to_owned()
                    } else {
                        format!("{path}.{name}")
                    };
                }
                Refused {
                    status: 400,
                    field: if path == "." {
                        "message".into()
                    } else {
                        format!("message.{path}")
                    },
                    rule: None,
                    detail,
                }
            })
        }
        Ok(match op {
            Operation::StatusReport => Self::Status(de(message)?),
            Operation::InformationRequest => Self::Information(de(message)?),
            Operation::Application => Self::Application(de(message)?),
            Operation::Response => Self::Response(de(message)?),
        })
    }

    /// The message id.
    pub fn id(&self) -> Ulid {
        match self {
            Self::Status(d) => d.id,
            Self::Information(d) => d.id,
            Self::Application(d) => d.id,
            Self::Response(d) => d.id,
        }
    }

    /// Its type and category.
    pub fn kind(&self) -> (MessageType, Category) {
        match self {
            Self::Status(_) => (MessageType::StatusReport, Category::Status),
            Self::Information(_) => (MessageType::InformationRequest, Category::Information),
            Self::Application(_) => (MessageType::Application, Category::Application),
            Self::Response(_) => (MessageType::Response, Category::Information),
        }
    }

    /// The provider it concerns (none for a response: its request names it).
    pub fn provider(&self) -> Option<&Bin> {
        match self {
            Self::Status(d) => Some(&d.provider),
            Self::Information(d) => Some(&d.provider),
            Self::Application(d) => Some(&d.provider),
            Self::Response(_) => None,
        }
    }

    /// The correlation it answers.
    pub fn correlation(&self) -> Option<Ulid> {
        match self {
            Self::Response(d) => Some(d.correlation),
            _ => None,
        }
    }

    fn state_secret(&self) -> bool {
        match self {
            Self::Status(d) => d.state_secret,
            Self::Information(d) => d.state_secret,
            Self::Application(d) => d.state_secret,
            Self::Response(d) => d.state_secret,
        }
    }

    /// The rules of the law on the document itself, given the provider's standing (`Some(true)`
    /// when it has an IS of its own, `None` when the bridge does not know it) and the instant
    /// of receipt.
    pub fn check(&self, provider_has_is: Option<bool>, now: Timestamp) -> Result<(), Refused> {
        if self.state_secret() {
            return Err(Refused::rule(
                "message.state_secret",
                "MON-2",
                "information that constitutes state secrets is not exchanged through the monitoring IS (p.2 of the Rules)",
            ));
        }
        let known = |field: &str| match provider_has_is {
            None => Err(Refused {
                status: 422,
                field: field.into(),
                rule: Some("MON-9.b"),
                detail: "unknown destination: this provider is not configured on the bridge".into(),
            }),
            Some(has) => Ok(has),
        };
        match self {
            // Statuses go to the monitoring IS whoever the provider is (MON-5.1, MON-8).
            Self::Status(d) => plausible_instant("message.at", d.at, now)?,
            Self::Information(d) => {
                if known("message.provider")? {
                    return Err(Refused::rule(
                        "message.provider",
                        "MON-7.1",
                        "the provider has an information system of its own: requests for information are initiated in the monitoring IS only where the provider has none (p.7 sp.1)); the monitoring IS sends a \"request\" to the provider's IS instead (p.7 sp.4))",
                    ));
                }
                if d.documents.is_empty() || d.documents.len() > 50 {
                    return Err(Refused {
                        status: 400,
                        field: "message.documents".into(),
                        rule: Some("MON-7.1"),
                        detail: "name 1 to 50 documents whose information is requested".into(),
                    });
                }
                match &d.consent {
                    Some(c) if c.written => {
                        plausible_date("message.consent.given_on", c.given_on, now)?
                    }
                    _ => {
                        return Err(Refused::rule(
                            "message.consent",
                            "MON-7.3",
                            "the request is certified on the basis of the service recipient's written consent (p.7 sp.3)); without it no request is signed or sent",
                        ));
                    }
                }
            }
            // MON-7.2: filled in the monitoring IS where the provider has no IS of its own; to
            // a provider with one it goes to that IS (MON-5.3, AMB-MON-7). Either way the
            // bridge must know the provider to route it.
            Self::Application(d) => {
                known("message.provider")?;
                if !d.form.is_object() {
                    return Err(Refused {
                        status: 400,
                        field: "message.form".into(),
                        rule: None,
                        detail: "the application's fields, as a JSON object".into(),
                    });
                }
                check_json("message.form", &d.form, 0)?;
                if d.documents.len() > 20 {
                    return Err(Refused {
                        status: 400,
                        field: "message.documents".into(),
                        rule: Some("MON-7.2"),
                        detail: "at most 20 electronic copies of documents".into(),
                    });
                }
                for (i, a) in d.documents.iter().enumerate() {
                    check_attachment(&format!("message.documents[{i}]"), a)?;
                }
            }
            Self::Response(d) => {
                if !d.result.is_object() {
                    return Err(Refused {
                        status: 400,
                        field: "message.result".into(),
                        rule: Some("MON-7.5"),
                        detail: "the result of processing the request, as a JSON object".into(),
                    });
                }
                check_json("message.result", &d.result, 0)?;
            }
        }
        Ok(())
    }
}

/// An instant from the Rules' entry into force to now: a rule of the exchange as of the
/// instant of receipt (no schema can state "now"), so a 422 naming MON-ORD-5.
fn plausible_instant(field: &str, at: Timestamp, now: Timestamp) -> Result<(), Refused> {
    let earliest = egov_kernel::time::end_of_day(IN_FORCE.yesterday().expect("a date")).timestamp();
    if at < earliest || at > now + CLOCK_SKEW {
        return Err(Refused {
            status: 422,
            field: field.into(),
            rule: Some("MON-ORD-5"),
            detail: format!(
                "an instant from {} to now ({}) is expected",
                egov_kernel::time::format(earliest),
                egov_kernel::time::format(now)
            ),
        });
    }
    Ok(())
}

/// A day from the Rules' entry into force to today (a 422 naming MON-7.3, as above).
fn plausible_date(field: &str, d: Date, now: Timestamp) -> Result<(), Refused> {
    let today = egov_kernel::time::local_date(now);
    if d < IN_FORCE || d > today {
        return Err(Refused {
            status: 422,
            field: field.into(),
            rule: Some("MON-7.3"),
            detail: format!("a day from {IN_FORCE} to today ({today}) is expected"),
        });
    }
    Ok(())
}

/// Keys are names, strings texts (no control characters but line breaks), at most 8 levels.
fn check_json(field: &str, v: &Value, depth: usize) -> Result<(), Refused> {
    let bad = |detail: String| Refused {
        status: 400,
        field: field.into(),
        rule: None,
        detail,
    };
    if depth > 8 {
        return Err(bad("nested deeper than 8 levels".into()));
    }
    match v {
        Value::String(s) => {
            Text::parse(s.as_str()).map_err(|e| bad(e.to_string()))?;
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                check_json(&format!("{field}[{i}]"), x, depth + 1)?;
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                if !Name::is_valid(k) {
                    return Err(bad(format!("{k:?} is not a field name")));
                }
                check_json(&format!("{field}.{k}"), x, depth + 1)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn check_attachment(field: &str, a: &Attachment) -> Result<(), Refused> {
    let bad = |f: &str, detail: &str| Refused {
        status: 400,
        field: format!("{field}.{f}"),
        rule: Some("MON-7.2"),
        detail: detail.into(),
    };
    let mt = a.media_type.as_str();
    let ok_type = mt.split_once('/').is_some_and(|(t, s)| {
        let token = |x: &str| {
            !x.is_empty()
                && x.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
        };
        token(t) && token(s)
    });
    if !ok_type {
        return Err(bad("media_type", "a media type such as application/pdf"));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&a.content)
        .map_err(|_| bad("content", "base64 of the document's bytes"))?;
    if bytes.is_empty() || bytes.len() > MAX_ATTACHMENT {
        return Err(bad("content", "1 byte to 2 MiB"));
    }
    if !a
        .sha256
        .eq_ignore_ascii_case(&hex::encode(Sha256::digest(&bytes)))
    {
        // Of the whole document rather than its shape (no schema states a digest of another
        // field): a 422.
        return Err(Refused {
            status: 422,
            ..bad(
                "sha256",
                "the SHA-256 of the content does not match: the copy was changed or cut",
            )
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        "2026-11-30T10:00:00+05:00".parse().unwrap()
    }

    fn request(consent: Value) -> Value {
        json!({
            "id": "01JQ0000000000000000000000",
            "provider": "940740000911",
            "service": "00101001",
            "recipient": "990140000384",
            "documents": ["identity-card"],
            "consent": consent,
        })
    }

    #[test]
    fn mon_7_3_a_request_without_written_consent_is_refused() {
        for consent in [
            Value::Null,
            json!({"written": false, "reference": "C-1", "given_on": "2026-11-30"}),
        ] {
            let mut m = request(consent);
            if m["consent"].is_null() {
                m.as_object_mut().unwrap().remove("consent");
            }
            let d = Document::parse(Operation::InformationRequest, &m).unwrap();
            let r = d.check(Some(false), now()).unwrap_err();
            assert_eq!(
                (r.rule, r.field.as_str(), r.status),
                (Some("MON-7.3"), "message.consent", 422)
            );
        }
        let d = Document::parse(
            Operation::InformationRequest,
            &request(json!({"written": true, "reference": "C-1", "given_on": "2026-11-30"})),
        )
        .unwrap();
        assert_eq!(d.check(Some(false), now()), Ok(()));
        // A consent dated tomorrow is not plausible.
        let d = Document::parse(
            Operation::InformationRequest,
            &request(json!({"written": true, "reference": "C-1", "given_on": "2026-12-01"})),
        )
        .unwrap();
        let r = d.check(Some(false), now()).unwrap_err();
        assert_eq!(
            (r.field.as_str(), r.status),
            ("message.consent.given_on", 422)
        );
    }

    #[test]
    fn mon_7_1_a_request_is_initiated_only_where_the_provider_has_no_is() {
        let d = Document::parse(
            Operation::InformationRequest,
            &request(json!({"written": true, "reference": "C-1", "given_on": "2026-11-30"})),
        )
        .unwrap();
        assert_eq!(
            d.check(Some(true), now()).unwrap_err().rule,
            Some("MON-7.1")
        );
        let unknown = d.check(None, now()).unwrap_err();
        assert!(
            unknown.detail.contains("unknown destination"),
            "{unknown:?}"
        );
    }

    #[test]
    fn mon_2_state_secret_content_is_refused() {
        let m = json!({"id": "01JQ0000000000000000000000", "application": "A-1", "service": "00101001",
            "provider": "940740000911", "status": "accepted", "at": "2026-11-30T09:00:00+05:00", "state_secret": true});
        let d = Document::parse(Operation::StatusReport, &m).unwrap();
        let r = d.check(Some(false), now()).unwrap_err();
        assert_eq!(
            (r.rule, r.field.as_str()),
            (Some("MON-2"), "message.state_secret")
        );
    }

    #[test]
    fn mon_10_a_status_instant_in_the_future_or_before_the_rules_is_refused() {
        for at in ["2026-11-30T11:00:00+05:00", "2016-02-29T12:00:00+06:00"] {
            let m = json!({"id": "01JQ0000000000000000000000", "application": "A-1", "service": "00101001",
                "provider": "940740000911", "status": "accepted", "at": at});
            let d = Document::parse(Operation::StatusReport, &m).unwrap();
            assert_eq!(
                d.check(Some(false), now()).unwrap_err().field,
                "message.at",
                "{at}"
            );
        }
    }

    #[test]
    fn bad_shapes_name_their_field() {
        let m = json!({"id": "01JQ0000000000000000000000", "application": "A-1", "service": "00101001",
            "provider": "060240003411", "status": "accepted", "at": "2026-11-30T09:00:00+05:00"});
        let r = Document::parse(Operation::StatusReport, &m).unwrap_err();
        assert_eq!((r.status, r.field.as_str()), (400, "message.provider"));
        let m = json!({"id": "not-a-ulid"});
        assert_eq!(
            Document::parse(Operation::StatusReport, &m)
                .unwrap_err()
                .field,
            "message.id"
        );
        let mut m = request(Value::Null);
        m["extra"] = json!(1);
        assert_eq!(
            Document::parse(Operation::InformationRequest, &m)
                .unwrap_err()
                .status,
            400
        );
    }

    #[test]
    fn mon_7_2_an_attachment_must_match_its_digest() {
        let content = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.7");
        let good = hex::encode(Sha256::digest(b"%PDF-1.7"));
        let app = |sha: &str| {
            json!({"id": "01JQ0000000000000000000000", "application": "A-1", "service": "00101001",
                "provider": "940740000911", "recipient": "990140000384", "form": {"name": "Aigerim"},
                "documents": [{"name": "passport.pdf", "media_type": "application/pdf", "content": content, "sha256": sha}]})
        };
        let d = Document::parse(Operation::Application, &app(&good)).unwrap();
        assert_eq!(d.check(Some(false), now()), Ok(()));
        // To a provider with its own IS it goes there (AMB-MON-7); an unknown one has no route.
        assert_eq!(d.check(Some(true), now()), Ok(()));
        assert!(d.check(None, now()).is_err());
        let d = Document::parse(Operation::Application, &app(&"0".repeat(64))).unwrap();
        assert_eq!(
            d.check(Some(false), now()).unwrap_err().field,
            "message.documents[0].sha256"
        );
    }
}
