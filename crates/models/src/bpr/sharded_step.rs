//! One rank's part of a LightGCN / MF-BPR step across ranks, its user rows cut by owner and
//! its item rows replicated.
//!
//! A rank's table is `[its users; every item]`; its graph is the normalised bipartite
//! adjacency `Â` restricted to its users' edges, normalised by the global degrees (the item
//! degrees summed over the ranks). A product `Â E` over that graph gives its users' rows
//! exactly (they read only item rows, which every rank holds) and each item row's share from
//! this rank's users; one all-reduce of the item rows completes it. So each layer forward, and
//! each layer of the backward pass (`Â` is symmetric), is one local product plus an
//! all-reduce of `I × d` floats: item rows are the halo every rank needs, and the only rows
//! that travel. The BPR loss and its gradient are the single process's
//! (`bpr/lightgcn/step.rs`: mean softplus over the *global* batch, the hardest of the pool's
//! candidates, `l2 · ½ Σ ‖e‖² / batch` on the batch's ego rows per occurrence).

use std::ops::Range;

use gnnrec_data::Interactions;
use gnnrec_dist::Comm;

use crate::framework::sharded::shard_degrees;
use gnnrec_graph::csr::Csr;

use super::lightgcn::step::{dot, sigmoid, softplus};
use crate::training::sampler::hardest_negatives;

/// This rank's rows of `Â` over its table `[own users; items]`: `local` are its distinct
/// (user − own.start, item) pairs. The item degrees are summed over the ranks (a collective).
pub fn shard_adjacency(
    local: &Interactions,
    n_local: usize,
    n_items: usize,
    comm: &dyn Comm,
) -> Csr {
    let mut pairs = local.clone();
    pairs.dedup_pairs();
    let (du, di) = shard_degrees(&pairs, n_local, n_items, comm);
    let n = n_local + n_items;
    let (mut rows, mut cols, mut vals) = (Vec::new(), Vec::new(), Vec::new());
    for (&u, &i) in pairs.users.iter().zip(&pairs.items) {
        let v = 1.0 / (du[u as usize].sqrt() * di[i as usize].sqrt());
        let item = n_local as u32 + i;
        rows.extend([u, item]);
        cols.extend([item, u]);
        vals.extend([v, v]);
    }
    Csr::from_triplets(n, n, &rows, &cols, &vals)
}

/// One rank's step: the layers' products with their all-reduces, the BPR loss of its slice of
/// the global batch, and the gradient at its table.
pub struct ShardStep<'a> {
    comm: &'a dyn Comm,
    own: Range<u32>,
    adj: Csr,
    dim: usize,
    layers: usize,
    l2: f32,
}

impl<'a> ShardStep<'a> {
    /// The step of the rank owning `own`, over its graph `adj` ([`shard_adjacency`]).
    pub fn new(
        comm: &'a dyn Comm,
        own: Range<u32>,
        adj: Csr,
        dim: usize,
        layers: usize,
        l2: f32,
    ) -> Self {
        ShardStep {
            comm,
            own,
            adj,
            dim,
            layers,
            l2,
        }
    }

    /// `Â x` completed over the ranks.
    fn propagate(&self, x: &[f32]) -> Vec<f32> {
        let mut out = vec![0f32; x.len()];
        self.adj.spmm(x, self.dim, &mut out);
        self.comm
            .all_reduce_f32(&mut out[self.own.len() * self.dim..]);
        out
    }

    /// `Σ_{k ≤ K} Âᵏ x / (K + 1)`: the final embeddings of a table, and (`Â` being
    /// symmetric) the gradient at the ego rows of one at the final rows.
    fn layer_mean(&self, x: &[f32]) -> Vec<f32> {
        let mut sum = x.to_vec();
        let mut cur = x.to_vec();
        for _ in 0..self.layers {
            cur = self.propagate(&cur);
            for (f, &c) in sum.iter_mut().zip(&cur) {
                *f += c;
            }
        }
        let scale = 1.0 / (self.layers + 1) as f32;
        sum.iter_mut().for_each(|x| *x *= scale);
        sum
    }

    /// The final embeddings `Σ_k Eᵏ / (K + 1)` of the table.
    pub fn final_embeddings(&self, table: &[f32]) -> Vec<f32> {
        self.layer_mean(table)
    }

    /// The loss of the global batch of `global` triples and this rank's gradient at `table`:
    /// `users` (global indices, all this rank's), `pos` and `neg` (`neg.len() / users.len()`
    /// candidates per triple, the highest-scored trained on) are its slice. A collective.
    pub fn loss_and_grad(
        &mut self,
        table: &[f32],
        users: &[u32],
        pos: &[u32],
        neg: &[u32],
        global: usize,
    ) -> (f32, Vec<f32>) {
        let (d, nl) = (self.dim, self.own.len());
        let fin = self.final_embeddings(table);
        let row = |r: usize| &fin[r * d..(r + 1) * d];
        let local: Vec<u32> = users.iter().map(|&u| u - self.own.start).collect();
        let pool = if users.is_empty() {
            1
        } else {
            neg.len() / users.len()
        };
        let item = |i: u32| nl + i as usize;
        let neg: Vec<u32> = if pool > 1 {
            hardest_negatives(&local, neg, pool, |u, i| dot(row(u as usize), row(item(i))))
        } else {
            neg.to_vec()
        };
        let b = global as f32;
        let mut g = vec![0f32; table.len()];
        let (mut bpr, mut reg) = (0f64, 0f64);
        for ((&u, &p), &q) in local.iter().zip(pos).zip(&neg) {
            let (u, p, q) = (u as usize, item(p), item(q));
            let x = dot(row(u), row(q)) - dot(row(u), row(p));
            bpr += softplus(x) as f64;
            let c = sigmoid(x) / b;
            for j in 0..d {
                let (eu, ep, eq) = (fin[u * d + j], fin[p * d + j], fin[q * d + j]);
                g[u * d + j] += c * (eq - ep);
                g[p * d + j] -= c * eu;
                g[q * d + j] += c * eu;
            }
        }
        // ∂E⁰ = (1 / (K + 1)) Σ_k Âᵏ ∂F, each product completed over the ranks; ∂F's item rows
        // first summed (every rank's triples touch them).
        self.comm.all_reduce_f32(&mut g[nl * d..]);
        let mut grad = self.layer_mean(&g);
        // L2 on the batch's ego rows, per occurrence; item rows' share summed over the ranks.
        let c = self.l2 / b;
        let mut l2_items = vec![0f32; table.len() - nl * d];
        for ((&u, &p), &q) in local.iter().zip(pos).zip(&neg) {
            for r in [u as usize, item(p), item(q)] {
                let e = &table[r * d..(r + 1) * d];
                reg += dot(e, e) as f64;
                let dst = if r < nl {
                    &mut grad[r * d..(r + 1) * d]
                } else {
                    &mut l2_items[(r - nl) * d..(r - nl + 1) * d]
                };
                for (x, &v) in dst.iter_mut().zip(e) {
                    *x += c * v;
                }
            }
        }
        self.comm.all_reduce_f32(&mut l2_items);
        for (a, &x) in grad[nl * d..].iter_mut().zip(&l2_items) {
            *a += x;
        }
        let mut sums = [bpr, reg];
        self.comm.all_reduce_f64(&mut sums);
        let loss =
            (sums[0] / global as f64) as f32 + self.l2 * (sums[1] * 0.5 / global as f64) as f32;
        (loss, grad)
    }
}
