//! The `gnnrec` binary end to end: `gnnrec train --resume`: interrupted and killed runs continue to the uninterrupted result.

use std::process::Command;

mod common;
use common::*;

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
