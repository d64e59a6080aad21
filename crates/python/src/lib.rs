//! # gnnrec-python
//!
//! The extension module `gnnrec._gnnrec` under the Python package `gnnrec` (in `python/`,
//! built by maturin): a thin layer over the run library — it plans and executes trainings
//! ([`gnnrec_run::Training`]), opens run directories ([`gnnrec_run::ServableRun`]), ranks
//! through the server's own query path ([`gnnrec_run::query`]) and never shells out to the
//! binary. Long work runs with the GIL released (two models fit in two Python threads at
//! once); a Ctrl-C stops a training between two steps and keeps a resumable run
//! ([`observer`]). The pure-Python package above it generates one class per registered model
//! from [`catalog::models_json`] and turns these arrays into DataFrames and scipy matrices.
//!
//! - [`dataset`]: `Dataset` — by name, or from columns (pandas, polars, scipy);
//! - [`fitted`]: `Fitted` — a trained model: recommend, fold-in, similar items, predict,
//!   evaluate, weights, history;
//! - [`train`]: `fit`, `resume`, `train_recipe`, `tune`;
//! - [`graphs`]: the user–item and item–item graphs as CSR parts;
//! - [`catalog`]: models, datasets, recipes, settings checks; [`download`]: dataset fetches;
//! - [`errors`]: the Rust errors as Python exceptions; [`ids`]: raw ids to indices.

use pyo3::prelude::*;

pub mod catalog;
pub mod dataset;
pub mod download;
pub mod errors;
pub mod fitted;
pub mod graphs;
pub mod ids;
pub mod observer;
pub mod train;

/// The same allocator as the `gnnrec` binary: large tables 64-byte aligned on huge pages
/// (docs/performance.md measured 1.1–1.5× on the product without it).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The extension module.
#[pymodule]
fn _gnnrec(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DataError", m.py().get_type::<errors::DataError>())?;
    m.add_class::<dataset::PyDataset>()?;
    m.add_class::<fitted::Fitted>()?;
    m.add_function(wrap_pyfunction!(train::fit, m)?)?;
    m.add_function(wrap_pyfunction!(train::resume, m)?)?;
    m.add_function(wrap_pyfunction!(train::train_recipe, m)?)?;
    m.add_function(wrap_pyfunction!(train::tune, m)?)?;
    m.add_function(wrap_pyfunction!(graphs::user_item, m)?)?;
    m.add_function(wrap_pyfunction!(graphs::item_item, m)?)?;
    m.add_function(wrap_pyfunction!(catalog::models_json, m)?)?;
    m.add_function(wrap_pyfunction!(catalog::check_settings, m)?)?;
    m.add_function(wrap_pyfunction!(catalog::datasets_json, m)?)?;
    m.add_function(wrap_pyfunction!(catalog::data_dir, m)?)?;
    m.add_function(wrap_pyfunction!(catalog::built_recipes_dir, m)?)?;
    m.add_function(wrap_pyfunction!(catalog::recipes_json, m)?)?;
    m.add_function(wrap_pyfunction!(download::fetch, m)?)?;
    m.add_function(wrap_pyfunction!(download::license, m)?)?;
    Ok(())
}
