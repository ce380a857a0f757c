//! `egov demo`: drives a running suite through its public APIs, as agencies would, and leaves a
//! sample of every procedure at each interesting stage, so that a newcomer who ran `make up`
//! sees a populated suite. It uses development tokens and today's date (the suite's clock).
//!
//! - Perechen (order 353/НҚ): an application waiting for the AB's check (PL-4), one with the SI
//!   (PL-5), one waiting for the AB's decision (PL-7).
//! - Terms of reference (order 143/НҚ): one waiting for the referral (TOR-7), one under
//!   examination with the STS's conclusion in and the SI's pending (TOR-8), one returned with
//!   remarks (TOR-11.b), one agreed (TOR-11.a) with an addendum under way (TOR-12).
//! - Automation requests (order 101/НҚ): refused today, with the pointer to the rules in force
//!   (AMB-X1); the refusal is printed.
//! - The registries (catalog), so that search has something to find, in Russian, Kazakh and
//!   English: a Perechen list entry (PL-9); informatization objects at every life-cycle stage
//!   (LC-3, LC-9), with an environment request in the operator's worklist (LC-12.a) and a
//!   warranty claim in the supplier's (LC-17.b); the Register of trusted software (LC-37 at once,
//!   LC-22 waiting for the authorized body, LC-32.a included by it); the operator's own ICT
//!   service in the Catalog (SM-88, LC-30.c).
//! - Tenders of the 2023 rules (LC-26, LC-28: the Register asked first, an agreed TOR in the
//!   documentation): one closed with two applications opened and waiting for the Commission's
//!   evaluation; one awarded and taken to the Catalog (SM-73..SM-98); one cancelled after three
//!   empty windows (SM-53-1.a, .b, .c); one with its window open today and a sealed application.
//!   The first three are replayed months back on the development clock of `egov up`
//!   (`PUT /api/v1/dev/clock`, a platform administrator's), which is then set back to the wall;
//!   so the OCDS feed (`GET /api/v1/ocds/releases`) holds every stage.

mod tenders;

use std::time::Duration;

use anyhow::{Context, bail};
use egov_kernel::Role;
use serde_json::{Value, json};

/// The agencies of the samples (valid BINs).
pub const STATE_BODY: &str = "940740000911";
/// The ministry acting as the authorized body, the SI and the STS.
pub const MINISTRY: &str = "000740001307";

/// Where the suite listens.
pub struct Targets {
    /// intake's base URL, e.g. `http://127.0.0.1:8081`.
    pub intake: String,
    /// expertise's base URL.
    pub expertise: String,
    /// tender's base URL.
    pub tender: String,
    /// catalog's base URL.
    pub catalog: String,
}

/// Where the tokens come from (the development key of `egov up`, or a test suite's).
pub trait Tokens {
    /// A token of `role` for the agency `org`.
    fn token(&self, role: Role, org: &str) -> String;
}

/// One sample the demo left.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The procedure.
    pub procedure: &'static str,
    /// The case id (empty for a refusal).
    pub case: String,
    /// Where it stands.
    pub stage: String,
}

struct Demo<'a> {
    http: reqwest::Client,
    to: &'a Targets,
    tokens: &'a dyn Tokens,
    today: String,
}

impl Demo<'_> {
    fn url(&self, service: &str, path: &str) -> String {
        let base = match service {
            "intake" => &self.to.intake,
            "catalog" => &self.to.catalog,
            "tender" => &self.to.tender,
            _ => &self.to.expertise,
        };
        format!("{}{path}", base.trim_end_matches('/'))
    }

    async fn call(
        &self,
        service: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let url = self.url(service, path);
        let req = match body {
            Some(b) => self.http.post(&url).json(b),
            None => self.http.get(&url),
        };
        let r = req
            .bearer_auth(token)
            .send()
            .await
            .with_context(|| format!("{url}: is the suite running (`make up`)?"))?;
        let status = r.status().as_u16();
        Ok((status, r.json().await.unwrap_or(Value::Null)))
    }

    async fn submit(&self, path: &str, body: &Value) -> anyhow::Result<String> {
        let token = self.tokens.token(Role::StateBody, STATE_BODY);
        let (status, r) = self.call("intake", path, &token, Some(body)).await?;
        if status != 201 {
            bail!("POST {path}: {status} {r}");
        }
        Ok(r["id"].as_str().context("a case id")?.to_owned())
    }

    /// Waits until the case's task `key` is open on the engine.
    async fn open(&self, case: &str, key: &str) -> anyhow::Result<()> {
        let token = self.tokens.token(Role::AuthorizedBody, MINISTRY);
        let path = format!("/api/v1/cases/{case}/progress");
        for _ in 0..100 {
            let (status, p) = self.call("expertise", &path, &token, None).await?;
            let open = status == 200
                && p["tasks"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t["key"] == key && t["status"] == "open"));
            if open {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("case {case}: task {key} did not open")
    }

    async fn complete(
        &self,
        role: Role,
        org: &str,
        case: &str,
        key: &str,
        body: Value,
    ) -> anyhow::Result<()> {
        self.complete_at("expertise", role, org, case, key, body)
            .await
    }

    /// Completes a task of a step `service` serves.
    async fn complete_at(
        &self,
        service: &str,
        role: Role,
        org: &str,
        case: &str,
        key: &str,
        body: Value,
    ) -> anyhow::Result<()> {
        self.open(case, key).await?;
        let path = format!("/api/v1/tasks/{case}.{key}/complete");
        let (status, r) = self
            .call(service, &path, &self.tokens.token(role, org), Some(&body))
            .await?;
        if status != 200 {
            bail!("POST {path}: {status} {r}");
        }
        Ok(())
    }

    fn perechen(&self) -> Value {
        let criteria: serde_json::Map<String, Value> = [
            "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "2.5", "3.1", "3.2", "3.3",
        ]
        .iter()
        .map(|c| {
            (
                c.to_string(),
                Value::Bool(["1.1", "2.1", "2.3", "3.1"].contains(c)),
            )
        })
        .collect();
        json!({
            "object_kind": "information-system",
            "fields": {"addressee": "Ministry of Digital Development", "state_body_name": "Ministry of Justice",
                       "request": "Include the IS in the Perechen", "object_name": "E-notary",
                       "signatory": "Nurlanov A. B.", "signed_on": self.today,
                       "signature": "eds:cms/demo/0001", "portal_placement_declared": "yes"},
            "documents": [{"kind": "services-or-functions-list", "reference": "portal:doc/1001"},
                          {"kind": "criteria-compliance", "reference": "portal:doc/1002"}],
            "criteria": criteria
        })
    }

    fn tor(&self, object: &str) -> Value {
        let doc = |kind: &str, r: &str| json!({"kind": kind, "reference": r, "title": format!("{kind} {r}")});
        json!({
            "object_name": object, "purpose": "development", "submitted_as": "budget-program-administrator",
            "branch": "budget-investments",
            "documents": [doc("terms-of-reference", "AP-DEMO-1"), doc("feo", "FEO-DEMO-1"), doc("economic-conclusion", "EC-DEMO-1")],
            "compliance": {"st_rk_34_015_2002": true, "pre_project_basis": true, "egov_architecture": true, "uniform_requirements": true},
            "data_structure": {"description": "Section 5: entities, attributes and data flows", "data_master": "Data management department"}
        })
    }

    fn conclusion(outcome: &str) -> Value {
        let mut c = json!({"outcome": outcome, "inputs": {"conclusion": {"reference": "C-DEMO", "title": "Examination conclusion"}}});
        if outcome == "remarks" {
            c["reasons"] = json!(["Section 4 does not follow the e-government architecture"]);
        }
        c
    }

    /// A TOR of `object` submitted, referred (TOR-7) and concluded on by each (role, step,
    /// outcome) of `conclusions` (TOR-8).
    async fn tor_case(
        &self,
        object: &str,
        conclusions: &[(Role, &str, &str)],
    ) -> anyhow::Result<String> {
        let c = self
            .submit("/api/v1/terms-of-reference", &self.tor(object))
            .await?;
        self.complete(
            Role::AuthorizedBody,
            MINISTRY,
            &c,
            "referral",
            json!({"outcome": "referred"}),
        )
        .await?;
        for (role, step, outcome) in conclusions {
            self.complete(*role, MINISTRY, &c, step, Self::conclusion(outcome))
                .await?;
        }
        Ok(c)
    }

    async fn run(&self) -> anyhow::Result<Vec<Sample>> {
        let mut out = Vec::new();
        let mut made = |procedure, case: &str, stage: &str| {
            out.push(Sample {
                procedure,
                case: case.to_owned(),
                stage: stage.to_owned(),
            })
        };
        let (ab, si, sts) = (
            Role::AuthorizedBody,
            Role::ServiceIntegrator,
            Role::StateTechnicalService,
        );

        // Perechen.
        let p = "/api/v1/perechen-applications";
        let c = self.submit(p, &self.perechen()).await?;
        self.open(&c, "ab-check").await?;
        made(
            "perechen",
            &c,
            "waiting for the AB's check of the documents (PL-4)",
        );
        let c = self.submit(p, &self.perechen()).await?;
        self.complete(
            ab,
            MINISTRY,
            &c,
            "ab-check",
            json!({"outcome": "forward-to-si"}),
        )
        .await?;
        made("perechen", &c, "with the SI for its recommendation (PL-5)");
        let c = self.submit(p, &self.perechen()).await?;
        self.complete(
            ab,
            MINISTRY,
            &c,
            "ab-check",
            json!({"outcome": "forward-to-si"}),
        )
        .await?;
        let items: serde_json::Map<String, Value> = (1..=6)
            .map(|i| (i.to_string(), Value::Bool(true)))
            .collect();
        self.complete(
            si,
            MINISTRY,
            &c,
            "si-recommendation",
            json!({"outcome": "complies", "inputs": {"portal_items": items}}),
        )
        .await?;
        self.open(&c, "ab-decision").await?;
        made(
            "perechen",
            &c,
            "waiting for the AB's decision on inclusion (PL-7)",
        );

        // Terms of reference.
        let t = "/api/v1/terms-of-reference";
        let c = self.submit(t, &self.tor("IS \"E-licensing\"")).await?;
        self.open(&c, "referral").await?;
        made(
            "terms-of-reference",
            &c,
            "waiting for the AB's referral to the SI and the STS (TOR-7)",
        );
        let c = self
            .tor_case("IS \"E-archive\"", &[(sts, "sts-exam", "no-remarks")])
            .await?;
        made(
            "terms-of-reference",
            &c,
            "under examination: the STS concluded, the SI's conclusion is due (TOR-8)",
        );
        let both = |si_outcome| [(si, "si-exam", si_outcome), (sts, "sts-exam", "no-remarks")];
        let c = self.tor_case("IS \"E-permits\"", &both("remarks")).await?;
        let remarks =
            json!({"outcome": "return", "reasons": ["Align section 4 with the architecture"]});
        self.complete(ab, MINISTRY, &c, "ab-decision", remarks)
            .await?;
        made(
            "terms-of-reference",
            &c,
            "returned with the remarks, waiting for the resubmission (TOR-11.b)",
        );
        let c = self
            .tor_case("IS \"E-inspections\"", &both("no-remarks"))
            .await?;
        self.complete(ab, MINISTRY, &c, "ab-decision", json!({"outcome": "agree"}))
            .await?;
        made("terms-of-reference", &c, "agreed (TOR-11.a)");
        let a = self
            .submit(
                "/api/v1/terms-of-reference-addenda",
                &json!({"agreed_tor": c, "changes": "A new report in section 4.2", "requires_development": false,
                        "documents": [{"kind": "addendum", "reference": "AD-DEMO-1", "title": "Addendum 1"}]}),
            )
            .await?;
        self.open(&a, "referral").await?;
        made(
            "terms-of-reference",
            &a,
            &format!("an addendum to {c}, the same procedure (TOR-12)"),
        );

        // Automation requests: the rules of order 101/НҚ ended on 31 December 2022.
        let token = self.tokens.token(Role::StateBody, STATE_BODY);
        let (status, r) = self
            .call(
                "intake",
                "/api/v1/automation-requests",
                &token,
                Some(&json!({})),
            )
            .await?;
        let why = r["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        made(
            "service-model",
            "",
            &format!(
                "an automation request today is refused ({status}, {}): {why}",
                r["errors"][0]["rule"].as_str().unwrap_or("")
            ),
        );
        // Tenders: three replayed on the development clock (months of windows in minutes), then
        // one at today's date.
        self.tenders(&mut out).await?;
        self.registries(&mut out).await?;
        Ok(out)
    }

    /// Posts `body` into slot `slot` of `case` as the state body, once the case is on the engine.
    async fn input(&self, case: &str, slot: &str, body: Value) -> anyhow::Result<()> {
        let token = self.tokens.token(Role::StateBody, STATE_BODY);
        let path = format!("/api/v1/cases/{case}/inputs/{slot}");
        for _ in 0..100 {
            let (status, r) = self.call("catalog", &path, &token, Some(&body)).await?;
            match status {
                201 => return Ok(()),
                404 => tokio::time::sleep(Duration::from_millis(100)).await,
                _ => bail!("POST {path}: {status} {r}"),
            }
        }
        bail!("case {case}: slot {slot} did not open")
    }

    async fn registries(&self, out: &mut Vec<Sample>) -> anyhow::Result<()> {
        let mut made = |procedure, case: &str, stage: &str| {
            out.push(Sample {
                procedure,
                case: case.to_owned(),
                stage: stage.to_owned(),
            })
        };
        let today = self.today.clone();
        let act = |n: &str| json!({"number": n, "date": today});

        // PL-9: an included object's order enters it in the Perechen list.
        let c = self
            .submit("/api/v1/perechen-applications", &self.perechen())
            .await?;
        let ab = Role::AuthorizedBody;
        self.complete(
            ab,
            MINISTRY,
            &c,
            "ab-check",
            json!({"outcome": "forward-to-si"}),
        )
        .await?;
        let items: serde_json::Map<String, Value> = (1..=6)
            .map(|i| (i.to_string(), Value::Bool(true)))
            .collect();
        self.complete(
            Role::ServiceIntegrator,
            MINISTRY,
            &c,
            "si-recommendation",
            json!({"outcome": "complies", "inputs": {"portal_items": items}}),
        )
        .await?;
        self.complete(
            ab,
            MINISTRY,
            &c,
            "ab-decision",
            json!({"outcome": "include"}),
        )
        .await?;
        self.complete(
            ab,
            MINISTRY,
            &c,
            "inclusion-order",
            json!({"outcome": "order-adopted"}),
        )
        .await?;
        made(
            "perechen",
            &c,
            "in the Perechen list by the AB's order (PL-9)",
        );

        // Informatization objects, one at each stage, named in the three languages.
        let objects = [
            (
                "Электронный архив документов",
                "Құжаттардың электрондық мұрағаты",
                "Electronic document archive",
                "Хранение и выдача электронных копий архивных документов",
                0,
            ),
            (
                "Система электронного документооборота",
                "Электрондық құжат айналымы жүйесі",
                "Electronic document management system",
                "Регистрация входящих и исходящих документов, согласование и подписание ЭЦП",
                1,
            ),
            (
                "Портал электронных лицензий",
                "Электрондық лицензиялар порталы",
                "E-licensing portal",
                "Приём заявлений на получение лицензий и выдача электронных лицензий",
                2,
            ),
            (
                "Мониторинг оказания государственных услуг",
                "Мемлекеттік қызметтер көрсетуді мониторингтеу",
                "Public services monitoring",
                "Сбор сведений о сроках и результатах оказания государственных услуг",
                3,
            ),
            (
                "Информационная система «Электронный нотариат»",
                "«Электрондық нотариат» ақпараттық жүйесі",
                "E-notary information system",
                "Регистрация нотариальных действий и выдача электронных копий нотариальных документов",
                4,
            ),
            (
                "Единый государственный кадастр недвижимости",
                "Жылжымайтын мүліктің бірыңғай мемлекеттік кадастры",
                "Unified state real-estate cadastre",
                "Учёт объектов недвижимости и прав на них",
                5,
            ),
            (
                "Реестр государственных закупок",
                "Мемлекеттік сатып алу тізілімі",
                "Public procurement registry",
                "Учёт договоров государственных закупок и их исполнения",
                6,
            ),
            (
                "Информационная система «Е-пособие»",
                "«Е-жәрдемақы» ақпараттық жүйесі",
                "E-benefits information system",
                "Назначение социальных пособий по заявлениям граждан",
                7,
            ),
        ];
        let path = [
            json!({"stage": "trial-operation", "on": today}),
            json!({"stage": "is-testing", "on": today, "act": act("Акт о завершении опытной эксплуатации № 1")}),
            json!({"stage": "implementation", "on": today, "act": act("Протокол испытаний № 2")}),
            json!({"stage": "commercial-operation", "on": today, "act": act("Акт ввода в промышленную эксплуатацию № 3")}),
        ];
        let mut first = None;
        for (ru, kk, en, what, stage) in objects {
            let body = json!({
                "name_ru": ru, "name_kk": kk, "name_en": en, "description": what,
                "class": 1 + stage % 3, "placement": "platform",
                "funding": "state-investment-project", "budget_funded": true,
                "supplier": OTHER_SUPPLIER, "warranty_sla_working_days": 10,
                "portal": {"record": format!("AP-DEMO-{stage}"), "documents_placed_on": today},
            });
            let c = self
                .submit("/api/v1/informatization-objects", &body)
                .await?;
            let reached = match stage {
                0..=4 => stage,
                _ => 4,
            };
            for report in &path[..reached] {
                self.input(&c, "stage", report.clone()).await?;
            }
            let last = match stage {
                5 => {
                    Some(json!({"stage": "development", "on": today, "tor": "ТЗ на развитие № 5"}))
                }
                6 => Some(json!({"stage": "support", "on": today})),
                7 => Some(json!({"stage": "termination", "on": today})),
                _ => None,
            };
            if let Some(report) = last {
                self.input(&c, "stage", report).await?;
            }
            let name = crate::demo::STAGE_NAMES[stage];
            made("lifecycle", &c, &format!("{ru}: {name} (LC-3, LC-9)"));
            if stage == 0 {
                self.input(
                    &c,
                    "environment-requests",
                    json!({
                        "environments": ["development-testing", "trial-operation"],
                        "agreement": {"number": "Соглашение № 17-ПЛ", "concluded_on": today},
                    }),
                )
                .await?;
                made(
                    "lifecycle",
                    &c,
                    "an environment request in the operator's worklist, 10 working days (LC-12.a)",
                );
            }
            if stage == 4 {
                first = Some(c);
            }
        }
        if let Some(c) = first {
            self.input(
                &c,
                "warranty-claims",
                json!({
                    "defect": "Электронные копии не подписываются ЭЦП",
                    "found_on": today,
                    "evidence": ["Акт о сбое № 3"],
                    "supplier_error": "Ошибка модуля подписания, внесённая поставщиком",
                    "operated_correctly": true, "no_intervention": true, "tor_compliant": true,
                    "tor": "ТЗ № 12",
                }),
            )
            .await?;
            made(
                "lifecycle",
                &c,
                "a warranty claim in the supplier's worklist (LC-17.b)",
            );
        }

        // The Register of trusted software.
        let supplier = self.tokens.token(Role::Supplier, OTHER_SUPPLIER);
        let register = "/api/v1/trusted-software-inclusions";
        let software = [
            (
                "Docflow Pro",
                "3.2",
                "Система электронного документооборота: регистрация, согласование и подписание документов ЭЦП",
                json!({"ground": "legacy", "commissioned_on": "2021-05-10"}),
            ),
            (
                "Қазақ тілі орфографиясы",
                "1.4",
                "Қазақ тіліндегі мәтіндердің емлесін тексеру — проверка орфографии текстов на казахском языке",
                json!({"ground": "potential-supplier", "business_process_model": "Целевая модель бизнес-процессов МЦРИАП № 7"}),
            ),
            (
                "E-Queue",
                "2.0",
                "Электронная очередь для центров обслуживания населения — electronic queue for public service centres",
                json!({"ground": "tender-winner", "tender": "Конкурс № 42"}),
            ),
        ];
        for (product, version, description, ground) in software {
            let mut body = json!({"product": product, "version": version, "description": description, "supplier": OTHER_SUPPLIER});
            for (k, v) in ground.as_object().expect("an object") {
                body[k] = v.clone();
            }
            let (status, r) = self
                .call("intake", register, &supplier, Some(&body))
                .await?;
            let c = match status {
                201 => r["id"].as_str().context("a case id")?.to_owned(),
                // Already in the Register from an earlier run of the demo (LC-32.a).
                409 => continue,
                _ => bail!("POST {register}: {status} {r}"),
            };
            let stage = match body["ground"].as_str() {
                Some("legacy") => "included at once, without the Register rules (LC-37)".to_owned(),
                Some("tender-winner") => {
                    self.complete_at(
                        "catalog",
                        ab,
                        MINISTRY,
                        &c,
                        "register-decision",
                        json!({"outcome": "include"}),
                    )
                    .await?;
                    "included by the authorized body (LC-32.a)".to_owned()
                }
                _ => "waiting for the authorized body's decision (LC-22, LC-32.a)".to_owned(),
            };
            made(
                "trusted-software",
                &c,
                &format!("{product} {version}: {stage}"),
            );
        }

        // The operator's own ICT service (SM-88, LC-30.c).
        let operator = self.tokens.token(Role::Operator, MINISTRY);
        let (status, r) = self
            .call("catalog", "/api/v1/ict-services", &operator, Some(&json!({
                "name": "Контейнерная платформа «электронного правительства» — e-government container platform",
                "type": "technological-platform",
                "customer": STATE_BODY,
                "software_product": "Kubernetes cluster of the e-gov ICT platform",
                "monthly_price_tenge": "480000.00",
                "rental_start": today,
                "commissioning_protocol": "Протокол ввода в эксплуатацию № 12",
                "protocol_signed_on": today,
            })))
            .await?;
        if status != 201 {
            bail!("POST /api/v1/ict-services: {status} {r}");
        }
        made(
            "ict-services",
            r["id"].as_str().unwrap_or_default(),
            "the operator's own service in the Catalog (SM-88, LC-30.c)",
        );
        Ok(())
    }
}

/// How the samples' stages are named (LC-3).
const STAGE_NAMES: [&str; 8] = [
    "creation",
    "trial operation",
    "information-security testing",
    "implementation",
    "commercial operation",
    "development",
    "support",
    "termination of commercial operation",
];

/// A supplier of the samples (a valid BIN).
pub const OTHER_SUPPLIER: &str = "990140000384";

/// Leaves the samples and returns them. `today` is the suite's local date (YYYY-MM-DD).
pub async fn run(to: &Targets, tokens: &dyn Tokens, today: &str) -> anyhow::Result<Vec<Sample>> {
    let demo = Demo {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?,
        to,
        tokens,
        today: today.to_owned(),
    };
    demo.run().await
}
