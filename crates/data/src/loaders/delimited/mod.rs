//! Any interactions file a user brings: CSV or TSV, with or without a header, with chosen
//! columns for user, item and optional rating, weight and timestamp. How a file is laid out
//! and parsed — whole, or one rank's share of its lines — is [`Layout`]'s.

use std::path::{Path, PathBuf};

use crate::dataset::{Dataset, LoadReport, RatingScale};
use crate::error::{DataError, Result};
use crate::idmap::IdMap;
use crate::interactions::Interactions;
use crate::split::{Split, SplitSpec};

mod layout;

use layout::read;
pub use layout::{Columns, Layout};

/// How to read a user's interactions file. `None` fields are detected:
///
/// - `separator`: tab if the first line has a tab, else comma, else `;`, else space;
/// - `has_header`: true if the first line names a column (see below) rather than holding ids;
/// - columns: by header name (`user`/`userId`/`user_id`/`uid`, `item`/`itemId`/`item_id`/
///   `movieId`/`iid`, `rating`, `weight`, `timestamp`/`time`), otherwise by position:
///   user 0, item 1, weight 2 and timestamp 3 where present (the `user,item,weight,timestamp`
///   edge list). A column is named by header name or 0-based index.
#[derive(Debug, Clone, Default)]
pub struct InteractionFile {
    /// The file.
    pub path: PathBuf,
    /// Field separator.
    pub separator: Option<u8>,
    /// Whether the first line is a header.
    pub has_header: Option<bool>,
    /// User column.
    pub user: Option<String>,
    /// Item column.
    pub item: Option<String>,
    /// Explicit rating column.
    pub rating: Option<String>,
    /// Implicit weight column.
    pub weight: Option<String>,
    /// Unix-seconds timestamp column.
    pub timestamp: Option<String>,
}

pub(crate) const USER_NAMES: [&str; 4] = ["user", "userid", "user_id", "uid"];
pub(crate) const ITEM_NAMES: [&str; 6] =
    ["item", "itemid", "item_id", "movieid", "artistid", "iid"];
pub(crate) const TIME_NAMES: [&str; 3] = ["timestamp", "time", "ts"];

impl InteractionFile {
    /// A file read with every setting detected.
    pub fn auto(path: impl AsRef<Path>) -> Self {
        InteractionFile {
            path: path.as_ref().to_path_buf(),
            ..Default::default()
        }
    }

    /// Names the columns as `--columns` does: `user=customer_id,item=sku,rating=stars,time=ts`
    /// (header names or 0-based positions; keys `user`, `item`, `rating`, `weight`, `time`).
    pub fn with_columns(mut self, spec: &str) -> Result<Self> {
        let bad = |reason: String| DataError::Option {
            option: "--columns".into(),
            reason,
        };
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, column)) = part.split_once('=') else {
                return Err(bad(format!("`{part}` is not KEY=COLUMN")));
            };
            let column = Some(column.trim().to_string()).filter(|c| !c.is_empty());
            let Some(column) = column else {
                return Err(bad(format!("`{part}` names no column")));
            };
            let slot = match key.trim() {
                "user" => &mut self.user,
                "item" => &mut self.item,
                "rating" => &mut self.rating,
                "weight" => &mut self.weight,
                "time" | "timestamp" => &mut self.timestamp,
                other => {
                    return Err(bad(format!(
                        "unknown key `{other}`; use user, item, rating, weight, time"
                    )));
                }
            };
            if slot.replace(column).is_some() {
                return Err(bad(format!("`{}` is given twice", key.trim())));
            }
        }
        if self.user.is_none() || self.item.is_none() {
            return Err(bad("name at least the user and item columns".into()));
        }
        Ok(self)
    }

    /// Sets the field separator as `--delimiter` does: one character, or `tab` / `space`.
    pub fn with_delimiter(mut self, d: &str) -> Result<Self> {
        self.separator = Some(match d {
            "tab" | "\\t" | "\t" => b'\t',
            "space" | " " => b' ',
            s if s.len() == 1 && s.is_ascii() => s.as_bytes()[0],
            other => {
                return Err(DataError::Option {
                    option: "--delimiter".into(),
                    reason: format!("`{other}` is not one character, `tab` or `space`"),
                });
            }
        });
        Ok(self)
    }
}

/// The default split of a user's own interactions file: random 80/20 with seed 42.
pub const DEFAULT_SPLIT: SplitSpec = SplitSpec::Random {
    test_fraction: 0.2,
    seed: 42,
};

/// Loads a user's interactions file. Ids may be integers or strings; the default split is a
/// random 80/20 with seed 42.
pub fn load(spec: &InteractionFile) -> Result<Dataset> {
    let c = read(spec)?;
    let users = IdMap::from_texts(c.users.iter().map(String::as_str));
    let items = IdMap::from_texts(c.items.iter().map(String::as_str));
    let mut x = c.indexed(&users, &items);
    let rating_scale = c.ratings.as_deref().map(scale_of);
    let report = LoadReport {
        duplicates_removed: x.dedup_pairs(),
        notes: Vec::new(),
    };
    Ok(own_dataset(
        stem(&spec.path),
        users,
        items,
        x,
        rating_scale,
        report,
    ))
}

/// A user's own interactions as a dataset: no titles, features or official splits; the
/// default split random 80/20 with seed 42 (files and in-memory tables alike).
pub(crate) fn own_dataset(
    name: String,
    users: IdMap,
    items: IdMap,
    interactions: Interactions,
    rating_scale: Option<RatingScale>,
    report: LoadReport,
) -> Dataset {
    Dataset {
        name,
        users,
        items,
        interactions,
        item_titles: None,
        user_features: None,
        item_features: None,
        rating_scale,
        official_splits: Vec::new(),
        default_split: DEFAULT_SPLIT,
        social: None,
        report,
    }
}

/// The name of the official split of a dataset given as a train file and a test file.
pub const FILES_SPLIT: &str = "files";

/// Loads a split given as two files read alike (the way benchmark splits are shared): users
/// and items are those of both; the interactions are train then test; the official (and
/// default) split is [`FILES_SPLIT`].
pub fn load_split_files(train: &InteractionFile, test: &InteractionFile) -> Result<Dataset> {
    let tr = read(train)?;
    let te = read(test)?;
    let users = IdMap::from_texts(tr.users.iter().chain(&te.users).map(String::as_str));
    let items = IdMap::from_texts(tr.items.iter().chain(&te.items).map(String::as_str));
    te.check_alike(&tr, &test.path)?;
    let mut train_x = tr.indexed(&users, &items);
    let mut test_x = te.indexed(&users, &items);
    let report = LoadReport {
        duplicates_removed: train_x.dedup_pairs() + test_x.dedup_pairs(),
        notes: Vec::new(),
    };
    let mut all = train_x.clone();
    all.extend(&test_x);
    let rating_scale = all.ratings.as_deref().map(scale_of);
    Ok(Dataset {
        name: stem(&train.path),
        users,
        items,
        interactions: all,
        item_titles: None,
        user_features: None,
        item_features: None,
        rating_scale,
        official_splits: vec![Split {
            name: FILES_SPLIT.into(),
            train: train_x,
            test: test_x,
        }],
        default_split: SplitSpec::Official(FILES_SPLIT.into()),
        social: None,
        report,
    })
}

/// A dataset's name from its file: the file name without its extension.
pub fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "interactions".into())
}

/// The smallest and largest rating.
pub(crate) fn scale_of(r: &[f32]) -> RatingScale {
    let (lo, hi) = r
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    RatingScale { min: lo, max: hi }
}

/// Unix seconds of an ISO-8601 date or date-time; `None` when it is not one.
pub fn iso8601(t: &str) -> Option<i64> {
    let num = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    let (date, rest) = match t.find(['T', ' ']) {
        Some(p) => (&t[..p], Some(&t[p + 1..])),
        None => (t, None),
    };
    let mut d = date.split('-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    if d.next().is_some() || date.len() != 10 || !(1..=12).contains(&m) || !(1..=31).contains(&day)
    {
        return None;
    }
    let mut secs = super::days_from_civil(y, m as u32, day as u32) * 86_400;
    if let Some(rest) = rest {
        let (clock, offset) = match rest.find(['Z', '+', '-']) {
            Some(p) => (&rest[..p], &rest[p..]),
            None => (rest, ""),
        };
        let clock = clock.split('.').next()?;
        let mut c = clock.split(':');
        let (h, mi) = (num(c.next()?)?, num(c.next()?)?);
        let s = c.next().map(num).unwrap_or(Some(0))?;
        if c.next().is_some() || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        secs += h * 3600 + mi * 60 + s;
        match offset {
            "" | "Z" => {}
            o => {
                let sign = if o.starts_with('-') { -1 } else { 1 };
                let mut p = o[1..].split(':');
                let (oh, om) = (num(p.next()?)?, p.next().map(num).unwrap_or(Some(0))?);
                secs -= sign * (oh * 3600 + om * 60);
            }
        }
    }
    Some(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_dates_and_date_times_are_unix_seconds() {
        assert_eq!(iso8601("1970-01-01"), Some(0));
        assert_eq!(iso8601("2009-04-01"), Some(14_335 * 86_400));
        assert_eq!(
            iso8601("2009-04-01T12:30:05Z"),
            Some(14_335 * 86_400 + 45_005)
        );
        assert_eq!(
            iso8601("2009-04-01 12:30:05"),
            Some(14_335 * 86_400 + 45_005)
        );
        assert_eq!(
            iso8601("2009-04-01T12:30:05.250+02:00"),
            Some(14_335 * 86_400 + 45_005 - 7_200)
        );
        assert_eq!(
            iso8601("2009-04-01T12:30-01:30"),
            Some(14_335 * 86_400 + 45_000 + 5_400)
        );
        for bad in [
            "2009-13-01",
            "2009-4-1",
            "yesterday",
            "2009-04-01T25:00",
            "",
            "2009-04-01T12",
        ] {
            assert_eq!(iso8601(bad), None, "{bad}");
        }
    }

    #[test]
    fn named_columns_in_any_order_with_iso_times_and_string_ids() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("orders.csv");
        std::fs::write(
            &p,
            "ts;stars;sku;customer_id\n2020-01-02T00:00:00Z;5;A-1;c7\n2020-01-03;3;B-2;c7\n1577836800;4;A-1;c9\n",
        )
        .unwrap();
        let spec = InteractionFile::auto(&p)
            .with_columns("user=customer_id,item=sku,rating=stars,time=ts")
            .unwrap()
            .with_delimiter(";")
            .unwrap();
        let d = load(&spec).unwrap();
        assert_eq!((d.n_users(), d.n_items(), d.interactions.len()), (2, 2, 3));
        assert_eq!(
            d.interactions.ratings.as_deref(),
            Some(&[5.0, 3.0, 4.0][..])
        );
        assert_eq!(
            d.interactions.timestamps.as_deref(),
            Some(&[1_577_923_200, 1_578_009_600, 1_577_836_800][..])
        );
        assert_eq!(d.users.raw(d.interactions.users[2]).to_string(), "c9");
        // A bad time names its line; a bad --columns names the option.
        std::fs::write(
            &p,
            "ts;stars;sku;customer_id\n2020-01-02;5;A-1;c7\nnoon;3;B-2;c7\n",
        )
        .unwrap();
        let e = load(&spec).unwrap_err().to_string();
        assert!(
            e.contains("orders.csv, line 3") && e.contains("`noon`"),
            "{e}"
        );
        let e = InteractionFile::auto(&p)
            .with_columns("user=a,sku=b")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("--columns") && e.contains("`sku`"), "{e}");
        let e = InteractionFile::auto(&p)
            .with_columns("user=a")
            .unwrap_err()
            .to_string();
        assert!(e.contains("item"), "{e}");
    }

    #[test]
    fn a_split_given_as_two_files_is_the_default_split() {
        let dir = tempfile::tempdir().unwrap();
        let (tr, te) = (dir.path().join("train.tsv"), dir.path().join("test.tsv"));
        std::fs::write(&tr, "u1\ti1\nu1\ti2\nu2\ti1\n").unwrap();
        std::fs::write(&te, "u2\ti3\nu3\ti1\n").unwrap();
        let d = load_split_files(&InteractionFile::auto(&tr), &InteractionFile::auto(&te)).unwrap();
        assert_eq!((d.n_users(), d.n_items(), d.interactions.len()), (3, 3, 5));
        let s = d.split(&d.default_split).unwrap();
        assert_eq!(
            (s.name.as_str(), s.train.len(), s.test.len()),
            (FILES_SPLIT, 3, 2)
        );
        assert_eq!(d.items.raw(s.test.items[0]).to_string(), "i3");
    }
}
