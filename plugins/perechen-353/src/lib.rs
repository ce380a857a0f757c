//! The Perechen variant, edition of order 353/НҚ of 29.09.2022 (in force about 10.10.2022).

use perechen::Edition;

const EDITION: Edition = Edition {
    id: "perechen-353",
    version: "1.0.0",
    title: "Inclusion in the Perechen of e-government ICI objects assigned to the operator",
    // PL-ORD-4: in force 10 calendar days after first official publication.
    effective_from: "2022-10-10",
    // In force until an act replaces it.
    effective_to: None,
    legal_basis: "Order of the MDDIAI No. 353/НҚ of 29.09.2022 (reg. No. 29938), Rules for forming the Perechen",
    si_recommendation_days: 5,
};

perechen::edition!(EDITION);
