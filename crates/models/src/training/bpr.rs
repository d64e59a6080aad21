//! What the BPR models (MF-BPR, LightGCN, SimGCL, XSimGCL, IRGNN) share inside the training
//! loop: the BPR loss, its L2 term, the loss's value and gradient, and epochs of sampled (user, positive, negatives) triples cut into batches.

use candle_core::{D, Tensor};
use gnnrec_data::Interactions;
use rand_chacha::ChaCha8Rng;

use crate::framework::error::{Result, bail};
use crate::training::sampler::{BprSampler, Triples};

/// The BPR loss `mean softplus(⟨u, q⟩ − ⟨u, p⟩)` of users `u`, positives `p`, negatives `q`.
pub fn bpr_loss(u: &Tensor, p: &Tensor, q: &Tensor) -> candle_core::Result<Tensor> {
    let diff = ((u * q)?.sum(D::Minus1)? - (u * p)?.sum(D::Minus1)?)?;
    // softplus(x) = max(x, 0) + ln(1 + e^{-|x|}), stable for large |x|.
    let softplus = (diff.relu()? + diff.abs()?.neg()?.exp()?.affine(1.0, 1.0)?.log()?)?;
    softplus.mean_all()
}

/// `Σ ‖x_r‖²` over the rows of `x` that each index tensor of `ix` selects, a row counted once
/// per occurrence, summed index tensor by index tensor in order: the L2 term of the BPR
/// models before its scale.
pub fn squared_norms_of_rows(x: &Tensor, ix: &[&Tensor]) -> candle_core::Result<Tensor> {
    let norms = |i: &Tensor| x.index_select(i, 0)?.sqr()?.sum_all();
    let mut sum = norms(ix[0])?;
    for i in &ix[1..] {
        sum = (sum + norms(i)?)?;
    }
    Ok(sum)
}

/// The value of `loss` and its gradient in `x` (flattened), by autograd's backward pass.
pub fn value_and_gradient(loss: &Tensor, x: &Tensor) -> candle_core::Result<(f32, Vec<f32>)> {
    let grads = loss.backward()?;
    let g = grads
        .get(x)
        .ok_or_else(|| candle_core::Error::Msg("no gradient for the embeddings".into()))?;
    Ok((loss.to_scalar::<f32>()?, g.flatten_all()?.to_vec1()?))
}

/// One batch of triples: users, positives, and `pool` negative candidates per triple.
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    /// Users.
    pub users: &'a [u32],
    /// Their positive items.
    pub pos: &'a [u32],
    /// `pool` negative candidates per triple, triple-major.
    pub neg: &'a [u32],
}

/// Epochs of uniformly sampled BPR triples, cut into batches of `batch`.
#[derive(Debug)]
pub struct BprEpochs {
    sampler: BprSampler,
    batch: usize,
    pool: usize,
    triples: Option<Triples>,
}

impl BprEpochs {
    /// Epochs over `train`, with `pool` negative candidates drawn per triple (1: uniform
    /// BPR; more for models that pick the hardest, see [`crate::training::sampler::hardest_negatives`]).
    pub fn new(
        train: &Interactions,
        n_users: usize,
        n_items: usize,
        batch: usize,
        pool: usize,
    ) -> Result<Self> {
        let pool = pool.max(1);
        if batch == 0 {
            bail!("batch must be positive");
        }
        Ok(BprEpochs {
            sampler: BprSampler::new(train, n_users, n_items),
            batch,
            pool,
            triples: None,
        })
    }

    /// Draws the next epoch's triples; returns its number of batches.
    pub fn start(&mut self, rng: &mut ChaCha8Rng) -> usize {
        let t = self.sampler.epoch(rng, self.pool);
        let steps = t.users.len().div_ceil(self.batch);
        self.triples = Some(t);
        steps
    }

    /// Batch `k` of the current epoch.
    pub fn batch(&self, k: usize) -> Batch<'_> {
        let t = self
            .triples
            .as_ref()
            .expect("start() draws the epoch first");
        let r = k * self.batch..((k + 1) * self.batch).min(t.users.len());
        Batch {
            users: &t.users[r.clone()],
            pos: &t.pos[r.clone()],
            neg: &t.neg[r.start * self.pool..r.end * self.pool],
        }
    }
}
