//! `GET /metrics`: requests by route and status, a latency histogram per route, the size of
//! the scoring batches, and the served runs, in the Prometheus / OpenMetrics text format.

use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of a request counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: String,
}

/// Labels of the latency histogram.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

/// Labels of a served run.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    name: String,
    model: String,
    dataset: String,
    path: String,
}

fn latency_histogram() -> Histogram {
    // 50 µs … 0.8 s, doubling.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 15))
}

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    runs: Family<RunLabels, Gauge>,
    reloads: Family<RequestLabels, Counter>,
    lock: Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("gnnrec");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response, by route",
            latency.clone(),
        );
        let runs = Family::<RunLabels, Gauge>::default();
        registry.register(
            "served_run",
            "The runs served (1 per name), with their model, dataset and directory",
            runs.clone(),
        );
        let reloads = Family::<RequestLabels, Counter>::default();
        registry.register(
            "reloads",
            "Reloads of served runs, by name and outcome (route = run name, status = ok | failed)",
            reloads.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            runs,
            reloads,
            lock: Mutex::new(()),
        }
    }
}

impl Metrics {
    /// Counts one answered request.
    pub fn observe(&self, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_string(),
                status: status.to_string(),
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_string(),
            })
            .observe(seconds);
    }

    /// Counts a reload of `name`.
    pub fn reloaded(&self, name: &str, ok: bool) {
        self.reloads
            .get_or_create(&RequestLabels {
                route: name.to_string(),
                status: if ok { "ok" } else { "failed" }.to_string(),
            })
            .inc();
    }

    /// Replaces the served-runs gauge by `runs` (name, model, dataset, path).
    pub fn set_runs<'a>(
        &self,
        runs: impl IntoIterator<Item = (&'a str, &'a str, &'a str, String)>,
    ) {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.runs.clear();
        for (name, model, dataset, path) in runs {
            self.runs
                .get_or_create(&RunLabels {
                    name: name.to_string(),
                    model: model.to_string(),
                    dataset: dataset.to_string(),
                    path,
                })
                .set(1);
        }
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}
