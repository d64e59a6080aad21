//! A training's progress reported to Python, and Ctrl-C heard while Rust trains.
//!
//! Training runs with the GIL released. Every event goes to one Python callable,
//! `progress(event, data)` (the package's progress bar and `logging` sit behind it), called
//! with the GIL taken back: `("start", steps)` when an epoch starts, `("steps", n)` every
//! 100 ms with the steps done since the last call, `("epoch", record)` when one ends,
//! `("message", text)`. Training runs on its own thread while the calling (main) thread
//! waits and asks the interpreter for pending signals every 50 ms ([`run_interruptible`]):
//! a Ctrl-C (`KeyboardInterrupt`) — or an exception raised by the callable — raises the
//! stop flag the loop reads after every step; it keeps the checkpoint of the last finished
//! epoch and returns, and the exception is raised again when training has returned.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gnnrec_models::{Checkpoint, EpochRecord, Observer};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// How often the interpreter is asked for signals during training.
const SIGNAL_EVERY: Duration = Duration::from_millis(50);
/// How often step counts go to the callable.
const STEPS_EVERY: Duration = Duration::from_millis(100);

/// The observer of a training started from Python.
pub struct PyObserver {
    progress: Option<Py<PyAny>>,
    stop: Arc<AtomicBool>,
    last_steps_report: Instant,
    steps_unreported: usize,
    /// The exception the callable raised, which stopped training.
    pub stopped_by: Option<PyErr>,
    /// Every epoch's record heard in this session.
    pub epochs: Vec<EpochRecord>,
}

impl PyObserver {
    /// An observer reporting to `progress` (None: silent), hearing Ctrl-C either way.
    pub fn new(progress: Option<Py<PyAny>>, stop: Arc<AtomicBool>) -> Self {
        PyObserver {
            progress,
            stop,
            last_steps_report: Instant::now(),
            steps_unreported: 0,
            stopped_by: None,
            epochs: Vec::new(),
        }
    }

    /// Calls the callable with `(event, data)`; an exception it raises stops training.
    fn report<F>(&mut self, event: &str, data: F)
    where
        F: for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyAny>>,
    {
        let Some(cb) = &self.progress else { return };
        if self.stopped_by.is_some() {
            return;
        }
        let outcome = Python::attach(|py| -> PyResult<()> {
            let value = data(py)?;
            cb.call1(py, (event, value))?;
            Ok(())
        });
        if let Err(e) = outcome {
            self.stopped_by = Some(e);
        }
    }

    fn flush_steps(&mut self) {
        if self.steps_unreported > 0 {
            let n = std::mem::take(&mut self.steps_unreported);
            self.report("steps", move |py| Ok(n.into_pyobject(py)?.into_any()));
        }
        self.last_steps_report = Instant::now();
    }
}

/// An epoch's record as a Python dict: epoch, loss, seconds, metrics (a dict or None),
/// eval_seconds.
pub fn record_dict<'py>(py: Python<'py>, r: &EpochRecord) -> PyResult<Bound<'py, PyAny>> {
    let d = PyDict::new(py);
    d.set_item("epoch", r.epoch)?;
    d.set_item("loss", r.loss)?;
    d.set_item("seconds", r.seconds)?;
    match &r.metrics {
        Some(m) => {
            let md = PyDict::new(py);
            for (k, v) in m {
                md.set_item(k, v)?;
            }
            d.set_item("metrics", md)?;
        }
        None => d.set_item("metrics", py.None())?,
    }
    d.set_item("eval_seconds", r.eval_seconds)?;
    Ok(d.into_any())
}

impl Observer for PyObserver {
    fn epoch_started(&mut self, epoch: usize, steps: usize) {
        self.report("start", move |py| {
            Ok((epoch, steps).into_pyobject(py)?.into_any())
        });
        self.last_steps_report = Instant::now();
    }

    fn step(&mut self) {
        self.steps_unreported += 1;
        if self.last_steps_report.elapsed() >= STEPS_EVERY {
            self.flush_steps();
        }
    }

    fn epoch_finished(&mut self, record: &EpochRecord) {
        self.flush_steps();
        let r = record.clone();
        self.report("epoch", move |py| record_dict(py, &r));
        self.epochs.push(record.clone());
    }

    fn message(&mut self, text: &str) {
        let t = text.to_string();
        self.report("message", move |py| Ok(t.into_pyobject(py)?.into_any()));
    }

    fn checkpoint(&mut self, _checkpoint: &Checkpoint) -> gnnrec_models::error::Result<()> {
        Ok(())
    }

    fn may_stop(&mut self) -> bool {
        true
    }

    fn stop_requested(&mut self) -> bool {
        self.stopped_by.is_some() || self.stop.load(Ordering::Relaxed)
    }
}

/// Runs `work` on a thread of its own, with the GIL released, while this thread checks for
/// signals every 50 ms; a signal's exception (Ctrl-C) raises `stop` and is returned beside
/// the work's result once the work has returned.
pub fn run_interruptible<T: Send>(
    py: Python<'_>,
    stop: &Arc<AtomicBool>,
    work: impl FnOnce() -> T + Send,
) -> (T, Option<PyErr>) {
    let (tx, rx) = mpsc::channel();
    // Lent to the GIL-free wait below, which must be Send.
    let rx = Mutex::new(rx);
    let mut interrupted = None;
    let result = std::thread::scope(|s| {
        s.spawn(move || {
            let _ = tx.send(work());
        });
        loop {
            match py.detach(|| rx.lock().expect("not poisoned").recv_timeout(SIGNAL_EVERY)) {
                Ok(r) => break r,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if interrupted.is_none()
                        && let Err(e) = py.check_signals()
                    {
                        stop.store(true, Ordering::Relaxed);
                        interrupted = Some(e);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("the training thread ended without a result")
                }
            }
        }
    });
    (result, interrupted)
}
