//! The trained form shared by the graph filters: a linear filter `r P`, optionally sharpened
//! by an ODE, plus a weighted ideal low-pass term, for any item history.

use faer::{Accum, MatMut, MatRef, Par};
use gnnrec_data::Interactions;
use gnnrec_eval::{HistoryScorer, Scorer, UserItems};
use serde::{Deserialize, Serialize};

use super::normalized::{ItemFilter, NormalizedRatings};
use super::svd::{SvdSettings, TruncatedSvd, randomized_svd};
use crate::framework::error::Result;
use crate::framework::weights::Weights;

/// How the sharpening ODE `dr/dt = −r P` is integrated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Solver {
    /// Explicit Euler: one product with `P` per step.
    Euler,
    /// Classical Runge–Kutta of order 4: four products per step.
    Rk4,
}

impl Solver {
    /// The names, as configurations spell them.
    pub const NAMES: [&'static str; 2] = ["euler", "rk4"];
}

/// BSPM's sharpening: `dr/dt = −r P` from 0 to `time` in `steps` steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sharpening {
    /// Integration time.
    pub time: f32,
    /// Steps (0: no sharpening).
    pub steps: usize,
    /// The integrator.
    pub solver: Solver,
    /// Whether the low-pass term is added before sharpening (BSPM-EM, "early merge") or after.
    pub early_merge: bool,
}

/// A trained graph filter: scores `(r P) S + w (r D_I^{-1/2} V) (Vᵀ D_I^{1/2}) S'`, where
/// `S` is the sharpening (identity without one) and `S'` is `S` under early merge.
#[derive(Debug, Clone)]
pub struct FilterScorer {
    norm: NormalizedRatings,
    svd: TruncatedSvd,
    low: LowPass,
    sharpening: Option<Sharpening>,
    history: Interactions,
    by_user: UserItems,
}

impl FilterScorer {
    /// The filter of `train`'s normalised matrix with singular vectors `svd`.
    pub fn new(
        train: &Interactions,
        n_users: usize,
        n_items: usize,
        svd: TruncatedSvd,
        low_pass_weight: f32,
        sharpening: Option<Sharpening>,
    ) -> Self {
        let (history, norm) = normalized(train, n_users, n_items);
        Self::from_parts(norm, history, svd, low_pass_weight, sharpening)
    }

    /// Fits the filter of `train`: its normalised matrix (built once) and the randomized SVD
    /// of it with `settings`.
    pub fn fit(
        train: &Interactions,
        n_users: usize,
        n_items: usize,
        settings: SvdSettings,
        low_pass_weight: f32,
        sharpening: Option<Sharpening>,
    ) -> Self {
        let (history, norm) = normalized(train, n_users, n_items);
        let svd = randomized_svd(norm.r(), norm.rt(), settings);
        Self::from_parts(norm, history, svd, low_pass_weight, sharpening)
    }

    fn from_parts(
        norm: NormalizedRatings,
        history: Interactions,
        svd: TruncatedSvd,
        low_pass_weight: f32,
        sharpening: Option<Sharpening>,
    ) -> Self {
        let low = LowPass::new(
            &svd,
            norm.item_inv_sqrt(),
            norm.item_sqrt(),
            low_pass_weight,
            sharpening,
            &norm,
        );
        let by_user = UserItems::new(&history, norm.n_users());
        FilterScorer {
            norm,
            svd,
            low,
            sharpening,
            history,
            by_user,
        }
    }

    /// The singular vectors and values it was built with.
    pub fn svd(&self) -> &TruncatedSvd {
        &self.svd
    }

    /// Scores every item for each history (distinct item indices) into `out`, row-major
    /// `histories.len() × n_items`: the fold-in of any user.
    fn score(&self, histories: &[&[u32]], out: &mut [f32]) {
        let (n, b) = (self.norm.n_items(), histories.len());
        assert_eq!(out.len(), n * b);
        self.low.score(histories, out);
        // Linear filter, item by item (column j is history j), summed in f64 as a
        // distributed run's ranks sum it, then sharpened.
        let mut mid = Vec::new();
        let mut z = vec![0f32; n * b];
        self.norm
            .filter_histories(histories, None, &mut mid, &mut z);
        if let Some(sh) = self.sharpening {
            sharpen(&self.norm, sh, &mut z, b);
        }
        add_item_major(&z, b, out);
    }

    /// Saves the singular vectors, values and the training history.
    pub fn weights(&self) -> Weights {
        saved_parts(&self.svd, &self.history, self.norm.n_items())
    }

    /// Restores from [`FilterScorer::weights`] with the same filter settings.
    pub fn from_weights(
        w: &Weights,
        n_users: usize,
        n_items: usize,
        low_pass_weight: f32,
        sharpening: Option<Sharpening>,
    ) -> Result<Self> {
        let (svd, history) = loaded_parts(w, n_users, n_items)?;
        let norm = NormalizedRatings::new(&history, n_users, n_items);
        Ok(Self::from_parts(
            norm,
            history,
            svd,
            low_pass_weight,
            sharpening,
        ))
    }
}

/// The weighted ideal low-pass term `w (r D_I^{-1/2} V) (Vᵀ D_I^{1/2} S')` of a filter, with
/// `S'` the sharpening under early merge (identity otherwise).
#[derive(Debug, Clone)]
pub(crate) struct LowPass {
    /// `D_I^{-1/2} V`, items × k.
    left: Vec<f32>,
    /// `(Vᵀ D_I^{1/2} S')ᵀ`, items × k.
    right: Vec<f32>,
    k: usize,
    weight: f32,
}

impl LowPass {
    /// The term of singular vectors `svd` and item degree roots, sharpened through `filter`
    /// under early merge.
    pub(crate) fn new(
        svd: &TruncatedSvd,
        item_inv_sqrt: &[f32],
        item_sqrt: &[f32],
        weight: f32,
        sharpening: Option<Sharpening>,
        filter: &dyn ItemFilter,
    ) -> LowPass {
        let (n, k) = (item_sqrt.len(), svd.k());
        let mut left = svd.v.clone();
        let mut right = svd.v.clone();
        for i in 0..n {
            for j in 0..k {
                left[i * k + j] *= item_inv_sqrt[i];
                right[i * k + j] *= item_sqrt[i];
            }
        }
        if let Some(sh) = sharpening
            && sh.early_merge
        {
            sharpen(filter, sh, &mut right, k);
        }
        LowPass {
            left,
            right,
            k,
            weight,
        }
    }

    /// Writes the term for each history into `out` (`histories.len() × n_items`, replaced).
    pub(crate) fn score(&self, histories: &[&[u32]], out: &mut [f32]) {
        let (b, k) = (histories.len(), self.k);
        let n = out.len() / b.max(1);
        // (b × k) = Σ over each history of the rows of D_I^{-1/2} V, times (k × n).
        let mut lows = vec![0f32; b * k];
        for (j, h) in histories.iter().enumerate() {
            let row = &mut lows[j * k..(j + 1) * k];
            for &i in *h {
                for (a, &x) in row.iter_mut().zip(&self.left[i as usize * k..][..k]) {
                    *a += x;
                }
            }
        }
        let mut dst = MatMut::from_row_major_slice_mut(out, b, n);
        if k > 0 && self.weight != 0.0 {
            faer::linalg::matmul::matmul(
                dst.as_mut(),
                Accum::Replace,
                MatRef::from_row_major_slice(&lows, b, k),
                MatRef::from_row_major_slice(&self.right, n, k).transpose(),
                self.weight,
                Par::Seq,
            );
        } else {
            dst.fill(0.0);
        }
    }
}

/// Adds `z` (`n_items × b`, column `j` for row `j` of `out`) to `out` (`b × n_items`).
pub(crate) fn add_item_major(z: &[f32], b: usize, out: &mut [f32]) {
    let n = z.len() / b.max(1);
    for i in 0..n {
        let zi = &z[i * b..(i + 1) * b];
        for (j, &x) in zi.iter().enumerate() {
            out[j * n + i] += x;
        }
    }
}

/// What every graph filter saves: the singular vectors and values, and the training history
/// (the filter itself is rebuilt from the settings).
pub(crate) fn saved_parts(svd: &TruncatedSvd, history: &Interactions, n_items: usize) -> Weights {
    let mut w = Weights::new();
    let k = svd.k();
    w.insert("v", &[n_items, k], svd.v.clone());
    w.insert("singular_values", &[k], svd.s.clone());
    w.insert_history(history);
    w
}

/// [`saved_parts`] read back.
pub(super) fn loaded_parts(
    w: &Weights,
    n_users: usize,
    n_items: usize,
) -> Result<(TruncatedSvd, Interactions)> {
    let (shape, _) = w.get("singular_values")?;
    let k = shape.first().copied().unwrap_or(0);
    let s = w.get_shaped("singular_values", &[k])?.to_vec();
    let v = w.get_shaped("v", &[n_items, k])?.to_vec();
    Ok((TruncatedSvd { v, s }, w.get_history(n_users, n_items)?))
}

/// The distinct (user, item) pairs of `train` and their normalised matrix.
pub(super) fn normalized(
    train: &Interactions,
    n_users: usize,
    n_items: usize,
) -> (Interactions, NormalizedRatings) {
    let mut history = Interactions::new(train.users.clone(), train.items.clone());
    history.dedup_pairs();
    let norm = NormalizedRatings::new(&history, n_users, n_items);
    (history, norm)
}

/// Integrates `dx/dt = −P x` in place for `x` of `n_items × b` (columns are score vectors).
pub(crate) fn sharpen(norm: &dyn ItemFilter, sh: Sharpening, x: &mut [f32], b: usize) {
    if sh.steps == 0 {
        return;
    }
    let h = sh.time / sh.steps as f32;
    let len = x.len();
    let mut mid = Vec::new();
    let mut k = vec![0f32; len];
    match sh.solver {
        Solver::Euler => {
            for _ in 0..sh.steps {
                norm.apply(x, b, &mut mid, &mut k);
                for (a, &d) in x.iter_mut().zip(&k) {
                    *a -= h * d;
                }
            }
        }
        Solver::Rk4 => {
            // k1 = −P x, k2 = −P (x + h/2 k1), k3 = −P (x + h/2 k2), k4 = −P (x + h k3);
            // x += h/6 (k1 + 2 k2 + 2 k3 + k4). Here `k` holds P(·), so the signs are folded in.
            let mut acc = vec![0f32; len];
            let mut t = vec![0f32; len];
            for _ in 0..sh.steps {
                norm.apply(x, b, &mut mid, &mut k);
                for ((a, tt), (&xi, &ki)) in acc.iter_mut().zip(t.iter_mut()).zip(x.iter().zip(&k))
                {
                    *a = ki;
                    *tt = xi - 0.5 * h * ki;
                }
                for (c, w) in [(0.5 * h, 2.0f32), (h, 2.0)] {
                    norm.apply(&t, b, &mut mid, &mut k);
                    for ((a, tt), (&xi, &ki)) in
                        acc.iter_mut().zip(t.iter_mut()).zip(x.iter().zip(&k))
                    {
                        *a += w * ki;
                        *tt = xi - c * ki;
                    }
                }
                norm.apply(&t, b, &mut mid, &mut k);
                for ((xi, &a), &ki) in x.iter_mut().zip(&acc).zip(&k) {
                    *xi -= h / 6.0 * (a + ki);
                }
            }
        }
    }
}

impl HistoryScorer for FilterScorer {
    fn score_histories(&self, histories: &[&[u32]], out: &mut [f32]) {
        self.score(histories, out);
    }
}

impl Scorer for FilterScorer {
    fn n_items(&self) -> usize {
        self.norm.n_items()
    }

    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        let histories: Vec<&[u32]> = users.iter().map(|&u| self.by_user.of(u)).collect();
        self.score(&histories, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filters::random_train;
    use crate::filters::svd::{SvdSettings, randomized_svd};
    use faer::Mat;

    /// The filter's scores for every user, in f64 from dense matrices: `R̃`, `P = R̃ᵀR̃`, the
    /// low-pass `D^{-1/2} V Vᵀ D^{1/2}` and the sharpening as the matrix polynomial of its
    /// integrator.
    fn dense_scores(
        x: &Interactions,
        nu: usize,
        ni: usize,
        svd: &TruncatedSvd,
        w: f64,
        sh: Option<Sharpening>,
    ) -> Mat<f64> {
        let (r, di, rn) = crate::filters::dense_normalized(x, nu, ni);
        let p = rn.transpose() * &rn;
        let k = svd.k();
        let v = Mat::<f64>::from_fn(ni, k, |i, j| svd.v[i * k + j] as f64);
        let dl = Mat::<f64>::from_fn(ni, ni, |a, b| {
            if a == b && di[a] > 0.0 {
                1.0 / di[a].sqrt()
            } else {
                0.0
            }
        });
        let dr = Mat::<f64>::from_fn(ni, ni, |a, b| if a == b { di[a].sqrt() } else { 0.0 });
        let low = &r * &dl * &v * v.transpose() * &dr;
        let linear = &r * &p;
        let eye = Mat::<f64>::identity(ni, ni);
        let Some(sh) = sh else {
            return linear + low * w;
        };
        let h = sh.time as f64 / sh.steps as f64;
        let hp = &p * h;
        let step = match sh.solver {
            Solver::Euler => &eye - &hp,
            Solver::Rk4 => {
                let hp2 = &hp * &hp;
                let hp3 = &hp2 * &hp;
                let hp4 = &hp3 * &hp;
                &eye - &hp + hp2 * 0.5 - hp3 * (1.0 / 6.0) + hp4 * (1.0 / 24.0)
            }
        };
        let mut m = eye.clone();
        for _ in 0..sh.steps {
            m = &m * &step;
        }
        if sh.early_merge {
            (linear + low * w) * m
        } else {
            linear * m + low * w
        }
    }

    #[test]
    fn scores_equal_a_dense_f64_reference_for_every_variant() {
        let (nu, ni) = (40, 25);
        let x = random_train(nu, ni, 260, 7);
        let norm = NormalizedRatings::new(&x, nu, ni);
        let svd = randomized_svd(
            norm.r(),
            norm.rt(),
            SvdSettings {
                k: 6,
                oversample: 8,
                power_iters: 4,
                seed: 1,
            },
        );
        let variants = [
            None,
            Some(Sharpening {
                time: 2.5,
                steps: 1,
                solver: Solver::Rk4,
                early_merge: true,
            }),
            Some(Sharpening {
                time: 1.5,
                steps: 3,
                solver: Solver::Rk4,
                early_merge: false,
            }),
            Some(Sharpening {
                time: 0.8,
                steps: 2,
                solver: Solver::Euler,
                early_merge: true,
            }),
        ];
        for sh in variants {
            let f = FilterScorer::new(&x, nu, ni, svd.clone(), 0.3, sh);
            let want = dense_scores(&x, nu, ni, &svd, 0.3, sh);
            let users: Vec<u32> = (0..nu as u32).collect();
            let mut got = vec![0f32; nu * ni];
            f.score_users(&users, &mut got);
            let scale = (0..nu)
                .flat_map(|u| (0..ni).map(move |i| (u, i)))
                .map(|(u, i)| want[(u, i)].abs())
                .fold(0.0, f64::max);
            for u in 0..nu {
                for i in 0..ni {
                    let (g, w) = (got[u * ni + i] as f64, want[(u, i)]);
                    assert!(
                        (g - w).abs() <= 1e-5 * scale,
                        "{sh:?}: user {u} item {i}: {g} vs {w}"
                    );
                }
            }
            // Saved and loaded, it scores the same.
            let back = FilterScorer::from_weights(&f.weights(), nu, ni, 0.3, sh).unwrap();
            let mut again = vec![0f32; nu * ni];
            back.score_users(&users, &mut again);
            assert_eq!(again, got);
        }
    }
}
