//! EASE^R across ranks: the Gram matrix `XᵀX` is a sum over the ranks' users (its entries
//! are co-occurrence counts, exact in f32 below 2^24, so the sum is the single process's to
//! the bit), then every rank inverts the same matrix and scores its own users locally.

use faer::Mat;
use gnnrec_dist::Comm;
use gnnrec_eval::Scorer;

use super::ease::{Ease, EaseConfig, gram, weights_from_gram};
use crate::framework::error::Result;
use crate::framework::sharded::{ShardContext, ShardedModel, gather_history};
use crate::framework::weights::Weights;

/// Floats per all-reduce of the Gram matrix: item-sized blocks of columns, not one buffer of
/// items² floats beside the matrix.
const BLOCK: usize = 1 << 22;

/// EASE^R trained across ranks.
pub struct ShardedEase<'a> {
    ease: Ease,
    comm: &'a dyn Comm,
    n_users: usize,
}

impl<'a> ShardedEase<'a> {
    /// Fits on `ctx`'s shard: the Gram matrix summed over the ranks, `B` on every rank.
    pub fn fit(ctx: &ShardContext<'a>, cfg: &EaseConfig) -> Result<ShardedEase<'a>> {
        let mut g = gram(ctx.train, ctx.n_users, ctx.n_items);
        all_reduce_columns(&mut g, ctx.comm);
        let b = weights_from_gram(g, cfg)?;
        Ok(ShardedEase {
            ease: Ease::from_parts(b, ctx.n_items, ctx.train.clone(), ctx.n_users),
            comm: ctx.comm,
            n_users: ctx.n_users,
        })
    }
}

/// Sums `g` over the ranks, a block of whole columns at a time.
fn all_reduce_columns(g: &mut Mat<f32>, comm: &dyn Comm) {
    let (rows, cols) = (g.nrows(), g.ncols());
    let per = (BLOCK / rows.max(1)).max(1);
    let mut buf = Vec::with_capacity(per * rows);
    for first in (0..cols).step_by(per) {
        let last = (first + per).min(cols);
        buf.clear();
        for j in first..last {
            buf.extend(g.col(j).iter().copied());
        }
        comm.all_reduce_f32(&mut buf);
        for (k, j) in (first..last).enumerate() {
            for (i, x) in g.col_mut(j).iter_mut().enumerate() {
                *x = buf[k * rows + i];
            }
        }
    }
}

impl ShardedModel for ShardedEase<'_> {
    fn n_items(&self) -> usize {
        self.ease.n_items()
    }

    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        self.ease.score_users(users, out);
    }

    fn weights(&self) -> Option<Weights> {
        let history = gather_history(&self.ease.history, self.comm)?;
        let n = self.n_items();
        let whole = Ease::from_parts(self.ease.b().to_vec(), n, history, self.n_users);
        Some(crate::framework::model::TrainedModel::weights(&whole))
    }
}
