//! The layering rule of ARCHITECTURE.md, checked on the `use` lines and `crate::` paths of
//! `src/`: a module imports only modules on its own floor or below, and no two files import
//! each other in a circle. The floors, bottom first:
//!
//! `literal`, `yaml`, `stdlib`, `schema` < `db` < `diag` < `syntax` < `sema` < `lower` < `emit` <
//! `compile` < `cli`, `lsp`, `flux_import` (`graph`, the renderer of `labc graph`, is on the floor of `emit`).
//!
//! Inside a folder, a child file may import its folder's `mod.rs` (`super::Evaluator`),
//! and `mod.rs` names its children in `mod` lines and re-exports; neither counts as an
//! import of the child (a re-export is not a dependency of the code), but a path to a
//! child's item from the code of `mod.rs` is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The floor of a top-level module of `src/`.
fn floor(top: &str) -> Option<usize> {
    const FLOORS: &[&[&str]] = &[
        &["literal", "yaml", "stdlib", "objdiff", "schema"],
        &["db"],
        &["diag"],
        &["syntax"],
        &["sema"],
        &["lower"],
        &["emit", "graph"],
        &["compile"],
        &["cli", "lsp", "flux_import"],
    ];
    FLOORS.iter().position(|f| f.contains(&top))
}

/// The `.rs` files of `src/` except the binary's `main.rs` and the crate root, as module
/// paths (`sema/eval/mod.rs` -> `["sema", "eval"]`) with their text.
fn modules() -> BTreeMap<Vec<String>, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path: PathBuf = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            if parts == ["lib"] || parts == ["main"] {
                continue;
            }
            out.insert(parts, std::fs::read_to_string(&path).unwrap());
        }
    }
    out
}

/// The code of a file without comments, string literals, its `#[cfg(test)]` module and
/// its `mod`/`pub use` lines (see the module comment).
fn code(text: &str) -> String {
    let text = text
        .split("\n#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or(text);
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("//")
            || t.starts_with("pub mod ")
            || t.starts_with("mod ")
            || t.starts_with("pub use ")
        {
            continue;
        }
        let mut in_str = false;
        let mut prev = ' ';
        for c in line.chars() {
            if c == '"' && prev != '\\' {
                in_str = !in_str;
            } else if !in_str {
                out.push(c);
            }
            prev = if prev == '\\' && c == '\\' { ' ' } else { c };
        }
        out.push('\n');
    }
    out
}

/// The module paths a file's code names: `crate::a::b::c` and `super::x` paths, also
/// inside `use` groups (`use crate::a::{b, c::d}` names `a::b` and `a::c::d`), cut to the
/// longest prefix that is a file.
fn imports(
    me: &[String],
    text: &str,
    files: &BTreeSet<Vec<String>>,
    is_dir: bool,
) -> BTreeSet<Vec<String>> {
    let code = code(text);
    let mut paths: Vec<Vec<String>> = Vec::new();
    let words: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < words.len() {
        let rest: String = words[i..words.len().min(i + 7)].iter().collect();
        let at_word_start = i == 0 || !(words[i - 1].is_alphanumeric() || words[i - 1] == '_');
        let base: Option<Vec<String>> = if !at_word_start {
            None
        } else if rest.starts_with("crate::") {
            i += 7;
            Some(Vec::new())
        } else if rest.starts_with("super::") {
            i += 7;
            // A folder's `mod.rs` is the module itself; a plain file's parent is its folder.
            let mut parent = me.to_vec();
            if !is_dir {
                parent.pop();
            }
            parent.pop();
            Some(parent)
        } else {
            None
        };
        let Some(base) = base else {
            i += 1;
            continue;
        };
        let (found, next) = path_tail(&words, i, base);
        paths.extend(found);
        i = next;
    }
    paths
        .into_iter()
        .filter_map(|p| {
            (1..=p.len())
                .rev()
                .map(|n| p[..n].to_vec())
                .find(|prefix| files.contains(prefix))
        })
        .filter(|p| p.as_slice() != me)
        .collect()
}

/// The paths starting at `words[i]` below `base`: `a::b`, or each member of `a::{b, c}`.
fn path_tail(words: &[char], mut i: usize, base: Vec<String>) -> (Vec<Vec<String>>, usize) {
    let mut path = base;
    let mut out = Vec::new();
    loop {
        if words.get(i) == Some(&'{') {
            i += 1;
            loop {
                while i < words.len() && (words[i].is_whitespace() || words[i] == ',') {
                    i += 1;
                }
                if words.get(i).is_none_or(|c| *c == '}') {
                    return (out, i + 1);
                }
                let (inner, next) = path_tail(words, i, path.clone());
                out.extend(inner);
                i = next;
            }
        }
        let start = i;
        while i < words.len() && (words[i].is_alphanumeric() || words[i] == '_') {
            i += 1;
        }
        if i > start {
            path.push(words[start..i].iter().collect());
        }
        if words[i..].starts_with(&[':', ':']) {
            i += 2;
            continue;
        }
        out.push(path);
        return (out, i);
    }
}

fn graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let modules = modules();
    let files: BTreeSet<Vec<String>> = modules.keys().cloned().collect();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    modules
        .iter()
        .map(|(m, text)| {
            let is_dir = src.join(m.join("/")).join("mod.rs").exists();
            (m.clone(), imports(m, text, &files, is_dir))
        })
        .collect()
}

fn no_import_runs_upward() {
    let mut wrong = Vec::new();
    for (m, deps) in graph() {
        let mine = floor(&m[0]).unwrap_or_else(|| panic!("src/{} has no floor", m.join("/")));
        for d in deps {
            let theirs = floor(&d[0]).unwrap_or_else(|| panic!("{} has no floor", d.join("/")));
            if theirs > mine {
                wrong.push(format!("{} imports {}", m.join("/"), d.join("/")));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that run upward:\n{}",
        wrong.join("\n")
    );
}

fn no_import_circle_between_files() {
    let graph = graph();
    // A depth-first search for a back edge; its path is the circle.
    fn visit(
        m: &Vec<String>,
        graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        path: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            return Some(path[at..].to_vec());
        }
        if !done.insert(m.clone()) {
            return None;
        }
        path.push(m.clone());
        for d in graph.get(m).into_iter().flatten() {
            if let Some(circle) = visit(d, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        if let Some(circle) = visit(m, &graph, &mut Vec::new(), &mut done) {
            let names: Vec<String> = circle.iter().map(|p| p.join("/")).collect();
            panic!("import circle: {} -> {}", names.join(" -> "), names[0]);
        }
    }
}

/// The checker sees through `use` groups and `super::`: a known upward import is found.
fn the_checker_finds_imports() {
    let files: BTreeSet<Vec<String>> = [
        vec!["sema".to_string()],
        vec!["sema".into(), "eval".into()],
        vec!["lower".into()],
        vec!["diag".into()],
    ]
    .into_iter()
    .collect();
    let me = vec!["sema".to_string(), "eval".to_string()];
    let text = "use crate::{diag::Diag, lower::x};\nuse super::y;\n// crate::emit\nfn f() { \"crate::cli\"; }\n";
    let found = imports(&me, text, &files, true);
    let want: BTreeSet<Vec<String>> = [
        vec!["diag".to_string()],
        vec!["lower".into()],
        vec!["sema".into()],
    ]
    .into_iter()
    .collect();
    assert_eq!(found, want);
}

tests!(
    no_import_runs_upward,
    no_import_circle_between_files,
    the_checker_finds_imports,
);
