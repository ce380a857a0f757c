//! A DEMONSTRATION edition of the Perechen variant: version 2.1.0 of `perechen-353`, the same
//! rules with the SI's term (PL-5) at 7 working days, in force from 1 January 2027 (its
//! `manifest.toml`). No such act exists; it shows that a case follows the edition in force on
//! its submission date (AMB-X1): from 2027 the registry prefers this higher
//! version, while cases submitted before keep 2.0.0. Do not deploy it.

use perechen::Edition;

const EDITION: Edition = Edition {
    id: "perechen-353",
    version: "2.1.0",
    title: "Inclusion in the Perechen (demonstration edition, not an act in force)",
    manifest: include_str!("../manifest.toml"),
    legal_basis: "Demonstration only: order 353/НҚ with a hypothetical 7-working-day PL-5 term",
    si_recommendation_days: 7,
};

egov_plugin_sdk::export_variant!(EDITION);
