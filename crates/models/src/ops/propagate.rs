//! Sparse propagation `Â · X` for candle tensors: a CSR × dense custom op with its backward
//! pass, and an equivalent built from candle's own ops for devices without the custom op.
//!
//! Candle has no sparse matrices. Built from `index_select` / `broadcast_mul` / `index_add`,
//! a 3-layer LightGCN step on gowalla takes ~13× longer and ~35× the memory of this op
//! (`../shared/MEASURED.md`), because each intermediate is an [edges × d] tensor and those ops
//! are single-threaded on the CPU. The custom op reads each row of `X` it needs once, in
//! parallel over output rows, and its backward pass is the same product with `Âᵀ`.

use std::sync::Arc;

use candle_core::{CpuStorage, CustomOp1, Layout, Shape, Tensor};
use gnnrec_graph::Csr;

/// A sparse matrix ready to multiply candle tensors: `Â` and its transpose.
#[derive(Debug, Clone)]
pub struct SparseMatrix {
    a: Arc<Csr>,
    a_t: Arc<Csr>,
    /// Multiply with candle ops even on the CPU (as on CUDA).
    ops_only: bool,
}

impl SparseMatrix {
    /// Wraps `a`; the transpose (for the backward pass) is computed once here, or shared
    /// when `a` is symmetric.
    pub fn new(a: Csr) -> Self {
        let a = Arc::new(a);
        let a_t = if a.is_symmetric() {
            a.clone()
        } else {
            Arc::new(a.transpose())
        };
        SparseMatrix {
            a,
            a_t,
            ops_only: false,
        }
    }

    /// The same matrix, always multiplied with candle ops ([`SparseMatrix::matmul_ops`]),
    /// the path CUDA devices take: lets the CPU test that path end to end.
    pub fn with_candle_ops(self) -> Self {
        SparseMatrix {
            ops_only: true,
            ..self
        }
    }

    /// The rows `rows` of the matrix (see [`Csr::select_rows`]), ready to multiply: the
    /// product then costs those rows' non-zeros, and its backward pass pushes gradients from
    /// those rows only.
    pub fn select_rows(&self, rows: &[u32]) -> Self {
        let a = self.a.select_rows(rows);
        let a_t = Arc::new(a.transpose());
        SparseMatrix {
            a: Arc::new(a),
            a_t,
            ops_only: self.ops_only,
        }
    }

    /// The matrix when it is symmetric (its own transpose) and multiplied by the CPU custom
    /// op, as the hand-written LightGCN step needs; `None` otherwise.
    pub fn cpu_symmetric(&self) -> Option<&Csr> {
        (!self.ops_only && Arc::ptr_eq(&self.a, &self.a_t)).then_some(&*self.a)
    }

    /// The matrix.
    pub fn csr(&self) -> &Csr {
        &self.a
    }

    /// `Â · x` for `x` of shape `[n_cols, d]`, differentiable in `x`. On the CPU this is the
    /// custom op; on other devices, the candle-ops equivalent ([`SparseMatrix::matmul_ops`]).
    pub fn matmul(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        if x.device().is_cpu() && !self.ops_only {
            x.apply_op1(CsrTimesDense {
                a: self.a.clone(),
                a_t: self.a_t.clone(),
            })
        } else {
            self.matmul_ops(x)
        }
    }

    /// `Â · x` from candle ops (`index_select`, `broadcast_mul`, `index_add`): runs on any
    /// device (CUDA included) with candle's autograd, at a higher cost.
    pub fn matmul_ops(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let a = &self.a;
        let dev = x.device();
        let mut rows = Vec::with_capacity(a.nnz());
        for r in 0..a.n_rows() {
            rows.extend(std::iter::repeat_n(
                r as u32,
                a.indptr()[r + 1] - a.indptr()[r],
            ));
        }
        let rows = Tensor::from_vec(rows, a.nnz(), dev)?;
        let cols = Tensor::from_slice(a.indices(), a.nnz(), dev)?;
        let vals = Tensor::from_slice(a.values(), (a.nnz(), 1), dev)?.to_dtype(x.dtype())?;
        let gathered = x.index_select(&cols, 0)?.broadcast_mul(&vals)?;
        let zeros = Tensor::zeros((a.n_rows(), x.dim(1)?), x.dtype(), dev)?;
        zeros.index_add(&rows, &gathered, 0)
    }
}

/// The custom op: `out = A · x`, backward `grad_x = Aᵀ · grad_out`.
struct CsrTimesDense {
    a: Arc<Csr>,
    a_t: Arc<Csr>,
}

impl CustomOp1 for CsrTimesDense {
    fn name(&self) -> &'static str {
        "csr-times-dense"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (n, d) = layout.shape().dims2()?;
        if n != self.a.n_cols() {
            candle_core::bail!(
                "csr-times-dense: matrix has {} columns, input has {n} rows",
                self.a.n_cols()
            );
        }
        let CpuStorage::F32(data) = storage else {
            candle_core::bail!("csr-times-dense: only f32 tensors are supported");
        };
        let x = match layout.contiguous_offsets() {
            Some((start, end)) => &data[start..end],
            None => candle_core::bail!("csr-times-dense: input must be contiguous"),
        };
        let mut out = vec![0f32; self.a.n_rows() * d];
        self.a.spmm(x, d, &mut out);
        Ok((CpuStorage::F32(out), Shape::from((self.a.n_rows(), d))))
    }

    fn bwd(
        &self,
        _arg: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> candle_core::Result<Option<Tensor>> {
        let grad = grad_res.contiguous()?.apply_op1(CsrTimesDense {
            a: self.a_t.clone(),
            a_t: self.a.clone(),
        })?;
        Ok(Some(grad))
    }
}

// ---------------------------------------------------------------------------------------
// Layer means: the LightGCN-style readout `Σ_k Âᵏ X / (K + 1)` over this propagation.
// ---------------------------------------------------------------------------------------

/// Final embeddings `Σ_k Âᵏ E⁰ / (K + 1)` computed outside autograd.
pub fn final_embeddings(adj: &SparseMatrix, ego: &[f32], dim: usize, layers: usize) -> Vec<f32> {
    layer_mean_outside_autograd(adj, ego, dim, layers, true)
}

/// The mean of layers `0..=layers` of `Âᵏ E⁰` (`with_ego`), or of `1..=layers` (XSimGCL's
/// readout), outside autograd.
pub fn layer_mean_outside_autograd(
    adj: &SparseMatrix,
    ego: &[f32],
    dim: usize,
    layers: usize,
    with_ego: bool,
) -> Vec<f32> {
    let a = adj.csr();
    let mut acc = if with_ego {
        ego.to_vec()
    } else {
        vec![0f32; ego.len()]
    };
    let mut cur = ego.to_vec();
    let mut next = vec![0f32; ego.len()];
    for _ in 0..layers {
        a.spmm(&cur, dim, &mut next);
        for (s, &x) in acc.iter_mut().zip(&next) {
            *s += x;
        }
        std::mem::swap(&mut cur, &mut next);
    }
    let terms = layers + usize::from(with_ego);
    let scale = 1.0 / terms.max(1) as f32;
    acc.iter_mut().for_each(|x| *x *= scale);
    acc
}

/// `Σ_k Âᵏ x / (K + 1)` for k = 0..=K, inside autograd.
pub fn layer_mean(adj: &SparseMatrix, x: &Tensor, layers: usize) -> candle_core::Result<Tensor> {
    let mut acc = x.clone();
    let mut cur = x.clone();
    for _ in 0..layers {
        cur = adj.matmul(&cur)?;
        acc = (acc + &cur)?;
    }
    acc / (layers + 1) as f64
}

/// The rows `rows` of [`layer_mean`], inside autograd, skipping the work the result never
/// reads: layers `1..K` are propagated in full, but the last one only for `rows`
/// (`Â[rows, :] · Eᴷ⁻¹`), so its forward product and the first product of the backward pass
/// cost the non-zeros of those rows instead of the whole graph's.
pub fn layer_mean_rows(
    adj: &SparseMatrix,
    x: &Tensor,
    layers: usize,
    rows: &[u32],
) -> candle_core::Result<Tensor> {
    let idx = Tensor::from_slice(rows, rows.len(), x.device())?;
    let mut acc = x.index_select(&idx, 0)?;
    if layers == 0 {
        return Ok(acc);
    }
    let mut cur = x.clone();
    for _ in 1..layers {
        cur = adj.matmul(&cur)?;
        acc = (acc + cur.index_select(&idx, 0)?)?;
    }
    let last = adj.select_rows(rows).matmul(&cur)?;
    (acc + last)? / (layers + 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::random_graph;
    use candle_core::{Device, Var};
    use gnnrec_graph::normalized_adjacency;

    fn random(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
            })
            .collect()
    }

    /// A small non-symmetric 5 × 4 matrix with an empty row.
    fn matrix() -> Csr {
        Csr::from_triplets(
            5,
            4,
            &[0, 0, 1, 2, 2, 2, 4],
            &[1, 3, 0, 0, 2, 3, 1],
            &[0.5, -1.0, 2.0, 0.25, 1.5, -0.75, 3.0],
        )
    }

    #[test]
    fn forward_matches_dense_and_candle_ops() {
        let a = SparseMatrix::new(matrix());
        let x = Tensor::from_vec(random(4 * 3, 1), (4, 3), &Device::Cpu).unwrap();
        let dense = Tensor::from_vec(matrix().to_dense(), (5, 4), &Device::Cpu).unwrap();
        let want = dense.matmul(&x).unwrap();
        let got = a.matmul(&x).unwrap();
        let ops = a.matmul_ops(&x).unwrap();
        let diff = |p: &Tensor, q: &Tensor| {
            (p - q)
                .unwrap()
                .abs()
                .unwrap()
                .max_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap()
        };
        assert!(diff(&got, &want) < 1e-6);
        assert!(diff(&ops, &want) < 1e-6);
    }

    #[test]
    fn backward_matches_finite_differences() {
        // loss = Σ w ⊙ (A · x); d loss / d x checked entry by entry by central differences.
        let a = SparseMatrix::new(matrix());
        let x0 = random(4 * 3, 2);
        let w = Tensor::from_vec(random(5 * 3, 3), (5, 3), &Device::Cpu).unwrap();
        let loss = |x: &Tensor| (a.matmul(x).unwrap() * &w).unwrap().sum_all().unwrap();
        let x = Var::from_vec(x0.clone(), (4, 3), &Device::Cpu).unwrap();
        let grad_of = |l: Tensor| -> Vec<f32> {
            l.backward()
                .unwrap()
                .get(x.as_tensor())
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap()
        };
        let g = grad_of(loss(x.as_tensor()));
        let h = 1e-2f32;
        for k in 0..x0.len() {
            let eval = |delta: f32| {
                let mut v = x0.clone();
                v[k] += delta;
                let t = Tensor::from_vec(v, (4, 3), &Device::Cpu).unwrap();
                loss(&t).to_scalar::<f32>().unwrap()
            };
            let numeric = (eval(h) - eval(-h)) / (2.0 * h);
            assert!(
                (numeric - g[k]).abs() < 1e-3,
                "entry {k}: numeric {numeric}, autograd {}",
                g[k]
            );
        }
        // The candle-ops path gives the same gradient.
        let lo = (a.matmul_ops(x.as_tensor()).unwrap() * &w)
            .unwrap()
            .sum_all()
            .unwrap();
        let g2 = grad_of(lo);
        for (p, q) in g.iter().zip(&g2) {
            assert!((p - q).abs() < 1e-5);
        }
    }

    #[test]
    fn the_rows_of_the_layer_mean_match_the_full_one_in_value_and_gradient() {
        let (x, ego) = random_graph(11);
        let adj = SparseMatrix::new(normalized_adjacency(&x, 8, 10));
        let rows = [0u32, 3, 9, 12, 17];
        let w = Tensor::from_vec(
            (0..rows.len() * 3).map(|k| k as f32 - 7.0).collect(),
            (rows.len(), 3),
            &Device::Cpu,
        )
        .unwrap();
        for layers in 0..4 {
            let e = Var::from_slice(&ego, (18, 3), &Device::Cpu).unwrap();
            let idx = Tensor::from_slice(&rows, rows.len(), &Device::Cpu).unwrap();
            let full = layer_mean(&adj, e.as_tensor(), layers)
                .unwrap()
                .index_select(&idx, 0)
                .unwrap();
            let part = layer_mean_rows(&adj, e.as_tensor(), layers, &rows).unwrap();
            let grad = |t: &Tensor| -> Vec<f32> {
                let l = (t * &w).unwrap().sum_all().unwrap();
                let g = l.backward().unwrap();
                g.get(e.as_tensor())
                    .unwrap()
                    .flatten_all()
                    .unwrap()
                    .to_vec1()
                    .unwrap()
            };
            let flat = |t: &Tensor| -> Vec<f32> { t.flatten_all().unwrap().to_vec1().unwrap() };
            for (a, b) in flat(&full).iter().zip(flat(&part)) {
                assert!((a - b).abs() < 1e-5, "{layers} layers: {a} vs {b}");
            }
            for (a, b) in grad(&full).iter().zip(grad(&part)) {
                assert!(
                    (a - b).abs() < 1e-5,
                    "{layers} layers, gradient: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn final_embeddings_average_the_layers() {
        let x = gnnrec_data::Interactions::new(vec![0], vec![0]);
        let adj = SparseMatrix::new(normalized_adjacency(&x, 1, 1));
        // Two nodes joined by an edge of weight 1: E¹ swaps them, E² swaps back.
        let fin = final_embeddings(&adj, &[1.0, 3.0], 1, 2);
        let want = [(1.0 + 3.0 + 1.0) / 3.0, (3.0 + 1.0 + 3.0) / 3.0];
        for (got, want) in fin.iter().zip(want) {
            assert!((got - want).abs() < 1e-6, "{got} vs {want}");
        }
    }
}
