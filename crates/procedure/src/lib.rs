//! The procedure engine's model (DESIGN.md §4): a procedure variant is data.
//!
//! A [`Definition`] names its procedure kind, version, the dates it is in force and its legal
//! basis; its intake form (object kinds, fields, required documents, each with the rule id it
//! enforces); and its step graph (each step's acting role, owning service, legal term and
//! outcomes, each leading to another step or to an end). The services are the engine that runs
//! any definition; they hold no rule of their own. Definitions load from TOML files today and
//! from WebAssembly plugins next (issue #4).

mod definition;
mod registry;
mod validate;

pub use definition::{
    Definition, DefinitionError, DocumentSpec, Field, FieldType, Form, Intake, ObjectKind, Outcome,
    Step, StepTerm,
};
pub use registry::{Definitions, SelectError};
pub use validate::{DocumentRef, Submission, Violation};
