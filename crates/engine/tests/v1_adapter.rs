//! The 1.x adapter on the real Perechen component (contract 1.0.0): the graph runs through
//! `react` and the pure core exactly as the 1.x engine ran it.

use std::sync::Arc;

use egov_engine::{Case, Context, Effect, GraphAdapter, Input, Party, Pin, apply};
use egov_kernel::{Bin, Calendar, CaseId, FixedClock, Name, Role, TaskKey};
use egov_procedure::{Engine, EngineConfig, Registry};
use serde_json::{Value, json};

fn perechen() -> Arc<egov_procedure::Definition> {
    let engine = Engine::new(
        EngineConfig::default(),
        Arc::new(Calendar::builtin()),
        Arc::new(FixedClock::at("2026-03-19T10:00:00+05:00")),
    )
    .unwrap();
    let r = Registry::new(engine, vec![egov_testkit::plugins_dir().join("variants")]);
    r.reload();
    // The released 1.0.0, the last Perechen edition on contract 1.x.
    r.get("perechen-353", "1.0.0").unwrap()
}

fn submission() -> Value {
    json!({"object_kind": "information-system", "fields": {}, "criteria": {"1.1": true, "2.1": true, "3.1": true}})
}

fn completed(key: &str, outcome: &str, inputs: Value, at: &str) -> Input {
    Input::TaskCompleted {
        task: key.parse().unwrap(),
        outcome: Name::parse(outcome).unwrap(),
        inputs,
        reasons: vec![],
        by: Party::role(Role::AuthorizedBody),
        at: at.into(),
    }
}

#[test]
fn pl_4_to_pl_7_run_through_react_and_refusals_name_their_rules() {
    let def = perechen();
    let adapter = GraphAdapter::new(def.clone());
    let cal = Calendar::builtin();
    let ctx = Context {
        steps: &def.steps,
        calendar: &cal,
    };
    let mut case = Case {
        id: CaseId::new(),
        procedure: "perechen".into(),
        variant: Pin {
            id: def.id.clone(),
            version: def.version.clone(),
            digest: def.digest.clone(),
        },
        org: Bin::parse("940740000911").unwrap(),
        received_at: "2026-03-19T10:00:00+05:00".into(),
        status: None,
        state: Value::Null,
        tasks: Default::default(),
        timers: Default::default(),
        slots: Default::default(),
        entries: vec![],
    };
    let step = |case: &mut Case, input: Input| {
        let r = adapter.react(&case.state, &input, &[]).unwrap();
        r.map(|reaction| apply(case, &input, reaction, &ctx).unwrap().0)
    };
    let submitted = Input::Submitted {
        intake: "perechen-applications".into(),
        submission: submission(),
        by: Party::of(Role::StateBody, case.org),
        at: "2026-03-19T10:00:00+05:00".into(),
    };
    step(&mut case, submitted).unwrap();
    let ab: TaskKey = "ab-check".parse().unwrap();
    // PL-4: 5 working days from Thursday 19 March 2026 (Nauryz 21-25 March off): 31 March.
    assert_eq!(
        case.tasks[&ab].due.as_ref().unwrap().last_day.to_string(),
        "2026-03-31"
    );

    // An outcome the step does not have, or facts for a step without a check: refused with
    // the step's rule, nothing applied.
    let before = case.clone();
    let v = step(
        &mut case,
        completed(
            "ab-check",
            "include",
            json!({}),
            "2026-03-20T10:00:00+05:00",
        ),
    )
    .unwrap_err();
    assert_eq!(
        (v[0].field.as_str(), v[0].rule.as_str()),
        ("outcome", "PL-4")
    );
    let v = step(
        &mut case,
        completed(
            "ab-check",
            "forward-to-si",
            json!({"confirmed": "false"}),
            "2026-03-20T10:00:00+05:00",
        ),
    )
    .unwrap_err();
    assert_eq!(
        (v[0].field.as_str(), v[0].rule.as_str()),
        ("inputs", "PL-4")
    );
    assert_eq!(case, before);

    let changes = step(
        &mut case,
        completed(
            "ab-check",
            "forward-to-si",
            json!({}),
            "2026-03-20T10:00:00+05:00",
        ),
    )
    .unwrap();
    assert_eq!(changes.len(), 2, "{changes:?}");
    let si: TaskKey = "si-recommendation".parse().unwrap();
    assert_eq!(case.tasks[&si].party, Party::role(Role::ServiceIntegrator));

    // PL-5.b: a missing portal item is not a confirmation, so PL-6.c refuses inclusion at PL-7.
    step(
        &mut case,
        completed(
            "si-recommendation",
            "complies",
            json!({"portal_items": {"1": true}}),
            "2026-03-23T10:00:00+05:00",
        ),
    )
    .unwrap();
    let v = step(
        &mut case,
        completed(
            "ab-decision",
            "include",
            json!({}),
            "2026-03-26T10:00:00+05:00",
        ),
    )
    .unwrap_err();
    assert!(v.iter().any(|v| v.rule == "PL-6.c"), "{v:?}");
    let reaction = adapter
        .react(
            &case.state,
            &completed(
                "ab-decision",
                "refuse",
                json!({}),
                "2026-03-26T10:00:00+05:00",
            ),
            &[],
        )
        .unwrap()
        .unwrap();
    assert!(
        reaction
            .effects
            .iter()
            .any(|e| matches!(e, Effect::SetStatus { status } if status.as_str() == "refused"))
    );
    assert!(reaction.effects.iter().any(|e| matches!(e, Effect::Explain { reasons, .. } if reasons.iter().any(|r| r.starts_with("PL-6.c")))));
}
