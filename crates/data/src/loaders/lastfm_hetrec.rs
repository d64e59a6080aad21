//! Last.fm HetRec 2011, raw: `user_artists.dat` (listening weight), `user_taggedartists.dat`
//! (tag dates) and `artists.dat` (names).

use std::collections::HashMap;
use std::path::Path;

use crate::dataset::{Dataset, LoadReport};
use crate::error::Result;
use crate::idmap::IdMap;
use crate::interactions::Interactions;
use crate::interactions::MISSING_TIME;
use crate::loaders::days_from_civil;
use crate::source::Source;
use crate::split::SplitSpec;
use crate::table::{ColumnType, Table, TableFormat};

/// Loads HetRec Last.fm from `dir` (the `hetrec2011/` folder).
///
/// The interaction time of a (user, artist) pair is the date of the user's **first** tag on
/// that artist, at midnight UTC; pairs never tagged get [`MISSING_TIME`]. Items are the
/// artists of `user_artists.dat`; titles are their names from `artists.dat`.
pub fn load(dir: &Path) -> Result<Dataset> {
    let ua = Table::read(
        &Source::path(dir.join("user_artists.dat")),
        TableFormat::tsv(true).typed(&[ColumnType::Int, ColumnType::Int, ColumnType::Float]),
        3,
    )?;
    ua.expect_header(&["userID", "artistID", "weight"])?;
    let raw_u: Vec<i64> = ua.parse(0, "userID")?;
    let raw_a: Vec<i64> = ua.parse(1, "artistID")?;
    let weight = ua.parse_finite(2, "weight", 0.0, f64::MAX)?;
    let users = IdMap::from_ints(raw_u.iter().copied());
    let items = IdMap::from_ints(raw_a.iter().copied());
    let mut x = Interactions::new(
        users
            .indices_of_ints(&raw_u)
            .expect("map built from these ids"),
        items
            .indices_of_ints(&raw_a)
            .expect("map built from these ids"),
    );
    x.weights = Some(weight.iter().map(|&w| w as f32).collect());

    let tagged = Table::read(
        &Source::path(dir.join("user_taggedartists.dat")),
        TableFormat::tsv(true),
        6,
    )?;
    tagged.expect_header(&["userID", "artistID", "tagID", "day", "month", "year"])?;
    let tu: Vec<i64> = tagged.parse(0, "userID")?;
    let ta: Vec<i64> = tagged.parse(1, "artistID")?;
    let day: Vec<u32> = tagged.parse(3, "day")?;
    let month: Vec<u32> = tagged.parse(4, "month")?;
    let year: Vec<i64> = tagged.parse(5, "year")?;
    let mut first: HashMap<(i64, i64), i64> = HashMap::with_capacity(tu.len());
    for row in 0..tu.len() {
        if !(1..=12).contains(&month[row]) || !(1..=31).contains(&day[row]) {
            return Err(tagged.row_error(
                row,
                format!(
                    "date {}/{}/{} is not a valid day/month/year",
                    day[row], month[row], year[row]
                ),
            ));
        }
        let t = days_from_civil(year[row], month[row], day[row]) * 86_400;
        first
            .entry((tu[row], ta[row]))
            .and_modify(|v| *v = (*v).min(t))
            .or_insert(t);
    }
    let times: Vec<i64> = raw_u
        .iter()
        .zip(&raw_a)
        .map(|(&u, &a)| first.get(&(u, a)).copied().unwrap_or(MISSING_TIME))
        .collect();
    let dated = times.iter().filter(|&&t| t != MISSING_TIME).count();
    x.timestamps = Some(times);
    let mut report = LoadReport {
        duplicates_removed: x.dedup_pairs(),
        notes: vec![format!(
            "{dated} of {} listening pairs have a tag date (the rest count as oldest in temporal splits)",
            raw_u.len()
        )],
    };

    let artists = Table::read(
        &Source::path(dir.join("artists.dat")),
        TableFormat::tsv(true),
        2,
    )?;
    artists.expect_header(&["id", "name"])?;
    let ids: Vec<i64> = artists.parse(0, "id")?;
    let names = artists.optional_texts(1)?;
    let mut titles: Vec<Option<String>> = vec![None; items.len()];
    for (row, &id) in ids.iter().enumerate() {
        if let Some(i) = items.index_of_int(id) {
            titles[i as usize] = Some(names[row].unwrap_or("").to_string());
        }
    }
    let unnamed = titles.iter().filter(|t| t.is_none()).count();
    if unnamed > 0 {
        report
            .notes
            .push(format!("{unnamed} artists have no row in artists.dat"));
    }
    let titles = titles
        .into_iter()
        .enumerate()
        .map(|(i, t)| t.unwrap_or_else(|| format!("artist {}", items.raw(i as u32))))
        .collect();

    Ok(Dataset {
        name: "lastfm-hetrec".into(),
        users,
        items,
        interactions: x,
        item_titles: Some(titles),
        user_features: None,
        item_features: None,
        rating_scale: None,
        official_splits: Vec::new(),
        default_split: SplitSpec::Random {
            test_fraction: 0.2,
            seed: 42,
        },
        social: None,
        report,
    })
}
