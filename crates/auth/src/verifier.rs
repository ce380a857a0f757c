//! Token verification against a JWKS.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use egov_kernel::{Bin, Role};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::RwLock;
use tokio::time::Instant;

use crate::{AuthError, Principal};

/// Where the JWKS comes from.
#[derive(Clone, Debug)]
pub enum JwksSource {
    /// A JSON file (a Secret or ConfigMap in the chart; the dev keys locally).
    File(PathBuf),
    /// An HTTPS URL of the issuer.
    Url(String),
}

impl JwksSource {
    /// `http(s)://…` is a URL; anything else a file path.
    pub fn parse(s: &str) -> Self {
        if s.starts_with("https://") || s.starts_with("http://") {
            JwksSource::Url(s.to_owned())
        } else {
            JwksSource::File(PathBuf::from(s))
        }
    }
}

/// The longest token decoded (8 KiB): an issuer's tokens are far smaller; a larger one is
/// refused before its header is read.
pub const MAX_TOKEN: usize = 8 * 1024;

/// What the verifier accepts.
#[derive(Clone, Debug)]
pub struct VerifierConfig {
    /// The JWKS.
    pub source: JwksSource,
    /// The required `iss`.
    pub issuer: String,
    /// The required `aud`.
    pub audience: String,
    /// Clock skew allowed on `exp` and `nbf`, in seconds.
    pub leeway: u64,
    /// How often the JWKS is re-read.
    pub refresh: Duration,
    /// The shortest time between two JWKS loads caused by unknown kids, so forged kids cannot
    /// hammer the issuer.
    pub min_reload: Duration,
}

impl VerifierConfig {
    /// Defaults: 30 s leeway, refresh every 5 minutes.
    pub fn new(source: JwksSource, issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self {
            source,
            issuer: issuer.into(),
            audience: audience.into(),
            leeway: 30,
            refresh: Duration::from_secs(300),
            min_reload: Duration::from_secs(30),
        }
    }
}

struct Keys {
    by_kid: HashMap<String, (DecodingKey, Algorithm)>,
    loaded_at: Instant,
}

/// How many verified tokens are remembered (a few MiB at most).
const CACHED_TOKENS: usize = 16_384;

/// A token verified before: its principal and its `exp` (seconds since the epoch).
#[derive(Clone)]
struct Verified {
    principal: Principal,
    exp: u64,
}

/// Verifies bearer tokens. Share one per process (`Arc`).
///
/// A token verified once is remembered by the SHA-256 of its text until it expires: an agency's
/// system sends the same token with every request of its hour, and checking its signature again
/// each time cost more than anything else on the request path. What a remembered token is
/// answered is what verifying it again would answer: its `exp` is checked on every use, with
/// the same leeway, and the cache is emptied whenever the JWKS is read again, so a key taken out
/// of the JWKS stops its tokens when it would have stopped them before. Only verified tokens
/// are remembered; a refused one is checked again each time (its refusal is cheap and must stay
/// exact).
pub struct Verifier {
    cfg: VerifierConfig,
    keys: RwLock<Keys>,
    http: reqwest::Client,
    verified: quick_cache::sync::Cache<[u8; 32], Verified>,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    /// Validated by jsonwebtoken (required, a number); kept to bound the cache entry. Optional
    /// here so that a token without it is refused by that validation, naming `exp`, rather
    /// than by this type's deserializer.
    #[serde(default)]
    exp: Option<f64>,
    #[serde(default)]
    org: Option<String>,
    #[serde(default)]
    roles: Option<Vec<String>>,
}

impl Verifier {
    /// Loads the keys and returns a verifier; fails when the JWKS cannot be read.
    pub async fn new(cfg: VerifierConfig) -> Result<Arc<Self>, AuthError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| AuthError::Keys(e.to_string()))?;
        let by_kid = load(&cfg.source, &http).await?;
        Ok(Arc::new(Self {
            cfg,
            keys: RwLock::new(Keys {
                by_kid,
                loaded_at: Instant::now(),
            }),
            http,
            verified: quick_cache::sync::Cache::new(CACHED_TOKENS),
        }))
    }

    /// Re-reads the JWKS; on failure the keys already loaded stay in use.
    pub async fn reload(&self) -> Result<(), AuthError> {
        let by_kid = load(&self.cfg.source, &self.http).await?;
        *self.keys.write().await = Keys {
            by_kid,
            loaded_at: Instant::now(),
        };
        // What was verified with the keys before is verified again with these.
        self.verified.clear();
        Ok(())
    }

    /// Re-reads the JWKS every `refresh` until `shutdown`.
    pub fn spawn_refresh(self: &Arc<Self>, shutdown: tokio_util::sync::CancellationToken) {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(me.cfg.refresh) => {}
                }
                if let Err(e) = me.reload().await {
                    tracing::warn!(error = %e, "JWKS refresh failed; keeping the keys loaded before");
                }
            }
        });
    }

    /// Verifies `token` and returns its principal.
    pub async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        // Nothing of a token larger than any the issuer mints is decoded or checked.
        if token.len() > MAX_TOKEN {
            return Err(AuthError::Malformed(format!(
                "the token is longer than {MAX_TOKEN} bytes"
            )));
        }
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(v) = self.verified.get(&digest) {
            // jsonwebtoken's own test: expired once `exp` is before now less the leeway.
            if v.exp >= jsonwebtoken::get_current_timestamp().saturating_sub(self.cfg.leeway) {
                return Ok(v.principal);
            }
            self.verified.remove(&digest);
            return Err(AuthError::Expired);
        }
        let alg = header_alg(token)?;
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| AuthError::Malformed(e.to_string()))?;
        let kid = header.kid.ok_or_else(|| AuthError::Claim {
            claim: "kid".into(),
            detail: "the token header names no key".into(),
        })?;
        let (key, key_alg) = match self.key(&kid).await {
            Some(k) => k,
            None => {
                let stale = self.keys.read().await.loaded_at.elapsed() >= self.cfg.min_reload;
                if stale && let Err(e) = self.reload().await {
                    tracing::warn!(error = %e, "JWKS reload for an unknown kid failed");
                }
                self.key(&kid)
                    .await
                    .ok_or_else(|| AuthError::UnknownKey(kid.chars().take(64).collect()))?
            }
        };
        if key_alg != alg {
            return Err(AuthError::Algorithm(format!(
                "{alg:?} with a {key_alg:?} key"
            )));
        }
        let mut v = Validation::new(alg);
        v.leeway = self.cfg.leeway;
        v.validate_exp = true;
        v.validate_nbf = true;
        v.set_issuer(&[&self.cfg.issuer]);
        v.set_audience(&[&self.cfg.audience]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &key, &v).map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => AuthError::Expired,
            ErrorKind::ImmatureSignature => AuthError::NotYetValid,
            ErrorKind::InvalidIssuer => AuthError::Issuer,
            ErrorKind::InvalidAudience => AuthError::Audience,
            ErrorKind::InvalidSignature => AuthError::Signature,
            ErrorKind::InvalidAlgorithm => AuthError::Algorithm(format!("{alg:?}")),
            ErrorKind::MissingRequiredClaim(c) => AuthError::Claim {
                claim: c.clone(),
                detail: "missing".into(),
            },
            ErrorKind::Json(err) => AuthError::Claim {
                claim: "claims".into(),
                detail: err.to_string(),
            },
            other => AuthError::Malformed(format!("{other:?}")),
        })?;
        let exp = data.claims.exp;
        let principal = principal(data.claims)?;
        if let Some(exp) = exp.filter(|e| e.is_finite() && *e >= 0.0) {
            self.verified.insert(
                digest,
                Verified {
                    principal: principal.clone(),
                    exp: exp as u64,
                },
            );
        }
        Ok(principal)
    }

    async fn key(&self, kid: &str) -> Option<(DecodingKey, Algorithm)> {
        self.keys.read().await.by_kid.get(kid).cloned()
    }
}

fn principal(c: Claims) -> Result<Principal, AuthError> {
    let claim = |claim: &str, detail: String| AuthError::Claim {
        claim: claim.into(),
        detail,
    };
    // The subject travels into events, logs and idempotency scopes: one line of at most 256
    // characters, no control characters.
    egov_kernel::text::check_line(&c.sub, 256).map_err(|e| claim("sub", e.to_string()))?;
    let org = c.org.ok_or_else(|| {
        claim(
            "org",
            "missing; the agency's 12-digit BIN is required".into(),
        )
    })?;
    let org = Bin::parse(&org).map_err(|e| claim("org", e.to_string()))?;
    let roles = c
        .roles
        .unwrap_or_default()
        .iter()
        .map(|r| r.parse::<Role>().map_err(|e| claim("roles", e.to_string())))
        .collect::<Result<BTreeSet<_>, _>>()?;
    Ok(Principal {
        sub: c.sub,
        org,
        roles,
    })
}

/// The header's `alg`, read before anything else so that `none` and HMAC get a clear refusal.
fn header_alg(token: &str) -> Result<Algorithm, AuthError> {
    let head = token.split('.').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(head.trim_end_matches('='))
        .map_err(|_| AuthError::Malformed("the header is not base64url".into()))?;
    #[derive(Deserialize)]
    struct H {
        alg: String,
    }
    let h: H = serde_json::from_slice(&bytes)
        .map_err(|_| AuthError::Malformed("the header is not a JOSE header".into()))?;
    match h.alg.as_str() {
        "RS256" => Ok(Algorithm::RS256),
        "ES256" => Ok(Algorithm::ES256),
        "EdDSA" => Ok(Algorithm::EdDSA),
        other => Err(AuthError::Algorithm(other.chars().take(20).collect())),
    }
}

async fn load(
    source: &JwksSource,
    http: &reqwest::Client,
) -> Result<HashMap<String, (DecodingKey, Algorithm)>, AuthError> {
    let text = match source {
        JwksSource::File(p) => tokio::fs::read_to_string(p)
            .await
            .map_err(|e| AuthError::Keys(format!("{}: {e}", p.display())))?,
        JwksSource::Url(u) => http
            .get(u)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| AuthError::Keys(format!("{u}: {e}")))?
            .text()
            .await
            .map_err(|e| AuthError::Keys(format!("{u}: {e}")))?,
    };
    let set: JwkSet =
        serde_json::from_str(&text).map_err(|e| AuthError::Keys(format!("not a JWKS: {e}")))?;
    let mut out = HashMap::new();
    for jwk in &set.keys {
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        // The key's algorithm follows from its type; an `alg` member must agree with it.
        let alg = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Algorithm::RS256,
            AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => {
                Algorithm::ES256
            }
            AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
                Algorithm::EdDSA
            }
            _ => {
                tracing::warn!(%kid, "JWKS key of an unsupported type skipped");
                continue;
            }
        };
        if let Some(declared) = jwk.common.key_algorithm
            && !matches!(
                (declared, alg),
                (KeyAlgorithm::RS256, Algorithm::RS256)
                    | (KeyAlgorithm::ES256, Algorithm::ES256)
                    | (KeyAlgorithm::EdDSA, Algorithm::EdDSA)
            )
        {
            tracing::warn!(%kid, "JWKS key whose alg does not match its type skipped");
            continue;
        }
        match DecodingKey::from_jwk(jwk) {
            Ok(k) => {
                out.insert(kid, (k, alg));
            }
            Err(e) => tracing::warn!(%kid, error = %e, "JWKS key skipped"),
        }
    }
    if out.is_empty() {
        return Err(AuthError::Keys(
            "the JWKS has no usable RS256, ES256 or EdDSA key".into(),
        ));
    }
    Ok(out)
}
