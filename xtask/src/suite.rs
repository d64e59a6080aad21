//! The end-to-end suite: every recipe (`recipes/*.toml`) marked for the selected mode,
//! trained by the `gnnrec` binary, its metrics, time and peak memory recorded.
//!
//! The recipes are the one source of every setting: the suite lists them with
//! `gnnrec recipes --json` and runs `gnnrec train --recipe FILE` (plus the recipe's `[quick]`
//! changes in quick mode), so no hyper-parameter is repeated here.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::BenchArgs;
use crate::probes::FloorProbe;
use crate::process::run_measured;
use crate::report::{Report, RunEntry, Stamp};

/// One recipe as `gnnrec recipes --json` lists it.
struct Case {
    path: PathBuf,
    recipe: Value,
}

impl Case {
    fn get(&self, key: &str) -> &str {
        self.recipe[key].as_str().unwrap_or("")
    }
    fn in_mode(&self, mode: &str) -> bool {
        self.recipe["bench"]
            .as_array()
            .is_some_and(|b| b.iter().any(|m| m == mode))
    }
}

/// The recipes, listed by the binary itself.
fn cases(bin: &Path, root: &Path) -> Result<Vec<Case>> {
    let out = Command::new(bin)
        .args(["recipes", "--json", "--dir"])
        .arg(root.join("recipes"))
        .output()
        .context("running gnnrec recipes")?;
    if !out.status.success() {
        bail!(
            "gnnrec recipes failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let v: Value = serde_json::from_slice(&out.stdout).context("parsing gnnrec recipes --json")?;
    Ok(v.as_array()
        .into_iter()
        .flatten()
        .map(|c| Case {
            path: PathBuf::from(c["path"].as_str().unwrap_or_default()),
            recipe: c["recipe"].clone(),
        })
        .collect())
}

/// Runs the recipes of the mode selected by `args`, recording each as it finishes.
/// Each run is bracketed by the independent product floor `floor` (when gowalla is present),
/// which its time is stamped and compared under.
pub fn run(
    args: &BenchArgs,
    root: &Path,
    report: &mut Report,
    floor: Option<&FloorProbe>,
) -> Result<()> {
    let mode = if args.full { "full" } else { "quick" };
    eprintln!("== building the gnnrec binary");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--workspace"])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build --release --workspace failed");
    }
    let bin = root.join("target/release/gnnrec");
    let runs = root.join("target/xtask-runs").join(mode);
    let plots = root.join("docs/plots");
    std::fs::create_dir_all(&plots)?;
    for case in cases(&bin, root)? {
        if !case.in_mode(mode) {
            continue;
        }
        let (dataset, model) = (case.get("dataset"), case.get("model"));
        let name = case
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        // `mode/dataset/model` for a model's main recipe on a dataset (`model-dataset.toml`),
        // `mode/dataset/recipe` for its variants.
        let id = if name == format!("{model}-{dataset}") {
            format!("{mode}/{dataset}/{model}")
        } else {
            format!("{mode}/{dataset}/{name}")
        };
        if !args.selects(&id) && !args.selects(&name) {
            continue;
        }
        let relative = case.path.strip_prefix(root).unwrap_or(&case.path);
        let mut shown = format!("gnnrec train --recipe {}", relative.display());
        if mode == "quick"
            && let Some(q) = case.recipe["quick"].as_object()
        {
            for (k, v) in q {
                let text = v.as_str().map_or(v.to_string(), str::to_string);
                shown += &format!(" --set {k}={text}");
            }
        }
        let out = runs.join(&name);
        if out.exists() {
            std::fs::remove_dir_all(&out)?;
        }
        eprintln!("== {id}: {shown}");
        let mut cmd = Command::new(&bin);
        cmd.current_dir(root)
            .args(shown.split_whitespace().skip(1))
            .args(["--json", "--quiet", "--out"])
            .arg(&out);
        if let Some(d) = &args.data_dir {
            cmd.env("GNNREC_DATA", d);
        }
        let before = floor.map(FloorProbe::seconds);
        let done = run_measured(&mut cmd, &runs.join("scratch"))?;
        report.set_floor_probes(before, floor.map(FloorProbe::seconds));
        let v: Value = serde_json::from_str(&done.stdout)
            .with_context(|| format!("parsing the JSON of {id}"))?;
        let metrics = v["metrics"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, x)| x.as_f64().map(|x| (k.clone(), x)))
                    .collect()
            })
            .unwrap_or_default();
        let train_seconds = v["train_seconds"].as_f64().unwrap_or(0.0);
        let epochs = v["epochs"].as_u64().map(|e| e as usize);
        let curve = match epochs {
            Some(e) if e > 0 => {
                let stem = id.split('/').next_back().unwrap_or(model);
                let file = format!("{dataset}-{stem}-{mode}.svg");
                let status = Command::new(&bin)
                    .args(["plot", "--run"])
                    .arg(&out)
                    .arg("--out")
                    .arg(plots.join(&file))
                    .stdout(std::process::Stdio::null())
                    .status()?;
                status.success().then(|| format!("plots/{file}"))
            }
            _ => None,
        };
        report.add_run(RunEntry {
            id,
            mode: mode.into(),
            dataset: dataset.into(),
            split: v["split"].as_str().unwrap_or("").into(),
            model: model.into(),
            command: shown,
            metrics,
            train_seconds,
            epochs,
            seconds_per_epoch: epochs.filter(|&e| e > 0).map(|e| train_seconds / e as f64),
            peak_rss_mib: done.peak_rss_mib,
            wall_seconds: done.wall_seconds,
            reference: case.recipe["published"]["reference"]
                .as_str()
                .unwrap_or("")
                .into(),
            curve,
            stamp: Stamp::default(),
        })?;
    }
    Ok(())
}
