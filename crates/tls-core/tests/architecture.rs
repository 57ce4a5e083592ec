//! The module map stays a map: no module of tls-core depends on itself through others (no cycles), and
//! the certificate modules never reach the network ones, so reading or judging a certificate never
//! needs a socket. Read from the source: `crate::MODULE` paths outside `#[cfg(test)]` code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Modules that read, make or judge certificates.
const CERTIFICATES: [&str; 9] = [
    "crypto",
    "x509",
    "pem",
    "identity",
    "inspect",
    "generate",
    "verify",
    "preflight",
    "scenario",
];
/// Modules that speak to a peer.
const NETWORK: [&str; 4] = ["server", "client", "echo", "page"];

/// Each module's direct dependencies on other modules of the crate.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(&src).expect("src/") {
        let path = entry.expect("an entry").path();
        let Some(module) = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else {
            continue;
        };
        // A folder is one module (server/: mod.rs, session.rs), a file another.
        let files: Vec<std::path::PathBuf> = if path.is_dir() {
            std::fs::read_dir(&path)
                .expect("a module folder")
                .map(|e| e.expect("an entry").path())
                .filter(|p| p.extension().is_some_and(|ext| ext == "rs"))
                .collect()
        } else if path.extension().is_some_and(|ext| ext == "rs") && module != "lib" {
            vec![path.clone()]
        } else {
            continue;
        };
        let deps = graph.entry(module.clone()).or_default();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable source");
            // Unit tests may use anything: only the module's own code counts.
            let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(&text);
            deps.extend(
                code.match_indices("crate::")
                    .map(|(at, _)| {
                        code[at + 7..]
                            .chars()
                            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                            .collect::<String>()
                    })
                    .filter(|dep| !dep.is_empty() && *dep != module),
            );
        }
    }
    graph
}

/// Everything `from` reaches, itself excluded unless through a cycle.
fn reachable(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&str> = graph
        .get(from)
        .map(|d| d.iter().map(String::as_str).collect())
        .unwrap_or_default();
    while let Some(next) = stack.pop() {
        if seen.insert(next.to_owned()) {
            stack.extend(graph.get(next).into_iter().flatten().map(String::as_str));
        }
    }
    seen
}

#[test]
fn the_graph_is_read_from_the_source() {
    let graph = module_graph();
    // A check that reads nothing would pass everything: the known edges must be there.
    assert!(
        graph["server"].contains("echo") && graph["client"].contains("config"),
        "{graph:#?}"
    );
    assert!(graph.len() >= 20, "{graph:#?}");
}

/// Inside the crate, paths name the module (`crate::identity::Identity`), never a root re-export
/// (`crate::Identity`), which would hide the edge from the graph above.
#[test]
fn modules_are_used_by_their_own_paths() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src];
    let mut hidden = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(
                std::fs::read_dir(&path)
                    .expect("a folder")
                    .map(|e| e.expect("an entry").path()),
            );
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable source");
        for (at, _) in text.match_indices("crate::") {
            let rest = &text[at + 7..];
            let is_root_item = rest.starts_with(|c: char| c.is_ascii_uppercase())
                && !rest.starts_with("Error")
                && !rest.starts_with("Result");
            if is_root_item {
                hidden.push(format!("{}: crate::{}", path.display(), &rest[..rest.len().min(20)]));
            }
        }
    }
    assert!(hidden.is_empty(), "re-exports used inside the crate: {hidden:#?}");
}

#[test]
fn no_module_depends_on_itself() {
    let graph = module_graph();
    let cycles: Vec<&String> = graph.keys().filter(|m| reachable(&graph, m).contains(*m)).collect();
    assert!(cycles.is_empty(), "modules in a cycle: {cycles:?}\n{graph:#?}");
}

#[test]
fn certificate_modules_never_reach_the_network() {
    let graph = module_graph();
    for module in CERTIFICATES {
        assert!(graph.contains_key(module), "{module} is missing: update the lists");
        let reached = reachable(&graph, module);
        let wrong: Vec<&str> = NETWORK.iter().copied().filter(|n| reached.contains(*n)).collect();
        assert!(wrong.is_empty(), "{module} depends on {wrong:?} (through {reached:?})");
    }
}
