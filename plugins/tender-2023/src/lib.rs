//! The tender variant, edition of order 471/НҚ of 29.11.2022, which restated order No. 129 of
//! 28.01.2016 (reg. No. 13282) from 01.01.2023 as the Rules for the creation, development,
//! operation and acquisition of e-government informatization objects and ICT services, as
//! amended by order 178/НҚ of 16.05.2023: an ICT service providing software is acquired from the
//! Register of trusted software (LC-26); when the Register has none needed, by tender, its
//! documentation including the terms of reference (LC-28); the winner provides the software as
//! a service (LC-31) and initiates its inclusion in the Register (LC-32.a). The steps the LC
//! Rules do not regulate are kept from the service-model Rules as this edition's reading. Its
//! period is configuration: `manifest.toml`.

use tender::{Edition, Rules};

const EDITION: Edition = Edition {
    id: "tender-2023",
    version: "1.0.1",
    title: "Tender for creating an ICT service when the Register of trusted software has none (Register check, announcement, applications, evaluation, repeated tenders), and its creation, testing, trials, formation, commissioning and inclusion in the Catalog of ICT services",
    manifest: include_str!("../manifest.toml"),
    legal_basis: "Order of the Acting Minister for Investments and Development No. 129 of 28.01.2016 (reg. No. 13282), Rules for the creation, development, operation and acquisition of e-government informatization objects and ICT services, as restated by order 471/НҚ of 29.11.2022 and amended by order 178/НҚ of 16.05.2023: p.9, 25, 26, 28, 31, 32, 35; the tender's conduct after the service-model Rules (order 101/НҚ of 31.03.2022) as the edition's reading",
    rules: Rules::LifeCycle,
};

egov_plugin_sdk::export_variant!(EDITION);
