//! A model of your own, in one file, trained through gnnrec's one loop: registered by one
//! line, then trained, evaluated and saved by the run layer like any built-in model.
//!
//! The model is "learned popularity": one score per item, fitted with the BPR loss (a user's
//! item should score above a random other item). Small, but it has everything a plug-in has:
//! settings declared once (key, default, range and help together, the loop's settings
//! flattened in), an `Objective` for the shared loop (Adam, epochs, checkpoints, early
//! stopping and `--resume` come with it), a trained model that scores and saves, and its
//! declared capabilities (trains in epochs, no fold-in) held by the registry's adapter.
//!
//! ```sh
//! cargo run --release -p gnnrec-run --example custom_model
//! ```

use std::error::Error;
use std::path::Path;

use gnnrec_eval::Scorer;
use gnnrec_models::config::{ModelConfig, Range};
use gnnrec_models::error::Result;
use gnnrec_models::memory::DataSize;
use gnnrec_models::training::{LoopSettings, Monitored, Objective, fit};
use gnnrec_models::{
    FoldIn, Model, ModelSpec, Observer, Plugin, Task, TrainContext, TrainedModel, Training,
    Weights, registry,
};
use gnnrec_run::Training as Run;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

gnnrec_models::settings! {
    /// Settings of learned popularity.
    pub struct PopBprConfig {
        /// BPR triples drawn per epoch, per training interaction.
        pub samples: usize = 1 => (Range::Positive, "BPR triples per epoch, per training interaction"),
        /// Learning rate, batch, epochs, evaluation, early stopping and schedule.
        pub train: LoopSettings = LoopSettings { lr: 0.05, batch: 4096, epochs: 20, ..LoopSettings::default() } => flatten,
    }
}

impl ModelConfig for PopBprConfig {}

/// The trained model: one score per item, the same for every user.
pub struct PopBpr {
    scores: Vec<f32>,
}

impl Scorer for PopBpr {
    fn n_items(&self) -> usize {
        self.scores.len()
    }
    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        for row in out.chunks_mut(self.scores.len()).take(users.len()) {
            row.copy_from_slice(&self.scores);
        }
    }
}

impl TrainedModel for PopBpr {
    fn weights(&self) -> Weights {
        let mut w = Weights::new();
        w.insert("item_score", &[self.scores.len()], self.scores.clone());
        w
    }
}

/// The BPR objective over item scores: `−ln σ(s_i − s_j)` for a user's item `i` and a random
/// item `j`, averaged over a batch.
struct Bpr<'a> {
    ctx: &'a TrainContext<'a>,
    samples: usize,
    batch: usize,
    epoch: Vec<(u32, u32)>,
}

impl Objective for Bpr<'_> {
    type Model = PopBpr;

    fn start_epoch(&mut self, rng: &mut ChaCha8Rng) -> usize {
        let x = self.ctx.train;
        self.epoch = (0..x.len() * self.samples)
            .map(|_| {
                let k = rng.random_range(0..x.len());
                (x.items[k], rng.random_range(0..self.ctx.n_items as u32))
            })
            .collect();
        self.epoch.len().div_ceil(self.batch)
    }

    fn loss_and_grad(
        &mut self,
        s: &[f32],
        k: usize,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(f32, Vec<f32>)> {
        let batch = &self.epoch[k * self.batch..((k + 1) * self.batch).min(self.epoch.len())];
        let mut grad = vec![0f32; s.len()];
        let mut loss = 0f32;
        let scale = 1.0 / batch.len() as f32;
        for &(i, j) in batch {
            let d = s[i as usize] - s[j as usize];
            let sig = 1.0 / (1.0 + (-d).exp());
            loss -= sig.max(1e-12).ln() * scale;
            grad[i as usize] -= (1.0 - sig) * scale;
            grad[j as usize] += (1.0 - sig) * scale;
        }
        Ok((loss, grad))
    }

    fn snapshot(&self, s: &[f32]) -> Result<PopBpr> {
        Ok(PopBpr { scores: s.to_vec() })
    }
}

/// The plug-in: what the model is and declares, how it trains and loads.
pub struct PopBprModel;

impl Model for PopBprModel {
    type Config = PopBprConfig;
    type Trained = PopBpr;
    const NAME: &'static str = "pop-bpr";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str = "learned popularity: one score per item, fitted with BPR";
    const TRAINING: Training = Training::Epochs;
    const FOLD_IN: FoldIn = FoldIn::None;

    fn bytes_needed(cfg: &PopBprConfig, size: DataSize) -> u64 {
        (size.n_items as u64) * 16 + (size.n_train as u64) * (cfg.samples as u64) * 8
    }

    fn train(cfg: &PopBprConfig, ctx: &TrainContext<'_>, obs: &mut dyn Observer) -> Result<PopBpr> {
        let mut objective = Bpr {
            ctx,
            samples: cfg.samples,
            batch: cfg.train.batch,
            epoch: Vec::new(),
        };
        let mut rng = ChaCha8Rng::seed_from_u64(ctx.seed);
        let start = vec![0f32; ctx.n_items];
        fit(
            &mut objective,
            start,
            &cfg.train,
            Monitored::Recall(20),
            ctx,
            &mut rng,
            obs,
        )
    }

    fn load(_cfg: &PopBprConfig, w: &Weights, _n_users: usize, n_items: usize) -> Result<PopBpr> {
        Ok(PopBpr {
            scores: w.get_shaped("item_score", &[n_items])?.to_vec(),
        })
    }
}

/// Registers the model, trains it `epochs` epochs on ml-latest-small into `out`; its recall@20.
fn run(epochs: usize, out: &Path) -> std::result::Result<f64, Box<dyn Error>> {
    // The one registry line (idempotent here, so that the test and main may both call it).
    if registry::find(PopBprModel::NAME).is_err() {
        registry::register(&Plugin::<PopBprModel>::NEW)?;
    }
    let mut spec = ModelSpec::default_for("pop-bpr")?;
    spec.set("epochs", &epochs.to_string())?;
    let done = Run::new("ml-latest-small", spec).with_out(out).run()?;
    let recall = done.metrics.metrics["recall@20"];
    println!(
        "{} on {}: {} epochs, recall@20 {recall:.4}, ndcg@20 {:.4}; run in {}",
        done.spec.name(),
        done.data.name,
        done.metrics.epochs.unwrap_or(0),
        done.metrics.metrics["ndcg@20"],
        done.dir.path().display()
    );
    Ok(recall)
}

fn main() -> std::result::Result<(), Box<dyn Error>> {
    run(20, Path::new("runs/example-pop-bpr"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use gnnrec_run::OpenedRun;

    #[test]
    fn a_custom_model_trains_through_the_loop_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let recall = super::run(3, &out).unwrap();
        // Learned popularity ranks like popularity: far better than chance on MovieLens.
        assert!(recall > 0.05, "recall@20 {recall}");
        // The run directory holds its epochs and reloads through the registry.
        let log = std::fs::read_to_string(out.join("log.jsonl")).unwrap();
        assert_eq!(log.lines().count(), 3);
        let run = OpenedRun::open(&out, None).unwrap();
        assert_eq!(run.config.model.name(), "pop-bpr");
        // Its settings are checked like a built-in model's: an unknown key names the valid ones.
        let e = gnnrec_models::ModelSpec::default_for("pop-bpr")
            .unwrap()
            .set("smaples", "2")
            .unwrap_err()
            .to_string();
        assert!(e.contains("samples"), "{e}");
    }
}
