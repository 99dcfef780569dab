//! Output paths by construction: for the example lab, every build case and every UI
//! fixture (even those with errors, whose partial output `build` would not write), each
//! emitted path is made of plain names, no path is both a file and a folder, and every
//! `kustomization.yaml` lists existing entries of its own folder (or, with `../`, of a
//! folder above it inside the tree), never itself. Each tree
//! is a test of its own: `paths::lab`, `paths::build::<case>`, `paths::ui::<fixture>`.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

fn emitted(sources: Vec<(String, String)>) -> IndexMap<String, String> {
    let db = labc::db::LabDb::default();
    let lab = db.load(sources);
    let (out, _) = labc::compile::compile_with_diagnostics(&db, lab);
    out.files.to_map()
}

fn check_tree(name: &str, files: &IndexMap<String, String>) -> Vec<String> {
    let mut problems = Vec::new();
    for path in files.keys() {
        if !labc::emit::is_plain_path(path) {
            problems.push(format!("{name}: `{path}` is not a path of plain names"));
        }
        // A file cannot also be a folder of another file.
        let dir_prefix = format!("{path}/");
        if files.keys().any(|other| other.starts_with(&dir_prefix)) {
            problems.push(format!("{name}: `{path}` is both a file and a folder"));
        }
    }
    for (path, text) in files {
        let Some(dir) = path
            .strip_suffix("kustomization.yaml")
            .filter(|d| d.is_empty() || d.ends_with('/'))
            .map(|d| d.trim_end_matches('/'))
        else {
            continue;
        };
        let Some((_, listed)) = text.split_once("resources:\n") else {
            problems.push(format!("{name}: `{path}` lists no resources"));
            continue;
        };
        for entry in listed.lines().filter_map(|l| l.trim().strip_prefix("- ")) {
            // `../apps/<ns>` (the `home-ops` layout's entry point): resolved, inside the tree.
            let target = resolve(dir, entry);
            let exists = target.as_ref().is_some_and(|target| {
                files.contains_key(target)
                    || files.keys().any(|p| p.starts_with(&format!("{target}/")))
            });
            if entry == "kustomization.yaml" || !exists {
                problems.push(format!(
                    "{name}: `{path}` lists `{entry}`, which is not an emitted entry beside it"
                ));
            }
        }
    }
    problems
}

/// `entry` of the kustomization in `dir`, as a path of the tree: `..` climbs one folder, and
/// `None` if it climbs out of the tree.
fn resolve(dir: &str, entry: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in entry.split('/') {
        match part {
            ".." => {
                parts.pop()?;
            }
            "." | "" => {}
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn dirs(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    out.sort();
    out
}

/// The trees checked: the example lab, every build case and every UI fixture, each with
/// its test name and the sources to read.
fn trees() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut trees = vec![("lab".to_string(), root.join("lab"))];
    for case in dirs(&root.join("tests/build"))
        .into_iter()
        .filter(|p| p.is_dir())
    {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        trees.push((format!("build::{name}"), case));
    }
    for fixture in dirs(&root.join("tests/ui")) {
        if fixture.is_dir() {
            let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
            trees.push((format!("ui::{name}"), fixture));
        } else if fixture.extension().is_some_and(|e| e == "lab") {
            let stem = fixture.file_stem().unwrap().to_string_lossy().into_owned();
            trees.push((format!("ui::{stem}"), fixture));
        }
    }
    trees
}

/// The sources of a tree: a directory read as a lab, or one `.lab` file under its name.
fn sources(path: &Path) -> Vec<(String, String)> {
    if path.is_dir() {
        labc::cli::read_lab(path).unwrap()
    } else {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        vec![(name, std::fs::read_to_string(path).unwrap())]
    }
}

/// `paths::lab`, `paths::build::<case>`, `paths::ui::<fixture>`.
fn cases() -> Vec<libtest_mimic::Trial> {
    trees()
        .into_iter()
        .map(|(name, path)| {
            let label = path.file_name().unwrap().to_string_lossy().into_owned();
            let lab = name == "lab";
            crate::case(module_path!(), &name, move || {
                let files = emitted(sources(&path));
                // The checks check something: the example lab alone emits well over 100 files.
                if lab && files.len() <= 100 {
                    return Err(format!("only {} files emitted for lab/", files.len()));
                }
                let problems = check_tree(&label, &files);
                if problems.is_empty() {
                    Ok(())
                } else {
                    Err(problems.join("\n"))
                }
            })
        })
        .collect()
}

tests!(; cases: cases);
