//! The defects an outside bad-input probe found, and their siblings: every value from outside is
//! parsed into its type before it reaches storage, and every refusal is a problem+json naming
//! the field (and the rule where one is at stake) that changes nothing.

use egov_e2e::{AGENCY, MINISTRY, Suite, application, eventually};
use egov_kernel::Role;
use serde_json::{Value, json};

const SUBMITTED: &str = "2026-03-19T10:00:00+05:00";
const COLLECTION: &str = "/api/v1/perechen-applications";

/// The keys that hold records (aggregates, names, markers, idempotency records).
async fn records(s: &Suite) -> Vec<String> {
    s.keys()
        .await
        .into_iter()
        .filter(|k| {
            [":agg:", ":unique:", ":applied:", ":answer:", "egov:idem:"]
                .iter()
                .any(|m| k.contains(m))
        })
        .collect()
}

fn assert_problem(status: u16, h: &reqwest::header::HeaderMap, p: &Value, want: u16, what: &str) {
    assert_eq!(status, want, "{what}: {p}");
    assert_eq!(h["content-type"], "application/problem+json", "{what}");
}

#[tokio::test]
async fn task_ids_from_the_url_are_parsed_before_they_reach_a_key() {
    let s = Suite::start(SUBMITTED).await;
    let case = s.submit("2026-03-19").await;
    let task = eventually("the PL-4 task", || async {
        s.tasks(Role::AuthorizedBody).await.into_iter().next()
    })
    .await;
    let before = records(&s).await;
    let ab = s.token(Role::AuthorizedBody, MINISTRY);
    for crafted in [
        format!("{case}.ab-check%7D"),
        format!("%7Bexpertise.0%7D:agg:task:{case}.ab-check"),
        format!("{case}.ab-check:history"),
        format!("{case}.ab%00check"),
        format!("{case}.ab-check%0D%0AFLUSHALL"),
        format!("{case}.%D1%88%D0%B0%D0%B3"),
        "not-a-task".to_owned(),
        case.clone(),
    ] {
        let (status, h, p) = s
            .raw(
                "GET",
                "expertise",
                &format!("/api/v1/tasks/{crafted}"),
                &ab,
                None,
            )
            .await;
        assert_problem(status, &h, &p, 400, &crafted);
        assert_eq!(p["field"], "id", "{crafted}: {p}");
        let (status, h, p) = s
            .raw(
                "POST",
                "expertise",
                &format!("/api/v1/tasks/{crafted}/complete"),
                &ab,
                Some(r#"{"outcome":"forward-to-si"}"#),
            )
            .await;
        assert_problem(status, &h, &p, 400, &crafted);
        assert_eq!(p["field"], "id", "{crafted}: {p}");
    }
    assert_eq!(records(&s).await, before, "nothing was written");
    // The real id still works, and a well-formed unknown one is a 404.
    let id = task["id"].as_str().unwrap();
    assert_eq!(
        s.get("expertise", &format!("/api/v1/tasks/{id}"), &ab)
            .await
            .0,
        200
    );
    let unknown = format!("{}.ab-check", ulid::Ulid::new());
    assert_eq!(
        s.get("expertise", &format!("/api/v1/tasks/{unknown}"), &ab)
            .await
            .0,
        404
    );
    s.stop().await;
}

#[tokio::test]
async fn one_line_fields_refuse_control_characters_and_change_nothing() {
    let s = Suite::start(SUBMITTED).await;
    let sb = s.token(Role::StateBody, AGENCY);
    let before = records(&s).await;
    for (path, bad) in [
        ("/fields/object_name", "E-notary\u{0}"),
        ("/fields/object_name", "E-notary\u{1b}[2J"),
        ("/fields/signatory", "Nurlanov\r\nX-Injected: 1"),
        ("/fields/request", "Include\nthe IS"),
        ("/fields/state_body_name", "Ministry\u{85}of Justice"),
        ("/fields/addressee", "Ministry\u{9b}31m"),
        ("/fields/object_name", "E-\u{202e}yratón"),
        ("/documents/0/reference", "portal:doc/1001\u{7f}"),
        ("/documents/0/title", "List\tof services"),
    ] {
        let mut app = application("2026-03-19");
        if path.ends_with("/title") {
            app["documents"][0]["title"] = json!(bad);
        } else {
            *app.pointer_mut(path).unwrap() = json!(bad);
        }
        let (status, h, p) = s
            .raw("POST", "intake", COLLECTION, &sb, Some(&app.to_string()))
            .await;
        assert_problem(status, &h, &p, 400, &format!("{path} {bad:?}"));
        let field = path.trim_start_matches('/').replace('/', ".");
        let field = field.replace(".0.", "[0].");
        assert_eq!(p["field"].as_str(), Some(field.as_str()), "{bad:?}: {p}");
        assert!(
            p["detail"].as_str().unwrap().contains("control character"),
            "{p}"
        );
    }
    assert_eq!(records(&s).await, before, "nothing was written");
    s.stop().await;
}

#[tokio::test]
async fn dates_have_a_plausible_range_stated_in_the_error() {
    let s = Suite::start(SUBMITTED).await;
    let sb = s.token(Role::StateBody, AGENCY);
    for day in ["0001-01-01", "1999-12-31", "2026-03-20", "9999-12-31"] {
        let mut app = application("2026-03-19");
        app["fields"]["signed_on"] = json!(day);
        let (status, h, p) = s
            .raw("POST", "intake", COLLECTION, &sb, Some(&app.to_string()))
            .await;
        assert_problem(status, &h, &p, 422, day);
        assert_eq!(
            (p["field"].as_str(), p["rule"].as_str()),
            (Some("fields.signed_on"), Some("PL-F1")),
            "{day}: {p}"
        );
        assert!(
            p["detail"].as_str().unwrap().contains("outside"),
            "{day}: {p}"
        );
    }
    assert!(records(&s).await.is_empty());
    s.stop().await;
}

#[tokio::test]
async fn completions_are_typed_and_a_step_without_a_check_takes_no_inputs() {
    let s = Suite::start(SUBMITTED).await;
    s.submit("2026-03-19").await;
    let task = eventually("the PL-4 task", || async {
        s.tasks(Role::AuthorizedBody).await.into_iter().next()
    })
    .await;
    let ab = s.token(Role::AuthorizedBody, MINISTRY);
    let path = format!("/api/v1/tasks/{}/complete", task["id"].as_str().unwrap());
    let before = records(&s).await;
    for (body, status, field) in [
        // PL-4's step has no check: facts given with it would be recorded unread.
        (
            json!({"outcome": "forward-to-si", "inputs": {"confirmed": "false"}}),
            422,
            "inputs",
        ),
        (
            json!({"outcome": "forward-to-si", "reasons": ["ok\u{0}"]}),
            400,
            "reasons[0]",
        ),
        (
            json!({"outcome": "forward-to-si", "note": "bell\u{7}"}),
            400,
            "note",
        ),
        (json!({"outcome": "forward}to-si"}), 400, "outcome"),
        (
            json!({"outcome": "forward-to-si", "inputs": {"a": "x\u{1b}[0m"}}),
            400,
            "inputs",
        ),
        (
            json!({"outcome": "forward-to-si", "inputs": {"a b": 1}}),
            400,
            "inputs",
        ),
    ] {
        let (got, h, p) = s
            .raw("POST", "expertise", &path, &ab, Some(&body.to_string()))
            .await;
        assert_problem(got, &h, &p, status, &body.to_string());
        assert_eq!(p["field"].as_str(), Some(field), "{body}: {p}");
    }
    assert_eq!(records(&s).await, before, "nothing was written");
    // A multi-line note is fine.
    let (got, _, p) = s
        .raw(
            "POST",
            "expertise",
            &path,
            &ab,
            Some(&json!({"outcome": "forward-to-si", "note": "checked.\nforwarded."}).to_string()),
        )
        .await;
    assert_eq!(got, 200, "{p}");
    s.stop().await;
}

#[tokio::test]
async fn the_procedures_list_needs_a_role_and_shows_no_server_path() {
    let s = Suite::start(SUBMITTED).await;
    let none = s.token_with(&[], AGENCY);
    let (status, h, p) = s
        .raw("GET", "intake", "/api/v1/procedures", &none, None)
        .await;
    assert_problem(status, &h, &p, 403, "no roles");

    let (status, body) = s
        .get(
            "intake",
            "/api/v1/procedures",
            &s.token(Role::StateBody, AGENCY),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(!body["variants"].as_array().unwrap().is_empty());
    assert!(body.get("revisions").is_none(), "{body}");

    let (status, body) = s
        .get(
            "intake",
            "/api/v1/procedures",
            &s.token(Role::PlatformAdmin, MINISTRY),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let revisions = body["revisions"].as_array().unwrap();
    assert!(!revisions.is_empty());
    let text = body.to_string();
    let dir = egov_testkit::plugins_dir().display().to_string();
    assert!(!text.contains(&dir), "a server path leaked: {text}");
    for r in revisions {
        assert!(!r["manifest"].as_str().unwrap().contains('/'), "{r}");
    }
    s.stop().await;
}

#[tokio::test]
async fn every_405_names_its_methods_in_allow() {
    let s = Suite::start(SUBMITTED).await;
    let admin = s.token(Role::PlatformAdmin, MINISTRY);
    let id = format!("{}.ab-check", ulid::Ulid::new());
    let case = ulid::Ulid::new().to_string();
    for (service, method, path, allow) in [
        ("intake", "GET", COLLECTION.to_owned(), "POST"),
        ("intake", "DELETE", format!("/api/v1/cases/{case}"), "GET"),
        ("intake", "POST", "/api/v1/procedures".to_owned(), "GET"),
        ("expertise", "POST", "/api/v1/tasks".to_owned(), "GET"),
        ("expertise", "PUT", format!("/api/v1/tasks/{id}"), "GET"),
        (
            "expertise",
            "GET",
            format!("/api/v1/tasks/{id}/complete"),
            "POST",
        ),
        ("tender", "POST", "/healthz".to_owned(), "GET"),
        (
            "catalog",
            "DELETE",
            "/api/v1/openapi.json".to_owned(),
            "GET",
        ),
        ("monitoring-bridge", "PATCH", "/metrics".to_owned(), "GET"),
    ] {
        let (status, h, p) = s.raw(method, service, &path, &admin, None).await;
        assert_problem(status, &h, &p, 405, &format!("{service} {method} {path}"));
        assert_eq!(
            h.get("allow").and_then(|v| v.to_str().ok()),
            Some(allow),
            "{service} {method} {path}"
        );
    }
    // An unknown collection is not found, whatever the method.
    let (status, _, _) = s
        .raw("GET", "intake", "/api/v1/no-such-thing", &admin, None)
        .await;
    assert_eq!(status, 404);
    s.stop().await;
}

#[tokio::test]
async fn a_submission_without_a_length_is_411_not_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = Suite::start(SUBMITTED).await;
    let sb = s.token(Role::StateBody, AGENCY);
    let url = s.url("intake", "");
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let body = application("2026-03-19").to_string();
    let req = format!(
        "POST {COLLECTION} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {sb}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    conn.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 411"), "{out}");
    assert!(out.contains(r#""field":"Content-Length""#), "{out}");
    assert!(records(&s).await.is_empty());
    s.stop().await;
}
