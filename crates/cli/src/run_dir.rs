//! Run directories: everything one `gnnrec train` produced, enough to evaluate, recommend
//! and export later.
//!
//! ```text
//! runs/lightgcn-ml-100k-20261128-041500/
//!   config.json        model, hyperparameters, dataset, split, seed, command line
//!   users.json         raw user ids in index order
//!   items.json         raw item ids in index order
//!   model.safetensors  the weights
//!   metrics.json       test metrics, train / eval seconds
//!   seen.safetensors   the training interactions (excluded as seen when serving)
//!   titles.json        item titles, where the dataset has them (for serving)
//!   log.jsonl          one line per epoch (loss, seconds, monitored metrics)
//! ```
//! Every file is written to a temporary name and renamed into place.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use gnnrec_data::fsutil::write_atomic;
use gnnrec_data::{Dataset, IdMap, Interactions, RawIds};
use gnnrec_eval::{RankingMetrics, RatingMetrics};
use gnnrec_models::{EpochRecord, ModelSpec, TrainedModel, Weights};
use serde::de::DeserializeOwned;
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
    #[serde(
        default,
        skip_serializing_if = "gnnrec_data::registry::OwnData::is_empty"
    )]
    pub dataset_options: gnnrec_data::registry::OwnData,
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

/// A run directory on disk.
#[derive(Debug, Clone)]
pub struct RunDir {
    path: PathBuf,
}

impl RunDir {
    /// Creates `path` for a new run; refuses a directory that already holds one.
    pub fn create(path: &Path) -> Result<RunDir> {
        if path.join("config.json").exists() {
            bail!(
                "{} already holds a run; choose another --out or remove it",
                path.display()
            );
        }
        std::fs::create_dir_all(path).with_context(|| format!("creating {}", path.display()))?;
        Ok(RunDir {
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing run.
    pub fn open(path: &Path) -> Result<RunDir> {
        if !path.join("config.json").is_file() {
            bail!(
                "{} is not a run directory (no config.json); `gnnrec train` makes one",
                path.display()
            );
        }
        Ok(RunDir {
            path: path.to_path_buf(),
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `value` as pretty JSON to `name`, atomically.
    pub fn write_json<T: Serialize + ?Sized>(&self, name: &str, value: &T) -> Result<()> {
        let p = self.path.join(name);
        write_atomic(&p, |w| {
            serde_json::to_writer_pretty(&mut *w, value)?;
            w.write_all(b"\n")
        })
        .with_context(|| format!("writing {}", p.display()))
    }

    /// Reads JSON file `name`.
    pub fn read_json<T: DeserializeOwned>(&self, name: &str) -> Result<T> {
        let p = self.path.join(name);
        let text =
            std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", p.display()))
    }

    /// Writes the per-epoch log, one JSON object per line.
    pub fn write_log(&self, log: &[EpochRecord]) -> Result<()> {
        let p = self.path.join("log.jsonl");
        write_atomic(&p, |w| {
            for r in log {
                serde_json::to_writer(&mut *w, r)?;
                w.write_all(b"\n")?;
            }
            Ok(())
        })
        .with_context(|| format!("writing {}", p.display()))
    }

    /// Reads the per-epoch log (empty if the run has none).
    #[allow(dead_code)] // read by `gnnrec plot` (issue 7)
    pub fn read_log(&self) -> Result<Vec<EpochRecord>> {
        let p = self.path.join("log.jsonl");
        if !p.exists() {
            return Ok(Vec::new());
        }
        let text = std::fs::read_to_string(&p)?;
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(n, l)| {
                serde_json::from_str(l)
                    .with_context(|| format!("{}, line {}: bad log record", p.display(), n + 1))
            })
            .collect()
    }

    /// Saves the config, the id maps, the model's weights and what serving needs (the
    /// training interactions `train`, excluded as seen, and the item titles): `gnnrec serve`
    /// reads the run and nothing else.
    pub fn save_model(
        &self,
        config: &RunConfig,
        data: &Dataset,
        train: &Interactions,
        model: &dyn TrainedModel,
    ) -> Result<()> {
        self.save_config(config, data)?;
        model.weights().save(&self.path.join("model.safetensors"))?;
        gnnrec_serve::write_serving_files(&self.path, train, data.item_titles.as_deref())
            .with_context(|| format!("writing the serving files of {}", self.path.display()))
    }

    /// Writes `config.json` and the id maps (before training, so the run exists from the
    /// start; again with the model).
    pub fn save_config(&self, config: &RunConfig, data: &Dataset) -> Result<()> {
        self.write_json("config.json", config)?;
        self.write_json("users.json", data.users.raw_ids())?;
        self.write_json("items.json", data.items.raw_ids())
    }

    /// The run's config.
    pub fn config(&self) -> Result<RunConfig> {
        self.read_json("config.json")
    }

    /// Checks that `data` has the users and items the run was trained on.
    pub fn check_ids(&self, config: &RunConfig, data: &Dataset) -> Result<()> {
        let users: IdMap = self.read_json::<RawIds>("users.json")?.into();
        let items: IdMap = self.read_json::<RawIds>("items.json")?.into();
        if users != data.users || items != data.items {
            bail!(
                "dataset `{}` as loaded now does not have the users and items this run was \
                 trained on ({} users, {} items then; {} and {} now)",
                config.dataset,
                users.len(),
                items.len(),
                data.n_users(),
                data.n_items()
            );
        }
        Ok(())
    }

    /// Loads the model, checking that `data` has the same users and items as the run.
    pub fn load_model(&self, config: &RunConfig, data: &Dataset) -> Result<Box<dyn TrainedModel>> {
        self.check_ids(config, data)?;
        let w = Weights::load(&self.path.join("model.safetensors"))?;
        gnnrec_models::registry::load(&config.model, &w, data.n_users(), data.n_items())
            .with_context(|| {
                format!(
                    "{}: the run's model cannot be loaded; retrain it with `gnnrec train` (its \
                     command is in config.json)",
                    self.path.display()
                )
            })
    }
}
