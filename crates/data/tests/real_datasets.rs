//! Loaders on the real files: exact counts. Datasets that may not be redistributed are read
//! from `$GNNREC_DATA`; see `gnnrec_data::testing`.

use std::collections::HashSet;

use gnnrec_data::registry::load;
use gnnrec_data::testing::data_dir_with;
use gnnrec_data::{Interactions, SplitSpec};

fn pairs(x: &Interactions) -> HashSet<(u32, u32)> {
    x.users
        .iter()
        .copied()
        .zip(x.items.iter().copied())
        .collect()
}

#[test]
fn ml_latest_small_bundled() {
    // The bundled copy: works with no data directory at all.
    let d = load("ml-latest-small", std::path::Path::new("/nonexistent")).unwrap();
    assert_eq!(d.n_users(), 610);
    assert_eq!(d.n_items(), 9_724);
    assert_eq!(d.interactions.len(), 100_836);
    assert_eq!(d.report.duplicates_removed, 0);
    let titles = d.item_titles.as_ref().unwrap();
    let toy = d.items.index_of_int(1).unwrap();
    assert_eq!(titles[toy as usize], "Toy Story (1995)");
    let f = d.item_features.as_ref().unwrap();
    assert_eq!(f.rows, 9_724);
    assert_eq!(f.cols, 20 + 9, "20 genres + 9 year buckets");
    let row = f.row(toy as usize);
    let on: Vec<&str> = (0..f.cols)
        .filter(|&c| row[c] == 1.0)
        .map(|c| f.names[c].as_str())
        .collect();
    assert_eq!(
        on,
        [
            "genre=Adventure",
            "genre=Animation",
            "genre=Children",
            "genre=Comedy",
            "genre=Fantasy",
            "year=1990s"
        ]
    );
    let r = d.interactions.ratings.as_ref().unwrap();
    assert!(r.iter().all(|&v| (0.5..=5.0).contains(&v)));

    let s = d.split(&d.default_split).unwrap();
    assert_eq!(s.name, "random:0.2:42");
    assert_eq!((s.train.len(), s.test.len()), (80_669, 20_167));
    assert!(pairs(&s.train).is_disjoint(&pairs(&s.test)));
}

#[test]
fn ml_100k_with_official_splits() {
    let Some(dir) = data_dir_with("ml-100k") else {
        return;
    };
    let d = load("ml-100k", &dir).unwrap();
    assert_eq!(
        (d.n_users(), d.n_items(), d.interactions.len()),
        (943, 1_682, 100_000)
    );
    let u1 = d.split(&SplitSpec::Official("u1".into())).unwrap();
    assert_eq!((u1.train.len(), u1.test.len()), (80_000, 20_000));
    assert!(pairs(&u1.train).is_disjoint(&pairs(&u1.test)));
    assert_eq!(
        d.official_split_names(),
        ["u1", "u2", "u3", "u4", "u5", "ua", "ub"]
    );
    let ua = d.split(&SplitSpec::Official("ua".into())).unwrap();
    assert_eq!((ua.train.len(), ua.test.len()), (90_570, 9_430));

    let uf = d.user_features.as_ref().unwrap();
    assert_eq!((uf.rows, uf.cols), (943, 7 + 2 + 21));
    // User 1: 24, M, technician.
    let u = d.users.index_of_int(1).unwrap() as usize;
    let on: Vec<&str> = (0..uf.cols)
        .filter(|&c| uf.row(u)[c] == 1.0)
        .map(|c| uf.names[c].as_str())
        .collect();
    assert_eq!(on, ["age=18-24", "gender=M", "occupation=technician"]);
    let itf = d.item_features.as_ref().unwrap();
    assert_eq!((itf.rows, itf.cols), (1_682, 19 + 9));
    let titles = d.item_titles.as_ref().unwrap();
    // Latin-1 decoded.
    let i = d.items.index_of_int(543).unwrap() as usize;
    assert_eq!(titles[i], "Misérables, Les (1995)");
    let temporal = d.split(&"temporal:last=1".parse().unwrap()).unwrap();
    assert_eq!(temporal.test.len(), 943);
}

#[test]
fn lastfm_lightgcn_split() {
    let Some(dir) = data_dir_with("lastfm") else {
        return;
    };
    let d = load("lastfm", &dir).unwrap();
    assert_eq!(d.n_items(), 4_489);
    let s = d.split(&d.default_split).unwrap();
    assert_eq!((s.train.len(), s.test.len()), (42_135, 10_533));
    let w = s.train.weights.as_ref().unwrap();
    assert!(
        w.iter().any(|&x| x > 1e5),
        "play counts like 3.2466e+05 parse as floats"
    );
    assert!(d.social.as_ref().is_some_and(|s| !s.is_empty()));
}

#[test]
fn lastfm_hetrec_raw() {
    let Some(dir) = data_dir_with("lastfm/hetrec2011") else {
        return;
    };
    let d = load("lastfm-hetrec", &dir).unwrap();
    assert_eq!(
        (d.n_users(), d.n_items(), d.interactions.len()),
        (1_892, 17_632, 92_834)
    );
    let t = d.interactions.timestamps.as_ref().unwrap();
    assert!(t.iter().any(|&x| x != gnnrec_data::MISSING_TIME));
    let s = d.split(&"temporal:frac=0.2".parse().unwrap()).unwrap();
    assert_eq!(s.train.len() + s.test.len(), 92_834);
}

#[test]
fn gowalla_lightgcn_split() {
    let Some(dir) = data_dir_with("gowalla") else {
        return;
    };
    let d = load("gowalla", &dir).unwrap();
    assert_eq!((d.n_users(), d.n_items()), (29_858, 40_981));
    let s = d.split(&d.default_split).unwrap();
    assert_eq!((s.train.len(), s.test.len()), (810_128, 217_242));
    // Ids are 0-based and contiguous: indices are the original ids.
    assert_eq!(d.items.raw(40_980).to_string(), "40980");
}

#[test]
fn yelp2018_lightgcn_split() {
    let Some(dir) = data_dir_with("yelp2018") else {
        return;
    };
    let d = load("yelp2018", &dir).unwrap();
    assert_eq!((d.n_users(), d.n_items()), (31_668, 38_048));
    let s = d.split(&d.default_split).unwrap();
    assert_eq!((s.train.len(), s.test.len()), (1_237_259, 324_147));
    assert_eq!(d.items.raw(38_047).to_string(), "38047");
}
