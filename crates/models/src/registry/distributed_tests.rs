//! Every distributed model against its single-process self, on in-process ranks.

use crate::filters::random_train;
use crate::framework::observer::Silent;
use crate::framework::sharded::*;
use crate::registry;
use gnnrec_data::Interactions;
use gnnrec_dist::{Blocks, Comm, LocalGroup};
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
        let own = Blocks::new(nu, n).range(c.rank());
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
            checkpoints: None,
            monitor: None,
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
        ("chebycf", json!({"factors": 6, "order": 5, "alpha": 0.3})),
        ("chebycf", json!({"factors": 6, "order": 2, "alpha": 0.0})),
    ];
    let names: Vec<&str> = registry::distributed_models();
    assert_eq!(
        names,
        vec!["ease", "gfcf", "bspm", "chebycf", "mf", "lightgcn"]
    );
    for (name, values) in cases {
        let values = values.as_object().unwrap().clone();
        for n in [1, 2, 4] {
            let (want, got) = scores(name, &values, &x, nu, ni, n);
            // The issue asks 1e-5 of the largest score; with the filters' sums in f64 the
            // ranks' scores are the single process's to f32's resolution, held here to 1e-6.
            let scale = want.iter().fold(0f32, |m, s| m.max(s.abs()));
            for (k, (w, g)) in want.iter().zip(&got).enumerate() {
                assert!(
                    (w - g).abs() <= 1e-6 * scale,
                    "{name} at {n} ranks, entry {k}: {g} vs {w}"
                );
            }
        }
    }
}

#[test]
fn a_model_without_a_distributed_form_says_which_have_one() {
    let kind = registry::find("simgcl").unwrap();
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
            checkpoints: None,
            monitor: None,
        };
        cfg.train_sharded(&ctx).err().unwrap().to_string()
    });
    assert!(
        err[0].contains("simgcl has no distributed form"),
        "{}",
        err[0]
    );
}

#[test]
fn a_lightgcn_or_mf_step_across_1_2_and_4_ranks_has_the_single_process_gradient() {
    use crate::bpr::lightgcn::step::{Shape, StepBuffers};
    use crate::bpr::sharded_step::{ShardGraph, ShardStep};
    use rand::{Rng, SeedableRng};

    let (nu, ni, d, pool, b) = (23, 17, 5, 3, 40);
    let x = random_train(nu, ni, 150, 4);
    let a = gnnrec_graph::normalized_adjacency(&x, nu, ni);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
    let table: Vec<f32> = (0..(nu + ni) * d)
        .map(|_| rng.random_range(-0.5..0.5))
        .collect();
    let users: Vec<u32> = (0..b).map(|_| rng.random_range(0..nu as u32)).collect();
    let pos: Vec<u32> = (0..b).map(|_| rng.random_range(0..ni as u32)).collect();
    let neg: Vec<u32> = (0..b * pool)
        .map(|_| rng.random_range(0..ni as u32))
        .collect();
    for layers in [0, 2] {
        let shape = Shape {
            n_users: nu,
            dim: d,
            layers,
            l2: 0.1,
        };
        let (want_loss, want) =
            StepBuffers::default().loss_and_grad(&a, &table, shape, &users, &pos, &neg);
        let scale = want.iter().fold(0f32, |m, g| m.max(g.abs()));
        for n in [1, 2, 4] {
            let got = LocalGroup::run(n, |c| {
                let own = Blocks::new(nu, n).range(c.rank());
                let rows: Vec<usize> = (0..x.len())
                    .filter(|&k| own.contains(&x.users[k]))
                    .collect();
                let mine_x = x.select(&rows);
                let local = Interactions::new(
                    mine_x.users.iter().map(|&u| u - own.start).collect(),
                    mine_x.items.clone(),
                );
                let graph = ShardGraph::new(&local, own.len(), ni, c);
                let items = graph.items().range(c.rank());
                let mut mine = table[own.start as usize * d..own.end as usize * d].to_vec();
                mine.extend_from_slice(
                    &table[(nu + items.start as usize) * d..(nu + items.end as usize) * d],
                );
                let keep: Vec<usize> = (0..b).filter(|&k| own.contains(&users[k])).collect();
                let u: Vec<u32> = keep.iter().map(|&k| users[k]).collect();
                let p: Vec<u32> = keep.iter().map(|&k| pos[k]).collect();
                let q: Vec<u32> = keep
                    .iter()
                    .flat_map(|&k| neg[k * pool..(k + 1) * pool].to_vec())
                    .collect();
                let mut step = ShardStep::new(c, own.clone(), graph, d, layers, 0.1);
                let (loss, grad) = step.loss_and_grad(&mine, &u, &p, &q, b);
                (own, items, loss, grad)
            });
            for (own, items, loss, grad) in got {
                let what = format!("{layers} layers, {n} ranks");
                assert!(
                    (loss - want_loss).abs() <= 1e-5 * want_loss.abs(),
                    "{what}: loss {loss} vs {want_loss}"
                );
                let rows = own.len();
                let want_users = &want[own.start as usize * d..own.end as usize * d];
                let checks =
                    grad[..rows * d]
                        .iter()
                        .zip(want_users)
                        .chain(grad[rows * d..].iter().zip(
                            &want[(nu + items.start as usize) * d..(nu + items.end as usize) * d],
                        ));
                for (g, w) in checks {
                    assert!((g - w).abs() <= 1e-5 * scale, "{what}: {g} vs {w}");
                }
            }
        }
    }
}
