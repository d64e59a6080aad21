//! `gnnrec serve`: recommendations from saved runs over HTTP/JSON.
//!
//! - [`bundle`]: a run loaded for serving (the run layer's `ServableRun`);
//! - [`engine`]: one served model and its micro-batching scoring worker;
//! - [`served`]: the runs served by name, and their reload without downtime;
//! - [`request`]: query strings and JSON bodies, errors naming the field;
//! - [`query`]: what a request asks turned into the engine's query, one function for every handler;
//! - [`state`]: what every handler shares;
//! - [`routes`]: the route table, written once, and the handlers;
//! - [`browse`]: the routes the page reads besides recommendations (item search, history, log);
//! - [`page`]: the browser page at `/`, embedded, under a Content Security Policy;
//! - [`reload_path`]: where a reload may load a run from;
//! - [`metrics`]: Prometheus text;
//! - [`server`]: the router, the guard each request passes, signals, start-up.
//!
//! The HTTP stack is axum on tokio; scoring never runs on the async threads.

pub mod browse;
pub mod bundle;
pub mod engine;
pub mod error;
pub mod metrics;
pub mod page;
pub mod query;
pub mod reload_path;
pub mod request;
pub mod routes;
pub mod served;
pub mod server;
pub mod state;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use bundle::LoadedRun;
pub use error::{ApiError, LoadError};
pub use server::{ServeOptions, Server, Spawned};
