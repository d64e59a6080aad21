//! BSPM (Choi et al., "Blurring-Sharpening Process Models for Collaborative Filtering",
//! SIGIR 2023), `--model bspm`: the blurred history `r P` (one Euler step of the blurring
//! ODE over unit time), plus `beta` times the ideal low-pass term, sharpened by integrating
//! `dr/dt = −r P` for `sharpen_time` in `sharpen_steps` steps (Euler or RK4). With
//! `early_merge` (BSPM-EM, the default) the low-pass term is added before sharpening, and is
//! sharpened with the rest; otherwise after.

use serde::{Deserialize, Serialize};

use super::gfcf::{bytes_needed, load_filter, svd_keys, train_filter};
use super::scorer::{Sharpening, Solver};
use crate::config::{Key, ModelConfig, Range};
use crate::context::TrainContext;
use crate::error::Result;
use crate::memory::DataSize;
use crate::model::{Model, Task, TrainedModel};
use crate::observer::Observer;
use crate::weights::Weights;

/// Settings of BSPM.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BspmConfig {
    /// Singular vectors of the ideal low-pass filter.
    pub factors: usize,
    /// Weight of the ideal low-pass term.
    pub beta: f32,
    /// Sharpening time.
    pub sharpen_time: f32,
    /// Sharpening steps (0: no sharpening).
    pub sharpen_steps: usize,
    /// The sharpening integrator.
    pub solver: Solver,
    /// Whether the low-pass term is added before sharpening.
    pub early_merge: bool,
    /// Power iterations of the randomized SVD.
    pub svd_iters: usize,
}

impl Default for BspmConfig {
    fn default() -> Self {
        BspmConfig {
            factors: 448,
            beta: 0.2,
            sharpen_time: 2.5,
            sharpen_steps: 1,
            solver: Solver::Rk4,
            early_merge: true,
            svd_iters: 4,
        }
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

impl ModelConfig for BspmConfig {
    fn keys() -> Vec<Key> {
        let mut keys = svd_keys();
        keys.splice(
            1..1,
            [
                Key::new(
                    "beta",
                    Range::NonNegative,
                    "weight of the ideal low-pass term",
                ),
                Key::new(
                    "sharpen_time",
                    Range::NonNegative,
                    "integration time of the sharpening ODE dr/dt = −rP",
                ),
                Key::new(
                    "sharpen_steps",
                    Range::Count,
                    "steps of the sharpening ODE (0: none)",
                ),
                Key::new(
                    "solver",
                    Range::OneOf(&Solver::NAMES),
                    "the sharpening integrator",
                ),
                Key::new(
                    "early_merge",
                    Range::Flag,
                    "add the low-pass term before sharpening (BSPM-EM) instead of after",
                ),
            ],
        );
        keys
    }
}

/// The BSPM plug-in.
pub struct Bspm;

impl Model for Bspm {
    type Config = BspmConfig;
    const NAME: &'static str = "bspm";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str =
        "BSPM: training-free blurring–sharpening graph filter (Choi et al., SIGIR 2023)";

    fn bytes_needed(cfg: &BspmConfig, size: DataSize) -> u64 {
        bytes_needed(cfg.factors, size)
    }

    fn train(
        cfg: &BspmConfig,
        ctx: &TrainContext<'_>,
        _obs: &mut dyn Observer,
    ) -> Result<Box<dyn TrainedModel>> {
        let sharpening = Some(cfg.sharpening());
        Ok(train_filter(
            ctx,
            cfg.factors,
            cfg.svd_iters,
            cfg.beta,
            sharpening,
        ))
    }

    fn load(
        cfg: &BspmConfig,
        w: &Weights,
        n_users: usize,
        n_items: usize,
    ) -> Result<Box<dyn TrainedModel>> {
        load_filter(w, n_users, n_items, cfg.beta, Some(cfg.sharpening()))
    }
}
