//! Errors of a fetch, each naming the URL or file and the reason.

use std::path::PathBuf;

/// What can go wrong while fetching a dataset.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The name is not in the catalog.
    #[error("no dataset `{name}` to fetch; known: {known}")]
    UnknownDataset {
        /// The name asked for.
        name: String,
        /// The names the catalog has.
        known: String,
    },
    /// The dataset's folder is already there.
    #[error("{} already holds {name}; remove it first to fetch again", path.display())]
    AlreadyPresent {
        /// The dataset.
        name: String,
        /// Its folder.
        path: PathBuf,
    },
    /// The server answered with an error status.
    #[error("{url}: the server answered HTTP {status}")]
    Http {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// No connection, no answer in time, or the transfer kept breaking.
    #[error("{url}: {reason}")]
    Transfer {
        /// The URL.
        url: String,
        /// What happened.
        reason: String,
    },
    /// A file's sha256 is not the one pinned for it.
    #[error(
        "{file}: checksum mismatch (sha256 {actual}, expected {expected}); the download was \
         discarded"
    )]
    ChecksumMismatch {
        /// The file, relative to the dataset folder.
        file: String,
        /// The pinned hash.
        expected: String,
        /// The hash of what arrived.
        actual: String,
    },
    /// A pinned file is missing from what arrived.
    #[error("{file}: expected in the download but missing; the download was discarded")]
    MissingFile {
        /// The file, relative to the dataset folder.
        file: String,
    },
    /// The archive is damaged or unsafe.
    #[error("{}: {reason}", path.display())]
    Archive {
        /// The archive.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A file-system operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl FetchError {
    /// An I/O error at `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        FetchError::Io {
            path: path.into(),
            source,
        }
    }
}

/// A fetch result.
pub type Result<T> = std::result::Result<T, FetchError>;
