//! The `gnnrec` binary end to end: `gnnrec data` (info, fetch, synth), your own files, `gnnrec graph`, bad input and closed pipes.

use std::process::Command;

mod common;
use common::*;

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
