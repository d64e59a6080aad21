//! One rank's share of a dataset.

use std::ops::Range;

use gnnrec_data::{Dataset, IdMap, Interactions, Split};

use crate::comm::{Comm, CommExt};
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
    /// Each row of `split.train`: its index in the single process's train, which the random
    /// validation carve-out's shuffle indexes ([`crate::carve::carve_validation`]). Rows of a
    /// rank keep the single process's order, so these increase.
    pub train_positions: Vec<u64>,
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
        let rows_of = |x: &Interactions| -> Vec<usize> {
            (0..x.len())
                .filter(|&k| own.contains(&x.users[k]))
                .collect()
        };
        let (train_rows, test_rows) = (rows_of(&split.train), rows_of(&split.test));
        ShardedData {
            name: data.name.clone(),
            users: data.users.clone(),
            items: data.items.clone(),
            blocks,
            rank: comm.rank(),
            split: Split {
                name: split.name.clone(),
                train: split.train.select(&train_rows),
                test: split.test.select(&test_rows),
            },
            train_positions: train_rows.iter().map(|&k| k as u64).collect(),
        }
    }
}

/// Sends every pair of `x` — this rank's share of a file, in file order, the shares in rank
/// order tiling the file — to its user's owner, and drops the repeated pairs as the single
/// process drops them (first kept). Returns the pairs this rank owns (from the ranks in order,
/// so each user's pairs in file order) and each one's index in the single process's list of
/// the file. A collective.
///
/// The index: pair `k` of rank `s`'s share is the file's pair `before_s + k` (an exclusive
/// scan of the shares' lengths); each travels with its pair (8 bytes); a kept pair's index is
/// its number less the repeated pairs before it in the file, which every rank learns from one
/// gather of the numbers dropped (8 bytes each; the benchmark files have none).
pub(crate) fn to_owners_deduped(
    x: &Interactions,
    blocks: &Blocks,
    comm: &dyn Comm,
) -> (Interactions, Vec<u64>) {
    let first = comm.exclusive_scan_u64(x.len() as u64);
    let mut to_each: Vec<Vec<u32>> = vec![Vec::new(); comm.size()];
    for (k, (&u, &i)) in x.users.iter().zip(&x.items).enumerate() {
        let number = first + k as u64;
        to_each[blocks.owner(u)].extend_from_slice(&[u, i, number as u32, (number >> 32) as u32]);
    }
    let bytes: Vec<Vec<u8>> = to_each.iter().map(|v| wire::from_u32s(v)).collect();
    let (mut users, mut items, mut numbers) = (Vec::new(), Vec::new(), Vec::new());
    for part in comm.all_to_all_bytes(&bytes) {
        for row in wire::u32s(&part).chunks_exact(4) {
            users.push(row[0]);
            items.push(row[1]);
            numbers.push(u64::from(row[2]) | (u64::from(row[3]) << 32));
        }
    }
    let own = Interactions::new(users, items);
    let keep = own.first_occurrences();
    let dropped: Vec<u64> = (0..own.len())
        .filter(|&k| !keep[k])
        .map(|k| numbers[k])
        .collect();
    let mut dropped: Vec<u64> = comm
        .all_gather_bytes(&wire::from_u64s(&dropped))
        .iter()
        .flat_map(|b| wire::u64s(b))
        .collect();
    dropped.sort_unstable();
    let rows: Vec<usize> = (0..own.len()).filter(|&k| keep[k]).collect();
    let positions = rows
        .iter()
        .map(|&k| numbers[k] - dropped.partition_point(|&d| d < numbers[k]) as u64)
        .collect();
    (own.select(&rows), positions)
}

/// Checks that `shards` number their train rows by the single process's `train`: each row is
/// the row of `train` at its position, a rank's positions increase, and together they are
/// every position once.
#[cfg(test)]
pub(crate) fn assert_positions(shards: &[ShardedData], train: &Interactions) {
    let n = shards.len();
    let mut every = Vec::new();
    for s in shards {
        let p = &s.train_positions;
        assert_eq!(p.len(), s.split.train.len(), "{n} ranks");
        assert!(p.windows(2).all(|w| w[0] < w[1]), "{n} ranks: {p:?}");
        for (k, &at) in p.iter().enumerate() {
            let row = |x: &Interactions, r: usize| (x.users[r], x.items[r]);
            assert_eq!(row(&s.split.train, k), row(train, at as usize), "{n} ranks");
        }
        every.extend_from_slice(p);
    }
    every.sort_unstable();
    assert_eq!(
        every,
        (0..train.len() as u64).collect::<Vec<_>>(),
        "{n} ranks"
    );
}

/// Checks that each of `shards` holds the single process's maps `users` and `items` and the
/// rows of `split` whose users it owns, in `split`'s order, its train rows numbered by their
/// places in `split.train` ([`assert_positions`]).
#[cfg(test)]
pub(crate) fn assert_shards_of(
    shards: &[ShardedData],
    users: &IdMap,
    items: &IdMap,
    split: &Split,
) {
    let n = shards.len();
    for s in shards {
        assert_eq!(s.split.name, split.name);
        assert_eq!(s.users.raw_ids(), users.raw_ids());
        assert_eq!(s.items.raw_ids(), items.raw_ids());
        let own = s.own_users();
        let keep = |x: &Interactions| {
            let rows: Vec<usize> = (0..x.len())
                .filter(|&k| own.contains(&x.users[k]))
                .collect();
            let x = x.select(&rows);
            (x.users, x.items)
        };
        let pairs = |x: &Interactions| (x.users.clone(), x.items.clone());
        assert_eq!(pairs(&s.split.train), keep(&split.train), "{n} ranks");
        assert_eq!(pairs(&s.split.test), keep(&split.test), "{n} ranks");
    }
    assert_positions(shards, &split.train);
}
