//! The command-line grammar (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Graph-neural-network recommenders: analyse interaction graphs, train GCN, LightGCN and
/// IRGNN models, evaluate them honestly and recommend items.
///
/// Datasets are read from the data directory: --data-dir, else $GNNREC_DATA, else ./data.
/// ml-latest-small is bundled, so every command works on a fresh clone.
#[derive(Debug, Parser)]
#[command(name = "gnnrec", version, propagate_version = true)]
#[command(after_help = "Examples:\n  \
    gnnrec data info --dataset ml-latest-small\n  \
    gnnrec data info --dataset ml-100k --split u1 --json\n  \
    gnnrec data info --dataset my_interactions.csv --split temporal:last=1")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect datasets.
    #[command(subcommand)]
    Data(DataCommand),
}

/// `gnnrec data …`
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Summarise a dataset and one of its splits: sizes, density, ratings, degrees, time range.
    Info(DataInfoArgs),
    /// List the datasets gnnrec knows by name and whether their files are present.
    List(DataListArgs),
}

/// Where a dataset comes from and how it is split.
#[derive(Debug, Clone, Args)]
pub struct DatasetArgs {
    /// A dataset name (ml-latest-small, ml-100k, lastfm, lastfm-hetrec, gowalla), a path to
    /// an interactions CSV/TSV, or a folder holding train.txt/test.txt adjacency lists.
    #[arg(long, short = 'd', default_value = "ml-latest-small")]
    pub dataset: String,

    /// Directory holding the datasets' folders [default: $GNNREC_DATA, else ./data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// The split: an official one (u1…u5, ua, ub for ml-100k; data1 for lastfm; train for
    /// gowalla), random[:FRACTION[:SEED]], temporal:last=K or temporal:frac=X.
    /// [default: the dataset's own: u1, data1, train, or random:0.2:42]
    #[arg(long)]
    pub split: Option<String>,
}

/// Arguments of `gnnrec data info`.
#[derive(Debug, Args)]
pub struct DataInfoArgs {
    #[command(flatten)]
    pub data: DatasetArgs,

    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `gnnrec data list`.
#[derive(Debug, Args)]
pub struct DataListArgs {
    /// Directory holding the datasets' folders [default: $GNNREC_DATA, else ./data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}
