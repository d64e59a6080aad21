//! XSimGCL (Yu et al., "XSimGCL: Towards Extremely Simple Graph Contrastive Learning for
//! Recommendation", TKDE 2023), `--model xsimgcl`.
//!
//! LightGCN's encoder, `Eᵏ = Â Eᵏ⁻¹ + Δᵏ`, where each layer's output is perturbed by random
//! noise `Δᵏ = ε · sign(Â Eᵏ⁻¹) ⊙ normalize(U)` (`U` uniform on [0, 1), each row scaled to
//! unit L2 norm; the sign is a constant of the step, as in the reference code). The final
//! embedding is the mean of layers `1..=L` (the ego layer is left out); the loss is BPR on
//! the final embeddings, the ego-L2 term of our LightGCN, and `cl_weight` times InfoNCE
//! (temperature `tau`, cosine similarity) between the final embedding and layer
//! `cl_layer`, over the batch's distinct users and, separately, its distinct positive items.
//! Recommendation uses the noise-free encoder. The trained model is a [`LightGcn`].

use candle_core::{D, DType, Device, Tensor, Var};
use gnnrec_graph::normalized_adjacency;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::{Key, ModelConfig, Range};
use crate::context::TrainContext;
use crate::error::{Result, bail};
use crate::lightgcn::{LightGcn, LightGcnConfig, distinct_rows, embedding_model_bytes};
use crate::memory::DataSize;
use crate::model::{Model, Task, TrainedModel};
use crate::observer::Observer;
use crate::propagate::{SparseMatrix, layer_mean_outside_autograd};
use crate::training::{BprEpochs, LoopSettings, Monitored, Objective, Schedule, bpr_loss, fit};
use crate::weights::Weights;

/// Hyperparameters of XSimGCL. The defaults are the paper's yelp2018 settings (2 layers,
/// ε 0.2, τ 0.15, λ 0.2, contrast with layer 1, d 64, lr 0.001, batch 2048).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct XSimGclConfig {
    /// Embedding dimension.
    pub dim: usize,
    /// Propagation layers (≥ 1).
    pub layers: usize,
    /// L2 weight on the batch's ego embeddings.
    pub l2: f32,
    /// Magnitude ε of the noise added at every layer.
    pub eps: f32,
    /// Temperature τ of InfoNCE.
    pub tau: f32,
    /// Weight λ of the contrastive loss.
    pub cl_weight: f32,
    /// The layer contrasted with the final embedding (1..=layers).
    pub cl_layer: usize,
    /// The K of the recall@K watched on the monitoring set.
    pub monitor_k: usize,
    /// Learning rate, batch, epochs, evaluation, early stopping and schedule.
    #[serde(flatten)]
    pub train: LoopSettings,
}

impl Default for XSimGclConfig {
    fn default() -> Self {
        XSimGclConfig {
            dim: 64,
            layers: 2,
            l2: 1e-4,
            eps: 0.2,
            tau: 0.15,
            cl_weight: 0.2,
            cl_layer: 1,
            monitor_k: 20,
            train: LoopSettings {
                lr: 0.001,
                batch: 2048,
                epochs: 30,
                eval_every: 5,
                patience: 0,
                schedule: Schedule::Constant,
            },
        }
    }
}

impl ModelConfig for XSimGclConfig {
    fn keys() -> Vec<Key> {
        let mut keys = LightGcnConfig::ego_embedding_keys();
        keys.extend([
            Key::new("layers", Range::Positive, "propagation layers"),
            Key::new(
                "eps",
                Range::NonNegative,
                "magnitude ε of the noise added at every layer",
            ),
            Key::new(
                "tau",
                Range::PositiveReal,
                "temperature τ of the InfoNCE loss",
            ),
            Key::new(
                "cl_weight",
                Range::NonNegative,
                "weight λ of the contrastive loss",
            ),
            Key::new(
                "cl_layer",
                Range::Positive,
                "the layer contrasted with the final embedding (1..=layers)",
            ),
        ]);
        keys.extend(LoopSettings::keys());
        keys
    }
    fn check(&self) -> Result<()> {
        if self.cl_layer > self.layers {
            bail!(
                "invalid `cl_layer`: {} is above `layers` ({})",
                self.cl_layer,
                self.layers
            );
        }
        Ok(())
    }
}

/// Rows of noise drawn from one seed (so the draw is parallel and independent of threads).
const NOISE_ROWS: usize = 1024;

/// `ε · sign(x) ⊙ normalize(U)` for `x` of `n × dim`, `U` uniform on [0, 1), drawn from
/// `seed` in blocks of [`NOISE_ROWS`] rows.
fn perturbation(x: &[f32], dim: usize, eps: f32, seed: u64) -> Vec<f32> {
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

/// Rows scaled to unit L2 norm.
fn normalize_rows(x: &Tensor) -> candle_core::Result<Tensor> {
    let norm = x.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12f32, f32::MAX)?;
    x.broadcast_div(&norm)
}

/// InfoNCE of two views (rows paired): `mean_r −log softmax(cos(v1_r, v2_·) / τ)_r`.
fn info_nce(v1: &Tensor, v2: &Tensor, tau: f32) -> candle_core::Result<Tensor> {
    let (a, b) = (normalize_rows(v1)?, normalize_rows(v2)?);
    let logits = (a.matmul(&b.t()?)? / tau as f64)?;
    let ls = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
    let m = a.dim(0)?;
    let diag = (ls * Tensor::eye(m, DType::F32, a.device())?)?.sum_all()?;
    diag.neg()? / m as f64
}

/// One step's loss and its gradient in the ego embeddings; the noise is drawn from
/// `noise_seed` (one seed per step).
#[allow(clippy::too_many_arguments)]
fn step_loss(
    dev: &Device,
    adj: &SparseMatrix,
    ego: &[f32],
    n_users: usize,
    cfg: &XSimGclConfig,
    users: &[u32],
    pos: &[u32],
    neg: &[u32],
    noise_seed: u64,
) -> candle_core::Result<(f32, Vec<f32>)> {
    let d = cfg.dim;
    let n = ego.len() / d;
    let e0 = Var::from_slice(ego, (n, d), dev)?;
    let mut cur = e0.as_tensor().clone();
    let mut sum: Option<Tensor> = None;
    let mut contrasted = None;
    for layer in 1..=cfg.layers {
        cur = adj.matmul(&cur)?;
        if cfg.eps > 0.0 {
            let values = cur.flatten_all()?.to_vec1::<f32>()?;
            let seed = noise_seed.wrapping_add(layer as u64);
            let noise = perturbation(&values, d, cfg.eps, seed);
            cur = (cur + Tensor::from_vec(noise, (n, d), dev)?)?;
        }
        if layer == cfg.cl_layer {
            contrasted = Some(cur.clone());
        }
        sum = Some(match sum {
            None => cur.clone(),
            Some(s) => (s + &cur)?,
        });
    }
    let fin = (sum.expect("layers ≥ 1") / cfg.layers as f64)?;
    let contrasted = contrasted.expect("cl_layer in 1..=layers");
    let b = users.len();
    let off = n_users as u32;
    let pos: Vec<u32> = pos.iter().map(|&i| i + off).collect();
    let neg: Vec<u32> = neg.iter().map(|&i| i + off).collect();
    let ix = |v: &[u32]| Tensor::from_slice(v, v.len(), dev);
    let (ui, pi, ni) = (ix(users)?, ix(&pos)?, ix(&neg)?);
    let bpr = bpr_loss(
        &fin.index_select(&ui, 0)?,
        &fin.index_select(&pi, 0)?,
        &fin.index_select(&ni, 0)?,
    )?;
    let e = e0.as_tensor();
    let reg = ((e.index_select(&ui, 0)?.sqr()?.sum_all()?
        + e.index_select(&pi, 0)?.sqr()?.sum_all()?)?
        + e.index_select(&ni, 0)?.sqr()?.sum_all()?)?;
    let reg = (reg * (0.5 * cfg.l2 as f64 / b as f64))?;
    let mut loss = (bpr + reg)?;
    if cfg.cl_weight > 0.0 {
        let (distinct_users, _) = distinct_rows(&[users]);
        let (distinct_items, _) = distinct_rows(&[&pos]);
        let mut cl = Tensor::zeros((), DType::F32, dev)?;
        for rows in [distinct_users, distinct_items] {
            let r = ix(&rows)?;
            cl = (cl
                + info_nce(
                    &fin.index_select(&r, 0)?,
                    &contrasted.index_select(&r, 0)?,
                    cfg.tau,
                )?)?;
        }
        loss = (loss + (cl * cfg.cl_weight as f64)?)?;
    }
    let grads = loss.backward()?;
    let g = grads
        .get(e)
        .ok_or_else(|| candle_core::Error::Msg("no gradient for the embeddings".into()))?;
    Ok((loss.to_scalar::<f32>()?, g.flatten_all()?.to_vec1()?))
}

/// The optimisation state handed to the shared loop.
struct Trainer {
    cfg: XSimGclConfig,
    adj: SparseMatrix,
    n_users: usize,
    epochs: BprEpochs,
}

impl Objective for Trainer {
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
        Ok(step_loss(
            &Device::Cpu,
            &self.adj,
            params,
            self.n_users,
            &self.cfg,
            b.users,
            b.pos,
            b.neg,
            seed,
        )?)
    }
    fn snapshot(&self, params: &[f32]) -> Result<LightGcn> {
        // The noise-free readout: the mean of layers 1..=L.
        let fin =
            layer_mean_outside_autograd(&self.adj, params, self.cfg.dim, self.cfg.layers, false);
        Ok(LightGcn::from_final(
            &fin,
            params.to_vec(),
            self.n_users,
            self.cfg.dim,
        ))
    }
}

/// The XSimGCL plug-in.
pub struct XSimGcl;

impl Model for XSimGcl {
    type Config = XSimGclConfig;
    const NAME: &'static str = "xsimgcl";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str = "XSimGCL: LightGCN with noise-perturbed layers and a cross-layer contrastive loss (Yu et al., TKDE 2023)";
    const ITERATIVE: bool = true;

    fn bytes_needed(cfg: &XSimGclConfig, size: DataSize) -> u64 {
        // LightGCN's tables plus, per layer, the noise and its host copy.
        embedding_model_bytes(
            (size.n_users as u64).saturating_add(size.n_items as u64),
            cfg.dim,
            2 * cfg.layers + 1,
            size.n_train,
        )
    }

    fn train(
        cfg: &XSimGclConfig,
        ctx: &TrainContext<'_>,
        obs: &mut dyn Observer,
    ) -> Result<Box<dyn TrainedModel>> {
        let mut rng = ChaCha8Rng::seed_from_u64(ctx.seed);
        let normal = Normal::new(0.0f32, 0.1).expect("valid normal");
        let init: Vec<f32> = (0..(ctx.n_users + ctx.n_items) * cfg.dim)
            .map(|_| normal.sample(&mut rng))
            .collect();
        let mut trainer = Trainer {
            cfg: cfg.clone(),
            adj: SparseMatrix::new(normalized_adjacency(ctx.train, ctx.n_users, ctx.n_items)),
            n_users: ctx.n_users,
            epochs: BprEpochs::new(ctx.train, ctx.n_users, ctx.n_items, cfg.train.batch, 1)?,
        };
        let what = Monitored::Recall(cfg.monitor_k);
        Ok(Box::new(fit(
            &mut trainer,
            init,
            &cfg.train,
            what,
            ctx,
            &mut rng,
            obs,
        )?))
    }

    fn load(
        cfg: &XSimGclConfig,
        w: &Weights,
        n_users: usize,
        n_items: usize,
    ) -> Result<Box<dyn TrainedModel>> {
        Ok(Box::new(LightGcn::from_weights(
            w, n_users, n_items, cfg.dim,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::random_graph;

    #[test]
    fn the_step_gradient_matches_finite_differences_with_the_noise_fixed() {
        let (x, _) = random_graph(21);
        let adj = SparseMatrix::new(normalized_adjacency(&x, 8, 10));
        let cfg = XSimGclConfig {
            dim: 3,
            layers: 2,
            l2: 0.1,
            eps: 0.1,
            tau: 0.5,
            cl_weight: 0.7,
            cl_layer: 1,
            ..Default::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let normal = Normal::new(0.0f32, 0.5).unwrap();
        let ego: Vec<f32> = (0..18 * 3).map(|_| normal.sample(&mut rng)).collect();
        let (users, pos, neg) = ([0u32, 5, 7, 5], [1u32, 2, 3, 2], [4u32, 0, 9, 6]);
        let run =
            |e: &[f32]| step_loss(&Device::Cpu, &adj, e, 8, &cfg, &users, &pos, &neg, 11).unwrap();
        let (_, g) = run(&ego);
        let h = 1e-2;
        for k in 0..ego.len() {
            let f = |delta: f32| {
                let mut e = ego.clone();
                e[k] += delta;
                run(&e).0
            };
            let numeric = (f(h) - f(-h)) / (2.0 * h);
            assert!(
                (numeric - g[k]).abs() < 2e-3,
                "entry {k}: {numeric} vs {}",
                g[k]
            );
        }
        // The contrastive term is in the loss: without it the gradient differs.
        let plain = XSimGclConfig {
            cl_weight: 0.0,
            ..cfg.clone()
        };
        let (_, g0) =
            step_loss(&Device::Cpu, &adj, &ego, 8, &plain, &users, &pos, &neg, 11).unwrap();
        assert!(g.iter().zip(&g0).any(|(a, b)| (a - b).abs() > 1e-3));
    }

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
}
