//! The server: options, the router, the guard every request passes (key, capacity, timeout,
//! metrics, access log), signals (SIGHUP reloads, SIGTERM drains) and start-up.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::engine::BatchLimits;
use crate::error::{ApiError, LoadError};
use crate::metrics::Metrics;
use crate::routes;
use crate::served::Served;
pub use crate::state::{AppState, RequestLimits, Shared};

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// (name, run directory); the first is the default run.
    pub runs: Vec<(String, PathBuf)>,
    /// Where to listen (port 0: any free port).
    pub addr: SocketAddr,
    /// The key every request but `/healthz`, `/readyz` and the page must carry, if any.
    pub api_key: Option<String>,
    /// The key of the admin routes (`/admin/…`), which are off without one.
    pub admin_key: Option<String>,
    /// The folder `POST /admin/reload` may load runs from (none: a reload only re-reads a
    /// served run's own folder).
    pub runs_root: Option<PathBuf>,
    /// Requests handled at once; one more is answered 503.
    pub max_concurrency: usize,
    /// A request taking longer is answered 503.
    pub timeout: Duration,
    /// Largest request body, bytes (413 beyond).
    pub max_body: usize,
    /// What one request may ask.
    pub limits: RequestLimits,
    /// The scoring queue and batch.
    pub batch: BatchLimits,
}

impl ServeOptions {
    /// Defaults for serving `runs` on `addr`.
    pub fn new(runs: Vec<(String, PathBuf)>, addr: SocketAddr) -> Self {
        ServeOptions {
            runs,
            addr,
            api_key: None,
            admin_key: None,
            runs_root: None,
            max_concurrency: 512,
            timeout: Duration::from_secs(10),
            max_body: 1 << 20,
            limits: RequestLimits::default(),
            batch: BatchLimits::default(),
        }
    }
}

/// Whether `path` may be requested without the API key: the probes and the page (which asks
/// for the key and sends it with every call it makes).
fn is_open(path: &str) -> bool {
    path == "/healthz" || path == "/readyz" || crate::page::PATHS.contains(&path)
}

/// Whether `path` is an admin route, which takes the admin key instead of the API key.
fn is_admin(path: &str) -> bool {
    path.starts_with("/admin/")
}

/// The admin key a request carries: `X-Admin-Key`, or the bearer token.
fn admin_key_of(req: &Request) -> Option<&[u8]> {
    match req.headers().get("x-admin-key") {
        Some(v) => Some(v.as_bytes()),
        None => key_of(req),
    }
}

/// `None` when the request may go on past the keys, else the refusal.
fn refused_by_keys(s: &Shared, path: &str, req: &Request) -> Option<Response> {
    if is_admin(path) {
        let Some(admin) = &s.admin_key else {
            return Some(
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    Some("path"),
                    "the admin routes are off: start the server with --admin-key-file to use them",
                )
                .into_response(),
            );
        };
        if !admin_key_of(req).is_some_and(|k| same_key(k, admin.as_bytes())) {
            return Some(
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    Some("authorization"),
                    "the admin routes need the admin key: send `X-Admin-Key: KEY` or `Authorization: Bearer KEY`",
                )
                .into_response(),
            );
        }
        return None;
    }
    if let Some(key) = &s.api_key
        && !is_open(path)
        && !key_of(req).is_some_and(|k| same_key(k, key.as_bytes()))
    {
        return Some(
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                Some("authorization"),
                "this server needs its API key: send `Authorization: Bearer KEY` or `X-API-Key: KEY`",
            )
            .into_response(),
        );
    }
    None
}

/// Compares without an early exit, so that timing does not reveal how much of a key matched.
fn same_key(given: &[u8], key: &[u8]) -> bool {
    given.len() == key.len() && given.iter().zip(key).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

fn key_of(req: &Request) -> Option<&[u8]> {
    let h = req.headers();
    if let Some(v) = h.get("x-api-key") {
        return Some(v.as_bytes());
    }
    h.get(axum::http::header::AUTHORIZATION)
        .map(|v| v.as_bytes())
        .and_then(|v| v.strip_prefix(b"Bearer "))
}

/// Every request passes here: the key, a permit (503 when none is free), the timeout, then
/// the metrics and one access-log line.
async fn guard(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    // The routes a metric may be labelled with (anything else is `other`: a client cannot
    // grow the metrics without bound by requesting random paths).
    let route = routes::label(&path);
    let response = async {
        if let Some(refusal) = refused_by_keys(&s, &path, &req) {
            return refusal;
        }
        let Ok(_permit) = Arc::clone(&s.permits).try_acquire_owned() else {
            return ApiError::overloaded(
                "the server is at its concurrency limit; retry after a second",
            )
            .into_response();
        };
        match tokio::time::timeout(s.timeout, next.run(req)).await {
            Ok(r) => r,
            Err(_) => ApiError::overloaded(format!(
                "the request took longer than {} ms",
                s.timeout.as_millis()
            ))
            .into_response(),
        }
    }
    .await;
    let status = response.status().as_u16();
    let seconds = start.elapsed().as_secs_f64();
    s.metrics.observe(route, status, seconds);
    tracing::info!(target: "gnnrec::access", %method, path, status, micros = (seconds * 1e6) as u64);
    response
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        Some("path"),
        format!("no such route; see {}", routes::listing()),
    )
}

/// The router over `state`: every route of [`routes::table`].
pub fn router(state: AppState, max_body: usize) -> Router {
    let mut router = Router::new();
    for r in routes::table() {
        router = router.route(r.path, r.handlers);
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                Some("method"),
                "this route does not take that method",
            )
        })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// A server that is listening.
pub struct Server {
    state: AppState,
    listener: TcpListener,
    max_body: usize,
    /// SIGHUP, registered when the server binds (before it says where it listens: a signal
    /// sent as soon as the address is known must find its handler).
    #[cfg(unix)]
    hangup: Option<tokio::signal::unix::Signal>,
}

impl Server {
    /// Loads every run (refusing what does not fit in memory) and binds the address.
    pub async fn bind(opts: ServeOptions) -> Result<Server, LoadError> {
        let runs = opts.runs.clone();
        let batch = opts.batch;
        let served = tokio::task::spawn_blocking(move || Served::load(&runs, batch))
            .await
            .map_err(|e| LoadError::Incomplete(format!("loading the runs failed: {e}")))??;
        let listener = TcpListener::bind(opts.addr)
            .await
            .map_err(|source| LoadError::Io {
                path: opts.addr.to_string(),
                source,
            })?;
        let state = Arc::new(Shared {
            served,
            metrics: Metrics::default(),
            limits: opts.limits,
            draining: AtomicBool::new(false),
            api_key: opts.api_key,
            admin_key: opts.admin_key,
            runs_root: match &opts.runs_root {
                Some(root) => Some(root.canonicalize().map_err(|source| LoadError::Io {
                    path: root.display().to_string(),
                    source,
                })?),
                None => None,
            },
            permits: Arc::new(Semaphore::new(opts.max_concurrency.max(1))),
            timeout: opts.timeout,
        });
        state.publish_runs();
        Ok(Server {
            state,
            listener,
            max_body: opts.max_body,
            #[cfg(unix)]
            hangup: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok(),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then stops accepting, lets every request in flight
    /// finish, and returns. SIGHUP (on Unix) reloads every served run from its path.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let state = self.state.clone();
        #[cfg(unix)]
        if let Some(hup) = self.hangup {
            tokio::spawn(reload_on_sighup(state.clone(), hup));
        }
        let app = router(state.clone(), self.max_body);
        axum::serve(self.listener, app)
            .with_graceful_shutdown(async move {
                shutdown.await;
                state.draining.store(true, Ordering::SeqCst);
                tracing::info!("shutting down: draining the requests in flight");
            })
            .await
    }
}

/// On every SIGHUP, reloads each served name from its path (failures keep the old model).
#[cfg(unix)]
async fn reload_on_sighup(state: AppState, mut hup: tokio::signal::unix::Signal) {
    while hup.recv().await.is_some() {
        for (name, path, _) in state.served.list() {
            let _ = routes::reload_one(&state, name, path).await;
        }
    }
}

/// A future that completes on SIGTERM or Ctrl-C. The SIGTERM handler is registered when this
/// is called (inside a runtime), not when the future is first polled: call it before telling
/// anyone where the server listens.
pub fn termination() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let term = async {
            match term.as_mut() {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    }
}

/// A server on a thread of its own (tests, benchmarks): its address and a way to stop it.
pub struct Spawned {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Spawned {
    /// Starts serving `opts` on a new thread with its own runtime.
    pub fn start(opts: ServeOptions) -> Result<Spawned, LoadError> {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            rt.block_on(async move {
                match Server::bind(opts).await {
                    Ok(server) => {
                        let _ = addr_tx.send(Ok(server.local_addr()));
                        server
                            .run(async move {
                                let _ = stopped.await;
                            })
                            .await
                    }
                    Err(e) => {
                        let _ = addr_tx.send(Err(e));
                        Ok(())
                    }
                }
            })
        });
        let addr = addr_rx
            .recv()
            .map_err(|_| LoadError::Incomplete("the server thread failed to start".into()))??;
        Ok(Spawned {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Stops it (graceful: requests in flight finish) and waits.
    pub fn stop(mut self) -> std::io::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> std::io::Result<()> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        match self.thread.take() {
            Some(t) => t.join().unwrap_or(Ok(())),
            None => Ok(()),
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
