//! MON-11: signing and verifying with real keys and a CA made here.

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerInfos};
use der::asn1::OctetString;
use der::{Any, Decode, Encode};
use egov_signature::dev::{Algorithm, Ca, ExtendedKeyUsagePurpose, KeyUsagePurpose, LeafSpec};
use egov_signature::{Refusal, Signer, Trust, Verifier, canonical_json, dev, sign_detached};
use jiff::{SignedDuration, Timestamp};

const CONTENT: &[u8] = b"\x08\x01\x12\x05hello";
const DAY: SignedDuration = SignedDuration::from_hours(24);

fn now() -> Timestamp {
    Timestamp::from_second(Timestamp::now().as_second()).unwrap()
}

fn verifier(ca: &Ca) -> Verifier {
    Verifier::new(Trust::from_pem(&ca.cert_pem()).unwrap())
}

fn verify(ca: &Ca, spec: &LeafSpec, signed_at: Timestamp, now: Timestamp) -> Result<(), Refusal> {
    let cms = sign_detached(&ca.issue(spec).signer(), CONTENT, signed_at).unwrap();
    verifier(ca).verify_detached(&cms, CONTENT, now).map(|_| ())
}

/// Decodes the SignedData of `cms`, lets `edit` change it, encodes it again.
fn edit(cms: &[u8], edit: impl FnOnce(&mut SignedData)) -> Vec<u8> {
    let mut content_info = ContentInfo::from_der(cms).unwrap();
    let mut signed_data: SignedData = content_info.content.decode_as().unwrap();
    edit(&mut signed_data);
    content_info.content = Any::from_der(&signed_data.to_der().unwrap()).unwrap();
    content_info.to_der().unwrap()
}

#[test]
fn mon_11_signs_and_verifies_p256() {
    let ca = Ca::new("Test national CA");
    let mut spec = LeafSpec::signing("Monitoring bridge");
    spec.organization = Some("egov".into());
    let signer = ca.issue(&spec).signer();
    let at = now();
    let cms = sign_detached(&signer, CONTENT, at).unwrap();
    let verified = verifier(&ca).verify_detached(&cms, CONTENT, at).unwrap();
    assert!(
        verified.subject.contains("CN=Monitoring bridge"),
        "{}",
        verified.subject
    );
    assert!(verified.subject.contains("O=egov"), "{}", verified.subject);
    assert!(
        verified.issuer.contains("CN=Test national CA"),
        "{}",
        verified.issuer
    );
    assert_eq!(verified.signed_at, at);
    let serial = signer
        .certificate()
        .tbs_certificate
        .serial_number
        .as_bytes();
    assert_eq!(verified.serial, hex::encode(serial));
    assert_eq!(verified.certificate_sha256.len(), 64);
}

#[test]
fn mon_11_signs_and_verifies_rsa() {
    let ca = Ca::new("Test national CA");
    let mut spec = LeafSpec::signing("RSA signer");
    spec.algorithm = Algorithm::Rsa;
    let at = now();
    assert_eq!(verify(&ca, &spec, at, at), Ok(()));
}

#[test]
fn mon_11_refuses_unsigned_and_malformed() {
    let ca = Ca::new("Test national CA");
    let verifier = verifier(&ca);
    let at = now();
    let refused = |cms: &[u8]| verifier.verify_detached(cms, CONTENT, at).unwrap_err();
    assert_eq!(refused(b""), Refusal::Unsigned);
    assert!(matches!(refused(b"not a signature"), Refusal::Malformed(_)));

    let cms = sign_detached(&ca.issue(&LeafSpec::signing("a")).signer(), CONTENT, at).unwrap();
    let attached = edit(&cms, |signed_data| {
        let content = OctetString::new(CONTENT).unwrap().to_der().unwrap();
        signed_data.encap_content_info.econtent = Some(Any::from_der(&content).unwrap());
    });
    match refused(&attached) {
        Refusal::Malformed(detail) => assert!(detail.contains("detached"), "{detail}"),
        other => panic!("{other:?}"),
    }
    let no_certificates = edit(&cms, |signed_data| signed_data.certificates = None);
    assert_eq!(refused(&no_certificates), Refusal::MissingCertificate);
}

#[test]
fn mon_11_refuses_tampered_content_and_signature() {
    let ca = Ca::new("Test national CA");
    let at = now();
    let cms = sign_detached(&ca.issue(&LeafSpec::signing("a")).signer(), CONTENT, at).unwrap();
    let verifier = verifier(&ca);

    let mut changed = CONTENT.to_vec();
    changed[3] ^= 1;
    assert_eq!(
        verifier.verify_detached(&cms, &changed, at),
        Err(Refusal::ContentMismatch)
    );

    let forged = edit(&cms, |signed_data| {
        let mut infos = signed_data.signer_infos.0.clone().into_vec();
        let mut signature = infos[0].signature.as_bytes().to_vec();
        *signature.last_mut().unwrap() ^= 1;
        infos[0].signature = OctetString::new(signature).unwrap();
        signed_data.signer_infos = SignerInfos::try_from(infos).unwrap();
    });
    assert_eq!(
        verifier.verify_detached(&forged, CONTENT, at),
        Err(Refusal::BadSignature)
    );
}

#[test]
fn mon_11_judges_validity_at_signing_time() {
    let ca = Ca::new("Test national CA");
    let now = now();
    let mut lapsed = LeafSpec::signing("lapsed");
    (lapsed.not_before, lapsed.not_after) = (now - DAY * 730, now - DAY * 365);
    match verify(&ca, &lapsed, now - DAY * 100, now) {
        Err(Refusal::Expired {
            not_after,
            signed_at,
        }) => {
            assert_eq!(not_after, lapsed.not_after);
            assert_eq!(signed_at, now - DAY * 100);
        }
        other => panic!("{other:?}"),
    }
    // Signed while valid: still verifies after expiry.
    assert_eq!(verify(&ca, &lapsed, now - DAY * 500, now), Ok(()));

    let mut early = LeafSpec::signing("early");
    (early.not_before, early.not_after) = (now + DAY, now + DAY * 365);
    assert!(matches!(
        verify(&ca, &early, now, now),
        Err(Refusal::NotYetValid { .. })
    ));
}

#[test]
fn mon_11_a_path_remembered_as_valid_is_judged_again_outside_its_validity() {
    let ca = Ca::new("Test national CA");
    let now = now();
    let mut spec = LeafSpec::signing("remembered");
    (spec.not_before, spec.not_after) = (now - DAY * 730, now - DAY * 365);
    let signer = ca.issue(&spec).signer();
    let verifier = verifier(&ca);
    let inside = sign_detached(&signer, CONTENT, now - DAY * 500).unwrap();
    assert!(verifier.verify_detached(&inside, CONTENT, now).is_ok());
    // The same certificates, signed after they expired: the same verifier refuses it.
    let outside = sign_detached(&signer, CONTENT, now - DAY * 100).unwrap();
    assert!(matches!(
        verifier.verify_detached(&outside, CONTENT, now),
        Err(Refusal::Expired { .. })
    ));
    // And another CA's leaf of the same name never rides on it.
    let other = Ca::new("Test national CA").issue(&spec).signer();
    let forged = sign_detached(&other, CONTENT, now - DAY * 500).unwrap();
    assert!(matches!(
        verifier.verify_detached(&forged, CONTENT, now),
        Err(Refusal::UntrustedIssuer(_))
    ));
}

#[test]
fn mon_11_refuses_a_signing_time_in_the_future() {
    let ca = Ca::new("Test national CA");
    let now = now();
    let spec = LeafSpec::signing("a");
    assert_eq!(
        verify(&ca, &spec, now + SignedDuration::from_mins(4), now),
        Ok(())
    );
    assert!(matches!(
        verify(&ca, &spec, now + SignedDuration::from_mins(10), now),
        Err(Refusal::SignedInFuture { .. })
    ));
}

#[test]
fn mon_11_validates_the_chain_to_the_national_ca() {
    let ca = Ca::new("Test national CA");
    let other = Ca::new("Some other CA");
    let at = now();
    let refused = |ca: &Ca, cms: &[u8]| verifier(ca).verify_detached(cms, CONTENT, at);

    let stranger = sign_detached(&other.issue(&LeafSpec::signing("a")).signer(), CONTENT, at);
    assert!(matches!(
        refused(&ca, &stranger.unwrap()),
        Err(Refusal::UntrustedIssuer(_))
    ));

    let intermediate = ca.intermediate("Test regional CA");
    let leaf = intermediate.issue(&LeafSpec::signing("b"));
    let cms = sign_detached(&leaf.signer(), CONTENT, at).unwrap();
    assert!(refused(&ca, &cms).is_ok());

    let without = egov_signature::KeySigner::from_pem(&leaf.key_pem, &leaf.cert_pem).unwrap();
    let cms = sign_detached(&without, CONTENT, at).unwrap();
    assert!(matches!(
        refused(&ca, &cms),
        Err(Refusal::UntrustedIssuer(_))
    ));
}

#[test]
fn mon_11_requires_a_signing_key_usage() {
    let ca = Ca::new("Test national CA");
    let at = now();
    let mut spec = LeafSpec::signing("a");
    spec.key_usages = vec![KeyUsagePurpose::KeyEncipherment];
    assert!(matches!(
        verify(&ca, &spec, at, at),
        Err(Refusal::KeyUsage(_))
    ));
    spec.key_usages = Vec::new();
    assert!(matches!(
        verify(&ca, &spec, at, at),
        Err(Refusal::KeyUsage(_))
    ));
    spec.key_usages = vec![KeyUsagePurpose::ContentCommitment];
    assert_eq!(verify(&ca, &spec, at, at), Ok(()));
    // An extended key usage, when present, must include emailProtection.
    spec.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    assert!(matches!(
        verify(&ca, &spec, at, at),
        Err(Refusal::KeyUsage(_))
    ));
    spec.extended_key_usages
        .push(ExtendedKeyUsagePurpose::EmailProtection);
    assert_eq!(verify(&ca, &spec, at, at), Ok(()));
}

#[test]
fn mon_11_canonical_json_is_rfc_8785() {
    let value: serde_json::Value = serde_json::from_str(r#"{"b":1,"a":[1.0,"x"]}"#).unwrap();
    assert_eq!(canonical_json(&value).unwrap(), br#"{"a":[1,"x"],"b":1}"#);
}

#[test]
fn mon_11_refusal_codes_are_distinct_and_name_the_rule() {
    let at = Timestamp::UNIX_EPOCH;
    let all = [
        Refusal::Unsigned,
        Refusal::Malformed(String::new()),
        Refusal::MissingCertificate,
        Refusal::SignedInFuture {
            signed_at: at,
            now: at,
        },
        Refusal::Expired {
            not_after: at,
            signed_at: at,
        },
        Refusal::NotYetValid {
            not_before: at,
            signed_at: at,
        },
        Refusal::UntrustedIssuer(String::new()),
        Refusal::BadCertificate(String::new()),
        Refusal::KeyUsage(String::new()),
        Refusal::ContentMismatch,
        Refusal::BadSignature,
        Refusal::UnsupportedAlgorithm(String::new()),
    ];
    let codes: std::collections::BTreeSet<_> = all.iter().map(Refusal::code).collect();
    assert_eq!(codes.len(), all.len());
    for refusal in &all {
        assert!(["MON-11.a", "MON-11.b"].contains(&refusal.rule()));
        assert!(refusal.to_string().starts_with(refusal.rule()), "{refusal}");
    }
}

#[test]
fn mon_11_dev_pki_is_written_once_and_verifies() {
    let dir = std::env::temp_dir().join(format!("egov-signature-{}", std::process::id()));
    let pki = dev::ensure(&dir, &["bridge"]).unwrap();
    let ca_pem = std::fs::read_to_string(&pki.ca).unwrap();
    dev::ensure(&dir, &["bridge", "monitoring"]).unwrap();
    assert_eq!(std::fs::read_to_string(&pki.ca).unwrap(), ca_pem);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(pki.key("bridge"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let verifier = Verifier::new(pki.trust().unwrap());
    for name in ["bridge", "monitoring"] {
        let at = now();
        let cms = sign_detached(&pki.signer(name).unwrap(), CONTENT, at).unwrap();
        assert!(
            verifier.verify_detached(&cms, CONTENT, at).is_ok(),
            "{name}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
