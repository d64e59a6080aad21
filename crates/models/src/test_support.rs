//! Fixtures shared by the crate's unit tests.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// A random bipartite graph of 8 users and 10 items (about 60 interactions, repeats
/// dropped) and random 3-wide ego embeddings for its 18 nodes.
pub(crate) fn random_graph(seed: u64) -> (gnnrec_data::Interactions, Vec<f32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = gnnrec_data::Interactions::new(
        (0..60).map(|_| rng.random_range(0..8)).collect(),
        (0..60).map(|_| rng.random_range(0..10)).collect(),
    );
    x.dedup_pairs();
    let normal = Normal::new(0.0f32, 0.5).unwrap();
    let ego = (0..18 * 3).map(|_| normal.sample(&mut rng)).collect();
    (x, ego)
}

/// Checks the gradient `f` returns at `point` (with its loss) against central finite
/// differences entry by entry, to 2e-3; returns that gradient. The step, 2e-3, is small
/// enough that the contrastive models' noise, whose sign follows the layer's (a constant of
/// the step for autograd), keeps its sign at this file's points (at 1e-2 one entry of
/// SimGCL's test flips it), and large enough for f32 losses.
pub(crate) fn assert_gradient_matches_finite_differences(
    point: &[f32],
    f: impl Fn(&[f32]) -> (f32, Vec<f32>),
) -> Vec<f32> {
    let (_, g) = f(point);
    assert_eq!(g.len(), point.len());
    let h = 2e-3;
    for k in 0..point.len() {
        let at = |delta: f32| {
            let mut p = point.to_vec();
            p[k] += delta;
            f(&p).0
        };
        let numeric = (at(h) - at(-h)) / (2.0 * h);
        assert!(
            (numeric - g[k]).abs() < 2e-3,
            "entry {k}: {numeric} vs {}",
            g[k]
        );
    }
    g
}
