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
