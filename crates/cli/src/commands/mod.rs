//! One module per subcommand; [`run`] dispatches.

mod data;

use anyhow::Result;

use crate::cli::{Cli, Command, DataCommand};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Data(DataCommand::Info(args)) => data::info(&args),
        Command::Data(DataCommand::List(args)) => data::list(&args),
    }
}
