//! Identifiers. Both are ULIDs: sortable by creation time, unique without coordination.

use std::fmt;
use std::str::FromStr;

use ulid::Ulid;

use crate::text::Name;

/// A malformed identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} must be a 26-character ULID, got {got:?}")]
pub struct IdError {
    /// Which kind of id was expected.
    pub what: &'static str,
    /// What was given (cut to 40 characters).
    pub got: String,
}

macro_rules! ulid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Ulid);

        impl $name {
            /// A new id for now.
            pub fn new() -> Self {
                Self(Ulid::new())
            }
            /// The underlying ULID.
            pub fn ulid(self) -> Ulid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Ulid> for $name {
            fn from(u: Ulid) -> Self {
                Self(u)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Ulid::from_string(s).map(Self).map_err(|_| IdError {
                    what: $what,
                    got: s.chars().take(40).collect(),
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

ulid_id!(
    /// The id of one event (one stream entry's envelope `id`); the key of idempotent handling.
    EventId,
    "event id"
);
ulid_id!(
    /// The id of a procedure case (an application, a request, a TOR review...).
    CaseId,
    "case id"
);

/// The id of a task: one step of one case, `<case id>.<step>`. It names Redis keys, so it is
/// parsed from a URL before it reaches storage: a case ULID, a dot, a step [`Name`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId {
    case: CaseId,
    step: Name,
}

impl TaskId {
    /// The task of `step` in `case`.
    pub fn new(case: CaseId, step: Name) -> Self {
        Self { case, step }
    }
    /// Its case.
    pub fn case(&self) -> CaseId {
        self.case
    }
    /// Its step.
    pub fn step(&self) -> &Name {
        &self.step
    }
}

impl FromStr for TaskId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let bad = || IdError {
            what: "task id (<case id>.<step>)",
            got: s.chars().take(40).collect(),
        };
        let (case, step) = s.split_once('.').ok_or_else(bad)?;
        Ok(Self {
            case: case.parse().map_err(|_| bad())?,
            step: Name::parse(step).map_err(|_| bad())?,
        })
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.case, self.step)
    }
}

impl fmt::Debug for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_and_reject_garbage() {
        let id = CaseId::new();
        assert_eq!(id.to_string().parse::<CaseId>(), Ok(id));
        let e = "not-a-ulid".parse::<EventId>().unwrap_err();
        assert_eq!(e.what, "event id");
    }

    #[test]
    fn task_ids_are_a_case_and_a_step_and_nothing_else() {
        let case = CaseId::new();
        let t: TaskId = format!("{case}.ab-check").parse().unwrap();
        assert_eq!((t.case(), t.step().as_str()), (case, "ab-check"));
        assert_eq!(t.to_string(), format!("{case}.ab-check"));
        for bad in [
            format!("{case}"),
            format!("{case}."),
            format!("{case}.a}}x"),
            format!("{case}.a:b"),
            format!("{case}.step\0"),
            "x.ab-check".to_owned(),
            format!("{{{case}}}.ab-check"),
            format!("{case}.ab check"),
        ] {
            assert!(bad.parse::<TaskId>().is_err(), "{bad:?}");
        }
    }
}
