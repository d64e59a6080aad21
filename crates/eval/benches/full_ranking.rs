//! Full-ranking evaluation at gowalla size: 29,858 users × 40,981 items, 64-dimensional
//! embeddings, K = 10 and 20, the training items of the real split excluded (random ones when
//! gowalla is absent).

use criterion::{Criterion, criterion_group, criterion_main};
use gnnrec_data::Interactions;
use gnnrec_eval::{DotScorer, UserItems, evaluate_ranking};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const USERS: usize = 29_858;
const ITEMS: usize = 40_981;
const DIM: usize = 64;

fn random_interactions(rng: &mut ChaCha8Rng, n: usize) -> Interactions {
    Interactions::new(
        (0..n).map(|_| rng.random_range(0..USERS as u32)).collect(),
        (0..n).map(|_| rng.random_range(0..ITEMS as u32)).collect(),
    )
}

fn full_ranking(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let users: Vec<f32> = (0..USERS * DIM)
        .map(|_| rng.random_range(-0.1..0.1))
        .collect();
    let items: Vec<f32> = (0..ITEMS * DIM)
        .map(|_| rng.random_range(-0.1..0.1))
        .collect();
    let scorer = DotScorer::new(users, items, DIM);
    let (train, test) = match gnnrec_data::testing::data_dir_with("gowalla") {
        Some(dir) => {
            let d = gnnrec_data::registry::load("gowalla", &dir).unwrap();
            let s = d.split(&d.default_split).unwrap();
            (s.train, s.test)
        }
        None => (
            random_interactions(&mut rng, 810_128),
            random_interactions(&mut rng, 217_242),
        ),
    };
    let popularity = train.item_degrees(ITEMS);
    let train = UserItems::new(&train, USERS);
    let test = UserItems::new(&test, USERS);
    let mut g = c.benchmark_group("eval");
    g.sample_size(10);
    g.bench_function("full_ranking_gowalla_d64", |b| {
        b.iter(|| evaluate_ranking(&scorer, &train, &test, &popularity, &[10, 20]))
    });
    g.finish();
}

criterion_group!(benches, full_ranking);
criterion_main!(benches);
