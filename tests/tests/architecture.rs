//! The layout `ARCHITECTURE.md` promises, checked: the crates depend on each other one way
//! (rules ← contract ← device ← client ← front ends; the server never on the device), the pure
//! crates stay free of storage, and within each crate the top-level modules import each other
//! without a cycle. Read from the manifests and sources, test code left out.

use std::collections::{BTreeMap, BTreeSet};

use veldwerk_tests::sources::{production_sources, workspace_root};

/// The names in a manifest's `[dependencies]` table (not dev- or build-dependencies).
fn dependencies(crate_dir: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(workspace_root().join(crate_dir).join("Cargo.toml"))
        .expect("a manifest");
    let manifest: toml::Table = text.parse().expect("a valid manifest");
    manifest
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn the_crates_depend_on_each_other_one_way() {
    let allowed: &[(&str, &[&str])] = &[
        ("rules", &[]),
        ("contract", &["veldwerk-rules"]),
        ("support/sql", &[]),
        (
            "device",
            &["veldwerk-rules", "veldwerk-contract", "veldwerk-sql"],
        ),
        (
            "server",
            &["veldwerk-rules", "veldwerk-contract", "veldwerk-sql"],
        ),
        (
            "client",
            &["veldwerk-rules", "veldwerk-contract", "veldwerk-device"],
        ),
        (
            "cli",
            &[
                "veldwerk-rules",
                "veldwerk-contract",
                "veldwerk-device",
                "veldwerk-client",
            ],
        ),
        (
            "mobile-bindings",
            &[
                "veldwerk-rules",
                "veldwerk-contract",
                "veldwerk-device",
                "veldwerk-client",
            ],
        ),
    ];
    for (dir, expected) in allowed {
        let ours: BTreeSet<String> = dependencies(dir)
            .into_iter()
            .filter(|d| d.starts_with("veldwerk-"))
            .collect();
        let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(ours, expected, "{dir}");
    }
}

#[test]
fn the_pure_crates_hold_no_storage_or_network() {
    for dir in ["rules", "contract"] {
        let deps = dependencies(dir);
        for banned in ["rusqlite", "tokio", "axum", "ureq"] {
            assert!(!deps.contains(banned), "{dir} depends on {banned}");
        }
    }
    assert!(
        !dependencies("rules").contains("automerge"),
        "rules knows no documents"
    );
}

/// For each top-level module of a crate, the other top-level modules it imports
/// (`crate::name`, also inside `use crate::{…}`), leaving out test files and test modules.
fn module_imports(crate_dir: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in production_sources(crate_dir) {
        let top = source
            .in_src
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or("")
            .trim_end_matches(".rs")
            .to_owned();
        if top == "lib" || top == "main" || top == "bin" {
            continue;
        }
        let entry = graph.entry(top.clone()).or_default();
        for used in imported_modules(&source.lines.join("\n")) {
            if used != top {
                entry.insert(used);
            }
        }
    }
    graph
}

/// The first path segments after `crate::`, including each item of `crate::{a, b::c}`.
fn imported_modules(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name = ident(item.trim());
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    // Lowercase names are modules; `crate::Notice` and the like are re-exported items.
    out.retain(|n| n.chars().next().is_some_and(|c| c.is_ascii_lowercase()));
    out
}

/// A cycle in `graph`, if there is one, as the modules along it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if !graph.contains_key(next) {
                continue;
            }
            match state.get(next.as_str()) {
                Some(1) => {
                    let start = path.iter().position(|p| p == next).unwrap_or(0);
                    let mut cycle = path[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(next, graph, state, path) {
                        return Some(c);
                    }
                }
            }
        }
        path.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if !state.contains_key(node.as_str()) {
            if let Some(c) = visit(node, graph, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn no_crate_has_an_import_cycle_between_its_modules() {
    for dir in [
        "rules",
        "contract",
        "support/sql",
        "device",
        "server",
        "client",
        "cli",
        "mobile-bindings",
    ] {
        let graph = module_imports(dir);
        if let Some(cycle) = find_cycle(&graph) {
            panic!("{dir}: modules import each other: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    let cycle = find_cycle(&graph).expect("a → b → c → a");
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 4);
    assert_eq!(
        imported_modules("use crate::{db::now, error::Error};\nuse crate::Notice;"),
        ["db", "error"].into_iter().map(str::to_owned).collect()
    );
}
