//! `cargo xtask bench --pyg PYTHON`: PyTorch Geometric's LightGCN step at the paper's settings
//! on gowalla (`xtask/pyg/lightgcn_step.py`), timed by the given Python (which must have torch
//! and torch_geometric) in the same invocation as our own step, so that the ratio of the two is
//! measured on one machine in one window. Without `--pyg` nothing runs: CI has no torch.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, anyhow};
use serde_json::Value;

use crate::BenchArgs;
use crate::process::run_measured;
use crate::report::{BenchEntry, Report, Stamp};

pub use crate::floor::PYG_STEP_ID as STEP_ID;

/// Times PyG's step with `python` and records it.
pub fn run(python: &Path, args: &BenchArgs, root: &Path, report: &mut Report) -> Result<()> {
    let data = args.data_dir().join("gowalla");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let script = root.join("xtask/pyg/lightgcn_step.py");
    let mut cmd = Command::new(python);
    cmd.arg(&script)
        .arg("--data")
        .arg(&data)
        .args(["--threads", &threads.to_string()]);
    eprintln!("== PyG: {cmd:?}");
    let done = run_measured(&mut cmd, &root.join("target/xtask-runs/pyg"))
        .context("timing PyG's LightGCN step (does this Python have torch and torch_geometric?)")?;
    let v: Value =
        serde_json::from_str(done.stdout.trim()).context("parsing the PyG script's JSON")?;
    let step = v["step_seconds"]
        .as_f64()
        .ok_or_else(|| anyhow!("the PyG script reported no step_seconds"))?;
    eprintln!(
        "PyG {} on torch {}: {:.1} ms per step ({:.0} s per epoch), peak {:.0} MiB",
        v["torch_geometric"],
        v["torch"],
        step * 1e3,
        step * 396.0,
        done.peak_rss_mib
    );
    report.add_bench(BenchEntry {
        id: STEP_ID.into(),
        mean_seconds: step,
        // The script reports a mean over its timed steps, not an interval.
        low_seconds: step,
        high_seconds: step,
        command: format!(
            "{} xtask/pyg/lightgcn_step.py --data {} --threads {threads}",
            python.display(),
            data.display()
        ),
        stamp: Stamp::default(),
    })
}
