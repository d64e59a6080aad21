//! The `gnnrec` binary: analyse, train, evaluate and serve graph-neural-network recommenders.
//!
//! This is the top layer: it parses the command line, calls the library crates
//! (`gnnrec-data`, `gnnrec-graph`, `gnnrec-models`, `gnnrec-eval`) and prints tables or JSON.

mod cli;
mod commands;
mod model_flags;
mod output;
mod progress;

use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};

/// mimalloc keeps freed tensor buffers for reuse; glibc's allocator returns every large one
/// to the kernel, and training then spends half its time in page faults (measured: 8.3 s →
/// 3.4 s for 5 LightGCN epochs on ml-100k).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Parses the command line: the derived grammar plus a flag per model setting on `train`
/// and `tune` ([`model_flags`]).
fn parse() -> cli::Cli {
    let cmd = cli::Cli::command()
        .mut_subcommand("train", |c| model_flags::augment(c, false))
        .mut_subcommand("tune", |c| model_flags::augment(c, true));
    let matches = cmd.get_matches();
    let mut cli = cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match (&mut cli.command, matches.subcommand()) {
        (cli::Command::Train(args), Some(("train", m))) => {
            args.flags = model_flags::given(m);
            args.dataset_given = m.value_source("dataset") == Some(ValueSource::CommandLine);
        }
        (cli::Command::Tune(args), Some(("tune", m))) => args.flags = model_flags::given(m),
        (cli::Command::FoldIn(args), Some(("fold-in", m))) => {
            args.dataset_given = m.value_source("dataset") == Some(ValueSource::CommandLine);
        }
        _ => {}
    }
    cli
}

fn main() -> ExitCode {
    // Output piped into `head` and cut: end quietly, as Unix tools do, instead of panicking in
    // `println!` on the broken pipe. Rust ignores SIGPIPE by default; restore the default.
    // SAFETY: called first thing in main, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = parse();
    // candle sizes its barrier pool of spinning workers from the physical core count, blind to
    // `--threads` and to the CPU affinity (`taskset`, cpuset containers): on one core of two,
    // its idle worker spun against the one doing the work (IRGNN on ml-100k: 15.4 s instead
    // of 2.3 s). Size it as rayon's pool is sized, before any thread exists.
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        let threads = commands::planned_threads(&cli);
        // SAFETY: first thing in main after parsing, before any thread exists.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", threads.to_string()) };
    }
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
