//! The regularised baseline predictor `r̂(u, i) = μ + b_u + b_i` (Koren, 2008), fitted by
//! alternating closed-form updates.

use crate::framework::config::{ModelConfig, Range};
use crate::framework::context::TrainContext;
use crate::framework::error::{Result, bail};
use crate::framework::memory::DataSize;
use crate::framework::model::{FoldIn, Model, Task, TrainedModel, Training};
use crate::framework::observer::Observer;
use crate::framework::weights::Weights;
use gnnrec_data::{Interactions, RatingScale};
use gnnrec_eval::{RatingPredictor, Scorer};

crate::settings! {
    /// Settings of the bias model.
    #[derive(Copy)]
    pub struct BiasConfig {
        /// Shrinkage of user biases (λ_u).
        pub reg_user: f32 = 10.0 => (Range::NonNegative, "shrinkage of user biases (λ_u)"),
        /// Shrinkage of item biases (λ_i).
        pub reg_item: f32 = 25.0 => (Range::NonNegative, "shrinkage of item biases (λ_i)"),
        /// Alternating passes.
        pub iterations: usize = 15 => (Range::Positive, "alternating passes"),
    }
}

impl ModelConfig for BiasConfig {}

impl Model for BiasModel {
    type Config = BiasConfig;
    type Trained = BiasModel;
    const NAME: &'static str = "bias";
    const TASK: Task = Task::Rating;
    const ABOUT: &'static str = "bias baseline: global mean + user and item biases (ratings)";
    const TRAINING: Training = Training::ClosedForm;
    const FOLD_IN: FoldIn = FoldIn::None;

    fn bytes_needed(_cfg: &BiasConfig, size: DataSize) -> u64 {
        let nodes = (size.n_users as u64).saturating_add(size.n_items as u64);
        nodes
            .saturating_mul(24)
            .saturating_add(12 * size.n_train as u64)
    }

    fn train(
        cfg: &BiasConfig,
        ctx: &TrainContext<'_>,
        _obs: &mut dyn Observer,
    ) -> Result<BiasModel> {
        let Some(scale) = ctx.rating_scale else {
            bail!("the bias model predicts ratings, and this dataset has none; try --model pop");
        };
        BiasModel::fit(ctx.train, ctx.n_users, ctx.n_items, scale, cfg)
    }

    fn load(_cfg: &BiasConfig, w: &Weights, n_users: usize, n_items: usize) -> Result<BiasModel> {
        BiasModel::from_weights(w, n_users, n_items)
    }
}

/// Global mean plus user and item biases; predictions are clamped to the rating scale.
/// Users or items unseen in training have bias 0.
#[derive(Debug, Clone, PartialEq)]
pub struct BiasModel {
    mean: f32,
    user_bias: Vec<f32>,
    item_bias: Vec<f32>,
    scale: RatingScale,
}

impl BiasModel {
    /// Fits on the ratings of `train`.
    pub fn fit(
        train: &Interactions,
        n_users: usize,
        n_items: usize,
        scale: RatingScale,
        cfg: &BiasConfig,
    ) -> Result<Self> {
        let Some(r) = train.ratings.as_ref() else {
            bail!("the bias model needs explicit ratings, and this dataset has none");
        };
        let mean = (r.iter().map(|&v| v as f64).sum::<f64>() / r.len().max(1) as f64) as f32;
        let mut bu = vec![0f32; n_users];
        let mut bi = vec![0f32; n_items];
        for _ in 0..cfg.iterations {
            let mut sum = vec![0f64; n_items];
            let mut cnt = vec![0f64; n_items];
            for ((&u, &i), &v) in train.users.iter().zip(&train.items).zip(r) {
                let (u, i) = (u as usize, i as usize);
                sum[i] += (v - mean - bu[u]) as f64;
                cnt[i] += 1.0;
            }
            for i in 0..n_items {
                bi[i] = (sum[i] / (cfg.reg_item as f64 + cnt[i])) as f32;
            }
            let mut sum = vec![0f64; n_users];
            let mut cnt = vec![0f64; n_users];
            for ((&u, &i), &v) in train.users.iter().zip(&train.items).zip(r) {
                let (u, i) = (u as usize, i as usize);
                sum[u] += (v - mean - bi[i]) as f64;
                cnt[u] += 1.0;
            }
            for u in 0..n_users {
                bu[u] = (sum[u] / (cfg.reg_user as f64 + cnt[u])) as f32;
            }
        }
        Ok(BiasModel {
            mean,
            user_bias: bu,
            item_bias: bi,
            scale,
        })
    }

    /// Restores from saved weights.
    pub fn from_weights(w: &Weights, n_users: usize, n_items: usize) -> Result<Self> {
        let s = w.get_shaped("scale", &[2])?;
        Ok(BiasModel {
            mean: w.get_shaped("mean", &[1])?[0],
            user_bias: w.get_shaped("user_bias", &[n_users])?.to_vec(),
            item_bias: w.get_shaped("item_bias", &[n_items])?.to_vec(),
            scale: RatingScale {
                min: s[0],
                max: s[1],
            },
        })
    }

    fn predict_one(&self, u: u32, i: u32) -> f32 {
        (self.mean + self.user_bias[u as usize] + self.item_bias[i as usize])
            .clamp(self.scale.min, self.scale.max)
    }
}

impl Scorer for BiasModel {
    fn n_items(&self) -> usize {
        self.item_bias.len()
    }

    /// Ranks by predicted rating before clamping, so that items above the scale's top are
    /// still ordered.
    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        for (row, &u) in out.chunks_mut(self.item_bias.len()).zip(users) {
            let base = self.mean + self.user_bias[u as usize];
            for (s, &b) in row.iter_mut().zip(&self.item_bias) {
                *s = base + b;
            }
        }
    }
}

impl RatingPredictor for BiasModel {
    fn predict(&self, users: &[u32], items: &[u32]) -> Vec<f32> {
        users
            .iter()
            .zip(items)
            .map(|(&u, &i)| self.predict_one(u, i))
            .collect()
    }
}

impl TrainedModel for BiasModel {
    fn weights(&self) -> Weights {
        let mut w = Weights::new();
        w.insert("mean", &[1], vec![self.mean]);
        w.insert("user_bias", &[self.user_bias.len()], self.user_bias.clone());
        w.insert("item_bias", &[self.item_bias.len()], self.item_bias.clone());
        w.insert("scale", &[2], vec![self.scale.min, self.scale.max]);
        w
    }

    fn rating_predictor(&self) -> Option<&dyn RatingPredictor> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_additive_biases() {
        // r = 3 + b_u + b_i exactly, many observations, tiny shrinkage.
        let bu = [0.5f32, -0.5, 0.0];
        let bi = [1.0f32, -1.0];
        let mut x = Interactions::new(vec![], vec![]);
        let mut r = vec![];
        for _ in 0..50 {
            for u in 0..3u32 {
                for i in 0..2u32 {
                    x.users.push(u);
                    x.items.push(i);
                    r.push(3.0 + bu[u as usize] + bi[i as usize]);
                }
            }
        }
        x.ratings = Some(r);
        let cfg = BiasConfig {
            reg_user: 1e-3,
            reg_item: 1e-3,
            iterations: 50,
        };
        let m = BiasModel::fit(&x, 3, 2, RatingScale { min: 1.0, max: 5.0 }, &cfg).unwrap();
        let p = m.predict(&[0, 1, 2], &[0, 1, 0]);
        for (got, want) in p.iter().zip([4.5, 1.5, 4.0]) {
            assert!((got - want).abs() < 1e-3, "{got} vs {want}");
        }
        assert!((m.predict(&[0], &[0])[0] - 4.5).abs() < 1e-4);
    }
}
