//! `gnnrec tune`: a grid search over layers × hidden width (× learning rate) on a validation
//! carve-out of train, then the best configuration retrained and evaluated on the test split.
//!
//! The test split is never looked at while choosing: every grid point trains on train minus
//! the carve-out and is scored on the carve-out (RMSE for rating models, recall@20 for ranking
//! models).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use gnnrec_data::fsutil::write_atomic;
use gnnrec_models::registry::{self, Hyper};
use gnnrec_models::{EpochRecord, ModelSpec, Observer, Task, TrainContext};
use plotters::prelude::*;
use serde::Serialize;

use crate::cli::{Monitor, TuneArgs};
use crate::commands::evaluate::{print_metrics, test_metrics};
use crate::commands::train::{Plan, execute};
use crate::commands::{data, set_threads};
use crate::output::{csv_field, print_json};
use crate::timefmt;

/// One grid point's outcome.
#[derive(Debug, Clone, Serialize)]
struct Row {
    layers: usize,
    hidden: usize,
    lr: Option<f32>,
    /// The selection metric on the validation carve-out.
    validation: f64,
    epochs: usize,
    seconds: f64,
}

/// Counts epochs and tells the user which grid point is running.
struct Counter {
    epochs: usize,
}

impl Observer for Counter {
    fn epoch_finished(&mut self, _record: &EpochRecord) {
        self.epochs += 1;
    }
}

pub fn run(args: &TuneArgs) -> Result<()> {
    let threads = set_threads(args.threads)?;
    if args.layers.is_empty() || args.hidden.is_empty() || args.hidden.contains(&0) {
        bail!("--layers and --hidden need at least one value each (hidden > 0)");
    }
    if !(args.valid_fraction > 0.0 && args.valid_fraction < 1.0) {
        bail!("--valid-fraction must be in (0, 1)");
    }
    let probe = ModelSpec::build(&args.model, &Hyper::default())?;
    if !probe.is_iterative() {
        bail!(
            "`{}` has no layers or width to tune; tune gcn, lightgcn, mf or irgnn",
            args.model
        );
    }
    let (metric, lower_is_better) = match probe.task() {
        Task::Rating => ("rmse", true),
        Task::Ranking => ("recall@20", false),
    };
    let (data, split) = data::load(&args.data)?;
    let carved = split.carve_validation(args.valid_fraction, args.seed);
    let ctx = TrainContext {
        n_users: data.n_users(),
        n_items: data.n_items(),
        train: &carved.train,
        monitor: Some(&carved.test),
        rating_scale: data.rating_scale,
        user_features: data.user_features.as_ref(),
        item_features: data.item_features.as_ref(),
        seed: args.seed,
        resume: None,
        device: Default::default(),
    };
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("runs").join(format!(
            "tune-{}-{}-{}",
            args.model,
            data.name,
            timefmt::compact(timefmt::now_unix())
        ))
    });
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let lrs: Vec<Option<f32>> = if args.lr.is_empty() {
        vec![None]
    } else {
        args.lr.iter().copied().map(Some).collect()
    };
    let grid_size = args.layers.len() * args.hidden.len() * lrs.len();
    if !args.quiet {
        eprintln!(
            "tuning {} on {} ({grid_size} configurations; {} train / {} validation ratings carved from split {}; selecting by validation {metric})",
            args.model,
            data.name,
            carved.train.len(),
            carved.test.len(),
            split.name
        );
    }

    let hyper = |layers: usize, hidden: usize, lr: Option<f32>| Hyper {
        layers: Some(layers),
        hidden: Some(hidden),
        dim: Some(hidden),
        lr,
        l2: args.l2,
        epochs: args.epochs,
        dropout: args.dropout,
        features: args.features,
        ..Hyper::default()
    };
    let mut rows = Vec::with_capacity(grid_size);
    for &layers in &args.layers {
        for &hidden in &args.hidden {
            for &lr in &lrs {
                let spec = ModelSpec::build(&args.model, &hyper(layers, hidden, lr))?;
                let t0 = Instant::now();
                let mut counter = Counter { epochs: 0 };
                let model = registry::train(&spec, &ctx, &mut counter)?;
                let seconds = t0.elapsed().as_secs_f64();
                let m = test_metrics(model.as_ref(), &data, &carved, &[20]);
                let validation = *m
                    .flat
                    .get(metric)
                    .ok_or_else(|| anyhow!("the model reported no {metric}"))?;
                let row = Row {
                    layers,
                    hidden,
                    lr,
                    validation,
                    epochs: counter.epochs,
                    seconds,
                };
                if !args.quiet {
                    eprintln!(
                        "  layers {layers:>2}  hidden {hidden:>4}{}  validation {metric} {validation:.4}  ({} epochs, {seconds:.1}s)",
                        lr.map(|l| format!("  lr {l}")).unwrap_or_default(),
                        row.epochs
                    );
                }
                rows.push(row);
            }
        }
    }
    let best = rows
        .iter()
        .min_by(|a, b| {
            let o = a.validation.total_cmp(&b.validation);
            if lower_is_better { o } else { o.reverse() }
        })
        .cloned()
        .expect("the grid is not empty");

    write_table(&out.join("tune.csv"), &rows, metric)?;
    write_atomic(&out.join("tune.json"), |w| {
        serde_json::to_writer_pretty(
            &mut *w,
            &serde_json::json!({
                "model": args.model,
                "dataset": data.name,
                "split": split.name,
                "validation": format!("{}:{}", args.valid_fraction, args.seed),
                "metric": metric,
                "rows": rows,
                "best": best,
            }),
        )?;
        Ok(())
    })?;
    let svg = render(&rows, metric, &format!("{} on {}", args.model, data.name))
        .map_err(|e| anyhow!("drawing the tuning plot: {e}"))?;
    write_atomic(&out.join("tune.svg"), |w| w.write_all(svg.as_bytes()))?;

    // Retrain the winner the way `gnnrec train` would, and score it on the test split.
    let spec = ModelSpec::build(&args.model, &hyper(best.layers, best.hidden, best.lr))?;
    let plan = Plan {
        spec,
        data: args.data.clone(),
        seed: args.seed,
        ks: vec![10, 20],
        monitor: Monitor::Validation,
        valid_fraction: args.valid_fraction,
        out: out.join("best"),
        resume: None,
        device: Default::default(),
    };
    let done = execute(plan, true, threads)?;
    if args.json {
        return print_json(&serde_json::json!({
            "out": out,
            "metric": metric,
            "rows": rows,
            "best": best,
            "best_run": done.dir.path(),
            "test_metrics": done.metrics.metrics,
            "train_seconds": done.metrics.train_seconds,
        }));
    }
    println!("\nvalidation {metric} by configuration ({}):\n", split.name);
    print_grid(&rows, &args.layers, &args.hidden, &lrs, &best);
    println!(
        "\nbest: layers {} hidden {}{} (validation {metric} {:.4}); retrained in {:.1}s, test set:\n",
        best.layers,
        best.hidden,
        best.lr.map(|l| format!(" lr {l}")).unwrap_or_default(),
        best.validation,
        done.metrics.train_seconds
    );
    print_metrics(&done.test);
    println!(
        "\nwrote {0}/tune.csv, {0}/tune.json, {0}/tune.svg; best run in {1}",
        out.display(),
        done.dir.path().display()
    );
    Ok(())
}

/// A layers × hidden table per learning rate, the best cell starred.
fn print_grid(rows: &[Row], layers: &[usize], hidden: &[usize], lrs: &[Option<f32>], best: &Row) {
    for &lr in lrs {
        if let Some(l) = lr {
            println!("lr {l}");
        }
        print!("{:>8}", "layers");
        for h in hidden {
            print!("  {:>9}", format!("h={h}"));
        }
        println!();
        for &l in layers {
            print!("{l:>8}");
            for &h in hidden {
                let r = rows
                    .iter()
                    .find(|r| r.layers == l && r.hidden == h && r.lr == lr)
                    .expect("every grid point ran");
                let star = if r.layers == best.layers && r.hidden == best.hidden && r.lr == best.lr
                {
                    "*"
                } else {
                    " "
                };
                print!("  {:>8.4}{star}", r.validation);
            }
            println!();
        }
    }
}

fn write_table(path: &Path, rows: &[Row], metric: &str) -> Result<()> {
    write_atomic(path, |w| {
        writeln!(
            w,
            "layers,hidden,lr,validation_{},epochs,seconds",
            csv_field(metric)
        )?;
        for r in rows {
            writeln!(
                w,
                "{},{},{},{:.6},{},{:.3}",
                r.layers,
                r.hidden,
                r.lr.map(|l| l.to_string()).unwrap_or_default(),
                r.validation,
                r.epochs,
                r.seconds
            )?;
        }
        Ok(())
    })
    .with_context(|| format!("writing {}", path.display()))
}

/// Validation metric against hidden width (log scale), one line per (layers, lr).
fn render(rows: &[Row], metric: &str, title: &str) -> Result<String, Box<dyn std::error::Error>> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (700, 450)).into_drawing_area();
        root.fill(&WHITE)?;
        let (lo_h, hi_h) = rows.iter().fold((f64::MAX, f64::MIN), |(lo, hi), r| {
            (lo.min(r.hidden as f64), hi.max(r.hidden as f64))
        });
        let (lo_v, hi_v) = rows.iter().fold((f64::MAX, f64::MIN), |(lo, hi), r| {
            (lo.min(r.validation), hi.max(r.validation))
        });
        let pad = ((hi_v - lo_v) * 0.1).max(1e-3);
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("tuning {title}"), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(
                (lo_h * 0.8..hi_h * 1.25).log_scale(),
                lo_v - pad..hi_v + pad,
            )?;
        chart
            .configure_mesh()
            .x_desc("hidden width")
            .y_desc(format!("validation {metric}"))
            .draw()?;
        let mut series: Vec<(usize, Option<f32>)> = rows.iter().map(|r| (r.layers, r.lr)).collect();
        series.dedup();
        series.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1.partial_cmp(&b.1).expect("finite lr"))
        });
        series.dedup();
        for (n, &(layers, lr)) in series.iter().enumerate() {
            let color = Palette99::pick(n).to_rgba();
            let mut pts: Vec<(f64, f64)> = rows
                .iter()
                .filter(|r| r.layers == layers && r.lr == lr)
                .map(|r| (r.hidden as f64, r.validation))
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            let label = match lr {
                Some(l) => format!("{layers} layers, lr {l}"),
                None => format!("{layers} layers"),
            };
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color));
            chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }
    Ok(svg)
}
