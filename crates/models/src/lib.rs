//! # gnnrec-models
//!
//! The models of gnnrec on [candle](https://github.com/huggingface/candle): the baselines
//! (most-popular, bias, item-KNN, EASE^R), the graph filters (GF-CF, BSPM), the BPR family
//! (MF-BPR, LightGCN, SimGCL, XSimGCL, IRGNN) and the GCN rating model, behind one plug-in
//! contract.
//!
//! ## Layout
//!
//! The crate's folders are its concepts, each using only those listed before it (a test,
//! `tests/layering.rs`, fails on an import circle between them):
//!
//! - [`framework`] — what a model is and how it plugs in: the [`Model`] trait and its declared
//!   capabilities ([`Task`], [`Training`], [`FoldIn`], GPU), what training makes
//!   ([`TrainedModel`]), the adapter that erases a model's types ([`framework::plugin`]:
//!   [`ModelKind`], [`Plugin`], [`Configured`]), the typed configurations written key by key
//!   ([`config`], the [`settings!`] macro), the training context, observer, checkpoints,
//!   weights, memory estimates, devices and errors;
//! - [`training`] — the one training loop ([`training::fit`]) with its fused Adam, BPR
//!   sampling, learning-rate schedules and loop settings;
//! - [`ops`] — what several model families compute with: the differentiable sparse product
//!   ([`propagate`]), a batch's distinct rows, the item–item graph's settings;
//! - the model families: [`baselines`] (popularity, biases, item-KNN, EASE^R), [`filters`]
//!   (GF-CF, BSPM), [`bpr`] (MF-BPR, LightGCN, SimGCL, XSimGCL, IRGNN) and [`gcn`];
//! - [`registry`] — the one list of models ([`MODELS`]) and a run's model ([`ModelSpec`]):
//!   the only place that names the concrete types.
//!
//! The modules of earlier versions (`gnnrec_models::lightgcn`, `::config`, `::sampler`, …)
//! are still reachable at the crate root under their old names.
//!
//! Layering: depends on `gnnrec-data` (interactions), `gnnrec-graph` (the normalised
//! adjacency) and `gnnrec-eval` (the [`gnnrec_eval::Scorer`] and
//! [`gnnrec_eval::RatingPredictor`] traits every model implements, and the metrics used for
//! early stopping). LightGCN and MF-BPR train on the CPU or, built with the `cuda` feature, on a
//! CUDA GPU ([`DeviceSpec`]). Helpers for tests (fixtures, generated data) are in `testing`,
//! behind the `testing` feature.
#![warn(missing_docs)]

pub mod baselines;
pub mod bpr;
pub mod filters;
pub mod framework;
pub mod gcn;
pub mod ops;
pub mod registry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod training;

// The module paths of earlier versions.
pub use baselines::ease;
pub use bpr::{irgnn, lightgcn, mf, simgcl, xsimgcl};
pub use framework::sharded;
pub use framework::{
    checkpoint, config, context, device, error, memory, model, observer, plugin, weights,
};
pub use ops::propagate;
pub use training::{adam, sampler};

pub use checkpoint::Checkpoint;
pub use context::{Features, TrainContext};
pub use device::DeviceSpec;
pub use error::ModelError;
pub use model::{FoldIn, Model, Task, TrainedModel, Training};
pub use observer::{EpochRecord, Observer, Silent};
pub use plugin::{Configured, ModelKind, Plugin};
pub use registry::{MODELS, ModelSpec};
pub use weights::Weights;
