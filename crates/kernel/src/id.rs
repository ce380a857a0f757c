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
                let bad = || IdError {
                    what: $what,
                    got: s.chars().take(40).collect(),
                };
                // 26 base32 digits hold 130 bits: a first digit past 7 does not fit in 128
                // and the ulid crate would wrap it into another spelling of a smaller id.
                if !s.starts_with(['0', '1', '2', '3', '4', '5', '6', '7']) {
                    return Err(bad());
                }
                Ulid::from_string(s).map(Self).map_err(|_| bad())
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

/// The key of a task within its case: its step, and which opening of that step it is. The first
/// opening is the step's name (`si-exam`), later ones carry the round (`si-exam~2`; `~` and
/// not `#`, which would start a URL's fragment, since task ids travel in paths): a join
/// waits for two keys, a loop opens the same step again under the next key.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskKey {
    step: Name,
    round: u32,
}

impl TaskKey {
    /// The `round`-th opening of `step` (1 for the first); `None` for round 0.
    pub fn new(step: Name, round: u32) -> Option<Self> {
        (round >= 1).then_some(Self { step, round })
    }
    /// The first opening of `step`.
    pub fn first(step: Name) -> Self {
        Self { step, round: 1 }
    }
    /// Its step.
    pub fn step(&self) -> &Name {
        &self.step
    }
    /// Which opening of the step (1 for the first).
    pub fn round(&self) -> u32 {
        self.round
    }
}

impl FromStr for TaskKey {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let bad = || IdError {
            what: "task key (<step> or <step>~<round>)",
            got: s.chars().take(40).collect(),
        };
        let (step, round) = match s.split_once('~') {
            None => (s, 1),
            Some((step, n)) => {
                // Canonical only: `~1` is the step itself, no leading zeros.
                let n: u32 = n.parse().map_err(|_| bad())?;
                if n < 2 || !s.ends_with(&format!("~{n}")) {
                    return Err(bad());
                }
                (step, n)
            }
        };
        Ok(Self {
            step: Name::parse(step).map_err(|_| bad())?,
            round,
        })
    }
}

impl fmt::Display for TaskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.round == 1 {
            write!(f, "{}", self.step)
        } else {
            write!(f, "{}~{}", self.step, self.round)
        }
    }
}

impl fmt::Debug for TaskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskKey({self})")
    }
}

impl serde::Serialize for TaskKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for TaskKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The id of a task: one opening of one step of one case, `<case id>.<task key>`. It names
/// Redis keys, so it is parsed from a URL before it reaches storage: a case ULID, a dot, a
/// [`TaskKey`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId {
    case: CaseId,
    key: TaskKey,
}

impl TaskId {
    /// The task `key` of `case`.
    pub fn new(case: CaseId, key: TaskKey) -> Self {
        Self { case, key }
    }
    /// Its case.
    pub fn case(&self) -> CaseId {
        self.case
    }
    /// Its key within the case.
    pub fn key(&self) -> &TaskKey {
        &self.key
    }
    /// Its step.
    pub fn step(&self) -> &Name {
        &self.key.step
    }
}

impl FromStr for TaskId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let bad = || IdError {
            what: "task id (<case id>.<step>[~<round>])",
            got: s.chars().take(40).collect(),
        };
        let (case, key) = s.split_once('.').ok_or_else(bad)?;
        Ok(Self {
            case: case.parse().map_err(|_| bad())?,
            key: key.parse().map_err(|_| bad())?,
        })
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.case, self.key)
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
        // 130 bits do not fit: no second spelling of an id by its first digit.
        let s = id.to_string();
        assert!(format!("8{}", &s[1..]).parse::<CaseId>().is_err());
        assert!(format!("Z{}", &s[1..]).parse::<CaseId>().is_err());
    }

    #[test]
    fn task_ids_are_a_case_and_a_step_and_nothing_else() {
        let case = CaseId::new();
        let t: TaskId = format!("{case}.ab-check").parse().unwrap();
        assert_eq!((t.case(), t.step().as_str()), (case, "ab-check"));
        assert_eq!(t.to_string(), format!("{case}.ab-check"));
        let again: TaskId = format!("{case}.si-exam~3").parse().unwrap();
        assert_eq!((again.step().as_str(), again.key().round()), ("si-exam", 3));
        assert_eq!(again.to_string(), format!("{case}.si-exam~3"));
        for bad in [
            format!("{case}"),
            format!("{case}."),
            format!("{case}.a}}x"),
            format!("{case}.a:b"),
            format!("{case}.step\0"),
            "x.ab-check".to_owned(),
            format!("{{{case}}}.ab-check"),
            format!("{case}.ab check"),
            format!("{case}.ab-check~1"),
            format!("{case}.ab-check~0"),
            format!("{case}.ab-check~02"),
            format!("{case}.ab-check~x"),
            format!("{case}.ab-check~2~3"),
            format!("{case}.ab-check#2"),
        ] {
            assert!(bad.parse::<TaskId>().is_err(), "{bad:?}");
        }
    }
}
