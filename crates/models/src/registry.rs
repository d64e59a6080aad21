//! The one place that knows every model: building, training and loading by [`ModelSpec`].

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::baselines::bias::{BiasConfig, BiasModel};
use crate::baselines::itemknn::{ItemKnn, ItemKnnConfig};
use crate::baselines::popularity::Popularity;
use crate::bpr::LoopSettings;
use crate::context::{Features, TrainContext};
use crate::device::DeviceSpec;
use crate::gcn::{self, GcnConfig, GcnModel};
use crate::irgnn::{self, GraphWeight, Irgnn, IrgnnConfig};
use crate::lightgcn::{self, LightGcn, LightGcnConfig, Schedule};
use crate::model::TrainedModel;
use crate::observer::Observer;
use crate::weights::Weights;

/// What a model is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Top-K recommendation, evaluated by ranking metrics.
    Ranking,
    /// Rating prediction, evaluated by rating errors (and ranking by predicted rating).
    Rating,
}

/// A model and its hyperparameters, as stored in a run's `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "lowercase")]
pub enum ModelSpec {
    /// Most-popular items.
    Pop,
    /// Global mean + user + item biases.
    Bias(BiasConfig),
    /// Item-KNN over the cosine item–item graph.
    Itemknn(ItemKnnConfig),
    /// Matrix factorisation with BPR (LightGCN with 0 layers).
    Mf(LightGcnConfig),
    /// LightGCN.
    Lightgcn(LightGcnConfig),
    /// IRGNN over the item–item graph.
    Irgnn(IrgnnConfig),
    /// GCN rating prediction (GC-MC style).
    Gcn(GcnConfig),
}

impl ModelSpec {
    /// The model's name on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            ModelSpec::Pop => "pop",
            ModelSpec::Bias(_) => "bias",
            ModelSpec::Itemknn(_) => "itemknn",
            ModelSpec::Mf(_) => "mf",
            ModelSpec::Lightgcn(_) => "lightgcn",
            ModelSpec::Irgnn(_) => "irgnn",
            ModelSpec::Gcn(_) => "gcn",
        }
    }

    /// The model's task.
    pub fn task(&self) -> Task {
        match self {
            ModelSpec::Bias(_) | ModelSpec::Gcn(_) => Task::Rating,
            _ => Task::Ranking,
        }
    }

    /// Whether the model learns in epochs (and so logs them and may stop early).
    pub fn is_iterative(&self) -> bool {
        matches!(
            self,
            ModelSpec::Mf(_) | ModelSpec::Lightgcn(_) | ModelSpec::Irgnn(_) | ModelSpec::Gcn(_)
        )
    }

    /// The same model with its epoch limit set to `epochs` (iterative models only).
    pub fn with_epochs(mut self, epochs: usize) -> ModelSpec {
        match &mut self {
            ModelSpec::Mf(c) | ModelSpec::Lightgcn(c) => c.train.epochs = epochs,
            ModelSpec::Irgnn(c) => c.train.epochs = epochs,
            ModelSpec::Gcn(c) => c.epochs = epochs,
            _ => {}
        }
        self
    }
}

/// Hyperparameters given on the command line; `None` keeps the model's default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hyper {
    /// Propagation layers.
    pub layers: Option<usize>,
    /// Embedding dimension.
    pub dim: Option<usize>,
    /// Learning rate.
    pub lr: Option<f32>,
    /// L2 weight.
    pub l2: Option<f32>,
    /// Batch size.
    pub batch: Option<usize>,
    /// Maximum epochs.
    pub epochs: Option<usize>,
    /// Evaluate every N epochs.
    pub eval_every: Option<usize>,
    /// Early-stopping patience, in evaluations.
    pub patience: Option<usize>,
    /// Learning-rate schedule.
    pub schedule: Option<Schedule>,
    /// Negative candidates per BPR triple (hardest one used).
    pub neg_pool: Option<usize>,
    /// Bias model: user shrinkage.
    pub reg_user: Option<f32>,
    /// Bias model: item shrinkage.
    pub reg_item: Option<f32>,
    /// Item-KNN: neighbours per item.
    pub neighbours: Option<usize>,
    /// IRGNN: item-graph edge weight.
    pub item_graph: Option<GraphWeight>,
    /// IRGNN: decay scale τ in days.
    pub tau: Option<f64>,
    /// IRGNN: neighbours kept per item in the item graph.
    pub topk: Option<usize>,
    /// GCN: width of embeddings and hidden layers.
    pub hidden: Option<usize>,
    /// GCN: dropout probability.
    pub dropout: Option<f32>,
    /// GCN: side features used.
    pub features: Option<Features>,
}

impl Hyper {
    /// The loop settings `d` with the ones given on the command line.
    fn loop_settings(&self, d: LoopSettings) -> LoopSettings {
        LoopSettings {
            lr: self.lr.unwrap_or(d.lr),
            batch: self.batch.unwrap_or(d.batch),
            epochs: self.epochs.unwrap_or(d.epochs),
            eval_every: self.eval_every.unwrap_or(d.eval_every),
            patience: self.patience.unwrap_or(d.patience),
            schedule: self.schedule.unwrap_or(d.schedule),
            neg_pool: self.neg_pool.unwrap_or(d.neg_pool),
            ..d
        }
    }
}

/// The names of every model, as accepted by [`ModelSpec::build`].
pub const MODEL_NAMES: [&str; 7] = ["pop", "bias", "itemknn", "mf", "lightgcn", "irgnn", "gcn"];

impl ModelSpec {
    /// The model called `name` with hyperparameters `h` over its defaults.
    pub fn build(name: &str, h: &Hyper) -> Result<ModelSpec> {
        let gcn = |layers: usize| {
            let d = LightGcnConfig::default();
            LightGcnConfig {
                layers: h.layers.unwrap_or(layers),
                dim: h.dim.unwrap_or(d.dim),
                l2: h.l2.unwrap_or(d.l2),
                train: h.loop_settings(d.train),
            }
        };
        Ok(match name {
            "pop" => ModelSpec::Pop,
            "bias" => {
                let d = BiasConfig::default();
                ModelSpec::Bias(BiasConfig {
                    reg_user: h.reg_user.unwrap_or(d.reg_user),
                    reg_item: h.reg_item.unwrap_or(d.reg_item),
                    ..d
                })
            }
            "itemknn" => {
                let d = ItemKnnConfig::default();
                ModelSpec::Itemknn(ItemKnnConfig {
                    neighbours: h.neighbours.unwrap_or(d.neighbours),
                    graph: h.item_graph.unwrap_or(d.graph),
                    tau_days: h.tau.unwrap_or(d.tau_days),
                })
            }
            "mf" => {
                if h.layers.is_some_and(|l| l > 0) {
                    bail!("mf is LightGCN with 0 layers; use --model lightgcn for layers > 0");
                }
                ModelSpec::Mf(gcn(0))
            }
            "lightgcn" => ModelSpec::Lightgcn(gcn(3)),
            "irgnn" => {
                if h.features.is_some_and(|f| f.user) {
                    bail!(
                        "irgnn has no user inputs (users are their history); use --features item"
                    );
                }
                let d = IrgnnConfig::default();
                ModelSpec::Irgnn(IrgnnConfig {
                    dim: h.dim.unwrap_or(d.dim),
                    layers: h.layers.unwrap_or(d.layers),
                    l2: h.l2.unwrap_or(d.l2),
                    train: h.loop_settings(d.train),
                    graph: h.item_graph.unwrap_or(d.graph),
                    tau_days: h.tau.unwrap_or(d.tau_days),
                    topk: h.topk.map_or(d.topk, |k| (k > 0).then_some(k)),
                    item_features: h.features.map_or(d.item_features, |f| f.item),
                })
            }
            "gcn" => {
                let d = GcnConfig::default();
                ModelSpec::Gcn(GcnConfig {
                    layers: h.layers.unwrap_or(d.layers),
                    hidden: h.hidden.or(h.dim).unwrap_or(d.hidden),
                    lr: h.lr.unwrap_or(d.lr),
                    l2: h.l2.unwrap_or(d.l2),
                    dropout: h.dropout.unwrap_or(d.dropout),
                    batch: h.batch.unwrap_or(d.batch),
                    epochs: h.epochs.unwrap_or(d.epochs),
                    eval_every: h.eval_every.unwrap_or(d.eval_every),
                    patience: h.patience.unwrap_or(d.patience),
                    features: h.features.unwrap_or(d.features),
                    schedule: h.schedule.unwrap_or(d.schedule),
                    ..d
                })
            }
            other => bail!("unknown model `{other}`; known: {}", MODEL_NAMES.join(", ")),
        })
    }
}

/// Trains the model `spec` on `ctx`.
pub fn train(
    spec: &ModelSpec,
    ctx: &TrainContext<'_>,
    obs: &mut dyn Observer,
) -> Result<Box<dyn TrainedModel>> {
    let on_the_cpu_only = !matches!(spec, ModelSpec::Mf(_) | ModelSpec::Lightgcn(_));
    if on_the_cpu_only && ctx.device != DeviceSpec::Cpu {
        bail!(
            "{} trains on the CPU only; drop --device {}",
            spec.name(),
            ctx.device
        );
    }
    Ok(match spec {
        ModelSpec::Pop => Box::new(Popularity::fit(ctx.train, ctx.n_items)),
        ModelSpec::Bias(cfg) => {
            let Some(scale) = ctx.rating_scale else {
                bail!(
                    "the bias model predicts ratings, and this dataset has none; try --model pop"
                );
            };
            Box::new(BiasModel::fit(
                ctx.train,
                ctx.n_users,
                ctx.n_items,
                scale,
                cfg,
            )?)
        }
        ModelSpec::Itemknn(cfg) => {
            Box::new(ItemKnn::fit(ctx.train, ctx.n_users, ctx.n_items, cfg)?)
        }
        ModelSpec::Mf(cfg) => {
            let cfg = LightGcnConfig {
                layers: 0,
                ..cfg.clone()
            };
            Box::new(lightgcn::train(&cfg, ctx, obs)?)
        }
        ModelSpec::Lightgcn(cfg) => Box::new(lightgcn::train(cfg, ctx, obs)?),
        ModelSpec::Irgnn(cfg) => Box::new(irgnn::train(cfg, ctx, obs)?),
        ModelSpec::Gcn(cfg) => Box::new(gcn::train(cfg, ctx, obs)?),
    })
}

/// Restores a trained model from its weights.
pub fn load(
    spec: &ModelSpec,
    w: &Weights,
    n_users: usize,
    n_items: usize,
) -> Result<Box<dyn TrainedModel>> {
    Ok(match spec {
        ModelSpec::Pop => Box::new(Popularity::from_weights(w, n_items)?),
        ModelSpec::Bias(_) => Box::new(BiasModel::from_weights(w, n_users, n_items)?),
        ModelSpec::Itemknn(_) => Box::new(ItemKnn::from_weights(w, n_users, n_items)?),
        ModelSpec::Mf(cfg) | ModelSpec::Lightgcn(cfg) => {
            Box::new(LightGcn::from_weights(w, n_users, n_items, cfg.dim)?)
        }
        ModelSpec::Irgnn(cfg) => Box::new(Irgnn::from_weights(w, n_users, n_items, cfg.dim)?),
        ModelSpec::Gcn(_) => Box::new(GcnModel::from_weights(w, n_users, n_items)?),
    })
}
