//! Training checkpoints: the state an iterative model needs to continue where it stopped.
//!
//! A checkpoint is written as two files in a run directory: `checkpoint-<epoch>.safetensors`
//! (the arrays: parameters, optimiser moments, best weights) and `checkpoint.json` (the epoch,
//! the model's scalar state and the name of the arrays file). The arrays go first under a new
//! name; rewriting `checkpoint.json` (atomically) is the commit point; the previous arrays file
//! is removed last. A crash at any moment leaves the last complete checkpoint readable.

use std::path::Path;

use crate::framework::error::{ModelError, Result};
use gnnrec_data::fsutil::write_atomic;
use serde::{Deserialize, Serialize};

use crate::framework::weights::Weights;

/// Where a training run stood after `epoch` epochs.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// Epochs completed.
    pub epoch: usize,
    /// The model's scalar state (optimiser step, best score, RNG position, …), its own format.
    pub state: serde_json::Value,
    /// The model's arrays.
    pub arrays: Weights,
}

#[derive(Serialize, Deserialize)]
struct Manifest {
    epoch: usize,
    arrays: String,
    state: serde_json::Value,
}

const MANIFEST: &str = "checkpoint.json";

impl Checkpoint {
    /// Writes the checkpoint into `dir`, replacing the previous one crash-safely.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let previous = read_manifest(dir)?.map(|m| m.arrays);
        let arrays = format!("checkpoint-{}.safetensors", self.epoch);
        self.arrays.save(&dir.join(&arrays))?;
        let manifest = Manifest {
            epoch: self.epoch,
            arrays: arrays.clone(),
            state: self.state.clone(),
        };
        let path = dir.join(MANIFEST);
        write_atomic(&path, |w| {
            serde_json::to_writer_pretty(&mut *w, &manifest)?;
            w.write_all(b"\n")
        })
        .map_err(|e| ModelError::io(&path, e))?;
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
            return Err(ModelError::bad_file(
                &dir.join(MANIFEST),
                format!("bad arrays file name `{}`", m.arrays),
            ));
        }
        Ok(Some(Checkpoint {
            epoch: m.epoch,
            state: m.state,
            arrays: Weights::load(&dir.join(&m.arrays))?,
        }))
    }
}

fn read_manifest(dir: &Path) -> Result<Option<Manifest>> {
    let path = dir.join(MANIFEST);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| ModelError::io(&path, e))?;
    let m = serde_json::from_str(&text).map_err(|e| ModelError::bad_file(&path, e))?;
    Ok(Some(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_replaces_and_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Checkpoint::load(dir.path()).unwrap(), None);
        let mut arrays = Weights::new();
        arrays.insert("x", &[2], vec![1.0, 2.0]);
        let first = Checkpoint {
            epoch: 3,
            state: serde_json::json!({"t": 7}),
            arrays: arrays.clone(),
        };
        first.save(dir.path()).unwrap();
        assert_eq!(Checkpoint::load(dir.path()).unwrap().as_ref(), Some(&first));
        let second = Checkpoint { epoch: 5, ..first };
        second.save(dir.path()).unwrap();
        assert_eq!(Checkpoint::load(dir.path()).unwrap(), Some(second));
        assert!(!dir.path().join("checkpoint-3.safetensors").exists());
        assert!(dir.path().join("checkpoint-5.safetensors").exists());
    }
}
