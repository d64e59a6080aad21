//! `gnnrec fold-in`: how well a model recommends for users it never saw, from their item
//! history alone, against the same model trained with them — the run layer's
//! [`gnnrec_run::foldin::fold_in_experiment`], printed.

use anyhow::Result;
use gnnrec_models::ModelSpec;
use gnnrec_run::Recipe;
use gnnrec_run::foldin::fold_in_experiment;

use crate::cli::FoldInArgs;
use crate::commands::set_threads;
use crate::output::{Table, print_json};

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
    let source = match &recipe {
        Some(r) => args
            .data
            .source_over_recipe(&r.dataset, r.split.as_deref(), args.dataset_given),
        None => args.data.source(),
    };
    let seed = args.seed.or(recipe.as_ref().map(|r| r.seed)).unwrap_or(42);
    let report = fold_in_experiment(&spec, &source, seed, args.holdout, &mut |r| {
        eprintln!(
            "fold-in of {}: {} of the {} users with test items held out ({} of {} training interactions)",
            r.model,
            r.held_out_users,
            r.users_with_test,
            r.held_out_interactions,
            r.train_interactions
        );
    })?;
    let (folded, trained_with, fold_in_ms, ni) = (
        report.folded,
        report.trained_with,
        report.fold_in_ms,
        report.n_items,
    );
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
        report.timed_users
    );
    Ok(())
}
