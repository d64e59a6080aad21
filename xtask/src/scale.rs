//! `cargo xtask scale`: what each stage costs as the data grows, on synthetic power-law
//! interaction sets (`gnnrec data synth`) from 1M to 30M interactions.
//!
//! Users and items grow with the interactions at gowalla's mean degrees (34.4 interactions per
//! user, 25.1 per item). At each size: writing the set, loading it, the setup of LightGCN (the
//! normalised graph, initialisation), one epoch with the steps per epoch held constant (the
//! batch grows with the interactions), evaluation by full ranking (on a seeded sample of users
//! past `--eval-users`, labelled), the peak RSS of that command; then GF-CF's fit and its
//! peak RSS. Each size is one `gnnrec` command per model, measured with `wait4`; the results
//! are written after every size and a finished size is not run again (`--fresh` reruns all),
//! so an interrupted curve resumes where it stopped. It ends with the log–log slope of each
//! cost, a Markdown table and a log–log plot.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::files::write_atomic;
use crate::process::run_measured;

/// Where the committed curve's sets, runs and results go, and its plot.
const DEFAULT_DIR: &str = "target/scale";
const DEFAULT_PLOT: &str = "docs/plots/scale.svg";

/// Gowalla's interactions per user (1,027,370 / 29,858) and per item (÷ 40,981).
const PER_USER: f64 = 34.41;
const PER_ITEM: f64 = 25.07;

/// Arguments of `cargo xtask scale`.
#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// Interaction counts to measure (train and test together), comma-separated; `M` = 10⁶.
    #[arg(long, value_delimiter = ',', default_value = "1M,3M,10M,30M", value_parser = count)]
    pub sizes: Vec<u64>,
    /// Training steps per epoch, the same at every size (the batch is the training
    /// interactions ÷ this; 50 is the gowalla recipe's).
    #[arg(long, default_value_t = 50)]
    pub steps: u64,
    /// Evaluate on a seeded sample of this many test users when there are more.
    #[arg(long, default_value_t = 10_000)]
    pub eval_users: u64,
    /// Skip the graph filter (GF-CF) fits.
    #[arg(long)]
    pub no_filters: bool,
    /// Extra LightGCN settings, `KEY=VALUE` (e.g. `neg_pool=4`), passed on as `gnnrec train
    /// --set`; only with a `--dir` and `--plot` of their own, so the committed curve stays.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Measure every size again, even those already in the results.
    #[arg(long)]
    pub fresh: bool,
    /// Where the synthetic sets, runs and results go.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DIR)]
    pub dir: PathBuf,
    /// The log–log plot to write.
    #[arg(long, value_name = "FILE.svg", default_value = DEFAULT_PLOT)]
    pub plot: PathBuf,
}

fn count(s: &str) -> Result<u64, String> {
    let (digits, factor) = match s.strip_suffix(['M', 'm']) {
        Some(d) => (d, 1e6),
        None => (s, 1.0),
    };
    digits
        .parse::<f64>()
        .ok()
        .filter(|v| *v > 0.0)
        .map(|v| (v * factor).round() as u64)
        .ok_or_else(|| format!("`{s}` is not a positive count (e.g. 1000000 or 1M)"))
}

/// One measured size.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Point {
    /// Interactions asked of the generator (train + test).
    pub interactions: u64,
    /// Users and items of the set.
    pub users: u64,
    /// Items of the set.
    pub items: u64,
    /// Training interactions.
    pub train: u64,
    /// The batch of the epoch and the steps it made.
    pub batch: u64,
    /// Steps of the epoch.
    pub steps: u64,
    /// Seconds to write the set.
    pub synth_seconds: f64,
    /// Seconds to load it (train and test files, id maps).
    pub load_seconds: f64,
    /// LightGCN's setup: graph and initialisation (training time beyond its epoch).
    pub setup_seconds: f64,
    /// One LightGCN epoch.
    pub epoch_seconds: f64,
    /// Evaluation of the LightGCN model.
    pub eval_seconds: f64,
    /// What the evaluation covered (`test`, or the sample).
    pub evaluated_on: String,
    /// recall@20 of that evaluation (a sanity check: the sets are random).
    pub recall_at_20: f64,
    /// Peak RSS of the LightGCN command, MiB.
    pub lightgcn_peak_rss_mib: f64,
    /// GF-CF's fit (normalisation and truncated SVD), when measured.
    pub filter_fit_seconds: Option<f64>,
    /// Its evaluation.
    pub filter_eval_seconds: Option<f64>,
    /// Peak RSS of the GF-CF command, MiB.
    pub filter_peak_rss_mib: Option<f64>,
    /// Why GF-CF was not measured (its refusal), if it was not.
    #[serde(default)]
    pub filter_note: Option<String>,
}

/// Runs the curve (resuming), then prints the table and slopes and draws the plot.
pub fn run(args: &ScaleArgs, root: &Path) -> Result<()> {
    let bin = root.join("target/release/gnnrec");
    if !bin.exists() {
        bail!(
            "{} is missing: build it first (cargo build --release -p gnnrec)",
            bin.display()
        );
    }
    if !args.set.is_empty()
        && (args.dir == Path::new(DEFAULT_DIR) || args.plot == Path::new(DEFAULT_PLOT))
    {
        bail!(
            "--set measures another curve: give it a --dir and a --plot of its own (the defaults hold the committed one)"
        );
    }
    let dir = root.join(&args.dir);
    std::fs::create_dir_all(&dir)?;
    let results_path = dir.join("results.json");
    let mut points: Vec<Point> = match std::fs::read_to_string(&results_path) {
        Ok(t) if !args.fresh => serde_json::from_str(&t)
            .with_context(|| format!("parsing {}", results_path.display()))?,
        _ => Vec::new(),
    };
    for &n in &args.sizes {
        if points.iter().any(|p| p.interactions == n) {
            eprintln!(
                "== {n} interactions: measured before (in {})",
                results_path.display()
            );
            continue;
        }
        let p = measure(&bin, &dir, n, args)?;
        eprintln!(
            "== {n}: load {:.1} s, setup {:.1} s, epoch {:.1} s, eval {:.1} s, peak {:.0} MiB",
            p.load_seconds,
            p.setup_seconds,
            p.epoch_seconds,
            p.eval_seconds,
            p.lightgcn_peak_rss_mib
        );
        points.retain(|q| q.interactions != n);
        points.push(p);
        points.sort_by_key(|p| p.interactions);
        write_atomic(&results_path, &serde_json::to_string_pretty(&points)?)?;
    }
    println!("{}", markdown(&points));
    plot(&points, &root.join(&args.plot))?;
    eprintln!(
        "wrote {} and {}",
        results_path.display(),
        args.plot.display()
    );
    Ok(())
}

fn measure(bin: &Path, dir: &Path, n: u64, args: &ScaleArgs) -> Result<Point> {
    let users = (n as f64 / PER_USER).round() as u64;
    let items = (n as f64 / PER_ITEM).round() as u64;
    let data = dir.join(format!("synth-{n}"));
    let scratch = dir.join("scratch");
    eprintln!("== {n} interactions: {users} users, {items} items");
    let synth = run_measured(
        Command::new(bin)
            .args(["data", "synth", "--seed", "42", "--users"])
            .arg(users.to_string())
            .arg("--items")
            .arg(items.to_string())
            .arg("--interactions")
            .arg(n.to_string())
            .arg("--out")
            .arg(&data),
        &scratch,
    )?;
    // Per-user 80/20: the training interactions are counted from the file it wrote.
    let train = count_train(&data.join("train.txt"))?;
    let batch = train.div_ceil(args.steps);
    let run = dir.join(format!("lightgcn-{n}"));
    let batch_arg = batch.to_string();
    let mut model = vec![
        "--model", "lightgcn", "--dim", "64", "--layers", "3", "--epochs", "1", "--batch",
        &batch_arg,
    ];
    for kv in &args.set {
        model.extend(["--set", kv.as_str()]);
    }
    let lightgcn = train_measured(bin, &data, &run, &scratch, &model, args.eval_users)?;
    let v = &lightgcn.json;
    let epoch_seconds = v["epoch_seconds"][0]
        .as_f64()
        .ok_or_else(|| anyhow!("the LightGCN run reported no epoch"))?;
    let mut point = Point {
        interactions: n,
        users,
        items,
        train,
        batch,
        steps: train.div_ceil(batch),
        synth_seconds: synth.wall_seconds,
        load_seconds: number(v, "load_seconds")?,
        setup_seconds: number(v, "train_seconds")? - epoch_seconds,
        epoch_seconds,
        eval_seconds: number(v, "eval_seconds")?,
        evaluated_on: v["evaluated_on"].as_str().unwrap_or("").to_string(),
        recall_at_20: v["metrics"]["recall@20"].as_f64().unwrap_or(f64::NAN),
        lightgcn_peak_rss_mib: lightgcn.peak_rss_mib,
        filter_fit_seconds: None,
        filter_eval_seconds: None,
        filter_peak_rss_mib: None,
        filter_note: None,
    };
    std::fs::remove_dir_all(&run).ok();
    if !args.no_filters {
        let run = dir.join(format!("gfcf-{n}"));
        // A filter that refuses (its memory estimate exceeds the machine) is recorded as such;
        // the size's LightGCN measurements stand.
        match train_measured(
            bin,
            &data,
            &run,
            &scratch,
            &["--model", "gfcf"],
            args.eval_users,
        ) {
            Ok(gfcf) => {
                point.filter_fit_seconds = Some(number(&gfcf.json, "train_seconds")?);
                point.filter_eval_seconds = Some(number(&gfcf.json, "eval_seconds")?);
                point.filter_peak_rss_mib = Some(gfcf.peak_rss_mib);
            }
            Err(e) => {
                let why = e.to_string();
                let line = why
                    .lines()
                    .find(|l| l.starts_with("error:"))
                    .unwrap_or("failed");
                eprintln!("   GF-CF: {line}");
                point.filter_note = Some(line.trim_start_matches("error: ").to_string());
            }
        }
        std::fs::remove_dir_all(&run).ok();
    }
    Ok(point)
}

struct Trained {
    json: Value,
    peak_rss_mib: f64,
}

fn train_measured(
    bin: &Path,
    data: &Path,
    out: &Path,
    scratch: &Path,
    model: &[&str],
    eval_users: u64,
) -> Result<Trained> {
    // A run left by an interrupted measurement is not resumed: it is measured again.
    if out.exists() {
        std::fs::remove_dir_all(out).with_context(|| format!("removing {}", out.display()))?;
    }
    let mut cmd = Command::new(bin);
    cmd.arg("train")
        .args(model)
        .arg("--dataset")
        .arg(data)
        .args(["--seed", "42", "--json", "--quiet", "--eval-users"])
        .arg(eval_users.to_string())
        .arg("--out")
        .arg(out);
    eprintln!("   {cmd:?}");
    let done = run_measured(&mut cmd, scratch)?;
    let json = serde_json::from_str(&done.stdout).context("parsing gnnrec train --json")?;
    Ok(Trained {
        json,
        peak_rss_mib: done.peak_rss_mib,
    })
}

fn number(v: &Value, key: &str) -> Result<f64> {
    v[key]
        .as_f64()
        .ok_or_else(|| anyhow!("gnnrec train --json reported no `{key}`"))
}

fn count_train(path: &Path) -> Result<u64> {
    // LightGCN format: `user item item …` per line; the interactions are the items.
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text
        .lines()
        .map(|l| l.split_whitespace().count().saturating_sub(1) as u64)
        .sum())
}

/// The least-squares slope of `ln y` on `ln x`.
pub fn log_log_slope(points: &[(f64, f64)]) -> Option<f64> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let n = pts.len() as f64;
    let (mx, my) = (
        pts.iter().map(|p| p.0).sum::<f64>() / n,
        pts.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

type Series = (&'static str, fn(&Point) -> Option<f64>);

const SERIES: [Series; 7] = [
    ("load", |p| Some(p.load_seconds)),
    ("LightGCN setup (graph, init)", |p| Some(p.setup_seconds)),
    ("LightGCN epoch", |p| Some(p.epoch_seconds)),
    ("LightGCN evaluation", |p| Some(p.eval_seconds)),
    ("LightGCN peak RSS (MiB)", |p| Some(p.lightgcn_peak_rss_mib)),
    ("GF-CF fit", |p| p.filter_fit_seconds),
    ("GF-CF peak RSS (MiB)", |p| p.filter_peak_rss_mib),
];

fn markdown(points: &[Point]) -> String {
    let mut s = String::from(
        "| interactions | users | items | batch × steps | load | LightGCN setup | epoch | evaluation (users) | peak RSS | GF-CF fit | GF-CF peak RSS |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let opt = |x: Option<f64>, unit: &str| x.map_or("—".to_string(), |v| format!("{v:.1}{unit}"));
    for p in points {
        s += &format!(
            "| {} | {} | {} | {} × {} | {:.1} s | {:.1} s | {:.1} s | {:.1} s ({}) | {:.0} MiB | {} | {} |\n",
            p.interactions,
            p.users,
            p.items,
            p.batch,
            p.steps,
            p.load_seconds,
            p.setup_seconds,
            p.epoch_seconds,
            p.eval_seconds,
            p.evaluated_on,
            p.lightgcn_peak_rss_mib,
            match (&p.filter_note, p.filter_fit_seconds) {
                (Some(why), None) => format!("refused: {why}"),
                (_, fit) => opt(fit, " s"),
            },
            opt(p.filter_peak_rss_mib.map(f64::round), " MiB"),
        );
    }
    s += "\nLog–log slope against the interactions (1 = linear):";
    for (name, f) in SERIES {
        let pts: Vec<(f64, f64)> = points
            .iter()
            .filter_map(|p| f(p).map(|y| (p.interactions as f64, y)))
            .collect();
        if let Some(k) = log_log_slope(&pts) {
            s += &format!(" {name} {k:.2};");
        }
    }
    s.pop();
    s += ".\n";
    s
}

fn plot(points: &[Point], path: &Path) -> Result<()> {
    if points.len() < 2 {
        return Ok(());
    }
    let svg = render(points).map_err(|e| anyhow!("drawing {}: {e}", path.display()))?;
    write_atomic(path, &svg)
}

fn render(points: &[Point]) -> Result<String, Box<dyn std::error::Error>> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 520)).into_drawing_area();
        root.fill(&WHITE)?;
        let xs: Vec<f64> = points.iter().map(|p| p.interactions as f64).collect();
        let (x0, x1) = (xs[0] / 1.2, xs[xs.len() - 1] * 1.2);
        let seconds: Vec<f64> = SERIES
            .iter()
            .filter(|(name, _)| !name.contains("RSS"))
            .flat_map(|(_, f)| points.iter().filter_map(f))
            .filter(|y| *y > 0.0)
            .collect();
        let y0 = seconds.iter().copied().fold(f64::INFINITY, f64::min) / 2.0;
        let y1 = seconds.iter().copied().fold(0.0, f64::max) * 2.0;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "cost as the data grows (synthetic power-law sets, log–log)",
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())?;
        chart
            .configure_mesh()
            .x_desc("interactions")
            .y_desc("seconds")
            .x_label_formatter(&|x| format!("{:.0}M", x / 1e6))
            .draw()?;
        let colors = [BLUE, RED, GREEN, MAGENTA, CYAN, BLACK];
        let mut c = 0;
        for (name, f) in SERIES {
            if name.contains("RSS") {
                continue;
            }
            let pts: Vec<(f64, f64)> = points
                .iter()
                .filter_map(|p| f(p).map(|y| (p.interactions as f64, y)))
                .filter(|(_, y)| *y > 0.0)
                .collect();
            if pts.is_empty() {
                continue;
            }
            let color = colors[c % colors.len()];
            c += 1;
            let slope = log_log_slope(&pts).map_or(String::new(), |k| format!(" (slope {k:.2})"));
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))?
                .label(format!("{name}{slope}"))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], color));
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()?;
        root.present()?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_millions() {
        assert_eq!(count("1M"), Ok(1_000_000));
        assert_eq!(count("2.5m"), Ok(2_500_000));
        assert_eq!(count("1234"), Ok(1234));
        assert!(count("-1").is_err());
        assert!(count("x").is_err());
    }

    #[test]
    fn the_slope_of_a_power_law_is_its_exponent() {
        let pts: Vec<(f64, f64)> = [1e6, 3e6, 1e7, 3e7]
            .iter()
            .map(|&x: &f64| (x, 0.5 * x.powf(1.25)))
            .collect();
        assert!((log_log_slope(&pts).unwrap() - 1.25).abs() < 1e-9);
        assert_eq!(log_log_slope(&pts[..1]), None);
    }
}
