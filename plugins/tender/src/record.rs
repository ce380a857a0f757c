//! The tender record: the entry of the registry `tenders`, key `<customer BIN>/<received_at of
//! the tender case>`, written whole by every input that changes it. The tender service builds its
//! OCDS view from the successive versions. Every field is always present (`null` when it does
//! not apply yet); instants are RFC 3339 with the local offset.

use serde::{Deserialize, Serialize};

use crate::evaluation::Criterion;

/// The registry of tender records.
pub const TENDERS: &str = "tenders";

/// The record's status.
pub mod status {
    /// Started; no announcement published yet (also between rounds).
    pub const PLANNING: &str = "planning";
    /// An announcement is published and its application window is open.
    pub const ACTIVE: &str = "active";
    /// The applications are opened and the Commission evaluates them.
    pub const EVALUATION: &str = "evaluation";
    /// No (admissible) application: the Commission's decision of SM-53-1 is due.
    pub const LADDER: &str = "ladder";
    /// A supplier is determined; the ICT service is being created.
    pub const AWARDED: &str = "awarded";
    /// The ICT service is formed and the authorized body notified (SM-98.b).
    pub const FORMED: &str = "formed";
    /// The Commission did not form the ICT service (AMB-SM-13).
    pub const NOT_FORMED: &str = "not-formed";
    /// The creation or development of the ICT service is cancelled (SM-53-1.c).
    pub const CANCELLED: &str = "cancelled";
    /// No Commission was created by the end of acceptance (SM-36.a): the tender cannot go on.
    pub const VOID: &str = "void";
    /// The customer acquires the ICT service from the Register of trusted software (LC-26).
    pub const ACQUIRED_FROM_REGISTER: &str = "acquired-from-register";
}

/// An amount and its currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    pub amount: String,
    pub currency: String,
}

/// A decision of the Commission on a round without (admissible) applications (SM-53-1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: String,
    pub rule: String,
    pub protocol: String,
    pub protocol_date: String,
    pub decided_at: String,
}

/// One announcement and its window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub round: u32,
    pub announcement: String,
    pub published_at: String,
    /// 24:00 local time of the window's last day.
    pub window_end: String,
    /// How many applications were live at the close; `null` until then.
    pub received: Option<u32>,
    pub decision: Option<Decision>,
}

/// The current round's window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: String,
    pub end: String,
}

/// The Commission (SM-36).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commission {
    pub formed_on: String,
    pub order: String,
    pub members: u32,
    pub ppp: bool,
}

/// An opened application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub round: u32,
    pub seq: u32,
    pub supplier: String,
    pub received_at: String,
    pub digest: String,
    pub price: Option<String>,
    /// `pending`, then `valid` or `disqualified`.
    pub status: String,
    pub score: Option<String>,
    pub reasons: Vec<String>,
}

/// The award.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Award {
    pub supplier: String,
    pub amount: Option<String>,
    pub score: String,
    pub protocol: String,
    pub protocol_date: String,
    pub decided_at: String,
}

/// The contract of the ICT service, as commissioned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    pub supplier: String,
    pub service_name: String,
    pub protocol: String,
    pub signed_on: String,
    pub rental_start: String,
    pub monthly_price: String,
}

/// The tender record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// `tender-2022` or `tender-2023`.
    pub edition: String,
    pub title: String,
    pub description: Option<String>,
    /// 2023: what the Register check asks about.
    pub functionality: Option<String>,
    pub customer: String,
    /// The service integrator that published (the announcement's `by.org`).
    pub procuring_entity: Option<String>,
    pub status: String,
    /// The current round, 1 to 3.
    pub round: u32,
    /// The ceiling (the design assignment's item 3, or the tender's).
    pub value: Option<Amount>,
    pub criteria: Vec<Criterion>,
    /// The design assignment's item 12, as written.
    pub criteria_text: Option<String>,
    /// The key of the design assignment in `design-assignments`.
    pub design_assignment: Option<String>,
    pub tor_case: Option<String>,
    pub rounds: Vec<Round>,
    pub window: Option<Window>,
    pub commission: Option<Commission>,
    /// Only those opened at a close.
    pub applications: Vec<Application>,
    pub award: Option<Award>,
    pub contract: Option<Contract>,
    pub updated_at: String,
}

impl Record {
    /// The round being run now.
    pub fn current(&mut self) -> Option<&mut Round> {
        let n = self.round;
        self.rounds.iter_mut().rev().find(|r| r.round == n)
    }
}
