//! Output paths by construction: for the example lab, every build case and every UI
//! fixture (even those with errors, whose partial output `build` would not write), each
//! emitted path is made of plain names, no path is both a file and a folder, and every
//! `kustomization.yaml` lists existing entries of its own folder, never itself.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

fn emitted(sources: Vec<(String, String)>) -> IndexMap<String, String> {
    let db = labc::db::LabDb::default();
    let lab = db.load(sources);
    let (out, _) = labc::emit::compile_with_diagnostics(&db, lab);
    out.files.clone()
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
        let Some(dir) = path.strip_suffix("/kustomization.yaml") else {
            continue;
        };
        let Some((_, listed)) = text.split_once("resources:\n") else {
            problems.push(format!("{name}: `{path}` lists no resources"));
            continue;
        };
        for entry in listed.lines().filter_map(|l| l.trim().strip_prefix("- ")) {
            let target = format!("{dir}/{entry}");
            let exists = files.contains_key(&target)
                || files.keys().any(|p| p.starts_with(&format!("{target}/")));
            if entry == "kustomization.yaml" || !exists {
                problems.push(format!(
                    "{name}: `{path}` lists `{entry}`, which is not an emitted entry beside it"
                ));
            }
        }
    }
    problems
}

fn dirs(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    out.sort();
    out
}

#[test]
fn every_emitted_path_is_made_of_plain_names() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut trees: Vec<(String, Vec<(String, String)>)> = vec![(
        "lab".into(),
        labc::cli::read_lab(&root.join("lab")).unwrap(),
    )];
    for case in dirs(&root.join("tests/build"))
        .into_iter()
        .filter(|p| p.is_dir())
    {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        trees.push((name, labc::cli::read_lab(&case).unwrap()));
    }
    for fixture in dirs(&root.join("tests/ui")) {
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        if fixture.is_dir() {
            trees.push((name, labc::cli::read_lab(&fixture).unwrap()));
        } else if fixture.extension().is_some_and(|e| e == "lab") {
            let text = std::fs::read_to_string(&fixture).unwrap();
            trees.push((name.clone(), vec![(name, text)]));
        }
    }
    let mut problems = Vec::new();
    let mut emitted_files = 0;
    for (name, sources) in trees {
        let files = emitted(sources);
        emitted_files += files.len();
        problems.extend(check_tree(&name, &files));
    }
    assert!(emitted_files > 100, "only {emitted_files} files emitted");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
