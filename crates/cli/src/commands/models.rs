//! `gnnrec models`: every registered model with what it declares it can do (task, training in
//! epochs, fold-in, GPU) and its settings — keys, defaults, ranges.

use anyhow::Result;
use gnnrec_models::FoldIn;
use gnnrec_models::registry::{MODELS, ModelKind};

use crate::cli::ModelsArgs;
use crate::output::{Table, print_json};

fn value_text(v: Option<&serde_json::Value>) -> String {
    match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// How a model folds in, as `gnnrec models` says it (`no` for none).
fn fold_in_text(how: FoldIn) -> &'static str {
    match how {
        FoldIn::None => "no",
        how => how.describe(),
    }
}

pub fn run(args: &ModelsArgs) -> Result<()> {
    let chosen: Vec<&dyn ModelKind> = MODELS
        .iter()
        .copied()
        .filter(|m| args.model.as_deref().is_none_or(|n| n == m.name()))
        .collect();
    if args.json {
        let v: Vec<serde_json::Value> = chosen
            .iter()
            .map(|m| {
                let defaults = m.defaults();
                serde_json::json!({
                    "model": m.name(),
                    "task": m.task().to_string(),
                    "about": m.about(),
                    "iterative": m.iterative(),
                    "training": m.training().to_string(),
                    "fold_in": fold_in_text(m.fold_in()),
                    "gpu": m.gpu(),
                    "settings": m.keys().iter().map(|k| serde_json::json!({
                        "key": k.name,
                        "flag": format!("--{}", k.flag()),
                        "default": defaults.get(k.name),
                        "range": k.range.to_string(),
                        "help": k.help,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        return print_json(&v);
    }
    for (n, m) in chosen.iter().enumerate() {
        if n > 0 {
            println!();
        }
        println!("{} ({}) — {}", m.name(), m.task(), m.about());
        println!(
            "  trains: {}; folds in new users: {}; GPU: {}",
            m.training(),
            fold_in_text(m.fold_in()),
            if m.gpu() { "yes" } else { "no" }
        );
        let keys = m.keys();
        if keys.is_empty() {
            println!("  no settings");
            continue;
        }
        let defaults = m.defaults();
        let mut t = Table::new(["flag", "default", "range", "what it does"]);
        for k in &keys {
            t.row([
                format!("--{}", k.flag()),
                value_text(defaults.get(k.name)),
                k.range.to_string(),
                k.help.to_string(),
            ]);
        }
        t.print();
    }
    if args.model.is_none() {
        println!(
            "\nEvery flag is also `--set KEY=VALUE` (e.g. --set neg_pool=16); `gnnrec tune` takes \
             comma-separated lists."
        );
    }
    Ok(())
}
