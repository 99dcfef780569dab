//! Correct variants of errors: each case of `tests/correct/` (a `.lab` file, or a
//! directory of a lab whose `lab.lab` carries the line) starts with
//! `# correct variant of: E0xxx[, E0yyy]` and must compile with no diagnostic at all. It
//! is the near miss of a `tests/ui/` fixture: the same shape written right, so a check
//! that fires too eagerly fails here. (Warnings keep theirs in `tests/warnings/`.)

use std::path::{Path, PathBuf};

use labc::db::LabDb;

fn correct_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/correct")
}

/// The codes of the case's first line, each registered and an error.
fn variant_of(text: &str) -> Result<Vec<&'static str>, String> {
    let first = text.lines().next().unwrap_or_default();
    let rest = first.strip_prefix("# correct variant of:").ok_or_else(|| {
        format!("first line must be `# correct variant of: E0xxx`, found `{first}`")
    })?;
    let mut codes = Vec::new();
    for code in rest.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let known = labc::diag::codes::lookup(code)
            .ok_or_else(|| format!("`{code}` is not a registered code"))?;
        codes.push(known.code);
    }
    if codes.is_empty() {
        return Err("`# correct variant of:` names no code".into());
    }
    Ok(codes)
}

fn check_case(path: &Path) -> Result<(), String> {
    let (text, sources) = if path.is_dir() {
        let sources = labc::cli::read_lab(path)?;
        let main = sources
            .iter()
            .find(|(p, _)| p == "lab.lab")
            .ok_or("a case directory needs a lab.lab")?;
        (main.1.clone(), sources)
    } else {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
        (text.clone(), vec![(name.into_owned(), text)])
    };
    variant_of(&text)?;
    let db = LabDb::default();
    let lab = db.load(sources);
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    if diags.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "expected no diagnostic, got:\n{}",
            labc::diag::render_plain(&db, &diags)
        ))
    }
}

fn case_paths() -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(correct_dir()) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "lab"))
        .collect();
    out.sort();
    out
}

/// One test per case, named by its file stem or directory name.
fn cases() -> Vec<libtest_mimic::Trial> {
    case_paths()
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            crate::case(module_path!(), &name, move || check_case(&path))
        })
        .collect()
}

/// Every code a case names also has a `tests/ui/` fixture expecting it, so each correct
/// variant stands beside its mistake.
fn every_case_has_its_mistake() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut expected = String::new();
    for entry in std::fs::read_dir(&ui).unwrap() {
        let path = entry.unwrap().path();
        let main = if path.is_dir() {
            path.join("lab.lab")
        } else {
            path
        };
        if main.extension().is_some_and(|e| e == "lab") {
            let text = std::fs::read_to_string(&main).unwrap_or_default();
            expected.push_str(text.lines().next().unwrap_or_default());
            expected.push('\n');
        }
    }
    for path in case_paths() {
        let main = if path.is_dir() {
            path.join("lab.lab")
        } else {
            path.clone()
        };
        let text = std::fs::read_to_string(&main).unwrap();
        for code in variant_of(&text).unwrap_or_default() {
            assert!(
                expected
                    .lines()
                    .any(|l| l.starts_with("# expect:") && l.contains(code)),
                "{}: no tests/ui/ fixture expects {code}",
                path.display()
            );
        }
    }
}

tests!(every_case_has_its_mistake; cases: cases);
