//! One loader per file format. Each returns a [`Dataset`](crate::Dataset) whose indices are
//! dense and whose raw ids are kept in its id maps.

pub mod adjacency;
pub mod delimited;
pub mod lastfm;
pub mod lastfm_hetrec;
pub mod ml100k;
pub mod ml1m;
pub mod ml_latest_small;

use crate::error::{DataError, Result};
use crate::idmap::IdMap;
use crate::interactions::Interactions;
use crate::table::Table;

/// Parses whole lines of a file (`file`, from its line `first_line` on) against known id maps.
pub type PartParser = fn(&str, Vec<u8>, usize, &IdMap, &IdMap) -> Result<Interactions>;

/// A dataset split into two files in advance, with the id maps every reader agrees on and the
/// parser of the files' lines: what a reader that takes each file in parts needs (one rank's
/// share of a distributed run, `gnnrec_dist::split_files`).
#[derive(Debug, Clone)]
pub struct SplitFiles {
    /// The split's name (ml-100k's `u1` …).
    pub name: String,
    /// The training file.
    pub train: std::path::PathBuf,
    /// The test file.
    pub test: std::path::PathBuf,
    /// Raw user ids ↔ indices, as the dataset's loader makes them.
    pub users: IdMap,
    /// Raw item ids ↔ indices, as the dataset's loader makes them.
    pub items: IdMap,
    /// The parser of the files' lines (repeated pairs kept: the reader drops them).
    pub parse: PartParser,
}

/// Maps the integer ids of one column through `map`; an id the map lacks is an error naming
/// its line and what it should have matched.
pub(crate) fn map_int_column(
    table: &Table,
    ids: &[i64],
    map: &IdMap,
    what: &str,
    defined_in: &str,
) -> Result<Vec<u32>> {
    map.indices_of_ints(ids).map_err(|row| {
        table.row_error(
            row,
            format!("{what} {} does not appear in {defined_in}", ids[row]),
        )
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Fails with a file-level error unless `cond` holds.
pub(crate) fn ensure(cond: bool, file: &str, reason: impl FnOnce() -> String) -> Result<()> {
    if cond {
        Ok(())
    } else {
        Err(DataError::file(file, reason()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_days() {
        assert_eq!(super::days_from_civil(1970, 1, 1), 0);
        assert_eq!(super::days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(super::days_from_civil(2009, 4, 1), 14_335);
    }
}
