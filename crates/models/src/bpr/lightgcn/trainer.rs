//! LightGCN's optimisation: the candle step (autograd, the reference and the path of CUDA
//! devices), the [`Trainer`] that takes the hand-written CPU step where it applies
//! ([`super::step`]), and [`train`], which hands it to the shared loop.

use candle_core::{Device, Tensor, Var};
use gnnrec_graph::normalized_adjacency;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use super::step::{Shape, StepBuffers};
use super::{LightGcn, LightGcnConfig};
use crate::framework::context::TrainContext;
use crate::framework::error::{Result, bail};
use crate::framework::observer::Observer;
use crate::ops::distinct_rows;
use crate::ops::propagate::{SparseMatrix, final_embeddings, layer_mean, layer_mean_rows};
use crate::training::adam::Adam;
use crate::training::sampler::hardest_negatives;
use crate::training::{
    BprEpochs, Monitored, Objective, bpr_loss, fit, squared_norms_of_rows, value_and_gradient,
};

fn model_from_ego(
    adj: &SparseMatrix,
    ego: Vec<f32>,
    n_users: usize,
    dim: usize,
    layers: usize,
) -> LightGcn {
    let fin = final_embeddings(adj, &ego, dim, layers);
    LightGcn::from_final(&fin, ego, n_users, dim)
}

/// One training step's loss, built on candle with autograd; returns (loss, d loss / d E⁰).
#[allow(clippy::too_many_arguments)]
fn step_loss(
    dev: &Device,
    adj: &SparseMatrix,
    ego: &[f32],
    n_users: usize,
    dim: usize,
    cfg: &LightGcnConfig,
    users: &[u32],
    pos: &[u32],
    neg: &[u32],
) -> candle_core::Result<(f32, Vec<f32>)> {
    let n = ego.len() / dim;
    let e0 = Var::from_slice(ego, (n, dim), dev)?;
    let b = users.len();
    let off = n_users as u32;
    let pos: Vec<u32> = pos.iter().map(|&i| i + off).collect();
    let (u, p, q, neg) = if neg.len() > b {
        // A pool of candidates per triple: train on the one the current model ranks highest.
        // Scoring the pool needs every item's final embedding, so all layers run in full.
        let fin = layer_mean(adj, e0.as_tensor(), cfg.layers)?;
        let f = fin.flatten_all()?.to_vec1::<f32>()?;
        let row = |r: u32| &f[r as usize * dim..(r as usize + 1) * dim];
        let score = |u: u32, i: u32| row(u).iter().zip(row(i + off)).map(|(a, b)| a * b).sum();
        let neg: Vec<u32> = hardest_negatives(users, neg, neg.len() / b, score)
            .into_iter()
            .map(|i| i + off)
            .collect();
        let pick = |ix: &[u32]| fin.index_select(&Tensor::from_slice(ix, b, dev)?, 0);
        (pick(users)?, pick(&pos)?, pick(&neg)?, neg)
    } else {
        let neg: Vec<u32> = neg.iter().map(|&i| i + off).collect();
        let (rows, at) = distinct_rows(&[users, &pos, &neg]);
        let fin = layer_mean_rows(adj, e0.as_tensor(), cfg.layers, &rows)?;
        let pick = |ix: &Vec<u32>| fin.index_select(&Tensor::from_slice(ix, b, dev)?, 0);
        (pick(&at[0])?, pick(&at[1])?, pick(&at[2])?, neg)
    };
    let ui = Tensor::from_slice(users, b, dev)?;
    let pi = Tensor::from_slice(&pos, b, dev)?;
    let ni = Tensor::from_slice(&neg, b, dev)?;
    let bpr = bpr_loss(&u, &p, &q)?;
    let e = e0.as_tensor();
    let reg = (squared_norms_of_rows(e, &[&ui, &pi, &ni])? * (0.5 / b as f64))?;
    let loss = (bpr + (reg * cfg.l2 as f64)?)?;
    value_and_gradient(&loss, e)
}

/// The state of a LightGCN optimisation: the graph, the ego embeddings and, for single steps
/// outside the loop (benches), an Adam of its own, made on the first [`Trainer::step`].
/// [`train`] hands it to the shared loop, which keeps its own.
#[derive(Debug)]
pub struct Trainer {
    device: Device,
    cfg: LightGcnConfig,
    adj: SparseMatrix,
    ego: Vec<f32>,
    adam: Option<Adam>,
    n_users: usize,
    epochs: Option<BprEpochs>,
    /// The hand-written CPU step's buffers ([`crate::bpr::lightgcn::step`]).
    buffers: StepBuffers,
    /// Always take candle's autograd step (the reference), even where the hand-written one
    /// applies.
    reference: bool,
}

impl Trainer {
    /// A trainer over `train` (dense indices), ego embeddings drawn from N(0, 0.1²) with `rng`.
    pub fn new(
        cfg: &LightGcnConfig,
        train: &gnnrec_data::Interactions,
        n_users: usize,
        n_items: usize,
        rng: &mut ChaCha8Rng,
    ) -> Result<Self> {
        if cfg.dim == 0 || cfg.train.batch == 0 {
            bail!("dim and batch must be positive");
        }
        let adj = SparseMatrix::new(normalized_adjacency(train, n_users, n_items));
        let normal = Normal::new(0.0f32, 0.1).expect("valid normal");
        let ego: Vec<f32> = (0..(n_users + n_items) * cfg.dim)
            .map(|_| normal.sample(rng))
            .collect();
        Ok(Trainer {
            device: Device::Cpu,
            cfg: cfg.clone(),
            adj,
            ego,
            adam: None,
            n_users,
            epochs: None,
            buffers: StepBuffers::default(),
            reference: false,
        })
    }

    /// The same trainer taking candle's autograd step (the reference the hand-written CPU step
    /// is tested and benchmarked against) instead of the hand-written one.
    pub fn with_reference_step(self) -> Self {
        Trainer {
            reference: true,
            ..self
        }
    }

    /// The same trainer computing its steps on `device` (on a CUDA device the propagation is
    /// built from candle ops; Adam and the parameters stay on the CPU).
    pub fn on(self, device: Device) -> Self {
        Trainer { device, ..self }
    }

    /// The step's loss and gradient: by the hand-written CPU step where it applies (CPU,
    /// symmetric graph), else by candle's autograd.
    fn loss_at(
        &mut self,
        ego: &[f32],
        users: &[u32],
        pos: &[u32],
        neg: &[u32],
    ) -> Result<(f32, Vec<f32>)> {
        let d = self.cfg.dim;
        if !self.reference
            && self.device.is_cpu()
            && let Some(a) = self.adj.cpu_symmetric()
        {
            let shape = Shape {
                n_users: self.n_users,
                dim: d,
                layers: self.cfg.layers,
                l2: self.cfg.l2,
            };
            return Ok(self.buffers.loss_and_grad(a, ego, shape, users, pos, neg));
        }
        Ok(step_loss(
            &self.device,
            &self.adj,
            ego,
            self.n_users,
            d,
            &self.cfg,
            users,
            pos,
            neg,
        )?)
    }

    /// One Adam step on the BPR loss of the triples (`users[k]`, `pos[k]`, `neg[k]`);
    /// returns the loss before the step. (The training loop takes its own steps through
    /// [`Objective`]; this one serves benches and tests.)
    pub fn step(&mut self, users: &[u32], pos: &[u32], neg: &[u32]) -> Result<f32> {
        let ego = std::mem::take(&mut self.ego);
        let result = self.loss_at(&ego, users, pos, neg);
        self.ego = ego;
        let (loss, grad) = result?;
        if !loss.is_finite() {
            bail!("the loss became {loss}; lower the learning rate");
        }
        let (n, lr) = (self.ego.len(), self.cfg.train.lr);
        self.adam
            .get_or_insert_with(|| Adam::new(n, lr))
            .step(&mut self.ego, &grad);
        self.buffers.recycle(grad);
        Ok(loss)
    }
}

impl Objective for Trainer {
    type Model = LightGcn;
    fn start_epoch(&mut self, rng: &mut ChaCha8Rng) -> usize {
        self.epochs.as_mut().expect("set by train").start(rng)
    }
    fn loss_and_grad(
        &mut self,
        params: &[f32],
        k: usize,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(f32, Vec<f32>)> {
        // The epoch's batches are lent out of `self` while the step borrows it mutably.
        let epochs = self.epochs.take().expect("set by train");
        let b = epochs.batch(k);
        let result = self.loss_at(params, b.users, b.pos, b.neg);
        self.epochs = Some(epochs);
        result
    }
    fn recycle(&mut self, grad: Vec<f32>) {
        self.buffers.recycle(grad);
    }
    fn snapshot(&self, params: &[f32]) -> Result<LightGcn> {
        Ok(model_from_ego(
            &self.adj,
            params.to_vec(),
            self.n_users,
            self.cfg.dim,
            self.cfg.layers,
        ))
    }
}

/// Trains LightGCN (or MF-BPR with `layers = 0`) on `ctx` with the shared loop
/// ([`crate::training::fit`]: evaluation, early stopping, checkpoints, resume).
pub fn train(
    cfg: &LightGcnConfig,
    ctx: &TrainContext<'_>,
    obs: &mut dyn Observer,
) -> Result<LightGcn> {
    let mut rng = ChaCha8Rng::seed_from_u64(ctx.seed);
    let device = ctx.device.open()?;
    let mut trainer = Trainer::new(cfg, ctx.train, ctx.n_users, ctx.n_items, &mut rng)?.on(device);
    trainer.epochs = Some(BprEpochs::new(
        ctx.train,
        ctx.n_users,
        ctx.n_items,
        cfg.train.batch,
        cfg.neg_pool,
    )?);
    let init = std::mem::take(&mut trainer.ego);
    let what = Monitored::Recall(cfg.monitor_k);
    fit(&mut trainer, init, &cfg.train, what, ctx, &mut rng, obs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::model::TrainedModel;
    use crate::testing::{assert_gradient_matches_finite_differences, random_graph};
    use crate::training::{LoopSettings, Schedule};

    /// LightGCN's defaults with `dim`, `layers` and `l2` set.
    fn config(dim: usize, layers: usize, l2: f32) -> LightGcnConfig {
        let mut cfg = LightGcnConfig {
            layers,
            ..Default::default()
        };
        (cfg.embedding.dim, cfg.embedding.l2) = (dim, l2);
        cfg
    }

    #[test]
    fn step_gradient_matches_finite_differences() {
        // A tiny graph: 3 users, 4 items; check d loss / d E⁰ numerically in f32.
        let x = gnnrec_data::Interactions::new(vec![0, 0, 1, 2, 2], vec![0, 1, 1, 2, 3]);
        let adj = SparseMatrix::new(normalized_adjacency(&x, 3, 4));
        let cfg = config(2, 2, 0.1);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let normal = Normal::new(0.0f32, 0.5).unwrap();
        let ego: Vec<f32> = (0..7 * 2).map(|_| normal.sample(&mut rng)).collect();
        let (users, pos, neg) = ([0u32, 2], [1u32, 3], [2u32, 0]);
        assert_gradient_matches_finite_differences(&ego, |e| {
            step_loss(&Device::Cpu, &adj, e, 3, 2, &cfg, &users, &pos, &neg).unwrap()
        });
    }

    #[test]
    fn a_negative_pool_trains_on_the_candidate_the_model_scores_highest() {
        let (x, ego) = random_graph(12);
        let adj = SparseMatrix::new(normalized_adjacency(&x, 8, 10));
        let cfg = config(3, 2, 0.1);
        let fin = final_embeddings(&adj, &ego, 3, 2);
        let score = |u: u32, i: u32| -> f32 {
            let (a, b) = (u as usize * 3, (i as usize + 8) * 3);
            (0..3).map(|k| fin[a + k] * fin[b + k]).sum()
        };
        let (users, pos) = ([0u32, 5, 7], [1u32, 2, 3]);
        let pools = [4u32, 0, 9, 6, 6, 1, 2, 8, 5];
        let hardest: Vec<u32> = users
            .iter()
            .zip(pools.chunks(3))
            .map(|(&u, c)| {
                *c.iter()
                    .max_by(|&&a, &&b| score(u, a).total_cmp(&score(u, b)))
                    .unwrap()
            })
            .collect();
        let (l1, g1) =
            step_loss(&Device::Cpu, &adj, &ego, 8, 3, &cfg, &users, &pos, &pools).unwrap();
        let (l2, g2) =
            step_loss(&Device::Cpu, &adj, &ego, 8, 3, &cfg, &users, &pos, &hardest).unwrap();
        assert!((l1 - l2).abs() < 1e-6, "{l1} vs {l2}");
        for (a, b) in g1.iter().zip(&g2) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        // and it is not the uniform first candidate everywhere
        assert_ne!(hardest, [4, 6, 2]);
    }

    #[test]
    fn the_candle_ops_path_of_cuda_devices_computes_the_same_step() {
        let (x, ego) = random_graph(13);
        let adj = SparseMatrix::new(normalized_adjacency(&x, 8, 10));
        let ops = adj.clone().with_candle_ops();
        let cfg = config(3, 3, 0.1);
        let (users, pos) = ([0u32, 5, 7, 5], [1u32, 2, 3, 2]);
        for neg in [&[4u32, 0, 9, 6][..], &[4, 0, 9, 6, 6, 1, 2, 8][..]] {
            let cpu = Device::Cpu;
            let (l1, g1) = step_loss(&cpu, &adj, &ego, 8, 3, &cfg, &users, &pos, neg).unwrap();
            let (l2, g2) = step_loss(&cpu, &ops, &ego, 8, 3, &cfg, &users, &pos, neg).unwrap();
            assert!((l1 - l2).abs() < 1e-6, "{l1} vs {l2}");
            for (a, b) in g1.iter().zip(&g2) {
                assert!((a - b).abs() < 1e-6, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn the_hand_written_cpu_step_computes_the_loss_and_gradient_of_the_candle_step() {
        let (x, ego) = random_graph(14);
        let adj = SparseMatrix::new(normalized_adjacency(&x, 8, 10));
        let a = adj
            .cpu_symmetric()
            .expect("the normalised adjacency is symmetric");
        // Repeated users, positives and negatives; a negative that is also a positive.
        let (users, pos) = ([0u32, 5, 7, 5, 2], [1u32, 2, 3, 2, 9]);
        let uniform = [4u32, 0, 9, 6, 1];
        let pools = [4u32, 0, 9, 6, 6, 1, 2, 8, 5, 3];
        for layers in 0..=3 {
            for neg in [&uniform[..], &pools[..]] {
                let cfg = config(3, layers, 0.1);
                let cpu = Device::Cpu;
                let (l_ref, g_ref) =
                    step_loss(&cpu, &adj, &ego, 8, 3, &cfg, &users, &pos, neg).unwrap();
                let shape = Shape {
                    n_users: 8,
                    dim: 3,
                    layers,
                    l2: 0.1,
                };
                let mut buffers = StepBuffers::default();
                // Twice: the second step reuses the buffers the first one sized.
                for _ in 0..2 {
                    let (l, g) = buffers.loss_and_grad(a, &ego, shape, &users, &pos, neg);
                    let what = format!("{layers} layers, {} negatives", neg.len());
                    assert!((l - l_ref).abs() < 1e-6, "{what}: loss {l} vs {l_ref}");
                    assert_eq!(g.len(), g_ref.len());
                    for (k, (a, b)) in g.iter().zip(&g_ref).enumerate() {
                        assert!((a - b).abs() < 1e-6, "{what}: gradient [{k}] {a} vs {b}");
                    }
                    // The next step writes into this (non-zero) vector, and finds every kept
                    // buffer poisoned.
                    buffers.recycle(g);
                    buffers.poison();
                }
            }
        }
    }

    #[test]
    fn the_trainer_takes_the_same_steps_either_way() {
        let (x, _) = random_graph(15);
        let cfg = config(4, 3, LightGcnConfig::default().l2);
        let make = || Trainer::new(&cfg, &x, 8, 10, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        let (mut fast, mut reference) = (make(), make().with_reference_step());
        for _ in 0..3 {
            let a = fast.step(&[0, 5, 7], &[1, 2, 3], &[4, 0, 9]).unwrap();
            let b = reference.step(&[0, 5, 7], &[1, 2, 3], &[4, 0, 9]).unwrap();
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        for (a, b) in fast.ego.iter().zip(&reference.ego) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }

    use crate::framework::checkpoint::Checkpoint;

    /// Keeps every checkpoint it is handed.
    struct Keep(Vec<Checkpoint>);
    impl Observer for Keep {
        fn checkpoint(&mut self, c: &Checkpoint) -> Result<()> {
            self.0.push(c.clone());
            Ok(())
        }
    }

    #[test]
    fn a_resumed_run_ends_where_an_uninterrupted_one_does() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        use rand::Rng;
        let pairs = |rng: &mut ChaCha8Rng, n: usize| {
            let mut x = gnnrec_data::Interactions::new(
                (0..n).map(|_| rng.random_range(0..20)).collect(),
                (0..n).map(|_| rng.random_range(0..30)).collect(),
            );
            x.dedup_pairs();
            x
        };
        let (train_set, valid) = (pairs(&mut rng, 200), pairs(&mut rng, 40));
        let cfg = LightGcnConfig {
            train: LoopSettings {
                lr: 0.01,
                batch: 32,
                epochs: 6,
                eval_every: 2,
                patience: 0,
                schedule: Schedule::Cosine,
            },
            ..config(8, 2, LightGcnConfig::default().l2)
        };
        let mut ctx = TrainContext::new(&train_set, 20, 30)
            .with_monitor(Some(&valid))
            .with_seed(9);
        let mut all = Keep(Vec::new());
        let whole = train(&cfg, &ctx, &mut all).unwrap();
        assert_eq!(all.0.iter().map(|c| c.epoch).collect::<Vec<_>>(), [2, 4, 6]);
        ctx.resume = Some(&all.0[0]);
        let mut rest = Keep(Vec::new());
        let resumed = train(&cfg, &ctx, &mut rest).unwrap();
        assert_eq!(rest.0, all.0[1..]);
        assert_eq!(resumed.weights(), whole.weights());
    }
}

#[cfg(test)]
mod interrupt_tests {
    use super::tests_support::*;
    use super::*;
    use crate::ModelError;
    use crate::framework::checkpoint::Checkpoint;
    use crate::framework::model::TrainedModel;

    /// Asks to stop after `after` steps and keeps every checkpoint it is handed.
    struct StopAfter {
        after: usize,
        steps: usize,
        kept: Vec<Checkpoint>,
    }
    impl Observer for StopAfter {
        fn checkpoint(&mut self, c: &Checkpoint) -> Result<()> {
            self.kept.push(c.clone());
            Ok(())
        }
        fn may_stop(&mut self) -> bool {
            true
        }
        fn step(&mut self) {
            self.steps += 1;
        }
        fn stop_requested(&mut self) -> bool {
            self.steps >= self.after
        }
    }

    #[test]
    fn a_stop_between_steps_keeps_the_last_epoch_and_resumes_to_the_uninterrupted_weights() {
        let (train_set, valid) = small_sets();
        let cfg = small_config(6, 0);
        let ctx = TrainContext::new(&train_set, 20, 30)
            .with_monitor(Some(&valid))
            .with_seed(9);
        let whole = train(&cfg, &ctx, &mut crate::Silent).unwrap();
        // 200 pairs in batches of 32: 7 steps an epoch; stop in the middle of epoch 3.
        for (after, kept_epoch) in [(17, 2), (3, 0)] {
            let mut stop = StopAfter {
                after,
                steps: 0,
                kept: Vec::new(),
            };
            let Err(e) = train(&cfg, &ctx, &mut stop) else {
                panic!("training was asked to stop")
            };
            assert!(matches!(e, ModelError::Interrupted { .. }), "{e}");
            assert_eq!(stop.steps, after, "stopped right after the step that asked");
            let last = stop.kept.last().expect("a checkpoint of the last epoch");
            assert_eq!(last.epoch, kept_epoch);
            let resumed = train(&cfg, &ctx.with_resume(Some(last)), &mut crate::Silent);
            assert_eq!(resumed.unwrap().weights(), whole.weights());
        }
    }
}

#[cfg(test)]
mod tests_support {
    use super::*;
    use crate::training::{LoopSettings, Schedule};
    use rand::{Rng, SeedableRng};

    /// Two random sets of distinct pairs over 20 users and 30 items: 200 to train, 40 to watch.
    pub(super) fn small_sets() -> (gnnrec_data::Interactions, gnnrec_data::Interactions) {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut pairs = |n: usize| {
            let mut x = gnnrec_data::Interactions::new(
                (0..n).map(|_| rng.random_range(0..20)).collect(),
                (0..n).map(|_| rng.random_range(0..30)).collect(),
            );
            x.dedup_pairs();
            x
        };
        (pairs(200), pairs(40))
    }

    /// A small LightGCN trained `epochs` epochs, evaluated every `eval_every`.
    pub(super) fn small_config(epochs: usize, eval_every: usize) -> LightGcnConfig {
        let mut cfg = LightGcnConfig {
            train: LoopSettings {
                lr: 0.01,
                batch: 32,
                epochs,
                eval_every,
                patience: 0,
                schedule: Schedule::Cosine,
            },
            layers: 2,
            ..LightGcnConfig::default()
        };
        cfg.embedding.dim = 8;
        cfg
    }
}
