//! What a training run is given.

use gnnrec_data::{FeatureMatrix, Interactions, RatingScale};

use crate::checkpoint::Checkpoint;

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
}
