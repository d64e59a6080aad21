//! What a training run is given.

use anyhow::{Result, bail};
use gnnrec_data::{FeatureMatrix, Interactions, RatingScale};
use serde::{Deserialize, Serialize};

use crate::checkpoint::Checkpoint;
use crate::device::DeviceSpec;

/// The data a model trains on, in dense indices. Built from the **training** side of a split;
/// `monitor` is the held-out set watched for early stopping (a validation carve-out of train,
/// or the test split when the user asks for the paper protocol).
#[derive(Debug, Clone, Copy)]
pub struct TrainContext<'a> {
    /// Number of users.
    pub n_users: usize,
    /// Number of items.
    pub n_items: usize,
    /// Training interactions.
    pub train: &'a Interactions,
    /// Interactions evaluated during training to pick the best epoch, if any.
    pub monitor: Option<&'a Interactions>,
    /// Rating range, for rating models.
    pub rating_scale: Option<RatingScale>,
    /// User side features, where the dataset has them.
    pub user_features: Option<&'a FeatureMatrix>,
    /// Item side features, where the dataset has them.
    pub item_features: Option<&'a FeatureMatrix>,
    /// Seed of every random choice (initialisation, sampling).
    pub seed: u64,
    /// A checkpoint of an interrupted run of the same model and data, to continue from.
    pub resume: Option<&'a Checkpoint>,
    /// Where the model's tensors live while training (LightGCN and MF-BPR; the other models
    /// train on the CPU and refuse any other device).
    pub device: DeviceSpec,
}

/// Which side features a model asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Features {
    /// User features (ml-100k: age bucket, gender, occupation).
    pub user: bool,
    /// Item features (MovieLens: genres, release-year bucket).
    pub item: bool,
}

impl Features {
    /// Parses `none`, `user`, `item`, `user,item` (or `both`).
    ///
    /// ```
    /// use gnnrec_models::Features;
    /// assert_eq!(Features::parse("item,user").unwrap(), Features { user: true, item: true });
    /// assert_eq!(Features::parse("none").unwrap(), Features::default());
    /// assert!(Features::parse("genre").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Features> {
        let mut f = Features::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "none" => {}
                "user" => f.user = true,
                "item" => f.item = true,
                "both" => (f.user, f.item) = (true, true),
                other => bail!("unknown feature set `{other}`; use none, user, item or user,item"),
            }
        }
        Ok(f)
    }
}

impl<'a> TrainContext<'a> {
    /// The (user, item) side features `wanted` asks for; an error names a wanted set the
    /// dataset does not have.
    pub fn side_features(
        &self,
        wanted: Features,
    ) -> Result<(Option<&'a FeatureMatrix>, Option<&'a FeatureMatrix>)> {
        let pick = |wanted: bool, f: Option<&'a FeatureMatrix>, what: &str| match (wanted, f) {
            (false, _) => Ok(None),
            (true, Some(f)) => Ok(Some(f)),
            (true, None) => {
                bail!("this dataset has no {what} features; drop `{what}` from --features")
            }
        };
        Ok((
            pick(wanted.user, self.user_features, "user")?,
            pick(wanted.item, self.item_features, "item")?,
        ))
    }
}
