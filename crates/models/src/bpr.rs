//! The BPR training loop shared by the embedding models (MF-BPR, LightGCN, IRGNN): epochs of
//! uniformly sampled triples, Adam steps, evaluation on the monitoring set, early stopping with
//! the best weights kept, learning-rate schedule, checkpoints and exact resume.
//!
//! A model plugs in through [`BprTrainer`]: its flat parameter buffer, its Adam state, one
//! step on a batch of triples, and the scorer its current parameters make.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use gnnrec_eval::{Scorer, UserItems, evaluate_ranking};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::adam::Adam;
use crate::checkpoint::Checkpoint;
use crate::context::TrainContext;
use crate::lightgcn::Schedule;
use crate::observer::{EpochRecord, Observer};
use crate::sampler::BprSampler;
use crate::weights::Weights;

/// What the loop needs of a model.
pub trait BprTrainer {
    /// The trained model's scorer.
    type Model: Scorer;
    /// Whether [`BprTrainer::step`] picks the hardest of several negative candidates per
    /// triple; [`fit`] refuses a [`LoopSettings::neg_pool`] above 1 to a trainer that cannot.
    const PICKS_HARD_NEGATIVES: bool = false;
    /// All trainable parameters, flat.
    fn params(&self) -> &[f32];
    /// Replaces the parameters (same length).
    fn set_params(&mut self, params: Vec<f32>);
    /// The optimiser.
    fn adam(&mut self) -> &mut Adam;
    /// One optimisation step on the triples; the loss before the step. `neg` holds
    /// [`LoopSettings::neg_pool`] candidates per triple (see [`crate::sampler::Triples`]): one,
    /// unless the trainer [picks hard negatives](BprTrainer::PICKS_HARD_NEGATIVES).
    fn step(&mut self, users: &[u32], pos: &[u32], neg: &[u32]) -> Result<f32>;
    /// The model the current parameters make.
    fn model(&self) -> Self::Model;
}

/// The loop's settings, shared by the configs of every BPR model (flattened into their JSON).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoopSettings {
    /// Base learning rate.
    pub lr: f32,
    /// Triples per step.
    pub batch: usize,
    /// Maximum epochs.
    pub epochs: usize,
    /// Evaluate every this many epochs (0 = never).
    pub eval_every: usize,
    /// Evaluations without improvement before stopping (0 = never stop early).
    pub patience: usize,
    /// The K of the monitored recall@K.
    pub monitor_k: usize,
    /// Learning-rate schedule.
    #[serde(default)]
    pub schedule: Schedule,
    /// Negative candidates drawn per triple; the model trains on the one it currently scores
    /// highest (dynamic negative sampling). 1 = uniform negatives, the paper's recipe.
    #[serde(default = "one")]
    pub neg_pool: usize,
}

fn one() -> usize {
    1
}

/// The scalar part of a checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ResumeState {
    adam_t: u64,
    /// Word position of the sampling RNG (a u128, as text).
    rng_word_pos: String,
    best: Option<(f64, usize)>,
    since_best: usize,
    stopped: bool,
}

/// Epochs between checkpoints when nothing is evaluated.
const CHECKPOINT_EVERY: usize = 10;

/// The best evaluation so far: (value, epoch, parameters).
type Best = Option<(f64, usize, Vec<f32>)>;

fn checkpoint<T: BprTrainer>(
    epoch: usize,
    trainer: &mut T,
    rng: &ChaCha8Rng,
    best: &Best,
    since_best: usize,
    stopped: bool,
) -> Result<Checkpoint> {
    let shape = [trainer.params().len()];
    let mut arrays = Weights::new();
    arrays.insert("params", &shape, trainer.params().to_vec());
    let adam = trainer.adam();
    arrays.insert("adam_m", &shape, adam.m.clone());
    arrays.insert("adam_v", &shape, adam.v.clone());
    let adam_t = adam.t;
    if let Some((_, _, p)) = best {
        arrays.insert("best_params", &shape, p.clone());
    }
    let state = ResumeState {
        adam_t,
        rng_word_pos: rng.get_word_pos().to_string(),
        best: best.as_ref().map(|(v, e, _)| (*v, *e)),
        since_best,
        stopped,
    };
    Ok(Checkpoint {
        epoch,
        state: serde_json::to_value(state)?,
        arrays,
    })
}

/// Trains `trainer` on `ctx` with BPR. `rng` is the run's generator, already used for the
/// initialisation. With a monitoring set and `eval_every > 0`, evaluates recall@`monitor_k`
/// there, keeps the best epoch's parameters and stops after `patience` evaluations without
/// improvement.
///
/// Every evaluation (or every 10 epochs without one) hands the observer a [`Checkpoint`];
/// given one back in `ctx.resume`, training continues exactly where it stood: the same
/// parameters, Adam moments, sampling RNG position and best-so-far, so a resumed run ends
/// with the weights an uninterrupted one would have.
pub fn fit<T: BprTrainer>(
    trainer: &mut T,
    s: &LoopSettings,
    ctx: &TrainContext<'_>,
    rng: &mut ChaCha8Rng,
    obs: &mut dyn Observer,
) -> Result<T::Model> {
    let pool = s.neg_pool.max(1);
    if pool > 1 && !T::PICKS_HARD_NEGATIVES {
        bail!("this model trains on one uniform negative per triple; drop --neg-pool");
    }
    let (nu, ni) = (ctx.n_users, ctx.n_items);
    let sampler = BprSampler::new(ctx.train, nu, ni);
    let monitor = ctx
        .monitor
        .map(|m| (UserItems::new(m, nu), ctx.train.item_degrees(ni)));
    let key = format!("recall@{}", s.monitor_k);
    let mut best: Best = None;
    let mut since_best = 0usize;
    let mut first_epoch = 1;
    let mut stopped = false;

    if let Some(ck) = ctx.resume {
        let st: ResumeState = serde_json::from_value(ck.state.clone())
            .context("the checkpoint's state is not a BPR model's")?;
        let n = trainer.params().len();
        trainer.set_params(ck.arrays.get_shaped("params", &[n])?.to_vec());
        let adam = trainer.adam();
        adam.m = ck.arrays.get_shaped("adam_m", &[n])?.to_vec();
        adam.v = ck.arrays.get_shaped("adam_v", &[n])?.to_vec();
        adam.t = st.adam_t;
        rng.set_word_pos(
            st.rng_word_pos
                .parse()
                .context("bad RNG position in the checkpoint")?,
        );
        if let Some((v, e)) = st.best {
            best = Some((v, e, ck.arrays.get_shaped("best_params", &[n])?.to_vec()));
        }
        since_best = st.since_best;
        stopped = st.stopped;
        first_epoch = ck.epoch + 1;
        obs.message(&format!("resuming after epoch {}", ck.epoch));
    }

    let mut epoch = first_epoch;
    while !stopped && epoch <= s.epochs {
        let start = Instant::now();
        trainer.adam().lr = s.schedule.lr(s.lr, epoch, s.epochs);
        let t = sampler.epoch(rng, pool);
        let steps = t.users.len().div_ceil(s.batch);
        obs.epoch_started(epoch, steps);
        let mut loss_sum = 0.0f64;
        for k in 0..steps {
            let r = k * s.batch..((k + 1) * s.batch).min(t.users.len());
            let negs = &t.neg[r.start * pool..r.end * pool];
            let loss = trainer
                .step(&t.users[r.clone()], &t.pos[r], negs)
                .with_context(|| format!("epoch {epoch}"))?;
            loss_sum += loss as f64;
            obs.step();
        }
        let mut record = EpochRecord {
            epoch,
            loss: loss_sum / steps.max(1) as f64,
            seconds: start.elapsed().as_secs_f64(),
            metrics: None,
            eval_seconds: None,
        };
        let evaluate = s.eval_every > 0 && (epoch % s.eval_every == 0 || epoch == s.epochs);
        let mut evaluated = false;
        if let (true, Some((truth, popularity))) = (evaluate, &monitor) {
            evaluated = true;
            let t0 = Instant::now();
            let model = trainer.model();
            let m = evaluate_ranking(
                &model,
                sampler.positives(),
                truth,
                popularity,
                &[s.monitor_k],
            );
            let metrics: BTreeMap<String, f64> = m.to_map();
            let value = metrics[&key];
            record.eval_seconds = Some(t0.elapsed().as_secs_f64());
            record.metrics = Some(metrics);
            if best.as_ref().is_none_or(|b| value > b.0) {
                best = Some((value, epoch, trainer.params().to_vec()));
                since_best = 0;
            } else {
                since_best += 1;
                stopped = s.patience > 0 && since_best >= s.patience;
            }
        }
        obs.epoch_finished(&record);
        if evaluated || stopped || epoch % CHECKPOINT_EVERY == 0 || epoch == s.epochs {
            obs.checkpoint(&checkpoint(
                epoch, trainer, rng, &best, since_best, stopped,
            )?)?;
        }
        if stopped {
            let (v, e, _) = best.as_ref().expect("set before any stop");
            obs.message(&format!("early stop: best {key} {v:.4} at epoch {e}"));
        }
        epoch += 1;
    }
    if let Some((v, e, params)) = best {
        obs.message(&format!(
            "keeping the weights of epoch {e} ({key} {v:.4} on the monitoring set)"
        ));
        trainer.set_params(params);
    }
    Ok(trainer.model())
}
