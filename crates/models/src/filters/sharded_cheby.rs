//! ChebyCF across ranks: the SVD on the ranks' sums, each rank scoring its users.
//!
//! As for GF-CF and BSPM ([`super::sharded_filter`]): scoring goes in rounds, every rank
//! bringing one block of its users (possibly none); their histories are gathered, and each of
//! the `K` products with `P` of the Chebyshev recursion is every rank's share for all of them
//! (its rows of `R̃`, summed in f64), added by one all-reduce of `n_items × B` doubles and
//! rounded — the single process's product. Each rank then keeps its own users' columns and adds
//! the low-pass term (replicated, local).

use super::chebycf::{ChebyCfConfig, ChebyTerms, cheby_svd};
use super::sharded_filter::own_columns;
use super::sharded_ratings::{Round, ShardRatings};
use super::svd::randomized_svd_of;
use crate::framework::sharded::{ShardContext, ShardedModel};
use crate::framework::weights::Weights;

/// ChebyCF trained across ranks.
pub struct ShardedCheby<'a> {
    ratings: ShardRatings<'a>,
    terms: ChebyTerms,
}

impl<'a> ShardedCheby<'a> {
    /// Fits ChebyCF on `ctx`'s shard: item degrees and the SVD summed over the ranks.
    pub fn fit(ctx: &ShardContext<'a>, cfg: &ChebyCfConfig) -> ShardedCheby<'a> {
        let ratings = ShardRatings::new(ctx);
        let svd = cheby_svd(cfg, ctx.seed, |s| randomized_svd_of(&ratings, s));
        ShardedCheby {
            terms: ChebyTerms::new(&ratings.item_degree, svd, cfg),
            ratings,
        }
    }
}

impl ShardedModel for ShardedCheby<'_> {
    fn n_items(&self) -> usize {
        self.ratings.norm.n_items()
    }

    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        assert_eq!(out.len(), users.len() * self.n_items());
        let mine = self.ratings.histories(users);
        let Some(Round {
            histories,
            first_mine,
            px,
        }) = self.ratings.round_product(&mine, Some(self.terms.pre()))
        else {
            return; // every rank sees the same empty round
        };
        let b = histories.len();
        let refs: Vec<&[u32]> = histories.iter().map(Vec::as_slice).collect();
        let s = self.terms.start(&refs);
        let series = self.terms.series(&self.ratings, s, &px, b);
        if users.is_empty() {
            return;
        }
        let bm = users.len();
        self.terms
            .finish(&mine, &own_columns(&series, b, first_mine, bm), out);
    }

    fn weights(&self) -> Option<Weights> {
        self.ratings.weights(self.terms.svd())
    }
}
