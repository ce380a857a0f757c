//! `egov plugin`: the authoring tools. They run a variant without the suite: no Redis, no
//! services, the shipped calendar and the system clock.

use std::path::PathBuf;

use clap::Subcommand;
use egov_kernel::time;
use egov_procedure::Submission;
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
        /// The object kind of the form (overrides the input's `object_kind`).
        #[arg(long)]
        form: Option<String>,
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
    /// Runs the recorded cases of a directory (`*.case.json`, with `plugin.toml` naming the
    /// component); exit 1 if any fails.
    Test {
        /// The directory.
        dir: PathBuf,
    },
    /// Times one evaluation on a fresh instance against a bare wasmtime call on a live one.
    Bench {
        /// The component (.wasm).
        file: PathBuf,
        /// A decision to time (default: `metadata`).
        #[arg(long)]
        decision: Option<String>,
        /// The decision's input (JSON).
        #[arg(long)]
        input: Option<PathBuf>,
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
            println!(
                "intake: POST /api/v1/{} by {} ({})",
                d.intake.path, d.intake.role, d.intake.rule
            );
            println!("sha256: {}", d.digest);
            println!();
            println!(
                "{:<26} {:<24} {:<10} {:<6} {:<22} OUTCOMES",
                "STEP", "ROLE", "SERVICE", "RULE", "TERM"
            );
            for s in &d.steps {
                let id = if s.start {
                    format!("{} (start)", s.id)
                } else {
                    s.id.clone()
                };
                let term = s
                    .term
                    .as_ref()
                    .map_or("-".to_owned(), |t| t.term().to_string());
                let outcomes: Vec<String> = s
                    .outcomes
                    .iter()
                    .map(|o| {
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
                println!(
                    "{:<26} {:<24} {:<10} {:<6} {:<22} {}",
                    id,
                    s.role.as_str(),
                    s.service,
                    s.rule,
                    term,
                    outcomes.join("; ")
                );
            }
            Ok(())
        }
        PluginCommand::Validate {
            file,
            form,
            input,
            today,
        } => {
            let d = load_component(&file)?;
            let mut json = read_json(&input)?;
            if let Some(kind) = form {
                json["object_kind"] = Value::String(kind);
            }
            let s: Submission = serde_json::from_value(json)
                .map_err(|e| Failure::Input(format!("{}: {e}", input.display())))?;
            let today = match today {
                Some(t) => t
                    .parse()
                    .map_err(|e| Failure::Input(format!("--today {t:?}: {e}")))?,
                None => time::local_date(jiff::Timestamp::now()),
            };
            let v = d.validate(&s, today).map_err(runtime)?;
            if v.is_empty() {
                println!("valid ({} {}, submitted {today})", d.id, d.version);
                return Ok(());
            }
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
        PluginCommand::Test { dir } => crate::plugin_cases::run(&dir),
        PluginCommand::Bench {
            file,
            decision,
            input,
            iterations,
        } => {
            let plugin = crate::common::load_plugin(&file)?;
            let input = match &input {
                Some(f) => read_json(f)?.to_string(),
                None => "{}".to_owned(),
            };
            let call = decision.as_deref().map(|name| (name, input.as_str()));
            // Warm up (page-in, caches), then measure.
            plugin
                .bench_call(iterations.min(200), call)
                .map_err(runtime)?;
            let (fresh, live) = plugin.bench_call(iterations, call).map_err(runtime)?;
            let what = decision
                .as_deref()
                .map_or("metadata()".to_owned(), |d| format!("decide({d})"));
            println!("{} {}: {iterations} calls each", plugin.label(), what);
            println!(
                "  bare wasmtime call, live instance (baseline): {:>9.1} µs",
                live.as_secs_f64() * 1e6
            );
            println!(
                "  fresh store + instance per call (the engine): {:>9.1} µs",
                fresh.as_secs_f64() * 1e6
            );
            println!(
                "  ratio: {:.1}x the baseline",
                fresh.as_secs_f64() / live.as_secs_f64().max(1e-12)
            );
            Ok(())
        }
    }
}
