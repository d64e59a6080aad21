//! The results: `docs/results.json` (kept between runs, one entry per benchmark and run id) and
//! the generated part of `docs/results.md`, rewritten after every result.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::files::write_atomic;

mod plots;
use crate::floor::AgainstFloor;
use crate::machine::{self, Machine};
use crate::probes::Probes;

/// A time that grows by more than this factor over the previous result is flagged.
pub const REGRESSION_FACTOR: f64 = 1.2;

/// Where and when the latest results were measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    /// The machine.
    pub machine: Machine,
    /// UTC date and time of the run's start.
    pub date: String,
    /// Git commit (with `-dirty` for uncommitted changes).
    pub commit: String,
    /// `quick` or `full`.
    pub mode: String,
    /// The machine probes of this run (absent in results of older versions).
    #[serde(default)]
    pub probes: Option<Probes>,
}

/// One criterion benchmark.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchEntry {
    /// Criterion's id, `group/function`.
    pub id: String,
    /// Mean seconds per iteration.
    pub mean_seconds: f64,
    /// Lower end of the 95% confidence interval of the mean.
    pub low_seconds: f64,
    /// Upper end of the 95% confidence interval of the mean.
    pub high_seconds: f64,
    /// The command that produced it.
    pub command: String,
    /// When, where, and against what.
    #[serde(flatten)]
    pub stamp: Stamp,
}

/// When and on which commit a result was measured, and how it compares with the one it
/// replaced.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stamp {
    /// When it was measured.
    pub date: String,
    /// On which commit.
    pub commit: String,
    /// The time (bench mean, or training seconds) of the result it replaced.
    pub previous_seconds: Option<f64>,
    /// Why it is flagged, if it regressed.
    pub regression: Option<String>,
    /// The same run's gather-probe time ([`Probes::gather_seconds`]) that the time is compared
    /// relative to (absent in results of older versions: those are not compared).
    #[serde(default)]
    pub probe_seconds: Option<f64>,
}

/// What the report needs of an entry to replace, compare and stamp it.
trait Entry {
    fn id(&self) -> &str;
    /// The time compared between runs; `None` when too short to compare.
    fn seconds(&self) -> Option<f64>;
    /// The least the new time can be, given its measurement noise: what must exceed the
    /// previous time by 20% to flag a regression.
    fn at_least(&self) -> f64;
    fn stamp(&mut self) -> &mut Stamp;
}

impl Entry for BenchEntry {
    fn id(&self) -> &str {
        &self.id
    }
    fn seconds(&self) -> Option<f64> {
        Some(self.mean_seconds)
    }
    /// The lower end of criterion's 95% interval: quick-mode means on a shared 2-core machine
    /// move by 20% between identical runs, their intervals much less.
    fn at_least(&self) -> f64 {
        self.low_seconds
    }
    fn stamp(&mut self) -> &mut Stamp {
        &mut self.stamp
    }
}

impl Entry for RunEntry {
    fn id(&self) -> &str {
        &self.id
    }
    /// Runs shorter than a second are too noisy to compare.
    fn seconds(&self) -> Option<f64> {
        Some(self.train_seconds).filter(|&s| s >= 1.0)
    }
    fn at_least(&self) -> f64 {
        self.train_seconds
    }
    fn stamp(&mut self) -> &mut Stamp {
        &mut self.stamp
    }
}

/// One end-to-end training run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunEntry {
    /// `mode/dataset/model`.
    pub id: String,
    /// `quick` or `full`.
    pub mode: String,
    /// Dataset name.
    pub dataset: String,
    /// Split name, as the run reported it.
    pub split: String,
    /// Model name.
    pub model: String,
    /// The `gnnrec` command line.
    pub command: String,
    /// Test metrics.
    pub metrics: BTreeMap<String, f64>,
    /// Training seconds.
    pub train_seconds: f64,
    /// Epochs trained (iterative models).
    pub epochs: Option<usize>,
    /// Training seconds per epoch.
    pub seconds_per_epoch: Option<f64>,
    /// Peak resident memory of the whole command, MiB.
    pub peak_rss_mib: f64,
    /// Wall seconds of the whole command.
    pub wall_seconds: f64,
    /// A published or measured number to compare with.
    pub reference: String,
    /// Training-curve plot, relative to `docs/`.
    pub curve: Option<String>,
    /// When, where, and against what.
    #[serde(flatten)]
    pub stamp: Stamp,
}

/// Everything in `docs/results.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    /// The latest run of `cargo xtask bench`.
    pub header: Header,
    /// Criterion benchmarks by id.
    pub benches: Vec<BenchEntry>,
    /// Training runs by id.
    pub runs: Vec<RunEntry>,
}

/// The results being updated by this invocation.
pub struct Report {
    docs: PathBuf,
    /// This invocation's header.
    pub header: Header,
    results: Results,
    flagged: Vec<String>,
}

/// The marker lines around the generated part of `docs/results.md`.
const BEGIN: &str = "<!-- BEGIN cargo xtask bench: generated, do not edit by hand -->";
const END: &str = "<!-- END cargo xtask bench -->";

/// A regression message when `new` (for a benchmark, the lower end of its interval) exceeds
/// `old` by more than [`REGRESSION_FACTOR`] *relative to each run's own gather probe*
/// (`new / new_probe` against `old / old_probe`): absolute times move 20–35% between machines
/// and days, the ratio to a same-run probe of the memory system much less. Without a probe on
/// both sides nothing is compared.
fn regression(
    old: Option<f64>,
    old_probe: Option<f64>,
    new: f64,
    new_probe: Option<f64>,
) -> Option<String> {
    let old = old.filter(|&o| o > 0.0)?;
    let (old_probe, new_probe) = (
        old_probe.filter(|&p| p > 0.0)?,
        new_probe.filter(|&p| p > 0.0)?,
    );
    let ratio = (new / new_probe) / (old / old_probe);
    (ratio > REGRESSION_FACTOR).then(|| {
        format!(
            "at least {:+.0}% slower relative to the run's machine probe ({} → {}; probe {} → {})",
            (ratio - 1.0) * 100.0,
            secs(old),
            secs(new),
            secs(old_probe),
            secs(new_probe)
        )
    })
}

/// How many times faster our paper-settings step is than PyG's, when both are measured.
pub fn speedup_over_pyg(floors: &[AgainstFloor]) -> Option<f64> {
    let time = |id: &str| floors.iter().find(|f| f.id == id).map(|f| f.seconds);
    Some(time(crate::floor::PYG_STEP_ID)? / time("lightgcn_gowalla/step_batch_2048")?)
}

/// Seconds for tables: `3.57 s`, `248 ms`, `61 µs`.
pub fn secs(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

impl Report {
    /// Opens the results in `docs` (empty when there are none yet) for a run in `mode`.
    pub fn open(docs: &Path, mode: &str) -> Result<Report> {
        let header = Header {
            machine: Machine::this(),
            date: machine::now(),
            commit: machine::commit(),
            mode: mode.into(),
            probes: None,
        };
        let path = docs.join("results.json");
        let results = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).with_context(|| {
                format!("{} is not a results file; move it away", path.display())
            })?,
            Err(_) => Results {
                header: header.clone(),
                benches: vec![],
                runs: vec![],
            },
        };
        Ok(Report {
            docs: docs.to_path_buf(),
            header,
            results,
            flagged: vec![],
        })
    }

    /// Records a benchmark (replacing the previous result of the same id) and saves.
    pub fn add_bench(&mut self, e: BenchEntry) -> Result<()> {
        let header = self.header.clone();
        if let Some(r) = upsert(&mut self.results.benches, e, &header) {
            self.flagged.push(format!("bench {r}"));
        }
        self.write()
    }

    /// Records a run (replacing the previous result of the same id) and saves.
    pub fn add_run(&mut self, e: RunEntry) -> Result<()> {
        let header = self.header.clone();
        if let Some(r) = upsert(&mut self.results.runs, e, &header) {
            self.flagged.push(format!("run {r} (training time)"));
        }
        self.write()
    }

    /// What this invocation flagged.
    pub fn flagged(&self) -> &[String] {
        &self.flagged
    }

    /// Writes `results.json`, the generated part of `results.md`, and the time-per-epoch plot.
    pub fn write(&mut self) -> Result<()> {
        self.results.header = self.header.clone();
        self.results.benches.sort_by(|a, b| a.id.cmp(&b.id));
        write_atomic(
            &self.docs.join("results.json"),
            &serde_json::to_string_pretty(&self.results)?,
        )?;
        plots::epoch_seconds(
            &self.results.runs,
            &self.docs.join("plots/epoch_seconds.svg"),
        )?;
        let md_path = self.docs.join("results.md");
        let md = std::fs::read_to_string(&md_path).unwrap_or_else(|_| "# Results\n".into());
        let generated = self.markdown();
        let md = match (md.find(BEGIN), md.find(END)) {
            (Some(b), Some(e)) if b < e => {
                format!("{}{generated}{}", &md[..b], &md[e + END.len()..])
            }
            (None, None) => match md.split_once('\n') {
                Some((title, rest)) => format!("{title}\n\n{generated}\n{rest}"),
                None => format!("{md}\n\n{generated}\n"),
            },
            _ => bail!(
                "{} has a broken generated section; fix its markers",
                md_path.display()
            ),
        };
        write_atomic(&md_path, &md)
    }

    /// The gowalla products and steps measured by this invocation against their floor.
    pub fn against_floor(&self) -> Vec<AgainstFloor> {
        let h = &self.header;
        let Some(mut probes) = h.probes else {
            return Vec::new();
        };
        let benches: Vec<&BenchEntry> = self
            .results
            .benches
            .iter()
            .filter(|b| b.stamp.date == h.date)
            .collect();
        if let Some(product) = benches.iter().find(|b| b.id == crate::floor::PRODUCT_ID) {
            probes = crate::floor::with_product(probes, product.mean_seconds);
        }
        let benches = benches
            .into_iter()
            .map(|b| (b.id.as_str(), Some(b.mean_seconds)));
        let runs = self
            .results
            .runs
            .iter()
            .filter(|r| r.stamp.date == h.date)
            .map(|r| (r.id.as_str(), r.seconds_per_epoch));
        benches
            .chain(runs)
            .filter_map(|(id, t)| crate::floor::against_floor(id, t?, &probes))
            .collect()
    }

    fn markdown(&self) -> String {
        let h = &self.header;
        let mut s = String::new();
        let _ = writeln!(s, "{BEGIN}");
        let _ = writeln!(
            s,
            "## Benchmark suite (generated by `cargo xtask bench`)\n\n\
             Regenerate with `cargo xtask bench --quick` (minutes: few epochs, criterion's quick \
             mode) or `cargo xtask bench --full` (hours: the reported recipes, gowalla included). \
             Last invocation: **{}**, {} on commit `{}`, machine: {}. Each row keeps the date and \
             commit of its own last run; `gnnrec` is `target/release/gnnrec`, and every run also \
             took `--json --quiet --out DIR`. Times that grew by more than 20% over the row's \
             previous result (for criterion, the lower end of the new 95% interval) are flagged ⚠. Raw data: [`results.json`](results.json).\n",
            h.mode,
            h.date,
            h.commit,
            h.machine.describe()
        );
        if let Some(p) = h.probes {
            let _ = writeln!(
                s,
                "Machine probes of this invocation (`xtask/src/probes.rs`): streaming read \
                 {:.1} GB/s; gather of random 256-byte rows {:.1} GB/s from an 18 MB table, \
                 {:.1} GB/s from a 180 MB one; {:.1} GB/s over the rows of a gowalla propagation \
                 in its order (`../shared/MEASURED.md`'s best C kernel on that propagation: \
                 69 GB/s). Regressions are judged on times divided by the same run's random-row \
                 gather time.\n",
                p.stream_gbps, p.gather_gbps, p.gather_large_gbps, p.gather_graph_gbps
            );
        }
        let flagged: Vec<String> = self
            .results
            .benches
            .iter()
            .filter_map(|b| {
                b.stamp
                    .regression
                    .as_ref()
                    .map(|r| format!("bench `{}`: {r}", b.id))
            })
            .chain(self.results.runs.iter().filter_map(|r| {
                r.stamp
                    .regression
                    .as_ref()
                    .map(|x| format!("run `{}`: training {x}", r.id))
            }))
            .collect();
        if !flagged.is_empty() {
            let _ = writeln!(s, "**⚠ Regressions over 20%:**\n");
            for f in flagged {
                let _ = writeln!(s, "- {f}");
            }
            let _ = writeln!(s);
        }
        for mode in ["full", "quick"] {
            let runs: Vec<&RunEntry> = self
                .results
                .runs
                .iter()
                .filter(|r| r.mode == mode)
                .collect();
            if runs.is_empty() {
                continue;
            }
            let (rating, ranking): (Vec<&RunEntry>, Vec<&RunEntry>) = runs
                .iter()
                .copied()
                .partition(|r| r.metrics.contains_key("rmse"));
            run_table(
                &mut s,
                &format!("Rating prediction ({mode})"),
                &rating,
                &[
                    ("RMSE", "rmse"),
                    ("MAE", "mae"),
                    ("scaled MSE", "mse_scaled"),
                ],
            );
            run_table(
                &mut s,
                &format!("Top-K recommendation ({mode})"),
                &ranking,
                &[("recall@20", "recall@20"), ("NDCG@20", "ndcg@20")],
            );
            let curves: Vec<String> = runs
                .iter()
                .filter_map(|r| {
                    r.curve
                        .as_ref()
                        .map(|c| format!("[{} {}]({c})", r.dataset, r.model))
                })
                .collect();
            if !curves.is_empty() {
                let _ = writeln!(s, "Training curves ({mode}): {}.\n", curves.join(", "));
            }
        }
        if !self.results.runs.is_empty() {
            let _ = writeln!(s, "![seconds per epoch](plots/epoch_seconds.svg)\n");
        }
        if !self.results.benches.is_empty() {
            let _ = writeln!(
                s,
                "### Criterion benches\n\n| benchmark | mean | 95% CI | previous | date, commit | command |\n|---|---|---|---|---|---|"
            );
            for b in &self.results.benches {
                let _ = writeln!(
                    s,
                    "| `{}` | {}{} | {} – {} | {} | {}, `{}` | `{}` |",
                    b.id,
                    secs(b.mean_seconds),
                    if b.stamp.regression.is_some() {
                        " ⚠"
                    } else {
                        ""
                    },
                    secs(b.low_seconds),
                    secs(b.high_seconds),
                    b.stamp.previous_seconds.map_or(String::new(), secs),
                    &b.stamp.date.get(..10).unwrap_or(&b.stamp.date),
                    b.stamp.commit,
                    b.command
                );
            }
            let _ = writeln!(s);
        }
        let floors = self.against_floor();
        if !floors.is_empty() {
            let _ = writeln!(
                s,
                "### Against the floor (this invocation)\n\n\
                 Each gowalla LightGCN product and step of this invocation as a multiple of its \
                 floor: the rows it must gather and the bytes it must stream, divided by this \
                 invocation's bandwidths (`xtask/src/floor.rs`): streaming from the probe; \
                 gathering, the higher of the probe over gowalla's own propagation order and \
                 what this invocation's single product achieved (which then sits at 1.0×). \
                 The CLI's step is its epoch at the paper's settings ÷ {:.0} steps.\n\n\
                 | measured | time per unit | floor | multiple | what the floor counts |\n|---|---|---|---|---|",
                crate::floor::STEPS_PER_EPOCH_2048
            );
            for f in &floors {
                let _ = writeln!(
                    s,
                    "| `{}` | {} | {} | **{:.1}×** | {} |",
                    f.id,
                    secs(f.seconds),
                    secs(f.floor_seconds),
                    f.multiple,
                    f.work
                );
            }
            let _ = writeln!(s);
            if let Some(r) = speedup_over_pyg(&floors) {
                let _ = writeln!(
                    s,
                    "Our step at the paper's settings is **{r:.1}×** faster than PyTorch \
                     Geometric's, timed in this invocation (`cargo xtask bench --pyg PYTHON`).\n"
                );
            }
        }
        let _ = write!(s, "{END}");
        s
    }
}

/// A markdown table of `runs` with the metric columns `cols` (header, metric key).
fn run_table(s: &mut String, title: &str, runs: &[&RunEntry], cols: &[(&str, &str)]) {
    if runs.is_empty() {
        return;
    }
    let heads: Vec<&str> = cols.iter().map(|c| c.0).collect();
    let _ = writeln!(
        s,
        "### {title}\n\n| dataset (split) | model | {} | train | s/epoch | peak MiB | reference | date, commit | command |\n|---|---|{}---|---|---|---|---|---|",
        heads.join(" | "),
        "---|".repeat(cols.len())
    );
    for r in runs {
        let metrics: Vec<String> = cols
            .iter()
            .map(|(_, k)| {
                r.metrics
                    .get(*k)
                    .map_or(String::new(), |v| format!("{v:.4}"))
            })
            .collect();
        let _ = writeln!(
            s,
            "| {} ({}) | {} | {} | {}{} | {} | {:.0} | {} | {}, `{}` | `{}` |",
            r.dataset,
            r.split,
            r.model,
            metrics.join(" | "),
            secs(r.train_seconds),
            if r.stamp.regression.is_some() {
                " ⚠"
            } else {
                ""
            },
            r.seconds_per_epoch.map_or(String::new(), secs),
            r.peak_rss_mib,
            r.reference,
            r.stamp.date.get(..10).unwrap_or(&r.stamp.date),
            r.stamp.commit,
            r.command
        );
    }
    let _ = writeln!(s);
}

/// Stamps `e` with `header`, compares it with the entry of the same id in `list` (which it
/// replaces, or joins), and returns the regression message if it is one.
fn upsert<E: Entry>(list: &mut Vec<E>, mut e: E, header: &Header) -> Option<String> {
    let old = list.iter().position(|x| x.id() == e.id());
    let previous = old.and_then(|k| list[k].seconds());
    let previous_probe = old.and_then(|k| list[k].stamp().probe_seconds);
    let now = e.seconds().map(|_| e.at_least());
    let probe = header.probes.map(|p| p.gather_seconds);
    let id = e.id().to_string();
    let stamp = e.stamp();
    stamp.date = header.date.clone();
    stamp.commit = header.commit.clone();
    stamp.previous_seconds = previous;
    stamp.probe_seconds = probe;
    stamp.regression = now.and_then(|n| regression(previous, previous_probe, n, probe));
    let flagged = stamp.regression.as_ref().map(|r| format!("{id}: {r}"));
    match old {
        Some(k) => list[k] = e,
        None => list.push(e),
    }
    flagged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_only_growth_over_twenty_percent() {
        // Same machine speed: 25% slower is flagged, 15% is not.
        assert!(regression(Some(1.0), Some(0.1), 1.25, Some(0.1)).is_some());
        assert!(regression(Some(1.0), Some(0.1), 1.15, Some(0.1)).is_none());
        // A machine 30% slower at the probe: 30% slower times are not a regression, 60% is.
        assert!(regression(Some(1.0), Some(0.1), 1.3, Some(0.13)).is_none());
        assert!(regression(Some(1.0), Some(0.1), 1.6, Some(0.13)).is_some());
        // Without a same-run probe on both sides nothing is compared.
        assert!(regression(Some(1.0), None, 9.0, Some(0.1)).is_none());
        assert!(regression(Some(1.0), Some(0.1), 9.0, None).is_none());
        assert!(regression(Some(1.0), Some(0.1), 0.5, Some(0.1)).is_none());
        assert!(regression(None, None, 9.0, Some(0.1)).is_none());
    }

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(secs(3.571), "3.57 s");
        assert_eq!(secs(0.248), "248.0 ms");
        assert_eq!(secs(61e-6), "61.0 µs");
    }
}
