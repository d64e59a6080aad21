//! Compressed sparse row matrices and the sparse × dense product.

use rayon::prelude::*;

/// A sparse `n_rows × n_cols` matrix in CSR form with `f32` values.
#[derive(Debug, Clone, PartialEq)]
///
/// The fields are private so that every `Csr` keeps its invariants: `indptr` has
/// `n_rows + 1` non-decreasing offsets from 0 to `nnz`, columns are below `n_cols` and
/// ascending (without repeats) within a row.
pub struct Csr {
    n_rows: usize,
    n_cols: usize,
    /// Row `r`'s entries are `indptr[r]..indptr[r + 1]`.
    indptr: Vec<usize>,
    /// Column of each entry, ascending within a row.
    indices: Vec<u32>,
    /// Value of each entry.
    values: Vec<f32>,
}

impl Csr {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Row offsets: row `r`'s entries are `indptr()[r]..indptr()[r + 1]`.
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }

    /// Column of each entry, ascending within a row.
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }

    /// Value of each entry.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Builds from whole rows, each its (columns, values) with columns ascending and below
    /// `n_cols`.
    ///
    /// # Panics
    /// When a row's columns are not strictly ascending or reach `n_cols`, or its two lists
    /// differ in length.
    pub fn from_rows(n_cols: usize, rows: Vec<(Vec<u32>, Vec<f32>)>) -> Csr {
        let mut indptr = Vec::with_capacity(rows.len() + 1);
        indptr.push(0);
        let total: usize = rows.iter().map(|r| r.0.len()).sum();
        let mut indices = Vec::with_capacity(total);
        let mut values = Vec::with_capacity(total);
        let n_rows = rows.len();
        for (c, v) in rows {
            assert_eq!(
                c.len(),
                v.len(),
                "a row's columns and values differ in length"
            );
            assert!(
                c.windows(2).all(|w| w[0] < w[1])
                    && c.last().is_none_or(|&l| (l as usize) < n_cols),
                "a row's columns must ascend and stay below {n_cols}"
            );
            indices.extend(c);
            values.extend(v);
            indptr.push(indices.len());
        }
        Csr {
            n_rows,
            n_cols,
            indptr,
            indices,
            values,
        }
    }

    /// Replaces every stored value `v` by `f(v)` (the pattern stays).
    pub fn map_values(&mut self, f: impl Fn(f32) -> f32) {
        self.values.iter_mut().for_each(|v| *v = f(*v));
    }

    /// The binary matrix of the (row, col) pairs, each row scaled to sum to 1 (a row-mean
    /// operator: `M · X` averages the rows of `X` each row of `M` lists). Repeated pairs
    /// count once.
    ///
    /// ```
    /// use gnnrec_graph::Csr;
    /// let m = Csr::row_normalized(2, 3, &[0, 0, 1, 0], &[0, 2, 1, 2]);
    /// assert_eq!(m.to_dense(), [0.5, 0.0, 0.5, 0.0, 1.0, 0.0]);
    /// ```
    pub fn row_normalized(n_rows: usize, n_cols: usize, rows: &[u32], cols: &[u32]) -> Csr {
        let ones = vec![1.0f32; rows.len()];
        let mut m = Csr::from_triplets(n_rows, n_cols, rows, cols, &ones);
        for r in 0..n_rows {
            let (a, b) = (m.indptr[r], m.indptr[r + 1]);
            for v in &mut m.values[a..b] {
                *v = 1.0 / (b - a) as f32;
            }
        }
        m
    }

    /// Builds from (row, col, value) triplets; repeated (row, col) entries are summed.
    pub fn from_triplets(
        n_rows: usize,
        n_cols: usize,
        rows: &[u32],
        cols: &[u32],
        vals: &[f32],
    ) -> Csr {
        assert!(rows.len() == cols.len() && cols.len() == vals.len());
        let mut counts = vec![0usize; n_rows + 1];
        for &r in rows {
            counts[r as usize + 1] += 1;
        }
        for r in 0..n_rows {
            counts[r + 1] += counts[r];
        }
        let mut fill = counts.clone();
        let mut entries = vec![(0u32, 0f32); rows.len()];
        for k in 0..rows.len() {
            let r = rows[k] as usize;
            entries[fill[r]] = (cols[k], vals[k]);
            fill[r] += 1;
        }
        let mut indptr = Vec::with_capacity(n_rows + 1);
        let mut indices = Vec::with_capacity(rows.len());
        let mut values = Vec::with_capacity(rows.len());
        indptr.push(0);
        for r in 0..n_rows {
            let row = &mut entries[counts[r]..counts[r + 1]];
            row.sort_unstable_by_key(|e| e.0);
            for &(c, v) in row.iter() {
                if indices.len() > *indptr.last().unwrap() && *indices.last().unwrap() == c {
                    *values.last_mut().unwrap() += v;
                } else {
                    indices.push(c);
                    values.push(v);
                }
            }
            indptr.push(indices.len());
        }
        Csr {
            n_rows,
            n_cols,
            indptr,
            indices,
            values,
        }
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// The column indices and values of row `r`.
    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[r], self.indptr[r + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }

    /// The transpose, in CSR (a counting sort: columns come out ascending within each row).
    pub fn transpose(&self) -> Csr {
        let mut indptr = vec![0usize; self.n_cols + 1];
        for &c in &self.indices {
            indptr[c as usize + 1] += 1;
        }
        for c in 0..self.n_cols {
            indptr[c + 1] += indptr[c];
        }
        let mut fill = indptr.clone();
        let mut indices = vec![0u32; self.nnz()];
        let mut values = vec![0f32; self.nnz()];
        for r in 0..self.n_rows {
            let (cols, vals) = self.row(r);
            for (&c, &v) in cols.iter().zip(vals) {
                let k = &mut fill[c as usize];
                indices[*k] = r as u32;
                values[*k] = v;
                *k += 1;
            }
        }
        Csr {
            n_rows: self.n_cols,
            n_cols: self.n_rows,
            indptr,
            indices,
            values,
        }
    }

    /// The rows `rows` of the matrix, in that order (repeats allowed): a `rows.len() × n_cols`
    /// matrix. Propagating only the rows a loss reads costs their non-zeros, not the matrix's.
    ///
    /// ```
    /// use gnnrec_graph::Csr;
    /// let m = Csr::from_triplets(3, 2, &[0, 1, 2], &[1, 0, 1], &[1.0, 2.0, 3.0]);
    /// let s = m.select_rows(&[2, 0]);
    /// assert_eq!(s.to_dense(), [0.0, 3.0, 0.0, 1.0]);
    /// ```
    pub fn select_rows(&self, rows: &[u32]) -> Csr {
        let mut indptr = Vec::with_capacity(rows.len() + 1);
        indptr.push(0);
        let nnz: usize = rows.iter().map(|&r| self.row(r as usize).0.len()).sum();
        let mut indices = Vec::with_capacity(nnz);
        let mut values = Vec::with_capacity(nnz);
        for &r in rows {
            let (c, v) = self.row(r as usize);
            indices.extend_from_slice(c);
            values.extend_from_slice(v);
            indptr.push(indices.len());
        }
        Csr {
            n_rows: rows.len(),
            n_cols: self.n_cols,
            indptr,
            indices,
            values,
        }
    }

    /// Whether the matrix equals its transpose (same pattern and values).
    pub fn is_symmetric(&self) -> bool {
        self.n_rows == self.n_cols && *self == self.transpose()
    }

    /// `out = self · x` for a dense row-major `x` of `n_cols × d`; `out` is `n_rows × d`.
    /// Parallel over rows.
    pub fn spmm(&self, x: &[f32], d: usize, out: &mut [f32]) {
        self.spmm_then(x, d, out, |_, _| {});
    }

    /// `out = self · x` with every sum carried in f64 ([`crate::wide_row_kernel`]): for a
    /// product whose rows are summed elsewhere too (across the ranks of a distributed run),
    /// where the result rounded to f32 must not depend on the order of the terms. `x` is
    /// f32 or f64. Parallel over rows.
    pub fn spmm_wide<T: crate::wide_row_kernel::Widen>(&self, x: &[T], d: usize, out: &mut [f64]) {
        assert_eq!(x.len(), self.n_cols * d);
        assert_eq!(out.len(), self.n_rows * d);
        out.par_chunks_mut(d.max(1))
            .with_min_len(64)
            .enumerate()
            .for_each(|(r, o)| {
                let (cols, vals) = self.row(r);
                crate::wide_row_kernel::row_times_wide(cols, vals, x, d, o);
            });
    }

    /// [`Csr::spmm_wide`] rounded to f32 as each row is finished: the same f32 result without
    /// an f64 table, for a product whose sums are all in this process (each row's f64 sums
    /// live in a scratch row of `d` doubles per thread).
    pub fn spmm_wide_rounded<T: crate::wide_row_kernel::Widen>(
        &self,
        x: &[T],
        d: usize,
        out: &mut [f32],
    ) {
        assert_eq!(x.len(), self.n_cols * d);
        assert_eq!(out.len(), self.n_rows * d);
        out.par_chunks_mut(d.max(1))
            .with_min_len(64)
            .enumerate()
            .for_each_init(
                || vec![0f64; d],
                |acc, (r, o)| {
                    let (cols, vals) = self.row(r);
                    crate::wide_row_kernel::row_times_wide(cols, vals, x, d, acc);
                    for (o, &a) in o.iter_mut().zip(acc.iter()) {
                        *o = a as f32;
                    }
                },
            );
    }

    /// [`Csr::spmm`], then `then(r, row)` on each output row `r` while it is still in cache
    /// (a fused epilogue, e.g. adding a term to some rows).
    pub fn spmm_then(
        &self,
        x: &[f32],
        d: usize,
        out: &mut [f32],
        then: impl Fn(usize, &mut [f32]) + Sync,
    ) {
        assert_eq!(x.len(), self.n_cols * d);
        assert_eq!(out.len(), self.n_rows * d);
        out.par_chunks_mut(d)
            .with_min_len(64)
            .enumerate()
            .for_each(|(r, o)| {
                self.row_times(r, x, d, o);
                then(r, o);
            });
    }

    /// `o = row r of self · x` (one output row of [`Csr::spmm`]).
    #[inline]
    pub fn row_times(&self, r: usize, x: &[f32], d: usize, o: &mut [f32]) {
        let (cols, vals) = self.row(r);
        crate::row_kernel::row_times(cols, vals, x, d, o);
    }

    /// Scales every entry `(r, c)` by `1 / √(dᵣ d_c)`, with `d` the row sums (weighted
    /// degrees) before scaling: the symmetric normalisation `D^-1/2 A D^-1/2` of a square
    /// matrix. Rows summing to zero are left as they are.
    pub fn normalize_symmetric(&mut self) {
        assert_eq!(
            self.n_rows, self.n_cols,
            "normalising needs a square matrix"
        );
        let inv_sqrt: Vec<f32> = (0..self.n_rows)
            .map(|r| {
                let d: f32 = self.row(r).1.iter().sum();
                if d > 0.0 { 1.0 / d.sqrt() } else { 0.0 }
            })
            .collect();
        for r in 0..self.n_rows {
            for k in self.indptr[r]..self.indptr[r + 1] {
                self.values[k] *= inv_sqrt[r] * inv_sqrt[self.indices[k] as usize];
            }
        }
    }

    /// The dense form, row-major (for tests and small matrices).
    pub fn to_dense(&self) -> Vec<f32> {
        let mut m = vec![0.0; self.n_rows * self.n_cols];
        for r in 0..self.n_rows {
            let (c, v) = self.row(r);
            for (&c, &v) in c.iter().zip(v) {
                m[r * self.n_cols + c as usize] = v;
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triplets_sum_duplicates_and_sort() {
        let m = Csr::from_triplets(2, 3, &[1, 0, 1, 1], &[2, 1, 0, 2], &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m.indptr, vec![0, 1, 3]);
        assert_eq!(m.indices, vec![1, 0, 2]);
        assert_eq!(m.values, vec![2.0, 3.0, 5.0]);
        assert_eq!(m.transpose().transpose(), m);
    }

    #[test]
    fn transpose_matches_the_dense_transpose() {
        let m = Csr::from_triplets(
            3,
            4,
            &[0, 0, 1, 2, 2, 2],
            &[3, 1, 0, 0, 2, 3],
            &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        );
        let (d, t) = (m.to_dense(), m.transpose());
        assert_eq!((t.n_rows, t.n_cols), (4, 3));
        let td = t.to_dense();
        for r in 0..3 {
            for c in 0..4 {
                assert_eq!(td[c * 3 + r], d[r * 4 + c]);
            }
        }
        assert!(t.indptr.windows(2).all(|w| {
            let cols = &t.indices[w[0]..w[1]];
            cols.windows(2).all(|p| p[0] < p[1])
        }));
    }

    #[test]
    fn selected_rows_are_the_rows_in_order() {
        let m = Csr::from_triplets(3, 3, &[0, 0, 2, 2], &[0, 2, 1, 2], &[1.0, 2.0, 3.0, 4.0]);
        let s = m.select_rows(&[2, 1, 0, 2]);
        let (d, sd) = (m.to_dense(), s.to_dense());
        for (k, r) in [2usize, 1, 0, 2].into_iter().enumerate() {
            assert_eq!(sd[k * 3..k * 3 + 3], d[r * 3..r * 3 + 3]);
        }
        assert_eq!(s.nnz(), 6);
    }

    #[test]
    fn the_rounded_wide_product_is_the_wide_product_rounded_bit_for_bit() {
        // 200 rows of up to 12 terms; widths below, at and above the kernel's blocks.
        let (rows, cols) = (200u32, 50u32);
        let (mut r, mut c, mut v) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..rows {
            for k in 0..(i % 13) {
                r.push(i);
                c.push((i * 7 + k * 11) % cols);
                v.push(1.0 / (1.0 + (i + k) as f32).sqrt());
            }
        }
        let m = Csr::from_triplets(rows as usize, cols as usize, &r, &c, &v);
        for d in [1usize, 5, 32, 41] {
            let x: Vec<f32> = (0..cols as usize * d)
                .map(|k| ((k * 31 % 97) as f32 - 48.0) / 9.0)
                .collect();
            let mut wide = vec![0f64; rows as usize * d];
            m.spmm_wide(&x, d, &mut wide);
            let mut rounded = vec![1f32; rows as usize * d];
            m.spmm_wide_rounded(&x, d, &mut rounded);
            for (a, &w) in rounded.iter().zip(&wide) {
                assert_eq!(a.to_bits(), (w as f32).to_bits(), "d = {d}");
            }
        }
    }

    #[test]
    fn spmm_matches_dense() {
        let m = Csr::from_triplets(3, 2, &[0, 1, 2, 2], &[1, 0, 0, 1], &[2.0, -1.0, 0.5, 3.0]);
        let x = [1.0, 2.0, 3.0, 4.0]; // 2 × 2
        let mut out = vec![0.0; 6];
        m.spmm(&x, 2, &mut out);
        let dense = m.to_dense();
        for r in 0..3 {
            for j in 0..2 {
                let want: f32 = (0..2).map(|c| dense[r * 2 + c] * x[c * 2 + j]).sum();
                assert_eq!(out[r * 2 + j], want);
            }
        }
    }
}
