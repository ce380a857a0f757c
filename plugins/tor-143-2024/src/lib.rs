//! The TOR variant, edition of orders 521/НҚ of 28.08.2024 and 237/НҚ of 20.05.2025: p.3 requires
//! the description of the data structure with the data master (TOR-3.c). The source has p.3 only
//! as amended by 237/НҚ (citing Government decree No. 925 of 07.11.2024); this edition applies
//! that wording from order 521/НҚ's entry into force, the requirement (the data structure and the
//! data master) being the same. Its period is configuration: `manifest.toml`.

use terms_of_reference::Edition;

const EDITION: Edition = Edition {
    id: "tor-143-2024",
    version: "1.0.0",
    title: "Examination and agreement of terms of reference for e-government informatization objects",
    manifest: include_str!("../manifest.toml"),
    legal_basis: "Order of the MDDIAI No. 143/НҚ of 29.06.2019 (reg. No. 18950), Rules for preparing and reviewing terms of reference, as amended by orders 136/НҚ, 360/НҚ, 521/НҚ of 28.08.2024 and 237/НҚ of 20.05.2025",
    data_structure: Some(
        "Техникалық тапсырмада Қазақстан Республикасы Үкіметінің 2024 жылғы 7 қарашадағы № 925 қаулысымен бекітілген Деректерді басқару жөніндегі талаптарға 1-қосымшаның 3-тармағына сәйкес жүйедегі деректер құрылымының сипаттамасы деректер шебері туралы мәліметтер көрсетіле отырып толтырылады (the TOR is filled in with the description of the data structure in the system under point 3 of Appendix 1 to the Data Management Requirements approved by Government decree No. 925 of 07.11.2024, stating information about the data master)",
    ),
};

egov_plugin_sdk::export_variant!(EDITION);
