//! Loader speed on the real files: gowalla (both files, remapped) and ml-100k.

use criterion::{Criterion, criterion_group, criterion_main};
use gnnrec_data::registry::load;
use gnnrec_data::testing::data_dir_with;

fn loaders(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    if let Some(dir) = data_dir_with("gowalla") {
        g.bench_function("gowalla", |b| b.iter(|| load("gowalla", &dir).unwrap()));
    }
    if let Some(dir) = data_dir_with("ml-100k") {
        g.bench_function("ml-100k", |b| b.iter(|| load("ml-100k", &dir).unwrap()));
    }
    g.bench_function("ml-latest-small (embedded)", |b| {
        b.iter(|| load("ml-latest-small", std::path::Path::new("/nonexistent")).unwrap())
    });
    g.finish();
}

criterion_group!(benches, loaders);
criterion_main!(benches);
