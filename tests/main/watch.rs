//! `labc watch` driven as a user would: the real binary on a temporary lab directory,
//! edited while it runs. Its stderr is read on a thread into a channel, so a test waits
//! with a bound and never hangs; the child is killed when the test ends, also on failure.
//! Unix only, for its links.
#![cfg(unix)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long the first check may take: a bound against a hang, not a speed check (the
/// debug binary on two shared cores).
const START: Duration = Duration::from_secs(20);
/// What the issue asks: a re-check reacts to an edit within one second.
const REACT: Duration = Duration::from_secs(1);

/// A running `labc watch`, killed on drop.
struct Watch {
    child: Child,
    lines: Receiver<String>,
    /// Everything read so far, for failure messages.
    seen: Vec<String>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Watch {
    fn start(args: &[&Path]) -> Watch {
        let mut child = Command::new(env!("CARGO_BIN_EXE_labc"))
            .arg("watch")
            .args(args)
            .arg("--color=never")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("labc starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watch {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The lines up to and including the first that satisfies `done`, read within
    /// `limit`; fails the test (with everything read so far) otherwise.
    fn until(&mut self, limit: Duration, what: &str, done: impl Fn(&str) -> bool) -> Vec<String> {
        let deadline = Instant::now() + limit;
        let mut got = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    got.push(line.clone());
                    if done(&line) {
                        return got;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no {what} within {limit:?}; labc printed:\n{}", self.log())
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait().ok();
                    panic!(
                        "labc exited ({status:?}) before {what}; it printed:\n{}",
                        self.log()
                    )
                }
            }
        }
    }

    /// Up to the next summary line.
    fn summary(&mut self, limit: Duration) -> Vec<String> {
        self.until(limit, "summary line", is_summary)
    }

    fn log(&self) -> String {
        self.seen.join("\n")
    }
}

fn is_summary(line: &str) -> bool {
    line.starts_with("labc: ") && line.contains(" error(s), ") && line.contains("checked in")
}

/// A temp dir holding a valid one-file lab in `lab/`.
fn setup() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let lab = t.path().join("lab");
    std::fs::create_dir(&lab).unwrap();
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/build/lab-vars-urls-ranges");
    std::fs::copy(case.join("lab.lab"), lab.join("lab.lab")).unwrap();
    (t, lab)
}

/// Replace `from` by `to` in `lab/lab.lab`, failing if it is not there.
fn edit(lab: &Path, from: &str, to: &str) {
    let path = lab.join("lab.lab");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "`{from}` is in lab.lab");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

fn an_error_appears_within_a_second_and_its_fix_is_reported() {
    let (_t, lab) = setup();
    let mut w = Watch::start(&[&lab]);
    let first = w.summary(START);
    assert!(
        first
            .last()
            .unwrap()
            .starts_with("labc: 0 error(s), 0 warning(s)"),
        "{}",
        w.log()
    );

    // `id` is an int: a string there is a type error on line 8.
    let written = Instant::now();
    edit(&lab, "id = 1", "id = \"one\"");
    let got = w.until(REACT, "diagnostic for the edit", |l| {
        l.contains("lab.lab:8:")
    });
    let header = got
        .iter()
        .rev()
        .find(|l| l.starts_with("error["))
        .unwrap_or_else(|| panic!("an error header before the location: {}", w.log()))
        .clone();
    assert!(written.elapsed() <= REACT);
    let code = &header["error[".len()..header.find(']').unwrap()];
    let after = w.summary(START);
    assert!(
        after
            .last()
            .unwrap()
            .starts_with("labc: 1 error(s), 0 warning(s)"),
        "{}",
        w.log()
    );
    assert!(
        !after.iter().any(|l| l.starts_with("fixed:")),
        "nothing was fixed: {}",
        w.log()
    );

    // The fix: only the `fixed:` line and the summary.
    edit(&lab, "id = \"one\"", "id = 1");
    let fixed = w.summary(REACT);
    assert_eq!(
        fixed[0],
        format!("fixed: {code} in lab.lab:8"),
        "{}",
        w.log()
    );
    assert_eq!(fixed.len(), 2, "{}", w.log());
    assert!(fixed[1].starts_with("labc: 0 error(s), 0 warning(s)"));
}

fn files_that_are_not_the_lab_are_ignored_and_new_files_are_checked() {
    let (_t, lab) = setup();
    let mut w = Watch::start(&[&lab]);
    w.summary(START);
    // Neither a file over the 1 MiB that data files may hold nor a swap file is read; the
    // next output is the new file's error.
    std::fs::write(lab.join("disk.img"), vec![b'x'; (1 << 20) + 1]).unwrap();
    std::fs::write(lab.join(".lab.lab.swp"), "swap\n").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    std::fs::create_dir(lab.join("tenants")).unwrap();
    std::fs::write(lab.join("tenants/extra.lab"), "oops\n").unwrap();
    let got = w.summary(REACT);
    assert!(
        got[0].starts_with("error[E0101]"),
        "the new file's error comes first: {}",
        w.log()
    );
    assert!(got.iter().any(|l| l.contains("tenants/extra.lab:1:1")));
    std::fs::remove_file(lab.join("tenants/extra.lab")).unwrap();
    let got = w.summary(REACT);
    assert_eq!(got[0], "fixed: E0101 in tenants/extra.lab:1", "{}", w.log());
}

fn build_rewrites_the_tree_after_an_edit() {
    let (t, lab) = setup();
    let out = t.path().join("out");
    let mut w = Watch::start(&[&lab, Path::new("--build"), &out]);
    w.until(START, "first write", |l| l.starts_with("labc: wrote "));
    let find = |needle: &str| {
        labc::cli::read_lab(&out)
            .unwrap()
            .into_iter()
            .any(|(_, text)| text.contains(needle))
    };
    assert!(find("10.0.0.3:9000"), "the first tree is written");

    edit(&lab, "port = 9000", "port = 9001");
    w.until(REACT, "rewrite", |l| l.starts_with("labc: wrote "));
    assert!(find("10.0.0.3:9001"), "the tree holds the edit");
    assert!(!find("10.0.0.3:9000"), "the old value is gone");

    // With an error, OUT is left alone.
    edit(&lab, "id = 1", "id = \"one\"");
    w.until(REACT, "refusal", |l| l.contains("not rewritten"));
    assert!(find("10.0.0.3:9001"));
}

fn build_refuses_an_out_inside_the_lab() {
    let (_t, lab) = setup();
    let out = lab.join("out");
    let mut w = Watch::start(&[&lab, Path::new("--build"), &out]);
    w.until(START, "refusal", |l| {
        l.contains("is inside the lab directory")
    });
    let status = w.child.wait().unwrap();
    assert_eq!(status.code(), Some(2));
    assert!(!out.exists());
}

/// A directory that cannot be read (here a link out of the lab, which labc refuses) is
/// reported and watching goes on; once it is readable again the check is reported.
fn a_read_error_is_printed_and_watching_goes_on() {
    let (t, lab) = setup();
    let outside = t.path().join("outside.lab");
    std::fs::write(&outside, "oops\n").unwrap();
    let mut w = Watch::start(&[&lab]);
    w.summary(START);
    std::os::unix::fs::symlink(&outside, lab.join("linked.lab")).unwrap();
    w.until(REACT, "read error", |l| {
        l.starts_with("labc: error: ") && l.contains("points outside the lab directory")
    });
    std::fs::remove_file(lab.join("linked.lab")).unwrap();
    let got = w.summary(REACT);
    assert_eq!(
        got.len(),
        1,
        "nothing changed in the diagnostics: {}",
        w.log()
    );
    assert!(got[0].starts_with("labc: 0 error(s), 0 warning(s)"));
    assert!(w.child.try_wait().unwrap().is_none(), "still watching");
}

fn watching_ends_when_the_directory_disappears() {
    let (_t, lab) = setup();
    let mut w = Watch::start(&[&lab]);
    w.summary(START);
    std::fs::remove_dir_all(&lab).unwrap();
    w.until(START, "the end", |l| {
        l.contains("is gone; stopped watching")
    });
    let status = w.child.wait().unwrap();
    assert_eq!(status.code(), Some(2));
}

tests!(
    an_error_appears_within_a_second_and_its_fix_is_reported,
    files_that_are_not_the_lab_are_ignored_and_new_files_are_checked,
    build_rewrites_the_tree_after_an_edit,
    build_refuses_an_out_inside_the_lab,
    a_read_error_is_printed_and_watching_goes_on,
    watching_ends_when_the_directory_disappears,
);
