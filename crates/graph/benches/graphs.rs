//! Graph building on the real training splits: the normalised user–item adjacency of gowalla,
//! and item–item co-occurrence graphs (ml-100k plain and time-weighted; gowalla with top-k).

use criterion::{Criterion, criterion_group, criterion_main};
use gnnrec_data::registry::load;
use gnnrec_data::testing::data_dir_with;
use gnnrec_graph::{EdgeWeight, ItemGraphSpec, item_graph, normalized_adjacency};

fn graphs(c: &mut Criterion) {
    let mut g = c.benchmark_group("graph");
    g.sample_size(10);
    if let Some(dir) = data_dir_with("gowalla") {
        let d = load("gowalla", &dir).unwrap();
        let s = d.split(&d.default_split).unwrap();
        let (nu, ni) = (d.n_users(), d.n_items());
        g.bench_function("gowalla_normalized_adjacency", |b| {
            b.iter(|| normalized_adjacency(&s.train, nu, ni))
        });
        let spec = ItemGraphSpec {
            weight: EdgeWeight::Cosine,
            top_k: Some(50),
            ..Default::default()
        };
        g.bench_function("gowalla_item_cosine_top50", |b| {
            b.iter(|| item_graph(&s.train, nu, ni, &spec).unwrap())
        });
    }
    if let Some(dir) = data_dir_with("ml-100k") {
        let d = load("ml-100k", &dir).unwrap();
        let s = d.split(&d.default_split).unwrap();
        let (nu, ni) = (d.n_users(), d.n_items());
        for (name, weight) in [
            ("ml100k_item_count", EdgeWeight::Count),
            ("ml100k_item_time", EdgeWeight::Time),
            ("ml100k_item_decay", EdgeWeight::Decay),
        ] {
            let spec = ItemGraphSpec {
                weight,
                ..Default::default()
            };
            g.bench_function(name, |b| {
                b.iter(|| item_graph(&s.train, nu, ni, &spec).unwrap())
            });
        }
    }
    g.finish();
}

criterion_group!(benches, graphs);
criterion_main!(benches);
