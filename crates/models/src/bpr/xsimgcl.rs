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
//! Recommendation uses the noise-free encoder. The trained model is a
//! [`LightGcn`]. The encoder, the losses and the training objective
//! are shared with SimGCL (`contrastive.rs`); XSimGCL's one forward pass per step is its cost
//! advantage.

use candle_core::Tensor;

use super::contrastive::{self, BatchRows, ContrastSettings, ContrastiveStep, encode, layer_mean};
use super::lightgcn::LightGcn;
use super::{EmbeddingSettings, embedding_model_bytes};
use crate::framework::config::{ModelConfig, Range};
use crate::framework::context::TrainContext;
use crate::framework::error::{Result, bail};
use crate::framework::memory::DataSize;
use crate::framework::model::{FoldIn, Model, Task, Training};
use crate::framework::observer::Observer;
use crate::framework::weights::Weights;
use crate::ops::propagate::SparseMatrix;
use crate::training::{LoopSettings, Schedule};

crate::settings! {
    /// Hyperparameters of XSimGCL. The defaults are the paper's yelp2018 settings (2 layers,
    /// ε 0.2, τ 0.15, λ 0.2, contrast with layer 1, d 64, lr 0.001, batch 2048).
    pub struct XSimGclConfig {
        /// Embedding dimension, L2 weight on the batch's ego embeddings, and the K of the
        /// recall@K watched on the monitoring set (read as `cfg.dim`, `cfg.l2`,
        /// `cfg.monitor_k`).
        pub embedding: EmbeddingSettings = EmbeddingSettings {
            dim: 64,
            l2: 1e-4,
            monitor_k: 20,
        } => flatten deref,
        /// Layers, the magnitude ε of the noise added at every layer, the temperature τ of
        /// InfoNCE and the weight λ of the contrastive loss.
        pub contrast: ContrastSettings = ContrastSettings {
            layers: 2,
            eps: 0.2,
            tau: 0.15,
            cl_weight: 0.2,
        } => flatten,
        /// The layer contrasted with the final embedding (1..=layers).
        pub cl_layer: usize = 1 => (
            Range::Positive,
            "the layer contrasted with the final embedding (1..=layers)"
        ),
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

impl ModelConfig for XSimGclConfig {
    fn check(&self) -> Result<()> {
        if self.cl_layer > self.contrast.layers {
            bail!(
                "invalid `cl_layer`: {} is above `layers` ({})",
                self.cl_layer,
                self.contrast.layers
            );
        }
        Ok(())
    }
}

impl ContrastiveStep for XSimGclConfig {
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
    /// BPR and L2 on the mean of the perturbed layers, plus `cl_weight` times InfoNCE
    /// between that mean and layer `cl_layer` of the same forward pass.
    fn loss(
        &self,
        adj: &SparseMatrix,
        e0: &Tensor,
        rows: &BatchRows,
        noise_seed: u64,
    ) -> candle_core::Result<Tensor> {
        let c = &self.contrast;
        let layers = encode(adj, e0, c.layers, Some((c.eps, noise_seed)))?;
        let fin = layer_mean(&layers)?;
        let loss = rows.bpr_with_l2(&fin, e0, self.l2)?;
        if c.cl_weight > 0.0 {
            let cl = rows.contrast(&fin, &layers[self.cl_layer - 1], c.tau)?;
            loss + (cl * c.cl_weight as f64)?
        } else {
            Ok(loss)
        }
    }
}

/// The XSimGCL plug-in.
pub struct XSimGcl;

impl Model for XSimGcl {
    type Config = XSimGclConfig;
    type Trained = LightGcn;
    const NAME: &'static str = "xsimgcl";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str = "XSimGCL: LightGCN with noise-perturbed layers and a cross-layer contrastive loss (Yu et al., TKDE 2023)";
    const TRAINING: Training = Training::Epochs;
    const FOLD_IN: FoldIn = FoldIn::ItemEmbeddingMean;

    fn bytes_needed(cfg: &XSimGclConfig, size: DataSize) -> u64 {
        // LightGCN's tables plus, per layer, the noise and its host copy.
        embedding_model_bytes(
            (size.n_users as u64).saturating_add(size.n_items as u64),
            cfg.dim,
            2 * cfg.contrast.layers + 1,
            size.n_train,
        )
    }

    fn train(
        cfg: &XSimGclConfig,
        ctx: &TrainContext<'_>,
        obs: &mut dyn Observer,
    ) -> Result<LightGcn> {
        contrastive::train(cfg, ctx, obs)
    }

    fn load(cfg: &XSimGclConfig, w: &Weights, n_users: usize, n_items: usize) -> Result<LightGcn> {
        contrastive::load(cfg.dim, w, n_users, n_items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bpr::contrastive::testing::step_gradient;

    #[test]
    fn the_step_gradient_matches_finite_differences_with_the_noise_fixed() {
        let cfg = XSimGclConfig {
            embedding: EmbeddingSettings {
                dim: 3,
                l2: 0.1,
                ..XSimGclConfig::default().embedding
            },
            contrast: ContrastSettings {
                layers: 2,
                eps: 0.1,
                tau: 0.5,
                cl_weight: 0.7,
            },
            cl_layer: 1,
            ..Default::default()
        };
        let g = step_gradient(&cfg, 21, true);
        // The contrastive term is in the loss: without it the gradient differs.
        let plain = XSimGclConfig {
            contrast: ContrastSettings {
                cl_weight: 0.0,
                ..cfg.contrast
            },
            ..cfg.clone()
        };
        let g0 = step_gradient(&plain, 21, false);
        assert!(g.iter().zip(&g0).any(|(a, b)| (a - b).abs() > 1e-3));
    }
}
