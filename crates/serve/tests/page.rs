//! The browser page and the routes it reads, and what makes the server safe to open to a
//! browser: the page's Content Security Policy, no CORS, JSON-only bodies (a cross-site form
//! post fails), the admin key, and reloads confined to the runs root.

mod common;

use common::*;
use gnnrec_serve::Spawned;

#[test]
fn the_page_is_served_open_under_a_policy_allowing_only_its_own_origin() {
    let dir = tempfile::tempdir().unwrap();
    let (ease, _, _) = runs(dir.path());
    let mut opts = admin_options(vec![("e".into(), ease)], dir.path());
    opts.api_key = Some("s3cret".into());
    let s = Spawned::start(opts).unwrap();
    for (path, kind, needle) in [
        ("/", "text/html", "<script src=\"/app.js\""),
        ("/app.js", "text/javascript", "async function api"),
        ("/app.css", "text/css", "font-family"),
    ] {
        // Open without the key: the page asks for it.
        let r = get(s.addr, path);
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.header("content-type").unwrap().starts_with(kind),
            "{path}"
        );
        assert!(r.body.contains(needle), "{path}");
        let csp = r.header("content-security-policy").unwrap();
        for part in [
            "default-src 'none'",
            "script-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains('*'),
            "{csp}"
        );
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    }
    // Nothing in the page is fetched from another origin, and it has no inline script.
    let html = get(s.addr, "/").body;
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains("<script>"));
    // The API behind it still refuses without the key.
    assert_eq!(get(s.addr, "/v1/runs").status, 401);
}

#[test]
fn no_cors_headers_and_a_cross_site_form_post_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (ease, _, _) = runs(dir.path());
    let s = Spawned::start(admin_options(vec![("e".into(), ease)], dir.path())).unwrap();
    let origin = "Origin: http://evil.example";
    let r = request(s.addr, "GET", "/v1/recommend?user=u1", &[origin], "");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), None);
    // A preflight is not answered with permission.
    let pre = request(
        s.addr,
        "OPTIONS",
        "/v1/recommend",
        &[origin, "Access-Control-Request-Method: POST"],
        "",
    );
    assert_eq!(pre.header("access-control-allow-origin"), None);
    assert!(pre.status >= 400, "{}", pre.status);
    // What an HTML form on another site can send: urlencoded or plain text, no custom header.
    for (path, body) in [
        ("/v1/recommend", "items=100&k=5"),
        ("/admin/reload", "name=e&run=ease"),
    ] {
        for kind in [
            "application/x-www-form-urlencoded",
            "text/plain",
            "multipart/form-data; boundary=x",
        ] {
            let head = format!(
                "POST {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n{origin}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            let r = raw(s.addr, head.as_bytes());
            assert!(
                r.status == 415 || r.status == 401,
                "{path} as {kind}: {} {}",
                r.status,
                r.body
            );
        }
    }
}

#[test]
fn admin_routes_are_off_without_their_key_and_never_take_the_api_key() {
    let dir = tempfile::tempdir().unwrap();
    let (ease, _, _) = runs(dir.path());
    let body = r#"{"name": "e"}"#;
    // Off: no admin key configured.
    let mut opts = gnnrec_serve::ServeOptions::new(
        vec![("e".into(), ease.clone())],
        "127.0.0.1:0".parse().unwrap(),
    );
    opts.api_key = Some("s3cret".into());
    let off = Spawned::start(opts).unwrap();
    let r = request(
        off.addr,
        "POST",
        "/admin/reload",
        &["Authorization: Bearer s3cret"],
        body,
    );
    assert_eq!(r.status, 403, "{}", r.body);
    // On: only the admin key opens them.
    let mut opts = admin_options(vec![("e".into(), ease)], dir.path());
    opts.api_key = Some("s3cret".into());
    let on = Spawned::start(opts).unwrap();
    let r = request(
        on.addr,
        "POST",
        "/admin/reload",
        &["Authorization: Bearer s3cret"],
        body,
    );
    assert_eq!(r.status, 401, "{}", r.body);
    let r = request(
        on.addr,
        "POST",
        "/admin/reload",
        &["X-Admin-Key: wrong"],
        body,
    );
    assert_eq!(r.status, 401);
    let r = reload(on.addr, body);
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn reloads_load_only_from_under_the_runs_root_and_never_echo_outside_paths() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("runs");
    let (ease, lightgcn, _) = runs(&root);
    let outside = dir.path().join("outside-secret");
    std::fs::create_dir_all(&outside).unwrap();
    let s = Spawned::start(admin_options(vec![("e".into(), ease)], &root)).unwrap();
    // Relative to the root, and absolute inside it.
    assert_eq!(
        reload(s.addr, r#"{"name": "e", "run": "lightgcn"}"#).status,
        200
    );
    let body = serde_json::json!({"name": "e", "run": lightgcn}).to_string();
    assert_eq!(reload(s.addr, &body).status, 200);
    // Outside: by `..`, absolutely, through a symbolic link; a file; what does not exist.
    std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
    let cases = [
        (serde_json::json!("../outside-secret"), 400),
        (serde_json::json!(outside), 422),
        (serde_json::json!("link"), 422),
        (serde_json::json!("/etc"), 422),
        (serde_json::json!("/root"), 422),
        (serde_json::json!("missing"), 422),
    ];
    for (run, status) in cases {
        let body = serde_json::json!({"name": "e", "run": run}).to_string();
        let r = reload(s.addr, &body);
        assert_eq!(r.status, status, "{run}: {}", r.body);
        assert_eq!(r.field(), "run");
        for secret in ["outside-secret", "/etc", "/root", "is not a run directory"] {
            assert!(!r.body.contains(secret), "{run}: {}", r.body);
        }
    }
    // Still serving the last good run.
    assert_eq!(
        get(s.addr, "/v1/runs").json()["runs"][0]["model"],
        "lightgcn"
    );
}

#[test]
fn item_search_history_and_log_answer_with_the_same_rules_as_every_route() {
    let dir = tempfile::tempdir().unwrap();
    let (ease, lightgcn, _) = runs(dir.path());
    let s = Spawned::start(admin_options(
        vec![("e".into(), ease), ("l".into(), lightgcn)],
        dir.path(),
    ))
    .unwrap();
    // By id first, then by title substring (titles are `Item N`, ids `100 + N`).
    let v = get(s.addr, "/v1/items?q=105&limit=3").json();
    assert_eq!(v["items"][0]["item"], "105");
    assert_eq!(v["items"][0]["title"], "Item 5");
    let v = get(s.addr, "/v1/items?q=item%202").json();
    let titles: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Item 2", "Item 20", "Item 21", "Item 22", "Item 23", "Item 24", "Item 25", "Item 26",
            "Item 27", "Item 28", "Item 29"
        ]
    );
    assert_eq!(v["total"], 11);
    assert_eq!(
        get(s.addr, "/v1/items?q=&limit=5").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    for (path, status, field) in [
        ("/v1/items?q=x&limit=0", 400, "limit"),
        ("/v1/items?q=x&limit=ten", 400, "limit"),
        ("/v1/items?q=x&color=red", 400, "color"),
        ("/v1/items?q=x&run=zz", 404, "run"),
        ("/v1/users/nobody/history", 404, "user"),
        ("/v1/users/u1/history?limit=-1", 400, "limit"),
        ("/v1/runs/zz/log", 404, "run"),
    ] {
        let r = get(s.addr, path);
        assert_eq!(r.status, status, "{path}: {}", r.body);
        assert_eq!(r.field(), field, "{path}");
    }
    // A user's history is the items the recommendations exclude.
    let v = get(s.addr, "/v1/users/u3/history").json();
    let history: std::collections::BTreeSet<String> = items_of(&v).into_iter().collect();
    let t = gnnrec_serve::testing::interactions(USERS, ITEMS, 6, 3);
    let want: std::collections::BTreeSet<String> = t
        .users
        .iter()
        .zip(&t.items)
        .filter(|(u, _)| **u == 3)
        .map(|(_, i)| (100 + i).to_string())
        .collect();
    assert_eq!(history, want);
    assert_eq!(v["total"], want.len());
    // The runs carry their settings (every key, as config.json records them).
    let runs = get(s.addr, "/v1/runs").json();
    assert_eq!(runs["runs"][0]["settings"]["lambda"], 10.0, "{runs}");
    assert_eq!(runs["runs"][1]["settings"]["epochs"], 2, "{runs}");
    // The trained run's log has its epochs; the closed-form one has none.
    let l = get(s.addr, "/v1/runs/l/log").json();
    assert_eq!(l["epochs"].as_array().unwrap().len(), 2, "{l}");
    assert!(l["epochs"][0]["loss"].is_number());
    assert_eq!(
        get(s.addr, "/v1/runs/e/log").json()["epochs"],
        serde_json::json!([])
    );
    // Each is counted in the metrics under its route, not its raw path.
    let m = get(s.addr, "/metrics").body;
    assert!(m.contains("route=\"/v1/users/{id}/history\""), "{m}");
}
