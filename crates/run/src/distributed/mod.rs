//! A training across the ranks of a distributed run: `mpirun -n N gnnrec train
//! --distributed …` (the CLI hands this module an MPI communicator; tests hand it in-process
//! ranks).
//!
//! Steps, every one a collective:
//! 1. each rank reads its share of the data (by byte ranges: [`gnnrec_dist::adjacency::load`]
//!    for the adjacency-list datasets, [`gnnrec_dist::split_files::load`] for ml-100k's official
//!    splits, [`gnnrec_dist::own_files`] for a user's own CSV / TSV files split at random or
//!    given as a training and a test file; other formats and splits are loaded whole on every
//!    rank and then cut, [`ShardedData::from_loaded`]);
//! 2. what an iterative model watches: with `--monitor validation`, each rank carves its
//!    users' validation rows, at random or `--valid-split per-user` ([`gnnrec_dist::carve`]:
//!    the single process's carve-out, the same seed); with `--monitor test`, its users' test
//!    rows;
//! 3. the model trains across ranks ([`gnnrec_models::Configured::train_sharded`]), watching
//!    that set every `eval_every` epochs and keeping the best epoch;
//! 4. each rank ranks its own test users (or those of the single process's seeded sample,
//!    `--eval-users`) against every item, in rounds of
//!    [`gnnrec_models::sharded::SCORE_BLOCK`] users per rank; the metric sums are added over
//!    the ranks ([`gnnrec_models::sharded::evaluate_sharded`]);
//! 5. rank 0 writes the run directory a single process writes (config, id maps, weights,
//!    serving files, metrics) plus `distributed.json` (what each rank held and sent) into a
//!    temporary sibling folder, renamed into place only when everything is written: a
//!    failed or killed job leaves no half-written run.
//!
//! Errors every rank meets alike (a bad file, an unknown model, a model without a
//! distributed form) are returned on every rank. What one rank meets alone the caller ends
//! with [`gnnrec_dist::Comm::abort`].

use std::path::{Path, PathBuf};
use std::time::Instant;

use gnnrec_data::loaders::delimited;
use gnnrec_data::{Interactions, SplitSpec, registry};
use gnnrec_dist::{Comm, CommExt, ShardedData};
use gnnrec_models::sharded::{ShardContext, gather_history};
use gnnrec_models::{EpochRecord, ModelSpec, Weights};
use serde::{Deserialize, Serialize};

mod monitoring;
mod test_ranking;

use monitoring::{report_evaluations, watched};
use test_ranking::{evaluate, test_sample};

use crate::choices::{Monitor, ValidSplit};
use crate::error::{Context, Result, RunError, bail};
use crate::record::{RunConfig, RunMetrics};
use crate::run_dir::{METRICS_FILE, MODEL_FILE, RunDir};
use crate::source::DataSource;
use crate::timefmt;

/// The file of a distributed run that says how it was cut.
pub const DISTRIBUTED_FILE: &str = "distributed.json";

/// The folder of a distributed run's checkpoints (each rank's shard, rank 0's manifest) and
/// of `plan.json`, what `--resume` continues.
pub const CHECKPOINT_DIR: &str = "checkpoint";

/// What `checkpoint/plan.json` records of a distributed training, for `--resume`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PlanRecord {
    dataset: String,
    data_dir: Option<PathBuf>,
    split: Option<String>,
    #[serde(default)]
    dataset_options: registry::OwnData,
    model: ModelSpec,
    seed: u64,
    ks: Vec<usize>,
    command: Vec<String>,
    #[serde(default = "no_monitor")]
    monitor: Monitor,
    #[serde(default = "default_valid_fraction")]
    valid_fraction: f64,
    #[serde(default)]
    valid_split: ValidSplit,
    #[serde(default)]
    eval_users: Option<usize>,
}

fn no_monitor() -> Monitor {
    Monitor::None
}

fn default_valid_fraction() -> f64 {
    0.1
}

/// A distributed training planned.
#[derive(Debug, Clone)]
pub struct DistributedTraining {
    /// The data.
    pub data: DataSource,
    /// The model and its settings.
    pub spec: ModelSpec,
    /// The seed (the same on every rank).
    pub seed: u64,
    /// Cut-offs of the test metrics.
    pub ks: Vec<usize>,
    /// The run directory [default: `runs/<model>-<dataset>-<time>`].
    pub out: Option<PathBuf>,
    /// The command line, for `config.json`.
    pub command: Vec<String>,
    /// Whether this continues the interrupted run in `out` from its last checkpoint.
    pub resume: bool,
    /// What an iterative model watches: a validation carve-out, the test split, or nothing.
    pub monitor: Monitor,
    /// Share of train carved out for `Monitor::Validation`, in (0, 1).
    pub valid_fraction: f64,
    /// How the carve-out is made: at random or per user, as one process makes it.
    pub valid_split: ValidSplit,
    /// Rank only the single process's seeded sample of this many test users (each rank its
    /// own among them); `None`: every test user.
    pub eval_users: Option<usize>,
}

/// What one rank held, sent and used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankReport {
    /// The rank.
    pub rank: usize,
    /// Users it owned.
    pub users: usize,
    /// Their training interactions.
    pub train: usize,
    /// Their test interactions.
    pub test: usize,
    /// Bytes it handed to collectives (loading, training, evaluation, saving).
    pub bytes_sent: u64,
    /// Its peak resident memory in MiB (`VmHWM`), where the system reports it.
    pub peak_rss_mib: Option<f64>,
}

/// `distributed.json`: how a distributed run was cut.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardReport {
    /// Ranks.
    pub ranks: usize,
    /// How the data was read: `byte ranges` or `whole on every rank`.
    pub data_read: String,
    /// Each rank's share.
    pub per_rank: Vec<RankReport>,
}

/// What a distributed training leaves, on every rank.
#[derive(Debug, Clone)]
pub struct DistributedRun {
    /// The run directory (written by rank 0).
    pub dir: PathBuf,
    /// The metrics, summed over the ranks (the same on every rank).
    pub metrics: RunMetrics,
    /// How it was cut (on rank 0; only this rank's entry elsewhere).
    pub report: ShardReport,
}

impl DistributedTraining {
    /// The interrupted distributed run in `dir`, to continue from its last complete
    /// checkpoint (with as many ranks as wrote it).
    pub fn resume(dir: &Path) -> Result<DistributedTraining> {
        let p = dir.join(CHECKPOINT_DIR).join("plan.json");
        if dir.join(crate::run_dir::CONFIG_FILE).exists() {
            bail!(
                "{} holds a finished run; there is nothing to resume",
                dir.display()
            );
        }
        let text = std::fs::read_to_string(&p).with_context(|| {
            format!(
                "{} holds no distributed run to resume (no {})",
                dir.display(),
                p.display()
            )
        })?;
        let r: PlanRecord =
            serde_json::from_str(&text).with_context(|| format!("reading {}", p.display()))?;
        Ok(DistributedTraining {
            data: DataSource {
                dataset: r.dataset,
                data_dir: r.data_dir,
                split: r.split,
                own: r.dataset_options,
            },
            spec: r.model,
            seed: r.seed,
            ks: r.ks,
            out: Some(dir.to_path_buf()),
            command: r.command,
            resume: true,
            monitor: r.monitor,
            valid_fraction: r.valid_fraction,
            valid_split: r.valid_split,
            eval_users: r.eval_users,
        })
    }

    /// Records the plan beside the checkpoints (rank 0).
    fn record_plan(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let r = PlanRecord {
            dataset: self.data.dataset.clone(),
            data_dir: self.data.data_dir.clone(),
            split: self.data.split.clone(),
            dataset_options: self.data.own.clone(),
            model: self.spec.clone(),
            seed: self.seed,
            ks: self.ks.clone(),
            command: self.command.clone(),
            monitor: self.monitor,
            valid_fraction: self.valid_fraction,
            valid_split: self.valid_split,
            eval_users: self.eval_users,
        };
        crate::run_dir::write_json(&dir.join("plan.json"), &r)
    }

    /// Trains, evaluates and saves across the ranks of `comm`; `say` hears progress (call it
    /// on rank 0 only to print once).
    pub fn run(&self, comm: &dyn Comm, say: &mut dyn FnMut(&str)) -> Result<DistributedRun> {
        if !self.spec.kind()?.distributed() {
            bail!(
                "{} has no distributed form; the models that train across ranks are {}",
                self.spec.name(),
                gnnrec_models::registry::distributed_models().join(", ")
            );
        }
        let iterative = self.spec.is_iterative();
        let monitor = if iterative {
            self.monitor
        } else {
            Monitor::None
        };
        if monitor != self.monitor {
            say(&format!(
                "note: {} does not train in epochs, so it watches no monitoring set; \
                 --monitor is ignored and it fits on all of train",
                self.spec.name()
            ));
        }
        if monitor == Monitor::Validation {
            let f = self.valid_fraction;
            if !(f > 0.0 && f < 1.0) {
                bail!("the validation carve-out must be a fraction in (0, 1), not {f}");
            }
        }
        let t_load = Instant::now();
        let (mut shard, data_read) = load_shard(&self.data, comm)?;
        let load_seconds = t_load.elapsed().as_secs_f64();
        let out = self.out.clone().unwrap_or_else(|| {
            PathBuf::from("runs").join(format!(
                "{}-{}-{}",
                self.spec.name(),
                shard.name,
                timefmt::compact(timefmt::now_unix())
            ))
        });
        // Rank 0's path for everyone (a default one is named after the time).
        let out = PathBuf::from(
            String::from_utf8_lossy(&comm.all_gather_bytes(out.to_string_lossy().as_bytes())[0])
                .into_owned(),
        );
        let taken = comm.rank() == 0 && out.join(crate::run_dir::CONFIG_FILE).exists();
        if comm.any(taken) {
            bail!(
                "{} already holds a run; choose another --out or remove it",
                out.display()
            );
        }
        let checkpoints = out.join(CHECKPOINT_DIR);
        let interrupted = comm.rank() == 0 && checkpoints.join("plan.json").exists();
        if comm.any(interrupted) && !self.resume {
            bail!(
                "{} holds an interrupted distributed run; continue it with `mpirun -n N gnnrec train --distributed --resume {}`, or choose another --out",
                out.display(),
                out.display()
            );
        }
        let recorded = if comm.rank() == 0 && iterative && !self.resume {
            self.record_plan(&checkpoints)
        } else {
            Ok(())
        };
        if comm.any(recorded.is_err()) {
            recorded?;
            bail!(
                "rank 0 could not record the plan in {}",
                checkpoints.display()
            );
        }
        let carved = (monitor == Monitor::Validation).then(|| {
            let (f, seed) = (self.valid_fraction, self.seed);
            match self.valid_split {
                ValidSplit::Random => gnnrec_dist::carve::carve_validation(&shard, f, seed, comm),
                ValidSplit::PerUser => {
                    gnnrec_dist::carve::carve_validation_per_user(&shard, f, seed, comm)
                }
            }
        });
        // The rows' places in the single process's train served the carve-out alone.
        shard.train_positions = Vec::new();
        let (fit_on, watched, label) = watched(&shard.split, carved.as_ref(), monitor, self);
        let n_train = comm.sum_u64(shard.split.train.len() as u64) as usize;
        let n_test = comm.sum_u64(shard.split.test.len() as u64) as usize;
        let n_fit = comm.sum_u64(fit_on.len() as u64) as usize;
        say(&format!(
            "training {} on {} across {} ranks (split {}: {n_train} train / {n_test} test; monitor {label}; data read {data_read}) into {}",
            self.spec.name(),
            shard.name,
            comm.size(),
            shard.split.name,
            out.display()
        ));
        let configured = self.spec.configure()?;
        let ctx = ShardContext {
            comm,
            n_users: shard.n_users(),
            n_items: shard.n_items(),
            own: shard.own_users(),
            train: fit_on,
            monitor: watched,
            seed: self.seed,
            checkpoints: iterative.then_some(checkpoints.as_path()),
        };
        let t_train = Instant::now();
        let model = configured.train_sharded(&ctx)?;
        let train_seconds = t_train.elapsed().as_secs_f64();
        let log = model.log();
        report_evaluations(&log, &label, say);
        say(&format!("trained in {train_seconds:.1} s; evaluating"));
        let t_eval = Instant::now();
        let (evaluated_on, scored) = test_sample(&shard, self.eval_users, self.seed, comm);
        let ranking = evaluate(model.as_ref(), &shard, scored.as_ref(), &self.ks, comm);
        let eval_seconds = t_eval.elapsed().as_secs_f64();
        let metrics = RunMetrics {
            dataset: shard.name.clone(),
            model: self.spec.name().into(),
            split: shard.split.name.clone(),
            evaluated_on,
            monitor: label.clone(),
            metrics: ranking.to_map(),
            ranking: Some(ranking),
            rating: None,
            cold_pairs: None,
            load_seconds,
            train_seconds,
            eval_seconds,
            epochs: iterative.then_some(log.len()),
            test_evaluations: 1 + match monitor {
                Monitor::Test => log.iter().filter(|r| r.metrics.is_some()).count(),
                _ => 0,
            },
        };
        let weights = model.weights();
        let seen = gather_history(&shard.split.train, comm);
        let mine = RankReport {
            rank: comm.rank(),
            users: shard.own_users().len(),
            train: shard.split.train.len(),
            test: shard.split.test.len(),
            bytes_sent: comm.bytes_sent(),
            peak_rss_mib: peak_rss_mib(),
        };
        let reports = comm.gather_bytes_to_root(serde_json::to_vec(&mine).unwrap_or_default());
        let mut report = ShardReport {
            ranks: comm.size(),
            data_read: data_read.into(),
            per_rank: vec![mine],
        };
        let mut written = Ok(());
        if let (Some(weights), Some(seen)) = (weights, seen) {
            report.per_rank = reports
                .iter()
                .filter_map(|b| serde_json::from_slice(b).ok())
                .collect();
            let config = RunConfig {
                gnnrec_version: env!("CARGO_PKG_VERSION").into(),
                created: timefmt::rfc3339(timefmt::now_unix()),
                command: self.command.clone(),
                dataset: self.data.dataset.clone(),
                data_dir: self.data.data_dir.clone(),
                split: shard.split.name.clone(),
                seed: self.seed,
                ks: self.ks.clone(),
                monitor: label.clone(),
                threads: rayon::current_num_threads(),
                n_users: shard.n_users(),
                n_items: shard.n_items(),
                n_train: n_fit,
                model: self.spec.clone(),
                recipe: None,
                dataset_options: self.data.own.clone(),
            };
            written = write_run(
                &out,
                &config,
                &shard,
                (&weights, &seen, &log),
                &metrics,
                &report,
            );
        }
        // Every rank learns whether rank 0 wrote the run.
        if comm.any(written.is_err()) {
            written?;
            bail!("rank 0 could not write the run directory {}", out.display());
        }
        Ok(DistributedRun {
            dir: out,
            metrics,
            report,
        })
    }
}

/// Step 1: this rank's share of the data, and how it was read.
fn load_shard(data: &DataSource, comm: &dyn Comm) -> Result<(ShardedData, &'static str)> {
    let dir = registry::data_dir(data.data_dir.as_deref());
    let official = data.split.as_deref().is_none_or(|s| s == "train");
    if let Some(folder) = registry::adjacency_folder(&data.dataset, &dir, &data.own)
        && official
    {
        if !folder.is_dir() {
            // The single-process loader's message (which says how to obtain it).
            data.load()?;
        }
        let name = registry::known(&data.dataset).map_or_else(
            || {
                folder
                    .file_name()
                    .map_or(data.dataset.clone(), |s| s.to_string_lossy().into_owned())
            },
            |k| k.name.to_string(),
        );
        let shard = gnnrec_dist::adjacency::load(&folder, &name, comm)
            .with_context(|| format!("loading dataset `{}`", data.dataset))?;
        return Ok((shard, "by byte ranges"));
    }
    if let Some(files) =
        registry::split_files(&data.dataset, &dir, &data.own, data.split.as_deref())
    {
        let files = files.with_context(|| format!("loading dataset `{}`", data.dataset))?;
        let name = registry::known(&data.dataset).map_or(data.dataset.as_str(), |k| k.name);
        let shard = gnnrec_dist::split_files::load(name, &files, comm)
            .with_context(|| format!("loading dataset `{}`", data.dataset))?;
        return Ok((shard, "by byte ranges"));
    }
    if let Some(shard) = own_files_shard(data, comm)? {
        return Ok((shard, "by byte ranges"));
    }
    let (whole, split) = data.load()?;
    Ok((
        ShardedData::from_loaded(&whole, &split, comm),
        "whole on every rank",
    ))
}

/// Step 1 for a user's own files, read by byte ranges where the split allows: one file split
/// at random (its default, or `--split random:F:S`), or a training and a test file with their
/// own split; `None` for every other dataset or split (then loaded whole and cut).
fn own_files_shard(data: &DataSource, comm: &dyn Comm) -> Result<Option<ShardedData>> {
    let Some(files) = registry::own_files(&data.dataset, &data.own) else {
        return Ok(None);
    };
    let loading = || format!("loading dataset `{}`", data.dataset);
    let shard = match files.with_context(loading)? {
        registry::OwnFiles::One(file) => {
            let spec = match &data.split {
                None => delimited::DEFAULT_SPLIT,
                Some(s) => s.parse::<SplitSpec>().with_context(loading)?,
            };
            let SplitSpec::Random {
                test_fraction,
                seed,
            } = spec
            else {
                return Ok(None);
            };
            gnnrec_dist::own_files::load(&file, test_fraction, seed, comm)
        }
        registry::OwnFiles::Split { train, test } => {
            if data
                .split
                .as_deref()
                .is_some_and(|s| s != delimited::FILES_SPLIT)
            {
                return Ok(None);
            }
            gnnrec_dist::own_files::load_split(&train, &test, comm)
        }
    };
    Ok(Some(shard.with_context(loading)?))
}

/// Step 6 (rank 0): the run directory's files, written beside `out` and moved into it,
/// `config.json` last: a folder becomes a run (what `gnnrec eval` opens) only complete.
fn write_run(
    out: &Path,
    config: &RunConfig,
    shard: &ShardedData,
    (weights, seen, log): (&Weights, &Interactions, &[EpochRecord]),
    metrics: &RunMetrics,
    report: &ShardReport,
) -> Result<()> {
    let name = out
        .file_name()
        .map_or_else(|| "run".into(), |s| s.to_string_lossy().into_owned());
    let tmp = out.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let dir = RunDir::create(&tmp)?;
    let written = (|| -> Result<()> {
        dir.save_ids(shard.users.raw_ids(), shard.items.raw_ids())?;
        weights
            .save(&dir.file(MODEL_FILE))
            .map_err(|source| RunError::Model {
                path: tmp.display().to_string(),
                source,
            })?;
        dir.save_serving_files(seen, None)?;
        dir.write_log(log)?;
        dir.write_json(METRICS_FILE, metrics)?;
        dir.write_json(DISTRIBUTED_FILE, report)?;
        dir.write_json(crate::run_dir::CONFIG_FILE, config)?;
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(&tmp)
            .with_context(|| format!("reading {}", tmp.display()))?
            .flatten()
            .map(|e| e.path())
            .collect();
        // config.json last.
        files.sort_by_key(|p| p.ends_with(crate::run_dir::CONFIG_FILE));
        for f in files {
            let to = out.join(f.file_name().expect("a file name"));
            std::fs::rename(&f, &to)
                .with_context(|| format!("moving {} into {}", f.display(), out.display()))?;
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    written
}

/// This process's peak resident memory in MiB (`VmHWM` in `/proc/self/status`).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}
