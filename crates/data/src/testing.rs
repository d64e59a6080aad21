//! Helpers for tests that need the real (non-redistributable) datasets.
//!
//! A test that needs a dataset calls [`data_dir_with`]. When the dataset is absent it
//! **fails under CI** (`CI=true`), and elsewhere skips visibly: a `SKIPPED` line on the
//! terminal (written past the test harness's output capture, so it shows even when the test
//! passes) and a line in `target/skipped-dataset-tests.txt`, which lists (and counts) the
//! skips of the current `cargo test` run.

use std::path::{Path, PathBuf};

use crate::registry;

/// The workspace's root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The data directory for tests: `$GNNREC_DATA` (a relative path is taken from the workspace
/// root, as `.ci/run` gives it), else the workspace's `data/`.
pub fn test_data_dir() -> PathBuf {
    match std::env::var_os("GNNREC_DATA") {
        Some(p) if !p.is_empty() => {
            let p = PathBuf::from(p);
            if p.is_absolute() {
                p
            } else {
                workspace_root().join(p)
            }
        }
        _ => workspace_root().join("data"),
    }
}

/// The data directory if it holds `folder` (e.g. `ml-100k`); otherwise panics under CI and
/// returns `None` elsewhere, after saying loudly which test data is missing.
pub fn data_dir_with(folder: &str) -> Option<PathBuf> {
    let dir = test_data_dir();
    if dir.join(folder).is_dir() {
        return Some(dir);
    }
    let msg = format!(
        "dataset folder `{folder}` not found under {} (set GNNREC_DATA to the directory that holds it)",
        dir.display()
    );
    if registry::required_in_ci() {
        panic!("{msg}; CI=true requires every dataset");
    }
    report_skip(&msg);
    None
}

/// Says that the current test did not run, where the harness does not hide it, and records it.
fn report_skip(reason: &str) {
    use std::io::Write;
    let test = std::thread::current()
        .name()
        .unwrap_or("a dataset test")
        .to_string();
    // Tests of one binary run on parallel threads: one of them at a time updates the list.
    static LIST: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LIST.lock().unwrap_or_else(|e| e.into_inner());
    let root = workspace_root();
    let log = root
        .canonicalize()
        .unwrap_or(root)
        .join("target/skipped-dataset-tests.txt");
    let line = format!("{test}: {reason}");
    // Every test binary of one `cargo test` has cargo as its parent: the file starts over
    // when that changes.
    let run = format!("cargo test process {}", std::os::unix::process::parent_id());
    let mut text = std::fs::read_to_string(&log).unwrap_or_default();
    if text.lines().next() != Some(run.as_str()) {
        text = format!("{run}\n");
    }
    text.push_str(&line);
    text.push('\n');
    let count = text.lines().count() - 1;
    let _ = std::fs::write(&log, &text);
    // `eprintln!` is captured by the test harness and shown only on failure; a direct write
    // to the stderr handle is not.
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED dataset test {line} ({count} skipped so far, listed in {})",
        log.display()
    );
}
