//! Bring your own interactions: a CSV with your own column names (`customer_id`, `sku`,
//! `stars`, `ts`), read by naming them, split at random, and trained on.
//!
//! ```sh
//! cargo run --release -p gnnrec-run --example own_csv -- purchases.csv
//! ```
//! Without an argument it writes a small synthetic file first and uses that.

use std::error::Error;
use std::io::Write;
use std::path::Path;

use gnnrec_data::registry::OwnData;
use gnnrec_models::ModelSpec;
use gnnrec_run::{DataSource, Training};

/// Trains item-KNN on the CSV at `file` into `out`; returns (users, items, recall@10).
fn run(file: &Path, out: &Path) -> Result<(usize, usize, f64), Box<dyn Error>> {
    let source = DataSource {
        dataset: file.display().to_string(),
        data_dir: None,
        split: Some("random:0.2:7".into()),
        own: OwnData {
            columns: Some("user=customer_id,item=sku,rating=stars,time=ts".into()),
            ..OwnData::default()
        },
    };
    let done = Training::new(source, ModelSpec::default_for("itemknn")?)
        .with_out(out)
        .run()?;
    let recall = done.metrics.metrics["recall@10"];
    println!(
        "{} users, {} items, {} training interactions; item-KNN recall@10 {recall:.4}",
        done.data.n_users(),
        done.data.n_items(),
        done.split.train.len()
    );
    Ok((done.data.n_users(), done.data.n_items(), recall))
}

/// A small purchases file: 200 customers, 60 SKUs, 12 purchases each, popular SKUs first.
fn write_sample(path: &Path) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(f, "ts,customer_id,sku,stars")?;
    let mut state = 7u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    for c in 0..200 {
        let mut bought = Vec::new();
        while bought.len() < 12 {
            let sku = (next() % 60).min(next() % 60);
            if !bought.contains(&sku) {
                bought.push(sku);
            }
        }
        for (t, sku) in bought.into_iter().enumerate() {
            writeln!(
                f,
                "{},C{c:04},SKU-{sku:03},{}",
                1_700_000_000 + t * 3600,
                1 + (c + sku) % 5
            )?;
        }
    }
    f.flush()
}

fn main() -> Result<(), Box<dyn Error>> {
    let file = match std::env::args().nth(1) {
        Some(f) => f.into(),
        None => {
            let p = std::env::temp_dir().join("gnnrec-example-purchases.csv");
            write_sample(&p)?;
            p
        }
    };
    run(&file, Path::new("runs/example-own-csv"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_a_csv_by_its_column_names_and_trains() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("purchases.csv");
        super::write_sample(&file).unwrap();
        let (users, items, recall) = super::run(&file, &dir.path().join("run")).unwrap();
        assert_eq!(users, 200);
        assert!(items <= 60 && items > 30, "{items} items");
        assert!(recall > 0.0, "recall@10 {recall}");
    }
}
