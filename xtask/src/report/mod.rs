//! The results: `docs/results.json` (kept between runs, one entry per benchmark and run id) and
//! the generated part of `docs/results.md`, rewritten after every result.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::files::write_atomic;

mod compare;
mod markdown;
mod plots;
use crate::floor::AgainstFloor;
use crate::machine::{self, Fingerprint, Machine};
use crate::probes::Probes;
use compare::Verdict;

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
    /// Why it was not compared with the previous result, if it was not ([`compare`]).
    #[serde(default)]
    pub not_compared: Option<String>,
    /// The machine and the independent floor measured beside the result (absent in results
    /// of older versions: those are not compared).
    #[serde(default)]
    pub fingerprint: Option<Fingerprint>,
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
    /// The fingerprint the next results are stamped with ([`Report::set_floor_probes`]).
    fingerprint: Option<Fingerprint>,
}

/// The marker lines around the generated part of `docs/results.md`.
const BEGIN: &str = "<!-- BEGIN cargo xtask bench: generated, do not edit by hand -->";
const END: &str = "<!-- END cargo xtask bench -->";

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
            fingerprint: None,
        })
    }

    /// The independent floor measured just before and just after the results added next
    /// (`None` without gowalla): they are stamped with it and compared only under it.
    pub fn set_floor_probes(&mut self, before: Option<f64>, after: Option<f64>) {
        self.fingerprint = before.zip(after).map(|(b, a)| Fingerprint {
            machine: self.header.machine.clone(),
            probe_before: b,
            probe_after: a,
        });
    }

    /// Records a benchmark (replacing the previous result of the same id) and saves.
    pub fn add_bench(&mut self, e: BenchEntry) -> Result<()> {
        let (header, fp) = (self.header.clone(), self.fingerprint.clone());
        if let Some(r) = upsert(&mut self.results.benches, e, &header, fp) {
            self.flagged.push(format!("bench {r}"));
        }
        self.write()
    }

    /// Records a run (replacing the previous result of the same id) and saves.
    pub fn add_run(&mut self, e: RunEntry) -> Result<()> {
        let (header, fp) = (self.header.clone(), self.fingerprint.clone());
        if let Some(r) = upsert(&mut self.results.runs, e, &header, fp) {
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
    ///
    /// A product's floor is the independent floor measured just before and just after the
    /// result's own bench target or run (its fingerprint) where there is one — the machine's
    /// speed moves within minutes on a shared host — else the one measured at the start.
    pub fn against_floor(&self) -> Vec<AgainstFloor> {
        let h = &self.header;
        let Some(probes) = &h.probes else {
            return Vec::new();
        };
        let benches = self
            .results
            .benches
            .iter()
            .map(|b| (b.id.as_str(), Some(b.mean_seconds), &b.stamp));
        let runs = self
            .results
            .runs
            .iter()
            .map(|r| (r.id.as_str(), r.seconds_per_epoch, &r.stamp));
        benches
            .chain(runs)
            .filter(|(_, _, stamp)| stamp.date == h.date)
            .filter_map(|(id, t, stamp)| {
                let mut p = probes.clone();
                if let (Some(f), Some(fp)) = (p.product.as_mut(), &stamp.fingerprint) {
                    f.seconds = fp.probe();
                }
                crate::floor::against_floor(id, t?, &p)
            })
            .collect()
    }
}

/// Stamps `e` with `header` and the fingerprint `fp` it was measured under, compares it with
/// the entry of the same id in `list` (which it replaces, or joins), and returns the
/// regression message if it is one.
fn upsert<E: Entry>(
    list: &mut Vec<E>,
    mut e: E,
    header: &Header,
    fp: Option<Fingerprint>,
) -> Option<String> {
    let old = list.iter().position(|x| x.id() == e.id());
    let previous = old.and_then(|k| list[k].seconds());
    let previous_fp = old.and_then(|k| list[k].stamp().fingerprint.clone());
    let verdict = e
        .seconds()
        .map(|_| compare::compare(previous, previous_fp.as_ref(), e.at_least(), fp.as_ref()));
    let id = e.id().to_string();
    let stamp = e.stamp();
    stamp.date = header.date.clone();
    stamp.commit = header.commit.clone();
    stamp.previous_seconds = previous;
    stamp.fingerprint = fp;
    (stamp.regression, stamp.not_compared) = match verdict {
        Some(Verdict::Regressed(why)) => (Some(why), None),
        Some(Verdict::NotCompared(why)) => (None, Some(why)),
        _ => (None, None),
    };
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

    fn bench(seconds: f64) -> BenchEntry {
        BenchEntry {
            id: "lightgcn_gowalla/spmm_1_product".into(),
            mean_seconds: seconds,
            low_seconds: seconds,
            high_seconds: seconds,
            command: String::new(),
            stamp: Stamp::default(),
        }
    }

    fn stamped(cpu: &str, probe: f64) -> (Header, Option<Fingerprint>) {
        let mut header = Header {
            machine: Machine::this(),
            date: "d".into(),
            commit: "c".into(),
            mode: "quick".into(),
            probes: None,
        };
        header.machine.cpu = cpu.into();
        let fp = Fingerprint {
            machine: header.machine.clone(),
            probe_before: probe,
            probe_after: probe,
        };
        (header, Some(fp))
    }

    #[test]
    fn results_are_stamped_and_flagged_only_against_their_own_machine() {
        let mut list = Vec::new();
        let (h, fp) = stamped("Xeon", 0.006);
        assert_eq!(upsert(&mut list, bench(0.007), &h, fp.clone()), None);
        assert_eq!(list[0].stamp.fingerprint, fp);
        // Unchanged code on another machine, twice as slow: not compared, nothing flagged.
        let (other, other_fp) = stamped("EPYC", 0.012);
        assert_eq!(upsert(&mut list, bench(0.014), &other, other_fp), None);
        assert!(
            list[0]
                .stamp
                .not_compared
                .as_deref()
                .unwrap()
                .contains("other machine")
        );
        // Back on the first machine, a planted 50% slowdown: flagged.
        assert_eq!(upsert(&mut list, bench(0.007), &h, fp.clone()), None);
        let flag = upsert(&mut list, bench(0.0105), &h, fp).expect("flagged");
        assert!(flag.contains("+50% slower"), "{flag}");
        assert_eq!(list.len(), 1);
    }

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(secs(3.571), "3.57 s");
        assert_eq!(secs(0.248), "248.0 ms");
        assert_eq!(secs(61e-6), "61.0 µs");
    }
}
