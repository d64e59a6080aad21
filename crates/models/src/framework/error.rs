//! The models crate's error type.

use std::path::Path;

/// What can go wrong when building, training, saving or loading a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// No model has this name.
    #[error("unknown model `{name}`; known: {known}")]
    UnknownModel {
        /// The name asked for.
        name: String,
        /// The registered names.
        known: String,
    },
    /// A configuration key the model does not have.
    #[error("{model} has no setting `{key}`; its settings: {known}")]
    UnknownKey {
        /// The model.
        model: String,
        /// The key given.
        key: String,
        /// The model's keys.
        known: String,
    },
    /// A configuration value out of its range, or that does not parse.
    #[error("invalid `{key}`: {reason}")]
    Config {
        /// The key (or the model, for a whole-configuration error).
        key: String,
        /// Why.
        reason: String,
    },
    /// The model cannot train on this data or with these settings.
    #[error("{0}")]
    Invalid(String),
    /// Training stopped because its observer asked ([`crate::Observer::stop_requested`]).
    #[error("training interrupted during epoch {epoch}; {resumable}")]
    Interrupted {
        /// The epoch stopped in (1-based).
        epoch: usize,
        /// What the last checkpoint holds.
        resumable: String,
    },
    /// A model that does not do what its plug-in declares (see [`crate::Model`]).
    #[error("{model} breaks its plug-in contract: {reason}")]
    Contract {
        /// The model.
        model: String,
        /// What it declares and what it did.
        reason: String,
    },
    /// Reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file that does not hold what it should.
    #[error("{path}: {reason}")]
    BadFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A tensor operation failed.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
    /// An item–item graph could not be built.
    #[error(transparent)]
    ItemGraph(#[from] gnnrec_graph::item_item::ItemGraphError),
    /// An error with what was being done when it happened.
    #[error("{context}: {source}")]
    Context {
        /// What was being done.
        context: String,
        /// The cause.
        #[source]
        source: Box<ModelError>,
    },
}

impl ModelError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> ModelError {
        ModelError::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// A file at `path` that does not hold what it should.
    pub fn bad_file(path: &Path, reason: impl ToString) -> ModelError {
        ModelError::BadFile {
            path: path.display().to_string(),
            reason: reason.to_string(),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;

/// Adds what was being done to an error.
pub trait Context<T> {
    /// The error, prefixed by `context`.
    fn context(self, context: impl ToString) -> Result<T>;
    /// The error, prefixed by the context `f` makes (only on error).
    fn with_context<S: ToString>(self, f: impl FnOnce() -> S) -> Result<T>;
}

impl<T, E: Into<ModelError>> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl ToString) -> Result<T> {
        self.map_err(|e| ModelError::Context {
            context: context.to_string(),
            source: Box::new(e.into()),
        })
    }
    fn with_context<S: ToString>(self, f: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| ModelError::Context {
            context: f().to_string(),
            source: Box::new(e.into()),
        })
    }
}

/// Returns early with a [`ModelError::Invalid`] made by `format!`.
macro_rules! bail {
    ($($t:tt)*) => {
        return Err($crate::framework::error::ModelError::Invalid(format!($($t)*)))
    };
}
pub(crate) use bail;
