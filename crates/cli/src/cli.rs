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
    gnnrec train --model lightgcn --dataset ml-latest-small\n  \
    gnnrec recommend --run runs/<the run> --user 1\n  \
    gnnrec data info --dataset ml-latest-small\n  \
    gnnrec data info --dataset ml-100k --split u1 --json\n  \
    gnnrec data info --dataset my_interactions.csv --split temporal:last=1")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The worker threads the command was asked for (`--threads`), where it takes the flag.
    pub fn threads(&self) -> Option<usize> {
        match &self.command {
            Command::Train(a) => a.threads,
            Command::Tune(a) => a.threads,
            Command::FoldIn(a) => a.threads,
            Command::Serve(a) => a.threads,
            _ => None,
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect datasets.
    #[command(subcommand)]
    Data(DataCommand),
    /// Train a model, evaluate it on the test split, and save a run directory.
    #[command(after_help = "Examples:\n  \
        gnnrec train --model lightgcn --dataset ml-100k          # the defaults: our published numbers\n  \
        gnnrec train --recipe recipes/lightgcn-gowalla.toml       # a published result (gnnrec recipes)\n  \
        gnnrec train --recipe recipes/lightgcn-gowalla.toml --epochs 60   # a recipe, one key changed\n  \
        gnnrec train --model pop --dataset gowalla --json\n  \
        gnnrec train --model lightgcn --dataset gowalla --dim 64 --batch 16384 --l2 2e-3 --epochs 120 \\\n      \
          --neg-pool 16 --monitor test   # ~1 h on 2 cores\n  \
        gnnrec train --model gcn --dataset ml-100k --features user,item --set dropout=0.5\n  \
        gnnrec train --model mf --dataset lastfm --epochs 200 --monitor validation --patience 5\n  \
        gnnrec train --model irgnn --dataset lastfm-hetrec --split temporal:frac=0.2 --item-graph decay --tau 30\n  \
        gnnrec train --resume runs/lightgcn-gowalla-… --epochs 400")]
    Train(Box<TrainArgs>),
    /// Grid-search any of a model's settings on a validation carve-out of train, then retrain
    /// the best configuration on all of train and report its test metrics.
    #[command(after_help = "Examples:\n  \
        gnnrec tune --model gcn --dataset ml-100k --layers 1,2,3 --hidden 8,16,32,64\n  \
        gnnrec tune --model gcn --dataset ml-latest-small --hidden 16,64 --lr 0.003,0.01 --json\n  \
        gnnrec tune --model lightgcn --dataset lastfm --layers 1,2,3 --dim 32,64 --epochs 50\n  \
        gnnrec tune --model mf --dataset ml-100k --l2 1e-3,1e-2 --epochs 20,50\n\n\
        Every setting flag takes a comma-separated list (features: user+item for both); the grid\n\
        is their product. The test split is never used to choose: each configuration trains on\n\
        train minus the carve-out (--valid-fraction) and is scored on it (RMSE for rating models,\n\
        recall@20 for ranking models). Writes tune.csv, tune.json and tune.svg to --out after\n\
        every configuration (a rerun with the same --out resumes), and the best configuration\n\
        retrained on all of train to --out/best.")]
    Tune(TuneArgs),
    /// List the models with their settings: keys, defaults and valid ranges.
    #[command(
        after_help = "Examples:\n  gnnrec models\n  gnnrec models lightgcn\n  gnnrec models --json"
    )]
    Models(ModelsArgs),
    /// List the recipes (recipes/*.toml) with the metrics we publish for them.
    #[command(
        after_help = "Example:\n  gnnrec recipes\n  gnnrec train --recipe recipes/lightgcn-ml-100k.toml"
    )]
    Recipes(RecipesArgs),
    /// Measure fold-in: hold out a share of the users, train without them, recommend for each
    /// from their training items alone, and compare with the same model trained with them.
    #[command(after_help = fold_in_help())]
    FoldIn(FoldInArgs),
    /// Re-compute the test metrics of a saved run.
    Eval(EvalArgs),
    /// Recommend items for one user of a saved run, or export every test user's top K.
    #[command(after_help = "Examples:\n  \
        gnnrec recommend --run runs/lightgcn-ml-latest-small-… --user 1\n  \
        gnnrec recommend --run DIR --all-users --k 20 --out recs.csv")]
    Recommend(RecommendArgs),
    /// Analyse or export a dataset's graphs: the user–item graph or an item–item graph.
    #[command(subcommand)]
    Graph(GraphCommand),
    /// Draw a run's training curves (loss, monitored recall and NDCG per epoch) as SVG.
    #[command(
        after_help = "Example:\n  gnnrec plot --run runs/lightgcn-ml-100k-… --out curves.svg"
    )]
    Plot(PlotArgs),
    /// Serve recommendations from saved runs over HTTP/JSON: known users, new users from an
    /// item history (fold-in), batches, similar items; reload without downtime.
    #[command(after_help = "Examples:\n  \
        gnnrec serve --run runs/lightgcn-ml-latest-small-…\n  \
        gnnrec serve --run main=runs/lightgcn-gowalla --run filters=runs/bspm-gowalla --addr 127.0.0.1:8080\n  \
        gnnrec serve --run DIR --api-key-file key.txt\n\n\
        Routes (JSON; errors are {\"error\": {\"status\", \"field\", \"message\"}}):\n  \
        GET  /v1/recommend?user=RAW&k=10[&run=NAME][&exclude_seen=false][&items=A,B][&exclude=C]\n  \
        POST /v1/recommend         {\"items\": [RAW, …], \"k\": 10}   fold-in of a new user\n  \
        POST /v1/recommend/batch   {\"users\": [RAW, …], \"k\": 10}\n  \
        GET  /v1/similar?item=RAW&k=10\n  \
        GET  /v1/runs   GET /healthz   GET /readyz   GET /metrics\n  \
        POST /admin/reload         {\"name\": NAME, \"run\": DIR}   (SIGHUP reloads every run)\n\n\
        A run directory is all the server reads (no dataset): runs from before `gnnrec serve` need\n\
        `gnnrec pack --run DIR` once. SIGTERM or Ctrl-C drains the requests in flight, then exits 0.")]
    Serve(ServeArgs),
    /// Add to a run directory what serving needs (its training interactions, item titles), from
    /// the dataset: runs trained before `gnnrec serve` existed.
    #[command(
        after_help = "Example:\n  gnnrec pack --run runs/lightgcn-gowalla && gnnrec serve --run runs/lightgcn-gowalla"
    )]
    Pack(PackArgs),
}

/// Arguments of `gnnrec serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A run directory to serve, as DIR (served under its folder's name) or NAME=DIR; repeat
    /// for several. The first is the default run of requests that name none.
    #[arg(long = "run", value_name = "[NAME=]DIR", required = true)]
    pub runs: Vec<String>,
    /// Address to listen on (port 0: any free port, printed at start). Loopback by default.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// A file holding the API key every request must carry (`Authorization: Bearer KEY` or
    /// `X-API-Key: KEY`); /healthz and /readyz need none.
    #[arg(long, value_name = "FILE")]
    pub api_key_file: Option<PathBuf>,
    /// Requests handled at once; beyond, 503 with Retry-After.
    #[arg(long, default_value_t = 512)]
    pub max_concurrency: usize,
    /// Requests still running after this many milliseconds are answered 503.
    #[arg(long, default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// Largest request body in bytes (413 beyond).
    #[arg(long, default_value_t = 1 << 20)]
    pub max_body: usize,
    /// Queries scored together at most (micro-batching).
    #[arg(long, default_value_t = 256)]
    pub max_batch: usize,
    /// Worker threads of the scoring [default: all cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// No access log on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Arguments of `gnnrec pack`.
#[derive(Debug, Args)]
pub struct PackArgs {
    /// The run directory.
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// Data directory [default: the run's, else $GNNREC_DATA, else ./data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

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

/// Arguments of `gnnrec plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// The run directory.
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// The SVG file to write.
    #[arg(long, value_name = "FILE.svg")]
    pub out: PathBuf,
}

pub use gnnrec_run::{Monitor, ValidSplit};

/// Arguments of `gnnrec train`. The model's own settings are flags derived from its
/// configuration (`--lr`, `--dim`, …; `gnnrec models` lists them) or `--set KEY=VALUE`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The model (`gnnrec models` lists each with its settings).
    #[arg(long, short = 'm', value_parser = model_name)]
    pub model: Option<String>,

    /// Run a recipe file (recipes/*.toml: model, dataset, split, seed and settings); flags
    /// given beside it override its keys.
    #[arg(long, value_name = "FILE.toml", conflicts_with = "resume")]
    pub recipe: Option<PathBuf>,

    /// Continue an interrupted (or finished) run from its last checkpoint, in place: the
    /// model, data, split, seed and monitor are the run's; --epochs may raise the limit.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["model", "out", "dataset", "split", "seed", "monitor", "valid_fraction", "valid_split"])]
    pub resume: Option<PathBuf>,

    #[command(flatten)]
    pub data: DatasetArgs,

    /// Seed of every random choice; runs with the same seed and --threads are identical
    /// [default: 42].
    #[arg(long)]
    pub seed: Option<u64>,

    /// Cut-offs K of the ranking metrics, comma-separated [default: 10,20; a resumed run's
    /// own].
    #[arg(long, value_delimiter = ',', value_parser = cutoff)]
    pub k: Option<Vec<usize>>,

    /// Run directory to write [default: runs/<model>-<dataset>-<time>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Evaluate on a seeded sample of N test users instead of all of them. Full ranking costs
    /// users × items: minutes at gowalla's size, hours past a million users. The output
    /// names the sample ("evaluated_on": "test, a seeded sample of N of M users").
    #[arg(long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub eval_users: Option<usize>,

    /// Worker threads [default: all cores].
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub threads: Option<usize>,

    /// Device of LightGCN and MF-BPR training: cpu, cuda or cuda:N (cuda needs a build with
    /// `--features cuda`; sampling, Adam and evaluation stay on the CPU).
    #[arg(long, default_value = "cpu", value_parser = parse_device)]
    pub device: gnnrec_models::DeviceSpec,

    /// Print the metrics as JSON on stdout.
    #[arg(long)]
    pub json: bool,

    /// No progress bars or per-epoch lines.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// What iterative models watch to keep their best epoch and stop early [default: none:
    /// train the configured epochs; a recipe's own].
    #[arg(long, value_enum)]
    pub monitor: Option<Monitor>,

    /// Share of train carved out for --monitor validation, in (0, 1) [default: 0.1].
    #[arg(long, value_parser = fraction)]
    pub valid_fraction: Option<f64>,

    /// How --monitor validation carves its set out of train [default: random; a recipe's own].
    #[arg(long, value_enum)]
    pub valid_split: Option<ValidSplit>,

    /// Set a model setting by its key (repeatable), e.g. --set neg_pool=16. Every key also
    /// has its own flag (--neg-pool 16).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = key_value)]
    pub set: Vec<(String, String)>,

    /// The model settings given as their own flags (filled from the derived flags, see
    /// [`crate::model_flags`]).
    #[arg(skip)]
    pub flags: std::collections::BTreeMap<String, String>,

    /// Whether --dataset was given (it overrides a recipe's dataset only then).
    #[arg(skip)]
    pub dataset_given: bool,
}

impl TrainArgs {
    /// The model settings given, as (key, value text): the derived flags, then every `--set`.
    pub fn settings(&self) -> impl Iterator<Item = (&String, &String)> {
        self.flags
            .iter()
            .chain(self.set.iter().map(|(k, v)| (k, v)))
    }
}

/// `gnnrec fold-in --help`'s closing text: which models fold in, and how, from the models'
/// own declarations.
fn fold_in_help() -> String {
    format!(
        "Examples:\n  \
         gnnrec fold-in --recipe recipes/bspm-gowalla.toml\n  \
         gnnrec fold-in --model ease --dataset ml-100k --set lambda=300 --json\n\n\
         Models that fold in are measured ({}); the held-out users are a seeded share of the \
         users with test items; both models are scored\n\
         on exactly those users' test items, their training items excluded from the ranking.",
        gnnrec_models::registry::fold_in_summary()
    )
}

/// The name of a registered model.
fn model_name(s: &str) -> Result<String, String> {
    gnnrec_models::registry::find(s)
        .map(|m| m.name().to_string())
        .map_err(|e| e.to_string())
}

/// A ranking cut-off K ≥ 1.
pub fn cutoff(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(k) if k >= 1 => Ok(k),
        _ => Err(format!("`{s}` is not a cut-off K ≥ 1")),
    }
}

/// A fraction in (0, 1).
fn fraction(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(f) if f > 0.0 && f < 1.0 => Ok(f),
        _ => Err(format!("`{s}` is not a fraction in (0, 1)")),
    }
}

/// `KEY=VALUE`.
fn key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

fn parse_device(s: &str) -> Result<gnnrec_models::DeviceSpec, String> {
    gnnrec_models::DeviceSpec::parse(s).map_err(|e| e.to_string())
}

/// Arguments of `gnnrec tune`. Every model setting is a flag taking one value or a
/// comma-separated list; the grid is the product of the lists.
#[derive(Debug, Args)]
pub struct TuneArgs {
    /// The model to tune.
    #[arg(long, short = 'm', value_parser = model_name)]
    pub model: String,

    #[command(flatten)]
    pub data: DatasetArgs,

    /// Share of train carved out to score the configurations, in (0, 1).
    #[arg(long, default_value_t = 0.1, value_parser = fraction)]
    pub valid_fraction: f64,
    /// How the carve-out is drawn: random (a share of all training interactions) or per-user
    /// (a share of each user's).
    #[arg(long, value_enum, default_value_t = ValidSplit::Random)]
    pub valid_split: ValidSplit,
    /// Seed of the carve-out and of every training run.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output folder [default: runs/tune-<model>-<dataset>]. An interrupted tune given the
    /// same folder resumes: configurations already scored there are not trained again.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Worker threads [default: all cores].
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub threads: Option<usize>,
    /// Print the table and the best run's test metrics as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// No per-configuration lines.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// The searched settings: key → comma-separated values (from the derived flags).
    #[arg(skip)]
    pub flags: std::collections::BTreeMap<String, String>,
}

/// Arguments of `gnnrec fold-in`.
#[derive(Debug, Args)]
pub struct FoldInArgs {
    /// The model (its defaults, changed by --set).
    #[arg(long, short = 'm', value_parser = model_name, required_unless_present = "recipe")]
    pub model: Option<String>,
    /// A recipe: model, dataset, split, seed and settings (--set changes a key).
    #[arg(long, value_name = "FILE.toml", conflicts_with = "model")]
    pub recipe: Option<PathBuf>,
    #[command(flatten)]
    pub data: DatasetArgs,
    /// A setting of the model's configuration, KEY=VALUE (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = key_value)]
    pub set: Vec<(String, String)>,
    /// Share of the users with test items held out of training, in (0, 1).
    #[arg(long, default_value_t = 0.1, value_parser = fraction)]
    pub holdout: f64,
    /// Seed of the held-out users and of training [default: the recipe's, else 42].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores].
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub threads: Option<usize>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Whether --dataset was given (it overrides a recipe's dataset only then).
    #[arg(skip)]
    pub dataset_given: bool,
}

/// Arguments of `gnnrec models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Only this model.
    #[arg(value_parser = model_name)]
    pub model: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `gnnrec recipes`.
#[derive(Debug, Args)]
pub struct RecipesArgs {
    /// The folder of recipe files.
    #[arg(long, value_name = "DIR", default_value = "recipes")]
    pub dir: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `gnnrec eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The run directory.
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// Cut-offs K, comma-separated [default: the run's].
    #[arg(long, value_delimiter = ',', value_parser = cutoff)]
    pub k: Option<Vec<usize>>,
    /// Data directory [default: the run's, else $GNNREC_DATA, else ./data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// What to recommend for a user the run does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Fallback {
    /// Fail with an error.
    None,
    /// Recommend the most popular training items.
    Popular,
}

/// Arguments of `gnnrec recommend`.
#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// The run directory.
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// The user's raw id, as in the dataset.
    #[arg(
        long,
        required_unless_present = "all_users",
        conflicts_with = "all_users"
    )]
    pub user: Option<String>,
    /// Every test user's top K, written as CSV `user,item,rank,score` (raw ids, rank from 1).
    #[arg(long, requires = "out")]
    pub all_users: bool,
    /// Output CSV for --all-users.
    #[arg(long, value_name = "FILE.csv")]
    pub out: Option<PathBuf>,
    /// How many items (≥ 1).
    #[arg(long, default_value_t = 10, value_parser = cutoff)]
    pub k: usize,
    /// For an unknown user.
    #[arg(long, value_enum, default_value_t = Fallback::None)]
    pub fallback: Fallback,
    /// Data directory [default: the run's, else $GNNREC_DATA, else ./data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
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
    #[command(after_help = crate::commands::fetch::help())]
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
