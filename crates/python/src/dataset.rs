//! `gnnrec._gnnrec.Dataset`: a dataset and its split, loaded by name (the CLI's data directory
//! rules) or built from columns a caller holds (the package's `from_pandas`, `from_polars`
//! and `from_scipy` hand their columns here), with its parts out as numpy arrays.

use std::path::PathBuf;
use std::sync::Arc;

use gnnrec_data::in_memory::{Columns, IdColumn, dataset_from_columns};
use gnnrec_data::{Dataset, Interactions, RawIds, Split, SplitSpec};
use gnnrec_run::DataSource;
use gnnrec_run::training::DataInput;
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors::{data_error, run_error};

/// A dataset and the split trained and tested on.
#[pyclass(name = "Dataset", module = "gnnrec._gnnrec", frozen)]
pub struct PyDataset {
    /// The dataset and its split.
    pub inner: Arc<(Dataset, Split)>,
    /// Where it was loaded from, when loaded by name (recorded in a run's config.json).
    pub source: Option<DataSource>,
}

impl PyDataset {
    /// What a training of this dataset is given.
    pub fn input(&self) -> DataInput {
        let d = Box::new((*self.inner).clone());
        match &self.source {
            Some(s) => DataInput::Sourced(d, s.clone()),
            None => DataInput::Loaded(d),
        }
    }

    fn part(&self, part: &str) -> PyResult<Interactions> {
        let (data, split) = &*self.inner;
        Ok(match part {
            "train" => split.train.clone(),
            "test" => split.test.clone(),
            "all" => data.interactions.clone(),
            other => {
                return Err(PyValueError::new_err(format!(
                    "part `{other}`: use \"train\", \"test\" or \"all\""
                )));
            }
        })
    }
}

/// Raw ids as a Python value: a numpy int64 array, or a list of str.
pub fn raw_ids_to_py<'py>(py: Python<'py>, raw: &RawIds) -> PyResult<Bound<'py, PyAny>> {
    Ok(match raw {
        RawIds::Int(v) => PyArray1::from_slice(py, v).into_any(),
        RawIds::Str(v) => PyList::new(py, v)?.into_any(),
    })
}

/// An id column from Python: a numpy int64 array, or a list of str.
fn id_column(ob: &Bound<'_, PyAny>, name: &str) -> PyResult<IdColumn> {
    if let Ok(a) = ob.extract::<PyReadonlyArray1<'_, i64>>() {
        return Ok(IdColumn::Int(a.as_slice()?.to_vec()));
    }
    match ob.extract::<Vec<String>>() {
        Ok(v) => Ok(IdColumn::Str(v)),
        Err(_) => Err(PyValueError::new_err(format!(
            "column `{name}`: ids must be an int64 array or a list of str"
        ))),
    }
}

#[pymethods]
impl PyDataset {
    /// Loads a dataset gnnrec knows by name (or a path to an interactions file or folder)
    /// from the data directory (`data_dir`, else `$GNNREC_DATA`, else `./data`), with `split`
    /// (`u1`, `random:0.2:42`, `temporal:last=1`; default: the dataset's own).
    #[staticmethod]
    #[pyo3(signature = (name, split=None, data_dir=None))]
    fn load(
        py: Python<'_>,
        name: String,
        split: Option<String>,
        data_dir: Option<PathBuf>,
    ) -> PyResult<PyDataset> {
        let mut source = DataSource::named(name);
        source.split = split;
        source.data_dir = data_dir;
        let (data, split) = py.detach(|| source.load()).map_err(run_error)?;
        source.split = Some(split.name.clone());
        Ok(PyDataset {
            inner: Arc::new((data, split)),
            source: Some(source),
        })
    }

    /// A dataset from columns: `users` and `items` (int64 arrays or lists of str), optional
    /// `ratings` / `weights` (float32 arrays) and `times` (int64 Unix seconds), each given as
    /// `(column name, values)` for messages; `split` as in `load` (default random 80/20, seed 42).
    #[staticmethod]
    #[pyo3(signature = (name, table, user, users, item, items, ratings=None, weights=None, times=None, split=None))]
    #[allow(clippy::too_many_arguments)]
    fn from_columns(
        py: Python<'_>,
        name: String,
        table: String,
        user: String,
        users: &Bound<'_, PyAny>,
        item: String,
        items: &Bound<'_, PyAny>,
        ratings: Option<(String, PyReadonlyArray1<'_, f32>)>,
        weights: Option<(String, PyReadonlyArray1<'_, f32>)>,
        times: Option<(String, PyReadonlyArray1<'_, i64>)>,
        split: Option<String>,
    ) -> PyResult<PyDataset> {
        let owned = |c: Option<(String, PyReadonlyArray1<'_, f32>)>| -> PyResult<_> {
            c.map(|(n, a)| Ok((n, a.as_slice()?.to_vec()))).transpose()
        };
        let columns = Columns {
            table,
            users: id_column(users, &user)?,
            items: id_column(items, &item)?,
            user_name: user,
            item_name: item,
            ratings: owned(ratings)?,
            weights: owned(weights)?,
            times: times
                .map(|(n, a)| PyResult::Ok((n, a.as_slice()?.to_vec())))
                .transpose()?,
        };
        let (data, split) = py
            .detach(|| -> gnnrec_run::Result<(Dataset, Split)> {
                let data = dataset_from_columns(&name, columns)?;
                let spec: SplitSpec = match &split {
                    Some(s) => s.parse()?,
                    None => data.default_split.clone(),
                };
                let split = data.split(&spec)?;
                Ok((data, split))
            })
            .map_err(run_error)?;
        Ok(PyDataset {
            inner: Arc::new((data, split)),
            source: None,
        })
    }

    /// The same dataset with another split (`u2`, `random:0.1:7`, `temporal:last=1`).
    fn with_split(&self, py: Python<'_>, split: String) -> PyResult<PyDataset> {
        let data = self.inner.0.clone();
        let spec: SplitSpec = split.parse().map_err(data_error)?;
        let s = py.detach(|| data.split(&spec)).map_err(data_error)?;
        let mut source = self.source.clone();
        if let Some(src) = &mut source {
            src.split = Some(s.name.clone());
        }
        Ok(PyDataset {
            inner: Arc::new((data, s)),
            source,
        })
    }

    /// The dataset's name.
    #[getter]
    fn name(&self) -> String {
        self.inner.0.name.clone()
    }

    /// The split's name.
    #[getter]
    fn split(&self) -> String {
        self.inner.1.name.clone()
    }

    /// Users.
    #[getter]
    fn n_users(&self) -> usize {
        self.inner.0.n_users()
    }

    /// Items.
    #[getter]
    fn n_items(&self) -> usize {
        self.inner.0.n_items()
    }

    /// `(min, max)` of the ratings, for rated data.
    #[getter]
    fn rating_scale(&self) -> Option<(f32, f32)> {
        self.inner.0.rating_scale.map(|s| (s.min, s.max))
    }

    /// The official splits the dataset ships with.
    #[getter]
    fn official_splits(&self) -> Vec<String> {
        self.inner
            .0
            .official_split_names()
            .into_iter()
            .map(String::from)
            .collect()
    }

    /// The raw user ids, by index: an int64 array or a list of str.
    fn user_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        raw_ids_to_py(py, self.inner.0.users.raw_ids())
    }

    /// The raw item ids, by index: an int64 array or a list of str.
    fn item_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        raw_ids_to_py(py, self.inner.0.items.raw_ids())
    }

    /// Item titles by index, where the dataset has them.
    fn item_titles(&self) -> Option<Vec<String>> {
        self.inner.0.item_titles.clone()
    }

    /// A part (`"train"`, `"test"`, `"all"`) as a dict of numpy columns: `user` and `item`
    /// (int32 indices), and `rating`, `weight`, `time` where the data has them.
    #[pyo3(signature = (part="train"))]
    fn columns<'py>(&self, py: Python<'py>, part: &str) -> PyResult<Bound<'py, PyDict>> {
        let x = self.part(part)?;
        let d = PyDict::new(py);
        let as_i32 = |v: &[u32]| v.iter().map(|&u| u as i32).collect::<Vec<i32>>();
        d.set_item("user", PyArray1::from_vec(py, as_i32(&x.users)))?;
        d.set_item("item", PyArray1::from_vec(py, as_i32(&x.items)))?;
        if let Some(r) = x.ratings {
            d.set_item("rating", PyArray1::from_vec(py, r))?;
        }
        if let Some(w) = x.weights {
            d.set_item("weight", PyArray1::from_vec(py, w))?;
        }
        if let Some(t) = x.timestamps {
            d.set_item("time", PyArray1::from_vec(py, t))?;
        }
        Ok(d)
    }

    /// Notes from loading (duplicates removed, rows skipped).
    fn notes(&self) -> Vec<String> {
        let r = &self.inner.0.report;
        let mut notes = r.notes.clone();
        if r.duplicates_removed > 0 && notes.is_empty() {
            notes.push(format!(
                "{} duplicate (user, item) rows removed",
                r.duplicates_removed
            ));
        }
        notes
    }

    fn __repr__(&self) -> String {
        let (d, s) = &*self.inner;
        format!(
            "Dataset('{}', split='{}', users={}, items={}, train={}, test={})",
            d.name,
            s.name,
            d.n_users(),
            d.n_items(),
            s.train.len(),
            s.test.len()
        )
    }
}
