//! The dataset registry: every dataset by name, where its files live, and the data directory.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::{DataError, Result};
use crate::loaders::{adjacency, delimited, lastfm, lastfm_hetrec, ml_latest_small, ml1m, ml100k};
use crate::source::Source;

/// A dataset the registry knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownDataset {
    /// Its name on the command line.
    pub name: &'static str,
    /// Its folder under the data directory.
    pub folder: &'static str,
    /// One line about it.
    pub about: &'static str,
    /// Where to obtain it, and its license.
    pub obtain: &'static str,
}

/// Every dataset known by name.
pub const KNOWN_DATASETS: [KnownDataset; 8] = [
    KnownDataset {
        name: "ml-latest-small",
        folder: "ml-latest-small",
        about: "MovieLens latest-small: 610 users, 9,724 movies, 100,836 ratings (0.5-5 stars)",
        obtain: "bundled with gnnrec (data/ml-latest-small, redistributable under its README.txt)",
    },
    KnownDataset {
        name: "ml-100k",
        folder: "ml-100k",
        about: "MovieLens 100K: 943 users, 1,682 movies, 100,000 ratings, user features, splits u1-u5/ua/ub",
        obtain: "`gnnrec data fetch ml-100k`: download ml-100k from GroupLens; it may not be redistributed",
    },
    KnownDataset {
        name: "ml-1m",
        folder: "ml-1m",
        about: "MovieLens 1M: 6,040 users, 3,883 movies, 1,000,209 ratings, user features; random 90/10 split",
        obtain: "`gnnrec data fetch ml-1m` (GroupLens; it may not be redistributed)",
    },
    KnownDataset {
        name: "lastfm",
        folder: "lastfm",
        about: "Last.fm, LightGCN split: data1.txt / test1.txt, play counts, trust network",
        obtain: "`gnnrec data fetch lastfm`: the LightGCN-PyTorch repository's data/lastfm (HetRec 2011, non-commercial use)",
    },
    KnownDataset {
        name: "lastfm-hetrec",
        folder: "lastfm/hetrec2011",
        about: "Last.fm HetRec 2011, raw: 1,892 users, 17,632 artists, listening weights, tag dates",
        obtain: "`gnnrec data fetch lastfm-hetrec`: hetrec2011-lastfm-2k from GroupLens (non-commercial use)",
    },
    KnownDataset {
        name: "gowalla",
        folder: "gowalla",
        about: "Gowalla check-ins, LightGCN split: 29,858 users, 40,981 locations",
        obtain: "`gnnrec data fetch gowalla`: the LightGCN-PyTorch repository's data/gowalla (no license stated)",
    },
    KnownDataset {
        name: "yelp2018",
        folder: "yelp2018",
        about: "Yelp2018, LightGCN/NGCF split: 31,668 users, 38,048 businesses, 1,237,259 / 324,147",
        obtain: "`gnnrec data fetch yelp2018`: the LightGCN-PyTorch repository's data/yelp2018 (Yelp dataset terms: non-commercial, no redistribution)",
    },
    KnownDataset {
        name: "amazon-book",
        folder: "amazon-book",
        about: "Amazon-Book, LightGCN split: 52,643 users, 91,599 books, 2,380,730 / 603,378",
        obtain: "`gnnrec data fetch amazon-book` (the LightGCN-PyTorch repository's data/amazon-book; research use)",
    },
];

/// The data directory: `explicit` (from `--data-dir`), else `$GNNREC_DATA`, else `./data`.
pub fn data_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    match std::env::var_os("GNNREC_DATA") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from("data"),
    }
}

/// How to read a user's own files (`--columns`, `--delimiter`, `--train` / `--test`); kept
/// in a run's configuration so that the run reloads its data the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnData {
    /// `user=NAME,item=NAME[,rating=NAME][,weight=NAME][,time=NAME]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<String>,
    /// The field separator (one character, `tab` or `space`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// A training file (with `test`: the split as two files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train: Option<PathBuf>,
    /// A test file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<PathBuf>,
}

impl OwnData {
    /// Whether nothing is set (the dataset is read as its name says).
    pub fn is_empty(&self) -> bool {
        *self == OwnData::default()
    }

    fn file(&self, path: &Path) -> Result<delimited::InteractionFile> {
        let mut f = delimited::InteractionFile::auto(path);
        if let Some(c) = &self.columns {
            f = f.with_columns(c)?;
        }
        if let Some(d) = &self.delimiter {
            f = f.with_delimiter(d)?;
        }
        Ok(f)
    }
}

/// Loads `name` from `data_dir`, or the user's own files as `own` describes: `--train` and
/// `--test` (then `name` is not read), or the interactions file `name` read with `own`'s
/// columns and delimiter.
pub fn load_with(name: &str, data_dir: &Path, own: &OwnData) -> Result<Dataset> {
    if own.is_empty() {
        return load(name, data_dir);
    }
    let option = |reason: String| DataError::Option {
        option: "--train / --test".into(),
        reason,
    };
    match (&own.train, &own.test) {
        (Some(train), Some(test)) => {
            delimited::load_split_files(&own.file(train)?, &own.file(test)?)
        }
        (None, None) => {
            if known(name).is_some() || !Path::new(name).is_file() {
                return Err(DataError::Option {
                    option: "--columns / --delimiter".into(),
                    reason: format!(
                        "they read your own interactions file, and `{name}` is not a file (give its path with --dataset)"
                    ),
                });
            }
            delimited::load(&own.file(Path::new(name))?)
        }
        _ => Err(option("give both, a training file and a test file".into())),
    }
}

/// The folder of `name` when it is in the LightGCN adjacency-list format (`train.txt`,
/// `test.txt`: gowalla, yelp2018, amazon-book, or a path to such a folder) and read without
/// options — what a distributed run reads by byte ranges; `None` for every other dataset.
pub fn adjacency_folder(name: &str, data_dir: &Path, own: &OwnData) -> Option<PathBuf> {
    if !own.is_empty() {
        return None;
    }
    match known(name) {
        Some(k) if ["gowalla", "yelp2018", "amazon-book"].contains(&k.name) => {
            Some(data_dir.join(k.folder))
        }
        Some(_) => None,
        None => {
            let path = Path::new(name);
            path.join("train.txt").is_file().then(|| path.to_path_buf())
        }
    }
}

/// A user's own interactions files, as [`load_with`] reads them.
#[derive(Debug, Clone)]
pub enum OwnFiles {
    /// One interactions file (`--dataset FILE`), split as the split spec says.
    One(delimited::InteractionFile),
    /// A training file and a test file (`--train`, `--test`): the official split `files`.
    Split {
        /// The training file.
        train: delimited::InteractionFile,
        /// The test file.
        test: delimited::InteractionFile,
    },
}

/// The user's own interactions files behind `name` and `own` (a path to a file, read with
/// `own`'s columns and delimiter; or `--train` and `--test`) — what a distributed run reads by
/// byte ranges; `None` for every other dataset, and where [`load_with`] would refuse the
/// options (its error then says why).
pub fn own_files(name: &str, own: &OwnData) -> Option<Result<OwnFiles>> {
    match (&own.train, &own.test) {
        (Some(train), Some(test)) => Some(own.file(train).and_then(|train| {
            Ok(OwnFiles::Split {
                train,
                test: own.file(test)?,
            })
        })),
        (None, None) if known(name).is_none() && Path::new(name).is_file() => {
            Some(own.file(Path::new(name)).map(OwnFiles::One))
        }
        _ => None,
    }
}

/// The files of `name`'s split `split` when the dataset comes split into delimited files in
/// advance (ml-100k's official splits `u1` … `ub`, `u1` by default) and is read without
/// options — what a distributed run reads by byte ranges; `None` for every other dataset or
/// split, and where the dataset's folder is missing (its loader then says how to obtain it).
pub fn split_files(
    name: &str,
    data_dir: &Path,
    own: &OwnData,
    split: Option<&str>,
) -> Option<Result<crate::loaders::SplitFiles>> {
    let k = known(name)?;
    let official = split.is_none_or(|s| ml100k::OFFICIAL_SPLITS.contains(&s));
    let dir = data_dir.join(k.folder);
    (own.is_empty() && k.name == "ml-100k" && official && dir.is_dir())
        .then(|| ml100k::split_files(&dir, split))
}

/// Looks up a known dataset by name.
pub fn known(name: &str) -> Option<&'static KnownDataset> {
    KNOWN_DATASETS.iter().find(|d| d.name == name)
}

/// Loads `name` from `data_dir`.
///
/// `name` is a registry name ([`KNOWN_DATASETS`]), a path to an interactions file (read as in
/// [`delimited::InteractionFile::auto`]), or a path to a folder with `train.txt` / `test.txt`
/// in the LightGCN adjacency-list format. ml-latest-small falls back to the copy compiled into
/// the binary when the data directory lacks it.
pub fn load(name: &str, data_dir: &Path) -> Result<Dataset> {
    let Some(known) = known(name) else {
        let path = Path::new(name);
        if path.is_file() {
            return delimited::load(&delimited::InteractionFile::auto(path));
        }
        if path.join("train.txt").is_file() {
            let stem = path
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| name.to_string());
            return adjacency::load(path, &stem);
        }
        return Err(DataError::UnknownDataset {
            name: name.to_string(),
            known: KNOWN_DATASETS.map(|d| d.name).join(", ")
                + ", or a path to an interactions file or a train.txt/test.txt folder",
        });
    };
    let dir = data_dir.join(known.folder);
    if known.name == "ml-latest-small" {
        return ml_latest_small::load(&ml_latest_small_files(&dir));
    }
    if !dir.is_dir() {
        return Err(DataError::DatasetMissing {
            name: known.name.to_string(),
            path: dir,
            hint: known.obtain.to_string(),
        });
    }
    match known.name {
        "ml-100k" => ml100k::load(&dir),
        "ml-1m" => ml1m::load(&dir),
        "lastfm" => lastfm::load(&dir),
        "lastfm-hetrec" => lastfm_hetrec::load(&dir),
        "gowalla" | "yelp2018" | "amazon-book" => adjacency::load(&dir, known.name),
        other => unreachable!("registry entry {other} has no loader"),
    }
}

/// The files of ml-latest-small: from `dir` when it holds them, else the embedded copy.
fn ml_latest_small_files(dir: &Path) -> ml_latest_small::MlLatestSmallFiles {
    if dir.join("ratings.csv").is_file() {
        let tags = dir.join("tags.csv");
        return ml_latest_small::MlLatestSmallFiles {
            ratings: Source::path(dir.join("ratings.csv")),
            movies: Source::path(dir.join("movies.csv")),
            tags: tags.is_file().then_some(Source::Path(tags)),
        };
    }
    let embedded = |file: &str, bytes: &'static [u8]| Source::Embedded {
        name: format!("embedded:ml-latest-small/{file}"),
        bytes,
    };
    ml_latest_small::MlLatestSmallFiles {
        ratings: embedded(
            "ratings.csv",
            include_bytes!("../../../data/ml-latest-small/ratings.csv"),
        ),
        movies: embedded(
            "movies.csv",
            include_bytes!("../../../data/ml-latest-small/movies.csv"),
        ),
        tags: Some(embedded(
            "tags.csv",
            include_bytes!("../../../data/ml-latest-small/tags.csv"),
        )),
    }
}

/// Whether a test that needs `name` should fail rather than skip when its files are absent:
/// true under CI (`CI=true`).
pub fn required_in_ci() -> bool {
    std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false)
}
