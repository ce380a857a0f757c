//! The bad-input corpus: every endpoint of the five services (every path and method of their
//! OpenAPI documents, checked against the documents themselves, so a new endpoint without a
//! case fails here) is sent what it must refuse:
//!
//! - tokens: none, another scheme, `alg: none`, HS256 signed with the public key, a key the
//!   suite does not trust, another key under the trusted `kid`, expired, not yet valid, wrong
//!   issuer, wrong audience, no `exp`, a tampered payload, an oversized token, a bad BIN
//!   checksum in `org`, an unknown role, and a valid identity with no role at all;
//! - bodies: malformed JSON, another content type or none, oversized, nested too deep, unknown
//!   fields, wrong types, missing fields, impossible dates (2026-02-30), implausible ones
//!   (1800, 2300), bad BIN checksums, control characters in one-line fields, text aimed at
//!   Redis (`*\r\nFLUSHALL\r\n`, `{x}`, keys with `:` and `*`, Lua);
//! - authorization: another agency's case, a role acting on another role's step, a step at
//!   the wrong service, a step out of order, unknown ids, ids that are not ids;
//! - protocol: every path with a method it does not admit (405 with `Allow` listing exactly
//!   the document's methods), a reused `Idempotency-Key` with another body or path (422), a
//!   malformed `Idempotency-Key`, a stale `If-Match`, bad query parameters, an `Accept` the
//!   services cannot produce.
//!
//! Every answer must be a 4xx `application/problem+json` naming the field at fault (and the
//! rule where one is at stake; a 405 names its methods in `Allow` instead), and every case
//! compares the whole Redis state before and after: nothing may change. One suite serves the
//! whole corpus.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use base64::Engine;
use egov_auth::dev::{DEV_AUDIENCE, DEV_ISSUER, DevKeys, SigningKey};
use egov_e2e::sm;
use egov_e2e::{AGENCY, MINISTRY, OTHER_AGENCY, Suite, application, eventually};
use egov_events::monitoring::{Batch, Category, Message, MessageType, Signed};
use egov_kernel::{Clock, Role};
use egov_signature::{KeySigner, Signer};
use jsonwebtoken::Algorithm;
use prost::Message as _;
use serde_json::{Value, json};

/// The suite's clock: Thursday 19 March 2026 (every variant used here is in force).
const NOW: &str = "2026-03-19T10:00:00+05:00";
/// A BIN whose control digit is wrong.
const BAD_BIN: &str = "060240003411";
/// The redis-aimed strings that must never pass as a name or one line.
const RESP: &str = "*\r\nFLUSHALL\r\n";
const LUA: &str = "redis.call('FLUSHALL')";

const SERVICES: [&str; 5] = [
    "intake",
    "expertise",
    "tender",
    "catalog",
    "monitoring-bridge",
];
const HOSTS: [&str; 3] = ["expertise", "tender", "catalog"];

/// Every intake path of the variants the suite loads (intake's document lists one path per
/// intake), with the role that submits there.
const INTAKES: [(&str, Role); 12] = [
    ("/api/v1/perechen-applications", Role::StateBody),
    ("/api/v1/perechen-exclusions", Role::StateBody),
    ("/api/v1/informatization-objects", Role::StateBody),
    ("/api/v1/trusted-software-inclusions", Role::Supplier),
    ("/api/v1/automation-requests", Role::StateBody),
    ("/api/v1/supplier-automation-applications", Role::Supplier),
    ("/api/v1/operator-automation-applications", Role::Operator),
    ("/api/v1/ict-service-development-requests", Role::StateBody),
    ("/api/v1/tender-openings", Role::PlatformAdmin),
    ("/api/v1/ict-service-tenders", Role::StateBody),
    ("/api/v1/terms-of-reference", Role::StateBody),
    ("/api/v1/terms-of-reference-addenda", Role::StateBody),
];

// ---------------------------------------------------------------------------------------------
// Cases.

#[derive(Clone, Debug)]
enum Auth {
    None,
    Bearer(String),
    /// The whole `Authorization` value.
    Raw(String),
}

#[derive(Clone, Debug)]
struct Body {
    content_type: Option<String>,
    bytes: Vec<u8>,
}

impl Body {
    fn json(v: &Value) -> Self {
        Self::text("application/json", &v.to_string())
    }

    fn text(ct: &str, text: &str) -> Self {
        Self {
            content_type: Some(ct.to_owned()),
            bytes: text.as_bytes().to_vec(),
        }
    }
}

/// What the problem must name.
#[derive(Clone, Debug)]
enum Field {
    /// This field, as `field` or in `errors[]`.
    Is(String),
    /// A field path starting so (a path into a deeply nested body).
    Starts(String),
    /// No field: a 405, whose `Allow` names what is wrong.
    Methods,
}

#[derive(Clone, Debug)]
struct Case {
    category: &'static str,
    what: String,
    service: &'static str,
    method: &'static str,
    /// The path template of the service's document the case is aimed at.
    template: String,
    path: String,
    auth: Auth,
    headers: Vec<(&'static str, String)>,
    body: Option<Body>,
    status: u16,
    field: Field,
    rule: Option<&'static str>,
    allow: Option<String>,
}

impl Case {
    fn path(mut self, p: impl Into<String>) -> Self {
        self.path = p.into();
        self
    }

    fn token(mut self, t: &str) -> Self {
        self.auth = Auth::Bearer(t.to_owned());
        self
    }

    fn auth(mut self, a: Auth) -> Self {
        self.auth = a;
        self
    }

    fn json(mut self, v: &Value) -> Self {
        self.body = Some(Body::json(v));
        self
    }

    fn text(mut self, ct: &str, text: &str) -> Self {
        self.body = Some(Body::text(ct, text));
        self
    }

    fn body(mut self, b: Option<Body>) -> Self {
        self.body = b;
        self
    }

    fn header(mut self, k: &'static str, v: impl Into<String>) -> Self {
        self.headers.push((k, v.into()));
        self
    }

    fn want(mut self, status: u16, field: &str) -> Self {
        self.status = status;
        self.field = Field::Is(field.to_owned());
        self
    }

    fn want_under(mut self, status: u16, prefix: &str) -> Self {
        self.status = status;
        self.field = Field::Starts(prefix.to_owned());
        self
    }

    fn rule(mut self, r: &'static str) -> Self {
        self.rule = Some(r);
        self
    }
}

/// One operation as a valid request would make it: the case builders start from here and
/// spoil one thing.
#[derive(Clone, Debug)]
struct Endpoint {
    service: &'static str,
    method: &'static str,
    template: &'static str,
    path: String,
    /// The role and agency of a token the endpoint admits; `None`: no authentication.
    who: Option<(Role, &'static str)>,
    token: Option<String>,
    body: Option<Body>,
}

impl Endpoint {
    fn case(&self, category: &'static str, what: impl Into<String>) -> Case {
        Case {
            category,
            what: what.into(),
            service: self.service,
            method: self.method,
            template: self.template.to_owned(),
            path: self.path.clone(),
            auth: self.token.clone().map_or(Auth::None, Auth::Bearer),
            headers: Vec::new(),
            body: self.body.clone(),
            status: 0,
            field: Field::Methods,
            rule: None,
            allow: None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens.

fn b64url(b: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn unix_now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// The suite's signing key (read from its home, so any claims can be signed with it), its
/// public key, and two keys it does not trust.
struct Tokens {
    key: SigningKey,
    kid: String,
    public: Vec<u8>,
    /// A key the JWKS does not hold, under its own kid.
    stranger: SigningKey,
    /// The same stranger key under the trusted kid.
    impostor: SigningKey,
}

impl Tokens {
    fn load(s: &Suite) -> Self {
        let pem = std::fs::read(s.home.join("dev-signing-key.pem")).unwrap();
        let jwks: Value =
            serde_json::from_slice(&std::fs::read(s.home.join("jwks.json")).unwrap()).unwrap();
        let kid = jwks["keys"][0]["kid"].as_str().unwrap().to_owned();
        let public = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwks["keys"][0]["x"].as_str().unwrap())
            .unwrap();
        let other = std::env::temp_dir().join(format!("egov-bad-input-{}", ulid::Ulid::new()));
        DevKeys::load_or_create(&other).unwrap();
        let other_pem = std::fs::read(other.join("dev-signing-key.pem")).unwrap();
        Self {
            key: SigningKey::from_pem(&pem, Algorithm::EdDSA, kid.clone()).unwrap(),
            stranger: SigningKey::from_pem(&other_pem, Algorithm::EdDSA, "egov-dev-stranger")
                .unwrap(),
            impostor: SigningKey::from_pem(&other_pem, Algorithm::EdDSA, kid.clone()).unwrap(),
            kid,
            public,
        }
    }

    fn claims(roles: &[Role], org: &str) -> Value {
        let now = unix_now();
        json!({"iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "sub": "bad-input", "org": org,
               "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
               "iat": now, "nbf": now, "exp": now + 3600})
    }

    fn sign(&self, claims: &Value) -> String {
        self.key.sign(claims)
    }

    /// A valid token.
    fn of(&self, role: Role, org: &str) -> String {
        self.sign(&Self::claims(&[role], org))
    }

    /// Every way to spoil a token of `role` for `org`: what, the `Authorization` sent, the
    /// status and the field the problem must name.
    fn attacks(&self, role: Role, org: &str) -> Vec<(&'static str, Auth, u16, &'static str)> {
        let good = Self::claims(&[role], org);
        let with = |k: &str, v: Value| {
            let mut c = good.clone();
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v;
            }
            c
        };
        let bearer = |t: String| Auth::Bearer(t);
        let none = format!(
            "{}.{}.",
            b64url(
                json!({"alg": "none", "typ": "JWT", "kid": self.kid})
                    .to_string()
                    .as_bytes()
            ),
            b64url(good.to_string().as_bytes())
        );
        let hs256 = {
            let mut h = jsonwebtoken::Header::new(Algorithm::HS256);
            h.kid = Some(self.kid.clone());
            jsonwebtoken::encode(
                &h,
                &good,
                &jsonwebtoken::EncodingKey::from_secret(&self.public),
            )
            .unwrap()
        };
        let tampered = {
            let t = self.sign(&good);
            let parts: Vec<&str> = t.split('.').collect();
            let more = with("roles", json!(["platform-admin", role.as_str()]));
            format!(
                "{}.{}.{}",
                parts[0],
                b64url(more.to_string().as_bytes()),
                parts[2]
            )
        };
        let now = unix_now();
        vec![
            ("no token", Auth::None, 401, "Authorization"),
            (
                "another scheme",
                Auth::Raw("Basic ZWdvdjplZ292".into()),
                401,
                "Authorization",
            ),
            (
                "not a JWT",
                bearer("not.a.jwt".into()),
                401,
                "Authorization",
            ),
            ("alg none", bearer(none), 401, "alg"),
            (
                "HS256 signed with the public key",
                bearer(hs256),
                401,
                "alg",
            ),
            (
                "a key the suite does not trust",
                bearer(self.stranger.sign(&good)),
                401,
                "kid",
            ),
            (
                "another key under the trusted kid",
                bearer(self.impostor.sign(&good)),
                401,
                "Authorization",
            ),
            (
                "expired",
                bearer(self.sign(&with("exp", json!(now - 3600)))),
                401,
                "exp",
            ),
            (
                "not yet valid",
                bearer(self.sign(&with("nbf", json!(now + 3600)))),
                401,
                "nbf",
            ),
            (
                "wrong issuer",
                bearer(self.sign(&with("iss", json!("https://idp.evil.example")))),
                401,
                "iss",
            ),
            (
                "wrong audience",
                bearer(self.sign(&with("aud", json!("another-system")))),
                401,
                "aud",
            ),
            (
                "no exp",
                bearer(self.sign(&with("exp", Value::Null))),
                401,
                "exp",
            ),
            ("tampered payload", bearer(tampered), 401, "Authorization"),
            (
                "oversized token",
                bearer(self.sign(&with("pad", json!("x".repeat(9 * 1024))))),
                401,
                "Authorization",
            ),
            (
                "a bad BIN checksum in org",
                bearer(self.sign(&with("org", json!(BAD_BIN)))),
                401,
                "org",
            ),
            (
                "an unknown role",
                bearer(self.sign(&with("roles", json!(["emperor"])))),
                401,
                "roles",
            ),
            (
                "a subject with a line break",
                bearer(self.sign(&with("sub", json!("root\r\nX-Admin: 1")))),
                401,
                "sub",
            ),
            (
                "a valid identity with no role",
                bearer(self.sign(&with("roles", json!([])))),
                403,
                "roles",
            ),
        ]
    }
}

// ---------------------------------------------------------------------------------------------
// Monitoring documents.

fn signed_json(signer: &dyn Signer, message: &Value) -> Value {
    let bytes = egov_signature::canonical_json(message).unwrap();
    let cms = egov_signature::sign_detached(signer, &bytes, jiff::Timestamp::now()).unwrap();
    json!({"message": message, "signature": b64(&cms)})
}

fn status_report() -> Value {
    json!({"id": ulid::Ulid::new().to_string(), "application": "APP-2026-000001", "service": "00101001",
           "provider": AGENCY, "status": "accepted", "at": "2026-03-19T09:00:00+05:00"})
}

fn information_request() -> Value {
    json!({"id": ulid::Ulid::new().to_string(), "provider": AGENCY, "service": "00101001",
           "recipient": OTHER_AGENCY, "documents": ["identity-card"],
           "consent": {"written": true, "reference": "Согласие № 17", "given_on": "2026-03-18"}})
}

fn monitoring_application() -> Value {
    json!({"id": ulid::Ulid::new().to_string(), "application": "APP-2026-000002", "service": "00101001",
           "provider": AGENCY, "recipient": OTHER_AGENCY, "form": {"purpose": "a certificate"}})
}

fn provider_response() -> Value {
    json!({"id": ulid::Ulid::new().to_string(), "correlation": ulid::Ulid::new().to_string(),
           "result": {"found": true}})
}

fn inbox_message() -> Message {
    Message {
        id: ulid::Ulid::new().to_string(),
        r#type: MessageType::Request as i32,
        category: Category::Information as i32,
        sender: egov_monitoring_bridge::MONITORING_IS.into(),
        recipient: format!("provider:{OTHER_AGENCY}"),
        correlation: String::new(),
        created_at: "2026-03-19T09:00:00+05:00".into(),
        state_secret: false,
        certified: None,
        body: br#"{"source":"application APP-1"}"#.to_vec(),
    }
}

fn batch(signer: &dyn Signer, messages: &[Message]) -> Vec<u8> {
    Batch {
        messages: messages
            .iter()
            .map(|m| {
                let bytes = m.encode_to_vec();
                Signed {
                    signature: egov_signature::sign_detached(
                        signer,
                        &bytes,
                        jiff::Timestamp::now(),
                    )
                    .unwrap(),
                    message: bytes,
                }
            })
            .collect(),
    }
    .encode_to_vec()
}

// ---------------------------------------------------------------------------------------------
// Bodies.

fn object() -> Value {
    json!({
        "name_ru": "Информационная система «Электронный нотариат»",
        "description": "Регистрация нотариальных действий",
        "class": 1, "placement": "platform", "funding": "state-investment-project",
        "budget_funded": true, "supplier": OTHER_AGENCY, "warranty_sla_working_days": 5,
        "portal": {"record": "AP-2026-0042", "documents_placed_on": "2026-03-18"},
    })
}

fn software() -> Value {
    json!({"product": "Docflow Pro", "version": "3.2", "description": "Электронный документооборот",
           "supplier": AGENCY, "ground": "legacy", "commissioned_on": "2021-05-10"})
}

fn operator_service() -> Value {
    json!({
        "name": "Контейнерная платформа", "type": "technological-platform", "customer": AGENCY,
        "software_product": "Kubernetes cluster", "monthly_price_tenge": "480000.50",
        "rental_start": "2026-02-02", "commissioning_protocol": "Протокол № 12",
        "protocol_signed_on": "2026-01-30",
    })
}

fn environment_request() -> Value {
    json!({"environments": ["development-testing"],
           "agreement": {"number": "№ 17-ПЛ", "concluded_on": "2026-03-10"}})
}

/// `{"a": {"a": ... 1}}`, `depth` objects deep.
fn nested(depth: usize) -> String {
    format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
}

/// `v` with the value at JSON pointer `at` set to `to` (created where missing).
fn set(v: &Value, at: &str, to: Value) -> Value {
    let mut v = v.clone();
    let mut cur = &mut v;
    let parts: Vec<&str> = at.trim_start_matches('/').split('/').collect();
    for p in &parts[..parts.len() - 1] {
        cur = match cur {
            Value::Array(a) => &mut a[p.parse::<usize>().unwrap()],
            other => &mut other[*p],
        };
    }
    cur[*parts.last().unwrap()] = to;
    v
}

/// `v` without the member at `at`.
fn without(v: &Value, at: &str) -> Value {
    let mut v = v.clone();
    let (parent, key) = at.rsplit_once('/').unwrap();
    v.pointer_mut(if parent.is_empty() { "" } else { parent })
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove(key);
    v
}

// ---------------------------------------------------------------------------------------------
// The state of the suite.

/// Keys that change without a request: the scheduler's and the deliverer's leases (renewed
/// every third of their time to live) and the bridge's best-effort delivery status per
/// destination (a delivery attempt writes it; not part of the journal).
fn volatile(key: &str) -> bool {
    key.contains(":lease:") || key.contains("}:dest:")
}

/// Every byte string of a reply, one per item.
fn flat(v: &redis::Value, out: &mut Vec<String>) {
    match v {
        redis::Value::BulkString(b) => out.push(String::from_utf8_lossy(b).into_owned()),
        redis::Value::SimpleString(t) => out.push(t.clone()),
        redis::Value::Array(items) | redis::Value::Set(items) => {
            items.iter().for_each(|i| flat(i, out));
        }
        redis::Value::Map(pairs) => pairs.iter().for_each(|(k, v)| {
            flat(k, out);
            flat(v, out);
        }),
        other => out.push(format!("{other:?}")),
    }
}

/// Every key of the suite's database with a digest of its whole content (type-aware: members
/// of sets and hashes sorted, every stream entry and its groups' positions, not the consumers'
/// last-seen times, which a blocking read moves), and the development clock.
async fn state(conn: &mut egov_bus::Conn, s: &Suite) -> BTreeMap<String, String> {
    use sha2::Digest;
    let mut keys: Vec<String> = redis::cmd("KEYS").arg("*").query_async(conn).await.unwrap();
    keys.retain(|k| !volatile(k));
    keys.sort();
    let mut out = BTreeMap::new();
    out.insert(
        "(development clock)".to_owned(),
        egov_kernel::time::format(s.clock.now()),
    );
    if keys.is_empty() {
        return out;
    }
    let mut p = redis::pipe();
    for k in &keys {
        p.cmd("TYPE").arg(k);
    }
    let types: Vec<String> = p.query_async(conn).await.unwrap();
    let mut p = redis::pipe();
    for (k, t) in keys.iter().zip(&types) {
        match t.as_str() {
            "string" => p.cmd("GET").arg(k),
            "hash" => p.cmd("HGETALL").arg(k),
            "list" => p.cmd("LRANGE").arg(k).arg(0).arg(-1),
            "set" => p.cmd("SMEMBERS").arg(k),
            "zset" => p.cmd("ZRANGE").arg(k).arg(0).arg(-1).arg("WITHSCORES"),
            "stream" => p
                .cmd("XRANGE")
                .arg(k)
                .arg("-")
                .arg("+")
                .cmd("XINFO")
                .arg("GROUPS")
                .arg(k),
            _ => p.cmd("TYPE").arg(k),
        };
    }
    let replies: Vec<redis::Value> = p.query_async(conn).await.unwrap();
    let mut replies = replies.into_iter();
    for (k, t) in keys.iter().zip(&types) {
        let mut items = Vec::new();
        flat(&replies.next().unwrap(), &mut items);
        match t.as_str() {
            "set" => items.sort(),
            "hash" => {
                let mut pairs: Vec<String> = items.chunks(2).map(|c| c.join("\u{1}")).collect();
                pairs.sort();
                items = pairs;
            }
            "stream" => flat(&replies.next().unwrap(), &mut items),
            _ => {}
        }
        let digest = sha2::Sha256::digest(format!("{t}\u{0}{}", items.join("\u{0}")));
        out.insert(k.clone(), hex::encode(&digest[..12]));
    }
    out
}

fn diff(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> String {
    let mut d = Vec::new();
    for (k, v) in after {
        match before.get(k) {
            None => d.push(format!("+ {k}")),
            Some(b) if b != v => d.push(format!("~ {k}")),
            _ => {}
        }
    }
    for k in before.keys() {
        if !after.contains_key(k) {
            d.push(format!("- {k}"));
        }
    }
    d.join(", ")
}

/// Waits until the state holds still for a while (what the setup set off has been handled).
async fn settle(conn: &mut egov_bus::Conn, s: &Suite) -> BTreeMap<String, String> {
    let mut last = state(conn, s).await;
    let mut still = 0;
    for _ in 0..150 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = state(conn, s).await;
        if now == last {
            still += 1;
            if still >= 5 {
                return now;
            }
        } else {
            still = 0;
            last = now;
        }
    }
    panic!("the suite's state did not settle");
}

// ---------------------------------------------------------------------------------------------
// Running.

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
    text: String,
}

async fn send(http: &reqwest::Client, s: &Suite, c: &Case) -> Answer {
    let method = reqwest::Method::from_bytes(c.method.as_bytes()).unwrap();
    let mut req = http.request(method, s.url(c.service, &c.path));
    match &c.auth {
        Auth::None => {}
        Auth::Bearer(t) => req = req.header("authorization", format!("Bearer {t}")),
        Auth::Raw(v) => req = req.header("authorization", v.as_str()),
    }
    for (k, v) in &c.headers {
        req = req.header(*k, v.as_str());
    }
    if let Some(b) = &c.body {
        if let Some(ct) = &b.content_type {
            req = req.header("content-type", ct.as_str());
        }
        req = req.body(b.bytes.clone());
    }
    let r = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", c.what));
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let bytes = r.bytes().await.unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        text,
    }
}

/// Whether `p` names `field` (and `rule`, with that field, where one is wanted).
fn names(p: &Value, want: &Field, rule: Option<&str>) -> bool {
    let fits = |f: &str| match want {
        Field::Is(w) => f == w,
        Field::Starts(w) => f.starts_with(w.as_str()),
        Field::Methods => true,
    };
    let mut named: Vec<(&str, Option<&str>)> = Vec::new();
    if let Some(f) = p["field"].as_str() {
        named.push((f, p["rule"].as_str()));
    }
    for e in p["errors"].as_array().into_iter().flatten() {
        if let Some(f) = e["field"].as_str() {
            named.push((f, e["rule"].as_str()));
        }
    }
    named
        .iter()
        .any(|(f, r)| fits(f) && rule.is_none_or(|want| *r == Some(want)))
}

fn check(c: &Case, a: &Answer) -> Vec<String> {
    let mut errs = Vec::new();
    if a.status != c.status {
        errs.push(format!("status {} (want {})", a.status, c.status));
    }
    if !(400..500).contains(&a.status) {
        errs.push("not a 4xx".into());
    }
    let ct = a
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct != "application/problem+json" {
        errs.push(format!("content-type {ct:?}"));
    }
    if a.body["status"] != json!(a.status) {
        errs.push("the problem's status is not the answer's".into());
    }
    if a.body["type"].as_str().is_none() || a.body["title"].as_str().is_none() {
        errs.push("not a problem (type, title)".into());
    }
    if !matches!(c.field, Field::Methods) && !names(&a.body, &c.field, c.rule) {
        errs.push(format!(
            "does not name {:?}{}",
            c.field,
            c.rule
                .map(|r| format!(" with rule {r}"))
                .unwrap_or_default()
        ));
    }
    if let Some(want) = &c.allow {
        let got = a.headers.get("allow").and_then(|v| v.to_str().ok());
        if got != Some(want.as_str()) {
            errs.push(format!("Allow {got:?} (want {want:?})"));
        }
    }
    if a.status == 401 && a.headers.get("www-authenticate").is_none() {
        errs.push("a 401 without WWW-Authenticate".into());
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// The OpenAPI documents.

/// Every (method, path template) of a document.
fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in ["get", "put", "post", "delete", "patch", "options", "head"] {
            if item.get(m).is_some() {
                out.push((m.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// Whether a concrete path fits a template (a parameter is one non-empty segment).
fn fits(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
}

// ---------------------------------------------------------------------------------------------
// The corpus.

/// What the setup made, that the cases aim at.
struct World {
    tokens: Tokens,
    /// The agency's Perechen application: a case at the PL-4 step.
    perechen: String,
    /// The authorized body's open PL-4 task (expertise).
    ab_task: String,
    /// The agency's informatization object: a case with the state body's slots.
    object: String,
    /// The operator's open environment task of the object (catalog).
    operator_task: String,
    /// The monitoring development PKI and one the bridge does not trust.
    pki: egov_signature::dev::DevPki,
    stranger_pki: egov_signature::dev::DevPki,
}

impl World {
    fn token(&self, role: Role, org: &str) -> String {
        self.tokens.of(role, org)
    }

    fn employee(&self, org: &str) -> KeySigner {
        self.pki.signer(&format!("employee.{org}")).unwrap()
    }

    fn ep(
        &self,
        service: &'static str,
        method: &'static str,
        template: &'static str,
        path: impl Into<String>,
        who: Option<(Role, &'static str)>,
        body: Option<Body>,
    ) -> Endpoint {
        Endpoint {
            service,
            method,
            template,
            path: path.into(),
            token: who.map(|(r, o)| self.token(r, o)),
            who,
            body,
        }
    }

    /// A valid request for every operation the corpus knows.
    fn endpoints(&self) -> Vec<Endpoint> {
        let sb = Some((Role::StateBody, AGENCY));
        let ab = Some((Role::AuthorizedBody, MINISTRY));
        let admin = Some((Role::PlatformAdmin, MINISTRY));
        let (o, ab_task) = (&self.object, &self.ab_task);
        let mut e = Vec::new();
        for (path, role) in INTAKES {
            let org = if role == Role::StateBody {
                AGENCY
            } else {
                MINISTRY
            };
            let body = match path {
                "/api/v1/perechen-applications" => application("2026-03-19"),
                "/api/v1/informatization-objects" => object(),
                "/api/v1/trusted-software-inclusions" => software(),
                "/api/v1/automation-requests" => sm::request(),
                _ => json!({}),
            };
            e.push(self.ep(
                "intake",
                "POST",
                path,
                path,
                Some((role, org)),
                Some(Body::json(&body)),
            ));
        }
        e.push(self.ep(
            "intake",
            "GET",
            "/api/v1/cases/{id}",
            format!("/api/v1/cases/{}", self.perechen),
            sb,
            None,
        ));
        e.push(self.ep(
            "intake",
            "GET",
            "/api/v1/procedures",
            "/api/v1/procedures",
            sb,
            None,
        ));
        e.push(self.ep(
            "intake",
            "GET",
            "/api/v1/dev/clock",
            "/api/v1/dev/clock",
            admin,
            None,
        ));
        e.push(self.ep(
            "intake",
            "PUT",
            "/api/v1/dev/clock",
            "/api/v1/dev/clock",
            admin,
            Some(Body::json(&json!({"now": NOW}))),
        ));
        for host in HOSTS {
            e.push(self.ep(host, "GET", "/api/v1/tasks", "/api/v1/tasks", ab, None));
            e.push(self.ep(
                host,
                "GET",
                "/api/v1/tasks/{id}",
                format!("/api/v1/tasks/{ab_task}"),
                ab,
                None,
            ));
            e.push(self.ep(
                host,
                "POST",
                "/api/v1/tasks/{id}/complete",
                format!("/api/v1/tasks/{ab_task}/complete"),
                ab,
                Some(Body::json(&json!({"outcome": "forward-to-si"}))),
            ));
            e.push(self.ep(
                host,
                "POST",
                "/api/v1/cases/{id}/inputs/{slot}",
                format!("/api/v1/cases/{o}/inputs/environment-requests"),
                sb,
                Some(Body::json(&environment_request())),
            ));
            e.push(self.ep(
                host,
                "GET",
                "/api/v1/cases/{id}/inputs/{slot}",
                format!("/api/v1/cases/{o}/inputs/environment-requests"),
                sb,
                None,
            ));
            e.push(self.ep(
                host,
                "PUT",
                "/api/v1/cases/{id}/inputs/{slot}/{seq}",
                format!("/api/v1/cases/{o}/inputs/environment-requests/1"),
                sb,
                Some(Body::json(&environment_request())),
            ));
            e.push(self.ep(
                host,
                "DELETE",
                "/api/v1/cases/{id}/inputs/{slot}/{seq}",
                format!("/api/v1/cases/{o}/inputs/environment-requests/1"),
                sb,
                None,
            ));
            e.push(self.ep(
                host,
                "GET",
                "/api/v1/cases/{id}/progress",
                format!("/api/v1/cases/{o}/progress"),
                sb,
                None,
            ));
        }
        let unknown = ulid::Ulid::new().to_string();
        e.push(self.ep(
            "tender",
            "GET",
            "/api/v1/status",
            "/api/v1/status",
            None,
            None,
        ));
        e.push(self.ep(
            "tender",
            "GET",
            "/api/v1/tenders",
            "/api/v1/tenders",
            sb,
            None,
        ));
        e.push(self.ep(
            "tender",
            "GET",
            "/api/v1/tenders/{id}",
            format!("/api/v1/tenders/{unknown}"),
            sb,
            None,
        ));
        e.push(self.ep(
            "tender",
            "GET",
            "/api/v1/tenders/{id}/ocds",
            format!("/api/v1/tenders/{unknown}/ocds"),
            sb,
            None,
        ));
        e.push(self.ep(
            "tender",
            "GET",
            "/api/v1/ocds/releases",
            "/api/v1/ocds/releases",
            sb,
            None,
        ));
        e.push(self.ep(
            "catalog",
            "GET",
            "/api/v1/status",
            "/api/v1/status",
            None,
            None,
        ));
        e.push(self.ep(
            "catalog",
            "GET",
            "/api/v1/registries/{registry}/entries",
            "/api/v1/registries/informatization-objects/entries",
            sb,
            None,
        ));
        e.push(self.ep(
            "catalog",
            "GET",
            "/api/v1/registries/{registry}/entry",
            "/api/v1/registries/informatization-objects/entry?key=x",
            sb,
            None,
        ));
        e.push(self.ep(
            "catalog",
            "GET",
            "/api/v1/ict-services",
            "/api/v1/ict-services",
            sb,
            None,
        ));
        e.push(self.ep(
            "catalog",
            "POST",
            "/api/v1/ict-services",
            "/api/v1/ict-services",
            Some((Role::Operator, MINISTRY)),
            Some(Body::json(&operator_service())),
        ));
        e.push(self.ep(
            "catalog",
            "GET",
            "/api/v1/ict-services/{id}",
            format!("/api/v1/ict-services/{unknown}"),
            sb,
            None,
        ));
        e.push(self.ep(
            "catalog",
            "GET",
            "/api/v1/search",
            "/api/v1/search?q=нотариат",
            sb,
            None,
        ));
        e.push(self.ep(
            "catalog",
            "GET",
            "/api/v1/trusted-software/similar",
            "/api/v1/trusted-software/similar?functionality=docflow",
            sb,
            None,
        ));
        e.push(self.ep(
            "catalog",
            "GET",
            "/api/v1/registry-changes",
            "/api/v1/registry-changes",
            sb,
            None,
        ));
        let corp = Some((Role::StateCorporation, MINISTRY));
        let m = "monitoring-bridge";
        let signed =
            |org: &str, doc: Value| Some(Body::json(&signed_json(&self.employee(org), &doc)));
        e.push(self.ep(m, "GET", "/api/v1/status", "/api/v1/status", None, None));
        e.push(self.ep(
            m,
            "POST",
            "/api/v1/monitoring/status-reports",
            "/api/v1/monitoring/status-reports",
            corp,
            signed(MINISTRY, status_report()),
        ));
        e.push(self.ep(
            m,
            "POST",
            "/api/v1/monitoring/information-requests",
            "/api/v1/monitoring/information-requests",
            corp,
            signed(MINISTRY, information_request()),
        ));
        e.push(self.ep(
            m,
            "POST",
            "/api/v1/monitoring/applications",
            "/api/v1/monitoring/applications",
            corp,
            signed(MINISTRY, monitoring_application()),
        ));
        e.push(self.ep(
            m,
            "POST",
            "/api/v1/monitoring/responses",
            "/api/v1/monitoring/responses",
            Some((Role::ServiceProvider, OTHER_AGENCY)),
            signed(OTHER_AGENCY, provider_response()),
        ));
        let monitoring_is = self
            .pki
            .signer(egov_monitoring_bridge::MONITORING_IS)
            .unwrap();
        e.push(self.ep(
            m,
            "POST",
            "/api/v1/monitoring/inbox",
            "/api/v1/monitoring/inbox",
            Some((Role::MonitoringSystem, MINISTRY)),
            Some(Body {
                content_type: Some("application/x-protobuf".into()),
                bytes: batch(&monitoring_is, &[inbox_message()]),
            }),
        ));
        e.push(self.ep(
            m,
            "GET",
            "/api/v1/monitoring/messages/{id}",
            format!("/api/v1/monitoring/messages/{unknown}"),
            corp,
            None,
        ));
        e.push(self.ep(
            m,
            "GET",
            "/api/v1/monitoring/queues",
            "/api/v1/monitoring/queues",
            Some((Role::Operator, MINISTRY)),
            None,
        ));
        e.push(self.ep(
            m,
            "GET",
            "/api/v1/monitoring/log",
            "/api/v1/monitoring/log",
            Some((Role::Operator, MINISTRY)),
            None,
        ));
        e
    }
}

/// Token attacks on every authenticated endpoint.
fn token_cases(w: &World, endpoints: &[Endpoint]) -> Vec<Case> {
    let mut out = Vec::new();
    for e in endpoints {
        let Some((role, org)) = e.who else { continue };
        for (what, auth, status, field) in w.tokens.attacks(role, org) {
            out.push(e.case("token", what).auth(auth).want(status, field));
        }
        // An Accept the services cannot produce is refused before anything else is looked at.
        out.push(
            e.case("protocol", "no token, Accept: application/xml")
                .auth(Auth::None)
                .header("accept", "application/xml")
                .want(406, "Accept"),
        );
    }
    out
}

/// Body attacks every JSON endpoint shares: malformed, another content type, none, oversized,
/// nested too deep, not an object where one is expected.
fn transport_cases(e: &Endpoint, limit: usize) -> Vec<Case> {
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(limit + 1));
    let deep = nested(200);
    let trailing = e.body.clone().map(|b| Body {
        bytes: [b.bytes, b" {}".to_vec()].concat(),
        ..b
    });
    vec![
        e.case("body", "malformed JSON")
            .text("application/json", "{")
            .want(400, "body"),
        e.case("body", "not JSON at all")
            .text("application/json", "FLUSHALL")
            .want(400, "body"),
        e.case("body", "trailing garbage after the JSON")
            .body(trailing)
            .want(400, "body"),
        e.case("body", "an empty body")
            .text("application/json", "")
            .header("content-length", "0")
            .want(400, "body"),
        e.case("body", "JSON as text/plain")
            .body(e.body.clone().map(|b| Body {
                content_type: Some("text/plain".into()),
                ..b
            }))
            .want(415, "Content-Type"),
        e.case("body", "JSON without a content type")
            .body(e.body.clone().map(|b| Body {
                content_type: None,
                ..b
            }))
            .want(415, "Content-Type"),
        e.case("body", "JSON as a form")
            .text("application/x-www-form-urlencoded", "a=1&b=2")
            .want(415, "Content-Type"),
        e.case("body", "oversized body")
            .text("application/json", &big)
            .want(413, "body"),
        if deep.len() > limit {
            e.case("body", "nested 200 levels deep, over the limit")
                .text("application/json", &deep)
                .want(413, "body")
        } else {
            e.case("body", "nested 200 levels deep")
                .text("application/json", &deep)
                .want_under(400, "a")
        },
    ]
}

fn intake_cases(w: &World, endpoints: &[Endpoint]) -> Vec<Case> {
    let mut out = Vec::new();
    let find = |path: &str| {
        endpoints
            .iter()
            .find(|e| e.service == "intake" && e.path == path && e.method != "GET")
            .unwrap()
            .clone()
    };
    for (path, _) in INTAKES {
        let e = find(path);
        out.extend(transport_cases(&e, 64 * 1024));
        out.push(
            e.case("protocol", "an Idempotency-Key of 256 characters")
                .header("idempotency-key", "k".repeat(256))
                .want(400, "Idempotency-Key"),
        );
    }
    // The Perechen application (PL-3, PL-F1), field by field.
    let p = find("/api/v1/perechen-applications");
    let app = application("2026-03-19");
    let field =
        |what: &str, v: Value, status: u16, f: &str| p.case("body", what).json(&v).want(status, f);
    out.extend([
        field("an unknown field", set(&app, "/zzz", json!(1)), 400, "zzz"),
        field(
            "an unknown field in fields",
            set(&app, "/fields/zzz", json!("x")),
            400,
            "fields.zzz",
        ),
        field(
            "a number for a text field",
            set(&app, "/fields/object_name", json!(42)),
            400,
            "fields.object_name",
        ),
        field(
            "a string for a yes/no criterion",
            set(&app, "/criteria/1.1", json!("yes")),
            400,
            "criteria.1.1",
        ),
        field(
            "an impossible date",
            set(&app, "/fields/signed_on", json!("2026-02-30")),
            422,
            "fields.signed_on",
        )
        .rule("PL-F1"),
        field(
            "a date in 1800",
            set(&app, "/fields/signed_on", json!("1800-01-01")),
            422,
            "fields.signed_on",
        )
        .rule("PL-F1"),
        field(
            "a date in 2300",
            set(&app, "/fields/signed_on", json!("2300-01-01")),
            422,
            "fields.signed_on",
        )
        .rule("PL-F1"),
        field(
            "RESP in a one-line field",
            set(&app, "/fields/object_name", json!(RESP)),
            400,
            "fields.object_name",
        ),
        field(
            "a NUL in a one-line field",
            set(&app, "/fields/signatory", json!("Nurlanov\u{0}")),
            400,
            "fields.signatory",
        ),
        field(
            "a hash tag as the object kind",
            set(&app, "/object_kind", json!("{x}")),
            422,
            "object_kind",
        )
        .rule("PL-3"),
        field(
            "Lua as the object kind",
            set(&app, "/object_kind", json!(LUA)),
            422,
            "object_kind",
        )
        .rule("PL-3"),
        field(
            "a key pattern as a document kind",
            set(&app, "/documents/0/kind", json!("egov:*")),
            422,
            "documents[0].kind",
        )
        .rule("PL-3"),
        field(
            "a key pattern as a criterion",
            set(&app, "/criteria/egov:*", json!(true)),
            400,
            "criteria.egov:*",
        ),
        field(
            "no object kind",
            without(&app, "/object_kind"),
            422,
            "object_kind",
        )
        .rule("PL-3"),
    ]);
    let raw = app.to_string();
    for (what, text, status, f) in [
        (
            "a lone surrogate in a text field",
            raw.replace("E-notary", "E-notary\\ud800"),
            400,
            "fields.object_name",
        ),
        (
            "a byte order mark before the JSON",
            format!("\u{feff}{raw}"),
            400,
            "body",
        ),
        (
            "the object kind twice, the first a hash tag",
            raw.replacen('{', r#"{"object_kind": "{x}", "#, 1),
            400,
            "object_kind",
        ),
    ] {
        out.push(
            p.case("body", what)
                .text("application/json", &text)
                .want(status, f),
        );
    }
    // An informatization object (LC-4.a).
    let o = find("/api/v1/informatization-objects");
    let obj = object();
    let field =
        |what: &str, v: Value, status: u16, f: &str| o.case("body", what).json(&v).want(status, f);
    out.extend([
        field(
            "a bad BIN checksum",
            set(&obj, "/supplier", json!(BAD_BIN)),
            422,
            "supplier",
        )
        .rule("LC-17.b"),
        field(
            "a class as text",
            set(&obj, "/class", json!("1")),
            400,
            "class",
        ),
        field("class 7", set(&obj, "/class", json!(7)), 422, "class").rule("LC-13.b"),
        field(
            "an impossible date",
            set(&obj, "/portal/documents_placed_on", json!("2026-02-30")),
            422,
            "portal.documents_placed_on",
        ),
        field(
            "a date in 1800",
            set(&obj, "/portal/documents_placed_on", json!("1800-01-01")),
            422,
            "portal.documents_placed_on",
        ),
        field(
            "a date in 2300",
            set(&obj, "/portal/documents_placed_on", json!("2300-01-01")),
            422,
            "portal.documents_placed_on",
        ),
        field(
            "a bell in the name",
            set(&obj, "/name_ru", json!("Нотариат\u{7}")),
            400,
            "name_ru",
        ),
        field(
            "a hash tag as the placement",
            set(&obj, "/placement", json!("{platform}")),
            422,
            "placement",
        ),
        field("an unknown field", set(&obj, "/zzz", json!(1)), 400, "zzz"),
        field(
            "a right-to-left override in the name",
            set(&obj, "/name_ru", json!("Нотариат\u{202e}тсис")),
            400,
            "name_ru",
        ),
    ]);
    out.push(
        o.case("body", "a class past any number")
            .text(
                "application/json",
                &object()
                    .to_string()
                    .replace("\"class\":1", "\"class\":1e400"),
            )
            .want(400, "class"),
    );
    // An application to the Register (LC-32.a).
    let r = find("/api/v1/trusted-software-inclusions");
    let sw = software();
    out.extend([
        r.case("body", "a bad BIN checksum")
            .json(&set(&sw, "/supplier", json!(BAD_BIN)))
            .want(422, "supplier"),
        r.case("body", "a commissioning in 2300")
            .json(&set(&sw, "/commissioned_on", json!("2300-01-01")))
            .want(422, "commissioned_on"),
        r.case("body", "an impossible date")
            .json(&set(&sw, "/commissioned_on", json!("2021-02-30")))
            .want(422, "commissioned_on"),
        r.case("body", "RESP in the version")
            .json(&set(&sw, "/version", json!(RESP)))
            .want(400, "version"),
    ]);
    // The reused Idempotency-Key: the setup submitted the application with it.
    out.push(
        p.case("protocol", "an Idempotency-Key reused with another body")
            .header("idempotency-key", "dup-perechen")
            .json(&set(&app, "/fields/object_name", json!("E-archive")))
            .want(422, "Idempotency-Key"),
    );
    out.push(
        o.case("protocol", "an Idempotency-Key reused on another path")
            .header("idempotency-key", "dup-perechen")
            .want(422, "Idempotency-Key"),
    );
    out.push(
        p.case("protocol", "an Idempotency-Key with a space")
            .header("idempotency-key", "two words")
            .want(400, "Idempotency-Key"),
    );
    // Roles.
    out.push(
        p.case(
            "authorization",
            "a supplier submitting a state body's application",
        )
        .token(&w.token(Role::Supplier, AGENCY))
        .want(403, "roles")
        .rule("PL-3"),
    );
    // The case.
    let c = endpoints
        .iter()
        .find(|e| e.template == "/api/v1/cases/{id}")
        .unwrap();
    for (what, id, status) in [
        ("an id that is not an id", "not-an-id".to_owned(), 400),
        ("a key pattern as the id", "egov:*".to_owned(), 400),
        ("a hash tag as the id", "%7Bintake.0%7D".to_owned(), 400),
        (
            "a lower-case ULID of no case",
            ulid::Ulid::new().to_string().to_lowercase(),
            404,
        ),
        ("RESP as the id", "%2A%0D%0AFLUSHALL%0D%0A".to_owned(), 400),
        ("an unknown id", ulid::Ulid::new().to_string(), 404),
    ] {
        out.push(
            c.case("authorization", what)
                .path(format!("/api/v1/cases/{id}"))
                .want(status, "id"),
        );
    }
    out.push(
        c.case("authorization", "another agency's case")
            .token(&w.token(Role::StateBody, OTHER_AGENCY))
            .want(404, "id"),
    );
    out.push(
        c.case("authorization", "a supplier reading a case")
            .token(&w.token(Role::Supplier, AGENCY))
            .want(403, "roles"),
    );
    // The development clock.
    let g = endpoints
        .iter()
        .find(|e| e.template == "/api/v1/dev/clock" && e.method == "GET")
        .unwrap();
    out.push(
        g.case(
            "authorization",
            "a state body reading the development clock",
        )
        .token(&w.token(Role::StateBody, AGENCY))
        .want(403, "roles"),
    );
    let put = endpoints
        .iter()
        .find(|e| e.template == "/api/v1/dev/clock" && e.method == "PUT")
        .unwrap();
    out.extend(transport_cases(put, 1024));
    for (what, body, field) in [
        (
            "an impossible instant",
            json!({"now": "2026-02-30T10:00:00+05:00"}),
            "now",
        ),
        (
            "an instant without its offset",
            json!({"now": "2026-03-19T10:00:00"}),
            "now",
        ),
        (
            "an instant in 1800",
            json!({"now": "1800-01-01T10:00:00+05:00"}),
            "now",
        ),
        (
            "an instant in 2300",
            json!({"now": "2300-01-01T10:00:00+05:00"}),
            "now",
        ),
        ("a number", json!({"now": 1_773_900_000}), "now"),
        ("no instant at all", json!({}), "now"),
        (
            "an unknown field",
            json!({"now": NOW, "zone": "UTC"}),
            "zone",
        ),
        ("RESP as the instant", json!({"now": RESP}), "now"),
    ] {
        out.push(put.case("body", what).json(&body).want(400, field));
    }
    out.push(
        put.case("authorization", "a state body moving the clock")
            .token(&w.token(Role::StateBody, AGENCY))
            .want(403, "roles"),
    );
    out
}

/// The cases' API at one of its hosts.
fn host_cases(w: &World, host: &'static str, endpoints: &[Endpoint]) -> Vec<Case> {
    let find = |method: &str, template: &str| {
        endpoints
            .iter()
            .find(|e| e.service == host && e.method == method && e.template == template)
            .unwrap()
            .clone()
    };
    let (o, op_task) = (&w.object, &w.operator_task);
    let unknown_case = ulid::Ulid::new().to_string();
    let not_ids = [
        ("an id that is not an id", "not-an-id".to_owned()),
        ("a key pattern as the id", "egov:*".to_owned()),
        ("a hash tag as the id", "%7Bexpertise.0%7D".to_owned()),
        ("RESP as the id", "%2A%0D%0AFLUSHALL%0D%0A".to_owned()),
        ("a path traversal", "..%2F..%2Fkeys".to_owned()),
    ];
    let mut out = Vec::new();

    // The worklist.
    let list = find("GET", "/api/v1/tasks");
    for (what, q, field) in [
        ("limit 0", "limit=0", "limit"),
        ("limit 201", "limit=201", "limit"),
        ("a limit that is not a number", "limit=ten", "limit"),
        ("a negative limit", "limit=-1", "limit"),
        ("a cursor that is not one", "after=%7Bx%7D", "after"),
        ("a key pattern as the cursor", "after=1:egov:*", "after"),
        ("an unknown parameter", "role=platform-admin", "role"),
    ] {
        out.push(
            list.case("protocol", what)
                .path(format!("/api/v1/tasks?{q}"))
                .want(400, field),
        );
    }
    out.push(
        list.case("authorization", "a monitoring system's worklist")
            .token(&w.token(Role::MonitoringSystem, MINISTRY))
            .want(403, "roles"),
    );

    // A task.
    let task = find("GET", "/api/v1/tasks/{id}");
    for (what, id) in &not_ids {
        out.push(
            task.case("authorization", *what)
                .path(format!("/api/v1/tasks/{id}"))
                .want(400, "id"),
        );
    }
    out.push(
        task.case("authorization", "an unknown task")
            .path(format!("/api/v1/tasks/{unknown_case}.ab-check"))
            .want(404, "id"),
    );
    out.push(
        task.case("authorization", "another role's task")
            .token(&w.token(Role::ServiceIntegrator, MINISTRY))
            .want(404, "id"),
    );
    out.push(
        task.case(
            "authorization",
            "a state body at the authorized body's task",
        )
        .token(&w.token(Role::StateBody, AGENCY))
        .want(404, "id"),
    );

    // The completion.
    let complete = find("POST", "/api/v1/tasks/{id}/complete");
    out.extend(transport_cases(&complete, 16 * 1024));
    let good = json!({"outcome": "forward-to-si"});
    for (what, body, status, field) in [
        ("an unknown field", set(&good, "/zzz", json!(1)), 400, "zzz"),
        (
            "a number as the outcome",
            json!({"outcome": 5}),
            400,
            "outcome",
        ),
        ("no outcome", json!({}), 400, "outcome"),
        (
            "RESP as the outcome",
            json!({"outcome": RESP}),
            400,
            "outcome",
        ),
        (
            "a hash tag as the outcome",
            json!({"outcome": "{x}"}),
            400,
            "outcome",
        ),
        (
            "Lua as the outcome",
            json!({"outcome": LUA}),
            400,
            "outcome",
        ),
        (
            "a NUL in a reason",
            set(&good, "/reasons", json!(["fine\u{0}"])),
            400,
            "reasons[0]",
        ),
        (
            "reasons as text",
            set(&good, "/reasons", json!("fine")),
            400,
            "reasons",
        ),
        (
            "a key pattern as an input's name",
            set(&good, "/inputs", json!({"egov:*": true})),
            400,
            "inputs",
        ),
        (
            "inputs nested 100 levels",
            set(
                &good,
                "/inputs",
                serde_json::from_str(&nested(100)).unwrap(),
            ),
            400,
            "inputs",
        ),
        (
            "a note past the completion's 16 KiB",
            set(&good, "/note", json!("n".repeat(16_400))),
            413,
            "body",
        ),
        (
            "a reason over 2 000 characters",
            set(&good, "/reasons", json!(["r".repeat(2_001)])),
            400,
            "reasons[0]",
        ),
    ] {
        out.push(complete.case("body", what).json(&body).want(status, field));
    }
    for (what, id) in &not_ids {
        out.push(
            complete
                .case("authorization", *what)
                .path(format!("/api/v1/tasks/{id}/complete"))
                .want(400, "id"),
        );
    }
    out.push(
        complete
            .case("authorization", "a step not yet open (out of order)")
            .path(format!("/api/v1/tasks/{}.si-check/complete", w.perechen))
            .want(404, "id"),
    );
    out.push(
        complete
            .case("authorization", "an unknown case's task")
            .path(format!("/api/v1/tasks/{unknown_case}.ab-check/complete"))
            .want(404, "id"),
    );
    out.push(
        complete
            .case("authorization", "the service integrator on the AB's step")
            .token(&w.token(Role::ServiceIntegrator, MINISTRY))
            .want(404, "id"),
    );
    out.push(
        complete
            .case("authorization", "a supplier on the operator's step")
            .path(format!("/api/v1/tasks/{op_task}/complete"))
            .token(&w.token(Role::Supplier, OTHER_AGENCY))
            .json(&json!({"outcome": "provided"}))
            .want(404, "id"),
    );
    out.push(
        complete
            .case("authorization", "a role with no steps")
            .token(&w.token(Role::MonitoringSystem, MINISTRY))
            .want(403, "roles"),
    );
    out.push(
        complete
            .case("protocol", "a malformed Idempotency-Key")
            .header("idempotency-key", "")
            .want(400, "Idempotency-Key"),
    );
    out.push(
        complete
            .case("protocol", "an Idempotency-Key that is not ASCII")
            .header("idempotency-key", "ключ")
            .want(400, "Idempotency-Key"),
    );
    out.push(
        complete
            .case("protocol", "an If-Match that is not ASCII")
            .header("if-match", "\"версия\"")
            .want(400, "If-Match"),
    );
    out.push(
        complete
            .case("protocol", "a content type that is not ASCII")
            .text(
                "application/json; charset=юникод",
                r#"{"outcome": "forward-to-si"}"#,
            )
            .want(400, "Content-Type"),
    );
    out.push(
        complete
            .case("body", "the outcome twice")
            .text(
                "application/json",
                r#"{"outcome": "forward-to-si", "outcome": "approve"}"#,
            )
            .want(400, "outcome"),
    );
    out.push(
        complete
            .case("authorization", "a task id of 5 000 characters")
            .path(format!("/api/v1/tasks/{}/complete", "A".repeat(5_000)))
            .want(400, "id"),
    );
    out.push(
        task.case("authorization", "a task id that is not UTF-8")
            .path("/api/v1/tasks/%FF%FE")
            .want(400, "id"),
    );
    // The AB's step is expertise's, the operator's catalog's: elsewhere a 421 naming the task.
    if host == "expertise" {
        out.push(
            complete
                .case("body", "an outcome the step does not have")
                .json(&json!({"outcome": "approve-everything"}))
                .want(422, "outcome"),
        );
        out.push(
            complete
                .case("protocol", "a stale If-Match")
                .header("if-match", "\"999\"")
                .want(412, "If-Match"),
        );
        out.push(
            complete
                .case("protocol", "an If-Match that is no version")
                .header("if-match", "W/\"*\\r\\nFLUSHALL\"")
                .want(412, "If-Match"),
        );
        out.push(
            complete
                .case("protocol", "an Idempotency-Key reused with another body")
                .header("idempotency-key", "dup-complete")
                .want(422, "Idempotency-Key"),
        );
        out.push(
            complete
                .case("authorization", "the operator's step at the wrong service")
                .path(format!("/api/v1/tasks/{op_task}/complete"))
                .token(&w.token(Role::Operator, MINISTRY))
                .json(&json!({"outcome": "provided"}))
                .want(421, "id"),
        );
        out.push(
            task.case("authorization", "the operator's task at the wrong service")
                .path(format!("/api/v1/tasks/{op_task}"))
                .token(&w.token(Role::Operator, MINISTRY))
                .want(421, "id"),
        );
    } else {
        out.push(
            complete
                .case("authorization", "the AB's step at the wrong service")
                .want(421, "id"),
        );
        out.push(
            task.case("authorization", "the AB's task at the wrong service")
                .want(421, "id"),
        );
    }

    // Inputs.
    let give = find("POST", "/api/v1/cases/{id}/inputs/{slot}");
    out.extend(transport_cases(&give, 64 * 1024));
    let stage = format!("/api/v1/cases/{o}/inputs/stage");
    let environment = format!("/api/v1/cases/{o}/inputs/environment-requests");
    for (what, path, body, status, field, rule) in [
        (
            "an input that is not an object",
            &stage,
            json!(["trial-operation"]),
            400,
            "body",
            None,
        ),
        (
            "a key pattern as a member",
            &stage,
            json!({"egov:*": 1}),
            400,
            "egov:*",
            None,
        ),
        (
            "a NUL in a member",
            &stage,
            json!({"stage": "development", "note": "x\u{0}"}),
            400,
            "note",
            None,
        ),
        (
            "RESP as the stage",
            &stage,
            json!({"stage": RESP, "on": "2026-03-19"}),
            422,
            "stage",
            None,
        ),
        (
            "a jump to commercial operation (out of order)",
            &stage,
            json!({"stage": "commercial-operation", "on": "2026-03-19"}),
            422,
            "stage",
            Some("LC-9"),
        ),
        (
            "an impossible date",
            &stage,
            json!({"stage": "trial-operation", "on": "2026-02-30"}),
            422,
            "on",
            None,
        ),
        (
            "a date in 1800",
            &stage,
            json!({"stage": "trial-operation", "on": "1800-01-01"}),
            422,
            "on",
            None,
        ),
        (
            "a date in 2300",
            &stage,
            json!({"stage": "trial-operation", "on": "2300-01-01"}),
            422,
            "on",
            None,
        ),
        (
            "an environment without the agreement",
            &environment,
            json!({"environments": ["development-testing"]}),
            422,
            "agreement",
            Some("LC-12.a"),
        ),
    ] {
        let c = give
            .case("body", what)
            .path(path)
            .json(&body)
            .want(status, field);
        out.push(match rule {
            Some(r) => c.rule(r),
            None => c,
        });
    }
    out.push(
        give.case("body", "the stage twice")
            .path(&stage)
            .text(
                "application/json",
                r#"{"stage": "trial-operation", "stage": "commercial-operation", "on": "2026-03-19"}"#,
            )
            .want(400, "stage"),
    );
    out.push(
        give.case("body", "nested 20 levels")
            .path(&stage)
            .text("application/json", &nested(20))
            .want_under(400, "a"),
    );
    for (what, id) in &not_ids {
        out.push(
            give.case("authorization", *what)
                .path(format!("/api/v1/cases/{id}/inputs/stage"))
                .want(400, "id"),
        );
    }
    for (what, slot) in [
        ("a key pattern as the slot", "stage:*"),
        ("a hash tag as the slot", "%7Bstage%7D"),
        ("RESP as the slot", "%2A%0D%0AFLUSHALL"),
    ] {
        out.push(
            give.case("authorization", what)
                .path(format!("/api/v1/cases/{o}/inputs/{slot}"))
                .want(400, "slot"),
        );
    }
    out.push(
        give.case("authorization", "an unknown slot")
            .path(format!("/api/v1/cases/{o}/inputs/no-such-slot"))
            .want(404, "slot"),
    );
    out.push(
        give.case("authorization", "an unknown case")
            .path(format!("/api/v1/cases/{unknown_case}/inputs/stage"))
            .want(404, "slot"),
    );
    out.push(
        give.case("authorization", "another agency's case")
            .token(&w.token(Role::StateBody, OTHER_AGENCY))
            .want(404, "slot"),
    );
    out.push(
        give.case("authorization", "a supplier at a state body's slot")
            .token(&w.token(Role::Supplier, AGENCY))
            .want(404, "slot"),
    );
    out.push(
        give.case("authorization", "an examiner giving a state body's input")
            .token(&w.token(Role::AuthorizedBody, MINISTRY))
            .want(403, "roles"),
    );
    if host == "expertise" {
        out.push(
            give.case("protocol", "an Idempotency-Key reused with another body")
                .header("idempotency-key", "dup-input")
                .json(&json!({"environments": ["trial-operation"],
                              "agreement": {"number": "№ 18", "concluded_on": "2026-03-11"}}))
                .want(422, "Idempotency-Key"),
        );
    }

    // The slot's view.
    let view = find("GET", "/api/v1/cases/{id}/inputs/{slot}");
    for (what, id) in &not_ids[..3] {
        out.push(
            view.case("authorization", *what)
                .path(format!("/api/v1/cases/{id}/inputs/stage"))
                .want(400, "id"),
        );
    }
    out.push(
        view.case("authorization", "a hash tag as the slot")
            .path(format!("/api/v1/cases/{o}/inputs/%7Bstage%7D"))
            .want(400, "slot"),
    );
    out.push(
        view.case("authorization", "another agency's slot")
            .token(&w.token(Role::StateBody, OTHER_AGENCY))
            .want(404, "slot"),
    );
    out.push(
        view.case("authorization", "an unknown case")
            .path(format!("/api/v1/cases/{unknown_case}/inputs/stage"))
            .want(404, "slot"),
    );

    // Replacing and withdrawing an input.
    let replace = find("PUT", "/api/v1/cases/{id}/inputs/{slot}/{seq}");
    let withdraw = find("DELETE", "/api/v1/cases/{id}/inputs/{slot}/{seq}");
    out.extend(transport_cases(&replace, 64 * 1024));
    for e in [&replace, &withdraw] {
        for (what, seq) in [
            ("input number 0", "0"),
            ("an input number with a leading zero", "01"),
            ("an input number that is not one", "one"),
            ("an input number past u32", "99999999999"),
            ("a negative input number", "-1"),
        ] {
            out.push(
                e.case("authorization", what)
                    .path(format!(
                        "/api/v1/cases/{o}/inputs/environment-requests/{seq}"
                    ))
                    .want(400, "seq"),
            );
        }
        out.push(
            e.case("authorization", "an input that is not the caller's")
                .path(format!("/api/v1/cases/{o}/inputs/environment-requests/99"))
                .want(404, "seq")
                .rule("LC-12.a"),
        );
        out.push(
            e.case("authorization", "another agency's input")
                .token(&w.token(Role::StateBody, OTHER_AGENCY))
                .want(404, "slot"),
        );
        out.push(
            e.case("authorization", "an unknown case")
                .path(format!(
                    "/api/v1/cases/{unknown_case}/inputs/environment-requests/1"
                ))
                .want(404, "slot"),
        );
        out.push(
            e.case("authorization", "an id that is not an id")
                .path("/api/v1/cases/not-an-id/inputs/environment-requests/1")
                .want(400, "id"),
        );
    }
    out.push(
        replace
            .case("body", "a key pattern as a member")
            .json(&json!({"environments": ["development-testing"], "egov:*": 1}))
            .want(400, "egov:*"),
    );

    // The progress.
    let progress = find("GET", "/api/v1/cases/{id}/progress");
    for (what, id) in &not_ids {
        out.push(
            progress
                .case("authorization", *what)
                .path(format!("/api/v1/cases/{id}/progress"))
                .want(400, "id"),
        );
    }
    out.push(
        progress
            .case("authorization", "an unknown case")
            .path(format!("/api/v1/cases/{unknown_case}/progress"))
            .want(404, "id"),
    );
    out.push(
        progress
            .case("authorization", "another agency's case")
            .token(&w.token(Role::StateBody, OTHER_AGENCY))
            .want(404, "id"),
    );
    out.push(
        progress
            .case("authorization", "a supplier reading the case")
            .token(&w.token(Role::Supplier, OTHER_AGENCY))
            .want(404, "id"),
    );
    out
}

fn tender_cases(endpoints: &[Endpoint]) -> Vec<Case> {
    let find = |template: &str| {
        endpoints
            .iter()
            .find(|e| e.service == "tender" && e.template == template)
            .unwrap()
            .clone()
    };
    let mut out = Vec::new();
    for (template, path) in [
        ("/api/v1/tenders", "/api/v1/tenders"),
        ("/api/v1/ocds/releases", "/api/v1/ocds/releases"),
    ] {
        let e = find(template);
        for (what, q, field) in [
            ("limit 0", "limit=0", "limit"),
            ("limit 101", "limit=101", "limit"),
            ("a limit that is not a number", "limit=%2A", "limit"),
            ("a cursor that is not one", "after=FLUSHALL", "after"),
            ("an unknown parameter", "ocid=x", "ocid"),
        ] {
            out.push(
                e.case("protocol", what)
                    .path(format!("{path}?{q}"))
                    .want(400, field),
            );
        }
    }
    for (template, suffix) in [
        ("/api/v1/tenders/{id}", ""),
        ("/api/v1/tenders/{id}/ocds", "/ocds"),
    ] {
        let e = find(template);
        for (what, id, status) in [
            ("an id that is not an id", "not-an-id".to_owned(), 400),
            ("a key pattern as the id", "tender:*".to_owned(), 400),
            ("a hash tag as the id", "%7Btender.0%7D".to_owned(), 400),
            ("RESP as the id", "%2A%0D%0AFLUSHALL".to_owned(), 400),
            ("an unknown tender", ulid::Ulid::new().to_string(), 404),
        ] {
            out.push(
                e.case("authorization", what)
                    .path(format!("/api/v1/tenders/{id}{suffix}"))
                    .want(status, "id"),
            );
        }
    }
    out
}

fn catalog_cases(w: &World, endpoints: &[Endpoint]) -> Vec<Case> {
    let find = |method: &str, template: &str| {
        endpoints
            .iter()
            .find(|e| e.service == "catalog" && e.method == method && e.template == template)
            .unwrap()
            .clone()
    };
    let mut out = Vec::new();
    let entries = find("GET", "/api/v1/registries/{registry}/entries");
    for (what, registry) in [
        ("a key pattern as the registry", "egov:*"),
        ("a hash tag as the registry", "%7Bcatalog.0%7D"),
        ("RESP as the registry", "%2A%0D%0AFLUSHALL"),
        ("Lua as the registry", "redis.call('KEYS')"),
    ] {
        out.push(
            entries
                .case("authorization", what)
                .path(format!("/api/v1/registries/{registry}/entries"))
                .want(400, "registry"),
        );
    }
    for (what, q, field) in [
        ("limit 0", "limit=0", "limit"),
        ("a limit that is not a number", "limit=1e3", "limit"),
        ("a cursor that is not one", "after=%7Bx%7D", "after"),
        ("an unknown parameter", "key=x", "key"),
    ] {
        out.push(
            entries
                .case("protocol", what)
                .path(format!(
                    "/api/v1/registries/informatization-objects/entries?{q}"
                ))
                .want(400, field),
        );
    }
    let entry = find("GET", "/api/v1/registries/{registry}/entry");
    let long_key = format!("key={}", "k".repeat(2001));
    for (what, q, status, field) in [
        ("no key", "", 400, "key"),
        ("an empty key", "key=", 400, "key"),
        ("a key of 2001 bytes", long_key.as_str(), 400, "key"),
        ("an unknown key", "key=egov%3A%2A", 404, "key"),
        ("an unknown parameter", "key=x&limit=1", 400, "limit"),
    ] {
        out.push(
            entry
                .case("protocol", what)
                .path(format!(
                    "/api/v1/registries/informatization-objects/entry?{q}"
                ))
                .want(status, field),
        );
    }
    out.push(
        entry
            .case("authorization", "a hash tag as the registry")
            .path("/api/v1/registries/%7Bx%7D/entry?key=x")
            .want(400, "registry"),
    );
    let list = find("GET", "/api/v1/ict-services");
    for (what, q, field) in [
        ("a type outside LC-25", "type=hosting", "type"),
        ("limit 0", "limit=0", "limit"),
        ("a limit that is not a number", "limit=x", "limit"),
        ("a cursor that is not one", "after=x", "after"),
        ("an unknown parameter", "supplier=940740000911", "supplier"),
    ] {
        let c = list
            .case("protocol", what)
            .path(format!("/api/v1/ict-services?{q}"))
            .want(400, field);
        out.push(if field == "type" { c.rule("LC-25") } else { c });
    }
    let one = find("GET", "/api/v1/ict-services/{id}");
    for (what, id, status) in [
        ("an id that is not an id", "not-an-id".to_owned(), 400),
        ("a key pattern as the id", "ict-service:*".to_owned(), 400),
        ("a hash tag as the id", "%7Bcatalog.0%7D".to_owned(), 400),
        ("an unknown service", ulid::Ulid::new().to_string(), 404),
    ] {
        out.push(
            one.case("authorization", what)
                .path(format!("/api/v1/ict-services/{id}"))
                .want(status, "id"),
        );
    }
    let post = find("POST", "/api/v1/ict-services");
    out.extend(transport_cases(&post, 64 * 1024));
    let svc = operator_service();
    for (what, body, status, field, rule) in [
        (
            "a bad BIN checksum",
            set(&svc, "/customer", json!(BAD_BIN)),
            422,
            "customer",
            Some("SM-98.b"),
        ),
        (
            "an impossible date",
            set(&svc, "/rental_start", json!("2026-02-30")),
            422,
            "rental_start",
            Some("SM-86"),
        ),
        (
            "a rental start in 1800",
            set(&svc, "/rental_start", json!("1800-01-01")),
            422,
            "rental_start",
            Some("SM-86"),
        ),
        (
            "a protocol signed in 2300",
            set(&svc, "/protocol_signed_on", json!("2300-01-01")),
            422,
            "protocol_signed_on",
            Some("SM-98.a"),
        ),
        (
            "RESP in the name",
            set(&svc, "/name", json!(RESP)),
            422,
            "name",
            Some("SM-98.b"),
        ),
        (
            "a right-to-left override in the name",
            set(&svc, "/name", json!("Платформа\u{202e}")),
            422,
            "name",
            Some("SM-98.b"),
        ),
        (
            "a price below zero",
            set(&svc, "/monthly_price_tenge", json!("-1")),
            422,
            "monthly_price_tenge",
            Some("SM-103-2"),
        ),
        (
            "a price as a number",
            set(&svc, "/monthly_price_tenge", json!(480000.5)),
            400,
            "monthly_price_tenge",
            None,
        ),
        (
            "a hash tag as the type",
            set(&svc, "/type", json!("{software}")),
            422,
            "type",
            Some("LC-25"),
        ),
        (
            "software from the operator",
            set(&svc, "/type", json!("software")),
            422,
            "type",
            Some("LC-30.c"),
        ),
        (
            "the supplier given (unknown field)",
            set(&svc, "/supplier", json!(AGENCY)),
            400,
            "supplier",
            None,
        ),
        ("no name", without(&svc, "/name"), 400, "name", None),
    ] {
        let c = post.case("body", what).json(&body).want(status, field);
        out.push(match rule {
            Some(r) => c.rule(r),
            None => c,
        });
    }
    out.push(
        post.case("authorization", "a state body entering a service")
            .token(&w.token(Role::StateBody, AGENCY))
            .want(403, "roles"),
    );
    out.push(
        post.case("protocol", "an Idempotency-Key reused with another body")
            .header("idempotency-key", "dup-service")
            .json(&set(&svc, "/name", json!("Другая платформа")))
            .want(422, "Idempotency-Key"),
    );
    let search = find("GET", "/api/v1/search");
    let long_q = format!("q={}", "слово ".repeat(833).trim_end().replace(' ', "+"));
    for (what, q, field, rule) in [
        ("class 4", "class=4", "class", Some("LC-13.b")),
        (
            "a bad BIN checksum as the agency",
            "agency=060240003411",
            "agency",
            None,
        ),
        (
            "a bad BIN checksum as the supplier",
            "supplier=060240003411",
            "supplier",
            None,
        ),
        (
            "a hash tag as the registry",
            "registry=%7Bx%7D",
            "registry",
            None,
        ),
        ("a key pattern as the stage", "stage=egov:*", "stage", None),
        ("RESP as the query", "q=%2A%0D%0AFLUSHALL%0D%0A", "q", None),
        ("limit 0", "limit=0", "limit", None),
        ("a limit that is not a number", "limit=all", "limit", None),
        ("an unknown parameter", "sort=score", "sort", None),
        // A query the syntax cannot read (unbalanced quotes) is read leniently, not refused: its
        // grammar is no schema's (crates/search's tests).
        ("a query of 5 000 characters", &*long_q, "q", None),
        ("a cursor that is not one", "cursor=egov:*", "cursor", None),
        (
            "a limit past u64",
            "limit=18446744073709551616",
            "limit",
            None,
        ),
    ] {
        let c = search
            .case("protocol", what)
            .path(format!("/api/v1/search?{q}"))
            .want(400, field);
        out.push(match rule {
            Some(r) => c.rule(r),
            None => c,
        });
    }
    let similar = find("GET", "/api/v1/trusted-software/similar");
    let long_f = format!("functionality={}", "f".repeat(2_001));
    for (what, q, field) in [
        ("no functionality", "", "functionality"),
        (
            "RESP as the functionality",
            "functionality=%2A%0D%0AFLUSHALL",
            "functionality",
        ),
        (
            "a functionality of 2 001 characters",
            &*long_f,
            "functionality",
        ),
        ("limit 0", "functionality=docflow&limit=0", "limit"),
        (
            "a limit that is not a number",
            "functionality=docflow&limit=x",
            "limit",
        ),
        (
            "an unknown parameter",
            "functionality=docflow&registry=x",
            "registry",
        ),
    ] {
        out.push(
            similar
                .case("protocol", what)
                .path(format!("/api/v1/trusted-software/similar?{q}"))
                .want(400, field),
        );
    }
    let changes = find("GET", "/api/v1/registry-changes");
    for (what, q, field) in [
        ("a cursor that is not one", "since=yesterday", "since"),
        ("a key pattern as the cursor", "since=1:egov:*", "since"),
        ("limit 0", "limit=0", "limit"),
        ("an unknown parameter", "registry=perechen", "registry"),
    ] {
        out.push(
            changes
                .case("protocol", what)
                .path(format!("/api/v1/registry-changes?{q}"))
                .want(400, field),
        );
    }
    out
}

fn monitoring_cases(w: &World, endpoints: &[Endpoint]) -> Vec<Case> {
    let find = |method: &str, template: &str| {
        endpoints
            .iter()
            .find(|e| {
                e.service == "monitoring-bridge" && e.method == method && e.template == template
            })
            .unwrap()
            .clone()
    };
    let ministry = w.employee(MINISTRY);
    let signed = |doc: &Value| signed_json(&ministry, doc);
    let mut out = Vec::new();
    let reports = find("POST", "/api/v1/monitoring/status-reports");
    out.extend(transport_cases(&reports, 256 * 1024));
    let r = status_report();
    for (what, body, status, field, rule) in [
        (
            "a signature that is not base64",
            json!({"message": r, "signature": "not base64!"}),
            400,
            "signature",
            Some("MON-11.a"),
        ),
        (
            "a signature over another document",
            json!({"message": set(&r, "/status", json!("rejected")), "signature": signed(&r)["signature"]}),
            422,
            "signature",
            Some("MON-11.a"),
        ),
        (
            "signed by another organization's employee",
            signed_json(&w.employee(AGENCY), &r),
            422,
            "signature",
            Some("MON-11.a"),
        ),
        (
            "signed under a CA the bridge does not trust",
            signed_json(
                &w.stranger_pki
                    .signer(&format!("employee.{MINISTRY}"))
                    .unwrap(),
                &r,
            ),
            422,
            "signature",
            Some("MON-11.b"),
        ),
        (
            "an unknown field beside the document",
            set(&signed(&r), "/zzz", json!(1)),
            400,
            "zzz",
            None,
        ),
        (
            "no signature",
            json!({"message": r}),
            400,
            "signature",
            None,
        ),
    ] {
        let c = reports.case("body", what).json(&body).want(status, field);
        out.push(match rule {
            Some(x) => c.rule(x),
            None => c,
        });
    }
    for (what, doc, status, field, rule) in [
        (
            "a bad BIN checksum",
            set(&r, "/provider", json!(BAD_BIN)),
            400,
            "message.provider",
            None,
        ),
        (
            "a BIN as a number",
            set(&r, "/provider", json!(940_740_000_911_u64)),
            400,
            "message.provider",
            None,
        ),
        (
            "an impossible instant",
            set(&r, "/at", json!("2026-02-30T10:00:00+05:00")),
            400,
            "message.at",
            None,
        ),
        (
            "an instant in 1800",
            set(&r, "/at", json!("1800-01-01T10:00:00+05:00")),
            422,
            "message.at",
            Some("MON-ORD-5"),
        ),
        (
            "an instant in 2300",
            set(&r, "/at", json!("2300-01-01T10:00:00+05:00")),
            422,
            "message.at",
            Some("MON-ORD-5"),
        ),
        (
            "a key pattern as the application",
            set(&r, "/application", json!("APP:*")),
            400,
            "message.application",
            None,
        ),
        (
            "RESP as the status",
            set(&r, "/status", json!(RESP)),
            400,
            "message.status",
            None,
        ),
        (
            "Lua as the service",
            set(&r, "/service", json!(LUA)),
            400,
            "message.service",
            None,
        ),
        (
            "a NUL in the comment",
            set(&r, "/comment", json!("ok\u{0}")),
            400,
            "message.comment",
            None,
        ),
        (
            "a line break in the comment",
            set(&r, "/comment", json!("ok\r\nDEL x")),
            400,
            "message.comment",
            None,
        ),
        (
            "an unknown field",
            set(&r, "/zzz", json!(1)),
            400,
            "message.zzz",
            None,
        ),
        (
            "a lower-case id",
            set(
                &r,
                "/id",
                json!(ulid::Ulid::new().to_string().to_lowercase()),
            ),
            400,
            "message.id",
            None,
        ),
        (
            "a hash tag as the id",
            set(&r, "/id", json!("{monitoring-bridge}")),
            400,
            "message.id",
            None,
        ),
        (
            "state secrets",
            set(&r, "/state_secret", json!(true)),
            422,
            "message.state_secret",
            Some("MON-2"),
        ),
        (
            "no provider",
            without(&r, "/provider"),
            400,
            "message.provider",
            None,
        ),
    ] {
        let c = reports
            .case("body", what)
            .json(&signed(&doc))
            .want(status, field);
        out.push(match rule {
            Some(x) => c.rule(x),
            None => c,
        });
    }
    // A member named twice: the signature holds over the document as the bridge reads it
    // (the last one), whatever else may read the first.
    let twice = signed(&r).to_string().replacen(
        r#""message":{"#,
        &format!(r#""message":{{"provider":"{BAD_BIN}","#),
        1,
    );
    out.push(
        reports
            .case("body", "the provider twice in the signed document")
            .text("application/json", &twice)
            .want(400, "message.provider"),
    );
    out.push(
        reports
            .case("authorization", "a supplier reporting")
            .token(&w.token(Role::Supplier, MINISTRY))
            .want(403, "roles"),
    );
    out.push(
        reports
            .case("protocol", "an Idempotency-Key reused with another body")
            .header("idempotency-key", "dup-report")
            .want(422, "Idempotency-Key"),
    );
    let requests = find("POST", "/api/v1/monitoring/information-requests");
    out.extend(transport_cases(&requests, 256 * 1024));
    let q = information_request();
    for (what, doc, status, field, rule) in [
        (
            "no consent",
            without(&q, "/consent"),
            422,
            "message.consent",
            Some("MON-7.3"),
        ),
        (
            "a consent not in writing",
            set(&q, "/consent/written", json!(false)),
            422,
            "message.consent",
            Some("MON-7.3"),
        ),
        (
            "an impossible consent date",
            set(&q, "/consent/given_on", json!("2026-02-30")),
            400,
            "message.consent.given_on",
            None,
        ),
        (
            "a consent given in 1800",
            set(&q, "/consent/given_on", json!("1800-01-01")),
            422,
            "message.consent.given_on",
            Some("MON-7.3"),
        ),
        (
            "a consent given in 2300",
            set(&q, "/consent/given_on", json!("2300-01-01")),
            422,
            "message.consent.given_on",
            Some("MON-7.3"),
        ),
        (
            "a bad BIN checksum as the recipient",
            set(&q, "/recipient", json!(BAD_BIN)),
            400,
            "message.recipient",
            None,
        ),
        (
            "a provider with an IS of its own",
            set(&q, "/provider", json!(OTHER_AGENCY)),
            422,
            "message.provider",
            Some("MON-7.1"),
        ),
        (
            "no documents",
            set(&q, "/documents", json!([])),
            400,
            "message.documents",
            Some("MON-7.1"),
        ),
        (
            "a key pattern as a document",
            set(&q, "/documents", json!(["passport:*"])),
            400,
            "message.documents[0]",
            None,
        ),
        (
            "RESP in the consent's reference",
            set(&q, "/consent/reference", json!(RESP)),
            400,
            "message.consent.reference",
            None,
        ),
    ] {
        let c = requests
            .case("body", what)
            .json(&signed(&doc))
            .want(status, field);
        out.push(match rule {
            Some(x) => c.rule(x),
            None => c,
        });
    }
    let apps = find("POST", "/api/v1/monitoring/applications");
    out.extend(
        transport_cases(&apps, 0)
            .into_iter()
            .filter(|c| c.status != 413),
    );
    let a = monitoring_application();
    for (what, doc, status, field) in [
        (
            "a form that is not an object",
            set(&a, "/form", json!("fill me")),
            400,
            "message.form",
        ),
        (
            "a key pattern in the form",
            set(&a, "/form", json!({"egov:*": 1})),
            400,
            "message.form",
        ),
        (
            "a form nested 10 levels",
            set(&a, "/form", serde_json::from_str(&nested(10)).unwrap()),
            400,
            "message.form",
        ),
        (
            "a NUL in the form",
            set(&a, "/form", json!({"purpose": "x\u{0}"})),
            400,
            "message.form.purpose",
        ),
        (
            "a bad BIN checksum as the recipient",
            set(&a, "/recipient", json!(BAD_BIN)),
            400,
            "message.recipient",
        ),
        (
            "a copy whose digest is not its content's",
            set(
                &a,
                "/documents",
                json!([{"name": "passport.pdf", "media_type": "application/pdf", "content": b64(b"%PDF-1.7"), "sha256": "0".repeat(64)}]),
            ),
            422,
            "message.documents[0].sha256",
        ),
        (
            "a copy that is not base64",
            set(
                &a,
                "/documents",
                json!([{"name": "passport.pdf", "media_type": "application/pdf", "content": "%%%", "sha256": "0".repeat(64)}]),
            ),
            400,
            "message.documents[0].content",
        ),
        (
            "a media type with a line break",
            set(
                &a,
                "/documents",
                json!([{"name": "passport.pdf", "media_type": "application/pdf\r\nX: 1", "content": b64(b"x"), "sha256": "0".repeat(64)}]),
            ),
            400,
            "message.documents[0].media_type",
        ),
    ] {
        let c = apps.case("body", what).json(&signed(&doc));
        out.push(
            if what.starts_with("a form nested") || what.starts_with("a key pattern") {
                c.want_under(status, field)
            } else {
                c.want(status, field)
            },
        );
    }
    let responses = find("POST", "/api/v1/monitoring/responses");
    out.extend(transport_cases(&responses, 256 * 1024));
    let provider = w.employee(OTHER_AGENCY);
    let p = provider_response();
    for (what, doc, status, field) in [
        (
            "a result that is not an object",
            set(&p, "/result", json!([1])),
            400,
            "message.result",
        ),
        (
            "a correlation that is not an id",
            set(&p, "/correlation", json!("egov:*")),
            400,
            "message.correlation",
        ),
        (
            "a correlation nobody asked",
            p.clone(),
            404,
            "message.correlation",
        ),
        (
            "a key pattern in the result",
            set(&p, "/result", json!({"a:*": 1})),
            400,
            "message.result",
        ),
    ] {
        out.push(
            responses
                .case("body", what)
                .json(&signed_json(&provider, &doc))
                .want_under(status, field),
        );
    }
    out.push(
        responses
            .case(
                "authorization",
                "the state corporation answering as a provider",
            )
            .token(&w.token(Role::StateCorporation, MINISTRY))
            .want(403, "roles"),
    );
    let inbox = find("POST", "/api/v1/monitoring/inbox");
    let monitoring_is = w.pki.signer(egov_monitoring_bridge::MONITORING_IS).unwrap();
    let pb = |ct: Option<&str>, bytes: Vec<u8>| Body {
        content_type: ct.map(str::to_owned),
        bytes,
    };
    let one = |m: Message| batch(&monitoring_is, &[m]);
    let mut unsigned = Batch::decode(one(inbox_message()).as_slice()).unwrap();
    unsigned.messages[0].signature.clear();
    for (what, body, status, field, rule) in [
        (
            "a batch as JSON",
            pb(Some("application/json"), b"{\"messages\":[]}".to_vec()),
            415,
            "Content-Type",
            None,
        ),
        (
            "a batch without a content type",
            pb(None, one(inbox_message())),
            415,
            "Content-Type",
            None,
        ),
        (
            "bytes that are not a Batch",
            pb(Some("application/x-protobuf"), vec![0xff; 64]),
            400,
            "messages",
            None,
        ),
        (
            "an empty batch",
            pb(Some("application/x-protobuf"), Vec::new()),
            400,
            "messages",
            None,
        ),
        (
            "an unsigned message",
            pb(Some("application/x-protobuf"), unsigned.encode_to_vec()),
            422,
            "messages[0].signature",
            None,
        ),
        (
            "a message signed under a CA the bridge does not trust",
            pb(
                Some("application/x-protobuf"),
                batch(
                    &w.stranger_pki
                        .signer(egov_monitoring_bridge::MONITORING_IS)
                        .unwrap(),
                    &[inbox_message()],
                ),
            ),
            422,
            "messages[0].signature",
            Some("MON-11.b"),
        ),
        (
            "a message signed by an employee, not the monitoring IS",
            pb(
                Some("application/x-protobuf"),
                batch(&w.employee(MINISTRY), &[inbox_message()]),
            ),
            422,
            "messages[0].signature",
            Some("MON-11.b"),
        ),
        (
            "a hash tag as a message id",
            pb(
                Some("application/x-protobuf"),
                one(Message {
                    id: "{monitoring-bridge}".into(),
                    ..inbox_message()
                }),
            ),
            400,
            "messages[0].message.id",
            None,
        ),
        (
            "state secrets",
            pb(
                Some("application/x-protobuf"),
                one(Message {
                    state_secret: true,
                    ..inbox_message()
                }),
            ),
            422,
            "messages[0].message.state_secret",
            Some("MON-2"),
        ),
        (
            "an unknown message type",
            pb(
                Some("application/x-protobuf"),
                one(Message {
                    r#type: 99,
                    ..inbox_message()
                }),
            ),
            400,
            "messages[0].message.type",
            None,
        ),
    ] {
        let mut c = inbox
            .case("body", what)
            .body(Some(body))
            .want(status, field);
        if what == "an empty batch" {
            // Sent with its length: an empty body without one is a 411.
            c = c.header("content-length", "0");
        }
        out.push(match rule {
            Some(x) => c.rule(x),
            None => c,
        });
    }
    let message = find("GET", "/api/v1/monitoring/messages/{id}");
    for (what, id, status) in [
        ("an id that is not an id", "not-an-id".to_owned(), 400),
        ("a key pattern as the id", "msg:*".to_owned(), 400),
        ("RESP as the id", "%2A%0D%0AFLUSHALL".to_owned(), 400),
        ("an unknown message", ulid::Ulid::new().to_string(), 404),
    ] {
        out.push(
            message
                .case("authorization", what)
                .path(format!("/api/v1/monitoring/messages/{id}"))
                .want(status, "id"),
        );
    }
    out.push(
        message
            .case("authorization", "a state body reading a message")
            .token(&w.token(Role::StateBody, AGENCY))
            .want(403, "roles"),
    );
    let queues = find("GET", "/api/v1/monitoring/queues");
    out.push(
        queues
            .case("authorization", "a service provider reading the queues")
            .token(&w.token(Role::ServiceProvider, AGENCY))
            .want(403, "roles"),
    );
    let log = find("GET", "/api/v1/monitoring/log");
    for (what, q, field) in [
        ("limit 0", "limit=0", "limit"),
        ("limit 1001", "limit=1001", "limit"),
        ("a limit that is not a number", "limit=x", "limit"),
        ("a cursor that is not a stream id", "after=%2B", "after"),
        ("a key pattern as the cursor", "after=egov:*", "after"),
        ("an unknown parameter", "head=1", "head"),
    ] {
        out.push(
            log.case("protocol", what)
                .path(format!("/api/v1/monitoring/log?{q}"))
                .want(400, field),
        );
    }
    out.push(
        log.case("authorization", "a service provider reading the log")
            .token(&w.token(Role::ServiceProvider, AGENCY))
            .want(403, "roles"),
    );
    out
}

/// A 405 for every path of every document, with `Allow` listing exactly its methods.
fn method_cases(w: &World, docs: &[(&'static str, Value)]) -> Vec<Case> {
    let mut out = Vec::new();
    let token = w.token(Role::PlatformAdmin, MINISTRY);
    for (service, doc) in docs {
        let ops = operations(doc);
        let templates: BTreeSet<&String> = ops.iter().map(|(_, p)| p).collect();
        for template in templates {
            let path = template
                .replace(
                    "{id}",
                    &if template.starts_with("/api/v1/tasks") {
                        w.ab_task.clone()
                    } else {
                        w.object.clone()
                    },
                )
                .replace("{slot}", "stage")
                .replace("{seq}", "1")
                .replace("{registry}", "perechen");
            let allow: BTreeSet<&str> = ops
                .iter()
                .filter(|(_, t)| fits(t, &path))
                .map(|(m, _)| m.as_str())
                .collect();
            for method in ["PATCH", "DELETE", "PUT", "POST", "GET"]
                .into_iter()
                .filter(|m| !allow.contains(m))
                .take(2)
            {
                let allow = allow.iter().copied().collect::<Vec<_>>().join(", ");
                out.push(Case {
                    category: "protocol",
                    what: format!("{method} where {allow} is allowed"),
                    service,
                    method,
                    template: template.clone(),
                    path: path.clone(),
                    auth: Auth::Bearer(token.clone()),
                    headers: Vec::new(),
                    body: None,
                    status: 405,
                    field: Field::Methods,
                    rule: None,
                    allow: Some(allow),
                });
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_endpoint_refuses_bad_input_with_a_problem_naming_the_field_and_changes_nothing() {
    let s = Suite::start(NOW).await;
    let tokens = Tokens::load(&s);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let sb = tokens.of(Role::StateBody, AGENCY);

    // The setup: what the cases aim at, and the first uses of the Idempotency-Keys the
    // corpus reuses.
    let (_, procedures) = s
        .get(
            "intake",
            "/api/v1/procedures",
            &tokens.of(Role::PlatformAdmin, MINISTRY),
        )
        .await;
    let (status, p) = s
        .post(
            "intake",
            "/api/v1/perechen-applications",
            &sb,
            &application("2026-03-19"),
            Some("dup-perechen"),
        )
        .await;
    assert_eq!(status, 201, "{p}\n{procedures:#}");
    let perechen = p["id"].as_str().unwrap().to_owned();
    let (status, p) = s
        .post(
            "intake",
            "/api/v1/informatization-objects",
            &sb,
            &object(),
            None,
        )
        .await;
    assert_eq!(status, 201, "{p}\n{procedures:#}");
    let object_id = p["id"].as_str().unwrap().to_owned();
    let ab_task = eventually("the PL-4 task", || async {
        s.tasks(Role::AuthorizedBody)
            .await
            .into_iter()
            .find(|t| t["case_id"] == perechen.as_str())
            .map(|t| t["id"].as_str().unwrap().to_owned())
    })
    .await;
    let (status, p) = eventually("the object's case on the engine", || async {
        let r = s
            .post(
                "expertise",
                &format!("/api/v1/cases/{object_id}/inputs/environment-requests"),
                &sb,
                &environment_request(),
                Some("dup-input"),
            )
            .await;
        (r.0 != 404).then_some(r)
    })
    .await;
    assert_eq!(status, 201, "{p}");
    let operator = tokens.of(Role::Operator, MINISTRY);
    let operator_task = eventually("the operator's environment task", || async {
        let (_, b) = s.get("catalog", "/api/v1/tasks", &operator).await;
        b["items"]
            .as_array()?
            .iter()
            .find(|t| t["case_id"] == object_id.as_str())
            .map(|t| t["id"].as_str().unwrap().to_owned())
    })
    .await;
    let (status, p) = s
        .post(
            "catalog",
            "/api/v1/ict-services",
            &operator,
            &operator_service(),
            Some("dup-service"),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    let (status, p) = s
        .post(
            "expertise",
            &format!("/api/v1/tasks/{ab_task}/complete"),
            &tokens.of(Role::AuthorizedBody, MINISTRY),
            &json!({"outcome": "no-such-outcome"}),
            Some("dup-complete"),
        )
        .await;
    assert_eq!(status, 422, "{p}");
    let pki = egov_monitoring_bridge::dev::pki(&s.home.join("monitoring")).unwrap();
    let stranger_pki = egov_monitoring_bridge::dev::pki(
        &std::env::temp_dir().join(format!("egov-bad-input-pki-{}", ulid::Ulid::new())),
    )
    .unwrap();
    let w = World {
        tokens,
        perechen,
        ab_task,
        object: object_id,
        operator_task,
        pki,
        stranger_pki,
    };
    let (status, p) = s
        .post(
            "monitoring-bridge",
            "/api/v1/monitoring/status-reports",
            &w.token(Role::StateCorporation, MINISTRY),
            &signed_json(&w.employee(MINISTRY), &status_report()),
            Some("dup-report"),
        )
        .await;
    assert_eq!(status, 202, "{p}");

    // The documents, and the corpus.
    let mut docs = Vec::new();
    for service in SERVICES {
        let (status, doc) = s.get(service, "/api/v1/openapi.json", "").await;
        assert_eq!(status, 200, "{service}");
        docs.push((service, doc));
    }
    let endpoints = w.endpoints();
    let mut cases = token_cases(&w, &endpoints);
    cases.extend(intake_cases(&w, &endpoints));
    for host in HOSTS {
        cases.extend(host_cases(&w, host, &endpoints));
    }
    cases.extend(tender_cases(&endpoints));
    cases.extend(catalog_cases(&w, &endpoints));
    cases.extend(monitoring_cases(&w, &endpoints));
    cases.extend(method_cases(&w, &docs));

    // Coverage: every operation of every document has a case, and every case aims at a path
    // its service documents.
    let documented: BTreeSet<(&str, String, String)> = docs
        .iter()
        .flat_map(|(svc, doc)| operations(doc).into_iter().map(move |(m, p)| (*svc, m, p)))
        .collect();
    let touched: BTreeSet<(&str, String, String)> = cases
        .iter()
        .map(|c| (c.service, c.method.to_owned(), c.template.clone()))
        .collect();
    // An operation that takes no input at all (no security, no parameters, no body: the
    // services' `/api/v1/status`) has nothing bad to be sent with its own method; the cases
    // of its path (every other method, 405) cover it. Every other operation needs a case of
    // its own method.
    let inputless = |svc: &str, m: &str, p: &str| {
        let doc = &docs.iter().find(|(s, _)| *s == svc).unwrap().1;
        let op = &doc["paths"][p][m.to_ascii_lowercase()];
        ["security", "parameters", "requestBody"]
            .iter()
            .all(|k| op.get(*k).is_none())
    };
    let mut missing = Vec::new();
    let mut by_path = Vec::new();
    for (svc, m, p) in documented.difference(&touched) {
        if inputless(svc, m, p) && touched.iter().any(|(s, _, t)| s == svc && t == p) {
            by_path.push(format!("{svc} {m} {p}"));
        } else {
            missing.push(format!("{svc} {m} {p}"));
        }
    }
    assert!(
        missing.is_empty(),
        "operations without a case: {missing:#?}"
    );
    for c in &cases {
        let doc = &docs.iter().find(|(s, _)| *s == c.service).unwrap().1;
        assert!(
            doc["paths"].get(&c.template).is_some(),
            "{} documents no {} (case {:?})",
            c.service,
            c.template,
            c.what
        );
    }

    // The run: each case against the state before it.
    let mut conn = egov_bus::connect(&s.redis.client()).await.unwrap();
    let mut before = settle(&mut conn, &s).await;
    // The snapshot sees the setup's records (an empty one would make every comparison pass).
    for kind in [
        ":agg:case:",
        ":agg:entry:",
        ":agg:ict-service:",
        ":answer:",
        "}:log",
    ] {
        assert!(
            before.keys().any(|k| k.contains(kind)),
            "no {kind} key in the snapshot: {:?}",
            before.keys().collect::<Vec<_>>()
        );
    }
    let verbose = std::env::var_os("EGOV_BAD_INPUT_VERBOSE").is_some();
    let mut failures = Vec::new();
    let mut by_category: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &cases {
        *by_category.entry(c.category).or_default() += 1;
        let a = send(&http, &s, c).await;
        let mut errs = check(c, &a);
        let mut after = state(&mut conn, &s).await;
        if after != before {
            errs.push(format!("the state changed: {}", diff(&before, &after)));
            after = settle(&mut conn, &s).await;
        }
        before = after;
        let line = format!(
            "[{}] {} {} {} ({}): {} {}",
            c.category,
            c.service,
            c.method,
            c.path.chars().take(120).collect::<String>(),
            c.what,
            a.status,
            a.text.chars().take(400).collect::<String>()
        );
        if verbose {
            eprintln!("{line}");
        }
        if !errs.is_empty() {
            failures.push(format!("{line}\n    -> {}", errs.join("; ")));
        }
    }

    // The control: a valid input is seen as a change (the comparison is not blind).
    let (status, p) = s
        .post(
            "catalog",
            &format!("/api/v1/cases/{}/inputs/environment-requests", w.object),
            &sb,
            &json!({"environments": ["trial-operation"],
                    "agreement": {"number": "№ 19", "concluded_on": "2026-03-12"}}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{p}");
    let after = state(&mut conn, &s).await;
    assert_ne!(
        after, before,
        "a valid input changed nothing the snapshot sees"
    );
    eprintln!(
        "control: a valid input changed {}",
        diff(&before, &after).chars().take(300).collect::<String>()
    );

    // An unsupported Accept on a request that is otherwise fine: a 406 naming `Accept`, at
    // every service.
    for (service, path, token) in [
        ("intake", "/api/v1/procedures", sb.clone()),
        ("catalog", "/api/v1/registry-changes", sb.clone()),
        ("tender", "/api/v1/tenders", sb.clone()),
        (
            "expertise",
            "/api/v1/tasks",
            w.token(Role::AuthorizedBody, MINISTRY),
        ),
        (
            "monitoring-bridge",
            "/api/v1/monitoring/queues",
            w.token(Role::Operator, MINISTRY),
        ),
    ] {
        let r = http
            .get(s.url(service, path))
            .bearer_auth(&token)
            .header("accept", "application/xml")
            .send()
            .await
            .unwrap();
        assert_eq!(
            (
                r.status().as_u16(),
                r.headers()["content-type"].to_str().unwrap()
            ),
            (406, "application/problem+json"),
            "GET {service} {path} with Accept: application/xml"
        );
    }

    let endpoints_covered = documented.len();
    eprintln!(
        "operations without input, covered by their path's 405 cases: {}",
        by_path.join("; ")
    );
    eprintln!(
        "bad-input corpus: {} cases over {} endpoints ({})",
        cases.len(),
        endpoints_covered,
        by_category
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert!(cases.len() >= 200, "{} cases", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    s.stop().await;
}
