//! The per-user validation carve-out of a sharded split, equal to the single process's.
//!
//! [`Split::carve_validation_per_user`] draws from one random stream, user by user in index
//! order, and how many draws a user takes depends on the values drawn. Ranks own contiguous
//! blocks of users in index order, so rank `r` carves its users from the stream's position
//! where rank `r − 1` left it: `N` rounds, one rank carving in each, then handing the position
//! on to all (16 bytes). The work is the single process's, done one rank after the other;
//! what travels is `16 · N` bytes per rank.
//!
//! The random carve-out ([`Split::carve_validation`]) is one shuffle of every training
//! interaction's index, which no rank holds: it has no sharded form here.

use gnnrec_data::Split;
use gnnrec_data::split::{mark_validation_per_user, partition};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::comm::Comm;
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

    #[test]
    fn ranks_carve_what_one_process_carves() {
        let whole = Split {
            name: "train".into(),
            train: train(),
            test: Interactions::new(Vec::new(), Vec::new()),
        };
        let one = whole.carve_validation_per_user(0.2, 7, 60);
        assert!(!one.test.is_empty() && one.test.len() < whole.train.len() / 3);
        for n in [1, 2, 3, 4] {
            let parts = LocalGroup::run(n, |c| {
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
                };
                carve_validation_per_user(&shard, 0.2, 7, c)
            });
            // Each user's rows, in order, on both sides.
            let by_user = |x: Vec<(u32, u32)>| {
                let mut x = x;
                x.sort_by_key(|p| p.0);
                x
            };
            let (mut fit, mut valid) = (Vec::new(), Vec::new());
            for p in &parts {
                assert_eq!(p.name, one.name);
                fit.extend(pairs(&p.train));
                valid.extend(pairs(&p.test));
            }
            assert_eq!(by_user(valid), by_user(pairs(&one.test)), "N = {n}");
            assert_eq!(by_user(fit), by_user(pairs(&one.train)), "N = {n}");
        }
    }
}
