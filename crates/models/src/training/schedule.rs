//! Learning-rate schedules over the epochs of a run.

use serde::{Deserialize, Serialize};

/// A learning-rate schedule over the epochs of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// The same rate throughout (the LightGCN paper's recipe).
    #[default]
    Constant,
    /// Cosine annealing from `lr` at the first epoch towards 0 after `epochs`.
    Cosine,
}

impl Schedule {
    /// The names accepted in configurations.
    pub const NAMES: &'static [&'static str] = &["constant", "cosine"];

    /// The learning rate of `epoch` (1-based) of `epochs`, starting from `lr`.
    ///
    /// ```
    /// use gnnrec_models::training::Schedule;
    /// assert_eq!(Schedule::Constant.lr(0.01, 5, 10), 0.01);
    /// assert_eq!(Schedule::Cosine.lr(0.01, 1, 10), 0.01);
    /// assert!((Schedule::Cosine.lr(0.01, 6, 10) - 0.005).abs() < 1e-6);
    /// ```
    pub fn lr(self, lr: f32, epoch: usize, epochs: usize) -> f32 {
        match self {
            Schedule::Constant => lr,
            Schedule::Cosine => {
                let progress = (epoch.saturating_sub(1)) as f32 / epochs.max(1) as f32;
                lr * 0.5 * (1.0 + (std::f32::consts::PI * progress).cos())
            }
        }
    }
}
