//! Scores as dot products of user and item embeddings, computed with the `gemm` kernels.

use gemm::{Parallelism, gemm};

use crate::scorer::Scorer;

/// `score(u, i) = users[u] · items[i]` for row-major `users` (n_users × dim) and `items`
/// (n_items × dim), plus an optional per-item bias.
///
/// ```
/// use gnnrec_eval::{DotScorer, Scorer};
/// let s = DotScorer::new(vec![1.0, 0.0, 0.0, 1.0], vec![2.0, 3.0, 4.0, 5.0], 2);
/// let mut out = vec![0.0; 2];
/// s.score_users(&[1], &mut out);
/// assert_eq!(out, vec![3.0, 5.0]);
/// ```
#[derive(Debug, Clone)]
pub struct DotScorer {
    users: Vec<f32>,
    items: Vec<f32>,
    item_bias: Option<Vec<f32>>,
    dim: usize,
}

impl DotScorer {
    /// Embeddings of dimension `dim`, row-major.
    pub fn new(users: Vec<f32>, items: Vec<f32>, dim: usize) -> Self {
        assert!(dim > 0 && users.len().is_multiple_of(dim) && items.len().is_multiple_of(dim));
        DotScorer {
            users,
            items,
            item_bias: None,
            dim,
        }
    }

    /// Adds a per-item bias to every score.
    pub fn with_item_bias(mut self, bias: Vec<f32>) -> Self {
        assert_eq!(bias.len(), self.items.len() / self.dim);
        self.item_bias = Some(bias);
        self
    }

    /// The embedding dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The user embeddings, row-major.
    pub fn user_embeddings(&self) -> &[f32] {
        &self.users
    }

    /// The item embeddings, row-major.
    pub fn item_embeddings(&self) -> &[f32] {
        &self.items
    }
}

impl Scorer for DotScorer {
    fn n_items(&self) -> usize {
        self.items.len() / self.dim
    }

    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        let d = self.dim;
        let mut lhs = Vec::with_capacity(users.len() * d);
        for &u in users {
            lhs.extend_from_slice(&self.users[u as usize * d..(u as usize + 1) * d]);
        }
        self.score_vectors(&lhs, out);
    }
}

impl DotScorer {
    /// Scores item histories (fold-in by aggregation): a history's vector is the mean of its
    /// items' embeddings, scored against every item like a user's. An empty history scores
    /// zero (plus the item bias).
    pub fn score_history_means(&self, histories: &[&[u32]], out: &mut [f32]) {
        let d = self.dim;
        let mut lhs = vec![0f32; histories.len() * d];
        for (row, h) in lhs.chunks_exact_mut(d).zip(histories) {
            for &i in *h {
                for (a, &x) in row
                    .iter_mut()
                    .zip(&self.items[i as usize * d..(i as usize + 1) * d])
                {
                    *a += x;
                }
            }
            let scale = 1.0 / h.len().max(1) as f32;
            row.iter_mut().for_each(|a| *a *= scale);
        }
        self.score_vectors(&lhs, out);
    }

    /// Scores `lhs` (rows of `dim` floats: user vectors) against every item into `out`.
    fn score_vectors(&self, lhs: &[f32], out: &mut [f32]) {
        let (d, n) = (self.dim, self.n_items());
        let rows = lhs.len() / d;
        assert_eq!(out.len(), rows * n);
        // SAFETY: dst is rows × n (row-major, row stride n), lhs rows × d (row stride d),
        // rhs = itemsᵀ is d × n read from items (n × d row-major), so rhs(k, j) =
        // items[j * d + k]: column stride d, row stride 1. All buffers have those sizes.
        unsafe {
            gemm(
                rows,
                n,
                d,
                out.as_mut_ptr(),
                1,
                n as isize,
                false,
                lhs.as_ptr(),
                1,
                d as isize,
                self.items.as_ptr(),
                d as isize,
                1,
                0.0,
                1.0,
                false,
                false,
                false,
                Parallelism::None,
            );
        }
        if let Some(b) = &self.item_bias {
            for row in out.chunks_mut(n) {
                for (s, &x) in row.iter_mut().zip(b) {
                    *s += x;
                }
            }
        }
    }
}
