//! The Perechen variant, edition of order 353/НҚ of 29.09.2022 (in force about 10.10.2022).

use egov_plugin_sdk::*;
use perechen::Edition;

const EDITION: Edition = Edition {
    id: "perechen-353",
    version: "1.0.0",
    title: "Inclusion in the Perechen of e-government ICI objects assigned to the operator",
    // PL-ORD-4: in force 10 calendar days after first official publication.
    effective_from: "2022-10-10",
    // Replaced by the next edition for cases submitted from its first day.
    effective_to: Some("2026-12-31"),
    legal_basis: "Order of the MDDIAI No. 353/НҚ of 29.09.2022 (reg. No. 29938), Rules for forming the Perechen",
    si_recommendation_days: 5,
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
