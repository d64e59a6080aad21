//! The arguments of the commands over saved runs: `eval`, `recommend`, `serve`, `pack`, `plot`.

use std::path::PathBuf;

use clap::Args;

use super::*;

/// Arguments of `gnnrec serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A run directory to serve, as DIR (served under its folder's name) or NAME=DIR; repeat
    /// for several. The first is the default run of requests that name none.
    #[arg(long = "run", value_name = "[NAME=]DIR", required = true)]
    pub runs: Vec<String>,
    /// Address to listen on (port 0: any free port, printed at start). Loopback by default.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// A file holding the API key every request must carry (`Authorization: Bearer KEY` or
    /// `X-API-Key: KEY`); /healthz, /readyz and the page at / need none (the page asks for it).
    #[arg(long, value_name = "FILE")]
    pub api_key_file: Option<PathBuf>,
    /// A file holding the key of the admin routes (POST /admin/reload; `X-Admin-Key: KEY` or
    /// `Authorization: Bearer KEY`). Without it the admin routes answer 403 (SIGHUP still
    /// reloads every run from its folder).
    #[arg(long, value_name = "FILE")]
    pub admin_key_file: Option<PathBuf>,
    /// The folder POST /admin/reload may load runs from (by a path relative to it, or an
    /// absolute one inside it; no `..`, no symbolic link out). Without it a reload only
    /// re-reads a served run's own folder.
    #[arg(long, value_name = "DIR")]
    pub runs_root: Option<PathBuf>,

    /// Serve on a non-loopback --addr without an API key: anyone who can reach the address
    /// may query (and, with the admin routes, reload) the server. Refused unless given.
    #[arg(long)]
    pub insecure_no_key: bool,
    /// Requests handled at once; beyond, 503 with Retry-After.
    #[arg(long, default_value_t = 512)]
    pub max_concurrency: usize,
    /// Requests still running after this many milliseconds are answered 503.
    #[arg(long, default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// Largest request body in bytes (413 beyond).
    #[arg(long, default_value_t = 1 << 20)]
    pub max_body: usize,
    /// Queries scored together at most (micro-batching).
    #[arg(long, default_value_t = 256)]
    pub max_batch: usize,
    /// Worker threads of the scoring [default: all cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// No access log on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Arguments of `gnnrec pack`.
#[derive(Debug, Args)]
pub struct PackArgs {
    /// The run directory.
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// Data directory [default: the run's, else $GNNREC_DATA, else ./data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// Arguments of `gnnrec plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// The run directory.
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// The SVG file to write.
    #[arg(long, value_name = "FILE.svg")]
    pub out: PathBuf,
}

/// Arguments of `gnnrec eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The run directory.
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// Cut-offs K, comma-separated [default: the run's].
    #[arg(long, value_delimiter = ',', value_parser = cutoff)]
    pub k: Option<Vec<usize>>,
    /// Data directory [default: the run's, else $GNNREC_DATA, else ./data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// What to recommend for a user the run does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Fallback {
    /// Fail with an error.
    None,
    /// Recommend the most popular training items.
    Popular,
}

/// Arguments of `gnnrec recommend`.
#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// The run directory.
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// The user's raw id, as in the dataset.
    #[arg(
        long,
        required_unless_present = "all_users",
        conflicts_with = "all_users"
    )]
    pub user: Option<String>,
    /// Every test user's top K, written as CSV `user,item,rank,score` (raw ids, rank from 1).
    #[arg(long, requires = "out")]
    pub all_users: bool,
    /// Output CSV for --all-users.
    #[arg(long, value_name = "FILE.csv")]
    pub out: Option<PathBuf>,
    /// How many items (≥ 1).
    #[arg(long, default_value_t = 10, value_parser = cutoff)]
    pub k: usize,
    /// For an unknown user.
    #[arg(long, value_enum, default_value_t = Fallback::None)]
    pub fallback: Fallback,
    /// Data directory [default: the run's, else $GNNREC_DATA, else ./data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
