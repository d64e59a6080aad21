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

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect datasets.
    #[command(subcommand)]
    Data(DataCommand),
    /// Train a model, evaluate it on the test split, and save a run directory.
    #[command(after_help = "Examples:\n  \
        gnnrec train --model lightgcn --dataset ml-latest-small\n  \
        gnnrec train --model pop --dataset gowalla --json\n  \
        gnnrec train --model lightgcn --dataset gowalla --batch 16384 --lr 0.01 --l2 2e-3 --epochs 120 \\\n      \
          --schedule cosine --neg-pool 16 --monitor test --patience 0   # ~1 h on 2 cores\n  \
        gnnrec train --model bias --dataset ml-100k --split u1\n  \
        gnnrec train --model gcn --dataset ml-100k --features user,item\n  \
        gnnrec train --model mf --dataset lastfm --epochs 200 --monitor test\n  \
        gnnrec train --model irgnn --dataset lastfm-hetrec --split temporal:frac=0.2 --item-graph decay --tau 30\n  \
        gnnrec train --resume runs/lightgcn-gowalla-… --epochs 400")]
    Train(Box<TrainArgs>),
    /// Grid-search layers × hidden width (× learning rate) on a validation carve-out of train,
    /// then retrain the best configuration and report its test metrics.
    #[command(after_help = "Examples:\n  \
        gnnrec tune --model gcn --dataset ml-100k --layers 1,2,3 --hidden 8,16,32,64\n  \
        gnnrec tune --model gcn --dataset ml-latest-small --hidden 16,64 --lr 0.003,0.01 --json\n  \
        gnnrec tune --model lightgcn --dataset lastfm --layers 1,2,3 --hidden 32,64 --epochs 50\n\n\
        The test split is never used to choose: each configuration trains on train minus the\n\
        carve-out (--valid-fraction) and is scored on it (RMSE for rating models, recall@20 for\n\
        ranking models). Writes tune.csv, tune.json and tune.svg to --out, and the retrained\n\
        best run to --out/best.")]
    Tune(TuneArgs),
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

/// Weights of item–item edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WeightArg {
    /// Users in common.
    Count,
    /// Users in common / √(degree product).
    Cosine,
    /// Users in common / users of either.
    Jaccard,
    /// Users in common / (1 + mean |Δt| in days).
    Time,
    /// Σ over common users of exp(−|Δt| / τ).
    Decay,
}

/// Which graph to build, from the training side of a split.
#[derive(Debug, Clone, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub data: DatasetArgs,
    /// The graph.
    #[arg(long, value_enum, default_value_t = GraphKind::UserItem)]
    pub graph: GraphKind,
    /// Item–item edge weight.
    #[arg(long, value_enum, default_value_t = WeightArg::Cosine)]
    pub weight: WeightArg,
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

/// What a training run watches to pick its best epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Monitor {
    /// A random carve-out of train (--valid-fraction); the model trains on the rest.
    Validation,
    /// The test split itself (the protocol of the LightGCN paper and code).
    Test,
    /// Nothing: train for --epochs and keep the last weights.
    None,
}

/// The learning-rate schedules of `--schedule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScheduleArg {
    /// The same rate throughout (the paper's recipe).
    Constant,
    /// Cosine annealing from --lr towards 0 over --epochs.
    Cosine,
}

/// Arguments of `gnnrec train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The model: pop (most popular), bias (mean + user + item biases, for ratings),
    /// itemknn (cosine item neighbours, no training), mf (MF-BPR), lightgcn, irgnn (GNN over
    /// the item–item graph; users are the mean of their items), gcn (rating prediction over
    /// the rating-typed user–item graph, GC-MC style).
    #[arg(long, short = 'm', required_unless_present = "resume", value_parser = clap::builder::PossibleValuesParser::new(gnnrec_models::registry::MODEL_NAMES))]
    pub model: Option<String>,

    /// Continue an interrupted (or finished) run from its last checkpoint, in place: the
    /// model, data, split, seed and monitor are the run's; --epochs may raise the limit.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["model", "out", "dataset", "split", "seed"])]
    pub resume: Option<PathBuf>,

    #[command(flatten)]
    pub data: DatasetArgs,

    /// Seed of every random choice; runs with the same seed and --threads are identical.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Cut-offs K of the ranking metrics, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10,20")]
    pub k: Vec<usize>,

    /// Run directory to write [default: runs/<model>-<dataset>-<time>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Worker threads [default: all cores].
    #[arg(long)]
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

    /// What to evaluate during training for early stopping (iterative models).
    #[arg(long, value_enum, default_value_t = Monitor::Validation)]
    pub monitor: Monitor,

    /// Share of train carved out for --monitor validation.
    #[arg(long, default_value_t = 0.1)]
    pub valid_fraction: f64,

    /// LightGCN: propagation layers [default: 3; mf: 0].
    #[arg(long, help_heading = "LightGCN / MF-BPR")]
    pub layers: Option<usize>,
    /// Embedding dimension [default: 64].
    #[arg(long, help_heading = "LightGCN / MF-BPR")]
    pub dim: Option<usize>,
    /// Adam learning rate [default: 0.001].
    #[arg(long, help_heading = "LightGCN / MF-BPR")]
    pub lr: Option<f32>,
    /// L2 weight on the batch's ego embeddings [default: 1e-4].
    #[arg(long, help_heading = "LightGCN / MF-BPR")]
    pub l2: Option<f32>,
    /// BPR triples per step [default: 2048].
    #[arg(long, help_heading = "LightGCN / MF-BPR")]
    pub batch: Option<usize>,
    /// Maximum epochs [default: 1000].
    #[arg(long, help_heading = "LightGCN / MF-BPR")]
    pub epochs: Option<usize>,
    /// Learning-rate schedule: constant, or cosine annealing towards 0 over --epochs.
    #[arg(long, value_enum, help_heading = "LightGCN / MF-BPR")]
    pub schedule: Option<ScheduleArg>,
    /// Negative candidates drawn per BPR triple; the model trains on the one it scores
    /// highest (dynamic negative sampling). 1 = uniform negatives, the paper's [default: 1].
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024), help_heading = "LightGCN / MF-BPR")]
    pub neg_pool: Option<usize>,
    /// Evaluate the monitored set every N epochs [default: 10].
    #[arg(long, help_heading = "LightGCN / MF-BPR")]
    pub eval_every: Option<usize>,
    /// Stop after N evaluations without improvement [default: 5].
    #[arg(long, help_heading = "LightGCN / MF-BPR")]
    pub patience: Option<usize>,

    /// Bias model: shrinkage of user biases [default: 10].
    #[arg(long, help_heading = "Bias model")]
    pub reg_user: Option<f32>,
    /// Bias model: shrinkage of item biases [default: 25].
    #[arg(long, help_heading = "Bias model")]
    pub reg_item: Option<f32>,

    /// Item-KNN: neighbours kept per item [default: 50].
    #[arg(long, help_heading = "Item-KNN")]
    pub neighbours: Option<usize>,

    /// IRGNN and item-KNN: edge weight of the item–item graph [default: cosine].
    #[arg(long, value_enum, help_heading = "IRGNN")]
    pub item_graph: Option<WeightArg>,
    /// IRGNN and item-KNN: decay scale τ in days, for --item-graph decay [default: 30].
    #[arg(long, help_heading = "IRGNN")]
    pub tau: Option<f64>,
    /// IRGNN: neighbours kept per item in the item graph, 0 for all [default: 50].
    #[arg(long, help_heading = "IRGNN")]
    pub topk: Option<usize>,

    /// GCN: width of the embeddings, hidden layers and output [default: 64]. The GCN's other
    /// defaults: 1 layer, lr 0.01, --l2 0.2 (AdamW weight decay), batch 16384, 100 epochs,
    /// cosine schedule, early stopping on validation RMSE with patience 10.
    #[arg(long, help_heading = "GCN (ratings)")]
    pub hidden: Option<usize>,
    /// GCN: node dropout on every layer's input [default: 0.7].
    #[arg(long, help_heading = "GCN (ratings)")]
    pub dropout: Option<f32>,
    /// GCN: side features fed to the node representations: none, user, item or user,item
    /// (ml-100k users: age, gender, occupation; MovieLens items: genres, year); IRGNN: `item`
    /// adds projected item features to the item inputs [default: none].
    #[arg(long, value_parser = parse_features, help_heading = "GCN (ratings)")]
    pub features: Option<gnnrec_models::Features>,
}

fn parse_device(s: &str) -> Result<gnnrec_models::DeviceSpec, String> {
    gnnrec_models::DeviceSpec::parse(s).map_err(|e| e.to_string())
}

fn parse_features(s: &str) -> Result<gnnrec_models::Features, String> {
    gnnrec_models::Features::parse(s).map_err(|e| e.to_string())
}

/// Arguments of `gnnrec tune`.
#[derive(Debug, Args)]
pub struct TuneArgs {
    /// The model to tune (an iterative one: gcn, lightgcn, mf, irgnn).
    #[arg(long, short = 'm', default_value = "gcn", value_parser = clap::builder::PossibleValuesParser::new(gnnrec_models::registry::MODEL_NAMES))]
    pub model: String,

    #[command(flatten)]
    pub data: DatasetArgs,

    /// Propagation layers to try, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    pub layers: Vec<usize>,
    /// Hidden widths (embedding dimension for ranking models) to try, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "8,16,32,64")]
    pub hidden: Vec<usize>,
    /// Learning rates to try, comma-separated [default: the model's].
    #[arg(long, value_delimiter = ',')]
    pub lr: Vec<f32>,
    /// L2 / weight decay for every configuration [default: the model's].
    #[arg(long)]
    pub l2: Option<f32>,
    /// Maximum epochs per configuration [default: the model's].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// GCN: node dropout for every configuration [default: 0.7].
    #[arg(long)]
    pub dropout: Option<f32>,
    /// GCN: side features for every configuration: none, user, item or user,item.
    #[arg(long, value_parser = parse_features)]
    pub features: Option<gnnrec_models::Features>,

    /// Share of train carved out to score the configurations.
    #[arg(long, default_value_t = 0.1)]
    pub valid_fraction: f64,
    /// Seed of the carve-out and of every training run.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output folder [default: runs/tune-<model>-<dataset>-<time>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Worker threads [default: all cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print the table and the best run's test metrics as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// No per-configuration lines.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Arguments of `gnnrec eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The run directory.
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// Cut-offs K, comma-separated [default: the run's].
    #[arg(long, value_delimiter = ',')]
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
    /// How many items.
    #[arg(long, default_value_t = 10)]
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
