//! The run directory: everything one training produced, enough to evaluate, recommend,
//! export and serve later. Its layout is written and read here and nowhere else.
//!
//! ```text
//! runs/lightgcn-ml-100k-20261128-041500/
//!   config.json        model, hyperparameters, dataset, split, seed, command line (RunConfig)
//!   users.json         raw user ids in index order
//!   items.json         raw item ids in index order
//!   model.safetensors  the weights
//!   metrics.json       test metrics, train / eval seconds (RunMetrics)
//!   seen.safetensors   the training interactions (excluded as seen when serving)
//!   titles.json        item titles, where the dataset has them (for serving)
//!   log.jsonl          one line per epoch (loss, seconds, monitored metrics)
//!   checkpoint.json    iterative models: the manifest of the last checkpoint, with
//!   checkpoint-<epoch>.safetensors   its arrays (parameters, Adam moments, best weights);
//!                      written and read by [`crate::checkpoint_files`]
//! ```
//! Every file is written to a temporary name and renamed into place
//! ([`gnnrec_data::fsutil::write_atomic`], the workspace's one atomic write).
//!
//! A run trained on data that may not be redistributed (ml-100k, HetRec Last.fm, gowalla,
//! yelp2018, …) carries its training interactions in `seen.safetensors`: do not publish it.

use std::path::{Path, PathBuf};

use gnnrec_data::fsutil::write_atomic;
use gnnrec_data::{Dataset, IdMap, Interactions, RawIds};
use gnnrec_models::{Checkpoint, EpochRecord, TrainedModel, Weights};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Context, Result, RunError, bail};
use crate::record::{RunConfig, RunMetrics};

/// `config.json`: how the run was made.
pub const CONFIG_FILE: &str = "config.json";
/// `users.json`: raw user ids in index order.
pub const USERS_FILE: &str = "users.json";
/// `items.json`: raw item ids in index order.
pub const ITEMS_FILE: &str = "items.json";
/// `model.safetensors`: the trained model's weights.
pub const MODEL_FILE: &str = "model.safetensors";
/// `metrics.json`: the test metrics.
pub const METRICS_FILE: &str = "metrics.json";
/// `log.jsonl`: one line per epoch.
pub const LOG_FILE: &str = "log.jsonl";
/// `seen.safetensors`: the training interactions, excluded as seen when serving.
pub const SEEN_FILE: &str = "seen.safetensors";
/// `titles.json`: item titles in index order, where the dataset has them.
pub const TITLES_FILE: &str = "titles.json";

/// A run directory on disk.
#[derive(Debug, Clone)]
pub struct RunDir {
    path: PathBuf,
}

impl RunDir {
    /// Creates `path` for a new run; refuses a directory that already holds one.
    pub fn create(path: &Path) -> Result<RunDir> {
        if path.join(CONFIG_FILE).exists() {
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
        if !path.join(CONFIG_FILE).is_file() {
            return Err(RunError::Incomplete(format!(
                "{} is not a run directory (no config.json); `gnnrec train` makes one",
                path.display()
            )));
        }
        Ok(RunDir {
            path: path.to_path_buf(),
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of the run's file `name`.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Writes `value` as pretty JSON to `name`, atomically.
    pub fn write_json<T: Serialize + ?Sized>(&self, name: &str, value: &T) -> Result<()> {
        write_json(&self.file(name), value)
    }

    /// Reads JSON file `name`.
    pub fn read_json<T: DeserializeOwned>(&self, name: &str) -> Result<T> {
        let p = self.file(name);
        let text =
            std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", p.display()))
    }

    /// Writes the per-epoch log, one JSON object per line.
    pub fn write_log(&self, log: &[EpochRecord]) -> Result<()> {
        let p = self.file(LOG_FILE);
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
    pub fn read_log(&self) -> Result<Vec<EpochRecord>> {
        read_log(&self.file(LOG_FILE))
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
        self.save_weights(model)?;
        self.save_serving_files(train, data.item_titles.as_deref())
            .with_context(|| format!("writing the serving files of {}", self.path.display()))
    }

    /// Writes the serving files (`seen.safetensors`, and `titles.json` when there are
    /// titles), each atomically.
    pub fn save_serving_files(
        &self,
        train: &Interactions,
        titles: Option<&[String]>,
    ) -> Result<()> {
        let mut w = Weights::new();
        w.insert_history(train);
        w.save(&self.file(SEEN_FILE))
            .map_err(|source| RunError::Model {
                path: self.path.display().to_string(),
                source,
            })?;
        if let Some(t) = titles {
            let p = self.file(TITLES_FILE);
            write_atomic(&p, |w| {
                serde_json::to_writer(&mut *w, t)?;
                Ok(())
            })
            .map_err(|source| RunError::Io {
                path: p.display().to_string(),
                source,
            })?;
        }
        Ok(())
    }

    /// Writes `config.json` and the id maps (before training, so the run exists from the
    /// start; again with the model).
    pub fn save_config(&self, config: &RunConfig, data: &Dataset) -> Result<()> {
        self.write_json(CONFIG_FILE, config)?;
        self.save_ids(data.users.raw_ids(), data.items.raw_ids())
    }

    /// Writes the id maps: raw user and item ids in index order.
    pub fn save_ids(&self, users: &RawIds, items: &RawIds) -> Result<()> {
        self.write_json(USERS_FILE, users)?;
        self.write_json(ITEMS_FILE, items)
    }

    /// Writes the model's weights.
    pub fn save_weights(&self, model: &dyn TrainedModel) -> Result<()> {
        Ok(model.weights().save(&self.file(MODEL_FILE))?)
    }

    /// The run's config.
    pub fn config(&self) -> Result<RunConfig> {
        self.read_json(CONFIG_FILE)
    }

    /// The run's test metrics (`metrics.json`), if it has them.
    pub fn metrics(&self) -> Option<RunMetrics> {
        self.read_json(METRICS_FILE).ok()
    }

    /// The run's id maps (users, items).
    pub fn id_maps(&self) -> Result<(IdMap, IdMap)> {
        let users: IdMap = self.read_json::<RawIds>(USERS_FILE)?.into();
        let items: IdMap = self.read_json::<RawIds>(ITEMS_FILE)?.into();
        Ok((users, items))
    }

    /// Checks that `data` has the users and items the run was trained on.
    pub fn check_ids(&self, config: &RunConfig, data: &Dataset) -> Result<()> {
        let (users, items) = self.id_maps()?;
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
        let w = Weights::load(&self.file(MODEL_FILE))?;
        gnnrec_models::registry::load(&config.model, &w, data.n_users(), data.n_items())
            .with_context(|| {
                format!(
                    "{}: the run's model cannot be loaded; retrain it with `gnnrec train` (its \
                     command is in config.json)",
                    self.path.display()
                )
            })
    }

    /// The run's last complete checkpoint (`checkpoint.json` and its arrays), if any.
    pub fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        crate::checkpoint_files::load(&self.path)
    }

    /// Keeps `checkpoint` (the log first: a kill between the two leaves a log ahead of the
    /// last checkpoint, which a resume trims, never one behind it).
    pub fn save_checkpoint(&self, checkpoint: &Checkpoint, log: &[EpochRecord]) -> Result<()> {
        self.write_log(log).context("writing the training log")?;
        crate::checkpoint_files::save(&self.path, checkpoint).context("writing the checkpoint")
    }
}

/// Writes `value` as pretty JSON (and a final newline) to `path`, atomically.
pub fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value)?;
        w.write_all(b"\n")
    })
    .with_context(|| format!("writing {}", path.display()))
}

/// Reads a `log.jsonl` (empty if there is none), naming the line of a bad record.
pub fn read_log(p: &Path) -> Result<Vec<EpochRecord>> {
    if !p.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l)
                .with_context(|| format!("{}, line {}: bad log record", p.display(), n + 1))
        })
        .collect()
}
