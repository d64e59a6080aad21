//! Item-KNN: score an item by its similarity to the items in the user's training history,
//! over an item–item graph (cosine by default; any [`EdgeWeight`](gnnrec_graph::EdgeWeight)) pruned to each item's `k`
//! nearest neighbours. No training: the baseline a graph model over item–item relations must
//! beat, on the same graph.

use gnnrec_data::Interactions;
use gnnrec_eval::{HistoryScorer, Scorer, UserItems};
use gnnrec_graph::{Csr, ItemGraphSpec, item_graph};

use crate::framework::config::{ModelConfig, Range};
use crate::framework::context::TrainContext;
use crate::framework::error::{Result, bail};
use crate::framework::memory::DataSize;
use crate::framework::model::{FoldIn, Model, Task, TrainedModel, Training};
use crate::framework::observer::Observer;
use crate::framework::weights::Weights;
use crate::ops::ItemGraphSettings;

crate::settings! {
    /// Hyperparameters of item-KNN.
    pub struct ItemKnnConfig {
        /// Neighbours kept per item.
        pub neighbours: usize = 50 => (Range::Positive, "neighbours kept per item"),
        /// The item graph's edge weight (and decay scale).
        pub graph_settings: ItemGraphSettings = ItemGraphSettings::default() => flatten deref,
    }
}

impl ModelConfig for ItemKnnConfig {
    const RENAMED: &'static [(&'static str, &'static str)] =
        &[("graph", "item_graph"), ("tau_days", "tau")];
}

impl Model for ItemKnn {
    type Config = ItemKnnConfig;
    type Trained = ItemKnn;
    const NAME: &'static str = "itemknn";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str =
        "item-KNN: summed similarity to the user's items over the item–item graph (no training)";
    const TRAINING: Training = Training::ClosedForm;
    const FOLD_IN: FoldIn = FoldIn::Native;

    fn bytes_needed(cfg: &ItemKnnConfig, size: DataSize) -> u64 {
        let items = size.n_items as u64;
        // Kept neighbours (index + value), the per-worker row accumulators, the adjacency
        // lists both ways and the history.
        items
            .saturating_mul(cfg.neighbours as u64)
            .saturating_mul(8)
            .saturating_add(items.saturating_mul(24 * 4))
            .saturating_add((size.n_train as u64).saturating_mul(48))
    }

    fn train(
        cfg: &ItemKnnConfig,
        ctx: &TrainContext<'_>,
        _obs: &mut dyn Observer,
    ) -> Result<ItemKnn> {
        ItemKnn::fit(ctx.train, ctx.n_users, ctx.n_items, cfg)
    }

    fn load(_cfg: &ItemKnnConfig, w: &Weights, n_users: usize, n_items: usize) -> Result<ItemKnn> {
        ItemKnn::from_weights(w, n_users, n_items)
    }
}

/// `score(u, j) = Σ_{i ∈ train(u)} sim(i, j)`, with `sim` the cosine similarity of item `i`
/// to its kept neighbour `j`.
#[derive(Debug, Clone)]
pub struct ItemKnn {
    sim: Csr,
    history: Interactions,
    by_user: UserItems,
}

impl ItemKnn {
    /// Builds the neighbourhoods of `train`'s items.
    pub fn fit(
        train: &Interactions,
        n_users: usize,
        n_items: usize,
        cfg: &ItemKnnConfig,
    ) -> Result<Self> {
        if cfg.neighbours == 0 {
            bail!("item-KNN needs at least one neighbour per item");
        }
        let spec = ItemGraphSpec {
            weight: cfg.item_graph,
            tau_days: cfg.tau,
            top_k: Some(cfg.neighbours),
            ..Default::default()
        };
        let sim = item_graph(train, n_users, n_items, &spec)?;
        let history = Interactions::new(train.users.clone(), train.items.clone());
        Ok(Self::from_parts(sim, history, n_users))
    }

    fn from_parts(sim: Csr, history: Interactions, n_users: usize) -> Self {
        let by_user = UserItems::new(&history, n_users);
        ItemKnn {
            sim,
            history,
            by_user,
        }
    }

    /// Restores from saved weights.
    pub fn from_weights(w: &Weights, n_users: usize, n_items: usize) -> Result<Self> {
        let rows = w.get_indices("sim_rows", n_items)?;
        let cols = w.get_indices("sim_cols", n_items)?;
        let vals = w.get("sim_values")?.1;
        if rows.len() != cols.len() || cols.len() != vals.len() {
            bail!("item-KNN weights: similarity arrays of different lengths");
        }
        let sim = Csr::from_triplets(n_items, n_items, &rows, &cols, vals);
        let history = w.get_history(n_users, n_items)?;
        Ok(Self::from_parts(sim, history, n_users))
    }
}

impl Scorer for ItemKnn {
    fn n_items(&self) -> usize {
        self.sim.n_cols()
    }

    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        let histories: Vec<&[u32]> = users.iter().map(|&u| self.by_user.of(u)).collect();
        self.score_histories(&histories, out);
    }
}

impl HistoryScorer for ItemKnn {
    /// The sum of the similarity rows of the history's items.
    fn score_histories(&self, histories: &[&[u32]], out: &mut [f32]) {
        let n = self.sim.n_cols();
        for (row, h) in out.chunks_mut(n).zip(histories) {
            row.fill(0.0);
            for &i in *h {
                let (cols, vals) = self.sim.row(i as usize);
                for (&j, &s) in cols.iter().zip(vals) {
                    row[j as usize] += s;
                }
            }
        }
    }
}

impl TrainedModel for ItemKnn {
    fn weights(&self) -> Weights {
        let mut rows = Vec::with_capacity(self.sim.nnz());
        for r in 0..self.sim.n_rows() {
            rows.extend(std::iter::repeat_n(r as u32, self.sim.row(r).0.len()));
        }
        let mut w = Weights::new();
        w.insert_indices("sim_rows", &rows);
        w.insert_indices("sim_cols", self.sim.indices());
        w.insert("sim_values", &[self.sim.nnz()], self.sim.values().to_vec());
        w.insert_history(&self.history);
        w
    }

    fn fold_in(&self) -> Option<&dyn HistoryScorer> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_sum_neighbour_similarities_and_survive_a_save() {
        // u0 {0, 1}, u1 {0, 1}, u2 {1, 2}: item 0 ~ 1 strongly, 1 ~ 2 weakly.
        let x = Interactions::new(vec![0, 0, 1, 1, 2, 2], vec![0, 1, 0, 1, 1, 2]);
        let m = ItemKnn::fit(
            &x,
            3,
            3,
            &ItemKnnConfig {
                neighbours: 5,
                ..Default::default()
            },
        )
        .unwrap();
        let mut out = vec![0.0; 3];
        m.score_users(&[2], &mut out);
        // u2 holds 1 and 2: item 0 gets sim(1, 0) = 2/√(2·3); item 2 gets sim(1, 2) = 1/√3.
        assert!((out[0] - 2.0 / 6f32.sqrt()).abs() < 1e-6);
        assert!((out[2] - 1.0 / 3f32.sqrt()).abs() < 1e-6);
        let back = ItemKnn::from_weights(&m.weights(), 3, 3).unwrap();
        let mut again = vec![0.0; 3];
        back.score_users(&[2], &mut again);
        assert_eq!(out, again);
    }
}
