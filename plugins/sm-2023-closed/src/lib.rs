//! The service-model intakes from 1 January 2023. Order 471/НҚ of 29.11.2022 restated order
//! No. 129 of 28.01.2016 (reg. No. 13282) from 01.01.2023: the Rules for implementing the
//! service model of informatization became the Rules for the creation, development, operation
//! and acquisition of e-government informatization objects and ICT services, which have no
//! automation request (AMB-X1). This edition keeps the intakes' paths so that a submission at
//! the same URL is answered, and refuses it with the rule in force: creation and development
//! are carried out on terms of reference (LC-8, LC-34), agreed under order 143/НҚ.

use service_model::Closed;

const CLOSED: Closed = Closed {
    id: "sm-2023-closed",
    version: "1.0.0",
    title: "Automation requests under the service model: not taken from 1 January 2023 (see the terms of reference)",
    manifest: include_str!("../manifest.toml"),
    legal_basis: "Order of the Acting Minister for Investments and Development No. 129 of 28.01.2016 (reg. No. 13282) as restated by order of the MDDIAI No. 471/НҚ of 29.11.2022 (in force from 01.01.2023): Rules for the creation, development, operation and acquisition of e-government informatization objects and ICT services, p.8 and p.34",
    refusal: "From 1 January 2023 automation requests and applications are no longer taken: order No. 129 of 28.01.2016, as restated by order of the MDDIAI No. 471/НҚ of 29.11.2022, replaced the Rules for implementing the service model of informatization with the Rules for the creation, development, operation and acquisition of e-government informatization objects and ICT services (Правила создания, развития, эксплуатации, приобретения объектов информатизации \"электронного правительства\", а также информационно-коммуникационных услуг), which have no automation request. Under them the creation and development of e-government informatization objects are carried out on the basis of terms of reference (LC-8, p.8: «реализуются на основании технических заданий»; for ICT services LC-34, p.34), prepared and reviewed under the Rules for preparing and reviewing terms of reference approved by order of the MDDIAI No. 143/НҚ of 29.06.2019: submit the terms of reference at POST /api/v1/terms-of-reference.",
    rule: "LC-8",
};

egov_plugin_sdk::export_variant!(CLOSED);
