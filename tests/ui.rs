//! Diagnostic snapshot tests: one `.lab` fixture per case under `tests/ui/`, its rendered
//! plain-text diagnostics snapshotted beside it (`tests/ui/<stem>.snap`).
//!
//! Each fixture is loaded alone as the lab, under its file name (so rendered paths are
//! stable), and must start with a comment line `# expect: E0xxx[, E0yyy]` naming codes
//! that all appear in its diagnostics. A case that needs several files (a manifest, two
//! modules) is a directory `tests/ui/<name>/` whose `lab.lab` starts with that line.
//!
//! Update the snapshots with `INSTA_UPDATE=always cargo test --test ui`.

use std::panic::{self, AssertUnwindSafe};
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
        let (_, diags) = labc::emit::compile_with_diagnostics(&db, lab);
        let rendered = labc::diag::render_plain(&db, &diags);
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
    // backtrace per mismatch. (This binary runs a single test, so the global hook is ours.)
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let snapshot = panic::catch_unwind(AssertUnwindSafe(|| {
        insta::with_settings!({
            snapshot_path => dir,
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(stem.as_str(), rendered);
        });
    }));
    panic::set_hook(hook);
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

#[test]
fn ui() {
    let dir = ui_dir();
    let fixtures = fixtures(&dir);
    assert!(!fixtures.is_empty(), "no fixtures in {}", dir.display());
    let mut failures = Vec::new();
    for path in &fixtures {
        if let Err(e) = check_fixture(&dir, path) {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixture(s) failed:\n  {}",
        failures.len(),
        fixtures.len(),
        failures.join("\n  ")
    );
}
