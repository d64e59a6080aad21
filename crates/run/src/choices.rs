//! The choices a training makes about what it watches: [`Monitor`] and [`ValidSplit`].

use serde::{Deserialize, Serialize};

/// What a training run watches to pick its best epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Monitor {
    /// A random carve-out of train (--valid-fraction); the model trains on the rest.
    Validation,
    /// The test split itself (the protocol of the LightGCN paper and code).
    Test,
    /// Nothing: train for the configured epochs and keep the last weights.
    None,
}

/// How a validation set is carved out of train.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum ValidSplit {
    /// A seeded random share of all training interactions.
    #[default]
    Random,
    /// A seeded random share of each user's training interactions (users with at least 2):
    /// every such user is scored, as on gowalla / yelp2018, which have no validation split.
    PerUser,
}

impl ValidSplit {
    /// What a run's files call a set carved this way with `fraction`: `validation:F` or
    /// `validation-per-user:F`.
    pub fn label(self, fraction: f64) -> String {
        match self {
            ValidSplit::Random => format!("validation:{fraction}"),
            ValidSplit::PerUser => format!("validation-per-user:{fraction}"),
        }
    }
}
