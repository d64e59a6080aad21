//! Zip extraction that keeps every entry inside the target folder.

use std::fs::File;
use std::path::{Component, Path, PathBuf};

use crate::error::{FetchError, Result};

/// Extracts `archive` into `dest`, dropping the prefix `strip` from entry names (entries
/// outside it are skipped); returns the files written, relative to `dest`. An entry whose
/// path is absolute or climbs out with `..` is an error.
pub fn extract(archive: &Path, dest: &Path, strip: Option<&str>) -> Result<Vec<PathBuf>> {
    let bad = |reason: String| FetchError::Archive {
        path: archive.to_path_buf(),
        reason,
    };
    let file = File::open(archive).map_err(|e| FetchError::io(archive, e))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(format!("not a zip archive: {e}")))?;
    let mut written = Vec::new();
    for k in 0..zip.len() {
        let mut entry = zip
            .by_index(k)
            .map_err(|e| bad(format!("entry {k}: {e}")))?;
        let name = entry
            .name()
            .map_err(|e| bad(format!("entry {k} has no readable name: {e}")))?
            .to_string();
        let rel = match strip {
            Some(prefix) => match name.strip_prefix(prefix) {
                Some(r) => r.to_string(),
                None => continue,
            },
            None => name.clone(),
        };
        if rel.is_empty() {
            continue;
        }
        let rel_path = PathBuf::from(&rel);
        if rel_path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(bad(format!("entry `{name}` escapes the dataset folder")));
        }
        let out = dest.join(&rel_path);
        if entry.is_dir() {
            std::fs::create_dir_all(&out).map_err(|e| FetchError::io(&out, e))?;
            continue;
        }
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(|e| FetchError::io(parent, e))?;
        }
        let mut f = File::create(&out).map_err(|e| FetchError::io(&out, e))?;
        std::io::copy(&mut entry, &mut f).map_err(|e| bad(format!("entry `{name}`: {e}")))?;
        written.push(rel_path);
    }
    Ok(written)
}
