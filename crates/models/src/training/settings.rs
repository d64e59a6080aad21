//! The settings of the training loop, shared by the configurations of every iterative model
//! (serde-flattened into them, so a run's `config.json` lists them beside the model's own).

use super::Schedule;
use crate::framework::config::Range;

crate::settings! {
    /// Learning rate, batch, epochs, evaluation, early stopping and schedule. Each model's
    /// configuration sets its own defaults; these are a fallback.
    #[derive(Copy)]
    pub struct LoopSettings {
        /// Base learning rate.
        pub lr: f32 = 0.01 => (Range::PositiveReal, "Adam learning rate"),
        /// Examples per step (BPR triples, or ratings).
        pub batch: usize = 2048 => (
            Range::Positive,
            "examples per step (BPR triples, or ratings)"
        ),
        /// Maximum epochs.
        pub epochs: usize = 100 => (
            Range::Positive,
            "epochs (the horizon of a cosine schedule)"
        ),
        /// Evaluate on the monitoring set every this many epochs (0 = never).
        pub eval_every: usize = 10 => (
            Range::Count,
            "evaluate the monitored set every N epochs (0: never)"
        ),
        /// Evaluations without improvement before stopping (0 = never stop early).
        pub patience: usize = 0 => (
            Range::Count,
            "stop after N evaluations without improvement (0: never)"
        ),
        /// Learning-rate schedule.
        pub schedule: Schedule = Schedule::default() => (
            Range::OneOf(Schedule::NAMES),
            "learning-rate schedule: constant, or cosine decay towards 0 over the epochs"
        ),
    }
}
