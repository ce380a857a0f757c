//! The chart's dashboards and alerts query only what the suite serves: every PromQL expression
//! of `charts/egov/dashboards/*.json` and `charts/egov/files/prometheus-rules.yaml` parses (a
//! real PromQL parser), every alert has its severity and its words, and every metric they name
//! is on the `/metrics` of the running suite once it has seen some traffic (a submission, a
//! deadline missed, a search). The HTTP metrics' `route` label is the OpenAPI template, and a
//! path of the caller's invention is no label value.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use egov_e2e::{Suite, events, eventually};
use egov_kernel::Role;
use promql_parser::parser::{self, Expr};
use serde_json::Value;

fn chart() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../charts/egov")
}

/// A Grafana query as PromQL: its variables replaced (`$__rate_interval` by a range, any other
/// `$var` or `${var}` by a word, inside the label matcher it stands in).
fn grafana_to_promql(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut rest = expr;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, tail) = match after.strip_prefix('{') {
            Some(braced) => {
                let end = braced.find('}').expect("a closed ${…}");
                (&braced[..end], &braced[end + 1..])
            }
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        out.push_str(if name.starts_with("__") { "5m" } else { "x" });
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Every metric name `expr` selects.
fn metric_names(expr: &Expr, out: &mut BTreeSet<String>) {
    match expr {
        Expr::Aggregate(a) => {
            metric_names(&a.expr, out);
            if let Some(p) = &a.param {
                metric_names(p, out);
            }
        }
        Expr::Unary(u) => metric_names(&u.expr, out),
        Expr::Binary(b) => {
            metric_names(&b.lhs, out);
            metric_names(&b.rhs, out);
        }
        Expr::Paren(p) => metric_names(&p.expr, out),
        Expr::Subquery(s) => metric_names(&s.expr, out),
        Expr::VectorSelector(v) => {
            out.insert(v.name.clone().expect("a selector names its metric"));
        }
        Expr::MatrixSelector(m) => {
            out.insert(m.vs.name.clone().expect("a selector names its metric"));
        }
        Expr::Call(c) => c.args.args.iter().for_each(|a| metric_names(a, out)),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

/// Parses `promql` (from `origin`), adding the metrics it names to `names`.
fn parse_into(origin: &str, promql: &str, names: &mut BTreeSet<String>) {
    let expr = parser::parse(promql).unwrap_or_else(|e| panic!("{origin}: {promql:?}: {e}"));
    let mut mine = BTreeSet::new();
    metric_names(&expr, &mut mine);
    assert!(!mine.is_empty(), "{origin}: {promql:?} queries no metric");
    names.extend(mine);
}

/// Every `expr` (a panel's targets) and every query variable of a Grafana dashboard.
fn dashboard_queries(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                match (k.as_str(), x) {
                    ("expr", Value::String(e)) => out.push(e.clone()),
                    _ => dashboard_queries(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| dashboard_queries(x, out)),
        _ => {}
    }
}

/// The metric of a `label_values(metric, label)` variable query.
fn variable_metric(query: &str) -> Option<String> {
    let inner = query
        .trim()
        .strip_prefix("label_values(")?
        .strip_suffix(')')?;
    let (metric, _) = inner.rsplit_once(',')?;
    Some(metric.trim().to_owned())
}

/// The metrics the chart's dashboards and alerting rules query, each expression checked.
fn queried() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut dashboards = 0;
    for entry in std::fs::read_dir(chart().join("dashboards")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        dashboards += 1;
        let origin = path.display().to_string();
        let d: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{origin}: {e}"));
        assert!(
            d["uid"].as_str().is_some_and(|u| !u.is_empty()),
            "{origin}: uid"
        );
        assert!(d["title"].as_str().is_some(), "{origin}: title");
        // Panel ids are unique (Grafana keys links and state by them).
        let mut ids = BTreeSet::new();
        for p in d["panels"].as_array().expect("panels") {
            let id = p["id"].as_u64().expect("every panel has an id");
            assert!(ids.insert(id), "{origin}: panel id {id} twice");
        }
        let mut exprs = Vec::new();
        dashboard_queries(&d["panels"], &mut exprs);
        assert!(exprs.len() >= 10, "{origin}: {} queries", exprs.len());
        for e in exprs {
            parse_into(&origin, &grafana_to_promql(&e), &mut names);
        }
        for var in d["templating"]["list"].as_array().into_iter().flatten() {
            if var["type"] == "query" {
                let q = var["query"]["query"].as_str().or(var["query"].as_str());
                let metric = q.and_then(variable_metric).unwrap_or_else(|| {
                    panic!(
                        "{origin}: variable {}: not label_values(metric, label)",
                        var["name"]
                    )
                });
                parse_into(&origin, &metric, &mut names);
            }
        }
    }
    assert!(dashboards >= 1, "no dashboard in charts/egov/dashboards");

    let path = chart().join("files/prometheus-rules.yaml");
    let origin = path.display().to_string();
    let rules: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut alerts = BTreeSet::new();
    for group in rules["groups"].as_sequence().expect("groups") {
        assert!(
            group["name"].as_str().is_some(),
            "{origin}: a group without a name"
        );
        for rule in group["rules"].as_sequence().expect("rules") {
            let alert = rule["alert"].as_str().expect("every rule is an alert");
            assert!(alerts.insert(alert.to_owned()), "{origin}: {alert} twice");
            let expr = rule["expr"].as_str().expect("expr");
            parse_into(&format!("{origin}: {alert}"), expr, &mut names);
            assert!(
                matches!(
                    rule["labels"]["severity"].as_str(),
                    Some("critical" | "warning" | "info")
                ),
                "{origin}: {alert}: severity"
            );
            for a in ["summary", "description"] {
                assert!(
                    rule["annotations"][a]
                        .as_str()
                        .is_some_and(|s| !s.is_empty()),
                    "{origin}: {alert}: no {a}"
                );
            }
            if let Some(f) = rule.get("for") {
                let f = f.as_str().expect("for is a duration");
                parser::parse(&format!("x[{f}]"))
                    .unwrap_or_else(|e| panic!("{origin}: {alert}: for {f:?}: {e}"));
            }
        }
    }
    for alert in [
        "EgovDeadlinesMissed",
        "EgovDeadLetters",
        "EgovStreamLagHigh",
        "EgovMonitoringDestinationDown",
        "EgovHttp5xxRatioHigh",
        "EgovHttpLatencyP99High",
    ] {
        assert!(alerts.contains(alert), "{origin}: no {alert}");
    }
    names
}

/// The names of the samples of a Prometheus text exposition.
fn sample_names(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split(['{', ' ']).next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn grafana_variables_become_promql() {
    assert_eq!(
        grafana_to_promql(r#"sum(rate(a{namespace=~"$namespace"}[$__rate_interval]))"#),
        r#"sum(rate(a{namespace=~"x"}[5m]))"#
    );
    assert_eq!(grafana_to_promql("b{s=\"${service}\"}"), "b{s=\"x\"}");
    let mut names = BTreeSet::new();
    parse_into(
        "here",
        "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m]))) / on() group_left y + z offset 5m",
        &mut names,
    );
    assert_eq!(
        names,
        BTreeSet::from(["x_bucket".to_owned(), "y".to_owned(), "z".to_owned()])
    );
    assert_eq!(
        variable_metric("label_values(egov_http_requests_total, namespace)").as_deref(),
        Some("egov_http_requests_total")
    );
}

#[tokio::test]
async fn every_metric_the_dashboards_and_alerts_query_is_served() {
    let queried = queried();

    let s = Suite::start("2026-03-19T10:00:00+05:00").await;
    // Traffic: a submission (HTTP, the bus, expertise, its plugin), its deadline missed (the
    // scheduler), a search, and a path nobody serves.
    let id = s.submit("2026-03-19").await;
    eventually("the task", || async {
        s.tasks(Role::AuthorizedBody).await.into_iter().next()
    })
    .await;
    s.set_clock("2026-04-01T09:00:00+05:00");
    eventually("the deadline missed", || async {
        let c = s.case(&id).await;
        (!events(&c, "DeadlineMissed").is_empty()).then_some(())
    })
    .await;
    let token = s.token(Role::AuthorizedBody, egov_e2e::MINISTRY);
    let (status, _) = s.get("catalog", "/api/v1/search?q=system", &token).await;
    assert_eq!(status, 200);
    let invented = format!("/api/v1/no-such-{}", ulid::Ulid::new());
    let (status, _) = s.get("intake", &invented, &token).await;
    assert_eq!(status, 404);

    let mut served = BTreeSet::new();
    let mut texts = Vec::new();
    for service in egov::suite::SERVICES {
        let r = reqwest::get(s.url(service, "/metrics")).await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{service}");
        let text = r.text().await.unwrap();
        served.extend(sample_names(&text));
        texts.push(text);
    }
    let all = texts.join("\n");

    // The route is the template; what a caller invents is one value, `unmatched`.
    assert!(
        all.contains(
            r#"egov_http_requests_total{method="POST",route="/api/v1/perechen-applications",service="intake",status="201"} 1"#
        ),
        "{all}"
    );
    assert!(
        all.contains(r#"route="unmatched",service="intake",status="404""#),
        "{all}"
    );
    assert!(!all.contains("no-such-"), "{all}");
    // The scheduler's lateness: the term ended at 24:00 on 31 March, announced at 09:00.
    assert!(
        all.contains(r#"egov_deadline_lateness_seconds_count{kind="missed"} 1"#),
        "{all}"
    );
    s.stop().await;

    let missing: Vec<&String> = queried.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "queried by the chart's dashboards or alerts, served by no service: {missing:?}"
    );
}
