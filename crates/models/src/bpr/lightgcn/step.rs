//! The LightGCN training step written by hand for the CPU: forward propagation, BPR loss and
//! its L2 term, and the backward pass, without autograd — the same loss and gradient as the
//! candle step (`lightgcn::step_loss`, which stays the reference and the path of CUDA devices;
//! a test holds them equal), with only the work the gradient needs:
//!
//! - forward, layers `1..K-1` are full products `Eᵏ = Â Eᵏ⁻¹` into buffers kept between steps;
//!   layer `K` is computed only for the batch's rows (all of it when a pool of negatives must
//!   be scored); the layer mean only for those rows;
//! - backward, with `G` the loss gradient at the batch's final rows and `g = G / (K + 1)`:
//!   `∂Eᴷ⁻¹ = Âᵀ g + g` is one pass over `Â` that gathers only the batch's rows, then
//!   `∂Eᵏ⁻¹ = Â ∂Eᵏ + g` for `k = K-1 … 1` (`Â` is symmetric, so `Âᵀ = Â` and each is the same
//!   row-parallel product as the forward pass);
//!   each pass adds the batch rows' `g` (and, at `E⁰`, the L2 term) to the rows it writes,
//!   so no serial pass over the batch's rows follows it;
//! - so a step at `K = 3` costs four full products (two forward, two backward), where candle's
//!   autograd also materialised the layer sums, the index-select gradients and a copy of the
//!   table on the way in and out.
//!
//! Written by hand because candle's autograd cannot skip that work and no crate offers a
//! LightGCN step; the products are `Csr::spmm` and its row kernel (`gnnrec_graph::row_kernel`).

use gnnrec_graph::Csr;
use rayon::prelude::*;

use crate::ops::distinct_rows;
use crate::training::sampler::hardest_negatives;

/// Buffers kept between steps, so a step allocates no table and faults in no fresh pages:
/// the batch's final rows and their gradient, and a pool of free tables (`nodes × dim`) that
/// the forward pass takes its stored layers from, hands back once the batch's final rows are
/// built, and the backward pass takes its tables from again (two from `K = 2` on) — the
/// gradient it returns is one of them, back in the pool after [`StepBuffers::recycle`]. At
/// `K = 3` a step so touches two tables besides the embeddings (and the optimiser's two), not
/// four: a working set that stays in the caches (gowalla step 40.4 → 36.2 ms). After the
/// first step no table is allocated.
#[derive(Debug, Default)]
pub(crate) struct StepBuffers {
    free: Vec<Vec<f32>>,
    fin_rows: Vec<f32>,
    g_rows: Vec<f32>,
    g0_rows: Vec<f32>,
    /// Each node's index among the batch's distinct rows, [`NONE`] elsewhere (reset after
    /// every step).
    slot: Vec<u32>,
}

/// A node outside the batch, in [`StepBuffers::slot`].
const NONE: u32 = u32::MAX;

/// The batch rows' term a backward pass adds to the rows it writes: `g[k]` at `rows[k]`.
#[derive(Clone, Copy)]
struct RowsPlus<'a> {
    slot: &'a [u32],
    g: &'a [f32],
    d: usize,
}

impl RowsPlus<'_> {
    /// `o += g[k]` when node `r` is the batch's row `k`.
    #[inline]
    fn add(&self, r: usize, o: &mut [f32]) {
        let k = self.slot[r];
        if k != NONE {
            let k = k as usize;
            for (x, &y) in o.iter_mut().zip(&self.g[k * self.d..(k + 1) * self.d]) {
                *x += y;
            }
        }
    }
}

/// What the step needs of the model.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub n_users: usize,
    pub dim: usize,
    pub layers: usize,
    pub l2: f32,
}

impl StepBuffers {
    /// The loss of the triples (`users[k]`, `pos[k]`, a negative per triple — or `neg.len() /
    /// users.len()` candidates per triple, of which the current model's highest-scored is
    /// trained on) at ego embeddings `ego`, and its gradient with respect to `ego`.
    /// `a` must be symmetric (the normalised bipartite adjacency).
    pub(crate) fn loss_and_grad(
        &mut self,
        a: &Csr,
        ego: &[f32],
        s: Shape,
        users: &[u32],
        pos: &[u32],
        neg: &[u32],
    ) -> (f32, Vec<f32>) {
        let (d, k_layers) = (s.dim, s.layers);
        let n = ego.len() / d;
        let b = users.len();
        let off = s.n_users as u32;
        let pos: Vec<u32> = pos.iter().map(|&i| i + off).collect();
        let pool = neg.len() / b.max(1);
        let full_last = pool > 1;
        // Forward: the layers kept in full (1..K-1, and K when a pool is scored).
        let kept = if full_last {
            k_layers
        } else {
            k_layers.saturating_sub(1)
        };
        let mut layers: Vec<Vec<f32>> = Vec::with_capacity(kept);
        for _ in 0..kept {
            let mut out = self.table(n * d);
            a.spmm(layers.last().map_or(ego, Vec::as_slice), d, &mut out);
            layers.push(out);
        }
        let scale = 1.0 / (k_layers + 1) as f32;
        let mut fin = Vec::new();
        let neg: Vec<u32> = if full_last {
            // Every node's final embedding, to score the candidates.
            fin = self.table(n * d);
            fin.par_chunks_mut(d)
                .enumerate()
                .for_each(|(r, o)| final_row(a, ego, &layers, false, r, d, scale, o));
            let f = &fin;
            let row = |r: u32| &f[r as usize * d..(r as usize + 1) * d];
            let score = |u: u32, i: u32| dot(row(u), row(i + off));
            hardest_negatives(users, neg, pool, score)
                .into_iter()
                .map(|i| i + off)
                .collect()
        } else {
            neg.iter().map(|&i| i + off).collect()
        };
        let (rows, at) = distinct_rows(&[users, &pos, &neg]);
        // The batch's final rows.
        let mut fin_rows = std::mem::take(&mut self.fin_rows);
        fin_rows.resize(rows.len() * d, 0.0);
        {
            let (layers, fin) = (&layers, &fin);
            fin_rows
                .par_chunks_mut(d)
                .zip(rows.par_iter())
                .for_each(|(o, &r)| {
                    let r = r as usize;
                    if full_last {
                        o.copy_from_slice(&fin[r * d..(r + 1) * d]);
                    } else {
                        final_row(a, ego, layers, k_layers > 0, r, d, scale, o);
                    }
                });
        }
        self.free.extend(layers);
        if full_last {
            self.free.push(fin);
        }
        // BPR: mean softplus(s(u, neg) − s(u, pos)), and its gradient at the final rows.
        let mut g_rows = std::mem::take(&mut self.g_rows);
        g_rows.clear();
        g_rows.resize(rows.len() * d, 0.0);
        let mut bpr = 0f64;
        for ((&u, &p), &q) in at[0].iter().zip(&at[1]).zip(&at[2]) {
            let (u, p, q) = (u as usize, p as usize, q as usize);
            let fu = &fin_rows[u * d..(u + 1) * d];
            let fp = &fin_rows[p * d..(p + 1) * d];
            let fq = &fin_rows[q * d..(q + 1) * d];
            let x = dot(fu, fq) - dot(fu, fp);
            bpr += softplus(x) as f64;
            let c = sigmoid(x) / b as f32;
            for j in 0..d {
                let (eu, ep, eq) = (fu[j], fp[j], fq[j]);
                g_rows[u * d + j] += c * (eq - ep);
                g_rows[p * d + j] -= c * eu;
                g_rows[q * d + j] += c * eu;
            }
        }
        let bpr = (bpr / b as f64) as f32;

        // Backward. `g` is each layer's gradient at the batch's rows; at E⁰ the L2 term's
        // `l2 / b · eᵣ` per occurrence of row `r` joins it (`g0`). The L2 term on the batch's
        // ego rows, counted once per occurrence, is summed in the same pass.
        g_rows.iter_mut().for_each(|x| *x *= scale);
        let mut g0_rows = std::mem::take(&mut self.g0_rows);
        g0_rows.clone_from(&g_rows);
        let c = s.l2 / b as f32;
        let mut reg = 0f64;
        for part in [&at[0], &at[1], &at[2]] {
            for &k in part.iter() {
                let (k, r) = (k as usize, rows[k as usize] as usize);
                let e = &ego[r * d..(r + 1) * d];
                reg += dot(e, e) as f64;
                for (x, &e) in g0_rows[k * d..(k + 1) * d].iter_mut().zip(e) {
                    *x += c * e;
                }
            }
        }
        let loss = bpr + s.l2 * (reg * 0.5 / b as f64) as f32;
        let mut slot = std::mem::take(&mut self.slot);
        slot.resize(n, NONE);
        for (k, &r) in rows.iter().enumerate() {
            slot[r as usize] = k as u32;
        }
        let plus = |last: bool| RowsPlus {
            slot: &slot,
            g: if last { &g0_rows } else { &g_rows },
            d,
        };
        let mut grad = self.table(n * d);
        if k_layers > 0 {
            // ∂Eᴷ⁻¹ = Âᵀ g + g (a scatter from the rows' neighbours; Âᵀ = Â) into `grad`, then
            // ∂Eᵏ⁻¹ = Â ∂Eᵏ + g down to E⁰, the products alternating between two tables. Each
            // pass writes every row, so the pooled tables need no clearing, and adds the
            // batch rows' term as it writes them.
            let products = k_layers - 1;
            let (mut cur, mut next) = (grad, Vec::new());
            if products > 0 {
                next = self.table(n * d);
            }
            scatter_rows(a, &g_rows, plus(products == 0), &mut cur);
            for p in 0..products {
                let plus = plus(p + 1 == products);
                a.spmm_then(&cur, d, &mut next, |r, o| plus.add(r, o));
                std::mem::swap(&mut cur, &mut next);
            }
            grad = cur;
            if products > 0 {
                self.free.push(next);
            }
        } else {
            let plus = plus(true);
            grad.par_chunks_mut(d).enumerate().for_each(|(r, o)| {
                o.fill(0.0);
                plus.add(r, o);
            });
        }
        for &r in &rows {
            slot[r as usize] = NONE;
        }
        self.slot = slot;
        self.fin_rows = fin_rows;
        self.g_rows = g_rows;
        self.g0_rows = g0_rows;
        (loss, grad)
    }

    /// Fills every kept buffer with NaN, so a test shows that no step reads what an earlier
    /// one left.
    #[cfg(test)]
    pub(crate) fn poison(&mut self) {
        for t in &mut self.free {
            t.fill(f32::NAN);
        }
        self.fin_rows.fill(f32::NAN);
        self.g_rows.fill(f32::NAN);
        self.g0_rows.fill(f32::NAN);
    }

    /// Takes back a gradient [`StepBuffers::loss_and_grad`] returned, for the next step to
    /// write into.
    pub(crate) fn recycle(&mut self, grad: Vec<f32>) {
        self.free.push(grad);
    }

    /// A table of `len` floats from the pool (its contents are whatever the last user left), or
    /// a new one.
    fn table(&mut self, len: usize) -> Vec<f32> {
        let mut t = self.free.pop().unwrap_or_default();
        t.resize(len, 0.0);
        t
    }
}

/// Row `r` of the final embedding, `(E⁰[r] + Σ stored Eᵏ[r] (+ Â[r] Eᴷ⁻¹)) · scale`: the
/// stored layers, and — with `last_layer` — layer `K` computed for this row alone from the
/// last stored one (or from `E⁰` when none is stored).
#[allow(clippy::too_many_arguments)]
fn final_row(
    a: &Csr,
    ego: &[f32],
    layers: &[Vec<f32>],
    last_layer: bool,
    r: usize,
    d: usize,
    scale: f32,
    o: &mut [f32],
) {
    if last_layer {
        a.row_times(r, layers.last().map_or(ego, Vec::as_slice), d, o);
    } else {
        o.fill(0.0);
    }
    for l in std::iter::once(ego).chain(layers.iter().map(Vec::as_slice)) {
        for (x, &y) in o.iter_mut().zip(&l[r * d..(r + 1) * d]) {
            *x += y;
        }
    }
    o.iter_mut().for_each(|x| *x *= scale);
}

/// `out[j] = Σ_{r ∈ rows} Â[r, j] · g[r] (+ plus's term at the batch's rows)` — `Âᵀ g` for
/// `g` non-zero only at the batch's rows — as a row-parallel pass over `Â` (symmetric:
/// `Â[r, j] = Â[j, r]`) that gathers only the neighbours in the batch: it streams the matrix
/// once and writes every row of `out`, with no write shared between threads.
fn scatter_rows(a: &Csr, g: &[f32], plus: RowsPlus<'_>, out: &mut [f32]) {
    let d = plus.d;
    out.par_chunks_mut(d)
        .with_min_len(64)
        .enumerate()
        .for_each(|(j, o)| {
            o.fill(0.0);
            let (cols, vals) = a.row(j);
            for (&c, &v) in cols.iter().zip(vals) {
                let k = plus.slot[c as usize];
                if k != NONE {
                    let k = k as usize;
                    for (x, &y) in o.iter_mut().zip(&g[k * d..(k + 1) * d]) {
                        *x += v * y;
                    }
                }
            }
            plus.add(j, o);
        });
}

pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `ln(1 + eˣ)`, stable for large `|x|`.
pub(crate) fn softplus(x: f32) -> f32 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}
