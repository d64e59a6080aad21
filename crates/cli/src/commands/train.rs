//! `gnnrec train`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};
use gnnrec_models::lightgcn::Schedule;
use gnnrec_models::registry::{self, Hyper};
use gnnrec_models::{ModelSpec, TrainContext};

use crate::cli::{Monitor, ScheduleArg, TrainArgs};
use crate::commands::data;
use crate::commands::evaluate::{print_metrics, test_metrics};
use crate::commands::recommend::print_samples;
use crate::commands::set_threads;
use crate::output::print_json;
use crate::progress::Progress;
use crate::run_dir::{RunConfig, RunDir, RunMetrics};
use crate::timefmt;

fn hyper(a: &TrainArgs) -> Hyper {
    Hyper {
        layers: a.layers,
        dim: a.dim,
        lr: a.lr,
        l2: a.l2,
        batch: a.batch,
        epochs: a.epochs,
        eval_every: a.eval_every,
        patience: a.patience,
        schedule: a.schedule.map(|s| match s {
            ScheduleArg::Constant => Schedule::Constant,
            ScheduleArg::Cosine => Schedule::Cosine,
        }),
        reg_user: a.reg_user,
        reg_item: a.reg_item,
    }
}

pub fn run(args: &TrainArgs) -> Result<()> {
    let threads = set_threads(args.threads)?;
    if args.k.is_empty() || args.k.contains(&0) {
        bail!("--k needs positive cut-offs, e.g. --k 10,20");
    }
    let spec = ModelSpec::build(&args.model, &hyper(args))?;
    let (data, split) = data::load(&args.data)?;

    // Iterative models may watch a held-out set; the others fit on all of train.
    let monitor = if spec.is_iterative() {
        args.monitor
    } else {
        Monitor::None
    };
    let carved;
    let (fit_on, monitor_set, monitor_label) = match monitor {
        Monitor::Validation => {
            if !(args.valid_fraction > 0.0 && args.valid_fraction < 1.0) {
                bail!("--valid-fraction must be in (0, 1)");
            }
            carved = split.carve_validation(args.valid_fraction, args.seed);
            (
                &carved.train,
                Some(&carved.test),
                format!("validation:{}", args.valid_fraction),
            )
        }
        Monitor::Test => (&split.train, Some(&split.test), "test".to_string()),
        Monitor::None => (&split.train, None, "none".to_string()),
    };
    let ctx = TrainContext {
        n_users: data.n_users(),
        n_items: data.n_items(),
        train: fit_on,
        monitor: monitor_set,
        rating_scale: data.rating_scale,
        user_features: data.user_features.as_ref(),
        item_features: data.item_features.as_ref(),
        seed: args.seed,
    };
    if !args.quiet {
        eprintln!(
            "training {} on {} (split {}: {} train / {} test; monitor {monitor_label}; {threads} threads)",
            spec.name(),
            data.name,
            split.name,
            split.train.len(),
            split.test.len()
        );
    }
    let mut progress = Progress::new(args.quiet);
    let t0 = Instant::now();
    let model = registry::train(&spec, &ctx, &mut progress)?;
    let train_seconds = t0.elapsed().as_secs_f64();
    let m = test_metrics(model.as_ref(), &data, &split, &args.k);

    let now = timefmt::now_unix();
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("runs").join(format!(
            "{}-{}-{}",
            spec.name(),
            data.name,
            timefmt::compact(now)
        ))
    });
    let dir = RunDir::create(&out)?;
    let config = RunConfig {
        gnnrec_version: env!("CARGO_PKG_VERSION").into(),
        created: timefmt::rfc3339(now),
        command: std::env::args().collect(),
        dataset: args.data.dataset.clone(),
        data_dir: args.data.data_dir.clone(),
        split: split.name.clone(),
        seed: args.seed,
        ks: args.k.clone(),
        monitor: monitor_label.clone(),
        threads,
        n_users: data.n_users(),
        n_items: data.n_items(),
        n_train: fit_on.len(),
        model: spec.clone(),
    };
    dir.save_model(&config, &data, model.as_ref())?;
    dir.write_log(&progress.log)?;
    let metrics = RunMetrics {
        dataset: data.name.clone(),
        model: spec.name().into(),
        split: split.name.clone(),
        evaluated_on: "test".into(),
        monitor: monitor_label,
        metrics: m.flat.clone(),
        ranking: Some(m.ranking.clone()),
        rating: m.rating,
        cold_pairs: m.cold_pairs,
        train_seconds,
        eval_seconds: m.seconds,
        epochs: spec.is_iterative().then_some(progress.log.len()),
    };
    dir.write_json("metrics.json", &metrics)?;

    if args.json {
        return print_json(&serde_json::json!({
            "run": dir.path(),
            "dataset": metrics.dataset,
            "model": metrics.model,
            "split": metrics.split,
            "evaluated_on": "test",
            "monitor": metrics.monitor,
            "metrics": metrics.metrics,
            "train_seconds": train_seconds,
            "eval_seconds": m.seconds,
            "epochs": metrics.epochs,
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
    print_metrics(&m);
    print_samples(model.as_ref(), &data, &split, 3, 5);
    println!("\nrun saved to {}", dir.path().display());
    println!(
        "next: gnnrec recommend --run {} --user {}",
        dir.path().display(),
        data.users
            .raw(split.test.users.first().copied().unwrap_or(0))
    );
    Ok(())
}
