//! The one list of models ([`MODELS`]) and the model a run is made of ([`ModelSpec`]).
//!
//! Every model is a [`Model`] plug-in; the registry erases its configuration type behind
//! [`ModelKind`], so the command line, recipes, run directories and benchmarks handle any
//! model as a name plus a JSON object of settings. Adding a model is one line in [`MODELS`].

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::baselines::bias::BiasModel;
use crate::baselines::itemknn::ItemKnn;
use crate::baselines::popularity::Popularity;
use crate::config::{self, Key, ModelConfig};
use crate::context::TrainContext;
use crate::device::DeviceSpec;
use crate::ease::Ease;
use crate::error::{ModelError, Result, bail};
use crate::filters::bspm::Bspm;
use crate::filters::gfcf::GfCf;
use crate::gcn::GcnModel;
use crate::irgnn::Irgnn;
use crate::lightgcn::LightGcn;
use crate::memory::{self, DataSize};
use crate::mf::Mf;
use crate::model::{Model, Task, TrainedModel};
use crate::observer::Observer;
use crate::simgcl::SimGcl;
use crate::weights::Weights;
use crate::xsimgcl::XSimGcl;

/// Every model gnnrec knows, in the order `gnnrec models` lists them.
pub static MODELS: &[&dyn ModelKind] = &[
    &Plugin::<Popularity>::NEW,
    &Plugin::<BiasModel>::NEW,
    &Plugin::<ItemKnn>::NEW,
    &Plugin::<Ease>::NEW,
    &Plugin::<GfCf>::NEW,
    &Plugin::<Bspm>::NEW,
    &Plugin::<Mf>::NEW,
    &Plugin::<LightGcn>::NEW,
    &Plugin::<SimGcl>::NEW,
    &Plugin::<XSimGcl>::NEW,
    &Plugin::<Irgnn>::NEW,
    &Plugin::<GcnModel>::NEW,
];

/// A registered model with its configuration type erased to JSON.
pub trait ModelKind: Sync {
    /// The model's name.
    fn name(&self) -> &'static str;
    /// What it is for.
    fn task(&self) -> Task;
    /// One line about it.
    fn about(&self) -> &'static str;
    /// Whether it trains in epochs through the shared loop.
    fn iterative(&self) -> bool;
    /// Whether it can train on a CUDA device.
    fn gpu(&self) -> bool;
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
    /// The bytes training with `values` needs on data of `size` (see [`Model::bytes_needed`]).
    fn bytes_needed(&self, values: &Map<String, Value>, size: DataSize) -> Result<u64>;
    /// Trains with the configuration `values` (as stored in a [`ModelSpec`]).
    fn train(
        &self,
        values: &Map<String, Value>,
        ctx: &TrainContext<'_>,
        obs: &mut dyn Observer,
    ) -> Result<Box<dyn TrainedModel>>;
    /// Loads a trained model with the configuration `values` from its weights.
    fn load(
        &self,
        values: &Map<String, Value>,
        w: &Weights,
        n_users: usize,
        n_items: usize,
    ) -> Result<Box<dyn TrainedModel>>;
}

/// A [`Model`] as a [`ModelKind`].
pub struct Plugin<M>(PhantomData<fn() -> M>);

impl<M> Plugin<M> {
    /// The plug-in of `M`.
    pub const NEW: Plugin<M> = Plugin(PhantomData);
}

/// The JSON object of a configuration. Through text, so that `f32` values keep their
/// shortest form (`0.01`, not the `f64` widening `0.009999999776482582`); they read back as
/// the same `f32`.
pub(crate) fn to_map<C: Serialize>(cfg: &C) -> Map<String, Value> {
    serde_json::to_string(cfg)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
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
    fn iterative(&self) -> bool {
        M::ITERATIVE
    }
    fn gpu(&self) -> bool {
        M::GPU
    }
    fn keys(&self) -> Vec<Key> {
        M::Config::keys()
    }
    fn defaults(&self) -> Map<String, Value> {
        to_map(&M::Config::default())
    }
    fn complete(&self, values: &Map<String, Value>) -> Result<Map<String, Value>> {
        let cfg: M::Config = config::typed(M::NAME, values)?;
        Ok(to_map(&cfg))
    }
    fn canonical(&self, values: &Map<String, Value>) -> Result<Map<String, Value>> {
        let cfg: M::Config = config::from_json(M::NAME, values)?;
        Ok(to_map(&cfg))
    }
    fn bytes_needed(&self, values: &Map<String, Value>, size: DataSize) -> Result<u64> {
        let cfg: M::Config = config::from_json(M::NAME, values)?;
        Ok(M::bytes_needed(&cfg, size))
    }
    fn train(
        &self,
        values: &Map<String, Value>,
        ctx: &TrainContext<'_>,
        obs: &mut dyn Observer,
    ) -> Result<Box<dyn TrainedModel>> {
        let cfg: M::Config = config::from_json(M::NAME, values)?;
        M::train(&cfg, ctx, obs)
    }
    fn load(
        &self,
        values: &Map<String, Value>,
        w: &Weights,
        n_users: usize,
        n_items: usize,
    ) -> Result<Box<dyn TrainedModel>> {
        let cfg: M::Config = config::from_json(M::NAME, values)?;
        M::load(&cfg, w, n_users, n_items)
    }
}

/// The names of every model, in registry order.
pub fn names() -> Vec<&'static str> {
    MODELS.iter().map(|m| m.name()).collect()
}

/// The model called `name`.
pub fn find(name: &str) -> Result<&'static dyn ModelKind> {
    MODELS
        .iter()
        .copied()
        .find(|m| m.name() == name)
        .ok_or_else(|| ModelError::UnknownModel {
            name: name.to_string(),
            known: names().join(", "),
        })
}

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
}

/// Trains the model `spec` on `ctx`.
pub fn train(
    spec: &ModelSpec,
    ctx: &TrainContext<'_>,
    obs: &mut dyn Observer,
) -> Result<Box<dyn TrainedModel>> {
    let kind = spec.kind()?;
    if !kind.gpu() && ctx.device != DeviceSpec::Cpu {
        bail!(
            "{} trains on the CPU only; drop --device {}",
            kind.name(),
            ctx.device
        );
    }
    ensure_fits(
        spec,
        DataSize {
            n_users: ctx.n_users,
            n_items: ctx.n_items,
            n_train: ctx.train.len(),
        },
    )?;
    kind.train(&spec.config, ctx, obs)
}

/// Fails, saying how many bytes it needs, when training `spec` on data of `size` would not
/// fit the machine's available memory ([`Model::bytes_needed`]). [`train`] checks it; callers
/// check it earlier to refuse before they write anything.
pub fn ensure_fits(spec: &ModelSpec, size: DataSize) -> Result<()> {
    let kind = spec.kind()?;
    memory::ensure_fits(kind.name(), kind.bytes_needed(&spec.config, size)?)
}

/// Restores a trained model from its weights.
pub fn load(
    spec: &ModelSpec,
    w: &Weights,
    n_users: usize,
    n_items: usize,
) -> Result<Box<dyn TrainedModel>> {
    spec.kind()?.load(&spec.config, w, n_users, n_items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_serialised_key_is_documented_and_every_default_is_in_range() {
        for m in MODELS {
            let keys = m.keys();
            let defaults = m.defaults();
            for k in defaults.keys() {
                assert!(
                    config::key(&keys, k).is_some(),
                    "{}: key `{k}` has no documentation",
                    m.name()
                );
            }
            for k in &keys {
                assert!(
                    defaults.contains_key(k.name),
                    "{}: documented key `{}` is not in the configuration",
                    m.name(),
                    k.name
                );
            }
            config::check_values(m.name(), &keys, &defaults)
                .unwrap_or_else(|e| panic!("{}: default out of range: {e}", m.name()));
            assert_eq!(m.complete(&defaults).unwrap(), defaults, "{}", m.name());
        }
    }

    #[test]
    fn memory_estimates_grow_with_the_data_and_refuse_what_cannot_fit() {
        let small = DataSize {
            n_users: 1_000,
            n_items: 2_000,
            n_train: 100_000,
        };
        let huge = DataSize {
            n_users: 1 << 40,
            n_items: 1 << 40,
            n_train: 1 << 45,
        };
        for m in MODELS {
            let d = m.defaults();
            let (a, b) = (
                m.bytes_needed(&d, small).unwrap(),
                m.bytes_needed(&d, huge).unwrap(),
            );
            assert!(a > 0 && b > a, "{}: {a} then {b}", m.name());
            if memory::available_bytes().is_some() {
                let e = memory::ensure_fits(m.name(), b).unwrap_err().to_string();
                assert!(e.contains("needs") && e.contains("bytes"), "{e}");
            }
        }
    }

    /// Every model that folds in natively scores a known user's history exactly as it scores
    /// the user; the models expected to fold in do.
    #[test]
    fn fold_in_of_a_users_history_equals_scoring_the_user() {
        let (x, _) = crate::test_support::random_graph(31);
        let ctx = TrainContext {
            n_users: 8,
            n_items: 10,
            train: &x,
            monitor: None,
            rating_scale: None,
            user_features: None,
            item_features: None,
            seed: 1,
            resume: None,
            device: DeviceSpec::Cpu,
        };
        let by_user = gnnrec_eval::UserItems::new(&x, 8);
        for (name, settings) in [
            ("pop", vec![]),
            ("itemknn", vec![]),
            ("ease", vec![("lambda", "5")]),
            ("gfcf", vec![("factors", "3")]),
            ("bspm", vec![("factors", "3")]),
        ] {
            let mut spec = ModelSpec::default_for(name).unwrap();
            for (k, v) in settings {
                spec.set(k, v).unwrap();
            }
            let m = train(&spec, &ctx, &mut crate::observer::Silent).unwrap();
            let f = m
                .fold_in()
                .unwrap_or_else(|| panic!("{name} should fold in"));
            for u in 0..8u32 {
                let (mut a, mut b) = (vec![0f32; 10], vec![0f32; 10]);
                m.score_users(&[u], &mut a);
                f.score_histories(&[by_user.of(u)], &mut b);
                assert_eq!(a, b, "{name}, user {u}");
            }
        }
        // IRGNN's users are the mean of their history's item representations: its fold-in
        // is native, equal to scoring the user up to the order of the float sums.
        let mut irgnn = ModelSpec::default_for("irgnn").unwrap();
        irgnn.set("epochs", "2").unwrap();
        let m = train(&irgnn, &ctx, &mut crate::observer::Silent).unwrap();
        let f = m.fold_in().expect("irgnn folds in");
        for u in 0..8u32 {
            let (mut a, mut b) = (vec![0f32; 10], vec![0f32; 10]);
            m.score_users(&[u], &mut a);
            f.score_histories(&[by_user.of(u)], &mut b);
            for (x, y) in a.iter().zip(&b) {
                assert!(
                    (x - y).abs() <= 1e-5 * x.abs().max(1.0),
                    "irgnn, user {u}: {a:?} vs {b:?}"
                );
            }
        }
        // LightGCN folds in by aggregation: a history's scores are the dot products of the
        // mean of its items' final embeddings with every item.
        let mut lightgcn = ModelSpec::default_for("lightgcn").unwrap();
        lightgcn.set("epochs", "2").unwrap();
        let m = train(&lightgcn, &ctx, &mut crate::observer::Silent).unwrap();
        let w = m.weights();
        let (_, q) = w.get("item_embedding").unwrap();
        let d = q.len() / 10;
        let h = by_user.of(3);
        let mut got = vec![0f32; 10];
        m.fold_in().unwrap().score_histories(&[h], &mut got);
        for (j, &g) in got.iter().enumerate() {
            let want: f32 = (0..d)
                .map(|k| {
                    let mean: f32 = h.iter().map(|&i| q[i as usize * d + k]).sum::<f32>();
                    mean / h.len() as f32 * q[j * d + k]
                })
                .sum();
            assert!((g - want).abs() < 1e-5, "item {j}: {g} vs {want}");
        }
    }

    #[test]
    fn names_are_unique() {
        let mut n = names();
        n.sort();
        n.dedup();
        assert_eq!(n.len(), MODELS.len());
    }

    #[test]
    fn set_parses_checks_and_names_the_key() {
        let mut spec = ModelSpec::default_for("lightgcn").unwrap();
        spec.set("lr", "0.05").unwrap();
        assert_eq!(spec.get("lr").and_then(Value::as_f64), Some(0.05));
        spec.set("schedule", "constant").unwrap();
        let e = spec.set("lr", "0").unwrap_err().to_string();
        assert!(e.contains("`lr`") && e.contains("> 0"), "{e}");
        let e = spec.set("dropout", "0.1").unwrap_err().to_string();
        assert!(e.contains("lightgcn has no setting `dropout`"), "{e}");
        assert!(e.contains("neg_pool"), "lists the known keys: {e}");
        let e = spec.set("neg_pool", "2000").unwrap_err().to_string();
        assert!(e.contains("neg_pool"), "{e}");
        let e = ModelSpec::default_for("lightgnn").unwrap_err().to_string();
        assert!(
            e.contains("unknown model `lightgnn`") && e.contains("lightgcn"),
            "{e}"
        );
    }

    #[test]
    fn stored_configurations_of_older_versions_still_load() {
        // A LightGCN config.json of the first version: `monitor_k` and `neg_pool` inside the
        // loop settings, dim 64.
        let old = r#"{"model":"lightgcn","dim":64,"layers":3,"l2":0.0001,"lr":0.001,
            "batch":2048,"epochs":1000,"eval_every":10,"patience":5,"monitor_k":20,
            "schedule":"constant","neg_pool":1}"#;
        let spec: ModelSpec = serde_json::from_str(old).unwrap();
        let cfg: crate::lightgcn::LightGcnConfig =
            config::from_json("lightgcn", &spec.config).unwrap();
        assert_eq!((cfg.dim, cfg.train.epochs, cfg.train.lr), (64, 1000, 0.001));
        // An MF run stored `layers: 0`; IRGNN stored `graph`, `tau_days`, `item_features`.
        let mf = r#"{"model":"mf","dim":32,"layers":0,"l2":0.01,"lr":0.01,"batch":2048,
            "epochs":5,"eval_every":10,"patience":5,"monitor_k":20}"#;
        let spec: ModelSpec = serde_json::from_str(mf).unwrap();
        let cfg: crate::mf::MfConfig = config::from_json("mf", &spec.config).unwrap();
        assert_eq!(cfg.dim, 32);
        let irgnn = r#"{"model":"irgnn","dim":16,"layers":2,"l2":0.0001,"lr":0.01,
            "batch":2048,"epochs":3,"eval_every":10,"patience":5,"monitor_k":20,
            "schedule":"cosine","neg_pool":1,"graph":"decay","tau_days":7.0,"topk":null,
            "item_features":true}"#;
        let spec: ModelSpec = serde_json::from_str(irgnn).unwrap();
        let cfg: crate::irgnn::IrgnnConfig = config::from_json("irgnn", &spec.config).unwrap();
        assert_eq!(cfg.item_graph, gnnrec_graph::EdgeWeight::Decay);
        assert_eq!((cfg.tau, cfg.topk, cfg.features.item), (7.0, 0, true));
        // Setting a key of such a run (as --resume --epochs does) keeps the renamed ones.
        let mut spec = spec;
        spec.set("epochs", "5").unwrap();
        assert_eq!(spec.get("item_graph"), Some(&Value::from("decay")));
        assert_eq!(spec.get("tau"), Some(&Value::from(7.0)));
        assert_eq!(spec.get("epochs"), Some(&Value::from(5)));
    }
}
