//! A run as serving needs it, read from its directory alone (never the dataset): the model,
//! the id maps, each user's seen items, the titles and the test metrics.

use std::path::{Path, PathBuf};

use gnnrec_data::IdMap;
use gnnrec_eval::UserItems;
use gnnrec_models::{TrainedModel, Weights};

use crate::error::{Result, RunError};
use crate::json_file::read_json_file;
use crate::record::ConfigHead;
use crate::run_dir::{
    CONFIG_FILE, ITEMS_FILE, METRICS_FILE, MODEL_FILE, RunDir, SEEN_FILE, TITLES_FILE, USERS_FILE,
};

/// A run loaded for serving: the model and what it needs to answer.
pub struct ServableRun {
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
    /// The model's settings, every key (defaults included), as `config.json` records them.
    pub settings: serde_json::Map<String, serde_json::Value>,
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The bytes serving the run at `dir` takes, on the high side: the weights and interactions
/// as loaded (their files' sizes, twice: read, then converted), the id maps and titles as
/// strings and hash maps (their JSON sizes, four times).
pub fn bytes_needed(dir: &Path) -> u64 {
    let tensors = file_len(&dir.join(MODEL_FILE)) + file_len(&dir.join(SEEN_FILE));
    let json = file_len(&dir.join(USERS_FILE))
        + file_len(&dir.join(ITEMS_FILE))
        + file_len(&dir.join(TITLES_FILE));
    2 * tensors + 4 * json
}

impl ServableRun {
    /// Loads the run at `dir`, refusing up front (with the byte count) a run that would not
    /// fit in the memory available.
    pub fn open(dir: &Path) -> Result<ServableRun> {
        RunDir::open(dir)?;
        if !dir.join(SEEN_FILE).is_file() {
            return Err(RunError::Incomplete(format!(
                "{} has no {SEEN_FILE} (runs made before gnnrec serve existed): `gnnrec pack \
                 --run {}` adds the files serving needs (it reloads the dataset once)",
                dir.display(),
                dir.display()
            )));
        }
        let needed = bytes_needed(dir);
        gnnrec_models::memory::ensure_fits(&format!("serving {}", dir.display()), needed)
            .map_err(|e| RunError::TooLarge(e.to_string()))?;
        let head: ConfigHead = read_json_file(&dir.join(CONFIG_FILE))?;
        let users: IdMap = read_json_file::<gnnrec_data::RawIds>(&dir.join(USERS_FILE))?.into();
        let items: IdMap = read_json_file::<gnnrec_data::RawIds>(&dir.join(ITEMS_FILE))?.into();
        let corrupt = |file: &str, message: String| RunError::Corrupt {
            path: dir.join(file).display().to_string(),
            message,
        };
        if users.len() != head.n_users || items.len() != head.n_items {
            return Err(corrupt(
                CONFIG_FILE,
                format!(
                    "says {} users and {} items; users.json and items.json hold {} and {}",
                    head.n_users,
                    head.n_items,
                    users.len(),
                    items.len()
                ),
            ));
        }
        let model_err = |source| RunError::Model {
            path: dir.display().to_string(),
            source,
        };
        let w = Weights::load(&dir.join(MODEL_FILE)).map_err(model_err)?;
        let model = gnnrec_models::registry::load(&head.model, &w, head.n_users, head.n_items)
            .map_err(model_err)?;
        drop(w);
        if model.n_items() != head.n_items {
            return Err(corrupt(
                MODEL_FILE,
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
            let t: Vec<String> = read_json_file(&dir.join(TITLES_FILE))?;
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
        let metrics = if dir.join(METRICS_FILE).is_file() {
            read_json_file::<serde_json::Value>(&dir.join(METRICS_FILE))?
                .get("metrics")
                .cloned()
        } else {
            None
        };
        Ok(ServableRun {
            path: dir.to_path_buf(),
            settings: head.model.config.clone(),
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
