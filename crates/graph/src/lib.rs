//! # gnnrec-graph
//!
//! Graphs built from a dataset's **training** interactions, for the models above it and for
//! analysis: the normalised user–item bipartite adjacency in CSR form
//! ([`normalized_adjacency`]) and sparse products over it ([`Csr`]).
//!
//! Layering: depends on `gnnrec-data` (interactions, indices); used by `gnnrec-models` and
//! the CLI.
#![warn(missing_docs)]

mod bipartite;
pub mod csr;

pub use bipartite::normalized_adjacency;
pub use csr::Csr;
