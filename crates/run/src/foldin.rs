//! The fold-in experiment: how well a model recommends for users it never saw, from their
//! item history alone, against the same model trained with them.
//!
//! A seeded share of the users with test items is held out: model A trains on the other
//! users' training interactions; model B, the usual one, on all of them. Each held-out user is
//! then scored by A's fold-in from their training items, and by B as a known user; both
//! rankings exclude the user's training items and are scored on the user's test items.

use std::time::Instant;

use gnnrec_eval::{HistoryScorer, Scorer, UserItems, evaluate_ranking};
use gnnrec_models::{ModelSpec, Silent, TrainContext, registry};
use serde::Serialize;

use crate::error::{Result, RunError};
use crate::source::{DataSource, rows_of_users, test_users_shuffled};

/// A fold-in scorer seen as a scorer of users: each user is scored from their history.
struct Folded<'a> {
    fold: &'a dyn HistoryScorer,
    history: &'a UserItems,
}

impl Scorer for Folded<'_> {
    fn n_items(&self) -> usize {
        self.fold.n_items()
    }
    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        let h: Vec<&[u32]> = users.iter().map(|&u| self.history.of(u)).collect();
        self.fold.score_histories(&h, out);
    }
}

/// What the fold-in experiment measured.
#[derive(Debug, Clone, Serialize)]
pub struct FoldInReport {
    /// The model.
    pub model: String,
    /// The dataset.
    pub dataset: String,
    /// The split.
    pub split: String,
    /// Users held out of model A's training.
    pub held_out_users: usize,
    /// recall@20 / ndcg@20 of the held-out users, folded in.
    pub folded: (f64, f64),
    /// The same users, scored by the model trained with them.
    pub trained_with: (f64, f64),
    /// Mean milliseconds of one single-user fold-in (all items scored).
    pub fold_in_ms: f64,
    /// Users with test items, before the hold-out.
    #[serde(skip)]
    pub users_with_test: usize,
    /// Training interactions of the held-out users (left out of model A's training).
    #[serde(skip)]
    pub held_out_interactions: usize,
    /// Training interactions in all.
    #[serde(skip)]
    pub train_interactions: usize,
    /// Single-user fold-ins timed.
    #[serde(skip)]
    pub timed_users: usize,
    /// Items scored by each fold-in.
    #[serde(skip)]
    pub n_items: usize,
}

/// Holds out `holdout` (a share) of the users with test items, trains `spec` without and
/// with them, and compares their folded-in and trained-with recommendations. `started` hears
/// the hold-out's sizes before the trainings begin.
pub fn fold_in_experiment(
    spec: &ModelSpec,
    source: &DataSource,
    seed: u64,
    holdout: f64,
    started: &mut dyn FnMut(&FoldInReport),
) -> Result<FoldInReport> {
    let (data, split) = source.load()?;
    let (nu, ni) = (data.n_users(), data.n_items());
    let mut held = test_users_shuffled(&split.test, seed);
    let with_test = held.len();
    held.truncate(((held.len() as f64) * holdout).round().max(1.0) as usize);
    let without = rows_of_users(&split.train, &held, false);
    let held_test = rows_of_users(&split.test, &held, true);
    let mut report = FoldInReport {
        model: spec.model.clone(),
        dataset: data.name.clone(),
        split: split.name.clone(),
        held_out_users: held.len(),
        folded: (0.0, 0.0),
        trained_with: (0.0, 0.0),
        fold_in_ms: 0.0,
        users_with_test: with_test,
        held_out_interactions: split.train.len() - without.len(),
        train_interactions: split.train.len(),
        timed_users: 0,
        n_items: ni,
    };
    started(&report);
    let a = registry::train(
        spec,
        &TrainContext::for_dataset(&data, &without).with_seed(seed),
        &mut Silent,
    )?;
    let fold = a.fold_in().ok_or_else(|| {
        RunError::Invalid(format!(
            "{} does not fold in ({} do)",
            spec.model,
            registry::folding_models().join(", ")
        ))
    })?;
    let b = registry::train(
        spec,
        &TrainContext::for_dataset(&data, &split.train).with_seed(seed),
        &mut Silent,
    )?;
    let history = UserItems::new(&split.train, nu);
    let held_test_items = UserItems::new(&held_test, nu);
    let popularity = split.train.item_degrees(ni);
    let pair = |s: &dyn Scorer| {
        let m = evaluate_ranking(s, &history, &held_test_items, &popularity, &[20]).to_map();
        (m["recall@20"], m["ndcg@20"])
    };
    report.folded = pair(&Folded {
        fold,
        history: &history,
    });
    report.trained_with = pair(b.as_scorer());
    let sample: Vec<u32> = held.iter().copied().take(200).collect();
    let mut out = vec![0f32; ni];
    let t0 = Instant::now();
    for &u in &sample {
        fold.score_histories(&[history.of(u)], &mut out);
    }
    report.fold_in_ms = t0.elapsed().as_secs_f64() * 1e3 / sample.len() as f64;
    report.timed_users = sample.len();
    Ok(report)
}
