//! `gnnrec recommend`: one user's top K, or every test user's top K as CSV — the run
//! layer's [`gnnrec_run::recommend`], printed.

use anyhow::Result;
use gnnrec_data::{Dataset, Split};
use gnnrec_eval::ranking::{DEFAULT_BLOCK, test_users};
use gnnrec_eval::{UserItems, rank_users};
use gnnrec_models::TrainedModel;
use gnnrec_run::OpenedRun;
use gnnrec_run::recommend::{Unknown, export_test_users, recommend_user};

use crate::cli::{Fallback, RecommendArgs};
use crate::output::{Table, print_json};

pub fn run(args: &RecommendArgs) -> Result<()> {
    let run = OpenedRun::open(&args.run, args.data_dir.as_deref())?;
    let (config, data) = (&run.config, &run.data);
    if args.all_users {
        let out = args
            .out
            .as_ref()
            .expect("clap requires --out with --all-users");
        let e = export_test_users(run.model.as_ref(), data, &run.split, args.k, out)?;
        if args.json {
            return print_json(&serde_json::json!({
                "out": out, "users": e.users, "rows": e.rows, "k": args.k,
            }));
        }
        println!(
            "wrote {} recommendations for {} test users (top {}) to {}",
            e.rows,
            e.users,
            args.k,
            out.display()
        );
        return Ok(());
    }
    let raw = args.user.as_deref().expect("clap requires --user");
    let unknown = match args.fallback {
        Fallback::Popular => Unknown::Popular,
        Fallback::None => Unknown::Refuse,
    };
    let r = recommend_user(&run, raw, args.k, unknown)?;
    let rows: Vec<serde_json::Value> = r
        .items
        .iter()
        .enumerate()
        .map(|(pos, &i)| {
            serde_json::json!({
                "rank": pos + 1,
                "item": data.items.raw(i).to_string(),
                "title": data.item_titles.as_ref().map(|t| t[i as usize].clone()),
                "score": r.scores.as_ref().map(|s| s[pos]),
            })
        })
        .collect();
    if args.json {
        return print_json(&serde_json::json!({
            "user": raw,
            "model": config.model.name(),
            "fallback": r.fallback.then_some("popular"),
            "recommendations": rows,
        }));
    }
    if r.fallback {
        println!("user `{raw}` is unknown: the most popular training items instead\n");
    } else {
        println!(
            "top {} for user {raw} by {} ({} training items excluded)\n",
            args.k,
            config.model.name(),
            r.n_seen
        );
    }
    let mut t = Table::new(["rank", "item", "score", "title"]);
    for row in &rows {
        t.row([
            row["rank"].to_string(),
            row["item"].as_str().unwrap_or_default().to_string(),
            row["score"]
                .as_f64()
                .map(|s| format!("{s:.4}"))
                .unwrap_or_else(|| "-".into()),
            row["title"].as_str().unwrap_or("").to_string(),
        ]);
    }
    t.print();
    Ok(())
}

/// Prints the top `k` of a few test users, with titles where the dataset has them: the
/// quick look at a freshly trained model that `gnnrec train` ends with.
pub fn print_samples(
    model: &dyn TrainedModel,
    data: &Dataset,
    split: &Split,
    n_users: usize,
    k: usize,
) {
    let train = UserItems::new(&split.train, data.n_users());
    let test = UserItems::new(&split.test, data.n_users());
    let users: Vec<u32> = test_users(&test).into_iter().take(n_users).collect();
    for r in rank_users(model.as_scorer(), &train, &users, k, DEFAULT_BLOCK) {
        println!(
            "\nuser {} ({} training items; ✓ = in the user's test items):",
            data.users.raw(r.user),
            train.of(r.user).len()
        );
        let held_out = test.of(r.user);
        for (pos, &i) in r.items.iter().enumerate() {
            let mark = if held_out.contains(&i) { "✓" } else { " " };
            println!("  {:>2}. {mark} {}", pos + 1, data.item_label(i));
        }
    }
}
