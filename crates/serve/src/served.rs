//! The runs a server serves, by name, and their reload.
//!
//! A name maps to an `Arc<Engine>`. A request clones the `Arc` once and uses it to the end,
//! so a reload — which loads the new run first, off the async threads, then swaps the `Arc`
//! under a short write lock — never disturbs a request in flight: it finishes on the model it
//! started with, whose worker stops when the last such request is answered. A run that fails
//! to load fails the reload; the old model keeps serving.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use crate::bundle::LoadedRun;
use crate::engine::{BatchLimits, Engine};
use crate::error::{ApiError, LoadError};

/// One served name.
struct Slot {
    name: String,
    path: PathBuf,
    engine: Arc<Engine>,
}

/// The served runs; the first is the default.
pub struct Served {
    slots: RwLock<Vec<Slot>>,
    limits: BatchLimits,
}

/// The name a run directory is served under by default: its folder's name.
pub fn default_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

impl Served {
    /// Loads every `(name, path)`; fails on the first run that cannot be served, or a name
    /// given twice.
    pub fn load(runs: &[(String, PathBuf)], limits: BatchLimits) -> Result<Served, LoadError> {
        let mut slots: Vec<Slot> = Vec::with_capacity(runs.len());
        for (name, path) in runs {
            if slots.iter().any(|s| &s.name == name) {
                return Err(LoadError::Incomplete(format!(
                    "two runs are served under the name `{name}`; name them with NAME=DIR"
                )));
            }
            let run = LoadedRun::open(path)?;
            slots.push(Slot {
                name: name.clone(),
                path: path.clone(),
                engine: Arc::new(Engine::start(run, limits)),
            });
        }
        Ok(Served {
            slots: RwLock::new(slots),
            limits,
        })
    }

    /// The engine served under `name` (the default run when `None`).
    pub fn get(&self, name: Option<&str>) -> Result<(String, Arc<Engine>), ApiError> {
        let slots = self.slots.read().unwrap_or_else(|e| e.into_inner());
        let slot = match name {
            None => slots.first(),
            Some(n) => slots.iter().find(|s| s.name == n),
        };
        match slot {
            Some(s) => Ok((s.name.clone(), Arc::clone(&s.engine))),
            None => Err(ApiError::not_found(
                "run",
                format!(
                    "no run named `{}` is served; served: {}",
                    name.unwrap_or(""),
                    slots
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// Every served (name, path, engine), in order.
    pub fn list(&self) -> Vec<(String, PathBuf, Arc<Engine>)> {
        let slots = self.slots.read().unwrap_or_else(|e| e.into_inner());
        slots
            .iter()
            .map(|s| (s.name.clone(), s.path.clone(), Arc::clone(&s.engine)))
            .collect()
    }

    /// Loads the run at `path` (blocking: call it off the async threads) and, if it loads,
    /// serves it under `name` in place of the old one. On error nothing changes.
    pub fn reload(&self, name: &str, path: &Path) -> Result<(), LoadError> {
        let run = LoadedRun::open(path)?;
        let engine = Arc::new(Engine::start(run, self.limits));
        let mut slots = self.slots.write().unwrap_or_else(|e| e.into_inner());
        match slots.iter_mut().find(|s| s.name == name) {
            Some(s) => {
                s.path = path.to_path_buf();
                s.engine = engine;
            }
            None => slots.push(Slot {
                name: name.to_string(),
                path: path.to_path_buf(),
                engine,
            }),
        }
        Ok(())
    }
}
