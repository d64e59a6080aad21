//! Reading one of a run's JSON files with the errors serving and checkpoints report by file.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{Result, RunError};

/// Reads the JSON file at `path`: [`RunError::Io`] when it cannot be read,
/// [`RunError::Corrupt`] when it is not what `T` expects (the errors serving and checkpoints
/// report by file).
pub(crate) fn read_json_file<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read(path).map_err(|source| RunError::Io {
        path: path.display().to_string(),
        source,
    })?;
    serde_json::from_slice(&text).map_err(|e| RunError::Corrupt {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}
