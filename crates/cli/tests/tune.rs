//! The `gnnrec` binary end to end: `gnnrec tune`: grid search on a validation carve-out, the best retrained.

mod common;
use common::*;

#[test]
fn tune_scores_the_grid_on_validation_and_retrains_the_best() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tune");
    let v = json(&[
        "tune",
        "--model",
        "gcn",
        "--layers",
        "1",
        "--hidden",
        "4,8",
        "--epochs",
        "2",
        "--json",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let best = v["best"]["validation"].as_f64().unwrap();
    assert!(
        rows.iter()
            .all(|r| r["validation"].as_f64().unwrap() >= best)
    );
    // The retrained best run's RMSE is the one its metrics.json holds, and a real one:
    // between a perfect model and the ~1.05 of the global mean on ml-latest-small.
    let rmse = v["test_metrics"]["rmse"].as_f64().unwrap();
    assert!(rmse > 0.5 && rmse < 1.2, "{rmse}");
    let best: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("best/metrics.json")).unwrap())
            .unwrap();
    assert_eq!(best["metrics"]["rmse"], v["test_metrics"]["rmse"]);
    let csv = std::fs::read_to_string(out.join("tune.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(
        csv.starts_with("epochs,hidden,layers,validation_rmse"),
        "{csv}"
    );
    assert!(
        std::fs::read_to_string(out.join("tune.svg"))
            .unwrap()
            .starts_with("<svg")
    );
    assert!(out.join("best/metrics.json").is_file());
}

#[test]
fn tune_searches_any_models_keys() {
    // `gnnrec tune --model mf` used to fail on the default --layers of its grid.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tune");
    let tune = || {
        json(&[
            "tune",
            "-m",
            "mf",
            "--dim",
            "8",
            "--l2",
            "1e-3,1e-2",
            "--epochs",
            "1",
            "--json",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let v = tune();
    assert_eq!(v["rows"].as_array().unwrap().len(), 2);
    let recall = v["test_metrics"]["recall@20"].as_f64().unwrap();
    assert!(recall > 0.0 && recall <= 1.0, "{recall}");
    // A second run with the same --out trains nothing again: it resumes.
    let before = std::fs::read_to_string(out.join("tune.json")).unwrap();
    let again = tune();
    assert_eq!(again["rows"], v["rows"]);
    let after = std::fs::read_to_string(out.join("tune.json")).unwrap();
    assert_eq!(before, after);
    let e = gnnrec(&["tune", "-m", "mf"]);
    assert!(String::from_utf8_lossy(&e.stderr).contains("give the settings to search"));
}
