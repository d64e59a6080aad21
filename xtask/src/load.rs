//! `cargo xtask load --run DIR`: the load test of `gnnrec serve`, with two independent HTTP
//! load generators in the same run: [oha](https://github.com/hatoo/oha) (Rust, installed by
//! cargo into `target/tools` when it is not on the PATH) and [wrk](https://github.com/wg/wrk)
//! (C, Debian's `wrk` package; `xtask/load/urls.lua` walks the same URL list).
//!
//! The server and the generator share this machine's cores, as they would on a 2-core box.
//! Every request is a single-user `GET /v1/recommend?user=U&k=20` (seen items excluded, no
//! response cache) for users drawn at random from all of the run's users. The server runs as
//! users run it: its access log on, written to a file. At each concurrency and generator it
//! reports throughput and p50 / p99 latency, and beside them the floor of one request: the
//! bytes of item embeddings it scans divided by the same run's streaming bandwidth. A last
//! row repeats the highest concurrency with the access log off (`--quiet`): the log's cost.
//!
//! With `--fold-in` every request is a new user's instead: `POST /v1/recommend` with a
//! history (the training items of a user drawn at random, as raw ids) that the model folds in
//! (`xtask/load/urls.lua` reads bodies too; wrk only: oha sends one body). There is no embedding scan to set
//! beside it; the in-process latency of one fold-in is `gnnrec fold-in`'s.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::Value;

use gnnrec_data::idmap::RawId;

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
    /// Load generators, comma-separated (`oha`, `wrk`).
    #[arg(long, value_delimiter = ',', default_value = "oha,wrk")]
    pub generators: Vec<String>,
    /// Every request a new user's fold-in (`POST /v1/recommend` with a history drawn from the
    /// run's users), not a known user's `GET`; wrk only.
    #[arg(long)]
    pub fold_in: bool,
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

/// Starts `gnnrec serve` on a free loopback port, its access log into `log` (`None`: off,
/// `--quiet`); its address.
fn start_server(root: &Path, run: &Path, log: Option<&Path>) -> Result<(ServerChild, String)> {
    let bin = root.join("target/release/gnnrec");
    if !bin.exists() {
        bail!(
            "{} is missing: cargo build --release -p gnnrec",
            bin.display()
        );
    }
    let mut cmd = Command::new(bin);
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--run"])
        .arg(run)
        .stdout(Stdio::piped());
    match log {
        Some(file) => {
            let f = std::fs::File::create(file)
                .with_context(|| format!("creating {}", file.display()))?;
            cmd.stderr(f);
        }
        None => {
            cmd.arg("--quiet").stderr(Stdio::inherit());
        }
    }
    let mut child = cmd.spawn().context("starting gnnrec serve")?;
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

/// One measurement: a generator at a concurrency.
struct Measured {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    non_200: u64,
}

/// A load generator.
enum Generator {
    Oha(PathBuf),
    Wrk(PathBuf),
}

impl Generator {
    fn find(name: &str, root: &Path) -> Result<Generator> {
        match name {
            "oha" => Ok(Generator::Oha(oha(root)?)),
            "wrk" => {
                let ok = Command::new("wrk")
                    .arg("--version")
                    .output()
                    .is_ok_and(|o| !o.stdout.is_empty() || !o.stderr.is_empty());
                if !ok {
                    bail!("wrk is not installed: apt-get install wrk (or --generators oha)");
                }
                Ok(Generator::Wrk(PathBuf::from("wrk")))
            }
            other => bail!("--generators: `{other}` is not one of oha, wrk"),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Generator::Oha(_) => "oha",
            Generator::Wrk(_) => "wrk",
        }
    }

    /// `secs` seconds at concurrency `c` over the requests in `urls` (URLs, or the base URL
    /// then one JSON body per line).
    fn run(&self, root: &Path, urls: &Path, c: usize, secs: u64) -> Result<Measured> {
        match self {
            Generator::Oha(bin) => {
                let out = Command::new(bin)
                    .args(["--no-tui", "--output-format", "json", "--urls-from-file"])
                    .arg(urls)
                    .args(["-c", &c.to_string(), "-z", &format!("{secs}s")])
                    .output()
                    .context("running oha")?;
                if !out.status.success() {
                    bail!("oha failed: {}", String::from_utf8_lossy(&out.stderr));
                }
                let v: Value = serde_json::from_slice(&out.stdout).context("reading oha's JSON")?;
                let non_200 = v["statusCodeDistribution"]
                    .as_object()
                    .map(|codes| {
                        codes
                            .iter()
                            .filter(|(k, _)| k.as_str() != "200")
                            .filter_map(|(_, n)| n.as_u64())
                            .sum()
                    })
                    .unwrap_or(0);
                Ok(Measured {
                    rps: v["summary"]["requestsPerSec"].as_f64().unwrap_or(0.0),
                    p50_ms: v["latencyPercentiles"]["p50"].as_f64().unwrap_or(f64::NAN) * 1e3,
                    p99_ms: v["latencyPercentiles"]["p99"].as_f64().unwrap_or(f64::NAN) * 1e3,
                    non_200,
                })
            }
            Generator::Wrk(bin) => {
                let first = std::fs::read_to_string(urls)?;
                let base = first
                    .lines()
                    .next()
                    .and_then(|u| u.find("/v1/").map(|k| u[..k].to_string()))
                    .or_else(|| first.lines().next().map(str::to_string))
                    .context("an empty URL list")?;
                let out = Command::new(bin)
                    .args(["-t", &c.clamp(1, 2).to_string(), "-c", &c.to_string()])
                    .args(["-d", &format!("{secs}s"), "--latency", "-s"])
                    .arg(root.join("xtask/load/urls.lua"))
                    .arg(&base)
                    .arg("--")
                    .arg(urls)
                    .output()
                    .context("running wrk")?;
                let text = String::from_utf8_lossy(&out.stdout);
                let line = text
                    .lines()
                    .rev()
                    .find(|l| l.starts_with('{'))
                    .with_context(|| format!("wrk printed no result: {text}"))?;
                let v: Value = serde_json::from_str(line).context("reading wrk's JSON line")?;
                let n = |k: &str| v[k].as_f64().unwrap_or(0.0);
                Ok(Measured {
                    rps: n("requests") / (n("duration_us") / 1e6),
                    p50_ms: n("p50_us") / 1e3,
                    p99_ms: n("p99_us") / 1e3,
                    non_200: (n("non_2xx") + n("socket_errors")) as u64,
                })
            }
        }
    }
}

/// Runs the load test.
pub fn run(args: &LoadArgs, root: &Path) -> Result<()> {
    let names: Vec<&String> = args
        .generators
        .iter()
        .filter(|g| {
            let keep = !(args.fold_in && g.as_str() == "oha");
            if !keep {
                eprintln!(
                    "--fold-in: oha sends one body to every request; measuring with wrk only"
                );
            }
            keep
        })
        .collect();
    if names.is_empty() {
        bail!("--fold-in needs wrk among --generators");
    }
    let generators: Vec<Generator> = names
        .into_iter()
        .map(|g| Generator::find(g, root))
        .collect::<Result<_>>()?;
    let run = &args.run;
    // The run is read through the run layer, which owns its layout.
    let dir = gnnrec_run::RunDir::open(run)?;
    let (user_ids, _) = dir.id_maps()?;
    let users: Vec<String> = (0..user_ids.len() as u32)
        .map(|u| user_ids.raw(u).to_string())
        .collect();
    let histories = if args.fold_in {
        Some(fold_in_bodies(run, args.users, args.k)?)
    } else {
        None
    };
    // The floor of a known user's request: one scan of the item embeddings.
    let (shape, item_bytes, stream_gbps, floor_us) = if args.fold_in {
        (Vec::new(), 0, f64::NAN, f64::NAN)
    } else {
        let shape = tensor_shape(&dir.file(gnnrec_run::run_dir::MODEL_FILE), "item_embedding")?;
        let item_bytes = shape.iter().product::<u64>() * 4;
        let stream_gbps = probes::stream_gbps();
        let floor_us = item_bytes as f64 / (stream_gbps * 1e9) * 1e6;
        (shape, item_bytes, stream_gbps, floor_us)
    };
    let scratch = root.join("target/xtask-runs/load");
    std::fs::create_dir_all(&scratch)?;
    let access_log = scratch.join("access.log");
    let mut rows = Vec::new();
    println!(
        "| concurrency | generator | access log | requests/s | p50 ms | p99 ms | non-200 | floor µs/request |"
    );
    println!("|---:|---|---|---:|---:|---:|---:|---:|");
    let top = args.concurrency.iter().copied().max().unwrap_or(1);
    let plan: Vec<(bool, Vec<usize>)> = vec![(true, args.concurrency.clone()), (false, vec![top])];
    for (logged, concurrencies) in plan {
        let (_server, addr) = start_server(root, run, logged.then_some(access_log.as_path()))?;
        let urls = scratch.join("urls.txt");
        match &histories {
            Some(bodies) => std::fs::write(&urls, format!("http://{addr}\n{bodies}"))?,
            None => std::fs::write(&urls, url_list(&addr, &users, args.users, args.k))?,
        }
        let log = if logged { "on" } else { "off" };
        if args.fold_in {
            eprintln!(
                "serving {} on {addr}, access log {log}; every request folds in the history of \
                 one of {} users drawn from its {} (no embedding-scan floor for a fold-in)",
                run.display(),
                args.users,
                users.len()
            );
        } else {
            eprintln!(
                "serving {} ({} users, item embeddings {:?} = {:.1} MB) on {addr}, access log \
                 {log}; stream {:.1} GB/s → floor {:.0} µs per request",
                run.display(),
                users.len(),
                shape,
                item_bytes as f64 / 1e6,
                stream_gbps,
                floor_us
            );
        }
        for &c in &concurrencies {
            for g in &generators {
                g.run(root, &urls, c, 2)?; // warm-up
                let m = g.run(root, &urls, c, args.seconds)?;
                let floor = if args.fold_in {
                    "—".to_string()
                } else {
                    format!("{floor_us:.0}")
                };
                println!(
                    "| {c} | {} | {log} | {:.0} | {:.2} | {:.2} | {} | {floor} |",
                    g.name(),
                    m.rps,
                    m.p50_ms,
                    m.p99_ms,
                    m.non_200
                );
                rows.push(serde_json::json!({
                    "concurrency": c, "generator": g.name(), "access_log": logged,
                    "requests_per_second": m.rps, "p50_ms": m.p50_ms, "p99_ms": m.p99_ms,
                    "non_200": m.non_200, "fold_in": args.fold_in,
                }));
            }
        }
    }
    let result = serde_json::json!({
        "run": run, "users": users.len(), "item_embedding_shape": shape,
        "item_embedding_bytes": item_bytes, "stream_gbps": stream_gbps,
        "floor_us_per_request": floor_us, "k": args.k, "seconds": args.seconds, "rows": rows,
        "machine": crate::machine::Machine::this(), "date": crate::machine::now(),
        "commit": crate::machine::commit(),
    });
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.out, serde_json::to_vec_pretty(&result)?)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// `count` request bodies, one JSON per line: the training history (raw item ids) of a user
/// drawn at random (the stream of [`draws`]) from the run's users with any history.
fn fold_in_bodies(run: &Path, count: usize, k: usize) -> Result<String> {
    let served = gnnrec_run::serving::ServableRun::open(run)?;
    let n_users = served.users.len() as u32;
    let mut text = String::new();
    let mut drawn = 0;
    for draw in draws().take(count.saturating_mul(4)) {
        if drawn == count {
            break;
        }
        let u = (draw % n_users as u64) as u32;
        let history = served.seen.of(u);
        if history.is_empty() {
            continue;
        }
        let items: Vec<Value> = history
            .iter()
            .map(|&i| match served.items.raw(i) {
                RawId::Int(v) => Value::from(v),
                RawId::Str(v) => Value::from(v),
            })
            .collect();
        text.push_str(&serde_json::json!({ "items": items, "k": k }).to_string());
        text.push('\n');
        drawn += 1;
    }
    if drawn == 0 {
        bail!(
            "{}: no user of the run has a training history",
            run.display()
        );
    }
    Ok(text)
}

/// The fixed linear congruential stream the request mixes draw their users from (the high bits
/// of each state).
fn draws() -> impl Iterator<Item = u64> {
    std::iter::successors(Some(0x9E37_79B9_7F4A_7C15u64), |s| {
        Some(
            s.wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407),
        )
    })
    .skip(1)
    .map(|s| s >> 33)
}

/// `count` request URLs of random users (the stream of [`draws`]).
fn url_list(addr: &str, users: &[String], count: usize, k: usize) -> String {
    let mut text = String::new();
    for draw in draws().take(count) {
        let u = &users[draw as usize % users.len()];
        text.push_str(&format!("http://{addr}/v1/recommend?user={u}&k={k}\n"));
    }
    text
}
