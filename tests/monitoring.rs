//! The monitoring bridge end to end (seed 004, MON-*): real Redis, real certificates from a
//! development CA, real CMS signatures, peers as real HTTP servers, and in the outage test the
//! bridge and the peers as separate processes killed with SIGKILL.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use egov_auth::JwksSource;
use egov_auth::dev::{DEV_AUDIENCE, DEV_ISSUER, DevKeys, TokenRequest};
use egov_events::monitoring::{Ack, Batch, Category, Message, MessageType, Signed};
use egov_kernel::{Bin, Role};
use egov_monitoring_bridge::{MONITORING_IS, dev, peer};
use egov_runtime::{Platform, PlatformConfig, Running};
use egov_signature::dev::{DevPki, LeafSpec};
use egov_signature::{KeySigner, Signer};
use egov_testkit::child;
use prost::Message as _;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const PROVIDER: &str = "940740000911"; // no IS of its own
const PROVIDER_IS: &str = dev::PROVIDER_WITH_IS; // 990140000384, has one
const CORPORATION: &str = "000740001307"; // the State Corporation in these tests

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn now_local() -> String {
    egov_kernel::time::format(jiff::Timestamp::now())
}

/// A document signed by `signer` over its RFC 8785 bytes, as the JSON API takes it.
fn signed_json(signer: &dyn Signer, message: &Value) -> Value {
    let bytes = egov_signature::canonical_json(message).unwrap();
    let cms = egov_signature::sign_detached(signer, &bytes, jiff::Timestamp::now()).unwrap();
    json!({"message": message, "signature": b64(&cms)})
}

/// A protobuf message signed by `signer`.
fn signed_pb(signer: &dyn Signer, m: &Message) -> Signed {
    let bytes = m.encode_to_vec();
    let signature = egov_signature::sign_detached(signer, &bytes, jiff::Timestamp::now()).unwrap();
    Signed {
        message: bytes,
        signature,
    }
}

fn status_report(provider: &str) -> Value {
    json!({"id": ulid::Ulid::new().to_string(), "application": "APP-2026-000001", "service": "00101001",
           "provider": provider, "status": "accepted", "at": now_local()})
}

fn request_to_provider(bin: &str) -> Message {
    Message {
        id: ulid::Ulid::new().to_string(),
        r#type: MessageType::Request as i32,
        category: Category::Information as i32,
        sender: MONITORING_IS.into(),
        recipient: format!("provider:{bin}"),
        correlation: String::new(),
        created_at: now_local(),
        state_secret: false,
        certified: None,
        body: br#"{"source":"application APP-1","iin":"990140000384"}"#.to_vec(),
    }
}

/// What a test needs around a bridge.
struct World {
    redis_url: String,
    home: PathBuf,
    keys: DevKeys,
    pki: DevPki,
    http: reqwest::Client,
    bridge: SocketAddr,
}

impl World {
    fn new(redis_url: String) -> Self {
        let home = std::env::temp_dir().join(format!("egov-mon-{}", ulid::Ulid::new()));
        let keys = DevKeys::load_or_create(&home).unwrap();
        let pki = dev::pki(&home.join("monitoring")).unwrap();
        Self {
            redis_url,
            home,
            keys,
            pki,
            http: reqwest::Client::new(),
            bridge: SocketAddr::from(([127, 0, 0, 1], egov_testkit::free_port())),
        }
    }

    fn signer(&self, name: &str) -> KeySigner {
        self.pki.signer(name).unwrap()
    }

    fn employee(&self, org: &str) -> KeySigner {
        self.signer(&format!("employee.{org}"))
    }

    fn token(&self, role: Role, org: &str) -> String {
        self.keys.mint(&TokenRequest {
            sub: format!("test-{role}"),
            org: Bin::parse(org).unwrap(),
            roles: vec![role],
            ttl: Duration::from_secs(3600),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.bridge)
    }

    async fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    /// `doc` signed by an employee of `org` and posted with a token of `role` for `org`.
    async fn send(&self, path: &str, role: Role, org: &str, doc: &Value) -> (u16, Value) {
        let body = signed_json(&self.employee(org), doc);
        self.post(path, &self.token(role, org), &body).await
    }

    async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    /// Posts a batch to the inbox as the monitoring IS: the Ack, or the problem.
    async fn inbox(&self, messages: Vec<Signed>) -> Result<Ack, (u16, Value)> {
        let r = self
            .http
            .post(self.url("/api/v1/monitoring/inbox"))
            .bearer_auth(self.token(Role::MonitoringSystem, CORPORATION))
            .header("content-type", "application/x-protobuf")
            .body(Batch { messages }.encode_to_vec())
            .send()
            .await
            .unwrap();
        let s = r.status().as_u16();
        let bytes = r.bytes().await.unwrap();
        if s == 200 {
            Ok(Ack::decode(bytes.as_ref()).unwrap())
        } else {
            Err((s, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
        }
    }

    async fn platform(&self) -> Platform {
        let cfg = PlatformConfig {
            redis_url: self.redis_url.clone(),
            replica: "mon".into(),
            partitions: 1,
            jwks: JwksSource::File(self.keys.jwks_path()),
            issuer: DEV_ISSUER.into(),
            audience: DEV_AUDIENCE.into(),
            calendar_file: None,
            plugins: Vec::new(),
            plugin_cache: None,
            sealing_key: {
                let path = self.home.join("dev-sealing-key");
                egov_runtime::sealing::create_dev_key(&path).unwrap();
                Some(path)
            },
        };
        Platform::connect(&cfg, std::sync::Arc::new(egov_kernel::SystemClock))
            .await
            .unwrap()
    }

    /// The bridge in this process, delivering to the peers at `monitoring_is` and `provider_is`.
    async fn start_bridge(
        &self,
        monitoring_is: &str,
        provider_is: &str,
        stop: CancellationToken,
    ) -> Running {
        let cfg = dev::config(
            &self.home.join("monitoring"),
            self.bridge,
            monitoring_is,
            provider_is,
        )
        .unwrap();
        let r = egov_monitoring_bridge::start(self.platform().await, cfg, stop)
            .await
            .unwrap();
        self.wait_up(self.bridge).await;
        r
    }

    async fn wait_up(&self, addr: SocketAddr) {
        for _ in 0..500 {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("nothing listens on {addr}");
    }

    /// A peer in this process.
    async fn start_peer(&self, name: &str, port: u16, stop: CancellationToken) -> String {
        let listen = SocketAddr::from(([127, 0, 0, 1], port));
        let cfg = dev::peer(
            &self.home.join("monitoring"),
            name,
            listen,
            self.home.join("peers").join(name),
        )
        .unwrap();
        let (addr, _) = peer::start(cfg, stop).await.unwrap();
        format!("http://{addr}")
    }

    async fn received(&self, peer: &str) -> Vec<String> {
        let v: Value = self
            .http
            .get(format!("{peer}/received"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn message(&self, id: &str) -> Value {
        let (s, v) = self
            .get(
                &format!("/api/v1/monitoring/messages/{id}"),
                &self.token(Role::Operator, CORPORATION),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v
    }

    async fn until_state(&self, id: &str, state: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let v = self.message(id).await;
            if v["state"] == state {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "message {id} never became {state}: {v}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Everything the bridge keeps, to show that a refusal changed nothing.
    async fn snapshot(&self) -> Vec<(String, String)> {
        let client = redis::Client::open(self.redis_url.as_str()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let mut keys: Vec<String> = redis::cmd("KEYS")
            .arg("egov:{monitoring-bridge}:*")
            .query_async(&mut conn)
            .await
            .unwrap();
        keys.retain(|k| !k.ends_with(":lease:deliver") && !k.contains(":dest:"));
        keys.sort();
        let mut out = Vec::new();
        for k in keys {
            let dump: Vec<u8> = redis::cmd("DUMP")
                .arg(&k)
                .query_async(&mut conn)
                .await
                .unwrap();
            out.push((k, hex::encode(sha2_digest(&dump))));
        }
        out
    }

    async fn verify_log(&self) -> egov_monitoring_bridge::logread::Verification {
        let client = redis::Client::open(self.redis_url.as_str()).unwrap();
        let mut conn = egov_bus::connect(&client).await.unwrap();
        egov_monitoring_bridge::logread::verify(&mut conn)
            .await
            .unwrap()
    }
}

fn sha2_digest(b: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(b).to_vec()
}

#[tokio::test]
async fn mon_5_7_8_the_three_categories_signed_end_to_end() {
    let redis = egov_testkit::redis().await;
    let w = World::new(redis.url.clone());
    let stop = CancellationToken::new();
    let mis = w
        .start_peer(MONITORING_IS, egov_testkit::free_port(), stop.clone())
        .await;
    let pis = w
        .start_peer(
            &format!("provider-is.{PROVIDER_IS}"),
            egov_testkit::free_port(),
            stop.clone(),
        )
        .await;
    let _bridge = w
        .start_bridge(
            &format!("{mis}/messages"),
            &format!("{pis}/messages"),
            stop.clone(),
        )
        .await;

    // Category 1 (MON-5.1): the provider reports its application's status.
    let doc = status_report(PROVIDER);
    let (s, receipt) = w
        .send(
            "/api/v1/monitoring/status-reports",
            Role::ServiceProvider,
            PROVIDER,
            &doc,
        )
        .await;
    assert_eq!(s, 202, "{receipt}");
    assert_eq!(receipt["destination"], MONITORING_IS);
    assert!(
        receipt["signer"]
            .as_str()
            .unwrap()
            .contains(&format!("BIN{PROVIDER}"))
    );
    let at = receipt["received_at"].as_str().unwrap();
    assert!(
        at.ends_with("+05:00"),
        "MON-10: local time with its offset: {at}"
    );
    let id = doc["id"].as_str().unwrap();
    let v = w.until_state(id, "delivered").await;
    assert_eq!(v["type"], "STATUS_REPORT");
    assert_eq!(v["category"], 1);
    assert!(w.received(&mis).await.contains(&id.to_owned()));
    // MON-8: the State Corporation reports for any provider.
    let doc = status_report(PROVIDER);
    let (s, r) = w
        .send(
            "/api/v1/monitoring/status-reports",
            Role::StateCorporation,
            CORPORATION,
            &doc,
        )
        .await;
    assert_eq!(s, 202, "{r}");

    // Category 2 (MON-7.1, MON-7.3): a request for information, answered by the monitoring IS.
    let req = json!({"id": ulid::Ulid::new().to_string(), "provider": PROVIDER, "service": "00101001",
        "recipient": "990140000384", "documents": ["identity-card", "address"],
        "consent": {"written": true, "reference": "consent 2026/17", "given_on": egov_kernel::time::local_date(jiff::Timestamp::now()).to_string()}});
    let (s, r) = w
        .send(
            "/api/v1/monitoring/information-requests",
            Role::StateCorporation,
            CORPORATION,
            &req,
        )
        .await;
    assert_eq!(s, 202, "{r}");
    let v = w.until_state(req["id"].as_str().unwrap(), "answered").await;
    assert_eq!(v["answered_with"]["type"], "INFORMATION");
    assert_eq!(
        v["answered_with"]["body"]["documents"][0]["document"],
        "identity-card"
    );
    // The requester reads its own request; another organization does not see it.
    let (s, _) = w
        .get(
            &format!(
                "/api/v1/monitoring/messages/{}",
                req["id"].as_str().unwrap()
            ),
            &w.token(Role::StateCorporation, CORPORATION),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = w
        .get(
            &format!(
                "/api/v1/monitoring/messages/{}",
                req["id"].as_str().unwrap()
            ),
            &w.token(Role::StateCorporation, "051140000123"),
        )
        .await;
    assert_eq!(s, 404);

    // Category 3 (MON-7.2, MON-5.3): an application with a copy of a document; the result.
    let pdf = b"%PDF-1.7 passport copy";
    let app = json!({"id": ulid::Ulid::new().to_string(), "application": "APP-2026-000002", "service": "00101001",
        "provider": PROVIDER, "recipient": "990140000384", "form": {"full_name": "Aigerim Nurlanovna"},
        "documents": [{"name": "passport.pdf", "media_type": "application/pdf", "content": b64(pdf),
                       "sha256": hex::encode(sha2_digest(pdf))}]});
    let (s, r) = w
        .send(
            "/api/v1/monitoring/applications",
            Role::StateCorporation,
            CORPORATION,
            &app,
        )
        .await;
    assert_eq!(s, 202, "{r}");
    let v = w.until_state(app["id"].as_str().unwrap(), "answered").await;
    assert_eq!(v["answered_with"]["type"], "RESULT");
    assert_eq!(v["answered_with"]["body"]["outcome"], "issued");

    // MON-5.3, AMB-MON-7: an application to a provider with an IS of its own goes to that IS,
    // and its result comes from there.
    let app = json!({"id": ulid::Ulid::new().to_string(), "application": "APP-2026-000003", "service": "00101001",
        "provider": PROVIDER_IS, "recipient": "990140000384", "form": {"full_name": "Aigerim Nurlanovna"}});
    let (s, r) = w
        .send(
            "/api/v1/monitoring/applications",
            Role::StateCorporation,
            CORPORATION,
            &app,
        )
        .await;
    let to = format!("provider:{PROVIDER_IS}");
    assert_eq!(
        (s, r["destination"].as_str()),
        (202, Some(to.as_str())),
        "{r}"
    );
    let v = w.until_state(app["id"].as_str().unwrap(), "answered").await;
    assert_eq!(v["answered_with"]["type"], "RESULT");
    assert_eq!(v["answered_with"]["from"], to);

    // Category 2 (MON-7.4, MON-7.5): the monitoring IS's "request" to a provider's own IS goes
    // there, and its "response" comes back to the monitoring IS, correlated.
    let m = request_to_provider(PROVIDER_IS);
    let ack = w
        .inbox(vec![signed_pb(&w.signer(MONITORING_IS), &m)])
        .await
        .unwrap();
    assert_eq!(ack.accepted, 1);
    let v = w.until_state(&m.id, "answered").await;
    assert_eq!(v["answered_with"]["type"], "RESPONSE");
    assert_eq!(v["destination"], format!("provider:{PROVIDER_IS}"));
    let response = v["answer"].as_str().unwrap().to_owned();
    w.until_state(&response, "delivered").await;
    assert!(w.received(&pis).await.contains(&m.id));
    assert!(w.received(&mis).await.contains(&response));
    // The provider's IS may also answer through the API; a second answer is refused.
    let (s, p) = w.post("/api/v1/monitoring/responses", &w.token(Role::ServiceProvider, PROVIDER_IS),
        &signed_json(&w.employee(PROVIDER_IS), &json!({"id": ulid::Ulid::new().to_string(), "correlation": m.id, "result": {"found": true}}))).await;
    assert_eq!((s, p["rule"].as_str()), (409, Some("MON-7.5")), "{p}");

    // MON-9.a: every send and receipt is in the log, and the chain holds.
    let v = w.verify_log().await;
    let head = v.outcome.unwrap();
    assert!(head.seq >= 14, "{head:?}");
    let (s, page) = w
        .get(
            "/api/v1/monitoring/log?limit=3",
            &w.token(Role::Operator, CORPORATION),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    assert_eq!(page["items"][0]["seq"], 1);
    let (_, next) = w
        .get(
            &format!(
                "/api/v1/monitoring/log?limit=3&after={}",
                page["next"].as_str().unwrap()
            ),
            &w.token(Role::Operator, CORPORATION),
        )
        .await;
    assert_eq!(next["items"][0]["seq"], 4);
    assert_eq!(next["items"][0]["prev"], page["items"][2]["hash"]);
    // MON-9.b: the queues are empty and say so.
    let (_, q) = w
        .get(
            "/api/v1/monitoring/queues",
            &w.token(Role::Operator, CORPORATION),
        )
        .await;
    let items = q["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i["depth"] == 0), "{q}");
    // /metrics shows them too (sampled each second).
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let metrics = w
        .http
        .get(w.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("egov_monitoring_queue_depth{destination=\"monitoring-is\"} 0"),
        "{metrics}"
    );
    assert!(metrics.contains("egov_monitoring_messages_total{direction=\"sent\",outcome=\"delivered\",type=\"STATUS_REPORT\"} 2"));
    // The peer's own log verifies too (MON-9.a: both sides record the facts).
    let (n, outcome) =
        peer::verify_file(&w.home.join("peers").join(MONITORING_IS).join("log.jsonl")).unwrap();
    assert!(n >= 6 && outcome.is_ok(), "{n} {outcome:?}");
    stop.cancel();
}

#[tokio::test]
async fn mon_bad_input_is_refused_with_its_rule_and_changes_nothing() {
    let redis = egov_testkit::redis().await;
    let w = World::new(redis.url.clone());
    let stop = CancellationToken::new();
    let nowhere = "http://127.0.0.1:9/messages";
    let _bridge = w.start_bridge(nowhere, nowhere, stop.clone()).await;
    let corp = w.token(Role::StateCorporation, CORPORATION);
    let reports = "/api/v1/monitoring/status-reports";
    // One message gets in, so the log and a record exist for the replay case.
    let first = status_report(PROVIDER);
    let first_body = signed_json(&w.employee(CORPORATION), &first);
    assert_eq!(w.post(reports, &corp, &first_body).await.0, 202);
    let before = w.snapshot().await;

    let ca = w.pki.authority().unwrap();
    let leaf = |f: &dyn Fn(&mut LeafSpec)| {
        let mut spec = LeafSpec::signing("employee");
        spec.organizational_unit = Some(format!("BIN{CORPORATION}"));
        f(&mut spec);
        ca.issue(&spec).signer()
    };
    let day = jiff::SignedDuration::from_hours(24);
    let expired = leaf(&|s| {
        s.not_before = jiff::Timestamp::now() - day * 30;
        s.not_after = jiff::Timestamp::now() - day;
    });
    let wrong_usage =
        leaf(&|s| s.key_usages = vec![egov_signature::dev::KeyUsagePurpose::KeyEncipherment]);
    let stranger = egov_signature::dev::Ca::new("another CA").issue(&{
        let mut s = LeafSpec::signing("employee");
        s.organizational_unit = Some(format!("BIN{CORPORATION}"));
        s
    });

    let doc = status_report(PROVIDER);
    let good = signed_json(&w.employee(CORPORATION), &doc);
    let mut tampered = good.clone();
    tampered["message"]["status"] = json!("rejected");
    let mut unsigned = good.clone();
    unsigned["signature"] = json!("");
    let mut not_b64 = good.clone();
    not_b64["signature"] = json!("%%%");
    let extra = signed_json(
        &w.employee(CORPORATION),
        &status_report(PROVIDER).tap(|d| d["extra"] = json!(1)),
    );
    let secret = {
        let mut d = status_report(PROVIDER);
        d["state_secret"] = json!(true);
        signed_json(&w.employee(CORPORATION), &d)
    };
    let unknown_provider = signed_json(
        &w.employee(CORPORATION),
        &json!({"id": ulid::Ulid::new().to_string(), "provider": "100140011059",
            "service": "00101001", "recipient": "990140000384", "documents": ["identity-card"],
            "consent": {"written": true, "reference": "c", "given_on": "2026-01-05"}}),
    );
    let stale = {
        let doc = status_report(PROVIDER);
        let bytes = egov_signature::canonical_json(&doc).unwrap();
        let at = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(25);
        let old = leaf(&|s| s.not_before = jiff::Timestamp::now() - day * 30);
        let cms = egov_signature::sign_detached(&old, &bytes, at).unwrap();
        json!({"message": doc, "signature": b64(&cms)})
    };
    let lower_id = signed_json(
        &w.employee(CORPORATION),
        &status_report(PROVIDER).tap(|d| {
            let lower = d["id"].as_str().unwrap().to_lowercase();
            d["id"] = json!(lower);
        }),
    );
    let bad_bin = signed_json(&w.employee(CORPORATION), &status_report("060240003411"));
    let no_consent = signed_json(
        &w.employee(CORPORATION),
        &json!({"id": ulid::Ulid::new().to_string(), "provider": PROVIDER,
        "service": "00101001", "recipient": "990140000384", "documents": ["identity-card"]}),
    );
    let provider_has_is = signed_json(
        &w.employee(CORPORATION),
        &json!({"id": ulid::Ulid::new().to_string(), "provider": PROVIDER_IS,
        "service": "00101001", "recipient": "990140000384", "documents": ["identity-card"],
        "consent": {"written": true, "reference": "c", "given_on": "2026-01-05"}}),
    );
    let future = signed_json(
        &w.employee(CORPORATION),
        &status_report(PROVIDER).tap(|d| d["at"] = json!("2099-01-01T00:00:00+05:00")),
    );
    let control = signed_json(
        &w.employee(CORPORATION),
        &status_report(PROVIDER).tap(|d| d["status"] = json!("ok\u{0007}")),
    );

    /// What, where, as whom, the body, the status, the rule and the field named.
    type Case<'a> = (
        &'a str,
        &'a str,
        String,
        Value,
        u16,
        Option<&'a str>,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "unsigned",
            reports,
            corp.clone(),
            unsigned,
            422,
            Some("MON-11.a"),
            "signature",
        ),
        (
            "signature not base64",
            reports,
            corp.clone(),
            not_b64,
            400,
            Some("MON-11.a"),
            "signature",
        ),
        (
            "tampered after signing",
            reports,
            corp.clone(),
            tampered,
            422,
            Some("MON-11.a"),
            "signature",
        ),
        (
            "expired certificate",
            reports,
            corp.clone(),
            signed_json(&expired, &status_report(PROVIDER)),
            422,
            Some("MON-11.b"),
            "signature",
        ),
        (
            "untrusted CA",
            reports,
            corp.clone(),
            signed_json(&stranger.signer(), &status_report(PROVIDER)),
            422,
            Some("MON-11.b"),
            "signature",
        ),
        (
            "wrong keyUsage",
            reports,
            corp.clone(),
            signed_json(&wrong_usage, &status_report(PROVIDER)),
            422,
            Some("MON-11.a"),
            "signature",
        ),
        (
            "another organization's employee",
            reports,
            corp.clone(),
            signed_json(&w.employee(PROVIDER), &status_report(PROVIDER)),
            422,
            Some("MON-11.a"),
            "signature",
        ),
        (
            "replayed",
            reports,
            corp.clone(),
            first_body.clone(),
            409,
            Some("AMB-MON-4"),
            "message.id",
        ),
        (
            "state secret",
            reports,
            corp.clone(),
            secret,
            422,
            Some("MON-2"),
            "message.state_secret",
        ),
        (
            "unknown provider (no route)",
            "/api/v1/monitoring/information-requests",
            corp.clone(),
            unknown_provider,
            422,
            Some("MON-9.b"),
            "message.provider",
        ),
        (
            "a signature older than a day",
            reports,
            corp.clone(),
            stale,
            422,
            Some("MON-11.a"),
            "signature",
        ),
        (
            "an id not in its canonical form",
            reports,
            corp.clone(),
            lower_id,
            400,
            None,
            "message.id",
        ),
        (
            "invalid BIN",
            reports,
            corp.clone(),
            bad_bin,
            400,
            None,
            "message.provider",
        ),
        (
            "unknown field",
            reports,
            corp.clone(),
            extra,
            400,
            None,
            "message.extra",
        ),
        (
            "control character",
            reports,
            corp.clone(),
            control,
            400,
            None,
            "message.status",
        ),
        (
            "instant in the future",
            reports,
            corp.clone(),
            future,
            422,
            Some("MON-ORD-5"),
            "message.at",
        ),
        (
            "no written consent",
            "/api/v1/monitoring/information-requests",
            corp.clone(),
            no_consent,
            422,
            Some("MON-7.3"),
            "message.consent",
        ),
        (
            "provider with its own IS",
            "/api/v1/monitoring/information-requests",
            corp.clone(),
            provider_has_is,
            422,
            Some("MON-7.1"),
            "message.provider",
        ),
        (
            "provider about another provider",
            reports,
            w.token(Role::ServiceProvider, PROVIDER_IS),
            signed_json(&w.employee(PROVIDER_IS), &status_report(PROVIDER)),
            403,
            Some("MON-5.1"),
            "message.provider",
        ),
        (
            "wrong role",
            reports,
            w.token(Role::StateBody, CORPORATION),
            good.clone(),
            403,
            None,
            "",
        ),
    ];
    for (what, path, token, body, status, rule, field) in cases {
        let (s, p) = w.post(path, &token, &body).await;
        assert_eq!(s, status, "{what}: {p}");
        assert_eq!(p["rule"].as_str(), rule, "{what}: {p}");
        if !field.is_empty() {
            assert_eq!(p["field"].as_str(), Some(field), "{what}: {p}");
        }
        assert_eq!(w.snapshot().await, before, "{what} changed something");
    }
    // Malformed JSON and an oversized body.
    for (what, body, status) in [
        ("malformed JSON", b"{\"message\": ".to_vec(), 400),
        ("oversized", vec![b' '; 300 * 1024], 413),
    ] {
        let r = w
            .http
            .post(w.url(reports))
            .bearer_auth(&corp)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{what}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{what}"
        );
        assert_eq!(w.snapshot().await, before, "{what} changed something");
    }
    // The inbox: malformed protobuf, unsigned, tampered, an unknown destination, state secret.
    let mis = w.signer(MONITORING_IS);
    let r = w
        .http
        .post(w.url("/api/v1/monitoring/inbox"))
        .bearer_auth(w.token(Role::MonitoringSystem, CORPORATION))
        .header("content-type", "application/x-protobuf")
        .body(vec![0x0a, 0xff, 0xff])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400, "malformed protobuf");
    let m = request_to_provider(PROVIDER_IS);
    let mut tampered = signed_pb(&mis, &m);
    let n = tampered.message.len();
    tampered.message[n - 2] ^= 1;
    let unknown = request_to_provider("051140000123");
    let mut secret = request_to_provider(PROVIDER_IS);
    secret.state_secret = true;
    let inbox_cases = vec![
        (
            "inbox unsigned",
            Signed {
                message: m.encode_to_vec(),
                signature: Vec::new(),
            },
            422,
            Some("MON-11.a"),
        ),
        ("inbox tampered", tampered, 422, Some("MON-11.a")),
        (
            "inbox unknown destination",
            signed_pb(&mis, &unknown),
            422,
            Some("MON-7.4"),
        ),
        (
            "inbox state secret",
            signed_pb(&mis, &secret),
            422,
            Some("MON-2"),
        ),
        (
            "inbox signed by an employee, not the monitoring IS",
            signed_pb(&w.employee(CORPORATION), &m),
            422,
            Some("MON-11.b"),
        ),
        (
            "inbox signed by a provider's IS, not the monitoring IS",
            signed_pb(&w.signer(&format!("provider-is.{PROVIDER_IS}")), &m),
            422,
            Some("MON-11.b"),
        ),
        (
            "inbox: a type the monitoring IS does not send",
            signed_pb(
                &mis,
                &Message {
                    r#type: MessageType::StatusReport as i32,
                    category: 1,
                    ..request_to_provider(PROVIDER_IS)
                },
            ),
            422,
            Some("MON-5"),
        ),
    ];
    for (what, s, status, rule) in inbox_cases {
        let (code, p) = w.inbox(vec![s]).await.unwrap_err();
        assert_eq!((code, p["rule"].as_str()), (status, rule), "{what}: {p}");
        assert_eq!(w.snapshot().await, before, "{what} changed something");
    }
    stop.cancel();
}

trait Tap: Sized {
    fn tap(self, f: impl FnOnce(&mut Self)) -> Self;
}
impl Tap for Value {
    fn tap(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}

#[tokio::test]
async fn mon_9_a_verify_log_finds_an_edited_removed_or_moved_entry() {
    let redis = egov_testkit::redis().await;
    let w = World::new(redis.url.clone());
    let stop = CancellationToken::new();
    let nowhere = "http://127.0.0.1:9/messages";
    let _bridge = w.start_bridge(nowhere, nowhere, stop.clone()).await;
    let corp = w.token(Role::StateCorporation, CORPORATION);
    for _ in 0..5 {
        let (s, _) = w
            .post(
                "/api/v1/monitoring/status-reports",
                &corp,
                &signed_json(&w.employee(CORPORATION), &status_report(PROVIDER)),
            )
            .await;
        assert_eq!(s, 202);
    }
    stop.cancel();
    assert_eq!(w.verify_log().await.outcome.unwrap().seq, 5);
    let client = redis::Client::open(w.redis_url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let key = egov_monitoring_bridge::journal::log_key();
    let entries: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(&key)
        .arg("-")
        .arg("+")
        .query_async(&mut conn)
        .await
        .unwrap();
    let fields = |i: usize| -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = entries.ids[i]
            .map
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    redis::from_redis_value::<String>(v.clone()).unwrap(),
                )
            })
            .collect();
        f.sort();
        f
    };
    // Entry 3 edited: removed and written again at the end with another digest.
    let mut edited = fields(2);
    for (k, v) in edited.iter_mut() {
        if k == "digest" {
            *v = "0".repeat(64);
        }
    }
    let _: () = redis::cmd("XDEL")
        .arg(&key)
        .arg(&entries.ids[2].id)
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut add = redis::cmd("XADD");
    add.arg(&key).arg("*");
    for (k, v) in &edited {
        add.arg(k).arg(v);
    }
    let _: String = add.query_async(&mut conn).await.unwrap();
    let b = w.verify_log().await.outcome.unwrap_err();
    assert!(
        matches!(
            b,
            egov_monitoring_bridge::domain::log::Break::Edited { seq: Some(3), .. }
                | egov_monitoring_bridge::domain::log::Break::Reordered { .. }
        ),
        "{b}"
    );
    // Entry 3 removed for good: named.
    let all: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(&key)
        .arg("-")
        .arg("+")
        .query_async(&mut conn)
        .await
        .unwrap();
    let _: () = redis::cmd("XDEL")
        .arg(&key)
        .arg(&all.ids.last().unwrap().id)
        .query_async(&mut conn)
        .await
        .unwrap();
    let b = w.verify_log().await.outcome.unwrap_err();
    assert_eq!(b.to_string(), "entry 3 was removed (before position 2)");
    // The head removed too: said so.
    let _: () = redis::cmd("DEL")
        .arg(egov_monitoring_bridge::journal::head_key())
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(matches!(
        w.verify_log().await.outcome,
        Err(egov_monitoring_bridge::domain::log::Break::HeadMissing)
    ));
}

// The outage, with separate processes: the bridge and the peers are children of this test
// binary, killed with SIGKILL.

fn outage_secs() -> u64 {
    std::env::var("EGOV_MON_OUTAGE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

fn messages() -> usize {
    std::env::var("EGOV_MON_MESSAGES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000)
}

/// Child: the bridge (`EGOV_TEST_CHILD=bridge`), or a peer (`peer`).
#[test]
#[ignore = "runs only as a child process of mon_9_b_*"]
fn monitoring_child() {
    let Some(role) = child::role() else { return };
    let var = |k: &str| std::env::var(k).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let w = World {
            redis_url: var("REDIS_URL"),
            home: PathBuf::from(var("MON_HOME")),
            keys: DevKeys::load_or_create(Path::new(&var("MON_HOME"))).unwrap(),
            pki: dev::pki(&Path::new(&var("MON_HOME")).join("monitoring")).unwrap(),
            http: reqwest::Client::new(),
            bridge: var("MON_BRIDGE").parse().unwrap(),
        };
        let stop = CancellationToken::new();
        match role.as_str() {
            "bridge" => {
                let _r = w
                    .start_bridge(&var("MON_PEER0"), &var("MON_PEER1"), stop.clone())
                    .await;
                std::future::pending::<()>().await;
            }
            _ => {
                let port: u16 = var("MON_PEER_PORT").parse().unwrap();
                w.start_peer(&var("MON_PEER_NAME"), port, stop.clone())
                    .await;
                std::future::pending::<()>().await;
            }
        }
    });
}

struct Children {
    env: Vec<(String, String)>,
}

impl Children {
    fn spawn(&self, role: &str, extra: &[(&str, String)]) -> std::process::Child {
        let mut env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        env.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
        child::spawn("monitoring_child", role, &env)
    }
}

#[tokio::test]
async fn mon_9_b_an_outage_holds_only_its_queue_and_everything_arrives_once_in_order() {
    let redis = egov_testkit::redis().await;
    let w = World::new(redis.url.clone());
    let (p0, p1) = (egov_testkit::free_port(), egov_testkit::free_port());
    let peer0 = format!("http://127.0.0.1:{p0}");
    let peer1 = format!("http://127.0.0.1:{p1}");
    let kids = Children {
        env: vec![
            ("REDIS_URL".into(), w.redis_url.clone()),
            ("MON_HOME".into(), w.home.display().to_string()),
            ("MON_BRIDGE".into(), w.bridge.to_string()),
            ("MON_PEER0".into(), format!("{peer0}/messages")),
            ("MON_PEER1".into(), format!("{peer1}/messages")),
        ],
    };
    let peer = |name: String, port: u16| {
        kids.spawn(
            "peer",
            &[("MON_PEER_NAME", name), ("MON_PEER_PORT", port.to_string())],
        )
    };
    // The provider's IS is up throughout; the monitoring IS is down from the start.
    let mut provider_is = peer(format!("provider-is.{PROVIDER_IS}"), p1);
    let mut bridge = kids.spawn("bridge", &[]);
    w.wait_up(w.bridge).await;
    let outage = Instant::now();

    let n = messages();
    let token = w.token(Role::StateCorporation, CORPORATION);
    let signer = std::sync::Arc::new(w.employee(CORPORATION));
    let mis = w.signer(MONITORING_IS);
    let mut requests = Vec::new();
    let mut posted = 0;
    let mut killed = false;
    while posted < n {
        // 16 at a time; each retried until the bridge answers (it is killed once meanwhile).
        let chunk: Vec<Value> = (posted..(posted + 200).min(n))
            .map(|_| status_report(PROVIDER))
            .collect();
        let mut set = tokio::task::JoinSet::new();
        for docs in chunk.chunks(chunk.len().div_ceil(16)) {
            let (docs, signer, token, http, url) = (
                docs.to_vec(),
                signer.clone(),
                token.clone(),
                w.http.clone(),
                w.url("/api/v1/monitoring/status-reports"),
            );
            set.spawn(async move {
                for d in docs {
                    let body = signed_json(signer.as_ref(), &d);
                    loop {
                        match http.post(&url).bearer_auth(&token).json(&body).send().await {
                            // 409: it was received before (an answer lost in the crash).
                            Ok(r) if r.status() == 202 || r.status() == 409 => break,
                            Ok(r) if r.status().is_client_error() => {
                                panic!("{}: {}", r.status(), r.text().await.unwrap())
                            }
                            _ => tokio::time::sleep(Duration::from_millis(100)).await,
                        }
                    }
                }
            });
        }
        while let Some(r) = set.join_next().await {
            r.unwrap();
        }
        posted += chunk.len();
        // Another destination keeps flowing meanwhile (a "request" to the provider's IS).
        let m = request_to_provider(PROVIDER_IS);
        loop {
            match w.inbox(vec![signed_pb(&mis, &m)]).await {
                Ok(a) if a.accepted == 1 => break,
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        requests.push(m.id);
        if !killed && posted >= n / 2 {
            // kill -9 the bridge halfway and start it again: nothing queued is lost.
            bridge.kill().unwrap();
            bridge.wait().unwrap();
            bridge = kids.spawn("bridge", &[]);
            w.wait_up(w.bridge).await;
            killed = true;
        }
    }
    // The provider's IS got its requests during the outage.
    let deadline = Instant::now() + Duration::from_secs(60);
    while w.received(&peer1).await.len() < requests.len() {
        assert!(
            Instant::now() < deadline,
            "the provider's IS was held back by the monitoring IS's outage"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(w.received(&peer1).await, requests, "in order, once each");
    let (_, q) = w
        .get(
            "/api/v1/monitoring/queues",
            &w.token(Role::Operator, CORPORATION),
        )
        .await;
    let mq = q["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["destination"] == MONITORING_IS)
        .unwrap()
        .clone();
    assert!(mq["depth"].as_u64().unwrap() >= n as u64, "{mq}");
    assert!(mq["oldest_age_seconds"].as_f64().unwrap() > 0.0, "{mq}");
    assert_eq!(mq["state"], "retrying", "{mq}");

    // The outage lasts its time, then the monitoring IS comes back.
    let rest = Duration::from_secs(outage_secs()).saturating_sub(outage.elapsed());
    tokio::time::sleep(rest).await;
    let mut monitoring_is = peer(MONITORING_IS.into(), p0);
    // What the bridge queued for the monitoring IS, in queue order: its receipts in the log.
    let client = redis::Client::open(w.redis_url.as_str()).unwrap();
    let mut conn = egov_bus::connect(&client).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    let expected: Vec<String> = loop {
        let v = egov_monitoring_bridge::logread::verify(&mut conn)
            .await
            .unwrap();
        v.outcome.as_ref().unwrap();
        // In pages, as an auditor reads it: one XRANGE of the whole log may outlast the
        // connection's response timeout on a loaded machine.
        let mut all = Vec::new();
        let mut start = "-".to_owned();
        loop {
            let page = egov_monitoring_bridge::logread::page(&mut conn, &start, 2_000)
                .await
                .unwrap();
            let Some((last, _)) = page.last() else { break };
            start = format!("({last}");
            all.extend(page);
        }
        let mut expected = Vec::new();
        for (_, e) in &all {
            let e = e.as_ref().unwrap();
            if e.fact.direction == egov_monitoring_bridge::domain::log::Direction::Received
                && (e.fact.kind == "STATUS_REPORT" || e.fact.kind == "RESPONSE")
            {
                expected.push(e.fact.id.clone());
            }
        }
        let got = w.received(&peer0).await;
        if got.len() >= expected.len() && expected.len() >= n + requests.len() {
            assert_eq!(got, expected, "every message once, in the order queued");
            break expected;
        }
        assert!(
            Instant::now() < deadline,
            "drained {} of {}",
            got.len(),
            expected.len()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(expected.len(), n + requests.len());
    // Every receipt has its "sent" entry, the log verifies, the queue is empty.
    let v = w.verify_log().await;
    assert!(v.outcome.is_ok(), "{:?}", v.outcome);
    let (_, q) = w
        .get(
            "/api/v1/monitoring/queues",
            &w.token(Role::Operator, CORPORATION),
        )
        .await;
    assert!(
        q["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["depth"] == 0),
        "{q}"
    );
    let (lines, outcome) =
        peer::verify_file(&w.home.join("peers").join(MONITORING_IS).join("log.jsonl")).unwrap();
    assert!(
        outcome.is_ok() && lines as usize == expected.len(),
        "{lines} {outcome:?}"
    );
    for c in [&mut bridge, &mut monitoring_is, &mut provider_is] {
        let _ = c.kill();
        let _ = c.wait();
    }
}

#[tokio::test]
async fn mon_9_b_a_destination_recognises_a_message_it_holds_by_id_across_its_restarts() {
    let redis = egov_testkit::redis().await;
    let w = World::new(redis.url.clone());
    let port = egov_testkit::free_port();
    let stop = CancellationToken::new();
    let peer = w.start_peer(MONITORING_IS, port, stop.clone()).await;
    let bridge = w.signer("bridge");
    let m = Message {
        id: ulid::Ulid::new().to_string(),
        r#type: MessageType::InformationRequest as i32,
        category: Category::Information as i32,
        sender: "egov-bridge".into(),
        recipient: MONITORING_IS.into(),
        created_at: now_local(),
        body: br#"{"documents":["identity-card"]}"#.to_vec(),
        ..Default::default()
    };
    let batch = Batch {
        messages: vec![signed_pb(&bridge, &m)],
    }
    .encode_to_vec();
    let post = |body: Vec<u8>| {
        let (http, url) = (w.http.clone(), format!("{peer}/messages"));
        async move {
            let r = http.post(url).body(body).send().await.unwrap();
            assert_eq!(r.status(), 200);
            Ack::decode(r.bytes().await.unwrap().as_ref()).unwrap()
        }
    };
    let first = post(batch.clone()).await;
    assert_eq!((first.accepted, first.duplicates.len()), (1, 0));
    assert_eq!(first.replies.len(), 1, "an information request is answered");
    // A retry after a lost answer: taken again, recognised, answered with the same answer.
    let again = post(batch.clone()).await;
    assert_eq!(
        (again.accepted, again.duplicates.clone()),
        (1, vec![m.id.clone()])
    );
    assert_eq!(again.replies, first.replies);
    // The peer stopped and started again on its files: still recognised.
    stop.cancel();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stop = CancellationToken::new();
    let peer2 = w.start_peer(MONITORING_IS, port, stop.clone()).await;
    assert_eq!(peer2, peer);
    let after = post(batch).await;
    assert_eq!(after.duplicates, vec![m.id.clone()]);
    assert_eq!(after.replies, first.replies);
    assert_eq!(w.received(&peer).await, vec![m.id.clone()]);
    // Same id, other content: refused.
    let mut other = m.clone();
    other.body = br#"{"documents":["passport"]}"#.to_vec();
    let refused = post(
        Batch {
            messages: vec![signed_pb(&bridge, &other)],
        }
        .encode_to_vec(),
    )
    .await;
    assert_eq!(
        (refused.accepted, refused.refused.as_str()),
        (0, m.id.as_str())
    );
    stop.cancel();
}
