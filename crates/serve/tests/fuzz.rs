//! Random and malformed requests while the served run is reloaded again and again: each gets
//! its exact expected status, every complete request gets a response, and the server still
//! answers `/healthz` afterwards.

mod common;

use std::io::Write;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use common::*;
use gnnrec_serve::Spawned;
use proptest::prelude::*;

struct Fixture {
    addr: SocketAddr,
    _server: Spawned,
    _dir: tempfile::TempDir,
}

/// One server for every case, reloaded between two copies of the same run all along.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let (ease, _, _) = runs(dir.path());
        let copy = dir.path().join("ease-copy");
        std::fs::create_dir_all(&copy).unwrap();
        for f in std::fs::read_dir(&ease).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, copy.join(f.file_name().unwrap())).unwrap();
        }
        let server =
            Spawned::start(admin_options(vec![("e".into(), ease.clone())], dir.path())).unwrap();
        let addr = server.addr;
        static STOP: AtomicBool = AtomicBool::new(false);
        std::thread::spawn(move || {
            let mut n = 0usize;
            while !STOP.load(Ordering::SeqCst) {
                let run = if n.is_multiple_of(2) { &copy } else { &ease };
                let body = serde_json::json!({"name": "e", "run": run}).to_string();
                let r = reload(addr, &body);
                assert_eq!(r.status, 200, "reload: {}", r.body);
                n += 1;
            }
        });
        Fixture {
            addr,
            _server: server,
            _dir: dir,
        }
    })
}

/// A value of `k` as text and whether it is valid (1..=1000).
fn k_text() -> impl Strategy<Value = (String, bool)> {
    prop_oneof![
        (1i64..=1000).prop_map(|k| (k.to_string(), true)),
        (-5i64..=0).prop_map(|k| (k.to_string(), false)),
        (1001i64..i64::MAX).prop_map(|k| (k.to_string(), false)),
        "[a-z]{1,6}".prop_map(|s| (s, false)),
        Just(("99999999999999999999999".to_string(), false)),
    ]
}

/// A user id as text and whether it is served.
fn user_text() -> impl Strategy<Value = (String, bool)> {
    prop_oneof![
        (0..USERS).prop_map(|u| (format!("u{u}"), true)),
        "[a-z0-9]{1,8}".prop_map(|s| {
            let known = s
                .strip_prefix('u')
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n < USERS && format!("u{n}") == s);
            (s, known)
        }),
    ]
}

/// A request and the status it must get.
fn request_case() -> impl Strategy<Value = (Vec<u8>, u16)> {
    let get_recommend = (user_text(), k_text()).prop_map(|((u, known), (k, k_ok))| {
        let status = if !known {
            404
        } else if !k_ok {
            400
        } else {
            200
        };
        // The user is checked before K.
        let status = if known || status == 404 { status } else { 400 };
        let path = format!("/v1/recommend?user={u}&k={k}");
        (http("GET", &path, None), status)
    });
    let fold_in = (
        proptest::collection::vec(0usize..ITEMS + 5, 0..12),
        k_text(),
    )
        .prop_map(|(items, (k, k_ok))| {
            let unknown = items.iter().any(|&i| i >= ITEMS);
            let ids: Vec<String> = items.iter().map(|i| (100 + i).to_string()).collect();
            let body = format!(r#"{{"items": [{}], "k": {k}}}"#, ids.join(","));
            // A K that is not a JSON integer is malformed (400); so is one out of range; then
            // unknown items are 404.
            let status = if !k_ok {
                400
            } else if unknown {
                404
            } else {
                200
            };
            (http("POST", "/v1/recommend", Some(body.as_bytes())), status)
        });
    let garbage = proptest::collection::vec(any::<u8>(), 0..200)
        .prop_map(|b| (http("POST", "/v1/recommend", Some(&b)), 400));
    let truncated = (0usize..40).prop_map(|cut| {
        let full = br#"{"items": [100, 101, 102], "k": 5, "run": "e"}"#;
        let cut = cut.min(full.len() - 1);
        (http("POST", "/v1/recommend", Some(&full[..cut])), 400)
    });
    let wrong_types = prop_oneof![
        Just(r#"{"items": "100"}"#),
        Just(r#"{"items": [true]}"#),
        Just(r#"{"items": [100], "k": []}"#),
        Just(r#"{"items": [100], "k": 2.5}"#),
        Just(r#"{"items": null}"#),
        Just(r#"[1, 2, 3]"#),
        Just(r#"{"users": {"a": 1}}"#),
    ]
    .prop_map(|b| (http("POST", "/v1/recommend", Some(b.as_bytes())), 400));
    let batch =
        (proptest::collection::vec(user_text(), 0..20), k_text()).prop_map(|(users, (k, k_ok))| {
            let ids: Vec<String> = users.iter().map(|(u, _)| format!("\"{u}\"")).collect();
            let body = format!(r#"{{"users": [{}], "k": {k}}}"#, ids.join(","));
            let status = if k_ok { 200 } else { 400 };
            (
                http("POST", "/v1/recommend/batch", Some(body.as_bytes())),
                status,
            )
        });
    let similar = (0usize..ITEMS + 5, k_text()).prop_map(|(i, (k, k_ok))| {
        let status = if i >= ITEMS {
            404
        } else if !k_ok {
            400
        } else {
            200
        };
        (
            http("GET", &format!("/v1/similar?item={}&k={k}", 100 + i), None),
            status,
        )
    });
    prop_oneof![
        get_recommend,
        fold_in,
        garbage,
        truncated,
        wrong_types,
        batch,
        similar
    ]
}

fn http(method: &str, path: &str, body: Option<&[u8]>) -> Vec<u8> {
    let mut r =
        format!("{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n").into_bytes();
    if let Some(b) = body {
        r.extend_from_slice(
            format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                b.len()
            )
            .as_bytes(),
        );
        r.extend_from_slice(b);
    } else {
        r.extend_from_slice(b"\r\n");
    }
    r
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn every_request_gets_its_expected_status((bytes, status) in request_case()) {
        let f = fixture();
        let r = raw(f.addr, &bytes);
        prop_assert_eq!(r.status, status, "{}\n→ {}", String::from_utf8_lossy(&bytes), r.body);
        prop_assert!(r.status < 500);
        if status >= 400 {
            prop_assert!(r.json()["error"]["message"].is_string());
        }
    }

    #[test]
    fn requests_cut_on_the_wire_do_not_hurt_the_server(cut in 1usize..60) {
        let f = fixture();
        let full = http("POST", "/v1/recommend", Some(br#"{"items": [100, 101], "k": 5}"#));
        let mut c = TcpStream::connect(f.addr).unwrap();
        c.write_all(&full[..cut.min(full.len() - 1)]).unwrap();
        c.shutdown(Shutdown::Write).unwrap();
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut c, &mut sink);
        if !sink.is_empty() {
            let text = String::from_utf8_lossy(&sink);
            prop_assert!(text.starts_with("HTTP/1.1 4"), "{}", text);
        }
        prop_assert_eq!(get(f.addr, "/healthz").status, 200);
    }
}

#[test]
fn healthy_after_the_storm() {
    let f = fixture();
    let r = raw(
        f.addr,
        &http("POST", "/v1/recommend", Some(&[0xff, 0xfe, 0x00])),
    );
    assert_eq!(r.status, 400);
    assert_eq!(get(f.addr, "/healthz").status, 200);
}
