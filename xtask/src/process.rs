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
    /// Peak resident memory in MiB (`ru_maxrss` of the child).
    pub peak_rss_mib: f64,
}

/// Runs `cmd` with stdout and stderr sent to files in `scratch`, waits for it with `wait4`
/// (which reports the child's own peak memory), and fails with stderr's tail when the command
/// fails.
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
    // SAFETY: an all-zero rusage is a valid value for the kernel to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for (std's `Child` waits only when asked);
    // `status` and `usage` are valid for writes.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
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
        // Linux reports ru_maxrss in KiB.
        peak_rss_mib: usage.ru_maxrss as f64 / 1024.0,
    })
}
