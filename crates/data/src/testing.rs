//! Helpers for tests that need the real (non-redistributable) datasets.
//!
//! A test that needs a dataset calls [`data_dir_with`]. When the dataset is absent it
//! **fails under CI** (`CI=true`), and elsewhere skips with a loud message on stderr.

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
    eprintln!("\n*** SKIPPED: {msg} ***\n");
    None
}
