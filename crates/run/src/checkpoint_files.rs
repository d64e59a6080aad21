//! A run's checkpoint on disk: the state an iterative model needs to continue where it
//! stopped ([`Checkpoint`], made by the training loop), written into and read from the run
//! directory — the file format is the run layer's, like the rest of the directory.
//!
//! A checkpoint is two files: `checkpoint-<epoch>.safetensors` (the arrays: parameters,
//! optimiser moments, best weights) and `checkpoint.json` (the manifest: the epoch, the
//! model's scalar state and the name of the arrays file). The arrays go first under a new
//! name; rewriting the manifest (atomically) is the commit point; the previous arrays file is
//! removed last. A crash at any moment leaves the last complete checkpoint readable.

use std::path::Path;

use gnnrec_data::fsutil::write_atomic;
use gnnrec_models::{Checkpoint, Weights};
use serde::{Deserialize, Serialize};

use crate::error::{Result, RunError};
use crate::json_file::read_json_file;

/// The manifest of the last complete checkpoint.
pub const CHECKPOINT_FILE: &str = "checkpoint.json";

#[derive(Serialize, Deserialize)]
struct Manifest {
    epoch: usize,
    arrays: String,
    state: serde_json::Value,
}

/// Writes `checkpoint` into `dir`, replacing the previous one crash-safely.
pub fn save(dir: &Path, checkpoint: &Checkpoint) -> Result<()> {
    let previous = read_manifest(dir)?.map(|m| m.arrays);
    let arrays = format!("checkpoint-{}.safetensors", checkpoint.epoch);
    checkpoint.arrays.save(&dir.join(&arrays))?;
    let manifest = Manifest {
        epoch: checkpoint.epoch,
        arrays: arrays.clone(),
        state: checkpoint.state.clone(),
    };
    let path = dir.join(CHECKPOINT_FILE);
    write_atomic(&path, |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest)?;
        w.write_all(b"\n")
    })
    .map_err(|source| RunError::Io {
        path: path.display().to_string(),
        source,
    })?;
    if let Some(old) = previous.filter(|old| *old != arrays) {
        // Best effort: a leftover file wastes space but is never read.
        let _ = std::fs::remove_file(dir.join(old));
    }
    Ok(())
}

/// Reads the checkpoint of `dir`, or `None` when it has none.
pub fn load(dir: &Path) -> Result<Option<Checkpoint>> {
    let Some(m) = read_manifest(dir)? else {
        return Ok(None);
    };
    if m.arrays.contains('/') || m.arrays.contains('\\') {
        return Err(RunError::Corrupt {
            path: dir.join(CHECKPOINT_FILE).display().to_string(),
            message: format!("bad arrays file name `{}`", m.arrays),
        });
    }
    Ok(Some(Checkpoint {
        epoch: m.epoch,
        state: m.state,
        arrays: Weights::load(&dir.join(&m.arrays))?,
    }))
}

fn read_manifest(dir: &Path) -> Result<Option<Manifest>> {
    let path = dir.join(CHECKPOINT_FILE);
    if !path.exists() {
        return Ok(None);
    }
    read_json_file(&path).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_replaces_and_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), None);
        let mut arrays = Weights::new();
        arrays.insert("x", &[2], vec![1.0, 2.0]);
        let first = Checkpoint {
            epoch: 3,
            state: serde_json::json!({"t": 7}),
            arrays: arrays.clone(),
        };
        save(dir.path(), &first).unwrap();
        assert_eq!(load(dir.path()).unwrap().as_ref(), Some(&first));
        let second = Checkpoint { epoch: 5, ..first };
        save(dir.path(), &second).unwrap();
        assert_eq!(load(dir.path()).unwrap(), Some(second));
        assert!(!dir.path().join("checkpoint-3.safetensors").exists());
        assert!(dir.path().join("checkpoint-5.safetensors").exists());
    }

    #[test]
    fn an_arrays_name_outside_the_run_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CHECKPOINT_FILE),
            r#"{"epoch": 1, "arrays": "../x.safetensors", "state": null}"#,
        )
        .unwrap();
        let e = load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("bad arrays file name"), "{e}");
    }
}
