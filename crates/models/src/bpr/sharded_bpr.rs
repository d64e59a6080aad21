//! LightGCN and MF-BPR (0 layers) trained across ranks: both tables cut by rows — each rank
//! holds its users' and its items' embeddings (and their Adam state), never the whole of
//! either; each layer moves only the item rows its users' edges touch ([`super::sharded_step`]).
//!
//! A rank samples its BPR triples from its own users. A global step is every rank's slice of
//! that step (each rank's epoch of triples cut into the same number of steps, the batch's
//! size set over all ranks). For a given global batch the gradient is the single process's
//! (`registry/distributed_tests.rs`); what differs from one process is which triples are
//! drawn. Adam moves each rank's own rows.
//!
//! With a monitoring set (each rank's users' rows of a validation carve-out, or of test),
//! every `eval_every` epochs each rank scores its watched users against every item, the
//! metric sums are added over the ranks, and every rank keeps its part of the best epoch's
//! table (in its checkpoint shard too), as the single process's loop keeps the best epoch.
//!
//! Bytes a rank sends per step (payloads): per layer, forward and backward, the rows it serves
//! to the ranks that read them and the shares it pushes to the owners of its halo — about
//! `2 · 4 · d · h` with `h` its halo's rows owned elsewhere — so `16 · K · d · h` a step,
//! plus the batch's remote item rows (read, then their gradients back: `8 · d` each, and 8
//! bytes of index and count). `h` is at most `I · (N − 1) / N` and shrinks as a shard's users
//! touch fewer of the items. What stays whole: the final item table, gathered after training
//! and at each evaluation for scoring (every user is ranked against every item), and the
//! trained tables on rank 0 when it saves the run.

use std::ops::Range;
use std::path::Path;
use std::time::Instant;

use gnnrec_data::Interactions;
use gnnrec_dist::{Comm, CommExt, wire};
use gnnrec_eval::{DotScorer, Scorer};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use super::lightgcn::LightGcn;
use super::sharded_step::{ShardGraph, ShardStep};
use crate::framework::error::{Result, bail};
use crate::framework::model::TrainedModel;
use crate::framework::observer::EpochRecord;
use crate::framework::shard_checkpoint::{self, Counters};
use crate::framework::sharded::{ShardContext, ShardedModel, evaluate_sharded};
use crate::framework::weights::Weights;
use crate::training::adam::Adam;
use crate::training::sampler::BprSampler;

/// Each rank's triples of an epoch of `total`: proportional to its active users, the
/// remainders to the first ranks.
fn epoch_shares(total: usize, active: &[usize]) -> Vec<usize> {
    let all: usize = active.iter().sum();
    if all == 0 {
        return vec![0; active.len()];
    }
    let mut shares: Vec<usize> = active.iter().map(|&a| total * a / all).collect();
    let mut left = total - shares.iter().sum::<usize>();
    for (s, &a) in shares.iter_mut().zip(active) {
        if left == 0 {
            break;
        }
        if a > 0 {
            *s += 1;
            left -= 1;
        }
    }
    shares
}

/// The initial table of a rank: the single process's N(0, 0.1²) draw of every user and item
/// row (the same seed, the same order), of which it keeps the rows of its users `own` and of
/// its items `own_items`.
pub fn initial_table(
    seed: u64,
    n_users: usize,
    n_items: usize,
    own: &Range<u32>,
    own_items: &Range<u32>,
    d: usize,
) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let normal = Normal::new(0.0f32, 0.1).expect("valid normal");
    let mut table = Vec::with_capacity((own.len() + own_items.len()) * d);
    for row in 0..n_users + n_items {
        let keep = if row < n_users {
            own.contains(&(row as u32))
        } else {
            own_items.contains(&((row - n_users) as u32))
        };
        for _ in 0..d {
            let x = normal.sample(&mut rng);
            if keep {
                table.push(x);
            }
        }
    }
    table
}

/// What the fit loop carries from epoch to epoch beside the table, Adam and the stream: the
/// best monitored epoch (value, epoch, this rank's table then), the evaluations since it,
/// whether patience ran out, and the log. A checkpoint keeps all of it.
#[derive(Default)]
struct Progress {
    best: Option<(f64, usize, Vec<f32>)>,
    since_best: usize,
    stopped: bool,
    log: Vec<EpochRecord>,
}

/// Writes this rank's shard of the checkpoint after `epoch` (a collective).
fn save(
    dir: &Path,
    comm: &dyn Comm,
    epoch: usize,
    table: &[f32],
    adam: &Adam,
    rng: &ChaCha8Rng,
    progress: &Progress,
) -> Result<()> {
    let mut w = Weights::new();
    w.insert("table", &[table.len()], table.to_vec());
    w.insert("adam_m", &[adam.m.len()], adam.m.clone());
    w.insert("adam_v", &[adam.v.len()], adam.v.clone());
    if let Some((_, _, best)) = &progress.best {
        w.insert("best_table", &[best.len()], best.clone());
    }
    let pos = rng.get_word_pos();
    let counters = Counters {
        adam_steps: adam.t,
        rng_high: (pos >> 64) as u64,
        rng_low: pos as u64,
        best: progress.best.as_ref().map(|(v, e, _)| (*v, *e)),
        since_best: progress.since_best,
        stopped: progress.stopped,
        log: progress.log.clone(),
    };
    shard_checkpoint::save(dir, comm, epoch, &w, &counters)
}

/// Restores this rank's table, Adam, stream and progress from the last complete checkpoint
/// in `dir`; the epochs it finished (0 where there is none). Every rank fails if any rank
/// cannot.
fn resume(
    dir: &Path,
    comm: &dyn Comm,
    table: &mut Vec<f32>,
    adam: &mut Adam,
    rng: &mut ChaCha8Rng,
    progress: &mut Progress,
) -> Result<usize> {
    let n = table.len();
    let loaded = shard_checkpoint::load(dir, comm).and_then(|found| {
        let Some((epoch, w, c)) = found else {
            return Ok(None);
        };
        let best = match c.best {
            Some((v, e)) => Some((v, e, w.get_shaped("best_table", &[n])?.to_vec())),
            None => None,
        };
        let parts = (
            w.get_shaped("table", &[n])?.to_vec(),
            w.get_shaped("adam_m", &[n])?.to_vec(),
            w.get_shaped("adam_v", &[n])?.to_vec(),
        );
        Ok(Some((epoch, parts, best, c)))
    });
    if comm.any(loaded.is_err()) {
        loaded?;
        bail!(
            "another rank could not read its checkpoint shard under {}",
            dir.display()
        );
    }
    let Some((epoch, (t, m, v), best, c)) = loaded? else {
        return Ok(0);
    };
    (*table, adam.m, adam.v, adam.t) = (t, m, v, c.adam_steps);
    rng.set_word_pos((u128::from(c.rng_high) << 64) | u128::from(c.rng_low));
    *progress = Progress {
        best,
        since_best: c.since_best,
        stopped: c.stopped,
        log: c.log,
    };
    Ok(epoch)
}

/// The final embeddings of `table` and the scorer of this rank's users against every item
/// (the final item rows gathered whole). A collective.
fn scorer_of(
    step: &ShardStep,
    table: &[f32],
    n_own: usize,
    d: usize,
    comm: &dyn Comm,
) -> (Vec<f32>, DotScorer) {
    let fin = step.final_embeddings(table);
    let (u, i) = fin.split_at(n_own * d);
    let items: Vec<f32> = comm
        .all_gather_bytes(&wire::from_f32s(i))
        .iter()
        .flat_map(|p| wire::f32s(p))
        .collect();
    let scorer = DotScorer::new(u.to_vec(), items, d);
    (fin, scorer)
}

/// The settings of a BPR model trained across ranks.
#[derive(Debug, Clone, Copy)]
pub struct BprShardSettings {
    /// Propagation layers (0: MF-BPR).
    pub layers: usize,
    /// Embedding width.
    pub dim: usize,
    /// L2 weight on the batch's ego rows.
    pub l2: f32,
    /// Negative candidates per triple.
    pub neg_pool: usize,
    /// The K of the recall@K watched on the monitoring set.
    pub monitor_k: usize,
    /// Learning rate, batch, epochs, evaluation, patience, schedule.
    pub train: crate::training::LoopSettings,
}

/// LightGCN or MF-BPR trained across ranks.
pub struct ShardedBpr<'a> {
    comm: &'a dyn Comm,
    own: Range<u32>,
    n_users: usize,
    dim: usize,
    /// Ego embeddings `[own users; items]`.
    table: Vec<f32>,
    /// Final embeddings, the same rows.
    fin: Vec<f32>,
    scorer: DotScorer,
    /// The training log (every rank's alike).
    log: Vec<EpochRecord>,
}

impl<'a> ShardedBpr<'a> {
    /// Trains for the configured epochs; with a monitoring set (`ctx.monitor`), evaluates
    /// recall@`monitor_k` on it every `eval_every` epochs and at the last, stops after
    /// `patience` evaluations without improvement, and keeps the best epoch's tables — as the
    /// single process's loop does ([`crate::training::fit`]).
    pub fn fit(cfg: &BprShardSettings, ctx: &ShardContext<'a>) -> Result<ShardedBpr<'a>> {
        let (d, comm, s) = (cfg.dim, ctx.comm, &cfg.train);
        if d == 0 || s.batch == 0 {
            bail!("dim and batch must be positive");
        }
        let own = ctx.own.clone();
        let local = Interactions::new(
            ctx.train.users.iter().map(|&u| u - own.start).collect(),
            ctx.train.items.clone(),
        );
        let sampler = BprSampler::new(&local, own.len(), ctx.n_items);
        // The single process draws an epoch of T triples, each with a user drawn uniformly
        // from the active users: rank r draws T · A_r / A of them (A_r its active users), the
        // remainders given to the first ranks, so the epoch's users follow the same law.
        let total = comm.sum_u64(local.len() as u64) as usize;
        let active: Vec<usize> = comm
            .all_gather_u64(sampler.active_users() as u64)
            .into_iter()
            .map(|n| n as usize)
            .collect();
        let sizes = epoch_shares(total, &active);
        let mine = sizes[comm.rank()];
        let steps = total.div_ceil(s.batch).max(1);
        // Each rank draws its own triples, from a stream of its own.
        let mut rng = ChaCha8Rng::seed_from_u64(
            ctx.seed ^ (0x9e37_79b9_7f4a_7c15u64.wrapping_mul(comm.rank() as u64 + 1)),
        );
        let graph = ShardGraph::new(&local, own.len(), ctx.n_items, comm);
        let mut step = ShardStep::new(comm, own.clone(), graph, d, cfg.layers, cfg.l2);
        let own_items = step.own_items();
        let mut table = initial_table(ctx.seed, ctx.n_users, ctx.n_items, &own, &own_items, d);
        let mut adam = Adam::new(table.len(), s.lr);
        let pool = cfg.neg_pool.max(1);
        let cut = |n: usize, k: usize| n * k / steps;
        let mut progress = Progress::default();
        let start = match ctx.checkpoints {
            Some(dir) => resume(dir, comm, &mut table, &mut adam, &mut rng, &mut progress)?,
            None => 0,
        };
        let watched = ctx.monitor.filter(|_| s.eval_every > 0);
        let key = format!("recall@{}", cfg.monitor_k);
        let mut epoch = start + 1;
        while !progress.stopped && epoch <= s.epochs {
            let t0 = Instant::now();
            adam.lr = s.schedule.lr(s.lr, epoch, s.epochs);
            let t = sampler.draw(&mut rng, pool, mine);
            let (mut loss_sum, mut taken) = (0.0f64, 0usize);
            for k in 0..steps {
                let r = cut(t.users.len(), k)..cut(t.users.len(), k + 1);
                let global: usize = sizes.iter().map(|&n| cut(n, k + 1) - cut(n, k)).sum();
                if global == 0 {
                    continue;
                }
                let users: Vec<u32> = t.users[r.clone()].iter().map(|&u| u + own.start).collect();
                let (loss, grad) = step.loss_and_grad(
                    &table,
                    &users,
                    &t.pos[r.clone()],
                    &t.neg[r.start * pool..r.end * pool],
                    global,
                );
                if !loss.is_finite() {
                    bail!("the loss became {loss} at epoch {epoch}; lower the learning rate");
                }
                adam.step(&mut table, &grad);
                loss_sum += f64::from(loss);
                taken += 1;
            }
            let mut record = EpochRecord {
                epoch,
                loss: loss_sum / taken.max(1) as f64,
                seconds: t0.elapsed().as_secs_f64(),
                metrics: None,
                eval_seconds: None,
            };
            let due = epoch.is_multiple_of(s.eval_every.max(1)) || epoch == s.epochs;
            if let (true, Some(truth)) = (due, watched) {
                let t1 = Instant::now();
                let (_, scorer) = scorer_of(&step, &table, own.len(), d, comm);
                let mut score = |users: &[u32], out: &mut [f32]| {
                    let local: Vec<u32> = users.iter().map(|&u| u - own.start).collect();
                    scorer.score_users(&local, out);
                };
                let metrics = evaluate_sharded(
                    &mut score,
                    own.clone(),
                    ctx.n_items,
                    ctx.train,
                    truth,
                    &[cfg.monitor_k],
                    comm,
                )
                .to_map();
                let value = metrics[&key];
                if progress.best.as_ref().is_none_or(|b| value > b.0) {
                    progress.best = Some((value, epoch, table.clone()));
                    progress.since_best = 0;
                } else {
                    progress.since_best += 1;
                    progress.stopped = s.patience > 0 && progress.since_best >= s.patience;
                }
                record.metrics = Some(metrics);
                record.eval_seconds = Some(t1.elapsed().as_secs_f64());
            }
            progress.log.push(record);
            if let Some(dir) = ctx.checkpoints {
                save(dir, comm, epoch, &table, &adam, &rng, &progress)?;
            }
            epoch += 1;
        }
        if let Some((_, _, best)) = progress.best.take() {
            table = best;
        }
        let (fin, scorer) = scorer_of(&step, &table, own.len(), d, comm);
        Ok(ShardedBpr {
            comm,
            own,
            n_users: ctx.n_users,
            dim: d,
            table,
            fin,
            scorer,
            log: progress.log,
        })
    }
}

impl ShardedModel for ShardedBpr<'_> {
    fn log(&self) -> Vec<EpochRecord> {
        self.log.clone()
    }

    fn n_items(&self) -> usize {
        self.scorer.n_items()
    }

    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        let local: Vec<u32> = users.iter().map(|&u| u - self.own.start).collect();
        self.scorer.score_users(&local, out);
    }

    fn weights(&self) -> Option<Weights> {
        let d = self.dim;
        let rows = self.own.len() * d;
        // `[every user; every item]` on rank 0: the ranks' user rows, then their item rows.
        let gather = |t: &[f32]| -> Option<Vec<f32>> {
            let users = self.comm.gather_bytes_to_root(wire::from_f32s(&t[..rows]));
            let items = self.comm.gather_bytes_to_root(wire::from_f32s(&t[rows..]));
            (self.comm.rank() == 0).then(|| {
                users
                    .iter()
                    .chain(&items)
                    .flat_map(|p| wire::f32s(p))
                    .collect()
            })
        };
        let ego = gather(&self.table);
        let fin = gather(&self.fin);
        let (ego, fin) = (ego?, fin?);
        debug_assert_eq!(ego.len(), fin.len());
        Some(LightGcn::from_final(&fin, ego, self.n_users, d).weights())
    }
}
