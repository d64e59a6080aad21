//! IRGNN-style recommendation over an item–item relationship graph.
//!
//! Items carry ego embeddings `E⁰`; they are propagated over the weighted item–item graph
//! `W` of the training interactions (co-occurrence count, cosine, Jaccard, or a time-weighted
//! edge, optionally pruned to each item's top-k neighbours; see [`gnnrec_graph::item_graph`]).
//! `W` is symmetrised as `(W + Wᵀ) / 2` and normalised by its weighted degrees,
//! `Â = D^-1/2 W D^-1/2`, so the edge weights enter the propagation through the normalisation.
//! The item representation is the layer mean `F = Σ_k Âᵏ E⁰ / (K + 1)`; a user is the mean of
//! the representations of the items in their training history, `u = H F` with `H` the
//! row-normalised user–item matrix. Score = ⟨u, F_j⟩; training is BPR with L2 on the ego
//! embeddings of the batch's items, through the shared loop ([`crate::training::fit`]).
//!
//! How this relates to IRGNN (Liu et al., IEEE TNNLS 2022): IRGNN learns item embeddings by
//! message passing over a multi-relational item graph with edge-conditioned propagation and
//! predicts typed item–item relations (complements, substitutes). Here there is one relation,
//! "co-consumed", whose strength (count, similarity, or time proximity) conditions the
//! propagation through the normalised edge weights, and the embeddings are trained for top-K
//! recommendation instead of relation prediction. Users have no free embedding, so a user's
//! recommendations are a pure function of their history: new histories need no retraining.

use candle_core::{Device, Tensor, Var};
use gnnrec_data::{FeatureMatrix, Interactions};
use gnnrec_eval::{DotScorer, HistoryScorer, Scorer};
use gnnrec_graph::{Csr, ItemGraphSpec, item_graph};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Deserializer};

use super::embedding_model_bytes;
use crate::framework::config::{ModelConfig, Range};
use crate::framework::context::{Features, TrainContext};
use crate::framework::error::{Context, Result, bail};
use crate::framework::memory::{DataSize, f32s};
use crate::framework::model::{FoldIn, Model, Task, TrainedModel, Training};
use crate::framework::observer::Observer;
use crate::framework::weights::Weights;
use crate::ops::ItemGraphSettings;
use crate::ops::propagate::{SparseMatrix, final_embeddings, layer_mean};
use crate::training::{
    BprEpochs, LoopSettings, Monitored, Objective, Schedule, bpr_loss, fit, squared_norms_of_rows,
    value_and_gradient,
};

crate::settings! {
    /// Hyperparameters of IRGNN.
    pub struct IrgnnConfig {
        /// Embedding dimension.
        pub dim: usize = 64 => (Range::Positive, "embedding dimension"),
        /// Propagation layers over the item graph.
        pub layers: usize = 2 => (Range::Count, "propagation layers over the item graph"),
        /// L2 weight on the batch's item ego embeddings.
        pub l2: f32 = 1e-4 => (
            Range::NonNegative,
            "L2 weight on the batch's item ego embeddings"
        ),
        /// The K of the recall@K watched on the monitoring set.
        pub monitor_k: usize = 20 => (
            Range::Positive,
            "the K of the recall@K watched on the monitoring set"
        ),
        /// Neighbours kept per item (0: all).
        #[serde(deserialize_with = "zero_if_null")]
        pub topk: usize = 50 => (
            Range::Count,
            "neighbours kept per item in the item graph (0: all)"
        ),
        /// Item side features (MovieLens: genres, year) projected and added to the items' ego
        /// embeddings: `item` or `none` (users have no inputs of their own).
        pub features: Features = Features::AUTO => (
            Range::OneOf(&["auto", "none", "item"]),
            "item side features added to the item inputs: none, item, or auto (item where the dataset has them)"
        ),
        /// The item graph's edge weight (and decay scale), read as `cfg.item_graph`,
        /// `cfg.tau`.
        pub graph_settings: ItemGraphSettings = ItemGraphSettings::default() => flatten deref,
        /// Learning rate, batch, epochs, evaluation, early stopping and schedule.
        pub train: LoopSettings = LoopSettings {
            lr: 0.01,
            batch: 2048,
            epochs: 50,
            eval_every: 10,
            patience: 0,
            schedule: Schedule::Cosine,
        } => flatten,
    }
}

/// `null` (the "all neighbours" of earlier run directories) as 0.
pub(crate) fn zero_if_null<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<usize, D::Error> {
    Ok(Option::<usize>::deserialize(d)?.unwrap_or(0))
}

impl ModelConfig for IrgnnConfig {
    const RENAMED: &'static [(&'static str, &'static str)] = &[
        ("graph", "item_graph"),
        ("tau_days", "tau"),
        ("item_features", "features"),
    ];

    fn check(&self) -> Result<()> {
        if self.features.user && !self.features.auto {
            bail!("irgnn has no user inputs (users are their history); use features item");
        }
        Ok(())
    }
}

impl IrgnnConfig {
    /// The item-graph specification.
    pub fn graph_spec(&self) -> ItemGraphSpec {
        ItemGraphSpec {
            weight: self.item_graph,
            top_k: (self.topk > 0).then_some(self.topk),
            tau_days: self.tau,
            ..Default::default()
        }
    }
}

/// `(W + Wᵀ) / 2` normalised by weighted degrees.
fn normalized_item_graph(w: &Csr) -> Csr {
    let n = w.n_rows();
    let mut rows = Vec::with_capacity(2 * w.nnz());
    let mut cols = Vec::with_capacity(2 * w.nnz());
    let mut vals = Vec::with_capacity(2 * w.nnz());
    for r in 0..n {
        let (c, v) = w.row(r);
        for (&c, &v) in c.iter().zip(v) {
            rows.extend([r as u32, c]);
            cols.extend([c, r as u32]);
            vals.extend([v / 2.0, v / 2.0]);
        }
    }
    let mut a = Csr::from_triplets(n, n, &rows, &cols, &vals);
    a.normalize_symmetric();
    a
}

/// A trained IRGNN: user vectors (history means) and item vectors, scored by dot product.
#[derive(Debug, Clone)]
pub struct Irgnn {
    scorer: DotScorer,
    ego: Vec<f32>,
}

impl Irgnn {
    /// Restores from saved weights.
    pub fn from_weights(w: &Weights, n_users: usize, n_items: usize, dim: usize) -> Result<Self> {
        Ok(Irgnn {
            scorer: DotScorer::new(
                w.get_shaped("user_embedding", &[n_users, dim])?.to_vec(),
                w.get_shaped("item_embedding", &[n_items, dim])?.to_vec(),
                dim,
            ),
            ego: w
                .get_shaped("item_ego_embedding", &[n_items, dim])?
                .to_vec(),
        })
    }
}

impl Scorer for Irgnn {
    fn n_items(&self) -> usize {
        self.scorer.n_items()
    }
    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        self.scorer.score_users(users, out)
    }
}

/// Native fold-in: an IRGNN user *is* the mean of their history's item representations, so
/// a new history is scored exactly as a user with that history would be.
impl HistoryScorer for Irgnn {
    fn score_histories(&self, histories: &[&[u32]], out: &mut [f32]) {
        self.scorer.score_history_means(histories, out)
    }
}

impl TrainedModel for Irgnn {
    fn weights(&self) -> Weights {
        let d = self.scorer.dim();
        let (nu, ni) = (
            self.scorer.user_embeddings().len() / d,
            self.scorer.n_items(),
        );
        let mut w = Weights::new();
        w.insert(
            "user_embedding",
            &[nu, d],
            self.scorer.user_embeddings().to_vec(),
        );
        w.insert(
            "item_embedding",
            &[ni, d],
            self.scorer.item_embeddings().to_vec(),
        );
        // The items' inputs (ego embeddings plus projected features, where used).
        w.insert("item_ego_embedding", &[ni, d], self.ego.clone());
        w
    }
    fn fold_in(&self) -> Option<&dyn HistoryScorer> {
        Some(self)
    }
}

impl Model for Irgnn {
    type Config = IrgnnConfig;
    type Trained = Irgnn;
    const NAME: &'static str = "irgnn";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str =
        "IRGNN-style: item embeddings propagated over the item–item graph; users = their history";
    const TRAINING: Training = Training::Epochs;
    const FOLD_IN: FoldIn = FoldIn::Native;

    fn bytes_needed(cfg: &IrgnnConfig, size: DataSize) -> u64 {
        let items = size.n_items as u64;
        let neighbours = if cfg.topk == 0 {
            items
        } else {
            cfg.topk as u64
        };
        embedding_model_bytes(items, cfg.dim, cfg.layers, size.n_train)
            // the item graph, both directions, index + value; the users' vectors
            .saturating_add(items.saturating_mul(neighbours).saturating_mul(16))
            .saturating_add(f32s((size.n_users as u64).saturating_mul(cfg.dim as u64)))
    }

    fn train(cfg: &IrgnnConfig, ctx: &TrainContext<'_>, obs: &mut dyn Observer) -> Result<Irgnn> {
        train(cfg, ctx, obs)
    }

    fn load(cfg: &IrgnnConfig, w: &Weights, n_users: usize, n_items: usize) -> Result<Irgnn> {
        Irgnn::from_weights(w, n_users, n_items, cfg.dim)
    }
}

/// The optimisation state of IRGNN.
struct Trainer {
    cfg: IrgnnConfig,
    graph: SparseMatrix,
    history: Csr,
    /// `[E⁰ (n_items × dim) | W_f (n_features × dim)]`, flat: the initial parameters.
    ego: Vec<f32>,
    /// Item side features (`n_items × n_features`), when used.
    features: Option<Tensor>,
    epochs: Option<BprEpochs>,
}

impl Trainer {
    fn new(
        cfg: &IrgnnConfig,
        train: &Interactions,
        n_users: usize,
        n_items: usize,
        features: Option<&FeatureMatrix>,
        rng: &mut ChaCha8Rng,
    ) -> Result<Self> {
        if cfg.dim == 0 || cfg.train.batch == 0 {
            bail!("dim and batch must be positive");
        }
        let features = features
            .map(|f| Tensor::from_slice(&f.data, (f.rows, f.cols), &Device::Cpu))
            .transpose()?;
        let w = item_graph(train, n_users, n_items, &cfg.graph_spec())
            .context("building IRGNN's item graph")?;
        let graph = SparseMatrix::new(normalized_item_graph(&w));
        let mut binary = Interactions::new(train.users.clone(), train.items.clone());
        binary.dedup_pairs();
        let history = Csr::row_normalized(n_users, n_items, &binary.users, &binary.items);
        let normal = Normal::new(0.0f32, 0.1).expect("valid normal");
        let n_features = features.as_ref().map_or(Ok(0), |f| f.dim(1))?;
        let n_params = (n_items + n_features) * cfg.dim;
        let ego: Vec<f32> = (0..n_params).map(|_| normal.sample(rng)).collect();
        Ok(Trainer {
            cfg: cfg.clone(),
            graph,
            history,
            ego,
            features,
            epochs: None,
        })
    }

    /// The items' inputs `E⁰ + F W_f` (or `E⁰`) from the parameters `[E⁰ | W_f]`.
    fn item_inputs(&self, params: &Tensor) -> candle_core::Result<Tensor> {
        let n_items = self.graph.csr().n_rows();
        let e = params.narrow(0, 0, n_items)?;
        match &self.features {
            Some(f) => e + f.matmul(&params.narrow(0, n_items, f.dim(1)?)?)?,
            None => Ok(e),
        }
    }

    fn loss_at(
        &self,
        ego: &[f32],
        users: &[u32],
        pos: &[u32],
        neg: &[u32],
    ) -> candle_core::Result<(f32, Vec<f32>)> {
        let dev = Device::Cpu;
        let (d, b) = (self.cfg.dim, users.len());
        let n_items = self.graph.csr().n_rows();
        let params = Var::from_slice(ego, (ego.len() / d, d), &dev)?;
        let e = params.as_tensor().narrow(0, 0, n_items)?;
        let fin = layer_mean(&self.graph, &self.item_inputs(&params)?, self.cfg.layers)?;
        let u = SparseMatrix::new(self.history.select_rows(users)).matmul(&fin)?;
        let pi = Tensor::from_slice(pos, b, &dev)?;
        let ni = Tensor::from_slice(neg, b, &dev)?;
        let bpr = bpr_loss(&u, &fin.index_select(&pi, 0)?, &fin.index_select(&ni, 0)?)?;
        let reg = squared_norms_of_rows(&e, &[&pi, &ni])?;
        let loss = (bpr + (reg * (0.5 * self.cfg.l2 as f64 / b as f64))?)?;
        value_and_gradient(&loss, params.as_tensor())
    }

    fn model_at(&self, ego: &[f32]) -> Result<Irgnn> {
        let d = self.cfg.dim;
        let p = Tensor::from_slice(ego, (ego.len() / d, d), &Device::Cpu)?;
        let input: Vec<f32> = self.item_inputs(&p)?.flatten_all()?.to_vec1()?;
        let items = final_embeddings(&self.graph, &input, d, self.cfg.layers);
        let mut users = vec![0f32; self.history.n_rows() * d];
        self.history.spmm(&items, d, &mut users);
        Ok(Irgnn {
            scorer: DotScorer::new(users, items, d),
            ego: input,
        })
    }
}

impl Objective for Trainer {
    type Model = Irgnn;
    fn start_epoch(&mut self, rng: &mut ChaCha8Rng) -> usize {
        self.epochs.as_mut().expect("set by train").start(rng)
    }
    fn loss_and_grad(
        &mut self,
        params: &[f32],
        k: usize,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(f32, Vec<f32>)> {
        let b = self.epochs.as_ref().expect("set by train").batch(k);
        Ok(self.loss_at(params, b.users, b.pos, b.neg)?)
    }
    fn snapshot(&self, params: &[f32]) -> Result<Irgnn> {
        self.model_at(params)
    }
}

/// Trains IRGNN on `ctx` with the shared loop.
pub fn train(cfg: &IrgnnConfig, ctx: &TrainContext<'_>, obs: &mut dyn Observer) -> Result<Irgnn> {
    cfg.check()?;
    let items_only = Features {
        user: false,
        ..cfg.features
    };
    let (_, item_features) = ctx.side_features(items_only)?;
    let mut rng = ChaCha8Rng::seed_from_u64(ctx.seed);
    let mut trainer = Trainer::new(
        cfg,
        ctx.train,
        ctx.n_users,
        ctx.n_items,
        item_features,
        &mut rng,
    )?;
    trainer.epochs = Some(BprEpochs::new(
        ctx.train,
        ctx.n_users,
        ctx.n_items,
        cfg.train.batch,
        1,
    )?);
    let init = std::mem::take(&mut trainer.ego);
    let what = Monitored::Recall(cfg.monitor_k);
    fit(&mut trainer, init, &cfg.train, what, ctx, &mut rng, obs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Interactions {
        Interactions::new(vec![0, 0, 1, 1, 2, 2, 2], vec![0, 1, 1, 2, 0, 2, 3])
    }

    #[test]
    fn item_graph_is_symmetric_and_degree_normalised() {
        let cfg = IrgnnConfig {
            topk: 0,
            ..Default::default()
        };
        let w = item_graph(&toy(), 3, 4, &cfg.graph_spec()).unwrap();
        let a = normalized_item_graph(&w);
        assert!(a.is_symmetric());
        // Σ_c D^-1/2 W D^-1/2 weighted by √d_c equals √d_r for every non-isolated row.
        let deg: Vec<f32> = (0..4).map(|r| w.row(r).1.iter().sum()).collect();
        for r in 0..4 {
            let (c, v) = a.row(r);
            let lhs: f32 = c
                .iter()
                .zip(v)
                .map(|(&c, &v)| v * deg[c as usize].sqrt())
                .sum();
            assert!((lhs - deg[r].sqrt()).abs() < 1e-5, "row {r}");
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let cfg = IrgnnConfig {
            dim: 2,
            layers: 2,
            l2: 0.1,
            topk: 0,
            features: Features {
                user: false,
                item: true,
                auto: false,
            },
            ..Default::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let features = FeatureMatrix {
            rows: 4,
            cols: 2,
            data: vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0],
            names: vec!["a".into(), "b".into()],
        };
        let t = Trainer::new(&cfg, &toy(), 3, 4, Some(&features), &mut rng).unwrap();
        let normal = Normal::new(0.0f32, 0.5).unwrap();
        let ego: Vec<f32> = (0..12).map(|_| normal.sample(&mut rng)).collect();
        let (users, pos, neg) = ([0u32, 2, 1], [1u32, 3, 2], [3u32, 1, 0]);
        let (_, g) = t.loss_at(&ego, &users, &pos, &neg).unwrap();
        let h = 1e-2;
        for (k, &gk) in g.iter().enumerate() {
            let f = |delta: f32| {
                let mut e = ego.clone();
                e[k] += delta;
                t.loss_at(&e, &users, &pos, &neg).unwrap().0
            };
            let numeric = (f(h) - f(-h)) / (2.0 * h);
            assert!((numeric - gk).abs() < 2e-3, "entry {k}: {numeric} vs {gk}");
        }
    }

    #[test]
    fn users_are_the_mean_of_their_history() {
        let cfg = IrgnnConfig {
            dim: 3,
            topk: 0,
            ..Default::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let t = Trainer::new(&cfg, &toy(), 3, 4, None, &mut rng).unwrap();
        let m = t.model_at(&t.ego).unwrap();
        let items = m.scorer.item_embeddings();
        let users = m.scorer.user_embeddings();
        for c in 0..3 {
            // user 2 holds items 0, 2, 3.
            let want = (items[c] + items[2 * 3 + c] + items[3 * 3 + c]) / 3.0;
            assert!((users[2 * 3 + c] - want).abs() < 1e-6);
        }
        let back = Irgnn::from_weights(&m.weights(), 3, 4, 3).unwrap();
        assert_eq!(back.weights(), m.weights());
    }
}
