//! Every route and every error of the server, on a real server on an ephemeral loopback port.

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use common::*;
use gnnrec_serve::{ServeOptions, Spawned};

/// Serves `runs` with the admin routes on and reloads allowed from the runs' folder.
fn start(runs: Vec<(String, std::path::PathBuf)>) -> Spawned {
    let root = runs[0].1.parent().unwrap().to_path_buf();
    Spawned::start(admin_options(runs, &root)).unwrap()
}

/// The training items of user `u` in the test data, as raw ids.
fn seen_of(u: usize) -> BTreeSet<String> {
    let t = gnnrec_serve::testing::interactions(USERS, ITEMS, 6, 3);
    t.users
        .iter()
        .zip(&t.items)
        .filter(|(x, _)| **x as usize == u)
        .map(|(_, i)| (100 + i).to_string())
        .collect()
}

#[test]
fn recommend_for_known_users_with_filters() {
    let dir = tempfile::tempdir().unwrap();
    let (ease, lightgcn, _) = runs(dir.path());
    let s = start(vec![("e".into(), ease), ("l".into(), lightgcn)]);
    let r = get(s.addr, "/v1/recommend?user=u3&k=5");
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["run"], "e");
    assert_eq!(v["model"], "ease");
    let items = items_of(&v);
    assert_eq!(items.len(), 5);
    let seen = seen_of(3);
    assert!(
        items.iter().all(|i| !seen.contains(i)),
        "seen items excluded"
    );
    assert!(
        v["items"][0]["title"]
            .as_str()
            .unwrap()
            .starts_with("Item ")
    );
    let scores: Vec<f64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );

    // Seen items kept: the top of an EASE ranking over all items includes some of them.
    let all = items_of(&get(s.addr, "/v1/recommend?user=u3&k=30&exclude_seen=false").json());
    assert_eq!(all.len(), 30);
    let kept = items_of(&get(s.addr, "/v1/recommend?user=u3&k=30").json());
    assert_eq!(kept.len(), 30 - seen.len());

    // Only candidates, and never the excluded.
    let v = get(
        s.addr,
        "/v1/recommend?user=u3&k=10&items=120,121,122,123&exclude=121",
    )
    .json();
    let got: BTreeSet<String> = items_of(&v).into_iter().collect();
    assert!(
        got.is_subset(
            &["120", "122", "123"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        )
    );
    assert!(!got.is_empty());

    // Another run by name.
    let v = get(s.addr, "/v1/recommend?user=u3&k=4&run=l").json();
    assert_eq!(v["model"], "lightgcn");
    assert_eq!(items_of(&v).len(), 4);
}

#[test]
fn client_errors_name_the_field_with_their_exact_status() {
    let dir = tempfile::tempdir().unwrap();
    let (ease, _, _) = runs(dir.path());
    let s = start(vec![("e".into(), ease)]);
    let cases: &[(&str, u16, &str)] = &[
        ("/v1/recommend?user=nobody", 404, "user"),
        ("/v1/recommend?user=u1&k=0", 400, "k"),
        ("/v1/recommend?user=u1&k=1000000", 400, "k"),
        ("/v1/recommend?user=u1&k=ten", 400, "k"),
        ("/v1/recommend?user=u1&k=-3", 400, "k"),
        ("/v1/recommend?k=3", 400, "user"),
        ("/v1/recommend?user=", 400, "user"),
        ("/v1/recommend?user=u1&color=red", 400, "color"),
        ("/v1/recommend?user=u1&k=1&k=2", 400, "k"),
        ("/v1/recommend?user=u1&run=nope", 404, "run"),
        (
            "/v1/recommend?user=u1&exclude_seen=maybe",
            400,
            "exclude_seen",
        ),
        ("/v1/recommend?user=u1&items=100,999", 404, "items[1]"),
        ("/v1/recommend?user=u1&exclude=abc", 404, "exclude[0]"),
        ("/v1/similar?item=999", 404, "item"),
        ("/v1/similar?k=2", 400, "item"),
        ("/v1/nothing", 404, "path"),
    ];
    for (path, status, field) in cases {
        let r = get(s.addr, path);
        assert_eq!(r.status, *status, "{path}: {}", r.body);
        assert_eq!(r.field(), *field, "{path}: {}", r.body);
        assert!(!r.json()["error"]["message"].as_str().unwrap().is_empty());
    }
    let r = get(s.addr, "/v1/recommend?user=nobody");
    assert!(
        r.body.contains("fold-in"),
        "the 404 hints at fold-in: {}",
        r.body
    );
    let r = request(s.addr, "DELETE", "/v1/runs", &[], "");
    assert_eq!(r.status, 405, "{}", r.body);

    let bodies: &[(&str, &str, u16, &str)] = &[
        ("/v1/recommend", r#"{"items": [100, 101"#, 400, "body"),
        ("/v1/recommend", "not json", 400, "body"),
        ("/v1/recommend", "", 400, "body"),
        ("/v1/recommend", r#"{"items": [100], "k": "ten"}"#, 400, "k"),
        (
            "/v1/recommend",
            r#"{"items": [100, {"x": 1}]}"#,
            400,
            "items[1]",
        ),
        ("/v1/recommend", r#"{"items": "100"}"#, 400, "items"),
        ("/v1/recommend", r#"{"items": [100], "k": 0}"#, 400, "k"),
        (
            "/v1/recommend",
            r#"{"items": [100], "k": 99999999999999999999}"#,
            400,
            "k",
        ),
        ("/v1/recommend", r#"{"items": [100, 555]}"#, 404, "items[1]"),
        (
            "/v1/recommend",
            r#"{"items": [100], "run": "zz"}"#,
            404,
            "run",
        ),
        (
            "/v1/recommend",
            r#"{"items": [100], "extra": 1}"#,
            400,
            "extra",
        ),
        ("/v1/recommend", r#"{"k": 3}"#, 400, "body"),
        (
            "/v1/recommend/batch",
            r#"{"users": ["u1"], "k": -1}"#,
            400,
            "k",
        ),
        (
            "/v1/recommend/batch",
            r#"{"users": [[1]]}"#,
            400,
            "users[0]",
        ),
        (
            "/admin/reload",
            r#"{"name": "zz", "run": "/nowhere"}"#,
            404,
            "run",
        ),
        ("/admin/reload", r#"{"run": "ease"}"#, 400, "body"),
        (
            "/admin/reload",
            r#"{"name": "e", "run": "../x"}"#,
            400,
            "run",
        ),
    ];
    for (path, body, status, field) in bodies {
        let r = if path.starts_with("/admin/") {
            reload(s.addr, body)
        } else {
            post(s.addr, path, body)
        };
        assert_eq!(r.status, *status, "{path} {body}: {}", r.body);
        assert_eq!(r.field(), *field, "{path} {body}: {}", r.body);
    }
    // A body over the limit (1 MiB by default).
    let big = format!(r#"{{"items": [{}]}}"#, vec!["100"; 400_000].join(","));
    let r = post(s.addr, "/v1/recommend", &big);
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.field(), "body");
}

#[test]
fn fold_in_of_a_users_own_history_gives_that_users_ranking() {
    let dir = tempfile::tempdir().unwrap();
    let (ease, lightgcn, bias) = runs(dir.path());
    let s = start(vec![
        ("e".into(), ease),
        ("l".into(), lightgcn),
        ("b".into(), bias),
    ]);
    // EASE scores a user from their history alone: fold-in of the same history is the same.
    let seen: Vec<String> = seen_of(5).into_iter().collect();
    let known = get(s.addr, "/v1/recommend?user=u5&k=8").json();
    let body = serde_json::json!({ "items": seen, "k": 8 }).to_string();
    let r = post(s.addr, "/v1/recommend", &body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(items_of(&r.json()), items_of(&known));
    // Ids as integers work as well as strings.
    let body = r#"{"items": [100, 104], "k": 3, "run": "l"}"#;
    let v = post(s.addr, "/v1/recommend", body).json();
    assert_eq!(v["model"], "lightgcn");
    let got = items_of(&v);
    assert_eq!(got.len(), 3);
    assert!(!got.contains(&"100".to_string()) && !got.contains(&"104".to_string()));
    // Similar items: the item itself is never among them.
    let v = get(s.addr, "/v1/similar?item=107&k=5").json();
    assert_eq!(items_of(&v).len(), 5);
    assert!(!items_of(&v).contains(&"107".to_string()));
    // A model that cannot fold in says so.
    let r = post(s.addr, "/v1/recommend", r#"{"items": [100], "run": "b"}"#);
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.field(), "run");
    assert_eq!(get(s.addr, "/v1/similar?item=100&run=b").status, 422);
}

#[test]
fn batch_equals_single_requests() {
    let dir = tempfile::tempdir().unwrap();
    let (_, lightgcn, _) = runs(dir.path());
    let s = start(vec![("l".into(), lightgcn)]);
    let r = post(
        s.addr,
        "/v1/recommend/batch",
        r#"{"users": ["u1", "ghost", "u2"], "k": 4}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[1]["error"]["status"], 404);
    for (n, u) in [(0, "u1"), (2, "u2")] {
        let single = get(s.addr, &format!("/v1/recommend?user={u}&k=4")).json();
        assert_eq!(results[n]["user"], u);
        assert_eq!(items_of(&results[n]), items_of(&single), "{u}");
    }
}

#[test]
fn runs_health_readiness_and_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let (ease, lightgcn, _) = runs(dir.path());
    let s = start(vec![("e".into(), ease), ("l".into(), lightgcn)]);
    let v = get(s.addr, "/v1/runs").json();
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["name"], "e");
    assert_eq!(runs[0]["default"], true);
    assert_eq!(runs[1]["model"], "lightgcn");
    assert_eq!(runs[1]["dataset"], "synthetic");
    assert_eq!(runs[1]["users"], USERS);
    assert_eq!(runs[0]["metrics"]["recall@20"], 0.5);
    assert_eq!(get(s.addr, "/healthz").status, 200);
    assert_eq!(get(s.addr, "/readyz").json()["status"], "ready");
    get(s.addr, "/v1/recommend?user=nobody");
    let m = get(s.addr, "/metrics");
    assert_eq!(m.status, 200);
    assert!(m.header("content-type").unwrap().contains("openmetrics"));
    for needle in [
        r#"gnnrec_http_requests_total{route="/v1/runs",status="200"} 1"#,
        r#"gnnrec_http_requests_total{route="/v1/recommend",status="404"} 1"#,
        r#"gnnrec_http_request_duration_seconds_bucket{le="+Inf",route="/healthz"} 1"#,
        r#"gnnrec_served_run{name="l",model="lightgcn",dataset="synthetic""#,
    ] {
        assert!(m.body.contains(needle), "{needle} in\n{}", m.body);
    }
}

#[test]
fn with_a_key_requests_without_it_get_401_and_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let (ease, _, _) = runs(dir.path());
    let mut opts = ServeOptions::new(vec![("e".into(), ease)], "127.0.0.1:0".parse().unwrap());
    opts.api_key = Some("s3cret".into());
    let s = Spawned::start(opts).unwrap();
    for path in [
        "/v1/recommend?user=u1",
        "/v1/runs",
        "/metrics",
        "/v1/similar?item=100",
    ] {
        let r = get(s.addr, path);
        assert_eq!(r.status, 401, "{path}");
        assert_eq!(r.field(), "authorization");
        assert!(!r.body.contains("\"items\""));
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        let wrong = request(s.addr, "GET", path, &["Authorization: Bearer s3cres"], "");
        assert_eq!(wrong.status, 401, "{path}");
    }
    // The API key does not open the admin routes, which are off without their own key.
    let r = request(
        s.addr,
        "POST",
        "/admin/reload",
        &["Authorization: Bearer s3cret"],
        r#"{"name": "e", "run": "/x"}"#,
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(get(s.addr, "/healthz").status, 200);
    assert_eq!(get(s.addr, "/readyz").status, 200);
    let ok = request(
        s.addr,
        "GET",
        "/v1/recommend?user=u1",
        &["Authorization: Bearer s3cret"],
        "",
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    let ok = request(s.addr, "GET", "/v1/runs", &["X-API-Key: s3cret"], "");
    assert_eq!(ok.status, 200);
}

/// Opens a POST whose body never arrives: the request holds its permit until the timeout.
fn hold_open(addr: std::net::SocketAddr) -> TcpStream {
    let mut c = TcpStream::connect(addr).unwrap();
    c.write_all(b"POST /v1/recommend HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{\"items\"")
        .unwrap();
    c
}

#[test]
fn overload_and_slow_requests_answer_503_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let (ease, _, _) = runs(dir.path());
    let mut opts = ServeOptions::new(vec![("e".into(), ease)], "127.0.0.1:0".parse().unwrap());
    opts.max_concurrency = 1;
    opts.timeout = Duration::from_millis(1500);
    let s = Spawned::start(opts).unwrap();
    let held = hold_open(s.addr);
    std::thread::sleep(Duration::from_millis(300));
    let r = get(s.addr, "/v1/recommend?user=u1");
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.header("retry-after"), Some("1"));
    // The held request times out (503), its permit returns, and the server serves again.
    let mut held = held;
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut held, &mut answer).ok();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 1"),
        "{answer}"
    );
    assert_eq!(get(s.addr, "/v1/recommend?user=u1").status, 200);
}

#[test]
fn reload_swaps_the_model_and_a_failed_reload_keeps_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let (ease, lightgcn, _) = runs(dir.path());
    let s = start(vec![("main".into(), ease.clone())]);
    let addr = s.addr;
    // Clients hammer the server while it reloads: none of their requests fails.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let r = get(
                        addr,
                        &format!("/v1/recommend?user=u{}&k=5", (n + c) % USERS),
                    );
                    assert_eq!(r.status, 200, "{}", r.body);
                    n += 1;
                }
                n
            })
        })
        .collect();
    for run in [&lightgcn, &ease, &lightgcn] {
        let body = serde_json::json!({"name": "main", "run": run}).to_string();
        let r = reload(addr, &body);
        assert_eq!(r.status, 200, "{}", r.body);
    }
    assert_eq!(get(addr, "/v1/runs").json()["runs"][0]["model"], "lightgcn");
    // A corrupt run: the reload fails, the old model keeps serving.
    let corrupt = dir.path().join("corrupt");
    std::fs::create_dir_all(&corrupt).unwrap();
    for f in [
        "config.json",
        "users.json",
        "items.json",
        "seen.safetensors",
        "titles.json",
    ] {
        std::fs::copy(lightgcn.join(f), corrupt.join(f)).unwrap();
    }
    std::fs::write(
        corrupt.join("model.safetensors"),
        b"\x10\x00\x00\x00\x00\x00\x00\x00{oops",
    )
    .unwrap();
    let body = serde_json::json!({"name": "main", "run": corrupt}).to_string();
    let r = reload(addr, &body);
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.field(), "run");
    let body = serde_json::json!({"name": "main", "run": dir.path().join("missing")}).to_string();
    assert_eq!(reload(addr, &body).status, 422);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let served: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
    assert!(served > 0);
    assert_eq!(get(addr, "/v1/runs").json()["runs"][0]["model"], "lightgcn");
    assert_eq!(get(addr, "/v1/recommend?user=u1").status, 200);
    // The corrupt run failed to load; the missing folder was refused before any load.
    let m = get(addr, "/metrics").body;
    assert!(
        m.contains(r#"gnnrec_reloads_total{route="main",status="failed"} 1"#),
        "{m}"
    );
}

#[test]
fn a_run_without_serving_files_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let (ease, _, _) = runs(dir.path());
    std::fs::remove_file(ease.join("seen.safetensors")).unwrap();
    let e = Spawned::start(ServeOptions::new(
        vec![("e".into(), ease)],
        "127.0.0.1:0".parse().unwrap(),
    ))
    .err()
    .expect("refused");
    assert!(e.to_string().contains("gnnrec pack"), "{e}");
}
