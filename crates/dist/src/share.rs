//! One rank's share of a text file, parsed where it lies: every rank reads its whole lines
//! ([`crate::byte_range`]), parses them with the single process's parser from the file's
//! true line number on, and learns whether any rank failed — so a bad line stops every rank,
//! the rank that found it naming the file, line and reason, and no rank is left waiting in a
//! collective for one that gave up.

use std::path::Path;

use gnnrec_data::{DataError, Result};

use crate::byte_range::{count_lines, read_share};
use crate::comm::{Comm, CommExt};

/// This rank's share of `path`, parsed by `parse(file, bytes, first_line)`. A collective.
pub fn read_parsed<T>(
    path: &Path,
    comm: &dyn Comm,
    parse: impl FnOnce(&str, Vec<u8>, usize) -> Result<T>,
) -> Result<T> {
    let file = path.display().to_string();
    let bytes = read_share(path, comm.rank(), comm.size()).map_err(|source| DataError::Io {
        file: file.clone(),
        source,
    });
    let newlines = bytes.as_deref().map_or(0, count_lines);
    let first_line = comm.exclusive_scan_u64(newlines) as usize + 1;
    let parsed = bytes.and_then(|bytes| {
        if let Err(e) = std::str::from_utf8(&bytes) {
            let line = first_line + count_lines(&bytes[..e.valid_up_to()]) as usize;
            return Err(DataError::line(
                &file,
                line,
                "invalid UTF-8; is the file in another encoding?",
            ));
        }
        parse(&file, bytes, first_line)
    });
    if comm.any(parsed.is_err()) {
        return Err(parsed.err().unwrap_or_else(|| {
            DataError::file(&file, "another rank could not read its share of this file")
        }));
    }
    parsed
}
