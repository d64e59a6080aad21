//! A [`Training`] carried out as small named steps: load the data, decide what to watch,
//! carve it, check the memory, open the run directory, record the configuration, fit,
//! evaluate on test, save.

use std::path::PathBuf;
use std::time::Instant;

use gnnrec_data::{Dataset, Interactions, Split};
use gnnrec_models::memory::DataSize;
use gnnrec_models::{Configured, ModelSpec, Observer, Silent, TrainContext, TrainedModel};

use crate::choices::{Monitor, ValidSplit};
use crate::error::{Result, bail};
use crate::evaluation::{TestMetrics, test_metrics};
use crate::record::{RunConfig, RunMetrics};
use crate::run_dir::{METRICS_FILE, RunDir};
use crate::source::{rows_of_users, test_users_shuffled};
use crate::timefmt;
use crate::training::plan::{DataInput, Resume, Training};
use crate::training::recorder::Recorder;

/// What a training leaves: the trained model, its run directory and test metrics.
pub struct TrainedRun {
    /// The model and its settings.
    pub spec: ModelSpec,
    /// The dataset.
    pub data: Dataset,
    /// The split trained and tested on.
    pub split: Split,
    /// The run directory written.
    pub dir: RunDir,
    /// What `metrics.json` holds.
    pub metrics: RunMetrics,
    /// The test metrics in full.
    pub test: TestMetrics,
    /// The trained model.
    pub model: Box<dyn TrainedModel>,
    /// Seconds of each epoch (iterative models; what the training time is beyond them is
    /// setup: graphs, initialisation).
    pub epoch_seconds: Vec<f64>,
}

impl Training {
    /// Trains, evaluates on the test split and writes the run directory, silently.
    pub fn run(self) -> Result<TrainedRun> {
        execute(self, &mut Silent)
    }

    /// As [`Training::run`], reporting progress, notes and checkpoints to `observer`.
    pub fn run_with(self, observer: &mut dyn Observer) -> Result<TrainedRun> {
        execute(self, observer)
    }
}

/// Trains the plan's model (or continues it), evaluates it on the test split and saves the
/// run directory; `obs` hears every epoch, step, note and checkpoint.
pub fn execute(mut plan: Training, obs: &mut dyn Observer) -> Result<TrainedRun> {
    let spec = plan.spec.clone();
    let (data, split, load_seconds) = load_data(&plan.data)?;
    let monitor = effective_monitor(&spec, plan.monitor, obs);
    note_idle_settings(&spec, monitor, obs)?;
    let watched = Watched::carve(&plan, monitor, &data, &split)?;
    let (fit_on, monitor_set) = watched.sets(&split);
    let configured = check_fits(&spec, &data, fit_on)?;
    let (dir, resume) = open_dir(&mut plan, &spec, &data)?;
    let config = record_config(
        &plan,
        resume.as_ref(),
        &dir,
        &data,
        &split,
        fit_on.len(),
        &watched.label,
    )?;

    obs.message(&format!(
        "training {} on {} (split {}: {} train / {} test; monitor {}; {} threads) into {}",
        spec.name(),
        data.name,
        split.name,
        split.train.len(),
        split.test.len(),
        watched.label,
        config.threads,
        dir.path().display()
    ));
    let ctx = TrainContext::for_dataset(&data, fit_on)
        .with_monitor(monitor_set)
        .with_seed(plan.seed)
        .with_resume(resume.as_ref().map(|r| &r.checkpoint))
        .with_device(plan.device);
    let earlier_log = resume.as_ref().map(|r| r.log.clone()).unwrap_or_default();
    // Training time counts the epochs of earlier sessions of a resumed run.
    let earlier_seconds: f64 = earlier_log.iter().map(|r| r.seconds).sum();
    let mut recorder = Recorder::new(dir.clone(), earlier_log, obs);
    let t0 = Instant::now();
    let model = configured.train(&ctx, &mut recorder)?;
    let train_seconds = t0.elapsed().as_secs_f64() + earlier_seconds;
    let log = recorder.log;

    let (evaluated_on, test) = evaluate(&plan, model.as_ref(), &data, &split);
    dir.save_model(&config, &data, &split.train, model.as_ref())?;
    dir.write_log(&log)?;
    let metrics = RunMetrics {
        dataset: data.name.clone(),
        model: spec.name().into(),
        split: split.name.clone(),
        evaluated_on,
        monitor: watched.label,
        metrics: test.flat.clone(),
        ranking: Some(test.ranking.clone()),
        rating: test.rating,
        cold_pairs: test.cold_pairs,
        load_seconds,
        train_seconds,
        eval_seconds: test.seconds,
        epochs: spec.is_iterative().then_some(log.len()),
        test_evaluations: 1 + match monitor {
            Monitor::Test => log.iter().filter(|r| r.metrics.is_some()).count(),
            _ => 0,
        },
    };
    dir.write_json(METRICS_FILE, &metrics)?;
    Ok(TrainedRun {
        epoch_seconds: log.iter().map(|r| r.seconds).collect(),
        spec,
        data,
        split,
        dir,
        metrics,
        test,
        model,
    })
}

/// Step 1: the dataset and split, and the seconds loading took.
fn load_data(input: &DataInput) -> Result<(Dataset, Split, f64)> {
    let loading = Instant::now();
    let (data, split) = input.load()?;
    Ok((data, split, loading.elapsed().as_secs_f64()))
}

/// Step 2: what training watches. Iterative models may watch a held-out set; the others fit
/// on all of train.
fn effective_monitor(spec: &ModelSpec, asked: Monitor, obs: &mut dyn Observer) -> Monitor {
    if spec.is_iterative() {
        return asked;
    }
    if asked != Monitor::None {
        obs.message(&format!(
            "note: {} does not train in epochs, so it watches no monitoring set; \
             --monitor is ignored and it fits on all of train",
            spec.name()
        ));
    }
    Monitor::None
}

/// Settings that only act on a monitoring set do nothing without one: say so (not of
/// `eval_every = 0` or `patience = 0`, which turn them off).
fn note_idle_settings(spec: &ModelSpec, monitor: Monitor, obs: &mut dyn Observer) -> Result<()> {
    if monitor != Monitor::None || !spec.is_iterative() {
        return Ok(());
    }
    let defaults = ModelSpec::default_for(spec.name())?;
    let turned_off = |k: &str| k != "monitor_k" && spec.get(k).and_then(|v| v.as_u64()) == Some(0);
    let idle: Vec<&str> = ["patience", "eval_every", "monitor_k"]
        .into_iter()
        .filter(|k| spec.get(k).is_some() && spec.get(k) != defaults.get(k) && !turned_off(k))
        .collect();
    if !idle.is_empty() {
        obs.message(&format!(
            "note: the settings {} act only on a monitoring set, and this run watches none \
             (--monitor none); add --monitor validation to use them",
            idle.join(", ")
        ));
    }
    Ok(())
}

/// Step 3: the interactions the model fits on and the set it watches, carved from the split.
struct Watched {
    /// The validation carve-out (train minus validation, validation), if one is watched.
    carved: Option<Split>,
    /// Whether the test split is watched.
    test: bool,
    /// What `config.json` and `metrics.json` call it: `validation:F`,
    /// `validation-per-user:F`, `test` or `none`.
    label: String,
}

impl Watched {
    fn carve(plan: &Training, monitor: Monitor, data: &Dataset, split: &Split) -> Result<Watched> {
        Ok(match monitor {
            Monitor::Validation => {
                let f = plan.valid_fraction;
                if !(f > 0.0 && f < 1.0) {
                    bail!("the validation carve-out must be a fraction in (0, 1), not {f}");
                }
                let carved = match plan.valid_split {
                    ValidSplit::Random => split.carve_validation(f, plan.seed),
                    ValidSplit::PerUser => {
                        split.carve_validation_per_user(f, plan.seed, data.n_users())
                    }
                };
                Watched {
                    carved: Some(carved),
                    test: false,
                    label: plan.valid_split.label(f),
                }
            }
            Monitor::Test => Watched {
                carved: None,
                test: true,
                label: "test".into(),
            },
            Monitor::None => Watched {
                carved: None,
                test: false,
                label: "none".into(),
            },
        })
    }

    fn sets<'a>(&'a self, split: &'a Split) -> (&'a Interactions, Option<&'a Interactions>) {
        match &self.carved {
            Some(c) => (&c.train, Some(&c.test)),
            None if self.test => (&split.train, Some(&split.test)),
            None => (&split.train, None),
        }
    }
}

/// Step 4: the model's configuration, checked once, and a model too large for this machine
/// refused before the run directory exists.
fn check_fits(
    spec: &ModelSpec,
    data: &Dataset,
    fit_on: &Interactions,
) -> Result<Box<dyn Configured>> {
    let configured = spec.configure()?;
    configured.ensure_fits(DataSize {
        n_users: data.n_users(),
        n_items: data.n_items(),
        n_train: fit_on.len(),
    })?;
    Ok(configured)
}

/// Step 5: the run directory — a new one (named after model, dataset and time unless
/// given), or the resumed run's, whose dataset must not have changed since.
fn open_dir(
    plan: &mut Training,
    spec: &ModelSpec,
    data: &Dataset,
) -> Result<(RunDir, Option<Resume>)> {
    match plan.resume.take() {
        Some(r) => {
            let dir = RunDir::open(plan.out.as_deref().unwrap_or(std::path::Path::new("")))?;
            dir.check_ids(&r.config, data)?;
            Ok((dir, Some(r)))
        }
        None => {
            let out = plan.out.clone().unwrap_or_else(|| {
                PathBuf::from("runs").join(format!(
                    "{}-{}-{}",
                    spec.name(),
                    data.name,
                    timefmt::compact(timefmt::now_unix())
                ))
            });
            Ok((RunDir::create(&out)?, None))
        }
    }
}

/// Step 6: `config.json` and the id maps, written first so that a checkpoint always has a
/// run around it. A resumed run keeps the record of how it was made (its command and
/// creation time).
fn record_config(
    plan: &Training,
    resume: Option<&Resume>,
    dir: &RunDir,
    data: &Dataset,
    split: &Split,
    n_train: usize,
    monitor_label: &str,
) -> Result<RunConfig> {
    let earlier = resume.map(|r| &r.config);
    let (dataset, data_dir, own) = match &plan.data {
        // With --train / --test the files are the dataset: record their name, not --dataset's.
        DataInput::Source(s) if s.own.train.is_some() => {
            (data.name.clone(), s.data_dir.clone(), s.own.clone())
        }
        DataInput::Source(s) | DataInput::Sourced(_, s) => {
            (s.dataset.clone(), s.data_dir.clone(), s.own.clone())
        }
        DataInput::Loaded(_) => (data.name.clone(), None, Default::default()),
    };
    let config = RunConfig {
        gnnrec_version: env!("CARGO_PKG_VERSION").into(),
        created: earlier.map_or_else(
            || timefmt::rfc3339(timefmt::now_unix()),
            |c| c.created.clone(),
        ),
        command: earlier.map_or_else(|| plan.command.clone(), |c| c.command.clone()),
        dataset,
        data_dir,
        split: split.name.clone(),
        seed: plan.seed,
        ks: plan.ks.clone(),
        monitor: monitor_label.to_string(),
        // The pool the training runs on, unless the plan says (a resumed run keeps its own).
        threads: plan.threads.unwrap_or_else(rayon::current_num_threads),
        n_users: data.n_users(),
        n_items: data.n_items(),
        n_train,
        model: plan.spec.clone(),
        recipe: plan.recipe.clone(),
        dataset_options: own,
    };
    dir.save_config(&config, data)?;
    Ok(config)
}

/// Step 8: the test metrics — on every test user, or on a seeded sample of them — and the
/// label that says what was evaluated.
fn evaluate(
    plan: &Training,
    model: &dyn TrainedModel,
    data: &Dataset,
    split: &Split,
) -> (String, TestMetrics) {
    let sample = plan.eval_users.and_then(|n| {
        let users = test_users_shuffled(&split.test, plan.seed);
        let total = users.len();
        (n < total).then(|| {
            (
                rows_of_users(&split.test, &users[..n], true),
                format!("test, a seeded sample of {n} of {total} users"),
            )
        })
    });
    let (scored, label) = match &sample {
        Some((s, label)) => (s, label.clone()),
        None => (&split.test, "test".to_string()),
    };
    (
        label,
        test_metrics(model, data, &split.train, scored, &plan.ks),
    )
}
