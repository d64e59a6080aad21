//! `cargo xtask load --run DIR`: the load test of `gnnrec serve`, with a real HTTP load
//! generator ([oha](https://github.com/hatoo/oha), installed by cargo into `target/tools` when
//! it is not on the PATH; built with native TLS on the system's OpenSSL, since its default
//! rustls build compiles aws-lc from C and it does not build without TLS).
//!
//! The server and the generator share this machine's cores, as they would on a 2-core box.
//! Every request is a single-user `GET /v1/recommend?user=U&k=20` (seen items excluded, no
//! response cache) for users drawn at random from all of the run's users. At each concurrency
//! it reports throughput and p50 / p99 latency, and beside them the floor of one request: the
//! bytes of item embeddings it scans divided by the same run's streaming bandwidth.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::Value;

use crate::probes;

/// Arguments of `cargo xtask load`.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The run directory to serve (e.g. a LightGCN run on gowalla).
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// Concurrencies to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    pub concurrency: Vec<usize>,
    /// Seconds of load at each concurrency (after a 2 s warm-up).
    #[arg(long, default_value_t = 15)]
    pub seconds: u64,
    /// K of every request.
    #[arg(long, default_value_t = 20)]
    pub k: usize,
    /// Distinct random users in the request mix.
    #[arg(long, default_value_t = 20_000)]
    pub users: usize,
    /// Where to write the results as JSON.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "target/xtask-runs/load/result.json"
    )]
    pub out: PathBuf,
}

/// `oha` on the PATH, else in `target/tools/bin`, else installed there by cargo.
fn oha(root: &Path) -> Result<PathBuf> {
    if Command::new("oha")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Ok(PathBuf::from("oha"));
    }
    let local = root.join("target/tools/bin/oha");
    if !local.exists() {
        eprintln!(
            "installing oha (the HTTP load generator) into target/tools: a few minutes, once"
        );
        let st = Command::new("cargo")
            .args([
                "install",
                "oha",
                "--locked",
                "--no-default-features",
                "--features",
                "native-tls",
                "--root",
            ])
            .arg(root.join("target/tools"))
            .status()
            .context("running cargo install oha")?;
        if !st.success() {
            bail!("cargo install oha failed");
        }
    }
    Ok(local)
}

/// The shape of tensor `name` in a safetensors file (its JSON header only).
fn tensor_shape(path: &Path, name: &str) -> Result<Vec<u64>> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut len = [0u8; 8];
    f.read_exact(&mut len)?;
    let mut header = vec![0u8; u64::from_le_bytes(len) as usize];
    f.read_exact(&mut header)?;
    let v: Value = serde_json::from_slice(&header)?;
    v[name]["shape"]
        .as_array()
        .map(|s| s.iter().filter_map(Value::as_u64).collect())
        .with_context(|| format!("{}: no tensor `{name}`", path.display()))
}

/// A server child that is killed when dropped.
struct ServerChild(Child);

impl Drop for ServerChild {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `gnnrec serve` on a free loopback port; its address.
fn start_server(root: &Path, run: &Path) -> Result<(ServerChild, String)> {
    let bin = root.join("target/release/gnnrec");
    if !bin.exists() {
        bail!(
            "{} is missing: cargo build --release -p gnnrec",
            bin.display()
        );
    }
    let mut child = Command::new(bin)
        .args(["serve", "--quiet", "--addr", "127.0.0.1:0", "--run"])
        .arg(run)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting gnnrec serve")?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .context("reading the server's address")?;
    let addr = line
        .strip_prefix("listening on http://")
        .and_then(|r| r.split_whitespace().next())
        .with_context(|| format!("the server did not start: {line:?}"))?
        .to_string();
    Ok((ServerChild(child), addr))
}

/// Runs the load test.
pub fn run(args: &LoadArgs, root: &Path) -> Result<()> {
    let oha = oha(root)?;
    let run = &args.run;
    // The run is read through the run layer, which owns its layout.
    let dir = gnnrec_run::RunDir::open(run)?;
    let (user_ids, _) = dir.id_maps()?;
    let users: Vec<String> = (0..user_ids.len() as u32)
        .map(|u| user_ids.raw(u).to_string())
        .collect();
    let shape = tensor_shape(&dir.file(gnnrec_run::run_dir::MODEL_FILE), "item_embedding")?;
    let item_bytes = shape.iter().product::<u64>() * 4;
    let stream_gbps = probes::stream_gbps();
    let floor_us = item_bytes as f64 / (stream_gbps * 1e9) * 1e6;
    let (_server, addr) = start_server(root, run)?;
    let scratch = root.join("target/xtask-runs/load");
    std::fs::create_dir_all(&scratch)?;
    let urls = scratch.join("urls.txt");
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut text = String::new();
    for _ in 0..args.users {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let u = &users[(state >> 33) as usize % users.len()];
        text.push_str(&format!(
            "http://{addr}/v1/recommend?user={u}&k={}\n",
            args.k
        ));
    }
    std::fs::write(&urls, text)?;
    eprintln!(
        "serving {} ({} users, item embeddings {:?} = {:.1} MB) on {addr}; stream {:.1} GB/s → floor {:.0} µs per request",
        run.display(),
        users.len(),
        shape,
        item_bytes as f64 / 1e6,
        stream_gbps,
        floor_us
    );
    let mut rows = Vec::new();
    println!("| concurrency | requests/s | p50 ms | p99 ms | non-200 | floor µs/request |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for &c in &args.concurrency {
        let oha_run = |secs: u64| -> Result<Value> {
            let out = Command::new(&oha)
                .args(["--no-tui", "--output-format", "json", "--urls-from-file"])
                .arg(&urls)
                .args(["-c", &c.to_string(), "-z", &format!("{secs}s")])
                .output()
                .context("running oha")?;
            if !out.status.success() {
                bail!("oha failed: {}", String::from_utf8_lossy(&out.stderr));
            }
            serde_json::from_slice(&out.stdout).context("reading oha's JSON")
        };
        oha_run(2)?; // warm-up
        let v = oha_run(args.seconds)?;
        let rps = v["summary"]["requestsPerSec"].as_f64().unwrap_or(0.0);
        let p50 = v["latencyPercentiles"]["p50"].as_f64().unwrap_or(f64::NAN) * 1e3;
        let p99 = v["latencyPercentiles"]["p99"].as_f64().unwrap_or(f64::NAN) * 1e3;
        let codes = v["statusCodeDistribution"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let non_200: u64 = codes
            .iter()
            .filter(|(k, _)| k.as_str() != "200")
            .filter_map(|(_, n)| n.as_u64())
            .sum();
        println!("| {c} | {rps:.0} | {p50:.2} | {p99:.2} | {non_200} | {floor_us:.0} |");
        rows.push(serde_json::json!({
            "concurrency": c, "requests_per_second": rps, "p50_ms": p50, "p99_ms": p99,
            "non_200": non_200, "status_codes": codes,
        }));
    }
    let result = serde_json::json!({
        "run": run, "users": users.len(), "item_embedding_shape": shape,
        "item_embedding_bytes": item_bytes, "stream_gbps": stream_gbps,
        "floor_us_per_request": floor_us, "k": args.k, "seconds": args.seconds, "rows": rows,
    });
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.out, serde_json::to_vec_pretty(&result)?)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}
