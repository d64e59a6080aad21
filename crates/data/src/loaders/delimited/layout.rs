//! How a user's interactions file is read: its [`Layout`] (separator, header, which column
//! holds what), decided from the file's start, and its [`Columns`], parsed by polars.
//!
//! One process reads the whole file ([`read`]); a rank of a distributed run decides the same
//! layout from the file's first two non-blank lines alone ([`Layout::of_file_start`]) and parses
//! only its share of the lines ([`Layout::parse_part`]), with the same code.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::{ITEM_NAMES, InteractionFile, TIME_NAMES, USER_NAMES, iso8601};
use crate::error::{DataError, Result};
use crate::idmap::IdMap;
use crate::interactions::Interactions;
use crate::source::Source;
use crate::table::{Table, TableFormat};

/// The columns of one interactions file (or of a share of its lines), ids still as text.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// The user id of each row, trimmed.
    pub users: Vec<String>,
    /// The item id of each row, trimmed.
    pub items: Vec<String>,
    /// Ratings, where a rating column is read.
    pub ratings: Option<Vec<f32>>,
    /// Weights, where a weight column is read.
    pub weights: Option<Vec<f32>>,
    /// Unix seconds, where a time column is read.
    pub times: Option<Vec<i64>>,
}

impl Columns {
    /// The rows as interactions: ids as indices of `users` and `items` (which must hold every
    /// id), the values columns kept.
    pub fn indexed(&self, users: &IdMap, items: &IdMap) -> Interactions {
        fn texts(v: &[String]) -> Vec<&str> {
            v.iter().map(String::as_str).collect()
        }
        let mut x = Interactions::new(
            users
                .indices_of_texts(&texts(&self.users))
                .expect("the map holds every id"),
            items
                .indices_of_texts(&texts(&self.items))
                .expect("the map holds every id"),
        );
        x.ratings = self.ratings.clone();
        x.weights = self.weights.clone();
        x.timestamps = self.times.clone();
        x
    }

    /// These columns, read from the test file `test_file`, against the training file's
    /// `train`: a split's two files must both have, or both lack, ratings and times.
    pub fn check_alike(&self, train: &Columns, test_file: &Path) -> Result<()> {
        if self.ratings.is_some() != train.ratings.is_some()
            || self.times.is_some() != train.times.is_some()
        {
            return Err(DataError::file(
                test_file.display().to_string(),
                "the test file's columns (rating, time) differ from the train file's",
            ));
        }
        Ok(())
    }
}

/// How an interactions file is laid out: its format (the separator, whether its first
/// non-blank line is a header) and the columns read.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    format: TableFormat,
    user: usize,
    item: usize,
    rating: Option<usize>,
    weight: Option<usize>,
    time: Option<usize>,
}

/// Reads the columns `spec` names (or detects) from its file.
pub(super) fn read(spec: &InteractionFile) -> Result<Columns> {
    let source = Source::path(&spec.path);
    let bytes = source.read()?;
    let table = Table::read(&source, format_of(spec, &bytes), 2)?;
    Layout::pick(spec, &table)?.columns(&table)
}

/// The separator (given, or detected from the first non-blank line) and whether that line is
/// a header (given; or it names a known column, or the columns are named by header name).
fn format_of(spec: &InteractionFile, bytes: &[u8]) -> TableFormat {
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
    let named = [
        &spec.user,
        &spec.item,
        &spec.rating,
        &spec.weight,
        &spec.timestamp,
    ]
    .into_iter()
    .flatten()
    .any(|c| c.parse::<usize>().is_err());
    let has_header = spec
        .has_header
        .unwrap_or_else(|| named || first_fields.iter().any(known));
    TableFormat {
        separator,
        has_header,
        quoted: separator == b',',
        encoding: Default::default(),
        double_colon: false,
        // The user's columns are found by name after reading: all read as text.
        types: &[],
    }
}

impl Layout {
    /// The columns `spec` names, or those found in `table`'s header (or at their usual
    /// positions, without one).
    fn pick(spec: &InteractionFile, table: &Table) -> Result<Layout> {
        let has_header = table.format().has_header;
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
        Ok(Layout {
            format: table.format(),
            user,
            item,
            rating,
            weight,
            time,
        })
    }

    /// The layout of `spec`'s file decided from its first two non-blank lines alone (the
    /// header and a row, or two rows): what one process decides from the whole file, for a
    /// file whose rows have the first row's fields. Returns the 1-based line of the header,
    /// if the file has one.
    pub fn of_file_start(spec: &InteractionFile) -> Result<(Layout, Option<usize>)> {
        let file = spec.path.display().to_string();
        let io = |source| DataError::Io {
            file: file.clone(),
            source,
        };
        let mut reader = BufReader::new(File::open(&spec.path).map_err(io)?);
        let (mut head, mut first, mut lines, mut seen) = (Vec::new(), None, 0, 0);
        while seen < 2 {
            let start = head.len();
            if reader.read_until(b'\n', &mut head).map_err(io)? == 0 {
                break;
            }
            lines += 1;
            if !head[start..].iter().all(u8::is_ascii_whitespace) {
                seen += 1;
                first.get_or_insert(lines);
            }
        }
        let format = format_of(spec, &head);
        let part = Source::Part {
            name: file.clone(),
            bytes: head,
        };
        let layout = Layout::pick(spec, &Table::read(&part, format, 2)?)?;
        Ok((layout, first.filter(|_| format.has_header)))
    }

    /// Whole lines of the file (`file`, from its line `first_line` on), parsed as [`read`]
    /// parses the whole file; the header line `header_line`, if these lines hold it, is
    /// skipped. Blank text is no rows. Errors name the file and its true line.
    pub fn parse_part(
        &self,
        file: &str,
        mut bytes: Vec<u8>,
        first_line: usize,
        header_line: Option<usize>,
    ) -> Result<Columns> {
        if let Some(h) = header_line.filter(|&h| h >= first_line) {
            blank_line(&mut bytes, h - first_line);
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Columns {
                ratings: self.rating.map(|_| Vec::new()),
                weights: self.weight.map(|_| Vec::new()),
                times: self.time.map(|_| Vec::new()),
                ..Columns::default()
            });
        }
        let part = Source::Part {
            name: file.to_string(),
            bytes,
        };
        let format = TableFormat {
            has_header: false,
            ..self.format
        };
        let parsed = Table::read(&part, format, 2).and_then(|table| {
            let needed = [
                Some(self.user),
                Some(self.item),
                self.rating,
                self.weight,
                self.time,
            ]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(0)
                + 1;
            if table.width() < needed {
                return Err(table.row_error(
                    0,
                    format!(
                        "expected at least {needed} fields, as on the file's first lines; found {}",
                        table.width()
                    ),
                ));
            }
            self.columns(&table)
        });
        parsed.map_err(|e| e.after_lines(first_line - 1))
    }

    /// The chosen columns of `table`, converted.
    fn columns(&self, table: &Table) -> Result<Columns> {
        let text_column = |c: usize, what: &str| -> Result<Vec<String>> {
            Ok(table
                .texts(c, what)?
                .into_iter()
                .map(|t| t.trim().to_string())
                .collect())
        };
        let floats = |c: usize, what: &str| -> Result<Vec<f32>> {
            Ok(table
                .parse_finite(c, what, f64::MIN, f64::MAX)?
                .into_iter()
                .map(|v| v as f32)
                .collect())
        };
        Ok(Columns {
            users: text_column(self.user, "user id")?,
            items: text_column(self.item, "item id")?,
            ratings: self.rating.map(|c| floats(c, "rating")).transpose()?,
            weights: self.weight.map(|c| floats(c, "weight")).transpose()?,
            times: self.time.map(|c| times(table, c)).transpose()?,
        })
    }
}

/// Empties line `k` (0-based) of `bytes`, keeping its newline, so the lines after it keep
/// their numbers.
fn blank_line(bytes: &mut Vec<u8>, k: usize) {
    let mut start = 0;
    for _ in 0..k {
        match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(p) => start += p + 1,
            None => return,
        }
    }
    let end = bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| start + p);
    bytes.drain(start..end);
}

/// A time column: Unix seconds, or ISO-8601 dates and date-times (`2009-04-01`,
/// `2009-04-01T12:30:00`, with an optional `Z` or `±HH:MM` offset, or a space for the `T`).
fn times(table: &Table, col: usize) -> Result<Vec<i64>> {
    let texts = table.texts(col, "timestamp")?;
    texts
        .iter()
        .enumerate()
        .map(|(row, t)| {
            let t = t.trim();
            t.parse::<i64>().ok().or_else(|| iso8601(t)).ok_or_else(|| {
                table.row_error(
                    row,
                    format!(
                        "timestamp `{t}` is neither Unix seconds nor an ISO-8601 date or date-time"
                    ),
                )
            })
        })
        .collect()
}
