//! What a model is: a plug-in ([`Model`]: name, task, typed configuration, how it trains and
//! loads) and what training makes ([`TrainedModel`]: a [`Scorer`] that saves its weights, and
//! perhaps a [`RatingPredictor`]).

use gnnrec_eval::{HistoryScorer, RatingPredictor, Scorer};
use serde::{Deserialize, Serialize};

use crate::config::ModelConfig;
use crate::context::TrainContext;
use crate::error::Result;
use crate::memory::DataSize;
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

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Task::Ranking => "ranking",
            Task::Rating => "rating",
        })
    }
}

/// A model plug-in: one module implements this trait, and one line of
/// [`crate::registry::MODELS`] registers it. The command line, recipes, `gnnrec models`, run
/// directories and benchmarks reach it through the registry only.
pub trait Model: 'static {
    /// Its typed configuration.
    type Config: ModelConfig;
    /// Its name on the command line and in run directories.
    const NAME: &'static str;
    /// What it is for.
    const TASK: Task;
    /// One line for `gnnrec models` and `--help`.
    const ABOUT: &'static str;
    /// Whether it learns in epochs through [`crate::training::fit`] (and so logs epochs,
    /// watches a monitoring set, and writes checkpoints).
    const ITERATIVE: bool = false;
    /// Whether it can train on a CUDA device (others refuse `--device cuda`).
    const GPU: bool = false;

    /// An estimate, on the high side, of the bytes training needs at its peak on data of
    /// `size`; the registry refuses up front a model that does not fit the machine.
    fn bytes_needed(cfg: &Self::Config, size: DataSize) -> u64;

    /// Trains on `ctx`, reporting progress (and checkpoints) to `obs`.
    fn train(
        cfg: &Self::Config,
        ctx: &TrainContext<'_>,
        obs: &mut dyn Observer,
    ) -> Result<Box<dyn TrainedModel>>;

    /// Restores what [`Model::train`] made from its saved weights.
    fn load(
        cfg: &Self::Config,
        w: &Weights,
        n_users: usize,
        n_items: usize,
    ) -> Result<Box<dyn TrainedModel>>;
}

/// A trained model: scores items for users, saves its weights, and may predict ratings.
///
/// The CLI, evaluation, export and benchmarks use models only through this trait; the one
/// place that lists the concrete types is [`crate::registry`].
pub trait TrainedModel: Scorer {
    /// The model's weights, to be saved in a run directory and loaded by [`Model::load`].
    fn weights(&self) -> Weights;

    /// The model as a rating predictor, if it predicts ratings.
    fn rating_predictor(&self) -> Option<&dyn RatingPredictor> {
        None
    }

    /// The model as a plain scorer (for APIs that take `&dyn Scorer`).
    fn as_scorer(&self) -> &dyn Scorer;

    /// The model as a scorer of any item history (fold-in of users it never saw), if it
    /// can do that natively.
    fn fold_in(&self) -> Option<&dyn HistoryScorer> {
        None
    }
}
