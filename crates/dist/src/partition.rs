//! Which rank owns which users: contiguous blocks of the global user indices.

use std::ops::Range;

/// Users `0..n_users` cut into `ranks` contiguous blocks of near-equal size (the first
/// `n_users % ranks` blocks one longer). Contiguous blocks keep every rank's users in index
/// order, so a rank's rows concatenated in rank order are the single process's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserBlocks {
    starts: Vec<u32>,
}

impl UserBlocks {
    /// `n_users` users over `ranks` ranks.
    pub fn new(n_users: usize, ranks: usize) -> UserBlocks {
        assert!(ranks > 0);
        let (base, extra) = (n_users / ranks, n_users % ranks);
        let mut starts = Vec::with_capacity(ranks + 1);
        let mut at = 0usize;
        for r in 0..ranks {
            starts.push(at as u32);
            at += base + usize::from(r < extra);
        }
        starts.push(at as u32);
        UserBlocks { starts }
    }

    /// The users of `rank`.
    pub fn range(&self, rank: usize) -> Range<u32> {
        self.starts[rank]..self.starts[rank + 1]
    }

    /// The rank owning user `u`.
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
            let b = UserBlocks::new(n, r);
            let mut all = Vec::new();
            for rank in 0..r {
                for u in b.range(rank) {
                    assert_eq!(b.owner(u), rank);
                    all.push(u);
                }
            }
            assert_eq!(all, (0..n as u32).collect::<Vec<_>>());
        }
        assert_eq!(UserBlocks::new(10, 3).range(0), 0..4);
    }
}
