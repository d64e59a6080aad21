//! Train LightGCN on the bundled MovieLens latest-small, print its test metrics and the
//! top 5 of a few users with titles.
//!
//! ```sh
//! cargo run --release -p gnnrec-run --example train_lightgcn            # 30 epochs
//! cargo run --release -p gnnrec-run --example train_lightgcn -- 5       # 5 epochs
//! ```

use std::error::Error;
use std::path::Path;

use gnnrec_eval::{UserItems, rank_users};
use gnnrec_models::ModelSpec;
use gnnrec_run::Training;

/// Trains `epochs` epochs into `out` and prints what the model recommends.
fn run(epochs: usize, out: &Path) -> Result<f64, Box<dyn Error>> {
    let mut spec = ModelSpec::default_for("lightgcn")?;
    spec.set("epochs", &epochs.to_string())?;
    let done = Training::new("ml-latest-small", spec)
        .with_seed(42)
        .with_out(out)
        .run()?;
    let recall = done.metrics.metrics["recall@20"];
    println!(
        "{} on {} ({} epochs): recall@20 {recall:.4}, ndcg@20 {:.4}",
        done.spec.name(),
        done.data.name,
        epochs,
        done.metrics.metrics["ndcg@20"]
    );
    // The top 5 unseen items of the first three users, with titles.
    let seen = UserItems::new(&done.split.train, done.data.n_users());
    for r in rank_users(done.model.as_scorer(), &seen, &[0, 1, 2], 5, 64) {
        println!("user {}:", done.data.users.raw(r.user));
        for (rank, &i) in r.items.iter().enumerate() {
            println!("  {}. {}", rank + 1, done.data.item_label(i));
        }
    }
    println!("run saved to {}", done.dir.path().display());
    Ok(recall)
}

fn main() -> Result<(), Box<dyn Error>> {
    let epochs = std::env::args().nth(1).map_or(Ok(30), |a| a.parse())?;
    run(epochs, Path::new("runs/example-lightgcn"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn trains_evaluates_and_recommends() {
        let dir = tempfile::tempdir().unwrap();
        let recall = super::run(2, &dir.path().join("run")).unwrap();
        assert!(recall > 0.0 && recall <= 1.0, "recall@20 {recall}");
        assert!(dir.path().join("run/model.safetensors").is_file());
    }
}
