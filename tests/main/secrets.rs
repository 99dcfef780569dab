//! The plaintext-secret check (E0304) as data: every line of a leak fixture marked
//! `# leak` gets exactly one E0304 whose primary label starts on it, and no other line
//! does; every legitimate variant under `tests/secrets/` compiles without a diagnostic.
//!
//! Leak fixtures are the `tests/ui/e0304-*` cases with at least one marker (their
//! renderings are snapshotted by `tests/main/ui.rs`); YAML documents are marked on their
//! `---` line, where a manifest's diagnostics point. Each fixture and variant is a test of
//! its own: `secrets::leaks::<fixture>`, `secrets::clean::<variant>`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use labc::db::LabDb;

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

/// The sources of a fixture: a single `.lab` file, or a directory read as a lab.
fn sources(path: &Path) -> Vec<(String, String)> {
    if path.is_dir() {
        labc::cli::read_lab(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    } else {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        vec![(name, text)]
    }
}

fn entries(d: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with(prefix) && (p.is_dir() || name.ends_with(".lab"))
        })
        .collect();
    out.sort();
    out
}

/// (file, 1-based line) -> count, of the lines marked `# leak`.
fn markers(sources: &[(String, String)]) -> BTreeMap<(String, usize), usize> {
    let mut out = BTreeMap::new();
    for (path, text) in sources {
        for (i, line) in text.lines().enumerate() {
            if line.contains("# leak") {
                *out.entry((path.clone(), i + 1)).or_default() += 1;
            }
        }
    }
    out
}

/// The diagnostics of a lab: (code, file, line of the primary label, message).
fn diagnostics(sources: Vec<(String, String)>) -> Vec<(String, String, usize, String)> {
    let db = LabDb::default();
    let lab = db.load(sources);
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    diags
        .iter()
        .map(|d| {
            let text = d.primary.file.text(&db);
            let start = (d.primary.span.start as usize).min(text.len());
            let line = text[..start].matches('\n').count() + 1;
            let path = d.primary.file.path(&db).clone();
            (d.code.to_string(), path, line, d.message.clone())
        })
        .collect()
}

/// The leak fixtures: the `tests/ui/e0304-*` cases with at least one marker.
fn leak_fixtures() -> Vec<PathBuf> {
    entries(&dir("ui"), "e0304-")
        .into_iter()
        .filter(|path| !markers(&sources(path)).is_empty())
        .collect()
}

/// Every marked line of the leak fixture gets one E0304 there, and no other line.
fn check_leaks(path: &Path) -> Result<(), String> {
    let sources = sources(path);
    let expected = markers(&sources);
    let mut failures = Vec::new();
    let mut got = BTreeMap::new();
    for (code, file, line, message) in diagnostics(sources) {
        if code != "E0304" {
            failures.push(format!("unexpected {code} at {file}:{line}: {message}"));
            continue;
        }
        *got.entry((file, line)).or_insert(0usize) += 1;
    }
    if got != expected {
        failures.push(format!("\n    marked   {expected:?}\n    reported {got:?}"));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{}: {}", path.display(), failures.join("\n")))
    }
}

/// A legitimate variant compiles without a diagnostic.
fn check_clean(path: &Path) -> Result<(), String> {
    let failures: Vec<String> = diagnostics(sources(path))
        .into_iter()
        .map(|(code, file, line, message)| format!("{code} at {file}:{line}: {message}"))
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{}: {}", path.display(), failures.join("\n")))
    }
}

fn case_name(path: &Path) -> String {
    let name = path.file_name().unwrap().to_string_lossy();
    name.strip_suffix(".lab").unwrap_or(&name).to_string()
}

/// `secrets::leaks::<fixture>` for each leak fixture, `secrets::clean::<variant>` for each
/// legitimate variant.
fn cases() -> Vec<libtest_mimic::Trial> {
    let leaks = leak_fixtures().into_iter().map(|path| {
        let name = format!("leaks::{}", case_name(&path));
        crate::case(module_path!(), &name, move || check_leaks(&path))
    });
    let clean = entries(&dir("secrets"), "").into_iter().map(|path| {
        let name = format!("clean::{}", case_name(&path));
        crate::case(module_path!(), &name, move || check_clean(&path))
    });
    leaks.chain(clean).collect()
}

/// The fixtures above are found, not assumed: the leak check has enough to check.
fn the_fixtures_are_found() {
    let leaks = leak_fixtures().len();
    assert!(leaks >= 8, "only {leaks} leak fixtures found");
    assert!(
        !entries(&dir("secrets"), "").is_empty(),
        "no legitimate variants in tests/secrets/"
    );
}

tests!(the_fixtures_are_found; cases: cases);
