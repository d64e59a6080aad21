//! What the package generates its classes and listings from: the model registry (every
//! model's name, task, capabilities and documented keys with defaults and ranges — what
//! `gnnrec models` prints), the datasets gnnrec knows, the recipes and a settings check.

use std::path::PathBuf;

use gnnrec_models::registry;
use pyo3::prelude::*;
use serde_json::{Value, json};

use crate::errors::{model_error, run_error};
use crate::train::spec_of;

/// Every registered model as JSON: name, task, about, training, fold_in, gpu, and its keys
/// (name, help, range, default) in the order `gnnrec models` lists them.
#[pyfunction]
pub fn models_json() -> String {
    let list: Vec<Value> = registry::all()
        .into_iter()
        .map(|m| {
            let defaults = m.defaults();
            let keys: Vec<Value> = m
                .keys()
                .into_iter()
                .map(|k| {
                    json!({
                        "name": k.name,
                        "help": k.help,
                        "range": k.range.to_string(),
                        "default": defaults.get(k.name).cloned().unwrap_or(Value::Null),
                    })
                })
                .collect();
            json!({
                "name": m.name(),
                "task": m.task().to_string(),
                "about": m.about(),
                "training": m.training().to_string(),
                "fold_in": m.fold_in().to_string(),
                "gpu": m.gpu(),
                "keys": keys,
            })
        })
        .collect();
    Value::Array(list).to_string()
}

/// The complete, checked settings of `model` given `settings` (a JSON object), as JSON:
/// a `ValueError` names an unknown key (with the valid ones) or a value out of range.
#[pyfunction]
pub fn check_settings(model: &str, settings: &str) -> PyResult<String> {
    let spec = spec_of(model, settings)?;
    let full = spec.canonical().map_err(model_error)?;
    Ok(Value::Object(full).to_string())
}

/// Every dataset gnnrec knows by name, as JSON: name, folder, about, obtain.
#[pyfunction]
pub fn datasets_json() -> String {
    let list: Vec<Value> = gnnrec_data::registry::KNOWN_DATASETS
        .iter()
        .map(|d| json!({"name": d.name, "folder": d.folder, "about": d.about, "obtain": d.obtain}))
        .collect();
    Value::Array(list).to_string()
}

/// The data directory: `explicit`, else `$GNNREC_DATA`, else `./data` (the CLI's rule).
#[pyfunction]
#[pyo3(signature = (explicit=None))]
pub fn data_dir(explicit: Option<PathBuf>) -> PathBuf {
    gnnrec_data::registry::data_dir(explicit.as_deref())
}

/// The recipes folder of the source tree this package was built from.
#[pyfunction]
pub fn built_recipes_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../recipes")
}

/// Every recipe of `dir` as JSON: path, and the recipe's fields (model, dataset, split,
/// seed, monitor, config, published metrics, …).
#[pyfunction]
pub fn recipes_json(dir: PathBuf) -> PyResult<String> {
    let list = gnnrec_run::recipe::load_dir(&dir).map_err(run_error)?;
    let out: Vec<Value> = list
        .into_iter()
        .map(|(p, r)| {
            let mut v = serde_json::to_value(&r).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.insert("path".into(), Value::String(p.display().to_string()));
            }
            v
        })
        .collect();
    Ok(Value::Array(out).to_string())
}
