//! `gnnrec train`: fit a model (or continue one with `--resume`), evaluate it on the test
//! split, and save a run directory.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use gnnrec_models::registry;
use gnnrec_models::{Checkpoint, DeviceSpec, EpochRecord, ModelSpec, TrainContext};

use crate::cli::{DatasetArgs, Monitor, TrainArgs, ValidSplit};
use crate::commands::data;
use crate::commands::evaluate::{print_metrics, test_metrics};
use crate::commands::recommend::print_samples;
use crate::commands::set_threads;
use crate::output::print_json;
use crate::progress::Progress;
use crate::recipe::Recipe;
use crate::run_dir::{RunConfig, RunDir, RunMetrics};
use crate::timefmt;

/// The cut-offs of a run when none are given.
pub(crate) const DEFAULT_KS: [usize; 2] = [10, 20];

/// What a run is: made from the command line (and a recipe), or read back from a run to
/// resume.
pub(crate) struct Plan {
    pub spec: ModelSpec,
    pub data: DatasetArgs,
    pub seed: u64,
    pub ks: Vec<usize>,
    pub monitor: Monitor,
    pub valid_fraction: f64,
    pub valid_split: ValidSplit,
    /// The run directory (empty: a fresh name under runs/) and, when resuming, the
    /// checkpoint and the log up to it.
    pub out: PathBuf,
    pub resume: Option<(Checkpoint, Vec<EpochRecord>)>,
    /// Where LightGCN and MF-BPR train.
    pub device: DeviceSpec,
    /// The recipe file the run came from.
    pub recipe: Option<PathBuf>,
    /// Evaluate on a seeded sample of this many test users.
    pub eval_users: Option<usize>,
}

impl Plan {
    fn fresh(args: &TrainArgs) -> Result<Plan> {
        let recipe = args.recipe.as_deref().map(Recipe::load).transpose()?;
        let model = match (&args.model, &recipe) {
            (Some(m), Some(r)) if *m != r.model => bail!(
                "--model {m} differs from the recipe's model `{}`; drop one of them",
                r.model
            ),
            (Some(m), _) => m.clone(),
            (None, Some(r)) => r.model.clone(),
            (None, None) => bail!("give --model NAME, --recipe FILE or --resume DIR"),
        };
        let mut spec = match &recipe {
            Some(r) => r.spec()?,
            None => ModelSpec::default_for(&model)?,
        };
        for (k, v) in args.settings() {
            spec.set(k, v)?;
        }
        let r = recipe.as_ref();
        Ok(Plan {
            spec,
            data: DatasetArgs {
                dataset: match r {
                    Some(r) if !args.dataset_given => r.dataset.clone(),
                    _ => args.data.dataset.clone(),
                },
                data_dir: args.data.data_dir.clone(),
                split: args.data.split.clone().or(r.and_then(|r| r.split.clone())),
                own: args.data.own.clone(),
            },
            seed: args.seed.or(r.map(|r| r.seed)).unwrap_or(42),
            ks: args.k.clone().unwrap_or(DEFAULT_KS.to_vec()),
            monitor: args
                .monitor
                .or(r.and_then(|r| r.monitor))
                .unwrap_or(Monitor::None),
            valid_fraction: args
                .valid_fraction
                .or(r.and_then(|r| r.valid_fraction))
                .unwrap_or(0.1),
            valid_split: args
                .valid_split
                .or(r.and_then(|r| r.valid_split))
                .unwrap_or_default(),
            out: args.out.clone().unwrap_or_default(),
            resume: None,
            device: args.device,
            recipe: args.recipe.clone(),
            eval_users: args.eval_users,
        })
    }

    fn resume(args: &TrainArgs, path: &std::path::Path) -> Result<Plan> {
        let dir = RunDir::open(path)?;
        let config = dir.config()?;
        let Some(ck) = Checkpoint::load(path)? else {
            bail!(
                "{} has no checkpoint to resume from (only iterative models write one)",
                path.display()
            );
        };
        let mut spec = config.model.clone();
        // Settings may be repeated with the run's values; any change but --epochs is refused,
        // compared over the whole configuration (with today's key names).
        let mut before = spec.canonical()?;
        before.remove("epochs");
        for (k, v) in args.settings() {
            spec.set(k, v)?;
            let mut now = spec.config.clone();
            now.remove("epochs");
            if now != before {
                bail!(
                    "--resume continues {} as it was configured ({k} = {}); only --epochs may change",
                    path.display(),
                    before.get(k).map_or("unset".into(), |b| b.to_string())
                );
            }
        }
        let (monitor, valid_fraction, valid_split) = match config.monitor.split_once(':') {
            Some(("validation", f)) => (
                Monitor::Validation,
                f.parse().context("the run's monitor fraction")?,
                ValidSplit::Random,
            ),
            Some(("validation-per-user", f)) => (
                Monitor::Validation,
                f.parse().context("the run's monitor fraction")?,
                ValidSplit::PerUser,
            ),
            _ if config.monitor == "test" => (Monitor::Test, 0.0, ValidSplit::Random),
            _ => (Monitor::None, 0.0, ValidSplit::Random),
        };
        let mut log = dir.read_log()?;
        log.retain(|r| r.epoch <= ck.epoch);
        Ok(Plan {
            spec,
            data: DatasetArgs {
                dataset: config.dataset.clone(),
                data_dir: args.data.data_dir.clone().or(config.data_dir.clone()),
                split: Some(config.split.clone()),
                own: crate::cli::OwnDataArgs::from_own_data(&config.dataset_options),
            },
            seed: config.seed,
            ks: args.k.clone().unwrap_or(config.ks),
            monitor,
            valid_fraction,
            valid_split,
            out: path.to_path_buf(),
            resume: Some((ck, log)),
            device: args.device,
            recipe: config.recipe.clone(),
            eval_users: args.eval_users,
        })
    }
}

/// What [`execute`] leaves: the trained model, its run directory and test metrics.
pub(crate) struct Trained {
    pub spec: ModelSpec,
    pub data: gnnrec_data::Dataset,
    pub split: gnnrec_data::Split,
    pub dir: RunDir,
    pub metrics: RunMetrics,
    pub test: crate::commands::evaluate::TestMetrics,
    pub model: Box<dyn gnnrec_models::TrainedModel>,
    /// Seconds of each epoch (iterative models; what the training time is beyond them is
    /// setup: graphs, initialisation).
    pub epoch_seconds: Vec<f64>,
}

/// The test interactions of a seeded sample of `n` of the test users (`None`: there are at
/// most `n`, so all of them), and the label that says what was evaluated.
fn sample_test_users(
    test: &gnnrec_data::Interactions,
    n: usize,
    seed: u64,
) -> (Option<gnnrec_data::Interactions>, String) {
    let users = crate::commands::evaluate::test_users_shuffled(test, seed);
    let total = users.len();
    if n >= total {
        return (None, "test".to_string());
    }
    (
        Some(crate::commands::evaluate::rows_of_users(
            test,
            &users[..n],
            true,
        )),
        format!("test, a seeded sample of {n} of {total} users"),
    )
}

/// Trains the plan's model (or continues it), evaluates it on the test split and saves the
/// run directory.
pub(crate) fn execute(mut plan: Plan, quiet: bool, threads: usize) -> Result<Trained> {
    let spec = plan.spec.clone();
    let loading = Instant::now();
    let (data, split) = data::load(&plan.data)?;
    let load_seconds = loading.elapsed().as_secs_f64();

    // Iterative models may watch a held-out set; the others fit on all of train.
    let monitor = if spec.is_iterative() {
        plan.monitor
    } else {
        if plan.monitor != Monitor::None && !quiet {
            eprintln!(
                "note: {} does not train in epochs, so it watches no monitoring set; \
                 --monitor is ignored and it fits on all of train",
                spec.name()
            );
        }
        Monitor::None
    };
    // Settings that only act on a monitoring set do nothing without one: say so (not of
    // `eval_every = 0` or `patience = 0`, which turn them off).
    if monitor == Monitor::None && spec.is_iterative() && !quiet {
        let defaults = gnnrec_models::ModelSpec::default_for(spec.name())?;
        let turned_off =
            |k: &str| k != "monitor_k" && spec.get(k).and_then(|v| v.as_u64()) == Some(0);
        let idle: Vec<&str> = ["patience", "eval_every", "monitor_k"]
            .into_iter()
            .filter(|k| spec.get(k).is_some() && spec.get(k) != defaults.get(k) && !turned_off(k))
            .collect();
        if !idle.is_empty() {
            eprintln!(
                "note: the settings {} act only on a monitoring set, and this run watches none \
                 (--monitor none); add --monitor validation to use them",
                idle.join(", ")
            );
        }
    }
    let carved;
    let (fit_on, monitor_set, monitor_label) = match monitor {
        Monitor::Validation => {
            let f = plan.valid_fraction;
            if !(f > 0.0 && f < 1.0) {
                bail!("the validation carve-out must be a fraction in (0, 1), not {f}");
            }
            let (c, label) = match plan.valid_split {
                ValidSplit::Random => (split.carve_validation(f, plan.seed), "validation"),
                ValidSplit::PerUser => (
                    split.carve_validation_per_user(f, plan.seed, data.n_users()),
                    "validation-per-user",
                ),
            };
            carved = c;
            (&carved.train, Some(&carved.test), format!("{label}:{f}"))
        }
        Monitor::Test => (&split.train, Some(&split.test), "test".to_string()),
        Monitor::None => (&split.train, None, "none".to_string()),
    };

    // A model too large for this machine is refused before the run directory exists.
    registry::ensure_fits(
        &spec,
        gnnrec_models::memory::DataSize {
            n_users: data.n_users(),
            n_items: data.n_items(),
            n_train: fit_on.len(),
        },
    )?;
    let now = timefmt::now_unix();
    let (dir, resume) = match plan.resume.take() {
        Some(r) => (RunDir::open(&plan.out)?, Some(r)),
        None => {
            let out = if plan.out.as_os_str().is_empty() {
                PathBuf::from("runs").join(format!(
                    "{}-{}-{}",
                    spec.name(),
                    data.name,
                    timefmt::compact(now)
                ))
            } else {
                plan.out.clone()
            };
            (RunDir::create(&out)?, None)
        }
    };
    // A resumed run keeps the record of how it was made (its command, creation time and
    // dataset ids); a dataset that changed since is refused.
    let earlier = match &resume {
        Some(_) => {
            let c = dir.config()?;
            dir.check_ids(&c, &data)?;
            Some(c)
        }
        None => None,
    };
    let config = RunConfig {
        gnnrec_version: env!("CARGO_PKG_VERSION").into(),
        created: earlier
            .as_ref()
            .map_or_else(|| timefmt::rfc3339(now), |c| c.created.clone()),
        command: earlier
            .as_ref()
            .map_or_else(|| std::env::args().collect(), |c| c.command.clone()),
        // With --train / --test the files are the dataset: record their name, not --dataset's.
        dataset: if plan.data.own.train.is_some() {
            data.name.clone()
        } else {
            plan.data.dataset.clone()
        },
        data_dir: plan.data.data_dir.clone(),
        split: split.name.clone(),
        seed: plan.seed,
        ks: plan.ks.clone(),
        monitor: monitor_label.clone(),
        threads,
        n_users: data.n_users(),
        n_items: data.n_items(),
        n_train: fit_on.len(),
        model: spec.clone(),
        recipe: plan.recipe.clone(),
        dataset_options: plan.data.own.to_own_data(),
    };
    // The config and id maps go first, so that a checkpoint always has a run around it.
    dir.save_config(&config, &data)?;

    let (checkpoint, earlier_log) = match resume {
        Some((ck, log)) => (Some(ck), log),
        None => (None, Vec::new()),
    };
    let ctx = TrainContext {
        n_users: data.n_users(),
        n_items: data.n_items(),
        train: fit_on,
        monitor: monitor_set,
        rating_scale: data.rating_scale,
        user_features: data.user_features.as_ref(),
        item_features: data.item_features.as_ref(),
        seed: plan.seed,
        resume: checkpoint.as_ref(),
        device: plan.device,
    };
    if !quiet {
        eprintln!(
            "training {} on {} (split {}: {} train / {} test; monitor {monitor_label}; {threads} threads) into {}",
            spec.name(),
            data.name,
            split.name,
            split.train.len(),
            split.test.len(),
            dir.path().display()
        );
    }
    // Training time counts the epochs of earlier sessions of a resumed run.
    let earlier_seconds: f64 = earlier_log.iter().map(|r| r.seconds).sum();
    let mut progress = Progress::new(quiet, dir.path().to_path_buf(), earlier_log);
    let t0 = Instant::now();
    let model = registry::train(&spec, &ctx, &mut progress)?;
    let train_seconds = t0.elapsed().as_secs_f64() + earlier_seconds;
    let (evaluated_on, sample);
    let scored = match plan.eval_users {
        Some(n) => {
            let (s, label) = sample_test_users(&split.test, n, plan.seed);
            (evaluated_on, sample) = (label, s);
            sample.as_ref().unwrap_or(&split.test)
        }
        None => {
            evaluated_on = "test".to_string();
            &split.test
        }
    };
    let m = test_metrics(model.as_ref(), &data, &split.train, scored, &plan.ks);

    dir.save_model(&config, &data, &split.train, model.as_ref())?;
    dir.write_log(&progress.log)?;
    let metrics = RunMetrics {
        dataset: data.name.clone(),
        model: spec.name().into(),
        split: split.name.clone(),
        evaluated_on,
        monitor: monitor_label,
        metrics: m.flat.clone(),
        ranking: Some(m.ranking.clone()),
        rating: m.rating,
        cold_pairs: m.cold_pairs,
        load_seconds,
        train_seconds,
        eval_seconds: m.seconds,
        epochs: spec.is_iterative().then_some(progress.log.len()),
        test_evaluations: 1 + match monitor {
            Monitor::Test => progress.log.iter().filter(|r| r.metrics.is_some()).count(),
            _ => 0,
        },
    };
    dir.write_json("metrics.json", &metrics)?;

    Ok(Trained {
        epoch_seconds: progress.log.iter().map(|r| r.seconds).collect(),
        spec,
        data,
        split,
        dir,
        metrics,
        test: m,
        model,
    })
}

/// The thread count of the run `--resume` continues, if any: a resumed run keeps it (results
/// are identical for the same seed and threads) unless --threads says otherwise.
pub(crate) fn resumed_threads(args: &TrainArgs) -> Result<Option<usize>> {
    args.resume
        .as_ref()
        .map(|p| Ok(RunDir::open(p)?.config()?.threads))
        .transpose()
}

pub fn run(args: &TrainArgs) -> Result<()> {
    let threads = set_threads(args.threads.or(resumed_threads(args)?))?;
    let plan = match &args.resume {
        Some(path) => Plan::resume(args, path)?,
        None => Plan::fresh(args)?,
    };
    let done = execute(plan, args.quiet, threads)?;
    let (spec, data, split, dir, metrics, m) = (
        &done.spec,
        &done.data,
        &done.split,
        &done.dir,
        &done.metrics,
        &done.test,
    );
    let train_seconds = metrics.train_seconds;
    let model = &done.model;
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
    print_samples(model.as_ref(), data, split, 3, 5);
    println!("\nrun saved to {}", dir.path().display());
    println!(
        "next: gnnrec recommend --run {} --user {}",
        dir.path().display(),
        data.users
            .raw(split.test.users.first().copied().unwrap_or(0))
    );
    Ok(())
}
