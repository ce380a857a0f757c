//! What every tender shares, whatever its edition: its public record as it changed (each
//! version one OCDS release), the question to the Register (LC-26, LC-28) and the
//! notification to the Catalog (SM-98.b).
//!
//! The tender procedure itself is a variant (`tender-2022`, `tender-2023`) on the engine: its
//! case lives at expertise like every case, its steps' tasks are served here. The variant writes
//! the tender's public record into the registry `tenders` on every change (the shape is the
//! variants' contract with this service, plugins/README.md); this service keeps each version
//! under the aggregate `tender:<case id>`, in order, exactly once per event.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The aggregate of a tender's record.
pub const TENDER: &str = "tender";
/// The aggregate of a tender's question to the Register (one per case).
pub const QUESTION: &str = "register-question";
/// The aggregate of a tender's notification to the Catalog (one per case).
pub const NOTIFICATION: &str = "catalog-notification";

/// The registry the tender variants write their public record into.
pub const RECORDS: &str = "tenders";
/// The registry of the SM-98.b notifications (one entry per formed ICT service).
pub const FOR_CATALOG: &str = "ict-services-for-catalog";
/// The slot a tender variant opens for the Register's answer (LC-26).
pub const REGISTER_CHECK: &str = "register-check";

/// Every tender, by when this service first recorded it.
pub const INDEX_TENDERS: &str = "tenders";
/// Every release of every tender (`<case id>:<n>`), by when it was recorded: the OCDS feed.
pub const INDEX_RELEASES: &str = "releases";

/// A tender's record as it changed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Tender {
    /// The tender's case.
    pub case_id: String,
    /// The variant that runs it.
    pub variant_id: String,
    /// The customer (the case's agency).
    pub customer: String,
    /// The record's key in the `tenders` registry.
    pub key: String,
    /// Every version of the record, in order (version n is release n).
    pub versions: Vec<Version>,
}

/// One version of a tender's record.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Version {
    /// The record as the variant wrote it.
    pub record: Value,
    /// When this service recorded it (RFC 3339, local offset).
    pub recorded_at: String,
}

impl Tender {
    /// The latest record.
    pub fn latest(&self) -> Option<&Value> {
        self.versions.last().map(|v| &v.record)
    }

    /// The record's status now.
    pub fn status(&self) -> &str {
        self.latest()
            .and_then(|r| r["status"].as_str())
            .unwrap_or("")
    }

    /// Release `n` (from 1) of the tender: OCDS, computed from version `n` and the one before.
    pub fn release(&self, prefix: &str, n: usize) -> Option<Value> {
        let v = self.versions.get(n.checked_sub(1)?)?;
        let previous = n
            .checked_sub(2)
            .and_then(|i| self.versions.get(i))
            .map(|p| &p.record);
        Some(crate::ocds::release(
            prefix,
            &self.case_id,
            n as u32,
            &v.record,
            previous,
        ))
    }

    /// Every release, in order.
    pub fn releases(&self, prefix: &str) -> Vec<Value> {
        (1..=self.versions.len())
            .filter_map(|n| self.release(prefix, n))
            .collect()
    }
}

/// The tender's view for its readers: the latest record and where it stands.
pub fn view(t: &Tender, prefix: &str) -> Value {
    serde_json::json!({
        "id": t.case_id,
        "ocid": crate::ocds::ocid(prefix, &t.case_id),
        "variant": t.variant_id,
        "customer": t.customer,
        "status": t.status(),
        "releases": t.versions.len(),
        "record": t.latest(),
        "links": {
            "case": format!("/api/v1/cases/{}/progress", t.case_id),
            "ocds": format!("/api/v1/tenders/{}/ocds", t.case_id),
        },
    })
}

/// The `IctServiceForCatalog` of an `ict-services-for-catalog` entry (SM-98.b), or what is
/// missing from it.
pub fn for_catalog(
    case_id: &str,
    body: &Value,
) -> Result<egov_events::v1::IctServiceForCatalog, String> {
    let text = |k: &str| -> Result<String, String> {
        body.get(k)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("{k} is missing or not text"))
    };
    Ok(egov_events::v1::IctServiceForCatalog {
        service_id: case_id.to_owned(),
        name: text("name")?,
        service_type: text("service_type")?,
        origin: text("origin")?,
        supplier: text("supplier")?,
        customer: text("customer")?,
        software_product: text("software_product")?,
        monthly_price_tenge: text("monthly_price_tenge")?,
        rental_start: text("rental_start")?,
        ownership_transfer_required: body
            .get("ownership_transfer_required")
            .and_then(Value::as_bool)
            .ok_or("ownership_transfer_required is missing or not true/false")?,
        commissioning_protocol: text("commissioning_protocol")?,
        protocol_signed_on: text("protocol_signed_on")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sm_98_b_an_entry_for_the_catalog_becomes_its_notification_or_names_what_is_missing() {
        let body = json!({"name": "ЕСЭДО", "service_type": "software", "origin": "sm-98",
            "supplier": "990140000384", "customer": "940740000911", "software_product": "СПП",
            "monthly_price_tenge": "1250000.00", "rental_start": "2026-06-01",
            "ownership_transfer_required": true, "commissioning_protocol": "П-7",
            "protocol_signed_on": "2026-05-29"});
        let n = for_catalog("01J0000000000000000000000A", &body).unwrap();
        assert_eq!(n.service_id, "01J0000000000000000000000A");
        assert!(n.ownership_transfer_required);
        let mut broken = body.clone();
        broken.as_object_mut().unwrap().remove("rental_start");
        assert_eq!(
            for_catalog("x", &broken).unwrap_err(),
            "rental_start is missing or not text"
        );
    }

    #[test]
    fn releases_follow_the_versions_of_the_record() {
        let t = Tender {
            case_id: "01J0000000000000000000000A".into(),
            versions: vec![],
            ..Default::default()
        };
        assert!(t.release("ocds-kzegov", 1).is_none());
        assert!(t.release("ocds-kzegov", 0).is_none());
        assert_eq!(t.status(), "");
    }
}
