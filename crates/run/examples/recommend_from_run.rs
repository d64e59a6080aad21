//! Open a saved run directory (any that `gnnrec train` or the run layer wrote) and
//! recommend for one user by raw id.
//!
//! ```sh
//! cargo run --release -- train --model ease --dataset ml-latest-small --out runs/ease
//! cargo run --release -p gnnrec-run --example recommend_from_run -- runs/ease 1
//! ```

use std::error::Error;
use std::path::Path;

use gnnrec_run::OpenedRun;
use gnnrec_run::recommend::{Unknown, recommend_user};

/// The top `k` of user `raw` in the run at `dir`, printed with titles; returns the items' raw ids.
fn run(dir: &Path, raw: &str, k: usize) -> Result<Vec<String>, Box<dyn Error>> {
    let run = OpenedRun::open(dir, None)?;
    let top = recommend_user(&run, raw, k, Unknown::Popular)?;
    println!(
        "top {k} for user {raw} by {} ({} training items excluded{}):",
        run.config.model.name(),
        top.n_seen,
        if top.fallback {
            "; unknown user: the most popular items"
        } else {
            ""
        }
    );
    let mut ids = Vec::new();
    for (rank, &i) in top.items.iter().enumerate() {
        let score = top
            .scores
            .as_ref()
            .map_or(String::from("-"), |s| format!("{:.4}", s[rank]));
        println!("  {:>2}. {score:>8}  {}", rank + 1, run.data.item_label(i));
        ids.push(run.data.items.raw(i).to_string());
    }
    Ok(ids)
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), user) = (args.next(), args.next()) else {
        return Err("usage: recommend_from_run RUN_DIR [USER]".into());
    };
    run(Path::new(&dir), user.as_deref().unwrap_or("1"), 10)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use gnnrec_models::ModelSpec;
    use gnnrec_run::Training;

    #[test]
    fn recommends_from_a_saved_run() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("pop");
        Training::new("ml-latest-small", ModelSpec::default_for("pop").unwrap())
            .with_out(&out)
            .run()
            .unwrap();
        let ids = super::run(&out, "1", 5).unwrap();
        assert_eq!(ids.len(), 5);
        // An unknown user gets the most popular items.
        assert_eq!(super::run(&out, "no-such-user", 3).unwrap().len(), 3);
    }
}
