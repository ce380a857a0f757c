//! `egov plugin`: the authoring tools. They run a variant without the suite: no Redis, no
//! services, the shipped calendar and the system clock.

use std::path::PathBuf;

use clap::Subcommand;
use egov_kernel::time;
use egov_procedure::{Contract, Export, Refusal};
use serde_json::Value;

use crate::common::{Failure, load_component, read_json, runtime};

/// `egov plugin ...`
#[derive(Subcommand, Debug)]
pub enum PluginCommand {
    /// Prints the metadata and the steps with their terms as a table.
    Inspect {
        /// The component (.wasm).
        file: PathBuf,
    },
    /// Validates a submission: prints each violation (field, rule, message); exit 1 if any.
    Validate {
        /// The component (.wasm).
        file: PathBuf,
        /// The object kind of a 1.x form (overrides the input's `object_kind`).
        #[arg(long)]
        form: Option<String>,
        /// The intake of a 2.x variant (default: its first).
        #[arg(long)]
        intake: Option<String>,
        /// The submission (JSON).
        #[arg(long)]
        input: PathBuf,
        /// The day of submission (YYYY-MM-DD); default today.
        #[arg(long)]
        today: Option<String>,
    },
    /// Runs a computed decision and prints its JSON result; exit 1 if it is refused.
    Run {
        /// The component (.wasm).
        file: PathBuf,
        /// The decision's name.
        #[arg(long)]
        decision: String,
        /// Its input (JSON).
        #[arg(long)]
        input: PathBuf,
    },
    /// Runs one input through a 2.x variant's reducer and prints the reaction (JSON); exit 1 if
    /// the input is refused.
    React {
        /// The component (.wasm).
        file: PathBuf,
        /// The variant's state before the input (JSON; default null).
        #[arg(long)]
        state: Option<PathBuf>,
        /// The input (JSON: `{"type": "submitted", ...}`, see plugins/README.md).
        #[arg(long)]
        input: PathBuf,
    },
    /// Runs the recorded cases of a directory (`*.case.json`, with `plugin.toml` naming the
    /// component); exit 1 if any fails.
    Test {
        /// The directory.
        dir: PathBuf,
    },
    /// Times every export (metadata, steps, form, validate, react, a decision) on a fresh
    /// store and instance per call, as the engine runs them, against a bare wasmtime call on a
    /// live instance in the same run: p50 and p99 on one thread and with every core busy.
    Bench {
        /// The component (.wasm).
        file: PathBuf,
        /// A decision to time as well (`decide`).
        #[arg(long)]
        decision: Option<String>,
        /// The decision's input with `--decision`; otherwise the reducer's input (JSON,
        /// `{"type": "submitted", ...}`; default a submission of `--submission` to the first
        /// intake).
        #[arg(long)]
        input: Option<PathBuf>,
        /// The submission `validate` (and the default `react` input) takes (JSON; default `{}`).
        #[arg(long)]
        submission: Option<PathBuf>,
        /// Calls per measurement.
        #[arg(long, default_value_t = 2000)]
        iterations: u32,
    },
}

fn print_violations(v: &[egov_procedure::Violation]) {
    for x in v {
        println!("{:<28} {:<8} {}", x.field, x.rule, x.message);
    }
}

/// Runs one `egov plugin` command.
pub fn run(cmd: PluginCommand) -> Result<(), Failure> {
    match cmd {
        PluginCommand::Inspect { file } => {
            let d = load_component(&file)?;
            let to = d
                .effective_to
                .map_or("(open)".to_owned(), |t| t.to_string());
            println!(
                "{} {}  kind {}  in force {} .. {}",
                d.id, d.version, d.kind, d.effective_from, to
            );
            println!("{}", d.title);
            println!("legal basis: {}", d.legal_basis);
            println!("contract: {:?}", d.contract);
            for i in &d.intakes {
                println!(
                    "intake {}: POST /api/v1/{} by {} ({})",
                    i.name, i.path, i.role, i.rule
                );
            }
            println!("sha256: {}", d.digest);
            println!();
            let mut rows = vec![[
                "STEP".to_owned(),
                "ROLE".into(),
                "SERVICE".into(),
                "RULE".into(),
                "TERM".into(),
                "OUTCOMES".into(),
            ]];
            for s in &d.steps {
                let id = if s.start {
                    format!("{} (start)", s.id)
                } else {
                    s.id.clone()
                };
                let term = s
                    .term
                    .as_ref()
                    .map_or("-".to_owned(), |t| format!("{} from {}", t.term(), t.from));
                let outcomes: Vec<String> = s
                    .outcomes
                    .iter()
                    .map(|o| {
                        let rule = o
                            .rule
                            .as_deref()
                            .map(|r| format!(" ({r})"))
                            .unwrap_or_default();
                        // A 2.x variant routes in its reducer: the outcome alone.
                        if d.contract == Contract::V2 {
                            return format!("{}{rule}", o.name);
                        }
                        let to = if o.next.is_empty() {
                            "end".to_owned()
                        } else {
                            o.next.join(" + ")
                        };
                        let status = o
                            .status
                            .as_deref()
                            .map(|s| format!(" [{s}]"))
                            .unwrap_or_default();
                        format!("{} -> {to}{status}", o.name)
                    })
                    .collect();
                rows.push([
                    id,
                    s.role.as_str().to_owned(),
                    s.service.clone(),
                    s.rule.clone(),
                    term,
                    outcomes.join("; "),
                ]);
            }
            // Columns as wide as their widest cell.
            let width = |c: usize| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0);
            let w: Vec<usize> = (0..5).map(width).collect();
            for r in &rows {
                println!(
                    "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {:<w4$}  {}",
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    w0 = w[0],
                    w1 = w[1],
                    w2 = w[2],
                    w3 = w[3],
                    w4 = w[4]
                );
            }
            Ok(())
        }
        PluginCommand::Validate {
            file,
            form,
            intake,
            input,
            today,
        } => {
            let d = load_component(&file)?;
            let mut json = read_json(&input)?;
            if let Some(kind) = form {
                json["object_kind"] = Value::String(kind);
            }
            let today = match today {
                Some(t) => t
                    .parse()
                    .map_err(|e| Failure::Input(format!("--today {t:?}: {e}")))?,
                None => time::local_date(jiff::Timestamp::now()),
            };
            let i = match &intake {
                Some(name) => d
                    .intake(name)
                    .ok_or_else(|| Failure::Input(format!("--intake: no intake {name}")))?,
                None => d
                    .intakes
                    .first()
                    .ok_or_else(|| Failure::Input("the variant has no intake".into()))?,
            };
            let v = match d.admit(i, json, today).map_err(runtime)? {
                Ok(_) => {
                    println!("valid ({} {}, submitted {today})", d.id, d.version);
                    return Ok(());
                }
                Err(Refusal::Malformed(v)) => vec![v],
                Err(Refusal::Rules(v)) => v,
            };
            print_violations(&v);
            Err(Failure::Rejected(format!("{} violation(s)", v.len())))
        }
        PluginCommand::Run {
            file,
            decision,
            input,
        } => {
            let d = load_component(&file)?;
            match d.decide(&decision, &read_json(&input)?).map_err(runtime)? {
                Ok(out) => {
                    println!("{}", serde_json::to_string_pretty(&out).expect("JSON"));
                    Ok(())
                }
                Err(v) => {
                    print_violations(&v);
                    Err(Failure::Rejected(format!("decision {decision} refused")))
                }
            }
        }
        PluginCommand::React { file, state, input } => {
            let d = std::sync::Arc::new(load_component(&file)?);
            let state = match &state {
                Some(f) => read_json(f)?,
                None => Value::Null,
            };
            let input: egov_engine::Input = serde_json::from_value(read_json(&input)?)
                .map_err(|e| Failure::Input(format!("{}: {e}", input.display())))?;
            match egov_engine::react(&d, &state, &input, &[]).map_err(runtime)? {
                Ok(r) => {
                    println!("{}", serde_json::to_string_pretty(&r).expect("JSON"));
                    Ok(())
                }
                Err(v) => {
                    for x in &v {
                        println!("{:<28} {:<8} {}", x.field, x.rule, x.message);
                    }
                    Err(Failure::Rejected("the input was refused".into()))
                }
            }
        }
        PluginCommand::Test { dir } => crate::plugin_cases::run(&dir),
        PluginCommand::Bench {
            file,
            decision,
            input,
            submission,
            iterations,
        } => bench(
            &file,
            decision.as_deref(),
            input.as_deref(),
            submission.as_deref(),
            iterations,
        ),
    }
}

/// `egov plugin bench`: every export of the variant, each `iterations` times on a fresh store
/// and instance (how the engine runs every call) against a bare wasmtime call on a live
/// instance (the baseline, in the same run), single-threaded and then with every core running
/// the same loop.
fn bench(
    file: &std::path::Path,
    decision: Option<&str>,
    input: Option<&std::path::Path>,
    submission: Option<&std::path::Path>,
    iterations: u32,
) -> Result<(), Failure> {
    let d = load_component(file)?;
    let plugin = d.plugin().clone();
    let submission = match submission {
        Some(f) => read_json(f)?,
        None => serde_json::json!({}),
    };
    let submission_text = submission.to_string();
    let today = "2026-03-19";
    let intake = d
        .intakes
        .first()
        .map(|i| i.name.to_string())
        .unwrap_or_default();
    let react_input: Option<egov_engine::Input> = match (plugin.contract(), decision, input) {
        (Contract::V1, ..) => None,
        (_, None, Some(f)) => Some(
            serde_json::from_value(read_json(f)?)
                .map_err(|e| Failure::Input(format!("{}: {e}", f.display())))?,
        ),
        _ => Some(egov_engine::Input::Submitted {
            intake: d
                .intakes
                .first()
                .map(|i| i.name.clone())
                .unwrap_or_default(),
            submission: submission.clone(),
            by: egov_engine::Party::role(
                d.intakes
                    .first()
                    .map_or(egov_kernel::Role::StateBody, |i| i.role),
            ),
            at: "2026-03-19T10:00:00+05:00".into(),
        }),
    };
    let wit_input = react_input
        .as_ref()
        .map(|i| egov_engine::v2::input_out(i).expect("an input of the reducer"));
    let decision_input = match (decision, input) {
        (Some(_), Some(f)) => read_json(f)?.to_string(),
        _ => "{}".to_owned(),
    };
    let mut exports = vec![
        (String::from("metadata()"), Export::Metadata),
        ("steps()".into(), Export::Steps),
    ];
    if plugin.contract() == Contract::V1 {
        exports.push(("form()".into(), Export::Form));
    }
    exports.push((
        format!(
            "validate({})",
            if plugin.contract() == Contract::V1 {
                "submission".to_owned()
            } else {
                intake.clone()
            }
        ),
        Export::Validate {
            intake: &intake,
            submission: &submission_text,
            today,
        },
    ));
    if let (Some(i), Some(input)) = (&wit_input, &react_input) {
        exports.push((
            format!("react({})", input_kind(input)),
            Export::React {
                state: "null",
                input: i,
                entries: &[],
            },
        ));
    }
    if let Some(name) = decision {
        exports.push((
            format!("decide({name})"),
            Export::Decide {
                name,
                input: &decision_input,
            },
        ));
    }
    let pct = |mut v: Vec<std::time::Duration>| {
        v.sort();
        (v[v.len() / 2], v[v.len() * 99 / 100])
    };
    let us = |d: std::time::Duration| d.as_secs_f64() * 1e6;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    println!(
        "{}: {iterations} calls per export and thread, each on a fresh store and instance (the engine) against a bare wasmtime call on a live instance (the baseline, same run); goal: validate and react p50 <= 50 µs",
        plugin.label()
    );
    println!();
    println!(
        "| export | baseline (live) mean | fresh p50 | fresh p99 | p50 vs baseline | {cores} threads p50 | {cores} threads p99 | vs baseline |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (name, export) in &exports {
        // Warm up (page-in, caches), then measure.
        plugin.bench(iterations.min(200), export).map_err(runtime)?;
        let (fresh, live) = plugin.bench(iterations, export).map_err(runtime)?;
        let (p50, p99) = pct(fresh);
        let busy: Vec<std::time::Duration> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..cores)
                .map(|_| s.spawn(|| plugin.bench(iterations, export)))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join()
                        .expect("bench thread")
                        .map(|(f, _)| f)
                        .unwrap_or_default()
                })
                .collect()
        });
        if busy.is_empty() {
            return Err(Failure::Rejected(format!(
                "{name}: the bench on every core failed"
            )));
        }
        let (m50, m99) = pct(busy);
        let live = us(live).max(1e-6);
        println!(
            "| {name} | {live:.1} µs | {:.1} µs | {:.1} µs | {:.1}x | {:.1} µs | {:.1} µs | {:.1}x |",
            us(p50),
            us(p99),
            us(p50) / live,
            us(m50),
            us(m99),
            us(m50) / live
        );
    }
    Ok(())
}

fn input_kind(i: &egov_engine::Input) -> String {
    serde_json::to_value(i)
        .ok()
        .and_then(|v| v["type"].as_str().map(str::to_owned))
        .unwrap_or_default()
}
