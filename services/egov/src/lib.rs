//! The `egov` binary's library: running the suite (`egov up`, `egov serve`, the end-to-end
//! tests) from one place.

pub mod demo;
pub mod suite;
