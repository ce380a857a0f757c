//! The demo's tenders (2023 rules: LC-26 and LC-28 first, then the steps kept from the SM
//! Rules). Three are replayed on the development clock, months back, so that windows close and
//! the Commission decides; the clock is then set back to the wall and a fourth is left open.

use std::time::Duration;

use anyhow::{Context, bail};
use egov_kernel::{Role, time};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::{Demo, MINISTRY, OTHER_SUPPLIER, STATE_BODY, Sample};

/// A second supplier of the samples (a valid BIN).
const SECOND_SUPPLIER: &str = "051140000123";

impl Demo<'_> {
    /// The suite's instant now.
    async fn now(&self) -> anyhow::Result<Timestamp> {
        let token = self.tokens.token(Role::PlatformAdmin, MINISTRY);
        let (status, r) = self
            .call("intake", "/api/v1/dev/clock", &token, None)
            .await?;
        if status != 200 {
            bail!("GET /api/v1/dev/clock: {status} {r} (the tenders need `egov up`'s clock)");
        }
        Ok(time::parse(r["now"].as_str().context("now")?)?)
    }

    /// Moves the development clock to `at` (none: back to the wall).
    async fn set_clock(&self, at: Option<Timestamp>) -> anyhow::Result<()> {
        let token = self.tokens.token(Role::PlatformAdmin, MINISTRY);
        let body = json!({"now": at.map(time::format)});
        let r = self
            .http
            .put(self.url("intake", "/api/v1/dev/clock"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("PUT /api/v1/dev/clock: {}", r.status());
        }
        Ok(())
    }

    /// The suite's local date.
    async fn day(&self) -> anyhow::Result<String> {
        Ok(time::local_date(self.now().await?).to_string())
    }

    /// The tender's record once its status is `want`.
    async fn tender_at(&self, id: &str, want: &str) -> anyhow::Result<Value> {
        let token = self.tokens.token(Role::ServiceIntegrator, MINISTRY);
        for _ in 0..300 {
            let (status, t) = self
                .call("tender", &format!("/api/v1/tenders/{id}"), &token, None)
                .await?;
            if status == 200 && t["status"] == want {
                return Ok(t);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("tender {id} did not reach {want}")
    }

    /// Waits for the tender's task `key` and completes it as `role` of `org` (at tender).
    async fn step(
        &self,
        role: Role,
        org: &str,
        id: &str,
        key: &str,
        body: Value,
    ) -> anyhow::Result<()> {
        self.complete_at("tender", role, org, id, key, body).await
    }

    /// A tender of the customer with `tor` (LC-28), asked of the Register first (LC-26): its id
    /// once the SI's announcement is due.
    async fn tender(&self, tor: &str, title: &str, functionality: &str) -> anyhow::Result<String> {
        let id = self
            .submit(
                "/api/v1/ict-service-tenders",
                &json!({"title": title, "functionality": functionality, "tor_case": tor,
                        "ceiling_cost_tenge": "125000000.00", "service_type": "software",
                        "criteria": [{"criterion": "Цена", "weight": 60}, {"criterion": "Опыт", "weight": 40}],
                        "integrations": ["ГБД ФЛ"], "ppp_project": false}),
            )
            .await?;
        self.open(&id, "announce").await?;
        Ok(id)
    }

    /// The SI's announcement `key` (SM-42 as kept, LC-28), today.
    async fn announce(&self, id: &str, key: &str) -> anyhow::Result<()> {
        let day = self.day().await?;
        self.step(
            Role::ServiceIntegrator,
            MINISTRY,
            id,
            key,
            json!({"outcome": "published", "inputs": {
                "announcement": format!("ЗК-{}", &id[20..]),
                "customer_agreement": {"date": day, "reference": "portal:doc/demo-agreement"},
                "platform_reference": format!("https://eplatform.example.kz/tenders/{id}")}}),
        )
        .await
    }

    /// The customer's Commission (SM-36.a), today.
    async fn commission(&self, id: &str) -> anyhow::Result<()> {
        let day = self.day().await?;
        self.step(
            Role::StateBody,
            STATE_BODY,
            id,
            "commission",
            json!({"outcome": "formed", "inputs": {"order": "Приказ № 12", "formed_on": day, "ppp": false,
                "members": [{"name": "Абенов Ерлан", "position": "Председатель"},
                            {"name": "Сейтова Айгуль", "position": "Член комиссии"},
                            {"name": "Ким Андрей", "position": "Член комиссии"}]}}),
        )
        .await
    }

    /// A supplier's sealed application (SM-49).
    async fn application(
        &self,
        id: &str,
        slot: &str,
        supplier: &str,
        price: &str,
    ) -> anyhow::Result<()> {
        let token = self.tokens.token(Role::Supplier, supplier);
        let body = json!({"price_tenge": price, "proposal": "Создание и сопровождение ИК-услуги по техническому заданию"});
        let (status, r) = self
            .call(
                "tender",
                &format!("/api/v1/cases/{id}/inputs/{slot}"),
                &token,
                Some(&body),
            )
            .await?;
        if status != 201 {
            bail!("application to {id}: {status} {r}");
        }
        Ok(())
    }

    /// Moves the clock a second past the tender's window and waits for `want`.
    async fn close(&self, id: &str, want: &str) -> anyhow::Result<()> {
        // The tender service records the announcement's version after the case took it.
        let t = self.tender_at(id, "active").await?;
        let end = time::parse(
            t["record"]["window"]["end"]
                .as_str()
                .context("the window")?,
        )?;
        self.set_clock(Some(end + SignedDuration::from_secs(1)))
            .await?;
        self.tender_at(id, want).await?;
        Ok(())
    }

    /// The Commission's decision `key` with its protocol of today.
    async fn decide(&self, id: &str, key: &str, outcome: &str, more: Value) -> anyhow::Result<()> {
        let day = self.day().await?;
        let mut inputs = json!({"protocol": {"number": format!("ПК-{key}"), "date": day}});
        if let (Value::Object(m), Value::Object(more)) = (&mut inputs, more) {
            m.extend(more);
        }
        self.step(
            Role::Commission,
            STATE_BODY,
            id,
            key,
            json!({"outcome": outcome, "inputs": inputs}),
        )
        .await
    }

    /// Moves the clock on by `days` (a working step later).
    async fn later(&self, days: i64) -> anyhow::Result<()> {
        let now = self.now().await?;
        self.set_clock(Some(now + SignedDuration::from_hours(24 * days)))
            .await
    }

    pub(super) async fn tenders(&self, out: &mut Vec<Sample>) -> anyhow::Result<()> {
        let mut made = |case: &str, stage: &str| {
            out.push(Sample {
                procedure: "tender",
                case: case.to_owned(),
                stage: stage.to_owned(),
            })
        };
        let both = [
            (Role::ServiceIntegrator, "si-exam", "no-remarks"),
            (Role::StateTechnicalService, "sts-exam", "no-remarks"),
        ];
        // 150 days back, at 10:00 local time.
        let wall = self.now().await?;
        let back = time::local(wall - SignedDuration::from_hours(24 * 150))
            .date()
            .at(10, 0, 0, 0)
            .to_zoned(time::zone().clone())?
            .timestamp();
        self.set_clock(Some(back)).await?;
        let result = async {
            let tor = self.tor_case("IS \"E-procurement of ICT services\"", &both).await?;
            self.complete(Role::AuthorizedBody, MINISTRY, &tor, "ab-decision", json!({"outcome": "agree"}))
                .await?;
            let closed = self
                .tender(&tor, "ИК-услуга «Электронный документооборот»", "электронный документооборот согласование писем")
                .await?;
            let awarded = self
                .tender(&tor, "ИК-услуга «Учёт обращений граждан»", "учёт обращений граждан контроль сроков")
                .await?;
            let cancelled = self
                .tender(&tor, "ИК-услуга «Реестр лицензий на недропользование»", "реестр лицензий недропользование")
                .await?;
            for id in [&closed, &awarded, &cancelled] {
                self.announce(id, "announce").await?;
                self.commission(id).await?;
            }
            self.later(2).await?;
            for id in [&closed, &awarded] {
                self.application(id, "applications", OTHER_SUPPLIER, "118000000.00").await?;
                self.application(id, "applications", SECOND_SUPPLIER, "121500000.00").await?;
            }
            // The windows close together; two are opened, one had no application.
            self.close(&closed, "evaluation").await?;
            self.tender_at(&awarded, "evaluation").await?;
            self.tender_at(&cancelled, "ladder").await?;
            made(&closed, "closed: two applications opened, waiting for the Commission's evaluation (SM-F2 item 12)");

            // The award and the road to the Catalog (SM-73..SM-98).
            self.later(1).await?;
            let due = time::local_date(self.now().await? + SignedDuration::from_hours(24 * 60)).to_string();
            let score = |p: u32, e: u32| json!([{"criterion": "Цена", "score": p}, {"criterion": "Опыт", "score": e}]);
            self.decide(&awarded, "evaluation", "award", json!({
                "applications": [{"seq": 1, "admissible": true, "scores": score(90, 80)},
                                 {"seq": 2, "admissible": true, "scores": score(80, 85)}],
                "creation_due": due})).await?;
            let (si, op, winner) = (Role::ServiceIntegrator, Role::Operator, Role::Supplier);
            self.later(20).await?;
            self.step(winner, OTHER_SUPPLIER, &awarded, "creation", json!({"outcome": "created", "inputs": {"ici_resources": "8 vCPU, 32 ГБ ОЗУ, 1 ТБ"}})).await?;
            let day = self.day().await?;
            self.step(si, MINISTRY, &awarded, "testing", json!({"outcome": "passed", "inputs": {
                "protocol": {"number": "ПТ-1", "date": day}, "integration_checks": [{"service": "ГБД ФЛ", "result": "passed"}]}})).await?;
            self.step(op, MINISTRY, &awarded, "environment", json!({"outcome": "allocated"})).await?;
            self.step(op, MINISTRY, &awarded, "trials", json!({"outcome": "passed", "inputs": {
                "object": "spp", "act": {"number": "АИ-1", "date": day}}})).await?;
            self.step(si, MINISTRY, &awarded, "convene", json!({"outcome": "convened"})).await?;
            self.decide(&awarded, "formation", "form", json!({
                "service_name": "Учёт обращений граждан", "service_type": "software",
                "software_product": "СПП «Обращения»", "monthly_price_tenge": "1250000.00",
                "ownership_transfer_required": false})).await?;
            self.step(op, MINISTRY, &awarded, "commissioning", json!({"outcome": "commissioned", "inputs": {
                "protocol": "ПВ-1", "signed_on": day, "technical_documentation_accepted": true, "rental_start": day}})).await?;
            self.step(op, MINISTRY, &awarded, "notify-si", json!({"outcome": "notified"})).await?;
            self.step(si, MINISTRY, &awarded, "notify-ab", json!({"outcome": "notified"})).await?;
            self.tender_at(&awarded, "formed").await?;
            made(&awarded, "awarded, created, tested, formed and commissioned: in the Catalog of ICT services (SM-98.b)");

            // Three empty windows: SM-53-1.a, .b, .c.
            self.decide(&cancelled, "ladder", "re-announce", json!({})).await?;
            self.announce(&cancelled, "announce~2").await?;
            self.close(&cancelled, "ladder").await?;
            self.decide(&cancelled, "ladder~2", "amend-and-re-tender", json!({
                "amendments": "Снижены требования к опыту участников"})).await?;
            self.announce(&cancelled, "announce~3").await?;
            self.close(&cancelled, "ladder").await?;
            self.decide(&cancelled, "ladder~3", "cancel", json!({})).await?;
            self.tender_at(&cancelled, "cancelled").await?;
            made(&cancelled, "cancelled by the Commission after three announcements without an application (SM-53-1.a, .b, .c)");
            anyhow::Ok(())
        }
        .await;
        // Back to the wall, whatever happened (a stopped test clock to where it stood).
        self.set_clock(Some(wall)).await?;
        self.set_clock(None).await?;
        result?;

        // Today: an open window with one sealed application.
        let tor = self
            .tor_case("IS \"E-licensing of ICT services\"", &both)
            .await?;
        self.complete(
            Role::AuthorizedBody,
            MINISTRY,
            &tor,
            "ab-decision",
            json!({"outcome": "agree"}),
        )
        .await?;
        let open = self
            .tender(
                &tor,
                "ИК-услуга «Электронные разрешения»",
                "выдача разрешений электронная подача заявлений",
            )
            .await?;
        self.announce(&open, "announce").await?;
        self.commission(&open).await?;
        self.application(&open, "applications", OTHER_SUPPLIER, "99000000.00")
            .await?;
        let t = self.tender_at(&open, "active").await?;
        made(
            &open,
            &format!(
                "window open until {} with one sealed application (SM-47, SM-49)",
                t["record"]["window"]["end"].as_str().unwrap_or("?")
            ),
        );
        Ok(())
    }
}
