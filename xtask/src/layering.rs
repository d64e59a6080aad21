//! The workspace's layout holds: no import circle between the top-level modules of any crate,
//! and no source file over 600 lines (`cargo test -p xtask`).
//!
//! [`module_graph`] reads a crate's sources (any crate: point it at another `src/`) into the
//! graph of its top-level modules — an edge `a → b` for every `crate::b…` (or `$crate::b…`)
//! a file under `a` names, in `use` lines or paths, comments and strings left out — and
//! [`find_cycle`] returns a circle in it, if any. Names the crate root re-exports
//! (`pub use framework::config;`) count as the module they come from. `super::` paths are not
//! followed: they stay inside a module unless written at its top, which this crate avoids.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A graph of modules: each node's direct dependencies.
pub(crate) type Graph = BTreeMap<String, BTreeSet<String>>;

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("readable directory entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// `text` with its comments and the contents of its string and character literals blanked
/// (line breaks kept), so that only code remains.
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
        } else if c[i] == 'r' && (next == Some('"') || next == Some('#')) && {
            // A raw string: r"…", r#"…"#, …
            let hashes = c[i + 1..].iter().take_while(|&&h| h == '#').count();
            c.get(i + 1 + hashes) == Some(&'"')
        } {
            let hashes = c[i + 1..].iter().take_while(|&&h| h == '#').count();
            i += hashes + 2;
            while i < c.len() {
                if c[i] == '"'
                    && c[i + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&h| h == '#')
                        .count()
                        == hashes
                {
                    i += hashes + 1;
                    break;
                }
                out.push(blank(c[i]));
                i += 1;
            }
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if let Some(&ch) = c.get(i) {
                    out.push(blank(ch));
                }
                i += 1;
            }
            i += 1;
        } else if c[i] == '\'' && (c.get(i + 2) == Some(&'\'') || next == Some('\\')) {
            // A character literal ('x', '\n', '\''); a lifetime ('a) is left as it is.
            i += 1;
            if c.get(i) == Some(&'\\') {
                i += 1;
            }
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// The identifier at the start of `s` (after spaces).
fn ident(s: &str) -> &str {
    let s = s.trim_start();
    let end = s
        .find(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first segment of each path of a `{a::x, b, c as d, e::{f, g}}` group (`s` starts after
/// the opening brace).
fn group_heads(s: &str) -> Vec<&str> {
    let mut heads = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (k, ch) in s.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' if depth == 0 => {
                heads.push(ident(&s[start..k]));
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                heads.push(ident(&s[start..k]));
                start = k + 1;
            }
            _ => {}
        }
    }
    heads.retain(|h| !h.is_empty());
    heads
}

/// The first module of every `crate::…` and `$crate::…` path in `code`.
fn crate_paths(code: &str) -> Vec<&str> {
    let mut heads = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|ch| ch.is_alphanumeric() || ch == '_') {
            continue; // e.g. `my_crate::`
        }
        let rest = code[at + "crate::".len()..].trim_start();
        match rest.strip_prefix('{') {
            Some(group) => heads.extend(group_heads(group)),
            None => heads.push(ident(rest)),
        }
    }
    heads
}

/// The crate root's top-level modules, and the names it re-exports with the module each comes
/// from (`pub use framework::{config, model};` maps `config` and `model` to `framework`).
fn root_modules(root: &str) -> (BTreeSet<String>, BTreeMap<String, String>) {
    let mut modules = BTreeSet::new();
    let mut aliases = BTreeMap::new();
    for statement in root.split(';') {
        let s = statement
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join(" ");
        let s = s.trim();
        let s = s
            .strip_prefix("pub(crate) ")
            .or_else(|| s.strip_prefix("pub "))
            .unwrap_or(s);
        if let Some(name) = s.strip_prefix("mod ") {
            modules.insert(ident(name).to_string());
        } else if let Some(path) = s.strip_prefix("use ") {
            let path = path.trim().trim_start_matches("crate::");
            let module = ident(path).to_string();
            let tail = &path[module.len()..];
            let names: Vec<&str> = match tail.find('{') {
                Some(open) => group_paths(&tail[open + 1..]),
                None => vec![tail.trim_start_matches("::")],
            };
            for name in names {
                let name = name.rsplit(" as ").next().unwrap_or(name);
                let last = name.rsplit("::").next().unwrap_or(name).trim();
                if !last.is_empty() && last != "*" && last != "self" {
                    aliases.insert(last.to_string(), module.clone());
                }
            }
        }
    }
    (modules, aliases)
}

/// The paths of a `{…}` group (`s` starts after the opening brace), nested groups flattened
/// to their last segments.
fn group_paths(s: &str) -> Vec<&str> {
    s.split([',', '{', '}'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// The graph of the top-level modules of the crate whose sources are in `src` (its root is
/// `lib.rs` or `main.rs`): an edge `a → b` for each reference from a file of module `a` to
/// module `b` of the same crate.
pub(crate) fn module_graph(src: &Path) -> Graph {
    let root_file = ["lib.rs", "main.rs"]
        .iter()
        .map(|f| src.join(f))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{}: no lib.rs or main.rs", src.display()));
    let root = code_only(&std::fs::read_to_string(&root_file).expect("readable root"));
    let (modules, aliases) = root_modules(&root);
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for file in rust_files(src) {
        if file == root_file {
            continue;
        }
        let relative = file.strip_prefix(src).expect("under src");
        let first = relative.components().next().expect("a file");
        let node = first.as_os_str().to_string_lossy();
        let node = node.strip_suffix(".rs").unwrap_or(&node).to_string();
        let code = code_only(&std::fs::read_to_string(&file).expect("readable source"));
        for head in crate_paths(&code) {
            // A name the root re-exports may come from another re-export: follow them.
            let mut target = Some(head.to_string());
            for _ in 0..8 {
                match target {
                    Some(t) if !modules.contains(&t) => target = aliases.get(&t).cloned(),
                    _ => break,
                }
            }
            if let Some(t) = target.filter(|t| *t != node && modules.contains(t)) {
                graph.entry(node.clone()).or_default().insert(t);
            }
        }
    }
    graph
}

/// A circle of `graph` (its first node repeated at the end), if it has one.
pub(crate) fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &Graph,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let from = path
                    .iter()
                    .position(|n| n == node)
                    .expect("open nodes are on the path");
                let mut cycle = path[from..].to_vec();
                cycle.push(node.to_string());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.to_string(), Mark::Open);
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(node.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut marks, &mut Vec::new()))
}

/// The graph, one node and its dependencies a line.
fn show(graph: &Graph) -> String {
    graph
        .iter()
        .map(|(n, deps)| {
            format!(
                "  {n} → {}",
                deps.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The source folders of every crate of the workspace: `crates/*/src` and xtask's own.
fn crate_sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .expect("crates/")
        .filter_map(|e| e.ok().map(|e| e.path().join("src")))
        .filter(|p| p.is_dir())
        .collect();
    out.push(root.join("xtask/src"));
    out.sort();
    out
}

#[test]
fn no_crate_has_an_import_circle_between_its_modules() {
    let models = module_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/models/src"));
    // The reading works: the registry names the model families, which use the framework.
    for (a, b) in [
        ("registry", "bpr"),
        ("bpr", "framework"),
        ("bpr", "training"),
    ] {
        assert!(
            models.get(a).is_some_and(|d| d.contains(b)),
            "no edge {a} → {b} in\n{}",
            show(&models)
        );
    }
    for src in crate_sources() {
        let graph = module_graph(&src);
        if let Some(cycle) = find_cycle(&graph) {
            panic!(
                "an import circle between the modules of {}: {}\nthe module graph:\n{}",
                src.display(),
                cycle.join(" → "),
                show(&graph)
            );
        }
    }
}

#[test]
fn a_circle_is_found_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("b")).unwrap();
    std::fs::write(
        src.join("lib.rs"),
        "pub mod a;\npub mod b;\n#[cfg(test)]\nmod c;\npub use b::{inner::{self, Thing}, other as renamed};\n",
    )
    .unwrap();
    // a → b through a root re-export; b → c in a grouped use; c → a in a path. Comments and
    // strings that name modules count for nothing.
    std::fs::write(
        src.join("a.rs"),
        "use crate::Thing;\n// crate::c\nconst S: &str = \"crate::c\";\n",
    )
    .unwrap();
    std::fs::write(
        src.join("b/mod.rs"),
        "pub mod inner;\nuse crate::{c::X, b::Y};\n",
    )
    .unwrap();
    std::fs::write(src.join("b/inner.rs"), "/* crate::a */ pub struct Thing;\n").unwrap();
    std::fs::write(
        src.join("c.rs"),
        "fn f() { crate::a::g(); let c = '\"'; }\n",
    )
    .unwrap();
    let graph = module_graph(src);
    assert_eq!(
        graph["a"],
        BTreeSet::from(["b".to_string()]),
        "{}",
        show(&graph)
    );
    assert_eq!(
        graph["b"],
        BTreeSet::from(["c".to_string()]),
        "{}",
        show(&graph)
    );
    assert_eq!(
        graph["c"],
        BTreeSet::from(["a".to_string()]),
        "{}",
        show(&graph)
    );
    let cycle = find_cycle(&graph).expect("a → b → c → a");
    assert_eq!(cycle, ["a", "b", "c", "a"]);
    // Without the last edge, no circle.
    let mut acyclic = graph.clone();
    acyclic.get_mut("c").unwrap().clear();
    assert_eq!(find_cycle(&acyclic), None);
}

#[test]
fn no_source_file_is_over_600_lines() {
    let long: Vec<String> = crate_sources()
        .iter()
        .flat_map(|src| rust_files(src))
        .chain(crate_sources().iter().flat_map(|src| {
            let tests = src.with_file_name("tests");
            if tests.is_dir() {
                rust_files(&tests)
            } else {
                Vec::new()
            }
        }))
        .filter_map(|f| {
            let lines = std::fs::read_to_string(&f)
                .expect("readable")
                .lines()
                .count();
            (lines > 600).then(|| format!("{} ({lines} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split by concept: {}", long.join(", "));
}
