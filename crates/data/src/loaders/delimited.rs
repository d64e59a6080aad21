//! Any interactions file a user brings: CSV or TSV, with or without a header, with chosen
//! columns for user, item and optional rating, weight and timestamp.

use std::path::{Path, PathBuf};

use crate::dataset::{Dataset, LoadReport, RatingScale};
use crate::error::{DataError, Result};
use crate::idmap::IdMap;
use crate::interactions::Interactions;
use crate::source::Source;
use crate::split::SplitSpec;
use crate::table::{Table, TableFormat};

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

const USER_NAMES: [&str; 4] = ["user", "userid", "user_id", "uid"];
const ITEM_NAMES: [&str; 6] = ["item", "itemid", "item_id", "movieid", "artistid", "iid"];
const TIME_NAMES: [&str; 3] = ["timestamp", "time", "ts"];

impl InteractionFile {
    /// A file read with every setting detected.
    pub fn auto(path: impl AsRef<Path>) -> Self {
        InteractionFile {
            path: path.as_ref().to_path_buf(),
            ..Default::default()
        }
    }
}

/// Loads a user's interactions file. Ids may be integers or strings; the default split is a
/// random 80/20 with seed 42.
pub fn load(spec: &InteractionFile) -> Result<Dataset> {
    let source = Source::path(&spec.path);
    let bytes = source.read()?;
    let first_line = bytes
        .split(|&b| b == b'\n')
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))
        .unwrap_or(&[]);
    let first_line = String::from_utf8_lossy(first_line).trim_end().to_string();
    let separator = spec.separator.unwrap_or_else(|| {
        [b'\t', b',', b';']
            .into_iter()
            .find(|s| first_line.as_bytes().contains(s))
            .unwrap_or(b' ')
    });
    let first_fields: Vec<String> = first_line
        .split(separator as char)
        .map(|f| f.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let known = |f: &String| {
        USER_NAMES.contains(&f.as_str())
            || ITEM_NAMES.contains(&f.as_str())
            || TIME_NAMES.contains(&f.as_str())
            || f == "rating"
            || f == "weight"
    };
    let has_header = spec
        .has_header
        .unwrap_or_else(|| first_fields.iter().any(known));
    let format = TableFormat {
        separator,
        has_header,
        quoted: separator == b',',
        encoding: Default::default(),
        double_colon: false,
    };
    let table = Table::read(&source, format, 2)?;
    let lower: Vec<String> = table
        .header()
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let by_names = |names: &[&str]| lower.iter().position(|h| names.contains(&h.as_str()));
    let pick = |given: &Option<String>,
                names: &[&str],
                position: Option<usize>|
     -> Result<Option<usize>> {
        match given {
            Some(name) => table.column_index(name).map(Some),
            None if has_header => Ok(by_names(names)),
            None => Ok(position.filter(|&p| p < table.width())),
        }
    };
    let user = pick(&spec.user, &USER_NAMES, Some(0))?.ok_or_else(|| {
        DataError::file(
            table.file(),
            "no user column found; name it with --user-col",
        )
    })?;
    let item = pick(&spec.item, &ITEM_NAMES, Some(1))?.ok_or_else(|| {
        DataError::file(
            table.file(),
            "no item column found; name it with --item-col",
        )
    })?;
    let rating = pick(&spec.rating, &["rating"], None)?;
    let weight = pick(&spec.weight, &["weight"], Some(2))?;
    let weight = weight.filter(|&w| Some(w) != rating);
    let time = pick(&spec.timestamp, &TIME_NAMES, Some(3))?;

    let raw_users = table.texts(user, "user id")?;
    let raw_items = table.texts(item, "item id")?;
    let users = IdMap::from_texts(raw_users.iter().copied());
    let items = IdMap::from_texts(raw_items.iter().copied());
    let mut x = Interactions::new(
        users
            .indices_of_texts(&raw_users)
            .expect("map built from these ids"),
        items
            .indices_of_texts(&raw_items)
            .expect("map built from these ids"),
    );
    let mut rating_scale = None;
    if let Some(c) = rating {
        let r = table.parse_finite(c, "rating", f64::MIN, f64::MAX)?;
        let (lo, hi) = r
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        rating_scale = Some(RatingScale {
            min: lo as f32,
            max: hi as f32,
        });
        x.ratings = Some(r.into_iter().map(|v| v as f32).collect());
    }
    if let Some(c) = weight {
        let w = table.parse_finite(c, "weight", f64::MIN, f64::MAX)?;
        x.weights = Some(w.into_iter().map(|v| v as f32).collect());
    }
    if let Some(c) = time {
        x.timestamps = Some(table.parse(c, "timestamp")?);
    }
    let report = LoadReport {
        duplicates_removed: x.dedup_pairs(),
        notes: Vec::new(),
    };
    let name = spec
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "interactions".into());
    Ok(Dataset {
        name,
        users,
        items,
        interactions: x,
        item_titles: None,
        user_features: None,
        item_features: None,
        rating_scale,
        official_splits: Vec::new(),
        default_split: SplitSpec::Random {
            test_fraction: 0.2,
            seed: 42,
        },
        social: None,
        report,
    })
}
