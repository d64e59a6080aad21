//! Test metrics of a trained model (shared by `train` and `eval`), and `gnnrec eval`.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Result;
use gnnrec_data::{Dataset, Interactions};
use gnnrec_eval::{RankingMetrics, RatingMetrics, UserItems, evaluate_ranking, rating_metrics};
use gnnrec_models::TrainedModel;

use crate::cli::EvalArgs;
use crate::commands::recommend::{OpenedRun, open_run};
use crate::output::{Table, print_json};
use crate::run_dir::RunMetrics;

/// The test metrics of one model.
pub struct TestMetrics {
    /// Flat name → value.
    pub flat: BTreeMap<String, f64>,
    /// Full ranking metrics.
    pub ranking: RankingMetrics,
    /// Rating errors, for rating models.
    pub rating: Option<RatingMetrics>,
    /// Test pairs with a user or item unseen in training.
    pub cold_pairs: Option<usize>,
    /// Seconds the evaluation took.
    pub seconds: f64,
}

/// The users with test interactions, in an order shuffled by `seed`: a seeded sample of them is
/// a prefix (the same for the same test set and seed).
pub(crate) fn test_users_shuffled(test: &Interactions, seed: u64) -> Vec<u32> {
    use rand::SeedableRng;
    use rand::seq::SliceRandom;
    let mut users = test.users.clone();
    users.sort_unstable();
    users.dedup();
    users.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
    users
}

/// The interactions of `x` whose user is among `users` (`inside`), or is not (`!inside`).
pub(crate) fn rows_of_users(x: &Interactions, users: &[u32], inside: bool) -> Interactions {
    let end = x
        .users
        .iter()
        .chain(users)
        .max()
        .map_or(0, |&u| u as usize + 1);
    let mut listed = vec![false; end];
    for &u in users {
        listed[u as usize] = true;
    }
    let rows: Vec<usize> = (0..x.len())
        .filter(|&k| listed[x.users[k] as usize] == inside)
        .collect();
    x.select(&rows)
}

/// Evaluates `model` on `test`: full ranking (excluding each user's `train` items) at
/// every K, and rating errors when the model predicts ratings.
pub fn test_metrics(
    model: &dyn TrainedModel,
    data: &Dataset,
    train: &Interactions,
    test: &Interactions,
    ks: &[usize],
) -> TestMetrics {
    let t0 = Instant::now();
    let (nu, ni) = (data.n_users(), data.n_items());
    let seen = UserItems::new(train, nu);
    let held_out = UserItems::new(test, nu);
    let popularity = train.item_degrees(ni);
    let ranking = evaluate_ranking(model.as_scorer(), &seen, &held_out, &popularity, ks);
    let mut flat = ranking.to_map();
    let (mut rating, mut cold_pairs) = (None, None);
    if let (Some(p), Some(truth), Some(scale)) = (
        model.rating_predictor(),
        test.ratings.as_ref(),
        data.rating_scale,
    ) {
        let predicted = p.predict(&test.users, &test.items);
        let m = rating_metrics(&predicted, truth, scale.min, scale.max);
        flat.insert("mse".into(), m.mse);
        flat.insert("rmse".into(), m.rmse);
        flat.insert("mae".into(), m.mae);
        flat.insert("mse_scaled".into(), m.mse_scaled);
        rating = Some(m);
        let seen_u = train.user_degrees(nu);
        let seen_i = train.item_degrees(ni);
        cold_pairs = Some(
            test.users
                .iter()
                .zip(&test.items)
                .filter(|&(&u, &i)| seen_u[u as usize] == 0 || seen_i[i as usize] == 0)
                .count(),
        );
    }
    TestMetrics {
        flat,
        ranking,
        rating,
        cold_pairs,
        seconds: t0.elapsed().as_secs_f64(),
    }
}

/// Prints the flat metrics as a table: one row per K, plus rating errors.
pub fn print_metrics(m: &TestMetrics) {
    let mut t = Table::new([
        "K",
        "recall",
        "precision",
        "NDCG",
        "hit rate",
        "coverage",
        "popularity",
    ]);
    for a in &m.ranking.at {
        t.row([
            a.k.to_string(),
            format!("{:.4}", a.recall),
            format!("{:.4}", a.precision),
            format!("{:.4}", a.ndcg),
            format!("{:.4}", a.hit_rate),
            format!("{:.4}", a.coverage),
            format!("{:.1}", a.mean_popularity),
        ]);
    }
    t.print();
    if let Some(r) = &m.rating {
        println!(
            "\nratings: RMSE {:.4}  MAE {:.4}  MSE {:.4}  MSE (scaled to [0,1]) {:.4}  ({} pairs, {} cold)",
            r.rmse,
            r.mae,
            r.mse,
            r.mse_scaled,
            r.count,
            m.cold_pairs.unwrap_or(0)
        );
    }
    println!(
        "({} users ranked over all items, training items excluded)",
        m.ranking.users
    );
}

/// `gnnrec eval --run DIR`.
pub fn run(args: &EvalArgs) -> Result<()> {
    let OpenedRun {
        dir,
        config,
        data,
        split,
        model,
    } = open_run(&args.run, args.data_dir.as_deref())?;
    let ks = args.k.clone().unwrap_or_else(|| config.ks.clone());
    let m = test_metrics(model.as_ref(), &data, &split.train, &split.test, &ks);
    // Every look at the test split is counted in the run's metrics.json.
    let recorded = dir.read_json::<RunMetrics>("metrics.json").ok();
    let test_evaluations = match recorded.clone() {
        Some(mut r) => {
            r.test_evaluations += 1;
            dir.write_json("metrics.json", &r)?;
            Some(r.test_evaluations)
        }
        None => None,
    };
    if args.json {
        // The training time is the run's; a run without metrics.json reports none.
        let train_seconds = recorded.map(|r| r.train_seconds);
        return print_json(&serde_json::json!({
            "run": dir.path(),
            "dataset": config.dataset,
            "model": config.model.name(),
            "split": config.split,
            "evaluated_on": "test",
            "metrics": m.flat,
            "train_seconds": train_seconds,
            "eval_seconds": m.seconds,
            "test_evaluations": test_evaluations,
        }));
    }
    println!(
        "{} on {} (split {}), test set:\n",
        config.model.name(),
        config.dataset,
        config.split
    );
    print_metrics(&m);
    Ok(())
}
