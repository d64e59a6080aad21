//! EASE^R (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019),
//! `--model ease`: a closed-form item–item regression.
//!
//! With `X` the binary user × item training matrix, `G = XᵀX + λI` (plus, with `dropout`
//! p > 0, EDLAE's `p/(1−p)·diag(XᵀX)`) and `P = G⁻¹`, the weights
//! are `B = I − P · diag(1 / diag(P))`, i.e. `B_ij = −P_ij / P_jj` off the diagonal and
//! `B_ii = 0`; a user's scores are `x_u B`, the sum of the rows of `B` of their items. Any
//! item history is scored the same way, so new users need no retraining.
//!
//! The dense algebra (Cholesky factorisation and inverse of the `items × items` Gram matrix,
//! in `f32`) is faer's. `G` is accumulated in parallel over items from the users' item lists.
//! Memory grows as items² ([`bytes_needed`]): the registry refuses the model up front, saying
//! how many bytes it needs, when that exceeds the memory available.

use crate::framework::config::{ModelConfig, Range};
use crate::framework::context::TrainContext;
use crate::framework::error::{Result, bail};
use crate::framework::memory::DataSize;
use crate::framework::model::{FoldIn, Model, Task, TrainedModel, Training};
use crate::framework::observer::Observer;
use crate::framework::weights::Weights;
use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};
use gnnrec_data::Interactions;
use gnnrec_eval::{HistoryScorer, Scorer, UserItems};
use rayon::prelude::*;

crate::settings! {
    /// Settings of EASE^R.
    #[derive(Copy)]
    pub struct EaseConfig {
        /// The L2 weight λ added to the Gram matrix's diagonal.
        pub lambda: f32 = 300.0 => (
            Range::PositiveReal,
            "L2 weight λ on the item–item regression (the Gram matrix's diagonal)"
        ),
        /// EDLAE's dropout probability `p` (Steck, NeurIPS 2020): adds `p / (1 − p)` times the
        /// Gram matrix's own diagonal to it, the closed form of training with input dropout;
        /// 0 is EASE^R.
        pub dropout: f32 = 0.0 => (
            Range::Probability,
            "EDLAE's input dropout p: adds p/(1−p)·diag(XᵀX) to the diagonal (0: EASE^R)"
        ),
    }
}

impl ModelConfig for EaseConfig {}

/// A trained EASE^R: the item–item weights `B` (row-major) and the training histories.
#[derive(Debug, Clone)]
pub struct Ease {
    b: Vec<f32>,
    n_items: usize,
    pub(crate) history: Interactions,
    by_user: UserItems,
}

/// Bytes a fit and its save need at their peak: three `items²` `f32` arrays. Measured on
/// gowalla (40,981 items, one array 6.7 GB): 19.6 GB peak resident for fit, evaluation and
/// save (the Cholesky factor and the inverse with faer's workspace, then the weights and
/// their copy in the weights file's arrays, streamed to disk without a further copy). The
/// Gram matrix is accumulated in place, column by column.
pub fn bytes_needed(n_items: usize) -> u64 {
    (n_items as u64).saturating_pow(2).saturating_mul(12) // 3 arrays of 4-byte floats
}

/// `XᵀX` of the binary matrix of `train`, dense and column-major (it is symmetric).
pub(crate) fn gram(train: &Interactions, n_users: usize, n_items: usize) -> Mat<f32> {
    let mut binary = Interactions::new(train.users.clone(), train.items.clone());
    binary.dedup_pairs();
    let by_user = UserItems::new(&binary, n_users);
    let item_users = UserItems::new(
        &Interactions::new(binary.items.clone(), binary.users.clone()),
        n_items,
    );
    // Column i in place (no second items² copy): the co-occurrence counts of item i.
    let mut g = Mat::<f32>::zeros(n_items, n_items);
    g.par_col_iter_mut().enumerate().for_each(|(i, mut col)| {
        for &u in item_users.of(i as u32) {
            for &j in by_user.of(u) {
                col[j as usize] += 1.0;
            }
        }
    });
    g
}

/// `B` from the Gram matrix `XᵀX` of the training matrix (in a distributed run, summed over
/// the ranks): the diagonal raised by `λ` (and EDLAE's emphasis), inverted by Cholesky.
pub(crate) fn weights_from_gram(mut g: Mat<f32>, cfg: &EaseConfig) -> Result<Vec<f32>> {
    let n_items = g.nrows();
    let emphasis = cfg.dropout / (1.0 - cfg.dropout);
    for i in 0..n_items {
        g[(i, i)] += cfg.lambda + emphasis * g[(i, i)];
    }
    let Ok(llt) = g.llt(Side::Lower) else {
        bail!(
            "ease: XᵀX + λI is not positive definite in f32 with λ = {}; raise lambda",
            cfg.lambda
        );
    };
    drop(g);
    let p = llt.inverse();
    drop(llt);
    let inv_diag: Vec<f32> = (0..n_items).map(|j| 1.0 / p[(j, j)]).collect();
    // Row i of B: −P[i, j] / P[j, j]; P is symmetric, so row i is column i of P.
    let mut b = vec![0f32; n_items * n_items];
    b.par_chunks_mut(n_items.max(1))
        .enumerate()
        .for_each(|(i, row)| {
            let col = p.col(i);
            for (j, x) in row.iter_mut().enumerate() {
                *x = if i == j { 0.0 } else { -col[j] * inv_diag[j] };
            }
        });
    Ok(b)
}

impl Ease {
    /// Fits on `train` with `cfg`.
    pub fn fit(
        train: &Interactions,
        n_users: usize,
        n_items: usize,
        cfg: &EaseConfig,
    ) -> Result<Ease> {
        let b = weights_from_gram(gram(train, n_users, n_items), cfg)?;
        let history = Interactions::new(train.users.clone(), train.items.clone());
        Ok(Ease::from_parts(b, n_items, history, n_users))
    }

    /// The model of weights `b` and training `history` (users scored by their item lists).
    pub(crate) fn from_parts(
        b: Vec<f32>,
        n_items: usize,
        history: Interactions,
        n_users: usize,
    ) -> Ease {
        let by_user = UserItems::new(&history, n_users);
        Ease {
            b,
            n_items,
            history,
            by_user,
        }
    }

    /// The weights `B`, row-major `items × items`.
    pub fn b(&self) -> &[f32] {
        &self.b
    }

    /// Restores from saved weights.
    pub fn from_weights(w: &Weights, n_users: usize, n_items: usize) -> Result<Ease> {
        let b = w.get_shaped("b", &[n_items, n_items])?.to_vec();
        let history = w.get_history(n_users, n_items)?;
        Ok(Ease::from_parts(b, n_items, history, n_users))
    }
}

impl Scorer for Ease {
    fn n_items(&self) -> usize {
        self.n_items
    }

    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        let histories: Vec<&[u32]> = users.iter().map(|&u| self.by_user.of(u)).collect();
        self.score_histories(&histories, out);
    }
}

impl HistoryScorer for Ease {
    /// `x B`: the sum of the rows of `B` of the history's items.
    fn score_histories(&self, histories: &[&[u32]], out: &mut [f32]) {
        let n = self.n_items;
        out.par_chunks_mut(n)
            .zip(histories.par_iter())
            .for_each(|(row, h)| {
                row.fill(0.0);
                for &i in *h {
                    let bi = &self.b[i as usize * n..(i as usize + 1) * n];
                    for (s, &x) in row.iter_mut().zip(bi) {
                        *s += x;
                    }
                }
            });
    }
}

impl TrainedModel for Ease {
    fn weights(&self) -> Weights {
        let mut w = Weights::new();
        let n = self.n_items;
        w.insert("b", &[n, n], self.b.clone());
        w.insert_history(&self.history);
        w
    }
    fn fold_in(&self) -> Option<&dyn HistoryScorer> {
        Some(self)
    }
}

impl Model for Ease {
    type Config = EaseConfig;
    type Trained = Ease;
    const NAME: &'static str = "ease";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str =
        "EASE^R: closed-form item–item regression, B = I − P diag(1/diag P) (Steck, WWW 2019)";
    const TRAINING: Training = Training::ClosedForm;
    const FOLD_IN: FoldIn = FoldIn::Native;

    fn bytes_needed(_cfg: &EaseConfig, size: DataSize) -> u64 {
        bytes_needed(size.n_items).saturating_add((size.n_train as u64).saturating_mul(24))
    }

    fn train(cfg: &EaseConfig, ctx: &TrainContext<'_>, _obs: &mut dyn Observer) -> Result<Ease> {
        Ease::fit(ctx.train, ctx.n_users, ctx.n_items, cfg)
    }

    const DISTRIBUTED: bool = true;

    fn train_sharded<'a>(
        cfg: &EaseConfig,
        ctx: &crate::framework::sharded::ShardContext<'a>,
    ) -> Option<Result<Box<dyn crate::framework::sharded::ShardedModel + 'a>>> {
        crate::framework::sharded::boxed(super::sharded_ease::ShardedEase::fit(ctx, cfg))
    }

    fn load(_cfg: &EaseConfig, w: &Weights, n_users: usize, n_items: usize) -> Result<Ease> {
        Ease::from_weights(w, n_users, n_items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// `A⁻¹` by Gauss–Jordan elimination with partial pivoting, in f64.
    fn inverse_f64(mut a: Vec<f64>, n: usize) -> Vec<f64> {
        let mut inv: Vec<f64> = (0..n * n)
            .map(|k| if k / n == k % n { 1.0 } else { 0.0 })
            .collect();
        for c in 0..n {
            let p = (c..n)
                .max_by(|&x, &y| a[x * n + c].abs().total_cmp(&a[y * n + c].abs()))
                .unwrap();
            for k in 0..n {
                a.swap(c * n + k, p * n + k);
                inv.swap(c * n + k, p * n + k);
            }
            let d = a[c * n + c];
            for k in 0..n {
                a[c * n + k] /= d;
                inv[c * n + k] /= d;
            }
            for r in 0..n {
                if r != c {
                    let f = a[r * n + c];
                    for k in 0..n {
                        a[r * n + k] -= f * a[c * n + k];
                        inv[r * n + k] -= f * inv[c * n + k];
                    }
                }
            }
        }
        inv
    }

    #[test]
    fn b_equals_a_dense_f64_reference() {
        let (nu, ni) = (30usize, 12usize);
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let mut x = Interactions::new(
            (0..150).map(|_| rng.random_range(0..nu as u32)).collect(),
            (0..150).map(|_| rng.random_range(0..ni as u32)).collect(),
        );
        x.dedup_pairs();
        let (lambda, dropout) = (5.0, 0.25);
        let m = Ease::fit(&x, nu, ni, &EaseConfig { lambda, dropout }).unwrap();
        // The reference: G = XᵀX + λI in f64, P = G⁻¹, B = I − P diag(1/diag P).
        let mut g = vec![0f64; ni * ni];
        let mut dense = vec![0f64; nu * ni];
        for (&u, &i) in x.users.iter().zip(&x.items) {
            dense[u as usize * ni + i as usize] = 1.0;
        }
        for i in 0..ni {
            for j in 0..ni {
                g[i * ni + j] = (0..nu)
                    .map(|u| dense[u * ni + i] * dense[u * ni + j])
                    .sum::<f64>()
                    + if i == j { lambda as f64 } else { 0.0 };
            }
        }
        // EDLAE's emphasis: p / (1 − p) times the Gram diagonal (1/3 at p = 0.25).
        for i in 0..ni {
            g[i * ni + i] += (g[i * ni + i] - lambda as f64) / 3.0;
        }
        let p = inverse_f64(g, ni);
        for i in 0..ni {
            for j in 0..ni {
                let want = if i == j {
                    0.0
                } else {
                    -p[i * ni + j] / p[j * ni + j]
                };
                let got = m.b()[i * ni + j] as f64;
                assert!((got - want).abs() < 1e-4, "B[{i},{j}] {got} vs {want}");
            }
        }
        // Scores are the sums of the history's rows of B; the weights round-trip.
        let mut s = vec![0f32; ni];
        m.score_users(&[3], &mut s);
        let hist: Vec<u32> = (0..x.len())
            .filter(|&k| x.users[k] == 3)
            .map(|k| x.items[k])
            .collect();
        for (j, &got) in s.iter().enumerate() {
            let want: f32 = hist.iter().map(|&i| m.b()[i as usize * ni + j]).sum();
            assert!((got - want).abs() < 1e-6);
        }
        let back = Ease::from_weights(&m.weights(), nu, ni).unwrap();
        assert_eq!(back.weights(), m.weights());
    }

    #[test]
    fn a_fit_too_large_for_the_machine_is_refused_up_front() {
        if crate::framework::memory::available_bytes().is_none() {
            return; // no /proc/meminfo: nothing to check against
        }
        let e =
            crate::framework::memory::ensure_fits("ease", bytes_needed(10_000_000)).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("ease needs") && text.contains("bytes"),
            "{text}"
        );
    }
}
