//! Signing: the [`Signer`] trait, software keys, detached CMS SignedData.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use const_oid::db::{rfc5911, rfc5912};
use der::asn1::{BitString, GeneralizedTime, SetOfVec, UtcTime};
use der::{Any, Decode, Encode};
use jiff::Timestamp;
use pkcs8::{DecodePrivateKey, EncodePublicKey};
use sha2::{Digest as _, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::time::Time;

/// Why a message could not be signed, or a signer not loaded.
#[derive(thiserror::Error, Debug)]
pub enum SignError {
    /// A key or chain file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The key is not a PKCS#8 PEM of a P-256 or RSA key.
    #[error("the private key is not a PKCS#8 PEM (\"PRIVATE KEY\") of a P-256 or RSA key")]
    Key,
    /// The chain is not PEM certificates, or is empty.
    #[error("the certificate chain is not usable: {0}")]
    Chain(String),
    /// The key is not the one certified by the first certificate of the chain.
    #[error(
        "the private key does not match the signer's certificate (the chain must start with it)"
    )]
    KeyMismatch,
    /// The signer (a key, an HSM, a remote service) failed.
    #[error("signing failed: {0}")]
    Sign(String),
    /// The digest algorithm is not one the signer can compute.
    #[error("the digest algorithm {0} is not supported by this signer")]
    UnsupportedDigest(String),
    /// Building the CMS structure failed.
    #[error("cannot encode the CMS signature: {0}")]
    Encode(String),
}

/// What signs: the one trait that keeps algorithms replaceable. A GOST R 34.10-2015 signer
/// (the national CA's algorithm) is added as an external implementation, e.g. calling an HSM
/// or the national CA's signing service (see the crate documentation).
pub trait Signer: Send + Sync {
    /// The signer's certificate.
    fn certificate(&self) -> &Certificate;

    /// The intermediate CA certificates from the signer's issuer up to, not including, the
    /// trust anchor.
    fn chain(&self) -> &[Certificate];

    /// The digest algorithm written into the SignerInfo (SHA-256 for the kept signers).
    fn digest_algorithm(&self) -> AlgorithmIdentifierOwned;

    /// The signature algorithm written into the SignerInfo.
    fn signature_algorithm(&self) -> AlgorithmIdentifierOwned;

    /// The digest of `content` with [`Signer::digest_algorithm`]. The default knows SHA-256
    /// only; a signer with another digest overrides it.
    fn digest(&self, content: &[u8]) -> Result<Vec<u8>, SignError> {
        let algorithm = self.digest_algorithm();
        if algorithm.oid != rfc5912::ID_SHA_256 {
            return Err(SignError::UnsupportedDigest(algorithm.oid.to_string()));
        }
        Ok(Sha256::digest(content).to_vec())
    }

    /// Signs `message` (the DER of the signed attributes) and returns the signature in the
    /// algorithm's own encoding (ECDSA: a DER Ecdsa-Sig-Value; RSA: the PKCS#1 v1.5 bytes).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError>;
}

/// A software key: ECDSA P-256 or RSA PKCS#1 v1.5, both with SHA-256.
pub struct KeySigner {
    key: Key,
    certificate: Certificate,
    chain: Vec<Certificate>,
}

enum Key {
    /// Signed with ring (about three times faster than the pure-Rust implementation here).
    P256(Box<ring::signature::EcdsaKeyPair>),
    Rsa(Box<rsa::pkcs1v15::SigningKey<Sha256>>),
}

impl std::fmt::Debug for KeySigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key itself.
        f.debug_struct("KeySigner")
            .field(
                "subject",
                &self.certificate.tbs_certificate.subject.to_string(),
            )
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl KeySigner {
    /// A signer from a PKCS#8 PEM key and a PEM certificate chain, the signer's certificate
    /// first. Refuses a key that is not the one the certificate certifies.
    pub fn from_pem(key_pem: &str, chain_pem: &str) -> Result<Self, SignError> {
        let mut chain = crate::pem_chain(chain_pem).map_err(SignError::Chain)?;
        if chain.is_empty() {
            return Err(SignError::Chain("no certificate".into()));
        }
        let certificate = chain.remove(0);
        let (key, public) = if let Ok(key) = p256::ecdsa::SigningKey::from_pkcs8_pem(key_pem) {
            let public = key.verifying_key().to_public_key_der();
            let point = key.verifying_key().to_encoded_point(false);
            let pair = ring::signature::EcdsaKeyPair::from_private_key_and_public_key(
                &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                &key.to_bytes(),
                point.as_bytes(),
                &ring::rand::SystemRandom::new(),
            )
            .map_err(|_| SignError::Key)?;
            (Key::P256(Box::new(pair)), public)
        } else if let Ok(key) = rsa::RsaPrivateKey::from_pkcs8_pem(key_pem) {
            let public = key.to_public_key().to_public_key_der();
            (
                Key::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(key))),
                public,
            )
        } else {
            return Err(SignError::Key);
        };
        let public = public.map_err(|e| SignError::Encode(e.to_string()))?;
        let certified = certificate.tbs_certificate.subject_public_key_info.to_der();
        if certified.map_err(|e| SignError::Encode(e.to_string()))? != public.as_bytes() {
            return Err(SignError::KeyMismatch);
        }
        Ok(KeySigner {
            key,
            certificate,
            chain,
        })
    }

    /// A signer from a key file and a chain file (see [`KeySigner::from_pem`]).
    pub fn from_files(key: &Path, chain: &Path) -> Result<Self, SignError> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|source| SignError::Io {
                path: path.to_owned(),
                source,
            })
        };
        Self::from_pem(&read(key)?, &read(chain)?)
    }
}

impl Signer for KeySigner {
    fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn digest_algorithm(&self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: rfc5912::ID_SHA_256,
            parameters: None,
        }
    }

    fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        match self.key {
            Key::P256(_) => AlgorithmIdentifierOwned {
                oid: rfc5912::ECDSA_WITH_SHA_256,
                parameters: None,
            },
            Key::Rsa(_) => AlgorithmIdentifierOwned {
                oid: rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
                parameters: Some(der::asn1::Null.into()),
            },
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        use signature::{SignatureEncoding, Signer as _};
        let failed = |e: signature::Error| SignError::Sign(e.to_string());
        match &self.key {
            // A DER Ecdsa-Sig-Value, as CMS wants it.
            Key::P256(pair) => pair
                .sign(&ring::rand::SystemRandom::new(), message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| SignError::Sign("ECDSA P-256 signing failed".into())),
            Key::Rsa(key) => Ok(key.try_sign(message).map_err(failed)?.to_vec()),
        }
    }
}

/// A detached CMS SignedData (DER ContentInfo) over `content`: no eContent, signed attributes
/// contentType (id-data), messageDigest and signingTime (`at`, to the second), the signer
/// named by issuer and serial number, certificates the signer's and its chain.
pub fn sign_detached(
    signer: &dyn Signer,
    content: &[u8],
    at: Timestamp,
) -> Result<Vec<u8>, SignError> {
    let encode = |e: cms::builder::Error| SignError::Encode(e.to_string());
    let digest = signer.digest(content)?;
    let econtent = EncapsulatedContentInfo {
        econtent_type: rfc5911::ID_DATA,
        econtent: None,
    };
    let tbs = &signer.certificate().tbs_certificate;
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: tbs.issuer.clone(),
        serial_number: tbs.serial_number.clone(),
    });
    let adapter = Adapter {
        signer,
        error: RefCell::new(None),
    };
    let mut info = SignerInfoBuilder::new(
        &adapter,
        sid,
        signer.digest_algorithm(),
        &econtent,
        Some(&digest),
    )
    .map_err(encode)?;
    info.add_signed_attribute(signing_time(at)?)
        .map_err(encode)?;

    let mut data = SignedDataBuilder::new(&econtent);
    data.add_digest_algorithm(signer.digest_algorithm())
        .map_err(encode)?;
    for certificate in std::iter::once(signer.certificate()).chain(signer.chain()) {
        data.add_certificate(CertificateChoices::Certificate(certificate.clone()))
            .map_err(encode)?;
    }
    // The builder hides the signer's error behind its own; the adapter kept it.
    if let Err(e) = data.add_signer_info::<_, RawSignature>(info) {
        return Err(adapter.error.take().unwrap_or_else(|| encode(e)));
    }
    let content_info = data.build().map_err(encode)?;
    content_info
        .to_der()
        .map_err(|e| SignError::Encode(e.to_string()))
}

/// The signingTime attribute (RFC 5652 §11.3: UTCTime for 1950-2049, else GeneralizedTime).
/// `cms` makes one only for the current time.
fn signing_time(at: Timestamp) -> Result<Attribute, SignError> {
    let fail = |e: der::Error| SignError::Encode(format!("signingTime {at}: {e}"));
    let seconds = u64::try_from(at.as_second())
        .map_err(|_| SignError::Encode(format!("signingTime {at} is before 1970")))?;
    let time = der::DateTime::from_unix_duration(Duration::from_secs(seconds)).map_err(fail)?;
    let time = match time.year() {
        1950..=2049 => Time::UtcTime(UtcTime::from_date_time(time).map_err(fail)?),
        _ => Time::GeneralTime(GeneralizedTime::from_date_time(time)),
    };
    let value = Any::from_der(&time.to_der().map_err(fail)?).map_err(fail)?;
    Ok(Attribute {
        oid: rfc5911::ID_SIGNING_TIME,
        values: SetOfVec::try_from(vec![value]).map_err(fail)?,
    })
}

/// Lets the `cms` builder drive a `&dyn Signer`: it wants `signature` crate traits.
struct Adapter<'a> {
    signer: &'a dyn Signer,
    error: RefCell<Option<SignError>>,
}

/// A signature as the [`Signer`] returned it.
struct RawSignature(Vec<u8>);

impl signature::Keypair for Adapter<'_> {
    type VerifyingKey = SubjectPublicKeyInfoOwned;

    fn verifying_key(&self) -> Self::VerifyingKey {
        let tbs = &self.signer.certificate().tbs_certificate;
        tbs.subject_public_key_info.clone()
    }
}

impl spki::DynSignatureAlgorithmIdentifier for Adapter<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(self.signer.signature_algorithm())
    }
}

impl signature::Signer<RawSignature> for Adapter<'_> {
    fn try_sign(&self, message: &[u8]) -> Result<RawSignature, signature::Error> {
        self.signer.sign(message).map(RawSignature).map_err(|e| {
            *self.error.borrow_mut() = Some(e);
            signature::Error::new()
        })
    }
}

impl spki::SignatureBitStringEncoding for RawSignature {
    fn to_bitstring(&self) -> der::Result<BitString> {
        BitString::from_bytes(&self.0)
    }
}
