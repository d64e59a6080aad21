//! Models trained across the ranks of a distributed run (`mpirun -n N gnnrec train
//! --distributed`), each rank holding one block of users ([`gnnrec_dist::Blocks`]).
//!
//! What stays per rank: the user rows of the training matrix, every user-sized table, the
//! scoring of its own users. What the training-free models replicate: item-sized tables (item
//! degrees, singular vectors, EASE's item–item matrix) — each one a sum over the ranks, so
//! every rank computes the same one (LightGCN and MF-BPR cut their item tables by owner too:
//! `bpr/sharded_step.rs`). The products that couple users are sums over shards:
//!
//! - `R̃ᵀR̃ x = Σ_ranks R̃_rᵀ (R̃_r x)` — one all-reduce of an items × b block;
//! - the randomized SVD: `R̃ Ω` per rank, `R̃ᵀ Q` all-reduced, the QR of the tall `R̃ Ω` a
//!   tall-skinny QR over the ranks' triangular factors;
//! - EASE's Gram matrix `XᵀX = Σ_ranks X_rᵀ X_r`.
//!
//! A model with a distributed form implements [`crate::Model::train_sharded`] and declares
//! [`crate::Model::DISTRIBUTED`]; the run layer drives the rest (scoring rounds, metrics,
//! the run directory). The forms themselves live with their families:
//! `filters/sharded_ratings.rs`, `filters/sharded_filter.rs`, `baselines/sharded_ease.rs`,
//! `bpr/sharded_bpr.rs`.

use std::ops::Range;

use gnnrec_data::Interactions;
use gnnrec_dist::{Comm, CommExt, wire};

use crate::framework::observer::EpochRecord;
use crate::framework::weights::Weights;
use gnnrec_eval::{Ranked, RankingMetrics, RankingSums, UserItems, top_k};

/// What a rank of a distributed training is given.
#[derive(Clone)]
pub struct ShardContext<'a> {
    /// The ranks.
    pub comm: &'a dyn Comm,
    /// Users in all.
    pub n_users: usize,
    /// Items in all.
    pub n_items: usize,
    /// The users this rank owns.
    pub own: Range<u32>,
    /// Their training interactions, in global indices (with a validation carve-out, the
    /// rows left to fit on).
    pub train: &'a Interactions,
    /// Their interactions of the monitoring set (a validation carve-out, or the test split),
    /// watched every `eval_every` epochs by the iterative models, the best epoch kept;
    /// `None`: train the configured epochs.
    pub monitor: Option<&'a Interactions>,
    /// Seed of every random choice (the same on every rank).
    pub seed: u64,
    /// Where an iterative model keeps its checkpoints (shared by the ranks; see
    /// [`crate::framework::shard_checkpoint`]) and continues from the last complete one;
    /// `None`: no checkpoints.
    pub checkpoints: Option<&'a std::path::Path>,
}

/// A model trained across ranks. Its methods are collectives: every rank calls each the same
/// number of times, in the same order.
pub trait ShardedModel {
    /// Items scored.
    fn n_items(&self) -> usize;

    /// Scores every item for each of `users` (this rank's own, possibly none) into `out`,
    /// row-major `users.len() × n_items`.
    fn score_users(&self, users: &[u32], out: &mut [f32]);

    /// The weights the single-process model saves (its training history gathered whole), on
    /// rank 0; `None` on the others.
    fn weights(&self) -> Option<Weights>;

    /// The per-epoch log of an iterative model's training (the same on every rank): loss,
    /// seconds, and the monitored metrics where evaluated. Empty for the others.
    fn log(&self) -> Vec<EpochRecord> {
        Vec::new()
    }
}

/// Users each rank scores per round of [`evaluate_sharded`].
pub const SCORE_BLOCK: usize = 64;

/// The ranking metrics at `ks` of this rank's users that have rows in `truth` (its own
/// users' held-out rows), every item scored by `score` (row-major, `users × n_items`) and
/// the items of `seen` (its users' training rows) excluded; the sums added over the ranks,
/// so every rank returns the metrics of all users. A collective: every rank scores in the
/// same number of rounds of [`SCORE_BLOCK`] users (a round may be empty on a rank), since
/// `score` may itself be one (the filters' products are sums over the ranks).
pub fn evaluate_sharded(
    score: &mut dyn FnMut(&[u32], &mut [f32]),
    own: Range<u32>,
    n_items: usize,
    seen: &Interactions,
    truth: &Interactions,
    ks: &[usize],
    comm: &dyn Comm,
) -> RankingMetrics {
    let local = |x: &Interactions| {
        Interactions::new(
            x.users.iter().map(|&u| u - own.start).collect(),
            x.items.clone(),
        )
    };
    let seen_by = UserItems::new(&local(seen), own.len());
    let held_out = UserItems::new(&local(truth), own.len());
    let users: Vec<u32> = own
        .clone()
        .filter(|&u| !held_out.of(u - own.start).is_empty())
        .collect();
    let mut degrees: Vec<f64> = vec![0.0; n_items];
    for &i in &seen.items {
        degrees[i as usize] += 1.0;
    }
    comm.all_reduce_f64(&mut degrees);
    let popularity: Vec<u32> = degrees.iter().map(|&d| d as u32).collect();
    let k_max = ks.iter().copied().max().unwrap_or(0);
    let rounds = comm.max_u64(users.len().div_ceil(SCORE_BLOCK) as u64) as usize;
    let mut ranked = Vec::with_capacity(users.len());
    let mut buf = Vec::new();
    for round in 0..rounds {
        let at = |k: usize| (k * SCORE_BLOCK).min(users.len());
        let block = &users[at(round)..at(round + 1)];
        buf.clear();
        buf.resize(block.len() * n_items, 0.0);
        score(block, &mut buf);
        for (r, &u) in block.iter().enumerate() {
            let row = &buf[r * n_items..(r + 1) * n_items];
            let items = top_k(row, seen_by.of(u - own.start), k_max);
            let scores = items.iter().map(|&i| row[i as usize]).collect();
            ranked.push(Ranked {
                user: u - own.start,
                items,
                scores,
            });
        }
    }
    let sums = RankingSums::of(&ranked, &held_out, &popularity, ks, n_items);
    let mut flat = sums.to_flat();
    comm.all_reduce_f64(&mut flat);
    sums.from_flat(&flat).finish()
}

/// The degrees of a rank's distinct (local user, item) `pairs`: its users' (complete: a
/// user's pairs are all on its owner) and every item's, summed over the ranks in f64 (exact
/// past f32's 2^24) — the degrees `R̃` is normalised by. A collective.
pub fn shard_degrees(
    pairs: &Interactions,
    n_local: usize,
    n_items: usize,
    comm: &dyn Comm,
) -> (Vec<f32>, Vec<f32>) {
    let mut du = vec![0f32; n_local];
    let mut di = vec![0f64; n_items];
    for (&u, &i) in pairs.users.iter().zip(&pairs.items) {
        du[u as usize] += 1.0;
        di[i as usize] += 1.0;
    }
    comm.all_reduce_f64(&mut di);
    (du, di.iter().map(|&d| d as f32).collect())
}

/// A distributed form's training result as [`crate::Model::train_sharded`] returns it.
pub fn boxed<'a, M: ShardedModel + 'a>(
    trained: crate::framework::error::Result<M>,
) -> Option<crate::framework::error::Result<Box<dyn ShardedModel + 'a>>> {
    Some(trained.map(|m| Box::new(m) as Box<dyn ShardedModel + 'a>))
}

/// Every rank's `x`, concatenated in rank order on rank 0 (ranks own users in index order, so
/// this is the single process's order by user); `None` on the others. What rank 0 writes as
/// a model's training history: the one step that holds the whole matrix, on one rank.
pub fn gather_history(x: &Interactions, comm: &dyn Comm) -> Option<Interactions> {
    let mut pairs = Vec::with_capacity(2 * x.len());
    for (&u, &i) in x.users.iter().zip(&x.items) {
        pairs.push(u);
        pairs.push(i);
    }
    let parts = comm.gather_bytes_to_root(wire::from_u32s(&pairs));
    if comm.rank() != 0 {
        return None;
    }
    let (mut users, mut items) = (Vec::new(), Vec::new());
    for part in parts {
        for p in wire::u32s(&part).chunks_exact(2) {
            users.push(p[0]);
            items.push(p[1]);
        }
    }
    Some(Interactions::new(users, items))
}
