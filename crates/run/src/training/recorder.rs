//! The observer of a training that keeps the run on disk as it goes: the per-epoch log and
//! every checkpoint the loop hands over (so an interrupted run can resume), while passing
//! each event on to the caller's observer (progress bars, Python callbacks).

use gnnrec_models::{Checkpoint, EpochRecord, ModelError, Observer};

use crate::run_dir::RunDir;

/// Records a training into its run directory and forwards every event.
pub struct Recorder<'a> {
    dir: RunDir,
    /// Every epoch's record (with those of earlier sessions of a resumed run).
    pub log: Vec<EpochRecord>,
    inner: &'a mut dyn Observer,
}

impl<'a> Recorder<'a> {
    /// A recorder into `dir`, continuing `log`, forwarding to `inner`.
    pub fn new(dir: RunDir, log: Vec<EpochRecord>, inner: &'a mut dyn Observer) -> Self {
        Recorder { dir, log, inner }
    }
}

impl Observer for Recorder<'_> {
    fn epoch_started(&mut self, epoch: usize, steps: usize) {
        self.inner.epoch_started(epoch, steps);
    }

    fn step(&mut self) {
        self.inner.step();
    }

    fn epoch_finished(&mut self, r: &EpochRecord) {
        self.inner.epoch_finished(r);
        self.log.push(r.clone());
    }

    fn message(&mut self, text: &str) {
        self.inner.message(text);
    }

    fn checkpoint(&mut self, checkpoint: &Checkpoint) -> gnnrec_models::error::Result<()> {
        self.dir
            .save_checkpoint(checkpoint, &self.log)
            .map_err(|e| ModelError::Invalid(chain(&e)))?;
        self.inner.checkpoint(checkpoint)
    }

    fn may_stop(&mut self) -> bool {
        self.inner.may_stop()
    }

    fn stop_requested(&mut self) -> bool {
        self.inner.stop_requested()
    }
}

/// An error and its causes on one line, `a: b: c` (as anyhow's `{:#}`).
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}
