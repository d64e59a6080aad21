//! The `gnnrec` binary end to end: `gnnrec serve`: answers from the run alone, reloads on SIGHUP, drains on SIGTERM.

use std::process::Command;

mod common;
use common::*;

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

/// A server reachable from other machines without a key is refused unless asked for by
/// name, before anything is loaded.
#[test]
fn an_open_address_without_a_key_is_refused_unless_insecure_is_asked_for() {
    let out = gnnrec(&["serve", "--run", "no-such-run", "--addr", "0.0.0.0:0"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--api-key-file") && err.contains("--insecure-no-key"),
        "{err}"
    );
    // Asked for: it goes on to load the runs (and fails on the missing one, not on the key).
    let out = gnnrec(&[
        "serve",
        "--run",
        "no-such-run",
        "--addr",
        "0.0.0.0:0",
        "--insecure-no-key",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("not a run directory"),
        "{err}"
    );
}
