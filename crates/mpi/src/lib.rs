//! The Open MPI transport of a distributed run: [`MpiWorld`] is `MPI_COMM_WORLD` as a
//! [`gnnrec_dist::Comm`], through the maintained `mpi` crate (rsmpi).
//!
//! Behind the `mpi` feature (off by default): without it the crate is empty and the default
//! build needs no system MPI. It is its own crate so that the feature changes only this crate
//! and the binary that enables it; everything below (`gnnrec-dist`, the models, the run layer,
//! the Python extension) is built once, with or without MPI.

#[cfg(feature = "mpi")]
mod world;

#[cfg(feature = "mpi")]
pub use world::MpiWorld;
