//! Training from Python: `fit` (a model on a dataset, into a run directory), `resume` (an
//! interrupted run), `train_recipe` and `tune` — each a plan of the run layer
//! ([`gnnrec_run::Training`], [`gnnrec_run::tune::tune`]) executed with the GIL released,
//! on a pool of `threads` workers when given, reporting to the package's progress callable.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use gnnrec_models::ModelSpec;
use gnnrec_run::tune::{TuneObserver, TuneRequest, TuneStart, tune as run_tune};
use gnnrec_run::{Monitor, Training, ValidSplit};
use pyo3::prelude::*;
use serde_json::{Map, Value};

use crate::dataset::PyDataset;
use crate::errors::{model_error, run_error, value_error};
use crate::fitted::{Fitted, from_training};
use crate::observer::{PyObserver, run_interruptible};

/// Runs `work` on a pool of `threads` workers (None: the global pool).
fn on_threads<T: Send>(threads: Option<usize>, work: impl FnOnce() -> T + Send) -> PyResult<T> {
    match threads {
        None => Ok(work()),
        Some(0) => Err(value_error("n_threads must be positive")),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| value_error(format!("cannot start {n} threads: {e}")))?;
            Ok(pool.install(work))
        }
    }
}

/// The model `model` with the settings in the JSON object `settings` (checked).
pub fn spec_of(model: &str, settings: &str) -> PyResult<ModelSpec> {
    let values: Map<String, Value> = serde_json::from_str(settings)
        .map_err(|e| value_error(format!("settings are not a JSON object: {e}")))?;
    let spec = ModelSpec::new(model, &values).map_err(model_error)?;
    spec.configure().map_err(model_error)?;
    Ok(spec)
}

fn monitor_of(monitor: &str) -> PyResult<Monitor> {
    match monitor {
        "none" => Ok(Monitor::None),
        "validation" => Ok(Monitor::Validation),
        "test" => Ok(Monitor::Test),
        other => Err(value_error(format!(
            "monitor `{other}`: use \"none\", \"validation\" or \"test\""
        ))),
    }
}

fn valid_split_of(split: &str) -> PyResult<ValidSplit> {
    match split {
        "random" => Ok(ValidSplit::Random),
        "per-user" => Ok(ValidSplit::PerUser),
        other => Err(value_error(format!(
            "valid_split `{other}`: use \"random\" or \"per-user\""
        ))),
    }
}

/// Executes `plan` with the GIL released; a Ctrl-C (or an exception of the progress
/// callable) stops it and is raised again, with the run layer's note of what was kept.
fn execute(
    py: Python<'_>,
    plan: Training,
    progress: Option<Py<PyAny>>,
    threads: Option<usize>,
) -> PyResult<Fitted> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut obs = PyObserver::new(progress, Arc::clone(&stop));
    let (outcome, interrupted) = run_interruptible(py, &stop, || {
        on_threads(threads, || plan.run_with(&mut obs))
    });
    let outcome = outcome?;
    match (outcome, interrupted.or(obs.stopped_by.take())) {
        (Ok(done), _) => Ok(from_training(done)),
        (Err(e), Some(stopped)) => {
            // The stopping exception, with what the run kept in its message.
            let note = crate::errors::chain(&e);
            let value = stopped.value(py);
            let _ = value.call_method1("add_note", (note,));
            Err(stopped)
        }
        (Err(e), None) => Err(run_error(e)),
    }
}

/// Trains `model` with `settings` (a JSON object) on `dataset` into the run directory `out`
/// (default `runs/<model>-<dataset>-<time>`), evaluates it on the test split and returns it.
#[pyfunction]
#[pyo3(signature = (model, settings, dataset, out=None, seed=42, ks=vec![10, 20], monitor="none", valid_fraction=0.1, valid_split="random", progress=None, threads=None))]
#[allow(clippy::too_many_arguments)]
pub fn fit(
    py: Python<'_>,
    model: &str,
    settings: &str,
    dataset: &PyDataset,
    out: Option<PathBuf>,
    seed: u64,
    ks: Vec<usize>,
    monitor: &str,
    valid_fraction: f64,
    valid_split: &str,
    progress: Option<Py<PyAny>>,
    threads: Option<usize>,
) -> PyResult<Fitted> {
    let spec = spec_of(model, settings)?;
    if ks.is_empty() || ks.contains(&0) {
        return Err(value_error("ks must be positive cut-offs"));
    }
    let mut plan = Training::new(dataset.input(), spec)
        .with_seed(seed)
        .with_ks(&ks)
        .with_monitor(
            monitor_of(monitor)?,
            valid_fraction,
            valid_split_of(valid_split)?,
        );
    plan.command = vec!["python".into(), "gnnrec.fit".into()];
    if let Some(o) = out {
        plan = plan.with_out(o);
    }
    execute(py, plan, progress, threads)
}

/// Continues the interrupted run at `path` from its last checkpoint (optionally to `epochs`).
#[pyfunction]
#[pyo3(signature = (path, epochs=None, progress=None))]
pub fn resume(
    py: Python<'_>,
    path: PathBuf,
    epochs: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Fitted> {
    let settings: Vec<(String, String)> = epochs
        .map(|e| vec![("epochs".to_string(), e.to_string())])
        .unwrap_or_default();
    let plan = Training::resume(&path, &settings).map_err(run_error)?;
    let threads = plan.threads;
    execute(py, plan, progress, threads)
}

/// Trains the recipe at `path` (its model, settings, dataset, split, seed and monitor).
#[pyfunction]
#[pyo3(signature = (path, out=None, data_dir=None, progress=None, threads=None))]
pub fn train_recipe(
    py: Python<'_>,
    path: PathBuf,
    out: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    progress: Option<Py<PyAny>>,
    threads: Option<usize>,
) -> PyResult<Fitted> {
    let mut plan = Training::from_recipe(&path).map_err(run_error)?;
    plan.command = vec![
        "python".into(),
        "gnnrec.train_recipe".into(),
        path.display().to_string(),
    ];
    if let (gnnrec_run::training::DataInput::Source(s), Some(d)) = (&mut plan.data, data_dir) {
        s.data_dir = Some(d);
    }
    if let Some(o) = out {
        plan = plan.with_out(o);
    }
    execute(py, plan, progress, threads)
}

/// Hands each scored grid point to the progress callable as `("point", (label, value))`.
struct TuneProgress {
    progress: Option<Py<PyAny>>,
}

impl TuneObserver for TuneProgress {
    fn started(&mut self, s: &TuneStart) {
        if let Some(cb) = &self.progress {
            let text = format!(
                "tuning {} on {}: {} points, {} train / {} validation, {} earlier",
                s.model, s.dataset, s.points, s.train, s.validation, s.earlier
            );
            Python::attach(|py| {
                let _ = cb.call1(py, ("message", text));
            });
        }
    }
    fn point(&mut self, row: &gnnrec_run::tune::Row, metric: &str) {
        if let Some(cb) = &self.progress {
            let text = format!("{}: {metric} {:.4}", row.label(), row.validation);
            Python::attach(|py| {
                let _ = cb.call1(py, ("message", text));
            });
        }
    }
}

/// Searches the grid `lists` (key, values as text) of `model` on a validation carve-out of
/// `dataset`'s train, writing `out/tune.json` after every point (a rerun resumes), and
/// retrains the best on all of train into `out/best`. Returns (rows as JSON, best run).
#[pyfunction]
#[pyo3(signature = (model, lists, dataset, out=None, seed=42, valid_fraction=0.1, valid_split="random", progress=None, threads=None))]
#[allow(clippy::too_many_arguments)]
pub fn tune(
    py: Python<'_>,
    model: String,
    lists: Vec<(String, Vec<String>)>,
    dataset: &PyDataset,
    out: Option<PathBuf>,
    seed: u64,
    valid_fraction: f64,
    valid_split: &str,
    progress: Option<Py<PyAny>>,
    threads: Option<usize>,
) -> PyResult<(String, String, Fitted)> {
    let stop = Arc::new(AtomicBool::new(false));
    let req = TuneRequest {
        model,
        lists,
        data: dataset.input(),
        seed,
        valid_fraction,
        valid_split: valid_split_of(valid_split)?,
        out,
        threads: threads.unwrap_or_else(rayon::current_num_threads),
        stop: Some(Arc::clone(&stop)),
    };
    let mut obs = TuneProgress { progress };
    let (outcome, interrupted) = run_interruptible(py, &stop, || {
        on_threads(threads, || run_tune(&req, &mut obs))
    });
    let done = match (outcome?, interrupted) {
        (Ok(done), _) => done,
        (Err(e), Some(stopped)) => {
            let _ = stopped
                .value(py)
                .call_method1("add_note", (crate::errors::chain(&e),));
            return Err(stopped);
        }
        (Err(e), None) => return Err(run_error(e)),
    };
    let rows: Vec<Value> = done
        .rows
        .iter()
        .map(|r| {
            let mut m = Map::new();
            for (k, v) in &r.settings {
                m.insert(k.clone(), Value::String(v.clone()));
            }
            m.insert(format!("validation {}", done.metric), r.validation.into());
            m.insert("epochs".into(), r.epochs.into());
            m.insert("seconds".into(), r.seconds.into());
            Value::Object(m)
        })
        .collect();
    Ok((
        Value::Array(rows).to_string(),
        done.metric.clone(),
        from_training(done.best_run),
    ))
}
