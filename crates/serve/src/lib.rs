//! `gnnrec serve`: recommendations from saved runs over HTTP/JSON.
//!
//! - [`bundle`]: what a run directory holds for serving and how it is loaded;
//! - [`engine`]: one served model and its micro-batching scoring worker;
//! - [`served`]: the runs served by name, and their reload without downtime;
//! - [`request`]: query strings and JSON bodies, errors naming the field;
//! - [`routes`]: the handlers;
//! - [`metrics`]: Prometheus text;
//! - [`server`]: the router, the guard each request passes, signals, start-up.
//!
//! The HTTP stack is axum on tokio; scoring never runs on the async threads.

pub mod bundle;
pub mod engine;
pub mod error;
pub mod metrics;
pub mod request;
pub mod routes;
pub mod served;
pub mod server;
pub mod testing;

pub use bundle::LoadedRun;
pub use error::{ApiError, LoadError};
pub use server::{ServeOptions, Server, Spawned};
