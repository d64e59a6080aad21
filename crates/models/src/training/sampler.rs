//! BPR training triples (user, positive, negative), drawn in Rust: uniform negatives, or a
//! pool of uniform candidates per triple from which the model picks its hardest
//! ([`hardest_negatives`], dynamic negative sampling).

use gnnrec_data::Interactions;
use gnnrec_eval::UserItems;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Draws BPR training triples as the LightGCN reference does: per epoch as many triples as
/// training interactions; each picks a user uniformly among users with training items, a
/// positive uniformly among that user's items, and a negative uniformly among all items,
/// re-drawn while it is one of the user's positives.
#[derive(Debug, Clone)]
pub struct BprSampler {
    positives: UserItems,
    active_users: Vec<u32>,
    n_items: u32,
    n_train: usize,
}

/// One epoch's triples as parallel columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Triples {
    /// Users.
    pub users: Vec<u32>,
    /// Positive items.
    pub pos: Vec<u32>,
    /// Negative candidates: `pool` per triple, those of triple `k` at `k * pool..(k + 1) * pool`.
    pub neg: Vec<u32>,
}

impl BprSampler {
    /// A sampler over `train`.
    pub fn new(train: &Interactions, n_users: usize, n_items: usize) -> Self {
        let positives = UserItems::new(train, n_users);
        let active_users = (0..n_users as u32)
            .filter(|&u| !positives.of(u).is_empty())
            .collect();
        BprSampler {
            positives,
            active_users,
            n_items: n_items as u32,
            n_train: train.len(),
        }
    }

    /// The training items of each user.
    pub fn positives(&self) -> &UserItems {
        &self.positives
    }

    /// One epoch of triples with `pool` negative candidates each (1 = plain uniform BPR; the
    /// first candidate of every triple is the one a pool of 1 would draw).
    pub fn epoch(&self, rng: &mut ChaCha8Rng, pool: usize) -> Triples {
        self.draw(rng, pool, self.n_train)
    }

    /// Users with at least one training item (those a triple's user is drawn from).
    pub fn active_users(&self) -> usize {
        self.active_users.len()
    }

    /// `n` triples drawn as [`BprSampler::epoch`] draws them (a rank of a distributed run
    /// draws its users' share of the epoch).
    pub fn draw(&self, rng: &mut ChaCha8Rng, pool: usize, n: usize) -> Triples {
        let pool = pool.max(1);
        let mut t = Triples {
            users: Vec::with_capacity(n),
            pos: Vec::with_capacity(n),
            neg: Vec::with_capacity(n * pool),
        };
        if self.active_users.is_empty() {
            return t;
        }
        for _ in 0..n {
            let u = self.active_users[rng.random_range(0..self.active_users.len())];
            let items = self.positives.of(u);
            let p = items[rng.random_range(0..items.len())];
            t.users.push(u);
            t.pos.push(p);
            for _ in 0..pool {
                // A user who has every item would loop forever: give up after many draws.
                let mut neg = rng.random_range(0..self.n_items);
                let mut tries = 0;
                while items.binary_search(&neg).is_ok() && tries < 1000 {
                    neg = rng.random_range(0..self.n_items);
                    tries += 1;
                }
                t.neg.push(neg);
            }
        }
        t
    }
}

/// For each triple, the candidate the model scores highest: `candidates` holds
/// `users.len() * pool` items, `pool` per user in order, and `score(user, item)` is the
/// current model's score. Dynamic negative sampling (Zhang et al., SIGIR 2013): a negative the
/// model already ranks low teaches it nothing, the hardest of a uniform pool does.
///
/// ```
/// use gnnrec_models::sampler::hardest_negatives;
/// let score = |u: u32, i: u32| (u * 10 + i) as f32 % 7.0;
/// // user 0 scores items 3, 5, 6 as 3, 5, 6; user 1 scores 1, 2, 4 as 4, 5, 0.
/// assert_eq!(hardest_negatives(&[0, 1], &[3, 5, 6, 1, 2, 4], 3, score), [6, 2]);
/// ```
pub fn hardest_negatives(
    users: &[u32],
    candidates: &[u32],
    pool: usize,
    score: impl Fn(u32, u32) -> f32 + Sync,
) -> Vec<u32> {
    assert_eq!(
        candidates.len(),
        users.len() * pool,
        "pool candidates per user"
    );
    users
        .par_iter()
        .zip(candidates.par_chunks(pool))
        .map(|(&u, pool)| {
            let mut best = (f32::NEG_INFINITY, pool[0]);
            for &i in pool {
                let s = score(u, i);
                if s > best.0 {
                    best = (s, i);
                }
            }
            best.1
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn negatives_are_never_positives() {
        let x = Interactions::new(vec![0, 0, 1, 3], vec![0, 1, 2, 3]);
        let s = BprSampler::new(&x, 4, 5);
        let t = s.epoch(&mut ChaCha8Rng::seed_from_u64(1), 1);
        assert_eq!(t.users.len(), 4);
        for k in 0..4 {
            let pos = s.positives().of(t.users[k]);
            assert!(pos.contains(&t.pos[k]));
            assert!(!pos.contains(&t.neg[k]));
            assert_ne!(t.users[k], 2, "users without items are never drawn");
        }
        assert_eq!(t, s.epoch(&mut ChaCha8Rng::seed_from_u64(1), 1), "seeded");
    }

    #[test]
    fn a_pool_draws_that_many_non_positive_candidates_per_triple() {
        let x = Interactions::new(vec![0, 0, 1, 3], vec![0, 1, 2, 3]);
        let s = BprSampler::new(&x, 4, 6);
        let t = s.epoch(&mut ChaCha8Rng::seed_from_u64(2), 5);
        assert_eq!((t.users.len(), t.neg.len()), (4, 20));
        for (k, pool) in t.neg.chunks(5).enumerate() {
            let pos = s.positives().of(t.users[k]);
            assert!(pool.iter().all(|i| !pos.contains(i) && *i < 6));
        }
        // Five candidates from 4+ items: the pool is not one item repeated.
        assert!(t.neg.chunks(5).any(|p| p.iter().any(|&i| i != p[0])));
    }

    #[test]
    fn the_hardest_candidate_is_the_highest_scored_and_ties_keep_the_first() {
        let score = |_u: u32, i: u32| [0.5f32, 2.0, 2.0, -1.0][i as usize];
        assert_eq!(hardest_negatives(&[7], &[0, 2, 1, 3], 4, score), [2]);
        assert_eq!(hardest_negatives(&[7, 7], &[3, 0, 1, 3], 2, score), [0, 1]);
        assert_eq!(hardest_negatives(&[], &[], 3, score), Vec::<u32>::new());
    }
}
