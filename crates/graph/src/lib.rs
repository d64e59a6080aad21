//! # gnnrec-graph
//!
//! Graphs built from a dataset's **training** interactions, for the models above it and for
//! analysis: the normalised user–item bipartite adjacency in CSR form
//! ([`normalized_adjacency`]), sparse products over it ([`Csr`]), and item–item
//! co-occurrence graphs, plain or time-weighted ([`item_graph`]), the rating graph with one
//! edge type per rating level for GC-MC-style models ([`RatingGraph`]), and their structure
//! ([`graph_stats`], with petgraph's union–find for components).
//!
//! Layering: depends on `gnnrec-data` (interactions, indices); used by `gnnrec-models` and
//! the CLI.
#![warn(missing_docs)]

mod bipartite;
pub mod csr;
pub mod item_item;
pub mod rating_graph;
pub mod row_kernel;
pub mod stats;
pub mod wide_row_kernel;

pub use bipartite::{bipartite_adjacency, normalized_adjacency};
pub use csr::Csr;
pub use item_item::{EdgeWeight, ItemGraphSpec, item_graph};
pub use rating_graph::{Layout, RatingGraph, RatingLevels};
pub use stats::{GraphStats, graph_stats};
