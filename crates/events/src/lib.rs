//! The protobuf messages of every event that crosses a service boundary.
//!
//! Sources live in `proto/` at the workspace root; `build.rs` compiles them with protox, so no
//! `protoc` binary is needed. Every message implements [`prost::Name`], whose full name
//! (`egov.events.v1.DeadlineMissed`) is the envelope's `schema` field.

/// Version 1 of the event schemas (`package egov.events.v1`).
pub mod v1 {
    #![allow(missing_docs)]
    include!(concat!(env!("OUT_DIR"), "/egov.events.v1.rs"));
}

/// Version 1 of the messages exchanged with the monitoring IS (`package egov.monitoring.v1`).
pub mod monitoring {
    #![allow(missing_docs)]
    include!(concat!(env!("OUT_DIR"), "/egov.monitoring.v1.rs"));
}
