//! Run directories for tests and benchmarks of the server, made without a dataset: a model
//! trained in-process on a small seeded interaction set, saved through the run layer's
//! [`RunDir`] as `gnnrec train` saves it.

use std::path::Path;

use gnnrec_data::{Interactions, RatingScale, RawIds};
use gnnrec_models::{EpochRecord, ModelSpec, Observer, Task, TrainContext};
use gnnrec_run::run_dir::METRICS_FILE;
use gnnrec_run::{RunConfig, RunDir};

/// A seeded interaction set: `n_users` users, each with `per_user` distinct items of
/// `n_items`, preferring low item indices (a popularity skew).
pub fn interactions(n_users: usize, n_items: usize, per_user: usize, seed: u64) -> Interactions {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let (mut users, mut items) = (Vec::new(), Vec::new());
    for u in 0..n_users {
        let mut mine: Vec<u32> = Vec::new();
        while mine.len() < per_user.min(n_items) {
            // The smaller of two draws: item i is drawn with probability ∝ (n - i).
            let i = (next() % n_items).min(next() % n_items) as u32;
            if !mine.contains(&i) {
                mine.push(i);
            }
        }
        for i in mine {
            users.push(u as u32);
            items.push(i);
        }
    }
    Interactions::new(users, items)
}

/// The epochs a training reports, for the run's log.
#[derive(Default)]
struct Epochs(Vec<EpochRecord>);

impl Observer for Epochs {
    fn epoch_finished(&mut self, record: &EpochRecord) {
        self.0.push(record.clone());
    }
}

/// Trains `model` (its default settings, with `settings` changed) on `train` and writes a run
/// directory to `dir`: users are raw ids `u0, u1, …`, items `100, 101, …`, titles `Item N`,
/// and the training log where the model trains in epochs.
pub fn write_run(
    dir: &Path,
    model: &str,
    settings: &[(&str, &str)],
    train: &Interactions,
    n_users: usize,
    n_items: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut spec = ModelSpec::default_for(model)?;
    for (k, v) in settings {
        spec.set(k, v)?;
    }
    // Rating models get ratings 1–5 made from the ids.
    let rated;
    let (train_on, rating_scale) = if spec.task() == Task::Rating && train.ratings.is_none() {
        let mut r = Interactions::new(train.users.clone(), train.items.clone());
        r.ratings = Some(
            train
                .users
                .iter()
                .zip(&train.items)
                .map(|(u, i)| ((u + i) % 5 + 1) as f32)
                .collect(),
        );
        rated = r;
        (&rated, Some(RatingScale { min: 1.0, max: 5.0 }))
    } else {
        (train, None)
    };
    let ctx = TrainContext::new(train_on, n_users, n_items)
        .with_rating_scale(rating_scale)
        .with_seed(7);
    let mut epochs = Epochs::default();
    let trained = gnnrec_models::registry::train(&spec, &ctx, &mut epochs)?;
    let run = RunDir::create(dir)?;
    if !epochs.0.is_empty() {
        run.write_log(&epochs.0)?;
    }
    run.write_json(
        gnnrec_run::run_dir::CONFIG_FILE,
        &RunConfig {
            gnnrec_version: env!("CARGO_PKG_VERSION").into(),
            created: "1970-01-01T00:00:00Z".into(),
            command: vec!["gnnrec_serve::testing::write_run".into()],
            dataset: "synthetic".into(),
            data_dir: None,
            split: "synthetic".into(),
            seed: 7,
            ks: vec![10, 20],
            monitor: "none".into(),
            threads: 1,
            n_users,
            n_items,
            n_train: train_on.len(),
            model: spec.clone(),
            recipe: None,
            dataset_options: Default::default(),
        },
    )?;
    // users.json lists raw ids in index order: user index u is `u{u}`, item index i is 100 + i.
    let users = RawIds::Str((0..n_users).map(|u| format!("u{u}")).collect());
    let items = RawIds::Int((0..n_items as i64).map(|i| 100 + i).collect());
    run.save_ids(&users, &items)?;
    run.save_weights(trained.as_ref())?;
    let titles: Vec<String> = (0..n_items).map(|i| format!("Item {i}")).collect();
    run.save_serving_files(train, Some(&titles))?;
    run.write_json(
        METRICS_FILE,
        &serde_json::json!({"metrics": {"recall@20": 0.5}}),
    )?;
    Ok(())
}
