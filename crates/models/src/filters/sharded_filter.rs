//! GF-CF and BSPM across ranks: the SVD on the ranks' sums, each rank scoring its users.
//!
//! Scoring goes in rounds: in each, every rank brings one block of its users (possibly none);
//! their histories are gathered (item lists: small), every rank adds its rows' share of the
//! linear filter `R̃ᵀ R̃ x` for all of them (in f64), one all-reduce sums the shares, the sharpening
//! steps sum theirs the same way, and each rank keeps its own users' columns and adds the
//! low-pass term (replicated, local). Per round the ranks exchange `n_items × B` doubles per
//! product with `P`, `B` the round's users over all ranks. ChebyCF's rounds
//! ([`super::sharded_cheby`]) gather their histories the same way ([`round_histories`]).

use gnnrec_dist::{Comm, wire};
use gnnrec_eval::UserItems;

use super::normalized::round_into;
use super::scorer::{LowPass, Sharpening, add_item_major, saved_parts, sharpen};
use super::sharded_ratings::ShardRatings;
use super::svd::{SvdSettings, TruncatedSvd, randomized_svd_of};
use crate::framework::sharded::{ShardContext, ShardedModel, gather_history};
use crate::framework::weights::Weights;

/// A graph filter trained across ranks.
pub struct ShardedFilter<'a> {
    ratings: ShardRatings<'a>,
    svd: TruncatedSvd,
    low: LowPass,
    sharpening: Option<Sharpening>,
    /// Training items by local row.
    by_row: UserItems,
    start: u32,
    history: gnnrec_data::Interactions,
}

impl<'a> ShardedFilter<'a> {
    /// Fits the filter on `ctx`'s shard: item degrees and the SVD summed over the ranks.
    pub fn fit(
        ctx: &ShardContext<'a>,
        svd: SvdSettings,
        low_pass_weight: f32,
        sharpening: Option<Sharpening>,
    ) -> ShardedFilter<'a> {
        let ratings = ShardRatings::new(ctx);
        let svd = randomized_svd_of(&ratings, svd);
        let low = LowPass::new(
            &svd,
            ratings.norm.item_inv_sqrt(),
            ratings.norm.item_sqrt(),
            low_pass_weight,
            sharpening,
            &ratings,
        );
        let by_row = UserItems::new(&ratings.local, ratings.norm.n_users());
        ShardedFilter {
            svd,
            low,
            sharpening,
            by_row,
            start: ctx.own.start,
            history: ctx.train.clone(),
            ratings,
        }
    }

    fn comm(&self) -> &'a dyn Comm {
        self.ratings.comm()
    }
}

impl ShardedModel for ShardedFilter<'_> {
    fn n_items(&self) -> usize {
        self.ratings.norm.n_items()
    }

    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        let n = self.n_items();
        assert_eq!(out.len(), users.len() * n);
        let mine: Vec<&[u32]> = users
            .iter()
            .map(|&u| self.by_row.of(u - self.start))
            .collect();
        let comm = self.comm();
        let (histories, first_mine) = round_histories(&mine, comm);
        let b = histories.len();
        if b == 0 {
            return; // every rank sees the same empty round
        }
        let refs: Vec<&[u32]> = histories.iter().map(Vec::as_slice).collect();
        let (mut mid, mut acc) = (Vec::new(), Vec::new());
        self.ratings
            .norm
            .filter_histories_sum(&refs, None, &mut mid, &mut acc);
        comm.all_reduce_f64(&mut acc);
        let mut z = vec![0f32; n * b];
        round_into(&acc, &mut z);
        if let Some(sh) = self.sharpening {
            sharpen(&self.ratings, sh, &mut z, b);
        }
        if users.is_empty() {
            return;
        }
        self.low.score(&mine, out);
        let bm = users.len();
        add_item_major(&own_columns(&z, b, first_mine, bm), bm, out);
    }

    fn weights(&self) -> Option<Weights> {
        let mut history = gather_history(&self.history, self.comm())?;
        history.dedup_pairs();
        Some(saved_parts(&self.svd, &history, self.n_items()))
    }
}

/// Every rank's histories of a scoring round (each rank brings `mine`, possibly none), in
/// rank order, and where this rank's begin among them. A collective: the histories travel as
/// `[len, items…]` runs of `u32`.
pub(super) fn round_histories(mine: &[&[u32]], comm: &dyn Comm) -> (Vec<Vec<u32>>, usize) {
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

/// Columns `first..first + bm` of `z` (`n × b`, item by item), item by item (`n × bm`).
pub(super) fn own_columns(z: &[f32], b: usize, first: usize, bm: usize) -> Vec<f32> {
    z.chunks_exact(b)
        .flat_map(|row| &row[first..first + bm])
        .copied()
        .collect()
}
