//! `egov plugin test DIR`: recorded cases of a variant.
//!
//! `DIR/plugin.toml` names the component (`artifact = "path/relative/to/DIR.wasm"`). Each
//! `DIR/*.case.json` is one case:
//!
//! ```json
//! {"name": "PL-6.a: two points are not enough",
//!  "decide": {"name": "pl-6.a-criteria-score", "input": {...}},
//!  "expect": {"ok": {"passes": false}}}
//! {"name": "PL-3.b: documents of a complex",
//!  "validate": {"today": "2026-03-19", "submission": {...}},
//!  "expect": {"violations": [{"field": "documents", "rule": "PL-3.b"}]}}
//! ```
//!
//! A validation expected to pass says `"expect": {"valid": true}`. A 2.x variant's validation
//! names its intake (`"intake": "..."`, default the first), and its reducer is recorded as
//! `"react": {"state": ..., "input": {"type": "submitted", ...}, "entries": []}` with an `ok`
//! expectation on the reaction (`{"state": ..., "effects": [...]}`) or `violations`.
//!
//! An `ok` expectation matches when every key it gives is equal in the result (so cases stay
//! valid when a decision adds fields); `violations` must match in order on field and rule
//! (and on message, when given).

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::common::{Failure, load_component, runtime};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PluginRef {
    artifact: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    validate: Option<ValidateCall>,
    #[serde(default)]
    decide: Option<DecideCall>,
    #[serde(default)]
    react: Option<ReactCall>,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReactCall {
    #[serde(default)]
    state: Value,
    input: egov_engine::Input,
    #[serde(default)]
    entries: Vec<egov_engine::Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidateCall {
    today: String,
    #[serde(default)]
    intake: Option<String>,
    submission: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideCall {
    name: String,
    input: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// A submission with no violation.
    #[serde(default)]
    valid: bool,
    #[serde(default)]
    ok: Option<Value>,
    #[serde(default)]
    violations: Option<Vec<ExpectedViolation>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedViolation {
    field: String,
    rule: String,
    #[serde(default)]
    message: Option<String>,
}

/// `expected` is contained in `actual`: objects by key, everything else equal.
fn contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|x| contains(x, v))),
        (a, e) => a == e,
    }
}

fn check(
    got: Result<Value, Vec<egov_procedure::Violation>>,
    expect: &Expect,
) -> Result<(), String> {
    if expect.valid {
        return match got {
            Ok(_) if expect.ok.is_none() && expect.violations.is_none() => Ok(()),
            Ok(_) => Err("`valid` goes alone".into()),
            Err(v) => Err(format!(
                "expected valid, got: {}",
                v.iter()
                    .map(|x| format!("{} {}", x.field, x.rule))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
        };
    }
    match (got, &expect.ok, &expect.violations) {
        (Ok(v), Some(e), None) if contains(&v, e) => Ok(()),
        (Ok(v), Some(e), None) => Err(format!("expected {e}, got {v}")),
        (Err(v), None, Some(e)) => {
            let matches = v.len() == e.len()
                && v.iter().zip(e).all(|(a, b)| {
                    a.field == b.field
                        && a.rule == b.rule
                        && b.message.as_ref().is_none_or(|m| &a.message == m)
                });
            if matches {
                Ok(())
            } else {
                let got: Vec<String> = v
                    .iter()
                    .map(|x| format!("{} {} ({})", x.field, x.rule, x.message))
                    .collect();
                Err(format!("violations differ; got: {}", got.join("; ")))
            }
        }
        (Ok(v), None, Some(_)) => Err(format!("expected violations, got {v}")),
        (Err(v), Some(_), None) => Err(format!(
            "expected a result, got violations: {}",
            v.iter()
                .map(|x| x.rule.clone())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => Err("the case must expect exactly one of `valid`, `ok` or `violations`".into()),
    }
}

/// Runs every case of `dir`; prints one line per case.
pub fn run(dir: &Path) -> Result<(), Failure> {
    let input = |e: String| Failure::Input(e);
    let text = std::fs::read_to_string(dir.join("plugin.toml"))
        .map_err(|e| input(format!("{}/plugin.toml: {e}", dir.display())))?;
    let r: PluginRef = toml_lite(&text).ok_or_else(|| {
        input(format!(
            "{}/plugin.toml: expected artifact = \"...\"",
            dir.display()
        ))
    })?;
    let def = load_component(&dir.join(&r.artifact))?;
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| input(e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".case.json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(input(format!("no *.case.json in {}", dir.display())));
    }
    let (mut passed, mut failed) = (0, 0);
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| input(e.to_string()))?;
        let case: Case =
            serde_json::from_str(&text).map_err(|e| input(format!("{}: {e}", f.display())))?;
        let got = match (&case.validate, &case.decide, &case.react) {
            (Some(v), None, None) => {
                let today = v
                    .today
                    .parse()
                    .map_err(|e| input(format!("{}: today: {e}", f.display())))?;
                let intake = match &v.intake {
                    Some(name) => def
                        .intake(name)
                        .ok_or_else(|| input(format!("{}: no intake {name}", f.display())))?,
                    None => def
                        .intakes
                        .first()
                        .ok_or_else(|| input("the variant has no intake".into()))?,
                };
                match def
                    .admit(intake, v.submission.clone(), today)
                    .map_err(runtime)?
                {
                    Ok(_) => Ok(Value::Null),
                    Err(egov_procedure::Refusal::Malformed(v)) => Err(vec![v]),
                    Err(egov_procedure::Refusal::Rules(v)) => Err(v),
                }
            }
            (None, None, Some(r)) => {
                let def = std::sync::Arc::new(def.clone());
                egov_engine::react(&def, &r.state, &r.input, &r.entries)
                    .map_err(runtime)?
                    .map(|r| serde_json::to_value(r).expect("a reaction serializes"))
                    .map_err(|v| {
                        v.into_iter()
                            .map(|v| egov_procedure::Violation {
                                field: v.field,
                                rule: v.rule,
                                message: v.message,
                            })
                            .collect()
                    })
            }
            (None, Some(d), None) => def.decide(&d.name, &d.input).map_err(runtime)?,
            _ => {
                return Err(input(format!(
                    "{}: a case has exactly one of validate, decide or react",
                    f.display()
                )));
            }
        };
        match check(got, &case.expect) {
            Ok(()) => {
                passed += 1;
                println!("ok    {}", case.name);
            }
            Err(why) => {
                failed += 1;
                println!("FAIL  {}: {why}", case.name);
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        Err(Failure::Rejected(format!("{failed} case(s) failed")))
    } else {
        Ok(())
    }
}

/// `artifact = "..."` (the one key of plugin.toml).
fn toml_lite(text: &str) -> Option<PluginRef> {
    text.lines().find_map(|l| {
        let l = l.trim();
        let v = l
            .strip_prefix("artifact")?
            .trim_start()
            .strip_prefix('=')?
            .trim();
        Some(PluginRef {
            artifact: v.trim_matches('"').to_owned(),
        })
    })
}
