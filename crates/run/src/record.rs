//! What a run directory records about its run: `config.json` ([`RunConfig`]: how it was
//! made) and `metrics.json` ([`RunMetrics`]: its test metrics).

use std::collections::BTreeMap;
use std::path::PathBuf;

use gnnrec_data::registry::OwnData;
use gnnrec_eval::{RankingMetrics, RatingMetrics};
use gnnrec_models::ModelSpec;
use serde::{Deserialize, Serialize};

/// `config.json`: how the run was made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunConfig {
    /// gnnrec version that made the run.
    pub gnnrec_version: String,
    /// When (UTC, RFC 3339).
    pub created: String,
    /// The command line.
    pub command: Vec<String>,
    /// Dataset name or path.
    pub dataset: String,
    /// `--data-dir`, if given.
    pub data_dir: Option<PathBuf>,
    /// The split.
    pub split: String,
    /// Seed.
    pub seed: u64,
    /// Cut-offs of the ranking metrics.
    pub ks: Vec<usize>,
    /// What was watched during training: `validation:FRACTION`, `test` or `none`.
    pub monitor: String,
    /// Worker threads.
    pub threads: usize,
    /// Users in the dataset.
    pub n_users: usize,
    /// Items in the dataset.
    pub n_items: usize,
    /// Interactions the model was fitted on.
    pub n_train: usize,
    /// The model and its hyperparameters.
    pub model: ModelSpec,
    /// The recipe file the run came from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipe: Option<PathBuf>,
    /// How the user's own files were read (`--columns`, `--delimiter`, `--train` / `--test`).
    #[serde(default, skip_serializing_if = "OwnData::is_empty")]
    pub dataset_options: OwnData,
}

/// The fields of `config.json` that serving reads: enough to load the model and its id maps
/// without the dataset (the test-made runs of the server hold only these).
#[derive(Debug, Clone, Deserialize)]
pub struct ConfigHead {
    /// Dataset name or path.
    pub dataset: String,
    /// Users in the dataset.
    pub n_users: usize,
    /// Items in the dataset.
    pub n_items: usize,
    /// The model and its hyperparameters.
    pub model: ModelSpec,
}

/// `metrics.json`: the test metrics of the run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunMetrics {
    /// Dataset.
    pub dataset: String,
    /// Model name.
    pub model: String,
    /// Split.
    pub split: String,
    /// Which interactions the metrics are computed on (`test`).
    pub evaluated_on: String,
    /// What was watched during training for early stopping.
    pub monitor: String,
    /// Flat metrics: `recall@20`, `ndcg@20`, `precision@20`, `hit@20`, `rmse`, `mae`, `mse`,
    /// `mse_scaled`, …
    pub metrics: BTreeMap<String, f64>,
    /// Full ranking metrics.
    pub ranking: Option<RankingMetrics>,
    /// Rating errors, for rating models.
    pub rating: Option<RatingMetrics>,
    /// Test pairs whose user or item was never seen in training (predicted from biases / the
    /// global mean).
    pub cold_pairs: Option<usize>,
    /// Wall seconds of loading the dataset and its split (absent in older runs).
    #[serde(default)]
    pub load_seconds: f64,
    /// Wall seconds of training.
    pub train_seconds: f64,
    /// Wall seconds of the final evaluation.
    pub eval_seconds: f64,
    /// Epochs run, for iterative models.
    pub epochs: Option<usize>,
    /// How many times this run's model (or its training, with `--monitor test`) was scored on
    /// the test split: the evaluations during training when they watched test, the final
    /// one, and every `gnnrec eval` since. A headline number is honest when this is 1.
    #[serde(default)]
    pub test_evaluations: usize,
}
