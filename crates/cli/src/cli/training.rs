//! The arguments of the commands that train: `train`, `tune`, `fold-in`, `models`, `recipes`.

use std::path::PathBuf;

use clap::Args;

use super::*;

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

    /// Train across the processes of `mpirun -n N gnnrec train --distributed …` (Open MPI;
    /// a build with `--features mpi`): each rank reads its share of the users (adjacency-list
    /// datasets, ml-100k's official splits and your own CSV / TSV files by byte ranges of
    /// their files), the models'
    /// sums over users are all-reduced (LightGCN and MF-BPR: item rows exchanged with their
    /// owners), each rank ranks its own test users, rank 0 writes the run directory.
    /// Models: ease, gfcf, bspm, chebycf, mf, lightgcn. LightGCN and MF-BPR keep a checkpoint after
    /// every epoch (each rank its shard); `--distributed --resume DIR` with as many ranks
    /// continues an interrupted run. They may watch `--monitor test` or `--monitor validation`
    /// (each rank carves its users' rows, at random or `--valid-split per-user`: the single
    /// process's carve-out for the seed), keeping the best epoch; `--eval-users N` ranks the
    /// single process's seeded sample of test users, each rank its own among them.
    #[arg(long)]
    pub distributed: bool,

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
