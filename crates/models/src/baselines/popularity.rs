//! Most-popular: every user gets the items with the most training interactions.

use anyhow::Result;
use gnnrec_data::Interactions;
use gnnrec_eval::Scorer;

use crate::model::TrainedModel;
use crate::weights::Weights;

/// Scores each item by its number of training interactions.
#[derive(Debug, Clone, PartialEq)]
pub struct Popularity {
    counts: Vec<f32>,
}

impl Popularity {
    /// Counts the items of `train`.
    pub fn fit(train: &Interactions, n_items: usize) -> Self {
        Popularity {
            counts: train
                .item_degrees(n_items)
                .into_iter()
                .map(|c| c as f32)
                .collect(),
        }
    }

    /// Restores from saved weights.
    pub fn from_weights(w: &Weights, n_items: usize) -> Result<Self> {
        Ok(Popularity {
            counts: w.get_shaped("item_count", &[n_items])?.to_vec(),
        })
    }
}

impl Scorer for Popularity {
    fn n_items(&self) -> usize {
        self.counts.len()
    }

    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        for row in out.chunks_mut(self.counts.len()).take(users.len()) {
            row.copy_from_slice(&self.counts);
        }
    }
}

impl TrainedModel for Popularity {
    fn weights(&self) -> Weights {
        let mut w = Weights::new();
        w.insert("item_count", &[self.counts.len()], self.counts.clone());
        w
    }

    fn as_scorer(&self) -> &dyn Scorer {
        self
    }
}
