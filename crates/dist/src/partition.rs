//! Which rank owns which rows: contiguous blocks of global indices — users (every
//! distributed model) or items (the sharded item tables of LightGCN and MF-BPR).

use std::ops::Range;

/// Indices `0..n` (users or items) cut into `ranks` contiguous blocks of near-equal size (the
/// first `n % ranks` blocks one longer). Contiguous blocks keep every rank's rows in index
/// order, so a rank's rows concatenated in rank order are the single process's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocks {
    starts: Vec<u32>,
}

impl Blocks {
    /// `n` indices over `ranks` ranks.
    pub fn new(n: usize, ranks: usize) -> Blocks {
        assert!(ranks > 0);
        let (base, extra) = (n / ranks, n % ranks);
        let mut starts = Vec::with_capacity(ranks + 1);
        let mut at = 0usize;
        for r in 0..ranks {
            starts.push(at as u32);
            at += base + usize::from(r < extra);
        }
        starts.push(at as u32);
        Blocks { starts }
    }

    /// The indices of `rank`.
    pub fn range(&self, rank: usize) -> Range<u32> {
        self.starts[rank]..self.starts[rank + 1]
    }

    /// The rank owning index `u`.
    pub fn owner(&self, u: u32) -> usize {
        self.starts.partition_point(|&s| s <= u) - 1
    }

    /// Ranks.
    pub fn ranks(&self) -> usize {
        self.starts.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_every_user_once_in_order() {
        for (n, r) in [(10, 3), (2, 4), (0, 2), (7, 1)] {
            let b = Blocks::new(n, r);
            let mut all = Vec::new();
            for rank in 0..r {
                for u in b.range(rank) {
                    assert_eq!(b.owner(u), rank);
                    all.push(u);
                }
            }
            assert_eq!(all, (0..n as u32).collect::<Vec<_>>());
        }
        assert_eq!(Blocks::new(10, 3).range(0), 0..4);
    }
}
