//! `labc build --check` and `labc diff`, on the real binary. The diff cases are data:
//! `tests/diff/<case>/before/` and `after/` are labs; each case builds `before` into a
//! temp OUT and snapshots `labc diff after --against OUT` as text and Markdown beside the
//! case (`tests/diff/<case>-text.snap`, `<case>-markdown.snap`), as `diff::<case>`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diff")
}

fn labc_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_labc"))
        .args(args)
        .arg("--color=never")
        .current_dir(cwd)
        .output()
        .expect("labc runs")
}

fn labc(args: &[&str]) -> Output {
    labc_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

fn case_lab(case: &str, side: &str) -> PathBuf {
    root().join(case).join(side)
}

/// Build `lab` into `out` and expect success.
fn build(lab: &Path, out: &Path) {
    let o = labc(&["build", s(lab), "--out", s(out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

fn check(lab: &Path, out: &Path) -> Output {
    labc(&["build", "--check", s(lab), "--out", s(out)])
}

/// Every entry under `dir` (its parent's too, where a lock or leftover would appear) with
/// its bytes and modification time.
type Snapshot = BTreeMap<PathBuf, (Vec<u8>, Option<SystemTime>)>;

fn snapshot(dir: &Path) -> Snapshot {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        let bytes = if meta.is_file() {
            std::fs::read(entry.path()).unwrap()
        } else {
            Vec::new()
        };
        out.insert(entry.path().to_path_buf(), (bytes, meta.modified().ok()));
    }
    out
}

fn build_check_is_0_when_current_and_ignores_the_users_files() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let lab = case_lab("changed-field", "before");
    build(&lab, &out);
    let o = check(&lab, &out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("is up to date"), "{}", stderr(&o));
    std::fs::write(out.join("README.md"), "mine").unwrap();
    std::fs::create_dir_all(out.join("clusters/home/notes")).unwrap();
    std::fs::write(out.join("clusters/home/notes/x.yaml"), "a: 1\n").unwrap();
    let o = check(&lab, &out);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

fn build_check_is_1_and_lists_changed_added_and_removed_files() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    build(&case_lab("changed-field", "before"), &out);
    let o = check(&case_lab("changed-field", "after"), &out);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "~ clusters/home/web/app/configmap.yaml\n~ clusters/home/web/app/deployment.yaml\n"
    );
    assert!(stderr(&o).contains("is stale"), "{}", stderr(&o));

    let out = t.path().join("out2");
    build(&case_lab("added-removed-component", "before"), &out);
    let o = check(&case_lab("added-removed-component", "after"), &out);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "~ .labc-manifest\n\
         + clusters/home/api/app/kustomization.yaml\n\
         + clusters/home/api/app/service.yaml\n\
         + clusters/home/api/ks.yaml\n\
         ~ clusters/home/kustomization.yaml\n\
         - clusters/home/legacy/app/configmap.yaml\n\
         - clusters/home/legacy/app/kustomization.yaml\n\
         - clusters/home/legacy/ks.yaml\n\
         + clusters/home/namespace-api/app/kustomization.yaml\n\
         + clusters/home/namespace-api/app/namespace.yaml\n\
         + clusters/home/namespace-api/ks.yaml\n\
         - clusters/home/namespace-legacy/app/kustomization.yaml\n\
         - clusters/home/namespace-legacy/app/namespace.yaml\n\
         - clusters/home/namespace-legacy/ks.yaml\n"
    );
}

fn build_check_of_a_missing_out_is_1_with_every_file_added() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("never-built");
    let lab = case_lab("changed-field", "before");
    let o = check(&lab, &out);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert!(lines.contains(&"+ .labc-manifest".to_string()), "{lines:?}");
    assert!(
        lines.contains(&"+ clusters/home/web/app/deployment.yaml".to_string()),
        "{lines:?}"
    );
    assert!(lines.iter().all(|l| l.starts_with("+ ")), "{lines:?}");
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
    assert!(!out.exists(), "build --check created OUT");
    assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 0);
    // Built, it lists exactly those files (and its manifest).
    build(&lab, &out);
    let manifest = std::fs::read_to_string(out.join(".labc-manifest")).unwrap();
    let mut written: Vec<String> = manifest.lines().map(|l| format!("+ {l}")).collect();
    written.push("+ .labc-manifest".into());
    written.sort();
    assert_eq!(lines, written);
}

fn build_check_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    build(&case_lab("added-removed-component", "before"), &out);
    std::fs::write(out.join("mine.txt"), "mine").unwrap();
    let before = snapshot(t.path());
    for side in ["before", "after"] {
        let o = check(&case_lab("added-removed-component", side), &out);
        assert!(o.status.code().is_some_and(|c| c < 2), "{}", stderr(&o));
    }
    assert_eq!(
        snapshot(t.path()),
        before,
        "build --check changed OUT or its parent"
    );
}

fn build_check_of_a_lab_with_errors_is_1_with_its_diagnostics() {
    let t = tempfile::tempdir().unwrap();
    let lab = t.path().join("lab");
    std::fs::create_dir(&lab).unwrap();
    let text = std::fs::read_to_string(case_lab("changed-field", "before").join("lab.lab"))
        .unwrap()
        .replace("replicas = 2", "replicas = nowhere");
    std::fs::write(lab.join("lab.lab"), text).unwrap();
    let out = t.path().join("out");
    let o = check(&lab, &out);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error["), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert!(!out.exists());
}

/// One diff case: build `before`, diff `after` against it in both formats.
fn diff_case(case: &str) -> Result<(), String> {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    build(&case_lab(case, "before"), &out);
    let after = case_lab(case, "after");
    for format in ["text", "markdown"] {
        let o = labc(&["diff", s(&after), "--against", s(&out), "--format", format]);
        if o.status.code() != Some(0) {
            return Err(format!("labc diff exited {:?}: {}", o.status, stderr(&o)));
        }
        let name = format!("{case}-{format}");
        let result = crate::quietly(|| {
            insta::with_settings!({snapshot_path => root(), prepend_module_to_snapshot => false, omit_expression => true}, {
                insta::assert_snapshot!(name.clone(), stdout(&o));
            });
        });
        if result.is_err() {
            return Err(format!("snapshot {name} differs (cargo insta review)"));
        }
    }
    Ok(())
}

/// One test per case directory, `diff::<case>`.
fn cases() -> Vec<libtest_mimic::Trial> {
    let mut cases: Vec<String> = std::fs::read_dir(root())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in tests/diff");
    cases
        .into_iter()
        .map(|case| crate::case(module_path!(), &case.clone(), move || diff_case(&case)))
        .collect()
}

fn git(repo: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(["-c", "user.name=labc", "-c", "user.email=labc@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(repo)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
}

fn copy_lab(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn diff_against_a_git_revision_compiles_the_lab_at_that_revision() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    let lab = repo.join("infra/lab");
    copy_lab(&case_lab("changed-list-item", "before"), &lab);
    // A file outside the lab directory at the revision is not part of the lab.
    std::fs::write(repo.join("stray.lab"), "this is not a lab file").unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "before"]);
    copy_lab(&case_lab("changed-list-item", "after"), &lab);

    let from_git = labc_in(&lab, &["diff", ".", "--against", "HEAD"]);
    assert_eq!(from_git.status.code(), Some(0), "{}", stderr(&from_git));
    let out = t.path().join("out");
    build(&case_lab("changed-list-item", "before"), &out);
    let from_out = labc(&["diff", s(&lab), "--against", s(&out)]);
    assert_eq!(stdout(&from_git), stdout(&from_out));
    assert!(stdout(&from_git).contains("containers[name=app].image"));

    // Run from the repository's root with the lab as DIR: the same.
    let o = labc_in(
        &repo,
        &[
            "diff",
            "infra/lab",
            "--against",
            "HEAD",
            "--format",
            "markdown",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("**0 added, 1 changed, 0 removed objects**"));

    // Against the working tree's own revision after committing: no change.
    git(&repo, &["commit", "-q", "-am", "after"]);
    let o = labc_in(&lab, &["diff", ".", "--against", "HEAD"]);
    assert_eq!(stdout(&o), "No changes to the emitted objects.\n");
}

fn diff_errors_say_what_is_wrong() {
    let t = tempfile::tempdir().unwrap();
    let lab = t.path().join("lab");
    copy_lab(&case_lab("changed-field", "before"), &lab);
    // Not a directory, and no repository for it to be a revision of.
    let o = labc(&["diff", s(&lab), "--against", "main"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not in a git repository"),
        "{}",
        stderr(&o)
    );
    // A directory labc did not write.
    let o = labc(&["diff", s(&lab), "--against", s(t.path())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("has no .labc-manifest"),
        "{}",
        stderr(&o)
    );

    git(t.path(), &["init", "-q"]);
    // Not a revision (the repository has no commit yet).
    let o = labc(&["diff", s(&lab), "--against", "HEAD"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("neither a directory nor a revision"),
        "{}",
        stderr(&o)
    );

    // The lab at the revision has errors.
    let good = std::fs::read_to_string(lab.join("lab.lab")).unwrap();
    let bad = good.replace("replicas = 2", "replicas = nowhere");
    std::fs::write(lab.join("lab.lab"), &bad).unwrap();
    git(t.path(), &["add", "."]);
    git(t.path(), &["commit", "-q", "-m", "broken"]);
    std::fs::write(lab.join("lab.lab"), &good).unwrap();
    let o = labc(&["diff", s(&lab), "--against", "HEAD"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the lab at `HEAD` has 1 error(s)"),
        "{}",
        stderr(&o)
    );

    // The current lab has errors: its diagnostics, exit 1.
    std::fs::write(lab.join("lab.lab"), &bad).unwrap();
    let o = labc(&["diff", s(&lab), "--against", "HEAD"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error["), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

/// The Widget of `moved-between-files` changes file, not content: `build --check` lists
/// both files, `diff` does not name it (the snapshot could be accepted by mistake).
fn an_object_moved_between_files_is_not_a_change() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    build(&case_lab("moved-between-files", "before"), &out);
    let after = case_lab("moved-between-files", "after");
    let o = check(&after, &out);
    assert!(stdout(&o).contains("- clusters/home/widgets/app/widget.yaml\n"));
    assert!(stdout(&o).contains("+ clusters/home/widgets/config/widget.yaml\n"));
    let o = labc(&["diff", s(&after), "--against", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stdout(&o).contains("Widget"), "{}", stdout(&o));
    assert!(stdout(&o).contains("+ Kustomization flux-system/widgets-config"));
}

/// A `.labc-manifest` edited to name files outside OUT (a path with `..`, a directory
/// replaced by a link) makes neither `diff` read them nor `build --check` list them.
fn a_hostile_manifest_reads_nothing_outside_out() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let lab = case_lab("changed-field", "before");
    build(&lab, &out);
    let secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: stolen}\ndata: {key: c2VjcmV0}\n";
    std::fs::write(t.path().join("secret.yaml"), secret).unwrap();
    let elsewhere = t.path().join("elsewhere/app");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("secret.yaml"), secret).unwrap();
    let manifest_path = out.join(".labc-manifest");
    let mut manifest = std::fs::read_to_string(&manifest_path).unwrap();
    manifest.push_str("../secret.yaml\n/etc/hostname\nclusters/home/evil/app/secret.yaml\n");
    std::fs::write(&manifest_path, manifest).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(t.path().join("elsewhere"), out.join("clusters/home/evil")).unwrap();
    let o = labc(&["diff", s(&lab), "--against", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "No changes to the emitted objects.\n");
    let o = check(&lab, &out);
    assert_eq!(stdout(&o), "~ .labc-manifest\n");
}

tests!(
    an_object_moved_between_files_is_not_a_change,
    a_hostile_manifest_reads_nothing_outside_out,
    build_check_is_0_when_current_and_ignores_the_users_files,
    build_check_is_1_and_lists_changed_added_and_removed_files,
    build_check_of_a_missing_out_is_1_with_every_file_added,
    build_check_writes_nothing,
    build_check_of_a_lab_with_errors_is_1_with_its_diagnostics,
    diff_against_a_git_revision_compiles_the_lab_at_that_revision,
    diff_errors_say_what_is_wrong;
    cases: cases
);
