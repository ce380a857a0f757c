//! The Perechen procedure: inclusion of e-government ICI objects in the list assigned to the
//! operator (PL: the Rules as restated by order of the MDDIAI No. 353/НҚ of 29.09.2022).
//!
//! Editions differ in their [`Edition`]; everything else is the procedure:
//! - `form`: the application (PL-3, PL-F1), the PL-3.c declaration, the criteria of Appendix 2
//!   (PL-F3) and the portal items the SI confirms (PL-5.b);
//! - `decide`: the step checks (PL-5.b, PL-6/PL-7, PL-10) and the PL-6.a score.
//!
//! Every step that takes `inputs` has a `check` that validates them strictly (types, unknown
//! keys refused, each violation naming its rule); the other steps take none.

mod decide;
mod form;

use egov_plugin_sdk_v1::*;

pub use decide::{decide, score};
pub use form::{
    CRITERIA, CriterionText, GROUPS, HSC_PORTAL_ITEMS, IS_PORTAL_ITEMS, PortalItem, form,
    portal_items, validate,
};

/// What one edition sets.
pub struct Edition {
    pub id: &'static str,
    pub version: &'static str,
    pub title: &'static str,
    /// The edition's deployment manifest (`include_str!("../manifest.toml")`): its
    /// `effective_from` / `effective_to` are the period the edition is in force. The dates are
    /// configuration, written once in that file: the variant's metadata reads them from it, and
    /// the registry refuses a deployed manifest whose dates disagree with the artifact's.
    pub manifest: &'static str,
    pub legal_basis: &'static str,
    /// PL-5: the SI's term, in working days.
    pub si_recommendation_days: u32,
}

/// Object kinds (PL-3).
pub const IS: &str = "information-system";
/// Object kinds (PL-3).
pub const HSC: &str = "hardware-software-complex";

/// The period of a manifest: `effective_from` (required) and `effective_to` (absent: open),
/// each a quoted local date `"YYYY-MM-DD"`, read from the top-level keys (before the first
/// `[table]`). The same keys the registry reads from the deployed copy.
pub fn manifest_period(manifest: &str) -> Result<(String, Option<String>), String> {
    let (mut from, mut to) = (None, None);
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            break;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let slot = match key.trim() {
            "effective_from" => &mut from,
            "effective_to" => &mut to,
            _ => continue,
        };
        let value = value.trim();
        let date = value
            .strip_prefix('"')
            .and_then(|v| v.split_once('"'))
            .filter(|(_, rest)| rest.trim().is_empty() || rest.trim().starts_with('#'))
            .map(|(d, _)| d)
            .filter(|d| parse_date(d).is_some())
            .ok_or_else(|| format!("{} = {value}: not a quoted date \"YYYY-MM-DD\"", key.trim()))?;
        if slot.replace(date.to_owned()).is_some() {
            return Err(format!("{} is given twice", key.trim()));
        }
    }
    let from = from.ok_or("effective_from is missing")?;
    if let Some(to) = &to
        && to < &from
    {
        return Err(format!("effective_to {to} is before effective_from {from}"));
    }
    Ok((from, to))
}

/// The edition's metadata. Its period comes from the edition's manifest; a manifest without a
/// valid period yields an effective-from the host cannot read, so the revision is refused at
/// load with the reason (never a guessed date).
pub fn metadata(e: &Edition) -> Metadata {
    let (effective_from, effective_to) = manifest_period(e.manifest)
        .unwrap_or_else(|why| (format!("(invalid manifest: {why})"), None));
    Metadata {
        id: e.id.into(),
        kind: "perechen".into(),
        version: e.version.into(),
        title: e.title.into(),
        effective_from,
        effective_to,
        legal_basis: e.legal_basis.into(),
        intake: Intake {
            path: "perechen-applications".into(),
            role: "state-body".into(),
            rule: "PL-3".into(),
        },
    }
}

/// PL-4 to PL-10. Terms count from the day the acting party received the matter (AMB-X2).
pub fn steps(e: &Edition) -> Vec<Step> {
    use Unit::WorkingDays;
    vec![
        // PL-4: the AB checks the documents of p.3 (the text's "point 4" is read as point 3,
        // AMB-PL-1) and forwards them; no branch for incomplete ones is stated (AMB-PL-10).
        step(
            "ab-check",
            "Check of the documents and forwarding to the service integrator",
            "authorized-body",
            "expertise",
            "PL-4",
        )
        .term(5, WorkingDays, "receipt of the state body's application")
        .start()
        .outcome(
            outcome("forward-to-si", "Documents forwarded to the SI").next(&["si-recommendation"]),
        ),
        // PL-5.a (the recommendation: the outcome) and PL-5.b (the portal items, each
        // confirmed or not: the inputs, checked by "pl-5-recommendation").
        step(
            "si-recommendation",
            "Recommendation on compliance with the e-government architecture, and confirmation of the portal information",
            "service-integrator",
            "expertise",
            "PL-5",
        )
        .term(
            e.si_recommendation_days,
            WorkingDays,
            "receipt of the forwarded application (AMB-PL-4)",
        )
        .check("pl-5-recommendation")
        .outcome(
            outcome("complies", "Complies with the e-government architecture")
                .next(&["ab-decision"])
                .rule("PL-5.a"),
        )
        .outcome(
            outcome(
                "does-not-comply",
                "Does not comply with the e-government architecture",
            )
            .next(&["ab-decision"])
            .rule("PL-5.a"),
        ),
        // PL-7 with PL-6: the AB checks the declared criteria answers and may correct them
        // (PL-6.a, AMB-PL-13): the inputs, checked by "pl-7-decision".
        step(
            "ab-decision",
            "Decision on inclusion and notification of the state body",
            "authorized-body",
            "expertise",
            "PL-7",
        )
        .term(5, WorkingDays, "receipt of the SI recommendation")
        .check("pl-7-decision")
        .outcome(
            outcome("include", "Included in the Perechen")
                .next(&["operator-notification", "inclusion-order"])
                .status("included")
                .rule("PL-7.a"),
        )
        .outcome(
            outcome("refuse", "Inclusion refused, with reasons")
                .status("refused")
                .with_reasons()
                .rule("PL-7.b"),
        ),
        // PL-8: with the documents of points 3 and 5 (the text's "points 4 and 6", AMB-PL-3).
        step(
            "operator-notification",
            "Notification of the operator, with the documents",
            "authorized-body",
            "expertise",
            "PL-8",
        )
        .term(5, WorkingDays, "the inclusion decision (AMB-PL-8)")
        .outcome(outcome("operator-notified", "Operator notified")),
        step(
            "inclusion-order",
            "Order on the inclusion",
            "authorized-body",
            "expertise",
            "PL-9",
        )
        .term(5, WorkingDays, "the inclusion decision (AMB-PL-8)")
        .outcome(outcome("order-adopted", "Order adopted").next(&["operation-ended"])),
        // PL-10: the state body notifies the AB 10 working days after operation ends (read as
        // "within", AMB-PL-9). The end is not an event the engine sees, so this step has no
        // term of its own: the notice carries the end date and the check counts the 10 days.
        step(
            "operation-ended",
            "Notice that operation of the object has ended",
            "state-body",
            "expertise",
            "PL-10",
        )
        .check("pl-10-notice")
        .outcome(
            outcome("operation-ended", "Operation ended; exclusion requested").next(&["exclusion"]),
        ),
        // The AB's handling of the exclusion has no term in the Rules (PL-10 [GAP], AMB-PL-9).
        step(
            "exclusion",
            "Exclusion from the Perechen",
            "authorized-body",
            "expertise",
            "PL-10",
        )
        .outcome(outcome("excluded", "Excluded from the Perechen").status("excluded")),
    ]
}

/// Exports the Perechen procedure as the variant of one edition: `perechen::edition!(EDITION);`
/// in the edition's `cdylib` crate.
#[macro_export]
macro_rules! edition {
    ($edition:expr) => {
        struct Variant;

        impl egov_plugin_sdk_v1::Guest for Variant {
            fn metadata() -> egov_plugin_sdk_v1::Metadata {
                $crate::metadata(&$edition)
            }
            fn steps() -> Vec<egov_plugin_sdk_v1::Step> {
                $crate::steps(&$edition)
            }
            fn form() -> egov_plugin_sdk_v1::Form {
                $crate::form()
            }
            fn validate(submission: String, today: String) -> Vec<egov_plugin_sdk_v1::Violation> {
                $crate::validate(&submission, &today)
            }
            fn decide(
                name: String,
                input: String,
            ) -> Result<String, Vec<egov_plugin_sdk_v1::Violation>> {
                $crate::decide(&name, &input)
            }
        }

        egov_plugin_sdk_v1::export!(Variant);
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    const REAL: &str = include_str!("../../perechen-353/manifest.toml");
    const DEMO: &str = include_str!("../../perechen-demo-2027/manifest.toml");

    #[test]
    fn pl_ord_4_the_editions_take_their_period_from_their_manifests() {
        assert_eq!(manifest_period(REAL), Ok(("2022-10-10".into(), None)));
        assert_eq!(manifest_period(DEMO), Ok(("2027-01-01".into(), None)));
        let e = Edition {
            id: "x",
            version: "1.0.0",
            title: "",
            manifest: REAL,
            legal_basis: "",
            si_recommendation_days: 5,
        };
        let m = metadata(&e);
        assert_eq!(
            (m.effective_from.as_str(), m.effective_to),
            ("2022-10-10", None)
        );
    }

    #[test]
    fn pl_ord_4_a_manifest_without_a_valid_period_gives_no_date() {
        let period = |m: &str| manifest_period(m);
        assert_eq!(
            period(
                "effective_from = \"2024-01-01\" # a comment\neffective_to = \"2024-12-31\"\n[limits]\neffective_to = 1"
            ),
            Ok(("2024-01-01".into(), Some("2024-12-31".into())))
        );
        assert!(period("[limits]\neffective_from = \"2024-01-01\"").is_err());
        assert!(period("effective_from = 2024-01-01").is_err());
        assert!(period("effective_from = \"2024-02-30\"").is_err());
        assert!(
            period("effective_from = \"2024-01-01\"\neffective_from = \"2024-01-02\"").is_err()
        );
        assert!(period("effective_from = \"2024-01-02\"\neffective_to = \"2024-01-01\"").is_err());
        let e = Edition {
            id: "x",
            version: "1.0.0",
            title: "",
            manifest: "[limits]\n",
            legal_basis: "",
            si_recommendation_days: 5,
        };
        assert!(metadata(&e).effective_from.starts_with("(invalid manifest"));
    }

    #[test]
    fn amb_pl_8_the_pl_8_and_pl_9_terms_start_at_the_inclusion_decision() {
        let e = Edition {
            id: "x",
            version: "1.0.0",
            title: "",
            manifest: REAL,
            legal_basis: "",
            si_recommendation_days: 5,
        };
        let s = steps(&e);
        for id in ["operator-notification", "inclusion-order"] {
            let t = s
                .iter()
                .find(|x| x.id == id)
                .unwrap()
                .term
                .as_ref()
                .unwrap();
            assert_eq!(t.start, "the inclusion decision (AMB-PL-8)");
        }
        // Every step that takes inputs has a check that validates them.
        let checks: Vec<(&str, &str)> = s
            .iter()
            .filter_map(|x| x.check.as_deref().map(|c| (x.id.as_str(), c)))
            .collect();
        assert_eq!(
            checks,
            [
                ("si-recommendation", "pl-5-recommendation"),
                ("ab-decision", "pl-7-decision"),
                ("operation-ended", "pl-10-notice")
            ]
        );
    }
}
