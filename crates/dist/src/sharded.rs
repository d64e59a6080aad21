//! One rank's share of a dataset.

use std::ops::Range;

use gnnrec_data::{Dataset, IdMap, Interactions, Split};

use crate::comm::Comm;
use crate::partition::Blocks;
use crate::wire;

/// One rank's share of a dataset: the id maps every rank agreed on (replicated: one entry
/// per user and per item), which users this rank owns, and their train and test interactions
/// in global indices, in the single process's order.
#[derive(Debug, Clone)]
pub struct ShardedData {
    /// The dataset's name.
    pub name: String,
    /// Raw user ids ↔ global indices.
    pub users: IdMap,
    /// Raw item ids ↔ global indices.
    pub items: IdMap,
    /// Which rank owns which users.
    pub blocks: Blocks,
    /// This rank.
    pub rank: usize,
    /// This rank's users' interactions (global indices), the split's name kept.
    pub split: Split,
}

impl ShardedData {
    /// Users in all.
    pub fn n_users(&self) -> usize {
        self.users.len()
    }

    /// Items in all.
    pub fn n_items(&self) -> usize {
        self.items.len()
    }

    /// The users this rank owns.
    pub fn own_users(&self) -> Range<u32> {
        self.blocks.range(self.rank)
    }

    /// This rank's share of `split` of a dataset every rank loaded whole: the rows of its
    /// users, in order. For formats that cannot be read by byte ranges yet.
    pub fn from_loaded(data: &Dataset, split: &Split, comm: &dyn Comm) -> ShardedData {
        let blocks = Blocks::new(data.n_users(), comm.size());
        let own = blocks.range(comm.rank());
        let keep = |x: &Interactions| {
            let rows: Vec<usize> = (0..x.len())
                .filter(|&k| own.contains(&x.users[k]))
                .collect();
            x.select(&rows)
        };
        ShardedData {
            name: data.name.clone(),
            users: data.users.clone(),
            items: data.items.clone(),
            blocks,
            rank: comm.rank(),
            split: Split {
                name: split.name.clone(),
                train: keep(&split.train),
                test: keep(&split.test),
            },
        }
    }
}

/// Sends every pair of `x` to its user's owner; returns the pairs this rank owns, from the
/// ranks in order (each rank's pairs in its order).
pub(crate) fn to_owners(x: &Interactions, blocks: &Blocks, comm: &dyn Comm) -> Interactions {
    let mut to_each: Vec<Vec<u32>> = vec![Vec::new(); comm.size()];
    for (&u, &i) in x.users.iter().zip(&x.items) {
        let dest = &mut to_each[blocks.owner(u)];
        dest.push(u);
        dest.push(i);
    }
    let bytes: Vec<Vec<u8>> = to_each.iter().map(|v| wire::from_u32s(v)).collect();
    let (mut users, mut items) = (Vec::new(), Vec::new());
    for part in comm.all_to_all_bytes(&bytes) {
        for pair in wire::u32s(&part).chunks_exact(2) {
            users.push(pair[0]);
            items.push(pair[1]);
        }
    }
    Interactions::new(users, items)
}
