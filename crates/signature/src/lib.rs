//! Signed messages of the monitoring bridge (rule MON-11 of order 1277).
//!
//! - MON-11.a: what the bridge sends or receives is certified with the electronic digital
//!   signature (EDS) of an authorized person. MON-11.b: the exchange rests on the registration
//!   certificates of the national Certification Authority. The bridge signs every message it
//!   sends and verifies every message it receives before anything is stored.
//! - What is signed: canonical bytes, either protobuf bytes exactly as carried or RFC 8785 JSON
//!   ([`canonical_json`]). The signature is a detached CMS SignedData (RFC 5652, DER): no
//!   eContent, one SignerInfo with the signed attributes contentType (id-data), messageDigest
//!   and signingTime, the signer named by issuer and serial number, and the signer's
//!   certificate with its intermediates ([`sign_detached`]).
//! - [`Verifier::verify_detached`] checks in this order, each failure its own [`Refusal`]:
//!   1. the bytes are a detached SignedData with one SignerInfo and signed attributes;
//!   2. the signer's certificate is among the certificates carried;
//!   3. signingTime is present and not in the future (beyond a clock skew);
//!   4. the chain leads to a configured trust anchor (webpki), judged at the signing time;
//!   5. the signer's keyUsage allows signing (digitalSignature or nonRepudiation);
//!   6. messageDigest is the digest of the content (else the content changed after signing);
//!   7. the signature over the signed attributes verifies with the certificate's key.
//! - Validity is judged at the signing time, so a message signed while the certificate was
//!   valid still verifies after it expired. The signing time is the signer's own claim; a
//!   message signed "in the future" is refused, one backdated by its signer is not detected
//!   (that needs an RFC 3161 timestamp, which the exchange does not carry).
//! - Algorithms: ECDSA P-256 and RSA PKCS#1 v1.5, both with SHA-256. Signing goes through the
//!   [`Signer`] trait and verification through
//!   [`rustls_pki_types::SignatureVerificationAlgorithm`], which webpki also uses for the chain.
//!
//! # Adding a GOST signer
//!
//! The national CA signs with GOST R 34.10-2015 (digest GOST R 34.11-2012, "Streebog"); no
//! maintained Rust crate implements them, so they come from outside, with nothing else changed:
//! - Signing: implement [`Signer`] for a type that calls the national CA's signing service or
//!   an HSM. `signature_algorithm` returns id-tc26-signwithdigest-gost3410-12-256
//!   (1.2.643.7.1.1.3.2) or -512 (1.2.643.7.1.1.3.3), `digest_algorithm` returns
//!   id-tc26-gost3411-12-256 (1.2.643.7.1.1.2.2), `digest` hashes the content with it and
//!   `sign` returns the signature as the algorithm encodes it.
//! - Verifying: implement `SignatureVerificationAlgorithm` for GOST R 34.10-2015 (its
//!   `public_key_alg_id` is id-tc26-gost3410-12-256, 1.2.643.7.1.1.1.1, with its parameters;
//!   its `signature_alg_id` the signwithdigest OID), and pass it, next to the defaults, to
//!   [`Verifier::with_algorithms`]; add the Streebog digest with [`Verifier::with_digest`] (a [`DigestAlgorithm`]).
//!   webpki then validates GOST certificate chains with the same object.

pub mod dev;
mod sign;
mod verify;

pub use sign::{KeySigner, SignError, Signer, sign_detached};
pub use verify::{DigestAlgorithm, Trust, TrustError, Verified, Verifier};

/// The certificates of a PEM chain, each block decoded to DER and parsed from the slice.
///
/// x509-cert 0.2.5's `load_pem_chain` is not used, for two defects the `certificates` fuzz
/// target found: it subtracts past zero on a text of nothing but line breaks (a panic in debug
/// builds), and its streaming PEM reader (der 0.7.10) loops forever on a block whose DER is cut
/// short, such as the one byte `C`. Both inputs are regressions in `crates/fuzz`.
pub(crate) fn pem_chain(pem: &str) -> Result<Vec<x509_cert::Certificate>, String> {
    use der::Decode as _;
    const END: &str = "-----END CERTIFICATE-----";
    let mut chain = Vec::new();
    let mut rest = pem.trim();
    while !rest.is_empty() {
        let end = rest.find(END).ok_or("a certificate without its END line")? + END.len();
        let (label, der) =
            der::pem::decode_vec(&rest.as_bytes()[..end]).map_err(|e| e.to_string())?;
        if label != "CERTIFICATE" {
            return Err(format!("a PEM block labelled {label}, not CERTIFICATE"));
        }
        chain.push(x509_cert::Certificate::from_der(&der).map_err(|e| e.to_string())?);
        rest = rest[end..].trim_start();
    }
    Ok(chain)
}

use jiff::Timestamp;

/// Canonical bytes of a JSON value (RFC 8785, JCS): sorted keys, shortest number forms, no
/// whitespace. Both sides of the exchange sign and verify these bytes.
pub fn canonical_json(value: &serde_json::Value) -> std::io::Result<Vec<u8>> {
    use canon_json::CanonJsonSerialize;
    value.to_canon_json_vec()
}

/// Why a signed message was refused. [`Refusal::code`] is stable for machines, the message is
/// for people and names the rule.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No signature at all.
    #[error("MON-11.a: the message is not signed; attach a detached CMS signature")]
    Unsigned,
    /// Not a detached CMS SignedData this crate can read.
    #[error("MON-11.a: the signature is not a usable detached CMS SignedData: {0}")]
    Malformed(String),
    /// The signer's certificate is not among the certificates of the SignedData.
    #[error("MON-11.b: the signature does not carry the signer's certificate")]
    MissingCertificate,
    /// The signing time is later than now plus the allowed clock skew.
    #[error(
        "MON-11.a: the message claims to be signed in the future (signed at {signed_at}, now {now})"
    )]
    SignedInFuture {
        /// The signingTime attribute.
        signed_at: Timestamp,
        /// The time of verification.
        now: Timestamp,
    },
    /// A certificate of the chain had expired at the signing time.
    #[error(
        "MON-11.b: the signer's certificate (or a CA certificate above it) had expired when the message was signed (not after {not_after}, signed at {signed_at})"
    )]
    Expired {
        /// The notAfter of the expired certificate.
        not_after: Timestamp,
        /// The signingTime attribute.
        signed_at: Timestamp,
    },
    /// A certificate of the chain was not yet valid at the signing time.
    #[error(
        "MON-11.b: the signer's certificate (or a CA certificate above it) was not yet valid when the message was signed (not before {not_before}, signed at {signed_at})"
    )]
    NotYetValid {
        /// The notBefore of the certificate.
        not_before: Timestamp,
        /// The signingTime attribute.
        signed_at: Timestamp,
    },
    /// The chain does not lead to a configured trust anchor (or a CA signature in it is
    /// broken).
    #[error(
        "MON-11.b: the signer's certificate was not issued by a trusted Certification Authority ({0}); check the CA bundle and that intermediates are included"
    )]
    UntrustedIssuer(String),
    /// The certificate or its chain is unusable for another reason.
    #[error("MON-11.b: the signer's certificate is not acceptable: {0}")]
    BadCertificate(String),
    /// The signer's key may not make signatures.
    #[error("MON-11.a: the signer's certificate does not allow signing: {0}")]
    KeyUsage(String),
    /// The content's digest differs from the signed messageDigest.
    #[error("MON-11.a: the content was changed after signing (message digest mismatch)")]
    ContentMismatch,
    /// The signature does not verify with the signer's key.
    #[error("MON-11.a: the signature is invalid for the signer's certificate")]
    BadSignature,
    /// A signature or digest algorithm that is not configured.
    #[error("MON-11.a: the algorithm {0} is not accepted")]
    UnsupportedAlgorithm(String),
}

impl Refusal {
    /// A stable machine code, e.g. `content-mismatch`.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Unsigned => "unsigned",
            Refusal::Malformed(_) => "malformed",
            Refusal::MissingCertificate => "missing-certificate",
            Refusal::SignedInFuture { .. } => "signed-in-future",
            Refusal::Expired { .. } => "expired",
            Refusal::NotYetValid { .. } => "not-yet-valid",
            Refusal::UntrustedIssuer(_) => "untrusted-issuer",
            Refusal::BadCertificate(_) => "bad-certificate",
            Refusal::KeyUsage(_) => "key-usage",
            Refusal::ContentMismatch => "content-mismatch",
            Refusal::BadSignature => "bad-signature",
            Refusal::UnsupportedAlgorithm(_) => "unsupported-algorithm",
        }
    }

    /// The rule enforced: `MON-11.a` (the signature, the content, the signer's key usage) or
    /// `MON-11.b` (the certificate, its chain to the CA, its validity).
    pub fn rule(&self) -> &'static str {
        match self {
            Refusal::MissingCertificate
            | Refusal::Expired { .. }
            | Refusal::NotYetValid { .. }
            | Refusal::UntrustedIssuer(_)
            | Refusal::BadCertificate(_) => "MON-11.b",
            _ => "MON-11.a",
        }
    }
}
