//! Property tests of the splits: the two sides are disjoint and together exactly the input,
//! and a seed (or the timestamps) determines the split.

use std::collections::BTreeMap;

use gnnrec_data::split::{Holdout, random_split, temporal_split};
use gnnrec_data::{Interactions, Split};
use proptest::prelude::*;

/// Random interactions of up to 12 users and 30 items, with timestamps.
fn interactions() -> impl Strategy<Value = (usize, Interactions)> {
    prop::collection::vec((0u32..12, 0u32..30, 0i64..50), 1..150).prop_map(|rows| {
        let mut x = Interactions::new(
            rows.iter().map(|r| r.0).collect(),
            rows.iter().map(|r| r.1).collect(),
        );
        x.timestamps = Some(rows.iter().map(|r| r.2).collect());
        (12, x)
    })
}

/// The multiset of (user, item, time) rows.
fn rows(x: &Interactions) -> BTreeMap<(u32, u32, i64), usize> {
    let t = x.timestamps.as_deref().unwrap();
    let mut m = BTreeMap::new();
    for ((&u, &i), &time) in x.users.iter().zip(&x.items).zip(t) {
        *m.entry((u, i, time)).or_insert(0) += 1;
    }
    m
}

/// Train and test together are exactly `all`.
fn complete(all: &Interactions, s: &Split) -> bool {
    let mut both = rows(&s.train);
    for (k, n) in rows(&s.test) {
        *both.entry(k).or_insert(0) += n;
    }
    both == rows(all) && s.train.len() + s.test.len() == all.len()
}

proptest! {
    #[test]
    fn random_splits_are_complete_sized_and_seeded((_, all) in interactions(), f in 0.05f64..0.95, seed in 0u64..1000) {
        let s = random_split(&all, f, seed);
        prop_assert!(complete(&all, &s));
        prop_assert_eq!(s.test.len(), ((all.len() as f64) * f).round() as usize);
        prop_assert_eq!(&s, &random_split(&all, f, seed));
    }

    #[test]
    fn temporal_splits_hold_out_each_users_latest((n, all) in interactions(), k in 1usize..4) {
        let s = temporal_split(&all, n, Holdout::LastK(k)).unwrap();
        prop_assert!(complete(&all, &s));
        prop_assert_eq!(&s, &temporal_split(&all, n, Holdout::LastK(k)).unwrap());
        let (tt, te) = (s.train.timestamps.as_deref().unwrap(), s.test.timestamps.as_deref().unwrap());
        for u in 0..n as u32 {
            let train: Vec<i64> = (0..s.train.len()).filter(|&i| s.train.users[i] == u).map(|i| tt[i]).collect();
            let test: Vec<i64> = (0..s.test.len()).filter(|&i| s.test.users[i] == u).map(|i| te[i]).collect();
            let total = train.len() + test.len();
            // at most k held out, at least one kept in train
            prop_assert_eq!(test.len(), k.min(total.saturating_sub(1)));
            // nothing held out is older than what stays
            if let (Some(&newest_train), Some(&oldest_test)) = (train.iter().max(), test.iter().min()) {
                prop_assert!(oldest_test >= newest_train, "user {}", u);
            }
        }
    }

    #[test]
    fn a_validation_carve_out_never_touches_test((_, all) in interactions(), seed in 0u64..1000) {
        let s = random_split(&all, 0.2, 1);
        let v = s.carve_validation(0.1, seed);
        prop_assert!(complete(&s.train, &v));
        prop_assert_eq!(&v, &s.carve_validation(0.1, seed));
    }

    #[test]
    fn a_per_user_carve_out_holds_out_a_share_of_every_user((n, all) in interactions(), f in 0.05f64..0.5, seed in 0u64..1000) {
        let s = random_split(&all, 0.2, 1);
        let v = s.carve_validation_per_user(f, seed, n);
        prop_assert!(complete(&s.train, &v));
        prop_assert_eq!(&v, &s.carve_validation_per_user(f, seed, n));
        for u in 0..n as u32 {
            let total = s.train.users.iter().filter(|&&x| x == u).count();
            let held = v.test.users.iter().filter(|&&x| x == u).count();
            let want = if total < 2 {
                0
            } else {
                ((total as f64 * f).round() as usize).clamp(1, total - 1)
            };
            prop_assert_eq!(held, want, "user {} of {} interactions", u, total);
        }
    }
}
