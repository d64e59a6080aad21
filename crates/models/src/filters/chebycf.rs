//! ChebyCF (Kim et al., "Graph Spectral Filtering with Chebyshev Interpolation for
//! Recommendation", SIGIR 2025), `--model chebycf`: a user's raw history `r`, normalised by the
//! item degrees (`s = r D_I^{-β}`), filtered by the order-`K` Chebyshev interpolation of a
//! plateau response on `L̃ = I − 2P` ([`super::chebyshev`]), plus `alpha` times the ideal
//! low-pass term `s V Vᵀ` of the top `factors` right singular vectors of `R̃`, then
//! un-normalised: `scores = (Σ_k c_k T_k(L̃) s + α s V Vᵀ) D_I^{β}`.
//!
//! Training is the normalisation and the SVD, as for GF-CF and BSPM; every product with `P` is
//! two sparse products over a block of users' vectors laid out item by item, the first a
//! scatter over the histories' items. `K` products with `P` per user (the Chebyshev recursion
//! `T_k = 2 L̃ T_{k−1} − T_{k−2}`), so any history is scored the same way: fold-in is native.
//! The products' sums over users are carried in f64 and rounded once, as GF-CF's and BSPM's
//! are, so that ranks which each add their users' share ([`super::sharded_cheby`]) give these
//! f32 scores.

use faer::{Accum, MatMut, MatRef, Par};
use gnnrec_data::Interactions;
use gnnrec_eval::{HistoryScorer, Scorer, UserItems};

use super::chebyshev;
use super::gfcf::{FACTORS, SVD_ITERS, bytes_needed, oversample};
use super::normalized::{ItemFilter, NormalizedRatings};
use super::scorer::{loaded_parts, normalized, saved_parts};
use super::sharded_cheby::ShardedCheby;
use super::svd::{SvdSettings, TruncatedSvd, randomized_svd};
use crate::framework::config::{ModelConfig, Range};
use crate::framework::context::TrainContext;
use crate::framework::error::Result;
use crate::framework::memory::DataSize;
use crate::framework::model::{FoldIn, Model, Task, TrainedModel, Training};
use crate::framework::observer::Observer;
use crate::framework::sharded::{ShardContext, ShardedModel};
use crate::framework::weights::Weights;

crate::settings! {
    /// Settings of ChebyCF (the published gowalla configuration by default).
    #[derive(Copy)]
    pub struct ChebyCfConfig {
        /// Order K of the Chebyshev interpolation.
        pub order: usize = 8 => (
            Range::Positive,
            "order K of the Chebyshev interpolation (K products with P per user)"
        ),
        /// Flatness φ of the plateau response.
        pub flatness: f32 = 1.5 => (
            Range::PositiveReal,
            "flatness φ of the plateau response (larger: flatter pass and stop bands)"
        ),
        /// Singular vectors of the ideal low-pass term.
        pub factors: usize = 512 => (Range::Count, FACTORS),
        /// Weight of the ideal low-pass term.
        pub alpha: f32 = 0.2 => (Range::NonNegative, "weight of the ideal low-pass term"),
        /// Strength of the degree normalisation.
        pub beta: f32 = 0.4 => (
            Range::NonNegative,
            "degree normalisation: the history times d^-β before the filter, the scores times d^β after"
        ),
        /// Power iterations of the randomized SVD.
        pub svd_iters: usize = 4 => (Range::Count, SVD_ITERS),
    }
}

impl ModelConfig for ChebyCfConfig {}

/// A fitted ChebyCF: scores any item history.
#[derive(Debug, Clone)]
pub struct ChebyScorer {
    norm: NormalizedRatings,
    terms: ChebyTerms,
    history: Interactions,
    by_user: UserItems,
}

impl ChebyScorer {
    /// The filter of `train` with singular vectors `svd` and the settings of `cfg`.
    pub fn new(
        train: &Interactions,
        n_users: usize,
        n_items: usize,
        svd: TruncatedSvd,
        cfg: &ChebyCfConfig,
    ) -> Self {
        let (history, norm) = normalized(train, n_users, n_items);
        Self::from_parts(history, norm, svd, cfg)
    }

    /// Fits the filter of `train`: its normalised matrix and the randomized SVD of it.
    pub fn fit(
        train: &Interactions,
        n_users: usize,
        n_items: usize,
        cfg: &ChebyCfConfig,
        seed: u64,
    ) -> Self {
        let (history, norm) = normalized(train, n_users, n_items);
        let svd = cheby_svd(cfg, seed, |s| randomized_svd(norm.r(), norm.rt(), s));
        Self::from_parts(history, norm, svd, cfg)
    }

    fn from_parts(
        history: Interactions,
        norm: NormalizedRatings,
        svd: TruncatedSvd,
        cfg: &ChebyCfConfig,
    ) -> Self {
        let mut degree = vec![0f32; norm.n_items()];
        for &i in &history.items {
            degree[i as usize] += 1.0;
        }
        let by_user = UserItems::new(&history, norm.n_users());
        ChebyScorer {
            norm,
            terms: ChebyTerms::new(&degree, svd, cfg),
            history,
            by_user,
        }
    }

    /// Restores from [`TrainedModel::weights`] with the settings of `cfg`.
    pub fn from_weights(
        w: &Weights,
        n_users: usize,
        n_items: usize,
        cfg: &ChebyCfConfig,
    ) -> Result<Self> {
        let (svd, history) = loaded_parts(w, n_users, n_items)?;
        Ok(Self::new(&history, n_users, n_items, svd, cfg))
    }

    /// Scores every item for each history (distinct item indices) into `out`, row-major
    /// `histories.len() × n_items`.
    fn score(&self, histories: &[&[u32]], out: &mut [f32]) {
        let s = self.terms.start(histories);
        let mut mid = Vec::new();
        let mut ps = vec![0f32; s.len()];
        self.norm
            .filter_histories(histories, Some(self.terms.pre()), &mut mid, &mut ps);
        let series = self.terms.series(&self.norm, s, &ps, histories.len());
        self.terms.finish(histories, &series, out);
    }
}

/// The singular vectors `cfg`'s low-pass term needs — none when it has none (`alpha` or
/// `factors` 0) — as `svd` computes them with `cfg`'s settings.
pub(super) fn cheby_svd(
    cfg: &ChebyCfConfig,
    seed: u64,
    svd: impl FnOnce(SvdSettings) -> TruncatedSvd,
) -> TruncatedSvd {
    if cfg.alpha > 0.0 && cfg.factors > 0 {
        svd(SvdSettings {
            k: cfg.factors,
            oversample: oversample(cfg.factors),
            power_iters: cfg.svd_iters,
            seed,
        })
    } else {
        TruncatedSvd {
            v: Vec::new(),
            s: Vec::new(),
        }
    }
}

/// What ChebyCF adds to its products with `P`, in one process or across ranks: the
/// Chebyshev coefficients, the degree normalisation and the ideal low-pass term.
#[derive(Debug, Clone)]
pub(super) struct ChebyTerms {
    svd: TruncatedSvd,
    /// `c_0 … c_K`.
    coeffs: Vec<f32>,
    /// `d_i^{-β}` (0 for an item without training interactions).
    pre: Vec<f32>,
    /// `d_i^{β}` (0 likewise).
    post: Vec<f32>,
    alpha: f32,
}

impl ChebyTerms {
    /// The terms for items of training degrees `degree`, with singular vectors `svd`.
    pub(super) fn new(degree: &[f32], svd: TruncatedSvd, cfg: &ChebyCfConfig) -> Self {
        let power = |e: f32| -> Vec<f32> {
            degree
                .iter()
                .map(|&d| if d > 0.0 { d.powf(e) } else { 0.0 })
                .collect()
        };
        ChebyTerms {
            svd,
            coeffs: chebyshev::coefficients(cfg.order, cfg.flatness as f64)
                .into_iter()
                .map(|c| c as f32)
                .collect(),
            pre: power(-cfg.beta),
            post: power(cfg.beta),
            alpha: cfg.alpha,
        }
    }

    /// The singular vectors and values.
    pub(super) fn svd(&self) -> &TruncatedSvd {
        &self.svd
    }

    /// `d_i^{-β}`, the weight of item `i` in a normalised history.
    pub(super) fn pre(&self) -> &[f32] {
        &self.pre
    }

    /// `S`, the normalised histories (`n_items × b`, item by item).
    pub(super) fn start(&self, histories: &[&[u32]]) -> Vec<f32> {
        let b = histories.len();
        let mut s = vec![0f32; self.pre.len() * b];
        for (j, h) in histories.iter().enumerate() {
            for &i in *h {
                s[i as usize * b + j] = self.pre[i as usize];
            }
        }
        s
    }

    /// `Σ_k c_k T_k(L̃) S` for `S` (`s`, `n_items × b`) given `P S` (`ps`), the further
    /// products with `P` by `filter`: the recursion `T_0 = S`, `T_1 = L̃ S`,
    /// `T_k = 2 L̃ T_{k−1} − T_{k−2}`, `L̃ x = x − 2Px`.
    pub(super) fn series(
        &self,
        filter: &dyn ItemFilter,
        s: Vec<f32>,
        ps: &[f32],
        b: usize,
    ) -> Vec<f32> {
        let mut prev = s;
        let mut acc: Vec<f32> = prev.iter().map(|&x| self.coeffs[0] * x).collect();
        let mut mid = Vec::new();
        let mut p = vec![0f32; prev.len()];
        let mut cur: Vec<f32> = prev.iter().zip(ps).map(|(&s, &q)| s - 2.0 * q).collect();
        for (a, &x) in acc.iter_mut().zip(&cur) {
            *a += self.coeffs[1] * x;
        }
        for &c in &self.coeffs[2..] {
            filter.apply(&cur, b, &mut mid, &mut p);
            // T_k = 2(T_{k−1} − 2P T_{k−1}) − T_{k−2}, written over T_{k−2}, and added to the
            // sum in the same pass (one sweep of the four tables, not two).
            for (((t0, &t1), &q), a) in prev.iter_mut().zip(&cur).zip(&p).zip(acc.iter_mut()) {
                let t = 2.0 * (t1 - 2.0 * q) - *t0;
                *t0 = t;
                *a += c * t;
            }
            std::mem::swap(&mut prev, &mut cur);
        }
        acc
    }

    /// The scores of `histories` into `out` (row-major `b × n_items`): the series `acc`
    /// (`n_items × b`, item by item, from [`ChebyTerms::series`]) plus `α S V Vᵀ`, times
    /// `d^β`.
    pub(super) fn finish(&self, histories: &[&[u32]], acc: &[f32], out: &mut [f32]) {
        let (n, b, k) = (self.pre.len(), histories.len(), self.svd.k());
        assert_eq!(out.len(), n * b);
        // The ideal low-pass term: (b × k) = each normalised history times V, times Vᵀ.
        let mut dst = MatMut::from_row_major_slice_mut(out, b, n);
        if k > 0 && self.alpha != 0.0 {
            let mut lows = vec![0f32; b * k];
            for (j, h) in histories.iter().enumerate() {
                let row = &mut lows[j * k..(j + 1) * k];
                for &i in *h {
                    let w = self.pre[i as usize];
                    for (a, &x) in row.iter_mut().zip(&self.svd.v[i as usize * k..][..k]) {
                        *a += w * x;
                    }
                }
            }
            faer::linalg::matmul::matmul(
                dst.as_mut(),
                Accum::Replace,
                MatRef::from_row_major_slice(&lows, b, k),
                MatRef::from_row_major_slice(&self.svd.v, n, k).transpose(),
                self.alpha,
                Par::Seq,
            );
        } else {
            dst.fill(0.0);
        }
        for (i, (ai, &d)) in acc.chunks_exact(b).zip(&self.post).enumerate() {
            for (j, &x) in ai.iter().enumerate() {
                let o = &mut out[j * n + i];
                *o = d * (*o + x);
            }
        }
    }
}

impl HistoryScorer for ChebyScorer {
    fn score_histories(&self, histories: &[&[u32]], out: &mut [f32]) {
        self.score(histories, out);
    }
}

impl Scorer for ChebyScorer {
    fn n_items(&self) -> usize {
        self.norm.n_items()
    }

    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        let histories: Vec<&[u32]> = users.iter().map(|&u| self.by_user.of(u)).collect();
        self.score(&histories, out);
    }
}

impl TrainedModel for ChebyScorer {
    /// The singular vectors and values and the training history (the filter itself is
    /// rebuilt from the settings).
    fn weights(&self) -> Weights {
        saved_parts(self.terms.svd(), &self.history, self.norm.n_items())
    }

    fn fold_in(&self) -> Option<&dyn HistoryScorer> {
        Some(self)
    }
}

/// The ChebyCF plug-in.
pub struct ChebyCf;

impl Model for ChebyCf {
    type Config = ChebyCfConfig;
    type Trained = ChebyScorer;
    const NAME: &'static str = "chebycf";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str = "ChebyCF: training-free Chebyshev-interpolated graph filter + ideal low-pass (Kim et al., SIGIR 2025)";
    const TRAINING: Training = Training::ClosedForm;
    const FOLD_IN: FoldIn = FoldIn::Native;

    fn bytes_needed(cfg: &ChebyCfConfig, size: DataSize) -> u64 {
        bytes_needed(cfg.factors, size)
    }

    fn train(
        cfg: &ChebyCfConfig,
        ctx: &TrainContext<'_>,
        _obs: &mut dyn Observer,
    ) -> Result<ChebyScorer> {
        Ok(ChebyScorer::fit(
            ctx.train,
            ctx.n_users,
            ctx.n_items,
            cfg,
            ctx.seed,
        ))
    }

    const DISTRIBUTED: bool = true;

    fn train_sharded<'a>(
        cfg: &ChebyCfConfig,
        ctx: &ShardContext<'a>,
    ) -> Option<Result<Box<dyn ShardedModel + 'a>>> {
        Some(Ok(Box::new(ShardedCheby::fit(ctx, cfg))))
    }

    fn load(
        cfg: &ChebyCfConfig,
        w: &Weights,
        n_users: usize,
        n_items: usize,
    ) -> Result<ChebyScorer> {
        ChebyScorer::from_weights(w, n_users, n_items, cfg)
    }
}

#[cfg(test)]
mod tests;
