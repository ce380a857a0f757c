//! The service-model variants end to end over HTTP (SM: the Rules for implementing the service
//! model of informatization as amended by order 101/НҚ of 31.03.2022, edition `sm-101-2022`;
//! from 1 January 2023 the edition `sm-2023-closed`, AMB-X1). Dates are real: Friday
//! 30 December 2022, then 2 and 3 January 2023 off (New Year, and 1 January, a Sunday, moved to
//! the 3rd), Saturday 7 January (Orthodox Christmas, not moved). Kazakhstan was on UTC+6 then.

use egov_e2e::sm::{criteria, design_assignment, request};
use egov_e2e::{AGENCY, MINISTRY, Suite, events, eventually};
use egov_kernel::Role;
use serde_json::{Value, json};

/// Friday 30 December 2022, the last day of the edition of order 101/НҚ.
const SUBMITTED: &str = "2022-12-30T10:00:00+06:00";

/// Submits `body` at `/api/v1/<path>` as `role` of `org`: the status and the answer.
async fn post(s: &Suite, path: &str, role: Role, org: &str, body: &Value) -> (u16, Value) {
    s.post(
        "intake",
        &format!("/api/v1/{path}"),
        &s.token(role, org),
        body,
        None,
    )
    .await
}

/// Submits the request as the agency; the case id.
async fn submit_request(s: &Suite) -> String {
    let (status, created) = post(
        s,
        "automation-requests",
        Role::StateBody,
        AGENCY,
        &request(),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

/// The case's progress on the engine, as the AB reads it.
async fn progress(s: &Suite, case: &str) -> Value {
    let (status, p) = s
        .get(
            "expertise",
            &format!("/api/v1/cases/{case}/progress"),
            &s.token(Role::AuthorizedBody, MINISTRY),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    p
}

/// The open task `key` of `case` in `role`'s worklist (for `org`), once it is there.
async fn task(s: &Suite, role: Role, org: &str, case: &str, key: &str) -> Value {
    let token = s.token(role, org);
    eventually(key, || async {
        let (_, body) = s.get("expertise", "/api/v1/tasks", &token).await;
        body["items"]
            .as_array()?
            .iter()
            .find(|t| t["case_id"] == case && t["key"] == key)
            .cloned()
    })
    .await
}

/// Completes `t` as `role` of `org` with `body`: the status and the answer.
async fn complete(s: &Suite, role: Role, org: &str, t: &Value, body: &Value) -> (u16, Value) {
    s.post(
        "expertise",
        &format!("/api/v1/tasks/{}/complete", t["id"].as_str().unwrap()),
        &s.token(role, org),
        body,
        None,
    )
    .await
}

/// The due date of a task: its last day, read from the published calendar (not provisional).
fn last_day(t: &Value) -> &str {
    assert_eq!(
        t["due"]["provisional"], false,
        "the calendar has no data for the term: {t}"
    );
    t["due"]["last_day"].as_str().unwrap()
}

/// A request of 30 December 2022 up to its open design assignment (SM-8.a, SM-11, SM-13.a);
/// the case id and the task.
async fn to_design_assignment(s: &Suite) -> (String, Value) {
    let case = submit_request(s).await;
    let si = task(s, Role::ServiceIntegrator, MINISTRY, &case, "si-conclusion").await;
    s.set_clock("2022-12-30T16:00:00+06:00");
    let (status, done) = complete(
        s,
        Role::ServiceIntegrator,
        MINISTRY,
        &si,
        &json!({"outcome": "positive", "inputs": criteria()}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    let ab = task(s, Role::AuthorizedBody, MINISTRY, &case, "ab-decision").await;
    s.set_clock("2023-01-06T11:00:00+06:00");
    let (status, done) = complete(
        s,
        Role::AuthorizedBody,
        MINISTRY,
        &ab,
        &json!({"outcome": "agree"}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    let da = task(
        s,
        Role::ServiceIntegrator,
        MINISTRY,
        &case,
        "design-assignment",
    )
    .await;
    (case, da)
}

#[tokio::test]
async fn a_request_of_30_december_2022_runs_to_an_approved_design_assignment_in_2023_under_sm_101_2022()
 {
    let s = Suite::start(SUBMITTED).await;
    let case = submit_request(&s).await;
    // The variant in force on the day of submission (AMB-X1), recorded on the case.
    let c = s.case(&case).await;
    assert_eq!(
        (&c["variant"]["id"], &c["variant"]["version"], &c["intake"]),
        (&json!("sm-101-2022"), &json!("1.1.0"), &json!("request")),
        "{c}"
    );
    assert_eq!(c["submission"], request());

    // SM-11: the SI's conclusion, 15 working days as a service level (AMB-SM-3): 4, 5, 6,
    // 9-13, 16-20, 23 and 24 January 2023.
    let si = task(
        &s,
        Role::ServiceIntegrator,
        MINISTRY,
        &case,
        "si-conclusion",
    )
    .await;
    assert_eq!(last_day(&si), "2023-01-24");
    assert_eq!(si["rule"], "SM-11");
    s.set_clock("2022-12-30T16:00:00+06:00");
    let (status, done) = complete(
        &s,
        Role::ServiceIntegrator,
        MINISTRY,
        &si,
        &json!({"outcome": "positive", "inputs": criteria()}),
    )
    .await;
    assert_eq!(status, 200, "{done}");

    // SM-13: 3 working days from the receipt of the conclusion on Friday 30 December: 31
    // December and 1 January are a weekend, 2 and 3 January are off, so 4, 5 and 6 January.
    let ab = task(&s, Role::AuthorizedBody, MINISTRY, &case, "ab-decision").await;
    assert_eq!(ab["opened_at"], "2022-12-30T16:00:00+06:00");
    assert_eq!(last_day(&ab), "2023-01-06");
    assert_eq!(ab["rule"], "SM-13");

    // SM-13.a on the last day; the state body is notified.
    s.set_clock("2023-01-06T11:00:00+06:00");
    let (status, done) = complete(
        &s,
        Role::AuthorizedBody,
        MINISTRY,
        &ab,
        &json!({"outcome": "agree"}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(progress(&s, &case).await["status"], "agreed");

    // SM-18: 20 working days from the agreement (AMB-SM-7) on Friday 6 January: Saturday
    // 7 January (Orthodox Christmas) is not moved, so 9-13, 16-20, 23-27 January, 30, 31
    // January, 1, 2 and 3 February.
    let da = task(
        &s,
        Role::ServiceIntegrator,
        MINISTRY,
        &case,
        "design-assignment",
    )
    .await;
    assert_eq!(da["rule"], "SM-18");
    assert_eq!(last_day(&da), "2023-02-03");
    s.set_clock("2023-01-19T12:00:00+06:00");
    let (status, done) = complete(
        &s,
        Role::ServiceIntegrator,
        MINISTRY,
        &da,
        &json!({"outcome": "submitted", "inputs": design_assignment()}),
    )
    .await;
    assert_eq!(status, 200, "{done}");

    // The customer (the requesting state body, AMB-SM-8) returns it once: the next round of
    // the design assignment, its 20 working days counted afresh (23 January to 17 February).
    let approval = task(&s, Role::StateBody, AGENCY, &case, "da-approval").await;
    s.set_clock("2023-01-20T12:00:00+06:00");
    let (status, done) = complete(
        &s,
        Role::StateBody,
        AGENCY,
        &approval,
        &json!({"outcome": "returned", "reasons": ["Пункт 12: критерии отбора поставщика не конкретны"]}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    let da = task(
        &s,
        Role::ServiceIntegrator,
        MINISTRY,
        &case,
        "design-assignment~2",
    )
    .await;
    assert_eq!(last_day(&da), "2023-02-17");
    s.set_clock("2023-01-27T12:00:00+06:00");
    let (status, done) = complete(
        &s,
        Role::ServiceIntegrator,
        MINISTRY,
        &da,
        &json!({"outcome": "submitted", "inputs": design_assignment()}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    let approval = task(&s, Role::StateBody, AGENCY, &case, "da-approval~2").await;
    s.set_clock("2023-01-30T12:00:00+06:00");
    let (status, done) = complete(
        &s,
        Role::StateBody,
        AGENCY,
        &approval,
        &json!({"outcome": "approved"}),
    )
    .await;
    assert_eq!(status, 200, "{done}");

    // Approved: the status, and the registry entry the tender procedure starts from.
    let p = progress(&s, &case).await;
    assert_eq!(p["status"], "design-assignment-approved", "{p}");
    assert_eq!(p["variant"]["id"], "sm-101-2022");
    assert_eq!(p["open_tasks"], 0);
    let entries = p["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{p}");
    assert_eq!(entries[0]["registry"], "design-assignments");
    assert_eq!(entries[0]["key"], format!("{AGENCY}/{SUBMITTED}"));
    assert_eq!(entries[0]["body"]["customer"], AGENCY);
    assert_eq!(entries[0]["body"]["approved_on"], "2023-01-30");
    assert_eq!(entries[0]["body"]["design_assignment"], design_assignment());

    // The agency's view: still the 2022 edition, the SM-13.a notification on its timeline.
    let c = eventually("the approval on the timeline", || async {
        let c = s.case(&case).await;
        (c["status"] == "design-assignment-approved").then_some(c)
    })
    .await;
    assert_eq!(c["variant"]["id"], "sm-101-2022");
    let told: Vec<&Value> = events(&c, "PartyNotified")
        .into_iter()
        .filter(|e| e["subject"].as_str().unwrap().starts_with("SM-13.a"))
        .collect();
    assert_eq!(told.len(), 1, "{c}");
    assert_eq!(
        told[0]["party"],
        json!({"role": "state-body", "org": AGENCY})
    );
    s.stop().await;
}

#[tokio::test]
async fn lc_8_a_request_of_3_january_2023_is_refused_pointing_to_the_terms_of_reference() {
    let s = Suite::start("2023-01-03T10:00:00+06:00").await;
    let (status, p) = post(
        &s,
        "automation-requests",
        Role::StateBody,
        AGENCY,
        &request(),
    )
    .await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("LC-8")), "{p}");
    let detail = p["detail"].as_str().unwrap();
    for said in ["471/НҚ", "143/НҚ", "POST /api/v1/terms-of-reference"] {
        assert!(detail.contains(said), "{said}: {detail}");
    }
    // Every intake of the former Rules, any body.
    let (status, p) = post(
        &s,
        "supplier-automation-applications",
        Role::Supplier,
        AGENCY,
        &json!({}),
    )
    .await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("LC-8")), "{p}");
    s.stop().await;
}

#[tokio::test]
async fn sm_3_a_a_request_involving_state_secrets_is_refused() {
    let s = Suite::start(SUBMITTED).await;
    let mut r = request();
    r["restricted_information"]["state_secrets"] = json!(true);
    let (status, p) = post(&s, "automation-requests", Role::StateBody, AGENCY, &r).await;
    assert_eq!(
        (status, p["field"].as_str(), p["rule"].as_str()),
        (
            422,
            Some("restricted_information.state_secrets"),
            Some("SM-3.a")
        ),
        "{p}"
    );
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("государственным секретам"),
        "{p}"
    );
    s.stop().await;
}

#[tokio::test]
async fn sm_f1_a_request_without_a_section_of_appendix_1_is_refused_naming_it() {
    let s = Suite::start(SUBMITTED).await;
    let mut r = request();
    r.as_object_mut().unwrap().remove("information_systems");
    let (status, p) = post(&s, "automation-requests", Role::StateBody, AGENCY, &r).await;
    assert_eq!(
        (status, p["field"].as_str(), p["rule"].as_str()),
        (422, Some("information_systems"), Some("SM-F1")),
        "{p}"
    );
    s.stop().await;
}

#[tokio::test]
async fn sm_19_a_design_assignment_missing_an_item_is_refused_and_changes_nothing() {
    let s = Suite::start(SUBMITTED).await;
    let (case, da) = to_design_assignment(&s).await;
    let before = progress(&s, &case).await;
    let mut items = design_assignment();
    items.as_object_mut().unwrap().remove("ppp_conditions");
    s.set_clock("2023-01-19T12:00:00+06:00");
    let (status, p) = complete(
        &s,
        Role::ServiceIntegrator,
        MINISTRY,
        &da,
        &json!({"outcome": "submitted", "inputs": items}),
    )
    .await;
    assert_eq!(
        (status, p["field"].as_str(), p["rule"].as_str()),
        (422, Some("inputs.ppp_conditions"), Some("SM-19")),
        "{p}"
    );
    assert!(p["detail"].as_str().unwrap().contains("item 14)"), "{p}");
    assert_eq!(progress(&s, &case).await, before);
    let still = task(
        &s,
        Role::ServiceIntegrator,
        MINISTRY,
        &case,
        "design-assignment",
    )
    .await;
    assert_eq!(still["status"], "open");
    s.stop().await;
}

#[tokio::test]
async fn sm_90_to_sm_92_a_development_request_reaches_the_discussion_and_its_decision() {
    // Thursday 15 December 2022: 16 December (Independence Day) is off.
    let s = Suite::start("2022-12-15T10:00:00+06:00").await;
    let (status, created) = post(
        &s,
        "ict-service-development-requests",
        Role::StateBody,
        AGENCY,
        &json!({"ict_service": "Е-разрешения", "development": "Добавить обжалование решений",
                "justification": "Изменились правила выдачи разрешений"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let case = created["id"].as_str().unwrap().to_owned();
    // SM-91.a: 15 working days: 19-23, 26-30 December, then 4, 5, 6, 9 and 10 January.
    let an = task(&s, Role::ServiceIntegrator, MINISTRY, &case, "si-analysis").await;
    assert_eq!(an["rule"], "SM-91.a");
    assert_eq!(last_day(&an), "2023-01-10");
    s.set_clock("2023-01-05T10:00:00+06:00");
    let (status, done) = complete(
        &s,
        Role::ServiceIntegrator,
        MINISTRY,
        &an,
        &json!({"outcome": "positive"}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    // SM-92: the discussion opens, with no term in the Rules.
    let d = task(&s, Role::ServiceIntegrator, MINISTRY, &case, "discussion").await;
    assert!(d["due"].is_null(), "{d}");
    // SM-91.b: the conclusion went to the AB, the customer and the operator.
    let c = eventually("the SM-91.b notifications", || async {
        let c = s.case(&case).await;
        let n = events(&c, "PartyNotified")
            .into_iter()
            .filter(|e| e["subject"].as_str().unwrap().starts_with("SM-91.b"))
            .map(|e| e["party"].clone())
            .collect::<Vec<_>>();
        (n.len() == 3).then_some(n)
    })
    .await;
    assert_eq!(
        c,
        [
            json!({"role": "authorized-body", "org": null}),
            json!({"role": "state-body", "org": AGENCY}),
            json!({"role": "operator", "org": null}),
        ]
    );
    // A decision that is not one of SM-92's is refused; one that is becomes the status.
    let (status, p) = complete(
        &s,
        Role::ServiceIntegrator,
        MINISTRY,
        &d,
        &json!({"outcome": "decided", "inputs": {"decision": "tender"}}),
    )
    .await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("SM-92")), "{p}");
    let (status, done) = complete(
        &s,
        Role::ServiceIntegrator,
        MINISTRY,
        &d,
        &json!({"outcome": "decided", "inputs": {"decision": "develop-and-replace-supplier"}}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        progress(&s, &case).await["status"],
        "develop-and-replace-supplier"
    );
    s.stop().await;
}
