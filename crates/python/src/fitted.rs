//! `gnnrec._gnnrec.Fitted`: a trained model with what answering needs — the run layer's
//! [`ServableRun`] (model, id maps, seen items, titles) and, when known, the dataset it was
//! trained on — and every question asked of it: top-K for users, for item histories
//! (fold-in) and like an item, ratings, test metrics, weights and the training curve.
//! Rankings go through the run layer's [`gnnrec_run::query::rank`], the server's own.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use gnnrec_data::{Dataset, Split};
use gnnrec_eval::UserItems;
use gnnrec_models::{EpochRecord, Weights};
use gnnrec_run::query::{Query, Ranking, Subject, rank};
use gnnrec_run::{RunDir, ServableRun, evaluation};
use numpy::ndarray::{ArrayD, IxDyn};
use numpy::{PyArray1, PyArrayDyn, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::dataset::{PyDataset, raw_ids_to_py};
use crate::errors::{run_error, value_error};
use crate::ids::{index, indices};
use crate::observer::record_dict;

/// A trained model, from `fit` or from a run directory.
#[pyclass(name = "Fitted", module = "gnnrec._gnnrec", frozen)]
pub struct Fitted {
    run: ServableRun,
    /// The dataset and split it was trained on, once known (after `fit`; loaded for
    /// `evaluate` of an opened run).
    data: Mutex<Option<Arc<(Dataset, Split)>>>,
    log: Vec<EpochRecord>,
    /// The model's weights, taken out of it once, when first asked; the arrays handed to
    /// Python are read-only views of these.
    weights: OnceLock<Vec<(String, ArrayD<f32>)>>,
}

impl Fitted {
    fn place(&self) -> String {
        format!("run {}", self.run.path.display())
    }

    /// Ranks `queries` with `threads` workers (None: all) and lays the rankings out as two
    /// `(n, k)` arrays: item indices (-1 where a ranking is shorter than K) and scores (NaN).
    fn ranked<'py>(
        &self,
        py: Python<'py>,
        queries: Vec<Query>,
        k: usize,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let model = self.run.model.as_ref();
        let rankings: Vec<Ranking> = py.detach(|| {
            let refs: Vec<&Query> = queries.iter().collect();
            rank(model, &refs)
        });
        let n = rankings.len();
        let mut idx = vec![-1i64; n * k];
        let mut scores = vec![f32::NAN; n * k];
        for (r, ranking) in rankings.iter().enumerate() {
            for (p, &(i, s)) in ranking.iter().enumerate() {
                idx[r * k + p] = i64::from(i);
                scores[r * k + p] = s;
            }
        }
        let idx = PyArray1::from_vec(py, idx).reshape([n, k])?;
        let scores = PyArray1::from_vec(py, scores).reshape([n, k])?;
        Ok((idx.into_any(), scores.into_any()))
    }

    fn check_k(&self, k: usize) -> PyResult<()> {
        if k == 0 {
            return Err(value_error("k must be positive"));
        }
        Ok(())
    }

    fn ensure_fold_in(&self) -> PyResult<()> {
        if self.run.model.fold_in().is_some() {
            return Ok(());
        }
        Err(value_error(format!(
            "{} cannot score item histories (fold-in); models that can: {}",
            self.run.model_name,
            gnnrec_models::registry::folding_models().join(", ")
        )))
    }

    fn candidates(&self, items: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u32>>> {
        items
            .map(|ob| {
                let mut c = indices(&self.run.items, ob, "item", &self.place())?;
                c.sort_unstable();
                c.dedup();
                Ok(c)
            })
            .transpose()
    }

    /// The dataset trained on, loaded from the run's record when not in memory.
    fn training_data(&self, py: Python<'_>) -> PyResult<Arc<(Dataset, Split)>> {
        let mut held = self.data.lock().expect("not poisoned");
        if let Some(d) = &*held {
            return Ok(Arc::clone(d));
        }
        let dir = RunDir::open(&self.run.path).map_err(run_error)?;
        let config = dir.config().map_err(run_error)?;
        let loaded = py
            .detach(|| gnnrec_run::DataSource::of_run(&config).load())
            .map_err(run_error)?;
        dir.check_ids(&config, &loaded.0).map_err(run_error)?;
        let d = Arc::new(loaded);
        *held = Some(Arc::clone(&d));
        Ok(d)
    }
}

#[pymethods]
impl Fitted {
    /// Opens the run directory `path` (any the CLI or `save` wrote) from its files alone.
    #[staticmethod]
    fn open(py: Python<'_>, path: PathBuf) -> PyResult<Fitted> {
        let run = py.detach(|| ServableRun::open(&path)).map_err(run_error)?;
        let log = RunDir::open(&path)
            .and_then(|d| d.read_log())
            .unwrap_or_default();
        Ok(Fitted {
            run,
            data: Mutex::new(None),
            log,
            weights: OnceLock::new(),
        })
    }

    /// The top `k` items of each user (raw ids), best first, as `(item indices, scores)`,
    /// two `(len(users), k)` arrays; each user's training items excluded unless
    /// `exclude_seen` is false; only `items` ranked when given.
    #[pyo3(signature = (users, k=10, exclude_seen=true, items=None))]
    fn recommend<'py>(
        &self,
        py: Python<'py>,
        users: &Bound<'py, PyAny>,
        k: usize,
        exclude_seen: bool,
        items: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        self.check_k(k)?;
        let users = indices(&self.run.users, users, "user", &self.place())?;
        let candidates = self.candidates(items)?;
        let queries = users
            .iter()
            .map(|&u| Query {
                subject: Subject::User(u),
                k,
                exclude: if exclude_seen {
                    self.run.seen.of(u).to_vec()
                } else {
                    Vec::new()
                },
                candidates: candidates.clone(),
            })
            .collect();
        self.ranked(py, queries, k)
    }

    /// The top `k` items for each item history (a list of lists of raw item ids) —
    /// users the model never saw (fold-in) —, the history's own items excluded unless
    /// `exclude_seen` is false.
    #[pyo3(signature = (histories, k=10, exclude_seen=true, items=None))]
    fn recommend_histories<'py>(
        &self,
        py: Python<'py>,
        histories: &Bound<'py, PyAny>,
        k: usize,
        exclude_seen: bool,
        items: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        self.check_k(k)?;
        self.ensure_fold_in()?;
        let candidates = self.candidates(items)?;
        let mut queries = Vec::new();
        for h in histories.try_iter()? {
            let mut h = indices(&self.run.items, &h?, "item", &self.place())?;
            h.sort_unstable();
            h.dedup();
            queries.push(Query {
                exclude: if exclude_seen { h.clone() } else { Vec::new() },
                subject: Subject::History(h),
                k,
                candidates: candidates.clone(),
            });
        }
        self.ranked(py, queries, k)
    }

    /// The `k` items the model recommends to a history of just `item`, itself excluded.
    #[pyo3(signature = (item, k=10))]
    fn similar_items<'py>(
        &self,
        py: Python<'py>,
        item: &Bound<'py, PyAny>,
        k: usize,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        self.check_k(k)?;
        self.ensure_fold_in()?;
        let i = index(&self.run.items, item, "item", &self.place())?;
        let q = Query {
            subject: Subject::History(vec![i]),
            k,
            exclude: vec![i],
            candidates: None,
        };
        self.ranked(py, vec![q], k)
    }

    /// Predicted ratings of the pairs (users[j], items[j]) (rating models).
    fn predict<'py>(
        &self,
        py: Python<'py>,
        users: &Bound<'py, PyAny>,
        items: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let Some(p) = self.run.model.rating_predictor() else {
            return Err(value_error(format!(
                "{} ranks items and predicts no ratings; rating models: gcn, bias",
                self.run.model_name
            )));
        };
        let u = indices(&self.run.users, users, "user", &self.place())?;
        let i = indices(&self.run.items, items, "item", &self.place())?;
        if u.len() != i.len() {
            return Err(value_error(format!(
                "{} users but {} items: predict takes pairs",
                u.len(),
                i.len()
            )));
        }
        let out = py.detach(|| p.predict(&u, &i));
        Ok(PyArray1::from_vec(py, out))
    }

    /// The test metrics at each K of `ks` on `dataset`'s split (default: the data trained on),
    /// full ranking with each user's training items excluded — the CLI's metrics. The dataset
    /// must have the run's users and items.
    #[pyo3(signature = (dataset=None, ks=vec![10, 20]))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        dataset: Option<&PyDataset>,
        ks: Vec<usize>,
    ) -> PyResult<Bound<'py, PyDict>> {
        if ks.is_empty() || ks.contains(&0) {
            return Err(value_error("ks must be positive cut-offs"));
        }
        let data = match dataset {
            Some(d) => {
                let (ds, _) = &*d.inner;
                if ds.users != self.run.users || ds.items != self.run.items {
                    return Err(value_error(format!(
                        "dataset `{}` ({} users, {} items) is not the data {} was trained on \
                         ({} users, {} items)",
                        ds.name,
                        ds.n_users(),
                        ds.n_items(),
                        self.place(),
                        self.run.users.len(),
                        self.run.items.len()
                    )));
                }
                Arc::clone(&d.inner)
            }
            None => self.training_data(py)?,
        };
        let model = self.run.model.as_ref();
        let m = py.detach(|| {
            let (ds, split) = &*data;
            evaluation::test_metrics(model, ds, &split.train, &split.test, &ks)
        });
        let d = PyDict::new(py);
        for (k, v) in &m.flat {
            d.set_item(k, v)?;
        }
        Ok(d)
    }

    /// Every weight of the model by name, as read-only float32 arrays of their shapes:
    /// views of the weights this object holds (taken out of the model once, on the first
    /// call), so no call after the first copies anything.
    fn weights<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        let py = slf.py();
        let this = slf.get();
        let arrays = this.weights.get_or_init(|| {
            let w: Weights = py.detach(|| this.run.model.weights());
            w.into_arrays()
                .map(|(name, shape, values)| {
                    let a = ArrayD::from_shape_vec(IxDyn(&shape), values)
                        .expect("a weight's values fill its shape");
                    (name, a)
                })
                .collect()
        });
        let d = PyDict::new(py);
        for (name, a) in arrays {
            // SAFETY: the arrays live in `this.weights`, which is set once and never changed
            // or moved while `slf` (the base object of every view) is alive.
            let view = unsafe { PyArrayDyn::<f32>::borrow_from_array(a, slf.clone().into_any()) };
            view.getattr("flags")?.setattr("writeable", false)?;
            d.set_item(name, view)?;
        }
        Ok(d)
    }

    /// The training curve: one dict per epoch (epoch, loss, seconds, metrics, eval_seconds).
    fn history<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let rows = self
            .log
            .iter()
            .map(|r| record_dict(py, r))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, rows)
    }

    /// The raw user ids by index.
    fn user_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        raw_ids_to_py(py, self.run.users.raw_ids())
    }

    /// The raw item ids by index.
    fn item_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        raw_ids_to_py(py, self.run.items.raw_ids())
    }

    /// Item titles by index, where the dataset has them.
    fn item_titles(&self) -> Option<Vec<String>> {
        self.run.titles.clone()
    }

    /// The run directory.
    #[getter]
    fn path(&self) -> PathBuf {
        self.run.path.clone()
    }

    /// The model's name.
    #[getter]
    fn model(&self) -> String {
        self.run.model_name.clone()
    }

    /// The dataset's name.
    #[getter]
    fn dataset(&self) -> String {
        self.run.dataset.clone()
    }

    /// The model's settings, every key, as JSON.
    #[getter]
    fn settings_json(&self) -> String {
        serde_json::Value::Object(self.run.settings.clone()).to_string()
    }

    /// `metrics.json`'s metrics as JSON (`null` without one).
    #[getter]
    fn metrics_json(&self) -> String {
        self.run
            .metrics
            .clone()
            .unwrap_or(serde_json::Value::Null)
            .to_string()
    }

    /// Whether the model scores item histories (fold-in).
    #[getter]
    fn folds_in(&self) -> bool {
        self.run.model.fold_in().is_some()
    }

    /// Whether the model predicts ratings.
    #[getter]
    fn predicts_ratings(&self) -> bool {
        self.run.model.rating_predictor().is_some()
    }

    /// Users and items.
    #[getter]
    fn shape(&self) -> (usize, usize) {
        (self.run.users.len(), self.run.items.len())
    }

    /// Each user's training items, as the user's index → sorted item indices (for tests).
    fn seen_of<'py>(&self, py: Python<'py>, user: u32) -> PyResult<Bound<'py, PyArray1<u32>>> {
        if user as usize >= self.run.seen.n_users() {
            return Err(value_error(format!("user index {user} out of range")));
        }
        Ok(PyArray1::from_slice(py, self.run.seen.of(user)))
    }
}

/// The fitted model of a training just finished, with its run's log.
pub fn from_training(done: gnnrec_run::TrainedRun) -> Fitted {
    let gnnrec_run::TrainedRun {
        spec,
        data,
        split,
        dir,
        metrics,
        model,
        ..
    } = done;
    let log = dir.read_log().unwrap_or_default();
    let run = ServableRun {
        path: dir.path().to_path_buf(),
        model_name: spec.name().to_string(),
        dataset: data.name.clone(),
        model,
        users: data.users.clone(),
        items: data.items.clone(),
        seen: UserItems::new(&split.train, data.n_users()),
        titles: data.item_titles.clone(),
        metrics: serde_json::to_value(&metrics.metrics).ok(),
        settings: spec.canonical().unwrap_or_default(),
    };
    Fitted {
        run,
        data: Mutex::new(Some(Arc::new((data, split)))),
        log,
        weights: OnceLock::new(),
    }
}
