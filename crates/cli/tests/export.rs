//! The `gnnrec` binary end to end: `gnnrec recommend --all-users`: the export scored independently equals the run's metrics.

mod common;
use common::*;

/// Every model added by the state-of-the-art issues (the graph filters, EASE^R, ChebyCF, SimGCL,
/// XSimGCL) exports the recommendations its metrics.json describes.
#[test]
fn the_new_models_export_what_their_metrics_say() {
    let dir = tempfile::tempdir().unwrap();
    for (model, extra) in [
        ("gfcf", &["--factors", "32"][..]),
        ("bspm", &["--factors", "32", "--sharpen-steps", "2"][..]),
        ("ease", &[][..]),
        ("chebycf", &["--factors", "32"][..]),
        (
            "simgcl",
            &["--epochs", "2", "--lr", "0.01", "--batch", "4096"][..],
        ),
        ("xsimgcl", &["--epochs", "2", "--batch", "4096"][..]),
    ] {
        let run = dir.path().join(model);
        let run_s = run.to_str().unwrap();
        let mut args = vec![
            "train",
            "-m",
            model,
            "-d",
            "ml-latest-small",
            "--out",
            run_s,
            "--json",
            "-q",
        ];
        args.extend_from_slice(extra);
        let trained = json(&args);
        let csv = dir.path().join(format!("{model}.csv"));
        ok(&[
            "recommend",
            "--run",
            run_s,
            "--all-users",
            "--k",
            "20",
            "--out",
            csv.to_str().unwrap(),
        ]);
        let (recall, ndcg) = independent_recall_ndcg_at_20(&csv);
        let want = |k: &str| trained["metrics"][k].as_f64().unwrap();
        assert!(recall > 0.05, "{model}: recall@20 {recall}");
        assert!(
            (want("recall@20") - recall).abs() < 1e-9,
            "{model}: {} vs {recall}",
            want("recall@20")
        );
        assert!(
            (want("ndcg@20") - ndcg).abs() < 1e-9,
            "{model}: {} vs {ndcg}",
            want("ndcg@20")
        );
    }
}

/// The exported CSV, scored by an independent re-implementation of recall/NDCG@20, must
/// agree with the run's metrics.json: both describe the same ranking.
#[test]
fn exported_recommendations_match_the_run_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let run_s = run.to_str().unwrap();
    let t0 = std::time::Instant::now();
    let trained = json(&[
        "train",
        "-m",
        "bias",
        "-d",
        "ml-latest-small",
        "--out",
        run_s,
        "--json",
        "-q",
    ]);
    let train_wall = t0.elapsed().as_secs_f64();
    assert!(trained["metrics"]["rmse"].as_f64().unwrap() < 1.0);
    let csv = dir.path().join("recs.csv");
    ok(&[
        "recommend",
        "--run",
        run_s,
        "--all-users",
        "--k",
        "20",
        "--out",
        csv.to_str().unwrap(),
    ]);

    let (recall, ndcg) = independent_recall_ndcg_at_20(&csv);
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).unwrap()).unwrap();
    assert!((metrics["metrics"]["recall@20"].as_f64().unwrap() - recall).abs() < 1e-9);
    assert!((metrics["metrics"]["ndcg@20"].as_f64().unwrap() - ndcg).abs() < 1e-9);

    // eval re-computes the same numbers from the saved run.
    let t0 = std::time::Instant::now();
    let again = json(&["eval", "--run", run_s, "--json"]);
    let eval_wall = t0.elapsed().as_secs_f64();
    assert_eq!(
        again["metrics"]["recall@20"],
        metrics["metrics"]["recall@20"]
    );
    assert_eq!(again["metrics"]["rmse"], metrics["metrics"]["rmse"]);
    assert_eq!(again["train_seconds"], metrics["train_seconds"]);
    // The run counts its looks at the test split: training's final one, then this eval.
    assert_eq!(trained["test_evaluations"], 1);
    assert_eq!(again["test_evaluations"], 2);
    // Reported times are parts of the commands' wall times, not made up.
    let eval_seconds = again["eval_seconds"].as_f64().unwrap();
    assert!(
        eval_seconds > 0.0 && eval_seconds < eval_wall,
        "{eval_seconds} of {eval_wall}"
    );
    let train_seconds = trained["train_seconds"].as_f64().unwrap();
    assert!(
        train_seconds > 0.0 && train_seconds < train_wall,
        "{train_seconds} of {train_wall}"
    );

    // One user, with titles; an unknown user is a clear error, or popular with the fallback.
    let one = json(&[
        "recommend",
        "--run",
        run_s,
        "--user",
        "1",
        "--k",
        "3",
        "--json",
    ]);
    assert_eq!(one["recommendations"].as_array().unwrap().len(), 3);
    assert!(
        one["recommendations"][0]["title"]
            .as_str()
            .unwrap()
            .contains('(')
    );
    let out = gnnrec(&["recommend", "--run", run_s, "--user", "999999"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("999999"));
    let fb = json(&[
        "recommend",
        "--run",
        run_s,
        "--user",
        "999999",
        "--fallback",
        "popular",
        "--json",
    ]);
    assert_eq!(fb["fallback"], "popular");
}
