//! SimGCL (Yu et al., "Are Graph Augmentations Necessary? Simple Graph Contrastive Learning
//! for Recommendation", SIGIR 2022), `--model simgcl`.
//!
//! Three passes of LightGCN's encoder per step: a noise-free one, whose final embedding (the
//! mean of layers `1..=L`) carries BPR and the ego-L2 term, and two perturbed ones (every
//! layer's output plus `ε · sign(·) ⊙ normalize(U)`, independent draws), whose final
//! embeddings are contrasted by InfoNCE (temperature `tau`, weight `cl_weight`) over the
//! batch's distinct users and, separately, its distinct positive items. XSimGCL
//! ([`crate::bpr::xsimgcl`]) replaces the two extra passes by a cross-layer contrast within one.
//! The encoder, losses and objective are `contrastive.rs`'s; the trained model is a
//! [`LightGcn`].

use candle_core::Tensor;

use super::contrastive::{self, BatchRows, ContrastSettings, ContrastiveStep, encode, layer_mean};
use super::lightgcn::LightGcn;
use super::{EmbeddingSettings, embedding_model_bytes};
use crate::framework::config::ModelConfig;
use crate::framework::context::TrainContext;
use crate::framework::error::Result;
use crate::framework::memory::DataSize;
use crate::framework::model::{FoldIn, Model, Task, Training};
use crate::framework::observer::Observer;
use crate::framework::weights::Weights;
use crate::ops::propagate::SparseMatrix;
use crate::training::{LoopSettings, Schedule};

crate::settings! {
    /// Hyperparameters of SimGCL. The defaults are the paper's yelp2018 settings (3 layers,
    /// ε 0.1, τ 0.2, λ 0.5, d 64, L2 1e-4, lr 0.001, batch 2048).
    pub struct SimGclConfig {
        /// Embedding dimension, L2 weight on the batch's ego embeddings, and the K of the
        /// recall@K watched on the monitoring set (read as `cfg.dim`, `cfg.l2`,
        /// `cfg.monitor_k`).
        pub embedding: EmbeddingSettings = EmbeddingSettings {
            dim: 64,
            l2: 1e-4,
            monitor_k: 20,
        } => flatten deref,
        /// Layers, the magnitude ε of the noise added at every layer of the two contrasted
        /// views, the temperature τ of InfoNCE and the weight λ of the contrastive loss.
        pub contrast: ContrastSettings = ContrastSettings {
            layers: 3,
            eps: 0.1,
            tau: 0.2,
            cl_weight: 0.5,
        } => flatten,
        /// Learning rate, batch, epochs, evaluation, early stopping and schedule.
        pub train: LoopSettings = LoopSettings {
            lr: 0.001,
            batch: 2048,
            epochs: 30,
            eval_every: 5,
            patience: 0,
            schedule: Schedule::Constant,
        } => flatten,
    }
}

impl ModelConfig for SimGclConfig {}

/// The second view's noise seed, derived from the step's.
const SECOND_VIEW: u64 = 0xD1B5_4A32_D192_ED03;

impl ContrastiveStep for SimGclConfig {
    fn dim(&self) -> usize {
        self.dim
    }
    fn layers(&self) -> usize {
        self.contrast.layers
    }
    fn settings(&self) -> &LoopSettings {
        &self.train
    }
    fn monitor_k(&self) -> usize {
        self.monitor_k
    }
    /// BPR and L2 on the noise-free encoder, plus `cl_weight` times InfoNCE between the final
    /// embeddings of two perturbed passes.
    fn loss(
        &self,
        adj: &SparseMatrix,
        e0: &Tensor,
        rows: &BatchRows,
        noise_seed: u64,
    ) -> candle_core::Result<Tensor> {
        let c = &self.contrast;
        let fin = layer_mean(&encode(adj, e0, c.layers, None)?)?;
        let loss = rows.bpr_with_l2(&fin, e0, self.l2)?;
        if c.cl_weight == 0.0 {
            return Ok(loss);
        }
        let view = |seed: u64| -> candle_core::Result<Tensor> {
            layer_mean(&encode(adj, e0, c.layers, Some((c.eps, seed)))?)
        };
        let (a, b) = (view(noise_seed)?, view(noise_seed ^ SECOND_VIEW)?);
        loss + (rows.contrast(&a, &b, c.tau)? * c.cl_weight as f64)?
    }
}

/// The SimGCL plug-in.
pub struct SimGcl;

impl Model for SimGcl {
    type Config = SimGclConfig;
    type Trained = LightGcn;
    const NAME: &'static str = "simgcl";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str = "SimGCL: LightGCN with a contrastive loss between two noise-perturbed views (Yu et al., SIGIR 2022)";
    const TRAINING: Training = Training::Epochs;
    const FOLD_IN: FoldIn = FoldIn::ItemEmbeddingMean;

    fn bytes_needed(cfg: &SimGclConfig, size: DataSize) -> u64 {
        // LightGCN's tables for three passes, plus each perturbed layer's noise and its host
        // copy.
        embedding_model_bytes(
            (size.n_users as u64).saturating_add(size.n_items as u64),
            cfg.dim,
            3 * cfg.contrast.layers + 4 * cfg.contrast.layers,
            size.n_train,
        )
    }

    fn train(
        cfg: &SimGclConfig,
        ctx: &TrainContext<'_>,
        obs: &mut dyn Observer,
    ) -> Result<LightGcn> {
        contrastive::train(cfg, ctx, obs)
    }

    fn load(cfg: &SimGclConfig, w: &Weights, n_users: usize, n_items: usize) -> Result<LightGcn> {
        contrastive::load(cfg.dim, w, n_users, n_items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bpr::contrastive::loss_and_grad;
    use crate::bpr::contrastive::testing::step_gradient;
    use crate::testing::random_graph;
    use candle_core::Device;
    use gnnrec_graph::normalized_adjacency;

    #[test]
    fn the_step_gradient_matches_finite_differences_with_the_noise_fixed() {
        let cfg = SimGclConfig {
            embedding: EmbeddingSettings {
                dim: 3,
                l2: 0.1,
                ..SimGclConfig::default().embedding
            },
            contrast: ContrastSettings {
                layers: 2,
                eps: 0.1,
                tau: 0.5,
                cl_weight: 0.7,
            },
            ..Default::default()
        };
        let g = step_gradient(&cfg, 22, true);
        // The contrastive term is in the loss, and its views are perturbed: without the term,
        // or without the noise (two equal views), the gradient differs.
        for other in [
            SimGclConfig {
                contrast: ContrastSettings {
                    cl_weight: 0.0,
                    ..cfg.contrast
                },
                ..cfg.clone()
            },
            SimGclConfig {
                contrast: ContrastSettings {
                    eps: 0.0,
                    ..cfg.contrast
                },
                ..cfg.clone()
            },
        ] {
            let g0 = step_gradient(&other, 22, false);
            assert!(g.iter().zip(&g0).any(|(a, b)| (a - b).abs() > 1e-3));
        }
    }

    #[test]
    fn its_noise_free_pass_carries_lightgcns_bpr_loss() {
        // With no contrastive term and no L2, the loss is BPR on the mean of layers 1..=L of
        // the noise-free encoder, computed here outside autograd.
        let (x, ego) = random_graph(23);
        let adj = SparseMatrix::new(normalized_adjacency(&x, 8, 10));
        let cfg = SimGclConfig {
            embedding: EmbeddingSettings {
                dim: 3,
                l2: 0.0,
                ..SimGclConfig::default().embedding
            },
            contrast: ContrastSettings {
                layers: 2,
                cl_weight: 0.0,
                ..SimGclConfig::default().contrast
            },
            ..Default::default()
        };
        let (users, pos, neg) = ([0u32, 3], [1u32, 7], [2u32, 5]);
        let (loss, _) =
            loss_and_grad(&cfg, &Device::Cpu, &adj, &ego, 8, &users, &pos, &neg, 4).unwrap();
        let fin = crate::ops::propagate::layer_mean_outside_autograd(&adj, &ego, 3, 2, false);
        let row = |r: usize| &fin[r * 3..r * 3 + 3];
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        let want: f32 = users
            .iter()
            .zip(pos.iter().zip(&neg))
            .map(|(&u, (&p, &n))| {
                let diff = dot(row(u as usize), row(8 + p as usize))
                    - dot(row(u as usize), row(8 + n as usize));
                (1.0 + (-diff).exp()).ln()
            })
            .sum::<f32>()
            / 2.0;
        assert!((loss - want).abs() < 1e-5, "{loss} vs {want}");
    }
}
