//! BSPM (Choi et al., "Blurring-Sharpening Process Models for Collaborative Filtering",
//! SIGIR 2023), `--model bspm`: the blurred history `r P` (one Euler step of the blurring
//! ODE over unit time), plus `beta` times the ideal low-pass term, sharpened by integrating
//! `dr/dt = −r P` for `sharpen_time` in `sharpen_steps` steps (Euler or RK4). With
//! `early_merge` (BSPM-EM, the default) the low-pass term is added before sharpening, and is
//! sharpened with the rest; otherwise after.

use super::gfcf::{
    FACTORS, SVD_ITERS, TrainedFilter, bytes_needed, load_filter, train_filter,
    train_filter_sharded,
};
use super::scorer::{Sharpening, Solver};
use crate::framework::config::{ModelConfig, Range};
use crate::framework::context::TrainContext;
use crate::framework::error::Result;
use crate::framework::memory::DataSize;
use crate::framework::model::{FoldIn, Model, Task, Training};
use crate::framework::observer::Observer;
use crate::framework::weights::Weights;

crate::settings! {
    /// Settings of BSPM.
    #[derive(Copy)]
    pub struct BspmConfig {
        /// Singular vectors of the ideal low-pass filter.
        pub factors: usize = 448 => (Range::Count, FACTORS),
        /// Weight of the ideal low-pass term.
        pub beta: f32 = 0.2 => (Range::NonNegative, "weight of the ideal low-pass term"),
        /// Sharpening time.
        pub sharpen_time: f32 = 2.5 => (
            Range::NonNegative,
            "integration time of the sharpening ODE dr/dt = −rP"
        ),
        /// Sharpening steps (0: no sharpening).
        pub sharpen_steps: usize = 1 => (Range::Count, "steps of the sharpening ODE (0: none)"),
        /// The sharpening integrator.
        pub solver: Solver = Solver::Rk4 => (
            Range::OneOf(&Solver::NAMES),
            "the sharpening integrator"
        ),
        /// Whether the low-pass term is added before sharpening.
        pub early_merge: bool = true => (
            Range::Flag,
            "add the low-pass term before sharpening (BSPM-EM) instead of after"
        ),
        /// Power iterations of the randomized SVD.
        pub svd_iters: usize = 4 => (Range::Count, SVD_ITERS),
    }
}

impl BspmConfig {
    fn sharpening(&self) -> Sharpening {
        Sharpening {
            time: self.sharpen_time,
            steps: self.sharpen_steps,
            solver: self.solver,
            early_merge: self.early_merge,
        }
    }
}

impl ModelConfig for BspmConfig {}

/// The BSPM plug-in.
pub struct Bspm;

impl Model for Bspm {
    type Config = BspmConfig;
    type Trained = TrainedFilter;
    const NAME: &'static str = "bspm";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str =
        "BSPM: training-free blurring–sharpening graph filter (Choi et al., SIGIR 2023)";
    const TRAINING: Training = Training::ClosedForm;
    const FOLD_IN: FoldIn = FoldIn::Native;

    fn bytes_needed(cfg: &BspmConfig, size: DataSize) -> u64 {
        bytes_needed(cfg.factors, size)
    }

    fn train(
        cfg: &BspmConfig,
        ctx: &TrainContext<'_>,
        _obs: &mut dyn Observer,
    ) -> Result<TrainedFilter> {
        let sharpening = Some(cfg.sharpening());
        Ok(train_filter(
            ctx,
            cfg.factors,
            cfg.svd_iters,
            cfg.beta,
            sharpening,
        ))
    }

    const DISTRIBUTED: bool = true;

    fn train_sharded<'a>(
        cfg: &BspmConfig,
        ctx: &crate::framework::sharded::ShardContext<'a>,
    ) -> Option<Result<Box<dyn crate::framework::sharded::ShardedModel + 'a>>> {
        let sharpening = Some(cfg.sharpening());
        train_filter_sharded(ctx, cfg.factors, cfg.svd_iters, cfg.beta, sharpening)
    }

    fn load(
        cfg: &BspmConfig,
        w: &Weights,
        n_users: usize,
        n_items: usize,
    ) -> Result<TrainedFilter> {
        load_filter(w, n_users, n_items, cfg.beta, Some(cfg.sharpening()))
    }
}
