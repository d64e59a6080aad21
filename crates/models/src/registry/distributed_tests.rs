//! Every distributed model against its single-process self, on in-process ranks.

use crate::filters::random_train;
use crate::framework::observer::Silent;
use crate::framework::sharded::*;
use crate::registry;
use gnnrec_data::Interactions;
use gnnrec_dist::{Comm, LocalGroup, UserBlocks};
use serde_json::{Map, Value, json};

/// Every user's scores from the model trained in one process and across `n` ranks.
fn scores(
    name: &str,
    values: &Map<String, Value>,
    x: &Interactions,
    nu: usize,
    ni: usize,
    n: usize,
) -> (Vec<f32>, Vec<f32>) {
    let kind = registry::find(name).unwrap();
    let cfg = kind.configure(&kind.complete(values).unwrap()).unwrap();
    let mut ctx = crate::TrainContext::new(x, nu, ni);
    ctx.seed = 9;
    let single = cfg.train(&ctx, &mut Silent).unwrap();
    let users: Vec<u32> = (0..nu as u32).collect();
    let mut want = vec![0f32; nu * ni];
    single.score_users(&users, &mut want);
    let parts = LocalGroup::run(n, |c| {
        let own = UserBlocks::new(nu, n).range(c.rank());
        let rows: Vec<usize> = (0..x.len())
            .filter(|&k| own.contains(&x.users[k]))
            .collect();
        let train = x.select(&rows);
        let ctx = ShardContext {
            comm: c,
            n_users: nu,
            n_items: ni,
            own: own.clone(),
            train: &train,
            seed: 9,
        };
        let m = cfg.train_sharded(&ctx).unwrap();
        // Rounds of at most 5 users; a rank out of users still takes part.
        let mine: Vec<u32> = own.collect();
        let rounds = (nu / n).div_ceil(5) + 1;
        let mut out = Vec::new();
        for r in 0..rounds {
            let block = &mine[(5 * r).min(mine.len())..(5 * r + 5).min(mine.len())];
            let mut s = vec![0f32; block.len() * ni];
            m.score_users(block, &mut s);
            out.extend(s);
        }
        let w = m.weights();
        assert_eq!(w.is_some(), c.rank() == 0);
        (out, w)
    });
    let got: Vec<f32> = parts.iter().flat_map(|(s, _)| s.clone()).collect();
    // Rank 0's weights load into the single-process model, which scores as the ranks did.
    let w = parts[0].1.as_ref().unwrap();
    let loaded = cfg.load(w, nu, ni).unwrap();
    let mut again = vec![0f32; nu * ni];
    loaded.score_users(&users, &mut again);
    for (a, g) in again.iter().zip(&got) {
        assert!(
            (a - g).abs() <= 1e-5 * a.abs().max(1.0),
            "{name}: loaded {a} vs ranks {g}"
        );
    }
    (want, got)
}

#[test]
fn every_distributed_model_scores_as_the_single_process_one_at_1_2_and_4_ranks() {
    let (nu, ni) = (53, 37);
    let x = random_train(nu, ni, 600, 11);
    let cases = [
        ("ease", json!({"lambda": 2.0})),
        ("gfcf", json!({"factors": 6, "alpha": 0.3})),
        ("bspm", json!({"factors": 6, "sharpen_steps": 2})),
        (
            "bspm",
            json!({"factors": 5, "early_merge": false, "solver": "euler"}),
        ),
    ];
    let names: Vec<&str> = registry::distributed_models();
    assert_eq!(names, vec!["ease", "gfcf", "bspm"]);
    for (name, values) in cases {
        let values = values.as_object().unwrap().clone();
        for n in [1, 2, 4] {
            let (want, got) = scores(name, &values, &x, nu, ni, n);
            let scale = want.iter().fold(0f32, |m, s| m.max(s.abs()));
            for (k, (w, g)) in want.iter().zip(&got).enumerate() {
                assert!(
                    (w - g).abs() <= 1e-5 * scale,
                    "{name} at {n} ranks, entry {k}: {g} vs {w}"
                );
            }
        }
    }
}

#[test]
fn a_model_without_a_distributed_form_says_which_have_one() {
    let kind = registry::find("lightgcn").unwrap();
    let cfg = kind.configure(&kind.defaults()).unwrap();
    let x = random_train(4, 3, 6, 1);
    let err = LocalGroup::run(1, |c| {
        let ctx = ShardContext {
            comm: c,
            n_users: 4,
            n_items: 3,
            own: 0..4,
            train: &x,
            seed: 1,
        };
        cfg.train_sharded(&ctx).err().unwrap().to_string()
    });
    assert!(
        err[0].contains("lightgcn has no distributed form"),
        "{}",
        err[0]
    );
}
