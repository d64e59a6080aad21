//! A run's model: a registered name and its full configuration.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::find;
use crate::framework::config;
use crate::framework::error::Result;
use crate::framework::model::{FoldIn, Task, Training};
use crate::framework::plugin::{Configured, ModelKind};

/// A model and its full configuration, as stored in a run's `config.json`:
/// `{"model": "lightgcn", "dim": 128, "lr": 0.01, …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// The model's name.
    pub model: String,
    /// Every configuration key with its value.
    #[serde(flatten)]
    pub config: Map<String, Value>,
}

impl ModelSpec {
    /// The model `name` with `values` over its defaults, every key and range checked.
    pub fn new(name: &str, values: &Map<String, Value>) -> Result<ModelSpec> {
        let kind = find(name)?;
        Ok(ModelSpec {
            model: kind.name().to_string(),
            config: kind.complete(values)?,
        })
    }

    /// The model `name` with its defaults.
    pub fn default_for(name: &str) -> Result<ModelSpec> {
        ModelSpec::new(name, &Map::new())
    }

    /// The registered model.
    pub fn kind(&self) -> Result<&'static dyn ModelKind> {
        find(&self.model)
    }

    /// The model's name.
    pub fn name(&self) -> &str {
        &self.model
    }

    /// The model's task.
    pub fn task(&self) -> Task {
        self.kind().map_or(Task::Ranking, |k| k.task())
    }

    /// Whether the model learns in epochs (and so logs them and may stop early).
    pub fn is_iterative(&self) -> bool {
        self.kind().is_ok_and(|k| k.iterative())
    }

    /// The value of `key`, if the configuration has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.config.get(key)
    }

    /// Sets `key` from its command-line text, parsed and checked by the key's range and the
    /// whole configuration's checks.
    pub fn set(&mut self, key: &str, text: &str) -> Result<()> {
        let kind = self.kind()?;
        let keys = kind.keys();
        let Some(k) = config::key(&keys, key) else {
            return Err(config::unknown_key(kind.name(), &keys, key));
        };
        let value = k.range.parse(key, text)?;
        self.set_value(key, value)
    }

    /// Sets `key` to `value`, checked like user input. A configuration read from an older
    /// run directory is first brought to today's keys (renamed keys mapped, not dropped).
    pub fn set_value(&mut self, key: &str, value: Value) -> Result<()> {
        let kind = self.kind()?;
        let mut values = kind.canonical(&self.config)?;
        values.insert(key.to_string(), value);
        self.config = kind.complete(&values)?;
        Ok(())
    }

    /// The configuration with today's keys (see [`ModelKind::canonical`]).
    pub fn canonical(&self) -> Result<Map<String, Value>> {
        self.kind()?.canonical(&self.config)
    }

    /// The model with its configuration parsed and checked once: what to train or load from
    /// without parsing it again ([`Configured`]).
    pub fn configure(&self) -> Result<Box<dyn Configured>> {
        self.kind()?.configure(&self.config)
    }

    /// How the model trains ([`Training::ClosedForm`] for an unknown model).
    pub fn training(&self) -> Training {
        self.kind().map_or(Training::ClosedForm, |k| k.training())
    }

    /// How the model folds in users it never saw ([`FoldIn::None`] for an unknown model).
    pub fn fold_in(&self) -> FoldIn {
        self.kind().map_or(FoldIn::None, |k| k.fold_in())
    }
}
