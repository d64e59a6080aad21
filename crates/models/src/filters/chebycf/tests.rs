use super::*;
use crate::filters::{chebyshev, random_train};
use faer::Mat;

/// ChebyCF's scores for every user in f64 from dense matrices: `R̃`, `L̃ = I − 2R̃ᵀR̃`, the
/// polynomial `Σ c_k T_k(L̃)` built by the matrix recursion, the low-pass `V Vᵀ`, and the
/// degree normalisation as diagonal matrices.
fn dense_scores(
    x: &Interactions,
    nu: usize,
    ni: usize,
    v: &[f32],
    cfg: &ChebyCfConfig,
) -> Mat<f64> {
    let (r, di, rn) = crate::filters::dense_normalized(x, nu, ni);
    let eye = Mat::<f64>::identity(ni, ni);
    let l = &eye - (rn.transpose() * &rn) * 2.0;
    let c = chebyshev::coefficients(cfg.order, cfg.flatness as f64);
    let (mut t0, mut t1) = (eye.clone(), l.clone());
    let mut h = &eye * c[0] + &l * c[1];
    for &ck in &c[2..] {
        let t2 = (&l * &t1) * 2.0 - &t0;
        h += &t2 * ck;
        (t0, t1) = (t1, t2);
    }
    let k = v.len() / ni;
    let vm = Mat::<f64>::from_fn(ni, k, |i, j| v[i * k + j] as f64);
    let low = &vm * vm.transpose();
    let diag = |e: f64| {
        Mat::<f64>::from_fn(ni, ni, |a, b| {
            if a == b && di[a] > 0.0 {
                di[a].powf(e)
            } else {
                0.0
            }
        })
    };
    let beta = cfg.beta as f64;
    &r * diag(-beta) * (h + low * cfg.alpha as f64) * diag(beta)
}

#[test]
fn scores_equal_a_dense_f64_reference() {
    let (nu, ni) = (40, 25);
    let x = random_train(nu, ni, 260, 7);
    let users: Vec<u32> = (0..nu as u32).collect();
    for cfg in [
        ChebyCfConfig {
            factors: 6,
            ..ChebyCfConfig::default()
        },
        ChebyCfConfig {
            order: 3,
            flatness: 3.0,
            factors: 4,
            alpha: 0.7,
            beta: 0.0,
            svd_iters: 2,
        },
        ChebyCfConfig {
            order: 1,
            alpha: 0.0,
            beta: 0.5,
            ..ChebyCfConfig::default()
        },
    ] {
        let f = ChebyScorer::fit(&x, nu, ni, &cfg, 1);
        let want = dense_scores(&x, nu, ni, &f.terms.svd().v, &cfg);
        let mut got = vec![0f32; nu * ni];
        f.score_users(&users, &mut got);
        let scale = (0..nu * ni)
            .map(|k| want[(k / ni, k % ni)].abs())
            .fold(0.0, f64::max);
        assert!(scale > 0.0);
        for u in 0..nu {
            for i in 0..ni {
                let (g, w) = (got[u * ni + i] as f64, want[(u, i)]);
                assert!(
                    (g - w).abs() <= 1e-5 * scale,
                    "{cfg:?}: user {u} item {i}: {g} vs {w}"
                );
            }
        }
        // Saved and loaded, it scores the same; a history folds in as its user scores.
        let back = ChebyScorer::from_weights(&f.weights(), nu, ni, &cfg).unwrap();
        let mut again = vec![0f32; nu * ni];
        back.score_users(&users, &mut again);
        assert_eq!(again, got);
        let h = f.by_user.of(3).to_vec();
        let mut folded = vec![0f32; ni];
        f.score_histories(&[&h], &mut folded);
        for (a, b) in folded.iter().zip(&got[3 * ni..4 * ni]) {
            assert!((a - b).abs() <= 1e-6 * scale as f32, "fold-in {a} vs {b}");
        }
    }
}

#[test]
fn a_block_scores_each_user_as_alone() {
    let (nu, ni) = (30, 20);
    let x = random_train(nu, ni, 200, 3);
    let cfg = ChebyCfConfig {
        factors: 5,
        ..ChebyCfConfig::default()
    };
    let f = ChebyScorer::fit(&x, nu, ni, &cfg, 2);
    let users: Vec<u32> = (0..nu as u32).collect();
    let mut block = vec![0f32; nu * ni];
    f.score_users(&users, &mut block);
    for u in [0u32, 7, 29] {
        let mut one = vec![0f32; ni];
        f.score_users(&[u], &mut one);
        for (a, b) in one.iter().zip(&block[u as usize * ni..][..ni]) {
            assert!((a - b).abs() <= 1e-6 * a.abs().max(1.0), "user {u}");
        }
    }
}
