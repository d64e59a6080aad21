//! The command-line grammar (clap derive).

use clap::{Parser, Subcommand};

mod data;
mod runs;
mod training;

pub use data::*;
pub use runs::*;
pub use training::*;

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
        Routes (JSON; POST bodies with Content-Type: application/json; errors are\n\
        {\"error\": {\"status\", \"field\", \"message\"}}):\n  \
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

pub use gnnrec_run::{Monitor, ValidSplit};

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
