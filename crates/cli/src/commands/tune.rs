//! `gnnrec tune`: a grid search over any of a model's settings on a validation carve-out of
//! train, then the best configuration retrained on all of train and evaluated on the test
//! split.
//!
//! The test split is never looked at while choosing: every grid point trains on train minus
//! the carve-out and is scored on the carve-out (RMSE for rating models, recall@20 for ranking
//! models). Results are written after every grid point, and a rerun with the same `--out`
//! skips the points already scored there, so an interrupted search resumes.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use gnnrec_data::fsutil::write_atomic;
use gnnrec_models::registry;
use gnnrec_models::{EpochRecord, ModelSpec, Observer, Task, TrainContext};
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cli::{Monitor, TuneArgs, ValidSplit};
use crate::commands::evaluate::{print_metrics, test_metrics};
use crate::commands::train::{DEFAULT_KS, Plan, execute};
use crate::commands::{data, set_threads};
use crate::output::{csv_field, print_json};

/// One grid point's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Row {
    /// The searched settings of this point, key → value as given.
    settings: Vec<(String, String)>,
    /// The selection metric on the validation carve-out.
    validation: f64,
    epochs: usize,
    seconds: f64,
}

impl Row {
    fn label(&self) -> String {
        self.settings
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Counts epochs.
struct Counter {
    epochs: usize,
}

impl Observer for Counter {
    fn epoch_finished(&mut self, _record: &EpochRecord) {
        self.epochs += 1;
    }
}

/// The grid: the product of each key's values, the first key slowest.
fn grid(lists: &[(String, Vec<String>)]) -> Vec<Vec<(String, String)>> {
    let mut points: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for (k, values) in lists {
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push((k.clone(), v.clone()));
                    q
                })
            })
            .collect();
    }
    points
}

/// The model `name` with the point's settings.
fn spec_of(name: &str, point: &[(String, String)]) -> Result<ModelSpec> {
    let mut spec = ModelSpec::default_for(name)?;
    for (k, v) in point {
        spec.set(k, v)?;
    }
    Ok(spec)
}

/// What `tune.json` holds, also read back to resume.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Saved {
    model: String,
    dataset: String,
    split: String,
    validation: String,
    metric: String,
    rows: Vec<Row>,
    best: Option<Row>,
}

pub fn run(args: &TuneArgs) -> Result<()> {
    let threads = set_threads(args.threads)?;
    let kind = registry::find(&args.model)?;
    if args.flags.is_empty() {
        bail!(
            "give the settings to search as flags with comma-separated values, e.g. \
             --lr 0.001,0.01 (the keys of {}: {})",
            kind.name(),
            kind.keys()
                .iter()
                .map(|k| k.name)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let lists: Vec<(String, Vec<String>)> = args
        .flags
        .iter()
        .map(|(k, v)| {
            let values = v.split(',').map(|x| x.trim().to_string()).collect();
            (k.clone(), values)
        })
        .collect();
    let points = grid(&lists);
    // Every point must be a valid configuration before anything trains.
    for p in &points {
        spec_of(kind.name(), p)?;
    }
    let (metric, lower_is_better) = match kind.task() {
        Task::Rating => ("rmse", true),
        Task::Ranking => ("recall@20", false),
    };
    let (data, split) = data::load(&args.data)?;
    let (carved, carve) = match args.valid_split {
        ValidSplit::Random => (split.carve_validation(args.valid_fraction, args.seed), ""),
        ValidSplit::PerUser => (
            split.carve_validation_per_user(args.valid_fraction, args.seed, data.n_users()),
            "per-user:",
        ),
    };
    let ctx = TrainContext {
        n_users: data.n_users(),
        n_items: data.n_items(),
        train: &carved.train,
        monitor: None,
        rating_scale: data.rating_scale,
        user_features: data.user_features.as_ref(),
        item_features: data.item_features.as_ref(),
        seed: args.seed,
        resume: None,
        device: Default::default(),
    };
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("runs").join(format!("tune-{}-{}", args.model, data.name))
    });
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let mut saved = Saved {
        model: kind.name().to_string(),
        dataset: data.name.clone(),
        split: split.name.clone(),
        validation: format!("{carve}{}:{}", args.valid_fraction, args.seed),
        metric: metric.to_string(),
        rows: Vec::new(),
        best: None,
    };
    let earlier = read_saved(&out.join("tune.json"))?
        .filter(|s| {
            (&s.model, &s.dataset, &s.split, &s.validation)
                == (
                    &saved.model,
                    &saved.dataset,
                    &saved.split,
                    &saved.validation,
                )
        })
        .map(|s| s.rows)
        .unwrap_or_default();
    if !args.quiet {
        eprintln!(
            "tuning {} on {} ({} configurations; {} train / {} validation interactions carved from split {}; selecting by validation {metric}){}",
            kind.name(),
            data.name,
            points.len(),
            carved.train.len(),
            carved.test.len(),
            split.name,
            if earlier.is_empty() {
                String::new()
            } else {
                format!("; {} scored before in {}", earlier.len(), out.display())
            }
        );
    }

    for point in &points {
        let row = match earlier.iter().find(|r| r.settings == *point) {
            Some(r) => r.clone(),
            None => {
                let spec = spec_of(kind.name(), point)?;
                let t0 = Instant::now();
                let mut counter = Counter { epochs: 0 };
                let model = registry::train(&spec, &ctx, &mut counter)?;
                let seconds = t0.elapsed().as_secs_f64();
                let m = test_metrics(model.as_ref(), &data, &carved.train, &carved.test, &[20]);
                let validation = *m
                    .flat
                    .get(metric)
                    .ok_or_else(|| anyhow!("the model reported no {metric}"))?;
                Row {
                    settings: point.clone(),
                    validation,
                    epochs: counter.epochs,
                    seconds,
                }
            }
        };
        if !args.quiet {
            eprintln!(
                "  {}  validation {metric} {:.4}  ({} epochs, {:.1}s)",
                row.label(),
                row.validation,
                row.epochs,
                row.seconds
            );
        }
        saved.rows.push(row);
        saved.best = best_of(&saved.rows, lower_is_better);
        // The file also keeps the rows scored before that this grid has yet to reach, so a
        // search interrupted again loses none of them.
        let mut file = saved.clone();
        file.rows
            .extend(still_to_reach(&earlier, &points, &saved.rows));
        file.best = best_of(&file.rows, lower_is_better);
        save(&out, &file, metric)?;
    }
    let best = saved.best.clone().expect("the grid is not empty");

    // Retrain the winner on all of train, the way `gnnrec train` would, and score it on test.
    let best_dir = out.join("best");
    if best_dir.join("config.json").exists() {
        std::fs::remove_dir_all(&best_dir)
            .with_context(|| format!("replacing {}", best_dir.display()))?;
    }
    let plan = Plan {
        spec: spec_of(kind.name(), &best.settings)?,
        data: args.data.clone(),
        seed: args.seed,
        ks: DEFAULT_KS.to_vec(),
        monitor: Monitor::None,
        valid_fraction: args.valid_fraction,
        valid_split: args.valid_split,
        out: best_dir,
        resume: None,
        device: Default::default(),
        recipe: None,
        eval_users: None,
    };
    let done = execute(plan, true, threads)?;
    if args.json {
        return print_json(&serde_json::json!({
            "out": out,
            "metric": metric,
            "rows": saved.rows,
            "best": best,
            "best_run": done.dir.path(),
            "test_metrics": done.metrics.metrics,
            "train_seconds": done.metrics.train_seconds,
        }));
    }
    println!("\nvalidation {metric} by configuration ({}):\n", split.name);
    for r in &saved.rows {
        let star = if *r == best { "*" } else { " " };
        println!("  {:>8.4}{star}  {}", r.validation, r.label());
    }
    println!(
        "\nbest: {} (validation {metric} {:.4}); retrained on all of train in {:.1}s, test set:\n",
        best.label(),
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

fn best_of(rows: &[Row], lower_is_better: bool) -> Option<Row> {
    rows.iter()
        .min_by(|a, b| {
            let o = a.validation.total_cmp(&b.validation);
            if lower_is_better { o } else { o.reverse() }
        })
        .cloned()
}

/// The rows scored before whose grid points this search has yet to reach.
fn still_to_reach(earlier: &[Row], points: &[Vec<(String, String)>], done: &[Row]) -> Vec<Row> {
    earlier
        .iter()
        .filter(|r| points.contains(&r.settings) && !done.iter().any(|d| d.settings == r.settings))
        .cloned()
        .collect()
}

fn read_saved(path: &Path) -> Result<Option<Saved>> {
    if !path.exists() {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    // A file of an older format is not resumed from.
    Ok(serde_json::from_str(&text).ok())
}

/// Writes tune.json, tune.csv and tune.svg (after every grid point).
fn save(out: &Path, saved: &Saved, metric: &str) -> Result<()> {
    write_atomic(&out.join("tune.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, saved)?;
        Ok(())
    })?;
    write_table(&out.join("tune.csv"), &saved.rows, metric)?;
    let title = format!("{} on {}", saved.model, saved.dataset);
    let svg =
        render(&saved.rows, metric, &title).map_err(|e| anyhow!("drawing the tuning plot: {e}"))?;
    write_atomic(&out.join("tune.svg"), |w| w.write_all(svg.as_bytes()))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(lambda: &str, validation: f64) -> Row {
        Row {
            settings: vec![("lambda".to_string(), lambda.to_string())],
            validation,
            epochs: 0,
            seconds: 1.0,
        }
    }

    #[test]
    fn a_resumed_search_keeps_in_its_file_the_rows_it_has_yet_to_reach() {
        let earlier = [row("300", 0.21), row("1000", 0.19), row("7", 0.1)];
        let lambdas = ["30", "300", "1000"].map(String::from).to_vec();
        let points = grid(&[("lambda".to_string(), lambdas)]);
        let lambdas_of = |rows: Vec<Row>| -> Vec<String> {
            rows.into_iter().map(|r| r.settings[0].1.clone()).collect()
        };
        // Scoring 30, the first point: 300 and 1000 are still to come; 7 is not in this grid.
        let left = still_to_reach(&earlier, &points, &[row("30", 0.22)]);
        assert_eq!(lambdas_of(left), ["300", "1000"]);
        let left = still_to_reach(&earlier, &points, &[row("30", 0.22), row("300", 0.21)]);
        assert_eq!(lambdas_of(left), ["1000"]);
    }
}
