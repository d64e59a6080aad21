//! `gnnrec recipes`: the recipe files with the metrics we publish for them.

use anyhow::Result;

use crate::cli::RecipesArgs;
use crate::output::{Table, print_json};
use gnnrec_run::recipe::load_dir;

pub fn run(args: &RecipesArgs) -> Result<()> {
    let all = load_dir(&args.dir)?;
    if args.json {
        let v: Vec<serde_json::Value> = all
            .iter()
            .map(|(p, r)| {
                serde_json::json!({
                    "path": p,
                    "recipe": r,
                })
            })
            .collect();
        return print_json(&v);
    }
    let mut t = Table::new(["recipe", "model", "dataset", "published", "chosen on"]);
    for (p, r) in &all {
        let name = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let published = r
            .metrics()
            .iter()
            .map(|(k, v)| format!("{k} {v:.4}"))
            .collect::<Vec<_>>()
            .join(", ");
        let chosen = r
            .chosen_on
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string();
        t.row([name, r.model.clone(), r.dataset.clone(), published, chosen]);
    }
    t.print();
    println!(
        "\nrun one: gnnrec train --recipe {}/<recipe>.toml (flags beside it override its keys)",
        args.dir.display()
    );
    Ok(())
}
