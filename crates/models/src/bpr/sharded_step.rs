//! One rank's part of a LightGCN / MF-BPR step across ranks: its user rows cut by owner, its
//! item rows too ([`gnnrec_dist::Blocks`] over the items), and only the rows a shard's edges
//! touch ever travelling (the halo exchange, [`gnnrec_dist::Halo`]).
//!
//! A rank's table is `[its users; its items]`. Its graph is `Â` restricted to its users'
//! edges, over the columns `[its users; its halo]` (the halo: every item those edges touch,
//! whoever owns it), normalised by the global degrees (the item degrees pushed to their owners
//! and fetched back, never a whole item-sized vector). One propagation `Â E`:
//!
//! 1. fetch the halo's rows of `E` from their owners (all-to-all, owners → readers);
//! 2. one local product over `[own users; halo]`: its users' new rows exactly (their edges are
//!    all here) and each halo item's share from this rank's users;
//! 3. push those shares to the items' owners, who add them in rank order (readers → owners).
//!
//! Each layer forward, and each layer of the backward pass (`Â` is symmetric), is that
//! product. The BPR loss reads the final rows of the batch's items (another halo, of this
//! step's positives and negative candidates); their gradients and the L2 term's occurrence
//! counts go back to the owners the same way. The loss and gradient are the single process's
//! (`bpr/lightgcn/step.rs`: mean softplus over the *global* batch, the hardest of the pool's
//! candidates, `l2 · ½ Σ ‖e‖² / batch` on the batch's ego rows per occurrence); only the order
//! of float additions differs.

use std::ops::Range;

use gnnrec_data::Interactions;
use gnnrec_dist::{Blocks, Comm, Halo};

use gnnrec_graph::csr::Csr;

use super::lightgcn::step::{dot, sigmoid, softplus};
use crate::training::sampler::hardest_negatives;

/// A rank's share of the graph: `Â`'s rows of its users and its halo, and the halo's plan.
pub struct ShardGraph {
    /// `Â` over `[own users; halo]` (the halo's rows hold only this rank's edges' shares).
    adj: Csr,
    /// The items this rank's edges touch.
    halo: Halo,
    /// Who owns which item.
    items: Blocks,
}

impl ShardGraph {
    /// The graph of the rank whose (user − own.start, item) pairs are `local` (repeats
    /// allowed: each edge counts once). A collective (the halo's plan and the item degrees).
    pub fn new(local: &Interactions, n_local: usize, n_items: usize, comm: &dyn Comm) -> Self {
        let mut pairs = local.clone();
        pairs.dedup_pairs();
        let items = Blocks::new(n_items, comm.size());
        let mut ids = pairs.items.clone();
        ids.sort_unstable();
        ids.dedup();
        let halo = Halo::new(ids, &items, comm);
        let at: Vec<u32> = pairs
            .items
            .iter()
            .map(|&i| halo.position(i).expect("every edge's item is in the halo") as u32)
            .collect();
        // Degrees: users' are complete here; items' are this rank's counts, summed by their
        // owners and read back (exact integers in f32 up to 2^24 edges per item).
        let mut du = vec![0f32; n_local];
        let mut partial = vec![0f32; halo.ids().len()];
        for (&u, &h) in pairs.users.iter().zip(&at) {
            du[u as usize] += 1.0;
            partial[h as usize] += 1.0;
        }
        let mut owned = vec![0f32; items.range(comm.rank()).len()];
        halo.push_add(&partial, 1, &mut owned, comm);
        let di = halo.fetch(&owned, 1, comm);
        let n = n_local + halo.ids().len();
        let (mut rows, mut cols, mut vals) = (Vec::new(), Vec::new(), Vec::new());
        for (&u, &h) in pairs.users.iter().zip(&at) {
            let v = 1.0 / (du[u as usize].sqrt() * di[h as usize].sqrt());
            let item = n_local as u32 + h;
            rows.extend([u, item]);
            cols.extend([item, u]);
            vals.extend([v, v]);
        }
        let adj = Csr::from_triplets(n, n, &rows, &cols, &vals);
        ShardGraph { adj, halo, items }
    }

    /// Items whose rows this rank reads each layer (its halo).
    pub fn halo_rows(&self) -> usize {
        self.halo.ids().len()
    }

    /// Who owns which item.
    pub fn items(&self) -> &Blocks {
        &self.items
    }
}

/// One rank's step: the layers' products with their halo exchanges, the BPR loss of its slice
/// of the global batch, and the gradient at its table.
pub struct ShardStep<'a> {
    comm: &'a dyn Comm,
    own: Range<u32>,
    graph: ShardGraph,
    dim: usize,
    layers: usize,
    l2: f32,
}

impl<'a> ShardStep<'a> {
    /// The step of the rank owning users `own`, over its graph.
    pub fn new(
        comm: &'a dyn Comm,
        own: Range<u32>,
        graph: ShardGraph,
        dim: usize,
        layers: usize,
        l2: f32,
    ) -> Self {
        ShardStep {
            comm,
            own,
            graph,
            dim,
            layers,
            l2,
        }
    }

    /// The items this rank owns (its table's rows after its users).
    pub fn own_items(&self) -> Range<u32> {
        self.graph.items.range(self.comm.rank())
    }

    /// `Â x` over `[own users; own items]`, completed over the ranks.
    fn propagate(&self, x: &[f32]) -> Vec<f32> {
        let (d, nl) = (self.dim, self.own.len());
        let g = &self.graph;
        let mut input = Vec::with_capacity((nl + g.halo_rows()) * d);
        input.extend_from_slice(&x[..nl * d]);
        g.halo.fetch_into(&x[nl * d..], d, self.comm, &mut input);
        let mut product = vec![0f32; input.len()];
        g.adj.spmm(&input, d, &mut product);
        drop(input);
        let mut out = vec![0f32; x.len()];
        out[..nl * d].copy_from_slice(&product[..nl * d]);
        g.halo
            .push_add(&product[nl * d..], d, &mut out[nl * d..], self.comm);
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
        let (d, nl, comm) = (self.dim, self.own.len(), self.comm);
        let fin = self.final_embeddings(table);
        // The batch's items: their final rows read from their owners.
        let mut ids: Vec<u32> = pos.iter().chain(neg).copied().collect();
        ids.sort_unstable();
        ids.dedup();
        let batch = Halo::new(ids, &self.graph.items, comm);
        let items = batch.fetch(&fin[nl * d..], d, comm);
        let at = |i: u32| {
            batch
                .position(i)
                .expect("a batch item is in the batch's halo")
        };
        let user = |u: u32| &fin[u as usize * d..(u as usize + 1) * d];
        let item = |i: u32| &items[at(i) * d..(at(i) + 1) * d];
        let local: Vec<u32> = users.iter().map(|&u| u - self.own.start).collect();
        let pool = if users.is_empty() {
            1
        } else {
            neg.len() / users.len()
        };
        let neg: Vec<u32> = if pool > 1 {
            hardest_negatives(&local, neg, pool, |u, i| dot(user(u), item(i)))
        } else {
            neg.to_vec()
        };
        let b = global as f32;
        let mut g = vec![0f32; table.len()];
        let mut g_items = vec![0f32; items.len()];
        let mut counts = vec![0f32; batch.ids().len()];
        let (mut bpr, mut reg) = (0f64, 0f64);
        for ((&u, &p), &q) in local.iter().zip(pos).zip(&neg) {
            let (eu, ep, eq) = (user(u), item(p), item(q));
            let x = dot(eu, eq) - dot(eu, ep);
            bpr += softplus(x) as f64;
            let c = sigmoid(x) / b;
            let (u, p, q) = (u as usize, at(p), at(q));
            for j in 0..d {
                g[u * d + j] += c * (eq[j] - ep[j]);
                g_items[p * d + j] -= c * eu[j];
                g_items[q * d + j] += c * eu[j];
            }
            counts[p] += 1.0;
            counts[q] += 1.0;
        }
        // ∂F's item rows to their owners, then ∂E⁰ = (1 / (K + 1)) Σ_k Âᵏ ∂F.
        batch.push_add(&g_items, d, &mut g[nl * d..], comm);
        let mut grad = self.layer_mean(&g);
        // L2 on the batch's ego rows, per occurrence: users' here, items' at their owners
        // from the occurrences every rank counted.
        let c = self.l2 / b;
        for &u in &local {
            let r = u as usize * d..(u as usize + 1) * d;
            reg += dot(&table[r.clone()], &table[r.clone()]) as f64;
            for (x, &v) in grad[r.clone()].iter_mut().zip(&table[r]) {
                *x += c * v;
            }
        }
        let mut occurrences = vec![0f32; self.own_items().len()];
        batch.push_add(&counts, 1, &mut occurrences, comm);
        for (o, &k) in occurrences.iter().enumerate() {
            if k == 0.0 {
                continue;
            }
            let r = (nl + o) * d..(nl + o + 1) * d;
            reg += (k * dot(&table[r.clone()], &table[r.clone()])) as f64;
            for (x, &v) in grad[r.clone()].iter_mut().zip(&table[r]) {
                *x += c * k * v;
            }
        }
        let mut sums = [bpr, reg];
        comm.all_reduce_f64(&mut sums);
        let loss =
            (sums[0] / global as f64) as f32 + self.l2 * (sums[1] * 0.5 / global as f64) as f32;
        (loss, grad)
    }
}
