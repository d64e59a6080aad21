//! MovieLens latest-small (2018): `ratings.csv`, `movies.csv`, `tags.csv`.

use std::collections::BTreeSet;

use crate::dataset::{Dataset, LoadReport, RatingScale};
use crate::error::{DataError, Result};
use crate::features::{FeatureMatrix, YEAR_BUCKETS, year_bucket, year_from_title};
use crate::idmap::IdMap;
use crate::interactions::Interactions;
use crate::source::Source;
use crate::split::SplitSpec;
use crate::table::{RATINGS, Table, TableFormat};

/// The files of ml-latest-small.
#[derive(Debug, Clone)]
pub struct MlLatestSmallFiles {
    /// `ratings.csv`: `userId,movieId,rating,timestamp`.
    pub ratings: Source,
    /// `movies.csv`: `movieId,title,genres`.
    pub movies: Source,
    /// `tags.csv`: `userId,movieId,tag,timestamp` (optional).
    pub tags: Option<Source>,
}

/// Loads ml-latest-small. Items are the rated movies (9,724 of the 9,742 in `movies.csv`);
/// item features are genre multi-hot plus release-year bucket.
pub fn load(files: &MlLatestSmallFiles) -> Result<Dataset> {
    let ratings = Table::read(
        &files.ratings,
        TableFormat::CSV_WITH_HEADER.typed(RATINGS),
        4,
    )?;
    ratings.expect_header(&["userId", "movieId", "rating", "timestamp"])?;
    let raw_users: Vec<i64> = ratings.parse(0, "userId")?;
    let raw_items: Vec<i64> = ratings.parse(1, "movieId")?;
    let values = ratings.parse_finite(2, "rating", 0.5, 5.0)?;
    let times: Vec<i64> = ratings.parse(3, "timestamp")?;

    let users = IdMap::from_ints(raw_users.iter().copied());
    let items = IdMap::from_ints(raw_items.iter().copied());
    let mut interactions = Interactions::new(
        users
            .indices_of_ints(&raw_users)
            .expect("built from these ids"),
        items
            .indices_of_ints(&raw_items)
            .expect("built from these ids"),
    );
    interactions.ratings = Some(values.iter().map(|&v| v as f32).collect());
    interactions.timestamps = Some(times);
    let mut report = LoadReport {
        duplicates_removed: interactions.dedup_pairs(),
        notes: Vec::new(),
    };

    let (titles, features) = read_movies(&files.movies, &items)?;
    if let Some(tags) = &files.tags {
        let (kept, unrated) = count_tags(tags, &users, &items)?;
        report.notes.push(format!(
            "{kept} tags on rated movies, {unrated} on movies nobody rated"
        ));
    }

    Ok(Dataset {
        name: "ml-latest-small".into(),
        users,
        items,
        interactions,
        item_titles: Some(titles),
        user_features: None,
        item_features: Some(features),
        rating_scale: Some(RatingScale { min: 0.5, max: 5.0 }),
        official_splits: Vec::new(),
        default_split: SplitSpec::Random {
            test_fraction: 0.2,
            seed: 42,
        },
        social: None,
        report,
    })
}

fn read_movies(source: &Source, items: &IdMap) -> Result<(Vec<String>, FeatureMatrix)> {
    let movies = Table::read(source, TableFormat::CSV_WITH_HEADER, 3)?;
    movies.expect_header(&["movieId", "title", "genres"])?;
    let ids: Vec<i64> = movies.parse(0, "movieId")?;
    let titles = movies.texts(1, "title")?;
    let genres = movies.texts(2, "genres")?;

    let vocabulary: BTreeSet<&str> = genres.iter().flat_map(|g| g.split('|')).collect();
    let vocabulary: Vec<&str> = vocabulary.into_iter().collect();
    let mut names: Vec<String> = vocabulary.iter().map(|g| format!("genre={g}")).collect();
    let n_genres = names.len();
    names.extend(YEAR_BUCKETS.iter().map(|s| s.to_string()));
    let mut features = FeatureMatrix::zeros(items.len(), names);

    let mut out_titles: Vec<Option<String>> = vec![None; items.len()];
    for (row, &id) in ids.iter().enumerate() {
        let Some(idx) = items.index_of_int(id) else {
            continue; // a movie nobody rated: not an item of this dataset
        };
        let idx = idx as usize;
        if out_titles[idx].is_some() {
            return Err(movies.row_error(row, format!("movieId {id} is listed twice")));
        }
        out_titles[idx] = Some(titles[row].to_string());
        for g in genres[row].split('|') {
            let c = vocabulary.binary_search(&g).expect("in vocabulary");
            features.set(idx, c, 1.0);
        }
        features.set(
            idx,
            n_genres + year_bucket(year_from_title(titles[row])),
            1.0,
        );
    }
    let titles = out_titles
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            t.ok_or_else(|| {
                DataError::file(
                    movies.file(),
                    format!(
                        "movieId {} is rated but has no row in this file",
                        items.raw(i as u32)
                    ),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((titles, features))
}

fn count_tags(source: &Source, users: &IdMap, items: &IdMap) -> Result<(usize, usize)> {
    let tags = Table::read(source, TableFormat::CSV_WITH_HEADER, 4)?;
    tags.expect_header(&["userId", "movieId", "tag", "timestamp"])?;
    let _: Vec<i64> = tags.parse(0, "userId")?;
    let movie_ids: Vec<i64> = tags.parse(1, "movieId")?;
    tags.texts(2, "tag")?;
    let _: Vec<i64> = tags.parse(3, "timestamp")?;
    let _ = users;
    let kept = movie_ids
        .iter()
        .filter(|&&m| items.index_of_int(m).is_some())
        .count();
    Ok((kept, movie_ids.len() - kept))
}
