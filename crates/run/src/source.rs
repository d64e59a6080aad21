//! Where a run's interactions come from: a dataset name or path, the data directory, the
//! split, and how a user's own files are read.

use std::path::PathBuf;

use gnnrec_data::registry::{self, OwnData};
use gnnrec_data::{Dataset, Interactions, Split, SplitSpec};

use crate::error::{Context, Result};
use crate::record::RunConfig;

/// The dataset of a run, by name (or path) or as a value.
#[derive(Debug, Clone)]
pub struct DataSource {
    /// A dataset name (`ml-100k`), a path to an interactions file, or a folder of adjacency
    /// lists.
    pub dataset: String,
    /// Directory holding the datasets' folders [default: `$GNNREC_DATA`, else `./data`].
    pub data_dir: Option<PathBuf>,
    /// The split (`u1`, `random:0.2:42`, `temporal:last=1`, …) [default: the dataset's own].
    pub split: Option<String>,
    /// How the user's own files are read (columns, delimiter, train / test files).
    pub own: OwnData,
}

impl DataSource {
    /// The dataset `name` (or path) with its default split, from the default data directory.
    pub fn named(name: impl Into<String>) -> DataSource {
        DataSource {
            dataset: name.into(),
            data_dir: None,
            split: None,
            own: OwnData::default(),
        }
    }

    /// The data a saved run was trained on, read back as its `config.json` records it.
    pub fn of_run(config: &RunConfig) -> DataSource {
        DataSource {
            dataset: config.dataset.clone(),
            data_dir: config.data_dir.clone(),
            split: Some(config.split.clone()),
            own: config.dataset_options.clone(),
        }
    }

    /// Loads the dataset and its split.
    pub fn load(&self) -> Result<(Dataset, Split)> {
        self.load_as(|| format!("loading dataset `{}`", self.dataset))
    }

    /// Loads the dataset and its split, `what` saying what the loading was for when it fails.
    pub(crate) fn load_as(&self, what: impl FnOnce() -> String) -> Result<(Dataset, Split)> {
        let dir = registry::data_dir(self.data_dir.as_deref());
        let data = registry::load_with(&self.dataset, &dir, &self.own).with_context(what)?;
        let spec: SplitSpec = match &self.split {
            Some(s) => s.parse()?,
            None => data.default_split.clone(),
        };
        let split = data.split(&spec)?;
        Ok((data, split))
    }
}

/// The users with test interactions, in an order shuffled by `seed`: a seeded sample of them is
/// a prefix (the same for the same test set and seed).
pub fn test_users_shuffled(test: &Interactions, seed: u64) -> Vec<u32> {
    use rand::SeedableRng;
    use rand::seq::SliceRandom;
    let mut users = test.users.clone();
    users.sort_unstable();
    users.dedup();
    users.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
    users
}

/// The interactions of `x` whose user is among `users` (`inside`), or is not (`!inside`).
pub fn rows_of_users(x: &Interactions, users: &[u32], inside: bool) -> Interactions {
    let end = x
        .users
        .iter()
        .chain(users)
        .max()
        .map_or(0, |&u| u as usize + 1);
    let mut listed = vec![false; end];
    for &u in users {
        listed[u as usize] = true;
    }
    let rows: Vec<usize> = (0..x.len())
        .filter(|&k| listed[x.users[k] as usize] == inside)
        .collect();
    x.select(&rows)
}
