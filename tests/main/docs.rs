//! The language reference's examples are tested: every ```lab block of
//! docs/language.md (and README.md, docs/app-template.md, docs/from-home-ops.md)
//! compiles with no diagnostics, every ```lab,error E0xxx block reports that code,
//! ```lab,fragment blocks are skipped. A ```text,file=PATH (or ```yaml,file=PATH) block
//! is a file of the lab directory given to the next ```lab block (what `file("PATH")`
//! and `manifest` read).

use std::path::Path;

struct Block {
    line: usize,
    info: String,
    text: String,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        if let Some(rest) = line.strip_prefix("```") {
            match current.take() {
                Some(b) => out.push(b),
                None => {
                    current = Some(Block {
                        line: i + 1,
                        info: rest.trim().to_string(),
                        text: String::new(),
                    })
                }
            }
        } else if let Some(b) = &mut current {
            b.text.push_str(line);
            b.text.push('\n');
        }
    }
    out
}

fn check_file(name: &str) -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    let markdown = std::fs::read_to_string(&path).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut data_files: Vec<(String, String)> = Vec::new();
    for b in blocks(&markdown) {
        let mut info = b.info.split(',').map(str::trim);
        let lang = info.next();
        if matches!(lang, Some("text" | "yaml")) {
            if let Some(path) = info.find_map(|w| w.strip_prefix("file=")) {
                data_files.push((path.to_string(), b.text.clone()));
            }
            continue;
        }
        if lang != Some("lab") {
            continue;
        }
        let mode = info.next().unwrap_or("");
        let mut files = std::mem::take(&mut data_files);
        if mode == "fragment" {
            continue;
        }
        files.push(("example.lab".to_string(), b.text.clone()));
        let db = labc::db::LabDb::default();
        let lab = db.load(files);
        let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
        let rendered = labc::diag::render_plain(&db, &diags);
        checked += 1;
        if let Some(code) = mode.strip_prefix("error") {
            let code = code.trim();
            if !diags.iter().any(|d| d.code == code) {
                failures.push(format!(
                    "{name}:{}: expected {code}, got:\n{rendered}",
                    b.line
                ));
            }
        } else if !diags.is_empty() {
            failures.push(format!(
                "{name}:{}: expected no diagnostics, got:\n{rendered}",
                b.line
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    checked
}

fn language_reference_examples_compile() {
    assert!(check_file("docs/language.md") >= 10);
}

fn readme_examples_compile() {
    check_file("README.md");
}

/// The two worked examples of the app-template guide.
fn app_template_examples_compile() {
    assert!(check_file("docs/app-template.md") >= 2);
}

/// The migration guide's worked example and shared template.
fn from_home_ops_examples_compile() {
    assert!(check_file("docs/from-home-ops.md") >= 2);
}

/// The pre-commit hook of docs/ci.md, run as written on a temporary repository: it passes
/// on a formatted lab with a current tree, and fails, naming the fixing command, on an
/// unformatted file and on a stale tree. The YAML recipes parse.
fn ci_recipes_work() {
    let markdown =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci.md")).unwrap();
    let all = blocks(&markdown);
    let hook = all
        .iter()
        .find(|b| b.info == "sh" && b.text.starts_with("#!/bin/sh"))
        .expect("docs/ci.md has the pre-commit hook");
    for b in all.iter().filter(|b| b.info == "yaml") {
        let parsed: Result<serde_yaml::Value, _> = serde_yaml::from_str(&b.text);
        assert!(parsed.is_ok(), "docs/ci.md:{}: {parsed:?}", b.line);
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let lab = root.join("lab");
    std::fs::create_dir(&lab).unwrap();
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/build/minimal");
    std::fs::copy(case.join("lab.lab"), lab.join("lab.lab")).unwrap();
    std::fs::create_dir(lab.join("files")).unwrap();
    std::fs::copy(
        case.join("files/notes-alerts.yaml"),
        lab.join("files/notes-alerts.yaml"),
    )
    .unwrap();
    std::fs::write(root.join("pre-commit"), &hook.text).unwrap();
    let labc = |args: &[&str]| {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_labc"))
            .args(args)
            .current_dir(root)
            .output()
            .unwrap();
        assert!(status.status.success(), "labc {args:?}: {status:?}");
    };
    labc(&["fmt", "lab"]);
    labc(&["build", "lab", "--out", "kubernetes"]);
    let bin = Path::new(env!("CARGO_BIN_EXE_labc")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let hook = || {
        let out = std::process::Command::new("sh")
            .arg("pre-commit")
            .current_dir(root)
            .env("PATH", &path)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(
        hook().0,
        Some(0),
        "the hook fails on a clean lab: {}",
        hook().1
    );

    let file = lab.join("lab.lab");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen(" = ", "   =   ", 1)).unwrap();
    let (code, err) = hook();
    assert_eq!(code, Some(1), "an unformatted file passes: {err}");
    assert!(err.contains("labc fmt lab/"), "{err}");
    std::fs::write(&file, &text).unwrap();

    let tree: Vec<_> = walk_files(&root.join("kubernetes"));
    let victim = tree
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "yaml"))
        .unwrap();
    std::fs::remove_file(victim).unwrap();
    let (code, err) = hook();
    assert_eq!(code, Some(1), "a stale tree passes: {err}");
    assert!(err.contains("labc build lab/ --out kubernetes"), "{err}");
}

fn walk_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk_files(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

tests!(
    language_reference_examples_compile,
    readme_examples_compile,
    app_template_examples_compile,
    from_home_ops_examples_compile,
    ci_recipes_work
);
