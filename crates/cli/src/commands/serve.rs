//! `gnnrec serve` (the HTTP server of `gnnrec-serve` on a tokio runtime) and `gnnrec pack`
//! (the serving files of runs made before the server existed).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use gnnrec_run::OpenedRun;
use gnnrec_serve::served::default_name;
use gnnrec_serve::{ServeOptions, Server};

use crate::cli::{PackArgs, ServeArgs};

/// `NAME=DIR` or `DIR` (served under the folder's name).
fn named_run(text: &str) -> (String, PathBuf) {
    match text.split_once('=') {
        Some((name, dir)) if !name.is_empty() && !name.contains('/') => {
            (name.to_string(), PathBuf::from(dir))
        }
        _ => {
            let p = PathBuf::from(text);
            (default_name(&p), p)
        }
    }
}

pub fn run(args: &ServeArgs) -> Result<()> {
    // Like Jupyter's token and Redis's protected mode: a server open to the network without a
    // key is refused unless asked for by a flag that says what it is.
    if !args.addr.ip().is_loopback() && args.api_key_file.is_none() && !args.insecure_no_key {
        bail!(
            "--addr {} is reachable from other machines and this server has no key: give \
             --api-key-file FILE (clients send `Authorization: Bearer KEY`), bind 127.0.0.1, or \
             pass --insecure-no-key to serve it open anyway",
            args.addr
        );
    }
    let threads = super::set_threads(args.threads)?;
    // The access log (a line per request) is formatted on the request's thread and written by
    // a worker thread: a slow terminal or disk never holds a request. Under a load the worker
    // cannot keep up with, lines beyond a buffer of ACCESS_LOG_LINES are dropped and counted
    // (the metrics endpoint still counts every request).
    let log = (!args.quiet).then(|| {
        let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
            .lossy(true)
            .buffered_lines_limit(ACCESS_LOG_LINES)
            .thread_name("gnnrec-log")
            .finish(std::io::stderr());
        let dropped = writer.error_counter();
        tracing_subscriber::fmt()
            .with_writer(writer)
            .with_ansi(false)
            .init();
        (guard, dropped)
    });
    let mut opts = ServeOptions::new(args.runs.iter().map(|r| named_run(r)).collect(), args.addr);
    if let Some(f) = &args.api_key_file {
        opts.api_key = Some(read_key(f, "API key")?);
    }
    if let Some(f) = &args.admin_key_file {
        opts.admin_key = Some(read_key(f, "admin key")?);
    }
    if let Some(root) = &args.runs_root {
        if !root.is_dir() {
            bail!("--runs-root {}: not a folder", root.display());
        }
        opts.runs_root = Some(root.clone());
    }
    opts.max_concurrency = args.max_concurrency;
    opts.timeout = Duration::from_millis(args.timeout_ms);
    opts.max_body = args.max_body;
    opts.batch.max_batch = args.max_batch;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.clamp(1, 4))
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let server = Server::bind(opts.clone())
            .await
            .context("loading the runs to serve")?;
        let stop = gnnrec_serve::server::termination();
        let addr = server.local_addr();
        let names: Vec<&str> = opts.runs.iter().map(|(n, _)| n.as_str()).collect();
        // Scripts (and the tests) read the address from this line.
        println!("listening on http://{addr} (runs: {})", names.join(", "));
        server.run(stop).await.context("serving")
    })?;
    if let Some((guard, dropped)) = log {
        drop(guard); // flushes the lines still buffered
        let n = dropped.dropped_lines();
        if n > 0 {
            eprintln!("{n} access-log lines were dropped: the log could not keep up with the load");
        }
    }
    eprintln!("stopped: every request in flight was answered");
    Ok(())
}

/// Access-log lines buffered for the writer thread before new ones are dropped.
const ACCESS_LOG_LINES: usize = 65_536;

/// The key in `file` (trimmed), refusing an empty one.
fn read_key(file: &std::path::Path, what: &str) -> Result<String> {
    let key = std::fs::read_to_string(file)
        .with_context(|| format!("reading the {what} file {}", file.display()))?;
    let key = key.trim();
    if key.is_empty() {
        bail!("{}: the {what} file is empty", file.display());
    }
    Ok(key.to_string())
}

pub fn pack(args: &PackArgs) -> Result<()> {
    let opened = OpenedRun::open(&args.run, args.data_dir.as_deref())?;
    let written = opened.pack()?;
    println!(
        "{}: wrote {} ({written} training interactions){}; `gnnrec serve --run {}` needs nothing else",
        args.run.display(),
        gnnrec_run::run_dir::SEEN_FILE,
        if opened.data.item_titles.is_some() {
            " and titles.json"
        } else {
            ""
        },
        args.run.display()
    );
    Ok(())
}
