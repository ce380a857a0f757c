//! Sealed slots encrypted at rest (tender applications, SM-49): until the variant unseals a
//! slot, an input's body is kept in Redis only as AES-256-GCM ciphertext, so that neither an
//! API, nor an event, nor a reader of Redis (operators and administrators included) can read it.
//!
//! - The platform's sealing key (32 bytes, `EGOV_SEALING_KEY`: a file of 64 hex digits, from a
//!   Secret; `egov up` makes a development one under its home) never reaches Redis.
//! - Each case's slot has a key of its own, derived from the sealing key with HKDF-SHA256
//!   (`info` = case id and slot), so one slot's key opens nothing else.
//! - Each input is encrypted with a fresh random 96-bit nonce; the associated data binds the
//!   ciphertext to its case, slot, number and digest, so a ciphertext moved to another input
//!   (another supplier's, another tender's) does not open.
//! - The key is used to open the inputs only by the unseal step, after the slot closed; the
//!   opened bodies then replace the ciphertext on the case (the variant decided they are public
//!   to the case's readers).
//!
//! Who can still read a sealed body: whoever holds both the sealing key and the Redis data, as
//! with any encryption at rest whose key the service must use. Keep the key in a Secret the
//! Redis operators cannot read.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload, rand_core::RngCore};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hkdf::Hkdf;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The algorithm named in a sealed body.
pub const ALGORITHM: &str = "A256GCM";

/// Why a sealed body could not be opened (or a key not loaded).
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The key file is missing or not 64 hex digits.
    #[error("sealing key {0}: {1}")]
    Key(String, String),
    /// The body is not a sealed body of this format.
    #[error("not a sealed body: {0}")]
    Format(String),
    /// Sealed with another key.
    #[error("sealed with key {0}, this service holds {1}")]
    OtherKey(String, String),
    /// The ciphertext, its nonce or its associated data were changed.
    #[error("the sealed body does not open (changed, or moved from another input)")]
    Tampered,
}

/// The platform's sealing key.
pub struct Sealer {
    key: [u8; 32],
    /// The key's id: the first 12 hex digits of its sha256, recorded with every sealed body.
    kid: String,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer").field("kid", &self.kid).finish()
    }
}

/// Where a sealed input belongs: the associated data of its ciphertext.
#[derive(Clone, Copy, Debug)]
pub struct Place<'a> {
    /// The case.
    pub case: &'a str,
    /// The slot.
    pub slot: &'a str,
    /// The input's number in the slot.
    pub seq: u32,
    /// The sha256 (hex) of the input's bytes as sent.
    pub digest: &'a str,
}

impl Place<'_> {
    fn aad(&self) -> Vec<u8> {
        format!(
            "egov-sealed-input/v1\n{}\n{}\n{}\n{}",
            self.case, self.slot, self.seq, self.digest
        )
        .into_bytes()
    }
}

impl Sealer {
    /// A sealer over `key`.
    pub fn new(key: [u8; 32]) -> Self {
        let kid = hex::encode(&Sha256::digest(key)[..6]);
        Self { key, kid }
    }

    /// A random key held only in memory (a process that runs no cases).
    pub fn ephemeral() -> Self {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        Self::new(key)
    }

    /// Reads the key from `path`: 64 hex digits (surrounding whitespace ignored).
    pub fn from_file(path: &Path) -> Result<Self, SealError> {
        let bad = |why: String| SealError::Key(path.display().to_string(), why);
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let bytes = hex::decode(text.trim()).map_err(|e| bad(format!("not hex: {e}")))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| bad(format!("{} bytes, expected 32", b.len())))?;
        Ok(Self::new(key))
    }

    /// The key's id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The cipher of one case's slot.
    fn cipher(&self, case: &str, slot: &str) -> Aes256Gcm {
        let hk = Hkdf::<Sha256>::new(Some(b"egov-sealed-slot/v1"), &self.key);
        let mut okm = [0u8; 32];
        hk.expand(format!("{case}\n{slot}").as_bytes(), &mut okm)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        Aes256Gcm::new(&okm.into())
    }

    /// `body` sealed for `place`: `{"sealed": "A256GCM", "kid", "nonce", "ciphertext"}`.
    pub fn seal(&self, place: Place<'_>, body: &Value) -> Value {
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let plain = serde_json::to_vec(body).expect("a JSON value serializes");
        let ct = self
            .cipher(place.case, place.slot)
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &plain,
                    aad: &place.aad(),
                },
            )
            .expect("AES-GCM encryption of a bounded body cannot fail");
        json!({"sealed": ALGORITHM, "kid": self.kid, "nonce": B64.encode(nonce), "ciphertext": B64.encode(ct)})
    }

    /// Whether `body` is a sealed body (of any key).
    pub fn is_sealed(body: &Value) -> bool {
        body.get("sealed").and_then(Value::as_str) == Some(ALGORITHM)
            && body.get("ciphertext").is_some()
    }

    /// The body `sealed` holds, if it was sealed for `place` with this key and never changed.
    pub fn open(&self, place: Place<'_>, sealed: &Value) -> Result<Value, SealError> {
        let field = |name: &str| {
            sealed
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| SealError::Format(format!("no {name}")))
        };
        if field("sealed")? != ALGORITHM {
            return Err(SealError::Format("unknown algorithm".into()));
        }
        let kid = field("kid")?;
        if kid != self.kid {
            return Err(SealError::OtherKey(kid.to_owned(), self.kid.clone()));
        }
        let nonce: [u8; 12] = B64
            .decode(field("nonce")?)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(|| SealError::Format("nonce".into()))?;
        let ct = B64
            .decode(field("ciphertext")?)
            .map_err(|_| SealError::Format("ciphertext".into()))?;
        let plain = self
            .cipher(place.case, place.slot)
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &ct,
                    aad: &place.aad(),
                },
            )
            .map_err(|_| SealError::Tampered)?;
        serde_json::from_slice(&plain).map_err(|e| SealError::Format(e.to_string()))
    }
}

/// Creates a development sealing key at `path` (mode 0600) when there is none.
pub fn create_dev_key(path: &Path) -> std::io::Result<()> {
    use std::io::Write;
    if path.exists() {
        return Ok(());
    }
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(hex::encode(key).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place<'a>(case: &'a str, seq: u32) -> Place<'a> {
        Place {
            case,
            slot: "applications",
            seq,
            digest: "ab",
        }
    }

    #[test]
    fn a_sealed_body_opens_only_in_its_place_with_its_key() {
        let s = Sealer::new([7; 32]);
        let body = json!({"price_tenge": "1000.00", "proposal": "Секретное предложение"});
        let sealed = s.seal(place("A", 1), &body);
        let text = sealed.to_string();
        assert!(!text.contains("1000.00") && !text.contains("Секретное"));
        assert!(Sealer::is_sealed(&sealed));
        assert_eq!(s.open(place("A", 1), &sealed).unwrap(), body);
        // Moved to another input, another case, or opened with another key: refused.
        assert!(matches!(
            s.open(place("A", 2), &sealed),
            Err(SealError::Tampered)
        ));
        assert!(matches!(
            s.open(place("B", 1), &sealed),
            Err(SealError::Tampered)
        ));
        assert!(matches!(
            Sealer::new([8; 32]).open(place("A", 1), &sealed),
            Err(SealError::OtherKey(..))
        ));
        // Two seals of one body differ (fresh nonces).
        assert_ne!(s.seal(place("A", 1), &body), sealed);
        let mut changed = sealed.clone();
        let ct = changed["ciphertext"].as_str().unwrap().to_owned();
        let mut raw = B64.decode(ct).unwrap();
        raw[0] ^= 1;
        changed["ciphertext"] = json!(B64.encode(raw));
        assert!(matches!(
            s.open(place("A", 1), &changed),
            Err(SealError::Tampered)
        ));
    }

    #[test]
    fn a_key_file_is_64_hex_digits() {
        let dir = std::env::temp_dir().join(format!("egov-seal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("key");
        create_dev_key(&path).unwrap();
        let a = Sealer::from_file(&path).unwrap();
        create_dev_key(&path).unwrap(); // kept
        assert_eq!(Sealer::from_file(&path).unwrap().kid(), a.kid());
        std::fs::write(&path, "abcd").unwrap();
        assert!(matches!(Sealer::from_file(&path), Err(SealError::Key(..))));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
