//! `gnnrec train`: fit a model (or continue one with `--resume`), evaluate it on the test
//! split, and save a run directory — the flags turned into a [`Training`] of the run layer,
//! and its outcome printed.

use anyhow::{Result, bail};
use gnnrec_models::ModelSpec;
use gnnrec_run::training::{DataInput, Training};

use crate::cli::TrainArgs;
use crate::commands::evaluate::print_metrics;
use crate::commands::recommend::print_samples;
use crate::commands::set_threads;
use crate::output::print_json;
use crate::progress::Progress;

/// The training the flags describe: a fresh one (from `--model` or `--recipe`, flags
/// overriding the recipe's keys) or the continuation of `--resume DIR`.
fn plan(args: &TrainArgs, threads: usize) -> Result<Training> {
    let mut plan = match &args.resume {
        Some(path) => {
            let settings: Vec<(String, String)> = args
                .settings()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut t = Training::resume(path, &settings)?;
            if let (DataInput::Source(s), Some(dir)) = (&mut t.data, &args.data.data_dir) {
                s.data_dir = Some(dir.clone());
            }
            if let Some(k) = &args.k {
                t.ks = k.clone();
            }
            t
        }
        None => fresh(args)?,
    };
    plan.device = args.device;
    plan.eval_users = args.eval_users;
    plan.threads = Some(threads);
    Ok(plan)
}

pub(crate) fn fresh(args: &TrainArgs) -> Result<Training> {
    let mut t = match (&args.recipe, &args.model) {
        (Some(path), model) => {
            let mut t = Training::from_recipe(path)?;
            if let Some(m) = model
                && m != t.spec.name()
            {
                bail!(
                    "--model {m} differs from the recipe's model `{}`; drop one of them",
                    t.spec.name()
                );
            }
            if let DataInput::Source(s) = &mut t.data {
                *s = args.data.source_over_recipe(
                    &s.dataset,
                    s.split.as_deref(),
                    args.dataset_given,
                );
            }
            t
        }
        (None, Some(m)) => Training::new(args.data.source(), ModelSpec::default_for(m)?),
        (None, None) => bail!("give --model NAME, --recipe FILE or --resume DIR"),
    };
    for (k, v) in args.settings() {
        t.spec.set(k, v)?;
    }
    if let Some(s) = args.seed {
        t.seed = s;
    }
    if let Some(k) = &args.k {
        t.ks = k.clone();
    }
    if let Some(m) = args.monitor {
        t.monitor = m;
    }
    if let Some(f) = args.valid_fraction {
        t.valid_fraction = f;
    }
    if let Some(v) = args.valid_split {
        t.valid_split = v;
    }
    t.out = args.out.clone();
    Ok(t)
}

/// The thread count of the run `--resume` continues, if any: a resumed run keeps it (results
/// are identical for the same seed and threads) unless --threads says otherwise.
pub(crate) fn resumed_threads(args: &TrainArgs) -> Result<Option<usize>> {
    Ok(args
        .resume
        .as_deref()
        .map(Training::threads_of_run)
        .transpose()?)
}

pub fn run(args: &TrainArgs) -> Result<()> {
    if args.distributed {
        return crate::commands::distributed::run(args);
    }
    let threads = set_threads(args.threads.or(resumed_threads(args)?))?;
    let plan = plan(args, threads)?;
    let mut progress = Progress::new(args.quiet);
    let done = plan.run_with(&mut progress)?;
    let (spec, data, split, dir, metrics, m) = (
        &done.spec,
        &done.data,
        &done.split,
        &done.dir,
        &done.metrics,
        &done.test,
    );
    let train_seconds = metrics.train_seconds;
    if args.json {
        return print_json(&serde_json::json!({
            "run": dir.path(),
            "dataset": metrics.dataset,
            "model": metrics.model,
            "split": metrics.split,
            "evaluated_on": metrics.evaluated_on,
            "monitor": metrics.monitor,
            "metrics": metrics.metrics,
            "load_seconds": metrics.load_seconds,
            "train_seconds": train_seconds,
            "epoch_seconds": done.epoch_seconds,
            "eval_seconds": m.seconds,
            "epochs": metrics.epochs,
            "test_evaluations": metrics.test_evaluations,
        }));
    }
    println!(
        "\n{} on {} (split {}), test set — trained in {:.1}s, evaluated in {:.1}s:\n",
        spec.name(),
        data.name,
        split.name,
        train_seconds,
        m.seconds
    );
    print_metrics(m);
    print_samples(done.model.as_ref(), data, split, 3, 5);
    println!("\nrun saved to {}", dir.path().display());
    println!(
        "next: gnnrec recommend --run {} --user {}",
        dir.path().display(),
        data.users
            .raw(split.test.users.first().copied().unwrap_or(0))
    );
    Ok(())
}
