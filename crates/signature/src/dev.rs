//! Development and test PKI: a CA and the signing certificates it issues. Used by tests and by
//! `egov up` (under its home directory), never in production, where the national CA issues.
//!
//! Functions here panic where certificate generation fails: with the parameters used that
//! takes a bug, not bad input.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

pub use rcgen::{ExtendedKeyUsagePurpose, KeyUsagePurpose};

use crate::{KeySigner, SignError, Trust, TrustError};

const DAY: SignedDuration = SignedDuration::from_hours(24);

/// A certificate authority: a self-signed root, or an intermediate issued by another [`Ca`].
/// P-256 keys, keyUsage keyCertSign and cRLSign, basicConstraints CA.
pub struct Ca {
    certificate: rcgen::Certificate,
    key: KeyPair,
    /// PEMs of this CA (if an intermediate) and the intermediates above it.
    intermediates: Vec<String>,
}

impl Ca {
    /// A new root CA. Valid from 2000 to 20 years from now, so that tests can date leaves in
    /// the past.
    pub fn new(common_name: &str) -> Self {
        let key = KeyPair::generate().expect("P-256 key generation");
        Self::root(common_name, key)
    }

    fn root(common_name: &str, key: KeyPair) -> Self {
        let certificate = ca_params(common_name)
            .self_signed(&key)
            .expect("self-signed CA certificate");
        Ca {
            certificate,
            key,
            intermediates: Vec::new(),
        }
    }

    /// This CA's certificate, PEM: for a root, the trust anchor to configure.
    pub fn cert_pem(&self) -> String {
        self.certificate.pem()
    }

    /// An intermediate CA issued by this one.
    pub fn intermediate(&self, common_name: &str) -> Ca {
        let key = KeyPair::generate().expect("P-256 key generation");
        let certificate = ca_params(common_name)
            .signed_by(&key, &self.certificate, &self.key)
            .expect("intermediate CA certificate");
        let mut intermediates = vec![certificate.pem()];
        intermediates.extend(self.intermediates.iter().cloned());
        Ca {
            certificate,
            key,
            intermediates,
        }
    }

    /// A leaf certificate and its key, as `spec` says.
    pub fn issue(&self, spec: &LeafSpec) -> Leaf {
        let key = match spec.algorithm {
            Algorithm::P256 => KeyPair::generate().expect("P-256 key generation"),
            // ring cannot generate RSA keys; the rsa crate can, and ring reads them.
            Algorithm::Rsa => {
                use pkcs8::EncodePrivateKey;
                let rsa = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
                    .expect("RSA key generation");
                let pem = rsa.to_pkcs8_pem(Default::default()).expect("RSA PKCS#8");
                KeyPair::from_pem(&pem).expect("RSA key for rcgen")
            }
        };
        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(DnType::CommonName, &spec.common_name);
        if let Some(organization) = &spec.organization {
            params
                .distinguished_name
                .push(DnType::OrganizationName, organization);
        }
        if let Some(unit) = &spec.organizational_unit {
            params
                .distinguished_name
                .push(DnType::OrganizationalUnitName, unit);
        }
        params.key_usages = spec.key_usages.clone();
        params.extended_key_usages = spec.extended_key_usages.clone();
        params.use_authority_key_identifier_extension = true;
        set_validity(&mut params, spec.not_before, spec.not_after);
        let certificate = params
            .signed_by(&key, &self.certificate, &self.key)
            .expect("leaf certificate");
        Leaf {
            key_pem: key.serialize_pem(),
            cert_pem: certificate.pem(),
            chain_pem: std::iter::once(certificate.pem())
                .chain(self.intermediates.iter().cloned())
                .collect(),
        }
    }
}

/// The key algorithm of a leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// ECDSA P-256 with SHA-256.
    P256,
    /// RSA-2048, PKCS#1 v1.5 with SHA-256.
    Rsa,
}

/// What a leaf certificate says.
#[derive(Clone, Debug)]
pub struct LeafSpec {
    /// The subject's commonName.
    pub common_name: String,
    /// The subject's organizationName.
    pub organization: Option<String>,
    /// The subject's organizationalUnitName: the national CA writes an organization's BIN
    /// there (`BIN<12 digits>`) in its employees' certificates.
    pub organizational_unit: Option<String>,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
    /// keyUsage bits; empty leaves the extension out.
    pub key_usages: Vec<KeyUsagePurpose>,
    /// extendedKeyUsage purposes; empty leaves the extension out.
    pub extended_key_usages: Vec<ExtendedKeyUsagePurpose>,
    /// The key algorithm.
    pub algorithm: Algorithm,
}

impl LeafSpec {
    /// A P-256 signing certificate: digitalSignature and nonRepudiation, valid from a day ago
    /// for 365 days.
    pub fn signing(common_name: &str) -> Self {
        let now = Timestamp::now();
        LeafSpec {
            common_name: common_name.to_owned(),
            organization: None,
            organizational_unit: None,
            not_before: now - DAY,
            not_after: now + DAY * 365,
            key_usages: vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::ContentCommitment,
            ],
            extended_key_usages: Vec::new(),
            algorithm: Algorithm::P256,
        }
    }
}

/// An issued leaf.
#[derive(Clone, Debug)]
pub struct Leaf {
    /// The private key, PKCS#8 PEM.
    pub key_pem: String,
    /// The leaf certificate alone, PEM.
    pub cert_pem: String,
    /// The leaf certificate then the intermediates above it, PEM.
    pub chain_pem: String,
}

impl Leaf {
    /// A signer with this key and chain.
    pub fn signer(&self) -> KeySigner {
        KeySigner::from_pem(&self.key_pem, &self.chain_pem).expect("a dev leaf is a valid signer")
    }
}

/// A development PKI on disk (see [`ensure`]).
#[derive(Clone, Debug)]
pub struct DevPki {
    /// The directory.
    pub dir: PathBuf,
    /// The CA certificate, the trust anchor (`ca.pem`).
    pub ca: PathBuf,
}

impl DevPki {
    /// The private key of `name` (`<name>.key.pem`).
    pub fn key(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.key.pem"))
    }

    /// The certificate chain of `name` (`<name>.chain.pem`).
    pub fn chain(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.chain.pem"))
    }

    /// The CA itself, to issue more certificates that chain to `ca.pem` (tests issue expired
    /// ones and ones with the wrong key usage this way).
    pub fn authority(&self) -> io::Result<Ca> {
        let pem = fs::read_to_string(self.dir.join("ca.key.pem"))?;
        let key =
            KeyPair::from_pem(&pem).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        Ok(Ca::root(DEV_CA_NAME, key))
    }

    /// The signer `name`.
    pub fn signer(&self, name: &str) -> Result<KeySigner, SignError> {
        KeySigner::from_files(&self.key(name), &self.chain(name))
    }

    /// The trust anchors (the CA).
    pub fn trust(&self) -> Result<Trust, TrustError> {
        Trust::from_file(&self.ca)
    }
}

/// The common name of the CA that [`ensure`] creates.
pub const DEV_CA_NAME: &str = "egov development CA";

/// Writes a development PKI into `dir` where missing: `ca.pem` and `ca.key.pem`, and for each
/// of `names` a signing certificate valid for 10 years, `<name>.key.pem` (mode 0600) and
/// `<name>.chain.pem`; a name `<label>.<BIN>` is an employee of that organization
/// (`OU=BIN<BIN>`). Existing files are kept; a new CA reissues every leaf.
pub fn ensure(dir: &Path, names: &[&str]) -> io::Result<DevPki> {
    fs::create_dir_all(dir)?;
    let pki = DevPki {
        dir: dir.to_owned(),
        ca: dir.join("ca.pem"),
    };
    let ca_key = dir.join("ca.key.pem");
    let (ca, fresh) = match fs::read_to_string(&ca_key) {
        Ok(pem) if pki.ca.exists() => {
            let key = KeyPair::from_pem(&pem)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            // Same name and key as the stored CA: what it issues chains to `ca.pem`.
            (Ca::root(DEV_CA_NAME, key), false)
        }
        _ => {
            let ca = Ca::new(DEV_CA_NAME);
            write_secret(&ca_key, &ca.key.serialize_pem())?;
            fs::write(&pki.ca, ca.cert_pem())?;
            (ca, true)
        }
    };
    for name in names {
        let (key, chain) = (pki.key(name), pki.chain(name));
        if fresh || !key.exists() || !chain.exists() {
            let mut spec = LeafSpec::signing(name);
            // `<label>.<BIN>`: an employee of that organization (OU=BIN<BIN>).
            if let Some((_, bin)) = name.rsplit_once('.')
                && bin.len() == 12
                && bin.bytes().all(|b| b.is_ascii_digit())
            {
                spec.organizational_unit = Some(format!("BIN{bin}"));
            }
            spec.not_after = Timestamp::now() + DAY * 3650;
            let leaf = ca.issue(&spec);
            write_secret(&key, &leaf.key_pem)?;
            fs::write(&chain, &leaf.chain_pem)?;
        }
    }
    Ok(pki)
}

fn ca_params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let since_2000 = Timestamp::from_second(946_684_800).expect("2000-01-01");
    set_validity(&mut params, since_2000, Timestamp::now() + DAY * 365 * 20);
    params
}

/// rcgen takes `time` values; build them from the epoch rather than add a dependency.
fn set_validity(params: &mut CertificateParams, not_before: Timestamp, not_after: Timestamp) {
    let epoch = rcgen::date_time_ymd(1970, 1, 1);
    let since = |t: Timestamp| Duration::from_secs(t.as_second().max(0) as u64);
    params.not_before = epoch + since(not_before);
    params.not_after = epoch + since(not_after);
}

fn write_secret(path: &Path, contents: &str) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        if path.exists() {
            fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
        }
    }
    options.open(path)?.write_all(contents.as_bytes())
}
