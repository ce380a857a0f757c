//! A DEMONSTRATION edition of the Perechen variant: the same rules with the SI's term (PL-5)
//! at 7 working days, in force from 1 January 2027. No such act exists; it shows that a case
//! follows the edition in force on its submission date (AMB-X1). Do not deploy it.

use egov_plugin_sdk::*;
use perechen::Edition;

const EDITION: Edition = Edition {
    id: "perechen-2027-demo",
    version: "1.1.0",
    title: "Inclusion in the Perechen (demonstration edition, not an act in force)",
    effective_from: "2027-01-01",
    effective_to: None,
    legal_basis: "Demonstration only: order 353/НҚ with a hypothetical 7-working-day PL-5 term",
    si_recommendation_days: 7,
};

struct Variant;

impl Guest for Variant {
    fn metadata() -> Metadata {
        perechen::metadata(&EDITION)
    }
    fn steps() -> Vec<Step> {
        perechen::steps(&EDITION)
    }
    fn form() -> Form {
        perechen::form()
    }
    fn validate(submission: String, today: String) -> Vec<Violation> {
        perechen::validate(&submission, &today)
    }
    fn decide(name: String, input: String) -> Result<String, Vec<Violation>> {
        perechen::decide(&name, &input)
    }
}

export!(Variant);
