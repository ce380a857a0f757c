//! The life-cycle variant, edition of order 471/НҚ of 29.11.2022, which restated order No. 129 of
//! 28.01.2016 (reg. No. 13282) from 01.01.2023 as the Rules for the creation, development,
//! operation and acquisition of e-government informatization objects and ICT services, as
//! amended by order 178/НҚ of 16.05.2023. Its period is configuration: `manifest.toml`.

use lifecycle::Edition;

const EDITION: Edition = Edition {
    id: "lc-471-2023",
    version: "1.0.1",
    title: "Life cycle of e-government informatization objects (records, stages, environments and placement, warranty, acquisition) and applications to the Register of trusted software",
    manifest: include_str!("../manifest.toml"),
    legal_basis: "Order of the Acting Minister for Investments and Development No. 129 of 28.01.2016 (reg. No. 13282), Rules for the creation, development, operation and acquisition of e-government informatization objects and ICT services, as restated by order 471/НҚ of 29.11.2022 and amended by order 178/НҚ of 16.05.2023",
};

egov_plugin_sdk::export_variant!(EDITION);
