//! # gnnrec-fetch
//!
//! `gnnrec data fetch NAME`: downloads a benchmark dataset from its publisher, checks every
//! file against the sha256 we pin for it, and places the finished folder into the data
//! directory in one rename.
//!
//! - [`catalog`]: what each dataset is made of (publisher URLs, archive layout, license,
//!   pinned hashes of the files we can vouch for).
//! - [`download`]: a streaming HTTP download into a staging folder that resumes a partial
//!   file with a `Range` request, retrying a connection cut mid-file.
//! - [`unzip`]: zip extraction that refuses paths escaping the target folder.
//! - [`fetch`]: the whole of it — staging beside the data directory's datasets (never in a
//!   dataset's own folder), verification, atomic placement, cleanup on failure.
//!
//! Layering: depends on nothing of gnnrec (the data directory is a path); used by the CLI.
//! A separate crate so that the HTTP and TLS stack stays out of the data crate's build.
#![warn(missing_docs)]

pub mod catalog;
pub mod checksum;
pub mod download;
pub mod error;
mod fetch;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod unzip;

pub use catalog::{CATALOG, DatasetSource, Remote, Unpack, find};
pub use error::{FetchError, Result};
pub use fetch::{FetchOptions, FetchReport, FileCheck, Progress, fetch, staging_dir};
