//! A dataset split into two delimited files in advance (ml-100k's `u1.base` / `u1.test`),
//! read by byte ranges: no rank reads or holds either file whole.
//!
//! The id maps come with the files ([`SplitFiles`]: the dataset's own user and item lists,
//! small, read by every rank as the single process reads them). Each rank parses its share of
//! each file with the dataset's parser ([`crate::share::read_parsed`]: errors name the file
//! and its true line), and every pair travels to its user's owner in one all-to-all; each
//! user's pairs arrive in file order, and repeated pairs are dropped as the single process
//! drops them (first kept).

use std::path::Path;

use gnnrec_data::loaders::SplitFiles;
use gnnrec_data::{DataError, Interactions, Result, Split};

use crate::comm::{Comm, CommExt};
use crate::partition::Blocks;
use crate::sharded::{ShardedData, to_owners_deduped};
use crate::share::read_parsed;

/// Loads this rank's share of the split `files` of dataset `name`. A collective.
pub fn load(name: &str, files: &SplitFiles, comm: &dyn Comm) -> Result<ShardedData> {
    let blocks = Blocks::new(files.users.len(), comm.size());
    let read = |path: &Path| -> Result<(Interactions, Vec<u64>)> {
        let mine = read_parsed(path, comm, |file, bytes, first| {
            (files.parse)(file, bytes, first, &files.users, &files.items)
        })?;
        if comm.sum_u64(mine.len() as u64) == 0 {
            return Err(DataError::file(
                path.display().to_string(),
                "the file has no data rows",
            ));
        }
        Ok(to_owners_deduped(&mine, &blocks, comm))
    };
    let (train, train_positions) = read(&files.train)?;
    let (test, _) = read(&files.test)?;
    Ok(ShardedData {
        name: name.to_string(),
        users: files.users.clone(),
        items: files.items.clone(),
        blocks,
        rank: comm.rank(),
        split: Split {
            name: files.name.clone(),
            train,
            test,
        },
        train_positions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LocalGroup;
    use gnnrec_data::loaders::ml100k;

    /// A small ml-100k: 6 users, 5 items, a split whose files hold a repeated pair.
    fn toy(dir: &Path, base: &str) {
        let users: String = (1..=6).map(|u| format!("{u}|20|M|other|00000\n")).collect();
        let genres = "0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0";
        let items: String = (1..=5)
            .map(|i| format!("{i}|Movie {i} (1995)|01-Jan-1995||http://x|{genres}\n"))
            .collect();
        std::fs::write(dir.join("u.user"), users).unwrap();
        std::fs::write(dir.join("u.item"), items).unwrap();
        std::fs::write(dir.join("u.occupation"), "other\n").unwrap();
        std::fs::write(dir.join("u.genre"), "unknown|0\n").unwrap();
        std::fs::write(dir.join("u.data"), base).unwrap();
        std::fs::write(dir.join("u1.base"), base).unwrap();
        std::fs::write(dir.join("u1.test"), "2\t5\t3\t9\n6\t1\t4\t9\n").unwrap();
    }

    #[test]
    fn shards_put_together_are_the_single_process_split() {
        let dir = tempfile::tempdir().unwrap();
        let base = "3\t1\t5\t1\n1\t2\t4\t2\n6\t3\t3\t3\n1\t4\t2\t4\n3\t1\t1\t5\n\
                    2\t2\t5\t6\n5\t5\t4\t7\n4\t3\t3\t8\n1\t1\t2\t9\n";
        toy(dir.path(), base);
        let whole = ml100k::load(dir.path()).unwrap();
        let split = &whole.official_splits[0];
        let files = ml100k::split_files(dir.path(), Some("u1")).unwrap();
        for n in 1..=4 {
            let shards = LocalGroup::run(n, |c| load("ml-100k", &files, c).unwrap());
            // User 3's repeated item 1 moves every row after it up one place.
            crate::sharded::assert_shards_of(&shards, &whole.users, &whole.items, split);
        }
    }

    #[test]
    fn a_bad_rating_names_the_file_and_its_true_line_whichever_rank_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut base: String = (0..30)
            .map(|k| format!("{}\t{}\t3\t1\n", k % 6 + 1, k % 5 + 1))
            .collect();
        base.push_str("2\t3\tgood\t1\n");
        toy(dir.path(), &base);
        let files = ml100k::split_files(dir.path(), None).unwrap();
        let errs: Vec<String> = LocalGroup::run(3, |c| {
            load("ml-100k", &files, c).err().map(|e| e.to_string())
        })
        .into_iter()
        .map(|e| e.expect("every rank fails"))
        .collect();
        let named: Vec<&String> = errs.iter().filter(|e| e.contains("line 31")).collect();
        assert_eq!(named.len(), 1, "{errs:?}");
        assert!(named[0].contains("u1.base"), "{}", named[0]);
        assert!(errs.iter().all(|e| e.contains("u1.base")), "{errs:?}");
    }
}
