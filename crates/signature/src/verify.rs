//! Verifying: trust anchors and the checks of [`Verifier::verify_detached`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5280, rfc5911, rfc5912};
use der::asn1::OctetString;
use der::{Decode, Encode};
use jiff::Timestamp;
use rustls_pki_types::{CertificateDer, SignatureVerificationAlgorithm, TrustAnchor, UnixTime};
use sha2::{Digest as _, Sha256};
use spki::AlgorithmIdentifierOwned;
use webpki::{EndEntityCert, KeyUsage};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{KeyUsage as KeyUsageExt, SubjectKeyIdentifier};
use x509_cert::time::Time;

use crate::Refusal;

/// Why the trust anchors could not be loaded.
#[derive(thiserror::Error, Debug)]
pub enum TrustError {
    /// The CA bundle could not be read.
    #[error("cannot read the CA bundle {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not PEM certificates usable as trust anchors.
    #[error("the CA bundle is not usable: {0}")]
    Invalid(String),
    /// No certificate at all: nothing could ever verify.
    #[error("the CA bundle holds no certificate")]
    Empty,
}

/// The configured trust anchors: the national CA's root certificates (the CA bundle).
#[derive(Clone, Debug)]
pub struct Trust {
    anchors: Vec<TrustAnchor<'static>>,
}

impl Trust {
    /// Trust anchors from a PEM with one or more CA certificates.
    pub fn from_pem(pem: &str) -> Result<Self, TrustError> {
        let invalid = |e: &dyn std::fmt::Display| TrustError::Invalid(e.to_string());
        let certificates = crate::pem_chain(pem).map_err(|e| invalid(&e))?;
        let mut anchors = Vec::new();
        for certificate in certificates {
            let der = CertificateDer::from(certificate.to_der().map_err(|e| invalid(&e))?);
            let anchor = webpki::anchor_from_trusted_cert(&der).map_err(|e| invalid(&e))?;
            anchors.push(anchor.to_owned());
        }
        if anchors.is_empty() {
            return Err(TrustError::Empty);
        }
        Ok(Trust { anchors })
    }

    /// Trust anchors from a PEM file (see [`Trust::from_pem`]).
    pub fn from_file(path: &Path) -> Result<Self, TrustError> {
        let pem = std::fs::read_to_string(path).map_err(|source| TrustError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_pem(&pem)
    }

    /// The number of trust anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether there is none (never true for a loaded bundle).
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

/// A digest algorithm the verifier can compute for messageDigest.
#[derive(Clone, Copy, Debug)]
pub struct DigestAlgorithm {
    /// Its OID, as in the SignerInfo's digestAlgorithm.
    pub oid: ObjectIdentifier,
    /// The digest of the content.
    pub hash: fn(&[u8]) -> Vec<u8>,
}

/// Who signed a verified message, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The signer's certificate subject (RFC 4514).
    pub subject: String,
    /// Its issuer (RFC 4514).
    pub issuer: String,
    /// Its serial number, hex.
    pub serial: String,
    /// SHA-256 of its DER, hex: a stable reference to the exact certificate.
    pub certificate_sha256: String,
    /// The signingTime attribute.
    pub signed_at: Timestamp,
}

/// Verifies detached CMS signatures against trust anchors (see the crate documentation for
/// the order of the checks).
#[derive(Clone, Debug)]
pub struct Verifier {
    trust: Trust,
    algorithms: Vec<&'static dyn SignatureVerificationAlgorithm>,
    digests: Vec<DigestAlgorithm>,
    max_clock_skew: Duration,
    paths: Arc<Mutex<Paths>>,
}

/// Certificate paths found valid: by the digest of the certificates carried, the interval in
/// which every one of them is valid.
type Paths = HashMap<[u8; 32], (Timestamp, Timestamp)>;

/// The most certificate paths remembered as valid (a bridge sees a few hundred signers).
const PATHS: usize = 4096;

/// EKU required of a signer's certificate when it has the extension at all: the signing
/// certificates of the national CA carry emailProtection (document and message protection).
static SIGNING_EKU: ObjectIdentifier = rfc5280::ID_KP_EMAIL_PROTECTION;

impl Verifier {
    /// A verifier of ECDSA P-256 and RSA PKCS#1 v1.5 (2048 bits and more) signatures with
    /// SHA-256, tolerating 5 minutes of clock skew.
    pub fn new(trust: Trust) -> Self {
        Verifier {
            trust,
            algorithms: vec![
                webpki::ring::ECDSA_P256_SHA256,
                webpki::ring::RSA_PKCS1_2048_8192_SHA256,
            ],
            digests: vec![DigestAlgorithm {
                oid: rfc5912::ID_SHA_256,
                hash: |content| Sha256::digest(content).to_vec(),
            }],
            max_clock_skew: Duration::from_secs(5 * 60),
            paths: Arc::default(),
        }
    }

    /// Replaces the accepted signature algorithms, for the CMS signature and the certificate
    /// chain alike. To add GOST R 34.10-2015, pass it with the defaults:
    /// `vec![webpki::ring::ECDSA_P256_SHA256, webpki::ring::RSA_PKCS1_2048_8192_SHA256, &GOST]`.
    pub fn with_algorithms(
        mut self,
        algorithms: Vec<&'static dyn SignatureVerificationAlgorithm>,
    ) -> Self {
        self.algorithms = algorithms;
        self
    }

    /// Accepts one more digest algorithm for messageDigest (e.g. GOST R 34.11-2012).
    pub fn with_digest(mut self, digest: DigestAlgorithm) -> Self {
        self.digests.push(digest);
        self
    }

    /// How far in the future a signing time may be, for clocks that differ.
    pub fn with_max_clock_skew(mut self, skew: Duration) -> Self {
        self.max_clock_skew = skew;
        self
    }

    /// Verifies a detached CMS signature `cms_der` over `content` at `now`.
    pub fn verify_detached(
        &self,
        cms_der: &[u8],
        content: &[u8],
        now: Timestamp,
    ) -> Result<Verified, Refusal> {
        // 1. A detached SignedData with one SignerInfo and signed attributes.
        if cms_der.is_empty() {
            return Err(Refusal::Unsigned);
        }
        let signed_data = parse(cms_der)?;
        let info = &signed_data.signer_infos.0.as_slice()[0];
        let attributes = info
            .signed_attrs
            .as_ref()
            .ok_or_else(|| malformed("the SignerInfo has no signed attributes"))?;
        let content_type = attribute(info, rfc5911::ID_CONTENT_TYPE, "contentType")?;
        if content_type.decode_as::<ObjectIdentifier>() != Ok(rfc5911::ID_DATA) {
            return Err(malformed("the contentType attribute is not id-data"));
        }

        // 2. The signer's certificate, among those carried.
        let certificates: Vec<&Certificate> = (signed_data.certificates.iter())
            .flat_map(|set| set.0.iter())
            .filter_map(|choice| match choice {
                CertificateChoices::Certificate(certificate) => Some(certificate),
                CertificateChoices::Other(_) => None,
            })
            .collect();
        let leaf = *certificates
            .iter()
            .find(|certificate| identifies(&info.sid, certificate))
            .ok_or(Refusal::MissingCertificate)?;

        // 3. The signing time, not in the future.
        let signing_time = attribute(info, rfc5911::ID_SIGNING_TIME, "signingTime")?;
        let signed_at = (signing_time.to_der().ok())
            .and_then(|der| Time::from_der(&der).ok())
            .and_then(|time| to_timestamp(time.to_unix_duration()))
            .ok_or_else(|| malformed("the signingTime attribute is not a time"))?;
        let latest = now.checked_add(self.max_clock_skew).unwrap_or(now);
        if signed_at > latest {
            return Err(Refusal::SignedInFuture { signed_at, now });
        }

        // 4. The chain to a trust anchor, at the signing time.
        let to_der = |certificate: &Certificate| {
            (certificate.to_der())
                .map(CertificateDer::from)
                .map_err(|e| Refusal::BadCertificate(e.to_string()))
        };
        let leaf_der = to_der(leaf)?;
        let intermediates = (certificates.iter())
            .filter(|certificate| !std::ptr::eq(**certificate, leaf))
            .map(|certificate| to_der(certificate))
            .collect::<Result<Vec<_>, _>>()?;
        let end_entity = EndEntityCert::try_from(&leaf_der)
            .map_err(|e| Refusal::BadCertificate(format!("{e:?}")))?;
        // A path found valid once is valid at any instant within every one of its
        // certificates' validity (signatures and constraints do not change; revocation is not
        // checked): remembered by the digest of the certificates carried, with that interval.
        let path = {
            let mut h = Sha256::new();
            h.update(leaf_der.as_ref());
            for i in &intermediates {
                h.update((i.as_ref().len() as u64).to_be_bytes());
                h.update(i.as_ref());
            }
            <[u8; 32]>::from(h.finalize())
        };
        let known = (self.paths.lock().expect("paths").get(&path).copied())
            .is_some_and(|(from, to)| from <= signed_at && signed_at <= to);
        if !known {
            let at = UnixTime::since_unix_epoch(Duration::from_secs(signed_at.as_second() as u64));
            (end_entity.verify_for_usage(
                &self.algorithms,
                &self.trust.anchors,
                &intermediates,
                at,
                KeyUsage::required_if_present(SIGNING_EKU.as_bytes()),
                None,
                None,
            ))
            .map_err(|e| chain_refusal(e, signed_at))?;
            if let Some(interval) = validity(&certificates) {
                let mut paths = self.paths.lock().expect("paths");
                if paths.len() >= PATHS {
                    paths.clear();
                }
                paths.insert(path, interval);
            }
        }

        // 5. The signer's key usage. webpki does not look at keyUsage bits.
        let usage = (leaf.tbs_certificate.get::<KeyUsageExt>())
            .map_err(|e| Refusal::BadCertificate(format!("keyUsage: {e}")))?
            .map(|(_, usage)| usage)
            .ok_or_else(|| Refusal::KeyUsage("the certificate has no keyUsage extension".into()))?;
        if !usage.digital_signature() && !usage.non_repudiation() {
            let bits = format!("{:?}", usage.0);
            let detail = format!("keyUsage {bits} has neither digitalSignature nor nonRepudiation");
            return Err(Refusal::KeyUsage(detail));
        }

        // 6. The content is the one signed.
        let digest = (self.digests.iter())
            .find(|digest| digest.oid == info.digest_alg.oid)
            .ok_or_else(|| Refusal::UnsupportedAlgorithm(info.digest_alg.oid.to_string()))?;
        let message_digest = attribute(info, rfc5911::ID_MESSAGE_DIGEST, "messageDigest")?
            .decode_as::<OctetString>()
            .map_err(|_| malformed("the messageDigest attribute is not an OCTET STRING"))?;
        if message_digest.as_bytes() != (digest.hash)(content) {
            return Err(Refusal::ContentMismatch);
        }

        // 7. The signature over the signed attributes, as a SET OF (RFC 5652 §5.4).
        let message = attributes.to_der().map_err(|e| malformed(&e.to_string()))?;
        self.check_signature(&end_entity, info, leaf, &message)?;

        Ok(Verified {
            subject: leaf.tbs_certificate.subject.to_string(),
            issuer: leaf.tbs_certificate.issuer.to_string(),
            serial: hex::encode(leaf.tbs_certificate.serial_number.as_bytes()),
            certificate_sha256: hex::encode(Sha256::digest(leaf_der.as_ref())),
            signed_at,
        })
    }

    /// Step 7. The SignerInfo's signatureAlgorithm names either the signature algorithm
    /// (ecdsa-with-SHA256, sha256WithRSAEncryption) or, as many CMS writers do, the key's
    /// algorithm (rsaEncryption): then every configured algorithm for that key is tried.
    fn check_signature(
        &self,
        end_entity: &EndEntityCert<'_>,
        info: &SignerInfo,
        leaf: &Certificate,
        message: &[u8],
    ) -> Result<(), Refusal> {
        let named = algorithm_id(&info.signature_algorithm);
        let key_algorithm = &leaf.tbs_certificate.subject_public_key_info.algorithm;
        let names_key = info.signature_algorithm.oid == key_algorithm.oid;
        let key = algorithm_id(key_algorithm);
        let candidates = self.algorithms.iter().filter(|algorithm| {
            Some(algorithm.signature_alg_id().as_ref()) == named.as_deref()
                || (names_key && Some(algorithm.public_key_alg_id().as_ref()) == key.as_deref())
        });
        let mut tried = false;
        for algorithm in candidates {
            match end_entity.verify_signature(*algorithm, message, info.signature.as_bytes()) {
                Ok(()) => return Ok(()),
                Err(webpki::Error::InvalidSignatureForPublicKey) => tried = true,
                Err(_) => {}
            }
        }
        if tried {
            Err(Refusal::BadSignature)
        } else {
            Err(Refusal::UnsupportedAlgorithm(
                info.signature_algorithm.oid.to_string(),
            ))
        }
    }
}

/// The instants at which every one of `certificates` is valid, when there are any.
fn validity(certificates: &[&Certificate]) -> Option<(Timestamp, Timestamp)> {
    let mut from = Timestamp::MIN;
    let mut to = Timestamp::MAX;
    for c in certificates {
        let v = &c.tbs_certificate.validity;
        from = from.max(to_timestamp(v.not_before.to_unix_duration())?);
        to = to.min(to_timestamp(v.not_after.to_unix_duration())?);
    }
    (from <= to).then_some((from, to))
}

/// Step 1: the ContentInfo, the SignedData, detached, one SignerInfo.
fn parse(cms_der: &[u8]) -> Result<SignedData, Refusal> {
    let content_info = ContentInfo::from_der(cms_der)
        .map_err(|e| malformed(&format!("not a DER ContentInfo ({e})")))?;
    if content_info.content_type != rfc5911::ID_SIGNED_DATA {
        return Err(malformed("the content type is not id-signedData"));
    }
    let signed_data: SignedData = (content_info.content.decode_as())
        .map_err(|e| malformed(&format!("not a SignedData ({e})")))?;
    if signed_data.encap_content_info.econtent.is_some() {
        return Err(malformed(
            "eContent is present; the signature must be detached",
        ));
    }
    if signed_data.signer_infos.0.len() != 1 {
        return Err(malformed("there must be exactly one SignerInfo"));
    }
    Ok(signed_data)
}

fn malformed(detail: &str) -> Refusal {
    Refusal::Malformed(detail.to_owned())
}

/// The single value of a signed attribute.
fn attribute<'a>(
    info: &'a SignerInfo,
    oid: ObjectIdentifier,
    name: &str,
) -> Result<&'a der::Any, Refusal> {
    let mut found = (info.signed_attrs.iter().flat_map(|set| set.iter()))
        .filter(|attribute| attribute.oid == oid)
        .flat_map(|attribute| attribute.values.iter());
    match (found.next(), found.next()) {
        (Some(value), None) => Ok(value),
        _ => Err(malformed(&format!(
            "the {name} signed attribute must have exactly one value"
        ))),
    }
}

/// Whether `sid` names `certificate`.
fn identifies(sid: &SignerIdentifier, certificate: &Certificate) -> bool {
    let tbs = &certificate.tbs_certificate;
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            id.issuer == tbs.issuer && id.serial_number == tbs.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(id) => {
            matches!(tbs.get::<SubjectKeyIdentifier>(), Ok(Some((_, own))) if own == *id)
        }
    }
}

/// An AlgorithmIdentifier as webpki compares them: the DER of its contents, without the
/// SEQUENCE header.
fn algorithm_id(algorithm: &AlgorithmIdentifierOwned) -> Option<Vec<u8>> {
    let mut bytes = algorithm.oid.to_der().ok()?;
    if let Some(parameters) = &algorithm.parameters {
        bytes.extend(parameters.to_der().ok()?);
    }
    Some(bytes)
}

fn to_timestamp(since_epoch: Duration) -> Option<Timestamp> {
    Timestamp::from_second(i64::try_from(since_epoch.as_secs()).ok()?).ok()
}

/// Step 4: webpki's verdict on the chain, as a refusal.
fn chain_refusal(error: webpki::Error, signed_at: Timestamp) -> Refusal {
    let time = |t: UnixTime| {
        to_timestamp(Duration::from_secs(t.as_secs())).unwrap_or(Timestamp::UNIX_EPOCH)
    };
    match error {
        webpki::Error::CertExpired { not_after, .. } => Refusal::Expired {
            not_after: time(not_after),
            signed_at,
        },
        webpki::Error::CertNotValidYet { not_before, .. } => Refusal::NotYetValid {
            not_before: time(not_before),
            signed_at,
        },
        webpki::Error::UnknownIssuer => {
            Refusal::UntrustedIssuer("no path to a trust anchor".into())
        }
        webpki::Error::InvalidSignatureForPublicKey => {
            Refusal::UntrustedIssuer("a CA signature in the chain does not verify".into())
        }
        webpki::Error::RequiredEkuNotFoundContext(_) => {
            Refusal::KeyUsage("the extended key usage lacks emailProtection".into())
        }
        other => Refusal::BadCertificate(format!("{other:?}")),
    }
}
