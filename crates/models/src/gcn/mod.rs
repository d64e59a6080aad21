//! GCN for rating prediction, in the manner of GC-MC (van den Berg, Kipf and Welling, 2017).
//!
//! **Encoder.** Every user and item starts from a learned id embedding. Each layer propagates over
//! the *training* rating graph with one edge type per rating level ([`RatingGraph`]): a node
//! sums the messages `x_j W_r / sqrt(deg(u) · deg(j))` of its neighbours, with `W_r` the weight
//! of the rating that links them (ordinal sharing: `W_r = Σ_{s ≤ r} T_s`), adds its own input
//! `x W_self + b`, and applies ReLU. A last linear map per side gives `z_u` and `z_i`; side
//! features, when `features` asks for them, add `relu(f W_f) W_side` there (GC-MC's side
//! information channel).
//!
//! **Decoder.** `r̂(u, i) = μ + b_u + b_i + z_u · z_i`, trained with MSE (AdamW with decoupled
//! weight decay, node dropout on every layer's input, cosine learning-rate decay), clamped to the rating scale when predicting. Early stopping
//! watches the RMSE on the monitoring set (a validation carve-out of train by default) and keeps
//! the best epoch's weights.
//!
//! **What differs from the reference notebook.** It fed one-hot node ids to a two-layer GCN and
//! predicted a rating from the item node alone, scoring on a graph built from the test edges;
//! here the user is always part of the prediction and the graph holds training ratings only.

mod encoder;
mod model;

use crate::framework::config::{ModelConfig, Range};
use crate::framework::context::{Features, TrainContext};
use crate::framework::error::{Result, bail};
use crate::framework::memory::{DataSize, f32s};
use crate::framework::model::{FoldIn, Model, Task, Training};
use crate::framework::observer::Observer;
use crate::framework::weights::Weights;
use crate::training::{LoopSettings, Monitored, Objective, Schedule, fit};
use candle_core::{D, Device, Tensor, Var};
use encoder::Encoder;
use gnnrec_data::{Interactions, RatingScale};
use gnnrec_graph::RatingGraph;
pub use model::GcnModel;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

crate::settings! {
    /// Hyperparameters of the GCN rating model.
    pub struct GcnConfig {
        /// Propagation layers.
        pub layers: usize = 1 => (
            Range::Count,
            "propagation layers (0: embeddings and side features only)"
        ),
        /// Width of the embeddings, the hidden layers and the output.
        pub hidden: usize = 64 => (
            Range::Positive,
            "width of the embeddings, hidden layers and output"
        ),
        /// AdamW (decoupled) weight decay.
        pub l2: f32 = 0.2 => (Range::NonNegative, "AdamW (decoupled) weight decay"),
        /// Dropout probability on every layer's input.
        pub dropout: f32 = 0.7 => (Range::Probability, "node dropout on every layer's input"),
        /// Ordinal weight sharing between rating levels.
        pub ordinal: bool = true => (
            Range::Flag,
            "ordinal weight sharing between rating levels"
        ),
        /// Side features used (`auto`: whichever the dataset has).
        pub features: Features = Features::AUTO => (
            Range::Text("auto | none | user | item | user,item"),
            "side features (ml-100k users: age, gender, occupation; MovieLens items: genres, year); auto: what the dataset has"
        ),
        /// Learning rate, batch (ratings per step; the encoder runs over the whole graph at
        /// each step), epochs, evaluation, early stopping and schedule.
        pub train: LoopSettings = LoopSettings {
            lr: 0.01,
            batch: 16384,
            epochs: 100,
            eval_every: 1,
            patience: 10,
            schedule: Schedule::Cosine,
        } => flatten,
    }
}

impl ModelConfig for GcnConfig {}

impl Model for GcnModel {
    type Config = GcnConfig;
    type Trained = GcnModel;
    const NAME: &'static str = "gcn";
    const TASK: Task = Task::Rating;
    const ABOUT: &'static str =
        "GCN rating prediction over the rating-typed user–item graph, GC-MC style, side features";
    const TRAINING: Training = Training::Epochs;
    const FOLD_IN: FoldIn = FoldIn::None;

    fn bytes_needed(cfg: &GcnConfig, size: DataSize) -> u64 {
        // Rating levels are at most ~10; a layer keeps a message per level in autograd.
        let levels = 10u64;
        let nodes = (size.n_users as u64).saturating_add(size.n_items as u64);
        let table = f32s(nodes.saturating_mul(cfg.hidden as u64));
        table
            .saturating_mul(7 + 2 * (cfg.layers as u64 + 2) * levels)
            .saturating_add((size.n_train as u64).saturating_mul(64))
    }

    fn train(cfg: &GcnConfig, ctx: &TrainContext<'_>, obs: &mut dyn Observer) -> Result<GcnModel> {
        train(cfg, ctx, obs)
    }

    fn load(_cfg: &GcnConfig, w: &Weights, n_users: usize, n_items: usize) -> Result<GcnModel> {
        GcnModel::from_weights(w, n_users, n_items)
    }
}

/// The GCN as an [`Objective`] of the shared loop: the encoder's variables flattened into
/// one parameter vector, in [`Encoder::vars`] order.
struct GcnObjective<'a> {
    enc: Encoder,
    vars: Vec<Var>,
    graph: RatingGraph,
    train: &'a Interactions,
    mean: f32,
    scale: RatingScale,
    hidden: usize,
    batch: usize,
    order: Vec<u32>,
    /// AdamW's decoupled weight decay.
    decay: f32,
}

impl GcnObjective<'_> {
    /// The variables' current values, flat.
    fn params(&self) -> Result<Vec<f32>> {
        let mut p = Vec::new();
        for v in &self.vars {
            p.extend(v.as_tensor().flatten_all()?.to_vec1::<f32>()?);
        }
        Ok(p)
    }

    /// Loads `params` into the variables.
    fn load(&self, params: &[f32]) -> Result<()> {
        let mut at = 0;
        for v in &self.vars {
            let n = v.elem_count();
            v.set(&Tensor::from_slice(
                &params[at..at + n],
                v.shape(),
                &Device::Cpu,
            )?)?;
            at += n;
        }
        if at != params.len() {
            bail!("the GCN has {at} parameters, given {}", params.len());
        }
        Ok(())
    }
}

impl Objective for GcnObjective<'_> {
    type Model = GcnModel;

    fn start_epoch(&mut self, rng: &mut ChaCha8Rng) -> usize {
        // Shuffle from the identity, not from the last epoch's order: an epoch's order must
        // depend on the RNG position alone, or a resumed run would differ.
        for (k, o) in self.order.iter_mut().enumerate() {
            *o = k as u32;
        }
        self.order.shuffle(rng);
        self.order.len().div_ceil(self.batch)
    }

    fn loss_and_grad(
        &mut self,
        params: &[f32],
        k: usize,
        rng: &mut ChaCha8Rng,
    ) -> Result<(f32, Vec<f32>)> {
        self.load(params)?;
        let rows = &self.order[k * self.batch..((k + 1) * self.batch).min(self.order.len())];
        let loss = step_loss(&self.enc, self.mean, self.train, rows, rng)?;
        let grads = loss.backward()?;
        let mut g = Vec::with_capacity(params.len());
        for v in &self.vars {
            match grads.get(v) {
                Some(t) => g.extend(t.flatten_all()?.to_vec1::<f32>()?),
                None => g.extend(std::iter::repeat_n(0.0, v.elem_count())),
            }
        }
        Ok((loss.to_scalar::<f32>()?, g))
    }

    fn snapshot(&self, params: &[f32]) -> Result<GcnModel> {
        self.load(params)?;
        let out = self.enc.forward(None)?;
        Ok(GcnModel::new(
            (
                &out.users.flatten_all()?.to_vec1()?,
                &out.items.flatten_all()?.to_vec1()?,
            ),
            (
                &self.enc.user_bias.as_tensor().flatten_all()?.to_vec1()?,
                &self.enc.item_bias.as_tensor().flatten_all()?.to_vec1()?,
            ),
            (&self.graph.user_degree, &self.graph.item_degree),
            self.hidden,
            self.mean,
            self.scale,
        ))
    }

    fn weight_decay(&self) -> f32 {
        self.decay
    }
}

/// Trains the GCN rating model on `ctx` (training ratings only) with the shared loop:
/// AdamW (decoupled weight decay `l2`), early stopping on the RMSE of `ctx.monitor` when
/// given.
pub fn train(cfg: &GcnConfig, ctx: &TrainContext<'_>, obs: &mut dyn Observer) -> Result<GcnModel> {
    let Some(scale) = ctx.rating_scale else {
        bail!("the gcn model predicts ratings, and this dataset has none; try --model lightgcn");
    };
    if cfg.hidden == 0 || cfg.train.batch == 0 {
        bail!("hidden and batch must be positive");
    }
    if !(0.0..1.0).contains(&cfg.dropout) {
        bail!("dropout must be in [0, 1)");
    }
    let Some(graph) = RatingGraph::new(ctx.train, ctx.n_users, ctx.n_items) else {
        bail!("the gcn model needs explicit ratings in the training data");
    };
    let ratings = ctx.train.ratings.as_deref().unwrap_or_default();
    let mean = (ratings.iter().map(|&r| r as f64).sum::<f64>() / ratings.len() as f64) as f32;
    let (user_features, item_features) = ctx.side_features(cfg.features)?;

    let mut rng = ChaCha8Rng::seed_from_u64(ctx.seed);
    let enc = Encoder::new(cfg, &graph, user_features, item_features, &mut rng)?;
    let vars = enc.vars();
    let mut obj = GcnObjective {
        enc,
        vars,
        graph,
        train: ctx.train,
        mean,
        scale,
        hidden: cfg.hidden,
        batch: cfg.train.batch,
        order: (0..ctx.train.len() as u32).collect(),
        decay: cfg.l2,
    };
    let init = obj.params()?;
    fit(
        &mut obj,
        init,
        &cfg.train,
        Monitored::Rmse,
        ctx,
        &mut rng,
        obs,
    )
}

/// The MSE of the ratings `rows` of `train` under a training-mode forward pass.
fn step_loss(
    enc: &Encoder,
    mean: f32,
    train: &Interactions,
    rows: &[u32],
    rng: &mut ChaCha8Rng,
) -> candle_core::Result<Tensor> {
    let pick = |v: &[u32]| rows.iter().map(|&k| v[k as usize]).collect::<Vec<u32>>();
    let n = rows.len();
    let users = Tensor::from_vec(pick(&train.users), n, &Device::Cpu)?;
    let items = Tensor::from_vec(pick(&train.items), n, &Device::Cpu)?;
    let r = train.ratings.as_deref().unwrap_or_default();
    let truth = Tensor::from_vec(
        rows.iter().map(|&k| r[k as usize]).collect::<Vec<f32>>(),
        n,
        &Device::Cpu,
    )?;
    let out = enc.forward(Some(rng))?;
    let pred = enc.predict(&out, mean, &users, &items)?;
    (pred - truth)?.sqr()?.mean(D::Minus1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::model::TrainedModel;
    use gnnrec_data::FeatureMatrix;
    use gnnrec_eval::{RatingPredictor, rating_metrics};

    fn toy() -> Interactions {
        let mut x = Interactions::new(vec![0, 0, 1, 1, 2, 2, 0], vec![0, 1, 1, 2, 0, 3, 3]);
        x.ratings = Some(vec![5.0, 3.0, 4.0, 1.0, 2.0, 5.0, 4.0]);
        x
    }

    #[test]
    fn gradients_match_finite_differences() {
        let x = toy();
        let graph = RatingGraph::new(&x, 3, 4).unwrap();
        let cfg = GcnConfig {
            hidden: 3,
            layers: 2,
            dropout: 0.0,
            ..GcnConfig::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let item_features = FeatureMatrix {
            rows: 4,
            cols: 2,
            data: vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0],
            names: vec!["a".into(), "b".into()],
        };
        let enc = Encoder::new(&cfg, &graph, None, Some(&item_features), &mut rng).unwrap();
        let rows: Vec<u32> = (0..x.len() as u32).collect();
        let loss =
            |enc: &Encoder, rng: &mut ChaCha8Rng| step_loss(enc, 3.4, &x, &rows, rng).unwrap();
        let grads = loss(&enc, &mut rng).backward().unwrap();
        let h = 2e-3f32;
        for var in enc.vars() {
            let analytic: Vec<f32> = grads
                .get(&var)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap();
            let base: Vec<f32> = var.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
            for k in 0..base.len() {
                let mut at = |delta: f32| {
                    let mut v = base.clone();
                    v[k] += delta;
                    var.set(&Tensor::from_vec(v, var.shape(), &Device::Cpu).unwrap())
                        .unwrap();
                    let l = loss(&enc, &mut rng).to_scalar::<f32>().unwrap();
                    var.set(&Tensor::from_vec(base.clone(), var.shape(), &Device::Cpu).unwrap())
                        .unwrap();
                    l
                };
                let numeric = (at(h) - at(-h)) / (2.0 * h);
                assert!(
                    (numeric - analytic[k]).abs() < 5e-3 * (1.0 + numeric.abs()),
                    "entry {k} of a {:?} variable: numeric {numeric} vs autograd {}",
                    var.shape(),
                    analytic[k]
                );
            }
        }
    }

    #[test]
    fn learns_a_low_rank_rating_pattern_and_repeats_with_a_seed() {
        // Ratings r(u, i) = 3 + a_u · b_i on a dense 20 × 15 grid; hold out a quarter.
        let (nu, ni) = (20u32, 15u32);
        let mut all = Interactions::new(vec![], vec![]);
        let mut r = vec![];
        for u in 0..nu {
            for i in 0..ni {
                all.users.push(u);
                all.items.push(i);
                let a = if u % 2 == 0 { 1.0 } else { -1.0 };
                let b = if i % 3 == 0 { 1.5 } else { -0.5 };
                r.push((3.0 + a * b as f32).clamp(1.0, 5.0));
            }
        }
        all.ratings = Some(r);
        let split = gnnrec_data::split::random_split(&all, 0.25, 1);
        let cfg = GcnConfig {
            hidden: 8,
            dropout: 0.1,
            l2: 0.0,
            train: LoopSettings {
                epochs: 150,
                batch: 64,
                ..GcnConfig::default().train
            },
            ..GcnConfig::default()
        };
        let ctx = TrainContext::new(&split.train, nu as usize, ni as usize)
            .with_rating_scale(Some(RatingScale { min: 1.0, max: 5.0 }))
            .with_seed(3);
        let fit = || train(&cfg, &ctx, &mut crate::Silent).unwrap();
        let m = fit();
        let truth = split.test.ratings.as_deref().unwrap();
        let p = m.predict(&split.test.users, &split.test.items);
        let rmse = rating_metrics(&p, truth, 1.0, 5.0).rmse;
        let mean = truth.iter().sum::<f32>() / truth.len() as f32;
        let base = rating_metrics(&vec![mean; truth.len()], truth, 1.0, 5.0).rmse;
        assert!(rmse < 0.5 * base, "gcn RMSE {rmse} vs the mean's {base}");
        assert_eq!(
            fit().predict(&split.test.users, &split.test.items),
            p,
            "same seed, same model"
        );
    }

    /// Keeps every checkpoint it is handed.
    struct Keep(Vec<crate::framework::checkpoint::Checkpoint>);
    impl Observer for Keep {
        fn checkpoint(&mut self, c: &crate::framework::checkpoint::Checkpoint) -> Result<()> {
            self.0.push(c.clone());
            Ok(())
        }
    }

    #[test]
    fn a_resumed_gcn_run_ends_where_an_uninterrupted_one_does() {
        let all = toy();
        let split = gnnrec_data::split::random_split(&all, 0.3, 2);
        let cfg = GcnConfig {
            hidden: 4,
            dropout: 0.3,
            features: Features::default(),
            train: LoopSettings {
                epochs: 6,
                batch: 3,
                eval_every: 2,
                patience: 0,
                ..GcnConfig::default().train
            },
            ..GcnConfig::default()
        };
        let mut ctx = TrainContext::new(&split.train, 3, 4)
            .with_monitor(Some(&split.test))
            .with_rating_scale(Some(RatingScale { min: 1.0, max: 5.0 }))
            .with_seed(7);
        let mut all_cks = Keep(Vec::new());
        let whole = train(&cfg, &ctx, &mut all_cks).unwrap();
        assert_eq!(
            all_cks.0.iter().map(|c| c.epoch).collect::<Vec<_>>(),
            [2, 4, 6]
        );
        ctx.resume = Some(&all_cks.0[0]);
        let mut rest = Keep(Vec::new());
        let resumed = train(&cfg, &ctx, &mut rest).unwrap();
        assert_eq!(rest.0, all_cks.0[1..]);
        assert_eq!(resumed.weights(), whole.weights());
    }
}
