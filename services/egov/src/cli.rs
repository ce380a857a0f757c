//! Command-line parsing and the tool commands.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use egov_auth::dev::{DevKeys, TokenRequest};
use egov_kernel::{Bin, Calendar, Role, Term, Unit, time};
use jiff::civil::Date;

use crate::common::{Failure, runtime};

/// egov: e-government informatization procedures of the Republic of Kazakhstan.
#[derive(Parser, Debug)]
#[command(name = "egov", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The working-day calendar of Kazakhstan.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Mints a development token (signed with the development key under EGOV_HOME).
    Token(TokenArgs),
    /// Runs the suite on this machine: Redis (or REDIS_URL), development keys, the five services.
    Up(crate::up::UpArgs),
    /// Leaves samples of every procedure at interesting stages in a running suite (`make up`),
    /// through its public APIs with development tokens.
    Demo(DemoArgs),
    /// Tools for plugin authors: inspect, validate, run, test, bench.
    #[command(subcommand)]
    Plugin(crate::plugin::PluginCommand),
    /// Runs one service, configured from the environment (REDIS_URL, EGOV_JWKS, EGOV_JWT_ISSUER...).
    Serve {
        /// intake, expertise, tender, catalog or monitoring-bridge.
        service: String,
    },
    /// Operator tools for the event bus: dead letters.
    #[command(subcommand)]
    Bus(crate::bus::BusCommand),
    /// The monitoring bridge's tools: a peer for tests and demos, the log's verification.
    #[command(subcommand)]
    Monitoring(crate::monitoring::MonitoringCommand),
    /// Prints the ProcedurePlugin CustomResourceDefinition (the chart's `crds/` holds it).
    Crd,
}

#[derive(Args, Debug)]
struct CalendarFile {
    /// A calendar file (TOML) that adds or replaces years of the shipped calendar.
    #[arg(long, env = "EGOV_CALENDAR", global = true)]
    calendar: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum CalendarCommand {
    /// Prints the last day of a term counted from the day of an event (first line), then when
    /// it ends.
    #[command(allow_negative_numbers = true)]
    Add {
        /// The day of the event (YYYY-MM-DD, local).
        date: String,
        /// How many units.
        count: i64,
        /// working-days, calendar-days or months.
        unit: String,
        #[command(flatten)]
        file: CalendarFile,
    },
    /// Prints `yes` or `no` (first line), then why, for days that are not ordinary.
    IsWorkingDay {
        /// The date (YYYY-MM-DD).
        date: String,
        #[command(flatten)]
        file: CalendarFile,
    },
}

#[derive(Args, Debug)]
struct TokenArgs {
    /// A role (repeat for several): state-body, authorized-body, service-integrator, ...
    #[arg(long = "role", required = true)]
    roles: Vec<String>,
    /// The agency's BIN (12 digits, checksum-valid).
    #[arg(long)]
    org: String,
    /// How long the token is valid: 30m, 1h, 8h, 1d (at most 30 days).
    #[arg(long, default_value = "1h", allow_hyphen_values = true)]
    ttl: String,
    /// The subject; defaults to `dev-<role>`.
    #[arg(long)]
    sub: Option<String>,
    /// Where the development key lives.
    #[arg(long, env = "EGOV_HOME", default_value = ".egov")]
    home: PathBuf,
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Calendar(CalendarCommand::Add {
            date,
            count,
            unit,
            file,
        }) => {
            let date = parse_date(&date)?;
            let unit: Unit = unit
                .parse()
                .map_err(|e: egov_kernel::TermError| Failure::Input(e.to_string()))?;
            let term = Term::new(count, unit).map_err(|e| Failure::Input(e.to_string()))?;
            let cal = calendar(file.calendar.as_deref())?;
            let due = cal
                .due(date, term)
                .map_err(|e| Failure::Input(e.to_string()))?;
            println!("{}", due.last_day);
            println!(
                "ends at {} (24:00 local time of {})",
                time::format(due.ends_at().timestamp()),
                due.last_day
            );
            if due.provisional {
                println!(
                    "provisional: a year without published calendar data was counted by the statutory rules"
                );
            }
            Ok(())
        }
        Command::Calendar(CalendarCommand::IsWorkingDay { date, file }) => {
            let date = parse_date(&date)?;
            let day = calendar(file.calendar.as_deref())?
                .day(date)
                .map_err(|e| Failure::Input(e.to_string()))?;
            println!("{}", if day.working { "yes" } else { "no" });
            if let Some(why) = day.why {
                println!("{why}");
            }
            if day.provisional {
                println!(
                    "provisional: {} has no published calendar data",
                    date.year()
                );
            }
            Ok(())
        }
        Command::Token(args) => token(args),
        Command::Up(args) => crate::up::run(args).map_err(Failure::Runtime),
        Command::Demo(args) => demo(args),
        Command::Plugin(cmd) => crate::plugin::run(cmd),
        Command::Bus(cmd) => crate::bus::run(cmd),
        Command::Monitoring(cmd) => crate::monitoring::run(cmd),
        Command::Crd => {
            print!("{}", egov_k8s::crd_yaml());
            Ok(())
        }
        Command::Serve { service } => {
            if !egov::suite::SERVICES.contains(&service.as_str()) {
                return Err(Failure::Input(format!(
                    "unknown service {service:?}; one of {}",
                    egov::suite::SERVICES.join(", ")
                )));
            }
            crate::serve::run(&service).map_err(Failure::Runtime)
        }
    }
}

fn parse_date(s: &str) -> Result<Date, Failure> {
    s.parse::<Date>()
        .map_err(|e| Failure::Input(format!("{s:?} is not a date (YYYY-MM-DD): {e}")))
}

fn calendar(file: Option<&Path>) -> Result<Calendar, Failure> {
    match file {
        None => Ok(Calendar::builtin()),
        Some(p) => Calendar::builtin_with_file(p).map_err(|e| Failure::Input(e.to_string())),
    }
}

fn token(args: TokenArgs) -> Result<(), Failure> {
    let org = Bin::parse(&args.org).map_err(|e| Failure::Input(format!("--org: {e}")))?;
    let roles = args
        .roles
        .iter()
        .map(|r| {
            r.parse::<Role>()
                .map_err(|e| Failure::Input(format!("--role: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let ttl = parse_ttl(&args.ttl)?;
    let keys = DevKeys::load_or_create(&args.home).map_err(|e| {
        Failure::Runtime(
            anyhow::Error::new(e).context(format!("development key in {}", args.home.display())),
        )
    })?;
    let sub = args.sub.unwrap_or_else(|| format!("dev-{}", roles[0]));
    println!(
        "{}",
        keys.mint(&TokenRequest {
            sub,
            org,
            roles,
            ttl
        })
    );
    Ok(())
}

/// `egov demo` options.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Where the development key of `egov up` lives.
    #[arg(long, env = "EGOV_HOME", default_value = ".egov")]
    home: PathBuf,
    /// intake's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8081")]
    intake: String,
    /// expertise's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8082")]
    expertise: String,
    /// tender's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8083")]
    tender: String,
    /// catalog's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8084")]
    catalog: String,
}

/// Development tokens of `egov up`'s key.
struct DevTokens(DevKeys);

impl egov::demo::Tokens for DevTokens {
    fn token(&self, role: Role, org: &str) -> String {
        self.0.mint(&TokenRequest {
            sub: format!("demo-{role}"),
            org: Bin::parse(org).expect("the demo's agencies are valid BINs"),
            roles: vec![role],
            ttl: Duration::from_secs(3600),
        })
    }
}

fn demo(args: DemoArgs) -> Result<(), Failure> {
    let keys = DevKeys::load_or_create(&args.home).map_err(|e| {
        Failure::Runtime(
            anyhow::Error::new(e).context(format!("development key in {}", args.home.display())),
        )
    })?;
    let targets = egov::demo::Targets {
        intake: args.intake.clone(),
        expertise: args.expertise.clone(),
        tender: args.tender.clone(),
        catalog: args.catalog.clone(),
    };
    let today = time::local_date(egov_kernel::Clock::now(&egov_kernel::SystemClock)).to_string();
    let rt = tokio::runtime::Runtime::new().map_err(runtime)?;
    let samples = rt
        .block_on(egov::demo::run(&targets, &DevTokens(keys), &today))
        .map_err(Failure::Runtime)?;
    for s in &samples {
        let case = if s.case.is_empty() {
            "-"
        } else {
            s.case.as_str()
        };
        println!("{:<20} {:<26} {}", s.procedure, case, s.stage);
    }
    println!();
    println!("See a case (its timeline) and the worklists:");
    println!(
        "  curl -s {}/api/v1/cases/<CASE> -H \"Authorization: Bearer $(cargo run -q -p egov -- token --home {} --role state-body --org {})\"",
        args.intake,
        args.home.display(),
        egov::demo::STATE_BODY
    );
    println!(
        "  curl -s {}/api/v1/tasks -H \"Authorization: Bearer $(cargo run -q -p egov -- token --home {} --role authorized-body --org {})\"",
        args.expertise,
        args.home.display(),
        egov::demo::MINISTRY
    );
    Ok(())
}

fn parse_ttl(s: &str) -> Result<Duration, Failure> {
    let d: jiff::SignedDuration = s.parse().map_err(|e| {
        Failure::Input(format!(
            "--ttl {s:?} is not a duration like 30m, 1h or 1d: {e}"
        ))
    })?;
    let max = Duration::from_secs(30 * 24 * 3600);
    match Duration::try_from(d) {
        Ok(d) if !d.is_zero() && d <= max => Ok(d),
        _ => Err(Failure::Input(format!(
            "--ttl must be positive and at most 30 days, got {s:?}"
        ))),
    }
}
