//! Train/test splits: official ones by name, seeded random ratios, per-user temporal
//! splits, and a validation carve-out from train.
//!
//! Every split partitions the interactions it is given: no interaction is in both parts,
//! so nothing from a test set can reach training.

use std::fmt;
use std::str::FromStr;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Result};
use crate::interactions::Interactions;

/// A train/test partition of a dataset's interactions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Split {
    /// The split as it would be written on the command line (e.g. `u1`, `random:0.2:42`).
    pub name: String,
    /// Interactions models may learn from.
    pub train: Interactions,
    /// Held-out interactions for evaluation.
    pub test: Interactions,
}

/// Which interactions of a user go to the test side in a temporal split.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Holdout {
    /// The user's last `k` interactions by time.
    LastK(usize),
    /// The user's last fraction of interactions by time (rounded, at least one).
    LastFraction(f64),
}

/// How to split a dataset, as parsed from `--split`.
///
/// ```
/// use gnnrec_data::SplitSpec;
/// assert_eq!("u1".parse::<SplitSpec>().unwrap(), SplitSpec::Official("u1".into()));
/// assert_eq!(
///     "random:0.1:7".parse::<SplitSpec>().unwrap(),
///     SplitSpec::Random { test_fraction: 0.1, seed: 7 }
/// );
/// assert!("temporal:last=2".parse::<SplitSpec>().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SplitSpec {
    /// A split that ships with the dataset (`u1`…`u5`, `ua`, `ub`, `data1`, `train`).
    Official(String),
    /// A uniformly random split of all interactions.
    Random {
        /// Share of interactions held out, in (0, 1).
        test_fraction: f64,
        /// Seed of the shuffle.
        seed: u64,
    },
    /// Each user's most recent interactions held out.
    Temporal(Holdout),
}

impl fmt::Display for SplitSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitSpec::Official(n) => f.write_str(n),
            SplitSpec::Random {
                test_fraction,
                seed,
            } => write!(f, "random:{test_fraction}:{seed}"),
            SplitSpec::Temporal(Holdout::LastK(k)) => write!(f, "temporal:last={k}"),
            SplitSpec::Temporal(Holdout::LastFraction(x)) => write!(f, "temporal:frac={x}"),
        }
    }
}

impl FromStr for SplitSpec {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self> {
        let bad = |reason: &str| DataError::Split {
            spec: s.to_string(),
            reason: reason.to_string(),
        };
        let parts: Vec<&str> = s.split(':').collect();
        match parts[0] {
            "random" => {
                let test_fraction = match parts.get(1) {
                    Some(x) => x.parse().map_err(|_| bad("the fraction is not a number"))?,
                    None => 0.2,
                };
                let seed = match parts.get(2) {
                    Some(x) => x.parse().map_err(|_| bad("the seed is not an integer"))?,
                    None => 42,
                };
                if !(test_fraction > 0.0 && test_fraction < 1.0) || parts.len() > 3 {
                    return Err(bad("write random[:FRACTION[:SEED]] with 0 < FRACTION < 1"));
                }
                Ok(SplitSpec::Random {
                    test_fraction,
                    seed,
                })
            }
            "temporal" => {
                let arg = parts.get(1).copied().unwrap_or("frac=0.2");
                let holdout = if let Some(k) = arg.strip_prefix("last=") {
                    Holdout::LastK(k.parse().map_err(|_| bad("last=K needs an integer K"))?)
                } else if let Some(x) = arg.strip_prefix("frac=") {
                    let x: f64 = x.parse().map_err(|_| bad("frac=X needs a number X"))?;
                    if !(x > 0.0 && x < 1.0) {
                        return Err(bad("frac=X needs 0 < X < 1"));
                    }
                    Holdout::LastFraction(x)
                } else {
                    return Err(bad("write temporal:last=K or temporal:frac=X"));
                };
                Ok(SplitSpec::Temporal(holdout))
            }
            name if !name.is_empty() && parts.len() == 1 => Ok(SplitSpec::Official(name.into())),
            _ => Err(bad(
                "expected an official split name (u1, data1, train, …), random[:FRACTION[:SEED]], \
                 or temporal:last=K / temporal:frac=X",
            )),
        }
    }
}

/// Splits `all` uniformly at random: a seeded shuffle, the first `round(n · test_fraction)`
/// interactions to test. Both sides keep input order.
pub fn random_split(all: &Interactions, test_fraction: f64, seed: u64) -> Split {
    let n = all.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let n_test = ((n as f64) * test_fraction).round() as usize;
    let (test, train) = order.split_at_mut(n_test);
    test.sort_unstable();
    train.sort_unstable();
    Split {
        name: SplitSpec::Random {
            test_fraction,
            seed,
        }
        .to_string(),
        train: all.select(train),
        test: all.select(test),
    }
}

/// Splits each user's interactions by time: the most recent ones (per `holdout`) to test.
///
/// Ties in time are broken by input order. A user keeps at least one training interaction,
/// so a user with a single interaction is all train. Interactions at [`crate::MISSING_TIME`] count
/// as the oldest.
pub fn temporal_split(all: &Interactions, n_users: usize, holdout: Holdout) -> Result<Split> {
    let spec = SplitSpec::Temporal(holdout);
    let times = all.timestamps.as_ref().ok_or_else(|| DataError::Split {
        spec: spec.to_string(),
        reason: "this dataset has no timestamps".into(),
    })?;
    let mut by_user: Vec<Vec<usize>> = vec![Vec::new(); n_users];
    for (i, &u) in all.users.iter().enumerate() {
        by_user[u as usize].push(i);
    }
    let mut is_test = vec![false; all.len()];
    for rows in &mut by_user {
        rows.sort_by_key(|&i| (times[i], i));
        let n = rows.len();
        let k = match holdout {
            Holdout::LastK(k) => k,
            Holdout::LastFraction(x) => ((n as f64) * x).round().max(1.0) as usize,
        };
        let k = k.min(n.saturating_sub(1));
        for &i in &rows[n - k..] {
            is_test[i] = true;
        }
    }
    Ok(partition(all, &is_test, spec.to_string()))
}

/// The split with `is_test[i]` telling which side interaction `i` goes to.
pub fn partition(all: &Interactions, is_test: &[bool], name: String) -> Split {
    assert_eq!(is_test.len(), all.len());
    let (test, train): (Vec<usize>, Vec<usize>) = (0..all.len()).partition(|&i| is_test[i]);
    Split {
        name,
        train: all.select(&train),
        test: all.select(&test),
    }
}

impl Split {
    /// Carves a validation set out of **train** (a seeded random `fraction` of it): the result's
    /// `train` is the rest of train and its `test` is the validation set. The test side of
    /// `self` is not touched, so model selection never sees it.
    pub fn carve_validation(&self, fraction: f64, seed: u64) -> Split {
        let mut inner = random_split(&self.train, fraction, seed);
        inner.name = format!("{}/validation:{fraction}:{seed}", self.name);
        inner
    }

    /// Carves a validation set out of **train** per user: of every user with at least two
    /// training interactions, a seeded random `round(fraction · n)` of them (at least one,
    /// and never all) go to validation, so every such user is both trained and scored — the
    /// carve-out for benchmark splits without a validation set (gowalla, yelp2018). `n_users`
    /// bounds the user indices. The test side of `self` is not touched.
    pub fn carve_validation_per_user(&self, fraction: f64, seed: u64, n_users: usize) -> Split {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n = u32::try_from(n_users).expect("user indices fit in u32");
        let is_test = mark_validation_per_user(&self.train, 0..n, fraction, &mut rng);
        let name = format!("{}/validation-per-user:{fraction}:{seed}", self.name);
        partition(&self.train, &is_test, name)
    }
}

/// Which rows of `train` the per-user carve-out ([`Split::carve_validation_per_user`]) sends
/// to validation, for the users `users` (every row's user must be among them), drawing from
/// `rng` user by user in index order: of every user with at least two rows, a random
/// `round(fraction · n)` of them (at least one, never all). The draws go on from where `rng`
/// stands, so a range of users carved after the ones before it — by one process, or rank by
/// rank with the stream's position handed on — marks what one carve-out of all users marks.
pub fn mark_validation_per_user(
    train: &Interactions,
    users: std::ops::Range<u32>,
    fraction: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<bool> {
    let mut by_user: Vec<Vec<usize>> = vec![Vec::new(); users.len()];
    for (k, &u) in train.users.iter().enumerate() {
        assert!(
            users.contains(&u),
            "row {k}'s user {u} is outside {users:?}"
        );
        by_user[(u - users.start) as usize].push(k);
    }
    let mut is_test = vec![false; train.len()];
    for rows in &mut by_user {
        let n = rows.len();
        if n < 2 {
            continue;
        }
        let k = ((n as f64 * fraction).round() as usize).clamp(1, n - 1);
        rows.shuffle(rng);
        for &r in &rows[..k] {
            is_test[r] = true;
        }
    }
    is_test
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn toy(n: usize) -> Interactions {
        let mut x = Interactions::new(
            (0..n).map(|i| (i % 7) as u32).collect(),
            (0..n).map(|i| i as u32).collect(),
        );
        x.timestamps = Some((0..n).map(|i| (n - i) as i64).collect());
        x
    }

    fn pairs(x: &Interactions) -> HashSet<(u32, u32)> {
        x.users
            .iter()
            .copied()
            .zip(x.items.iter().copied())
            .collect()
    }

    #[test]
    fn random_split_partitions_and_is_seeded() {
        let all = toy(1000);
        let a = random_split(&all, 0.2, 42);
        assert_eq!(a.test.len(), 200);
        assert_eq!(a.train.len(), 800);
        assert!(pairs(&a.train).is_disjoint(&pairs(&a.test)));
        assert_eq!(a, random_split(&all, 0.2, 42));
        assert_ne!(a.test, random_split(&all, 0.2, 43).test);
    }

    #[test]
    fn temporal_split_holds_out_latest() {
        let all = toy(70); // 10 interactions per user; later rows are older
        let s = temporal_split(&all, 7, Holdout::LastK(2)).unwrap();
        assert_eq!(s.test.len(), 14);
        let ts = all.timestamps.as_ref().unwrap();
        for u in 0..7u32 {
            let newest_train = (0..70)
                .filter(|&i| all.users[i] == u && !pairs(&s.test).contains(&(u, all.items[i])))
                .map(|i| ts[i])
                .max()
                .unwrap();
            let oldest_test = (0..70)
                .filter(|&i| all.users[i] == u && pairs(&s.test).contains(&(u, all.items[i])))
                .map(|i| ts[i])
                .min()
                .unwrap();
            assert!(newest_train < oldest_test);
        }
        let f = temporal_split(&all, 7, Holdout::LastFraction(0.3)).unwrap();
        assert_eq!(f.test.len(), 21);
    }

    #[test]
    fn single_interaction_users_stay_in_train() {
        let mut x = Interactions::new(vec![0, 1, 1], vec![0, 0, 1]);
        x.timestamps = Some(vec![5, 1, 2]);
        let s = temporal_split(&x, 2, Holdout::LastK(1)).unwrap();
        assert_eq!(s.test.users, vec![1]);
        assert_eq!(s.test.items, vec![1]);
    }

    #[test]
    fn validation_comes_from_train_only() {
        let all = toy(500);
        let s = random_split(&all, 0.2, 1);
        let v = s.carve_validation(0.1, 2);
        assert_eq!(v.train.len() + v.test.len(), s.train.len());
        assert!(pairs(&v.test).is_disjoint(&pairs(&s.test)));
        assert!(pairs(&v.train).is_disjoint(&pairs(&s.test)));
    }

    #[test]
    fn spec_round_trips() {
        for s in [
            "u1",
            "random:0.2:42",
            "temporal:last=1",
            "temporal:frac=0.25",
        ] {
            assert_eq!(s.parse::<SplitSpec>().unwrap().to_string(), s);
        }
        assert!("random:1.5".parse::<SplitSpec>().is_err());
        assert!("temporal:oops".parse::<SplitSpec>().is_err());
    }
}
