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
//! embeddings of the batch's items, through the shared loop ([`crate::bpr::fit`]).
//!
//! How this relates to IRGNN (Liu et al., IEEE TNNLS 2022): IRGNN learns item embeddings by
//! message passing over a multi-relational item graph with edge-conditioned propagation and
//! predicts typed item–item relations (complements, substitutes). Here there is one relation,
//! "co-consumed", whose strength (count, similarity, or time proximity) conditions the
//! propagation through the normalised edge weights, and the embeddings are trained for top-K
//! recommendation instead of relation prediction. Users have no free embedding, so a user's
//! recommendations are a pure function of their history: new histories need no retraining.

use anyhow::{Context, Result, bail};
use candle_core::{Device, Tensor, Var};
use gnnrec_data::{FeatureMatrix, Interactions};
use gnnrec_eval::{DotScorer, Scorer};
use gnnrec_graph::{Csr, EdgeWeight, ItemGraphSpec, item_graph};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::adam::Adam;
use crate::bpr::{BprTrainer, LoopSettings, fit};
use crate::context::{Features, TrainContext};
use crate::lightgcn::{Schedule, bpr_loss, final_embeddings, layer_mean};
use crate::model::TrainedModel;
use crate::observer::Observer;
use crate::propagate::SparseMatrix;
use crate::weights::Weights;

/// The weight of an item–item edge, as stored in a run's config.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GraphWeight {
    /// Users in common.
    Count,
    /// Users in common / √(degree product).
    #[default]
    Cosine,
    /// Users in common / users of either.
    Jaccard,
    /// Users in common / (1 + mean |Δt| in days), the reference notebook's weight.
    Time,
    /// Σ over common users of exp(−|Δt| / τ).
    Decay,
}

impl GraphWeight {
    /// The graph crate's edge weight, with `tau_days` for [`GraphWeight::Decay`].
    pub fn edge_weight(self, tau_days: f64) -> EdgeWeight {
        match self {
            GraphWeight::Count => EdgeWeight::Count,
            GraphWeight::Cosine => EdgeWeight::Cosine,
            GraphWeight::Jaccard => EdgeWeight::Jaccard,
            GraphWeight::Time => EdgeWeight::Time,
            GraphWeight::Decay => EdgeWeight::Decay { tau_days },
        }
    }
}

/// Hyperparameters of IRGNN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IrgnnConfig {
    /// Embedding dimension.
    pub dim: usize,
    /// Propagation layers over the item graph.
    pub layers: usize,
    /// L2 weight on the batch's item ego embeddings.
    pub l2: f32,
    /// Learning rate, batch, epochs, evaluation, early stopping and schedule.
    #[serde(flatten)]
    pub train: LoopSettings,
    /// Edge weight of the item graph.
    pub graph: GraphWeight,
    /// τ in days for [`GraphWeight::Decay`].
    pub tau_days: f64,
    /// Neighbours kept per item (`None`: all).
    pub topk: Option<usize>,
    /// Add a learned projection of the items' side features (MovieLens: genres, year) to their
    /// ego embeddings.
    #[serde(default)]
    pub item_features: bool,
}

impl Default for IrgnnConfig {
    fn default() -> Self {
        IrgnnConfig {
            dim: 64,
            layers: 2,
            l2: 1e-4,
            train: LoopSettings {
                lr: 0.01,
                batch: 2048,
                epochs: 100,
                eval_every: 10,
                patience: 5,
                monitor_k: 20,
                schedule: Schedule::Cosine,
                neg_pool: 1,
            },
            graph: GraphWeight::Cosine,
            tau_days: 30.0,
            topk: Some(50),
            item_features: false,
        }
    }
}

impl IrgnnConfig {
    /// The item-graph specification.
    pub fn graph_spec(&self) -> ItemGraphSpec {
        ItemGraphSpec {
            weight: self.graph.edge_weight(self.tau_days),
            top_k: self.topk,
            ..Default::default()
        }
    }
}

/// `(W + Wᵀ) / 2` normalised by weighted degrees.
fn normalized_item_graph(w: &Csr) -> Csr {
    let n = w.n_rows;
    let mut rows = Vec::with_capacity(2 * w.indices.len());
    let mut cols = Vec::with_capacity(2 * w.indices.len());
    let mut vals = Vec::with_capacity(2 * w.indices.len());
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
    fn as_scorer(&self) -> &dyn Scorer {
        self
    }
}

/// The optimisation state of IRGNN.
struct Trainer {
    cfg: IrgnnConfig,
    graph: SparseMatrix,
    history: Csr,
    /// `[E⁰ (n_items × dim) | W_f (n_features × dim)]`, flat.
    ego: Vec<f32>,
    /// Item side features (`n_items × n_features`), when used.
    features: Option<Tensor>,
    adam: Adam,
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
        let ones = vec![1.0f32; binary.len()];
        let mut history = Csr::from_triplets(n_users, n_items, &binary.users, &binary.items, &ones);
        for r in 0..n_users {
            let len = history.indptr[r + 1] - history.indptr[r];
            for k in history.indptr[r]..history.indptr[r + 1] {
                history.values[k] = 1.0 / len as f32;
            }
        }
        let normal = Normal::new(0.0f32, 0.1).expect("valid normal");
        let n_features = features.as_ref().map_or(Ok(0), |f| f.dim(1))?;
        let n_params = (n_items + n_features) * cfg.dim;
        let ego: Vec<f32> = (0..n_params).map(|_| normal.sample(rng)).collect();
        let adam = Adam::new(ego.len(), cfg.train.lr);
        Ok(Trainer {
            cfg: cfg.clone(),
            graph,
            history,
            ego,
            features,
            adam,
        })
    }

    /// The items' inputs `E⁰ + F W_f` (or `E⁰`) from the parameters `[E⁰ | W_f]`.
    fn item_inputs(&self, params: &Tensor) -> candle_core::Result<Tensor> {
        let n_items = self.graph.csr().n_rows;
        let e = params.narrow(0, 0, n_items)?;
        match &self.features {
            Some(f) => e + f.matmul(&params.narrow(0, n_items, f.dim(1)?)?)?,
            None => Ok(e),
        }
    }

    fn loss_and_grad(
        &self,
        users: &[u32],
        pos: &[u32],
        neg: &[u32],
    ) -> candle_core::Result<(f32, Vec<f32>)> {
        let dev = Device::Cpu;
        let (d, b) = (self.cfg.dim, users.len());
        let n_items = self.graph.csr().n_rows;
        let params = Var::from_slice(&self.ego, (self.ego.len() / d, d), &dev)?;
        let e = params.as_tensor().narrow(0, 0, n_items)?;
        let fin = layer_mean(&self.graph, &self.item_inputs(&params)?, self.cfg.layers)?;
        let u = SparseMatrix::new(self.history.select_rows(users)).matmul(&fin)?;
        let pi = Tensor::from_slice(pos, b, &dev)?;
        let ni = Tensor::from_slice(neg, b, &dev)?;
        let bpr = bpr_loss(&u, &fin.index_select(&pi, 0)?, &fin.index_select(&ni, 0)?)?;
        let reg = (e.index_select(&pi, 0)?.sqr()?.sum_all()?
            + e.index_select(&ni, 0)?.sqr()?.sum_all()?)?;
        let loss = (bpr + (reg * (0.5 * self.cfg.l2 as f64 / b as f64))?)?;
        let grads = loss.backward()?;
        let g = grads
            .get(&params)
            .ok_or_else(|| candle_core::Error::Msg("no gradient for the embeddings".into()))?;
        Ok((loss.to_scalar::<f32>()?, g.flatten_all()?.to_vec1()?))
    }
}

impl BprTrainer for Trainer {
    type Model = Irgnn;
    fn params(&self) -> &[f32] {
        &self.ego
    }
    fn set_params(&mut self, params: Vec<f32>) {
        assert_eq!(params.len(), self.ego.len());
        self.ego = params;
    }
    fn adam(&mut self) -> &mut Adam {
        &mut self.adam
    }
    fn step(&mut self, users: &[u32], pos: &[u32], neg: &[u32]) -> Result<f32> {
        let (loss, grad) = self.loss_and_grad(users, pos, neg)?;
        if !loss.is_finite() {
            bail!("the loss became {loss}; lower the learning rate");
        }
        self.adam.step(&mut self.ego, &grad);
        Ok(loss)
    }
    fn model(&self) -> Irgnn {
        let d = self.cfg.dim;
        let input = Tensor::from_slice(&self.ego, (self.ego.len() / d, d), &Device::Cpu)
            .and_then(|p| self.item_inputs(&p)?.flatten_all()?.to_vec1())
            .expect("the parameters have the shape the trainer made");
        let items = final_embeddings(&self.graph, &input, d, self.cfg.layers);
        let mut users = vec![0f32; self.history.n_rows * d];
        self.history.spmm(&items, d, &mut users);
        Irgnn {
            scorer: DotScorer::new(users, items, d),
            ego: input,
        }
    }
}

/// Trains IRGNN on `ctx` with the shared BPR loop.
pub fn train(cfg: &IrgnnConfig, ctx: &TrainContext<'_>, obs: &mut dyn Observer) -> Result<Irgnn> {
    let (_, item_features) = ctx.side_features(Features {
        user: false,
        item: cfg.item_features,
    })?;
    let mut rng = ChaCha8Rng::seed_from_u64(ctx.seed);
    let mut trainer = Trainer::new(
        cfg,
        ctx.train,
        ctx.n_users,
        ctx.n_items,
        item_features,
        &mut rng,
    )?;
    fit(&mut trainer, &cfg.train, ctx, &mut rng, obs)
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
            topk: None,
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
            topk: None,
            item_features: true,
            ..Default::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let features = FeatureMatrix {
            rows: 4,
            cols: 2,
            data: vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0],
            names: vec!["a".into(), "b".into()],
        };
        let mut t = Trainer::new(&cfg, &toy(), 3, 4, Some(&features), &mut rng).unwrap();
        let normal = Normal::new(0.0f32, 0.5).unwrap();
        t.ego = (0..12).map(|_| normal.sample(&mut rng)).collect();
        let (users, pos, neg) = ([0u32, 2, 1], [1u32, 3, 2], [3u32, 1, 0]);
        let (_, g) = t.loss_and_grad(&users, &pos, &neg).unwrap();
        let h = 1e-2;
        let ego = t.ego.clone();
        for (k, &gk) in g.iter().enumerate() {
            let mut f = |delta: f32| {
                t.ego = ego.clone();
                t.ego[k] += delta;
                t.loss_and_grad(&users, &pos, &neg).unwrap().0
            };
            let numeric = (f(h) - f(-h)) / (2.0 * h);
            assert!((numeric - gk).abs() < 2e-3, "entry {k}: {numeric} vs {gk}");
        }
    }

    #[test]
    fn users_are_the_mean_of_their_history() {
        let cfg = IrgnnConfig {
            dim: 3,
            topk: None,
            ..Default::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let t = Trainer::new(&cfg, &toy(), 3, 4, None, &mut rng).unwrap();
        let m = t.model();
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

    #[test]
    fn a_negative_pool_is_refused() {
        let cfg = IrgnnConfig {
            dim: 3,
            topk: None,
            train: LoopSettings {
                neg_pool: 4,
                ..IrgnnConfig::default().train
            },
            ..Default::default()
        };
        let x = toy();
        let ctx = TrainContext {
            n_users: 3,
            n_items: 4,
            train: &x,
            monitor: None,
            rating_scale: None,
            user_features: None,
            item_features: None,
            seed: 1,
            resume: None,
            device: Default::default(),
        };
        let e = train(&cfg, &ctx, &mut crate::Silent).unwrap_err();
        assert!(e.to_string().contains("drop --neg-pool"), "{e}");
    }
}
