//! Checkpoints of a training across ranks: each rank writes its shard, rank 0 a manifest.
//!
//! Layout under the checkpoint folder: `epoch-E/rank-R.safetensors` (the rank's arrays) and
//! `epoch-E/rank-R.json` (its counters: Adam's step, the sampler's stream position, the best
//! monitored epoch so far, the log), then,
//! once every rank has written its shard, `manifest.json` (`{"ranks": N, "epoch": E}`) written
//! atomically by rank 0 — the last complete checkpoint is the one the manifest names, so a job
//! killed while writing leaves the previous one in force. Older epochs are removed after the
//! manifest moves on. A resume needs the same number of ranks.

use std::path::{Path, PathBuf};

use gnnrec_data::fsutil::write_atomic;
use gnnrec_dist::{Comm, CommExt};
use serde::{Deserialize, Serialize};

use crate::framework::error::{ModelError, Result, bail};
use crate::framework::observer::EpochRecord;
use crate::framework::weights::Weights;

/// The manifest of the last complete checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Ranks that wrote it.
    pub ranks: usize,
    /// Epochs finished.
    pub epoch: usize,
}

/// One rank's counters beside its arrays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counters {
    /// Adam's steps taken.
    pub adam_steps: u64,
    /// High 64 bits of the rank's random stream position (a ChaCha word position, a `u128`,
    /// kept as two JSON numbers).
    pub rng_high: u64,
    /// Low 64 bits of the stream position.
    pub rng_low: u64,
    /// The best value of the monitored metric so far and its epoch (the rank's arrays then
    /// hold that epoch's table as `best_table`); `None` without a monitoring set.
    #[serde(default)]
    pub best: Option<(f64, usize)>,
    /// Evaluations since the best one.
    #[serde(default)]
    pub since_best: usize,
    /// Whether training stopped early (patience ran out).
    #[serde(default)]
    pub stopped: bool,
    /// The training log so far (the same on every rank).
    #[serde(default)]
    pub log: Vec<EpochRecord>,
}

const MANIFEST: &str = "manifest.json";

fn io(path: &Path, e: impl std::fmt::Display) -> ModelError {
    ModelError::BadFile {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn shard_paths(dir: &Path, epoch: usize, rank: usize) -> (PathBuf, PathBuf) {
    let e = dir.join(format!("epoch-{epoch}"));
    (
        e.join(format!("rank-{rank}.safetensors")),
        e.join(format!("rank-{rank}.json")),
    )
}

/// The manifest in `dir`, if a checkpoint was completed there.
pub fn manifest(dir: &Path) -> Result<Option<Manifest>> {
    let p = dir.join(MANIFEST);
    if !p.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&p).map_err(|e| io(&p, e))?;
    Ok(Some(serde_json::from_str(&text).map_err(|e| io(&p, e))?))
}

/// Writes this rank's shard of the checkpoint after `epoch` epochs; rank 0 then moves the
/// manifest to it (a collective).
pub fn save(
    dir: &Path,
    comm: &dyn Comm,
    epoch: usize,
    arrays: &Weights,
    counters: &Counters,
) -> Result<()> {
    let (tensors, json) = shard_paths(dir, epoch, comm.rank());
    let written = (|| -> Result<()> {
        std::fs::create_dir_all(tensors.parent().expect("a folder")).map_err(|e| io(dir, e))?;
        arrays.save(&tensors)?;
        write_atomic(&json, |w| {
            serde_json::to_writer(&mut *w, counters)?;
            Ok(())
        })
        .map_err(|e| io(&json, e))
    })();
    if comm.any(written.is_err()) {
        written?;
        bail!(
            "another rank could not write its checkpoint shard under {}",
            dir.display()
        );
    }
    if comm.rank() == 0 {
        let m = Manifest {
            ranks: comm.size(),
            epoch,
        };
        let p = dir.join(MANIFEST);
        write_atomic(&p, |w| {
            serde_json::to_writer(&mut *w, &m)?;
            Ok(())
        })
        .map_err(|e| io(&p, e))?;
        for old in std::fs::read_dir(dir).map_err(|e| io(dir, e))?.flatten() {
            let name = old.file_name().to_string_lossy().into_owned();
            if name.starts_with("epoch-") && name != format!("epoch-{epoch}") {
                let _ = std::fs::remove_dir_all(old.path());
            }
        }
    }
    // Nobody goes on (and may be killed) before the manifest names a complete checkpoint.
    comm.any(false);
    Ok(())
}

/// This rank's shard of the last complete checkpoint in `dir`, with the epochs it finished;
/// `None` where there is none. Refuses a checkpoint written by another number of ranks.
pub fn load(dir: &Path, comm: &dyn Comm) -> Result<Option<(usize, Weights, Counters)>> {
    let Some(m) = manifest(dir)? else {
        return Ok(None);
    };
    if m.ranks != comm.size() {
        bail!(
            "the checkpoint in {} was written by {} ranks; resume it with `mpirun -n {}`",
            dir.display(),
            m.ranks,
            m.ranks
        );
    }
    let (tensors, json) = shard_paths(dir, m.epoch, comm.rank());
    let arrays = Weights::load(&tensors)?;
    let text = std::fs::read_to_string(&json).map_err(|e| io(&json, e))?;
    let counters = serde_json::from_str(&text).map_err(|e| io(&json, e))?;
    Ok(Some((m.epoch, arrays, counters)))
}
