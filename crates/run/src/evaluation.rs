//! Test metrics of a trained model (full ranking excluding training items; rating errors
//! for rating models), and re-evaluating a saved run.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use gnnrec_data::{Dataset, Interactions};
use gnnrec_eval::{RankingMetrics, RatingMetrics, UserItems, evaluate_ranking, rating_metrics};
use gnnrec_models::TrainedModel;
use serde::Serialize;

use crate::error::Result;
use crate::opened::OpenedRun;
use crate::record::RunMetrics;
use crate::run_dir::METRICS_FILE;

/// The test metrics of one model.
#[derive(Debug, Clone, Serialize)]
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

/// What re-evaluating a saved run found.
#[derive(Debug)]
pub struct Evaluation {
    /// The run, opened with its dataset.
    pub run: OpenedRun,
    /// Its test metrics now.
    pub metrics: TestMetrics,
    /// `metrics.json` as it was before this evaluation (absent in a run without one).
    pub recorded: Option<RunMetrics>,
    /// The run's count of looks at the test split, this one included (absent without
    /// `metrics.json`).
    pub test_evaluations: Option<usize>,
}

/// Re-computes a saved run's test metrics at `ks` (default: the run's), and counts the look
/// at the test split in its `metrics.json`.
pub fn evaluate_run(
    path: &Path,
    data_dir: Option<&Path>,
    ks: Option<&[usize]>,
) -> Result<Evaluation> {
    let run = OpenedRun::open(path, data_dir)?;
    let ks = ks.map_or_else(|| run.config.ks.clone(), <[usize]>::to_vec);
    let metrics = test_metrics(
        run.model.as_ref(),
        &run.data,
        &run.split.train,
        &run.split.test,
        &ks,
    );
    // Every look at the test split is counted in the run's metrics.json.
    let recorded = run.dir.metrics();
    let test_evaluations = match recorded.clone() {
        Some(mut r) => {
            r.test_evaluations += 1;
            run.dir.write_json(METRICS_FILE, &r)?;
            Some(r.test_evaluations)
        }
        None => None,
    };
    Ok(Evaluation {
        run,
        metrics,
        recorded,
        test_evaluations,
    })
}
