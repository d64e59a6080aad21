//! The LightGCN adjacency-list format: one line per user, `uid item item …`, space-separated,
//! in `train.txt` and `test.txt` (gowalla, yelp2018, amazon-book, …).
//!
//! Lines have a varying number of fields, which a CSV reader (polars included) does not take,
//! so this format is parsed here directly: one pass over the bytes, no allocation per field.

use std::path::Path;

use crate::dataset::{Dataset, LoadReport};
use crate::error::{DataError, Result};
use crate::idmap::IdMap;
use crate::interactions::Interactions;
use crate::source::Source;
use crate::split::{Split, SplitSpec};
use crate::text::{self, Encoding};

/// The content of one adjacency-list file, in raw ids.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdjacencyLists {
    /// The user of every line, in file order (users with no items included).
    pub line_users: Vec<i64>,
    /// The user of every (user, item) pair.
    pub users: Vec<i64>,
    /// The item of every (user, item) pair.
    pub items: Vec<i64>,
}

impl AdjacencyLists {
    /// The pairs in dense indices of `users` and `items`, maps built from (at least) these
    /// lists' ids.
    pub fn indexed(&self, users: &IdMap, items: &IdMap) -> Interactions {
        Interactions::new(
            users
                .indices_of_ints(&self.users)
                .expect("map built from these ids"),
            items
                .indices_of_ints(&self.items)
                .expect("map built from these ids"),
        )
    }
}

/// Parses one adjacency-list file.
pub fn read(source: &Source) -> Result<AdjacencyLists> {
    let file = source.name();
    let bytes = text::decode(&file, source.read()?, Encoding::Utf8)?;
    let out = parse(&file, &bytes, 1)?;
    if out.line_users.is_empty() {
        return Err(DataError::file(&file, "the file has no data lines"));
    }
    Ok(out)
}

/// Parses the lines of `bytes`, a run of whole lines of `file` whose first line is line
/// `first_line` of the file (1 for a whole file; a distributed reader parses a byte range).
/// Errors name `file` and the line. An empty run parses to empty lists.
pub fn parse(file: &str, bytes: &[u8], first_line: usize) -> Result<AdjacencyLists> {
    let mut out = AdjacencyLists {
        line_users: Vec::with_capacity(bytes.len() / 64),
        users: Vec::with_capacity(bytes.len() / 6),
        items: Vec::with_capacity(bytes.len() / 6),
    };
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let mut fields = line
            .split(|&b| b == b' ' || b == b'\t' || b == b'\r')
            .filter(|f| !f.is_empty());
        let Some(first) = fields.next() else {
            continue; // blank line
        };
        let at = first_line + n;
        let user = parse_id(first).ok_or_else(|| bad_id(file, at, "user", first))?;
        out.line_users.push(user);
        for f in fields {
            let item = parse_id(f).ok_or_else(|| bad_id(file, at, "item", f))?;
            out.users.push(user);
            out.items.push(item);
        }
    }
    Ok(out)
}

fn bad_id(file: &str, line: usize, what: &str, field: &[u8]) -> DataError {
    DataError::line(
        file,
        line,
        format!(
            "{what} id `{}` is not a non-negative integer",
            String::from_utf8_lossy(field)
        ),
    )
}

fn parse_id(field: &[u8]) -> Option<i64> {
    if field.is_empty() || field.len() > 18 {
        return None;
    }
    let mut v: i64 = 0;
    for &b in field {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(b - b'0');
    }
    Some(v)
}

/// Loads a dataset in this format from `dir/train.txt` and `dir/test.txt`, named `name`.
/// Users are those of either file's lines, items those of either file's pairs; the official
/// split is `train`.
pub fn load(dir: &Path, name: &str) -> Result<Dataset> {
    let train = read(&Source::path(dir.join("train.txt")))?;
    let test = read(&Source::path(dir.join("test.txt")))?;
    let users = IdMap::from_ints(train.line_users.iter().chain(&test.line_users).copied());
    let items = IdMap::from_ints(train.items.iter().chain(&test.items).copied());
    let mut train_x = train.indexed(&users, &items);
    let mut test_x = test.indexed(&users, &items);
    let report = LoadReport {
        duplicates_removed: train_x.dedup_pairs() + test_x.dedup_pairs(),
        notes: Vec::new(),
    };
    let mut all = train_x.clone();
    all.extend(&test_x);
    Ok(Dataset {
        name: name.to_string(),
        users,
        items,
        interactions: all,
        item_titles: None,
        user_features: None,
        item_features: None,
        rating_scale: None,
        official_splits: vec![Split {
            name: "train".into(),
            train: train_x,
            test: test_x,
        }],
        default_split: SplitSpec::Official("train".into()),
        social: None,
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn parses_lines_and_rejects_bad_ids() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("train.txt");
        std::fs::write(&p, "0 1 2\n1\n\n2 0\r\n").unwrap();
        let a = read(&Source::path(&p)).unwrap();
        assert_eq!(a.line_users, vec![0, 1, 2]);
        assert_eq!(a.users, vec![0, 0, 2]);
        assert_eq!(a.items, vec![1, 2, 0]);

        let mut f = std::fs::File::create(&p).unwrap();
        writeln!(f, "0 1 2\n1 x3").unwrap();
        let err = read(&Source::path(&p)).unwrap_err();
        assert_eq!(err.line_number(), Some(2));
        assert!(err.to_string().contains("item id `x3`"), "{err}");
    }
}
