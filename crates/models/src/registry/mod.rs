//! The one list of models ([`MODELS`]) and the model a run is made of ([`ModelSpec`]).
//!
//! Every model is a [`crate::Model`] plug-in; the registry erases its configuration type behind
//! [`ModelKind`] (the adapter, [`crate::framework::plugin`]), so the command line, recipes,
//! run directories and benchmarks handle any model as a name plus a JSON object of settings.
//! Adding a model is one line in [`MODELS`].
//!
//! Everything that lists a capability is derived here from the models' declarations: which
//! models fold in and how ([`folding_models`], [`models_folding_in`], [`fold_in_summary`]),
//! and the table of every model's capabilities ([`capability_table`]).

#[cfg(test)]
mod distributed_tests;
mod spec;
#[cfg(test)]
mod tests;

pub use crate::framework::plugin::{Configured, ModelKind, Plugin};
pub use spec::ModelSpec;

use std::sync::RwLock;

use crate::baselines::bias::BiasModel;
use crate::baselines::ease::Ease;
use crate::baselines::itemknn::ItemKnn;
use crate::baselines::popularity::Popularity;
use crate::bpr::irgnn::Irgnn;
use crate::bpr::lightgcn::LightGcn;
use crate::bpr::mf::Mf;
use crate::bpr::simgcl::SimGcl;
use crate::bpr::xsimgcl::XSimGcl;
use crate::filters::bspm::Bspm;
use crate::filters::chebycf::ChebyCf;
use crate::filters::gfcf::GfCf;
use crate::framework::context::TrainContext;
use crate::framework::error::{ModelError, Result, bail};
use crate::framework::memory::DataSize;
use crate::framework::model::{FoldIn, TrainedModel};
use crate::framework::observer::Observer;
use crate::framework::weights::Weights;
use crate::gcn::GcnModel;

/// Every model gnnrec knows, in the order `gnnrec models` lists them.
pub static MODELS: &[&dyn ModelKind] = &[
    &Plugin::<Popularity>::NEW,
    &Plugin::<BiasModel>::NEW,
    &Plugin::<ItemKnn>::NEW,
    &Plugin::<Ease>::NEW,
    &Plugin::<GfCf>::NEW,
    &Plugin::<Bspm>::NEW,
    &Plugin::<ChebyCf>::NEW,
    &Plugin::<Mf>::NEW,
    &Plugin::<LightGcn>::NEW,
    &Plugin::<SimGcl>::NEW,
    &Plugin::<XSimGcl>::NEW,
    &Plugin::<Irgnn>::NEW,
    &Plugin::<GcnModel>::NEW,
];

/// The models that train across the ranks of a distributed run, by name.
pub fn distributed_models() -> Vec<&'static str> {
    all()
        .into_iter()
        .filter(|m| m.distributed())
        .map(|m| m.name())
        .collect()
}

/// Models registered at run time by an application ([`register`]), after [`MODELS`].
static REGISTERED: RwLock<Vec<&'static dyn ModelKind>> = RwLock::new(Vec::new());

/// Registers a model defined outside this crate — an application's own plug-in — so that the
/// run layer, recipes and [`ModelSpec`] find it by name like the built-in ones:
///
/// ```ignore
/// gnnrec_models::registry::register(&Plugin::<MyModel>::NEW)?;
/// ```
///
/// Refuses a name already taken.
pub fn register(kind: &'static dyn ModelKind) -> Result<()> {
    let mut extra = REGISTERED.write().unwrap_or_else(|e| e.into_inner());
    if MODELS
        .iter()
        .chain(extra.iter())
        .any(|m| m.name() == kind.name())
    {
        bail!("a model named `{}` is already registered", kind.name());
    }
    extra.push(kind);
    Ok(())
}

/// Every model: the built-in ones ([`MODELS`]), then those [`register`]ed, in order.
pub fn all() -> Vec<&'static dyn ModelKind> {
    let extra = REGISTERED.read().unwrap_or_else(|e| e.into_inner());
    MODELS
        .iter()
        .copied()
        .chain(extra.iter().copied())
        .collect()
}

/// The names of every model, in registry order.
pub fn names() -> Vec<&'static str> {
    all().iter().map(|m| m.name()).collect()
}

/// The model called `name`.
pub fn find(name: &str) -> Result<&'static dyn ModelKind> {
    all()
        .into_iter()
        .find(|m| m.name() == name)
        .ok_or_else(|| ModelError::UnknownModel {
            name: name.to_string(),
            known: names().join(", "),
        })
}

/// The names of the models that fold in exactly `how` (see [`crate::Model::FOLD_IN`]), in registry
/// order: `models_folding_in(FoldIn::Native)` is `["pop", "itemknn", "ease", "gfcf", "bspm",
/// "irgnn"]` today.
pub fn models_folding_in(how: FoldIn) -> Vec<&'static str> {
    MODELS
        .iter()
        .filter(|m| m.fold_in() == how)
        .map(|m| m.name())
        .collect()
}

/// The names of every model that folds in users it never saw, the native ones first, then
/// those that average item embeddings (each in registry order): for the fold-in command's
/// error and the server's refusal, e.g. `folding_models().join(", ")`.
pub fn folding_models() -> Vec<&'static str> {
    let mut names = models_folding_in(FoldIn::Native);
    names.extend(models_folding_in(FoldIn::ItemEmbeddingMean));
    names
}

/// Which models fold in and how, as a clause for help texts: `natively for pop, itemknn,
/// ease, gfcf, bspm, irgnn; by averaging item embeddings for mf, lightgcn, simgcl,
/// xsimgcl` today (a kind of fold-in no model has is left out).
pub fn fold_in_summary() -> String {
    [FoldIn::Native, FoldIn::ItemEmbeddingMean]
        .into_iter()
        .filter_map(|how| {
            let names = models_folding_in(how);
            (!names.is_empty()).then(|| format!("{} for {}", how.describe(), names.join(", ")))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Every model's declared capabilities as a Markdown table, one row per model in registry
/// order: `| model | task | trains | fold-in | GPU | about |`, for the README and docs (a test
/// there can check that they hold this table).
pub fn capability_table() -> String {
    let mut out = String::from(
        "| model | task | trains | fold-in | GPU | about |\n|---|---|---|---|---|---|\n",
    );
    for m in MODELS {
        let fold_in = match m.fold_in() {
            FoldIn::None => "no",
            how => how.describe(),
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            m.name(),
            m.task(),
            m.training(),
            fold_in,
            if m.gpu() { "yes" } else { "no" },
            m.about()
        ));
    }
    out
}

/// Trains the model `spec` on `ctx`: its configuration parsed once, the device and the
/// machine's memory checked, then [`Configured::train`].
pub fn train(
    spec: &ModelSpec,
    ctx: &TrainContext<'_>,
    obs: &mut dyn Observer,
) -> Result<Box<dyn TrainedModel>> {
    // The adapter refuses a device the model cannot use, and data too large for the machine.
    spec.configure()?.train(ctx, obs)
}

/// Fails, saying how many bytes it needs, when training `spec` on data of `size` would not
/// fit the machine's available memory ([`crate::Model::bytes_needed`]). [`train`] checks it; callers
/// check it earlier to refuse before they write anything.
pub fn ensure_fits(spec: &ModelSpec, size: DataSize) -> Result<()> {
    spec.configure()?.ensure_fits(size)
}

/// Restores a trained model from its weights.
pub fn load(
    spec: &ModelSpec,
    w: &Weights,
    n_users: usize,
    n_items: usize,
) -> Result<Box<dyn TrainedModel>> {
    spec.configure()?.load(w, n_users, n_items)
}
