//! The state every handler shares ([`Shared`]): the served runs, the metrics, the limits on
//! what one request may ask, the key, the concurrency permits and whether the server drains.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::metrics::Metrics;
use crate::served::Served;

/// Limits on what one request may ask.
#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    /// The largest K.
    pub max_k: usize,
    /// Users in one batch call at most.
    pub max_batch_users: usize,
    /// Items in one fold-in history at most.
    pub max_history: usize,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            max_k: 1000,
            max_batch_users: 10_000,
            max_history: 10_000,
        }
    }
}

/// What every handler sees.
pub struct Shared {
    /// The served runs.
    pub served: Served,
    /// Metrics.
    pub metrics: Metrics,
    /// What one request may ask.
    pub limits: RequestLimits,
    /// True once shutdown has begun.
    pub draining: AtomicBool,
    /// The key every request but the open routes must carry, if any.
    pub(crate) api_key: Option<String>,
    /// The key of the admin routes, which are off without one.
    pub(crate) admin_key: Option<String>,
    /// The folder reloads may load runs from (canonical), if any.
    pub(crate) runs_root: Option<std::path::PathBuf>,
    /// Requests handled at once.
    pub(crate) permits: Arc<Semaphore>,
    /// A request taking longer is answered 503.
    pub(crate) timeout: Duration,
}

/// The handlers' state.
pub type AppState = Arc<Shared>;

impl Shared {
    /// Publishes the served runs to the metrics.
    pub fn publish_runs(&self) {
        let list = self.served.list();
        self.metrics.set_runs(list.iter().map(|(n, p, e)| {
            (
                n.as_str(),
                e.run.model_name.as_str(),
                e.run.dataset.as_str(),
                p.display().to_string(),
            )
        }));
    }
}
