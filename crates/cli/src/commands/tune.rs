//! `gnnrec tune`: a grid search over any of a model's settings on a validation carve-out of
//! train, then the best configuration retrained on all of train and evaluated on the test
//! split.
//!
//! The test split is never looked at while choosing: every grid point trains on train minus
//! the carve-out and is scored on the carve-out (RMSE for rating models, recall@20 for ranking
//! models). Results are written after every grid point, and a rerun with the same `--out`
//! skips the points already scored there, so an interrupted search resumes.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use gnnrec_data::fsutil::write_atomic;
use gnnrec_run::recommend::csv_field;
use gnnrec_run::tune::{Row, TuneFile, TuneObserver, TuneRequest, TuneStart, tune};
use plotters::prelude::*;

use crate::cli::TuneArgs;
use crate::commands::evaluate::print_metrics;
use crate::commands::set_threads;
use crate::output::print_json;

/// Prints the search's progress and keeps `tune.csv` and `tune.svg` beside `tune.json`.
struct Printer {
    quiet: bool,
}

impl TuneObserver for Printer {
    fn started(&mut self, s: &TuneStart) {
        if !self.quiet {
            eprintln!(
                "tuning {} on {} ({} configurations; {} train / {} validation interactions carved from split {}; selecting by validation {}){}",
                s.model,
                s.dataset,
                s.points,
                s.train,
                s.validation,
                s.split,
                s.metric,
                if s.earlier == 0 {
                    String::new()
                } else {
                    format!("; {} scored before in {}", s.earlier, s.out.display())
                }
            );
        }
    }

    fn point(&mut self, row: &Row, metric: &str) {
        if !self.quiet {
            eprintln!(
                "  {}  validation {metric} {:.4}  ({} epochs, {:.1}s)",
                row.label(),
                row.validation,
                row.epochs,
                row.seconds
            );
        }
    }

    fn saved(&mut self, out: &Path, file: &TuneFile) -> gnnrec_run::Result<()> {
        save_beside(out, file).map_err(|e| gnnrec_run::RunError::Invalid(format!("{e:#}")))
    }
}

/// Writes tune.csv and tune.svg (after every grid point, beside the run layer's tune.json).
fn save_beside(out: &Path, saved: &TuneFile) -> Result<()> {
    write_table(&out.join("tune.csv"), &saved.rows, &saved.metric)?;
    let title = format!("{} on {}", saved.model, saved.dataset);
    let svg = render(&saved.rows, &saved.metric, &title)
        .map_err(|e| anyhow!("drawing the tuning plot: {e}"))?;
    write_atomic(&out.join("tune.svg"), |w| w.write_all(svg.as_bytes()))?;
    Ok(())
}

pub fn run(args: &TuneArgs) -> Result<()> {
    let threads = set_threads(args.threads)?;
    let lists: Vec<(String, Vec<String>)> = args
        .flags
        .iter()
        .map(|(k, v)| {
            let values = v.split(',').map(|x| x.trim().to_string()).collect();
            (k.clone(), values)
        })
        .collect();
    let req = TuneRequest {
        model: args.model.clone(),
        lists,
        data: args.data.source().into(),
        seed: args.seed,
        valid_fraction: args.valid_fraction,
        valid_split: args.valid_split,
        out: args.out.clone(),
        threads,
        stop: None,
    };
    let done = tune(&req, &mut Printer { quiet: args.quiet })?;
    let (out, metric, best) = (&done.out, &done.metric, &done.best);
    let best_run = &done.best_run;
    if args.json {
        return print_json(&serde_json::json!({
            "out": out,
            "metric": metric,
            "rows": done.rows,
            "best": best,
            "best_run": best_run.dir.path(),
            "test_metrics": best_run.metrics.metrics,
            "train_seconds": best_run.metrics.train_seconds,
        }));
    }
    println!("\nvalidation {metric} by configuration ({}):\n", done.split);
    for r in &done.rows {
        let star = if r == best { "*" } else { " " };
        println!("  {:>8.4}{star}  {}", r.validation, r.label());
    }
    println!(
        "\nbest: {} (validation {metric} {:.4}); retrained on all of train in {:.1}s, test set:\n",
        best.label(),
        best.validation,
        best_run.metrics.train_seconds
    );
    print_metrics(&best_run.test);
    println!(
        "\nwrote {0}/tune.csv, {0}/tune.json, {0}/tune.svg; best run in {1}",
        out.display(),
        best_run.dir.path().display()
    );
    Ok(())
}

fn write_table(path: &Path, rows: &[Row], metric: &str) -> Result<()> {
    write_atomic(path, |w| {
        let keys: Vec<String> = rows
            .first()
            .map(|r| r.settings.iter().map(|(k, _)| csv_field(k)).collect())
            .unwrap_or_default();
        writeln!(
            w,
            "{},validation_{},epochs_run,seconds",
            keys.join(","),
            csv_field(metric)
        )?;
        for r in rows {
            let values: Vec<String> = r.settings.iter().map(|(_, v)| csv_field(v)).collect();
            writeln!(
                w,
                "{},{:.6},{},{:.3}",
                values.join(","),
                r.validation,
                r.epochs,
                r.seconds
            )?;
        }
        Ok(())
    })
    .with_context(|| format!("writing {}", path.display()))
}

/// The validation metric of every configuration, in grid order, labelled.
fn render(rows: &[Row], metric: &str, title: &str) -> Result<String, Box<dyn std::error::Error>> {
    let mut svg = String::new();
    {
        let height = 120 + 22 * rows.len() as u32;
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let (lo, hi) = rows.iter().fold((f64::MAX, f64::MIN), |(lo, hi), r| {
            (lo.min(r.validation), hi.max(r.validation))
        });
        let pad = ((hi - lo) * 0.1).max(1e-3);
        let n = rows.len();
        let labels: Vec<String> = rows.iter().map(Row::label).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("tuning {title}"), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(300)
            .build_cartesian_2d((lo - pad).max(0.0)..hi + pad, 0..n)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n.max(1))
            .y_label_formatter(&|k| labels.get(*k).cloned().unwrap_or_default())
            .x_desc(format!("validation {metric}"))
            .draw()?;
        chart.draw_series(
            rows.iter()
                .enumerate()
                .map(|(k, r)| Circle::new((r.validation, k), 4, BLUE.filled())),
        )?;
        root.present()?;
    }
    Ok(svg)
}
