//! What a result was measured on: machine, date and commit.

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
        }
    }

    /// One line for tables: `2 cores, AMD EPYC …, 24 GiB`.
    pub fn describe(&self) -> String {
        format!(
            "{} cores, {}, {} GiB",
            self.cores, self.cpu, self.memory_gib
        )
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
