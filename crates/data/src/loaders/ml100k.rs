//! MovieLens 100K (1998): `u.data`, `u.user`, `u.item` (latin-1), `u.occupation`,
//! `u.genre`, and the official splits `u1`…`u5`, `ua`, `ub`.

use std::path::Path;

use crate::dataset::{Dataset, LoadReport, RatingScale};
use crate::error::{DataError, Result};
use crate::features::{BadUser, FeatureMatrix, MovieLensUsers, YEAR_BUCKETS, year_bucket};
use crate::idmap::IdMap;
use crate::interactions::Interactions;
use crate::loaders::{SplitFiles, ensure, map_int_column};
use crate::source::Source;
use crate::split::{Split, SplitSpec};
use crate::table::{RATINGS, Table, TableFormat};
use crate::text::Encoding;

/// Names of the official splits, in the order they are listed.
pub const OFFICIAL_SPLITS: [&str; 7] = ["u1", "u2", "u3", "u4", "u5", "ua", "ub"];

/// The files of official split `split` (`u1` when `None`) in `dir`, with the id maps of
/// `u.user` and `u.item` and [`parse_ratings`]; an error when the split is not an official
/// one or its files are missing.
pub fn split_files(dir: &Path, split: Option<&str>) -> Result<SplitFiles> {
    let name = split.unwrap_or("u1");
    if !OFFICIAL_SPLITS.contains(&name) {
        return Err(DataError::Split {
            spec: name.to_string(),
            reason: format!(
                "ml-100k's official splits are {}",
                OFFICIAL_SPLITS.join(", ")
            ),
        });
    }
    let users = ids(&dir.join("u.user"), TableFormat::plain(b'|'), 5, "user id")?;
    let item_format = TableFormat {
        encoding: Encoding::Latin1,
        ..TableFormat::plain(b'|')
    };
    let items = ids(&dir.join("u.item"), item_format, 24, "movie id")?;
    let train = dir.join(format!("{name}.base"));
    let test = dir.join(format!("{name}.test"));
    for f in [&train, &test] {
        if !f.is_file() {
            return Err(DataError::file(
                f.display().to_string(),
                format!("official split {name} not found"),
            ));
        }
    }
    Ok(SplitFiles {
        name: name.to_string(),
        train,
        test,
        users,
        items,
        parse: parse_ratings,
    })
}

/// The unique ids in the first column of a metadata file.
fn ids(path: &Path, format: TableFormat, columns: usize, what: &str) -> Result<IdMap> {
    let t = Table::read(&Source::path(path), format, columns)?;
    let raw: Vec<i64> = t.parse(0, what)?;
    let map = IdMap::from_ints(raw.iter().copied());
    ensure(map.len() == raw.len(), t.file(), || {
        format!("{what}s are not unique")
    })?;
    Ok(map)
}

/// Whole lines of a rating file (`file`, from its line `first_line` on) against known users and
/// items, as [`load`] reads them (ratings and timestamps kept; repeated pairs not yet
/// dropped). Blank text is no interactions. Errors name the file and its true line.
pub fn parse_ratings(
    file: &str,
    bytes: Vec<u8>,
    first_line: usize,
    users: &IdMap,
    items: &IdMap,
) -> Result<Interactions> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Interactions::default());
    }
    let part = Source::Part {
        name: file.to_string(),
        bytes,
    };
    read_ratings(&part, users, items)
        .map(|(x, _)| x)
        .map_err(|e| e.after_lines(first_line - 1))
}

/// Loads ml-100k from `dir`. Users come from `u.user` (943), items from `u.item` (1,682);
/// every rating must name a known user and item. Official splits whose files are present
/// are loaded; `u1` is the default.
pub fn load(dir: &Path) -> Result<Dataset> {
    let users_table = Table::read(
        &Source::path(dir.join("u.user")),
        TableFormat::plain(b'|'),
        5,
    )?;
    let user_ids: Vec<i64> = users_table.parse(0, "user id")?;
    let users = IdMap::from_ints(user_ids.iter().copied());
    ensure(users.len() == user_ids.len(), users_table.file(), || {
        "user ids are not unique".into()
    })?;

    let item_format = TableFormat {
        encoding: Encoding::Latin1,
        ..TableFormat::plain(b'|')
    };
    let items_table = Table::read(&Source::path(dir.join("u.item")), item_format, 24)?;
    let item_ids: Vec<i64> = items_table.parse(0, "movie id")?;
    let items = IdMap::from_ints(item_ids.iter().copied());
    ensure(items.len() == item_ids.len(), items_table.file(), || {
        "movie ids are not unique".into()
    })?;

    let occupations = read_list(&dir.join("u.occupation"))?;
    let genres = read_list(&dir.join("u.genre"))?;
    let user_features = user_features(&users_table, &users, &occupations)?;
    let (titles, item_features) = item_features(&items_table, &items, &genres)?;

    let data = Source::path(dir.join("u.data"));
    let (mut interactions, _) = read_ratings(&data, &users, &items)?;
    let mut report = LoadReport {
        duplicates_removed: interactions.dedup_pairs(),
        notes: Vec::new(),
    };

    let mut official_splits = Vec::new();
    for name in OFFICIAL_SPLITS {
        let base = dir.join(format!("{name}.base"));
        let test = dir.join(format!("{name}.test"));
        if !base.exists() || !test.exists() {
            report.notes.push(format!(
                "official split {name} not found in {}",
                dir.display()
            ));
            continue;
        }
        let (mut train, _) = read_ratings(&Source::Path(base), &users, &items)?;
        let (mut test, _) = read_ratings(&Source::Path(test), &users, &items)?;
        report.duplicates_removed += train.dedup_pairs() + test.dedup_pairs();
        official_splits.push(Split {
            name: name.to_string(),
            train,
            test,
        });
    }

    Ok(Dataset {
        name: "ml-100k".into(),
        users,
        items,
        interactions,
        item_titles: Some(titles),
        user_features: Some(user_features),
        item_features: Some(item_features),
        rating_scale: Some(RatingScale { min: 1.0, max: 5.0 }),
        official_splits,
        default_split: SplitSpec::Official("u1".into()),
        social: None,
        report,
    })
}

/// Reads a `user\titem\trating\ttimestamp` file against known users and items.
fn read_ratings(source: &Source, users: &IdMap, items: &IdMap) -> Result<(Interactions, usize)> {
    let t = Table::read(source, TableFormat::tsv(false).typed(RATINGS), 4)?;
    let u: Vec<i64> = t.parse(0, "user id")?;
    let i: Vec<i64> = t.parse(1, "item id")?;
    let r = t.parse_finite(2, "rating", 1.0, 5.0)?;
    let ts: Vec<i64> = t.parse(3, "timestamp")?;
    let mut x = Interactions::new(
        map_int_column(&t, &u, users, "user", "u.user")?,
        map_int_column(&t, &i, items, "item", "u.item")?,
    );
    x.ratings = Some(r.iter().map(|&v| v as f32).collect());
    x.timestamps = Some(ts);
    let n = x.len();
    Ok((x, n))
}

/// The first field of each line of a `|`-separated list file (`u.occupation`, `u.genre`).
fn read_list(path: &Path) -> Result<Vec<String>> {
    let t = Table::read(&Source::path(path), TableFormat::plain(b'|'), 1)?;
    Ok(t.texts(0, "name")?
        .into_iter()
        .map(|s| s.trim().to_string())
        .collect())
}

fn user_features(t: &Table, users: &IdMap, occupations: &[String]) -> Result<FeatureMatrix> {
    let ids: Vec<i64> = t.parse(0, "user id")?;
    let ages: Vec<u32> = t.parse(1, "age")?;
    let genders = t.texts(2, "gender")?;
    let jobs = t.texts(3, "occupation")?;
    let names: Vec<&str> = occupations.iter().map(String::as_str).collect();
    let mut m = MovieLensUsers::new(users.len(), &names);
    for row in 0..ids.len() {
        let u = users
            .index_of_int(ids[row])
            .expect("map built from these ids") as usize;
        // An occupation missing from u.occupation gets the index past the list, which `set`
        // refuses after checking the gender (the order of the checks of the file's line).
        let job = occupations
            .iter()
            .position(|o| o == jobs[row].trim())
            .unwrap_or(occupations.len());
        m.set(u, ages[row], genders[row], job).map_err(|e| {
            let reason = match e {
                BadUser::Occupation { .. } => {
                    format!("occupation `{}` is not in u.occupation", jobs[row])
                }
                other => other.to_string(),
            };
            t.row_error(row, reason)
        })?;
    }
    Ok(m.finish())
}

fn item_features(
    t: &Table,
    items: &IdMap,
    genres: &[String],
) -> Result<(Vec<String>, FeatureMatrix)> {
    let ids: Vec<i64> = t.parse(0, "movie id")?;
    let titles = t.texts(1, "title")?;
    let release = t.optional_texts(2)?;
    let mut names: Vec<String> = genres.iter().map(|g| format!("genre={g}")).collect();
    names.extend(YEAR_BUCKETS.iter().map(|s| s.to_string()));
    let mut m = FeatureMatrix::zeros(items.len(), names);
    let mut out_titles = vec![String::new(); items.len()];
    let flag_cols = t.width() - genres.len();
    for (row, &id) in ids.iter().enumerate() {
        let i = items.index_of_int(id).expect("map built from these ids") as usize;
        out_titles[i] = titles[row].to_string();
        let year = release[row].and_then(|d| d.trim().rsplit('-').next()?.parse::<i32>().ok());
        m.set(i, genres.len() + year_bucket(year), 1.0);
    }
    for (g, genre) in genres.iter().enumerate() {
        let flags: Vec<u8> = t.parse(flag_cols + g, &format!("genre flag `{genre}`"))?;
        for (row, &f) in flags.iter().enumerate() {
            if f > 1 {
                return Err(t.row_error(row, format!("genre flag `{genre}` is {f}, not 0 or 1")));
            }
            let i = items
                .index_of_int(ids[row])
                .expect("map built from these ids") as usize;
            m.set(i, g, f as f32);
        }
    }
    Ok((out_titles, m))
}
