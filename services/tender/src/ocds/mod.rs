//! The OCDS 1.1 view of a tender: one release per version of the tender record (registry
//! `tenders`, written whole on every input that changes it), release packages of them, and
//! [`schema::Validator`], which checks both against the Open Contracting Data Standard 1.1.5
//! schemas and codelists with the Bids extension (vendored in `services/tender/ocds/`; see its
//! NOTICE). Pure functions: no I/O, no clock.
//!
//! # Mapping
//!
//! - Identifiers: `ocid` = `<prefix>-<case id>` ([`DEFAULT_PREFIX`] `ocds-kzegov`: `ocds-` and
//!   six lowercase letters, as OCDS wants a registered prefix to look); release `id` =
//!   `<ocid>-<version number>`; `tender.id` = the case id (stable across rounds; announcement
//!   numbers change per round); bid `id` = `<round>-<seq>` of the application; the award
//!   [`AWARD_ID`] and the contract [`CONTRACT_ID`] (a tender makes one award at most).
//! - Parties: every organization by its BIN, `id` = `KZ-BIN-<bin>` and
//!   `identifier` = `{scheme: "KZ-BIN", id: <bin>}` (the org-id.guide list for Kazakhstan's
//!   business identification numbers). The record holds no names, so none is invented. Roles:
//!   the customer `buyer`, the service integrator that published (`procuring_entity`)
//!   `procuringEntity`, every supplier whose application was opened `tenderer`, the winner
//!   also `supplier`. One party per BIN, its roles merged.
//! - `tender.status` from the record's `status` (closed codelist tenderStatus):
//!   `planning` → `planning`; `active`, `evaluation`, `ladder` → `active` (a round without
//!   applications keeps the process going under the same ocid); `awarded`, `formed`,
//!   `not-formed` → `complete` (the tender ended in an award); `cancelled` (the commission's
//!   SM-53-1.c decision) and `void` (no commission by the close, SM-36.a) → `cancelled`;
//!   `acquired-from-register` → `withdrawn` (the need was met from the Register: no tender
//!   follows under this ocid).
//! - `tag` (closed codelist releaseTag) from what changed in the published view against the
//!   previous version: before any announcement `planning`, then `planningUpdate`; the first
//!   version with an announcement `tender`; later a changed `tender` or `bids` section gives
//!   `tenderCancellation` when the tender turns `cancelled`, `tenderAmendment` when the commission
//!   decided to amend the design assignment and tender again (SM-53-1.b: a formal change,
//!   listed in `tender.amendments`), `tenderUpdate` otherwise (a re-announcement, the opening,
//!   the evaluation); a first award `award`, a changed one `awardUpdate` or `awardCancellation`
//!   (formation refused: `not-formed`); a first contract `contract`, a changed one
//!   `contractUpdate`. A version whose published view did not change (a commission formed, a
//!   step passed) is an update of its latest stage: `contractUpdate`, `awardUpdate`,
//!   `tenderUpdate`.
//! - Sealed applications stay out: `bids` (the extension's `details`: id, date, status
//!   `pending`/`valid`/`disqualified` from bidStatus, tenderers, value) and `tender.tenderers`,
//!   `tender.numberOfTenderers` appear once applications are opened at a close (or a round
//!   closed with none: 0); they count the opened applications of every round, never the sealed
//!   ones of a running window.
//! - Amounts: the record's decimal strings become JSON numbers with the same decimal value
//!   ([`amount`]); currency KZT. `awards[].value` is the winner's price; `contracts[].value` is
//!   the monthly price of the ICT service (stated in the contract's description).
//! - Instants are copied as the record has them (RFC 3339 with the local offset). A local date
//!   (`rental_start`, `signed_on`) becomes its local midnight with the offset of that day
//!   ([`local_midnight`]: +06:00 before 2024-03-01, +05:00 from it).

use serde_json::{Map, Value, json};

pub mod schema;
#[cfg(test)]
mod tests;

/// The ocid prefix: `ocds-` and six lowercase letters or digits.
pub const DEFAULT_PREFIX: &str = "ocds-kzegov";
/// The OCDS version a package declares.
pub const OCDS_VERSION: &str = "1.1";
/// The Bids extension (v1.1.5) as the extension registry publishes it: packages declare it.
pub const BID_EXTENSION: &str = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json";
/// The language of the free text (the record's titles, descriptions and ours).
pub const LANGUAGE: &str = "ru";
/// The organization identifier scheme of a BIN.
pub const BIN_SCHEME: &str = "KZ-BIN";
/// The currency of every amount in the record.
pub const CURRENCY: &str = "KZT";
/// The id of the award (a tender makes one at most).
pub const AWARD_ID: &str = "award-1";
/// The id of the contract (the formed ICT service).
pub const CONTRACT_ID: &str = "contract-1";

/// The ocid of a tender case.
pub fn ocid(prefix: &str, case_id: &str) -> String {
    format!("{prefix}-{case_id}")
}

/// The party id of an organization by its BIN.
pub fn party_id(bin: &str) -> String {
    format!("{BIN_SCHEME}-{bin}")
}

/// One OCDS release for version `number` (1 for the first) of a tender case's record;
/// `previous` is the version before it (`None` for the first), from which the tags come.
pub fn release(
    prefix: &str,
    case_id: &str,
    number: u32,
    record: &Value,
    previous: Option<&Value>,
) -> Value {
    let ocid = ocid(prefix, case_id);
    let view = View::of(case_id, record);
    let before = previous.map(|p| (p, View::of(case_id, p)));
    let tags = tags(record, &view, before.as_ref().map(|(r, v)| (*r, v)));
    let mut out = Map::new();
    out.insert("id".into(), json!(format!("{ocid}-{number}")));
    out.insert("ocid".into(), json!(ocid));
    if let Some(date) = text(record, "updated_at") {
        out.insert("date".into(), json!(date));
    }
    out.insert("tag".into(), json!(tags));
    out.insert("initiationType".into(), json!("tender"));
    out.insert("language".into(), json!(LANGUAGE));
    view.write(&mut out);
    Value::Object(out)
}

/// A release package of `releases`, published at `published` (RFC 3339) under `uri`.
pub fn package(releases: Vec<Value>, uri: &str, published: &str) -> Value {
    json!({
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": [BID_EXTENSION],
        "publisher": {"name": "egov"},
        "publishedDate": published,
        "releases": releases,
    })
}

/// The JSON number of a decimal amount string (`"125000000.00"`, `"1250000.5"`): the same
/// decimal value, printed exactly (integers without a fraction). `None` for anything else:
/// signs, exponents, more than two decimals or more than 13 integer digits (beyond which a
/// binary float could not print every cent back).
pub fn amount(s: &str) -> Option<Value> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) if !f.is_empty() && f.len() <= 2 => (i, f),
        Some(_) => return None,
        None => (s, ""),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || int.len() > 13 || !digits(int) || !digits(frac) {
        return None;
    }
    let units: u64 = int.parse().ok()?;
    let cents: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    if cents == 0 {
        return Some(json!(units));
    }
    // Below 2^53 the quotient is the float nearest to the decimal, and the shortest
    // round-trip printing serde_json uses gives that decimal back.
    Some(json!((units * 100 + cents) as f64 / 100.0))
}

/// The UTC offset of Kazakhstan's single time zone on a local day `YYYY-MM-DD`: +06:00 before
/// 2024-03-01, +05:00 from it (Asia/Almaty in the tz database).
pub fn almaty_offset(date: &str) -> &'static str {
    if date < "2024-03-01" {
        "+06:00"
    } else {
        "+05:00"
    }
}

/// The instant a local day begins (`2024-06-03` → `2024-06-03T00:00:00+05:00`); `None` when
/// `date` is not `YYYY-MM-DD`.
pub fn local_midnight(date: &str) -> Option<String> {
    let b = date.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    shape.then(|| format!("{date}T00:00:00{}", almaty_offset(date)))
}

/// A non-empty string field of a JSON object.
fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The elements of an array field (none when absent or not an array).
fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `{"id": "KZ-BIN-<bin>"}`.
fn org_ref(bin: &str) -> Value {
    json!({"id": party_id(bin)})
}

/// `{"amount": <number>, "currency": "KZT"}` for a decimal string.
fn money(decimal: Option<&str>) -> Option<Value> {
    decimal
        .and_then(amount)
        .map(|a| json!({"amount": a, "currency": CURRENCY}))
}

/// The OCDS tender status of a record status (the module docs give the reasons).
fn tender_status(status: &str) -> Option<&'static str> {
    Some(match status {
        "planning" => "planning",
        "active" | "evaluation" | "ladder" => "active",
        "awarded" | "formed" | "not-formed" => "complete",
        "cancelled" | "void" => "cancelled",
        "acquired-from-register" => "withdrawn",
        _ => return None,
    })
}

/// Whether the tender has been announced (a round published, or a status past planning).
fn announced(record: &Value) -> bool {
    !list(record, "rounds").is_empty()
        || text(record, "status")
            .is_some_and(|s| !matches!(s, "planning" | "acquired-from-register"))
}

/// The method and the rules it follows, by edition.
fn method_details(edition: Option<&str>) -> &'static str {
    match edition {
        Some("tender-2022") => {
            "Конкурс по определению поставщика ИК-услуги: пункты 36–53-1 Правил реализации \
             сервисной модели информатизации, утвержденных приказом исполняющего обязанности \
             Министра по инвестициям и развитию Республики Казахстан от 28 января 2016 года \
             № 129, с изменениями и дополнениями, внесенными приказом № 101/НҚ от 31 марта \
             2022 года"
        }
        Some("tender-2023") => {
            "Государственные закупки способом конкурса на создание информационно-\
             коммуникационной услуги: пункт 28 Правил создания, развития, эксплуатации, \
             приобретения объектов информатизации \"электронного правительства\", а также \
             информационно-коммуникационных услуг, утвержденных приказом № 129 от 28 января \
             2016 года, в редакции приказа № 471/НҚ от 29 ноября 2022 года"
        }
        _ => "Конкурс по определению поставщика ИК-услуги",
    }
}

/// The announced criteria, their weights and how applications are scored.
fn criteria_details(record: &Value) -> Option<String> {
    let criteria: Vec<String> = list(record, "criteria")
        .iter()
        .filter_map(|c| {
            let name = text(c, "criterion")?;
            let weight = c.get("weight").and_then(Value::as_u64)?;
            Some(format!("«{name}» — {weight}"))
        })
        .collect();
    let mut out = Vec::new();
    if !criteria.is_empty() {
        out.push(format!(
            "Критерии отбора поставщика (вес из 100): {}. Каждая допущенная заявка \
             оценивается по каждому критерию от 0 до 100; итоговый балл = Σ вес × балл / 100 \
             (два знака после запятой); побеждает заявка с наибольшим итоговым баллом, при \
             равенстве — поступившая раньше.",
            criteria.join("; ")
        ));
    }
    if let Some(t) = text(record, "criteria_text") {
        out.push(format!("Критерии отбора поставщика по заданию: {t}"));
    }
    (!out.is_empty()).then(|| out.join(" "))
}

/// The quoted substance of a ladder decision that changes the tender (SM-53-1.b), by rule.
fn amendment_rationale(rule: &str) -> String {
    if rule.starts_with("SM-53-1") {
        format!(
            "{rule}: «Если в течении срока действия повторного объявления не поступило ни одной \
             заявки, Комиссия принимает решение о внесении изменений и дополнений в задание на \
             проектирование ИК-услуги и повторном проведении конкурса.»"
        )
    } else {
        format!(
            "{rule}: решение Комиссии о внесении изменений и дополнений в задание на \
             проектирование ИК-услуги и повторном проведении конкурса"
        )
    }
}

/// The organizations of a release, one per BIN, in the order first met, roles merged.
#[derive(Default)]
struct Parties(Vec<(String, Vec<&'static str>)>);

impl Parties {
    fn add(&mut self, bin: &str, role: &'static str) {
        match self.0.iter_mut().find(|(b, _)| b == bin) {
            Some((_, roles)) if !roles.contains(&role) => roles.push(role),
            Some(_) => {}
            None => self.0.push((bin.to_owned(), vec![role])),
        }
    }

    fn json(&self) -> Vec<Value> {
        self.0
            .iter()
            .map(|(bin, roles)| {
                json!({
                    "id": party_id(bin),
                    "identifier": {"scheme": BIN_SCHEME, "id": bin},
                    "roles": roles,
                })
            })
            .collect()
    }
}

/// The published view of one record version: every release field but the release's own
/// (`id`, `date`, `tag`...), so that two versions compare by what they publish.
struct View {
    parties: Vec<Value>,
    buyer: Option<Value>,
    tender: Value,
    bids: Option<Value>,
    award: Option<Value>,
    contract: Option<Value>,
}

impl View {
    fn of(case_id: &str, record: &Value) -> Self {
        let mut parties = Parties::default();
        let customer = text(record, "customer");
        if let Some(bin) = customer {
            parties.add(bin, "buyer");
        }
        if let Some(bin) = text(record, "procuring_entity") {
            parties.add(bin, "procuringEntity");
        }
        let applications = list(record, "applications");
        let mut tenderers: Vec<&str> = Vec::new();
        for bin in applications.iter().filter_map(|a| text(a, "supplier")) {
            parties.add(bin, "tenderer");
            if !tenderers.contains(&bin) {
                tenderers.push(bin);
            }
        }
        let award_rec = record.get("award").filter(|a| a.is_object());
        let contract_rec = record.get("contract").filter(|c| c.is_object());
        for bin in [award_rec, contract_rec]
            .into_iter()
            .flatten()
            .filter_map(|x| text(x, "supplier"))
        {
            parties.add(bin, "supplier");
        }
        // Opened at a close: applications are in the record, or a round closed with none.
        let opened = !applications.is_empty()
            || list(record, "rounds")
                .iter()
                .any(|r| r.get("received").and_then(Value::as_u64) == Some(0));

        let tender = Self::tender(case_id, record, opened.then_some(&tenderers));
        let bids = (!applications.is_empty())
            .then(|| json!({"details": applications.iter().map(bid).collect::<Vec<_>>()}));
        let status = text(record, "status").unwrap_or_default();
        let award = award_rec.map(|a| award(a, status, record));
        let contract = contract_rec.map(contract);
        Self {
            parties: parties.json(),
            buyer: customer.map(org_ref),
            tender,
            bids,
            award,
            contract,
        }
    }

    fn tender(case_id: &str, record: &Value, tenderers: Option<&Vec<&str>>) -> Value {
        let mut t = Map::new();
        t.insert("id".into(), json!(case_id));
        for (from, to) in [("title", "title"), ("description", "description")] {
            if let Some(s) = text(record, from) {
                t.insert(to.into(), json!(s));
            }
        }
        if let Some(status) = text(record, "status").and_then(tender_status) {
            t.insert("status".into(), json!(status));
        }
        if let Some(bin) = text(record, "procuring_entity") {
            t.insert("procuringEntity".into(), org_ref(bin));
        }
        if let Some(value) = record.get("value").filter(|v| v.is_object())
            && let Some(a) = text(value, "amount").and_then(amount)
        {
            let currency = text(value, "currency").unwrap_or(CURRENCY);
            t.insert("value".into(), json!({"amount": a, "currency": currency}));
        }
        t.insert("procurementMethod".into(), json!("open"));
        t.insert(
            "procurementMethodDetails".into(),
            json!(method_details(text(record, "edition"))),
        );
        t.insert("mainProcurementCategory".into(), json!("services"));
        if !list(record, "criteria").is_empty() {
            t.insert("awardCriteria".into(), json!("ratedCriteria"));
        }
        if let Some(details) = criteria_details(record) {
            t.insert("awardCriteriaDetails".into(), json!(details));
        }
        t.insert("submissionMethod".into(), json!(["electronicSubmission"]));
        if let Some(period) = tender_period(record) {
            t.insert("tenderPeriod".into(), period);
        }
        if let Some(tenderers) = tenderers {
            t.insert("numberOfTenderers".into(), json!(tenderers.len()));
            let refs: Vec<Value> = tenderers.iter().map(|b| org_ref(b)).collect();
            t.insert("tenderers".into(), json!(refs));
        }
        let amendments = amendments(record);
        if !amendments.is_empty() {
            t.insert("amendments".into(), json!(amendments));
        }
        Value::Object(t)
    }

    fn write(self, out: &mut Map<String, Value>) {
        if !self.parties.is_empty() {
            out.insert("parties".into(), json!(self.parties));
        }
        if let Some(buyer) = self.buyer {
            out.insert("buyer".into(), buyer);
        }
        out.insert("tender".into(), self.tender);
        if let Some(bids) = self.bids {
            out.insert("bids".into(), bids);
        }
        if let Some(award) = self.award {
            out.insert("awards".into(), json!([award]));
        }
        if let Some(contract) = self.contract {
            out.insert("contracts".into(), json!([contract]));
        }
    }
}

/// The current round's window, else the last published round's.
fn tender_period(record: &Value) -> Option<Value> {
    let window = record.get("window").filter(|w| w.is_object());
    let (start, end) = match window.and_then(|w| Some((text(w, "start")?, text(w, "end")?))) {
        Some(pair) => pair,
        None => list(record, "rounds")
            .iter()
            .rev()
            .find_map(|r| Some((text(r, "published_at")?, text(r, "window_end")?)))?,
    };
    Some(json!({"startDate": start, "endDate": end}))
}

/// One entry per commission decision to amend the design assignment and tender again.
fn amendments(record: &Value) -> Vec<Value> {
    list(record, "rounds")
        .iter()
        .filter_map(|r| {
            let d = r.get("decision").filter(|d| d.is_object())?;
            (text(d, "outcome")? == "amend-and-re-tender").then_some(())?;
            let round = r.get("round").and_then(Value::as_u64)?;
            let mut a = Map::new();
            a.insert("id".into(), json!(format!("round-{}", round + 1)));
            if let Some(at) = text(d, "decided_at") {
                a.insert("date".into(), json!(at));
            }
            a.insert(
                "rationale".into(),
                json!(amendment_rationale(text(d, "rule").unwrap_or("SM-53-1.b"))),
            );
            a.insert(
                "description".into(),
                json!(format!(
                    "Протокол Комиссии № {} от {}: раунд {} закрыт без заявок, раунд {} — \
                     по измененному заданию на проектирование",
                    text(d, "protocol").unwrap_or("—"),
                    text(d, "protocol_date").unwrap_or("—"),
                    round,
                    round + 1
                )),
            );
            Some(Value::Object(a))
        })
        .collect()
}

/// The id of the bid of an application.
fn bid_id(application: &Value) -> Option<String> {
    let round = application.get("round").and_then(Value::as_u64)?;
    let seq = application.get("seq").and_then(Value::as_u64)?;
    Some(format!("{round}-{seq}"))
}

/// One opened application as a bid of the Bids extension.
fn bid(application: &Value) -> Value {
    let mut b = Map::new();
    b.insert("id".into(), json!(bid_id(application).unwrap_or_default()));
    if let Some(at) = text(application, "received_at") {
        b.insert("date".into(), json!(at));
    }
    if let Some(status @ ("pending" | "valid" | "disqualified" | "withdrawn")) =
        text(application, "status")
    {
        b.insert("status".into(), json!(status));
    }
    if let Some(bin) = text(application, "supplier") {
        b.insert("tenderers".into(), json!([org_ref(bin)]));
    }
    if let Some(value) = money(text(application, "price")) {
        b.insert("value".into(), value);
    }
    Value::Object(b)
}

/// The award: active, cancelled when the commission refused to form the ICT service.
fn award(a: &Value, status: &str, record: &Value) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(AWARD_ID));
    let award_status = if status == "not-formed" {
        "cancelled"
    } else {
        "active"
    };
    out.insert("status".into(), json!(award_status));
    if let Some(at) = text(a, "decided_at") {
        out.insert("date".into(), json!(at));
    }
    if let Some(value) = money(text(a, "amount")) {
        out.insert("value".into(), value);
    }
    let supplier = text(a, "supplier");
    if let Some(bin) = supplier {
        out.insert("suppliers".into(), json!([org_ref(bin)]));
    }
    let mut description = format!(
        "Протокол Комиссии № {} от {}",
        text(a, "protocol").unwrap_or("—"),
        text(a, "protocol_date").unwrap_or("—")
    );
    if let Some(score) = text(a, "score") {
        description.push_str(&format!("; итоговый балл победителя {score}"));
    }
    out.insert("description".into(), json!(description));
    // The winner's application: of the current round, admitted.
    let round = record.get("round").and_then(Value::as_u64);
    let winning = list(record, "applications").iter().rev().find(|app| {
        supplier.is_some()
            && text(app, "supplier") == supplier
            && app.get("round").and_then(Value::as_u64) == round
            && text(app, "status") != Some("disqualified")
    });
    if let Some(id) = winning.and_then(bid_id) {
        out.insert("relatedBid".into(), json!(id));
    }
    Value::Object(out)
}

/// The contract: the ICT service formed and commissioned (active once the protocol is signed).
fn contract(c: &Value) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(CONTRACT_ID));
    out.insert("awardID".into(), json!(AWARD_ID));
    if let Some(name) = text(c, "service_name") {
        out.insert("title".into(), json!(name));
    }
    let signed = text(c, "signed_on").and_then(local_midnight);
    out.insert(
        "status".into(),
        json!(if signed.is_some() {
            "active"
        } else {
            "pending"
        }),
    );
    let mut description =
        "Стоимость (value) — ежемесячная плата за ИК-услугу, тенге в месяц".to_owned();
    if let Some(p) = text(c, "protocol") {
        description.push_str(&format!("; протокол № {p}"));
        if let Some(on) = text(c, "signed_on") {
            description.push_str(&format!(" от {on}"));
        }
    }
    out.insert("description".into(), json!(description));
    if let Some(start) = text(c, "rental_start").and_then(local_midnight) {
        out.insert("period".into(), json!({"startDate": start}));
    }
    if let Some(value) = money(text(c, "monthly_price")) {
        out.insert("value".into(), value);
    }
    if let Some(at) = signed {
        out.insert("dateSigned".into(), json!(at));
    }
    Value::Object(out)
}

/// The release tags of `record` (published as `view`) after `before` (the previous version and
/// its view); the module docs give the rules.
fn tags(record: &Value, view: &View, before: Option<(&Value, &View)>) -> Vec<&'static str> {
    if !announced(record) {
        return vec![if before.is_none() {
            "planning"
        } else {
            "planningUpdate"
        }];
    }
    let mut tags = Vec::new();
    let prev = before.filter(|(r, _)| announced(r)).map(|(_, v)| v);
    let Some(prev) = prev else {
        tags.push("tender");
        if view.award.is_some() {
            tags.push("award");
        }
        if view.contract.is_some() {
            tags.push("contract");
        }
        return tags;
    };
    if view.tender != prev.tender || view.bids != prev.bids {
        let cancelled = |v: &View| v.tender["status"] == "cancelled";
        let count = |v: &View| {
            v.tender
                .get("amendments")
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
        };
        tags.push(if cancelled(view) && !cancelled(prev) {
            "tenderCancellation"
        } else if count(view) > count(prev) {
            "tenderAmendment"
        } else {
            "tenderUpdate"
        });
    }
    match (&prev.award, &view.award) {
        (None, Some(_)) => tags.push("award"),
        (Some(a), Some(b)) if a != b => {
            let cancelled = |x: &Value| x["status"] == "cancelled";
            tags.push(if cancelled(b) && !cancelled(a) {
                "awardCancellation"
            } else {
                "awardUpdate"
            });
        }
        _ => {}
    }
    match (&prev.contract, &view.contract) {
        (None, Some(_)) => tags.push("contract"),
        (Some(a), Some(b)) if a != b => tags.push("contractUpdate"),
        _ => {}
    }
    if tags.is_empty() {
        tags.push(if view.contract.is_some() {
            "contractUpdate"
        } else if view.award.is_some() {
            "awardUpdate"
        } else {
            "tenderUpdate"
        });
    }
    tags
}
