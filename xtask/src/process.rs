//! Running a child process and measuring its wall time and peak memory.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// What a finished child printed and used.
#[derive(Debug, Clone)]
pub struct Finished {
    /// Its standard output.
    pub stdout: String,
    /// Wall seconds from spawn to exit.
    pub wall_seconds: f64,
    /// Peak resident memory in MiB: the child's own high-water mark (`VmHWM` of its address
    /// space after `exec`), sampled while it runs.
    pub peak_rss_mib: f64,
}

/// How often a running child's memory high-water mark is read.
const SAMPLE_EVERY: std::time::Duration = std::time::Duration::from_millis(10);

/// The high-water mark of `pid`'s resident set in KiB (`VmHWM` in `/proc/PID/status`), if it
/// can be read (not after the process has exited).
fn high_water_kib(pid: libc::pid_t) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs `cmd` with stdout and stderr sent to files in `scratch`, waits for it, and fails with
/// stderr's tail when the command fails.
///
/// The peak memory is the child's own: `ru_maxrss` is not, because Linux carries the
/// high-water mark of the address space a child is forked from (a copy of this process) past
/// its `exec`, so every child of a large xtask process reported xtask's size (528 MiB for
/// every model, popularity included). `VmHWM` belongs to the address space `exec` made; it is
/// read every 10 ms until the child exits, and the largest value kept.
pub fn run_measured(cmd: &mut Command, scratch: &Path) -> Result<Finished> {
    std::fs::create_dir_all(scratch)?;
    let out_path = scratch.join("stdout.txt");
    let err_path = scratch.join("stderr.txt");
    let t0 = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(File::create(&out_path)?)
        .stderr(File::create(&err_path)?)
        .spawn()
        .with_context(|| format!("starting {cmd:?}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    let mut peak_kib = 0u64;
    let r = loop {
        if let Some(kib) = high_water_kib(pid) {
            peak_kib = peak_kib.max(kib);
        }
        // SAFETY: `pid` is our own child, not yet reaped (std's `Child` waits only when
        // asked); `status` is valid for writes; a null rusage is allowed.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, std::ptr::null_mut()) };
        if r != 0 {
            break r;
        }
        std::thread::sleep(SAMPLE_EVERY);
    };
    let wall_seconds = t0.elapsed().as_secs_f64();
    if r < 0 {
        bail!("waiting for {cmd:?}: {}", std::io::Error::last_os_error());
    }
    drop(child);
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    if !ok {
        let err = std::fs::read_to_string(&err_path).unwrap_or_default();
        let tail: Vec<&str> = err.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "{cmd:?} failed (wait status {status}):\n{}",
            tail.join("\n")
        );
    }
    Ok(Finished {
        stdout: std::fs::read_to_string(&out_path)?,
        wall_seconds,
        peak_rss_mib: peak_kib as f64 / 1024.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A child that holds 100 MiB, started by a process holding 400 MiB, peaks near 100 MiB
    /// (its parent's size was what `ru_maxrss` said).
    #[test]
    fn a_childs_peak_is_its_own_not_its_parents() {
        let held = vec![1u8; 400 << 20];
        let dir = tempfile::tempdir().unwrap();
        let done = run_measured(
            Command::new("dd").args(["if=/dev/zero", "of=/dev/null", "bs=100M", "count=3"]),
            dir.path(),
        )
        .unwrap();
        assert!(held.iter().step_by(4096).all(|&b| b == 1));
        assert!(
            (90.0..300.0).contains(&done.peak_rss_mib),
            "peak {} MiB",
            done.peak_rss_mib
        );
    }
}
