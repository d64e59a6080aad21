//! The criterion benches of the crates: run them, collect their estimates.

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::BenchArgs;
use crate::probes::FloorProbe;
use crate::report::{BenchEntry, Report, Stamp};

/// The bench targets, each in the crate it measures.
const TARGETS: [&str; 4] = ["loaders", "graphs", "lightgcn", "full_ranking"];

/// Runs every bench target (criterion's quick mode unless `--full`), filtered by `--only`,
/// and records each benchmark's mean time, stamped with the independent product floor
/// `floor` measured just before and just after its target (when gowalla is present).
pub fn run(args: &BenchArgs, report: &mut Report, floor: Option<&FloorProbe>) -> Result<()> {
    for target in TARGETS {
        if args.skip.as_deref().is_some_and(|p| target.contains(p)) {
            continue;
        }
        let started = SystemTime::now();
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["bench", "--workspace", "--bench", target, "--"]);
        if !args.full {
            cmd.arg("--quick");
        }
        // A pattern that names the target runs all of it; otherwise criterion filters ids.
        if let Some(p) = args.only.as_deref().filter(|p| !target.contains(p)) {
            cmd.arg(p);
        }
        if let Some(d) = &args.data_dir {
            cmd.env("GNNREC_DATA", d);
        }
        eprintln!("== cargo bench --bench {target}");
        let before = floor.map(FloorProbe::seconds);
        let status = cmd.status().with_context(|| format!("running {cmd:?}"))?;
        report.set_floor_probes(before, floor.map(FloorProbe::seconds));
        if !status.success() {
            bail!("{cmd:?} failed ({status})");
        }
        let shown = format!(
            "cargo bench --workspace --bench {target}{}",
            if args.full { "" } else { " -- --quick" }
        );
        for mut entry in collect(Path::new("target/criterion"), started)? {
            entry.command = shown.clone();
            report.add_bench(entry)?;
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct BenchmarkJson {
    full_id: String,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Estimates {
    mean: Estimate,
}

/// Every `…/new/estimates.json` under `dir` written since `since`.
fn collect(dir: &Path, since: SystemTime) -> Result<Vec<BenchEntry>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let fresh = e
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= since);
            if !fresh || p.file_name() != Some("estimates.json".as_ref()) {
                continue;
            }
            let Some(new_dir) = p.parent().filter(|n| n.ends_with("new")) else {
                continue;
            };
            let read = |f: &Path| {
                std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))
            };
            let id: BenchmarkJson = serde_json::from_str(&read(&new_dir.join("benchmark.json"))?)?;
            let est: Estimates = serde_json::from_str(&read(&p)?)?;
            let ns = 1e-9;
            out.push(BenchEntry {
                id: id.full_id,
                mean_seconds: est.mean.point_estimate * ns,
                low_seconds: est.mean.confidence_interval.lower_bound * ns,
                high_seconds: est.mean.confidence_interval.upper_bound * ns,
                command: String::new(),
                stamp: Stamp::default(),
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}
