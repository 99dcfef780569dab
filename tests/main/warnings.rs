//! Warnings (the E06xx codes) and `--deny-warnings`: every warning code has a correct
//! variant in `tests/warnings/` (first line `# correct variant of: E06xx`) that compiles
//! with no diagnostic at all (its mistake is a `tests/ui/` fixture); warnings do not
//! depend on file order nor report the stdlib's own definitions; `check` and `build`
//! exit 1 on warnings with `--deny-warnings` (`build` then writes nothing) and 0
//! without; the machine formats carry them as `warning`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use labc::db::LabDb;
use labc::diag::codes::CODES;
use labc::diag::Severity;

fn warnings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/warnings")
}

fn labc(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_labc"))
        .args(args)
        .arg("--color")
        .arg("never")
        .output()
        .expect("run labc")
}

/// The codes and rendering of a lab made of `files`.
fn diagnose(files: Vec<(String, String)>) -> (Vec<&'static str>, String) {
    let db = LabDb::default();
    let lab = db.load(files);
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    let rendered = labc::diag::render_plain(&db, &diags);
    (diags.iter().map(|d| d.code).collect(), rendered)
}

/// The warning codes: every registered code in the E06xx band, which must all be warnings.
fn warning_codes() -> Vec<&'static str> {
    CODES
        .iter()
        .map(|c| c.code)
        .filter(|c| c.starts_with("E06"))
        .collect()
}

/// A lab directory holding the UI fixture `name` of `tests/ui/` as its only file.
fn lab_of_fixture(name: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/ui")
        .join(name);
    std::fs::copy(&from, t.path().join(name)).unwrap();
    t
}

fn correct_variants_have_no_diagnostic() {
    let mut covered = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(warnings_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "lab"))
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# correct variant of: "))
            .unwrap_or_else(|| panic!("{}: no `# correct variant of:` line", path.display()))
            .trim()
            .to_string();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (codes, rendered) = diagnose(vec![(name, text)]);
        assert!(
            codes.is_empty(),
            "{}: expected no diagnostic:\n{rendered}",
            path.display()
        );
        covered.push(code);
    }
    for code in warning_codes() {
        assert!(
            covered.iter().any(|c| c == code),
            "no correct variant of {code} in tests/warnings/"
        );
    }
}

/// The E06xx codes of the UI fixtures are all reported as warnings, never errors.
fn warning_codes_are_warnings() {
    for (fixture, code) in [
        ("e0601-unused-use.lab", "E0601"),
        ("e0602-unused-definitions.lab", "E0602"),
        ("e0603-octal-looking-integer.lab", "E0603"),
        ("e0604-restated-defaults.lab", "E0604"),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/ui")
            .join(fixture);
        let text = std::fs::read_to_string(path).unwrap();
        let db = LabDb::default();
        let lab = db.load(vec![(fixture.to_string(), text)]);
        let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
        assert!(diags.iter().any(|d| d.code == code), "{fixture}");
        for d in &diags {
            assert_eq!(d.code.starts_with("E06"), d.severity == Severity::Warning);
        }
    }
}

const LAB: &str = r#"lab home { domain = "example.com", git = "https://github.com/me/lab" }

cluster infra {
  id       = 1
  api      = "infra.example.com"
  pods     = 10.244.0.0/16
  services = 10.245.0.0/16
}
"#;

const TEMPLATE: &str = r#"template settings(owner: string) {
  resource "v1" ConfigMap "settings" { data.owner = owner }
}
"#;

/// A definition used from another file is used whichever file comes first, and an
/// unused one is reported the same way in both orders.
fn file_order_does_not_matter() {
    let user =
        format!("use FROM\n\n{LAB}\ninstance web = settings on infra {{ owner = \"web-team\" }}\n");
    for (def_file, user_file) in [("a.lab", "z.lab"), ("z.lab", "a.lab")] {
        let module = def_file.trim_end_matches(".lab");
        let files = vec![
            (def_file.to_string(), TEMPLATE.to_string()),
            (user_file.to_string(), user.replace("FROM", module)),
        ];
        let (codes, rendered) = diagnose(files);
        assert!(
            codes.is_empty(),
            "{def_file} used by {user_file}:\n{rendered}"
        );

        let unused = format!("{TEMPLATE}\ntemplate spare(n: int) {{ namespace = \"x\" }}\n");
        let files = vec![
            (def_file.to_string(), unused),
            (user_file.to_string(), user.replace("FROM", module)),
        ];
        let (codes, rendered) = diagnose(files);
        assert_eq!(
            codes,
            ["E0602"],
            "{def_file} used by {user_file}:\n{rendered}"
        );
        assert!(
            rendered.contains("template `spare` is never used"),
            "{rendered}"
        );
    }
}

/// The stdlib defines far more than any lab uses: none of it is reported, nor a use in
/// the stdlib itself.
fn stdlib_is_not_warned_about() {
    let (codes, rendered) = diagnose(vec![("lab.lab".to_string(), LAB.to_string())]);
    assert!(codes.is_empty(), "{rendered}");
}

fn deny_warnings_fails_check() {
    let t = lab_of_fixture("e0602-unused-definitions.lab");
    let dir = t.path();
    let out = labc(&[Path::new("check"), dir]);
    assert_eq!(out.status.code(), Some(0), "warnings alone pass");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning[E0602]"), "{stderr}");
    assert!(
        stderr.contains("labc: 0 error(s), 3 warning(s)"),
        "{stderr}"
    );

    let out = labc(&[Path::new("check"), dir, Path::new("--deny-warnings")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("labc: 3 warning(s) denied by --deny-warnings"),
        "{stderr}"
    );

    // A lab without warnings passes with the flag too.
    let clean = tempfile::tempdir().unwrap();
    std::fs::write(clean.path().join("lab.lab"), LAB).unwrap();
    let out = labc(&[
        Path::new("check"),
        clean.path(),
        Path::new("--deny-warnings"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

fn deny_warnings_build_writes_nothing() {
    let t = lab_of_fixture("e0601-unused-use.lab");
    let out_dir = t.path().join("out");
    let lab = t.path().join("lab");
    std::fs::create_dir(&lab).unwrap();
    std::fs::rename(t.path().join("e0601-unused-use.lab"), lab.join("lab.lab")).unwrap();
    let args = [Path::new("build"), &lab, Path::new("--out"), &out_dir];

    let mut denied = args.to_vec();
    denied.push(Path::new("--deny-warnings"));
    let out = labc(&denied);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("labc: 1 warning(s) denied by --deny-warnings; nothing written"),
        "{stderr}"
    );
    assert!(!out_dir.exists(), "nothing may be written");

    let mut checked = denied.clone();
    checked.push(Path::new("--check"));
    let out = labc(&checked);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("denied by --deny-warnings; OUT not compared"),
        "{stderr}"
    );

    let out = labc(&args);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out_dir.join(".labc-manifest").is_file());
}

/// `--format json` carries a warning as `warning` and counts it; `--deny-warnings` still
/// decides the exit code.
fn machine_formats_report_warnings() {
    let t = lab_of_fixture("e0601-unused-use.lab");
    let args = [
        Path::new("check"),
        t.path(),
        Path::new("--format"),
        Path::new("json"),
    ];
    let out = labc(&args);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &json["diagnostics"][0];
    assert_eq!(d["code"], "E0601", "{json}");
    assert_eq!(d["severity"], "warning", "{json}");
    assert_eq!(json["summary"]["warnings"], 1, "{json}");

    let mut denied = args.to_vec();
    denied.push(Path::new("--deny-warnings"));
    assert_eq!(labc(&denied).status.code(), Some(1));

    let github = labc(&[
        Path::new("check"),
        t.path(),
        Path::new("--format"),
        Path::new("github"),
    ]);
    let text = String::from_utf8_lossy(&github.stdout);
    assert!(text.starts_with("::warning "), "{text}");
}

tests!(
    correct_variants_have_no_diagnostic,
    warning_codes_are_warnings,
    file_order_does_not_matter,
    stdlib_is_not_warned_about,
    deny_warnings_fails_check,
    deny_warnings_build_writes_nothing,
    machine_formats_report_warnings,
);
