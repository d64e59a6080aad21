//! The LightGCN adjacency-list format (`train.txt`, `test.txt`: `user item item …` per line)
//! read by byte ranges: no rank reads or holds the whole file.
//!
//! 1. Each rank reads its share of each file ([`crate::byte_range`]) and parses it with the
//!    single-process parser, line numbers shifted by the newlines of the shares before it,
//!    so an error names the file and its true line.
//! 2. The id maps: every rank's distinct raw user and item ids, gathered and sorted — the
//!    single process's maps ([`IdMap`] orders ids the same way whatever the file order).
//! 3. Every (user, item) pair travels to its user's owner ([`Blocks`]) in one all-to-all;
//!    received in sender order, each user's pairs keep their file order, and the repeated
//!    pairs are dropped as the single process drops them (first kept).

use std::path::Path;

use gnnrec_data::loaders::adjacency::{AdjacencyLists, parse};
use gnnrec_data::{DataError, IdMap, Result, Split};

use crate::comm::{Comm, CommExt};
use crate::partition::Blocks;
use crate::sharded::{ShardedData, to_owners_deduped};
use crate::share::read_parsed;

/// Loads this rank's share of the dataset in `dir` (`train.txt`, `test.txt`), named `name`;
/// the split is the official `train`, as [`gnnrec_data::loaders::adjacency::load`] makes it.
pub fn load(dir: &Path, name: &str, comm: &dyn Comm) -> Result<ShardedData> {
    let train = read_lists(&dir.join("train.txt"), comm)?;
    let test = read_lists(&dir.join("test.txt"), comm)?;
    let mut mine_users: Vec<i64> = train
        .line_users
        .iter()
        .chain(&test.line_users)
        .copied()
        .collect();
    mine_users.sort_unstable();
    mine_users.dedup();
    let mut mine_items: Vec<i64> = train.items.iter().chain(&test.items).copied().collect();
    mine_items.sort_unstable();
    mine_items.dedup();
    let users = IdMap::from_ints(comm.all_gather_i64s(&mine_users));
    let items = IdMap::from_ints(comm.all_gather_i64s(&mine_items));
    let blocks = Blocks::new(users.len(), comm.size());
    let route = |a: &AdjacencyLists| to_owners_deduped(&a.indexed(&users, &items), &blocks, comm);
    let (train, train_positions) = route(&train);
    let (test, _) = route(&test);
    let split = Split {
        name: "train".into(),
        train,
        test,
    };
    Ok(ShardedData {
        name: name.to_string(),
        users,
        items,
        blocks,
        rank: comm.rank(),
        split,
        train_positions,
    })
}

/// This rank's share of one adjacency-list file, parsed; the file as a whole must have a
/// data line. Every rank fails when any rank's share is bad ([`read_parsed`]).
fn read_lists(path: &Path, comm: &dyn Comm) -> Result<AdjacencyLists> {
    let lists = read_parsed(path, comm, |file, bytes, first| parse(file, &bytes, first))?;
    if comm.sum_u64(lists.line_users.len() as u64) == 0 {
        return Err(DataError::file(
            path.display().to_string(),
            "the file has no data lines",
        ));
    }
    Ok(lists)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LocalGroup;
    use gnnrec_data::Interactions;

    fn write(dir: &Path, train: &str, test: &str) {
        std::fs::write(dir.join("train.txt"), train).unwrap();
        std::fs::write(dir.join("test.txt"), test).unwrap();
    }

    #[test]
    fn shards_put_together_are_the_single_process_dataset() {
        let dir = tempfile::tempdir().unwrap();
        // Users out of order, a repeated pair, a user with no items, ids with gaps.
        write(
            dir.path(),
            "5 1 2 2\n0 7\n9\n3 1 40 7 2\n12 2\n2 7 1\n",
            "0 1\n3 9\n5 40\n12 1 7\n",
        );
        let whole = gnnrec_data::loaders::adjacency::load(dir.path(), "toy").unwrap();
        let split = &whole.official_splits[0];
        for n in 1..=4 {
            let shards = LocalGroup::run(n, |c| load(dir.path(), "toy", c).unwrap());
            let (mut train, mut test) = (Interactions::default(), Interactions::default());
            for s in &shards {
                assert_eq!(s.users.raw_ids(), whole.users.raw_ids());
                assert_eq!(s.items.raw_ids(), whole.items.raw_ids());
                let own = s.own_users();
                assert!(s.split.train.users.iter().all(|u| own.contains(u)));
                train.extend(&s.split.train);
                test.extend(&s.split.test);
            }
            // Rank order is user order; within a user, file order.
            let by_user = |x: &Interactions| {
                let mut rows: Vec<(u32, usize, u32)> = x
                    .users
                    .iter()
                    .zip(&x.items)
                    .enumerate()
                    .map(|(k, (&u, &i))| (u, k, i))
                    .collect();
                rows.sort_by_key(|&(u, k, _)| (u, k));
                rows.into_iter().map(|(u, _, i)| (u, i)).collect::<Vec<_>>()
            };
            assert_eq!(by_user(&train), by_user(&split.train), "{n} ranks");
            assert_eq!(by_user(&test), by_user(&split.test), "{n} ranks");
            // The repeated pair of user 5's line shifts every pair after it.
            crate::sharded::assert_positions(&shards, &split.train);
        }
    }

    #[test]
    fn a_bad_id_names_the_file_and_its_true_line_whichever_rank_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let lines: String = (0..40).map(|u| format!("{u} 1 2 3\n")).collect();
        write(dir.path(), &format!("{lines}40 1 x\n"), "0 1\n");
        let errs = LocalGroup::run(3, |c| {
            load(dir.path(), "toy", c).err().map(|e| e.to_string())
        });
        let errs: Vec<String> = errs
            .into_iter()
            .map(|e| e.expect("every rank fails"))
            .collect();
        let named: Vec<&String> = errs.iter().filter(|e| e.contains("item id `x`")).collect();
        assert_eq!(named.len(), 1, "{errs:?}");
        assert!(
            named[0].contains("train.txt") && named[0].contains("41"),
            "{}",
            named[0]
        );
        assert!(errs.iter().all(|e| e.contains("train.txt")), "{errs:?}");
    }
}
