//! What the noise-based graph contrastive models (SimGCL, [`crate::bpr::simgcl`]; XSimGCL,
//! [`crate::bpr::xsimgcl`]) share: LightGCN's encoder with random noise added at every layer, the
//! InfoNCE loss over a batch's distinct users and items, BPR with the ego-L2 term, and the
//! objective handed to the shared training loop. Each model only says how its views are
//! built and contrasted ([`ContrastiveStep`]).
//!
//! Written by hand because no crate ships these losses; the products and their gradients go
//! through candle's autograd (the sparse propagation through [`SparseMatrix`]).

use candle_core::{D, DType, Device, Tensor, Var};
use gnnrec_graph::normalized_adjacency;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;

use crate::bpr::lightgcn::LightGcn;
use crate::framework::config::Range;
use crate::framework::context::TrainContext;
use crate::framework::error::Result;
use crate::framework::observer::Observer;
use crate::framework::weights::Weights;
use crate::ops::distinct_rows;
use crate::ops::propagate::{SparseMatrix, layer_mean_outside_autograd};
use crate::training::{
    BprEpochs, LoopSettings, Monitored, Objective, bpr_loss, fit, squared_norms_of_rows,
    value_and_gradient,
};

crate::settings! {
    /// The encoder's noise and the contrastive loss, common to SimGCL and XSimGCL (flattened
    /// into their configurations; the fallback defaults are SimGCL's).
    #[derive(Copy)]
    pub struct ContrastSettings {
        /// Propagation layers (≥ 1).
        pub layers: usize = 3 => (Range::Positive, "propagation layers"),
        /// Magnitude ε of the noise added at every layer.
        pub eps: f32 = 0.1 => (Range::NonNegative, "magnitude ε of the noise added at every layer"),
        /// Temperature τ of InfoNCE.
        pub tau: f32 = 0.2 => (Range::PositiveReal, "temperature τ of the InfoNCE loss"),
        /// Weight λ of the contrastive loss.
        pub cl_weight: f32 = 0.5 => (Range::NonNegative, "weight λ of the contrastive loss"),
    }
}

/// Rows of noise drawn from one seed (so the draw is parallel and independent of threads).
const NOISE_ROWS: usize = 1024;

/// `ε · sign(x) ⊙ normalize(U)` for `x` of `n × dim`, `U` uniform on [0, 1), drawn from
/// `seed` in blocks of [`NOISE_ROWS`] rows.
pub(crate) fn perturbation(x: &[f32], dim: usize, eps: f32, seed: u64) -> Vec<f32> {
    let mut out = vec![0f32; x.len()];
    out.par_chunks_mut(NOISE_ROWS * dim)
        .zip(x.par_chunks(NOISE_ROWS * dim))
        .enumerate()
        .for_each(|(block, (o, xs))| {
            let mut rng = ChaCha8Rng::seed_from_u64(
                seed ^ (block as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            for (orow, xrow) in o.chunks_mut(dim).zip(xs.chunks(dim)) {
                let mut norm = 0f32;
                for v in orow.iter_mut() {
                    *v = rng.random::<f32>();
                    norm += *v * *v;
                }
                let scale = eps / norm.sqrt().max(1e-12);
                for (v, &s) in orow.iter_mut().zip(xrow) {
                    let sign = if s > 0.0 {
                        1.0
                    } else if s < 0.0 {
                        -1.0
                    } else {
                        0.0
                    };
                    *v *= scale * sign;
                }
            }
        });
    out
}

/// Layers `1..=layers` of the encoder `Eᵏ = Â Eᵏ⁻¹ + Δᵏ`. With `noise = Some((ε, seed))`,
/// `Δᵏ` is [`perturbation`] of the layer's product drawn from `seed + k` (its sign a constant
/// of the step, as in the reference code); with `None` the encoder is LightGCN's.
pub(crate) fn encode(
    adj: &SparseMatrix,
    e0: &Tensor,
    layers: usize,
    noise: Option<(f32, u64)>,
) -> candle_core::Result<Vec<Tensor>> {
    let (n, d) = e0.dims2()?;
    let mut cur = e0.clone();
    let mut out = Vec::with_capacity(layers);
    for layer in 1..=layers {
        cur = adj.matmul(&cur)?;
        if let Some((eps, seed)) = noise.filter(|(eps, _)| *eps > 0.0) {
            let values = cur.flatten_all()?.to_vec1::<f32>()?;
            let delta = perturbation(&values, d, eps, seed.wrapping_add(layer as u64));
            cur = (cur + Tensor::from_vec(delta, (n, d), e0.device())?)?;
        }
        out.push(cur.clone());
    }
    Ok(out)
}

/// The mean of the layers (the final embedding: layers `1..=L`, the ego layer left out).
pub(crate) fn layer_mean(layers: &[Tensor]) -> candle_core::Result<Tensor> {
    let mut sum = layers[0].clone();
    for l in &layers[1..] {
        sum = (sum + l)?;
    }
    sum / layers.len() as f64
}

/// Rows scaled to unit L2 norm.
fn normalize_rows(x: &Tensor) -> candle_core::Result<Tensor> {
    let norm = x.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12f32, f32::MAX)?;
    x.broadcast_div(&norm)
}

/// InfoNCE of two views (rows paired): `mean_r −log softmax(cos(v1_r, v2_·) / τ)_r`.
pub(crate) fn info_nce(v1: &Tensor, v2: &Tensor, tau: f32) -> candle_core::Result<Tensor> {
    let (a, b) = (normalize_rows(v1)?, normalize_rows(v2)?);
    let logits = (a.matmul(&b.t()?)? / tau as f64)?;
    let ls = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
    let m = a.dim(0)?;
    let diag = (ls * Tensor::eye(m, DType::F32, a.device())?)?.sum_all()?;
    diag.neg()? / m as f64
}

/// One batch: users, and their positive and negative items as rows of the stacked table
/// (items shifted past the users).
pub(crate) struct BatchRows {
    users: Tensor,
    pos: Tensor,
    neg: Tensor,
    /// The batch's distinct users, then its distinct positive items (rows of the table).
    distinct: [Tensor; 2],
}

impl BatchRows {
    /// The batch `users`, `pos`, `neg` (item ids) of a table whose items follow `n_users`.
    pub(crate) fn new(
        dev: &Device,
        n_users: usize,
        users: &[u32],
        pos: &[u32],
        neg: &[u32],
    ) -> candle_core::Result<BatchRows> {
        let off = n_users as u32;
        let pos: Vec<u32> = pos.iter().map(|&i| i + off).collect();
        let neg: Vec<u32> = neg.iter().map(|&i| i + off).collect();
        let ix = |v: &[u32]| Tensor::from_slice(v, v.len(), dev);
        let (distinct_users, _) = distinct_rows(&[users]);
        let (distinct_items, _) = distinct_rows(&[&pos]);
        Ok(BatchRows {
            users: ix(users)?,
            pos: ix(&pos)?,
            neg: ix(&neg)?,
            distinct: [ix(&distinct_users)?, ix(&distinct_items)?],
        })
    }

    /// BPR on `fin`'s batch rows plus `l2 / 2` times the mean over the batch of the squared
    /// norms of its ego rows in `e0` (user, positive, negative): our LightGCN's loss.
    pub(crate) fn bpr_with_l2(
        &self,
        fin: &Tensor,
        e0: &Tensor,
        l2: f32,
    ) -> candle_core::Result<Tensor> {
        let bpr = bpr_loss(
            &fin.index_select(&self.users, 0)?,
            &fin.index_select(&self.pos, 0)?,
            &fin.index_select(&self.neg, 0)?,
        )?;
        let b = self.users.dim(0)?;
        let reg = squared_norms_of_rows(e0, &[&self.users, &self.pos, &self.neg])?;
        bpr + (reg * (0.5 * l2 as f64 / b as f64))?
    }

    /// InfoNCE between views `a` and `b` over the batch's distinct users plus the same over
    /// its distinct positive items.
    pub(crate) fn contrast(&self, a: &Tensor, b: &Tensor, tau: f32) -> candle_core::Result<Tensor> {
        let mut cl = Tensor::zeros((), DType::F32, a.device())?;
        for r in &self.distinct {
            cl = (cl + info_nce(&a.index_select(r, 0)?, &b.index_select(r, 0)?, tau)?)?;
        }
        Ok(cl)
    }
}

/// A noise-contrastive model's training step: how it builds and contrasts its views.
pub(crate) trait ContrastiveStep: Clone {
    /// Embedding dimension.
    fn dim(&self) -> usize;
    /// Propagation layers (the noise-free readout's too).
    fn layers(&self) -> usize;
    /// Learning rate, batch, epochs, evaluation, early stopping and schedule.
    fn settings(&self) -> &LoopSettings;
    /// The K of the recall@K watched on the monitoring set.
    fn monitor_k(&self) -> usize;
    /// The step's loss at the ego embeddings `e0` for the batch `rows`, every noise drawn
    /// from `noise_seed`.
    fn loss(
        &self,
        adj: &SparseMatrix,
        e0: &Tensor,
        rows: &BatchRows,
        noise_seed: u64,
    ) -> candle_core::Result<Tensor>;
}

/// One step's loss and its gradient in the ego embeddings (one noise seed per step).
#[allow(clippy::too_many_arguments)]
pub(crate) fn loss_and_grad<S: ContrastiveStep>(
    step: &S,
    dev: &Device,
    adj: &SparseMatrix,
    ego: &[f32],
    n_users: usize,
    users: &[u32],
    pos: &[u32],
    neg: &[u32],
    noise_seed: u64,
) -> candle_core::Result<(f32, Vec<f32>)> {
    let d = step.dim();
    let e0 = Var::from_slice(ego, (ego.len() / d, d), dev)?;
    let rows = BatchRows::new(dev, n_users, users, pos, neg)?;
    let loss = step.loss(adj, e0.as_tensor(), &rows, noise_seed)?;
    value_and_gradient(&loss, e0.as_tensor())
}

/// The optimisation state handed to the shared loop.
struct Trainer<S> {
    step: S,
    adj: SparseMatrix,
    n_users: usize,
    epochs: BprEpochs,
}

impl<S: ContrastiveStep> Objective for Trainer<S> {
    type Model = LightGcn;
    fn start_epoch(&mut self, rng: &mut ChaCha8Rng) -> usize {
        self.epochs.start(rng)
    }
    fn loss_and_grad(
        &mut self,
        params: &[f32],
        k: usize,
        rng: &mut ChaCha8Rng,
    ) -> Result<(f32, Vec<f32>)> {
        let b = self.epochs.batch(k);
        let seed = rng.next_u64();
        Ok(loss_and_grad(
            &self.step,
            &Device::Cpu,
            &self.adj,
            params,
            self.n_users,
            b.users,
            b.pos,
            b.neg,
            seed,
        )?)
    }
    fn snapshot(&self, params: &[f32]) -> Result<LightGcn> {
        // The noise-free readout: the mean of layers 1..=L.
        let fin = layer_mean_outside_autograd(
            &self.adj,
            params,
            self.step.dim(),
            self.step.layers(),
            false,
        );
        Ok(LightGcn::from_final(
            &fin,
            params.to_vec(),
            self.n_users,
            self.step.dim(),
        ))
    }
}

/// Trains a noise-contrastive model: ego embeddings drawn from N(0, 0.1²), one positive and
/// one uniform negative per training interaction an epoch, Adam through the shared loop; the
/// trained model is the noise-free encoder's [`LightGcn`].
pub(crate) fn train<S: ContrastiveStep>(
    step: &S,
    ctx: &TrainContext<'_>,
    obs: &mut dyn Observer,
) -> Result<LightGcn> {
    let settings = step.settings();
    let mut rng = ChaCha8Rng::seed_from_u64(ctx.seed);
    let normal = Normal::new(0.0f32, 0.1).expect("valid normal");
    let init: Vec<f32> = (0..(ctx.n_users + ctx.n_items) * step.dim())
        .map(|_| normal.sample(&mut rng))
        .collect();
    let mut trainer = Trainer {
        step: step.clone(),
        adj: SparseMatrix::new(normalized_adjacency(ctx.train, ctx.n_users, ctx.n_items)),
        n_users: ctx.n_users,
        epochs: BprEpochs::new(ctx.train, ctx.n_users, ctx.n_items, settings.batch, 1)?,
    };
    fit(
        &mut trainer,
        init,
        settings,
        Monitored::Recall(step.monitor_k()),
        ctx,
        &mut rng,
        obs,
    )
}

/// A trained noise-contrastive model from its weights: the [`LightGcn`] of its ego embeddings.
pub(crate) fn load(dim: usize, w: &Weights, n_users: usize, n_items: usize) -> Result<LightGcn> {
    LightGcn::from_weights(w, n_users, n_items, dim)
}

/// The test fixture of the noise-contrastive models.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::testing::{assert_gradient_matches_finite_differences, random_graph};

    /// `step`'s loss and gradient on the random graph of `seed` (8 users, 10 items) at its
    /// ego embeddings, for a fixed batch with a repeated user and item and a fixed noise seed;
    /// the gradient is checked against finite differences first when `check`.
    pub(crate) fn step_gradient<S: ContrastiveStep>(step: &S, seed: u64, check: bool) -> Vec<f32> {
        let (x, ego) = random_graph(seed);
        let adj = SparseMatrix::new(normalized_adjacency(&x, 8, 10));
        let (users, pos, neg) = ([0u32, 5, 7, 5], [1u32, 2, 3, 2], [4u32, 0, 9, 6]);
        let run = |e: &[f32]| {
            loss_and_grad(step, &Device::Cpu, &adj, e, 8, &users, &pos, &neg, 11).unwrap()
        };
        if check {
            assert_gradient_matches_finite_differences(&ego, run)
        } else {
            run(&ego).1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_noise_has_norm_eps_and_the_sign_of_the_layer() {
        let x: Vec<f32> = (0..40)
            .map(|k| (k as f32 - 17.5) * if k % 3 == 0 { -1.0 } else { 1.0 })
            .collect();
        let n = perturbation(&x, 4, 0.2, 9);
        for (row, xs) in n.chunks(4).zip(x.chunks(4)) {
            let norm: f32 = row.iter().map(|v| v * v).sum::<f32>().sqrt();
            assert!((norm - 0.2).abs() < 1e-5, "{norm}");
            for (&v, &s) in row.iter().zip(xs) {
                assert!(v * s >= 0.0);
            }
        }
        assert_eq!(n, perturbation(&x, 4, 0.2, 9));
        assert_ne!(n, perturbation(&x, 4, 0.2, 10));
    }

    #[test]
    fn info_nce_matches_its_formula_on_a_hand_computed_case() {
        // Two rows: cos(a0, b0) = 1, cos(a0, b1) = 0, cos(a1, b0) = 0, cos(a1, b1) = -1.
        let dev = Device::Cpu;
        let a = Tensor::new(&[[2f32, 0.0], [0.0, 1.0]], &dev).unwrap();
        let b = Tensor::new(&[[1f32, 0.0], [0.0, -3.0]], &dev).unwrap();
        let tau = 0.5f32;
        let got = info_nce(&a, &b, tau).unwrap().to_scalar::<f32>().unwrap();
        let row0 = -(2f64 - (2f64.exp() + 1.0).ln());
        let row1 = -(-2f64 - (1.0 + (-2f64).exp()).ln());
        let want = (row0 + row1) / 2.0;
        assert!((got as f64 - want).abs() < 1e-5, "{got} vs {want}");
    }
}
