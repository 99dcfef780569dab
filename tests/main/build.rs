//! Emitted trees: one snapshot per case directory under `tests/build/`, plus the
//! example lab. A snapshot is the whole tree: every file's path and text, in order.
//! Each case is a test of its own, `build::<case>`.

use std::path::Path;

fn render_tree(files: &indexmap::IndexMap<String, String>) -> String {
    let mut out = String::new();
    for (path, text) in files {
        out.push_str(&format!("=== {path}\n{text}"));
    }
    out
}

fn build(dir: &Path) -> (String, String) {
    let db = labc::db::LabDb::default();
    let lab = db.load(labc::cli::read_lab(dir).expect("case is readable"));
    let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    (
        render_tree(&out.files.to_map()),
        labc::diag::render_plain(&db, &diags),
    )
}

/// One test per case directory, `build::<case>`.
fn cases() -> Vec<libtest_mimic::Trial> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/build");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in {}", root.display());
    cases
        .into_iter()
        .map(|case| {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            let root = root.clone();
            crate::case(module_path!(), &name.clone(), move || {
                build_case(&root, &case, &name);
                Ok(())
            })
        })
        .collect()
}

fn build_case(root: &Path, case: &Path, name: &str) {
    let (tree, diags) = build(case);
    assert_eq!(diags, "", "case {name} has diagnostics");
    insta::with_settings!({snapshot_path => root, prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!(name, tree);
    });
}

fn example_lab_builds_without_diagnostics_and_deterministically() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab");
    let (tree, diags) = build(&dir);
    assert_eq!(diags, "");
    // Same input in another file order: byte-identical output.
    let mut files = labc::cli::read_lab(&dir).unwrap();
    files.reverse();
    let db = labc::db::LabDb::default();
    let lab = db.load(files);
    let (out, _) = labc::compile::compile_with_diagnostics(&db, lab);
    assert_eq!(render_tree(&out.files.to_map()), tree);
    // Every emitted YAML file parses.
    for (path, text) in &out.files {
        for doc in text.split("\n---\n") {
            let doc = doc.trim_start_matches("---\n");
            serde_yaml::from_str::<serde_yaml::Value>(doc)
                .unwrap_or_else(|e| panic!("{path} does not parse: {e}\n{doc}"));
        }
    }
}

fn write_tree_keeps_foreign_files_and_removes_stale_ones() {
    let tmp = std::env::temp_dir().join(format!("labc-write-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let out = tmp.join("out");
    let mut files = indexmap::IndexMap::new();
    files.insert("a/one.yaml".to_string(), "---\na: 1\n".to_string());
    files.insert("b/two.yaml".to_string(), "---\nb: 2\n".to_string());
    labc::cli::write_tree(&out, &files.clone().into()).unwrap();
    std::fs::write(out.join("README.md"), "mine").unwrap();
    files.shift_remove("b/two.yaml");
    files.insert("c/three.yaml".to_string(), "---\nc: 3\n".to_string());
    labc::cli::write_tree(&out, &files.clone().into()).unwrap();
    assert_eq!(
        std::fs::read_to_string(out.join("README.md")).unwrap(),
        "mine"
    );
    assert!(out.join("c/three.yaml").exists());
    assert!(!out.join("b/two.yaml").exists(), "stale labc file removed");
    // A foreign file where labc wants to write is an error, and nothing is lost.
    std::fs::write(out.join("d.yaml"), "foreign").unwrap();
    files.insert("d.yaml".to_string(), "---\nd: 4\n".to_string());
    assert!(labc::cli::write_tree(&out, &files.clone().into()).is_err());
    assert_eq!(
        std::fs::read_to_string(out.join("d.yaml")).unwrap(),
        "foreign"
    );
    assert!(out.join("c/three.yaml").exists());
    let _ = std::fs::remove_dir_all(&tmp);
}

tests!(
    example_lab_builds_without_diagnostics_and_deterministically,
    write_tree_keeps_foreign_files_and_removes_stale_ones;
    cases: cases
);
