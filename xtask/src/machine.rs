//! What a result was measured on: machine, date and commit.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

/// The machine a result was measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// CPU model name.
    pub cpu: String,
    /// Logical cores available to the process.
    pub cores: usize,
    /// Installed memory in GiB.
    pub memory_gib: f64,
    /// The first core's data and unified caches, `L1d 48K, L2 2048K, L3 260M` (empty in
    /// results of older versions).
    #[serde(default)]
    pub caches: String,
}

impl Machine {
    /// This machine, read from `/proc` (unknown fields where it is unreadable).
    pub fn this() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_else(|| "unknown CPU".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let kib: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_gib: (kib / 1024.0 / 1024.0 * 10.0).round() / 10.0,
            caches: caches(Path::new("/sys/devices/system/cpu/cpu0/cache")),
        }
    }

    /// Whether `other` is the same kind of machine: CPU model, cores and caches.
    pub fn same_as(&self, other: &Machine) -> bool {
        self.cpu == other.cpu && self.cores == other.cores && self.caches == other.caches
    }

    /// One line for tables: `2 cores, AMD EPYC …, 24 GiB`.
    pub fn describe(&self) -> String {
        let caches = if self.caches.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.caches)
        };
        format!(
            "{} cores, {}{caches}, {} GiB",
            self.cores, self.cpu, self.memory_gib
        )
    }
}

/// The data and unified caches listed under `dir` (`index*/level`, `type`, `size`), in level
/// order: `L1d 48K, L2 2048K, L3 260M`; empty where the folder is unreadable.
fn caches(dir: &Path) -> String {
    let read = |p: PathBuf| std::fs::read_to_string(p).map(|s| s.trim().to_string());
    let mut found: Vec<(String, String)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            let (level, kind, size) = (
                read(p.join("level")).ok()?,
                read(p.join("type")).ok()?,
                read(p.join("size")).ok()?,
            );
            let name = match kind.as_str() {
                "Data" => format!("L{level}d"),
                "Unified" => format!("L{level}"),
                _ => return None,
            };
            Some((name, size))
        })
        .collect();
    found.sort();
    found
        .into_iter()
        .map(|(n, s)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a time is compared under: the machine, and the independent product floor
/// ([`crate::product_probe`]) measured right before and right after the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The machine.
    pub machine: Machine,
    /// The floor's seconds per gowalla product just before the result was measured.
    pub probe_before: f64,
    /// The same just after.
    pub probe_after: f64,
}

impl Fingerprint {
    /// The probe the result is divided by: the mean of the two.
    pub fn probe(&self) -> f64 {
        (self.probe_before + self.probe_after) / 2.0
    }

    /// How far apart the two probes are, as a factor ≥ 1.
    pub fn drift(&self) -> f64 {
        let (a, b) = (self.probe_before, self.probe_after);
        a.max(b) / a.min(b)
    }
}

/// The output of a command, trimmed, or `fallback` when it cannot run.
fn output(cmd: &str, args: &[&str], fallback: &str) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| fallback.to_string())
}

/// The short commit hash, with `-dirty` when the tree has uncommitted changes to tracked files.
pub fn commit() -> String {
    let hash = output("git", &["rev-parse", "--short", "HEAD"], "unknown");
    let dirty = !output(
        "git",
        &["status", "--porcelain", "--untracked-files=no"],
        "",
    )
    .is_empty();
    if dirty { format!("{hash}-dirty") } else { hash }
}

/// The UTC date and time now, RFC 3339.
pub fn now() -> String {
    output("date", &["-u", "+%Y-%m-%dT%H:%M:%SZ"], "unknown date")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_are_read_in_level_order_without_instruction_caches() {
        let dir = tempfile::tempdir().unwrap();
        for (k, level, kind, size) in [
            (0, "1", "Data", "48K"),
            (1, "1", "Instruction", "32K"),
            (2, "3", "Unified", "260M"),
            (3, "2", "Unified", "2048K"),
        ] {
            let d = dir.path().join(format!("index{k}"));
            std::fs::create_dir(&d).unwrap();
            std::fs::write(d.join("level"), format!("{level}\n")).unwrap();
            std::fs::write(d.join("type"), format!("{kind}\n")).unwrap();
            std::fs::write(d.join("size"), format!("{size}\n")).unwrap();
        }
        assert_eq!(caches(dir.path()), "L1d 48K, L2 2048K, L3 260M");
        assert_eq!(caches(&dir.path().join("absent")), "");
    }
}
