//! # gnnrec-data
//!
//! The bottom layer of gnnrec: it turns files into [`Dataset`]s. Everything above it
//! (`gnnrec-graph`, `gnnrec-models`, `gnnrec-eval`, the CLI) speaks in the dense `u32` user and
//! item indices defined here, and converts back to raw ids through the dataset's [`IdMap`]s.
//!
//! - [`registry`]: datasets by name (`ml-latest-small`, `ml-100k`, `lastfm`, `lastfm-hetrec`,
//!   `gowalla`) or by path, and the data directory (`--data-dir`, `$GNNREC_DATA`, `./data`).
//! - [`loaders`]: one module per file format, built on [`table`], a polars CSV reader whose
//!   errors name the file and line.
//! - [`split`]: official, random, per-user temporal splits and validation carve-outs.
//! - [`features`]: user and item side features as dense matrices.
//! - [`info`]: the summary printed by `gnnrec data info`.
//!
//! ```
//! let data = gnnrec_data::registry::load("ml-latest-small", std::path::Path::new("no-such-dir"))?;
//! assert_eq!(data.n_users(), 610);
//! let split = data.split(&data.default_split)?;
//! assert_eq!(split.train.len() + split.test.len(), 100_836);
//! # Ok::<(), gnnrec_data::DataError>(())
//! ```
#![warn(missing_docs)]

pub mod dataset;
pub mod error;
pub mod features;
pub mod fsutil;
pub mod idmap;
pub mod in_memory;
pub mod info;
pub mod interactions;
pub mod loaders;
pub mod quantiles;
pub mod registry;
pub mod source;
pub mod split;
pub mod synth;
pub mod table;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod text;

pub use dataset::{Dataset, LoadReport, RatingScale};
pub use error::{DataError, Result};
pub use features::FeatureMatrix;
pub use idmap::{IdMap, RawId, RawIds};
pub use interactions::{Interactions, MISSING_TIME};
pub use quantiles::Quantiles;
pub use split::{Holdout, Split, SplitSpec};
