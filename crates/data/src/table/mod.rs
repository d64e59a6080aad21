//! Delimited text files read with polars, with errors that name the file and line.
//!
//! Polars does the fast work: splitting, quoting, columnar storage, and — for the columns a
//! format declares ([`TableFormat::types`]: the ids, ratings and times of the interaction
//! files) — parsing numbers into typed columns in its parallel reader. When that typed read
//! fails (a bad number somewhere), the file is read again with every cell as text and
//! converted here, so that the bad value is reported with its line; a file polars rejects
//! altogether is re-scanned line by line to say *which* line is wrong. Formats polars cannot
//! split keep a dedicated reader: the ragged adjacency lists of the LightGCN splits
//! (`loaders/adjacency.rs`); `::`-separated files (MovieLens 1M) are rewritten to a one-byte
//! separator first ([`TableFormat::double_colon`]).

use std::borrow::Cow;
use std::io::Cursor;
use std::str::FromStr;

use std::sync::Arc;

use polars::prelude::{CsvParseOptions, CsvReadOptions, DataFrame, DataType, SerReader};

use crate::error::{DataError, Result};
use crate::source::Source;
use crate::text::{self, Encoding};

/// How a delimited file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableFormat {
    /// The field separator, e.g. `b','` or `b'\t'`.
    pub separator: u8,
    /// Whether the first line names the columns.
    pub has_header: bool,
    /// Whether `"` quotes fields (CSV); off for formats where `"` is ordinary text.
    pub quoted: bool,
    /// The character encoding.
    pub encoding: Encoding,
    /// Fields are separated by `::` (MovieLens 1M's `.dat` files), which polars cannot split
    /// on: each `::` is rewritten to `separator` (a byte the file must not contain) first.
    pub double_colon: bool,
    /// The types of the first columns, read by polars as typed columns (the rest, and every
    /// column when empty, are read as text).
    pub types: &'static [ColumnType],
}

/// user id, item id, rating, Unix time: the rating files of MovieLens.
pub const RATINGS: &[ColumnType] = &[
    ColumnType::Int,
    ColumnType::Int,
    ColumnType::Float,
    ColumnType::Int,
];

/// The type polars reads a column as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// 64-bit integers.
    Int,
    /// 64-bit floats.
    Float,
    /// Text.
    Text,
}

impl ColumnType {
    fn dtype(self) -> DataType {
        match self {
            ColumnType::Int => DataType::Int64,
            ColumnType::Float => DataType::Float64,
            ColumnType::Text => DataType::String,
        }
    }
}

/// A value a typed cell converts to (`None`: out of the type's range).
pub trait Cell: FromStr {
    /// From an integer cell.
    fn from_int(v: i64) -> Option<Self>;
    /// From a float cell.
    fn from_float(v: f64) -> Option<Self>;
}

macro_rules! int_cell {
    ($($t:ty),*) => {$(
        impl Cell for $t {
            fn from_int(v: i64) -> Option<Self> {
                <$t>::try_from(v).ok()
            }
            fn from_float(v: f64) -> Option<Self> {
                (v.fract() == 0.0 && v >= <$t>::MIN as f64 && v <= <$t>::MAX as f64).then_some(v as $t)
            }
        }
    )*};
}
int_cell!(i64, i32, u8, u16, u32, u64, usize);

impl Cell for f64 {
    fn from_int(v: i64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_float(v: f64) -> Option<Self> {
        Some(v)
    }
}

impl Cell for f32 {
    fn from_int(v: i64) -> Option<Self> {
        Some(v as f32)
    }
    fn from_float(v: f64) -> Option<Self> {
        Some(v as f32)
    }
}

impl TableFormat {
    /// Comma-separated, quoted, with a header: the MovieLens `*.csv` files.
    pub const CSV_WITH_HEADER: TableFormat = TableFormat {
        separator: b',',
        has_header: true,
        quoted: true,
        encoding: Encoding::Utf8,
        double_colon: false,
        types: &[],
    };

    /// Tab-separated without quoting.
    pub const fn tsv(has_header: bool) -> TableFormat {
        TableFormat {
            separator: b'\t',
            has_header,
            quoted: false,
            encoding: Encoding::Utf8,
            double_colon: false,
            types: &[],
        }
    }

    /// Separated by `::`, without quoting or header, in `encoding` (MovieLens 1M).
    pub const fn double_colon(encoding: Encoding) -> TableFormat {
        TableFormat {
            separator: UNIT_SEPARATOR,
            has_header: false,
            quoted: false,
            encoding,
            double_colon: true,
            types: &[],
        }
    }

    /// The same format with its first columns read as `types`.
    pub const fn typed(self, types: &'static [ColumnType]) -> TableFormat {
        TableFormat { types, ..self }
    }

    /// Separated by `separator` without quoting or header.
    pub const fn plain(separator: u8) -> TableFormat {
        TableFormat {
            separator,
            has_header: false,
            quoted: false,
            encoding: Encoding::Utf8,
            double_colon: false,
            types: &[],
        }
    }
}

/// A delimited file held as text columns, ready to be converted column by column.
pub struct Table {
    file: String,
    text: Text,
    format: TableFormat,
    header: Vec<String>,
    frame: DataFrame,
}

impl Table {
    /// Reads `source` in `format`. At least `min_columns` columns must be present.
    pub fn read(source: &Source, format: TableFormat, min_columns: usize) -> Result<Table> {
        let file = source.name();
        let raw = source.read()?;
        let text = text::decode(&file, raw, format.encoding)?;
        let text = if format.double_colon {
            split_double_colons(&file, text)?
        } else {
            text
        };
        let text = without_blank_lines(text);
        let read = |types: &[ColumnType]| {
            let parse = CsvParseOptions::default()
                .with_separator(format.separator)
                .with_quote_char(format.quoted.then_some(b'"'))
                .with_truncate_ragged_lines(false)
                .with_missing_is_null(true);
            let dtypes = (!types.is_empty())
                .then(|| Arc::new(types.iter().map(|t| t.dtype()).collect::<Vec<_>>()));
            CsvReadOptions::default()
                .with_has_header(format.has_header)
                .with_infer_schema_length(Some(0))
                .with_dtype_overwrite(dtypes)
                .with_parse_options(parse)
                .into_reader_with_file_handle(Cursor::new(&text.data[..]))
                .finish()
        };
        // Typed first; on any failure, every cell as text (the conversions below then name
        // the line of the bad value).
        let typed = if format.types.is_empty() {
            None
        } else {
            read(format.types)
                .ok()
                .filter(|f| f.width() >= format.types.len())
        };
        let frame = match typed.map_or_else(|| read(&[]), Ok) {
            Ok(f) => f,
            Err(e) => {
                return Err(diagnose_fields(&file, &text, format).unwrap_or_else(|| {
                    DataError::file(&file, format!("cannot parse as delimited text: {e}"))
                }));
            }
        };
        let header = if format.has_header {
            frame
                .columns()
                .iter()
                .map(|c| c.name().to_string())
                .collect()
        } else {
            Vec::new()
        };
        let table = Table {
            file,
            text,
            format,
            header,
            frame,
        };
        if table.width() < min_columns {
            let line = if format.has_header {
                1
            } else {
                table.line_of_row(0)
            };
            return Err(DataError::line(
                &table.file,
                line,
                format!(
                    "expected at least {min_columns} fields separated by {}, found {}",
                    separator_name(format.separator),
                    table.width()
                ),
            ));
        }
        if table.height() == 0 {
            return Err(DataError::file(&table.file, "the file has no data rows"));
        }
        Ok(table)
    }

    /// How the file was read.
    pub fn format(&self) -> TableFormat {
        self.format
    }

    /// The file's name as used in messages.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Number of data rows.
    pub fn height(&self) -> usize {
        self.frame.height()
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.frame.width()
    }

    /// The header's column names (empty without a header).
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Fails unless the header starts with `names` (checked only for files with a header).
    pub fn expect_header(&self, names: &[&str]) -> Result<()> {
        if !self.format.has_header {
            return Ok(());
        }
        let found: Vec<&str> = self.header.iter().map(|s| s.trim()).collect();
        if found.len() < names.len() || found[..names.len()] != *names {
            return Err(DataError::line(
                &self.file,
                1,
                format!(
                    "expected the header to start with `{}`, found `{}`",
                    names.join(","),
                    found.join(",")
                ),
            ));
        }
        Ok(())
    }

    /// The index of the column called `name` (files with a header) or the column whose
    /// 0-based index `name` spells.
    pub fn column_index(&self, name: &str) -> Result<usize> {
        if let Some(i) = self.header.iter().position(|h| h.trim() == name) {
            return Ok(i);
        }
        if let Ok(i) = name.parse::<usize>()
            && i < self.width()
        {
            return Ok(i);
        }
        Err(DataError::file(
            &self.file,
            format!(
                "no column `{name}`; the file has {} (name a column{} or give its 0-based index)",
                if self.header.is_empty() {
                    format!("{} unnamed columns", self.width())
                } else {
                    format!("columns {}", self.header.join(", "))
                },
                if self.header.is_empty() {
                    ""
                } else {
                    " by name"
                }
            ),
        ))
    }

    /// The 1-based line of data row `row` in the original file (blank lines are skipped, and
    /// the header, when there is one, is the first non-blank line).
    pub fn line_of_row(&self, row: usize) -> usize {
        let record = row + usize::from(self.format.has_header);
        match &self.text.kept_lines {
            None => record + 1,
            Some(lines) => lines.get(record).copied().unwrap_or(record + 1),
        }
    }

    /// The text cells of column `col`; a missing or empty cell is an error naming its line.
    pub fn texts(&self, col: usize, what: &str) -> Result<Vec<&str>> {
        let column = self.frame.columns()[col]
            .str()
            .map_err(|e| DataError::file(&self.file, e.to_string()))?;
        let mut out = Vec::with_capacity(self.height());
        for (row, cell) in column.iter().enumerate() {
            match cell {
                Some(s) => out.push(s),
                None => return Err(self.missing_cell(row, col, what)),
            }
        }
        Ok(out)
    }

    /// The text cells of column `col`, with `None` for empty cells.
    pub fn optional_texts(&self, col: usize) -> Result<Vec<Option<&str>>> {
        let column = self.frame.columns()[col]
            .str()
            .map_err(|e| DataError::file(&self.file, e.to_string()))?;
        Ok(column.iter().collect())
    }

    /// Column `col` as `T`; `what` names the value in messages ("user id", "rating"). A typed
    /// column converts directly; a text column is parsed cell by cell.
    pub fn parse<T: Cell>(&self, col: usize, what: &str) -> Result<Vec<T>> {
        let column = &self.frame.columns()[col];
        let convert = |row: usize, v: Option<Option<T>>, shown: &dyn Fn() -> String| match v {
            Some(Some(x)) => Ok(x),
            Some(None) => Err(self.row_error(row, format!("{what} {} is out of range", shown()))),
            None => Err(self.missing_cell(row, col, what)),
        };
        match column.dtype() {
            DataType::Int64 => {
                let ca = column
                    .i64()
                    .map_err(|e| DataError::file(&self.file, e.to_string()))?;
                return ca
                    .iter()
                    .enumerate()
                    .map(|(row, v)| {
                        convert(row, v.map(T::from_int), &|| format!("{}", v.unwrap_or(0)))
                    })
                    .collect();
            }
            DataType::Float64 => {
                let ca = column
                    .f64()
                    .map_err(|e| DataError::file(&self.file, e.to_string()))?;
                return ca
                    .iter()
                    .enumerate()
                    .map(|(row, v)| {
                        convert(row, v.map(T::from_float), &|| {
                            format!("{}", v.unwrap_or(0.0))
                        })
                    })
                    .collect();
            }
            _ => {}
        }
        let cells = self.texts(col, what)?;
        let mut out = Vec::with_capacity(cells.len());
        for (row, cell) in cells.into_iter().enumerate() {
            match cell.trim().parse::<T>() {
                Ok(v) => out.push(v),
                Err(_) => {
                    return Err(self.row_error(row, format!("{what} `{cell}` is not a number")));
                }
            }
        }
        Ok(out)
    }

    /// Column `col` as finite floats within `[min, max]`.
    pub fn parse_finite(&self, col: usize, what: &str, min: f64, max: f64) -> Result<Vec<f64>> {
        let values: Vec<f64> = self.parse(col, what)?;
        for (row, &v) in values.iter().enumerate() {
            if !v.is_finite() {
                return Err(self.row_error(row, format!("{what} is {v}, not a finite number")));
            }
            if v < min || v > max {
                return Err(self.row_error(row, format!("{what} {v} is outside [{min}, {max}]")));
            }
        }
        Ok(values)
    }

    /// An error for data row `row`, naming its line.
    pub fn row_error(&self, row: usize, reason: impl Into<String>) -> DataError {
        DataError::line(&self.file, self.line_of_row(row), reason)
    }

    fn missing_cell(&self, row: usize, col: usize, what: &str) -> DataError {
        let line_no = self.line_of_row(row);
        let record = row + usize::from(self.format.has_header);
        let fields = self
            .text
            .data
            .split(|&b| b == b'\n')
            .nth(record)
            .map(|l| count_fields(l, self.format))
            .unwrap_or(0);
        if fields < self.width() {
            DataError::line(
                &self.file,
                line_no,
                format!("expected {} fields, found {fields}", self.width()),
            )
        } else {
            DataError::line(
                &self.file,
                line_no,
                format!("{what} (column {}) is empty", col + 1),
            )
        }
    }
}

/// The byte `::` becomes before polars reads a [`TableFormat::double_colon`] file.
const UNIT_SEPARATOR: u8 = 0x1f;

/// Rewrites every `::` to [`UNIT_SEPARATOR`]; a file already holding that byte is refused
/// (with its line), since its fields could not be told apart.
fn split_double_colons(file: &str, data: Cow<'static, [u8]>) -> Result<Cow<'static, [u8]>> {
    if let Some(at) = data.iter().position(|&b| b == UNIT_SEPARATOR) {
        return Err(DataError::line(
            file,
            text::line_of_offset(&data, at),
            "holds the control byte 0x1F, which a `::`-separated file may not contain",
        ));
    }
    let mut out = Vec::with_capacity(data.len());
    let mut k = 0;
    while k < data.len() {
        if data[k] == b':' && data.get(k + 1) == Some(&b':') {
            out.push(UNIT_SEPARATOR);
            k += 2;
        } else {
            out.push(data[k]);
            k += 1;
        }
    }
    Ok(Cow::Owned(out))
}

fn separator_name(sep: u8) -> String {
    match sep {
        UNIT_SEPARATOR => "`::`".into(),
        b'\t' => "tabs".into(),
        b',' => "commas".into(),
        b' ' => "spaces".into(),
        other => format!("`{}`", other as char),
    }
}

/// File text with blank lines removed, and the original line number of each kept line.
struct Text {
    data: Cow<'static, [u8]>,
    /// `None` when no line was removed (line `k` of `data` is line `k + 1` of the file).
    kept_lines: Option<Vec<usize>>,
}

/// Removes blank (empty or whitespace-only) lines, which polars would otherwise read as rows
/// of empty fields, remembering where the kept lines came from.
fn without_blank_lines(data: Cow<'static, [u8]>) -> Text {
    let body = data.strip_suffix(b"\n").unwrap_or(&data);
    if !body.split(|&b| b == b'\n').any(is_blank) {
        return Text {
            data,
            kept_lines: None,
        };
    }
    let mut out = Vec::with_capacity(data.len());
    let mut kept = Vec::new();
    for (i, line) in data.split(|&b| b == b'\n').enumerate() {
        if !is_blank(line) {
            out.extend_from_slice(line);
            out.push(b'\n');
            kept.push(i + 1);
        }
    }
    Text {
        data: Cow::Owned(out),
        kept_lines: Some(kept),
    }
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| b.is_ascii_whitespace())
}

/// Fields on one line, honouring `"` quotes when the format is quoted.
fn count_fields(line: &[u8], format: TableFormat) -> usize {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut n = 1;
    let mut in_quotes = false;
    for &b in line {
        if format.quoted && b == b'"' {
            in_quotes = !in_quotes;
        } else if b == format.separator && !in_quotes {
            n += 1;
        }
    }
    n
}

/// Finds the first line whose field count differs from the first record's.
fn diagnose_fields(file: &str, text: &Text, format: TableFormat) -> Option<DataError> {
    let mut expected = None;
    for (k, line) in text.data.split(|&b| b == b'\n').enumerate() {
        if is_blank(line) {
            continue;
        }
        let i = text.kept_lines.as_ref().map_or(k, |l| l[k] - 1);
        let n = count_fields(line, format);
        match expected {
            None => expected = Some(n),
            Some(e) if e != n => {
                return Some(DataError::line(
                    file,
                    i + 1,
                    format!(
                        "expected {e} fields separated by {}, found {n}",
                        separator_name(format.separator)
                    ),
                ));
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests;
