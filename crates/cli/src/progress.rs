//! Training progress for people: a bar inside each epoch and one line per epoch, on stderr,
//! silent with `--quiet` (the bar also hides itself when stderr is not a terminal). Also keeps
//! the run's checkpoints and log on disk as training goes, so an interrupted run can resume.

use std::path::PathBuf;

use gnnrec_models::ModelError;
use gnnrec_models::{Checkpoint, EpochRecord, Observer};

use crate::run_dir::RunDir;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Shows progress and collects the per-epoch log.
pub struct Progress {
    quiet: bool,
    bar: Option<ProgressBar>,
    run: PathBuf,
    /// Every epoch's record (with those of earlier sessions of a resumed run).
    pub log: Vec<EpochRecord>,
}

impl Progress {
    /// A reporter for the run directory `run`, continuing `log`; `quiet` silences the terminal.
    pub fn new(quiet: bool, run: PathBuf, log: Vec<EpochRecord>) -> Self {
        Progress {
            quiet,
            bar: None,
            run,
            log,
        }
    }
}

impl Observer for Progress {
    fn epoch_started(&mut self, epoch: usize, steps: usize) {
        if self.quiet {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(steps as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "epoch {prefix:>4} [{bar:30}] {pos}/{len} steps {elapsed} (eta {eta})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(epoch.to_string());
        self.bar = Some(bar);
    }

    fn step(&mut self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    fn epoch_finished(&mut self, r: &EpochRecord) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        if !self.quiet {
            let mut line = format!(
                "epoch {:>4}  loss {:.5}  {:.1}s",
                r.epoch, r.loss, r.seconds
            );
            if let Some(m) = &r.metrics {
                for (k, v) in m
                    .iter()
                    .filter(|(k, _)| k.starts_with("recall") || k.starts_with("ndcg"))
                {
                    line.push_str(&format!("  {k} {v:.4}"));
                }
            }
            eprintln!("{line}");
        }
        self.log.push(r.clone());
    }

    fn checkpoint(&mut self, checkpoint: &Checkpoint) -> gnnrec_models::error::Result<()> {
        // The log first: a kill between the two leaves a log ahead of the last checkpoint,
        // which `--resume` trims, never one behind it.
        RunDir::open(&self.run)
            .and_then(|d| d.write_log(&self.log))
            .map_err(|e| ModelError::Invalid(format!("writing the training log: {e:#}")))?;
        checkpoint.save(&self.run)
    }

    fn message(&mut self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }
}
