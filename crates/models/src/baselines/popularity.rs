//! Most-popular: every user gets the items with the most training interactions.

use crate::framework::config::ModelConfig;
use crate::framework::context::TrainContext;
use crate::framework::error::Result;
use crate::framework::memory::{DataSize, f32s};
use crate::framework::model::{FoldIn, Model, Task, TrainedModel, Training};
use crate::framework::observer::Observer;
use crate::framework::weights::Weights;
use gnnrec_data::Interactions;
use gnnrec_eval::{HistoryScorer, Scorer};

crate::settings! {
    /// Most-popular has no settings.
    #[derive(Copy)]
    pub struct PopConfig {}
}

impl ModelConfig for PopConfig {}

impl Model for Popularity {
    type Config = PopConfig;
    type Trained = Popularity;
    const NAME: &'static str = "pop";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str = "most popular: every user gets the most-interacted items";
    const TRAINING: Training = Training::ClosedForm;
    const FOLD_IN: FoldIn = FoldIn::Native;

    fn bytes_needed(_cfg: &PopConfig, size: DataSize) -> u64 {
        f32s(2 * size.n_items as u64).saturating_add(8 * size.n_train as u64)
    }

    fn train(
        _cfg: &PopConfig,
        ctx: &TrainContext<'_>,
        _obs: &mut dyn Observer,
    ) -> Result<Popularity> {
        Ok(Popularity::fit(ctx.train, ctx.n_items))
    }

    fn load(_cfg: &PopConfig, w: &Weights, _n_users: usize, n_items: usize) -> Result<Popularity> {
        Popularity::from_weights(w, n_items)
    }
}

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

impl HistoryScorer for Popularity {
    /// The training counts, whatever the history.
    fn score_histories(&self, histories: &[&[u32]], out: &mut [f32]) {
        for row in out.chunks_mut(self.counts.len()).take(histories.len()) {
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

    fn fold_in(&self) -> Option<&dyn HistoryScorer> {
        Some(self)
    }
}
