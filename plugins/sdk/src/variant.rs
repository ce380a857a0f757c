//! A variant described by a value: the editions of a shared procedure crate are values of one
//! type, and [`export_variant!`](crate::export_variant) exports one of them as the component's
//! `Guest`.

use crate::{Entry, Input, Metadata, Reaction, Step, Violation, violation};

/// What a procedure variant answers, for an edition value.
pub trait Variant: Sync + 'static {
    /// The variant's metadata.
    fn metadata(&self) -> Metadata;
    /// The description of its steps.
    fn steps(&self) -> Vec<Step>;
    /// The rules of a submission through `intake` that its schema cannot say.
    fn validate(&self, intake: &str, submission: &str, today: &str) -> Vec<Violation>;
    /// One input: the new state and the effects, or the violations that refuse it.
    fn react(
        &self,
        state: &str,
        input: &Input,
        entries: &[Entry],
    ) -> Result<Reaction, Vec<Violation>>;
    /// A computed decision; none by default.
    fn decide(&self, name: &str, _input: &str) -> Result<String, Vec<Violation>> {
        Err(vec![violation("name", "", format!("no decision {name:?}"))])
    }
}

/// Exports the edition value `$edition` (a [`Variant`]) as the component's variant:
/// `egov_plugin_sdk::export_variant!(EDITION);` in the edition's `cdylib` crate.
#[macro_export]
macro_rules! export_variant {
    ($edition:expr) => {
        struct ExportedVariant;

        impl $crate::Guest for ExportedVariant {
            fn metadata() -> $crate::Metadata {
                $crate::Variant::metadata(&$edition)
            }
            fn steps() -> Vec<$crate::Step> {
                $crate::Variant::steps(&$edition)
            }
            fn validate(
                intake: String,
                submission: String,
                today: String,
            ) -> Vec<$crate::Violation> {
                $crate::Variant::validate(&$edition, &intake, &submission, &today)
            }
            fn react(
                state: String,
                input: $crate::Input,
                entries: Vec<$crate::Entry>,
            ) -> Result<$crate::Reaction, Vec<$crate::Violation>> {
                $crate::Variant::react(&$edition, &state, &input, &entries)
            }
            fn decide(name: String, input: String) -> Result<String, Vec<$crate::Violation>> {
                $crate::Variant::decide(&$edition, &name, &input)
            }
        }

        $crate::export!(ExportedVariant);
    };
}
