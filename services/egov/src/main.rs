//! `egov`: one binary for the services and the command-line tools.
//!
//! Exit codes: 0 success, 1 failure at run time, 2 bad input (usage, malformed values); see
//! [`common`].
//!
//! Modules form a tree: `cli` parses and dispatches to `plugin` (which runs `plugin_cases`),
//! `bus`, `monitoring`, `up` and `serve`; what they share (the failure type, exit codes, reading JSON,
//! loading a component) is in `common`, which depends on none of them.

mod bus;
mod cli;
mod common;
mod monitoring;
mod plugin;
mod plugin_cases;
mod serve;
mod up;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than the C library's allocator: under load glibc's `malloc` and `free` took
/// about a quarter of the suite's CPU (`make bench --profile`), and the image's musl allocator
/// is slower still.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::from(common::EXIT_OK),
        Err(failure) => failure.report(),
    }
}
