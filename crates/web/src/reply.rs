//! A JSON reply whose parts can be stored and replayed.

use serde::Serialize;
use warp::http::StatusCode;
use warp::reply::Response;

use crate::Problem;

/// A JSON response: status, a few headers, and the body text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiResponse {
    /// The status.
    pub status: StatusCode,
    /// Extra headers (`location`, `etag`...); the content type is set from `problem`.
    pub headers: Vec<(String, String)>,
    /// JSON text.
    pub body: String,
    /// True for `application/problem+json`.
    pub problem: bool,
}

impl ApiResponse {
    /// `status` with `value` as the JSON body.
    pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: serde_json::to_string(value).expect("response bodies serialize"),
            problem: false,
        }
    }

    /// With one more header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

impl From<Problem> for ApiResponse {
    fn from(p: Problem) -> Self {
        let mut r = Self::json(p.status_code(), &p);
        r.problem = true;
        r
    }
}

impl warp::Reply for ApiResponse {
    fn into_response(self) -> Response {
        let mut resp = Response::new(self.body.into());
        *resp.status_mut() = self.status;
        let ct = if self.problem {
            "application/problem+json"
        } else {
            "application/json"
        };
        let h = resp.headers_mut();
        h.insert("content-type", ct.parse().unwrap());
        for (k, v) in self.headers {
            if let (Ok(k), Ok(v)) = (k.parse::<warp::http::HeaderName>(), v.parse()) {
                h.append(k, v);
            }
        }
        resp
    }
}
