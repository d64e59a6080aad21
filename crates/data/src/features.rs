//! Side features as dense row-major matrices with named columns.

use serde::{Deserialize, Serialize};

/// A dense `rows × cols` matrix of features, one row per user or item index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureMatrix {
    /// Number of rows (users or items).
    pub rows: usize,
    /// Number of columns (features).
    pub cols: usize,
    /// Row-major values, `rows * cols` long.
    pub data: Vec<f32>,
    /// One name per column, e.g. `genre=Comedy` or `age=25-34`.
    pub names: Vec<String>,
}

impl FeatureMatrix {
    /// An all-zero matrix with the given column names.
    pub fn zeros(rows: usize, names: Vec<String>) -> Self {
        let cols = names.len();
        FeatureMatrix {
            rows,
            cols,
            data: vec![0.0; rows * cols],
            names,
        }
    }

    /// Row `r`.
    pub fn row(&self, r: usize) -> &[f32] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }

    /// Sets entry (`r`, `c`).
    pub fn set(&mut self, r: usize, c: usize, v: f32) {
        self.data[r * self.cols + c] = v;
    }

    /// Concatenates the columns of two matrices with the same rows.
    pub fn hstack(&self, other: &FeatureMatrix) -> FeatureMatrix {
        assert_eq!(self.rows, other.rows, "hstack needs equal row counts");
        let mut out = FeatureMatrix::zeros(
            self.rows,
            self.names.iter().chain(&other.names).cloned().collect(),
        );
        for r in 0..self.rows {
            out.data[r * out.cols..r * out.cols + self.cols].copy_from_slice(self.row(r));
            out.data[r * out.cols + self.cols..(r + 1) * out.cols].copy_from_slice(other.row(r));
        }
        out
    }
}

/// Age buckets of the MovieLens user tables (as in ML-1M's documentation).
pub const AGE_BUCKETS: [(&str, u32, u32); 7] = [
    ("<18", 0, 17),
    ("18-24", 18, 24),
    ("25-34", 25, 34),
    ("35-44", 35, 44),
    ("45-49", 45, 49),
    ("50-55", 50, 55),
    ("56+", 56, u32::MAX),
];

/// Why [`MovieLensUsers::set`] refused a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadUser {
    /// The gender is neither `M` nor `F`.
    Gender(String),
    /// The occupation index is not below the number of known occupations.
    Occupation {
        /// The index given.
        index: usize,
        /// How many occupations there are.
        known: usize,
    },
}

impl std::fmt::Display for BadUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadUser::Gender(g) => write!(f, "gender `{g}` is not M or F"),
            BadUser::Occupation { index, known } => {
                write!(f, "occupation {index} is not one of the {known} known")
            }
        }
    }
}

/// The user features both MovieLens sets have, one-hot: age bucket, gender, occupation.
#[derive(Debug, Clone)]
pub struct MovieLensUsers {
    m: FeatureMatrix,
    n_jobs: usize,
}

impl MovieLensUsers {
    /// No features set yet for `n_users` users with these occupations.
    pub fn new(n_users: usize, occupations: &[&str]) -> Self {
        let mut names: Vec<String> = AGE_BUCKETS
            .iter()
            .map(|(n, _, _)| format!("age={n}"))
            .collect();
        names.push("gender=F".into());
        names.push("gender=M".into());
        names.extend(occupations.iter().map(|o| format!("occupation={o}")));
        MovieLensUsers {
            m: FeatureMatrix::zeros(n_users, names),
            n_jobs: occupations.len(),
        }
    }

    /// Sets user `u`'s features; the error says which field is wrong, for the caller to put
    /// on its line.
    pub fn set(&mut self, u: usize, age: u32, gender: &str, job: usize) -> Result<(), BadUser> {
        let g = match gender.trim() {
            "F" => 0,
            "M" => 1,
            other => return Err(BadUser::Gender(other.to_string())),
        };
        if job >= self.n_jobs {
            return Err(BadUser::Occupation {
                index: job,
                known: self.n_jobs,
            });
        }
        self.m.set(u, age_bucket(age), 1.0);
        self.m.set(u, AGE_BUCKETS.len() + g, 1.0);
        self.m.set(u, AGE_BUCKETS.len() + 2 + job, 1.0);
        Ok(())
    }

    /// The feature matrix.
    pub fn finish(self) -> FeatureMatrix {
        self.m
    }
}

/// The bucket index of `age` in [`AGE_BUCKETS`].
pub fn age_bucket(age: u32) -> usize {
    AGE_BUCKETS
        .iter()
        .position(|&(_, lo, hi)| (lo..=hi).contains(&age))
        .unwrap_or(AGE_BUCKETS.len() - 1)
}

/// Release-year buckets shared by both MovieLens sets; the last is "unknown".
pub const YEAR_BUCKETS: [&str; 9] = [
    "year<1950",
    "year=1950s",
    "year=1960s",
    "year=1970s",
    "year=1980s",
    "year=1990s",
    "year=2000s",
    "year>=2010",
    "year=unknown",
];

/// The bucket index of a release year (`None` → unknown).
pub fn year_bucket(year: Option<i32>) -> usize {
    match year {
        None => 8,
        Some(y) if y < 1950 => 0,
        Some(y) if y >= 2010 => 7,
        Some(y) => ((y - 1950) / 10 + 1) as usize,
    }
}

/// The year at the end of a MovieLens title such as `Toy Story (1995)`.
pub fn year_from_title(title: &str) -> Option<i32> {
    let t = title.trim_end();
    let inner = t.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let year = &inner[open + 1..];
    // Some titles carry a range such as (2007-2008); take the first year.
    year.get(..4)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        assert_eq!(age_bucket(17), 0);
        assert_eq!(age_bucket(18), 1);
        assert_eq!(age_bucket(73), 6);
        assert_eq!(year_bucket(Some(1949)), 0);
        assert_eq!(year_bucket(Some(1995)), 5);
        assert_eq!(year_bucket(Some(2018)), 7);
        assert_eq!(year_bucket(None), 8);
        assert_eq!(year_from_title("Toy Story (1995)"), Some(1995));
        assert_eq!(year_from_title("Babylon 5"), None);
        assert_eq!(year_from_title("Fawlty Towers (1975-1979) "), Some(1975));
    }

    #[test]
    fn hstack_concatenates_columns() {
        let mut a = FeatureMatrix::zeros(2, vec!["a".into()]);
        a.set(1, 0, 1.0);
        let mut b = FeatureMatrix::zeros(2, vec!["b".into(), "c".into()]);
        b.set(0, 1, 2.0);
        let c = a.hstack(&b);
        assert_eq!(c.row(0), &[0.0, 0.0, 2.0]);
        assert_eq!(c.row(1), &[1.0, 0.0, 0.0]);
    }
}
