//! The Open MPI transport, through the `mpi` crate (rsmpi).
//!
//! Collectives are called only from the thread that initialised MPI (the threads of rayon
//! never call them), so MPI runs at its default thread level.

use std::cell::Cell;

use mpi::Count;
use mpi::collective::SystemOperation;
use mpi::datatype::{Partition, PartitionMut};
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

use gnnrec_dist::Comm;

/// Elements per MPI call: counts are C `int`s, so longer buffers go in pieces.
const PIECE: usize = 1 << 26;

/// `MPI_COMM_WORLD` of `mpirun -n N …`.
pub struct MpiWorld {
    world: SimpleCommunicator,
    sent: Cell<u64>,
    // Finalises MPI when dropped, after the communicator.
    _universe: Universe,
}

impl MpiWorld {
    /// Initialises MPI; `None` where it was already initialised in this process.
    pub fn init() -> Option<MpiWorld> {
        let universe = mpi::initialize()?;
        Some(MpiWorld {
            world: universe.world(),
            sent: Cell::new(0),
            _universe: universe,
        })
    }

    fn count(&self, n: usize) {
        self.sent.set(self.sent.get() + n as u64);
    }

    /// Element-wise sum over the ranks, in pieces of [`PIECE`] elements.
    fn sum_in_place<T: Equivalence + Copy>(&self, buf: &mut [T]) {
        self.count(std::mem::size_of_val(buf));
        for piece in buf.chunks_mut(PIECE) {
            let send = piece.to_vec();
            self.world
                .all_reduce_into(&send[..], piece, SystemOperation::sum());
        }
    }
}

fn counts_and_displacements(lens: &[usize], what: &str) -> (Vec<Count>, Vec<Count>) {
    let total: usize = lens.iter().sum();
    assert!(
        total <= Count::MAX as usize,
        "{what}: {total} bytes in one exchange is over MPI's 2^31 − 1 (send fewer rows per call)"
    );
    let counts: Vec<Count> = lens.iter().map(|&l| l as Count).collect();
    let displs = counts
        .iter()
        .scan(0, |acc, &c| {
            let d = *acc;
            *acc += c;
            Some(d)
        })
        .collect();
    (counts, displs)
}

/// A zeroed buffer of `len` bytes on the heap even when empty: Open MPI refuses a call whose
/// send and receive buffers are the same address, which two empty `Vec`s (one dangling
/// pointer) would be.
fn heap_buffer(len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len.max(1));
    v.resize(len, 0);
    v
}

fn split(bytes: &[u8], counts: &[Count], displs: &[Count]) -> Vec<Vec<u8>> {
    counts
        .iter()
        .zip(displs)
        .map(|(&c, &d)| bytes[d as usize..(d + c) as usize].to_vec())
        .collect()
}

impl Comm for MpiWorld {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }
    fn size(&self) -> usize {
        self.world.size() as usize
    }
    fn all_reduce_f32(&self, buf: &mut [f32]) {
        self.sum_in_place(buf);
    }
    fn all_reduce_f64(&self, buf: &mut [f64]) {
        self.sum_in_place(buf);
    }
    fn all_gather_bytes(&self, mine: &[u8]) -> Vec<Vec<u8>> {
        self.count(mine.len() * (self.size() - 1));
        let mut lens = vec![0 as Count; self.size()];
        self.world
            .all_gather_into(&(mine.len() as Count), &mut lens[..]);
        let lens: Vec<usize> = lens.iter().map(|&c| c as usize).collect();
        let (counts, displs) = counts_and_displacements(&lens, "all-gather");
        let mut out = heap_buffer(lens.iter().sum());
        let mut send = heap_buffer(mine.len());
        send.copy_from_slice(mine);
        {
            let mut part = PartitionMut::new(&mut out[..], &counts[..], &displs[..]);
            self.world.all_gather_varcount_into(&send[..], &mut part);
        }
        split(&out, &counts, &displs)
    }
    fn all_to_all_bytes(&self, to_each: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let me = self.rank();
        self.count(
            to_each
                .iter()
                .enumerate()
                .filter(|(d, _)| *d != me)
                .map(|(_, m)| m.len())
                .sum(),
        );
        let send_lens: Vec<Count> = to_each.iter().map(|m| m.len() as Count).collect();
        let mut recv_lens = vec![0 as Count; self.size()];
        self.world
            .all_to_all_into(&send_lens[..], &mut recv_lens[..]);
        let send_lens: Vec<usize> = to_each.iter().map(Vec::len).collect();
        let (scounts, sdispls) = counts_and_displacements(&send_lens, "all-to-all");
        let recv: Vec<usize> = recv_lens.iter().map(|&c| c as usize).collect();
        let (rcounts, rdispls) = counts_and_displacements(&recv, "all-to-all");
        let mut flat = heap_buffer(0);
        for m in to_each {
            flat.extend_from_slice(m);
        }
        let mut out = heap_buffer(recv.iter().sum());
        {
            let send = Partition::new(&flat[..], &scounts[..], &sdispls[..]);
            let mut part = PartitionMut::new(&mut out[..], &rcounts[..], &rdispls[..]);
            self.world.all_to_all_varcount_into(&send, &mut part);
        }
        split(&out, &rcounts, &rdispls)
    }
    fn abort(&self, code: i32) -> ! {
        self.world.abort(code)
    }
    fn bytes_sent(&self) -> u64 {
        self.sent.get()
    }
}
