//! Fixtures for tests: the crate's unit tests, its integration tests (the registry's contract,
//! `tests/contract.rs`) and other crates' tests. Built only for tests and with the `testing`
//! feature; not part of the API otherwise.

use gnnrec_data::{Interactions, RatingScale};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// A random bipartite graph of 8 users and 10 items (about 60 interactions, repeats
/// dropped) and random 3-wide ego embeddings for its 18 nodes.
pub fn random_graph(seed: u64) -> (Interactions, Vec<f32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = Interactions::new(
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
pub fn assert_gradient_matches_finite_differences(
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

/// `n` random interactions of `n_users` users and `n_items` items drawn from `seed` (repeats
/// dropped), each rated 1 to 5, with every user and every item in at least one of them.
pub fn rated_interactions(seed: u64, n_users: usize, n_items: usize, n: usize) -> Interactions {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (nu, ni) = (n_users as u32, n_items as u32);
    let covered = n_users.max(n_items) as u32;
    let mut x = Interactions::new(
        (0..covered)
            .map(|k| k % nu)
            .chain((0..n).map(|_| rng.random_range(0..nu)))
            .collect(),
        (0..covered)
            .map(|k| k % ni)
            .chain((0..n).map(|_| rng.random_range(0..ni)))
            .collect(),
    );
    x.dedup_pairs();
    x.ratings = Some(
        (0..x.len())
            .map(|_| rng.random_range(1..=5) as f32)
            .collect(),
    );
    x
}

/// The ratings' scale of [`rated_interactions`].
pub const RATING_SCALE: RatingScale = RatingScale { min: 1.0, max: 5.0 };

/// A training context over `train` on the CPU with seed 1: no monitoring set, no side
/// features, the ratings' scale of [`rated_interactions`].
pub fn context(
    train: &Interactions,
    n_users: usize,
    n_items: usize,
) -> crate::framework::context::TrainContext<'_> {
    crate::framework::context::TrainContext::new(train, n_users, n_items)
        .with_rating_scale(Some(RATING_SCALE))
        .with_seed(1)
}

/// An observer that keeps what training reports: how often the shared loop started, the
/// epochs' records, and the epochs of the checkpoints.
#[derive(Debug, Default)]
pub struct Recorder {
    /// Calls of [`crate::framework::observer::Observer::loop_started`].
    pub loops: usize,
    /// Every finished epoch.
    pub epochs: Vec<crate::framework::observer::EpochRecord>,
    /// The epoch of every checkpoint.
    pub checkpoints: Vec<usize>,
}

impl crate::framework::observer::Observer for Recorder {
    fn loop_started(&mut self) {
        self.loops += 1;
    }
    fn epoch_finished(&mut self, record: &crate::framework::observer::EpochRecord) {
        self.epochs.push(record.clone());
    }
    fn checkpoint(
        &mut self,
        checkpoint: &crate::framework::checkpoint::Checkpoint,
    ) -> crate::framework::error::Result<()> {
        self.checkpoints.push(checkpoint.epoch);
        Ok(())
    }
}
