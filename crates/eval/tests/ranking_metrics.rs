//! Ranking metrics: hand-computed cases, and a property test against a naive implementation.

use gnnrec_data::Interactions;
use gnnrec_eval::{Scorer, UserItems, evaluate_ranking};
use proptest::prelude::*;

/// Scores from a dense users × items table.
struct TableScorer {
    n_items: usize,
    scores: Vec<f32>,
}

impl Scorer for TableScorer {
    fn n_items(&self) -> usize {
        self.n_items
    }
    fn score_users(&self, users: &[u32], out: &mut [f32]) {
        for (r, &u) in users.iter().enumerate() {
            let row = &self.scores[u as usize * self.n_items..(u as usize + 1) * self.n_items];
            out[r * self.n_items..(r + 1) * self.n_items].copy_from_slice(row);
        }
    }
}

fn x(pairs: &[(u32, u32)]) -> Interactions {
    Interactions::new(
        pairs.iter().map(|p| p.0).collect(),
        pairs.iter().map(|p| p.1).collect(),
    )
}

#[test]
fn hand_computed_case() {
    #[rustfmt::skip]
    let scorer = TableScorer { n_items: 5, scores: vec![
        0.9, 0.8, 0.8, 0.1, 0.5, // user 0: train {0}, test {2, 3}; ranked 1, 2 (tie → lower index), 4, 3
        0.0, 0.0, 0.0, 0.0, 0.0, // user 1: no test items → not evaluated
        0.0, 0.0, 0.0, 0.0, 0.0, // user 2: all tied; test {4}, an item nobody trained on; ranked 0, 1
        1.0, 0.0, 0.0, 0.0, 0.0, // user 3: test {0}, ranked first
    ]};
    let train = UserItems::new(&x(&[(0, 0), (1, 1)]), 4);
    let test = UserItems::new(&x(&[(0, 2), (0, 3), (2, 4), (3, 0)]), 4);
    let popularity = [1, 1, 0, 0, 0];
    let m = evaluate_ranking(&scorer, &train, &test, &popularity, &[2, 1]);
    assert_eq!(m.users, 3);
    let a2 = m.at_k(2).unwrap();
    let d1 = 1.0 / 3f64.log2(); // discount of position 1
    let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    close(a2.recall, (0.5 + 0.0 + 1.0) / 3.0);
    close(a2.precision, (0.5 + 0.0 + 0.5) / 3.0);
    close(a2.ndcg, (d1 / (1.0 + d1) + 0.0 + 1.0) / 3.0);
    close(a2.hit_rate, 2.0 / 3.0);
    // Recommended: user 0 {1, 2}, user 2 {0, 1}, user 3 {0, 1} → 3 distinct of 5 items.
    close(a2.coverage, 3.0 / 5.0);
    close(
        a2.mean_popularity,
        (1.0 + 0.0 + 1.0 + 1.0 + 1.0 + 1.0) / 6.0,
    );
    let a1 = m.at_k(1).unwrap();
    close(a1.recall, (0.0 + 0.0 + 1.0) / 3.0);
    close(a1.ndcg, 1.0 / 3.0);
    assert_eq!(m.to_map()["recall@2"], a2.recall);
}

#[test]
fn user_with_every_item_in_train_gets_a_short_list() {
    let scorer = TableScorer {
        n_items: 3,
        scores: vec![0.3, 0.2, 0.1],
    };
    let train = UserItems::new(&x(&[(0, 0), (0, 1)]), 1);
    let test = UserItems::new(&x(&[(0, 2)]), 1);
    let m = evaluate_ranking(&scorer, &train, &test, &[1, 1, 0], &[20]);
    let a = m.at_k(20).unwrap();
    assert_eq!(a.recall, 1.0);
    assert_eq!(
        a.precision,
        1.0 / 20.0,
        "precision divides by K even for short lists"
    );
}

/// The protocol written as plainly as possible: full sort, sets, formulas.
fn naive(
    scores: &[f32],
    n_items: usize,
    train: &[(u32, u32)],
    test: &[(u32, u32)],
    n_users: usize,
    k: usize,
) -> (f64, f64, f64, f64) {
    let (mut r, mut p, mut nd, mut h, mut n) = (0.0, 0.0, 0.0, 0.0, 0);
    for u in 0..n_users as u32 {
        let mut truth: Vec<u32> = test.iter().filter(|t| t.0 == u).map(|t| t.1).collect();
        truth.sort();
        truth.dedup();
        if truth.is_empty() {
            continue;
        }
        n += 1;
        let seen: Vec<u32> = train.iter().filter(|t| t.0 == u).map(|t| t.1).collect();
        let mut cand: Vec<u32> = (0..n_items as u32).filter(|i| !seen.contains(i)).collect();
        let s = |i: u32| scores[u as usize * n_items + i as usize];
        cand.sort_by(|&a, &b| s(b).partial_cmp(&s(a)).unwrap().then(a.cmp(&b)));
        let top = &cand[..k.min(cand.len())];
        let hits: Vec<usize> = (0..top.len())
            .filter(|&j| truth.contains(&top[j]))
            .collect();
        r += hits.len() as f64 / truth.len() as f64;
        p += hits.len() as f64 / k as f64;
        let dcg: f64 = hits.iter().map(|&j| 1.0 / ((j + 2) as f64).log2()).sum();
        let idcg: f64 = (0..truth.len().min(k))
            .map(|j| 1.0 / ((j + 2) as f64).log2())
            .sum();
        nd += dcg / idcg;
        h += if hits.is_empty() { 0.0 } else { 1.0 };
    }
    let n = n as f64;
    (r / n, p / n, nd / n, h / n)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn matches_naive_reference(
        n_users in 1usize..12,
        n_items in 1usize..30,
        k in 1usize..12,
        seed_scores in proptest::collection::vec(0u8..6, 12 * 30),
        train_raw in proptest::collection::vec((0u32..12, 0u32..30), 0..80),
        test_raw in proptest::collection::vec((0u32..12, 0u32..30), 1..40),
    ) {
        // Few distinct score values, so ties are common.
        let scores: Vec<f32> = seed_scores[..n_users * n_items].iter().map(|&v| v as f32 * 0.25).collect();
        let fit = |v: &[(u32, u32)]| -> Vec<(u32, u32)> {
            v.iter().map(|&(u, i)| (u % n_users as u32, i % n_items as u32)).collect()
        };
        let train = fit(&train_raw);
        let test = fit(&test_raw);
        let scorer = TableScorer { n_items, scores: scores.clone() };
        let m = evaluate_ranking(
            &scorer,
            &UserItems::new(&x(&train), n_users),
            &UserItems::new(&x(&test), n_users),
            &vec![0; n_items],
            &[k],
        );
        let (r, p, nd, h) = naive(&scores, n_items, &train, &test, n_users, k);
        let a = m.at_k(k).unwrap();
        prop_assert!((a.recall - r).abs() < 1e-9);
        prop_assert!((a.precision - p).abs() < 1e-9);
        prop_assert!((a.ndcg - nd).abs() < 1e-9);
        prop_assert!((a.hit_rate - h).abs() < 1e-9);
    }
}
