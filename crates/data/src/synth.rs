//! Synthetic interaction sets with power-law degrees, in the LightGCN format, so that cost
//! can be measured as the data grows without downloads (`gnnrec data synth`).
//!
//! User degrees follow a Pareto law with a floor (gowalla's split is 10-core: every user has
//! at least 10 interactions) whose exponent is set so that the mean is
//! `interactions / users`; each user's items are drawn without repeats by item popularity,
//! itself a power law (`(rank + 1)^-0.8`, on randomly permuted item ids so that popularity
//! says nothing about an id). Each user's items are split 80/20 into train and test (at
//! least one test item for users with two or more).

use std::fmt::Write as _;
use std::path::Path;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;
use rand_distr::weighted::WeightedAliasIndex;

use crate::error::{DataError, Result};
use crate::fsutil::write_atomic;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthSpec {
    /// Users.
    pub users: usize,
    /// Items.
    pub items: usize,
    /// Interactions (train + test), approximately: user degrees are drawn around the mean.
    pub interactions: usize,
    /// Seed of every draw.
    pub seed: u64,
}

/// A generated set: per user, train items then test items (distinct, ascending each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synth {
    /// Training items of each user.
    pub train: Vec<Vec<u32>>,
    /// Test items of each user.
    pub test: Vec<Vec<u32>>,
}

/// Share of each user's items held out for test.
const TEST_SHARE: f64 = 0.2;
/// Exponent of item popularity by rank.
const ITEM_EXPONENT: f64 = 0.8;

impl SynthSpec {
    /// Checks the sizes make sense (a mean degree of at least 2, below the item count).
    pub fn check(&self) -> Result<()> {
        let bad = |reason: String| DataError::Option {
            option: "data synth".into(),
            reason,
        };
        if self.users == 0 || self.items < 2 || self.interactions < 2 * self.users {
            return Err(bad(format!(
                "need users ≥ 1, items ≥ 2 and interactions ≥ 2 × users (got {} users, {} items, {} interactions)",
                self.users, self.items, self.interactions
            )));
        }
        if self.interactions / self.users > self.items / 2 {
            return Err(bad(
                "the mean user degree must be at most half the items".into()
            ));
        }
        if self.users >= u32::MAX as usize || self.items >= u32::MAX as usize {
            return Err(bad("users and items must fit in 32 bits".into()));
        }
        Ok(())
    }

    /// Generates the set.
    pub fn generate(&self) -> Result<Synth> {
        self.check()?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mean = self.interactions as f64 / self.users as f64;
        let floor = (mean / 3.0).clamp(1.0, 10.0);
        // Pareto(floor, a) has mean a·floor/(a − 1): a = mean / (mean − floor).
        let a = mean / (mean - floor);
        let cap = (self.items / 2).max(1) as f64;
        let mut ids: Vec<u32> = (0..self.items as u32).collect();
        ids.shuffle(&mut rng);
        let weights: Vec<f64> = (0..self.items)
            .map(|r| ((r + 1) as f64).powf(-ITEM_EXPONENT))
            .collect();
        let popularity = WeightedAliasIndex::new(weights).expect("positive finite weights");
        let mut train = Vec::with_capacity(self.users);
        let mut test = Vec::with_capacity(self.users);
        // Degrees drawn, capped, then scaled so that they sum to the asked total (the
        // Pareto law's mean converges slowly, and the cap cuts its tail).
        let raw: Vec<f64> = (0..self.users)
            .map(|_| {
                let x: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
                (floor * x.powf(-1.0 / a)).min(cap)
            })
            .collect();
        let mut scale = 1.0;
        for _ in 0..4 {
            let total: f64 = raw.iter().map(|d| (d * scale).clamp(floor, cap)).sum();
            scale *= self.interactions as f64 / total;
        }
        let mut seen = vec![u32::MAX; self.items];
        for (u, d) in raw.iter().enumerate() {
            let degree = (d * scale).clamp(floor, cap).round().max(1.0) as usize;
            let mut items = Vec::with_capacity(degree);
            while items.len() < degree {
                let i = ids[popularity.sample(&mut rng)];
                if seen[i as usize] != u as u32 {
                    seen[i as usize] = u as u32;
                    items.push(i);
                }
            }
            items.shuffle(&mut rng);
            let n_test = if degree >= 2 {
                ((degree as f64 * TEST_SHARE).round() as usize).clamp(1, degree - 1)
            } else {
                0
            };
            let mut te = items.split_off(degree - n_test);
            items.sort_unstable();
            te.sort_unstable();
            train.push(items);
            test.push(te);
        }
        Ok(Synth { train, test })
    }
}

impl Synth {
    /// Interactions in train and test.
    pub fn len(&self) -> usize {
        self.train.iter().chain(&self.test).map(Vec::len).sum()
    }

    /// Whether there are no interactions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes `train.txt` and `test.txt` (one line per user: `user item item …`) into `dir`,
    /// each atomically; users without test items get no test line, as in gowalla.
    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|source| DataError::Io {
            file: dir.display().to_string(),
            source,
        })?;
        for (name, lists) in [("train.txt", &self.train), ("test.txt", &self.test)] {
            let mut text = String::new();
            for (u, items) in lists.iter().enumerate() {
                if items.is_empty() {
                    continue;
                }
                let _ = write!(text, "{u}");
                for i in items {
                    let _ = write!(text, " {i}");
                }
                text.push('\n');
            }
            let path = dir.join(name);
            write_atomic(&path, |w| w.write_all(text.as_bytes())).map_err(|source| {
                DataError::Io {
                    file: path.display().to_string(),
                    source,
                }
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrees_have_the_asked_mean_a_floor_and_a_heavy_tail() {
        let spec = SynthSpec {
            users: 3_000,
            items: 4_000,
            interactions: 100_000,
            seed: 7,
        };
        let s = spec.generate().unwrap();
        let n = s.len() as f64;
        assert!((n / 100_000.0 - 1.0).abs() < 0.1, "{n} interactions");
        let degrees: Vec<usize> = (0..3_000)
            .map(|u| s.train[u].len() + s.test[u].len())
            .collect();
        assert!(degrees.iter().all(|&d| d >= 10));
        let max = *degrees.iter().max().unwrap();
        assert!(max > 5 * 33, "a heavy tail: max degree {max}");
        // Item popularity is skewed: the most popular item is far above the mean.
        let mut counts = vec![0usize; 4_000];
        for i in s.train.iter().chain(&s.test).flatten() {
            counts[*i as usize] += 1;
        }
        let top = *counts.iter().max().unwrap() as f64;
        assert!(top > 10.0 * n / 4_000.0, "top item {top}");
        // Items are distinct per user; test is about a fifth; the same seed gives the same set.
        for ((train, test), &degree) in s.train.iter().zip(&s.test).zip(&degrees) {
            let mut all: Vec<u32> = train.iter().chain(test).copied().collect();
            all.sort_unstable();
            all.dedup();
            assert_eq!(all.len(), degree);
            assert!(!test.is_empty());
        }
        let test: usize = s.test.iter().map(Vec::len).sum();
        assert!((test as f64 / n - 0.2).abs() < 0.02);
        assert_eq!(spec.generate().unwrap(), s);
    }

    #[test]
    fn it_writes_files_the_adjacency_loader_reads() {
        let spec = SynthSpec {
            users: 50,
            items: 80,
            interactions: 1_000,
            seed: 1,
        };
        let s = spec.generate().unwrap();
        let dir = tempfile::tempdir().unwrap();
        s.write(&dir.path().join("synth")).unwrap();
        let d = crate::loaders::adjacency::load(&dir.path().join("synth"), "synth").unwrap();
        assert_eq!(d.interactions.len(), s.len());
        assert!(
            SynthSpec {
                interactions: 10,
                ..spec
            }
            .generate()
            .is_err()
        );
    }
}
