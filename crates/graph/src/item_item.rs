//! Item–item relationship graphs from co-occurrence in users' training histories.
//!
//! Two items are linked when some user interacted with both. The raw co-occurrence count of
//! `i` and `j` is the entry of `RᵀR` for the binary user–item matrix `R`, computed row by row
//! in parallel with one dense accumulator per worker (so memory stays O(items) per thread
//! plus the kept edges). The weight of an edge is one of:
//!
//! | [`EdgeWeight`] | weight of (i, j) |
//! |---|---|
//! | `Count` | c = number of users with both |
//! | `Cosine` | c / √(dᵢ dⱼ), d = item degree |
//! | `Jaccard` | c / (dᵢ + dⱼ − c) |
//! | `Time` | c / (1 + mean over those users of \|tᵤᵢ − tᵤⱼ\| in days) — the reference notebook's weight |
//! | `Decay` | Σᵤ exp(−\|tᵤᵢ − tᵤⱼ\| / τ), τ = [`ItemGraphSpec::tau_days`] |
//!
//! With timestamps, `window_days` keeps only co-occurrences at most that far apart, and
//! interactions without a time ([`gnnrec_data::MISSING_TIME`]) are skipped by the
//! time weights. `min_support` drops pairs seen fewer times; `top_k` keeps each item's
//! heaviest neighbours (ties to the lower index), so large catalogues stay sparse.

use gnnrec_data::Interactions;
use gnnrec_data::MISSING_TIME;
use rayon::prelude::*;
use thiserror::Error;

use crate::csr::Csr;

/// How an item–item edge is weighted: the one type the graph builder, the models' configs
/// (serde, lower-case names) and the command line (`FromStr`, [`EdgeWeight::HELP`]) share.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeWeight {
    /// Co-occurrence count.
    Count,
    /// Count over the geometric mean of the item degrees.
    #[default]
    Cosine,
    /// Count over the size of the union of the two items' users.
    Jaccard,
    /// Count / (1 + mean |Δt| in days).
    Time,
    /// Σ exp(−|Δt| / τ), τ in days ([`ItemGraphSpec::tau_days`]).
    Decay,
}

impl EdgeWeight {
    /// Every weight, in the order of [`EdgeWeight::NAMES`].
    pub const ALL: [EdgeWeight; 5] = [
        EdgeWeight::Count,
        EdgeWeight::Cosine,
        EdgeWeight::Jaccard,
        EdgeWeight::Time,
        EdgeWeight::Decay,
    ];
    /// The names of the weights, as parsed and serialised.
    pub const NAMES: [&'static str; 5] = ["count", "cosine", "jaccard", "time", "decay"];
    /// One line per weight, for help texts.
    pub const HELP: &'static str = "count: users in common; cosine: count / √(degree product); \
        jaccard: count / users of either; time: count / (1 + mean |Δt| in days); \
        decay: Σ exp(−|Δt| / τ)";

    /// Whether the weight needs interaction times.
    pub fn needs_time(self) -> bool {
        matches!(self, EdgeWeight::Time | EdgeWeight::Decay)
    }

    /// The weight's name.
    pub fn name(self) -> &'static str {
        EdgeWeight::NAMES[self as usize]
    }
}

impl std::fmt::Display for EdgeWeight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for EdgeWeight {
    type Err = String;

    /// Parses a weight's name.
    ///
    /// ```
    /// use gnnrec_graph::EdgeWeight;
    /// assert_eq!("decay".parse::<EdgeWeight>(), Ok(EdgeWeight::Decay));
    /// assert!("pearson".parse::<EdgeWeight>().unwrap_err().contains("count, cosine"));
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EdgeWeight::NAMES
            .iter()
            .position(|n| *n == s.trim())
            .map(|k| EdgeWeight::ALL[k])
            .ok_or_else(|| {
                format!(
                    "unknown item-graph weight `{s}`; use {}",
                    EdgeWeight::NAMES.join(", ")
                )
            })
    }
}

/// What to build.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemGraphSpec {
    /// The edge weight.
    pub weight: EdgeWeight,
    /// Keep pairs co-occurring in at least this many users.
    pub min_support: u32,
    /// Keep each item's `top_k` heaviest neighbours (`None`: all).
    pub top_k: Option<usize>,
    /// Count only co-occurrences at most this many days apart (needs times).
    pub window_days: Option<f64>,
    /// The decay scale τ in days of [`EdgeWeight::Decay`].
    pub tau_days: f64,
}

impl Default for ItemGraphSpec {
    fn default() -> Self {
        ItemGraphSpec {
            weight: EdgeWeight::Cosine,
            min_support: 1,
            top_k: None,
            window_days: None,
            tau_days: 30.0,
        }
    }
}

/// Why a graph cannot be built.
#[derive(Debug, Error, PartialEq)]
pub enum ItemGraphError {
    /// A time weight or window was asked of interactions without timestamps.
    #[error("the {0} needs interaction timestamps, and this dataset has none")]
    NeedsTime(&'static str),
    /// τ must be positive.
    #[error("the decay scale τ must be positive, got {0}")]
    BadTau(f64),
}

const SECONDS_PER_DAY: f64 = 86_400.0;

/// Builds the item–item graph of `train` as an `n_items × n_items` CSR matrix (no self loops).
/// Without `top_k` the matrix is symmetric; with it, row `i` holds `i`'s kept neighbours.
pub fn item_graph(
    train: &Interactions,
    n_users: usize,
    n_items: usize,
    spec: &ItemGraphSpec,
) -> Result<Csr, ItemGraphError> {
    let timed = spec.weight.needs_time() || spec.window_days.is_some();
    let tau_days = spec.tau_days;
    if spec.weight == EdgeWeight::Decay && (tau_days.is_nan() || tau_days <= 0.0) {
        return Err(ItemGraphError::BadTau(tau_days));
    }
    let times = match (timed, &train.timestamps) {
        (false, _) => None,
        (true, Some(t)) => Some(t.as_slice()),
        (true, None) => {
            return Err(ItemGraphError::NeedsTime(if spec.weight.needs_time() {
                "time-weighted edge"
            } else {
                "time window"
            }));
        }
    };
    let by_user = Adjacency::new(n_users, &train.users, &train.items, times);
    let by_item = Adjacency::new(n_items, &train.items, &train.users, times);
    let degree: Vec<f64> = (0..n_items).map(|i| by_item.len(i) as f64).collect();

    let rows: Vec<(Vec<u32>, Vec<f32>)> = (0..n_items)
        .into_par_iter()
        .map_init(
            || Accumulator::new(n_items),
            |acc, i| {
                for (u, t_ui) in by_item.entries(i) {
                    for (j, t_uj) in by_user.entries(u as usize) {
                        if j as usize == i {
                            continue;
                        }
                        let dt_days = match (t_ui, t_uj) {
                            (Some(a), Some(b)) if a != MISSING_TIME && b != MISSING_TIME => {
                                Some((a - b).unsigned_abs() as f64 / SECONDS_PER_DAY)
                            }
                            _ => None,
                        };
                        if let Some(w) = spec.window_days
                            && dt_days.is_none_or(|d| d > w)
                        {
                            continue;
                        }
                        acc.add(j, dt_days, spec);
                    }
                }
                acc.drain_row(i, &degree, spec)
            },
        )
        .collect();

    Ok(Csr::from_rows(n_items, rows))
}

/// Rows of (neighbour, time) lists: users → items or items → users.
struct Adjacency {
    indptr: Vec<usize>,
    other: Vec<u32>,
    time: Option<Vec<i64>>,
}

impl Adjacency {
    fn new(n: usize, from: &[u32], to: &[u32], times: Option<&[i64]>) -> Self {
        let mut indptr = vec![0usize; n + 1];
        for &f in from {
            indptr[f as usize + 1] += 1;
        }
        for r in 0..n {
            indptr[r + 1] += indptr[r];
        }
        let mut fill = indptr.clone();
        let mut other = vec![0u32; from.len()];
        let mut time = times.map(|_| vec![0i64; from.len()]);
        for k in 0..from.len() {
            let slot = &mut fill[from[k] as usize];
            other[*slot] = to[k];
            if let (Some(t), Some(src)) = (time.as_mut(), times) {
                t[*slot] = src[k];
            }
            *slot += 1;
        }
        Adjacency {
            indptr,
            other,
            time,
        }
    }

    fn len(&self, r: usize) -> usize {
        self.indptr[r + 1] - self.indptr[r]
    }

    fn entries(&self, r: usize) -> impl Iterator<Item = (u32, Option<i64>)> + '_ {
        (self.indptr[r]..self.indptr[r + 1])
            .map(move |k| (self.other[k], self.time.as_ref().map(|t| t[k])))
    }
}

/// A dense per-worker accumulator over the items of one row, with the touched list.
struct Accumulator {
    count: Vec<u32>,
    /// Σ |Δt| (days) for `Time`, Σ exp(−|Δt|/τ) for `Decay`.
    time_sum: Vec<f64>,
    /// Co-occurrences with a known Δt (the mean's denominator).
    timed: Vec<u32>,
    touched: Vec<u32>,
}

impl Accumulator {
    fn new(n: usize) -> Self {
        Accumulator {
            count: vec![0; n],
            time_sum: vec![0.0; n],
            timed: vec![0; n],
            touched: Vec::new(),
        }
    }

    fn add(&mut self, j: u32, dt_days: Option<f64>, spec: &ItemGraphSpec) {
        let j = j as usize;
        if self.count[j] == 0 {
            self.touched.push(j as u32);
        }
        self.count[j] += 1;
        if let Some(d) = dt_days {
            self.timed[j] += 1;
            match spec.weight {
                EdgeWeight::Time => self.time_sum[j] += d,
                EdgeWeight::Decay => self.time_sum[j] += (-d / spec.tau_days).exp(),
                _ => {}
            }
        }
    }

    /// Row `i`'s kept edges, sorted by column; resets the accumulator.
    fn drain_row(
        &mut self,
        i: usize,
        degree: &[f64],
        spec: &ItemGraphSpec,
    ) -> (Vec<u32>, Vec<f32>) {
        let mut edges: Vec<(u32, f32)> = Vec::with_capacity(self.touched.len());
        for &j in &self.touched {
            let ju = j as usize;
            let c = self.count[ju];
            if c >= spec.min_support {
                let cf = c as f64;
                let w = match spec.weight {
                    EdgeWeight::Count => cf,
                    EdgeWeight::Cosine => cf / (degree[i] * degree[ju]).sqrt(),
                    EdgeWeight::Jaccard => cf / (degree[i] + degree[ju] - cf),
                    EdgeWeight::Time => match self.timed[ju] {
                        0 => 0.0,
                        n => cf / (1.0 + self.time_sum[ju] / n as f64),
                    },
                    EdgeWeight::Decay => self.time_sum[ju],
                };
                if w > 0.0 {
                    edges.push((j, w as f32));
                }
            }
            self.count[ju] = 0;
            self.time_sum[ju] = 0.0;
            self.timed[ju] = 0;
        }
        self.touched.clear();
        if let Some(k) = spec.top_k
            && edges.len() > k
        {
            edges.select_nth_unstable_by(k, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            edges.truncate(k);
        }
        edges.sort_unstable_by_key(|e| e.0);
        edges.into_iter().unzip()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// users 0..3, items 0..3: u0 {0,1,2}, u1 {0,1}, u2 {1,3}.
    fn toy() -> Interactions {
        let mut x = Interactions::new(vec![0, 0, 0, 1, 1, 2, 2], vec![0, 1, 2, 0, 1, 1, 3]);
        // days: u0 at 0, 1, 3; u1 at 0, 10; u2 at 5, 5.
        x.timestamps = Some([0, 1, 3, 0, 10, 5, 5].iter().map(|d| d * 86_400).collect());
        x
    }

    fn dense(m: &Csr) -> Vec<Vec<f32>> {
        m.to_dense()
            .chunks(m.n_cols())
            .map(|r| r.to_vec())
            .collect()
    }

    fn build(weight: EdgeWeight) -> Vec<Vec<f32>> {
        let spec = ItemGraphSpec {
            weight,
            ..Default::default()
        };
        dense(&item_graph(&toy(), 3, 4, &spec).unwrap())
    }

    #[test]
    fn counts_are_r_transpose_r_without_the_diagonal() {
        let c = build(EdgeWeight::Count);
        assert_eq!(c[0], [0.0, 2.0, 1.0, 0.0]);
        assert_eq!(c[1], [2.0, 0.0, 1.0, 1.0]);
        assert_eq!(c[2], [1.0, 1.0, 0.0, 0.0]);
        assert_eq!(c[3], [0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn cosine_jaccard_time_and_decay_by_hand() {
        // degrees: item0 2, item1 3, item2 1, item3 1.
        let cos = build(EdgeWeight::Cosine);
        assert!((cos[0][1] - 2.0 / 6f32.sqrt()).abs() < 1e-6);
        let jac = build(EdgeWeight::Jaccard);
        assert!((jac[0][1] - 2.0 / 3.0).abs() < 1e-6);
        assert!((jac[1][3] - 1.0 / 3.0).abs() < 1e-6);
        // (0,1): u0 |0−1| = 1 day, u1 |0−10| = 10 days → 2 / (1 + 5.5).
        let time = build(EdgeWeight::Time);
        assert!((time[0][1] - 2.0 / 6.5).abs() < 1e-6);
        assert!((time[1][3] - 1.0).abs() < 1e-6); // same day
        let spec = ItemGraphSpec {
            weight: EdgeWeight::Decay,
            tau_days: 2.0,
            ..Default::default()
        };
        let decay = dense(&item_graph(&toy(), 3, 4, &spec).unwrap());
        let want = (-0.5f64).exp() + (-5.0f64).exp();
        assert!((decay[0][1] as f64 - want).abs() < 1e-6);
    }

    #[test]
    fn support_window_and_top_k_prune() {
        let x = toy();
        let support = ItemGraphSpec {
            weight: EdgeWeight::Count,
            min_support: 2,
            ..Default::default()
        };
        let m = dense(&item_graph(&x, 3, 4, &support).unwrap());
        assert_eq!(m[0], [0.0, 2.0, 0.0, 0.0]);
        assert_eq!(m[3], [0.0; 4]);
        let window = ItemGraphSpec {
            weight: EdgeWeight::Count,
            window_days: Some(2.0),
            ..Default::default()
        };
        let m = dense(&item_graph(&x, 3, 4, &window).unwrap());
        assert_eq!(m[0], [0.0, 1.0, 0.0, 0.0]); // u1's pair is 10 days apart; u0's (0,2) 3 days
        let top1 = ItemGraphSpec {
            weight: EdgeWeight::Count,
            top_k: Some(1),
            ..Default::default()
        };
        let m = item_graph(&x, 3, 4, &top1).unwrap();
        assert_eq!(m.row(1).0, [0]); // item 1: count 2 with item 0 beats 1 with items 2, 3
        assert_eq!(m.row(2).0, [0]); // a tie (1, 1) goes to the lower index
    }

    #[test]
    fn time_weights_need_times() {
        let x = Interactions::new(vec![0, 0], vec![0, 1]);
        let spec = ItemGraphSpec {
            weight: EdgeWeight::Time,
            ..Default::default()
        };
        assert_eq!(
            item_graph(&x, 1, 2, &spec),
            Err(ItemGraphError::NeedsTime("time-weighted edge"))
        );
        let bad = ItemGraphSpec {
            weight: EdgeWeight::Decay,
            tau_days: 0.0,
            ..Default::default()
        };
        assert_eq!(
            item_graph(&toy(), 3, 4, &bad),
            Err(ItemGraphError::BadTau(0.0))
        );
    }

    #[test]
    fn matches_a_naive_product_on_random_data() {
        use std::collections::HashSet;
        let mut seed = 12345u64;
        let mut next = |m: u32| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) % m as u64) as u32
        };
        let (nu, ni) = (30, 25);
        let mut pairs = HashSet::new();
        for _ in 0..200 {
            pairs.insert((next(nu), next(ni)));
        }
        let (users, items): (Vec<u32>, Vec<u32>) = pairs.iter().copied().unzip();
        let x = Interactions::new(users, items);
        let spec = ItemGraphSpec {
            weight: EdgeWeight::Count,
            ..Default::default()
        };
        let m = dense(&item_graph(&x, nu as usize, ni as usize, &spec).unwrap());
        for i in 0..ni {
            for j in 0..ni {
                let want = if i == j {
                    0
                } else {
                    (0..nu)
                        .filter(|&u| pairs.contains(&(u, i)) && pairs.contains(&(u, j)))
                        .count()
                };
                assert_eq!(m[i as usize][j as usize], want as f32, "({i}, {j})");
            }
        }
    }
}
