//! The service-model variant, edition of order of the MDDIAI No. 101/НҚ of 31.03.2022 (reg.
//! No. 27343 of 31.03.2022), which amended the Rules for implementing the service model of
//! informatization (order No. 129 of 28.01.2016, reg. No. 13282). In force until 31.12.2022:
//! order 471/НҚ of 29.11.2022 restated order No. 129 from 01.01.2023 (AMB-X1). Its period
//! (SM-ORD-5, entry into force) is configuration: `manifest.toml` beside this crate.

use service_model::Edition;

const EDITION: Edition = Edition {
    id: "sm-101-2022",
    version: "1.1.0",
    title: "Automation of a state body's activity under the service model of informatization: request, conclusion, decision, design assignment; development of an ICT service",
    // effective_from / effective_to, with the SM-ORD-5 arithmetic and its caveat.
    manifest: include_str!("../manifest.toml"),
    legal_basis: "Order of the MDDIAI No. 101/НҚ of 31.03.2022 (reg. No. 27343 of 31.03.2022) amending the Rules for implementing the service model of informatization (order of the Acting Minister for Investments and Development No. 129 of 28.01.2016, reg. No. 13282)",
    // SM-11: no term in the Rules (p.12 excluded); a service level (AMB-SM-3), by analogy with
    // the SI's 15 working days of SM-91.
    si_conclusion_days: 15,
};

egov_plugin_sdk::export_variant!(EDITION);
