//! The CLI against hostile file systems: links, loops, FIFOs, overlapping and concurrent
//! output directories, interrupted swaps. Each test runs the real binary on a temp dir.
#![cfg(unix)]

use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Long enough for any build here by a wide margin. Not a speed check: without it, a
/// regression to a hang would hang the test suite instead of failing it.
const HANG: Duration = Duration::from_secs(120);

/// A temp dir holding a valid lab in `lab/`.
fn setup() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let lab = t.path().join("lab");
    std::fs::create_dir(&lab).unwrap();
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/build/lab-vars-urls-ranges");
    std::fs::copy(case.join("lab.lab"), lab.join("lab.lab")).unwrap();
    (t, lab)
}

/// Run labc with `args`, failing the test (and killing labc) if it does not finish.
fn labc(args: &[&Path]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_labc"))
        .args(args)
        .arg("--color=never")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > HANG {
            let _ = child.kill();
            panic!("labc {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn build(lab: &Path, out: &Path) -> Output {
    labc(&[Path::new("build"), lab, Path::new("--out"), out])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Build and expect success.
fn build_ok(lab: &Path, out: &Path) -> String {
    let o = build(lab, out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stderr(&o)
}

fn is_link(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.is_symlink())
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn an_out_that_is_a_link_is_written_through_and_stays_a_link() {
    let (t, lab) = setup();
    let target = t.path().join("real-out");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("mine.txt"), "mine").unwrap();
    let out = t.path().join("out");
    symlink(&target, &out).unwrap();
    build_ok(&lab, &out);
    build_ok(&lab, &out);
    assert!(is_link(&out), "OUT is still a link");
    assert_eq!(std::fs::read_link(&out).unwrap(), target);
    assert!(
        target.join(".labc-manifest").is_file(),
        "the target holds the tree"
    );
    assert_eq!(
        std::fs::read_to_string(target.join("mine.txt")).unwrap(),
        "mine"
    );
    // The lock and leftovers live next to the target, not next to the link.
    assert!(t.path().join(".real-out.labc-lock").exists());
}

fn a_dangling_out_link_is_refused() {
    let (t, lab) = setup();
    let out = t.path().join("out");
    symlink(t.path().join("nowhere"), &out).unwrap();
    let o = build(&lab, &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a link to"), "{}", stderr(&o));
    assert!(!t.path().join("nowhere").exists());
}

fn links_in_out_are_carried_as_links_never_copied_through() {
    let (t, lab) = setup();
    let outside = t.path().join("outside");
    std::fs::create_dir_all(outside.join("deep")).unwrap();
    std::fs::write(outside.join("deep/secret.txt"), "outside").unwrap();
    let out = t.path().join("out");
    build_ok(&lab, &out);
    symlink(&outside, out.join("dirlink")).unwrap();
    symlink("../outside/deep/secret.txt", out.join("filelink")).unwrap();
    symlink("nowhere", out.join("dangling")).unwrap();
    // Loops: a link to OUT itself and two links to each other.
    symlink(".", out.join("self")).unwrap();
    symlink("b", out.join("a")).unwrap();
    symlink("a", out.join("b")).unwrap();
    build_ok(&lab, &out);
    build_ok(&lab, &out);
    for (name, to) in [
        ("dirlink", outside.to_str().unwrap()),
        ("filelink", "../outside/deep/secret.txt"),
        ("dangling", "nowhere"),
        ("self", "."),
        ("a", "b"),
        ("b", "a"),
    ] {
        let p = out.join(name);
        assert!(is_link(&p), "{name} is still a link");
        assert_eq!(std::fs::read_link(&p).unwrap(), Path::new(to), "{name}");
    }
    assert_eq!(
        std::fs::read_to_string(out.join("filelink")).unwrap(),
        "outside"
    );
    assert!(
        outside.join("deep/secret.txt").exists(),
        "the outside tree is untouched"
    );
}

fn a_fifo_in_out_is_refused_not_opened() {
    let (t, lab) = setup();
    let out = t.path().join("out");
    build_ok(&lab, &out);
    mkfifo(&out.join("pipe"));
    let o = build(&lab, &out);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("a FIFO"), "{}", stderr(&o));
    assert!(out.join("pipe").exists(), "the user's FIFO is left alone");
}

fn mkfifo(path: &Path) {
    let s = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(s.success());
}

/// Hold the lock of `out` as another build would.
fn hold_lock(parent: &Path, name: &str) -> std::fs::File {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(parent.join(format!(".{name}.labc-lock")))
        .unwrap();
    rustix::fs::flock(&f, rustix::fs::FlockOperation::LockExclusive).unwrap();
    f
}

fn a_build_waits_for_the_lock_of_another_build() {
    let (t, lab) = setup();
    let out = t.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("mine.txt"), "mine").unwrap();
    let held = hold_lock(t.path(), "out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_labc"))
        .args([Path::new("build"), &lab, Path::new("--out"), &out])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        let n = err.read_line(&mut line).unwrap();
        if n == 0 || line.contains("waiting for another labc build") {
            break;
        }
    }
    assert!(
        line.contains("waiting for another labc build"),
        "labc said it waits (it said: {line:?})"
    );
    // While it waits, OUT is untouched.
    assert_eq!(names(&out), ["mine.txt"]);
    drop(held);
    let status = child.wait().unwrap();
    assert!(status.success());
    assert!(out.join(".labc-manifest").exists());
    assert_eq!(
        std::fs::read_to_string(out.join("mine.txt")).unwrap(),
        "mine"
    );
}

fn concurrent_builds_keep_the_users_files() {
    let (t, lab) = setup();
    let out = t.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("mine.txt"), "mine").unwrap();
    for _ in 0..5 {
        let children: Vec<_> = (0..4)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_labc"))
                    .args([Path::new("build"), &lab, Path::new("--out"), &out])
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success());
        }
        assert_eq!(
            std::fs::read_to_string(out.join("mine.txt")).unwrap(),
            "mine"
        );
    }
    let left: Vec<String> = names(t.path())
        .into_iter()
        .filter(|n| n.contains("labc-new") || n.contains("labc-old"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

fn a_swap_killed_halfway_is_recovered_by_the_next_build() {
    let (t, lab) = setup();
    let out = t.path().join("out");
    build_ok(&lab, &out);
    std::fs::write(out.join("mine.txt"), "mine").unwrap();
    // What a kill between "OUT aside" and "new tree in" leaves: no OUT, the previous tree
    // aside, and a new tree.
    std::fs::rename(&out, t.path().join(".out.labc-old-4242")).unwrap();
    std::fs::create_dir(t.path().join(".out.labc-new-4242")).unwrap();
    let err = build_ok(&lab, &out);
    assert!(err.contains("restored"), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("mine.txt")).unwrap(),
        "mine"
    );
    assert!(out.join(".labc-manifest").exists());
    assert!(!t.path().join(".out.labc-old-4242").exists());
    assert!(!t.path().join(".out.labc-new-4242").exists());
}

fn leftovers_of_interrupted_builds_are_cleaned() {
    let (t, lab) = setup();
    let out = t.path().join("out");
    build_ok(&lab, &out);
    std::fs::create_dir_all(t.path().join(".out.labc-new-17/clusters")).unwrap();
    std::fs::create_dir_all(t.path().join(".out.labc-old-18/x")).unwrap();
    // Not labc's names: left alone.
    std::fs::create_dir(t.path().join(".out.labc-old-mine")).unwrap();
    std::fs::create_dir(t.path().join(".other.labc-new-19")).unwrap();
    build_ok(&lab, &out);
    assert!(!t.path().join(".out.labc-new-17").exists());
    assert!(!t.path().join(".out.labc-old-18").exists());
    assert!(t.path().join(".out.labc-old-mine").exists());
    assert!(t.path().join(".other.labc-new-19").exists());
}

fn a_failed_clean_up_of_the_previous_tree_is_a_warning() {
    let (t, lab) = setup();
    let out = t.path().join("out");
    build_ok(&lab, &out);
    let locked = out.join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::write(locked.join("mine.txt"), "mine").unwrap();
    set_mode(&locked, 0o555);
    if std::fs::write(locked.join("probe"), "").is_ok() {
        // Privileged (root): permissions do not stop a removal here. The unit test
        // `failed_removal_of_the_previous_tree_is_a_warning` covers this case.
        set_mode(&locked, 0o755);
        return;
    }
    let o = build(&lab, &out);
    let err = stderr(&o);
    let left = t.path().read_dir().unwrap();
    for e in left.flatten() {
        set_mode_all(&e.path());
    }
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("labc: warning:") && err.contains("could not be removed"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("locked/mine.txt")).unwrap(),
        "mine"
    );
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn set_mode_all(p: &Path) {
    if std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) {
        set_mode(p, 0o755);
        for e in std::fs::read_dir(p).unwrap().flatten() {
            set_mode_all(&e.path());
        }
    }
}

fn an_out_overlapping_the_lab_is_refused() {
    let (t, lab) = setup();
    let link = t.path().join("lab-link");
    symlink(&lab, &link).unwrap();
    for (out, why) in [
        (lab.clone(), "is the lab directory itself"),
        (lab.join("out"), "is inside the lab directory"),
        (lab.join("new/deeper"), "is inside the lab directory"),
        (link.join("out"), "is inside the lab directory"),
        (t.path().to_path_buf(), "contains the lab directory"),
        (lab.join(".."), "contains the lab directory"),
    ] {
        let o = build(&lab, &out);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{}: {}",
            out.display(),
            stderr(&o)
        );
        assert!(
            stderr(&o).contains(why),
            "{}: {}",
            out.display(),
            stderr(&o)
        );
        assert_eq!(names(&lab), ["lab.lab"], "nothing written into the lab");
    }
    assert!(!t.path().join(".labc-manifest").exists());
}

fn directory_links_in_the_lab_are_not_followed() {
    let (_t, lab) = setup();
    symlink(".", lab.join("self")).unwrap();
    symlink(".", lab.join("again")).unwrap();
    let o = labc(&[Path::new("check"), &lab]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("not following the directory link"), "{err}");
    assert!(err.contains("self"), "{err}");
}

fn a_file_link_out_of_the_lab_is_an_error_that_names_it() {
    let (t, lab) = setup();
    let outside = t.path().join("outside.lab");
    std::fs::write(&outside, "# nothing\n").unwrap();
    symlink(&outside, lab.join("extra.lab")).unwrap();
    let o = labc(&[Path::new("check"), &lab]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("extra.lab") && err.contains("outside.lab"),
        "{err}"
    );
    assert!(err.contains("points outside the lab"), "{err}");
}

fn a_file_link_inside_the_lab_is_read() {
    let (t, lab) = setup();
    std::fs::create_dir(lab.join("src")).unwrap();
    std::fs::rename(lab.join("lab.lab"), lab.join("src/lab.txt")).unwrap();
    symlink("src/lab.txt", lab.join("lab.lab")).unwrap();
    build_ok(&lab, &t.path().join("out"));
    assert!(t.path().join("out/.labc-manifest").exists());
}

fn a_fifo_in_the_lab_is_skipped_with_a_warning() {
    let (t, lab) = setup();
    mkfifo(&lab.join("x.lab"));
    // A link to it is not a way around the check.
    symlink("x.lab", lab.join("y.lab")).unwrap();
    let o = labc(&[Path::new("check"), &lab]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("labc: warning: skipping") && err.contains("x.lab"),
        "{err}"
    );
    assert!(err.contains("y.lab"), "{err}");
    build_ok(&lab, &t.path().join("out"));
}

fn write_tree_refuses_unsafe_paths_and_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    for bad in [
        "../victim.yaml",
        "/tmp/abs.yaml",
        "a/./b.yaml",
        "",
        ".labc-manifest",
    ] {
        let mut files = indexmap::IndexMap::new();
        files.insert("ok.yaml".to_string(), "a: 1\n".to_string());
        files.insert(bad.to_string(), "b: 2\n".to_string());
        let err = labc::cli::write_tree(&out, &files.into()).expect_err(bad);
        assert!(err.contains("refuses"), "{err}");
        assert!(!out.exists(), "{bad}: nothing written");
        assert!(!t.path().join("victim.yaml").exists());
    }
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

fn the_users_directories_are_carried_with_their_modes_even_when_empty() {
    let (t, lab) = setup();
    let out = t.path().join("out");
    build_ok(&lab, &out);
    std::fs::create_dir_all(out.join("notes/empty")).unwrap();
    std::fs::create_dir_all(out.join("private/keys")).unwrap();
    std::fs::write(out.join("private/keys/id"), "k").unwrap();
    set_mode(&out.join("private"), 0o700);
    set_mode(&out.join("private/keys"), 0o700);
    set_mode(&out, 0o750);
    // The first build wrote `clusters/...`; a lab without clusters would drop them, but
    // this one keeps them: labc's own directories are not the user's.
    build_ok(&lab, &out);
    assert!(out.join("notes/empty").is_dir(), "{:?}", names(&out));
    assert_eq!(mode(&out.join("private")), 0o700);
    assert_eq!(mode(&out.join("private/keys")), 0o700);
    assert_eq!(mode(&out), 0o750);
    assert_eq!(
        std::fs::read_to_string(out.join("private/keys/id")).unwrap(),
        "k"
    );
}

fn a_directory_labc_no_longer_writes_is_not_kept_as_the_users() {
    let (t, lab) = setup();
    let out = t.path().join("out");
    build_ok(&lab, &out);
    // Pretend an earlier build also wrote `clusters/gone/ks.yaml`.
    std::fs::create_dir_all(out.join("clusters/gone")).unwrap();
    std::fs::write(out.join("clusters/gone/ks.yaml"), "x").unwrap();
    let manifest = std::fs::read_to_string(out.join(".labc-manifest")).unwrap();
    std::fs::write(
        out.join(".labc-manifest"),
        format!("{manifest}clusters/gone/ks.yaml\n"),
    )
    .unwrap();
    build_ok(&lab, &out);
    assert!(!out.join("clusters/gone").exists());
}

/// The new tree reaches the disk before it replaces OUT: a crash right after the swap must
/// not leave an OUT of empty files. Observed with strace (the sync calls and the swap are
/// system calls; nothing else shows them), so the test is skipped where strace is missing.
fn the_new_tree_is_synced_before_it_replaces_out() {
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("strace is not installed: skipping the sync-order check");
        return;
    }
    let (t, lab) = setup();
    let out = t.path().join("out");
    build_ok(&lab, &out);
    let log = t.path().join("strace.log");
    let status = Command::new("strace")
        .args([
            "-f",
            "-e",
            "trace=fsync,fdatasync,syncfs,rename,renameat,renameat2",
            "-o",
        ])
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_labc"))
        .arg("build")
        .arg(&lab)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", stderr(&status));
    let calls = std::fs::read_to_string(&log).unwrap();
    let swap = calls
        .lines()
        .position(|l| l.contains("rename") && l.contains(".labc-new-"))
        .unwrap_or_else(|| panic!("no swap of the new tree in:\n{calls}"));
    let synced = calls
        .lines()
        .take(swap)
        .any(|l| l.contains("fsync(") || l.contains("syncfs(") || l.contains("fdatasync("));
    assert!(
        synced,
        "the new tree was not synced before the swap:\n{calls}"
    );
}

tests!(
    an_out_that_is_a_link_is_written_through_and_stays_a_link,
    a_dangling_out_link_is_refused,
    links_in_out_are_carried_as_links_never_copied_through,
    a_fifo_in_out_is_refused_not_opened,
    a_build_waits_for_the_lock_of_another_build,
    concurrent_builds_keep_the_users_files,
    a_swap_killed_halfway_is_recovered_by_the_next_build,
    leftovers_of_interrupted_builds_are_cleaned,
    a_failed_clean_up_of_the_previous_tree_is_a_warning,
    an_out_overlapping_the_lab_is_refused,
    directory_links_in_the_lab_are_not_followed,
    a_file_link_out_of_the_lab_is_an_error_that_names_it,
    a_file_link_inside_the_lab_is_read,
    a_fifo_in_the_lab_is_skipped_with_a_warning,
    write_tree_refuses_unsafe_paths_and_writes_nothing,
    the_users_directories_are_carried_with_their_modes_even_when_empty,
    a_directory_labc_no_longer_writes_is_not_kept_as_the_users,
    the_new_tree_is_synced_before_it_replaces_out,
);
