//! Uniform BPR triples (user, positive, negative), drawn in Rust.

use gnnrec_data::Interactions;
use gnnrec_eval::UserItems;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

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
    /// Negative items.
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

    /// One epoch of triples.
    pub fn epoch(&self, rng: &mut ChaCha8Rng) -> Triples {
        let n = self.n_train;
        let mut t = Triples {
            users: Vec::with_capacity(n),
            pos: Vec::with_capacity(n),
            neg: Vec::with_capacity(n),
        };
        if self.active_users.is_empty() {
            return t;
        }
        for _ in 0..n {
            let u = self.active_users[rng.random_range(0..self.active_users.len())];
            let items = self.positives.of(u);
            let p = items[rng.random_range(0..items.len())];
            // A user who has every item would loop forever: give up after many draws.
            let mut neg = rng.random_range(0..self.n_items);
            let mut tries = 0;
            while items.binary_search(&neg).is_ok() && tries < 1000 {
                neg = rng.random_range(0..self.n_items);
                tries += 1;
            }
            t.users.push(u);
            t.pos.push(p);
            t.neg.push(neg);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn negatives_are_never_positives() {
        let x = Interactions::new(vec![0, 0, 1, 3], vec![0, 1, 2, 3]);
        let s = BprSampler::new(&x, 4, 5);
        let t = s.epoch(&mut ChaCha8Rng::seed_from_u64(1));
        assert_eq!(t.users.len(), 4);
        for k in 0..4 {
            let pos = s.positives().of(t.users[k]);
            assert!(pos.contains(&t.pos[k]));
            assert!(!pos.contains(&t.neg[k]));
            assert_ne!(t.users[k], 2, "users without items are never drawn");
        }
        assert_eq!(t, s.epoch(&mut ChaCha8Rng::seed_from_u64(1)), "seeded");
    }
}
