//! RFC 9457 problem details.

use std::convert::Infallible;

use serde::Serialize;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Rejection, Reply};

/// One violated rule or field constraint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The JSON path of the field, e.g. `documents[0].kind`.
    pub field: String,
    /// The rule id (README.md, "Rule ids"), when a legal rule is violated (e.g. `PL-3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// What is wrong, for a person.
    pub message: String,
}

/// A problem details object (`application/problem+json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// A URI reference identifying the problem type (`urn:egov:problem:<slug>`).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened in this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The rule id at stake, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Every violation, when validation found several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Violation>,
    /// The request id (also in the `X-Request-Id` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl warp::reject::Reject for Problem {}

impl Problem {
    /// A problem of type `slug` with `status` and `title`.
    pub fn new(status: StatusCode, slug: &str, title: &str) -> Self {
        Self {
            kind: format!("urn:egov:problem:{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: None,
            field: None,
            rule: None,
            errors: Vec::new(),
            request_id: crate::server::current_request_id(),
        }
    }

    /// With a detail.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Naming the field at fault.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Naming the rule at stake.
    pub fn rule(mut self, rule: impl Into<String>) -> Self {
        self.rule = Some(rule.into());
        self
    }

    /// 400: the request is malformed.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "The request is malformed",
        )
        .detail(detail)
    }

    /// 401: no valid credentials.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication failed",
        )
        .detail(detail)
    }

    /// 403: valid credentials without the right.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed").detail(detail)
    }

    /// 404: no such resource (or not the caller's to see).
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found").detail(detail)
    }

    /// 409: conflicts with the current state.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "conflict",
            "Conflicts with the current state",
        )
        .detail(detail)
    }

    /// 422: well-formed but breaks rules; one violation per field.
    pub fn invalid(errors: Vec<Violation>) -> Self {
        let mut p = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "The submission breaks the rules",
        );
        if let [only] = errors.as_slice() {
            p.field = Some(only.field.clone());
            p.rule.clone_from(&only.rule);
            p.detail = Some(only.message.clone());
        } else {
            p.detail = Some(format!("{} violations", errors.len()));
        }
        p.errors = errors;
        p
    }

    /// 500 with a generic text: the cause goes to the log, not to the caller.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
        )
        .detail("the request failed and changed nothing; quote the request id when reporting it")
    }

    /// 503: a dependency is down.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Temporarily unavailable",
        )
        .detail(detail)
    }

    /// The status as a `StatusCode`.
    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl Reply for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let body = serde_json::to_vec(&self).expect("a problem serializes");
        let mut resp = Response::new(body.into());
        *resp.status_mut() = status;
        let h = resp.headers_mut();
        h.insert("content-type", "application/problem+json".parse().unwrap());
        if status == StatusCode::UNAUTHORIZED {
            h.insert(
                "www-authenticate",
                r#"Bearer error="invalid_token""#.parse().unwrap(),
            );
        }
        resp
    }
}

/// A header's name as our problems write it (`Idempotency-Key`, `If-Match`): warp names it in
/// lower case.
fn header_name(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Turns any rejection into a problem reply: ours as they are, warp's into their nearest kind.
pub async fn recover(rej: Rejection) -> Result<Response, Infallible> {
    use warp::reject;
    let p = if let Some(p) = rej.find::<Problem>() {
        p.clone()
    } else if rej.is_not_found() {
        Problem::not_found("no such endpoint")
    } else if rej.find::<reject::PayloadTooLarge>().is_some() {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "The body is too large",
        )
        .field("body")
    } else if rej.find::<reject::LengthRequired>().is_some() {
        Problem::new(
            StatusCode::LENGTH_REQUIRED,
            "length-required",
            "Content-Length is required",
        )
        .field("Content-Length")
    } else if rej.find::<reject::UnsupportedMediaType>().is_some() {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "media-type",
            "Send application/json",
        )
        .field("Content-Type")
    } else if let Some(e) = rej.find::<reject::MissingHeader>() {
        Problem::bad_request(e.to_string()).field(header_name(e.name()))
    } else if let Some(e) = rej.find::<reject::InvalidHeader>() {
        Problem::bad_request(e.to_string()).field(header_name(e.name()))
    } else if let Some(e) = rej.find::<reject::InvalidQuery>() {
        Problem::bad_request(e.to_string()).field("query")
    } else if rej.find::<reject::MethodNotAllowed>().is_some() {
        Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method",
            "Method not allowed",
        )
        .detail("the Allow header lists the methods this path admits")
    } else {
        tracing::error!(?rej, "unhandled rejection");
        Problem::internal()
    };
    Ok(p.into_response())
}
