//! Last.fm, the LightGCN split: `data1.txt` (train), `test1.txt` (test) with
//! `user\titem\tplaycount`, and the social graph `trustnetwork.txt`.

use std::path::Path;

use crate::dataset::{Dataset, LoadReport};
use crate::error::Result;
use crate::idmap::IdMap;
use crate::interactions::Interactions;
use crate::source::Source;
use crate::split::{Split, SplitSpec};
use crate::table::{ColumnType, Table, TableFormat};

/// user, item, play count.
const INTERACTIONS: &[ColumnType] = &[ColumnType::Int, ColumnType::Int, ColumnType::Float];

/// Loads the LightGCN Last.fm split from `dir`. Users and items are those of the two files;
/// the play count (some rows are written like `3.2466e+05`) becomes the interaction weight.
/// The dataset's interactions are train followed by test; the official split is `data1`.
pub fn load(dir: &Path) -> Result<Dataset> {
    let train_t = Table::read(
        &Source::path(dir.join("data1.txt")),
        TableFormat::tsv(false).typed(INTERACTIONS),
        3,
    )?;
    let test_t = Table::read(
        &Source::path(dir.join("test1.txt")),
        TableFormat::tsv(false).typed(INTERACTIONS),
        3,
    )?;
    let (tu, ti, tw) = columns(&train_t)?;
    let (su, si, sw) = columns(&test_t)?;
    let users = IdMap::from_ints(tu.iter().chain(&su).copied());
    let items = IdMap::from_ints(ti.iter().chain(&si).copied());
    let build = |u: &[i64], i: &[i64], w: Vec<f32>| {
        let mut x = Interactions::new(
            users.indices_of_ints(u).expect("map built from these ids"),
            items.indices_of_ints(i).expect("map built from these ids"),
        );
        x.weights = Some(w);
        x
    };
    let mut train = build(&tu, &ti, tw);
    let mut test = build(&su, &si, sw);
    let mut report = LoadReport {
        duplicates_removed: train.dedup_pairs() + test.dedup_pairs(),
        notes: Vec::new(),
    };

    let trust = dir.join("trustnetwork.txt");
    let social = if trust.exists() {
        let t = Table::read(&Source::Path(trust), TableFormat::tsv(false), 2)?;
        let a: Vec<i64> = t.parse(0, "user id")?;
        let b: Vec<i64> = t.parse(1, "user id")?;
        let mut pairs = Vec::with_capacity(a.len());
        let mut inactive = 0usize;
        for (&x, &y) in a.iter().zip(&b) {
            match (users.index_of_int(x), users.index_of_int(y)) {
                (Some(x), Some(y)) => pairs.push((x, y)),
                _ => inactive += 1,
            }
        }
        report.notes.push(format!(
            "trust network: {} links between users with interactions, {inactive} involving users without",
            pairs.len()
        ));
        Some(pairs)
    } else {
        None
    };

    let mut interactions = train.clone();
    interactions.extend(&test);
    Ok(Dataset {
        name: "lastfm".into(),
        users,
        items,
        interactions,
        item_titles: None,
        user_features: None,
        item_features: None,
        rating_scale: None,
        official_splits: vec![Split {
            name: "data1".into(),
            train,
            test,
        }],
        default_split: SplitSpec::Official("data1".into()),
        social,
        report,
    })
}

fn columns(t: &Table) -> Result<(Vec<i64>, Vec<i64>, Vec<f32>)> {
    let u = t.parse(0, "user id")?;
    let i = t.parse(1, "item id")?;
    let w = t.parse_finite(2, "play count", 0.0, f64::MAX)?;
    Ok((u, i, w.into_iter().map(|v| v as f32).collect()))
}
