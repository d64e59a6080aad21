//! Loader speed on the real files: gowalla (both files, remapped), ml-100k, ml-latest-small;
//! and the typed polars read of a rating file against the all-text read it replaced, side by
//! side in one run (`table/…`).

use criterion::{Criterion, criterion_group, criterion_main};
use gnnrec_data::registry::load;
use gnnrec_data::source::Source;
use gnnrec_data::table::{RATINGS, Table, TableFormat};
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

/// Reads a rating file and converts its four columns, as the ml-100k loader does.
fn read_ratings(source: &Source, format: TableFormat) -> usize {
    let t = Table::read(source, format, 4).unwrap();
    let u: Vec<i64> = t.parse(0, "user").unwrap();
    let i: Vec<i64> = t.parse(1, "item").unwrap();
    let r: Vec<f64> = t.parse(2, "rating").unwrap();
    let ts: Vec<i64> = t.parse(3, "time").unwrap();
    u.len() + i.len() + r.len() + ts.len()
}

fn typed_against_text(c: &mut Criterion) {
    let Some(dir) = data_dir_with("ml-100k") else {
        return;
    };
    let source = Source::path(dir.join("ml-100k/u.data"));
    let mut g = c.benchmark_group("table");
    g.sample_size(20);
    g.bench_function("ml-100k u.data typed", |b| {
        b.iter(|| read_ratings(&source, TableFormat::tsv(false).typed(RATINGS)))
    });
    g.bench_function("ml-100k u.data as text", |b| {
        b.iter(|| read_ratings(&source, TableFormat::tsv(false)))
    });
    g.finish();
}

criterion_group!(benches, loaders, typed_against_text);
criterion_main!(benches);
