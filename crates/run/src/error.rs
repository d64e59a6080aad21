//! The run layer's errors: one typed enum, [`RunError`], and [`Context`] to say what was
//! being done when a lower layer failed (the CLI prints the context, then each cause).

use std::error::Error as StdError;

use gnnrec_data::DataError;
use gnnrec_models::ModelError;

/// Result of the run layer.
pub type Result<T, E = RunError> = std::result::Result<T, E>;

/// What can go wrong when planning, running or reading a run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A file of a run is missing or unreadable.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A file of a run is malformed.
    #[error("{path}: {message}")]
    Corrupt {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The run lacks what is asked of it (not a run directory; runs made before serving
    /// existed: `gnnrec pack` adds what serving needs).
    #[error("{0}")]
    Incomplete(String),
    /// The run's model cannot be restored from its weights.
    #[error("{path}: {source}")]
    Model {
        /// The run.
        path: String,
        /// Why.
        source: ModelError,
    },
    /// The work would need more memory than the machine has.
    #[error("{0}")]
    TooLarge(String),
    /// A plan or request that cannot be carried out, and why.
    #[error("{0}")]
    Invalid(String),
    /// The data layer's error.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The models layer's error.
    #[error(transparent)]
    Models(#[from] ModelError),
    /// What was being done, and the error it met.
    #[error("{context}")]
    Context {
        /// What was being done (`loading dataset `ml-100k``).
        context: String,
        /// The cause.
        source: Box<dyn StdError + Send + Sync + 'static>,
    },
}

/// Adds what was being done to an error, as [`RunError::Context`].
pub trait Context<T> {
    /// Wraps the error with `context`.
    fn context(self, context: impl Into<String>) -> Result<T>;
    /// Wraps the error with the context `f` makes (only on error).
    fn with_context(self, f: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: StdError + Send + Sync + 'static> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl Into<String>) -> Result<T> {
        self.map_err(|e| RunError::Context {
            context: context.into(),
            source: Box::new(e),
        })
    }
    fn with_context(self, f: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| RunError::Context {
            context: f(),
            source: Box::new(e),
        })
    }
}

/// Returns early with [`RunError::Invalid`] of a formatted message.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::error::RunError::Invalid(format!($($arg)*)))
    };
}
pub(crate) use bail;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_prints_first_and_keeps_its_cause() {
        let e: Result<()> = Err(std::io::Error::other("disk full")).context("writing x.json");
        let e = e.unwrap_err();
        assert_eq!(e.to_string(), "writing x.json");
        assert_eq!(e.source().unwrap().to_string(), "disk full");
    }
}
