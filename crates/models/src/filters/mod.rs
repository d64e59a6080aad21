//! Training-free graph filters on the normalised rating matrix
//! `R̃ = D_U^{-1/2} R D_I^{-1/2}`: GF-CF ([`gfcf`], Shen et al., CIKM 2021), BSPM
//! ([`bspm`], Choi et al., SIGIR 2023) and ChebyCF ([`chebycf`], Kim et al., SIGIR 2025: a
//! Chebyshev-interpolated polynomial in `P` instead of `P` itself, [`chebyshev`]).
//!
//! Both score a user's binary history `r` with the linear filter `r P`, `P = R̃ᵀR̃`, plus an
//! ideal low-pass term `r D_I^{-1/2} V Vᵀ D_I^{1/2}` built from the top right singular
//! vectors `V` of `R̃` ([`svd`]); BSPM then sharpens the sum by integrating `dr/dt = −r P`.
//! "Training" is the normalisation and the SVD; any item history is scored the same way, so
//! new users need no retraining.
//!
//! `P` is never formed (on gowalla it would be a dense 6.7 GB matrix): every product with it
//! is two sparse products, `(x R̃ᵀ) R̃`, on a block of users' score vectors laid out item by
//! item ([`NormalizedRatings::filter`]); the low-rank term is one dense product per block.

pub mod bspm;
pub mod chebycf;
pub mod chebyshev;
pub mod gfcf;
pub mod normalized;
pub(crate) mod scorer;
pub mod sharded_cheby;
pub mod sharded_filter;
pub mod sharded_ratings;
pub mod svd;

pub use normalized::{ItemFilter, NormalizedRatings};
pub use scorer::{FilterScorer, Sharpening, Solver};

/// Random distinct (user, item) pairs: `n` draws over `nu × ni`, for the filters' tests.
#[cfg(test)]
pub(crate) fn random_train(nu: usize, ni: usize, n: usize, seed: u64) -> gnnrec_data::Interactions {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut x = gnnrec_data::Interactions::new(
        (0..n).map(|_| rng.random_range(0..nu as u32)).collect(),
        (0..n).map(|_| rng.random_range(0..ni as u32)).collect(),
    );
    x.dedup_pairs();
    x
}

/// The dense binary matrix `R` of `x`, its item degrees and `R̃ = D_U^{-1/2} R D_I^{-1/2}`, in
/// f64: the start of the filters' dense reference tests.
#[cfg(test)]
pub(crate) fn dense_normalized(
    x: &gnnrec_data::Interactions,
    nu: usize,
    ni: usize,
) -> (faer::Mat<f64>, Vec<f64>, faer::Mat<f64>) {
    let mut r = faer::Mat::<f64>::zeros(nu, ni);
    for (&u, &i) in x.users.iter().zip(&x.items) {
        r[(u as usize, i as usize)] = 1.0;
    }
    let du: Vec<f64> = (0..nu).map(|u| (0..ni).map(|i| r[(u, i)]).sum()).collect();
    let di: Vec<f64> = (0..ni).map(|i| (0..nu).map(|u| r[(u, i)]).sum()).collect();
    let rn = faer::Mat::<f64>::from_fn(nu, ni, |u, i| {
        if r[(u, i)] > 0.0 {
            1.0 / (du[u] * di[i]).sqrt()
        } else {
            0.0
        }
    });
    (r, di, rn)
}
