//! The `gnnrec` binary: analyse, train, evaluate and serve graph-neural-network recommenders.
//!
//! This is the top layer: it parses the command line, calls the library crates
//! (`gnnrec-data`, `gnnrec-graph`, `gnnrec-models`, `gnnrec-eval`) and prints tables or JSON.

mod cli;
mod commands;
mod output;
mod progress;
mod run_dir;
mod timefmt;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
