//! # gnnrec-run
//!
//! The run layer of gnnrec: what a *run* is, as a library under every front end (the
//! `gnnrec` command line, the server, xtask, and the Python and MPI front ends to come).
//!
//! - [`Training`]: a training planned — a dataset (by name, or a loaded [`Dataset`]), a
//!   [`ModelSpec`], and optional settings with defaults — and executed as small named steps
//!   ([`training::execute`]) into a run directory;
//! - [`RunDir`] ([`run_dir`]): the run directory's layout, `config.json` ([`RunConfig`]),
//!   `metrics.json` ([`RunMetrics`]), the log, checkpoints and the files serving needs,
//!   written and read in one module;
//! - [`OpenedRun`]: a saved run opened with its dataset; [`evaluation::evaluate_run`],
//!   [`recommend::recommend_user`], [`recommend::export_test_users`];
//! - [`ServableRun`]: a run loaded for serving from its directory alone; [`query`]: rankings
//!   asked of a trained model (a user or an item history, exclusions, candidates), in batches;
//! - [`tune::tune`] (grid search on a validation carve-out) and
//!   [`foldin::fold_in_experiment`];
//! - [`Recipe`]: the recipe files of published results.
//!
//! ```no_run
//! use gnnrec_models::ModelSpec;
//! use gnnrec_run::{OpenedRun, Training, recommend};
//!
//! // Train LightGCN on the bundled MovieLens latest-small and print its test metrics.
//! let done = Training::new("ml-latest-small", ModelSpec::default_for("lightgcn")?)
//!     .with_out("runs/example-lightgcn")
//!     .run()?;
//! println!("{:?}", done.metrics.metrics);
//! // Later: open the run and recommend for user 1.
//! let run = OpenedRun::open(done.dir.path(), None)?;
//! let top = recommend::recommend_user(&run, "1", 10, recommend::Unknown::Refuse)?;
//! println!("{:?}", top.items);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Layering: on `gnnrec-data`, `gnnrec-eval` and `gnnrec-models`; nothing here prints.
//! Errors are [`RunError`].
#![warn(missing_docs)]

pub mod checkpoint_files;
pub mod choices;
pub mod distributed;
pub mod error;
pub mod evaluation;
pub mod foldin;
mod json_file;
pub mod opened;
pub mod query;
pub mod recipe;
pub mod recommend;
pub mod record;
pub mod run_dir;
pub mod serving;
pub mod source;
pub mod timefmt;
pub mod training;
pub mod tune;

pub use choices::{Monitor, ValidSplit};
pub use error::{Result, RunError};
pub use gnnrec_data::fsutil::write_atomic;
pub use gnnrec_data::{Dataset, Interactions, Split};
pub use gnnrec_models::ModelSpec;
pub use opened::OpenedRun;
pub use recipe::Recipe;
pub use record::{ConfigHead, RunConfig, RunMetrics};
pub use run_dir::RunDir;
pub use serving::ServableRun;
pub use source::DataSource;
pub use training::{TrainedRun, Training};
