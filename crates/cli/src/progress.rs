//! Training progress for people: a bar inside each epoch and one line per epoch, on stderr,
//! silent with `--quiet` (the bar also hides itself when stderr is not a terminal). The run
//! layer keeps the log and checkpoints on disk; this only shows them.

use gnnrec_models::{EpochRecord, Observer};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Shows progress.
pub struct Progress {
    quiet: bool,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A reporter; `quiet` silences the terminal.
    pub fn new(quiet: bool) -> Self {
        Progress { quiet, bar: None }
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
    }

    fn message(&mut self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }
}
