//! GF-CF and BSPM across ranks: the SVD on the ranks' sums, each rank scoring its users.
//!
//! Scoring goes in rounds: in each, every rank brings one block of its users (possibly none);
//! their histories are gathered (item lists: small), every rank adds its rows' share of the
//! linear filter `R̃ᵀ R̃ x` for all of them (in f64), one all-reduce sums the shares, the sharpening
//! steps sum theirs the same way, and each rank keeps its own users' columns and adds the
//! low-pass term (replicated, local). Per round the ranks exchange `n_items × B` doubles per
//! product with `P`, `B` the round's users over all ranks. ChebyCF's rounds
//! ([`super::sharded_cheby`]) gather their histories the same way ([`ShardRatings::round_product`]).

use super::scorer::{LowPass, Sharpening, add_item_major, sharpen};
use super::sharded_ratings::{Round, ShardRatings};
use super::svd::{SvdSettings, TruncatedSvd, randomized_svd_of};
use crate::framework::sharded::{ShardContext, ShardedModel};
use crate::framework::weights::Weights;

/// A graph filter trained across ranks.
pub struct ShardedFilter<'a> {
    ratings: ShardRatings<'a>,
    svd: TruncatedSvd,
    low: LowPass,
    sharpening: Option<Sharpening>,
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
        ShardedFilter {
            svd,
            low,
            sharpening,
            ratings,
        }
    }
}

impl ShardedModel for ShardedFilter<'_> {
    fn n_items(&self) -> usize {
        self.ratings.norm.n_items()
    }

    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        let n = self.n_items();
        assert_eq!(out.len(), users.len() * n);
        let mine = self.ratings.histories(users);
        let Some(Round {
            histories,
            first_mine,
            px: mut z,
        }) = self.ratings.round_product(&mine, None)
        else {
            return; // every rank sees the same empty round
        };
        let b = histories.len();
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
        self.ratings.weights(&self.svd)
    }
}

/// Columns `first..first + bm` of `z` (`n × b`, item by item), item by item (`n × bm`).
pub(super) fn own_columns(z: &[f32], b: usize, first: usize, bm: usize) -> Vec<f32> {
    z.chunks_exact(b)
        .flat_map(|row| &row[first..first + bm])
        .copied()
        .collect()
}
