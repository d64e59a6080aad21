//! The graphs of a dataset as CSR parts for `scipy.sparse.csr_matrix`: the user–item
//! adjacency (raw or symmetrically normalised, users first) and the item–item co-occurrence
//! graph with the CLI's weights (cosine, jaccard, count, decay in time, …).

use gnnrec_graph::item_item::{EdgeWeight, ItemGraphSpec, item_graph};
use gnnrec_graph::{Csr, bipartite_adjacency, normalized_adjacency};
use numpy::PyArray1;
use pyo3::prelude::*;

use crate::dataset::PyDataset;
use crate::errors::{model_error, value_error};

type CsrParts<'py> = (
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i32>>,
    Bound<'py, PyArray1<f32>>,
    (usize, usize),
);

fn parts(py: Python<'_>, m: Csr) -> CsrParts<'_> {
    let indptr: Vec<i64> = m.indptr().iter().map(|&p| p as i64).collect();
    let indices: Vec<i32> = m.indices().iter().map(|&i| i as i32).collect();
    (
        PyArray1::from_vec(py, indptr),
        PyArray1::from_vec(py, indices),
        PyArray1::from_slice(py, m.values()),
        (m.n_rows(), m.n_cols()),
    )
}

/// The user–item graph of the training split as `(indptr, indices, data, shape)`, an
/// `(n_users + n_items)²` symmetric adjacency (users first); `normalized`: D^-½ A D^-½, as
/// LightGCN propagates.
#[pyfunction]
#[pyo3(signature = (dataset, normalized=false))]
pub fn user_item<'py>(py: Python<'py>, dataset: &PyDataset, normalized: bool) -> CsrParts<'py> {
    let (data, split) = &*dataset.inner;
    let m = py.detach(|| {
        if normalized {
            normalized_adjacency(&split.train, data.n_users(), data.n_items())
        } else {
            bipartite_adjacency(&split.train, data.n_users(), data.n_items())
        }
    });
    parts(py, m)
}

/// The item–item co-occurrence graph of the training split as `(indptr, indices, data,
/// shape)`: `weight` one of the CLI's (`cosine`, `count`, `jaccard`, `decay`, …),
/// pairs seen in at least `min_support` users, each item's `top_k` heaviest neighbours,
/// co-occurrences within `window_days`, decay scale `tau_days`.
#[pyfunction]
#[pyo3(signature = (dataset, weight="cosine", min_support=1, top_k=None, window_days=None, tau_days=30.0))]
pub fn item_item<'py>(
    py: Python<'py>,
    dataset: &PyDataset,
    weight: &str,
    min_support: u32,
    top_k: Option<usize>,
    window_days: Option<f64>,
    tau_days: f64,
) -> PyResult<CsrParts<'py>> {
    let weight: EdgeWeight = weight.parse().map_err(value_error)?;
    let spec = ItemGraphSpec {
        weight,
        min_support,
        top_k,
        window_days,
        tau_days,
    };
    let (data, split) = &*dataset.inner;
    let m = py
        .detach(|| item_graph(&split.train, data.n_users(), data.n_items(), &spec))
        .map_err(|e| model_error(e.into()))?;
    Ok(parts(py, m))
}
