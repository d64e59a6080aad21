//! Files xtask writes: each atomically, through the workspace's one atomic write.

use std::path::Path;

use anyhow::{Context, Result};

/// Writes `text` to `path` through a temporary file and a rename.
pub(crate) fn write_atomic(path: &Path, text: &str) -> Result<()> {
    // The workspace's one atomic write (temporary name beside the target, then a rename).
    gnnrec_run::write_atomic(path, |w| w.write_all(text.as_bytes()))
        .with_context(|| format!("writing {}", path.display()))
}
