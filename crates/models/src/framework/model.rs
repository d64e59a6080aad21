//! What a model is: a plug-in ([`Model`]: name, typed configuration, declared capabilities
//! — [`Task`], [`Training`], [`FoldIn`], GPU —, how it trains and loads) and what training makes ([`TrainedModel`]: a [`Scorer`] that saves its weights, and
//! perhaps a [`RatingPredictor`]).

use gnnrec_eval::{HistoryScorer, RatingPredictor, Scorer};
use serde::{Deserialize, Serialize};

use crate::framework::config::ModelConfig;
use crate::framework::context::TrainContext;
use crate::framework::error::Result;
use crate::framework::memory::DataSize;
use crate::framework::observer::Observer;
use crate::framework::sharded::{ShardContext, ShardedModel};
use crate::framework::weights::Weights;

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

/// How a model trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Training {
    /// In one pass, without epochs (counting, a closed form, a truncated SVD): no monitoring
    /// set, no epoch log, no checkpoints.
    ClosedForm,
    /// In epochs through the shared loop, [`crate::training::fit`]: it logs epochs, may watch
    /// a monitoring set and stop early, writes checkpoints and resumes from them.
    Epochs,
}

impl Training {
    /// A few words for tables: `closed form` or `epochs`.
    pub fn describe(self) -> &'static str {
        match self {
            Training::ClosedForm => "closed form",
            Training::Epochs => "epochs",
        }
    }
}

impl std::fmt::Display for Training {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// How a trained model scores a user it was not trained with, from their item history alone
/// ([`TrainedModel::fold_in`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FoldIn {
    /// It cannot: a user must be part of its training.
    None,
    /// Natively: any history is scored exactly as a trained user with that history is
    /// (popularity, item-KNN, EASE^R, the graph filters; IRGNN, whose users are the mean of
    /// their history).
    Native,
    /// By the mean of the history's item embeddings as the user's vector, dotted with every
    /// item's (the BPR embedding models: `DotScorer::score_history_means`).
    ItemEmbeddingMean,
}

impl FoldIn {
    /// Whether the model folds in at all.
    pub fn folds_in(self) -> bool {
        self != FoldIn::None
    }

    /// How, in words that complete "folds in …": `natively`, `by averaging item
    /// embeddings`; `not at all` for [`FoldIn::None`].
    pub fn describe(self) -> &'static str {
        match self {
            FoldIn::None => "not at all",
            FoldIn::Native => "natively",
            FoldIn::ItemEmbeddingMean => "by averaging item embeddings",
        }
    }
}

impl std::fmt::Display for FoldIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// A model plug-in: one module implements this trait, and one line of
/// [`crate::registry::MODELS`] registers it. The command line, recipes, `gnnrec models`, run
/// directories and benchmarks reach it through the registry only, and everything that lists
/// or checks a capability (`--help`, the fold-in command, the server, `gnnrec models`) reads
/// the declarations here.
///
/// The registry's adapter ([`crate::framework::plugin::Plugin`]) parses the configuration
/// once, boxes what [`Model::train`] and [`Model::load`] return, and holds the model to its
/// declarations: a model that declares [`Training::Epochs`] and trained without
/// [`crate::training::fit`] (or the reverse), whose trained form folds in when it declares
/// [`FoldIn::None`] (or the reverse), or a [`Task::Rating`] model that predicts no ratings, is
/// an error ([`crate::ModelError::Contract`]).
pub trait Model: 'static {
    /// Its typed configuration (declared with [`crate::settings!`]).
    type Config: ModelConfig;
    /// What training makes (and loading restores).
    type Trained: TrainedModel;
    /// Its name on the command line and in run directories.
    const NAME: &'static str;
    /// What it is for.
    const TASK: Task;
    /// One line for `gnnrec models` and `--help`.
    const ABOUT: &'static str;
    /// How it trains: in one pass, or in epochs through [`crate::training::fit`].
    const TRAINING: Training;
    /// How its trained form scores users it never saw.
    const FOLD_IN: FoldIn;
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
    ) -> Result<Self::Trained>;

    /// Restores what [`Model::train`] made from its saved weights.
    fn load(
        cfg: &Self::Config,
        w: &Weights,
        n_users: usize,
        n_items: usize,
    ) -> Result<Self::Trained>;

    /// Trains across the ranks of a distributed run, each rank holding its users' share
    /// ([`crate::sharded`]); `None` for a model without a distributed form (the default).
    /// A model that has one declares [`Model::DISTRIBUTED`].
    fn train_sharded<'a>(
        _cfg: &Self::Config,
        _ctx: &ShardContext<'a>,
    ) -> Option<Result<Box<dyn ShardedModel + 'a>>> {
        None
    }

    /// Whether it trains across ranks ([`Model::train_sharded`]).
    const DISTRIBUTED: bool = false;
}

/// A trained model: scores items for users, saves its weights, and may predict ratings and
/// fold in new users.
///
/// The CLI, evaluation, export and benchmarks use models only through this trait; the one
/// place that lists the concrete types is [`crate::registry`].
pub trait TrainedModel: Scorer + 'static {
    /// The model's weights, to be saved in a run directory and loaded by [`Model::load`].
    fn weights(&self) -> Weights;

    /// The model as a rating predictor, if it predicts ratings.
    fn rating_predictor(&self) -> Option<&dyn RatingPredictor> {
        None
    }

    /// The model as a scorer of any item history (fold-in of users it never saw), if it
    /// can do that; how it does is its plug-in's [`Model::FOLD_IN`].
    fn fold_in(&self) -> Option<&dyn HistoryScorer> {
        None
    }
}

impl dyn TrainedModel {
    /// The model as a plain scorer (for APIs that take `&dyn Scorer`).
    pub fn as_scorer(&self) -> &dyn Scorer {
        self
    }
}
