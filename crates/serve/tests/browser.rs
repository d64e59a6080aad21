//! The page in a real browser: headless Chromium driven through chromedriver (Debian's
//! `chromium` and `chromium-driver`, installed by `.ci/run`) with the fantoccini WebDriver
//! client, against the real server on a loopback port. Each view's lists must equal what the
//! JSON routes answer, and the browser's console must stay free of errors. With
//! `GNNREC_SCREENSHOTS=DIR` the four views are saved there as PNG (the README's pictures).
//!
//! Without Chromium the test fails under `CI=true` and is skipped, loudly, elsewhere.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use gnnrec_serve::Spawned;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_driver() -> Driver {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let start = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "chromedriver never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver { child, addr }
}

/// Whether the browser is installed; if not, a failure under CI and a loud skip elsewhere.
fn browser_present() -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    let msg = format!(
        "{CHROMIUM} or {CHROMEDRIVER} is missing: apt-get install chromium chromium-driver"
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    eprintln!("SKIPPED browser test: {msg}");
    false
}

async fn open_browser(driver: &Driver, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
                "--window-size=1200,900",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://{}", driver.addr))
        .await
        .expect("a WebDriver session")
}

/// Waits until `selector` matches at least `n` elements; their `data-item` attributes.
async fn items_of_list(c: &Client, selector: &str, n: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let found = c.find_all(Locator::Css(selector)).await.unwrap();
        if found.len() >= n {
            let mut out = Vec::new();
            for e in found {
                out.push(e.attr("data-item").await.unwrap().unwrap_or_default());
            }
            return out;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{selector}: {} of {n} elements",
            found.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_visible(c: &Client, id: &str) {
    let start = Instant::now();
    while !c
        .find(Locator::Id(id))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap()
    {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "#{id} never shown"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn fill(c: &Client, id: &str, text: &str) {
    let e = c.find(Locator::Id(id)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn select(c: &Client, id: &str, value: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

/// Saves the window as `DIR/name.png` when `GNNREC_SCREENSHOTS=DIR` is set.
async fn screenshot(c: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("GNNREC_SCREENSHOTS") {
        let png = c.screenshot().await.unwrap();
        let path = PathBuf::from(dir).join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
    }
}

/// The severe entries of the browser's console (chromedriver's log endpoint).
fn console_errors(driver: &Driver, session: &str) -> Vec<String> {
    // chromedriver accepts only a loopback Host header, and keeps the connection open: the
    // answer is read up to its Content-Length.
    use std::io::{Read, Write};
    let body = r#"{"type": "browser"}"#;
    let req = format!(
        "POST /session/{session}/se/log HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        driver.addr,
        body.len()
    );
    let mut stream = std::net::TcpStream::connect(driver.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.write_all(req.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    let text = loop {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "chromedriver closed the log request");
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).to_string();
        if let Some((head, rest)) = text.split_once("\r\n\r\n") {
            let len = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if rest.len() >= len {
                break rest.to_string();
            }
        }
    };
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    assert!(v["value"].is_array(), "chromedriver's log answer: {text}");
    v["value"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["level"] == "SEVERE")
                .map(|e| e["message"].to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn raw_items(v: &Value) -> Vec<String> {
    items_of(v)
}

#[test]
fn the_page_shows_what_the_routes_answer_in_a_real_browser() {
    if !browser_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ease, lightgcn, _) = runs(&dir.path().join("runs"));
    let server = Spawned::start(admin_options(
        vec![("e".into(), ease.clone()), ("l".into(), lightgcn)],
        &dir.path().join("runs"),
    ))
    .unwrap();
    let mut keyed = admin_options(vec![("e".into(), ease)], &dir.path().join("runs"));
    keyed.api_key = Some("s3cret".into());
    let keyed = Spawned::start(keyed).unwrap();
    let driver = start_driver();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = open_browser(&driver, &dir.path().join("profile")).await;
        let session = c.session_id().await.unwrap().expect("a session id");
        let base = format!("http://{}", server.addr);

        // Runs: both served runs listed, their metrics compared side by side, the trained
        // run's curve drawn.
        c.goto(&format!("{base}/")).await.unwrap();
        let listed = c
            .find_all(Locator::Css("#runs-table tbody tr"))
            .await
            .unwrap();
        let start = Instant::now();
        let mut rows = listed.len();
        while rows < 2 {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "runs never listed"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
            rows = c
                .find_all(Locator::Css("#runs-table tbody tr"))
                .await
                .unwrap()
                .len();
        }
        let cmp = c
            .find_all(Locator::Css("#cmp-table tbody tr"))
            .await
            .unwrap();
        assert!(!cmp.is_empty(), "the metrics comparison is empty");
        select(&c, "curve-run", "l").await;
        let start = Instant::now();
        while c
            .find_all(Locator::Css("#curve svg polyline"))
            .await
            .unwrap()
            .is_empty()
        {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "no training curve"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        screenshot(&c, "page-runs").await;

        // A user: the listed recommendations are GET /v1/recommend's, in order; with a second
        // run, both lists, the shared items marked.
        click(&c, "nav button[data-view=user]").await;
        fill(&c, "user-id", "u3").await;
        fill(&c, "user-k", "5").await;
        select(&c, "user-run2", "l").await;
        click(&c, "#user-form button[type=submit]").await;
        let shown = items_of_list(&c, "#recs li", 5).await;
        let want = raw_items(&get(server.addr, "/v1/recommend?user=u3&k=5&run=e").json());
        assert_eq!(shown, want);
        let shown2 = items_of_list(&c, "#recs2 li", 5).await;
        let want2 = raw_items(&get(server.addr, "/v1/recommend?user=u3&k=5&run=l").json());
        assert_eq!(shown2, want2);
        let shared: Vec<String> = want.iter().filter(|i| want2.contains(i)).cloned().collect();
        let marked = items_of_list(&c, "#recs li.shared", shared.len()).await;
        assert_eq!(marked, shared);
        let history = items_of_list(&c, "#history li", 1).await;
        let want_history = raw_items(&get(server.addr, "/v1/users/u3/history").json());
        assert_eq!(history, want_history);
        screenshot(&c, "page-user").await;

        // A new user: search, add two items to the basket; the list is the fold-in route's.
        click(&c, "nav button[data-view=basket]").await;
        fill(&c, "search-q", "Item 1").await;
        click(&c, "#search-form button[type=submit]").await;
        items_of_list(&c, "#found li", 2).await;
        click(&c, "#found li:nth-child(1) button").await;
        items_of_list(&c, "#basket li", 1).await;
        click(&c, "#found li:nth-child(2) button").await;
        let basket = items_of_list(&c, "#basket li", 2).await;
        let body = json!({ "items": basket, "k": 10, "run": "e" }).to_string();
        let want = raw_items(&post(server.addr, "/v1/recommend", &body).json());
        let start = Instant::now();
        loop {
            let shown = items_of_list(&c, "#basket-recs li", 1).await;
            if shown == want {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "{shown:?} vs {want:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        screenshot(&c, "page-new-user").await;

        // An item: its similar items are GET /v1/similar's.
        click(&c, "nav button[data-view=item]").await;
        fill(&c, "item-id", "105").await;
        click(&c, "#item-form button[type=submit]").await;
        let shown = items_of_list(&c, "#similar li", 10).await;
        let want = raw_items(&get(server.addr, "/v1/similar?item=105&k=10&run=e").json());
        assert_eq!(shown, want);
        screenshot(&c, "page-item").await;

        // A server with a key: the page asks for it, then lists the runs.
        c.goto(&format!("http://{}/", keyed.addr)).await.unwrap();
        wait_visible(&c, "key-form").await;
        fill(&c, "key", "s3cret").await;
        click(&c, "#key-form button[type=submit]").await;
        let start = Instant::now();
        while c
            .find_all(Locator::Css("#runs-table tbody tr"))
            .await
            .unwrap()
            .is_empty()
        {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "runs never listed with the key"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The 401 before the key was given is the one console error allowed.
        let errors: Vec<String> = console_errors(&driver, &session)
            .into_iter()
            .filter(|e| !e.contains("401"))
            .collect();
        assert!(errors.is_empty(), "console errors: {errors:?}");
        c.close().await.unwrap();
    });
}

/// The README's pictures: the four views of a server already running at `GNNREC_PAGE_URL`
/// (e.g. `gnnrec serve --run runs/lightgcn-mls --run runs/ease-mls`), saved as PNG into
/// `GNNREC_SCREENSHOTS`, for the user `GNNREC_PAGE_USER`, the basket search
/// `GNNREC_PAGE_SEARCH` and the item `GNNREC_PAGE_ITEM`. Run by hand: `cargo test --release -p
/// gnnrec-serve --test browser -- --ignored`.
#[test]
#[ignore = "needs a running server and GNNREC_PAGE_URL; makes the README's screenshots"]
fn screenshots_of_a_served_page() {
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set"));
    let (url, user, search, item) = (
        var("GNNREC_PAGE_URL"),
        var("GNNREC_PAGE_USER"),
        var("GNNREC_PAGE_SEARCH"),
        var("GNNREC_PAGE_ITEM"),
    );
    var("GNNREC_SCREENSHOTS");
    let dir = tempfile::tempdir().unwrap();
    let driver = start_driver();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let c = open_browser(&driver, dir.path()).await;
        c.goto(&format!("{url}/")).await.unwrap();
        items_of_list(&c, "#runs-table tbody tr", 1).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        screenshot(&c, "page-runs").await;
        click(&c, "nav button[data-view=user]").await;
        fill(&c, "user-id", &user).await;
        let second = c.find_all(Locator::Css("#user-run2 option")).await.unwrap();
        if second.len() > 2 {
            let v = second[2].attr("value").await.unwrap().unwrap_or_default();
            select(&c, "user-run2", &v).await;
        }
        click(&c, "#user-form button[type=submit]").await;
        items_of_list(&c, "#recs li", 1).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        screenshot(&c, "page-user").await;
        click(&c, "nav button[data-view=basket]").await;
        fill(&c, "search-q", &search).await;
        click(&c, "#search-form button[type=submit]").await;
        items_of_list(&c, "#found li", 3).await;
        for n in 1..=3 {
            click(&c, &format!("#found li:nth-child({n}) button")).await;
            items_of_list(&c, "#basket li", n).await;
        }
        items_of_list(&c, "#basket-recs li", 1).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        screenshot(&c, "page-new-user").await;
        click(&c, "nav button[data-view=item]").await;
        fill(&c, "item-id", &item).await;
        click(&c, "#item-form button[type=submit]").await;
        items_of_list(&c, "#similar li", 1).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        screenshot(&c, "page-item").await;
        c.close().await.unwrap();
    });
}
