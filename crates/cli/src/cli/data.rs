//! The arguments of the data and graph commands, and of where a dataset comes from.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use gnnrec_fetch::CATALOG;

/// `gnnrec graph …`
#[derive(Debug, Subcommand)]
pub enum GraphCommand {
    /// Size, density, degree quantiles, connected components and weights of a graph.
    #[command(after_help = "Examples:\n  \
        gnnrec graph stats --dataset ml-100k\n  \
        gnnrec graph stats --dataset gowalla --graph item-item --weight cosine --topk 50 --json\n  \
        gnnrec graph stats --dataset lastfm-hetrec --graph item-item --weight decay --tau 30 --plot degrees.svg")]
    Stats(GraphStatsArgs),
    /// Write a graph's weighted edge list as CSV with raw ids.
    #[command(after_help = "Example:\n  \
        gnnrec graph export --dataset ml-100k --graph item-item --weight jaccard --topk 20 --out edges.csv")]
    Export(GraphExportArgs),
}

/// Which graph of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphKind {
    /// Users and items, an edge per training interaction.
    UserItem,
    /// Items, an edge between two items some training user shares.
    ItemItem,
}

/// Which graph to build, from the training side of a split.
#[derive(Debug, Clone, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub data: DatasetArgs,
    /// The graph.
    #[arg(long, value_enum, default_value_t = GraphKind::UserItem)]
    pub graph: GraphKind,
    /// Item–item edge weight: count, cosine, jaccard, time or decay.
    #[arg(long, default_value = "cosine", long_help = gnnrec_graph::EdgeWeight::HELP)]
    pub weight: gnnrec_graph::EdgeWeight,
    /// Decay scale τ in days, for --weight decay.
    #[arg(long, default_value_t = 30.0)]
    pub tau: f64,
    /// Keep each item's K heaviest neighbours.
    #[arg(long, value_name = "K")]
    pub topk: Option<usize>,
    /// Keep item pairs shared by at least this many users.
    #[arg(long, default_value_t = 1)]
    pub min_support: u32,
    /// Count only co-occurrences at most this many days apart (needs timestamps).
    #[arg(long, value_name = "DAYS")]
    pub window: Option<f64>,
}

/// Arguments of `gnnrec graph stats`.
#[derive(Debug, Args)]
pub struct GraphStatsArgs {
    #[command(flatten)]
    pub graph: GraphArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Also draw the degree distribution (log–log) as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

/// Arguments of `gnnrec graph export`.
#[derive(Debug, Args)]
pub struct GraphExportArgs {
    #[command(flatten)]
    pub graph: GraphArgs,
    /// The CSV file to write.
    #[arg(long, value_name = "FILE.csv")]
    pub out: PathBuf,
}

/// `gnnrec data …`
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Summarise a dataset and one of its splits: sizes, density, ratings, degrees, time range.
    Info(DataInfoArgs),
    /// List the datasets gnnrec knows by name and whether their files are present.
    List(DataListArgs),
    /// Download a benchmark dataset from its publisher into the data directory: checked
    /// against pinned sha256 hashes, resumable, placed in one rename.
    #[command(after_help = fetch_help())]
    Fetch(DataFetchArgs),
    /// Write a synthetic interaction set with power-law degrees in the LightGCN format
    /// (train.txt / test.txt), to measure cost as the data grows without downloads.
    #[command(after_help = "Examples:\n  \
        gnnrec data synth --users 30000 --items 41000 --interactions 1000000 --out data/synth-1m\n  \
        gnnrec train --model lightgcn --dataset data/synth-1m --epochs 1\n\n\
        User degrees follow a Pareto law with a floor of 10 (as gowalla's 10-core split), scaled to\n\
        the asked total; items are drawn by a power-law popularity; each user's items are split\n\
        80/20 into train and test.")]
    Synth(DataSynthArgs),
}

/// Arguments of `gnnrec data synth`.
#[derive(Debug, Args)]
pub struct DataSynthArgs {
    /// Users.
    #[arg(long)]
    pub users: usize,
    /// Items.
    #[arg(long)]
    pub items: usize,
    /// Interactions, train and test together.
    #[arg(long)]
    pub interactions: usize,
    /// Seed of every draw.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The folder to write train.txt and test.txt into (a path to give --dataset).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Arguments of `gnnrec data fetch`.
#[derive(Debug, Args)]
pub struct DataFetchArgs {
    /// The dataset (see the list below).
    pub name: String,

    /// Directory to put the dataset's folder in [default: $GNNREC_DATA, else ./data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Fetch from a mirror holding the publishers' trees under their host names
    /// (URL/files.grouplens.org/datasets/…) instead of the publishers.
    #[arg(long, value_name = "URL")]
    pub mirror: Option<String>,

    /// Accept the dataset's license terms without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Seconds to wait for a connection, an answer, or the next bytes.
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    pub timeout: f64,

    /// Print the report (files, hashes) as JSON.
    #[arg(long)]
    pub json: bool,

    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Where a dataset comes from and how it is split.
#[derive(Debug, Clone, Args)]
pub struct DatasetArgs {
    /// A dataset name (ml-latest-small, ml-100k, ml-1m, lastfm, lastfm-hetrec, gowalla, yelp2018, amazon-book), a path to
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

    /// Your own files: how to read them.
    #[command(flatten)]
    pub own: OwnDataArgs,
}

impl DatasetArgs {
    /// The run layer's description of this data.
    pub fn source(&self) -> gnnrec_run::DataSource {
        gnnrec_run::DataSource {
            dataset: self.dataset.clone(),
            data_dir: self.data_dir.clone(),
            split: self.split.clone(),
            own: self.own.to_own_data(),
        }
    }

    /// The data of a run made from a recipe: the recipe's `dataset` unless --dataset was
    /// given, its `split` unless --split was; the data directory and the reading of your own
    /// files are the flags'.
    pub fn source_over_recipe(
        &self,
        dataset: &str,
        split: Option<&str>,
        dataset_given: bool,
    ) -> gnnrec_run::DataSource {
        let mut s = self.source();
        if !dataset_given {
            s.dataset = dataset.to_string();
        }
        s.split = s.split.or(split.map(str::to_string));
        s
    }
}

/// How to read your own interactions files.
#[derive(Debug, Clone, Default, Args)]
pub struct OwnDataArgs {
    /// Which columns of your file (--dataset FILE, or --train / --test) hold what:
    /// `user=customer_id,item=sku,rating=stars,time=ts` (header names or 0-based positions;
    /// `weight=` for implicit weights). Times are Unix seconds or ISO-8601.
    #[arg(long, value_name = "KEY=COLUMN,…")]
    pub columns: Option<String>,

    /// Field separator of your files: one character, `tab` or `space` [default: detected].
    #[arg(long, value_name = "C")]
    pub delimiter: Option<String>,

    /// A training file; with --test, the split as two files (the way benchmark splits are
    /// shared), in place of --dataset. Its split is named `files`.
    #[arg(long, value_name = "FILE", requires = "test")]
    pub train: Option<PathBuf>,

    /// The test file that goes with --train.
    #[arg(long, value_name = "FILE", requires = "train")]
    pub test: Option<PathBuf>,
}

impl OwnDataArgs {
    /// The options as the data layer (and a run's configuration) takes them, with the files'
    /// paths made absolute so that the run reloads them from anywhere.
    pub fn to_own_data(&self) -> gnnrec_data::registry::OwnData {
        let absolute = |p: &PathBuf| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        gnnrec_data::registry::OwnData {
            columns: self.columns.clone(),
            delimiter: self.delimiter.clone(),
            train: self.train.as_ref().map(absolute),
            test: self.test.as_ref().map(absolute),
        }
    }
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

/// The `--help` list of fetchable datasets, with their sizes and licenses.
fn fetch_help() -> String {
    let mut text = String::from("Datasets:\n");
    for d in CATALOG {
        let pinned = if d.pins.is_empty() {
            "no hash pinned: the computed ones are printed".to_string()
        } else {
            format!("{} files checked by sha256", d.pins.len())
        };
        let url = d.remotes[0].url;
        let source = url.rsplit_once('/').map_or(url, |(dir, _)| dir);
        text.push_str(&format!(
            "  {:<16} {} ({pinned})\n  {:<16} from {source}/\n  {:<16} {}\n",
            d.name, d.size, "", "", d.license
        ));
    }
    text.push_str(
        "\nExamples:\n  gnnrec data fetch ml-100k --yes\n  gnnrec data fetch gowalla --data-dir ~/datasets\n\n\
         Downloads go to DATA_DIR/.staging/NAME (an interrupted fetch resumes from there when run\n\
         again); the finished folder is renamed into DATA_DIR/FOLDER, so a failed fetch leaves no\n\
         dataset folder behind.",
    );
    text
}
