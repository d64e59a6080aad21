//! Training as a library: a [`Training`] plan (built with defaults, from a recipe, or from
//! an interrupted run) executed as small named steps ([`execute`]) into a run directory.

mod execute;
mod plan;
mod recorder;

pub use execute::{TrainedRun, execute};
pub use plan::{DEFAULT_KS, DEFAULT_SEED, DataInput, Resume, Training};
pub use recorder::Recorder;
