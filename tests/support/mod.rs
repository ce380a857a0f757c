//! The suite in-process for end-to-end tests: a real Redis (see `egov-testkit`), the five
//! services on free ports, development keys in a temporary directory, and a fixed clock the
//! test moves.

use std::sync::Arc;
use std::time::Duration;

use egov::suite::{self, Layout};
use egov_auth::JwksSource;
use egov_auth::dev::{DEV_AUDIENCE, DEV_ISSUER, DevKeys, TokenRequest};
use egov_kernel::{Bin, FixedClock, Role};
use egov_runtime::{Platform, PlatformConfig, Running};
pub use egov_testkit::rebuilt;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// The agency of the state-body tokens.
pub const AGENCY: &str = "940740000911";
/// Another agency.
pub const OTHER_AGENCY: &str = "990140000384";
/// The ministry (authorized body) and the service integrator.
pub const MINISTRY: &str = "000740001307";

/// A running suite.
pub struct Suite {
    pub redis: egov_testkit::TestRedis,
    pub platform: Platform,
    pub clock: Arc<FixedClock>,
    pub layout: Layout,
    pub running: Vec<(Running, CancellationToken)>,
    /// The suite's home: its development signing key (`dev-signing-key.pem`), `jwks.json`,
    /// the monitoring exchange's development PKI (`monitoring/`).
    pub home: std::path::PathBuf,
    keys: DevKeys,
    http: reqwest::Client,
}

/// The monitoring bridge of `layout` with the development exchange under `home` and no peer to
/// reach: its deliveries wait (tests/monitoring.rs runs its own peers).
pub fn without_peers(layout: &mut Layout, home: &std::path::Path) {
    let nowhere = "http://127.0.0.1:9/messages";
    layout.monitoring = Some(
        egov_monitoring_bridge::dev::config(
            &home.join("monitoring"),
            layout.monitoring_bridge,
            nowhere,
            nowhere,
        )
        .unwrap(),
    );
}

/// The application of PL-3.a / PL-F1, signed the day before `day`.
pub fn application(day: &str) -> Value {
    let signed = day
        .parse::<jiff::civil::Date>()
        .unwrap()
        .yesterday()
        .unwrap();
    serde_json::json!({
        "object_kind": "information-system",
        "fields": {"addressee": "Ministry of Digital Development", "state_body_name": "Ministry of Justice",
                   "request": "Include the IS in the Perechen", "object_name": "E-notary",
                   "signatory": "Nurlanov A. B.", "signed_on": signed.to_string(),
                   // PL-F1: the signature is a reference to the EDS-signed application; PL-3.c:
                   // the state body declares the object's information is on the portal.
                   "signature": "eds:cms/e2e/0001", "portal_placement_declared": "yes"},
        "documents": [{"kind": "services-or-functions-list", "reference": "portal:doc/1001"},
                      {"kind": "criteria-compliance", "reference": "portal:doc/1002"}],
        // PL-F3 for an information system (3.4 applies to a complex only): 4 points, one or
        // more in each group, so no PL-6.a ground.
        "criteria": criteria(&["1.1", "2.1", "2.3", "3.1"])
    })
}

/// PL-F3 answers for an information system: `met` are yes, every other applicable one no.
pub fn criteria(met: &[&str]) -> Value {
    let all = [
        "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "2.5", "3.1", "3.2", "3.3",
    ];
    Value::Object(
        all.iter()
            .map(|id| ((*id).to_owned(), Value::Bool(met.contains(id))))
            .collect(),
    )
}

impl Suite {
    /// Starts the suite with the clock at `local` (RFC 3339 with offset).
    pub async fn start(local: &str) -> Self {
        Self::start_with(local, Vec::new()).await
    }

    /// Starts the suite with more plugin directories.
    pub async fn start_with(local: &str, extra_plugins: Vec<std::path::PathBuf>) -> Self {
        // The real variant and the demonstration edition (in force from 2027).
        let plugins = [
            egov_testkit::plugins_dir().join("variants"),
            egov_testkit::plugins_dir().join("demo"),
        ]
        .into_iter()
        .chain(extra_plugins)
        .collect();
        Self::start_plugins(local, plugins).await
    }

    /// Starts the suite with exactly these plugin directories.
    pub async fn start_plugins(local: &str, plugins: Vec<std::path::PathBuf>) -> Self {
        Self::start_on(egov_testkit::redis().await, local, plugins).await
    }

    /// Starts the suite on a Redis Cluster of its own (three masters, three replicas), with the
    /// plugins of [`Suite::start`].
    pub async fn start_on_cluster(local: &str) -> Self {
        let plugins = vec![
            egov_testkit::plugins_dir().join("variants"),
            egov_testkit::plugins_dir().join("demo"),
        ];
        let redis = tokio::task::spawn_blocking(egov_testkit::redis_cluster)
            .await
            .unwrap();
        Self::start_on(redis, local, plugins).await
    }

    async fn start_on(
        redis: egov_testkit::TestRedis,
        local: &str,
        plugins: Vec<std::path::PathBuf>,
    ) -> Self {
        let home = std::env::temp_dir().join(format!("egov-e2e-{}", ulid::Ulid::new()));
        let keys = DevKeys::load_or_create(&home).unwrap();
        let cfg = PlatformConfig {
            redis_url: redis.url.clone(),
            replica: "e2e".into(),
            partitions: 2,
            jwks: JwksSource::File(keys.jwks_path()),
            issuer: DEV_ISSUER.into(),
            audience: DEV_AUDIENCE.into(),
            calendar_file: None,
            plugins,
            plugin_cache: None,
            sealing_key: {
                let path = home.join("dev-sealing-key");
                egov_runtime::sealing::create_dev_key(&path).unwrap();
                Some(path)
            },
        };
        let clock = Arc::new(FixedClock::at(local));
        let platform = Platform::connect(&cfg, clock.clone())
            .await
            .unwrap()
            .with_dev_clock(clock.clone());
        let mut layout = Layout::loopback(0);
        layout.scheduler_tick = Duration::from_millis(50);
        without_peers(&mut layout, &home);
        let mut s = Self {
            redis,
            platform,
            clock,
            layout,
            running: Vec::new(),
            home,
            keys,
            http: reqwest::Client::new(),
        };
        for name in suite::SERVICES {
            s.start_service(name).await;
        }
        s
    }

    /// Starts (or starts again) one service, on a free port.
    pub async fn start_service(&mut self, name: &str) {
        let token = CancellationToken::new();
        let r = suite::start_one(&self.platform, name, &self.layout, token.clone())
            .await
            .unwrap();
        self.running.retain(|(r, _)| r.name != name);
        self.running.push((r, token));
        self.wait_ready(name).await;
    }

    /// Stops one service at once, as a crash would: its tasks are aborted mid-work, nothing
    /// is acknowledged or flushed.
    pub fn crash_service(&mut self, name: &str) {
        if let Some(i) = self.running.iter().position(|(r, _)| r.name == name) {
            let (r, _) = self.running.remove(i);
            for t in r.tasks {
                t.abort();
            }
        }
    }

    /// The base URL of a running service.
    pub fn url(&self, service: &str, path: &str) -> String {
        let (r, _) = self
            .running
            .iter()
            .find(|(r, _)| r.name == service)
            .expect("service running");
        format!("http://{}{path}", r.addr)
    }

    async fn wait_ready(&self, service: &str) {
        let url = self.url(service, "/readyz");
        for _ in 0..200 {
            if let Ok(r) = self.http.get(&url).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{service} did not become ready");
    }

    /// A development token for `role` acting for `org`.
    pub fn token(&self, role: Role, org: &str) -> String {
        self.keys.mint(&TokenRequest {
            sub: format!("e2e-{role}"),
            org: Bin::parse(org).unwrap(),
            roles: vec![role],
            ttl: Duration::from_secs(3600),
        })
    }

    /// A development token with exactly `roles` (none at all, too) acting for `org`.
    pub fn token_with(&self, roles: &[Role], org: &str) -> String {
        self.keys.mint(&TokenRequest {
            sub: "e2e-caller".into(),
            org: Bin::parse(org).unwrap(),
            roles: roles.to_vec(),
            ttl: Duration::from_secs(3600),
        })
    }

    /// A request with a token, any method and a raw body; status, headers and JSON body.
    pub async fn raw(
        &self,
        method: &str,
        service: &str,
        path: &str,
        token: &str,
        body: Option<&str>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut req = self
            .http
            .request(method.parse().unwrap(), self.url(service, path))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_owned());
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        (status, headers, r.json().await.unwrap_or(Value::Null))
    }

    /// Every key in the suite's Redis database.
    pub async fn keys(&self) -> Vec<String> {
        let mut conn = egov_bus::connect(egov_bus::Redis::open(&self.redis.url).unwrap())
            .await
            .unwrap();
        let mut keys: Vec<String> = redis::cmd("KEYS")
            .arg("*")
            .query_async(&mut conn)
            .await
            .unwrap();
        keys.sort();
        keys
    }

    /// Moves the clock to local time `local`.
    pub fn set_clock(&self, local: &str) {
        self.clock.set(egov_kernel::time::parse(local).unwrap());
    }

    /// `GET` with a token; status and JSON body.
    pub async fn get(&self, service: &str, path: &str, token: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url(service, path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// `POST` JSON with a token and optional idempotency key; status and JSON body.
    pub async fn post(
        &self,
        service: &str,
        path: &str,
        token: &str,
        body: &Value,
        key: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .post(self.url(service, path))
            .bearer_auth(token)
            .json(body);
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Submits the standard application as the agency; returns the case id.
    pub async fn submit(&self, day: &str) -> String {
        self.submit_app(&application(day)).await
    }

    /// Submits `app` as the agency; returns the case id.
    pub async fn submit_app(&self, app: &Value) -> String {
        let token = self.token(Role::StateBody, AGENCY);
        let (status, body) = self
            .post("intake", "/api/v1/perechen-applications", &token, app, None)
            .await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    /// Completes task `id` with `body` as `token`; the answer's JSON (asserting a 200).
    pub async fn complete(&self, token: &str, id: &str, body: Value) -> Value {
        let (status, done) = self
            .post(
                "expertise",
                &format!("/api/v1/tasks/{id}/complete"),
                token,
                &body,
                None,
            )
            .await;
        assert_eq!(status, 200, "{id}: {done}");
        done
    }

    /// Waits for task `id` on `role`'s worklist, then completes it with `body` as `token`.
    pub async fn complete_when_open(
        &self,
        role: Role,
        token: &str,
        id: &str,
        body: &Value,
    ) -> (u16, Value) {
        eventually(id, || async {
            self.tasks(role)
                .await
                .iter()
                .any(|t| t["id"] == id)
                .then_some(())
        })
        .await;
        self.post(
            "expertise",
            &format!("/api/v1/tasks/{id}/complete"),
            token,
            body,
            None,
        )
        .await
    }

    /// The open task of `case` in the worklist of `role` for `org`, once it is there.
    pub async fn task_of(&self, role: Role, org: &str, case: &str) -> Value {
        eventually("the case's task", || async {
            let (_, body) = self
                .get("expertise", "/api/v1/tasks", &self.token(role, org))
                .await;
            body["items"]
                .as_array()?
                .iter()
                .find(|t| t["case_id"] == case)
                .cloned()
        })
        .await
    }

    /// The open tasks of `role`.
    pub async fn tasks(&self, role: Role) -> Vec<Value> {
        let (status, body) = self
            .get("expertise", "/api/v1/tasks", &self.token(role, MINISTRY))
            .await;
        assert_eq!(status, 200, "{body}");
        body["items"].as_array().unwrap().clone()
    }

    /// The case as its agency sees it.
    pub async fn case(&self, id: &str) -> Value {
        let (status, body) = self
            .get(
                "intake",
                &format!("/api/v1/cases/{id}"),
                &self.token(Role::StateBody, AGENCY),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Stops everything.
    pub async fn stop(self) {
        for (r, t) in self.running {
            t.cancel();
            r.wait().await;
        }
    }
}

/// Every event of type `M` on `service`'s topic, partition by partition, oldest first.
pub async fn topic_events<M: prost::Message + prost::Name + Default>(
    s: &Suite,
    service: &str,
) -> Vec<M> {
    let topic = s.platform.topic(service);
    let mut conn = s.platform.bus.connection();
    let mut out = Vec::new();
    for (_, stream) in topic.streams() {
        let r: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(&stream)
            .arg("-")
            .arg("+")
            .query_async(&mut conn)
            .await
            .unwrap();
        for e in r.ids {
            let env = egov_bus::Envelope::from_fields(&e.map).unwrap();
            if env.kind == M::NAME {
                out.push(env.decode::<M>().unwrap());
            }
        }
    }
    out
}

/// Polls `f` until it returns `Some`, for up to 15 s.
pub async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..750 {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The events of `kind` in a case timeline.
pub fn events<'a>(case: &'a Value, kind: &str) -> Vec<&'a Value> {
    case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == kind)
        .collect()
}

/// Writes a manifest pinning `wasm` (copied into `dir`) with a `timeout_ms` deadline.
pub fn install_plugin(dir: &std::path::Path, name: &str, wasm: &std::path::Path, timeout_ms: u64) {
    use std::io::Read;
    std::fs::create_dir_all(dir).unwrap();
    let mut bytes = Vec::new();
    std::fs::File::open(wasm)
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    std::fs::write(dir.join(format!("{name}.wasm")), &bytes).unwrap();
    let digest = sha256_hex(&bytes);
    std::fs::write(
        dir.join(format!("{name}.toml")),
        format!("artifact = \"{name}.wasm\"\nsha256 = \"{digest}\"\n[limits]\ntimeout_ms = {timeout_ms}\nmemory_mib = 16\n"),
    )
    .unwrap();
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}

/// The service-model forms (SM: the Rules for implementing the service model of informatization
/// as amended by order 101/НҚ), for the tests that go through its cases.
pub mod sm {
    use serde_json::{Value, json};

    /// One responsible person (section 10 of Appendix 1).
    pub fn contact() -> Value {
        json!({"surname": "Нурланов", "name": "Арман", "unit": "Департамент цифровизации",
               "position": "Руководитель управления",
               "phones": {"work": "+7 7172 74 00 00", "mobile": "+7 701 000 00 00"},
               "email": "a.nurlanov@example.kz"})
    }

    /// The request of Appendix 1 (SM-8.a, SM-F1): its ten sections and the scope of p.3 (SM-3).
    pub fn request() -> Value {
        json!({
            "function": "Выдача разрешений на размещение наружной рекламы",
            "legal_basis": "Правила выдачи разрешений, пункты 5-12",
            "purpose_and_tasks": "Перевод приема и рассмотрения заявлений в электронный вид",
            "scale_and_capacity": "В рамках страны; 20 000 юридических лиц; 50 000 документов в год",
            "current_situation": "Заявления принимаются на бумаге, рассмотрение занимает 30 дней",
            "expected_results": "Рассмотрение за 5 дней без бумажных документов",
            "restricted_information": {"official_use_documents": false, "state_secrets": false},
            "technical_documentation": {"available": true,
                                        "documents": [{"title": "Техническое задание", "reference": "portal:doc/77"}]},
            "information_systems": "Нет",
            "contacts": [contact()],
            "scope": {"national_bank": false}
        })
    }

    /// The SI's conclusion (SM-11): the three criteria of p.11.
    pub fn criteria() -> Value {
        json!({
            "expediency": {"met": true, "analysis": "Правила выдачи разрешений регламентируют автоматизацию"},
            "feasibility": {"met": true, "analysis": "Показатели достижимы"},
            "no_duplicates": {"met": true, "analysis": "Дублирующих объектов и ИК-услуг нет"}
        })
    }

    /// The design assignment (SM-19): the fourteen items of p.19.
    pub fn design_assignment() -> Value {
        let items = [
            "general_information",
            "rental_cost_ceiling",
            "ict_service_cost_ceiling",
            "processes_or_technical_requirements",
            "platform_requirements",
            "integration_requirements",
            "performance_requirements",
            "information_security_requirements",
            "commissioning_requirements",
            "source_code_and_standard_solutions",
            "training_requirements",
            "supplier_selection_criteria",
            "schedule_and_responsibility_matrix",
            "ppp_conditions",
        ];
        Value::Object(
            items
                .iter()
                .enumerate()
                .map(|(i, k)| ((*k).to_owned(), json!(format!("Сведения пункта {}", i + 1))))
                .collect(),
        )
    }
}
