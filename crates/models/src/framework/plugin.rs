//! The adapter between a [`Model`] and everything that handles models by name: a model's
//! types erased behind [`ModelKind`] (its configuration as a JSON object of keys) and
//! [`Configured`] (that configuration parsed and checked once, ready to train or load).
//!
//! The adapter does what every plug-in would otherwise repeat: parsing the configuration,
//! boxing the trained model, and holding the model to what it declares — a model whose
//! training disagrees with its [`Training`], whose trained form disagrees with its
//! [`FoldIn`], or a rating model that predicts no ratings, is a
//! [`ModelError::Contract`] error rather than a silent mismatch.

use std::marker::PhantomData;

use serde_json::{Map, Value};

use crate::framework::config::{self, Key, Settings};
use crate::framework::context::TrainContext;
use crate::framework::device::DeviceSpec;
use crate::framework::error::{ModelError, Result, bail};
use crate::framework::memory::{self, DataSize};
use crate::framework::model::{FoldIn, Model, Task, TrainedModel, Training};
use crate::framework::observer::{LoopWatch, Observer};
use crate::framework::sharded::{ShardContext, ShardedModel};
use crate::framework::weights::Weights;

/// A model with its configuration type erased to JSON: what the registry lists.
pub trait ModelKind: Sync {
    /// The model's name.
    fn name(&self) -> &'static str;
    /// What it is for.
    fn task(&self) -> Task;
    /// One line about it.
    fn about(&self) -> &'static str;
    /// How it trains.
    fn training(&self) -> Training;
    /// Whether it trains in epochs through the shared loop ([`Training::Epochs`]).
    fn iterative(&self) -> bool {
        self.training() == Training::Epochs
    }
    /// How it folds in users it never saw.
    fn fold_in(&self) -> FoldIn;
    /// Whether it can train on a CUDA device.
    fn gpu(&self) -> bool;
    /// Whether it trains across the ranks of a distributed run.
    fn distributed(&self) -> bool;
    /// Its documented configuration keys.
    fn keys(&self) -> Vec<Key>;
    /// Its default configuration.
    fn defaults(&self) -> Map<String, Value>;
    /// The full configuration `values` make over the defaults, checked key by key (user
    /// input: unknown keys and out-of-range values are errors).
    fn complete(&self, values: &Map<String, Value>) -> Result<Map<String, Value>>;
    /// The full configuration of stored `values` (keys renamed since, mapped; keys of older
    /// versions dropped; missing keys at today's defaults), without the checks of user input.
    fn canonical(&self, values: &Map<String, Value>) -> Result<Map<String, Value>>;
    /// The model with the stored configuration `values` (read as [`ModelKind::canonical`]
    /// reads them) parsed into its typed form, once, to train or load from.
    fn configure(&self, values: &Map<String, Value>) -> Result<Box<dyn Configured>>;
    /// The bytes training with `values` needs on data of `size` (see [`Model::bytes_needed`]).
    fn bytes_needed(&self, values: &Map<String, Value>, size: DataSize) -> Result<u64> {
        Ok(self.configure(values)?.bytes_needed(size))
    }
    /// Trains with the configuration `values` (as stored in a [`crate::ModelSpec`]); see
    /// [`Configured::train`].
    fn train(
        &self,
        values: &Map<String, Value>,
        ctx: &TrainContext<'_>,
        obs: &mut dyn Observer,
    ) -> Result<Box<dyn TrainedModel>> {
        self.configure(values)?.train(ctx, obs)
    }
    /// Loads a trained model with the configuration `values` from its weights.
    fn load(
        &self,
        values: &Map<String, Value>,
        w: &Weights,
        n_users: usize,
        n_items: usize,
    ) -> Result<Box<dyn TrainedModel>> {
        self.configure(values)?.load(w, n_users, n_items)
    }
}

/// A model whose configuration has been parsed and checked: one training (or load) parses it
/// once, here, and then only reads the typed form.
pub trait Configured: Send + Sync {
    /// The model.
    fn kind(&self) -> &dyn ModelKind;
    /// The configuration, every key with its value (as [`ModelKind::canonical`] gives it).
    fn values(&self) -> Map<String, Value>;
    /// The bytes training needs at its peak on data of `size` ([`Model::bytes_needed`]).
    fn bytes_needed(&self, size: DataSize) -> u64;
    /// Fails, saying how many bytes it needs, when training on data of `size` would not fit
    /// the machine's available memory.
    fn ensure_fits(&self, size: DataSize) -> Result<()> {
        memory::ensure_fits(self.kind().name(), self.bytes_needed(size))
    }
    /// Trains on `ctx`, reporting to `obs`: refuses a device the model cannot use and data
    /// too large for the machine's memory, then trains and checks the result against the
    /// model's declarations.
    fn train(
        &self,
        ctx: &TrainContext<'_>,
        obs: &mut dyn Observer,
    ) -> Result<Box<dyn TrainedModel>>;
    /// Restores a trained model from its weights.
    fn load(&self, w: &Weights, n_users: usize, n_items: usize) -> Result<Box<dyn TrainedModel>>;
    /// Trains across the ranks of `ctx` (a collective: every rank calls it); an error for a
    /// model without a distributed form.
    fn train_sharded<'a>(&self, ctx: &ShardContext<'a>) -> Result<Box<dyn ShardedModel + 'a>>;
}

/// A [`Model`] as a [`ModelKind`]: `&Plugin::<M>::NEW` is its registry entry.
pub struct Plugin<M>(PhantomData<fn() -> M>);

impl<M> Plugin<M> {
    /// The plug-in of `M`.
    pub const NEW: Plugin<M> = Plugin(PhantomData);
}

impl<M: Model> ModelKind for Plugin<M> {
    fn name(&self) -> &'static str {
        M::NAME
    }
    fn task(&self) -> Task {
        M::TASK
    }
    fn about(&self) -> &'static str {
        M::ABOUT
    }
    fn training(&self) -> Training {
        M::TRAINING
    }
    fn fold_in(&self) -> FoldIn {
        M::FOLD_IN
    }
    fn gpu(&self) -> bool {
        M::GPU
    }
    fn distributed(&self) -> bool {
        M::DISTRIBUTED
    }
    fn keys(&self) -> Vec<Key> {
        M::Config::keys()
    }
    fn defaults(&self) -> Map<String, Value> {
        config::to_map(&M::Config::default())
    }
    fn complete(&self, values: &Map<String, Value>) -> Result<Map<String, Value>> {
        let cfg: M::Config = config::typed(M::NAME, values)?;
        Ok(config::to_map(&cfg))
    }
    fn canonical(&self, values: &Map<String, Value>) -> Result<Map<String, Value>> {
        Ok(self.configure(values)?.values())
    }
    fn configure(&self, values: &Map<String, Value>) -> Result<Box<dyn Configured>> {
        let config: M::Config = config::from_json(M::NAME, values)?;
        Ok(Box::new(Typed::<M> {
            plugin: Plugin::NEW,
            config,
        }))
    }
}

/// A model's typed configuration, with the model's plug-in.
struct Typed<M: Model> {
    plugin: Plugin<M>,
    config: M::Config,
}

impl<M: Model> Configured for Typed<M> {
    fn kind(&self) -> &dyn ModelKind {
        &self.plugin
    }
    fn train_sharded<'a>(&self, ctx: &ShardContext<'a>) -> Result<Box<dyn ShardedModel + 'a>> {
        match M::train_sharded(&self.config, ctx) {
            Some(trained) => trained,
            None if M::DISTRIBUTED => Err(broken::<M>(
                "it declares a distributed form and has no train_sharded",
            )),
            None => bail!(
                "{} has no distributed form (`registry::distributed_models` lists those that have one)",
                M::NAME
            ),
        }
    }
    fn values(&self) -> Map<String, Value> {
        config::to_map(&self.config)
    }
    fn bytes_needed(&self, size: DataSize) -> u64 {
        M::bytes_needed(&self.config, size)
    }
    fn train(
        &self,
        ctx: &TrainContext<'_>,
        obs: &mut dyn Observer,
    ) -> Result<Box<dyn TrainedModel>> {
        if !M::GPU && ctx.device != DeviceSpec::Cpu {
            bail!(
                "{} trains on the CPU only; drop --device {}",
                M::NAME,
                ctx.device
            );
        }
        self.ensure_fits(DataSize {
            n_users: ctx.n_users,
            n_items: ctx.n_items,
            n_train: ctx.train.len(),
        })?;
        let mut watch = LoopWatch::new(obs);
        let trained = M::train(&self.config, ctx, &mut watch)?;
        let ran = watch.loop_ran;
        match M::TRAINING {
            Training::Epochs if !ran => {
                return Err(broken::<M>(
                    "it declares training in epochs and trained without the shared loop",
                ));
            }
            Training::ClosedForm if ran => {
                return Err(broken::<M>(
                    "it declares a closed form and trained through the shared loop (declare Training::Epochs)",
                ));
            }
            _ => {}
        }
        checked::<M>(trained)
    }
    fn load(&self, w: &Weights, n_users: usize, n_items: usize) -> Result<Box<dyn TrainedModel>> {
        checked::<M>(M::load(&self.config, w, n_users, n_items)?)
    }
}

/// The trained model, boxed, once it is checked to fold in and predict ratings as `M`
/// declares.
fn checked<M: Model>(trained: M::Trained) -> Result<Box<dyn TrainedModel>> {
    let folds = trained.fold_in().is_some();
    if folds != M::FOLD_IN.folds_in() {
        return Err(broken::<M>(&format!(
            "it declares fold-in {:?} and its trained model {}",
            M::FOLD_IN,
            if folds {
                "folds in"
            } else {
                "does not fold in"
            }
        )));
    }
    if M::TASK == Task::Rating && trained.rating_predictor().is_none() {
        return Err(broken::<M>(
            "it declares rating prediction and its trained model predicts no ratings",
        ));
    }
    Ok(Box::new(trained))
}

fn broken<M: Model>(reason: &str) -> ModelError {
    ModelError::Contract {
        model: M::NAME.to_string(),
        reason: reason.to_string(),
    }
}
