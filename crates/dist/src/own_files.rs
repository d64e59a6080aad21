//! A user's own interactions files (CSV, TSV: [`gnnrec_data::loaders::delimited`]) read by
//! byte ranges: no rank reads or holds a file whole.
//!
//! 1. Every rank decides the file's layout (separator, header, columns) from its first two
//!    non-blank lines, as one process decides it ([`Layout::of_file_start`]), then parses
//!    its share of the lines with the single-process parser ([`crate::share::read_parsed`]:
//!    errors name the file and its true line; the header is skipped by the rank whose share
//!    holds it).
//! 2. The id maps: every rank's distinct raw ids, gathered — the single process's maps
//!    ([`IdMap::from_texts`] orders ids the same way whatever the file order).
//! 3. Every pair travels to its user's owner with its place in the file, and the repeated
//!    pairs are dropped as one process drops them ([`crate::sharded`]).
//! 4. The split: one file is split at random as one process splits it — rank 0 shuffles the
//!    rows' places and sends one bit per row ([`crate::carve`]); a training file and a test
//!    file are the official split `files`.
//!
//! The distributed models read pairs only: ratings, weights and times are parsed (a bad value
//! stops the run, naming its line) but not sent to the owners.

use std::path::Path;

use gnnrec_data::loaders::delimited::{self, Columns, FILES_SPLIT, InteractionFile, Layout};
use gnnrec_data::split::partition;
use gnnrec_data::{DataError, IdMap, Result, Split, SplitSpec};

use crate::carve::{is_picked, picked_below, picked_on_root};
use crate::comm::{Comm, CommExt};
use crate::partition::Blocks;
use crate::sharded::{ShardedData, to_owners_deduped};
use crate::share::read_parsed;
use crate::wire;

/// Loads this rank's share of the interactions file `file`, split at random with
/// `test_fraction` and `seed` (the single process's `random:F:S`, 0.2 and 42 by default). A
/// collective.
pub fn load(
    file: &InteractionFile,
    test_fraction: f64,
    seed: u64,
    comm: &dyn Comm,
) -> Result<ShardedData> {
    let columns = read_columns(file, comm)?;
    let users = agree_ids(&columns.users, comm);
    let items = agree_ids(&columns.items, comm);
    let blocks = Blocks::new(users.len(), comm.size());
    let (own, places) = to_owners_deduped(&columns.indexed(&users, &items), &blocks, comm);
    let n = comm.sum_u64(own.len() as u64);
    let picked = picked_on_root(n, test_fraction, seed, comm);
    let is_test: Vec<bool> = places.iter().map(|&p| is_picked(&picked, p)).collect();
    // A training row's place in train: its place less the test rows before it.
    let train_positions = places
        .iter()
        .zip(picked_below(&picked, &places))
        .filter(|&(&p, _)| !is_picked(&picked, p))
        .map(|(&p, below)| p - below)
        .collect();
    let spec = SplitSpec::Random {
        test_fraction,
        seed,
    };
    Ok(ShardedData {
        name: delimited::stem(&file.path),
        users,
        items,
        blocks,
        rank: comm.rank(),
        split: partition(&own, &is_test, spec.to_string()),
        train_positions,
    })
}

/// Loads this rank's share of a split given as a training file and a test file, each read
/// alike: the official split `files`, as [`delimited::load_split_files`] makes it. A
/// collective.
pub fn load_split(
    train: &InteractionFile,
    test: &InteractionFile,
    comm: &dyn Comm,
) -> Result<ShardedData> {
    let tr = read_columns(train, comm)?;
    let te = read_columns(test, comm)?;
    let users = agree_ids(tr.users.iter().chain(&te.users), comm);
    let items = agree_ids(tr.items.iter().chain(&te.items), comm);
    te.check_alike(&tr, &test.path)?;
    let blocks = Blocks::new(users.len(), comm.size());
    let (train_x, train_positions) = to_owners_deduped(&tr.indexed(&users, &items), &blocks, comm);
    let (test_x, _) = to_owners_deduped(&te.indexed(&users, &items), &blocks, comm);
    Ok(ShardedData {
        name: delimited::stem(&train.path),
        users,
        items,
        blocks,
        rank: comm.rank(),
        split: Split {
            name: FILES_SPLIT.into(),
            train: train_x,
            test: test_x,
        },
        train_positions,
    })
}

/// This rank's share of `file`'s rows, parsed; the file as a whole must have a data row.
fn read_columns(file: &InteractionFile, comm: &dyn Comm) -> Result<Columns> {
    let start = Layout::of_file_start(file);
    if comm.any(start.is_err()) {
        return Err(start.err().unwrap_or_else(|| {
            DataError::file(
                file.path.display().to_string(),
                "another rank could not read this file's first lines",
            )
        }));
    }
    let (layout, header_line) = start?;
    let path: &Path = &file.path;
    let columns = read_parsed(path, comm, |name, bytes, first| {
        layout.parse_part(name, bytes, first, header_line)
    })?;
    if comm.sum_u64(columns.users.len() as u64) == 0 {
        return Err(DataError::file(
            path.display().to_string(),
            "the file has no data rows",
        ));
    }
    Ok(columns)
}

/// The id map of every rank's `ids` together: each rank's distinct ids, gathered.
fn agree_ids<'a>(ids: impl IntoIterator<Item = &'a String>, comm: &dyn Comm) -> IdMap {
    let mut mine: Vec<&str> = ids.into_iter().map(String::as_str).collect();
    mine.sort_unstable();
    mine.dedup();
    let all: Vec<String> = comm
        .all_gather_bytes(&wire::from_strs(&mine))
        .iter()
        .flat_map(|b| wire::strs(b))
        .collect();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    IdMap::from_texts(all.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LocalGroup;
    use gnnrec_data::Dataset;

    /// Each shard of `shards` is the single process's `whole` and `split` cut by user.
    fn assert_shards_are(shards: &[ShardedData], whole: &Dataset, split: &Split) {
        assert!(shards.iter().all(|s| s.name == whole.name));
        crate::sharded::assert_shards_of(shards, &whole.users, &whole.items, split);
    }

    #[test]
    fn a_csv_file_split_at_random_is_the_single_process_split() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shop.csv");
        // A header, string ids, blank lines, a quoted field, repeated pairs.
        let mut text = String::from("\n\"customer\",sku,stars\n");
        for k in 0..90u32 {
            text.push_str(&format!(
                "c{},\"sku {}\",{}\n",
                k * 7 % 23,
                k * 5 % 31,
                k % 5 + 1
            ));
            if k % 17 == 0 {
                text.push_str("\n   \n");
            }
            if k == 30 {
                // The second is dropped, and every row after it moves up one place.
                text.push_str("c3,sku 1,4\nc3,sku 1,2\n");
            }
        }
        std::fs::write(&path, text).unwrap();
        let file = InteractionFile::auto(&path)
            .with_columns("user=customer,item=sku,rating=stars")
            .unwrap();
        let whole = delimited::load(&file).unwrap();
        assert!(whole.report.duplicates_removed > 0);
        for (f, seed) in [(0.2, 42), (0.5, 3)] {
            let split = whole
                .split(&SplitSpec::Random {
                    test_fraction: f,
                    seed,
                })
                .unwrap();
            for n in 1..=4 {
                let shards = LocalGroup::run(n, |c| load(&file, f, seed, c).unwrap());
                assert_shards_are(&shards, &whole, &split);
            }
        }
    }

    #[test]
    fn a_training_and_a_test_file_are_the_single_process_split() {
        let dir = tempfile::tempdir().unwrap();
        let (train, test) = (dir.path().join("train.tsv"), dir.path().join("test.tsv"));
        // No header: user, item, weight by position; the test file names a user train lacks.
        let rows = |from: u32, to: u32| -> String {
            (from..to)
                .map(|k| format!("{}\t{}\t1\n", k * 3 % 19, 100 + k * 7 % 29))
                .collect()
        };
        std::fs::write(&train, rows(0, 70) + &rows(5, 9)).unwrap();
        std::fs::write(&test, rows(70, 90) + "77\t100\t1\n").unwrap();
        let (train, test) = (InteractionFile::auto(&train), InteractionFile::auto(&test));
        let whole = delimited::load_split_files(&train, &test).unwrap();
        let split = &whole.official_splits[0];
        for n in 1..=4 {
            let shards = LocalGroup::run(n, |c| load_split(&train, &test, c).unwrap());
            assert_shards_are(&shards, &whole, split);
        }
    }

    #[test]
    fn a_bad_value_names_the_file_and_its_true_line_whichever_rank_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let mut text = String::from("user,item,rating\n");
        for k in 0..40 {
            text.push_str(&format!("{},{},3\n", k % 7, k % 11));
        }
        text.push_str("2,3,good\n4,5,1\n");
        std::fs::write(&path, text).unwrap();
        let file = InteractionFile::auto(&path);
        let single = delimited::load(&file).unwrap_err().to_string();
        assert!(single.contains("line 42"), "{single}");
        let errs: Vec<String> =
            LocalGroup::run(3, |c| load(&file, 0.2, 42, c).err().map(|e| e.to_string()))
                .into_iter()
                .map(|e| e.expect("every rank fails"))
                .collect();
        let named: Vec<&String> = errs.iter().filter(|e| e.contains("line 42")).collect();
        assert_eq!(named.len(), 1, "{errs:?}");
        assert!(
            named[0].contains("x.csv") && named[0].contains("good"),
            "{}",
            named[0]
        );
        assert!(errs.iter().all(|e| e.contains("x.csv")), "{errs:?}");
    }
}
