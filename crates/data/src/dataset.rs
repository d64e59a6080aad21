//! A loaded dataset: id maps, interactions, official splits, titles and side features.

use serde::{Deserialize, Serialize};

use crate::error::{DataError, Result};
use crate::features::FeatureMatrix;
use crate::idmap::IdMap;
use crate::interactions::Interactions;
use crate::split::{Split, SplitSpec, random_split, temporal_split};

/// The range of explicit ratings in a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatingScale {
    /// Lowest allowed rating.
    pub min: f32,
    /// Highest allowed rating.
    pub max: f32,
}

/// What a loader noticed and handled: counts a user should know about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    /// Repeated (user, item) pairs removed by the duplicate rule (first occurrence kept).
    pub duplicates_removed: usize,
    /// Other facts, one sentence each (e.g. tags on movies nobody rated).
    pub notes: Vec<String>,
}

/// A dataset ready for splitting and training. Every index refers to `users` / `items`.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Registry name (`ml-100k`, …) or the file stem for a user's own file.
    pub name: String,
    /// Raw user ids ↔ indices.
    pub users: IdMap,
    /// Raw item ids ↔ indices.
    pub items: IdMap,
    /// All interactions (for datasets that ship as train/test files, their union).
    pub interactions: Interactions,
    /// Item titles (movie title, artist name), by item index.
    pub item_titles: Option<Vec<String>>,
    /// User side features, by user index.
    pub user_features: Option<FeatureMatrix>,
    /// Item side features, by item index.
    pub item_features: Option<FeatureMatrix>,
    /// The explicit rating range, for datasets with ratings.
    pub rating_scale: Option<RatingScale>,
    /// Splits that ship with the dataset, by name.
    pub official_splits: Vec<Split>,
    /// The split used when none is asked for.
    pub default_split: SplitSpec,
    /// Social links between users (lastfm's trust network), as index pairs.
    pub social: Option<Vec<(u32, u32)>>,
    /// What the loader handled.
    pub report: LoadReport,
}

impl Dataset {
    /// Number of users.
    pub fn n_users(&self) -> usize {
        self.users.len()
    }

    /// Number of items.
    pub fn n_items(&self) -> usize {
        self.items.len()
    }

    /// Makes the split `spec` (see [`SplitSpec`]).
    pub fn split(&self, spec: &SplitSpec) -> Result<Split> {
        match spec {
            SplitSpec::Official(name) => self
                .official_splits
                .iter()
                .find(|s| &s.name == name)
                .cloned()
                .ok_or_else(|| DataError::Split {
                    spec: name.clone(),
                    reason: if self.official_splits.is_empty() {
                        format!(
                            "dataset `{}` has no official splits; use random[:F[:SEED]] or \
                             temporal:last=K",
                            self.name
                        )
                    } else {
                        format!(
                            "dataset `{}` has the official splits {}",
                            self.name,
                            self.official_split_names().join(", ")
                        )
                    },
                }),
            SplitSpec::Random {
                test_fraction,
                seed,
            } => Ok(random_split(&self.interactions, *test_fraction, *seed)),
            SplitSpec::Temporal(h) => temporal_split(&self.interactions, self.n_users(), *h),
        }
    }

    /// Names of the official splits.
    pub fn official_split_names(&self) -> Vec<&str> {
        self.official_splits
            .iter()
            .map(|s| s.name.as_str())
            .collect()
    }

    /// The title of item `idx`, or its raw id where the dataset has no titles.
    pub fn item_label(&self, idx: u32) -> String {
        match &self.item_titles {
            Some(t) => t[idx as usize].clone(),
            None => self.items.raw(idx).to_string(),
        }
    }
}
