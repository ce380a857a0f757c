//! Bearer JWTs (ARCHITECTURE.md, auth).
//!
//! - Keys come from a JWKS: a file or a URL, cached, refreshed periodically and on an unknown
//!   `kid` (at most once per 30 s, so forged kids cannot hammer the issuer).
//! - RS256, ES256 and EdDSA only. `alg: none`, HMAC (including HS256 signed with a public key)
//!   and a key used with another algorithm than its own are refused; so is a token over
//!   [`MAX_TOKEN`] bytes, before it is decoded.
//! - `iss`, `aud`, `exp` and `nbf` are enforced with a small leeway; `exp`, `iss`, `aud` and
//!   `sub` are required.
//! - Claims `sub`, `org` (a checksum-valid [`Bin`]) and `roles` become a [`Principal`].
//! - [`authenticated`] and [`require`] are warp filters: a principal, or a problem+json 401
//!   (the token cannot be trusted or names no valid identity) or 403 (a valid identity without
//!   a role the endpoint admits; a token with no roles at all is such an identity).
//! - [`dev`]: development keys and `egov token`.

pub mod dev;
mod verifier;

use std::collections::BTreeSet;
use std::sync::Arc;

use egov_kernel::{Bin, Role};
use egov_web::Problem;
use warp::{Filter, Rejection};

pub use verifier::{JwksSource, MAX_TOKEN, Verifier, VerifierConfig};

/// Who is calling: a subject acting for an organization in one or more roles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The subject (a person or a system), from `sub`.
    pub sub: String,
    /// The organization the subject acts for, from `org`.
    pub org: Bin,
    /// The roles granted, from `roles`. May be empty: such a caller is refused by every
    /// endpoint with 403.
    pub roles: BTreeSet<Role>,
}

impl Principal {
    /// Whether the principal has `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// A stable identity string for scoping caller-owned records (idempotency keys).
    pub fn scope(&self) -> String {
        format!("{}:{}", self.org, self.sub)
    }
}

/// Why a token was refused. Every variant but `MissingRole` is a 401.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer` header.
    #[error("missing bearer token (Authorization: Bearer <JWT>)")]
    Missing,
    /// Not a JWT.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// An algorithm outside RS256, ES256, EdDSA, or not the key's own.
    #[error("algorithm {0} is not accepted; use RS256, ES256 or EdDSA")]
    Algorithm(String),
    /// No key with this `kid` in the JWKS.
    #[error("unknown signing key {0:?}")]
    UnknownKey(String),
    /// The signature does not verify (tampered or wrong key).
    #[error("invalid signature")]
    Signature,
    /// `exp` is past.
    #[error("token expired")]
    Expired,
    /// `nbf` is in the future.
    #[error("token not yet valid (nbf)")]
    NotYetValid,
    /// `iss` is not the configured issuer.
    #[error("wrong issuer (iss)")]
    Issuer,
    /// `aud` does not include the configured audience.
    #[error("wrong audience (aud)")]
    Audience,
    /// A claim is missing or invalid (named).
    #[error("claim {claim}: {detail}")]
    Claim {
        /// The claim.
        claim: String,
        /// What is wrong.
        detail: String,
    },
    /// The keys could not be loaded.
    #[error("signing keys unavailable: {0}")]
    Keys(String),
    /// A valid identity without any of the roles the endpoint admits.
    #[error("requires one of the roles: {0}")]
    MissingRole(String),
}

impl AuthError {
    /// The problem reply for this error.
    /// Every 401 names what is at fault: the claim or header member (`alg`, `kid`, `exp`,
    /// `nbf`, `iss`, `aud`, `org`...), or `Authorization` for the token as a whole (absent,
    /// malformed, too large, a signature that does not hold).
    pub fn problem(&self) -> Problem {
        let unauthorized = |field: &str| Problem::unauthorized(self.to_string()).field(field);
        match self {
            AuthError::MissingRole(_) => Problem::forbidden(self.to_string()).field("roles"),
            AuthError::Keys(_) => Problem::unavailable(self.to_string()),
            AuthError::Claim { claim, .. } => unauthorized(claim),
            AuthError::Missing | AuthError::Malformed(_) | AuthError::Signature => {
                unauthorized("Authorization")
            }
            AuthError::Algorithm(_) => unauthorized("alg"),
            AuthError::UnknownKey(_) => unauthorized("kid"),
            AuthError::Expired => unauthorized("exp"),
            AuthError::NotYetValid => unauthorized("nbf"),
            AuthError::Issuer => unauthorized("iss"),
            AuthError::Audience => unauthorized("aud"),
        }
    }
}

/// The caller's principal, or a 401 problem.
pub fn authenticated(
    verifier: Arc<Verifier>,
) -> impl Filter<Extract = (Principal,), Error = Rejection> + Clone {
    warp::header::optional::<String>("authorization").and_then(move |h: Option<String>| {
        let verifier = verifier.clone();
        async move {
            let token = h
                .as_deref()
                .and_then(|h| {
                    h.strip_prefix("Bearer ")
                        .or_else(|| h.strip_prefix("bearer "))
                })
                .ok_or(AuthError::Missing)
                .map_err(|e| warp::reject::custom(e.problem()))?;
            verifier
                .verify(token.trim())
                .await
                .map_err(|e| warp::reject::custom(e.problem()))
        }
    })
}

/// The caller's principal if it has one of `roles`; 401 or 403 otherwise.
pub fn require(
    verifier: Arc<Verifier>,
    roles: &'static [Role],
) -> impl Filter<Extract = (Principal,), Error = Rejection> + Clone {
    authenticated(verifier).and_then(move |p: Principal| async move {
        if roles.iter().any(|r| p.has(*r)) {
            Ok(p)
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(warp::reject::custom(
                AuthError::MissingRole(names.join(", ")).problem(),
            ))
        }
    })
}
