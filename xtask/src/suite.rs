//! The end-to-end suite: every model × dataset pair we report, trained by the `gnnrec` binary
//! with fixed seeds, its metrics, time and peak memory recorded.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::BenchArgs;
use crate::process::run_measured;
use crate::report::{Report, RunEntry, Stamp};

/// One `gnnrec train` of the suite.
struct Case {
    dataset: &'static str,
    split: Option<&'static str>,
    model: &'static str,
    /// Arguments of the quick run (few epochs); `None`: not in the quick suite.
    quick: Option<&'static str>,
    /// Arguments of the full run (the reported recipe); `None`: not in the full suite.
    full: Option<&'static str>,
    /// A published or measured number to compare with, and its source.
    reference: &'static str,
}

/// The suite. Quick runs use the same recipes with fewer epochs.
fn cases() -> Vec<Case> {
    let c = |dataset, split, model, quick, full, reference| Case {
        dataset,
        split,
        model,
        quick,
        full,
        reference,
    };
    vec![
        // ml-latest-small, random 80/20 (seed 42).
        c("ml-latest-small", None, "pop", Some(""), Some(""), ""),
        c(
            "ml-latest-small",
            None,
            "bias",
            Some(""),
            Some(""),
            "notebook GCN: scaled MSE 0.0892",
        ),
        c(
            "ml-latest-small",
            None,
            "gcn",
            Some("--monitor none --features item --epochs 20"),
            Some("--monitor none --features item --epochs 60"),
            "notebook GCN: scaled MSE 0.0892 (RMSE ≈ 1.34)",
        ),
        c(
            "ml-latest-small",
            None,
            "lightgcn",
            Some("--lr 0.01 --l2 1e-3 --schedule cosine --monitor none --epochs 10"),
            Some("--lr 0.01 --l2 1e-3 --schedule cosine --monitor none --epochs 30"),
            "",
        ),
        // ml-100k, canonical u1.
        c("ml-100k", None, "pop", Some(""), Some(""), ""),
        c(
            "ml-100k",
            None,
            "bias",
            Some(""),
            Some(""),
            "biased MF ~0.95 (issue 5)",
        ),
        c(
            "ml-100k",
            None,
            "itemknn",
            Some(""),
            Some(""),
            "closed-form item–item 0.307 (issue 4)",
        ),
        c(
            "ml-100k",
            None,
            "mf",
            Some("--dim 128 --lr 0.01 --l2 1e-2 --schedule cosine --monitor none --epochs 20"),
            Some(MF_100),
            "",
        ),
        c(
            "ml-100k",
            None,
            "lightgcn",
            Some("--dim 128 --lr 0.01 --l2 1e-3 --schedule cosine --monitor none --epochs 20"),
            Some(LGCN_100),
            "PyG LightGCN 0.285 after 10 min (issue 4)",
        ),
        c(
            "ml-100k",
            None,
            "irgnn",
            Some("--monitor none --epochs 10"),
            Some("--monitor none --epochs 50"),
            "",
        ),
        c(
            "ml-100k",
            None,
            "gcn",
            Some("--monitor none --features user,item --epochs 30"),
            Some("--monitor none --features user,item"),
            "GC-MC 0.910 (0.905 with features), IGMC 0.905",
        ),
        // lastfm, the LightGCN split.
        c("lastfm", None, "pop", Some(""), Some(""), ""),
        c("lastfm", None, "itemknn", Some(""), Some(""), ""),
        c(
            "lastfm",
            None,
            "mf",
            Some("--dim 128 --lr 0.01 --l2 1e-2 --schedule cosine --monitor none --epochs 20"),
            Some(MF_100),
            "implicit ALS 0.2649 (issue 4)",
        ),
        c(
            "lastfm",
            None,
            "lightgcn",
            Some("--dim 128 --lr 0.01 --l2 1e-3 --schedule cosine --monitor none --epochs 20"),
            Some(LGCN_100),
            "LightGCN-PyTorch 0.2493 after 210 epochs (issue 4)",
        ),
        c(
            "lastfm",
            None,
            "irgnn",
            Some("--monitor none --epochs 10"),
            Some("--monitor none --epochs 50"),
            "",
        ),
        // lastfm-hetrec, per-user temporal split.
        c(
            "lastfm-hetrec",
            Some("temporal:frac=0.2"),
            "pop",
            Some(""),
            Some(""),
            "",
        ),
        c(
            "lastfm-hetrec",
            Some("temporal:frac=0.2"),
            "itemknn",
            Some("--item-graph time"),
            Some("--item-graph time"),
            "",
        ),
        c(
            "lastfm-hetrec",
            Some("temporal:frac=0.2"),
            "irgnn",
            Some("--item-graph decay --tau 90 --monitor none --epochs 10"),
            Some("--item-graph decay --tau 90 --monitor none --epochs 50"),
            "",
        ),
        // gowalla: the paper's table (full only).
        c("gowalla", None, "pop", None, Some(""), ""),
        c(
            "gowalla",
            None,
            "lightgcn",
            None,
            Some(GOWALLA_LGCN),
            "LightGCN paper: recall@20 0.1830, NDCG@20 0.1554 (He et al., SIGIR 2020, Table 3)",
        ),
    ]
}

/// The gowalla recipe of docs/results.md: the paper's dim 64 and 3 layers, batch 16,384,
/// lr 0.01 with cosine decay over 80 epochs, L2 1e-3, the hardest of 16 negative candidates,
/// the test split evaluated every 10 epochs (the paper's protocol).
const GOWALLA_LGCN: &str = concat!(
    "--batch 16384 --lr 0.01 --l2 1e-3 --schedule cosine --epochs 80 --neg-pool 16",
    " --monitor test --eval-every 10 --patience 0"
);
const LGCN_100: &str = concat!(
    "--dim 128 --lr 0.01 --l2 1e-3 --schedule cosine --monitor none",
    " --epochs 100"
);
const MF_100: &str = concat!(
    "--dim 128 --lr 0.01 --l2 1e-2 --schedule cosine --monitor none",
    " --epochs 100"
);

/// Runs the cases of the mode selected by `args`, recording each as it finishes.
pub fn run(args: &BenchArgs, root: &Path, report: &mut Report) -> Result<()> {
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
    for case in cases() {
        let Some(extra) = (if args.full { case.full } else { case.quick }) else {
            continue;
        };
        let id = format!("{mode}/{}/{}", case.dataset, case.model);
        if !args.selects(&id) {
            continue;
        }
        let mut shown = format!(
            "gnnrec train --model {} --dataset {}",
            case.model, case.dataset
        );
        if let Some(s) = case.split {
            shown += &format!(" --split {s}");
        }
        if !extra.is_empty() {
            shown += &format!(" {extra}");
        }
        shown += " --seed 42";
        let out = runs.join(format!("{}-{}", case.dataset, case.model));
        if out.exists() {
            std::fs::remove_dir_all(&out)?;
        }
        eprintln!("== {id}: {shown}");
        let mut cmd = Command::new(&bin);
        cmd.args(shown.split_whitespace().skip(1))
            .args(["--json", "--quiet", "--out"])
            .arg(&out);
        if let Some(d) = &args.data_dir {
            cmd.env("GNNREC_DATA", d);
        }
        let done = run_measured(&mut cmd, &runs.join("scratch"))?;
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
                let file = format!("{}-{}-{mode}.svg", case.dataset, case.model);
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
            dataset: case.dataset.into(),
            split: v["split"].as_str().unwrap_or("").into(),
            model: case.model.into(),
            command: shown,
            metrics,
            train_seconds,
            epochs,
            seconds_per_epoch: epochs.filter(|&e| e > 0).map(|e| train_seconds / e as f64),
            peak_rss_mib: done.peak_rss_mib,
            wall_seconds: done.wall_seconds,
            reference: case.reference.into(),
            curve,
            stamp: Stamp::default(),
        })?;
    }
    Ok(())
}
