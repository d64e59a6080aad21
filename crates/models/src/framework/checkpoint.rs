//! Training checkpoints: the state an iterative model needs to continue where it stopped,
//! as the training loop makes and takes it. Where a checkpoint lives on disk (its files in a
//! run directory, their commit order) is the run layer's (`gnnrec_run::checkpoint_files`).

use crate::framework::weights::Weights;

/// Where a training run stood after `epoch` epochs.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// Epochs completed.
    pub epoch: usize,
    /// The model's scalar state (optimiser step, best score, RNG position, …), its own format.
    pub state: serde_json::Value,
    /// The model's arrays.
    pub arrays: Weights,
}
