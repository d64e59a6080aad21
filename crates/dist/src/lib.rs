//! gnnrec across processes.
//!
//! A distributed run is N ranks, each holding a share of the users ([`Blocks`]): its
//! interactions, and its part of every user-sized table. Whatever couples the shards goes
//! through the few collectives of [`Comm`] — sums of item-sized blocks, gathers of id lists,
//! all-to-all exchanges of rows ([`Halo`]: only the rows a rank reads, from their owners) — so
//! the models above see one trait, whatever carries it:
//!
//! - [`Solo`]: one process, no communication (N = 1);
//! - [`LocalGroup`]: N ranks as threads of one process, for tests of the distributed
//!   algorithms in the default build;
//! - `gnnrec_mpi::MpiWorld` (crate `crates/mpi`, feature `mpi`): Open MPI through the `mpi`
//!   crate, the transport of `mpirun -n N gnnrec train --distributed …` — a crate of its own
//!   so that turning MPI on rebuilds only it and the binary.
//!
//! Data: [`ShardedData`] is one rank's share of a dataset — the id maps agreed by every rank,
//! this rank's users' train and test interactions in global indices. [`adjacency::load`]
//! reads the LightGCN adjacency-list format by byte ranges: each rank parses only its slice
//! of `train.txt` / `test.txt` and the rows travel to their users' owners; [`split_files::load`]
//! reads a dataset split into two delimited files in advance (ml-100k's `u1.base` /
//! `u1.test`) the same way, and [`own_files`] a user's own CSV / TSV files (one file split at
//! random, or a training and a test file).

pub mod adjacency;
pub mod byte_range;
pub mod carve;
mod comm;
mod halo;
mod local;
pub mod own_files;
mod partition;
mod sharded;
mod share;
mod solo;
pub mod split_files;
pub mod wire;

pub use comm::{Comm, CommExt};
pub use halo::Halo;
pub use local::LocalGroup;
pub use partition::Blocks;
pub use sharded::ShardedData;
pub use solo::Solo;
