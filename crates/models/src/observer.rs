//! How a training loop reports progress: per step (progress bars) and per epoch (logs).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::checkpoint::Checkpoint;

/// One line of the per-epoch training log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss over the epoch.
    pub loss: f64,
    /// Wall seconds of the epoch's training (evaluation excluded).
    pub seconds: f64,
    /// Metrics on the monitoring set, when evaluated this epoch.
    pub metrics: Option<BTreeMap<String, f64>>,
    /// Wall seconds of this epoch's evaluation, when evaluated.
    pub eval_seconds: Option<f64>,
}

/// Receives training progress. All methods have empty defaults.
pub trait Observer {
    /// An epoch of `steps` optimisation steps begins.
    fn epoch_started(&mut self, _epoch: usize, _steps: usize) {}
    /// One step finished.
    fn step(&mut self) {}
    /// An epoch finished.
    fn epoch_finished(&mut self, _record: &EpochRecord) {}
    /// A free-form message (e.g. early stopping).
    fn message(&mut self, _text: &str) {}
    /// A checkpoint to keep, so that training can resume from it; an error stops training.
    fn checkpoint(&mut self, _checkpoint: &Checkpoint) -> crate::error::Result<()> {
        Ok(())
    }
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {}
