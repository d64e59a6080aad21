//! The collectives a distributed run needs, as one object-safe trait.

use crate::wire;

/// A group of ranks and the collectives among them. Every collective must be called by every
/// rank of the group, in the same order; its result is the same on every rank unless said
/// otherwise.
pub trait Comm {
    /// This rank, `0..size()`.
    fn rank(&self) -> usize;
    /// Ranks in the group.
    fn size(&self) -> usize;
    /// Element-wise sum over the ranks of `buf`, into `buf` on every rank.
    fn all_reduce_f32(&self, buf: &mut [f32]);
    /// Element-wise sum over the ranks of `buf`, into `buf` on every rank.
    fn all_reduce_f64(&self, buf: &mut [f64]);
    /// Every rank's `mine`, by rank.
    fn all_gather_bytes(&self, mine: &[u8]) -> Vec<Vec<u8>>;
    /// Sends `to_each[r]` to rank `r`; returns what each rank sent to this one, by rank.
    fn all_to_all_bytes(&self, to_each: &[Vec<u8>]) -> Vec<Vec<u8>>;
    /// Ends the whole job with exit status `code` (after this rank printed why).
    fn abort(&self, code: i32) -> !;
    /// Bytes this rank has handed to collectives so far (its payloads; a transport may move
    /// more, e.g. a ring all-reduce sends about 2 (N − 1) / N times the buffer).
    fn bytes_sent(&self) -> u64;
}

/// Typed collectives built on [`Comm`]'s byte ones.
pub trait CommExt: Comm {
    /// Every rank's `u64`, by rank.
    fn all_gather_u64(&self, mine: u64) -> Vec<u64> {
        self.all_gather_bytes(&mine.to_le_bytes())
            .iter()
            .map(|b| wire::u64s(b)[0])
            .collect()
    }

    /// The sum over ranks of `mine`.
    fn sum_u64(&self, mine: u64) -> u64 {
        self.all_gather_u64(mine).iter().sum()
    }

    /// The largest `mine` over the ranks.
    fn max_u64(&self, mine: u64) -> u64 {
        self.all_gather_u64(mine).into_iter().max().unwrap_or(0)
    }

    /// The sum of `mine` over the ranks before this one (an exclusive prefix sum).
    fn exclusive_scan_u64(&self, mine: u64) -> u64 {
        self.all_gather_u64(mine)[..self.rank()].iter().sum()
    }

    /// Every rank's `mine`, concatenated in rank order.
    fn all_gather_i64s(&self, mine: &[i64]) -> Vec<i64> {
        self.all_gather_bytes(&wire::from_i64s(mine))
            .iter()
            .flat_map(|b| wire::i64s(b))
            .collect()
    }

    /// Every rank's `mine` on rank 0 only, concatenated in rank order (empty elsewhere).
    fn gather_bytes_to_root(&self, mine: Vec<u8>) -> Vec<Vec<u8>> {
        let mut to_each = vec![Vec::new(); self.size()];
        to_each[0] = mine;
        let got = self.all_to_all_bytes(&to_each);
        if self.rank() == 0 { got } else { Vec::new() }
    }

    /// Whether any rank says `mine` (e.g. "I failed").
    fn any(&self, mine: bool) -> bool {
        self.sum_u64(u64::from(mine)) > 0
    }
}

impl<C: Comm + ?Sized> CommExt for C {}
