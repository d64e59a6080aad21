//! How a training loop reports progress: per step (progress bars) and per epoch (logs).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::framework::checkpoint::Checkpoint;
use crate::framework::error::Result;

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
    /// The shared training loop ([`crate::training::fit`]) starts (once per training, before
    /// any epoch, resumed or not). The registry's adapter checks with it that a model trains
    /// in epochs exactly when it declares so.
    fn loop_started(&mut self) {}
    /// An epoch of `steps` optimisation steps begins.
    fn epoch_started(&mut self, _epoch: usize, _steps: usize) {}
    /// One step finished.
    fn step(&mut self) {}
    /// An epoch finished.
    fn epoch_finished(&mut self, _record: &EpochRecord) {}
    /// A free-form message (e.g. early stopping).
    fn message(&mut self, _text: &str) {}
    /// A checkpoint to keep, so that training can resume from it; an error stops training.
    fn checkpoint(&mut self, _checkpoint: &Checkpoint) -> Result<()> {
        Ok(())
    }
    /// Whether this observer may ask training to stop ([`Observer::stop_requested`]); asked
    /// once, when the loop starts. Such a loop keeps the state each epoch starts from (a copy
    /// of the parameters and Adam's moments per epoch), so that a stop between two steps
    /// leaves a checkpoint of the last finished epoch.
    fn may_stop(&mut self) -> bool {
        false
    }
    /// Asked after every optimisation step when [`Observer::may_stop`] said so: `true` stops
    /// training there (a Ctrl-C in a notebook). The loop hands over the checkpoint of the
    /// last finished epoch, then fails with [`crate::ModelError::Interrupted`].
    fn stop_requested(&mut self) -> bool {
        false
    }
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {}

/// An observer that passes everything on to `inner` and notes whether the shared loop ran:
/// how the registry's adapter checks a model's [`crate::Training`].
pub(crate) struct LoopWatch<'a> {
    inner: &'a mut dyn Observer,
    /// Whether [`Observer::loop_started`] came.
    pub(crate) loop_ran: bool,
}

impl<'a> LoopWatch<'a> {
    /// Watches what goes to `inner`.
    pub(crate) fn new(inner: &'a mut dyn Observer) -> Self {
        LoopWatch {
            inner,
            loop_ran: false,
        }
    }
}

impl Observer for LoopWatch<'_> {
    fn loop_started(&mut self) {
        self.loop_ran = true;
        self.inner.loop_started()
    }
    fn epoch_started(&mut self, epoch: usize, steps: usize) {
        self.inner.epoch_started(epoch, steps)
    }
    fn step(&mut self) {
        self.inner.step()
    }
    fn epoch_finished(&mut self, record: &EpochRecord) {
        self.inner.epoch_finished(record)
    }
    fn message(&mut self, text: &str) {
        self.inner.message(text)
    }
    fn checkpoint(&mut self, checkpoint: &Checkpoint) -> Result<()> {
        self.inner.checkpoint(checkpoint)
    }
    fn may_stop(&mut self) -> bool {
        self.inner.may_stop()
    }
    fn stop_requested(&mut self) -> bool {
        self.inner.stop_requested()
    }
}
