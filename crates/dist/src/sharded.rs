//! One rank's share of a dataset.

use std::ops::Range;

use gnnrec_data::{Dataset, IdMap, Interactions, Split};

use crate::comm::Comm;
use crate::partition::UserBlocks;

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
    pub blocks: UserBlocks,
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
        let blocks = UserBlocks::new(data.n_users(), comm.size());
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
