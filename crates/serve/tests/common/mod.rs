//! A raw HTTP/1.1 client (so that tests can also send what no well-behaved client would) and
//! the run directories the tests serve.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use gnnrec_serve::testing::{interactions, write_run};

/// A response: status, headers (lower-cased names), body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    /// The `field` of a JSON error.
    pub fn field(&self) -> String {
        self.json()["error"]["field"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

/// Sends raw bytes, reads the whole response (the request asks the server to close).
pub fn raw(addr: SocketAddr, bytes: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(bytes).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).expect("read the response");
    parse(&buf)
}

fn parse(buf: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(buf);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {text:?}"));
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// A request with optional extra header lines and body.
pub fn request(addr: SocketAddr, method: &str, path: &str, headers: &[&str], body: &str) -> Reply {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    if !body.is_empty() || method == "POST" {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    raw(addr, req.as_bytes())
}

pub fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, "GET", path, &[], "")
}

pub fn post(addr: SocketAddr, path: &str, body: &str) -> Reply {
    request(addr, "POST", path, &[], body)
}

/// The admin key of the test servers that reload.
pub const ADMIN_KEY: &str = "adm1n";

/// `POST /admin/reload` with the admin key.
pub fn reload(addr: SocketAddr, body: &str) -> Reply {
    let key = format!("X-Admin-Key: {ADMIN_KEY}");
    request(addr, "POST", "/admin/reload", &[&key], body)
}

/// Options serving `runs` on a free loopback port, with the admin routes on ([`ADMIN_KEY`])
/// and reloads allowed from `root`.
pub fn admin_options(runs: Vec<(String, PathBuf)>, root: &Path) -> gnnrec_serve::ServeOptions {
    let mut opts = gnnrec_serve::ServeOptions::new(runs, "127.0.0.1:0".parse().unwrap());
    opts.admin_key = Some(ADMIN_KEY.into());
    opts.runs_root = Some(root.to_path_buf());
    opts
}

pub const USERS: usize = 40;
pub const ITEMS: usize = 30;

/// Writes the runs the tests serve (once per test binary and directory).
pub fn runs(root: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let train = interactions(USERS, ITEMS, 6, 3);
    let ease = root.join("ease");
    let lightgcn = root.join("lightgcn");
    let bias = root.join("bias");
    write_run(&ease, "ease", &[("lambda", "10")], &train, USERS, ITEMS).unwrap();
    write_run(
        &lightgcn,
        "lightgcn",
        &[("epochs", "2")],
        &train,
        USERS,
        ITEMS,
    )
    .unwrap();
    write_run(&bias, "bias", &[], &train, USERS, ITEMS).unwrap();
    (ease, lightgcn, bias)
}

/// The raw item ids in a ranking.
pub fn items_of(v: &serde_json::Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {v}"))
        .iter()
        .map(|r| r["item"].as_str().unwrap().to_string())
        .collect()
}
