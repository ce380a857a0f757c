//! Development keys and tokens: `egov up` creates them, `egov token` mints with them.
//!
//! The key is an Ed25519 key (EdDSA) in `<dir>/dev-signing-key.pem` (mode 0600), published as
//! `<dir>/jwks.json`. Tokens carry `iss` = [`DEV_ISSUER`] and `aud` = [`DEV_AUDIENCE`]. Nothing
//! here is for production, where the JWKS of the real issuer is configured instead.

use std::path::{Path, PathBuf};
use std::time::Duration;

use egov_kernel::{Bin, Role};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The issuer of development tokens.
pub const DEV_ISSUER: &str = "egov-dev";
/// The audience of development tokens.
pub const DEV_AUDIENCE: &str = "egov";

/// What a minted token says.
#[derive(Clone, Debug)]
pub struct TokenRequest {
    /// The subject.
    pub sub: String,
    /// The organization (BIN).
    pub org: Bin,
    /// The roles.
    pub roles: Vec<Role>,
    /// How long it is valid.
    pub ttl: Duration,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: &'a str,
    org: String,
    roles: Vec<&'static str>,
    iat: i64,
    nbf: i64,
    exp: i64,
}

/// A signing key with its `kid`.
pub struct SigningKey {
    key: EncodingKey,
    alg: Algorithm,
    kid: String,
}

impl SigningKey {
    /// A key from a PKCS#8 PEM for `alg` (RS256, ES256 or EdDSA).
    pub fn from_pem(
        pem: &[u8],
        alg: Algorithm,
        kid: impl Into<String>,
    ) -> Result<Self, jsonwebtoken::errors::Error> {
        let key = match alg {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(pem)?,
            Algorithm::ES256 => EncodingKey::from_ec_pem(pem)?,
            _ => EncodingKey::from_ed_pem(pem)?,
        };
        Ok(Self {
            key,
            alg,
            kid: kid.into(),
        })
    }

    /// The public half as a JWK with this key's `kid` and `alg`.
    pub fn jwk(&self) -> Result<Jwk, jsonwebtoken::errors::Error> {
        let mut jwk = Jwk::from_encoding_key(&self.key, self.alg)?;
        jwk.common.key_id = Some(self.kid.clone());
        Ok(jwk)
    }

    /// Signs any claims with this key (its `alg` and `kid` in the header).
    pub fn sign<T: Serialize>(&self, claims: &T) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key)
            .expect("signing with a loaded key succeeds")
    }

    /// Mints a token for `req` issued at `now` (unix seconds).
    pub fn mint(&self, issuer: &str, audience: &str, req: &TokenRequest, now: i64) -> String {
        let claims = Claims {
            iss: issuer,
            aud: audience,
            sub: &req.sub,
            org: req.org.to_string(),
            roles: req.roles.iter().map(|r| r.as_str()).collect(),
            iat: now,
            nbf: now,
            exp: now + req.ttl.as_secs() as i64,
        };
        self.sign(&claims)
    }
}

/// The development key of one egov home directory.
pub struct DevKeys {
    key: SigningKey,
    dir: PathBuf,
}

impl DevKeys {
    /// Loads `<dir>/dev-signing-key.pem`, creating a new key (and `jwks.json`) when absent.
    pub fn load_or_create(dir: &Path) -> std::io::Result<Self> {
        let pem_path = dir.join("dev-signing-key.pem");
        let io = |e: jsonwebtoken::errors::Error| std::io::Error::other(e.to_string());
        if !pem_path.exists() {
            std::fs::create_dir_all(dir)?;
            write_private(
                &pem_path,
                ed25519_pkcs8_pem(&rand::random::<[u8; 32]>()).as_bytes(),
            )?;
        }
        let pem = std::fs::read(&pem_path)?;
        let kid = format!("egov-dev-{}", &hex_sha256(&pem)[..12]);
        let key = SigningKey::from_pem(&pem, Algorithm::EdDSA, kid).map_err(io)?;
        let jwks = JwkSet {
            keys: vec![key.jwk().map_err(io)?],
        };
        // Written aside and renamed into place: another process of the same home (`egov token`
        // beside `egov up`, services started together) reads the old file or the new one,
        // never a half-written one.
        let aside = dir.join(format!("jwks.json.{}", std::process::id()));
        std::fs::write(&aside, serde_json::to_vec_pretty(&jwks)?)?;
        std::fs::rename(&aside, dir.join("jwks.json"))?;
        Ok(Self {
            key,
            dir: dir.to_owned(),
        })
    }

    /// The JWKS file to verify development tokens with.
    pub fn jwks_path(&self) -> PathBuf {
        self.dir.join("jwks.json")
    }

    /// Mints a development token valid from now.
    pub fn mint(&self, req: &TokenRequest) -> String {
        self.key.mint(
            DEV_ISSUER,
            DEV_AUDIENCE,
            req,
            jiff::Timestamp::now().as_second(),
        )
    }
}

/// An Ed25519 seed as PKCS#8 v1 PEM (RFC 8410): the fixed 16-byte prefix and the 32-byte
/// seed, exactly what `openssl genpkey -algorithm ED25519` writes.
fn ed25519_pkcs8_pem(seed: &[u8; 32]) -> String {
    use base64::Engine;
    const PREFIX: [u8; 16] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    let mut der = PREFIX.to_vec();
    der.extend_from_slice(seed);
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    format!("-----BEGIN PRIVATE KEY-----\n{b64}\n-----END PRIVATE KEY-----\n")
}

fn hex_sha256(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(bytes)
}
