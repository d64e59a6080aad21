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

pub use gnnrec_run::query::{Query, Ranking, Subject, rank, select};
use tokio::sync::oneshot;

use crate::bundle::LoadedRun;
use crate::error::ApiError;

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
        let mut rankings =
            match std::panic::catch_unwind(AssertUnwindSafe(|| rank(run.model.as_ref(), &queries)))
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
