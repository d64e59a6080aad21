//! The run library's errors as Python exceptions, with the whole Rust message (what was being
//! done, then each cause): `FileNotFoundError` for a dataset or run that is not there,
//! `gnnrec.DataError` (a `ValueError`) for data that cannot be read — the message names the
//! file or column and the line or row —, `ValueError` for bad settings or requests,
//! `KeyboardInterrupt` for a training stopped by Ctrl-C, `MemoryError` for work that would not
//! fit, `OSError` for the rest of the file system, `RuntimeError` otherwise.

use std::error::Error as StdError;

use gnnrec_data::DataError as RustDataError;
use gnnrec_models::ModelError;
use gnnrec_run::RunError;
use pyo3::exceptions::{
    PyFileNotFoundError, PyKeyboardInterrupt, PyMemoryError, PyOSError, PyRuntimeError,
    PyValueError,
};
use pyo3::{PyErr, create_exception};

create_exception!(
    gnnrec,
    DataError,
    PyValueError,
    "Data gnnrec cannot read: the message names the file (or table and column) and the line \
     (or row), and says why."
);

/// The error and its causes on one line, `a: b: c`, without a cause repeated by its context.
pub fn chain(e: &dyn StdError) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !s.ends_with(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        cause = c.source();
    }
    s
}

/// What kind of Python exception the error (or the first cause that decides) is.
enum Kind {
    NotFound,
    Data,
    Value,
    Interrupt,
    Memory,
    Os,
    Other,
}

fn kind_of_data(e: &RustDataError) -> Kind {
    match e {
        RustDataError::DatasetMissing { .. } => Kind::NotFound,
        RustDataError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            Kind::NotFound
        }
        RustDataError::Io { .. } => Kind::Os,
        RustDataError::Invalid { .. } => Kind::Data,
        RustDataError::UnknownDataset { .. }
        | RustDataError::Option { .. }
        | RustDataError::Split { .. } => Kind::Value,
    }
}

fn kind_of_model(e: &ModelError) -> Kind {
    match e {
        ModelError::Interrupted { .. } => Kind::Interrupt,
        ModelError::Io { .. } => Kind::Os,
        ModelError::Context { source, .. } => kind_of_model(source),
        ModelError::BadFile { .. } => Kind::Data,
        ModelError::Contract { .. } | ModelError::Candle(_) => Kind::Other,
        _ => Kind::Value,
    }
}

fn kind_of_run(e: &RunError) -> Kind {
    match e {
        RunError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            Kind::NotFound
        }
        RunError::Io { .. } => Kind::Os,
        RunError::Corrupt { .. } => Kind::Data,
        RunError::Incomplete(_) | RunError::Invalid(_) => Kind::Value,
        RunError::Model { source, .. } | RunError::Models(source) => kind_of_model(source),
        RunError::TooLarge(_) => Kind::Memory,
        RunError::Data(d) => kind_of_data(d),
        RunError::Context { source, .. } => kind_of_dyn(source.as_ref()),
    }
}

fn kind_of_dyn(e: &(dyn StdError + 'static)) -> Kind {
    if let Some(r) = e.downcast_ref::<RunError>() {
        kind_of_run(r)
    } else if let Some(d) = e.downcast_ref::<RustDataError>() {
        kind_of_data(d)
    } else if let Some(m) = e.downcast_ref::<ModelError>() {
        kind_of_model(m)
    } else if let Some(io) = e.downcast_ref::<std::io::Error>() {
        if io.kind() == std::io::ErrorKind::NotFound {
            Kind::NotFound
        } else {
            Kind::Os
        }
    } else {
        match e.source() {
            Some(inner) => kind_of_dyn(inner),
            None => Kind::Other,
        }
    }
}

fn raise(kind: Kind, message: String) -> PyErr {
    match kind {
        Kind::NotFound => PyFileNotFoundError::new_err(message),
        Kind::Data => DataError::new_err(message),
        Kind::Value => PyValueError::new_err(message),
        Kind::Interrupt => PyKeyboardInterrupt::new_err(message),
        Kind::Memory => PyMemoryError::new_err(message),
        Kind::Os => PyOSError::new_err(message),
        Kind::Other => PyRuntimeError::new_err(message),
    }
}

/// A run-layer error as the Python exception of its kind.
pub fn run_error(e: RunError) -> PyErr {
    raise(kind_of_run(&e), chain(&e))
}

/// A models-layer error as the Python exception of its kind.
pub fn model_error(e: ModelError) -> PyErr {
    raise(kind_of_model(&e), chain(&e))
}

/// A data-layer error as the Python exception of its kind.
pub fn data_error(e: RustDataError) -> PyErr {
    raise(kind_of_data(&e), chain(&e))
}

/// A `ValueError` with `message`.
pub fn value_error(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}
