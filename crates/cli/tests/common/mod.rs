//! What every CLI test file shares: running the binary, and an independent scorer of exports.
#![allow(dead_code)] // each test file uses its own part

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Command, Output};

use gnnrec_data::registry;

pub fn gnnrec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gnnrec"))
        .args(args)
        .env("GNNREC_DATA", gnnrec_data::testing::test_data_dir())
        .output()
        .expect("the binary runs")
}

pub fn ok(args: &[&str]) -> String {
    let out = gnnrec(args);
    assert!(
        out.status.success(),
        "gnnrec {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(args)).expect("valid JSON")
}

/// Recall@20 and NDCG@20 of an exported top-20 CSV of ml-latest-small's default split,
/// computed here from the raw ids, independently of gnnrec's evaluation.
pub fn independent_recall_ndcg_at_20(csv: &Path) -> (f64, f64) {
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

/// One HTTP/1.1 request on loopback; the status line and the body.
pub fn http_get(addr: &str, path: &str) -> (u16, String) {
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
