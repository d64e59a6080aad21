//! The one error type of the data layer: every failure names the file, and the line where there is one.

use std::fmt;
use std::path::PathBuf;

/// Where a failure happened: a file and, where it is known, a 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, as the user would recognise it (a path, or `embedded:…` for bundled data).
    pub file: String,
    /// The 1-based line, when the failure belongs to one line.
    pub line: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}, line {}", self.file, line),
            None => write!(f, "{}", self.file),
        }
    }
}

/// Everything that can go wrong while finding, reading or splitting a dataset.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A file could not be opened or read.
    #[error("{file}: cannot read file: {source}")]
    Io {
        /// The file.
        file: String,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The content of a file is wrong: a bad line, a missing column, an empty file.
    #[error("{at}: {reason}")]
    Invalid {
        /// Where.
        at: Location,
        /// Why, in words a user can act on.
        reason: String,
    },
    /// A dataset name that the registry does not know.
    #[error("unknown dataset `{name}`; known datasets: {known}")]
    UnknownDataset {
        /// The name asked for.
        name: String,
        /// The names the registry knows, comma-separated.
        known: String,
    },
    /// A dataset whose files are not in the data directory.
    #[error(
        "dataset `{name}` not found: {path} does not exist. Put its files there, or point \
         --data-dir / GNNREC_DATA at the directory that holds `{name}/` ({hint})"
    )]
    DatasetMissing {
        /// The dataset.
        name: String,
        /// The directory that was looked for.
        path: PathBuf,
        /// Where to get the data.
        hint: String,
    },
    /// A command-line option that cannot be applied as given.
    #[error("{option}: {reason}")]
    Option {
        /// The option, as written (`--columns`).
        option: String,
        /// Why.
        reason: String,
    },
    /// A split that cannot be made as asked.
    #[error("split `{spec}`: {reason}")]
    Split {
        /// The split as the user wrote it.
        spec: String,
        /// Why it cannot be made.
        reason: String,
    },
}

impl DataError {
    /// An error that belongs to one line of a file.
    pub fn line(file: impl Into<String>, line: usize, reason: impl Into<String>) -> Self {
        DataError::Invalid {
            at: Location {
                file: file.into(),
                line: Some(line),
            },
            reason: reason.into(),
        }
    }

    /// An error that belongs to a whole file.
    pub fn file(file: impl Into<String>, reason: impl Into<String>) -> Self {
        DataError::Invalid {
            at: Location {
                file: file.into(),
                line: None,
            },
            reason: reason.into(),
        }
    }

    /// The error of a part of a file that starts after `lines` lines of it: its line number,
    /// if any, shifted to the file's.
    pub fn after_lines(mut self, lines: usize) -> Self {
        if let DataError::Invalid {
            at: Location {
                line: Some(line), ..
            },
            ..
        } = &mut self
        {
            *line += lines;
        }
        self
    }

    /// The line the error names, if any (handy in tests and for tools).
    pub fn line_number(&self) -> Option<usize> {
        match self {
            DataError::Invalid { at, .. } => at.line,
            _ => None,
        }
    }
}

/// Result with [`DataError`].
pub type Result<T, E = DataError> = std::result::Result<T, E>;
