//! `gnnrec recommend`: one user's top K, or every test user's top K as CSV.

use std::path::Path;

use anyhow::{Context, Result, bail};
use gnnrec_data::fsutil::write_atomic;
use gnnrec_data::registry;
use gnnrec_data::{Dataset, Split, SplitSpec};
use gnnrec_eval::ranking::{DEFAULT_BLOCK, test_users};
use gnnrec_eval::{UserItems, rank_users, top_k};
use gnnrec_models::TrainedModel;

use crate::cli::{Fallback, RecommendArgs};
use crate::output::{Table, csv_field, print_json};
use crate::run_dir::{RunConfig, RunDir};

/// A saved run, opened with everything needed to evaluate or query it.
pub struct OpenedRun {
    /// The run directory.
    pub dir: RunDir,
    /// Its configuration.
    pub config: RunConfig,
    /// The dataset it was trained on, reloaded.
    pub data: Dataset,
    /// The split it was trained and tested on.
    pub split: Split,
    /// The trained model.
    pub model: Box<dyn TrainedModel>,
}

/// Opens a run with its dataset, split and model. `data_dir` overrides the run's.
pub fn open_run(path: &Path, data_dir: Option<&Path>) -> Result<OpenedRun> {
    let dir = RunDir::open(path)?;
    let config = dir.config()?;
    let data_dir = registry::data_dir(data_dir.or(config.data_dir.as_deref()));
    let data = registry::load_with(&config.dataset, &data_dir, &config.dataset_options)
        .with_context(|| {
            format!(
                "loading dataset `{}` for run {}",
                config.dataset,
                path.display()
            )
        })?;
    let spec: SplitSpec = config.split.parse()?;
    let split = data.split(&spec)?;
    let model = dir.load_model(&config, &data)?;
    Ok(OpenedRun {
        dir,
        config,
        data,
        split,
        model,
    })
}

pub fn run(args: &RecommendArgs) -> Result<()> {
    if args.k == 0 {
        bail!("--k must be positive");
    }
    let OpenedRun {
        config,
        data,
        split,
        model,
        ..
    } = open_run(&args.run, args.data_dir.as_deref())?;
    let train = UserItems::new(&split.train, data.n_users());
    if args.all_users {
        let out = args
            .out
            .as_ref()
            .expect("clap requires --out with --all-users");
        return export_all(
            model.as_ref(),
            &data,
            &split,
            &train,
            args.k,
            out,
            args.json,
        );
    }
    let raw = args.user.as_deref().expect("clap requires --user");
    let (items, scores, fallback) = match data.users.parse(raw) {
        Some(u) => {
            let r = rank_users(model.as_scorer(), &train, &[u], args.k, 1);
            let r = r.into_iter().next().expect("one user ranked");
            (r.items, Some(r.scores), false)
        }
        None if args.fallback == Fallback::Popular => {
            let counts: Vec<f32> = split
                .train
                .item_degrees(data.n_items())
                .into_iter()
                .map(|c| c as f32)
                .collect();
            (top_k(&counts, &[], args.k), None, true)
        }
        None => bail!(
            "user `{raw}` is not in dataset `{}` ({} users); use --fallback popular to recommend \
             the most popular items instead",
            config.dataset,
            data.n_users()
        ),
    };
    let rows: Vec<serde_json::Value> = items
        .iter()
        .enumerate()
        .map(|(r, &i)| {
            serde_json::json!({
                "rank": r + 1,
                "item": data.items.raw(i).to_string(),
                "title": data.item_titles.as_ref().map(|t| t[i as usize].clone()),
                "score": scores.as_ref().map(|s| s[r]),
            })
        })
        .collect();
    if args.json {
        return print_json(&serde_json::json!({
            "user": raw,
            "model": config.model.name(),
            "fallback": fallback.then_some("popular"),
            "recommendations": rows,
        }));
    }
    if fallback {
        println!("user `{raw}` is unknown: the most popular training items instead\n");
    } else {
        let n_seen = data
            .users
            .parse(raw)
            .map(|u| train.of(u).len())
            .unwrap_or(0);
        println!(
            "top {} for user {raw} by {} ({n_seen} training items excluded)\n",
            args.k,
            config.model.name()
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

/// Writes every test user's top K as `user,item,rank,score` (raw ids; rank from 1), ranked
/// exactly as the evaluation ranks them.
fn export_all(
    model: &dyn TrainedModel,
    data: &Dataset,
    split: &Split,
    train: &UserItems,
    k: usize,
    out: &Path,
    json: bool,
) -> Result<()> {
    let test = UserItems::new(&split.test, data.n_users());
    let users = test_users(&test);
    let ranked = rank_users(model.as_scorer(), train, &users, k, DEFAULT_BLOCK);
    write_atomic(out, |w| {
        writeln!(w, "user,item,rank,score")?;
        for r in &ranked {
            let user = csv_field(&data.users.raw(r.user).to_string());
            for (pos, (&i, &s)) in r.items.iter().zip(&r.scores).enumerate() {
                writeln!(
                    w,
                    "{user},{},{},{s}",
                    csv_field(&data.items.raw(i).to_string()),
                    pos + 1
                )?;
            }
        }
        Ok(())
    })
    .with_context(|| format!("writing {}", out.display()))?;
    let rows: usize = ranked.iter().map(|r| r.items.len()).sum();
    if json {
        return print_json(&serde_json::json!({
            "out": out, "users": ranked.len(), "rows": rows, "k": k,
        }));
    }
    println!(
        "wrote {rows} recommendations for {} test users (top {k}) to {}",
        ranked.len(),
        out.display()
    );
    Ok(())
}
