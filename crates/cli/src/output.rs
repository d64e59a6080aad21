//! Output for people (aligned tables) and for scripts (JSON).

use anyhow::Result;
use serde::Serialize;

/// Prints `value` as pretty JSON on stdout.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A plain-text table with aligned columns: text left-aligned, numbers right-aligned.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new<const N: usize>(header: [&str; N]) -> Self {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: impl IntoIterator<Item = String>) {
        self.rows.push(cells.into_iter().collect());
    }

    fn widths(&self) -> Vec<usize> {
        let mut w: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                if i < w.len() {
                    w[i] = w[i].max(c.chars().count());
                }
            }
        }
        w
    }

    fn line(cells: &[String], widths: &[usize]) -> String {
        let mut out = String::new();
        for (i, c) in cells.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            let numeric = c.parse::<f64>().is_ok();
            if i > 0 {
                out.push_str("  ");
            }
            if numeric {
                out.push_str(&format!("{c:>w$}"));
            } else {
                out.push_str(&format!("{c:<w$}"));
            }
        }
        out.trim_end().to_string()
    }

    /// Renders with a header and a rule.
    pub fn render(&self) -> String {
        let w = self.widths();
        let mut out = Self::line(&self.header, &w);
        out.push('\n');
        out.push_str(
            &w.iter()
                .map(|&n| "-".repeat(n))
                .collect::<Vec<_>>()
                .join("  "),
        );
        for r in &self.rows {
            out.push('\n');
            out.push_str(&Self::line(r, &w));
        }
        out
    }

    /// Prints with a header and a rule.
    pub fn print(&self) {
        println!("{}", self.render());
    }

    /// Prints the rows only (for key–value listings).
    pub fn print_plain(&self) {
        let w = self.widths();
        for r in &self.rows {
            let mut cells = r.clone();
            if let Some(first) = cells.first_mut() {
                *first = format!("{first}:");
            }
            let key_width = w.first().copied().unwrap_or(0) + 1;
            let value = cells.get(1).cloned().unwrap_or_default();
            println!("{:<key_width$}  {value}", cells[0]);
        }
    }
}

/// Quotes a CSV field when it needs it (a comma, quote or line break), doubling inner quotes.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
