//! The tender variant, edition of order of the MDDIAI No. 101/НҚ of 31.03.2022 (reg. No. 27343
//! of 31.03.2022), which restated and added the tender points of the Rules for implementing the
//! service model of informatization (order No. 129 of 28.01.2016, reg. No. 13282): the
//! Commission (SM-36), the announcement and its window (SM-42, SM-47, SM-49), the ladder of
//! repeated tenders (SM-53-1), creation, testing and trials (SM-73..SM-83), formation and
//! commissioning (SM-85..SM-87-1) and the Catalog notification (SM-98). In force until
//! 31.12.2022: order 471/НҚ of 29.11.2022 restated order No. 129 from 01.01.2023 (AMB-X1). Its
//! period (SM-ORD-5, entry into force) is configuration: `manifest.toml` beside this crate.

use tender::{Edition, Rules};

const EDITION: Edition = Edition {
    id: "tender-2022",
    version: "1.0.1",
    title: "Tender for the supplier of an ICT service under the service model of informatization (Commission, announcement, applications, evaluation, repeated tenders), and its creation, testing, trials, formation, commissioning and inclusion in the Catalog of ICT services",
    // effective_from / effective_to, with the SM-ORD-5 arithmetic and its caveat.
    manifest: include_str!("../manifest.toml"),
    legal_basis: "Order of the MDDIAI No. 101/НҚ of 31.03.2022 (reg. No. 27343 of 31.03.2022) amending the Rules for implementing the service model of informatization (order of the Acting Minister for Investments and Development No. 129 of 28.01.2016, reg. No. 13282): p.36, 42, 47, 49, 53-1, 73, 76-1, 80-1, 82, 83, 85-87-1, 98, 103-1",
    rules: Rules::ServiceModel,
};

egov_plugin_sdk::export_variant!(EDITION);
