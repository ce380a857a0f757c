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
        let base = if service == "intake" {
            &self.to.intake
        } else {
            &self.to.expertise
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
        self.open(case, key).await?;
        let path = format!("/api/v1/tasks/{case}.{key}/complete");
        let (status, r) = self
            .call(
                "expertise",
                &path,
                &self.tokens.token(role, org),
                Some(&body),
            )
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
        Ok(out)
    }
}

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
