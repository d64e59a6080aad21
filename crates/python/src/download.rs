//! `gnnrec.datasets.fetch`: the CLI's `gnnrec data fetch` — the publisher's files downloaded
//! with resume, checked against the pinned sha256s, placed in the data directory in one
//! rename ([`gnnrec_fetch`]) — refused until the dataset's license is accepted.

use std::path::PathBuf;
use std::time::Duration;

use gnnrec_fetch::{CATALOG, FetchOptions, Progress, fetch as fetch_dataset, find};
use pyo3::exceptions::{PyOSError, PyPermissionError};
use pyo3::prelude::*;

use crate::errors::{chain, value_error};

/// Silent: the Python side reports start and end.
struct Quiet;

impl Progress for Quiet {
    fn begin(&self, _url: &str, _from: u64, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn retry(&self, _url: &str, _at: u64, _reason: &str) {}
}

/// The license of dataset `name` (what `fetch` asks to accept).
#[pyfunction]
pub fn license(name: &str) -> PyResult<(String, String)> {
    let src = find(name).ok_or_else(|| unknown(name))?;
    Ok((src.size.to_string(), src.license.to_string()))
}

fn unknown(name: &str) -> PyErr {
    let known: Vec<&str> = CATALOG.iter().map(|d| d.name).collect();
    value_error(format!(
        "no dataset `{name}` to fetch; known: {}",
        known.join(", ")
    ))
}

/// Downloads dataset `name` into `data_dir` (from `mirror` when given: a tree of the
/// publishers' files under their host names) and returns its folder; `PermissionError`
/// unless `accept_license`.
#[pyfunction]
#[pyo3(signature = (name, data_dir, accept_license=false, mirror=None, timeout=60.0))]
pub fn fetch(
    py: Python<'_>,
    name: &str,
    data_dir: PathBuf,
    accept_license: bool,
    mirror: Option<String>,
    timeout: f64,
) -> PyResult<PathBuf> {
    let src = find(name).ok_or_else(|| unknown(name))?;
    if !accept_license {
        return Err(PyPermissionError::new_err(format!(
            "{} ({}) is distributed under: {}\nAccept these terms with accept_license=True; \
             nothing was downloaded",
            src.name, src.size, src.license
        )));
    }
    if !(timeout.is_finite() && timeout > 0.0) {
        return Err(value_error(format!(
            "timeout {timeout}: give a number of seconds > 0"
        )));
    }
    let opts = FetchOptions {
        data_dir,
        mirror,
        timeout: Duration::from_secs_f64(timeout),
    };
    let report = py
        .detach(|| fetch_dataset(name, &opts, &Quiet))
        .map_err(|e| PyOSError::new_err(chain(&e)))?;
    Ok(report.folder)
}
