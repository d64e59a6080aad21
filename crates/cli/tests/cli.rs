//! The `gnnrec` binary end to end, on the bundled ml-latest-small (and ml-100k where present).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Command, Output};

use gnnrec_data::registry;

fn gnnrec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gnnrec"))
        .args(args)
        .env("GNNREC_DATA", gnnrec_data::testing::test_data_dir())
        .output()
        .expect("the binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = gnnrec(args);
    assert!(
        out.status.success(),
        "gnnrec {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(args)).expect("valid JSON")
}

#[test]
fn data_info_json_has_the_documented_keys() {
    let v = json(&["data", "info", "--dataset", "ml-latest-small", "--json"]);
    for key in [
        "dataset",
        "users",
        "items",
        "interactions",
        "train",
        "test",
        "density",
    ] {
        assert!(v.get(key).is_some(), "missing key {key}");
    }
    assert_eq!(v["users"], 610);
    assert_eq!(v["train"], 80_669);
}

#[test]
fn bad_input_exits_non_zero_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.csv");
    std::fs::write(&p, "user,item,rating\n1,2,4\n1,3,abc\n").unwrap();
    let out = gnnrec(&["data", "info", "--dataset", p.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("x.csv, line 3"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let out = gnnrec(&["data", "info", "--dataset", "no-such-dataset"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown dataset"));
}

/// Recall@20 and NDCG@20 of an exported top-20 CSV of ml-latest-small's default split,
/// computed here from the raw ids, independently of gnnrec's evaluation.
fn independent_recall_ndcg_at_20(csv: &Path) -> (f64, f64) {
    let data = registry::load("ml-latest-small", Path::new("/nonexistent")).unwrap();
    let split = data.split(&data.default_split).unwrap();
    let mut truth: HashMap<String, HashSet<String>> = HashMap::new();
    for (&u, &i) in split.test.users.iter().zip(&split.test.items) {
        truth
            .entry(data.users.raw(u).to_string())
            .or_default()
            .insert(data.items.raw(i).to_string());
    }
    let mut lists: HashMap<String, Vec<(usize, String)>> = HashMap::new();
    let text = std::fs::read_to_string(csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("user,item,rank,score"));
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        lists
            .entry(f[0].into())
            .or_default()
            .push((f[2].parse().unwrap(), f[1].into()));
    }
    assert_eq!(lists.len(), truth.len(), "one list per test user");
    let (mut recall, mut ndcg) = (0.0, 0.0);
    for (user, t) in &truth {
        let mut l = lists[user].clone();
        l.sort();
        assert_eq!(
            l.iter().map(|x| x.0).collect::<Vec<_>>(),
            (1..=20).collect::<Vec<_>>()
        );
        let hits: Vec<usize> = l
            .iter()
            .filter(|(_, i)| t.contains(i))
            .map(|(r, _)| *r)
            .collect();
        recall += hits.len() as f64 / t.len() as f64;
        let dcg: f64 = hits.iter().map(|r| 1.0 / ((r + 1) as f64).log2()).sum();
        let idcg: f64 = (1..=t.len().min(20))
            .map(|r| 1.0 / ((r + 1) as f64).log2())
            .sum();
        ndcg += dcg / idcg;
    }
    let n = truth.len() as f64;
    (recall / n, ndcg / n)
}

/// Every model added by the state-of-the-art issue (the graph filters, EASE^R, SimGCL, XSimGCL)
/// exports the recommendations its metrics.json describes.
#[test]
fn the_new_models_export_what_their_metrics_say() {
    let dir = tempfile::tempdir().unwrap();
    for (model, extra) in [
        ("gfcf", &["--factors", "32"][..]),
        ("bspm", &["--factors", "32", "--sharpen-steps", "2"][..]),
        ("ease", &[][..]),
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

/// Settings that act only on a monitoring set get a note when a run watches none, unless
/// they turn it off (`--eval-every 0`, `--patience 0`, as the recipes without a monitor say).
#[test]
fn idle_monitoring_settings_are_noted_unless_they_turn_it_off() {
    let dir = tempfile::tempdir().unwrap();
    let note = "act only on a monitoring set";
    let stderr_of = |name: &str, extra: &[&str]| {
        let run = dir.path().join(name);
        let mut args = vec![
            "train",
            "-m",
            "mf",
            "-d",
            "ml-latest-small",
            "--epochs",
            "1",
            "--monitor",
            "none",
            "--out",
            run.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = gnnrec(&args);
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let idle = stderr_of("idle", &["--patience", "3"]);
    assert!(idle.contains(note) && idle.contains("patience"), "{idle}");
    let off = stderr_of("off", &["--patience", "0", "--eval-every", "0"]);
    assert!(!off.contains(note), "{off}");
}

#[test]
fn a_run_directory_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let run_s = run.to_str().unwrap();
    ok(&["train", "-m", "pop", "--out", run_s, "-q"]);
    for f in [
        "config.json",
        "users.json",
        "items.json",
        "model.safetensors",
        "metrics.json",
        "log.jsonl",
    ] {
        assert!(run.join(f).is_file(), "{f} written");
    }
    let out = gnnrec(&["train", "-m", "pop", "--out", run_s, "-q"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already holds a run"));
}

#[test]
fn lightgcn_beats_popularity_on_ml_100k() {
    let Some(dir) = gnnrec_data::testing::data_dir_with("ml-100k") else {
        return;
    };
    let d = dir.to_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let pop = json(&[
        "train",
        "-m",
        "pop",
        "-d",
        "ml-100k",
        "--data-dir",
        d,
        "--json",
        "-q",
        "--out",
        tmp.path().join("pop").to_str().unwrap(),
    ]);
    let lgcn = json(&[
        "train",
        "-m",
        "lightgcn",
        "-d",
        "ml-100k",
        "--data-dir",
        d,
        "--json",
        "-q",
        "--epochs",
        "30",
        "--lr",
        "0.005",
        "--monitor",
        "none",
        "--out",
        tmp.path().join("lgcn").to_str().unwrap(),
    ]);
    let p = pop["metrics"]["recall@20"].as_f64().unwrap();
    let l = lgcn["metrics"]["recall@20"].as_f64().unwrap();
    assert!(l > p * 1.2, "LightGCN recall@20 {l} vs most-popular {p}");
}

#[test]
fn gcn_beats_the_bias_baseline_on_ml_100k_u1() {
    let Some(dir) = gnnrec_data::testing::data_dir_with("ml-100k") else {
        return;
    };
    let d = dir.to_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let run = |model: &str, extra: &[&str]| {
        let out = tmp.path().join(model);
        let mut args = vec![
            "train",
            "-m",
            model,
            "-d",
            "ml-100k",
            "--data-dir",
            d,
            "--json",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        json(&args)["metrics"]["rmse"].as_f64().unwrap()
    };
    let bias = run("bias", &[]);
    // The defaults (100 epochs, ~12 s): the published 0.8975 against the bias model's 0.9689.
    let gcn = run("gcn", &[]);
    assert!(gcn < bias - 0.05, "gcn RMSE {gcn} vs bias {bias}");
}

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
fn an_interrupted_run_resumes_and_plots() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let run_s = run.to_str().unwrap();
    let base = [
        "--dim",
        "8",
        "--eval-every",
        "2",
        "--patience",
        "0",
        "--monitor",
        "validation",
        "--json",
        "-q",
    ];
    let mut first = vec![
        "train",
        "-m",
        "mf",
        "--epochs",
        "2",
        "--valid-split",
        "per-user",
        "--out",
        run_s,
    ];
    first.extend(base);
    json(&first);
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["monitor"], "validation-per-user:0.1");
    assert!(run.join("checkpoint.json").is_file());
    assert!(run.join("checkpoint-2.safetensors").is_file());

    let mut more = vec!["train", "--resume", run_s, "--epochs", "4"];
    // The run's settings may be repeated (they must equal the run's); its monitor may not.
    more.extend(
        base.iter()
            .filter(|a| **a != "--monitor" && **a != "validation"),
    );
    let resumed = json(&more);
    assert_eq!(resumed["epochs"], 4);
    let log = std::fs::read_to_string(run.join("log.jsonl")).unwrap();
    let epochs: Vec<u64> = log
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["epoch"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(epochs, [1, 2, 3, 4]);
    assert!(!run.join("checkpoint-2.safetensors").exists());

    // Resuming needs a checkpoint, and --resume does not mix with a new model.
    let pop = dir.path().join("pop");
    ok(&["train", "-m", "pop", "--out", pop.to_str().unwrap(), "-q"]);
    let out = gnnrec(&["train", "--resume", pop.to_str().unwrap(), "-q"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no checkpoint"));
    assert!(
        !gnnrec(&["train", "--resume", run_s, "-m", "pop"])
            .status
            .success()
    );
    // A setting other than --epochs that differs from the run's is refused, not ignored.
    let out = gnnrec(&["train", "--resume", run_s, "--dim", "16", "-q"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("only --epochs may change"));

    let svg = dir.path().join("curves.svg");
    ok(&["plot", "--run", run_s, "--out", svg.to_str().unwrap()]);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("<svg") && text.contains("recall@20"));
}

#[test]
fn graph_stats_and_export_describe_the_training_graph() {
    let t0 = std::time::Instant::now();
    let s = json(&[
        "graph",
        "stats",
        "--graph",
        "item-item",
        "--topk",
        "10",
        "--json",
    ]);
    assert_eq!(s["stats"]["nodes"], 9724);
    let edges = s["stats"]["edges"].as_u64().unwrap();
    assert!(edges > 0 && edges <= 9724 * 10, "{edges} edges");
    let build = s["build_seconds"].as_f64().unwrap();
    assert!(build > 0.0 && build < t0.elapsed().as_secs_f64(), "{build}");
    let ui = json(&["graph", "stats", "--json"]);
    assert_eq!(ui["stats"]["nodes"], 610 + 9724);
    let train = ui["stats"]["edges"].as_u64().unwrap();
    assert_eq!(train, 80_669, "the 80% training side of random:0.2:42");

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("edges.csv");
    ok(&["graph", "export", "--out", out.to_str().unwrap()]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().next(), Some("source,target,weight"));
    assert_eq!(text.lines().count() as u64, train + 1);
}

#[test]
fn resume_keeps_the_runs_cutoffs() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let run_s = run.to_str().unwrap();
    let first = json(&[
        "train", "-m", "mf", "--dim", "8", "--epochs", "1", "--k", "5", "--json", "-q", "--out",
        run_s,
    ]);
    assert!(first["metrics"].get("recall@5").is_some());
    let resumed = json(&["train", "--resume", run_s, "--epochs", "2", "--json", "-q"]);
    let m = resumed["metrics"].as_object().unwrap();
    assert!(m.contains_key("recall@5"), "{m:?}");
    assert!(
        !m.contains_key("recall@20"),
        "the --k default won over the run's: {m:?}"
    );
}

#[test]
fn cutoffs_fractions_and_settings_are_checked_when_parsed() {
    for (args, says) in [
        (vec!["eval", "--run", "x", "--k", "0"], "cut-off K ≥ 1"),
        (vec!["train", "-m", "mf", "--k", "10,0"], "cut-off K ≥ 1"),
        (
            vec!["recommend", "--run", "x", "--user", "1", "--k", "0"],
            "cut-off K ≥ 1",
        ),
        (
            vec!["train", "-m", "mf", "--valid-fraction", "1.5"],
            "fraction in (0, 1)",
        ),
        (vec!["train", "-m", "mf", "--lr", "nan"], "lr"),
        (vec!["train", "-m", "mf", "--lr", "0"], "> 0"),
        (vec!["train", "-m", "gcn", "--dropout", "1"], "[0, 1)"),
        (
            vec!["train", "-m", "mf", "--dropout", "0.5"],
            "mf has no setting `dropout`",
        ),
        (
            vec!["train", "-m", "mf", "--set", "layerz=2"],
            "mf has no setting `layerz`",
        ),
        (vec!["train", "-m", "lightgnn"], "unknown model `lightgnn`"),
    ] {
        let out = gnnrec(&args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
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

#[test]
fn models_lists_every_model_with_its_settings() {
    let v = json(&["models", "--json"]);
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    for m in ["pop", "bias", "itemknn", "mf", "lightgcn", "irgnn", "gcn"] {
        assert!(names.contains(&m), "{names:?}");
    }
    let lgcn = &v.as_array().unwrap()[names.iter().position(|&n| n == "lightgcn").unwrap()];
    let keys: Vec<&str> = lgcn["settings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    for k in [
        "dim", "layers", "l2", "lr", "epochs", "neg_pool", "schedule",
    ] {
        assert!(keys.contains(&k), "{keys:?}");
    }
    let text = ok(&["models", "gcn"]);
    assert!(
        text.contains("--dropout") && text.contains("[0, 1)"),
        "{text}"
    );
}

#[test]
fn a_recipe_runs_and_flags_override_its_keys() {
    let dir = tempfile::tempdir().unwrap();
    let recipes = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../recipes");
    let listed = json(&["recipes", "--json", "--dir", recipes.to_str().unwrap()]);
    assert!(listed.as_array().unwrap().len() >= 10);
    let recipe = recipes.join("lightgcn-ml-latest-small.toml");
    let run = dir.path().join("run");
    let v = json(&[
        "train",
        "--recipe",
        recipe.to_str().unwrap(),
        "--epochs",
        "1",
        "--set",
        "dim=8",
        "--json",
        "-q",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert_eq!(v["epochs"], 1);
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["model"]["dim"], 8);
    assert_eq!(config["model"]["lr"], 0.01, "the recipe's own lr");
    assert_eq!(config["model"]["schedule"], "cosine");
    assert!(
        config["recipe"]
            .as_str()
            .unwrap()
            .ends_with("lightgcn-ml-latest-small.toml")
    );
}

/// The hard way: SIGKILL a training process at a random moment after its first checkpoint,
/// `--resume` it, and compare the final metrics with an uninterrupted run's.
#[test]
fn a_run_killed_after_a_checkpoint_resumes_to_the_uninterrupted_result() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let args = |out: &str| {
        vec![
            "train".to_string(),
            "-m".into(),
            "lightgcn".into(),
            "--dim".into(),
            "16".into(),
            "--epochs".into(),
            "12".into(),
            "--eval-every".into(),
            "2".into(),
            "--monitor".into(),
            "validation".into(),
            "--json".into(),
            "-q".into(),
            "--out".into(),
            out.into(),
        ]
    };
    let whole = dir.path().join("whole");
    let want = json(
        &args(whole.to_str().unwrap())
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );

    let cut = dir.path().join("cut");
    let cut_s = cut.to_str().unwrap().to_string();
    // A pseudo-random delay after the first checkpoint: the clock's nanoseconds.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    let delay = Duration::from_millis(nanos % 1500);
    let mut child = Command::new(env!("CARGO_BIN_EXE_gnnrec"))
        .args(args(&cut_s))
        .env("GNNREC_DATA", gnnrec_data::testing::test_data_dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while !cut.join("checkpoint.json").exists() {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "no checkpoint appeared"
        );
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(delay);
    // SIGKILL: no chance to clean up.
    let _ = child.kill();
    let status = child.wait().unwrap();
    let killed = !status.success();
    let got = json(&["train", "--resume", &cut_s, "--json", "-q"]);
    assert_eq!(
        got["metrics"], want["metrics"],
        "resumed after a kill {delay:?} past the first checkpoint (killed: {killed})"
    );
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cut.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["model"]["epochs"], 12);
}

#[test]
fn output_cut_short_by_a_closed_pipe_is_not_a_panic() {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_gnnrec"))
        .args(["models"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read nothing and close our end, as `gnnrec models | head -0` would.
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    child.wait().unwrap();
    assert!(!err.contains("panicked"), "{err}");
}

/// `gnnrec data fetch` against a loopback mirror: the license needs `--yes` (nothing is
/// downloaded without it), then a LightGCN-format dataset arrives, its hashes are reported,
/// and it trains by name from the data directory.
#[test]
fn data_fetch_needs_the_license_accepted_then_the_dataset_loads_by_name() {
    use gnnrec_fetch::testing::{Behaviour, Mirror};
    let users = 12;
    let train: String = (0..users)
        .map(|u| format!("{u} {} {} {}\n", u % 7, (u + 2) % 7, (u + 4) % 7))
        .collect();
    let test: String = (0..users)
        .map(|u| format!("{u} {}\n", (u + 1) % 7))
        .collect();
    let files = [
        ("train.txt", train),
        ("test.txt", test),
        ("user_list.txt", "org_id remap_id\n".to_string()),
        ("item_list.txt", "org_id remap_id\n".to_string()),
    ];
    let routes = files
        .iter()
        .map(|(f, body)| {
            (
                format!("/raw.githubusercontent.com/gusye1234/LightGCN-PyTorch/master/data/amazon-book/{f}"),
                Behaviour::Serve(std::sync::Arc::new(body.as_bytes().to_vec())),
            )
        })
        .collect();
    let mirror = Mirror::start(routes);
    // --help lists every dataset with its size, source and license.
    let help = ok(&["data", "fetch", "--help"]);
    for d in gnnrec_fetch::CATALOG {
        assert!(help.contains(d.name) && help.contains(d.size), "{}", d.name);
        assert!(help.contains(&d.license[..30]), "{}", d.name);
    }
    assert!(help.contains("from https://files.grouplens.org/datasets/movielens/"));
    assert!(help.contains(
        "https://raw.githubusercontent.com/gusye1234/LightGCN-PyTorch/master/data/gowalla/"
    ));
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let fetch = [
        "data",
        "fetch",
        "amazon-book",
        "--data-dir",
        data_dir,
        "--mirror",
        &mirror.base,
        "-q",
    ];
    let refused = gnnrec(&fetch);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("License:") && err.contains("--yes"), "{err}");
    assert!(
        mirror.ranges().is_empty(),
        "nothing may be downloaded before the license is accepted"
    );
    let mut accepted = fetch.to_vec();
    accepted.extend(["--yes", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&ok(&accepted)).unwrap();
    assert_eq!(report["files"].as_array().unwrap().len(), 4);
    assert_eq!(report["files"][0]["pinned"], false);
    let trained = json(&[
        "train",
        "-m",
        "pop",
        "-d",
        "amazon-book",
        "--data-dir",
        data_dir,
        "--out",
        dir.path().join("run").to_str().unwrap(),
        "--json",
        "-q",
    ]);
    assert_eq!(trained["dataset"], "amazon-book");
}

/// A user's own files: columns named in any order (`--columns`), a chosen delimiter,
/// ISO-8601 times, and a split given as two files (`--train` / `--test`); the run records how
/// it read them, so `eval` reloads the same data.
#[test]
fn own_files_by_column_name_and_a_split_given_as_two_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut train = String::from("when;stars;sku;customer\n");
    let mut test = String::from("when;stars;sku;customer\n");
    for u in 0..30 {
        for k in 0..6 {
            let item = (u * 7 + k * 3) % 40;
            train.push_str(&format!(
                "2021-03-{:02}T10:00:00Z;{};p{item};c{u}\n",
                1 + k,
                1 + (u + k) % 5
            ));
        }
        test.push_str(&format!("2021-04-01;4;p{};c{u}\n", (u * 7 + 20) % 40));
    }
    let (tr, te) = (dir.path().join("train.csv"), dir.path().join("test.csv"));
    std::fs::write(&tr, &train).unwrap();
    std::fs::write(&te, &test).unwrap();
    let run = dir.path().join("run");
    let args = [
        "train",
        "-m",
        "itemknn",
        "--train",
        tr.to_str().unwrap(),
        "--test",
        te.to_str().unwrap(),
        "--columns",
        "user=customer,item=sku,rating=stars,time=when",
        "--delimiter",
        ";",
        "--out",
        run.to_str().unwrap(),
        "--json",
        "-q",
    ];
    let trained = json(&args);
    assert_eq!(trained["dataset"], "train");
    assert_eq!(trained["split"], "files");
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    assert_eq!(
        config["dataset_options"]["columns"],
        "user=customer,item=sku,rating=stars,time=when"
    );
    let again = json(&["eval", "--run", run.to_str().unwrap(), "--json"]);
    assert_eq!(
        again["metrics"]["recall@20"],
        trained["metrics"]["recall@20"]
    );
    // data info reads the same way; a wrong column name is an error naming the file.
    let info = json(&[
        "data",
        "info",
        "--dataset",
        tr.to_str().unwrap(),
        "--columns",
        "user=customer,item=sku",
        "--delimiter",
        ";",
        "--json",
    ]);
    assert_eq!(info["users"], 30);
    let bad = gnnrec(&[
        "data",
        "info",
        "--dataset",
        tr.to_str().unwrap(),
        "--columns",
        "user=client,item=sku",
        "--delimiter",
        ";",
    ]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("train.csv") && err.contains("client"), "{err}");
}

/// `gnnrec fold-in` trains without the held-out users, folds them in, and compares with the
/// model trained with them; a model without a native fold-in is refused with the reason.
#[test]
fn fold_in_compares_held_out_users_with_the_model_trained_with_them() {
    let r = json(&[
        "fold-in",
        "--model",
        "gfcf",
        "--set",
        "factors=32",
        "--json",
    ]);
    assert_eq!(r["model"], "gfcf");
    let held = r["held_out_users"].as_u64().unwrap();
    assert!(held > 20, "{r}");
    let (folded, trained) = (
        r["folded"][0].as_f64().unwrap(),
        r["trained_with"][0].as_f64().unwrap(),
    );
    assert!(folded > 0.05 && trained > 0.05, "{r}");
    // Held out of training, the users still get most of the accuracy (no leak: not equal).
    assert!(folded < trained * 1.2 && folded > trained * 0.5, "{r}");
    assert!(r["fold_in_ms"].as_f64().unwrap() > 0.0);
    let refused = gnnrec(&["fold-in", "--model", "gcn", "--set", "epochs=1"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("does not fold in"));
}

/// `gnnrec data synth` writes a set that trains by path.
#[test]
fn a_synthetic_set_is_written_and_trains() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("synth");
    let said = ok(&[
        "data",
        "synth",
        "--users",
        "200",
        "--items",
        "300",
        "--interactions",
        "6000",
        "--seed",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(said.contains("interactions"), "{said}");
    let r = json(&[
        "train",
        "-m",
        "pop",
        "-d",
        out.to_str().unwrap(),
        "--out",
        dir.path().join("run").to_str().unwrap(),
        "--json",
        "-q",
    ]);
    assert!(r["metrics"]["recall@20"].as_f64().unwrap() > 0.0);
    assert_eq!(r["evaluated_on"], "test");
    assert!(r["load_seconds"].as_f64().unwrap() >= 0.0);
    // A seeded sample of the test users, named in the output; the same seed, the same sample.
    let sampled = |name: &str, n: &str| {
        json(&[
            "train",
            "-m",
            "pop",
            "-d",
            out.to_str().unwrap(),
            "--eval-users",
            n,
            "--out",
            dir.path().join(name).to_str().unwrap(),
            "--json",
            "-q",
        ])
    };
    let (a, b) = (sampled("a", "50"), sampled("b", "50"));
    assert_eq!(
        a["evaluated_on"],
        "test, a seeded sample of 50 of 200 users"
    );
    assert_eq!(a["metrics"], b["metrics"]);
    assert_ne!(a["metrics"], r["metrics"]);
    let all = sampled("all", "500");
    assert_eq!(all["evaluated_on"], "test");
    assert_eq!(all["metrics"], r["metrics"]);
    let bad = gnnrec(&[
        "data",
        "synth",
        "--users",
        "200",
        "--items",
        "300",
        "--interactions",
        "10",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!bad.status.success());
}

/// One HTTP/1.1 request on loopback; the status line and the body.
fn http_get(addr: &str, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).unwrap();
    let status = buf.split(' ').nth(1).unwrap().parse().unwrap();
    let body = buf
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn serve_answers_from_the_run_alone_reloads_on_sighup_and_drains_on_sigterm() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("ease");
    ok(&[
        "train",
        "--model",
        "ease",
        "--dataset",
        "ml-latest-small",
        "--out",
        run.to_str().unwrap(),
        "-q",
    ]);
    // `pack` rewrites the serving files of a run from its dataset (runs made before serve).
    std::fs::remove_file(run.join("seen.safetensors")).unwrap();
    let out = ok(&["pack", "--run", run.to_str().unwrap()]);
    assert!(out.contains("seen.safetensors"), "{out}");
    // The server reads the run and nothing else: no data directory at all.
    let mut child = Command::new(env!("CARGO_BIN_EXE_gnnrec"))
        .args([
            "serve",
            "--run",
            run.to_str().unwrap(),
            "--addr",
            "127.0.0.1:0",
        ])
        .env("GNNREC_DATA", dir.path().join("no-data-here"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .strip_prefix("listening on http://")
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let (status, body) = http_get(&addr, "/v1/recommend?user=1&k=5");
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 5);
    assert!(
        v["items"][0]["title"].is_string(),
        "titles come from the run: {body}"
    );
    // The recommendations exclude user 1's training items, as `gnnrec recommend` does.
    let cli = json(&[
        "recommend",
        "--run",
        run.to_str().unwrap(),
        "--user",
        "1",
        "--k",
        "5",
        "--json",
    ]);
    let served: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["item"].as_str().unwrap())
        .collect();
    let local: Vec<&str> = cli["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["item"].as_str().unwrap())
        .collect();
    assert_eq!(served, local);
    let pid = child.id() as i32;
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(pid, libc::SIGHUP) };
    // The reload loads the run again (EASE: 9,724² floats); wait for the metrics to count it.
    let reloaded = (0..600).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        http_get(&addr, "/metrics").1.contains(r#"status="ok"} 1"#)
    });
    assert!(reloaded, "SIGHUP reloaded the run within a minute");
    assert_eq!(http_get(&addr, "/healthz").0, 200);
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit 0 after SIGTERM: {err}");
    assert!(err.contains("reloaded"), "SIGHUP reloaded the run: {err}");
    assert!(err.contains("status=200"), "access log: {err}");
}
