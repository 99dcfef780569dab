//! Diagnostic snapshot tests: one `.lab` fixture per case under `tests/ui/`, its rendered
//! plain-text diagnostics snapshotted beside it (`tests/ui/<stem>.snap`).
//!
//! Each fixture is loaded alone as the lab, under its file name (so rendered paths are
//! stable), and must start with a comment line `# expect: E0xxx[, E0yyy]` naming codes
//! that all appear in its diagnostics. A case that needs several files (a manifest, two
//! modules) is a directory `tests/ui/<name>/` whose `lab.lab` starts with that line.
//!
//! Each fixture is a test of its own, named `ui::<stem>`: `cargo test e0402` runs the
//! fixtures whose name contains `e0402`. Update their snapshots with
//! `INSTA_UPDATE=always cargo test --test main ui::`.

use std::collections::BTreeSet;
use std::panic;
use std::path::{Path, PathBuf};

use labc::db::LabDb;

fn ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("ui")
}

/// The `.lab` fixtures and fixture directories, sorted by name.
fn fixtures(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "lab"))
        .collect();
    out.sort();
    out
}

/// The codes of the fixture's first line, `# expect: E0101, E0201`.
fn expected_codes(text: &str) -> Result<Vec<String>, String> {
    let first = text.lines().next().unwrap_or_default();
    let rest = first
        .strip_prefix('#')
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix("expect:"))
        .ok_or_else(|| format!("first line must be `# expect: E0xxx[, E0yyy]`, found `{first}`"))?;
    let codes: Vec<String> = rest
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if codes.is_empty() {
        return Err("`# expect:` names no code".into());
    }
    if let Some(bad) = codes
        .iter()
        .find(|c| labc::diag::codes::lookup(c).is_none())
    {
        return Err(format!("`# expect:` names unregistered code `{bad}`"));
    }
    Ok(codes)
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        "panic with a non-string payload".into()
    }
}

/// Check one fixture; `Err` describes every problem found.
fn check_fixture(dir: &Path, path: &Path) -> Result<(), String> {
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("fixture name is not UTF-8")?
        .to_string();
    let stem = path
        .file_stem()
        .and_then(|n| n.to_str())
        .ok_or("fixture name is not UTF-8")?
        .to_string();
    let (text, sources) = if path.is_dir() {
        let sources = labc::cli::read_lab(path)?;
        let main = sources
            .iter()
            .find(|(p, _)| p == "lab.lab")
            .ok_or("a fixture directory needs a lab.lab")?;
        (main.1.clone(), sources)
    } else {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
        (text.clone(), vec![(file_name.clone(), text)])
    };

    let compiled = panic::catch_unwind(|| {
        let db = LabDb::default();
        let lab = db.load(sources.clone());
        let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
        let rendered = labc::diag::render_plain(&db, &diags);
        // `labc check` and `build` check without emitting: the same diagnostics.
        let fresh = LabDb::default();
        let again = fresh.load(sources.clone());
        let checked = labc::compile::check_with_diagnostics(&fresh, again);
        assert_eq!(
            labc::diag::render_plain(&fresh, &checked),
            rendered,
            "check_with_diagnostics differs from compile_with_diagnostics"
        );
        // And so does the lean build, which drops each cluster's evaluations when done.
        let mut lean_db = LabDb::default();
        let lean_lab = lean_db.load(sources.clone());
        let ignore = |_: &indexmap::IndexMap<String, String>| Ok::<(), ()>(());
        let (_, lean) = labc::compile::build_clusters(&mut lean_db, lean_lab, 2, &ignore)
            .expect("nothing to write");
        assert_eq!(
            labc::diag::render_plain(&lean_db, &lean),
            rendered,
            "the lean build's diagnostics differ from compile_with_diagnostics"
        );
        let codes: Vec<&'static str> = diags.iter().map(|d| d.code).collect();
        (rendered, codes)
    });
    let (rendered, codes) =
        compiled.map_err(|p| format!("the compiler panicked: {}", panic_message(&*p)))?;

    let mut problems = Vec::new();
    if codes.is_empty() {
        problems.push("produced no diagnostic".to_string());
    }
    match expected_codes(&text) {
        Ok(expected) => {
            let missing: Vec<&String> = expected
                .iter()
                .filter(|c| {
                    !codes.iter().any(|got| got == c) || !rendered.contains(&format!("[{c}]"))
                })
                .collect();
            if !missing.is_empty() {
                problems.push(format!(
                    "expected code(s) {missing:?} not reported; got {codes:?}"
                ));
            }
        }
        Err(e) => problems.push(e),
    }

    // insta prints its own summary before it panics; keep the panic hook from adding a
    // backtrace per mismatch.
    let snapshot = crate::quietly(|| {
        insta::with_settings!({
            snapshot_path => dir,
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(stem.as_str(), rendered);
        });
    });
    if let Err(p) = snapshot {
        let msg = panic_message(&*p);
        problems.push(format!(
            "snapshot mismatch: {}",
            msg.lines().next().unwrap_or_default()
        ));
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// One test per fixture, named by its file stem or directory name.
fn cases() -> Vec<libtest_mimic::Trial> {
    let dir = ui_dir();
    fixtures(&dir)
        .into_iter()
        .map(|path| {
            let name = fixture_name(&path);
            let dir = dir.clone();
            crate::case(module_path!(), &name, move || check_fixture(&dir, &path))
        })
        .collect()
}

fn fixture_name(path: &Path) -> String {
    let name = if path.is_dir() {
        path.file_name()
    } else {
        path.file_stem()
    };
    name.unwrap_or_default().to_string_lossy().into_owned()
}

/// Every registered code has a fixture whose `# expect:` line names it. (That every code
/// a fixture names is registered is checked per fixture.)
fn every_code_has_a_fixture() {
    let dir = ui_dir();
    let fixtures = fixtures(&dir);
    assert!(!fixtures.is_empty(), "no fixtures in {}", dir.display());
    let mut named = BTreeSet::new();
    for path in &fixtures {
        let main = if path.is_dir() {
            path.join("lab.lab")
        } else {
            path.clone()
        };
        let text = std::fs::read_to_string(&main).unwrap_or_default();
        named.extend(expected_codes(&text).unwrap_or_default());
    }
    let missing: Vec<&str> = labc::diag::codes::CODES
        .iter()
        .map(|c| c.code)
        .filter(|c| !named.contains(*c))
        .collect();
    assert!(
        missing.is_empty(),
        "no fixture in tests/ui/ expects {missing:?}: add one (`# expect: {}` on its first line)",
        missing.first().copied().unwrap_or_default()
    );
}

tests!(every_code_has_a_fixture; cases: cases);
