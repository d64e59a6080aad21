//! The validation carve-outs of a sharded split, equal to the single process's.
//!
//! Per user ([`carve_validation_per_user`]): [`Split::carve_validation_per_user`] draws from
//! one random stream, user by user in index order, and how many draws a user takes depends on
//! the values drawn. Ranks own contiguous blocks of users in index order, so rank `r` carves
//! its users from the stream's position where rank `r − 1` left it: `N` rounds, one rank
//! carving in each, then handing the position on to all (16 bytes). The work is the single
//! process's, done one rank after the other; what travels is `16 · N` bytes per rank.
//!
//! At random ([`carve_validation`]): [`Split::carve_validation`] shuffles the indices of every
//! training row with the seed and sends the first `round(n · fraction)` to validation. The
//! shuffle depends on `n` alone, not on the rows, so rank 0 makes it (4 bytes per training row
//! while it runs) and sends every rank the set it picks, one bit per training row; each rank
//! looks its own rows up by their places in the single process's train
//! ([`ShardedData::train_positions`], numbered as the loaders route the rows).

use gnnrec_data::Split;
use gnnrec_data::split::{mark_validation_per_user, partition};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::comm::{Comm, CommExt};
use crate::sharded::ShardedData;

/// This rank's part of `shard.split.carve_validation_per_user(fraction, seed, n_users)`: its
/// users' rows kept for fitting (`train`) and carved out for validation (`test`), named as the
/// single process names it. A collective.
pub fn carve_validation_per_user(
    shard: &ShardedData,
    fraction: f64,
    seed: u64,
    comm: &dyn Comm,
) -> Split {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut is_test = Vec::new();
    for turn in 0..comm.size() {
        let mine = if turn == comm.rank() {
            is_test =
                mark_validation_per_user(&shard.split.train, shard.own_users(), fraction, &mut rng);
            rng.get_word_pos().to_le_bytes().to_vec()
        } else {
            Vec::new()
        };
        let got = comm.all_gather_bytes(&mine);
        let pos: [u8; 16] = got[turn].as_slice().try_into().expect("a u128 position");
        rng.set_word_pos(u128::from_le_bytes(pos));
    }
    let name = format!("{}/validation-per-user:{fraction}:{seed}", shard.split.name);
    partition(&shard.split.train, &is_test, name)
}

/// This rank's part of `shard.split.carve_validation(fraction, seed)`, the random carve-out:
/// its users' rows kept for fitting (`train`) and carved out for validation (`test`), named as
/// the single process names it. A collective; rank 0 sends `⌈n / 8⌉` bytes to every rank for
/// `n` training rows.
pub fn carve_validation(shard: &ShardedData, fraction: f64, seed: u64, comm: &dyn Comm) -> Split {
    let n = comm.sum_u64(shard.split.train.len() as u64);
    let picked = picked_on_root(n, fraction, seed, comm);
    let is_test: Vec<bool> = shard
        .train_positions
        .iter()
        .map(|&p| is_picked(&picked, p))
        .collect();
    let name = format!("{}/validation:{fraction}:{seed}", shard.split.name);
    partition(&shard.split.train, &is_test, name)
}

/// [`picked_rows`], made by rank 0 and sent to every rank. A collective.
pub(crate) fn picked_on_root(n: u64, fraction: f64, seed: u64, comm: &dyn Comm) -> Vec<u8> {
    let mine = if comm.rank() == 0 {
        picked_rows(n, fraction, seed)
    } else {
        Vec::new()
    };
    comm.all_gather_bytes(&mine).swap_remove(0)
}

/// Whether row `p` is picked in `bits` ([`picked_rows`]).
pub(crate) fn is_picked(bits: &[u8], p: u64) -> bool {
    bits[(p / 8) as usize] >> (p % 8) & 1 == 1
}

/// For each of the increasing `places`, how many rows before it `bits` picks.
pub(crate) fn picked_below(bits: &[u8], places: &[u64]) -> Vec<u64> {
    let (mut byte, mut count) = (0, 0u64);
    places
        .iter()
        .map(|&p| {
            let at = (p / 8) as usize;
            while byte < at {
                count += u64::from(bits[byte].count_ones());
                byte += 1;
            }
            count + u64::from((bits[at] & ((1u8 << (p % 8)) - 1)).count_ones())
        })
        .collect()
}

/// One bit per training row (row `p` at bit `p % 8` of byte `p / 8`), set on the rows
/// [`gnnrec_data::split::random_split`] of `n` rows sends to its test side: the first
/// `round(n · fraction)` of `0..n` shuffled with the seed. The shuffle's draws depend on the
/// length alone, so indices shuffled as `u32` land where `usize` ones do.
fn picked_rows(n: u64, fraction: f64, seed: u64) -> Vec<u8> {
    let n_test = ((n as f64) * fraction).round() as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut bits = vec![0u8; n.div_ceil(8) as usize];
    let mut set = |p: u64| bits[(p / 8) as usize] |= 1 << (p % 8);
    match u32::try_from(n) {
        Ok(n) => {
            let mut order: Vec<u32> = (0..n).collect();
            order.shuffle(&mut rng);
            order[..n_test].iter().for_each(|&p| set(u64::from(p)));
        }
        Err(_) => {
            let mut order: Vec<u64> = (0..n).collect();
            order.shuffle(&mut rng);
            order[..n_test].iter().for_each(|&p| set(p));
        }
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Blocks, LocalGroup};
    use gnnrec_data::{IdMap, Interactions};

    /// 60 users with 0 to 11 rows each, in a scrambled order (not by user).
    fn train() -> Interactions {
        let (mut users, mut items) = (Vec::new(), Vec::new());
        for u in 0..60u32 {
            for j in 0..(u * 7 % 12) {
                users.push(u);
                items.push((u * 13 + j * 5) % 40);
            }
        }
        let n = users.len();
        let order: Vec<usize> = (0..n).map(|k| (k * 37) % n).collect();
        assert!(n % 37 != 0, "a permutation");
        Interactions::new(
            order.iter().map(|&k| users[k]).collect(),
            order.iter().map(|&k| items[k]).collect(),
        )
    }

    fn pairs(x: &Interactions) -> Vec<(u32, u32)> {
        x.users
            .iter()
            .copied()
            .zip(x.items.iter().copied())
            .collect()
    }

    /// Each rank's part of `carve` of `whole`'s train among `n` ranks, each rank holding its
    /// users' rows (in order, numbered by their places in `whole`).
    fn carve_on_ranks(
        whole: &Split,
        n: usize,
        carve: impl Fn(&ShardedData, &dyn Comm) -> Split + Sync,
    ) -> Vec<Split> {
        LocalGroup::run(n, |c| {
            let blocks = Blocks::new(60, c.size());
            let own = blocks.range(c.rank());
            let rows: Vec<usize> = (0..whole.train.len())
                .filter(|&k| own.contains(&whole.train.users[k]))
                .collect();
            let shard = ShardedData {
                name: "toy".into(),
                users: IdMap::from_ints(0..60i64),
                items: IdMap::from_ints(0..40i64),
                blocks,
                rank: c.rank(),
                split: Split {
                    name: "train".into(),
                    train: whole.train.select(&rows),
                    test: Interactions::new(Vec::new(), Vec::new()),
                },
                train_positions: rows.iter().map(|&k| k as u64).collect(),
            };
            carve(&shard, c)
        })
    }

    /// The ranks' parts of a carve-out, put together, are `one`: the same name, and each
    /// user's rows, in order, on the same sides.
    fn assert_same_carve(parts: &[Split], one: &Split, n: usize) {
        let by_user = |x: Vec<(u32, u32)>| {
            let mut x = x;
            x.sort_by_key(|p| p.0);
            x
        };
        let (mut fit, mut valid) = (Vec::new(), Vec::new());
        for p in parts {
            assert_eq!(p.name, one.name);
            fit.extend(pairs(&p.train));
            valid.extend(pairs(&p.test));
        }
        assert_eq!(by_user(valid), by_user(pairs(&one.test)), "N = {n}");
        assert_eq!(by_user(fit), by_user(pairs(&one.train)), "N = {n}");
    }

    fn whole() -> Split {
        Split {
            name: "train".into(),
            train: train(),
            test: Interactions::new(Vec::new(), Vec::new()),
        }
    }

    #[test]
    fn ranks_carve_per_user_what_one_process_carves() {
        let whole = whole();
        let one = whole.carve_validation_per_user(0.2, 7, 60);
        assert!(!one.test.is_empty() && one.test.len() < whole.train.len() / 3);
        for n in [1, 2, 3, 4] {
            let parts = carve_on_ranks(&whole, n, |s, c| carve_validation_per_user(s, 0.2, 7, c));
            assert_same_carve(&parts, &one, n);
        }
    }

    #[test]
    fn ranks_carve_at_random_what_one_process_carves() {
        let whole = whole();
        for (fraction, seed) in [(0.2, 7), (0.5, 1), (0.01, 3)] {
            let one = whole.carve_validation(fraction, seed);
            assert!(!one.test.is_empty());
            for n in [1, 2, 3, 4] {
                let parts =
                    carve_on_ranks(&whole, n, |s, c| carve_validation(s, fraction, seed, c));
                assert_same_carve(&parts, &one, n);
            }
        }
    }

    #[test]
    fn the_picked_rows_are_the_random_splits_test_rows() {
        for (n, fraction, seed) in [(1, 0.5, 0), (9, 0.3, 2), (1000, 0.1, 5)] {
            let rows = Interactions::new(vec![0; n], (0..n as u32).collect());
            let split = gnnrec_data::split::random_split(&rows, fraction, seed);
            let bits = picked_rows(n as u64, fraction, seed);
            let picked: Vec<u32> = (0..n as u32)
                .filter(|&p| is_picked(&bits, u64::from(p)))
                .collect();
            assert_eq!(picked, split.test.items, "{n} rows");
            let every: Vec<u64> = (0..n as u64).collect();
            let below = picked_below(&bits, &every);
            for (p, &b) in below.iter().enumerate() {
                let want = picked.iter().filter(|&&q| (q as usize) < p).count();
                assert_eq!(b, want as u64, "row {p} of {n}");
            }
        }
    }
}
