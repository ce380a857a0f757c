//! The Perechen variant, edition of order 353/НҚ of 29.09.2022 (reg. No. 29938 of 30.09.2022).
//! Its period (PL-ORD-4, entry into force) is configuration: `manifest.toml` beside this crate.

use perechen::Edition;

const EDITION: Edition = Edition {
    id: "perechen-353",
    version: "2.0.0",
    title: "Inclusion in the Perechen of e-government ICI objects assigned to the operator",
    // effective_from / effective_to, with the PL-ORD-4 arithmetic and its caveat.
    manifest: include_str!("../manifest.toml"),
    legal_basis: "Order of the MDDIAI No. 353/НҚ of 29.09.2022 (reg. No. 29938), Rules for forming the Perechen",
    si_recommendation_days: 5,
};

egov_plugin_sdk::export_variant!(EDITION);
