//! A trained GCN rating model: final user and item representations plus biases.

use gnnrec_data::RatingScale;
use gnnrec_eval::{DotScorer, RatingPredictor, Scorer};

use crate::framework::error::Result;
use crate::framework::model::TrainedModel;
use crate::framework::weights::Weights;

/// `r̂(u, i) = clamp(μ + b_u + b_i + z_u · z_i)` with `z` the encoder's outputs. Users and
/// items without training ratings have `z = 0` and `b = 0`, so they fall back to the biases
/// of the other side and the global mean.
#[derive(Debug, Clone)]
pub struct GcnModel {
    mean: f32,
    scale: RatingScale,
    /// Scores `z_u · z_i + b_u + b_i` through augmented vectors `[z_u, b_u, 1] · [z_i, 1, b_i]`.
    scorer: DotScorer,
}

impl GcnModel {
    /// Builds from representations (`dim` wide, row-major), biases, the mean and the scale;
    /// nodes with zero training degree get `z = 0`, `b = 0`.
    pub(crate) fn new(
        (users, items): (&[f32], &[f32]),
        (user_bias, item_bias): (&[f32], &[f32]),
        degree: (&[u32], &[u32]),
        dim: usize,
        mean: f32,
        scale: RatingScale,
    ) -> GcnModel {
        let zeros = vec![0.0f32; dim];
        let augment = |z: &[f32], bias: &[f32], degree: &[u32], bias_first: bool| {
            let mut out = Vec::with_capacity(bias.len() * (dim + 2));
            for (k, &b) in bias.iter().enumerate() {
                let (z, b) = if degree[k] == 0 {
                    (&zeros[..], 0.0)
                } else {
                    (&z[k * dim..(k + 1) * dim], b)
                };
                out.extend_from_slice(z);
                if bias_first {
                    out.extend([b, 1.0]);
                } else {
                    out.extend([1.0, b]);
                }
            }
            out
        };
        GcnModel {
            mean,
            scale,
            scorer: DotScorer::new(
                augment(users, user_bias, degree.0, true),
                augment(items, item_bias, degree.1, false),
                dim + 2,
            ),
        }
    }

    /// Restores from saved weights.
    pub fn from_weights(w: &Weights, n_users: usize, n_items: usize) -> Result<GcnModel> {
        let (shape, _) = w.get("user_vector")?;
        let d = shape.get(1).copied().unwrap_or(0);
        let s = w.get_shaped("scale", &[2])?;
        Ok(GcnModel {
            mean: w.get_shaped("mean", &[1])?[0],
            scale: RatingScale {
                min: s[0],
                max: s[1],
            },
            scorer: DotScorer::new(
                w.get_shaped("user_vector", &[n_users, d])?.to_vec(),
                w.get_shaped("item_vector", &[n_items, d])?.to_vec(),
                d,
            ),
        })
    }

    fn raw(&self, u: u32, i: u32) -> f32 {
        let d = self.scorer.dim();
        let zu = &self.scorer.user_embeddings()[u as usize * d..(u as usize + 1) * d];
        let zi = &self.scorer.item_embeddings()[i as usize * d..(i as usize + 1) * d];
        self.mean + zu.iter().zip(zi).map(|(a, b)| a * b).sum::<f32>()
    }
}

impl Scorer for GcnModel {
    fn n_items(&self) -> usize {
        self.scorer.n_items()
    }

    /// The predicted rating before clamping, so that items above the scale's top keep their
    /// order.
    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        self.scorer.score_users(users, out);
        out.iter_mut().for_each(|s| *s += self.mean);
    }
}

impl RatingPredictor for GcnModel {
    fn predict(&self, users: &[u32], items: &[u32]) -> Vec<f32> {
        users
            .iter()
            .zip(items)
            .map(|(&u, &i)| self.raw(u, i).clamp(self.scale.min, self.scale.max))
            .collect()
    }
}

impl TrainedModel for GcnModel {
    fn weights(&self) -> Weights {
        let d = self.scorer.dim();
        let mut w = Weights::new();
        let users = self.scorer.user_embeddings();
        let items = self.scorer.item_embeddings();
        w.insert("user_vector", &[users.len() / d, d], users.to_vec());
        w.insert("item_vector", &[items.len() / d, d], items.to_vec());
        w.insert("mean", &[1], vec![self.mean]);
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
    fn predicts_dot_plus_biases_and_falls_back_for_cold_nodes() {
        let scale = RatingScale { min: 1.0, max: 5.0 };
        // 2 users (user 1 cold), 2 items, dim 1.
        let m = GcnModel::new(
            (&[1.0, 9.0], &[0.5, 2.0]),
            (&[0.2, 9.0], &[0.1, -0.3]),
            (&[3, 0], &[1, 1]),
            1,
            3.0,
            scale,
        );
        let p = m.predict(&[0, 0, 1], &[0, 1, 1]);
        assert!((p[0] - (3.0 + 0.5 + 0.2 + 0.1)).abs() < 1e-6);
        assert!((p[1] - (3.0 + 2.0 + 0.2 - 0.3)).abs() < 1e-6);
        assert!(
            (p[2] - 2.7).abs() < 1e-6,
            "a cold user gets the mean plus the item's bias"
        );
        let mut s = vec![0.0; 2];
        m.score_users(&[0], &mut s);
        assert!((s[1] - 4.9).abs() < 1e-6);
        let back = GcnModel::from_weights(&m.weights(), 2, 2).unwrap();
        assert_eq!(back.predict(&[0, 1], &[1, 0]), m.predict(&[0, 1], &[1, 0]));
    }
}
