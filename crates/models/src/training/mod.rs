//! The one training loop of every iterative model (MF-BPR, LightGCN, IRGNN, GCN, …).
//!
//! The loop owns the parameters (one flat `f32` buffer), Adam (fused, with optional
//! decoupled weight decay), the learning-rate [`Schedule`], evaluation on the monitoring set
//! (recall@K or RMSE, by the model's task), early stopping with the best parameters kept,
//! checkpoints, and exact resume. A model plugs in through [`Objective`]: how an epoch is cut
//! into steps, the loss and gradient of one step at given parameters, and the trained model
//! a parameter vector makes.
//!
//! Beside the loop: the fused Adam ([`adam`]), the BPR triples' sampler ([`sampler`]) and
//! their epochs cut into batches ([`BprEpochs`]) with the BPR loss pieces, the learning-rate
//! [`Schedule`], and the loop's settings ([`LoopSettings`]), flattened into each iterative
//! model's configuration. A model that declares [`crate::Training::Epochs`] trains through
//! [`fit`]; the registry's adapter checks that it does.

pub mod adam;
mod bpr;
pub mod sampler;
mod schedule;
mod settings;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use gnnrec_eval::{UserItems, evaluate_ranking, rating_metrics};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use bpr::{Batch, BprEpochs, bpr_loss, squared_norms_of_rows, value_and_gradient};
pub use schedule::Schedule;
pub use settings::LoopSettings;

use crate::framework::checkpoint::Checkpoint;
use crate::framework::context::TrainContext;
use crate::framework::error::{Context, ModelError, Result, bail};
use crate::framework::model::TrainedModel;
use crate::framework::observer::{EpochRecord, Observer};
use crate::framework::weights::Weights;
use adam::Adam;

/// What the loop watches on the monitoring set to keep the best epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Monitored {
    /// recall@K, higher is better (ranking models).
    Recall(usize),
    /// RMSE, lower is better (rating models).
    Rmse,
}

impl Monitored {
    fn key(self) -> String {
        match self {
            Monitored::Recall(k) => format!("recall@{k}"),
            Monitored::Rmse => "rmse".into(),
        }
    }
    fn better(self, a: f64, b: f64) -> bool {
        match self {
            Monitored::Recall(_) => a > b,
            Monitored::Rmse => a < b,
        }
    }
}

/// What the loop needs of a model.
pub trait Objective {
    /// The trained model.
    type Model: TrainedModel;
    /// Starts an epoch: draws its batches (sampling, shuffling) from `rng`; returns its steps.
    fn start_epoch(&mut self, rng: &mut ChaCha8Rng) -> usize;
    /// The loss of step `k` of the epoch at `params`, and its gradient (same length).
    /// Stochastic parts of the loss (dropout) draw from `rng`.
    fn loss_and_grad(
        &mut self,
        params: &[f32],
        k: usize,
        rng: &mut ChaCha8Rng,
    ) -> Result<(f32, Vec<f32>)>;
    /// The model `params` make.
    fn snapshot(&self, params: &[f32]) -> Result<Self::Model>;
    /// Hands back the gradient of the last step once the optimiser has used it, so that the
    /// next step can write into it instead of allocating (a table-sized vector per step).
    fn recycle(&mut self, _grad: Vec<f32>) {}
    /// Decoupled weight decay of Adam (AdamW); 0 where the L2 term is part of the loss.
    fn weight_decay(&self) -> f32 {
        0.0
    }
}

/// The scalar part of a checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ResumeState {
    adam_t: u64,
    /// Word position of the run's RNG (a u128, as text).
    rng_word_pos: String,
    best: Option<(f64, usize)>,
    since_best: usize,
    stopped: bool,
}

/// Epochs between checkpoints when nothing is evaluated.
const CHECKPOINT_EVERY: usize = 10;

/// Wall time after which an epoch's end is checkpointed even between [`CHECKPOINT_EVERY`]
/// epochs: a run of long epochs killed mid-way loses at most this and one epoch.
const CHECKPOINT_AFTER: Duration = Duration::from_secs(300);

/// Whether the end of `epoch` (of `epochs`) is checkpointed: at every evaluation, at a stop,
/// every [`CHECKPOINT_EVERY`] epochs, at the last epoch, and once [`CHECKPOINT_AFTER`] has
/// passed since the last checkpoint (or the run's start).
fn checkpoint_due(
    epoch: usize,
    epochs: usize,
    evaluated: bool,
    stopped: bool,
    since_last: Duration,
) -> bool {
    evaluated
        || stopped
        || epoch.is_multiple_of(CHECKPOINT_EVERY)
        || epoch == epochs
        || since_last >= CHECKPOINT_AFTER
}

/// The best evaluation so far: (value, epoch, parameters).
type Best = Option<(f64, usize, Vec<f32>)>;

/// The loop's state between epochs: what a checkpoint holds.
struct State {
    params: Vec<f32>,
    adam: Adam,
    best: Best,
    since_best: usize,
    stopped: bool,
}

impl State {
    fn checkpoint(&self, epoch: usize, rng: &ChaCha8Rng) -> Checkpoint {
        let shape = [self.params.len()];
        let mut arrays = Weights::new();
        arrays.insert("params", &shape, self.params.clone());
        arrays.insert("adam_m", &shape, self.adam.m.clone());
        arrays.insert("adam_v", &shape, self.adam.v.clone());
        if let Some((_, _, p)) = &self.best {
            arrays.insert("best_params", &shape, p.clone());
        }
        let state = ResumeState {
            adam_t: self.adam.t,
            rng_word_pos: rng.get_word_pos().to_string(),
            best: self.best.as_ref().map(|(v, e, _)| (*v, *e)),
            since_best: self.since_best,
            stopped: self.stopped,
        };
        Checkpoint {
            epoch,
            state: serde_json::to_value(state).expect("plain data serialises"),
            arrays,
        }
    }

    fn restore(&mut self, ck: &Checkpoint, rng: &mut ChaCha8Rng) -> Result<()> {
        let bad = |reason: &str| ModelError::Invalid(format!("the checkpoint {reason}"));
        let st: ResumeState = serde_json::from_value(ck.state.clone())
            .map_err(|e| bad(&format!("has a state this loop cannot read ({e})")))?;
        let n = self.params.len();
        let shaped = |name: &str| -> Result<Vec<f32>> {
            Ok(ck
                .arrays
                .get_shaped(name, &[n])
                .context("the checkpoint does not match this model")?
                .to_vec())
        };
        self.params = shaped("params")?;
        self.adam.m = shaped("adam_m")?;
        self.adam.v = shaped("adam_v")?;
        self.adam.t = st.adam_t;
        rng.set_word_pos(
            st.rng_word_pos
                .parse()
                .map_err(|_| bad("has a bad RNG position"))?,
        );
        if let Some((v, e)) = st.best {
            self.best = Some((v, e, shaped("best_params")?));
        }
        self.since_best = st.since_best;
        self.stopped = st.stopped;
        Ok(())
    }
}

/// The monitored metric of `model` on `ctx.monitor`.
fn evaluate<M: TrainedModel>(
    model: &M,
    what: Monitored,
    ctx: &TrainContext<'_>,
    seen: &UserItems,
    truth: &UserItems,
    popularity: &[u32],
) -> Result<BTreeMap<String, f64>> {
    let monitor = ctx.monitor.expect("evaluated only with a monitoring set");
    Ok(match what {
        Monitored::Recall(k) => evaluate_ranking(model, seen, truth, popularity, &[k]).to_map(),
        Monitored::Rmse => {
            let (Some(p), Some(truth), Some(scale)) = (
                model.rating_predictor(),
                monitor.ratings.as_deref(),
                ctx.rating_scale,
            ) else {
                bail!("monitoring RMSE needs a rating model and rated monitoring data");
            };
            let r = rating_metrics(
                &p.predict(&monitor.users, &monitor.items),
                truth,
                scale.min,
                scale.max,
            );
            BTreeMap::from([("rmse".to_string(), r.rmse), ("mae".to_string(), r.mae)])
        }
    })
}

/// Trains `obj` from `params` with the loop settings `s` on `ctx`. `rng` is the run's
/// generator, already used for the initialisation. With a monitoring set and
/// `eval_every > 0`, evaluates `what` there, keeps the best epoch's parameters and stops
/// after `patience` evaluations without improvement.
///
/// Every evaluation (or every 10 epochs without one, and the last epoch) hands the observer
/// a [`Checkpoint`]; given one back in `ctx.resume`, training continues exactly where it
/// stood: the same parameters, Adam moments, RNG position and best-so-far, so a resumed run
/// ends with the weights an uninterrupted one would have.
pub fn fit<O: Objective>(
    obj: &mut O,
    params: Vec<f32>,
    s: &LoopSettings,
    what: Monitored,
    ctx: &TrainContext<'_>,
    rng: &mut ChaCha8Rng,
    obs: &mut dyn Observer,
) -> Result<O::Model> {
    obs.loop_started();
    let (nu, ni) = (ctx.n_users, ctx.n_items);
    let mut adam = Adam::new(params.len(), s.lr);
    adam.weight_decay = obj.weight_decay();
    let mut st = State {
        params,
        adam,
        best: None,
        since_best: 0,
        stopped: false,
    };
    let monitor = ctx.monitor.filter(|m| !m.is_empty()).map(|m| {
        (
            UserItems::new(ctx.train, nu),
            UserItems::new(m, nu),
            ctx.train.item_degrees(ni),
        )
    });
    let key = what.key();
    let mut epoch = 1;
    if let Some(ck) = ctx.resume {
        st.restore(ck, rng)?;
        epoch = ck.epoch + 1;
        obs.message(&format!("resuming after epoch {}", ck.epoch));
    }

    let mut last_checkpoint = Instant::now();
    let may_stop = obs.may_stop();
    // The epoch of the last checkpoint handed over (a resumed run's counts).
    let mut checkpointed = ctx.resume.map(|ck| ck.epoch);
    while !st.stopped && epoch <= s.epochs {
        let start = Instant::now();
        st.adam.lr = s.schedule.lr(s.lr, epoch, s.epochs);
        // The state this epoch starts from is the checkpoint of the last one: kept only for
        // an observer that may stop training between steps.
        let epoch_start =
            (may_stop && checkpointed != Some(epoch - 1)).then(|| st.checkpoint(epoch - 1, rng));
        let steps = obj.start_epoch(rng);
        obs.epoch_started(epoch, steps);
        let mut loss_sum = 0.0f64;
        for k in 0..steps {
            let (loss, grad) = obj
                .loss_and_grad(&st.params, k, rng)
                .with_context(|| format!("epoch {epoch}, step {}", k + 1))?;
            if !loss.is_finite() {
                bail!("the loss became {loss} at epoch {epoch}; lower the learning rate");
            }
            st.adam.step(&mut st.params, &grad);
            obj.recycle(grad);
            loss_sum += loss as f64;
            obs.step();
            if may_stop && obs.stop_requested() {
                let resumable = match epoch_start {
                    Some(ck) => {
                        obs.checkpoint(&ck)?;
                        format!("the checkpoint of epoch {} was kept", ck.epoch)
                    }
                    None => match checkpointed {
                        Some(e) => format!("the checkpoint of epoch {e} was kept"),
                        None => "no checkpoint was kept".into(),
                    },
                };
                return Err(ModelError::Interrupted { epoch, resumable });
            }
        }
        let mut record = EpochRecord {
            epoch,
            loss: loss_sum / steps.max(1) as f64,
            seconds: start.elapsed().as_secs_f64(),
            metrics: None,
            eval_seconds: None,
        };
        let due = s.eval_every > 0 && (epoch % s.eval_every == 0 || epoch == s.epochs);
        let mut evaluated = false;
        if let (true, Some((seen, truth, popularity))) = (due, &monitor) {
            evaluated = true;
            let t0 = Instant::now();
            let model = obj.snapshot(&st.params)?;
            let metrics = evaluate(&model, what, ctx, seen, truth, popularity)?;
            let value = metrics[&key];
            record.eval_seconds = Some(t0.elapsed().as_secs_f64());
            record.metrics = Some(metrics);
            if st.best.as_ref().is_none_or(|b| what.better(value, b.0)) {
                st.best = Some((value, epoch, st.params.clone()));
                st.since_best = 0;
            } else {
                st.since_best += 1;
                st.stopped = s.patience > 0 && st.since_best >= s.patience;
            }
        }
        obs.epoch_finished(&record);
        let since_last = last_checkpoint.elapsed();
        if checkpoint_due(epoch, s.epochs, evaluated, st.stopped, since_last) {
            obs.checkpoint(&st.checkpoint(epoch, rng))?;
            last_checkpoint = Instant::now();
            checkpointed = Some(epoch);
        }
        if st.stopped {
            let (v, e, _) = st.best.as_ref().expect("set before any stop");
            obs.message(&format!("early stop: best {key} {v:.4} at epoch {e}"));
        }
        epoch += 1;
    }
    if let Some((v, e, params)) = st.best {
        obs.message(&format!(
            "keeping the weights of epoch {e} ({key} {v:.4} on the monitoring set)"
        ));
        st.params = params;
    }
    obj.snapshot(&st.params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_epochs_are_checkpointed_between_the_epoch_grid() {
        let quick = Duration::from_secs(5);
        let long = CHECKPOINT_AFTER + Duration::from_secs(1);
        // Off the grid, unevaluated, not stopped, not last: only time makes it due.
        assert!(!checkpoint_due(3, 11, false, false, quick));
        assert!(checkpoint_due(3, 11, false, false, long));
        // The other reasons hold whatever the time.
        assert!(checkpoint_due(10, 11, false, false, quick));
        assert!(checkpoint_due(11, 11, false, false, quick));
        assert!(checkpoint_due(3, 11, true, false, quick));
        assert!(checkpoint_due(3, 11, false, true, quick));
    }
}
