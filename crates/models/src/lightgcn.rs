//! LightGCN (He et al., SIGIR 2020) and MF-BPR (the same model with 0 layers).
//!
//! Ego embeddings `E⁰` (N(0, 0.1²) initialisation) for users and items; `Eᵏ = Â Eᵏ⁻¹` with
//! `Â` the symmetric-normalised bipartite adjacency of the training interactions; the final
//! embedding is the mean `Σ_k Eᵏ / (K + 1)`; a user–item score is the dot product. Training
//! minimises BPR, `mean softplus(s(u, neg) − s(u, pos))`, plus
//! `l2 · ½ (‖E⁰_u‖² + ‖E⁰_pos‖² + ‖E⁰_neg‖²) / batch` on the *ego* embeddings of the batch —
//! the regulariser of the reference implementation — with Adam.

use anyhow::{Result, bail};
use candle_core::{D, Device, Tensor, Var};
use gnnrec_eval::{DotScorer, Scorer};
use gnnrec_graph::normalized_adjacency;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::adam::Adam;
use crate::bpr::{BprTrainer, LoopSettings, fit};
use crate::context::TrainContext;
use crate::model::TrainedModel;
use crate::observer::Observer;
use crate::propagate::SparseMatrix;
use crate::sampler::hardest_negatives;
use crate::weights::Weights;

/// Hyperparameters of LightGCN / MF-BPR. Defaults are the paper's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LightGcnConfig {
    /// Embedding dimension.
    pub dim: usize,
    /// Propagation layers (0 = MF-BPR).
    pub layers: usize,
    /// L2 weight on the batch's ego embeddings.
    pub l2: f32,
    /// Learning rate, batch, epochs, evaluation, early stopping and schedule.
    #[serde(flatten)]
    pub train: LoopSettings,
}

/// A learning-rate schedule over the epochs of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// The same rate throughout (the paper's recipe).
    #[default]
    Constant,
    /// Cosine annealing from `lr` at the first epoch towards 0 after `epochs`.
    Cosine,
}

impl Schedule {
    /// The learning rate of `epoch` (1-based) of `epochs`, starting from `lr`.
    ///
    /// ```
    /// use gnnrec_models::lightgcn::Schedule;
    /// assert_eq!(Schedule::Constant.lr(0.01, 5, 10), 0.01);
    /// assert_eq!(Schedule::Cosine.lr(0.01, 1, 10), 0.01);
    /// assert!((Schedule::Cosine.lr(0.01, 6, 10) - 0.005).abs() < 1e-6);
    /// ```
    pub fn lr(self, lr: f32, epoch: usize, epochs: usize) -> f32 {
        match self {
            Schedule::Constant => lr,
            Schedule::Cosine => {
                let progress = (epoch.saturating_sub(1)) as f32 / epochs.max(1) as f32;
                lr * 0.5 * (1.0 + (std::f32::consts::PI * progress).cos())
            }
        }
    }
}

impl Default for LightGcnConfig {
    fn default() -> Self {
        LightGcnConfig {
            dim: 64,
            layers: 3,
            l2: 1e-4,
            train: LoopSettings {
                lr: 0.001,
                batch: 2048,
                epochs: 1000,
                eval_every: 10,
                patience: 5,
                monitor_k: 20,
                schedule: Schedule::Constant,
                neg_pool: 1,
            },
        }
    }
}

/// A trained LightGCN or MF-BPR: final user and item embeddings, scored by dot product.
#[derive(Debug, Clone)]
pub struct LightGcn {
    scorer: DotScorer,
    ego: Vec<f32>,
    n_users: usize,
}

impl LightGcn {
    /// Restores from saved weights.
    pub fn from_weights(w: &Weights, n_users: usize, n_items: usize, dim: usize) -> Result<Self> {
        let users = w.get_shaped("user_embedding", &[n_users, dim])?.to_vec();
        let items = w.get_shaped("item_embedding", &[n_items, dim])?.to_vec();
        let ego = w
            .get_shaped("ego_embedding", &[n_users + n_items, dim])?
            .to_vec();
        Ok(LightGcn {
            scorer: DotScorer::new(users, items, dim),
            ego,
            n_users,
        })
    }

    /// The ego (layer-0) embeddings, users then items.
    pub fn ego(&self) -> &[f32] {
        &self.ego
    }
}

impl Scorer for LightGcn {
    fn n_items(&self) -> usize {
        self.scorer.n_items()
    }
    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        self.scorer.score_users(users, out)
    }
}

impl TrainedModel for LightGcn {
    fn weights(&self) -> Weights {
        let d = self.scorer.dim();
        let n_items = self.scorer.n_items();
        let mut w = Weights::new();
        w.insert(
            "user_embedding",
            &[self.n_users, d],
            self.scorer.user_embeddings().to_vec(),
        );
        w.insert(
            "item_embedding",
            &[n_items, d],
            self.scorer.item_embeddings().to_vec(),
        );
        w.insert(
            "ego_embedding",
            &[self.n_users + n_items, d],
            self.ego.clone(),
        );
        w
    }
    fn as_scorer(&self) -> &dyn Scorer {
        self
    }
}

/// Final embeddings `Σ_k Âᵏ E⁰ / (K + 1)` computed outside autograd.
pub(crate) fn final_embeddings(
    adj: &SparseMatrix,
    ego: &[f32],
    dim: usize,
    layers: usize,
) -> Vec<f32> {
    let a = adj.csr();
    let mut acc = ego.to_vec();
    let mut cur = ego.to_vec();
    let mut next = vec![0f32; ego.len()];
    for _ in 0..layers {
        a.spmm(&cur, dim, &mut next);
        for (s, &x) in acc.iter_mut().zip(&next) {
            *s += x;
        }
        std::mem::swap(&mut cur, &mut next);
    }
    let scale = 1.0 / (layers + 1) as f32;
    acc.iter_mut().for_each(|x| *x *= scale);
    acc
}

fn model_from_ego(
    adj: &SparseMatrix,
    ego: Vec<f32>,
    n_users: usize,
    dim: usize,
    layers: usize,
) -> LightGcn {
    let fin = final_embeddings(adj, &ego, dim, layers);
    let (u, i) = fin.split_at(n_users * dim);
    LightGcn {
        scorer: DotScorer::new(u.to_vec(), i.to_vec(), dim),
        ego,
        n_users,
    }
}

/// `Σ_k Âᵏ x / (K + 1)` for k = 0..=K, inside autograd.
pub(crate) fn layer_mean(
    adj: &SparseMatrix,
    x: &Tensor,
    layers: usize,
) -> candle_core::Result<Tensor> {
    let mut acc = x.clone();
    let mut cur = x.clone();
    for _ in 0..layers {
        cur = adj.matmul(&cur)?;
        acc = (acc + &cur)?;
    }
    acc / (layers + 1) as f64
}

/// The rows `rows` of [`layer_mean`], inside autograd, skipping the work the result never
/// reads: layers `1..K` are propagated in full, but the last one only for `rows`
/// (`Â[rows, :] · Eᴷ⁻¹`), so its forward product and the first product of the backward pass
/// cost the non-zeros of those rows instead of the whole graph's.
pub(crate) fn layer_mean_rows(
    adj: &SparseMatrix,
    x: &Tensor,
    layers: usize,
    rows: &[u32],
) -> candle_core::Result<Tensor> {
    let idx = Tensor::from_slice(rows, rows.len(), x.device())?;
    let mut acc = x.index_select(&idx, 0)?;
    if layers == 0 {
        return Ok(acc);
    }
    let mut cur = x.clone();
    for _ in 1..layers {
        cur = adj.matmul(&cur)?;
        acc = (acc + cur.index_select(&idx, 0)?)?;
    }
    let last = adj.select_rows(rows).matmul(&cur)?;
    (acc + last)? / (layers + 1) as f64
}

/// The sorted distinct values of `parts`, and the position of each value of each part in it.
fn distinct_rows(parts: &[&[u32]]) -> (Vec<u32>, Vec<Vec<u32>>) {
    let mut rows: Vec<u32> = parts.iter().flat_map(|p| p.iter().copied()).collect();
    rows.sort_unstable();
    rows.dedup();
    let at = |r: &u32| rows.binary_search(r).expect("listed") as u32;
    let positions = parts.iter().map(|p| p.iter().map(at).collect()).collect();
    (rows, positions)
}

/// The BPR loss `mean softplus(⟨u, q⟩ − ⟨u, p⟩)` of users `u`, positives `p`, negatives `q`.
pub(crate) fn bpr_loss(u: &Tensor, p: &Tensor, q: &Tensor) -> candle_core::Result<Tensor> {
    let diff = ((u * q)?.sum(D::Minus1)? - (u * p)?.sum(D::Minus1)?)?;
    // softplus(x) = max(x, 0) + ln(1 + e^{-|x|}), stable for large |x|.
    let softplus = (diff.relu()? + diff.abs()?.neg()?.exp()?.affine(1.0, 1.0)?.log()?)?;
    softplus.mean_all()
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
    let reg = ((e.index_select(&ui, 0)?.sqr()?.sum_all()?
        + e.index_select(&pi, 0)?.sqr()?.sum_all()?)?
        + e.index_select(&ni, 0)?.sqr()?.sum_all()?)?;
    let reg = (reg * (0.5 / b as f64))?;
    let loss = (bpr + (reg * cfg.l2 as f64)?)?;
    let grads = loss.backward()?;
    let g = grads
        .get(e)
        .ok_or_else(|| candle_core::Error::Msg("no gradient for the embeddings".into()))?;
    Ok((loss.to_scalar::<f32>()?, g.flatten_all()?.to_vec1()?))
}

/// The state of a LightGCN optimisation: the graph, the ego embeddings and Adam. [`train`]
/// drives it epoch by epoch; benches drive single steps.
#[derive(Debug, Clone)]
pub struct Trainer {
    device: Device,
    cfg: LightGcnConfig,
    adj: SparseMatrix,
    ego: Vec<f32>,
    adam: Adam,
    n_users: usize,
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
        let adam = Adam::new(ego.len(), cfg.train.lr);
        Ok(Trainer {
            device: Device::Cpu,
            cfg: cfg.clone(),
            adj,
            ego,
            adam,
            n_users,
        })
    }

    /// The same trainer computing its steps on `device` (on a CUDA device the propagation is
    /// built from candle ops; Adam and the parameters stay on the CPU).
    pub fn on(self, device: Device) -> Self {
        Trainer { device, ..self }
    }

    /// One Adam step on the BPR loss of the triples (`users[k]`, `pos[k]`, `neg[k]`);
    /// returns the loss before the step.
    pub fn step(&mut self, users: &[u32], pos: &[u32], neg: &[u32]) -> Result<f32> {
        let (loss, grad) = step_loss(
            &self.device,
            &self.adj,
            &self.ego,
            self.n_users,
            self.cfg.dim,
            &self.cfg,
            users,
            pos,
            neg,
        )?;
        if !loss.is_finite() {
            bail!("the loss became {loss}; lower the learning rate");
        }
        self.adam.step(&mut self.ego, &grad);
        Ok(loss)
    }

    /// The model as it stands: final embeddings propagated from the current ego embeddings.
    pub fn model(&self) -> LightGcn {
        model_from_ego(
            &self.adj,
            self.ego.clone(),
            self.n_users,
            self.cfg.dim,
            self.cfg.layers,
        )
    }
}

impl BprTrainer for Trainer {
    type Model = LightGcn;
    const PICKS_HARD_NEGATIVES: bool = true;
    fn params(&self) -> &[f32] {
        &self.ego
    }
    fn set_params(&mut self, params: Vec<f32>) {
        assert_eq!(params.len(), self.ego.len());
        self.ego = params;
    }
    fn adam(&mut self) -> &mut Adam {
        &mut self.adam
    }
    fn step(&mut self, users: &[u32], pos: &[u32], neg: &[u32]) -> Result<f32> {
        Trainer::step(self, users, pos, neg)
    }
    fn model(&self) -> LightGcn {
        Trainer::model(self)
    }
}

/// Trains LightGCN (or MF-BPR with `layers = 0`) on `ctx` with the shared BPR loop
/// ([`crate::bpr::fit`]: evaluation, early stopping, checkpoints, resume).
pub fn train(
    cfg: &LightGcnConfig,
    ctx: &TrainContext<'_>,
    obs: &mut dyn Observer,
) -> Result<LightGcn> {
    let mut rng = ChaCha8Rng::seed_from_u64(ctx.seed);
    let device = ctx.device.open()?;
    let mut trainer = Trainer::new(cfg, ctx.train, ctx.n_users, ctx.n_items, &mut rng)?.on(device);
    fit(&mut trainer, &cfg.train, ctx, &mut rng, obs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_gradient_matches_finite_differences() {
        // A tiny graph: 3 users, 4 items; check d loss / d E⁰ numerically in f32.
        let x = gnnrec_data::Interactions::new(vec![0, 0, 1, 2, 2], vec![0, 1, 1, 2, 3]);
        let adj = SparseMatrix::new(normalized_adjacency(&x, 3, 4));
        let cfg = LightGcnConfig {
            dim: 2,
            layers: 2,
            l2: 0.1,
            ..Default::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let normal = Normal::new(0.0f32, 0.5).unwrap();
        let ego: Vec<f32> = (0..7 * 2).map(|_| normal.sample(&mut rng)).collect();
        let (users, pos, neg) = ([0u32, 2], [1u32, 3], [2u32, 0]);
        let (_, g) = step_loss(&Device::Cpu, &adj, &ego, 3, 2, &cfg, &users, &pos, &neg).unwrap();
        let h = 1e-2;
        for k in 0..ego.len() {
            let f = |delta: f32| {
                let mut e = ego.clone();
                e[k] += delta;
                step_loss(&Device::Cpu, &adj, &e, 3, 2, &cfg, &users, &pos, &neg)
                    .unwrap()
                    .0
            };
            let numeric = (f(h) - f(-h)) / (2.0 * h);
            assert!(
                (numeric - g[k]).abs() < 2e-3,
                "entry {k}: {numeric} vs {}",
                g[k]
            );
        }
    }

    fn random_graph(seed: u64) -> (gnnrec_data::Interactions, Vec<f32>) {
        use rand::Rng;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut x = gnnrec_data::Interactions::new(
            (0..60).map(|_| rng.random_range(0..8)).collect(),
            (0..60).map(|_| rng.random_range(0..10)).collect(),
        );
        x.dedup_pairs();
        let normal = Normal::new(0.0f32, 0.5).unwrap();
        let ego = (0..18 * 3).map(|_| normal.sample(&mut rng)).collect();
        (x, ego)
    }

    #[test]
    fn the_rows_of_the_layer_mean_match_the_full_one_in_value_and_gradient() {
        let (x, ego) = random_graph(11);
        let adj = SparseMatrix::new(normalized_adjacency(&x, 8, 10));
        let rows = [0u32, 3, 9, 12, 17];
        let w = Tensor::from_vec(
            (0..rows.len() * 3).map(|k| k as f32 - 7.0).collect(),
            (rows.len(), 3),
            &Device::Cpu,
        )
        .unwrap();
        for layers in 0..4 {
            let e = Var::from_slice(&ego, (18, 3), &Device::Cpu).unwrap();
            let idx = Tensor::from_slice(&rows, rows.len(), &Device::Cpu).unwrap();
            let full = layer_mean(&adj, e.as_tensor(), layers)
                .unwrap()
                .index_select(&idx, 0)
                .unwrap();
            let part = layer_mean_rows(&adj, e.as_tensor(), layers, &rows).unwrap();
            let grad = |t: &Tensor| -> Vec<f32> {
                let l = (t * &w).unwrap().sum_all().unwrap();
                let g = l.backward().unwrap();
                g.get(e.as_tensor())
                    .unwrap()
                    .flatten_all()
                    .unwrap()
                    .to_vec1()
                    .unwrap()
            };
            let flat = |t: &Tensor| -> Vec<f32> { t.flatten_all().unwrap().to_vec1().unwrap() };
            for (a, b) in flat(&full).iter().zip(flat(&part)) {
                assert!((a - b).abs() < 1e-5, "{layers} layers: {a} vs {b}");
            }
            for (a, b) in grad(&full).iter().zip(grad(&part)) {
                assert!(
                    (a - b).abs() < 1e-5,
                    "{layers} layers, gradient: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn a_negative_pool_trains_on_the_candidate_the_model_scores_highest() {
        let (x, ego) = random_graph(12);
        let adj = SparseMatrix::new(normalized_adjacency(&x, 8, 10));
        let cfg = LightGcnConfig {
            dim: 3,
            layers: 2,
            l2: 0.1,
            ..Default::default()
        };
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
        let cfg = LightGcnConfig {
            dim: 3,
            layers: 3,
            l2: 0.1,
            ..Default::default()
        };
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

    use crate::checkpoint::Checkpoint;

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
            dim: 8,
            layers: 2,
            train: LoopSettings {
                lr: 0.01,
                batch: 32,
                epochs: 6,
                eval_every: 2,
                patience: 0,
                schedule: Schedule::Cosine,
                ..LightGcnConfig::default().train
            },
            ..Default::default()
        };
        let mut ctx = TrainContext {
            n_users: 20,
            n_items: 30,
            train: &train_set,
            monitor: Some(&valid),
            rating_scale: None,
            user_features: None,
            item_features: None,
            seed: 9,
            resume: None,
            device: Default::default(),
        };
        let mut all = Keep(Vec::new());
        let whole = train(&cfg, &ctx, &mut all).unwrap();
        assert_eq!(all.0.iter().map(|c| c.epoch).collect::<Vec<_>>(), [2, 4, 6]);
        ctx.resume = Some(&all.0[0]);
        let mut rest = Keep(Vec::new());
        let resumed = train(&cfg, &ctx, &mut rest).unwrap();
        assert_eq!(rest.0, all.0[1..]);
        assert_eq!(resumed.weights(), whole.weights());
    }

    #[test]
    fn final_embeddings_average_the_layers() {
        let x = gnnrec_data::Interactions::new(vec![0], vec![0]);
        let adj = SparseMatrix::new(normalized_adjacency(&x, 1, 1));
        // Two nodes joined by an edge of weight 1: E¹ swaps them, E² swaps back.
        let fin = final_embeddings(&adj, &[1.0, 3.0], 1, 2);
        let want = [(1.0 + 3.0 + 1.0) / 3.0, (3.0 + 1.0 + 3.0) / 3.0];
        for (got, want) in fin.iter().zip(want) {
            assert!((got - want).abs() < 1e-6, "{got} vs {want}");
        }
    }
}
