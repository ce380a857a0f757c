//! The domain's vocabulary, shared by every egov crate and service.
//!
//! Everything here parses at the boundary and cannot hold an invalid value afterwards: a
//! [`Bin`] has a valid checksum, a [`Role`] is one of the eleven platform roles, a [`Term`]
//! has a positive count. Deadlines are computed only by [`Calendar`] (invariant: every deadline
//! shown to a user was computed by this one module).

pub mod bin;
pub mod calendar;
pub mod id;
pub mod role;
pub mod schema;
pub mod term;
pub mod text;
pub mod time;

pub use bin::{Bin, BinError};
pub use calendar::{Calendar, CalendarError, DayKind};
pub use id::{CaseId, EventId, IdError, TaskId, TaskKey};
pub use role::{Role, RoleError};
pub use term::{Due, Term, TermError, Unit};
pub use text::{Line, Name, Text, TextError};
pub use time::{Clock, FixedClock, SetClock, ShiftedClock, SystemClock};

/// An error and its causes on one line ("error sending request" alone does not say
/// "connection refused"): for messages that people read, such as status conditions.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        out.push_str(": ");
        out.push_str(&s.to_string());
        next = s.source();
    }
    out
}
