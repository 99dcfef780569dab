//! Root cause first, no cascades: a mistake that other components depend on is reported
//! once, where it is, and nothing that reads it reports a follow-on error.
//!
//! Each case of `tests/cascades/` is a lab directory whose `lab.lab` starts with
//! `# expect: E0xxx[, E0yyy]`: exactly the codes of its diagnostics, in the order they are
//! printed (warnings included, so a case expects none unless it says so). Its rendered
//! diagnostics are snapshotted beside it (`tests/cascades/<case>.snap`). The example lab
//! cases (`lab::<name>`) are the example lab with one edit each, with the codes it must
//! print.

use std::path::{Path, PathBuf};

use labc::db::LabDb;
use labc::diag::Severity;

fn cascades_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cascades")
}

/// The codes of the case's first line, `# expect: E0201, E0301`.
fn expected_codes(text: &str) -> Result<Vec<String>, String> {
    let first = text.lines().next().unwrap_or_default();
    let rest = first
        .strip_prefix("# expect:")
        .ok_or_else(|| format!("first line must be `# expect: E0xxx[, E0yyy]`, found `{first}`"))?;
    let codes: Vec<String> = rest
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    match codes
        .iter()
        .find(|c| labc::diag::codes::lookup(c).is_none())
    {
        Some(bad) => Err(format!("`# expect:` names unregistered code `{bad}`")),
        None if codes.is_empty() => Err("`# expect:` names no code".into()),
        None => Ok(codes),
    }
}

/// Compile `sources` as a lab: the codes of its diagnostics in order, the number of
/// errors the summary line counts, and the rendered text.
fn compile(sources: Vec<(String, String)>) -> (Vec<String>, usize, String) {
    let db = LabDb::default();
    let lab = db.load(sources);
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    let codes = diags.iter().map(|d| d.code.to_string()).collect();
    let (errors, _) = labc::diag::formats::counts(&diags);
    assert_eq!(
        errors,
        diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    );
    (codes, errors, labc::diag::render_plain(&db, &diags))
}

fn check_case(case: &Path, name: &str) -> Result<(), String> {
    let sources = labc::cli::read_lab(case)?;
    let main = sources
        .iter()
        .find(|(p, _)| p == "lab.lab")
        .ok_or("a case directory needs a lab.lab")?;
    if sources.len() < 3 {
        return Err("a case spreads its lab over several files (three at least)".into());
    }
    let expected = expected_codes(&main.1)?;
    let (codes, _, rendered) = compile(sources);
    if codes != expected {
        return Err(format!(
            "expected exactly {expected:?}, got {codes:?}:\n{rendered}"
        ));
    }
    crate::quietly(|| {
        insta::with_settings!({
            snapshot_path => cascades_dir(),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, rendered);
        });
    })
    .map_err(|_| format!("snapshot mismatch for `{name}` (see insta's summary above)"))
}

/// The example lab with one edit: in `file`, `from` (found `times` times) becomes `to`
/// at its first `replace` occurrences (all when `None`).
struct Mutation {
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    times: usize,
    replace: Option<usize>,
    expected: &'static [&'static str],
}

const MUTATIONS: &[Mutation] = &[
    // Before: 26 errors (three E0301 at the readers, ~20 E0205 inside the stdlib).
    Mutation {
        name: "misspelled-template",
        file: "data.lab",
        from: "instance shared-postgres = postgres on infra",
        to: "instance shared-postgres = postgress on infra",
        times: 1,
        replace: None,
        expected: &["E0201"],
    },
    // Before: 25 errors (three E0201 and ~22 E0205 inside the stdlib). One unknown name
    // is one error, with its three places.
    Mutation {
        name: "misspelled-reference-three-times",
        file: "data.lab",
        from: "server      = shared-postgres",
        to: "server      = shared-postgre",
        times: 3,
        replace: None,
        expected: &["E0201"],
    },
    Mutation {
        name: "misspelled-reference-once",
        file: "data.lab",
        from: "server      = shared-postgres",
        to: "server      = shared-postgre",
        times: 3,
        replace: Some(1),
        expected: &["E0201"],
    },
    // Before: 2 errors (E0201 and an E0205 follow-on).
    Mutation {
        name: "misspelled-reference-in-a-list",
        file: "security.lab",
        from: "cert-manager.namespace,",
        to: "cert-manger.namespace,",
        times: 1,
        replace: None,
        expected: &["E0201"],
    },
    // Before: 8 errors (four E0201 at the references to `cert-manager`, the name the
    // install would have had, and three E0403 for its CRDs).
    Mutation {
        name: "misspelled-operator",
        file: "security.lab",
        from: "install cert-manager on infra, apps",
        to: "install cert-manger on infra, apps",
        times: 1,
        replace: None,
        expected: &["E0201"],
    },
    // Before: 7 errors (four E0201, two E0403), as above.
    Mutation {
        name: "template-installed",
        file: "security.lab",
        from: "install external-secrets on infra, apps",
        to: "install external-secret on infra, apps",
        times: 1,
        replace: None,
        expected: &["E0207"],
    },
    // Before: 39 errors (an E0201 at each of 34 placements, five E0401 of `via mesh`).
    Mutation {
        name: "misspelled-cluster",
        file: "clusters.lab",
        from: "cluster infra {",
        to: "cluster infr {",
        times: 1,
        replace: None,
        expected: &["E0201"],
    },
    // Before: 4 errors (E0201 and an E0401 at each of three readers on `infra`).
    Mutation {
        name: "component-on-an-unknown-cluster",
        file: "data.lab",
        from: "instance shared-postgres = postgres on infra",
        to: "instance shared-postgres = postgres on infrs",
        times: 1,
        replace: None,
        expected: &["E0201"],
    },
    // Before: 5 errors (one E0204 per use of the module's definitions); the three uses of
    // `postgres-database` are one.
    Mutation {
        name: "module-not-used",
        file: "data.lab",
        from: "use std.cloudnative-pg",
        to: "use std.dragonfly",
        times: 1,
        replace: None,
        expected: &["E0204", "E0204", "E0204"],
    },
    // Before: 6 errors (an E0201 at a reference to the install that does not parse, and
    // four E0403 for the CRDs it installs).
    Mutation {
        name: "unclosed-brace",
        file: "data.lab",
        from: "monitoring.podMonitorEnabled = false\n  }\n}\n",
        to: "monitoring.podMonitorEnabled = false\n  }\n\n",
        times: 1,
        replace: None,
        expected: &["E0101"],
    },
    // Before: 2 errors (an E0201 at the references to the instance that does not parse).
    Mutation {
        name: "dangling-operator",
        file: "data.lab",
        from: "  instances   = 3\n",
        to: "  instances   = 3 +\n",
        times: 1,
        replace: None,
        expected: &["E0101"],
    },
    // Before: 6 errors (an E0205 follow-on first). The E0403 are not follow-ons of the
    // E0401: one per component whose objects need the operator that is not on `infra` any
    // more (the Postgres cluster and its three databases), each listing its kinds.
    Mutation {
        name: "operator-on-the-wrong-cluster",
        file: "data.lab",
        from: "install cloudnative-pg on infra",
        to: "install cloudnative-pg on apps",
        times: 1,
        replace: None,
        expected: &["E0403", "E0403", "E0403", "E0403", "E0401"],
    },
];

fn check_mutation(m: &Mutation) -> Result<(), String> {
    let lab = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab");
    let mut sources = labc::cli::read_lab(&lab)?;
    let (_, text) = sources
        .iter_mut()
        .find(|(p, _)| p == m.file)
        .ok_or_else(|| format!("the example lab has no `{}`", m.file))?;
    let found = text.matches(m.from).count();
    if found != m.times {
        return Err(format!(
            "`{}` occurs {found} time(s) in lab/{}, expected {}: update the case",
            m.from, m.file, m.times
        ));
    }
    *text = text.replacen(m.from, m.to, m.replace.unwrap_or(found));
    let (codes, errors, rendered) = compile(sources);
    if codes != m.expected {
        return Err(format!(
            "expected exactly {:?}, got {codes:?}:\n{rendered}",
            m.expected
        ));
    }
    assert_eq!(errors, m.expected.len());
    Ok(())
}

fn cases() -> Vec<libtest_mimic::Trial> {
    let root = cascades_dir();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no cases in {}", root.display());
    let mut trials: Vec<libtest_mimic::Trial> = dirs
        .into_iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            crate::case(module_path!(), &name.clone(), move || {
                check_case(&dir, &name)
            })
        })
        .collect();
    trials.extend(MUTATIONS.iter().map(|m| {
        crate::case(module_path!(), &format!("lab::{}", m.name), move || {
            check_mutation(m)
        })
    }));
    trials
}

/// The example lab itself has no diagnostic, so every count above is the edit's.
fn the_example_lab_is_clean() {
    let lab = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab");
    let (codes, _, rendered) = compile(labc::cli::read_lab(&lab).expect("lab/ is readable"));
    assert!(codes.is_empty(), "{rendered}");
}

tests!(the_example_lab_is_clean; cases: cases);
