//! `labc pin LAB-DIR` on a temporary copy of a small lab (the lab of the build case
//! `tests/build/chart-pins` without its versions.lab): the file it writes (the stdlib's
//! charts, formatted, checked by labc, the same output as without it), an existing
//! file kept byte for byte with only the missing pins added, `--check`, pins in other
//! files, and the refusals that write nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temp dir holding the small lab in `lab/`.
fn setup() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let lab = t.path().join("lab");
    std::fs::create_dir(&lab).unwrap();
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/build/chart-pins");
    std::fs::copy(case.join("lab.lab"), lab.join("lab.lab")).unwrap();
    (t, lab)
}

fn labc(args: &[&str], lab: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_labc"))
        .args(args)
        .arg(lab)
        .arg("--color=never")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// The chart a stdlib file declares, as written there.
fn std_chart(module: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("stdlib/{module}.lab"));
    let src = read(&path);
    let line = src
        .lines()
        .find(|l| l.trim_start().starts_with("chart "))
        .unwrap();
    line.split_once('=').unwrap().1.trim().to_string()
}

/// The files of a built tree, by relative path.
fn tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, read(&p)));
            }
        }
    }
    out.sort();
    out
}

fn pin_writes_the_stdlib_charts_the_lab_uses() {
    let (t, lab) = setup();
    let before = labc(
        &["build", "--out", t.path().join("a").to_str().unwrap()],
        &lab,
    );
    assert_eq!(before.status.code(), Some(0), "{}", text(&before.stderr));
    let o = labc(&["pin"], &lab);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let written = read(&lab.join("versions.lab"));
    // Every chart-installing definition the lab reaches (app-template through an
    // include and an instance), sorted, with the stdlib's text; nothing else.
    let pins: Vec<&str> = written
        .lines()
        .filter(|l| l.starts_with("  "))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(pins, ["app-template", "reloader", "spegel"], "{written}");
    for m in ["app-template", "reloader", "spegel"] {
        assert!(written.contains(&std_chart(m)), "{m} in {written}");
    }
    assert!(written.starts_with("# "), "a header comment: {written}");
    // Formatted as `labc fmt` formats it, and a clean lab.
    let f = labc(&["fmt", "--check"], &lab.join("versions.lab"));
    assert_eq!(
        f.status.code(),
        Some(0),
        "{}{}",
        text(&f.stdout),
        text(&f.stderr)
    );
    let c = labc(&["check"], &lab);
    assert_eq!(c.status.code(), Some(0), "{}", text(&c.stderr));
    assert_eq!(text(&c.stderr), "", "no diagnostic at all");
    // The pins are the stdlib's defaults: the output does not change.
    let after = labc(
        &["build", "--out", t.path().join("b").to_str().unwrap()],
        &lab,
    );
    assert_eq!(after.status.code(), Some(0), "{}", text(&after.stderr));
    assert_eq!(tree(&t.path().join("a")), tree(&t.path().join("b")));
    // Nothing left beside it (the temporary file was renamed).
    let names: Vec<String> = std::fs::read_dir(&lab)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

fn an_existing_file_keeps_every_byte_and_gains_only_the_missing_pins() {
    let (_t, lab) = setup();
    // The user's style (no alignment, a comment, a bumped version) is theirs.
    let old = "# mine: do not touch\npins {\n  reloader = oci(\"oci://ghcr.io/stakater/charts/reloader\", \"9.9.9\") # bumped\n}\n";
    std::fs::write(lab.join("versions.lab"), old).unwrap();
    let o = labc(&["pin"], &lab);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let new = read(&lab.join("versions.lab"));
    assert!(new.starts_with(old), "{new}");
    let added = &new[old.len()..];
    assert!(!added.contains("reloader"), "{added}");
    assert!(added.contains(&format!("app-template = {}", std_chart("app-template"))));
    assert!(added.contains(&format!("spegel       = {}", std_chart("spegel"))));
    let c = labc(&["check"], &lab);
    assert_eq!(c.status.code(), Some(0), "{}", text(&c.stderr));
    let f = labc(&["fmt", "--check"], &lab.join("versions.lab"));
    assert_eq!(
        f.status.code(),
        Some(0),
        "{}{}",
        text(&f.stdout),
        text(&f.stderr)
    );
    // A second run has nothing to add and leaves the file as it is.
    let again = labc(&["pin"], &lab);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(read(&lab.join("versions.lab")), new);
}

fn check_lists_the_missing_pins_and_writes_nothing() {
    let (_t, lab) = setup();
    let o = labc(&["pin", "--check"], &lab);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let listed: Vec<&str> = out
        .lines()
        .map(|l| l.split(" = ").next().unwrap())
        .collect();
    assert_eq!(listed, ["app-template", "reloader", "spegel"], "{out}");
    assert!(!lab.join("versions.lab").exists());
    assert_eq!(labc(&["pin"], &lab).status.code(), Some(0));
    let o = labc(&["pin", "--check"], &lab);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "");
}

fn a_pin_in_another_file_is_not_written_again() {
    let (_t, lab) = setup();
    let mine = "pins {\n  spegel = oci(\"oci://mirror.example.com/charts/spegel\", \"0.4.1\")\n}\n";
    std::fs::write(lab.join("mirror.lab"), mine).unwrap();
    assert_eq!(labc(&["pin"], &lab).status.code(), Some(0));
    let written = read(&lab.join("versions.lab"));
    assert!(!written.contains("spegel"), "{written}");
    assert_eq!(read(&lab.join("mirror.lab")), mine);
    let c = labc(&["check"], &lab);
    assert_eq!(c.status.code(), Some(0), "{}", text(&c.stderr));
}

fn refusals_write_nothing() {
    // A syntax error: a lost component may need a pin.
    let (_t, lab) = setup();
    std::fs::write(lab.join("broken.lab"), "install reloader on {\n").unwrap();
    let o = labc(&["pin"], &lab);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("nothing was written"),
        "{}",
        text(&o.stderr)
    );
    assert!(!lab.join("versions.lab").exists());
    // A versions.lab that is not a regular file is not replaced.
    let (_t2, lab) = setup();
    std::fs::create_dir(lab.join("versions.lab")).unwrap();
    let o = labc(&["pin"], &lab);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(lab.join("versions.lab").is_dir());
    // No lab directory.
    let o = labc(&["pin"], Path::new("/nonexistent/lab"));
    assert_eq!(o.status.code(), Some(2));
}

tests!(
    pin_writes_the_stdlib_charts_the_lab_uses,
    an_existing_file_keeps_every_byte_and_gains_only_the_missing_pins,
    check_lists_the_missing_pins_and_writes_nothing,
    a_pin_in_another_file_is_not_written_again,
    refusals_write_nothing,
);
