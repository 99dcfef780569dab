//! User sites: no diagnostic of a `tests/ui/` fixture has its primary label in the
//! stdlib (`std/...`), because an error raised while a stdlib definition is evaluated for
//! a component points at the lab's line (the argument whose value failed, else the
//! component's declaration), with the stdlib's line as a secondary label. And the example
//! lab with an operator on the wrong cluster gets its `E0403` at its own instances, with
//! the line to add.

use std::path::{Path, PathBuf};

use labc::db::LabDb;
use labc::diag::Diag;

/// Fixtures that test a wrong stdlib definition itself, where the stdlib's line is the
/// one to fix. None so far: the stdlib is checked on its own by `check_definition`, and
/// a fixture cannot change it. Each entry: (fixture name, why).
const EXEMPT: &[(&str, &str)] = &[];

/// The `.lab` fixtures and fixture directories of `tests/ui/`, sorted.
fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "lab"))
        .collect();
    out.sort();
    out
}

/// The lab files of a fixture: a directory's files, or the one file under its name.
fn sources(path: &Path) -> Vec<(String, String)> {
    if path.is_dir() {
        labc::cli::read_lab(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    } else {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let text = std::fs::read_to_string(path).expect("readable fixture");
        vec![(name.into_owned(), text)]
    }
}

/// The diagnostics of a lab, with the database that renders their paths.
fn compile(sources: Vec<(String, String)>) -> (LabDb, Vec<Diag>) {
    let db = LabDb::default();
    let lab = db.load(sources);
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    (db, diags)
}

fn no_primary_label_in_the_stdlib() {
    let mut problems = Vec::new();
    let fixtures = fixtures();
    assert!(fixtures.len() > 100, "too few fixtures found");
    for path in fixtures {
        let name = path.file_stem().unwrap_or_default().to_string_lossy();
        if EXEMPT.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let (db, diags) = compile(sources(&path));
        for d in &diags {
            let file = d.primary.file.path(&db);
            if file.starts_with("std/") {
                problems.push(format!("{name}: [{}] {} at {file}", d.code, d.message));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "primary labels in the stdlib (point them at the lab's line):\n{}",
        problems.join("\n")
    );
}

/// The exemptions name fixtures that exist, each with its reason.
fn exemptions_are_fixtures() {
    let names: Vec<String> = fixtures()
        .iter()
        .map(|p| {
            p.file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for (name, why) in EXEMPT {
        assert!(names.iter().any(|n| n == name), "no fixture `{name}`");
        assert!(!why.is_empty(), "`{name}` is exempt without a reason");
    }
}

/// The example lab with the database operator installed on the wrong cluster: every
/// `E0403` is at a lab file, names the operator definition and the line to add, and
/// keeps the stdlib's resource line as a secondary label.
fn example_lab_with_the_operator_elsewhere() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab");
    let mut sources = labc::cli::read_lab(&dir).expect("the example lab");
    let (install, moved) = (
        "install cloudnative-pg on infra",
        "install cloudnative-pg on apps",
    );
    let data = sources
        .iter_mut()
        .find(|(p, t)| p == "data.lab" && t.contains(install))
        .expect("lab/data.lab installs the operator on infra");
    data.1 = data.1.replace(install, moved);
    let (db, diags) = compile(sources);
    let missing: Vec<&Diag> = diags.iter().filter(|d| d.code == "E0403").collect();
    assert!(!missing.is_empty(), "no E0403 reported");
    for d in missing {
        let file = d.primary.file.path(&db);
        assert!(!file.starts_with("std/"), "E0403 at {file}: {}", d.message);
        assert_eq!(
            d.help.as_deref(),
            Some("`cloudnative-pg` ships this CRD: add `install cloudnative-pg on infra`"),
            "{}",
            d.message
        );
        assert!(
            d.secondary
                .iter()
                .any(|l| l.file.path(&db).starts_with("std/")),
            "no secondary label at the stdlib's resource: {}",
            d.message
        );
    }
}

tests!(
    no_primary_label_in_the_stdlib,
    exemptions_are_fixtures,
    example_lab_with_the_operator_elsewhere
);
