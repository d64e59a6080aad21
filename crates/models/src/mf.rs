//! MF-BPR, `--model mf`: matrix factorisation trained with BPR — LightGCN with 0 layers, so
//! it shares LightGCN's step, loss and trained model.

use serde::{Deserialize, Serialize};

use crate::config::{Key, ModelConfig};
use crate::context::TrainContext;
use crate::error::Result;
use crate::lightgcn::{self, LightGcn, LightGcnConfig};
use crate::memory::DataSize;
use crate::model::{Model, Task, TrainedModel};
use crate::observer::Observer;
use crate::training::LoopSettings;
use crate::weights::Weights;

/// Hyperparameters of MF-BPR: LightGCN's without the layers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MfConfig {
    /// Embedding dimension.
    pub dim: usize,
    /// L2 weight on the batch's embeddings.
    pub l2: f32,
    /// The K of the recall@K watched on the monitoring set.
    pub monitor_k: usize,
    /// Negative candidates per triple (the hardest is used; 1 = uniform).
    pub neg_pool: usize,
    /// Learning rate, batch, epochs, evaluation, early stopping and schedule.
    #[serde(flatten)]
    pub train: LoopSettings,
}

impl Default for MfConfig {
    fn default() -> Self {
        let d = LightGcnConfig::default();
        MfConfig {
            dim: d.dim,
            l2: 1e-2,
            monitor_k: d.monitor_k,
            neg_pool: d.neg_pool,
            train: d.train,
        }
    }
}

impl MfConfig {
    /// The same model as a 0-layer LightGCN configuration.
    pub fn as_lightgcn(&self) -> LightGcnConfig {
        LightGcnConfig {
            dim: self.dim,
            layers: 0,
            l2: self.l2,
            monitor_k: self.monitor_k,
            neg_pool: self.neg_pool,
            train: self.train,
        }
    }
}

impl ModelConfig for MfConfig {
    fn keys() -> Vec<Key> {
        LightGcnConfig::embedding_keys()
    }
    fn check(&self) -> Result<()> {
        self.as_lightgcn().check()
    }
}

/// The MF-BPR plug-in (its trained model is a [`LightGcn`] with 0 layers).
pub struct Mf;

impl Model for Mf {
    type Config = MfConfig;
    const NAME: &'static str = "mf";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str =
        "MF-BPR: matrix factorisation with the BPR loss (LightGCN, 0 layers)";
    const ITERATIVE: bool = true;
    const GPU: bool = true;

    fn bytes_needed(cfg: &MfConfig, size: DataSize) -> u64 {
        crate::lightgcn::embedding_model_bytes(
            (size.n_users as u64).saturating_add(size.n_items as u64),
            cfg.dim,
            0,
            size.n_train,
        )
    }

    fn train(
        cfg: &MfConfig,
        ctx: &TrainContext<'_>,
        obs: &mut dyn Observer,
    ) -> Result<Box<dyn TrainedModel>> {
        Ok(Box::new(lightgcn::train(&cfg.as_lightgcn(), ctx, obs)?))
    }

    fn load(
        cfg: &MfConfig,
        w: &Weights,
        n_users: usize,
        n_items: usize,
    ) -> Result<Box<dyn TrainedModel>> {
        Ok(Box::new(LightGcn::from_weights(
            w, n_users, n_items, cfg.dim,
        )?))
    }
}
