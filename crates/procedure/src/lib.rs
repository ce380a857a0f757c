//! The procedure engine's model (ARCHITECTURE.md, procedure): a procedure variant is a versioned,
//! effective-dated WebAssembly plugin.
//!
//! - [`Definition`]: one loaded variant: its metadata, intake, form and step graph (read once
//!   from the plugin and checked), with `validate` and `decide` calling the plugin.
//! - [`Definitions`]: an immutable snapshot; [`Definitions::select`] picks the variant in force
//!   on a case's submission date, [`Definitions::get`] the one a case recorded.
//! - [`Registry`]: loads plugin directories (each plugin a manifest with a sha256 pin and its
//!   limits), reloads them when they change (a new revision loads beside the old one, a
//!   failed load keeps the last good one), and reports each revision's state.

mod definition;
mod definitions;
mod inputs;
mod registry;

pub use definition::{
    Admitted, CaseRef, Criterion, Definition, DefinitionError, DocumentSpec, Field, FieldType,
    Form, Intake, IntakeForm, ObjectKind, Outcome, Refusal, STEP_HOSTS, Schema, Step, StepTerm,
    Submission, UniqueKey, Violation,
};
pub use definitions::{Definitions, SelectError};
pub use egov_plugin_host::{
    Contract, Engine, EngineConfig, Export, Limits, Plugin, PluginError, wit2,
};
pub use inputs::{StepInputs, check_document, document_schema};
pub use registry::{FailureReason, Pin, Registry, RevisionState, RevisionStatus, parse_manifest};
