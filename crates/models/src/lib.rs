//! # gnnrec-models
//!
//! The models of gnnrec on [candle](https://github.com/huggingface/candle): the baselines
//! (most-popular, bias, item-KNN), EASE^R, the graph filters ([`filters`]), MF-BPR, LightGCN, SimGCL and
//! XSimGCL, IRGNN and the GCN rating model ([`gcn`]), with the sparse propagation op candle lacks
//! ([`propagate`]), a fused Adam ([`adam`]) and a BPR sampler ([`sampler`]).
//!
//! Layering: depends on `gnnrec-data` (interactions), `gnnrec-graph` (the normalised
//! adjacency) and `gnnrec-eval` (the [`gnnrec_eval::Scorer`] and
//! [`gnnrec_eval::RatingPredictor`] traits every model implements, and the metrics used for
//! early stopping). LightGCN and MF-BPR train on the CPU or, built with the `cuda` feature, on a
//! CUDA GPU ([`DeviceSpec`]). Every trained model is a [`TrainedModel`]; [`registry`] is the only place
//! that names the concrete types.
#![warn(missing_docs)]

pub mod adam;
pub mod baselines;
pub mod checkpoint;
pub mod config;
pub mod context;
mod contrastive;
pub mod device;
pub mod ease;
pub mod error;
pub mod filters;
pub mod gcn;
pub mod irgnn;
pub mod lightgcn;
mod lightgcn_step;
pub mod memory;
pub mod mf;
pub mod model;
pub mod observer;
pub mod propagate;
pub mod registry;
pub mod sampler;
pub mod simgcl;
#[cfg(test)]
mod test_support;
pub mod training;
pub mod weights;
pub mod xsimgcl;

pub use checkpoint::Checkpoint;
pub use context::{Features, TrainContext};
pub use device::DeviceSpec;
pub use error::ModelError;
pub use model::{Model, Task, TrainedModel};
pub use observer::{EpochRecord, Observer, Silent};
pub use registry::{MODELS, ModelKind, ModelSpec};
pub use weights::Weights;
