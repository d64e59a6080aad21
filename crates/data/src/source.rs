//! A file to read: a path on disk, a copy of ml-latest-small compiled into the binary, or a
//! part of a file already read (one rank's share in a distributed run).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::error::{DataError, Result};

/// Where the bytes of one input file come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file on disk.
    Path(PathBuf),
    /// A file bundled into the binary, named for messages.
    Embedded {
        /// A name such as `embedded:ml-latest-small/ratings.csv`.
        name: String,
        /// The file's bytes.
        bytes: &'static [u8],
    },
    /// Whole lines of a file, read already; named for messages by the file. Line numbers in
    /// errors count from the part's first line (see [`crate::DataError::after_lines`]).
    Part {
        /// The file the part comes from.
        name: String,
        /// The part's bytes.
        bytes: Vec<u8>,
    },
}

impl Source {
    /// A source for a path.
    pub fn path(path: impl AsRef<Path>) -> Self {
        Source::Path(path.as_ref().to_path_buf())
    }

    /// The name used in messages: the path as given, or the embedded name.
    pub fn name(&self) -> String {
        match self {
            Source::Path(p) => p.display().to_string(),
            Source::Embedded { name, .. } | Source::Part { name, .. } => name.clone(),
        }
    }

    /// Reads the whole file. A missing file is an I/O error naming it; an empty one is
    /// an error too, since every file we read must hold at least one record.
    pub fn read(&self) -> Result<Cow<'static, [u8]>> {
        let bytes: Cow<'static, [u8]> = match self {
            Source::Path(p) => Cow::Owned(std::fs::read(p).map_err(|source| DataError::Io {
                file: p.display().to_string(),
                source,
            })?),
            Source::Embedded { bytes, .. } => Cow::Borrowed(bytes),
            Source::Part { bytes, .. } => Cow::Owned(bytes.clone()),
        };
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(DataError::file(self.name(), "the file is empty"));
        }
        Ok(bytes)
    }
}
