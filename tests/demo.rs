//! `egov demo` against the suite: every sample it reports is where it says, through the same
//! public APIs.

use egov_e2e::Suite;
use egov_kernel::Role;

struct SuiteTokens<'a>(&'a Suite);

impl egov::demo::Tokens for SuiteTokens<'_> {
    fn token(&self, role: Role, org: &str) -> String {
        self.0.token(role, org)
    }
}

#[tokio::test]
async fn the_demo_leaves_a_sample_of_every_procedure_at_each_stage() {
    demo(Suite::start("2026-04-13T10:00:00+05:00").await).await;
}

/// The same on a Redis Cluster (three masters, three replicas): every procedure's keys, topics
/// and registries across the masters, each script and `MULTI` within one slot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_redis_cluster_the_demo_leaves_a_sample_of_every_procedure_at_each_stage() {
    demo(Suite::start_on_cluster("2026-04-13T10:00:00+05:00").await).await;
}

async fn demo(s: Suite) {
    let to = egov::demo::Targets {
        intake: s.url("intake", ""),
        expertise: s.url("expertise", ""),
        tender: s.url("tender", ""),
        catalog: s.url("catalog", ""),
    };
    let samples = egov::demo::run(&to, &SuiteTokens(&s), "2026-04-13")
        .await
        .unwrap();
    let of = |p: &str| samples.iter().filter(|x| x.procedure == p).count();
    assert_eq!(
        (
            of("perechen"),
            of("terms-of-reference"),
            of("service-model"),
            of("lifecycle"),
            of("trusted-software"),
            of("ict-services"),
            of("tender"),
        ),
        (4, 5, 1, 10, 3, 1, 4),
        "{samples:?}"
    );
    // The demo set the development clock back where it stood; only an administrator moves it.
    let (status, clock) = s
        .get(
            "intake",
            "/api/v1/dev/clock",
            &s.token(Role::PlatformAdmin, egov::demo::MINISTRY),
        )
        .await;
    assert_eq!(
        (status, clock["now"].as_str()),
        (200, Some("2026-04-13T10:00:00+05:00")),
        "{clock}"
    );
    let (status, _, r) = s
        .raw(
            "PUT",
            "intake",
            "/api/v1/dev/clock",
            &s.token(Role::StateBody, egov::demo::STATE_BODY),
            Some(r#"{"now": "2020-01-01T00:00:00+06:00"}"#),
        )
        .await;
    assert_eq!(status, 403, "{r}");
    // The OCDS feed holds tenders at every stage, each release valid (OCDS 1.1.5).
    let feed = egov_e2e::eventually("the demo's tenders in the OCDS feed", || async {
        let (_, p) = s
            .get(
                "tender",
                "/api/v1/ocds/releases?limit=100",
                &s.token(Role::Supplier, egov::demo::OTHER_SUPPLIER),
            )
            .await;
        let tags: Vec<String> = p["releases"]
            .as_array()?
            .iter()
            .flat_map(|r| r["tag"].as_array().cloned().unwrap_or_default())
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect();
        ["tender", "award", "contract", "tenderCancellation"]
            .iter()
            .all(|t| tags.iter().any(|x| x == t))
            .then_some(p)
    })
    .await;
    let problems = egov_tender::ocds::schema::Validator::new().validate(&feed);
    assert!(problems.is_empty(), "{problems:#?}");
    // Search has something to find in each language, at every stage.
    let sb = s.token(Role::StateBody, egov::demo::STATE_BODY);
    let found = egov_e2e::eventually("the demo's registries in search", || async {
        let (_, p) = s.get("catalog", "/api/v1/search?q=&limit=1", &sb).await;
        (p["facets"]["stage"].as_object().map_or(0, |m| m.len()) == 8
            && p["facets"]["registry"]["trusted-software"] == 2
            && p["facets"]["registry"]["perechen"] == 1
            // The operator's own service and the demo's formed tender (SM-98.b).
            && p["facets"]["registry"]["ict-services"] == 2)
            .then_some(p)
    })
    .await;
    assert_eq!(
        found["facets"]["registry"]["informatization-objects"], 8,
        "{found}"
    );
    for q in [
        "нотариальных%20документов",
        "мұрағаты",
        "licensing%20portal",
    ] {
        let (_, p) = s
            .get("catalog", &format!("/api/v1/search?q={q}"), &sb)
            .await;
        assert!(p["total"].as_u64().unwrap_or(0) >= 1, "{q}: {p}");
    }
    // The agreed TOR is agreed, and the automation request was refused with the pointer.
    let ab = s.token(Role::AuthorizedBody, egov::demo::MINISTRY);
    let agreed = samples
        .iter()
        .find(|x| x.stage.starts_with("agreed"))
        .unwrap();
    let (_, p) = s
        .get(
            "expertise",
            &format!("/api/v1/cases/{}/progress", agreed.case),
            &ab,
        )
        .await;
    assert_eq!(p["status"], "agreed", "{p}");
    let refused = samples
        .iter()
        .find(|x| x.procedure == "service-model")
        .unwrap();
    assert!(
        refused.stage.contains("422") && refused.stage.contains("LC-8"),
        "{refused:?}"
    );
    s.stop().await;
}
