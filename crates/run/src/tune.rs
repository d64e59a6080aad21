//! The grid search of `gnnrec tune`: every combination of the given settings trained on a
//! validation carve-out of train (never test) and scored there, `tune.json` written after
//! every point (a rerun with the same folder resumes, keeping the rows the new grid has yet
//! to reach), then the best configuration retrained on all of train and scored once on test.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use gnnrec_models::{EpochRecord, ModelSpec, Observer, Task, TrainContext, registry};
use serde::{Deserialize, Serialize};

use crate::choices::{Monitor, ValidSplit};
use crate::error::{Context, Result, RunError, bail};
use crate::evaluation::test_metrics;
use crate::training::DataInput;
use crate::training::{DEFAULT_KS, TrainedRun, Training};
use gnnrec_data::fsutil::write_atomic;

/// One grid point's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The searched settings of this point, key → value as given.
    pub settings: Vec<(String, String)>,
    /// The selection metric on the validation carve-out.
    pub validation: f64,
    /// Epochs trained.
    pub epochs: usize,
    /// Seconds of training.
    pub seconds: f64,
}

impl Row {
    /// `key=value key2=value2`.
    pub fn label(&self) -> String {
        self.settings
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What `tune.json` holds, also read back to resume.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TuneFile {
    /// The model.
    pub model: String,
    /// The dataset.
    pub dataset: String,
    /// The split carved.
    pub split: String,
    /// The carve-out: `[per-user:]FRACTION:SEED`.
    pub validation: String,
    /// The selection metric.
    pub metric: String,
    /// Every point scored.
    pub rows: Vec<Row>,
    /// The best of them.
    pub best: Option<Row>,
}

/// A search to run.
#[derive(Debug, Clone)]
pub struct TuneRequest {
    /// The model.
    pub model: String,
    /// The settings searched, each with its values (the first key varies slowest).
    pub lists: Vec<(String, Vec<String>)>,
    /// The data: a source to load, or a dataset in memory.
    pub data: DataInput,
    /// The seed of the carve-out and of every training.
    pub seed: u64,
    /// The share of train carved out for validation.
    pub valid_fraction: f64,
    /// How it is carved.
    pub valid_split: ValidSplit,
    /// The folder of `tune.json` and `best/` [default: `runs/tune-<model>-<dataset>`].
    pub out: Option<PathBuf>,
    /// The worker threads (recorded in the best run's `config.json`).
    pub threads: usize,
    /// Raised to stop the search (Ctrl-C in Python): read after every optimisation step of
    /// every training and between points; the search then fails with
    /// [`gnnrec_models::ModelError::Interrupted`], `tune.json` keeping every point scored, so
    /// a rerun resumes.
    pub stop: Option<Arc<AtomicBool>>,
}

/// What a search reports as it goes.
pub trait TuneObserver {
    /// The search begins: the number of points, the sizes of the carve-out, the rows scored
    /// before that it resumes from.
    fn started(&mut self, _start: &TuneStart) {}
    /// A point was scored (or found scored before).
    fn point(&mut self, _row: &Row, _metric: &str) {}
    /// `tune.json` in `out` was written with `file`: write anything else kept beside it.
    fn saved(&mut self, _out: &Path, _file: &TuneFile) -> Result<()> {
        Ok(())
    }
}

/// The start of a search, as [`TuneObserver::started`] hears it.
#[derive(Debug, Clone)]
pub struct TuneStart {
    /// The model.
    pub model: String,
    /// The dataset.
    pub dataset: String,
    /// The split carved.
    pub split: String,
    /// Grid points.
    pub points: usize,
    /// Interactions trained on.
    pub train: usize,
    /// Interactions validated on.
    pub validation: usize,
    /// The selection metric.
    pub metric: String,
    /// Rows scored before in the same folder.
    pub earlier: usize,
    /// The folder.
    pub out: PathBuf,
}

/// What a search found.
pub struct TuneOutcome {
    /// The folder.
    pub out: PathBuf,
    /// The selection metric.
    pub metric: String,
    /// The split carved.
    pub split: String,
    /// Every point scored, in grid order.
    pub rows: Vec<Row>,
    /// The best point.
    pub best: Row,
    /// The best configuration retrained on all of train and scored on test (in `out/best`).
    pub best_run: TrainedRun,
}

/// Counts epochs, and stops a training when the search's stop flag is raised.
struct Counter {
    epochs: usize,
    stop: Option<Arc<AtomicBool>>,
}

impl Counter {
    fn stopping(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    }
}

impl Observer for Counter {
    fn epoch_finished(&mut self, _record: &EpochRecord) {
        self.epochs += 1;
    }
    fn may_stop(&mut self) -> bool {
        self.stop.is_some()
    }
    fn stop_requested(&mut self) -> bool {
        self.stopping()
    }
}

/// The grid: the product of each key's values, the first key slowest.
pub fn grid(lists: &[(String, Vec<String>)]) -> Vec<Vec<(String, String)>> {
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

/// Runs the search of `req`, reporting to `obs`.
pub fn tune(req: &TuneRequest, obs: &mut dyn TuneObserver) -> Result<TuneOutcome> {
    let kind = registry::find(&req.model)?;
    if req.lists.is_empty() {
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
    let points = grid(&req.lists);
    // Every point must be a valid configuration before anything trains.
    for p in &points {
        spec_of(kind.name(), p)?;
    }
    let (metric, lower_is_better) = match kind.task() {
        Task::Rating => ("rmse", true),
        Task::Ranking => ("recall@20", false),
    };
    let (data, split) = req.data.load()?;
    let (carved, carve) = match req.valid_split {
        ValidSplit::Random => (split.carve_validation(req.valid_fraction, req.seed), ""),
        ValidSplit::PerUser => (
            split.carve_validation_per_user(req.valid_fraction, req.seed, data.n_users()),
            "per-user:",
        ),
    };
    let ctx = TrainContext::for_dataset(&data, &carved.train).with_seed(req.seed);
    let out = req
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(format!("tune-{}-{}", req.model, data.name)));
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let mut saved = TuneFile {
        model: kind.name().to_string(),
        dataset: data.name.clone(),
        split: split.name.clone(),
        validation: format!("{carve}{}:{}", req.valid_fraction, req.seed),
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
    obs.started(&TuneStart {
        model: kind.name().to_string(),
        dataset: data.name.clone(),
        split: split.name.clone(),
        points: points.len(),
        train: carved.train.len(),
        validation: carved.test.len(),
        metric: metric.to_string(),
        earlier: earlier.len(),
        out: out.clone(),
    });

    for point in &points {
        let mut counter = Counter {
            epochs: 0,
            stop: req.stop.clone(),
        };
        let interrupted = || {
            let label = Row {
                settings: point.clone(),
                validation: 0.0,
                epochs: 0,
                seconds: 0.0,
            }
            .label();
            RunError::Invalid(format!(
                "the search was interrupted at {label}; {} keeps every point scored before, \
                 and a rerun with the same folder resumes",
                out.join("tune.json").display()
            ))
        };
        if counter.stopping() {
            return Err(interrupted());
        }
        let row = match earlier.iter().find(|r| r.settings == *point) {
            Some(r) => r.clone(),
            None => {
                let spec = spec_of(kind.name(), point)?;
                let t0 = Instant::now();
                let model = registry::train(&spec, &ctx, &mut counter).map_err(|e| match e {
                    gnnrec_models::ModelError::Interrupted { .. } => interrupted(),
                    other => other.into(),
                })?;
                let seconds = t0.elapsed().as_secs_f64();
                let m = test_metrics(model.as_ref(), &data, &carved.train, &carved.test, &[20]);
                let validation = *m
                    .flat
                    .get(metric)
                    .ok_or_else(|| RunError::Invalid(format!("the model reported no {metric}")))?;
                Row {
                    settings: point.clone(),
                    validation,
                    epochs: counter.epochs,
                    seconds,
                }
            }
        };
        obs.point(&row, metric);
        saved.rows.push(row);
        saved.best = best_of(&saved.rows, lower_is_better);
        // The file also keeps the rows scored before that this grid has yet to reach, so a
        // search interrupted again loses none of them.
        let mut file = saved.clone();
        file.rows
            .extend(still_to_reach(&earlier, &points, &saved.rows));
        file.best = best_of(&file.rows, lower_is_better);
        let json = out.join("tune.json");
        write_atomic(&json, |w| Ok(serde_json::to_writer_pretty(&mut *w, &file)?))
            .with_context(|| format!("writing {}", json.display()))?;
        obs.saved(&out, &file)?;
    }
    let best = saved.best.clone().expect("the grid is not empty");

    // Retrain the winner on all of train, the way `gnnrec train` would, and score it on test.
    let best_dir = out.join("best");
    if best_dir.join("config.json").exists() {
        std::fs::remove_dir_all(&best_dir)
            .with_context(|| format!("replacing {}", best_dir.display()))?;
    }
    let mut plan = Training::new(req.data.clone(), spec_of(kind.name(), &best.settings)?)
        .with_seed(req.seed)
        .with_ks(&DEFAULT_KS)
        .with_monitor(Monitor::None, req.valid_fraction, req.valid_split)
        .with_out(best_dir);
    plan.threads = Some(req.threads);
    let best_run = plan.run_with(&mut Counter {
        epochs: 0,
        stop: req.stop.clone(),
    })?;
    Ok(TuneOutcome {
        out,
        metric: metric.to_string(),
        split: split.name.clone(),
        rows: saved.rows,
        best,
        best_run,
    })
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

fn read_saved(path: &Path) -> Result<Option<TuneFile>> {
    if !path.exists() {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    // A file of an older format is not resumed from.
    Ok(serde_json::from_str(&text).ok())
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
