//! One rank's rows of `R̃ = D_U^{-1/2} R D_I^{-1/2}`, normalised by the whole matrix's item
//! degrees, and the products of the filters and of the randomized SVD across ranks.

use faer::{Mat, MatRef};
use gnnrec_data::Interactions;
use gnnrec_dist::{Comm, wire};
use gnnrec_eval::UserItems;

use super::NormalizedRatings;
use super::normalized::{ItemFilter, round_into};
use super::scorer::saved_parts;
use super::svd::{SvdOperator, TruncatedSvd, orthonormal};
use crate::framework::sharded::{ShardContext, gather_history, shard_degrees};
use crate::framework::weights::Weights;

/// This rank's rows of `R̃` (local row `u − own.start` for user `u`), with the ranks.
pub struct ShardRatings<'a> {
    /// The local rows, normalised by the global item degrees.
    pub norm: NormalizedRatings,
    /// The distinct training pairs, in local rows.
    pub local: Interactions,
    /// Each item's training degree over every rank's rows.
    pub item_degree: Vec<f32>,
    /// Training items by local row.
    by_row: UserItems,
    /// The first user held here (local row 0).
    start: u32,
    comm: &'a dyn Comm,
    n_users: usize,
}

impl<'a> ShardRatings<'a> {
    /// The rows of `ctx`'s users; the item degrees are summed over the ranks (a collective).
    pub fn new(ctx: &ShardContext<'a>) -> ShardRatings<'a> {
        let start = ctx.own.start;
        let n_rows = ctx.own.len();
        let mut local = Interactions::new(
            ctx.train.users.iter().map(|&u| u - start).collect(),
            ctx.train.items.clone(),
        );
        local.dedup_pairs();
        let (du, di) = shard_degrees(&local, n_rows, ctx.n_items, ctx.comm);
        let norm = NormalizedRatings::from_degrees(&local, n_rows, &du, &di);
        let by_row = UserItems::new(&local, n_rows);
        ShardRatings {
            norm,
            local,
            item_degree: di,
            by_row,
            start,
            comm: ctx.comm,
            n_users: ctx.n_users,
        }
    }

    /// The ranks.
    pub fn comm(&self) -> &'a dyn Comm {
        self.comm
    }

    /// The training items of each of `users` (held here), distinct.
    pub fn histories(&self, users: &[u32]) -> Vec<&[u32]> {
        users
            .iter()
            .map(|&u| self.by_row.of(u - self.start))
            .collect()
    }

    /// The start of a scoring round, in which every rank brings the histories `mine` of a
    /// block of its users (possibly none): every rank's histories, gathered, and `P X` for
    /// their vectors (`item_weight[i]` at item `i`, or 1), each rank's share summed in f64 by
    /// one all-reduce and rounded — the single process's product. `None` when no rank brings a
    /// user. A collective.
    pub fn round_product(&self, mine: &[&[u32]], item_weight: Option<&[f32]>) -> Option<Round> {
        let (histories, first_mine) = round_histories(mine, self.comm);
        if histories.is_empty() {
            return None;
        }
        let refs: Vec<&[u32]> = histories.iter().map(Vec::as_slice).collect();
        let (mut mid, mut acc) = (Vec::new(), Vec::new());
        self.norm
            .filter_histories_sum(&refs, item_weight, &mut mid, &mut acc);
        self.comm.all_reduce_f64(&mut acc);
        let mut px = vec![0f32; acc.len()];
        round_into(&acc, &mut px);
        Some(Round {
            histories,
            first_mine,
            px,
        })
    }

    /// What a filter saves (on rank 0; `None` elsewhere): the singular vectors and values and
    /// every rank's training pairs, gathered. A collective.
    pub fn weights(&self, svd: &TruncatedSvd) -> Option<Weights> {
        let mut mine = self.local.clone();
        mine.users.iter_mut().for_each(|u| *u += self.start);
        let history = gather_history(&mine, self.comm)?;
        Some(saved_parts(svd, &history, self.norm.n_items()))
    }
}

/// A scoring round across ranks ([`ShardRatings::round_product`]).
pub struct Round {
    /// Every rank's histories, in rank order.
    pub histories: Vec<Vec<u32>>,
    /// Where this rank's begin among them.
    pub first_mine: usize,
    /// `P X` for their vectors, `n_items × histories.len()`, item by item.
    pub px: Vec<f32>,
}

/// Every rank's histories of a scoring round (each rank brings `mine`, possibly none), in
/// rank order, and where this rank's begin among them. A collective: the histories travel as
/// `[len, items…]` runs of `u32`.
fn round_histories(mine: &[&[u32]], comm: &dyn Comm) -> (Vec<Vec<u32>>, usize) {
    let mut packed = Vec::new();
    for h in mine {
        packed.push(h.len() as u32);
        packed.extend_from_slice(h);
    }
    let all = comm.all_gather_bytes(&wire::from_u32s(&packed));
    let mut histories: Vec<Vec<u32>> = Vec::new();
    let mut first_mine = 0;
    for (rank, part) in all.iter().enumerate() {
        if rank == comm.rank() {
            first_mine = histories.len();
        }
        let words = wire::u32s(part);
        let mut at = 0;
        while at < words.len() {
            let len = words[at] as usize;
            histories.push(words[at + 1..at + 1 + len].to_vec());
            at += 1 + len;
        }
    }
    (histories, first_mine)
}

impl ItemFilter for ShardRatings<'_> {
    /// `P x = Σ_ranks R̃_rᵀ (R̃_r x)`: the local product summed in f64, one all-reduce,
    /// rounded to f32 — the single process's [`ItemFilter`] result.
    fn apply(&self, x: &[f32], b: usize, scratch: &mut Vec<f32>, out: &mut [f32]) {
        let mut acc = Vec::new();
        self.norm.filter_sum(x, b, scratch, &mut acc);
        self.comm.all_reduce_f64(&mut acc);
        round_into(&acc, out);
    }
}

impl SvdOperator for ShardRatings<'_> {
    fn n_cols(&self) -> usize {
        self.norm.n_items()
    }
    fn n_rows(&self) -> usize {
        self.n_users
    }
    fn n_rows_here(&self) -> usize {
        self.norm.n_users()
    }
    fn mul(&self, x: &[f64], l: usize, y: &mut [f64]) {
        self.norm.r().spmm_wide(x, l, y);
    }
    fn mul_t(&self, y: &[f64], l: usize, z: &mut [f64]) {
        self.norm.rt().spmm_wide(y, l, z);
        self.comm.all_reduce_f64(z);
    }
    fn orthonormal_rows(&self, y: &[f64], l: usize) -> Vec<f64> {
        tall_skinny_q(y, self.norm.n_users(), l, self.comm)
    }
}

/// The rows held here of the `Q` of a tall-skinny QR (Demmel et al., "Communication-optimal
/// parallel and sequential QR and LU factorizations", SIAM J. Sci. Comput. 2012) of the
/// matrix whose rows are cut across the ranks: each rank factors its `n × l` block
/// `Y_r = Q_r R_r`; the `R_r` are gathered and stacked, and factored once more,
/// `[R_0; R_1; …] = Q' R`; rank `r`'s rows of `Q` are `Q_r Q'_r`. Every rank factors the same
/// stack, so all agree on `Q'`.
fn tall_skinny_q(y: &[f64], n: usize, l: usize, comm: &dyn Comm) -> Vec<f64> {
    let m = n.min(l);
    let (q_local, r_local) = if m > 0 {
        let qr = MatRef::from_row_major_slice(y, n, l).qr();
        let r = qr.thin_R();
        let r_rows: Vec<f64> = (0..m)
            .flat_map(|i| (0..l).map(move |j| (i, j)))
            .map(|(i, j)| r[(i, j)])
            .collect();
        (qr.compute_thin_Q(), r_rows)
    } else {
        (Mat::<f64>::zeros(n, 0), Vec::new())
    };
    let stacks = comm.all_gather_bytes(&wire::from_f64s(&r_local));
    let offset: usize = stacks[..comm.rank()].iter().map(|s| s.len() / 8 / l).sum();
    let stacked: Vec<f64> = stacks.iter().flat_map(|s| wire::f64s(s)).collect();
    let rows = stacked.len() / l;
    let q_stack = orthonormal(&stacked, rows, l);
    let mine = MatRef::from_row_major_slice(&q_stack[offset * l..(offset + m) * l], m, l);
    let q = &q_local * mine;
    let mut out = vec![0f64; n * l];
    for i in 0..n {
        for j in 0..l {
            out[i * l + j] = q[(i, j)];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filters::random_train;
    use crate::filters::svd::{SvdSettings, randomized_svd, randomized_svd_of};
    use gnnrec_dist::{Blocks, LocalGroup};

    /// The rows of `x` owned by `rank` of `n`.
    pub(crate) fn shard(
        x: &Interactions,
        nu: usize,
        n: usize,
        rank: usize,
    ) -> (std::ops::Range<u32>, Interactions) {
        let own = Blocks::new(nu, n).range(rank);
        let rows: Vec<usize> = (0..x.len())
            .filter(|&k| own.contains(&x.users[k]))
            .collect();
        (own, x.select(&rows))
    }

    #[test]
    fn products_and_the_svd_across_ranks_equal_the_single_process_ones() {
        let (nu, ni) = (57, 31);
        let x = random_train(nu, ni, 500, 3);
        let whole = NormalizedRatings::new(&x, nu, ni);
        let settings = SvdSettings {
            k: 6,
            oversample: 8,
            power_iters: 3,
            seed: 5,
        };
        let want_svd = randomized_svd(whole.r(), whole.rt(), settings);
        let b = 3;
        let probe: Vec<f32> = (0..ni * b)
            .map(|k| ((k * 7919) % 13) as f32 - 6.0)
            .collect();
        let mut want = vec![0f32; ni * b];
        whole.apply(&probe, b, &mut Vec::new(), &mut want);
        for n in [1, 2, 4] {
            let got = LocalGroup::run(n, |c| {
                let (own, train) = shard(&x, nu, n, c.rank());
                let ctx = ShardContext {
                    comm: c,
                    n_users: nu,
                    n_items: ni,
                    own,
                    train: &train,
                    seed: 0,
                    checkpoints: None,
                    monitor: None,
                };
                let r = ShardRatings::new(&ctx);
                let mut out = vec![0f32; ni * b];
                r.apply(&probe, b, &mut Vec::new(), &mut out);
                (out, randomized_svd_of(&r, settings))
            });
            for (out, svd) in got {
                // Summed in f64, the ranks' product rounds to the single process's bits.
                assert_eq!(out, want, "{n} ranks");
                for (g, w) in svd.s.iter().zip(&want_svd.s) {
                    assert!((g - w).abs() <= 1e-6 * w, "{n} ranks: σ {g} vs {w}");
                }
                // The same subspace: V Vᵀ agrees (the vectors' signs may differ).
                let k = svd.k();
                for a in 0..ni {
                    for c in 0..ni {
                        let dot =
                            |v: &[f32]| (0..k).map(|j| v[a * k + j] * v[c * k + j]).sum::<f32>();
                        assert!((dot(&svd.v) - dot(&want_svd.v)).abs() < 1e-6, "{n} ranks");
                    }
                }
            }
        }
    }
}
