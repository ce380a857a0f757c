//! The Catalog of ICT services: an entry per formed ICT service, from the SI's notification of
//! SM-98.b (or the operator's own service, SM-88, LC-30.c), with the dates the three-year rules
//! compute (SM-103-1, SM-103-2). The pure core: the notification parsed into its types, and the
//! dates.

use egov_events::v1::IctServiceForCatalog;
use egov_kernel::Bin;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The aggregate kind of a Catalog entry.
pub const ICT_SERVICE: &str = "ict-service";
/// The Catalog's listing, scored by the rental start (epoch days).
pub const CATALOG: &str = "ict-services";
/// How long before a three-year date the entry shows its alert.
pub const ALERT_DAYS: i64 = 90;

/// LC-25: the three types of ICT service, in the words of p.25 of the Rules.
pub const TYPES: [(&str, &str); 3] = [
    (
        "infrastructure",
        "услуга по предоставлению информационно-коммуникационной инфраструктуры (provision of ICT infrastructure)",
    ),
    (
        "software",
        "услуга по предоставлению программного обеспечения (provision of software)",
    ),
    (
        "technological-platform",
        "услуга по предоставлению технологической платформы (provision of a technological platform)",
    ),
];

/// A Catalog entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IctService {
    pub id: String,
    pub name: String,
    /// LC-25.
    pub service_type: String,
    /// `sm-98` or `operator`.
    pub origin: String,
    pub supplier: String,
    pub customer: String,
    pub software_product: String,
    /// The monthly rental in tiyn (1/100 tenge).
    pub monthly_price_tiyn: i64,
    pub rental_start: Date,
    pub ownership_transfer_required: bool,
    pub commissioning_protocol: String,
    pub protocol_signed_on: Date,
    /// Three years of rental (AMB-SM-18: counted from the rental's start, the commissioning).
    pub three_years_on: Date,
}

impl IctService {
    /// The notification this entry holds (SM-98.b), as the tender service sent it.
    pub fn notification(&self) -> IctServiceForCatalog {
        IctServiceForCatalog {
            service_id: self.id.clone(),
            name: self.name.clone(),
            service_type: self.service_type.clone(),
            origin: self.origin.clone(),
            supplier: self.supplier.clone(),
            customer: self.customer.clone(),
            software_product: self.software_product.clone(),
            monthly_price_tenge: format!(
                "{}.{:02}",
                self.monthly_price_tiyn / 100,
                self.monthly_price_tiyn % 100
            ),
            rental_start: self.rental_start.to_string(),
            ownership_transfer_required: self.ownership_transfer_required,
            commissioning_protocol: self.commissioning_protocol.clone(),
            protocol_signed_on: self.protocol_signed_on.to_string(),
        }
    }
}

/// A field of the notification that breaks a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub field: &'static str,
    pub rule: &'static str,
    pub message: String,
}

fn fault(field: &'static str, rule: &'static str, message: impl Into<String>) -> Fault {
    Fault {
        field,
        rule,
        message: message.into(),
    }
}

/// Tenge with up to two decimals, as tiyn; positive and below a trillion tenge.
pub fn parse_tenge(s: &str) -> Option<i64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty()
        || whole.len() > 12
        || frac.len() > 2
        || !whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let tiyn = whole.parse::<i64>().ok()? * 100 + format!("{frac:0<2}").parse::<i64>().ok()?;
    (tiyn > 0).then_some(tiyn)
}

/// The first day the Rules of order 129 (28.01.2016) could see a commissioning protocol.
const EARLIEST: Date = jiff::civil::date(2016, 1, 28);

/// The Catalog entry a notification makes, checked field by field; `today` bounds its dates.
pub fn from_notification(n: &IctServiceForCatalog, today: Date) -> Result<IctService, Vec<Fault>> {
    let mut faults = Vec::new();
    let id = match n.service_id.parse::<egov_kernel::CaseId>() {
        Ok(id) => id.to_string(),
        Err(e) => {
            faults.push(fault("service_id", "SM-98.b", format!("not an id: {e}")));
            String::new()
        }
    };
    let text =
        |field: &'static str, v: &str, faults: &mut Vec<Fault>| match egov_kernel::Line::parse(
            v.trim(),
        ) {
            Ok(l) if !l.as_str().is_empty() && l.as_str().len() <= 1000 => l.as_str().to_owned(),
            _ => {
                faults.push(fault(field, "SM-98.b", "one line of 1 to 1000 characters"));
                String::new()
            }
        };
    let name = text("name", &n.name, &mut faults);
    let software_product = text("software_product", &n.software_product, &mut faults);
    let commissioning_protocol = text(
        "commissioning_protocol",
        &n.commissioning_protocol,
        &mut faults,
    );
    if !TYPES.iter().any(|(t, _)| *t == n.service_type) {
        faults.push(fault(
            "service_type",
            "LC-25",
            format!(
                "one of the three types of p.25: {}",
                TYPES
                    .iter()
                    .map(|(t, d)| format!("{t} ({d})"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ));
    }
    if n.origin != "sm-98" && n.origin != "operator" {
        faults.push(fault(
            "origin",
            "SM-98.b",
            "sm-98 or operator (SM-88, LC-30.c)",
        ));
    }
    let mut bin = |field: &'static str, v: &str| match Bin::parse(v) {
        Ok(b) => b.to_string(),
        Err(e) => {
            faults.push(fault(field, "SM-98.b", e.to_string()));
            String::new()
        }
    };
    let supplier = bin("supplier", &n.supplier);
    let customer = bin("customer", &n.customer);
    let monthly_price_tiyn = parse_tenge(&n.monthly_price_tenge).unwrap_or_else(|| {
        faults.push(fault(
            "monthly_price_tenge",
            "SM-103-2",
            "a positive amount of tenge with up to two decimals",
        ));
        0
    });
    let latest = today.checked_add(1.year()).unwrap_or(today);
    let mut day = |field: &'static str, rule: &'static str, v: &str| match v.parse::<Date>() {
        Ok(d) if (EARLIEST..=latest).contains(&d) => Some(d),
        Ok(d) => {
            faults.push(fault(
                field,
                rule,
                format!("{d} is outside {EARLIEST} to {latest}"),
            ));
            None
        }
        Err(e) => {
            faults.push(fault(field, rule, format!("not a date YYYY-MM-DD: {e}")));
            None
        }
    };
    let rental_start = day("rental_start", "SM-86", &n.rental_start);
    let protocol_signed_on = day("protocol_signed_on", "SM-98.a", &n.protocol_signed_on);
    if let (Some(r), Some(p)) = (rental_start, protocol_signed_on)
        && r < p
    {
        faults.push(fault(
            "rental_start",
            "SM-86",
            format!("the rental starts with the commissioning, not before its protocol of {p}"),
        ));
    }
    match (faults.is_empty(), rental_start, protocol_signed_on) {
        (true, Some(rental_start), Some(protocol_signed_on)) => Ok(IctService {
            three_years_on: three_years_on(rental_start),
            id,
            name,
            service_type: n.service_type.clone(),
            origin: n.origin.clone(),
            supplier,
            customer,
            software_product,
            monthly_price_tiyn,
            rental_start,
            ownership_transfer_required: n.ownership_transfer_required,
            commissioning_protocol,
            protocol_signed_on,
        }),
        _ => Err(faults),
    }
}

/// SM-103-1, SM-103-2: the day three years of rental have passed (AMB-SM-18: from the start of
/// the rental). A rental started on 29 February reaches its third year on 28 February.
pub fn three_years_on(rental_start: Date) -> Date {
    rental_start.saturating_add(3.years())
}

/// A three-year date as the entry shows it on `today`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Milestone {
    pub rule: &'static str,
    pub what: &'static str,
    pub on: Date,
    /// Calendar days from `today` to `on` (negative once passed).
    pub days_left: i64,
    /// Within [`ALERT_DAYS`] of the date and not past it.
    pub alert: bool,
    pub passed: bool,
}

/// The index of the alerts still to emit, scored by when each is due (epoch milliseconds);
/// members are [`alert_member`]s.
pub const ALERTS: &str = "ict-alerts";

/// An alert: "approaching" [`ALERT_DAYS`] before a three-year date, or "due" on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    pub service_id: String,
    pub rule: String,
    pub kind: String,
}

/// The member of [`ALERTS`] that stands for `a`.
pub fn alert_member(a: &Alert) -> String {
    format!("{}#{}#{}", a.service_id, a.rule, a.kind)
}

/// The alert a member of [`ALERTS`] stands for.
pub fn parse_alert(member: &str) -> Option<Alert> {
    let mut p = member.split('#');
    let (service_id, rule, kind) = (p.next()?, p.next()?, p.next()?);
    (p.next().is_none()
        && matches!(rule, "SM-103-1" | "SM-103-2")
        && matches!(kind, "approaching" | "due"))
    .then(|| Alert {
        service_id: service_id.into(),
        rule: rule.into(),
        kind: kind.into(),
    })
}

/// The alerts of `s` still ahead of `now`, as index changes: each scored by the start (00:00
/// local time) of the day it falls on. An entry that enters the Catalog already inside the
/// alert window (`first`) is alerted at once; an alert whose moment has passed is not set again
/// when the entry is notified again, so each is emitted once.
pub fn alert_ops(s: &IctService, now: jiff::Timestamp, first: bool) -> Vec<egov_store::IndexOp> {
    let mut out = Vec::new();
    let start = |day: Date| {
        day.to_zoned(egov_kernel::time::zone().clone())
            .map(|z| z.timestamp())
    };
    for m in milestones(s, s.rental_start) {
        let Ok(due) = start(m.on) else { continue };
        let Ok(approaching) = start(m.on.checked_sub(ALERT_DAYS.days()).unwrap_or(m.on)) else {
            continue;
        };
        let approaching = if first && due > now {
            approaching.max(now)
        } else {
            approaching
        };
        for (kind, at) in [("approaching", approaching), ("due", due)] {
            if at < now || (at == now && !first) {
                continue;
            }
            out.push(egov_store::IndexOp::Score {
                index: ALERTS.into(),
                member: alert_member(&Alert {
                    service_id: s.id.clone(),
                    rule: m.rule.into(),
                    kind: kind.into(),
                }),
                score: at.as_millisecond() as f64,
            });
        }
    }
    out
}

/// The entry's three-year dates on `today`.
pub fn milestones(s: &IctService, today: Date) -> Vec<Milestone> {
    // `until` counts in days by default (no larger unit) for civil dates.
    let left = today
        .until(s.three_years_on)
        .map_or(0, |span| i64::from(span.get_days()));
    let m = |rule, what| Milestone {
        rule,
        what,
        on: s.three_years_on,
        days_left: left,
        alert: (1..=ALERT_DAYS).contains(&left),
        passed: left <= 0,
    };
    let mut out = vec![m(
        "SM-103-2",
        "the rental fee is based only on the cost of code maintenance",
    )];
    if s.ownership_transfer_required {
        out.push(m(
            "SM-103-1",
            "the SPP passes into the state body's ownership, as the design assignment requires",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn notification() -> IctServiceForCatalog {
        IctServiceForCatalog {
            service_id: "01J0000000000000000000000A".into(),
            name: "E-licensing as a service".into(),
            service_type: "software".into(),
            origin: "sm-98".into(),
            supplier: "940740000911".into(),
            customer: "000740001307".into(),
            software_product: "E-licensing SPP".into(),
            monthly_price_tenge: "1250000.50".into(),
            rental_start: "2024-02-29".into(),
            ownership_transfer_required: true,
            commissioning_protocol: "Protocol No. 7".into(),
            protocol_signed_on: "2024-02-28".into(),
        }
    }

    #[test]
    fn sm_103_the_three_years_count_from_the_rental_start_and_alert_before_they_fall_due() {
        let s = from_notification(&notification(), date(2026, 11, 30)).unwrap();
        assert_eq!(s.monthly_price_tiyn, 125_000_050);
        // 29 February 2024 + 3 years: 28 February 2027 (no 29 February in 2027).
        assert_eq!(s.three_years_on, date(2027, 2, 28));
        let m = milestones(&s, date(2026, 11, 30));
        assert_eq!(
            m.iter().map(|m| m.rule).collect::<Vec<_>>(),
            ["SM-103-2", "SM-103-1"]
        );
        // 30 November 2026 to 28 February 2027: 90 days, the first day of the alert.
        assert_eq!((m[0].days_left, m[0].alert, m[0].passed), (90, true, false));
        assert!(!milestones(&s, date(2026, 11, 29))[0].alert);
        assert!(milestones(&s, date(2027, 2, 28))[0].passed);
        let mut n = notification();
        n.ownership_transfer_required = false;
        let s = from_notification(&n, date(2026, 11, 30)).unwrap();
        assert_eq!(milestones(&s, date(2026, 11, 30)).len(), 1);
    }

    #[test]
    fn sm_98_b_a_notification_is_parsed_into_its_types_naming_each_fault() {
        let mut n = notification();
        n.service_type = "hosting".into();
        n.supplier = "940740000912".into();
        n.monthly_price_tenge = "12.345".into();
        n.rental_start = "2024-02-27".into();
        n.name = "two\nlines".into();
        let faults = from_notification(&n, date(2026, 11, 30)).unwrap_err();
        let got: Vec<(&str, &str)> = faults.iter().map(|f| (f.field, f.rule)).collect();
        assert_eq!(
            got,
            [
                ("name", "SM-98.b"),
                ("service_type", "LC-25"),
                ("supplier", "SM-98.b"),
                ("monthly_price_tenge", "SM-103-2"),
                ("rental_start", "SM-86"),
            ]
        );
        let mut n = notification();
        n.rental_start = "2031-01-01".into();
        n.service_id = "x".into();
        let faults = from_notification(&n, date(2026, 11, 30)).unwrap_err();
        assert_eq!(
            faults.iter().map(|f| f.field).collect::<Vec<_>>(),
            ["service_id", "rental_start"]
        );
        for bad in ["", "0", "0.00", "-5", "1.2.3", "1e5", "1234567890123"] {
            assert_eq!(parse_tenge(bad), None, "{bad}");
        }
        assert_eq!(parse_tenge("7.5"), Some(750));
    }
}
