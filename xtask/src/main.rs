//! Project automation for gnnrec: `cargo xtask bench`, `cargo xtask load` (the server's
//! load test) and `cargo xtask scale` (cost as the data grows).
//!
//! `cargo xtask bench [--quick | --full] [--only PATTERN]` runs the criterion benches of the
//! crates and an end-to-end suite of `gnnrec train` runs (every model × dataset we report, fixed
//! seeds), then regenerates the generated part of `docs/results.md`, `docs/results.json` and the
//! plots in `docs/plots/`. Products and steps are reported as multiples of xtask's own
//! independent product kernel (`product_probe`), measured in the same invocation; a time that
//! regresses the previous result of the same benchmark or run by more than 20% is flagged
//! only where both were measured on the same machine in the same state (`report/compare.rs`).
//! Results are written after every benchmark and run, so an interrupted `--full` keeps what it
//! finished. `cargo xtask probes` measures the floor alone and the project's product against
//! it, interleaved, on every core and on one.
//!
//! xtask sits on top of the workspace: it drives the `gnnrec` binary and `cargo bench` as a user
//! would, reads runs through the run layer, and calls the project's product directly only to
//! set it against the floor.

mod benches;
mod files;
mod floor;
#[cfg(test)]
mod layering;
mod load;
mod machine;
mod probes;
mod probes_task;
mod process;
mod product_probe;
mod pyg;
mod report;
mod scale;
mod suite;

use std::path::PathBuf;

/// The allocator the `gnnrec` binary uses: with the system's, an 18 MB table sits on 4 KiB pages
/// (this machine's transparent huge pages are `madvise` only) and the floor kernel ran 1.3× slower
/// than the same product under mimalloc, whose large blocks get huge pages.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

/// gnnrec's project tasks.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Run the criterion benches and the end-to-end suite; regenerate docs/results.md,
    /// docs/results.json and docs/plots/.
    #[command(after_help = "Examples:\n  \
        cargo xtask bench --quick                # before a commit that touches a hot path (< 15 min)\n  \
        cargo xtask bench --full                 # the paper-table reproduction (hours)\n  \
        cargo xtask bench --quick --only ml-100k # the runs and benches whose id contains ml-100k")]
    Bench(BenchArgs),
    /// Load-test `gnnrec serve` on a run with a real HTTP load generator (oha): throughput and
    /// p50 / p99 latency at each concurrency, beside the floor of one request.
    #[command(after_help = "Example:\n  \
        cargo build --release -p gnnrec && cargo xtask load --run runs/lightgcn-gowalla")]
    Load(load::LoadArgs),
    /// Cost as the data grows: synthetic sets from 1M to 30M interactions; load, graph, one
    /// LightGCN epoch, evaluation, GF-CF's fit and peak memory at each; a table, the log–log
    /// slopes and a plot (resumes where an interrupted run stopped).
    #[command(after_help = "Example:\n  \
        cargo build --release -p gnnrec && cargo xtask scale --sizes 1M,3M,10M,30M")]
    Scale(scale::ScaleArgs),
    /// Measure this machine's probes (those `bench` runs first): streaming and gather
    /// bandwidths, the independent floor of one gowalla product (every variant), and the
    /// project's product against it, timed in alternating rounds on every core and on one.
    Probes(ProbesArgs),
}

/// Arguments of `cargo xtask probes`.
#[derive(Debug, Args)]
pub struct ProbesArgs {
    /// Alternating rounds of the floor and the project's product.
    #[arg(long, default_value_t = 15)]
    pub rounds: usize,
    /// Print JSON instead of lines for people.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `cargo xtask bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Small datasets and few epochs; criterion in its quick mode (the default).
    #[arg(long, conflicts_with = "full")]
    pub quick: bool,
    /// Every dataset with the reported recipes, gowalla included (hours).
    #[arg(long)]
    pub full: bool,
    /// Only the benches and runs whose id contains PATTERN (e.g. `gcn`, `ml-100k`, `lightgcn_step`).
    #[arg(long, value_name = "PATTERN")]
    pub only: Option<String>,
    /// Skip the runs and the bench targets whose id contains PATTERN (e.g. `gowalla`).
    #[arg(long, value_name = "PATTERN")]
    pub skip: Option<String>,
    /// Skip the criterion benches.
    #[arg(long)]
    pub no_criterion: bool,
    /// Skip the end-to-end runs.
    #[arg(long)]
    pub no_suite: bool,
    /// Exit non-zero when a result regresses by more than 20% (it is flagged either way).
    #[arg(long)]
    pub fail_on_regression: bool,
    /// Also time PyTorch Geometric's LightGCN step (xtask/pyg/lightgcn_step.py) with this
    /// Python, which must have torch and torch_geometric: the ratio to ours, in one window.
    #[arg(long, value_name = "PYTHON")]
    pub pyg: Option<PathBuf>,
    /// Data directory for the runs [default: $GNNREC_DATA, else ./data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

impl BenchArgs {
    /// The data directory: `--data-dir`, else `$GNNREC_DATA`, else `./data`.
    pub fn data_dir(&self) -> PathBuf {
        data_dir(self.data_dir.as_deref())
    }

    /// Whether an id passes `--only`.
    pub fn selects(&self, id: &str) -> bool {
        self.only.as_deref().is_none_or(|p| id.contains(p))
            && self.skip.as_deref().is_none_or(|p| !id.contains(p))
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.task {
        Task::Bench(args) => bench(&args),
        Task::Load(args) => load::run(&args, &workspace_root()),
        Task::Scale(args) => scale::run(&args, &workspace_root()),
        Task::Probes(args) => probes_task::run(&args, &data_dir(None)),
    }
}

/// `explicit`, else `$GNNREC_DATA`, else `./data` — where the `gnnrec` binary looks too.
fn data_dir(explicit: Option<&std::path::Path>) -> PathBuf {
    explicit
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("GNNREC_DATA").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("data"))
}

/// The workspace root (xtask's parent folder).
fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn bench(args: &BenchArgs) -> Result<()> {
    let root = workspace_root();
    std::env::set_current_dir(&root).with_context(|| format!("entering {}", root.display()))?;
    let mode = if args.full { "full" } else { "quick" };
    let mut report = report::Report::open(&root.join("docs"), mode)?;
    let (probes, floor) = probes::measure(&args.data_dir())?;
    eprintln!("machine probes: {}", probes.summary());
    report.header.probes = Some(probes);
    eprintln!(
        "xtask bench --{mode}: {} on {} ({})",
        report.header.commit, report.header.machine.cpu, report.header.date
    );
    if !args.no_criterion {
        benches::run(args, &mut report, floor.as_ref())?;
    }
    if let Some(python) = &args.pyg {
        pyg::run(python, args, &root, &mut report)?;
    }
    if !args.no_suite {
        suite::run(args, &root, &mut report, floor.as_ref())?;
    }
    report.write()?;
    let floors = report.against_floor();
    if let Some(r) = report::speedup_over_pyg(&floors) {
        eprintln!("our paper-settings step is {r:.1}× faster than PyG's (same invocation)");
    }
    for f in floors {
        eprintln!(
            "{}: {} per unit = {:.1} × its floor of {} ({})",
            f.id,
            report::secs(f.seconds),
            f.multiple,
            report::secs(f.floor_seconds),
            f.work
        );
    }
    let flagged = report.flagged().to_vec();
    for f in &flagged {
        eprintln!("REGRESSION: {f}");
    }
    eprintln!(
        "wrote docs/results.md, docs/results.json and docs/plots/; {} regression(s) over 20%",
        flagged.len()
    );
    if args.fail_on_regression && !flagged.is_empty() {
        bail!("{} result(s) regressed by more than 20%", flagged.len());
    }
    Ok(())
}
