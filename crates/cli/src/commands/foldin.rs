//! `gnnrec fold-in`: how well a model recommends for users it never saw, from their item
//! history alone, against the same model trained with them.
//!
//! A seeded share of the users with test items is held out: model A trains on the other
//! users' training interactions; model B, the usual one, on all of them. Each held-out user is
//! then scored by A's fold-in from their training items, and by B as a known user; both
//! rankings exclude the user's training items and are scored on the user's test items.

use std::time::Instant;

use anyhow::{Result, anyhow};
use gnnrec_data::{Dataset, Interactions};
use gnnrec_eval::{HistoryScorer, Scorer, UserItems, evaluate_ranking};
use gnnrec_models::{ModelSpec, Silent, TrainContext, registry};
use serde::Serialize;

use crate::cli::{DatasetArgs, FoldInArgs};
use crate::commands::evaluate::{rows_of_users, test_users_shuffled};
use crate::commands::{data, set_threads};
use crate::output::{Table, print_json};
use crate::recipe::Recipe;

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

/// What `gnnrec fold-in` reports.
#[derive(Debug, Serialize)]
struct Report {
    model: String,
    dataset: String,
    split: String,
    held_out_users: usize,
    /// recall@20 / ndcg@20 of the held-out users, folded in.
    folded: (f64, f64),
    /// The same users, scored by the model trained with them.
    trained_with: (f64, f64),
    /// Mean milliseconds of one single-user fold-in (all items scored).
    fold_in_ms: f64,
}

/// The training context of `train`, a subset of `data`'s interactions.
fn context<'a>(data: &'a Dataset, train: &'a Interactions, seed: u64) -> TrainContext<'a> {
    TrainContext {
        n_users: data.n_users(),
        n_items: data.n_items(),
        train,
        monitor: None,
        rating_scale: data.rating_scale,
        user_features: data.user_features.as_ref(),
        item_features: data.item_features.as_ref(),
        seed,
        resume: None,
        device: Default::default(),
    }
}

pub fn run(args: &FoldInArgs) -> Result<()> {
    set_threads(args.threads)?;
    let recipe = args.recipe.as_deref().map(Recipe::load).transpose()?;
    let mut spec = match (&recipe, &args.model) {
        (Some(r), _) => r.spec()?,
        (None, Some(m)) => ModelSpec::default_for(m)?,
        (None, None) => unreachable!("clap requires --model or --recipe"),
    };
    for (k, v) in &args.set {
        spec.set(k, v)?;
    }
    let data_args = DatasetArgs {
        dataset: match &recipe {
            Some(r) if !args.dataset_given => r.dataset.clone(),
            _ => args.data.dataset.clone(),
        },
        data_dir: args.data.data_dir.clone(),
        split: args
            .data
            .split
            .clone()
            .or(recipe.as_ref().and_then(|r| r.split.clone())),
        own: args.data.own.clone(),
    };
    let seed = args.seed.or(recipe.as_ref().map(|r| r.seed)).unwrap_or(42);
    let (data, split) = data::load(&data_args)?;
    let (nu, ni) = (data.n_users(), data.n_items());
    let mut held = test_users_shuffled(&split.test, seed);
    let with_test = held.len();
    held.truncate(((held.len() as f64) * args.holdout).round().max(1.0) as usize);
    let without = rows_of_users(&split.train, &held, false);
    let held_test = rows_of_users(&split.test, &held, true);
    eprintln!(
        "fold-in of {}: {} of the {with_test} users with test items held out ({} of {} training interactions)",
        spec.model,
        held.len(),
        split.train.len() - without.len(),
        split.train.len()
    );
    let a = registry::train(&spec, &context(&data, &without, seed), &mut Silent)?;
    let fold = a.fold_in().ok_or_else(|| {
        anyhow!(
            "{} does not fold in (pop, itemknn, irgnn, ease, gfcf, bspm, mf, lightgcn, simgcl, xsimgcl do)",
            spec.model
        )
    })?;
    let b = registry::train(&spec, &context(&data, &split.train, seed), &mut Silent)?;
    let history = UserItems::new(&split.train, nu);
    let held_test_items = UserItems::new(&held_test, nu);
    let popularity = split.train.item_degrees(ni);
    let pair = |s: &dyn Scorer| {
        let m = evaluate_ranking(s, &history, &held_test_items, &popularity, &[20]).to_map();
        (m["recall@20"], m["ndcg@20"])
    };
    let folded = pair(&Folded {
        fold,
        history: &history,
    });
    let trained_with = pair(b.as_scorer());
    let sample: Vec<u32> = held.iter().copied().take(200).collect();
    let mut out = vec![0f32; ni];
    let t0 = Instant::now();
    for &u in &sample {
        fold.score_histories(&[history.of(u)], &mut out);
    }
    let fold_in_ms = t0.elapsed().as_secs_f64() * 1e3 / sample.len() as f64;
    let report = Report {
        model: spec.model.clone(),
        dataset: data.name.clone(),
        split: split.name.clone(),
        held_out_users: held.len(),
        folded,
        trained_with,
        fold_in_ms,
    };
    if args.json {
        return print_json(&report);
    }
    let mut t = Table::new(["", "recall@20", "NDCG@20"]);
    t.row([
        "folded in (trained without them)".into(),
        format!("{:.4}", folded.0),
        format!("{:.4}", folded.1),
    ]);
    t.row([
        "trained with them".into(),
        format!("{:.4}", trained_with.0),
        format!("{:.4}", trained_with.1),
    ]);
    t.row([
        "ratio".into(),
        format!("{:.3}", folded.0 / trained_with.0),
        format!("{:.3}", folded.1 / trained_with.1),
    ]);
    println!(
        "{} on {} ({} held-out users)",
        report.model, report.dataset, report.held_out_users
    );
    t.print();
    println!(
        "one fold-in (all {ni} items scored): {fold_in_ms:.2} ms, mean of {} users",
        sample.len()
    );
    Ok(())
}
