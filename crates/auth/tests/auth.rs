//! Token verification: every way a token can be wrong, through the warp filter, in-process.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use egov_auth::dev::{DevKeys, SigningKey, TokenRequest};
use egov_auth::{JwksSource, Verifier, VerifierConfig, require};
use egov_kernel::{Bin, Role};
use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::JwkSet;
use serde_json::{Value, json};
use warp::Filter;

const ISS: &str = "https://idp.example.kz";
const AUD: &str = "egov";
const ORG: &str = "940740000911";

fn keys() -> Vec<SigningKey> {
    let k = |file: &str, alg, kid: &str| {
        let pem =
            std::fs::read(format!("{}/tests/keys/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        SigningKey::from_pem(&pem, alg, kid).unwrap()
    };
    vec![
        k("rsa.pem", Algorithm::RS256, "rsa-1"),
        k("ec.pem", Algorithm::ES256, "ec-1"),
        k("ed25519.pem", Algorithm::EdDSA, "ed-1"),
    ]
}

fn write_jwks(keys: &[SigningKey]) -> std::path::PathBuf {
    let set = JwkSet {
        keys: keys.iter().map(|k| k.jwk().unwrap()).collect(),
    };
    let dir = std::env::temp_dir().join(format!("egov-auth-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("jwks.json");
    std::fs::write(&path, serde_json::to_vec(&set).unwrap()).unwrap();
    path
}

async fn verifier(keys: &[SigningKey]) -> Arc<Verifier> {
    Verifier::new(VerifierConfig::new(
        JwksSource::File(write_jwks(keys)),
        ISS,
        AUD,
    ))
    .await
    .unwrap()
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn claims() -> Value {
    json!({"iss": ISS, "aud": AUD, "sub": "user-1", "org": ORG, "roles": ["state-body"],
           "iat": now(), "nbf": now(), "exp": now() + 600})
}

fn with(mut c: Value, key: &str, v: Value) -> Value {
    if v.is_null() {
        c.as_object_mut().unwrap().remove(key);
    } else {
        c[key] = v;
    }
    c
}

fn b64(v: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v)
}

/// Calls a route that admits state bodies; returns status and problem body.
async fn call(v: &Arc<Verifier>, token: Option<&str>) -> (u16, Value) {
    let route = require(v.clone(), &[Role::StateBody])
        .map(|p: egov_auth::Principal| {
            warp::reply::json(&json!({"org": p.org.to_string(), "sub": p.sub}))
        })
        .recover(egov_web::recover);
    let mut req = warp::test::request().path("/");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = req.reply(&route).await;
    let status = resp.status().as_u16();
    if status >= 400 {
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
    }
    (
        status,
        serde_json::from_slice(resp.body()).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn valid_rs256_es256_and_eddsa_tokens_give_a_principal() {
    let keys = keys();
    let v = verifier(&keys).await;
    for k in &keys {
        let (status, body) = call(&v, Some(&k.sign(&claims()))).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, json!({"org": ORG, "sub": "user-1"}));
    }
}

#[tokio::test]
async fn expired_not_yet_valid_wrong_issuer_and_wrong_audience_are_401() {
    let keys = keys();
    let v = verifier(&keys).await;
    let k = &keys[0];
    let cases = [
        (with(claims(), "exp", json!(now() - 3600)), "expired"),
        (with(claims(), "nbf", json!(now() + 3600)), "not yet valid"),
        (
            with(claims(), "iss", json!("https://evil.example")),
            "issuer",
        ),
        (with(claims(), "aud", json!("another-system")), "audience"),
        (with(claims(), "exp", Value::Null), "exp"),
    ];
    for (c, needle) in cases {
        let (status, p) = call(&v, Some(&k.sign(&c))).await;
        assert_eq!(status, 401, "{needle}: {p}");
        assert!(
            p["detail"].as_str().unwrap().contains(needle),
            "{needle}: {p}"
        );
    }
}

#[tokio::test]
async fn alg_none_is_401() {
    let v = verifier(&keys()).await;
    let token = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT","kid":"rsa-1"}"#),
        b64(claims().to_string().as_bytes())
    );
    let (status, p) = call(&v, Some(&token)).await;
    assert_eq!(status, 401);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("none is not accepted"),
        "{p}"
    );
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_401() {
    let v = verifier(&keys()).await;
    let public_pem = std::fs::read(format!(
        "{}/tests/keys/rsa.pub.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut header = jsonwebtoken::Header::new(Algorithm::HS256);
    header.kid = Some("rsa-1".into());
    let token = jsonwebtoken::encode(
        &header,
        &claims(),
        &jsonwebtoken::EncodingKey::from_secret(&public_pem),
    )
    .unwrap();
    let (status, p) = call(&v, Some(&token)).await;
    assert_eq!(status, 401);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("HS256 is not accepted"),
        "{p}"
    );
}

#[tokio::test]
async fn unknown_kid_tampered_payload_and_a_key_used_with_another_algorithm_are_401() {
    let keys = keys();
    let v = verifier(&keys[..2]).await;
    // The Ed25519 key is not in this JWKS.
    let (status, p) = call(&v, Some(&keys[2].sign(&claims()))).await;
    assert_eq!(
        (status, p["detail"].as_str().unwrap()),
        (401, "unknown signing key \"ed-1\"")
    );

    // A valid token whose payload is swapped for more roles keeps its old signature.
    let good = keys[0].sign(&claims());
    let parts: Vec<&str> = good.split('.').collect();
    let forged_claims = with(claims(), "roles", json!(["platform-admin", "state-body"]));
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64(forged_claims.to_string().as_bytes()),
        parts[2]
    );
    let (status, p) = call(&v, Some(&forged)).await;
    assert_eq!(
        (status, p["detail"].as_str().unwrap()),
        (401, "invalid signature")
    );

    // The EC key's token relabelled RS256 with the EC kid.
    let ec = keys[1].sign(&claims());
    let parts: Vec<&str> = ec.split('.').collect();
    let relabelled = format!(
        "{}.{}.{}",
        b64(br#"{"alg":"RS256","kid":"ec-1"}"#),
        parts[1],
        parts[2]
    );
    let (status, p) = call(&v, Some(&relabelled)).await;
    assert_eq!(status, 401);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("RS256 with a ES256 key"),
        "{p}"
    );

    // Garbage and a missing header.
    assert_eq!(call(&v, Some("not.a.jwt")).await.0, 401);
    let (status, p) = call(&v, None).await;
    assert_eq!((status, p["field"].as_str()), (401, Some("Authorization")));
}

#[tokio::test]
async fn missing_roles_are_403_and_a_bad_org_checksum_is_401() {
    let keys = keys();
    let v = verifier(&keys).await;
    let k = &keys[2];
    for c in [
        with(claims(), "roles", Value::Null),
        with(claims(), "roles", json!([])),
    ] {
        let (status, p) = call(&v, Some(&k.sign(&c))).await;
        assert_eq!((status, p["field"].as_str()), (403, Some("roles")), "{p}");
    }
    // A valid identity in another role: 403 naming the roles admitted.
    let (status, p) = call(
        &v,
        Some(&k.sign(&with(claims(), "roles", json!(["supplier"])))),
    )
    .await;
    assert_eq!(status, 403);
    assert!(p["detail"].as_str().unwrap().contains("state-body"));

    let (status, p) = call(
        &v,
        Some(&k.sign(&with(claims(), "org", json!("940740000915")))),
    )
    .await;
    assert_eq!((status, p["field"].as_str()), (401, Some("org")));
    assert!(p["detail"].as_str().unwrap().contains("checksum"), "{p}");
    let (status, p) = call(
        &v,
        Some(&k.sign(&with(claims(), "roles", json!(["emperor"])))),
    )
    .await;
    assert_eq!((status, p["field"].as_str()), (401, Some("roles")));
}

#[tokio::test]
async fn jwks_from_a_url_is_loaded_and_reloaded_for_a_new_kid() {
    let keys = keys();
    let served = Arc::new(std::sync::Mutex::new(JwkSet {
        keys: vec![keys[0].jwk().unwrap()],
    }));
    let s = served.clone();
    let route = warp::path!("jwks.json").map(move || warp::reply::json(&*s.lock().unwrap()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(warp::serve(route).incoming(listener).run());
    let mut cfg = VerifierConfig::new(
        JwksSource::parse(&format!("http://{addr}/jwks.json")),
        ISS,
        AUD,
    );
    cfg.min_reload = Duration::from_millis(100);
    let v = Verifier::new(cfg).await.unwrap();
    assert_eq!(call(&v, Some(&keys[0].sign(&claims()))).await.0, 200);
    // The issuer rotates in a new key: the first token with its kid triggers a reload.
    served.lock().unwrap().keys.push(keys[1].jwk().unwrap());
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(call(&v, Some(&keys[1].sign(&claims()))).await.0, 200);
}

#[tokio::test]
async fn dev_keys_mint_tokens_the_dev_verifier_accepts() {
    let dir = std::env::temp_dir().join(format!("egov-dev-{}", ulid::Ulid::new()));
    let dev = DevKeys::load_or_create(&dir).unwrap();
    let again = DevKeys::load_or_create(&dir).unwrap();
    let req = TokenRequest {
        sub: "dev".into(),
        org: Bin::parse(ORG).unwrap(),
        roles: vec![Role::StateBody],
        ttl: Duration::from_secs(3600),
    };
    let v = Verifier::new(VerifierConfig::new(
        JwksSource::File(dev.jwks_path()),
        egov_auth::dev::DEV_ISSUER,
        egov_auth::dev::DEV_AUDIENCE,
    ))
    .await
    .unwrap();
    // The key persists: a token from the reloaded key verifies too.
    for token in [dev.mint(&req), again.mint(&req)] {
        let p = v.verify(&token).await.unwrap();
        assert_eq!((p.sub.as_str(), p.org.to_string().as_str()), ("dev", ORG));
        assert!(p.has(Role::StateBody));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("dev-signing-key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the private key is readable by its owner only"
        );
    }
}

/// A verified token is remembered until it expires: its `exp` is still checked on every use
/// (with the leeway), and a JWKS read again forgets it, so a key taken out stops its tokens.
#[tokio::test]
async fn a_remembered_token_still_expires_and_a_reloaded_jwks_without_its_key_refuses_it() {
    let keys = keys();
    let path = write_jwks(&keys);
    let mut cfg = VerifierConfig::new(JwksSource::File(path.clone()), ISS, AUD);
    cfg.leeway = 0;
    let v = Verifier::new(cfg).await.unwrap();
    // Expires two seconds from now: verified, then answered from memory, then expired.
    let short = keys[2].sign(&with(claims(), "exp", json!(now() + 2)));
    for _ in 0..2 {
        assert_eq!(v.verify(&short).await.unwrap().sub, "user-1");
    }
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    assert!(matches!(
        v.verify(&short).await,
        Err(egov_auth::AuthError::Expired)
    ));
    // The issuer takes the EdDSA key out of its JWKS: once read again, its token is refused
    // though it was verified (and remembered) a moment before.
    let token = keys[2].sign(&claims());
    assert!(v.verify(&token).await.is_ok());
    let set = JwkSet {
        keys: vec![keys[0].jwk().unwrap()],
    };
    std::fs::write(&path, serde_json::to_vec(&set).unwrap()).unwrap();
    v.reload().await.unwrap();
    assert!(matches!(
        v.verify(&token).await,
        Err(egov_auth::AuthError::UnknownKey(_))
    ));
    // A tampered copy of a remembered token is not the remembered token.
    let ok = keys[0].sign(&claims());
    assert!(v.verify(&ok).await.is_ok());
    let mut parts: Vec<String> = ok.split('.').map(str::to_owned).collect();
    parts[1] = b64(&serde_json::to_vec(&with(claims(), "sub", json!("someone-else"))).unwrap());
    assert!(v.verify(&parts.join(".")).await.is_err());
}
