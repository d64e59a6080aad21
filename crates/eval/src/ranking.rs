//! Full-ranking top-K evaluation, the LightGCN protocol.
//!
//! For every user with at least one test item, all items are ranked except that user's
//! training items ([`crate::top_k`]'s order: score, then lower item index). With `hits@K` the
//! number of test items among the first K:
//!
//! - recall@K = hits / |test items|; precision@K = hits / K; hit-rate@K = 1 if hits > 0;
//! - NDCG@K = Σ over hit positions p (0-based) of 1 / log2(p + 2), divided by the ideal
//!   Σ_{p < min(|test items|, K)} 1 / log2(p + 2) (binary relevance);
//! - each averaged over the evaluated users.
//!
//! A test item that is also a training item of the same user is never ranked, so it can never
//! be hit, but it still counts in |test items| (as in the reference implementation).
//! Also reported: item coverage@K (distinct recommended items / all items) and the mean
//! training popularity of recommended items.
//!
//! Scores are computed in blocks of users × all items in parallel; memory is bounded by
//! `threads × block × n_items` floats, never users × items.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::scorer::Scorer;
use crate::topk::top_k;
use crate::user_items::UserItems;

/// Users scored together in one block.
pub const DEFAULT_BLOCK: usize = 64;

/// One user's ranked list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranked {
    /// The user index.
    pub user: u32,
    /// Item indices, best first.
    pub items: Vec<u32>,
    /// Their scores.
    pub scores: Vec<f32>,
}

/// Ranks the top `k` items of each of `users`, excluding each user's items in `exclude`.
/// The result is in the order of `users`, and independent of the number of threads.
pub fn rank_users(
    scorer: &dyn Scorer,
    exclude: &UserItems,
    users: &[u32],
    k: usize,
    block: usize,
) -> Vec<Ranked> {
    let n = scorer.n_items();
    let blocks: Vec<Vec<Ranked>> = users
        .par_chunks(block.max(1))
        .map_init(Vec::new, |buf: &mut Vec<f32>, chunk| {
            buf.resize(chunk.len() * n, 0.0);
            scorer.score_users(chunk, &mut buf[..chunk.len() * n]);
            chunk
                .iter()
                .enumerate()
                .map(|(r, &u)| {
                    let row = &buf[r * n..(r + 1) * n];
                    let items = top_k(row, exclude.of(u), k);
                    let scores = items.iter().map(|&i| row[i as usize]).collect();
                    Ranked {
                        user: u,
                        items,
                        scores,
                    }
                })
                .collect()
        })
        .collect();
    blocks.into_iter().flatten().collect()
}

/// Metrics at one cut-off K.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AtK {
    /// The cut-off.
    pub k: usize,
    /// Mean recall@K.
    pub recall: f64,
    /// Mean precision@K.
    pub precision: f64,
    /// Mean NDCG@K.
    pub ndcg: f64,
    /// Share of users with at least one hit in the top K.
    pub hit_rate: f64,
    /// Distinct items recommended to anyone in a top K, over all items.
    pub coverage: f64,
    /// Mean training popularity (interaction count) of recommended items.
    pub mean_popularity: f64,
}

/// The result of a full-ranking evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankingMetrics {
    /// Users evaluated (those with at least one test item).
    pub users: usize,
    /// One entry per K, ascending.
    pub at: Vec<AtK>,
}

impl RankingMetrics {
    /// Flat `name@K → value` pairs: `recall@20`, `precision@20`, `ndcg@20`, `hit@20`,
    /// `coverage@20`, `popularity@20`.
    pub fn to_map(&self) -> BTreeMap<String, f64> {
        let mut m = BTreeMap::new();
        for a in &self.at {
            m.insert(format!("recall@{}", a.k), a.recall);
            m.insert(format!("precision@{}", a.k), a.precision);
            m.insert(format!("ndcg@{}", a.k), a.ndcg);
            m.insert(format!("hit@{}", a.k), a.hit_rate);
            m.insert(format!("coverage@{}", a.k), a.coverage);
            m.insert(format!("popularity@{}", a.k), a.mean_popularity);
        }
        m
    }

    /// The metrics at cut-off `k`, if computed.
    pub fn at_k(&self, k: usize) -> Option<&AtK> {
        self.at.iter().find(|a| a.k == k)
    }
}

/// Users with at least one item in `test`, ascending.
pub fn test_users(test: &UserItems) -> Vec<u32> {
    (0..test.n_users() as u32)
        .filter(|&u| !test.of(u).is_empty())
        .collect()
}

/// Evaluates `scorer` by the LightGCN protocol (module docs) at every K in `ks`.
/// `popularity[i]` is item `i`'s number of training interactions.
pub fn evaluate_ranking(
    scorer: &dyn Scorer,
    train: &UserItems,
    test: &UserItems,
    popularity: &[u32],
    ks: &[usize],
) -> RankingMetrics {
    let users = test_users(test);
    let k_max = ks.iter().copied().max().unwrap_or(0);
    let ranked = rank_users(scorer, train, &users, k_max, DEFAULT_BLOCK);
    metrics_from_rankings(&ranked, test, popularity, ks, scorer.n_items())
}

/// Computes the metrics of given rankings (one per evaluated user) against `test`.
pub fn metrics_from_rankings(
    ranked: &[Ranked],
    test: &UserItems,
    popularity: &[u32],
    ks: &[usize],
    n_items: usize,
) -> RankingMetrics {
    RankingSums::of(ranked, test, popularity, ks, n_items).finish()
}

/// The sums behind [`RankingMetrics`] for one set of users: what shards of users add up
/// before the means are taken (a distributed evaluation sums them over its ranks).
#[derive(Debug, Clone, PartialEq)]
pub struct RankingSums {
    /// Users ranked.
    pub users: usize,
    /// The cut-offs, ascending.
    pub ks: Vec<usize>,
    /// Per cut-off: recall, precision, NDCG, hits, popularity sum and count.
    pub sums: Vec<[f64; 6]>,
    /// Per cut-off and item (`ks.len() × n_items`): 1 where the item was recommended.
    pub seen: Vec<f64>,
}

impl RankingSums {
    /// The sums of `ranked` against `test` at every K of `ks`.
    pub fn of(
        ranked: &[Ranked],
        test: &UserItems,
        popularity: &[u32],
        ks: &[usize],
        n_items: usize,
    ) -> RankingSums {
        let mut ks: Vec<usize> = ks.to_vec();
        ks.sort_unstable();
        ks.dedup();
        let k_max = ks.last().copied().unwrap_or(0);
        let discount: Vec<f64> = (0..k_max).map(|p| 1.0 / ((p + 2) as f64).log2()).collect();
        let ideal: Vec<f64> = std::iter::once(0.0)
            .chain(discount.iter().scan(0.0, |acc, d| {
                *acc += d;
                Some(*acc)
            }))
            .collect();
        let mut sums = Vec::with_capacity(ks.len());
        let mut seen = vec![0.0; ks.len() * n_items];
        for (slot, &k) in ks.iter().enumerate() {
            let seen = &mut seen[slot * n_items..(slot + 1) * n_items];
            let (mut recall, mut precision, mut ndcg, mut hit) = (0.0, 0.0, 0.0, 0.0);
            let (mut pop_sum, mut pop_n) = (0.0f64, 0.0f64);
            for r in ranked {
                let truth = test.of(r.user);
                let mut hits = 0usize;
                let mut dcg = 0.0;
                for (p, &i) in r.items.iter().take(k).enumerate() {
                    seen[i as usize] = 1.0;
                    pop_sum += popularity.get(i as usize).copied().unwrap_or(0) as f64;
                    pop_n += 1.0;
                    if truth.binary_search(&i).is_ok() {
                        hits += 1;
                        dcg += discount[p];
                    }
                }
                recall += hits as f64 / truth.len() as f64;
                precision += hits as f64 / k as f64;
                ndcg += dcg / ideal[truth.len().min(k)];
                hit += f64::from(u8::from(hits > 0));
            }
            sums.push([recall, precision, ndcg, hit, pop_sum, pop_n]);
        }
        RankingSums {
            users: ranked.len(),
            ks,
            sums,
            seen,
        }
    }

    /// Everything as one vector of floats (users first), to be summed element-wise with
    /// other shards' (an all-reduce); [`RankingSums::from_flat`] reads it back.
    pub fn to_flat(&self) -> Vec<f64> {
        let mut v = vec![self.users as f64];
        v.extend(self.sums.iter().flatten());
        v.extend(&self.seen);
        v
    }

    /// Sums of the cut-offs `self.ks` read back from `flat` (of [`RankingSums::to_flat`]
    /// or an element-wise sum of several); a recommended-anywhere flag is any count above 0.
    pub fn from_flat(&self, flat: &[f64]) -> RankingSums {
        let n = self.ks.len();
        RankingSums {
            users: flat[0] as usize,
            ks: self.ks.clone(),
            sums: (0..n)
                .map(|j| std::array::from_fn(|m| flat[1 + 6 * j + m]))
                .collect(),
            seen: flat[1 + 6 * n..]
                .iter()
                .map(|&c| f64::from(u8::from(c > 0.0)))
                .collect(),
        }
    }

    /// The means: the metrics these sums make.
    pub fn finish(&self) -> RankingMetrics {
        let n_items = self.seen.len() / self.ks.len().max(1);
        let n = self.users.max(1) as f64;
        let at = self
            .ks
            .iter()
            .zip(&self.sums)
            .enumerate()
            .map(|(slot, (&k, s))| {
                let seen = &self.seen[slot * n_items..(slot + 1) * n_items];
                AtK {
                    k,
                    recall: s[0] / n,
                    precision: s[1] / n,
                    ndcg: s[2] / n,
                    hit_rate: s[3] / n,
                    coverage: seen.iter().filter(|&&x| x > 0.0).count() as f64
                        / n_items.max(1) as f64,
                    mean_popularity: s[4] / s[5].max(1.0),
                }
            })
            .collect();
        RankingMetrics {
            users: self.users,
            at,
        }
    }
}
