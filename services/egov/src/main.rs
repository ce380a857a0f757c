//! `egov`: one binary for the services and the command-line tools.
//!
//! Exit codes: 0 success, 1 failure at run time, 2 bad input (usage, malformed values).

mod cli;
mod plugin;
mod plugin_cases;
mod serve;
mod up;

pub(crate) use plugin::load as plugin_load;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(cli::Failure::Input(msg)) => {
            eprintln!("egov: {msg}");
            ExitCode::from(2)
        }
        Err(cli::Failure::Rejected(msg)) => {
            eprintln!("egov: {msg}");
            ExitCode::from(1)
        }
        Err(cli::Failure::Runtime(e)) => {
            eprintln!("egov: {e:#}");
            ExitCode::from(1)
        }
    }
}
