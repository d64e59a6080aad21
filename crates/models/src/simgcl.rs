//! SimGCL (Yu et al., "Are Graph Augmentations Necessary? Simple Graph Contrastive Learning
//! for Recommendation", SIGIR 2022), `--model simgcl`.
//!
//! Three passes of LightGCN's encoder per step: a noise-free one, whose final embedding (the
//! mean of layers `1..=L`) carries BPR and the ego-L2 term, and two perturbed ones (every
//! layer's output plus `ε · sign(·) ⊙ normalize(U)`, independent draws), whose final
//! embeddings are contrasted by InfoNCE (temperature `tau`, weight `cl_weight`) over the
//! batch's distinct users and, separately, its distinct positive items. XSimGCL
//! ([`crate::xsimgcl`]) replaces the two extra passes by a cross-layer contrast within one.
//! The encoder, losses and objective are `contrastive.rs`'s; the trained model is a
//! [`LightGcn`](crate::lightgcn::LightGcn).

use candle_core::Tensor;
use serde::{Deserialize, Serialize};

use crate::config::{Key, ModelConfig};
use crate::context::TrainContext;
use crate::contrastive::{self, BatchRows, ContrastiveStep, encode, layer_mean};
use crate::error::Result;
use crate::lightgcn::{LightGcnConfig, embedding_model_bytes};
use crate::memory::DataSize;
use crate::model::{Model, Task, TrainedModel};
use crate::observer::Observer;
use crate::propagate::SparseMatrix;
use crate::training::{LoopSettings, Schedule};
use crate::weights::Weights;

/// Hyperparameters of SimGCL. The defaults are the paper's yelp2018 settings (3 layers,
/// ε 0.1, τ 0.2, λ 0.5, d 64, L2 1e-4, lr 0.001, batch 2048).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimGclConfig {
    /// Embedding dimension.
    pub dim: usize,
    /// Propagation layers (≥ 1).
    pub layers: usize,
    /// L2 weight on the batch's ego embeddings.
    pub l2: f32,
    /// Magnitude ε of the noise added at every layer of the two contrasted views.
    pub eps: f32,
    /// Temperature τ of InfoNCE.
    pub tau: f32,
    /// Weight λ of the contrastive loss.
    pub cl_weight: f32,
    /// The K of the recall@K watched on the monitoring set.
    pub monitor_k: usize,
    /// Learning rate, batch, epochs, evaluation, early stopping and schedule.
    #[serde(flatten)]
    pub train: LoopSettings,
}

impl Default for SimGclConfig {
    fn default() -> Self {
        SimGclConfig {
            dim: 64,
            layers: 3,
            l2: 1e-4,
            eps: 0.1,
            tau: 0.2,
            cl_weight: 0.5,
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

impl ModelConfig for SimGclConfig {
    fn keys() -> Vec<Key> {
        let mut keys = LightGcnConfig::ego_embedding_keys();
        keys.extend(contrastive::noise_keys());
        keys.extend(LoopSettings::keys());
        keys
    }
}

/// The second view's noise seed, derived from the step's.
const SECOND_VIEW: u64 = 0xD1B5_4A32_D192_ED03;

impl ContrastiveStep for SimGclConfig {
    fn dim(&self) -> usize {
        self.dim
    }
    fn layers(&self) -> usize {
        self.layers
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
        let fin = layer_mean(&encode(adj, e0, self.layers, None)?)?;
        let loss = rows.bpr_with_l2(&fin, e0, self.l2)?;
        if self.cl_weight == 0.0 {
            return Ok(loss);
        }
        let view = |seed: u64| -> candle_core::Result<Tensor> {
            layer_mean(&encode(adj, e0, self.layers, Some((self.eps, seed)))?)
        };
        let (a, b) = (view(noise_seed)?, view(noise_seed ^ SECOND_VIEW)?);
        loss + (rows.contrast(&a, &b, self.tau)? * self.cl_weight as f64)?
    }
}

/// The SimGCL plug-in.
pub struct SimGcl;

impl Model for SimGcl {
    type Config = SimGclConfig;
    const NAME: &'static str = "simgcl";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str = "SimGCL: LightGCN with a contrastive loss between two noise-perturbed views (Yu et al., SIGIR 2022)";
    const ITERATIVE: bool = true;

    fn bytes_needed(cfg: &SimGclConfig, size: DataSize) -> u64 {
        // LightGCN's tables for three passes, plus each perturbed layer's noise and its host
        // copy.
        embedding_model_bytes(
            (size.n_users as u64).saturating_add(size.n_items as u64),
            cfg.dim,
            3 * cfg.layers + 4 * cfg.layers,
            size.n_train,
        )
    }

    fn train(
        cfg: &SimGclConfig,
        ctx: &TrainContext<'_>,
        obs: &mut dyn Observer,
    ) -> Result<Box<dyn TrainedModel>> {
        contrastive::train(cfg, ctx, obs)
    }

    fn load(
        cfg: &SimGclConfig,
        w: &Weights,
        n_users: usize,
        n_items: usize,
    ) -> Result<Box<dyn TrainedModel>> {
        contrastive::load(cfg.dim, w, n_users, n_items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contrastive::loss_and_grad;
    use crate::contrastive::testing::step_gradient;
    use crate::test_support::random_graph;
    use candle_core::Device;
    use gnnrec_graph::normalized_adjacency;

    #[test]
    fn the_step_gradient_matches_finite_differences_with_the_noise_fixed() {
        let cfg = SimGclConfig {
            dim: 3,
            layers: 2,
            l2: 0.1,
            eps: 0.1,
            tau: 0.5,
            cl_weight: 0.7,
            ..Default::default()
        };
        let g = step_gradient(&cfg, 22, true);
        // The contrastive term is in the loss, and its views are perturbed: without the term,
        // or without the noise (two equal views), the gradient differs.
        for other in [
            SimGclConfig {
                cl_weight: 0.0,
                ..cfg.clone()
            },
            SimGclConfig {
                eps: 0.0,
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
            dim: 3,
            layers: 2,
            l2: 0.0,
            cl_weight: 0.0,
            ..Default::default()
        };
        let (users, pos, neg) = ([0u32, 3], [1u32, 7], [2u32, 5]);
        let (loss, _) =
            loss_and_grad(&cfg, &Device::Cpu, &adj, &ego, 8, &users, &pos, &neg, 4).unwrap();
        let fin = crate::propagate::layer_mean_outside_autograd(&adj, &ego, 3, 2, false);
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
