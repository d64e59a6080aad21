//! GF-CF (Shen et al., "How Powerful is Graph Convolution for Recommendation?", CIKM 2021),
//! `--model gfcf`: the linear filter `r R̃ᵀR̃` plus `alpha` times the ideal low-pass filter
//! `r D_I^{-1/2} V Vᵀ D_I^{1/2}` of the top `factors` right singular vectors of `R̃`.

use super::scorer::{FilterScorer, Sharpening};
use super::svd::SvdSettings;
use crate::framework::config::{ModelConfig, Range};
use crate::framework::context::TrainContext;
use crate::framework::error::Result;
use crate::framework::memory::DataSize;
use crate::framework::model::{FoldIn, Model, Task, TrainedModel, Training};
use crate::framework::observer::Observer;
use crate::framework::weights::Weights;
use gnnrec_eval::{HistoryScorer, Scorer};

/// Help of the `factors` key both filters have.
pub(super) const FACTORS: &str = "top right singular vectors of R̃ in the ideal low-pass filter";
/// Help of the `svd_iters` key both filters have.
pub(super) const SVD_ITERS: &str =
    "power iterations of the randomized SVD (more: more exact trailing vectors)";

crate::settings! {
    /// Settings of GF-CF.
    #[derive(Copy)]
    pub struct GfCfConfig {
        /// Singular vectors of the ideal low-pass filter.
        pub factors: usize = 256 => (Range::Count, FACTORS),
        /// Weight of the ideal low-pass term.
        pub alpha: f32 = 0.3 => (Range::NonNegative, "weight of the ideal low-pass term"),
        /// Power iterations of the randomized SVD.
        pub svd_iters: usize = 4 => (Range::Count, SVD_ITERS),
    }
}

impl ModelConfig for GfCfConfig {}

/// Extra random probes of the randomized SVD beyond `factors`.
pub(super) fn oversample(factors: usize) -> usize {
    (factors / 4).max(16)
}

/// Bytes the SVD and scoring need at their peak on data of `size`.
pub(super) fn bytes_needed(factors: usize, size: DataSize) -> u64 {
    let l = (factors + oversample(factors)) as u64;
    let (u, i, n) = (
        size.n_users as u64,
        size.n_items as u64,
        size.n_train as u64,
    );
    // The SVD's products and faer's QR / SVD copies (the probes are freed before the first
    // QR); the vectors and both scaled copies; the two orientations of R̃ and the history; per
    // scoring thread, a block of 64 users' scores and the sharpening buffers.
    let threads = rayon::current_num_threads() as u64;
    crate::framework::memory::f32s(
        l * (5 * i + 4 * u) + 3 * i * factors as u64 + 6 * n + threads * 64 * (7 * i + 2 * u),
    )
    .saturating_add(n.saturating_mul(24))
}

/// Trains a graph filter on `ctx`: the SVD, then the scorer with these filter settings.
pub(super) fn train_filter(
    ctx: &TrainContext<'_>,
    factors: usize,
    svd_iters: usize,
    low_pass_weight: f32,
    sharpening: Option<Sharpening>,
) -> TrainedFilter {
    let settings = SvdSettings {
        k: factors,
        oversample: oversample(factors),
        power_iters: svd_iters,
        seed: ctx.seed,
    };
    TrainedFilter(FilterScorer::fit(
        ctx.train,
        ctx.n_users,
        ctx.n_items,
        settings,
        low_pass_weight,
        sharpening,
    ))
}

/// Trains a graph filter across the ranks of `ctx` ([`crate::framework::sharded::filter`]).
pub(super) fn train_filter_sharded<'a>(
    ctx: &crate::framework::sharded::ShardContext<'a>,
    factors: usize,
    svd_iters: usize,
    low_pass_weight: f32,
    sharpening: Option<Sharpening>,
) -> Option<Result<Box<dyn crate::framework::sharded::ShardedModel + 'a>>> {
    let settings = SvdSettings {
        k: factors,
        oversample: oversample(factors),
        power_iters: svd_iters,
        seed: ctx.seed,
    };
    let trained =
        super::sharded_filter::ShardedFilter::fit(ctx, settings, low_pass_weight, sharpening);
    Some(Ok(Box::new(trained)))
}

/// Restores a graph filter from its weights with these filter settings.
pub(super) fn load_filter(
    w: &Weights,
    n_users: usize,
    n_items: usize,
    low_pass_weight: f32,
    sharpening: Option<Sharpening>,
) -> Result<TrainedFilter> {
    Ok(TrainedFilter(FilterScorer::from_weights(
        w,
        n_users,
        n_items,
        low_pass_weight,
        sharpening,
    )?))
}

/// The trained form of a graph filter, as the registry holds it.
#[derive(Debug, Clone)]
pub struct TrainedFilter(pub FilterScorer);

impl Scorer for TrainedFilter {
    fn n_items(&self) -> usize {
        self.0.n_items()
    }
    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        self.0.score_users(users, out)
    }
}

impl TrainedModel for TrainedFilter {
    fn weights(&self) -> Weights {
        self.0.weights()
    }
    fn fold_in(&self) -> Option<&dyn HistoryScorer> {
        Some(&self.0)
    }
}

/// The GF-CF plug-in.
pub struct GfCf;

impl Model for GfCf {
    type Config = GfCfConfig;
    type Trained = TrainedFilter;
    const NAME: &'static str = "gfcf";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str =
        "GF-CF: training-free linear + ideal low-pass graph filter (Shen et al., CIKM 2021)";
    const TRAINING: Training = Training::ClosedForm;
    const FOLD_IN: FoldIn = FoldIn::Native;

    fn bytes_needed(cfg: &GfCfConfig, size: DataSize) -> u64 {
        bytes_needed(cfg.factors, size)
    }

    fn train(
        cfg: &GfCfConfig,
        ctx: &TrainContext<'_>,
        _obs: &mut dyn Observer,
    ) -> Result<TrainedFilter> {
        Ok(train_filter(
            ctx,
            cfg.factors,
            cfg.svd_iters,
            cfg.alpha,
            None,
        ))
    }

    const DISTRIBUTED: bool = true;

    fn train_sharded<'a>(
        cfg: &GfCfConfig,
        ctx: &crate::framework::sharded::ShardContext<'a>,
    ) -> Option<Result<Box<dyn crate::framework::sharded::ShardedModel + 'a>>> {
        train_filter_sharded(ctx, cfg.factors, cfg.svd_iters, cfg.alpha, None)
    }

    fn load(
        cfg: &GfCfConfig,
        w: &Weights,
        n_users: usize,
        n_items: usize,
    ) -> Result<TrainedFilter> {
        load_filter(w, n_users, n_items, cfg.alpha, None)
    }
}
