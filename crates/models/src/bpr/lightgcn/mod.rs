//! LightGCN (He et al., SIGIR 2020), `--model lightgcn`.
//!
//! Ego embeddings `E⁰` (N(0, 0.1²) initialisation) for users and items; `Eᵏ = Â Eᵏ⁻¹` with
//! `Â` the symmetric-normalised bipartite adjacency of the training interactions; the final
//! embedding is the mean `Σ_k Eᵏ / (K + 1)` ([`crate::ops::propagate::layer_mean`]); a user–item
//! score is the dot product. Training minimises BPR, `mean softplus(s(u, neg) − s(u, pos))`,
//! plus `l2 · ½ (‖E⁰_u‖² + ‖E⁰_pos‖² + ‖E⁰_neg‖²) / batch` on the *ego* embeddings of the
//! batch — the regulariser of the reference implementation — through the shared loop
//! ([`crate::training::fit`]). MF-BPR ([`crate::bpr::mf`]) is the same model with 0 layers.

pub(crate) mod step;
mod trainer;

use gnnrec_eval::{DotScorer, HistoryScorer, Scorer};

use super::{EmbeddingSettings, embedding_model_bytes};
use crate::framework::config::{ModelConfig, Range};
use crate::framework::context::TrainContext;
use crate::framework::error::{Result, bail};
use crate::framework::memory::DataSize;
use crate::framework::model::{FoldIn, Model, Task, TrainedModel, Training};
use crate::framework::observer::Observer;
use crate::framework::weights::Weights;
use crate::training::{LoopSettings, Schedule};
pub use trainer::{Trainer, train};

/// Help of the `neg_pool` key of LightGCN and MF-BPR.
pub(crate) const NEG_POOL: &str =
    "negative candidates per BPR triple; trains on the one scored highest (1: uniform)";

crate::settings! {
    /// Hyperparameters of LightGCN / MF-BPR.
    ///
    /// The defaults are one setting for every dataset, chosen on validation carve-outs (see
    /// `docs/results.md`, "Defaults"); the paper's settings are the recipe
    /// `recipes/lightgcn-gowalla-paper.toml`.
    pub struct LightGcnConfig {
        /// Propagation layers (0 = MF-BPR).
        pub layers: usize = 3 => (Range::Count, "propagation layers (0 is MF-BPR)"),
        /// Embedding dimension, L2 weight on the batch's ego embeddings, and the K of the
        /// recall@K watched on the monitoring set (read as `cfg.dim`, `cfg.l2`,
        /// `cfg.monitor_k`).
        pub embedding: EmbeddingSettings = EmbeddingSettings {
            dim: 128,
            l2: 1e-3,
            monitor_k: 20,
        } => flatten deref,
        /// Negative candidates drawn per triple; the model trains on the one it currently
        /// scores highest (dynamic negative sampling). 1 = uniform negatives, the paper's
        /// recipe.
        pub neg_pool: usize = 1 => (Range::Positive, NEG_POOL),
        /// Learning rate, batch, epochs, evaluation, early stopping and schedule.
        pub train: LoopSettings = LoopSettings {
            lr: 0.01,
            batch: 2048,
            epochs: 100,
            eval_every: 10,
            patience: 0,
            schedule: Schedule::Cosine,
        } => flatten,
    }
}

impl LightGcnConfig {
    /// What training across ranks takes of these settings.
    pub(crate) fn shard_settings(&self) -> crate::bpr::sharded_bpr::BprShardSettings {
        crate::bpr::sharded_bpr::BprShardSettings {
            layers: self.layers,
            dim: self.dim,
            l2: self.l2,
            neg_pool: self.neg_pool,
            monitor_k: self.monitor_k,
            train: self.train,
        }
    }
}

impl ModelConfig for LightGcnConfig {
    fn check(&self) -> Result<()> {
        if self.neg_pool > 1024 {
            bail!("invalid `neg_pool`: {} is above 1024", self.neg_pool);
        }
        Ok(())
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

    /// A trained model from its final embeddings (users then items, `dim` wide) and the ego
    /// embeddings they came from: the trained form of the LightGCN family (XSimGCL's too).
    pub(crate) fn from_final(fin: &[f32], ego: Vec<f32>, n_users: usize, dim: usize) -> Self {
        let (u, i) = fin.split_at(n_users * dim);
        LightGcn {
            scorer: DotScorer::new(u.to_vec(), i.to_vec(), dim),
            ego,
            n_users,
        }
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

/// Fold-in by aggregation: a history's user vector is the mean of its items' final
/// embeddings (LightGCN's first layer for a user is a normalised sum of their items'), and its
/// scores are the dot products with every item. No hyper-parameter; its quality against the
/// model trained with the user is in docs/results.md ("Fold-in").
impl HistoryScorer for LightGcn {
    fn score_histories(&self, histories: &[&[u32]], out: &mut [f32]) {
        self.scorer.score_history_means(histories, out)
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
    fn fold_in(&self) -> Option<&dyn HistoryScorer> {
        Some(self)
    }
}

impl Model for LightGcn {
    type Config = LightGcnConfig;
    type Trained = LightGcn;
    const NAME: &'static str = "lightgcn";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str =
        "LightGCN: embeddings propagated over the user–item graph, BPR (He et al., SIGIR 2020)";
    const TRAINING: Training = Training::Epochs;
    const FOLD_IN: FoldIn = FoldIn::ItemEmbeddingMean;
    const GPU: bool = true;

    fn bytes_needed(cfg: &LightGcnConfig, size: DataSize) -> u64 {
        embedding_model_bytes(
            (size.n_users as u64).saturating_add(size.n_items as u64),
            cfg.dim,
            cfg.layers,
            size.n_train,
        )
    }

    fn train(
        cfg: &LightGcnConfig,
        ctx: &TrainContext<'_>,
        obs: &mut dyn Observer,
    ) -> Result<LightGcn> {
        train(cfg, ctx, obs)
    }

    const DISTRIBUTED: bool = true;

    fn train_sharded<'a>(
        cfg: &LightGcnConfig,
        ctx: &crate::framework::sharded::ShardContext<'a>,
    ) -> Option<Result<Box<dyn crate::framework::sharded::ShardedModel + 'a>>> {
        let settings = cfg.shard_settings();
        crate::framework::sharded::boxed(crate::bpr::sharded_bpr::ShardedBpr::fit(&settings, ctx))
    }

    fn load(cfg: &LightGcnConfig, w: &Weights, n_users: usize, n_items: usize) -> Result<LightGcn> {
        LightGcn::from_weights(w, n_users, n_items, cfg.dim)
    }
}
