//! MF-BPR, `--model mf`: matrix factorisation trained with BPR — LightGCN with 0 layers, so
//! it shares LightGCN's step, loss and trained model.

use super::lightgcn::{self, LightGcn, LightGcnConfig, NEG_POOL};
use super::{EmbeddingSettings, embedding_model_bytes};
use crate::framework::config::{ModelConfig, Range};
use crate::framework::context::TrainContext;
use crate::framework::error::Result;
use crate::framework::memory::DataSize;
use crate::framework::model::{FoldIn, Model, Task, Training};
use crate::framework::observer::Observer;
use crate::framework::weights::Weights;
use crate::training::LoopSettings;

crate::settings! {
    /// Hyperparameters of MF-BPR: LightGCN's without the layers.
    pub struct MfConfig {
        /// Embedding dimension, L2 weight on the batch's embeddings, and the K of the
        /// recall@K watched on the monitoring set (read as `cfg.dim`, `cfg.l2`,
        /// `cfg.monitor_k`).
        pub embedding: EmbeddingSettings = EmbeddingSettings {
            l2: 1e-2,
            ..LightGcnConfig::default().embedding
        } => flatten deref,
        /// Negative candidates per triple (the hardest is used; 1 = uniform).
        pub neg_pool: usize = LightGcnConfig::default().neg_pool => (Range::Positive, NEG_POOL),
        /// Learning rate, batch, epochs, evaluation, early stopping and schedule.
        pub train: LoopSettings = LightGcnConfig::default().train => flatten,
    }
}

impl MfConfig {
    /// The same model as a 0-layer LightGCN configuration.
    pub fn as_lightgcn(&self) -> LightGcnConfig {
        LightGcnConfig {
            layers: 0,
            embedding: self.embedding,
            neg_pool: self.neg_pool,
            train: self.train,
        }
    }
}

impl ModelConfig for MfConfig {
    fn check(&self) -> Result<()> {
        self.as_lightgcn().check()
    }
}

/// The MF-BPR plug-in (its trained model is a [`LightGcn`] with 0 layers).
pub struct Mf;

impl Model for Mf {
    type Config = MfConfig;
    type Trained = LightGcn;
    const NAME: &'static str = "mf";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str =
        "MF-BPR: matrix factorisation with the BPR loss (LightGCN, 0 layers)";
    const TRAINING: Training = Training::Epochs;
    const FOLD_IN: FoldIn = FoldIn::ItemEmbeddingMean;
    const GPU: bool = true;

    fn bytes_needed(cfg: &MfConfig, size: DataSize) -> u64 {
        embedding_model_bytes(
            (size.n_users as u64).saturating_add(size.n_items as u64),
            cfg.dim,
            0,
            size.n_train,
        )
    }

    fn train(cfg: &MfConfig, ctx: &TrainContext<'_>, obs: &mut dyn Observer) -> Result<LightGcn> {
        lightgcn::train(&cfg.as_lightgcn(), ctx, obs)
    }

    const DISTRIBUTED: bool = true;

    fn train_sharded<'a>(
        cfg: &MfConfig,
        ctx: &crate::framework::sharded::ShardContext<'a>,
    ) -> Option<Result<Box<dyn crate::framework::sharded::ShardedModel + 'a>>> {
        let settings = cfg.as_lightgcn().shard_settings();
        crate::framework::sharded::boxed(super::sharded_bpr::ShardedBpr::fit(&settings, ctx))
    }

    fn load(cfg: &MfConfig, w: &Weights, n_users: usize, n_items: usize) -> Result<LightGcn> {
        LightGcn::from_weights(w, n_users, n_items, cfg.dim)
    }
}
