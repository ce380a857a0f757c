//! expertise's HTTP API: the cases' API (`egov-cases`) for the steps expertise owns.

use serde_json::{Value, json};

pub(crate) fn openapi() -> Value {
    egov_cases::openapi(crate::NAME, env!("CARGO_PKG_VERSION"), json!({}))
}
