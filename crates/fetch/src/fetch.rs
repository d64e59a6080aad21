//! The fetch of one dataset: download into a staging folder, unpack, verify, place.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::catalog::{CATALOG, Unpack, find, mirrored};
use crate::checksum::sha256_file;
pub use crate::download::DownloadProgress as Progress;
use crate::download::{agent, download};
use crate::error::{FetchError, Result};
use crate::unzip::extract;

/// Where and how to fetch.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The data directory the dataset's folder goes into.
    pub data_dir: PathBuf,
    /// A mirror holding the publishers' trees under their host names (tests serve one on
    /// loopback); `None` for the publishers themselves.
    pub mirror: Option<String>,
    /// Bound on connecting, on the first answer and on every read.
    pub timeout: Duration,
}

/// One file of a fetched dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileCheck {
    /// Relative to the dataset's folder.
    pub file: String,
    /// Its sha256.
    pub sha256: String,
    /// Whether the hash was checked against a pin (else it is reported for the record).
    pub pinned: bool,
}

/// What a fetch did.
#[derive(Debug, Clone, Serialize)]
pub struct FetchReport {
    /// The dataset.
    pub name: String,
    /// Its folder, now in place.
    pub folder: PathBuf,
    /// Every file placed, with its hash.
    pub files: Vec<FileCheck>,
    /// Every download (URL, sha256 of what arrived).
    pub downloads: Vec<(String, String)>,
}

/// The staging folder of a data directory: downloads and unpacking happen here, beside the
/// datasets' folders (on the same file system, so the finished folder moves in one rename).
pub fn staging_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(".staging")
}

/// Fetches the dataset `name` into `opts.data_dir`. On success its folder is in place and
/// the staging folder is gone; on a checksum mismatch, a bad archive or an HTTP error nothing
/// is left behind; after a broken transfer the partial download stays in the staging folder
/// and the next fetch resumes it.
pub fn fetch(name: &str, opts: &FetchOptions, progress: &dyn Progress) -> Result<FetchReport> {
    let Some(src) = find(name) else {
        return Err(FetchError::UnknownDataset {
            name: name.to_string(),
            known: CATALOG
                .iter()
                .map(|d| d.name)
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    let target = opts.data_dir.join(src.folder);
    if target.join(src.marker).exists() {
        return Err(FetchError::AlreadyPresent {
            name: name.to_string(),
            path: target,
        });
    }
    let stage = staging_dir(&opts.data_dir).join(src.name);
    let downloads = stage.join("downloads");
    let unpacked = stage.join("unpacked");
    if unpacked.exists() {
        std::fs::remove_dir_all(&unpacked).map_err(|e| FetchError::io(&unpacked, e))?;
    }
    for dir in [&downloads, &unpacked] {
        std::fs::create_dir_all(dir).map_err(|e| FetchError::io(dir, e))?;
    }
    let result = run(src, opts, progress, &downloads, &unpacked, &target);
    let keep_partial = matches!(result, Err(FetchError::Transfer { .. }));
    if keep_partial {
        let _ = std::fs::remove_dir_all(&unpacked);
    } else {
        let _ = std::fs::remove_dir_all(&stage);
        // The staging root goes too when nothing else is staged.
        let _ = std::fs::remove_dir(staging_dir(&opts.data_dir));
    }
    result
}

fn run(
    src: &crate::catalog::DatasetSource,
    opts: &FetchOptions,
    progress: &dyn Progress,
    downloads: &Path,
    unpacked: &Path,
    target: &Path,
) -> Result<FetchReport> {
    let agent = agent(opts.timeout);
    let mut fetched = Vec::new();
    for remote in src.remotes {
        let url = mirrored(remote.url, opts.mirror.as_deref());
        let file_name = remote.url.rsplit('/').next().unwrap_or("download");
        let part = downloads.join(format!("{file_name}.part"));
        download(&agent, &url, &part, progress)?;
        fetched.push((url, sha256_file(&part)?));
        match remote.unpack {
            Unpack::Zip { strip } => {
                extract(&part, unpacked, strip)?;
            }
            Unpack::File(name) => {
                let out = unpacked.join(name);
                std::fs::copy(&part, &out).map_err(|e| FetchError::io(&out, e))?;
            }
        }
    }
    for (file, expected) in src.pins {
        let path = unpacked.join(file);
        if !path.is_file() {
            return Err(FetchError::MissingFile {
                file: file.to_string(),
            });
        }
        let actual = sha256_file(&path)?;
        if actual != *expected {
            return Err(FetchError::ChecksumMismatch {
                file: file.to_string(),
                expected: expected.to_string(),
                actual,
            });
        }
    }
    let mut files = Vec::new();
    for rel in walk(unpacked)? {
        let key = rel.to_string_lossy().replace('\\', "/");
        files.push(FileCheck {
            sha256: sha256_file(&unpacked.join(&rel))?,
            pinned: src.pins.iter().any(|(f, _)| *f == key),
            file: key,
        });
    }
    if !files.iter().any(|f| f.file == src.marker) {
        return Err(FetchError::MissingFile {
            file: src.marker.to_string(),
        });
    }
    place(unpacked, target)?;
    Ok(FetchReport {
        name: src.name.to_string(),
        folder: target.to_path_buf(),
        files,
        downloads: fetched,
    })
}

/// Moves the unpacked folder into place: one rename when the target does not exist; when it
/// does (lastfm's folder holds lastfm-hetrec's, and the other way round), entry by entry.
fn place(unpacked: &Path, target: &Path) -> Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| FetchError::io(parent, e))?;
    }
    if !target.exists() {
        return std::fs::rename(unpacked, target).map_err(|e| FetchError::io(target, e));
    }
    for entry in std::fs::read_dir(unpacked).map_err(|e| FetchError::io(unpacked, e))? {
        let entry = entry.map_err(|e| FetchError::io(unpacked, e))?;
        let to = target.join(entry.file_name());
        if to.exists() {
            return Err(FetchError::io(
                &to,
                std::io::Error::new(std::io::ErrorKind::AlreadyExists, "already exists"),
            ));
        }
        std::fs::rename(entry.path(), &to).map_err(|e| FetchError::io(&to, e))?;
    }
    Ok(())
}

/// The files under `root`, relative to it, sorted.
fn walk(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = root.join(&rel);
        for entry in std::fs::read_dir(&dir).map_err(|e| FetchError::io(&dir, e))? {
            let entry = entry.map_err(|e| FetchError::io(&dir, e))?;
            let r = rel.join(entry.file_name());
            if entry.path().is_dir() {
                stack.push(r);
            } else {
                out.push(r);
            }
        }
    }
    out.sort();
    Ok(out)
}
