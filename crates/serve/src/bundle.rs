//! What a run directory holds for serving, and how it is read.
//!
//! `gnnrec train` writes, beside the model, everything a server needs so that it never
//! reloads the dataset:
//!
//! ```text
//! config.json        the model's name and settings, the dataset's name and sizes
//! users.json         raw user ids in index order
//! items.json         raw item ids in index order
//! model.safetensors  the weights
//! seen.safetensors   the training interactions (`history_users`, `history_items`): the items
//!                    excluded as already seen
//! titles.json        item titles in index order, where the dataset has them
//! metrics.json       the test metrics (shown by GET /v1/runs)
//! ```
//!
//! A run trained on data that may not be redistributed (ml-100k, HetRec Last.fm, gowalla,
//! yelp2018, …) carries its training interactions in `seen.safetensors`: do not publish it.

use std::path::{Path, PathBuf};

use gnnrec_data::{IdMap, Interactions, RawIds};
use gnnrec_eval::UserItems;
use gnnrec_models::{ModelSpec, TrainedModel, Weights};
use serde::Deserialize;

use crate::error::LoadError;

/// File of the training interactions.
pub const SEEN_FILE: &str = "seen.safetensors";
/// File of the item titles.
pub const TITLES_FILE: &str = "titles.json";

/// Writes the serving files of a run (`seen.safetensors`, and `titles.json` when there are
/// titles) into `dir`, each atomically.
pub fn write_serving_files(
    dir: &Path,
    train: &Interactions,
    titles: Option<&[String]>,
) -> Result<(), LoadError> {
    let mut w = Weights::new();
    w.insert_history(train);
    w.save(&dir.join(SEEN_FILE))
        .map_err(|source| LoadError::Model {
            path: dir.display().to_string(),
            source,
        })?;
    if let Some(t) = titles {
        let p = dir.join(TITLES_FILE);
        let tmp = dir.join(format!(".{TITLES_FILE}.tmp-{}", std::process::id()));
        let io = |source| LoadError::Io {
            path: p.display().to_string(),
            source,
        };
        let text = serde_json::to_vec(t).expect("strings serialise");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, &p).map_err(io)?;
    }
    Ok(())
}

/// The fields of `config.json` a server reads (the file holds more).
#[derive(Debug, Deserialize)]
struct ConfigHead {
    dataset: String,
    n_users: usize,
    n_items: usize,
    model: ModelSpec,
}

/// A run loaded for serving: the model and what it needs to answer.
pub struct LoadedRun {
    /// The run directory.
    pub path: PathBuf,
    /// The model's name (`lightgcn`).
    pub model_name: String,
    /// The dataset's name.
    pub dataset: String,
    /// The trained model.
    pub model: Box<dyn TrainedModel>,
    /// Raw user ids.
    pub users: IdMap,
    /// Raw item ids.
    pub items: IdMap,
    /// Each user's training items (excluded as seen).
    pub seen: UserItems,
    /// Item titles, where the dataset has them.
    pub titles: Option<Vec<String>>,
    /// `metrics.json`'s flat metrics, where the run has them.
    pub metrics: Option<serde_json::Value>,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, LoadError> {
    let text = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.display().to_string(),
        source,
    })?;
    serde_json::from_slice(&text).map_err(|e| LoadError::Corrupt {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The bytes serving the run at `dir` takes, on the high side: the weights and interactions
/// as loaded (their files' sizes, twice: read, then converted), the id maps and titles as
/// strings and hash maps (their JSON sizes, four times).
pub fn bytes_needed(dir: &Path) -> u64 {
    let tensors = file_len(&dir.join("model.safetensors")) + file_len(&dir.join(SEEN_FILE));
    let json = file_len(&dir.join("users.json"))
        + file_len(&dir.join("items.json"))
        + file_len(&dir.join(TITLES_FILE));
    2 * tensors + 4 * json
}

impl LoadedRun {
    /// Loads the run at `dir`, refusing up front (with the byte count) a run that would not
    /// fit in the memory available.
    pub fn open(dir: &Path) -> Result<LoadedRun, LoadError> {
        if !dir.join("config.json").is_file() {
            return Err(LoadError::Incomplete(format!(
                "{} is not a run directory (no config.json); `gnnrec train` makes one",
                dir.display()
            )));
        }
        if !dir.join(SEEN_FILE).is_file() {
            return Err(LoadError::Incomplete(format!(
                "{} has no {SEEN_FILE} (runs made before gnnrec serve existed): `gnnrec pack \
                 --run {}` adds the files serving needs (it reloads the dataset once)",
                dir.display(),
                dir.display()
            )));
        }
        let needed = bytes_needed(dir);
        gnnrec_models::memory::ensure_fits(&format!("serving {}", dir.display()), needed)
            .map_err(|e| LoadError::TooLarge(e.to_string()))?;
        let head: ConfigHead = read_json(&dir.join("config.json"))?;
        let users: IdMap = read_json::<RawIds>(&dir.join("users.json"))?.into();
        let items: IdMap = read_json::<RawIds>(&dir.join("items.json"))?.into();
        let corrupt = |file: &str, message: String| LoadError::Corrupt {
            path: dir.join(file).display().to_string(),
            message,
        };
        if users.len() != head.n_users || items.len() != head.n_items {
            return Err(corrupt(
                "config.json",
                format!(
                    "says {} users and {} items; users.json and items.json hold {} and {}",
                    head.n_users,
                    head.n_items,
                    users.len(),
                    items.len()
                ),
            ));
        }
        let model_err = |source| LoadError::Model {
            path: dir.display().to_string(),
            source,
        };
        let w = Weights::load(&dir.join("model.safetensors")).map_err(model_err)?;
        let model = gnnrec_models::registry::load(&head.model, &w, head.n_users, head.n_items)
            .map_err(model_err)?;
        drop(w);
        if model.n_items() != head.n_items {
            return Err(corrupt(
                "model.safetensors",
                format!(
                    "scores {} items; the run has {}",
                    model.n_items(),
                    head.n_items
                ),
            ));
        }
        let seen = Weights::load(&dir.join(SEEN_FILE))
            .and_then(|w| w.get_history(head.n_users, head.n_items))
            .map_err(|e| corrupt(SEEN_FILE, e.to_string()))?;
        let seen = UserItems::new(&seen, head.n_users);
        let titles: Option<Vec<String>> = if dir.join(TITLES_FILE).is_file() {
            let t: Vec<String> = read_json(&dir.join(TITLES_FILE))?;
            if t.len() != head.n_items {
                return Err(corrupt(
                    TITLES_FILE,
                    format!("holds {} titles for {} items", t.len(), head.n_items),
                ));
            }
            Some(t)
        } else {
            None
        };
        let metrics = if dir.join("metrics.json").is_file() {
            read_json::<serde_json::Value>(&dir.join("metrics.json"))?
                .get("metrics")
                .cloned()
        } else {
            None
        };
        Ok(LoadedRun {
            path: dir.to_path_buf(),
            model_name: head.model.name().to_string(),
            dataset: head.dataset,
            model,
            users,
            items,
            seen,
            titles,
            metrics,
        })
    }
}
