//! The TOR variant, edition of orders 136/НҚ of 22.04.2022 and 360/НҚ of 30.09.2022: p.3 has no
//! data-structure section yet (it came with order 521/НҚ, edition `tor-143-2024`). The wording
//! of p.3 and p.9 before order 521/НҚ is not in the source; this edition assumes the same
//! content requirements of p.3 sp.1)-4) and the same scope of the SI's examination (TOR-9).
//! Its period is configuration: `manifest.toml` beside this crate.

use terms_of_reference::Edition;

const EDITION: Edition = Edition {
    id: "tor-143-2022",
    version: "1.0.0",
    title: "Examination and agreement of terms of reference for e-government informatization objects (2022 edition)",
    manifest: include_str!("../manifest.toml"),
    legal_basis: "Order of the MDDIAI No. 143/НҚ of 29.06.2019 (reg. No. 18950), Rules for preparing and reviewing terms of reference, as amended by orders 136/НҚ of 22.04.2022 and 360/НҚ of 30.09.2022",
    data_structure: None,
};

egov_plugin_sdk::export_variant!(EDITION);
