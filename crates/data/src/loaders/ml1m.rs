//! MovieLens 1M (2003): `ratings.dat`, `users.dat` and `movies.dat` (latin-1), fields
//! separated by `::` (read by [`TableFormat::double_colon`]). Side features like ml-100k's:
//! users' age bucket (the file's age codes 1, 18, 25, 35, 45, 50, 56 are the buckets'
//! lower bounds), gender and occupation (codes 0–20, named as in the dataset's README);
//! movies' 18 genres and release-year bucket (from the title). No official split: the
//! default is a seeded random 90/10 split of the ratings, as in the GC-MC paper.

use std::path::Path;

use crate::dataset::{Dataset, LoadReport, RatingScale};
use crate::error::Result;
use crate::features::{FeatureMatrix, MovieLensUsers, YEAR_BUCKETS, year_bucket, year_from_title};
use crate::idmap::IdMap;
use crate::interactions::Interactions;
use crate::loaders::{ensure, map_int_column};
use crate::source::Source;
use crate::split::SplitSpec;
use crate::table::{RATINGS, Table, TableFormat};
use crate::text::Encoding;

/// The occupation of each code 0–20 (the dataset's README).
pub const OCCUPATIONS: [&str; 21] = [
    "other",
    "academic/educator",
    "artist",
    "clerical/admin",
    "college/grad student",
    "customer service",
    "doctor/health care",
    "executive/managerial",
    "farmer",
    "homemaker",
    "K-12 student",
    "lawyer",
    "programmer",
    "retired",
    "sales/marketing",
    "scientist",
    "self-employed",
    "technician/engineer",
    "tradesman/craftsman",
    "unemployed",
    "writer",
];

/// The 18 genres of `movies.dat`.
pub const GENRES: [&str; 18] = [
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
];

/// Loads ml-1m from `dir` (6,040 users, 3,883 movies, 1,000,209 ratings in the release).
pub fn load(dir: &Path) -> Result<Dataset> {
    let users_table = Table::read(
        &Source::path(dir.join("users.dat")),
        TableFormat::double_colon(Encoding::Utf8),
        5,
    )?;
    let user_ids: Vec<i64> = users_table.parse(0, "user id")?;
    let users = IdMap::from_ints(user_ids.iter().copied());
    ensure(users.len() == user_ids.len(), users_table.file(), || {
        "user ids are not unique".into()
    })?;
    let movies_table = Table::read(
        &Source::path(dir.join("movies.dat")),
        TableFormat::double_colon(Encoding::Latin1),
        3,
    )?;
    let movie_ids: Vec<i64> = movies_table.parse(0, "movie id")?;
    let items = IdMap::from_ints(movie_ids.iter().copied());
    ensure(items.len() == movie_ids.len(), movies_table.file(), || {
        "movie ids are not unique".into()
    })?;
    let user_features = user_features(&users_table, &users)?;
    let (titles, item_features) = item_features(&movies_table, &items)?;

    let ratings = Table::read(
        &Source::path(dir.join("ratings.dat")),
        TableFormat::double_colon(Encoding::Utf8).typed(RATINGS),
        4,
    )?;
    let u: Vec<i64> = ratings.parse(0, "user id")?;
    let i: Vec<i64> = ratings.parse(1, "movie id")?;
    let r = ratings.parse_finite(2, "rating", 1.0, 5.0)?;
    let ts: Vec<i64> = ratings.parse(3, "timestamp")?;
    let mut interactions = Interactions::new(
        map_int_column(&ratings, &u, &users, "user", "users.dat")?,
        map_int_column(&ratings, &i, &items, "movie", "movies.dat")?,
    );
    interactions.ratings = Some(r.iter().map(|&v| v as f32).collect());
    interactions.timestamps = Some(ts);
    let report = LoadReport {
        duplicates_removed: interactions.dedup_pairs(),
        notes: Vec::new(),
    };
    Ok(Dataset {
        name: "ml-1m".into(),
        users,
        items,
        interactions,
        item_titles: Some(titles),
        user_features: Some(user_features),
        item_features: Some(item_features),
        rating_scale: Some(RatingScale { min: 1.0, max: 5.0 }),
        official_splits: Vec::new(),
        default_split: SplitSpec::Random {
            test_fraction: 0.1,
            seed: 42,
        },
        social: None,
        report,
    })
}

fn user_features(t: &Table, users: &IdMap) -> Result<FeatureMatrix> {
    let ids: Vec<i64> = t.parse(0, "user id")?;
    let genders = t.texts(1, "gender")?;
    let ages: Vec<u32> = t.parse(2, "age code")?;
    let jobs: Vec<usize> = t.parse(3, "occupation code")?;
    let mut m = MovieLensUsers::new(users.len(), &OCCUPATIONS);
    for row in 0..ids.len() {
        let u = users
            .index_of_int(ids[row])
            .expect("map built from these ids") as usize;
        if !matches!(ages[row], 1 | 18 | 25 | 35 | 45 | 50 | 56) {
            let reason = format!(
                "age code {} is not one of 1, 18, 25, 35, 45, 50, 56",
                ages[row]
            );
            return Err(t.row_error(row, reason));
        }
        m.set(u, ages[row], genders[row], jobs[row])
            .map_err(|e| t.row_error(row, e.to_string()))?;
    }
    Ok(m.finish())
}

fn item_features(t: &Table, items: &IdMap) -> Result<(Vec<String>, FeatureMatrix)> {
    let ids: Vec<i64> = t.parse(0, "movie id")?;
    let titles = t.texts(1, "title")?;
    let genres = t.texts(2, "genres")?;
    let mut names: Vec<String> = GENRES.iter().map(|g| format!("genre={g}")).collect();
    names.extend(YEAR_BUCKETS.iter().map(|s| s.to_string()));
    let mut m = FeatureMatrix::zeros(items.len(), names);
    let mut out_titles = vec![String::new(); items.len()];
    for (row, &id) in ids.iter().enumerate() {
        let i = items.index_of_int(id).expect("map built from these ids") as usize;
        out_titles[i] = titles[row].to_string();
        m.set(
            i,
            GENRES.len() + year_bucket(year_from_title(titles[row])),
            1.0,
        );
        for g in genres[row].split('|') {
            let Some(k) = GENRES.iter().position(|&x| x == g.trim()) else {
                return Err(t.row_error(row, format!("genre `{g}` is not one of ml-1m's 18")));
            };
            m.set(i, k, 1.0);
        }
    }
    Ok((out_titles, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixture in the release's exact format (latin-1 titles with `::` separators and a
    /// colon inside a title).
    fn fixture(dir: &Path) {
        std::fs::write(
            dir.join("users.dat"),
            "1::F::1::10::48067\n2::M::56::16::70072\n3::M::25::15::55117\n",
        )
        .unwrap();
        let mut movies = b"1::Toy Story (1995)::Animation|Children's|Comedy\n".to_vec();
        movies.extend_from_slice(
            b"2::Star Wars: Episode IV - A New Hope (1977)::Action|Adventure|Fantasy|Sci-Fi\n",
        );
        movies.extend_from_slice(b"3::Caf\xe9 au lait (1993)::Comedy\n");
        std::fs::write(dir.join("movies.dat"), movies).unwrap();
        std::fs::write(
            dir.join("ratings.dat"),
            "1::1::5::978300760\n1::2::3::978302109\n2::3::4::978301968\n3::1::2::978300275\n3::2::5::978824291\n",
        )
        .unwrap();
    }

    #[test]
    fn the_release_format_loads_with_features_and_a_random_default_split() {
        let dir = tempfile::tempdir().unwrap();
        fixture(dir.path());
        let d = load(dir.path()).unwrap();
        assert_eq!(
            (d.users.len(), d.items.len(), d.interactions.len()),
            (3, 3, 5)
        );
        let titles = d.item_titles.as_ref().unwrap();
        assert!(titles.contains(&"Star Wars: Episode IV - A New Hope (1977)".to_string()));
        assert!(titles.contains(&"Café au lait (1993)".to_string()));
        let uf = d.user_features.as_ref().unwrap();
        let u2 = d.users.index_of_int(2).unwrap() as usize;
        let named = |m: &FeatureMatrix, r: usize| -> Vec<String> {
            m.names
                .iter()
                .zip(m.row(r))
                .filter(|(_, v)| **v > 0.0)
                .map(|(n, _)| n.clone())
                .collect()
        };
        assert_eq!(
            named(uf, u2),
            ["age=56+", "gender=M", "occupation=self-employed"]
        );
        let itf = d.item_features.as_ref().unwrap();
        let sw = d.items.index_of_int(2).unwrap() as usize;
        assert_eq!(
            named(itf, sw),
            [
                "genre=Action",
                "genre=Adventure",
                "genre=Fantasy",
                "genre=Sci-Fi",
                YEAR_BUCKETS[year_bucket(Some(1977))]
            ]
        );
        assert_eq!(
            d.default_split,
            SplitSpec::Random {
                test_fraction: 0.1,
                seed: 42
            }
        );
        assert_eq!(
            d.interactions.ratings.as_ref().unwrap().iter().sum::<f32>(),
            19.0
        );
    }

    #[test]
    fn a_bad_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        fixture(dir.path());
        std::fs::write(
            dir.path().join("ratings.dat"),
            "1::1::5::978300760\n1::9::3::978302109\n",
        )
        .unwrap();
        let e = load(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("ratings.dat") && e.contains("line 2") && e.contains("movie 9"),
            "{e}"
        );
        std::fs::write(dir.path().join("ratings.dat"), "1::1::5::978300760\n1::2\n").unwrap();
        let e = load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("ratings.dat") && e.contains("line 2"), "{e}");
    }
}
