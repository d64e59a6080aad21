//! One served model and its micro-batching worker.
//!
//! Requests never score on the async threads: a handler turns its request into [`Query`]s and
//! sends them, as one [`Job`], into a bounded queue. A worker thread per served model takes
//! every job waiting (up to `max_batch` queries), scores all their users in one matrix product
//! (and all their item histories in one fold-in call), selects each query's top K in parallel,
//! and answers each job on its own channel. Under load many requests share one product —
//! that is how two cores serve thousands of users a second; alone, a request waits for
//! nobody. A full queue answers 503 at once (with `Retry-After`) instead of queueing without
//! bound.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use gnnrec_eval::top_k;
use rayon::prelude::*;
use tokio::sync::oneshot;

use crate::bundle::LoadedRun;
use crate::error::ApiError;

/// Whose scores a query ranks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A known user (dense index).
    User(u32),
    /// An item history (distinct dense indices): fold-in of an unknown user.
    History(Vec<u32>),
}

/// One ranking to compute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Whose scores.
    pub subject: Subject,
    /// How many items to return.
    pub k: usize,
    /// Items never returned, sorted ascending, distinct.
    pub exclude: Vec<u32>,
    /// If given, only these items are ranked (sorted ascending, distinct).
    pub candidates: Option<Vec<u32>>,
}

/// A ranking: (item index, score), best first.
pub type Ranking = Vec<(u32, f32)>;

struct Job {
    queries: Vec<Query>,
    reply: oneshot::Sender<Vec<Ranking>>,
}

/// Sizes of the queue and of a batch.
#[derive(Debug, Clone, Copy)]
pub struct BatchLimits {
    /// Jobs that may wait; one more is answered 503.
    pub queue: usize,
    /// Queries scored together at most.
    pub max_batch: usize,
}

impl Default for BatchLimits {
    fn default() -> Self {
        BatchLimits {
            queue: 1024,
            max_batch: 256,
        }
    }
}

/// A served run: the loaded model and the queue of its worker.
pub struct Engine {
    /// What was loaded.
    pub run: Arc<LoadedRun>,
    queue: SyncSender<Job>,
}

impl Engine {
    /// Starts the worker of `run`.
    pub fn start(run: LoadedRun, limits: BatchLimits) -> Engine {
        let run = Arc::new(run);
        let (tx, rx) = sync_channel(limits.queue.max(1));
        let worker_run = Arc::clone(&run);
        std::thread::Builder::new()
            .name("gnnrec-scorer".into())
            .spawn(move || work(&worker_run, &rx, limits.max_batch.max(1)))
            .expect("a thread can be spawned");
        Engine { run, queue: tx }
    }

    /// Ranks `queries` on the worker; fails with 503 when the queue is full.
    pub async fn rank(&self, queries: Vec<Query>) -> Result<Vec<Ranking>, ApiError> {
        let (reply, answer) = oneshot::channel();
        match self.queue.try_send(Job { queries, reply }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(ApiError::overloaded(
                    "the scoring queue is full; retry after a second",
                ));
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(ApiError::internal("the scoring worker has stopped"));
            }
        }
        answer
            .await
            .map_err(|_| ApiError::internal("the scoring worker failed on this request"))
    }
}

/// The worker: drains the queue in batches until every sender is gone.
fn work(run: &LoadedRun, rx: &Receiver<Job>, max_batch: usize) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        let mut n = jobs[0].queries.len();
        while n < max_batch {
            match rx.try_recv() {
                Ok(j) => {
                    n += j.queries.len();
                    jobs.push(j);
                }
                Err(_) => break,
            }
        }
        let queries: Vec<&Query> = jobs.iter().flat_map(|j| &j.queries).collect();
        // A panic in a model must not take the worker (and every later request) with it:
        // the batch's jobs are dropped, so their requests answer 500, and the worker goes on.
        let mut rankings = match std::panic::catch_unwind(AssertUnwindSafe(|| rank(run, &queries)))
        {
            Ok(r) => r,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".into());
                tracing::error!(
                    run = %run.path.display(),
                    model = %run.model_name,
                    panic = %message,
                    queries = ?queries,
                    "a scoring worker caught a panic; the batch's requests answer 500"
                );
                continue;
            }
        };
        for job in jobs.into_iter().rev() {
            let mine = rankings.split_off(rankings.len() - job.queries.len());
            let _ = job.reply.send(mine);
        }
    }
}

/// Users scored per matrix product: the batch is cut into blocks scored in parallel.
const BLOCK: usize = 32;

/// Scores and ranks a batch of queries.
pub fn rank(run: &LoadedRun, queries: &[&Query]) -> Vec<Ranking> {
    let n = run.model.n_items();
    let users: Vec<(usize, u32)> = queries
        .iter()
        .enumerate()
        .filter_map(|(q, x)| match x.subject {
            Subject::User(u) => Some((q, u)),
            Subject::History(_) => None,
        })
        .collect();
    let histories: Vec<(usize, &[u32])> = queries
        .iter()
        .enumerate()
        .filter_map(|(q, x)| match &x.subject {
            Subject::History(h) => Some((q, h.as_slice())),
            Subject::User(_) => None,
        })
        .collect();
    let mut out: Vec<Ranking> = vec![Vec::new(); queries.len()];
    let mut ranked: Vec<(usize, Ranking)> = users
        .par_chunks(BLOCK)
        .flat_map_iter(|block| {
            let ids: Vec<u32> = block.iter().map(|&(_, u)| u).collect();
            let mut scores = vec![0f32; ids.len() * n];
            run.model.score_users(&ids, &mut scores);
            block
                .iter()
                .zip(scores.chunks_exact(n))
                .map(|(&(q, _), row)| (q, select(row, queries[q])))
                .collect::<Vec<_>>()
        })
        .collect();
    if let Some(fold) = run.model.fold_in() {
        ranked.extend(
            histories
                .par_chunks(BLOCK)
                .flat_map_iter(|block| {
                    let hs: Vec<&[u32]> = block.iter().map(|&(_, h)| h).collect();
                    let mut scores = vec![0f32; hs.len() * n];
                    fold.score_histories(&hs, &mut scores);
                    block
                        .iter()
                        .zip(scores.chunks_exact(n))
                        .map(|(&(q, _), row)| (q, select(row, queries[q])))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>(),
        );
    }
    for (q, r) in ranked {
        out[q] = r;
    }
    out
}

/// The query's top K of one row of scores, by gnnrec's one ranking rule (higher score
/// first, ties to the lower item index).
pub fn select(scores: &[f32], q: &Query) -> Ranking {
    match &q.candidates {
        None => top_k(scores, &q.exclude, q.k)
            .into_iter()
            .map(|i| (i, scores[i as usize]))
            .collect(),
        Some(c) => {
            let sub: Vec<f32> = c.iter().map(|&i| scores[i as usize]).collect();
            let excluded: Vec<u32> = c
                .iter()
                .enumerate()
                .filter(|(_, i)| q.exclude.binary_search(i).is_ok())
                .map(|(p, _)| p as u32)
                .collect();
            top_k(&sub, &excluded, q.k)
                .into_iter()
                .map(|p| (c[p as usize], sub[p as usize]))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(k: usize, exclude: Vec<u32>, candidates: Option<Vec<u32>>) -> Query {
        Query {
            subject: Subject::User(0),
            k,
            exclude,
            candidates,
        }
    }

    #[test]
    fn select_excludes_and_restricts_with_the_ranking_rule() {
        let s = [0.5, 0.9, 0.1, 0.9, 0.7];
        assert_eq!(
            select(&s, &query(3, vec![], None)),
            vec![(1, 0.9), (3, 0.9), (4, 0.7)]
        );
        assert_eq!(
            select(&s, &query(2, vec![1], None)),
            vec![(3, 0.9), (4, 0.7)]
        );
        // Only items 0, 2 and 3, item 3 excluded.
        assert_eq!(
            select(&s, &query(5, vec![3], Some(vec![0, 2, 3]))),
            vec![(0, 0.5), (2, 0.1)]
        );
    }
}
