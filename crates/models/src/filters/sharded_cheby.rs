//! ChebyCF across ranks: the SVD on the ranks' sums, each rank scoring its users.
//!
//! As for GF-CF and BSPM ([`super::sharded_filter`]): scoring goes in rounds, every rank
//! bringing one block of its users (possibly none); their histories are gathered, and each of
//! the `K` products with `P` of the Chebyshev recursion is every rank's share for all of them
//! (its rows of `R̃`, summed in f64), added by one all-reduce of `n_items × B` doubles and
//! rounded — the single process's product. Each rank then keeps its own users' columns and adds
//! the low-pass term (replicated, local).

use gnnrec_data::Interactions;
use gnnrec_dist::Comm;
use gnnrec_eval::UserItems;

use super::chebycf::{ChebyCfConfig, ChebyTerms, low_pass, svd_settings};
use super::normalized::round_into;
use super::scorer::saved_parts;
use super::sharded_filter::{own_columns, round_histories};
use super::sharded_ratings::ShardRatings;
use super::svd::{TruncatedSvd, randomized_svd_of};
use crate::framework::sharded::{ShardContext, ShardedModel, gather_history};
use crate::framework::weights::Weights;

/// ChebyCF trained across ranks.
pub struct ShardedCheby<'a> {
    ratings: ShardRatings<'a>,
    terms: ChebyTerms,
    /// Training items by local row.
    by_row: UserItems,
    start: u32,
    history: Interactions,
}

impl<'a> ShardedCheby<'a> {
    /// Fits ChebyCF on `ctx`'s shard: item degrees and the SVD summed over the ranks.
    pub fn fit(ctx: &ShardContext<'a>, cfg: &ChebyCfConfig) -> ShardedCheby<'a> {
        let ratings = ShardRatings::new(ctx);
        let svd = if low_pass(cfg) {
            randomized_svd_of(&ratings, svd_settings(cfg, ctx.seed))
        } else {
            TruncatedSvd {
                v: Vec::new(),
                s: Vec::new(),
            }
        };
        ShardedCheby {
            terms: ChebyTerms::new(&ratings.item_degree, svd, cfg),
            by_row: UserItems::new(&ratings.local, ratings.norm.n_users()),
            start: ctx.own.start,
            history: ctx.train.clone(),
            ratings,
        }
    }

    fn comm(&self) -> &'a dyn Comm {
        self.ratings.comm()
    }
}

impl ShardedModel for ShardedCheby<'_> {
    fn n_items(&self) -> usize {
        self.ratings.norm.n_items()
    }

    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        assert_eq!(out.len(), users.len() * self.n_items());
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
        let s = self.terms.start(&refs);
        let (mut mid, mut acc) = (Vec::new(), Vec::new());
        self.ratings
            .norm
            .filter_histories_sum(&refs, Some(self.terms.pre()), &mut mid, &mut acc);
        comm.all_reduce_f64(&mut acc);
        let mut ps = vec![0f32; acc.len()];
        round_into(&acc, &mut ps);
        let series = self.terms.series(&self.ratings, s, &ps, b);
        if users.is_empty() {
            return;
        }
        let bm = users.len();
        self.terms
            .finish(&mine, &own_columns(&series, b, first_mine, bm), out);
    }

    fn weights(&self) -> Option<Weights> {
        let mut history = gather_history(&self.history, self.comm())?;
        history.dedup_pairs();
        Some(saved_parts(self.terms.svd(), &history, self.n_items()))
    }
}
