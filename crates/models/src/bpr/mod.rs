//! The BPR family: embedding models trained on sampled (user, positive, negative) triples
//! with the BPR loss through the shared loop.
//!
//! - [`lightgcn`] — LightGCN: ego embeddings propagated over the user–item graph; its CPU
//!   step written by hand (`lightgcn/step.rs`), candle's autograd step the reference;
//! - [`mf`] — MF-BPR: LightGCN with 0 layers;
//! - [`simgcl`] and [`xsimgcl`] — LightGCN's encoder with noise-perturbed views and an InfoNCE
//!   term (what they share is `contrastive.rs`), trained into a [`lightgcn::LightGcn`];
//! - [`irgnn`] — item embeddings propagated over the item–item graph, users the mean of
//!   their history.
//!
//! The first four share their embedding settings ([`EmbeddingSettings`]) and fold in new users
//! by averaging item embeddings; IRGNN folds in natively.

mod contrastive;
pub use contrastive::ContrastSettings;
pub mod irgnn;
pub mod lightgcn;
pub mod mf;
pub mod sharded_bpr;
pub mod sharded_step;
pub mod simgcl;
pub mod xsimgcl;

use crate::framework::config::Range;
use crate::framework::memory::f32s;

crate::settings! {
    /// The embedding settings of the LightGCN family (MF-BPR, LightGCN, SimGCL, XSimGCL),
    /// flattened into each one's configuration and readable as its own (`cfg.dim`).
    #[derive(Copy)]
    pub struct EmbeddingSettings {
        /// Embedding dimension.
        pub dim: usize = 64 => (Range::Positive, "embedding dimension"),
        /// L2 weight on the batch's ego embeddings.
        pub l2: f32 = 1e-4 => (Range::NonNegative, "L2 weight on the batch's ego embeddings"),
        /// The K of the recall@K watched on the monitoring set.
        pub monitor_k: usize = 20 => (
            Range::Positive,
            "the K of the recall@K watched on the monitoring set"
        ),
    }
}

/// Bytes of an embedding model trained by the shared loop: `rows × dim` parameters with
/// Adam's two moments, the best copy, the gradient and the final embeddings (7 tables), the
/// layers autograd keeps forward and backward (2 per layer, + 2), and the graph (the
/// symmetric adjacency and its pieces, 32 bytes per training interaction).
pub(crate) fn embedding_model_bytes(rows: u64, dim: usize, layers: usize, n_train: usize) -> u64 {
    let table = f32s(rows.saturating_mul(dim as u64));
    table
        .saturating_mul(7 + 2 * (layers as u64 + 2))
        .saturating_add((n_train as u64).saturating_mul(32))
}
