//! The plug-in contract, checked for every model of the registry: a model added to
//! [`MODELS`] is covered by this file without a line here (settings that make it quick are
//! applied where it has them; [`OVERRIDES`] is for a model that needs more).
//!
//! For each model, on generated data: it trains, logging epochs exactly when it declares
//! training in epochs; its weights survive a file and score equally once loaded; it folds in
//! as it declares (natively: a user's history scores as the user; by averaging item
//! embeddings: the scores of a history are the mean of its items'; not at all: no fold-in);
//! a rating model predicts ratings in its scale; its configuration round-trips, and refuses an
//! unknown key (naming the valid ones) and out-of-range values (naming key and range). The
//! adapter refuses a model whose training or trained form disagrees with its declarations.

use gnnrec_data::Interactions;
use gnnrec_eval::{Scorer, UserItems};
use gnnrec_models::config::{ModelConfig, Range};
use gnnrec_models::registry::{self, MODELS};
use gnnrec_models::testing::{Recorder, context, rated_interactions};
use gnnrec_models::training::{LoopSettings, Monitored, Objective, fit};
use gnnrec_models::{
    FoldIn, Model, ModelError, ModelKind, ModelSpec, Plugin, Silent, Task, TrainContext,
    TrainedModel, Training, Weights,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

const USERS: usize = 24;
const ITEMS: usize = 20;

/// Settings that keep any model quick on the contract's data, applied where a model has the
/// key.
const QUICK: &[(&str, &str)] = &[
    ("epochs", "2"),
    ("dim", "8"),
    ("hidden", "8"),
    ("batch", "64"),
    ("factors", "4"),
    ("neighbours", "10"),
];

/// Further settings of particular models (none needed today: the defaults and [`QUICK`] do).
const OVERRIDES: &[(&str, &[(&str, &str)])] = &[];

fn data() -> Interactions {
    rated_interactions(5, USERS, ITEMS, 160)
}

/// The model `m` with its defaults, [`QUICK`] and its [`OVERRIDES`].
fn quick_spec(m: &dyn ModelKind) -> ModelSpec {
    let keys = m.keys();
    let own = OVERRIDES
        .iter()
        .filter(|(name, _)| *name == m.name())
        .flat_map(|(_, settings)| settings.iter());
    let mut spec = ModelSpec::default_for(m.name()).unwrap();
    for (k, v) in QUICK.iter().chain(own) {
        if keys.iter().any(|key| key.name == *k) {
            spec.set(k, v)
                .unwrap_or_else(|e| panic!("{}: {k} = {v}: {e}", m.name()));
        }
    }
    spec
}

/// Every user's scores.
fn scores(s: &dyn Scorer) -> Vec<f32> {
    let users: Vec<u32> = (0..USERS as u32).collect();
    let mut out = vec![0f32; USERS * ITEMS];
    s.score_users(&users, &mut out);
    out
}

fn history_scores(m: &dyn TrainedModel, histories: &[&[u32]]) -> Vec<f32> {
    let f = m.fold_in().expect("folds in");
    let mut out = vec![0f32; histories.len() * ITEMS];
    f.score_histories(histories, &mut out);
    out
}

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-5 * a.abs().max(b.abs()).max(1.0)
}

/// Checks `m`'s contract on the generated data; says what breaks it.
fn keeps_the_contract(m: &dyn ModelKind, x: &Interactions) -> Result<(), String> {
    let spec = quick_spec(m);
    let ctx = context(x, USERS, ITEMS);
    let mut rec = Recorder::default();
    let trained = registry::train(&spec, &ctx, &mut rec).map_err(|e| format!("trains: {e}"))?;

    // Epochs are logged exactly when it declares training in epochs.
    match m.training() {
        Training::Epochs => {
            let epochs = spec.get("epochs").and_then(Value::as_u64).unwrap_or(0) as usize;
            if rec.loops != 1 || rec.epochs.len() != epochs {
                return Err(format!(
                    "declares epochs: the loop started {} times, {} of {epochs} epochs logged",
                    rec.loops,
                    rec.epochs.len()
                ));
            }
        }
        Training::ClosedForm => {
            if rec.loops != 0 || !rec.epochs.is_empty() {
                return Err(format!(
                    "declares a closed form and logged {} epochs",
                    rec.epochs.len()
                ));
            }
        }
    }

    // Saved, loaded, equal.
    let s = scores(trained.as_scorer());
    if s.iter().any(|v| !v.is_finite()) {
        return Err("a score is not finite".into());
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("model.safetensors");
    trained
        .weights()
        .save(&path)
        .map_err(|e| format!("saves: {e}"))?;
    let w = Weights::load(&path).map_err(|e| format!("reads its weights: {e}"))?;
    let loaded = registry::load(&spec, &w, USERS, ITEMS).map_err(|e| format!("loads: {e}"))?;
    if scores(loaded.as_scorer()) != s {
        return Err("scores differ after a save and a load".into());
    }
    if loaded.weights() != trained.weights() {
        return Err("weights differ after a save and a load".into());
    }

    // Fold-in as declared, the same once loaded.
    let by_user = UserItems::new(x, USERS);
    let histories: Vec<&[u32]> = (0..USERS as u32).map(|u| by_user.of(u)).collect();
    match m.fold_in() {
        FoldIn::None => {
            if trained.fold_in().is_some() || loaded.fold_in().is_some() {
                return Err("declares no fold-in and folds in".into());
            }
        }
        how => {
            if trained.fold_in().is_none() || loaded.fold_in().is_none() {
                return Err(format!("declares fold-in {how} and does not fold in"));
            }
            let folded = history_scores(&*trained, &histories);
            if history_scores(&*loaded, &histories) != folded {
                return Err("fold-in scores differ after a save and a load".into());
            }
            if how == FoldIn::Native && !folded.iter().zip(&s).all(|(a, b)| close(*a, *b)) {
                return Err(
                    "folds in natively, and a user's history scores unlike the user".into(),
                );
            }
            if how == FoldIn::ItemEmbeddingMean {
                // Scores of one-item histories are the items' dot products (symmetric), and
                // a history's are the mean of its items'.
                let single: Vec<[u32; 1]> = (0..ITEMS as u32).map(|i| [i]).collect();
                let one: Vec<&[u32]> = single.iter().map(|h| &h[..]).collect();
                let dots = history_scores(&*trained, &one);
                for i in 0..ITEMS {
                    for j in 0..ITEMS {
                        if !close(dots[i * ITEMS + j], dots[j * ITEMS + i]) {
                            return Err(format!("one-item fold-in is not symmetric at ({i}, {j})"));
                        }
                    }
                }
                for (u, h) in histories.iter().enumerate() {
                    for j in 0..ITEMS {
                        let mean = h.iter().map(|&i| dots[i as usize * ITEMS + j]).sum::<f32>()
                            / h.len() as f32;
                        if !close(folded[u * ITEMS + j], mean) {
                            return Err(format!(
                                "the fold-in of user {u}'s history is not the mean of its items' at item {j}"
                            ));
                        }
                    }
                }
            }
        }
    }

    // A rating model predicts ratings in the scale.
    if m.task() == Task::Rating {
        let p = trained
            .rating_predictor()
            .ok_or("a rating model without a rating predictor")?;
        let scale = ctx.rating_scale.expect("rated data");
        let predicted = p.predict(&x.users, &x.items);
        if predicted
            .iter()
            .any(|r| !(scale.min..=scale.max).contains(r))
        {
            return Err("predicts a rating outside the scale".into());
        }
    }
    Ok(())
}

#[test]
fn every_registered_model_keeps_the_plug_in_contract() {
    let x = data();
    let broken: Vec<String> = MODELS
        .iter()
        .filter_map(|m| {
            keeps_the_contract(*m, &x)
                .err()
                .map(|e| format!("{}: {e}", m.name()))
        })
        .collect();
    assert!(broken.is_empty(), "\n{}", broken.join("\n"));
}

#[test]
fn every_configuration_round_trips() {
    for m in MODELS {
        let defaults = m.defaults();
        assert_eq!(m.complete(&Map::new()).unwrap(), defaults, "{}", m.name());
        assert_eq!(m.complete(&defaults).unwrap(), defaults, "{}", m.name());
        assert_eq!(m.canonical(&defaults).unwrap(), defaults, "{}", m.name());
        let spec = quick_spec(*m);
        let complete = m.complete(&spec.config).unwrap();
        assert_eq!(complete, spec.config, "{}", m.name());
        assert_eq!(m.canonical(&complete).unwrap(), complete, "{}", m.name());
        assert_eq!(spec.configure().unwrap().values(), complete, "{}", m.name());
        assert_eq!(ModelSpec::new(m.name(), &spec.config).unwrap(), spec);
        // Through the JSON text of a run's config.json, too.
        let text = serde_json::to_string(&spec).unwrap();
        let back: ModelSpec = serde_json::from_str(&text).unwrap();
        assert_eq!(back, spec, "{}", m.name());
        assert_eq!(back.canonical().unwrap(), complete, "{}", m.name());
    }
}

/// A JSON value `range` refuses.
fn out_of(range: Range) -> Value {
    match range {
        Range::Positive | Range::PositiveReal => json!(0),
        Range::Count | Range::NonNegative => json!(-1),
        Range::Probability => json!(1.0),
        Range::Flag => json!("maybe"),
        Range::OneOf(_) => json!("no such word"),
        Range::Text(_) => json!(12),
    }
}

#[test]
fn unknown_keys_and_values_out_of_range_are_refused_by_name() {
    for m in MODELS {
        let keys = m.keys();
        let unknown = Map::from_iter([("no_such_key".to_string(), json!(1))]);
        let e = m.complete(&unknown).unwrap_err();
        assert!(
            matches!(e, ModelError::UnknownKey { .. }),
            "{}: {e}",
            m.name()
        );
        let text = e.to_string();
        assert!(
            text.contains(&format!("{} has no setting `no_such_key`", m.name())),
            "{text}"
        );
        for k in &keys {
            assert!(
                text.contains(k.name),
                "{}: `{}` not named in: {text}",
                m.name(),
                k.name
            );
        }
        let mut spec = ModelSpec::default_for(m.name()).unwrap();
        assert!(spec.set("no_such_key", "1").is_err(), "{}", m.name());
        for k in &keys {
            let bad = Map::from_iter([(k.name.to_string(), out_of(k.range))]);
            let text = m.complete(&bad).unwrap_err().to_string();
            assert!(
                text.contains(&format!("`{}`", k.name)) && text.contains(&k.range.to_string()),
                "{}: {} = {}: {text}",
                m.name(),
                k.name,
                bad[k.name]
            );
        }
    }
}

#[test]
fn the_capability_lists_follow_the_declarations() {
    let folding: Vec<&str> = MODELS
        .iter()
        .filter(|m| m.fold_in().folds_in())
        .map(|m| m.name())
        .collect();
    let listed = registry::folding_models();
    let mut sorted = listed.clone();
    sorted.sort();
    let mut expected = folding.clone();
    expected.sort();
    assert_eq!(sorted, expected);
    let summary = registry::fold_in_summary();
    for name in &folding {
        assert!(summary.contains(name), "{name} missing from: {summary}");
    }
    let table = registry::capability_table();
    println!(
        "folding: {}\nsummary: {summary}\n{table}",
        listed.join(", ")
    );
    for m in MODELS {
        assert_eq!(
            m.iterative(),
            m.training() == Training::Epochs,
            "{}",
            m.name()
        );
        let spec = ModelSpec::default_for(m.name()).unwrap();
        assert_eq!(spec.is_iterative(), m.iterative());
        assert_eq!(
            (spec.training(), spec.fold_in()),
            (m.training(), m.fold_in())
        );
        let row = table
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", m.name())))
            .unwrap_or_else(|| panic!("{} has no row in\n{table}", m.name()));
        assert!(row.contains(m.about()), "{row}");
    }
}

// A model outside the crate, to check that the adapter holds a model to its declarations: it
// trains through the shared loop when `LOOP`, declares epochs when `EPOCHS` and native
// fold-in when `FOLDS` (its trained model never folds in).

gnnrec_models::settings! {
    /// No settings.
    pub struct NoSettings {}
}

impl ModelConfig for NoSettings {}

/// Scores every item 0.
struct Flat;

impl Scorer for Flat {
    fn n_items(&self) -> usize {
        ITEMS
    }
    fn score_users(&self, _users: &[u32], out: &mut [f32]) {
        out.fill(0.0);
    }
}

impl TrainedModel for Flat {
    fn weights(&self) -> Weights {
        Weights::new()
    }
}

/// One step per epoch, at a zero loss.
struct Still;

impl Objective for Still {
    type Model = Flat;
    fn start_epoch(&mut self, _rng: &mut ChaCha8Rng) -> usize {
        1
    }
    fn loss_and_grad(
        &mut self,
        params: &[f32],
        _k: usize,
        _rng: &mut ChaCha8Rng,
    ) -> gnnrec_models::error::Result<(f32, Vec<f32>)> {
        Ok((0.0, vec![0.0; params.len()]))
    }
    fn snapshot(&self, _params: &[f32]) -> gnnrec_models::error::Result<Flat> {
        Ok(Flat)
    }
}

struct Declared<const EPOCHS: bool, const LOOP: bool, const FOLDS: bool>;

impl<const EPOCHS: bool, const LOOP: bool, const FOLDS: bool> Model
    for Declared<EPOCHS, LOOP, FOLDS>
{
    type Config = NoSettings;
    type Trained = Flat;
    const NAME: &'static str = "declared";
    const TASK: Task = Task::Ranking;
    const ABOUT: &'static str = "a test model";
    const TRAINING: Training = if EPOCHS {
        Training::Epochs
    } else {
        Training::ClosedForm
    };
    const FOLD_IN: FoldIn = if FOLDS { FoldIn::Native } else { FoldIn::None };

    fn bytes_needed(_cfg: &NoSettings, _size: gnnrec_models::memory::DataSize) -> u64 {
        1
    }

    fn train(
        _cfg: &NoSettings,
        ctx: &TrainContext<'_>,
        obs: &mut dyn gnnrec_models::Observer,
    ) -> gnnrec_models::error::Result<Flat> {
        if !LOOP {
            return Ok(Flat);
        }
        let settings = LoopSettings {
            epochs: 2,
            ..LoopSettings::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(ctx.seed);
        fit(
            &mut Still,
            vec![0.0; 4],
            &settings,
            Monitored::Recall(5),
            ctx,
            &mut rng,
            obs,
        )
    }

    fn load(
        _cfg: &NoSettings,
        _w: &Weights,
        _n_users: usize,
        _n_items: usize,
    ) -> gnnrec_models::error::Result<Flat> {
        Ok(Flat)
    }
}

/// Trains the model `M` through its plug-in, as the registry would.
fn train_as_registered<M: Model>() -> gnnrec_models::error::Result<Box<dyn TrainedModel>> {
    let x = data();
    let kind: &dyn ModelKind = &Plugin::<M>::NEW;
    kind.train(&Map::new(), &context(&x, USERS, ITEMS), &mut Silent)
}

#[test]
fn the_adapter_refuses_a_model_that_breaks_its_declarations() {
    // Kept: closed form without the loop, epochs through it.
    train_as_registered::<Declared<false, false, false>>().unwrap();
    train_as_registered::<Declared<true, true, false>>().unwrap();
    // Broken: epochs declared, no loop; the loop run under a closed form; a fold-in declared
    // and not made.
    for (e, what) in [
        (
            train_as_registered::<Declared<true, false, false>>().err(),
            "trained without the shared loop",
        ),
        (
            train_as_registered::<Declared<false, true, false>>().err(),
            "closed form and trained through the shared loop",
        ),
        (
            train_as_registered::<Declared<false, false, true>>().err(),
            "does not fold in",
        ),
    ] {
        let e = e.expect("refused");
        assert!(matches!(e, ModelError::Contract { .. }), "{e}");
        let text = e.to_string();
        assert!(
            text.contains("declared breaks its plug-in contract") && text.contains(what),
            "{text}"
        );
    }
}
