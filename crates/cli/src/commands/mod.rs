//! One module per subcommand; [`run`] dispatches.

mod data;
mod distributed;
mod evaluate;
pub mod fetch;
mod foldin;
mod graph;
mod models;
mod plot;
mod recipes;
mod recommend;
mod serve;
mod train;
mod tune;

use anyhow::Result;

use crate::cli::{Cli, Command, DataCommand, GraphCommand};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Data(DataCommand::Info(args)) => data::info(&args),
        Command::Data(DataCommand::List(args)) => data::list(&args),
        Command::Data(DataCommand::Fetch(args)) => fetch::run(&args),
        Command::Data(DataCommand::Synth(args)) => data::synth(&args),
        Command::Train(args) => train::run(&args),
        Command::Tune(args) => tune::run(&args),
        Command::FoldIn(args) => foldin::run(&args),
        Command::Models(args) => models::run(&args),
        Command::Recipes(args) => recipes::run(&args),
        Command::Eval(args) => evaluate::run(&args),
        Command::Recommend(args) => recommend::run(&args),
        Command::Plot(args) => plot::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Pack(args) => serve::pack(&args),
        Command::Graph(GraphCommand::Stats(args)) => graph::stats(&args),
        Command::Graph(GraphCommand::Export(args)) => graph::export(&args),
    }
}

/// The worker threads the command will run on: `--threads`, else those of the run a `train
/// --resume` continues, else `RAYON_NUM_THREADS`, else the cores this process may run on (its
/// CPU affinity and quota) — what rayon's pool gets.
pub fn planned_threads(cli: &crate::cli::Cli) -> usize {
    if let Some(t) = cli.threads() {
        return t;
    }
    if let crate::cli::Command::Train(args) = &cli.command
        && let Ok(Some(t)) = train::resumed_threads(args)
    {
        return t;
    }
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&t: &usize| t > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Sets the number of worker threads (once per process).
pub fn set_threads(threads: Option<usize>) -> Result<usize> {
    if let Some(t) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .map_err(|e| anyhow::anyhow!("setting {t} threads: {e}"))?;
    }
    Ok(rayon::current_num_threads())
}
