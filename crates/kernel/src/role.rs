//! The eleven roles of the platform (ARCHITECTURE.md, kernel). Every endpoint states which of
//! these may call it.

use std::fmt;
use std::str::FromStr;

/// An actor's role, as carried in a token's `roles` claim (kebab-case).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// A state body (государственный орган): initiates automation, applies, submits TORs.
    StateBody,
    /// The authorized body in the field of informatization (AB).
    AuthorizedBody,
    /// The e-government service integrator (SI).
    ServiceIntegrator,
    /// The State Technical Service (STS).
    StateTechnicalService,
    /// The operator of the e-government ICT infrastructure.
    Operator,
    /// A (potential) supplier of ICT services.
    Supplier,
    /// A member of a tender commission.
    Commission,
    /// The State Corporation "Government for Citizens".
    StateCorporation,
    /// A provider of public services (услугодатель).
    ServiceProvider,
    /// The monitoring information system for public services.
    MonitoringSystem,
    /// A platform administrator (operates egov itself, not a legal actor).
    PlatformAdmin,
}

/// A role name that is not one of the eleven.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}; known roles: {known}", known = Role::ALL.map(Role::as_str).join(", "))]
pub struct RoleError(pub String);

impl Role {
    /// Every role, in the order of ARCHITECTURE.md (kernel).
    pub const ALL: [Role; 11] = [
        Role::StateBody,
        Role::AuthorizedBody,
        Role::ServiceIntegrator,
        Role::StateTechnicalService,
        Role::Operator,
        Role::Supplier,
        Role::Commission,
        Role::StateCorporation,
        Role::ServiceProvider,
        Role::MonitoringSystem,
        Role::PlatformAdmin,
    ];

    /// The role's wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::StateBody => "state-body",
            Role::AuthorizedBody => "authorized-body",
            Role::ServiceIntegrator => "service-integrator",
            Role::StateTechnicalService => "state-technical-service",
            Role::Operator => "operator",
            Role::Supplier => "supplier",
            Role::Commission => "commission",
            Role::StateCorporation => "state-corporation",
            Role::ServiceProvider => "service-provider",
            Role::MonitoringSystem => "monitoring-system",
            Role::PlatformAdmin => "platform-admin",
        }
    }
}

impl FromStr for Role {
    type Err = RoleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| RoleError(s.chars().take(60).collect()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!(
            "admin"
                .parse::<Role>()
                .unwrap_err()
                .to_string()
                .contains("state-body")
        );
    }
}
