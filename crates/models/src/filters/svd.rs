//! A randomized truncated SVD of a sparse matrix (Halko, Martinsson & Tropp, SIAM Review
//! 2011, algorithms 4.4 and 5.1): the top right singular vectors and values.
//!
//! The sparse products are ours ([`Csr::spmm`]); the dense QR and the small SVD are faer's.
//! With `l = k + oversample` Gaussian probes and `q` power iterations (each re-orthonormalised
//! by a thin QR), the error on the k-th singular value shrinks as `(σ_{l+1} / σ_k)^{2q+1}`.
//!
//! Everything between the f32 matrix and the f32 singular vectors is f64: the products'
//! sums ([`Csr::spmm_wide`]), the QRs and the small SVD. A distributed run sums the products
//! over the ranks in another order and factors `Y` by a tall-skinny QR instead of a whole one;
//! in f32 those rounding differences, amplified in the singular vectors whose singular values
//! lie close together, moved the scores by ~4e-6 of the largest and swapped near-tied items
//! at a cut-off; in f64 they stay below what the f32 vectors can show.

use faer::{Mat, MatRef};
use gnnrec_graph::csr::Csr;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// The top `k` right singular vectors and values of a matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct TruncatedSvd {
    /// Right singular vectors, `n_cols × k` row-major (column `j` is the `j`-th vector).
    pub v: Vec<f32>,
    /// Singular values, non-increasing.
    pub s: Vec<f32>,
}

impl TruncatedSvd {
    /// Number of singular vectors.
    pub fn k(&self) -> usize {
        self.s.len()
    }
}

/// Settings of [`randomized_svd`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SvdSettings {
    /// Singular vectors wanted.
    pub k: usize,
    /// Extra probes beyond `k`.
    pub oversample: usize,
    /// Power iterations.
    pub power_iters: usize,
    /// Seed of the Gaussian probes.
    pub seed: u64,
}

/// The products a randomized SVD takes of a matrix `A` (rows × cols), wherever its rows
/// live: all in this process ([`randomized_svd`]), or cut by rows across ranks (a distributed
/// run: the products with `Aᵀ` are sums over the ranks, the QR a tall-skinny one).
pub trait SvdOperator {
    /// Columns of `A`.
    fn n_cols(&self) -> usize;
    /// Rows of `A` in all.
    fn n_rows(&self) -> usize;
    /// Rows of `A` held here.
    fn n_rows_here(&self) -> usize;
    /// `y = A x` for `x` of `cols × l` (row-major); `y` is `rows here × l`.
    fn mul(&self, x: &[f64], l: usize, y: &mut [f64]);
    /// `z = Aᵀ y` (`cols × l`) for `y` of `rows here × l`, summed over all rows.
    fn mul_t(&self, y: &[f64], l: usize, z: &mut [f64]);
    /// The rows held here of an orthonormal basis (thin QR's `Q`) of the columns of the whole
    /// `rows × l` matrix whose rows here are `y`.
    fn orthonormal_rows(&self, y: &[f64], l: usize) -> Vec<f64>;
}

/// A sparse matrix held whole, with its transpose.
struct Whole<'a> {
    a: &'a Csr,
    at: &'a Csr,
}

impl SvdOperator for Whole<'_> {
    fn n_cols(&self) -> usize {
        self.a.n_cols()
    }
    fn n_rows(&self) -> usize {
        self.a.n_rows()
    }
    fn n_rows_here(&self) -> usize {
        self.a.n_rows()
    }
    fn mul(&self, x: &[f64], l: usize, y: &mut [f64]) {
        self.a.spmm_wide(x, l, y);
    }
    fn mul_t(&self, y: &[f64], l: usize, z: &mut [f64]) {
        self.at.spmm_wide(y, l, z);
    }
    fn orthonormal_rows(&self, y: &[f64], l: usize) -> Vec<f64> {
        orthonormal(y, self.a.n_rows(), l)
    }
}

/// The top `settings.k` right singular vectors of `a` (`at` is its transpose), at most
/// `min(rows, cols)` of them.
pub fn randomized_svd(a: &Csr, at: &Csr, settings: SvdSettings) -> TruncatedSvd {
    randomized_svd_of(&Whole { a, at }, settings)
}

/// The top `settings.k` right singular vectors of the matrix behind `op`, at most
/// `min(rows, cols)` of them. Every process holding rows of it gets the same vectors.
pub fn randomized_svd_of(op: &dyn SvdOperator, settings: SvdSettings) -> TruncatedSvd {
    let (rows, cols) = (op.n_rows_here(), op.n_cols());
    let rank_bound = op.n_rows().min(cols);
    let k = settings.k.min(rank_bound);
    let l = (k + settings.oversample).min(rank_bound);
    if l == 0 {
        return TruncatedSvd {
            v: Vec::new(),
            s: Vec::new(),
        };
    }
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    // The probes are drawn as f32 (the same numbers as before the sums went to f64).
    let omega: Vec<f64> = (0..cols * l)
        .map(|_| {
            let g: f32 = StandardNormal.sample(&mut rng);
            f64::from(g)
        })
        .collect();
    let mut y = vec![0f64; rows * l];
    let mut z = vec![0f64; cols * l];
    op.mul(&omega, l, &mut y);
    // The probes are done with: free them before the QR copies (a cols × l table).
    drop(omega);
    let mut q = op.orthonormal_rows(&y, l);
    for _ in 0..settings.power_iters {
        op.mul_t(&q, l, &mut z);
        let qz = orthonormal(&z, cols, l);
        op.mul(&qz, l, &mut y);
        q = op.orthonormal_rows(&y, l);
    }
    // Bᵀ = R̃ᵀ Q (cols × l); R̃ ≈ Q B = Q (Bᵀ)ᵀ, so R̃'s right singular vectors are Bᵀ's left ones.
    op.mul_t(&q, l, &mut z);
    let bt = MatRef::from_row_major_slice(&z, cols, l);
    let svd = bt.thin_svd().expect("the SVD of a finite matrix converges");
    let u = svd.U();
    let s = svd.S().column_vector();
    let mut v = vec![0f32; cols * k];
    for i in 0..cols {
        for j in 0..k {
            v[i * k + j] = u[(i, j)] as f32;
        }
    }
    TruncatedSvd {
        v,
        s: (0..k).map(|j| s[j] as f32).collect(),
    }
}

/// An orthonormal basis (thin QR's `Q`) of the columns of the row-major `m` (`n × l`,
/// `n ≥ l`), row-major.
pub fn orthonormal(m: &[f64], n: usize, l: usize) -> Vec<f64> {
    let q: Mat<f64> = MatRef::from_row_major_slice(m, n, l).qr().compute_thin_Q();
    let mut out = vec![0f64; n * l];
    for j in 0..l {
        let col = q.col(j);
        for i in 0..n {
            out[i * l + j] = col[i];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn random_sparse(rows: usize, cols: usize, nnz: usize, seed: u64) -> Csr {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let r: Vec<u32> = (0..nnz).map(|_| rng.random_range(0..rows as u32)).collect();
        let c: Vec<u32> = (0..nnz).map(|_| rng.random_range(0..cols as u32)).collect();
        let v: Vec<f32> = (0..nnz).map(|_| rng.random_range(0.1..1.0)).collect();
        Csr::from_triplets(rows, cols, &r, &c, &v)
    }

    #[test]
    fn the_top_singular_values_and_the_reconstruction_match_an_exact_svd() {
        let (rows, cols, k) = (60, 40, 6);
        let a = random_sparse(rows, cols, 400, 1);
        let at = a.transpose();
        let got = randomized_svd(
            &a,
            &at,
            SvdSettings {
                k,
                oversample: 10,
                power_iters: 6,
                seed: 3,
            },
        );
        // The exact SVD of the dense matrix, in f64.
        let dense = a.to_dense();
        let m = Mat::<f64>::from_fn(rows, cols, |i, j| dense[i * cols + j] as f64);
        let exact = m.svd().unwrap();
        let sigma: Vec<f64> = (0..rows.min(cols))
            .map(|j| exact.S().column_vector()[j])
            .collect();
        for (j, (&g, &e)) in got.s.iter().zip(&sigma).enumerate() {
            let rel = (g as f64 - e).abs() / e;
            assert!(rel < 1e-3, "σ_{j}: {g} vs {e}");
        }
        // ‖A − A V Vᵀ‖_F against the optimum √(Σ_{j ≥ k} σ_j²).
        let v = Mat::<f64>::from_fn(cols, k, |i, j| got.v[i * k + j] as f64);
        let residual = &m - &m * &v * v.transpose();
        let err = residual.norm_l2();
        let best = sigma[k..].iter().map(|s| s * s).sum::<f64>().sqrt();
        assert!(
            err <= best * 1.001,
            "reconstruction {err} vs optimal {best}"
        );
        // V has orthonormal columns.
        let gram = v.transpose() * &v;
        for i in 0..k {
            for j in 0..k {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((gram[(i, j)] - want).abs() < 1e-4);
            }
        }
    }
}
