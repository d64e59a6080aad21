//! The settings of the training loop, shared by the configurations of every iterative model
//! (serde-flattened into them, so a run's `config.json` lists them beside the model's own).

use serde::{Deserialize, Serialize};

use super::Schedule;
use crate::config::{Key, Range};

/// Learning rate, batch, epochs, evaluation, early stopping and schedule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoopSettings {
    /// Base learning rate.
    pub lr: f32,
    /// Examples per step (BPR triples, or ratings).
    pub batch: usize,
    /// Maximum epochs.
    pub epochs: usize,
    /// Evaluate on the monitoring set every this many epochs (0 = never).
    pub eval_every: usize,
    /// Evaluations without improvement before stopping (0 = never stop early).
    pub patience: usize,
    /// Learning-rate schedule.
    #[serde(default)]
    pub schedule: Schedule,
}

impl LoopSettings {
    /// The documented keys of the loop settings.
    pub fn keys() -> Vec<Key> {
        vec![
            Key::new("lr", Range::PositiveReal, "Adam learning rate"),
            Key::new(
                "batch",
                Range::Positive,
                "examples per step (BPR triples, or ratings)",
            ),
            Key::new(
                "epochs",
                Range::Positive,
                "epochs (the horizon of a cosine schedule)",
            ),
            Key::new(
                "eval_every",
                Range::Count,
                "evaluate the monitored set every N epochs (0: never)",
            ),
            Key::new(
                "patience",
                Range::Count,
                "stop after N evaluations without improvement (0: never)",
            ),
            Key::new(
                "schedule",
                Range::OneOf(super::Schedule::NAMES),
                "learning-rate schedule: constant, or cosine decay towards 0 over the epochs",
            ),
        ]
    }
}
