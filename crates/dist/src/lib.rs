//! gnnrec across processes.
//!
//! A distributed run is N ranks, each holding a share of the users ([`UserBlocks`]): its
//! interactions, and its part of every user-sized table. Whatever couples the shards goes
//! through the few collectives of [`Comm`] — sums of item-sized blocks, gathers of id lists,
//! all-to-all exchanges of rows — so the models above see one trait, whatever carries it:
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
//! of `train.txt` / `test.txt` and the rows travel to their users' owners.

pub mod adjacency;
pub mod byte_range;
mod comm;
mod local;
mod partition;
mod sharded;
mod solo;
pub mod wire;

pub use comm::{Comm, CommExt};
pub use local::LocalGroup;
pub use partition::UserBlocks;
pub use sharded::ShardedData;
pub use solo::Solo;
