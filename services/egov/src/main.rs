//! `egov`: one binary for the services and the command-line tools.
//!
//! Exit codes: 0 success, 1 failure at run time, 2 bad input (usage, malformed values).

mod cli;
mod serve;
mod up;

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
        Err(cli::Failure::Runtime(e)) => {
            eprintln!("egov: {e:#}");
            ExitCode::from(1)
        }
    }
}
