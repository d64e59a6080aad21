//! A training, planned: the model, the data, the seed, what it watches, where it writes —
//! built with defaults ([`Training::new`]), from a recipe ([`Training::from_recipe`]), or
//! read back from an interrupted run ([`Training::resume`]).

use std::path::{Path, PathBuf};

use gnnrec_data::{Dataset, Split};
use gnnrec_models::{Checkpoint, DeviceSpec, EpochRecord, ModelSpec};

use crate::choices::{Monitor, ValidSplit};
use crate::error::{Context, Result, bail};
use crate::recipe::Recipe;
use crate::record::RunConfig;
use crate::run_dir::RunDir;
use crate::source::DataSource;

/// The cut-offs of a run when none are given.
pub const DEFAULT_KS: [usize; 2] = [10, 20];

/// The seed of a run when none is given.
pub const DEFAULT_SEED: u64 = 42;

/// The data a training runs on: a dataset to load, or one already in memory.
#[derive(Debug, Clone)]
pub enum DataInput {
    /// A dataset by name or path, loaded when the training runs.
    Source(DataSource),
    /// A dataset already loaded (or built from an `Interactions` value), with its split.
    Loaded(Box<(Dataset, Split)>),
    /// A dataset already loaded from this source, with its split: trained on as it is, and
    /// recorded in `config.json` as the source, so that `gnnrec eval` and `recommend` reload
    /// it (the Python package's `gnnrec.datasets.load`).
    Sourced(Box<(Dataset, Split)>, DataSource),
}

impl DataInput {
    /// The dataset and its split: loaded from the source, or a copy of those in memory.
    pub fn load(&self) -> Result<(Dataset, Split)> {
        match self {
            DataInput::Source(s) => s.load(),
            DataInput::Loaded(d) | DataInput::Sourced(d, _) => Ok((**d).clone()),
        }
    }
}

impl From<DataSource> for DataInput {
    fn from(s: DataSource) -> Self {
        DataInput::Source(s)
    }
}

impl From<&str> for DataInput {
    fn from(name: &str) -> Self {
        DataInput::Source(DataSource::named(name))
    }
}

impl From<String> for DataInput {
    fn from(name: String) -> Self {
        DataInput::Source(DataSource::named(name))
    }
}

impl From<(Dataset, Split)> for DataInput {
    fn from(d: (Dataset, Split)) -> Self {
        DataInput::Loaded(Box::new(d))
    }
}

/// Where a resumed run continues from: its record, its last checkpoint and its log up to it.
#[derive(Debug, Clone)]
pub struct Resume {
    /// The run's `config.json` as it was made (its command and creation time are kept).
    pub config: RunConfig,
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The per-epoch log up to the checkpoint.
    pub log: Vec<EpochRecord>,
}

/// A training, planned. Build it with [`Training::new`] and the `with_…` setters, then
/// [`Training::run`] it:
///
/// ```no_run
/// use gnnrec_models::ModelSpec;
/// use gnnrec_run::Training;
///
/// let spec = ModelSpec::default_for("lightgcn")?;
/// let done = Training::new("ml-latest-small", spec).with_seed(7).run()?;
/// println!("recall@20 {}", done.metrics.metrics["recall@20"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Training {
    /// The model and its settings.
    pub spec: ModelSpec,
    /// The data.
    pub data: DataInput,
    /// The seed of every random choice (splits carved, initialisation, sampling).
    pub seed: u64,
    /// The cut-offs of the test metrics.
    pub ks: Vec<usize>,
    /// What training watches to pick its best epoch (iterative models only).
    pub monitor: Monitor,
    /// The share of train carved out for `Monitor::Validation`.
    pub valid_fraction: f64,
    /// How that share is carved.
    pub valid_split: ValidSplit,
    /// The run directory [default: `runs/<model>-<dataset>-<time>`].
    pub out: Option<PathBuf>,
    /// The checkpoint to continue from.
    pub resume: Option<Resume>,
    /// Where LightGCN and MF-BPR train.
    pub device: DeviceSpec,
    /// The recipe file the run came from.
    pub recipe: Option<PathBuf>,
    /// Evaluate on a seeded sample of this many test users.
    pub eval_users: Option<usize>,
    /// The worker threads, as recorded in `config.json` [default: those of the rayon pool the
    /// training runs on, read when it runs — building a plan starts no pool].
    pub threads: Option<usize>,
    /// The command recorded in `config.json` [default: this process's arguments].
    pub command: Vec<String>,
}

impl Training {
    /// A training of `spec` on `data` (a dataset name, a [`DataSource`], or a loaded
    /// dataset and split) with every other setting at its default.
    pub fn new(data: impl Into<DataInput>, spec: ModelSpec) -> Training {
        Training {
            spec,
            data: data.into(),
            seed: DEFAULT_SEED,
            ks: DEFAULT_KS.to_vec(),
            monitor: Monitor::None,
            valid_fraction: 0.1,
            valid_split: ValidSplit::default(),
            out: None,
            resume: None,
            device: DeviceSpec::Cpu,
            recipe: None,
            eval_users: None,
            threads: None,
            command: std::env::args().collect(),
        }
    }

    /// The training a recipe file describes (its model, settings, dataset, split, seed and
    /// monitor).
    pub fn from_recipe(path: &Path) -> Result<Training> {
        let r = Recipe::load(path)?;
        let mut t = Training::new(
            DataSource {
                split: r.split.clone(),
                ..DataSource::named(r.dataset.clone())
            },
            r.spec()?,
        );
        t.seed = r.seed;
        t.monitor = r.monitor.unwrap_or(Monitor::None);
        t.valid_fraction = r.valid_fraction.unwrap_or(0.1);
        t.valid_split = r.valid_split.unwrap_or_default();
        t.recipe = Some(path.to_path_buf());
        Ok(t)
    }

    /// The training that continues the interrupted (or finished) run at `path` from its last
    /// checkpoint, with the run's settings, seed, split, monitor and thread count. `settings`
    /// may repeat the run's values; of the model's settings only `epochs` may change.
    pub fn resume(path: &Path, settings: &[(String, String)]) -> Result<Training> {
        let dir = RunDir::open(path)?;
        let config = dir.config()?;
        let Some(checkpoint) = dir.checkpoint()? else {
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
        for (k, v) in settings {
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
        let fraction = |f: &str| -> Result<f64> { f.parse().context("the run's monitor fraction") };
        let (monitor, valid_fraction, valid_split) = match config.monitor.split_once(':') {
            Some(("validation", f)) => (Monitor::Validation, fraction(f)?, ValidSplit::Random),
            Some(("validation-per-user", f)) => {
                (Monitor::Validation, fraction(f)?, ValidSplit::PerUser)
            }
            _ if config.monitor == "test" => (Monitor::Test, 0.0, ValidSplit::Random),
            _ => (Monitor::None, 0.0, ValidSplit::Random),
        };
        let mut log = dir.read_log()?;
        log.retain(|r| r.epoch <= checkpoint.epoch);
        let mut t = Training::new(DataSource::of_run(&config), spec);
        t.seed = config.seed;
        t.ks = config.ks.clone();
        t.monitor = monitor;
        t.valid_fraction = valid_fraction;
        t.valid_split = valid_split;
        t.out = Some(path.to_path_buf());
        t.recipe = config.recipe.clone();
        t.threads = Some(config.threads);
        t.resume = Some(Resume {
            config,
            checkpoint,
            log,
        });
        Ok(t)
    }

    /// The thread count of the run at `path` (what a resumed run keeps: results are
    /// identical for the same seed and threads).
    pub fn threads_of_run(path: &Path) -> Result<usize> {
        Ok(RunDir::open(path)?.config()?.threads)
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the cut-offs of the test metrics.
    pub fn with_ks(mut self, ks: &[usize]) -> Self {
        self.ks = ks.to_vec();
        self
    }

    /// Watches `monitor` during training; `Monitor::Validation` carves `fraction` of train
    /// (of each user's, with `ValidSplit::PerUser`).
    pub fn with_monitor(mut self, monitor: Monitor, fraction: f64, split: ValidSplit) -> Self {
        self.monitor = monitor;
        self.valid_fraction = fraction;
        self.valid_split = split;
        self
    }

    /// Writes the run to `dir`.
    pub fn with_out(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out = Some(dir.into());
        self
    }

    /// Trains on `device`.
    pub fn with_device(mut self, device: DeviceSpec) -> Self {
        self.device = device;
        self
    }

    /// Evaluates on a seeded sample of `n` test users.
    pub fn with_eval_users(mut self, n: usize) -> Self {
        self.eval_users = Some(n);
        self
    }

    /// Sets a model setting from its text (`"lr"`, `"0.005"`), checked like a flag.
    pub fn set(mut self, key: &str, value: &str) -> Result<Self> {
        self.spec.set(key, value)?;
        Ok(self)
    }
}
