//! `gnnrec eval`: a saved run's test metrics again (the run layer's
//! [`gnnrec_run::evaluation::evaluate_run`]), and the metrics table `train` prints too.

use anyhow::Result;
use gnnrec_run::evaluation::{Evaluation, TestMetrics, evaluate_run};

use crate::cli::EvalArgs;
use crate::output::{Table, print_json};

/// Prints the flat metrics as a table: one row per K, plus rating errors.
pub fn print_metrics(m: &TestMetrics) {
    let mut t = Table::new([
        "K",
        "recall",
        "precision",
        "NDCG",
        "hit rate",
        "coverage",
        "popularity",
    ]);
    for a in &m.ranking.at {
        t.row([
            a.k.to_string(),
            format!("{:.4}", a.recall),
            format!("{:.4}", a.precision),
            format!("{:.4}", a.ndcg),
            format!("{:.4}", a.hit_rate),
            format!("{:.4}", a.coverage),
            format!("{:.1}", a.mean_popularity),
        ]);
    }
    t.print();
    if let Some(r) = &m.rating {
        println!(
            "\nratings: RMSE {:.4}  MAE {:.4}  MSE {:.4}  MSE (scaled to [0,1]) {:.4}  ({} pairs, {} cold)",
            r.rmse,
            r.mae,
            r.mse,
            r.mse_scaled,
            r.count,
            m.cold_pairs.unwrap_or(0)
        );
    }
    println!(
        "({} users ranked over all items, training items excluded)",
        m.ranking.users
    );
}

/// `gnnrec eval --run DIR`.
pub fn run(args: &EvalArgs) -> Result<()> {
    let Evaluation {
        run,
        metrics: m,
        recorded,
        test_evaluations,
    } = evaluate_run(&args.run, args.data_dir.as_deref(), args.k.as_deref())?;
    let config = &run.config;
    if args.json {
        // The training time is the run's; a run without metrics.json reports none.
        let train_seconds = recorded.map(|r| r.train_seconds);
        return print_json(&serde_json::json!({
            "run": run.dir.path(),
            "dataset": config.dataset,
            "model": config.model.name(),
            "split": config.split,
            "evaluated_on": "test",
            "metrics": m.flat,
            "train_seconds": train_seconds,
            "eval_seconds": m.seconds,
            "test_evaluations": test_evaluations,
        }));
    }
    println!(
        "{} on {} (split {}), test set:\n",
        config.model.name(),
        config.dataset,
        config.split
    );
    print_metrics(&m);
    Ok(())
}
