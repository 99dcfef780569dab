//! `labc watch [DIR] [--build OUT]`: check the lab, then re-check it on every change under
//! DIR on the same salsa database, printing only what changed in the diagnostics.
//!
//! Each round re-reads the whole directory with [`read_lab`] and hands the snapshot to
//! [`LabDb::update`], which sets only the inputs that differ, so salsa re-runs only what
//! depends on the edited files. The file system events only say *when* to look again; what
//! changed is decided by comparing snapshots, so a missed, doubled or reordered event (an
//! editor's save-by-rename) cannot leave the check behind the files.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher as _};

use super::{out_dir, read_lab, write_tree};
use crate::compile;
use crate::db::{LabDb, LiveLab};
use crate::diag::{self, Diag, Severity};

/// How long the directory must stay quiet before a round starts: an editor's save is
/// several events (write, rename, attribute change) within a few milliseconds.
const QUIET: Duration = Duration::from_millis(50);
/// A round starts at the latest this long after the first event, even if events go on.
const MAX_WAIT: Duration = Duration::from_millis(500);
/// How often to look whether DIR still exists while no event comes.
const TICK: Duration = Duration::from_millis(500);

/// What `watch` compares diagnostics by: everything they say, not where they are, so an
/// edit that only moves an unchanged error (a line added above it) does not report it
/// again. `path` and `line` are where it was, for the `fixed:` line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Seen {
    pub key: Key,
    pub path: String,
    pub line: usize,
}

/// The identity of a diagnostic for comparison: its words and the files it names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub severity: Severity,
    pub code: &'static str,
    pub path: String,
    pub message: String,
    /// The labels' messages (primary first) and the secondary labels' files, notes, help.
    pub rest: Vec<String>,
}

/// What changed between two lists of diagnostics: indices into `new` of those that
/// appeared, and into `old` of those that went away, each in list order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub appeared: Vec<usize>,
    pub fixed: Vec<usize>,
}

/// Compare two lists as multisets of [`Key`]s: two equal diagnostics in one file are two.
/// Pairs on the same line are matched first, so when one of two equal errors is fixed the
/// `fixed:` line names the one that went away, not the one that moved.
pub fn changes(old: &[Seen], new: &[Seen]) -> Changes {
    let mut unmatched_old: Vec<bool> = vec![true; old.len()];
    let mut unmatched_new: Vec<bool> = vec![true; new.len()];
    for exact in [true, false] {
        let mut pool: HashMap<(&Key, usize), Vec<usize>> = HashMap::new();
        for (i, s) in old.iter().enumerate().rev() {
            if unmatched_old[i] {
                let line = if exact { s.line } else { 0 };
                pool.entry((&s.key, line)).or_default().push(i);
            }
        }
        for (j, s) in new.iter().enumerate() {
            if !unmatched_new[j] {
                continue;
            }
            let line = if exact { s.line } else { 0 };
            if let Some(i) = pool.get_mut(&(&s.key, line)).and_then(Vec::pop) {
                unmatched_old[i] = false;
                unmatched_new[j] = false;
            }
        }
    }
    Changes {
        appeared: (0..new.len()).filter(|&j| unmatched_new[j]).collect(),
        fixed: (0..old.len()).filter(|&i| unmatched_old[i]).collect(),
    }
}

/// The `fixed:` line of a diagnostic that went away.
pub fn fixed_line(s: &Seen) -> String {
    format!("fixed: {} in {}:{}", s.key.code, s.path, s.line)
}

/// A diagnostic as [`changes`] sees it, read while its files hold the text it was made on.
fn seen(db: &LabDb, d: &Diag) -> Seen {
    let file = d.primary.file;
    let starts = diag::render::line_starts(db, file);
    let line = starts.partition_point(|&s| s <= d.primary.span.start as usize);
    let mut rest = vec![d.primary.message.clone()];
    for l in &d.secondary {
        rest.push(format!("{}: {}", l.file.path(db), l.message));
    }
    rest.extend(d.notes.iter().cloned());
    rest.extend(d.help.iter().cloned());
    Seen {
        key: Key {
            severity: d.severity,
            code: d.code,
            path: file.path(db).clone(),
            message: d.message.clone(),
            rest,
        },
        path: file.path(db).clone(),
        line: line.max(1),
    }
}

/// Whether an event on `path` may change the lab. Editors' temporary files never do. A
/// `.lab` or manifest file does even when hidden, since [`read_lab`] reads those; other
/// hidden files and anything in a hidden directory (labc's own `.labc-*` files, `.git`)
/// do not. A path outside `root` (which events should not name) counts, to be safe.
pub fn relevant(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return true;
    };
    let names: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let Some(last) = names.last() else {
        return true;
    };
    if temporary(last) {
        return false;
    }
    let read = [".lab", ".yaml", ".yml"]
        .iter()
        .any(|ext| last.ends_with(ext));
    read || !names.iter().any(|n| n.starts_with('.'))
}

/// Names editors write beside the file they save: swap files (`.x.swp`), backups (`x~`),
/// Emacs autosaves and locks (`#x#`, `.#x`), Vim's write probe (`4913`), `*.tmp`.
fn temporary(name: &str) -> bool {
    name.ends_with('~')
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || [
            ".tmp",
            ".swp",
            ".swx",
            ".swo",
            "___jb_tmp___",
            "___jb_old___",
        ]
        .iter()
        .any(|end| name.ends_with(end))
}

/// Whether a notify event may change what is read: opening and reading a file (which
/// labc itself does every round) does not, closing it after writing does.
fn changes_files(kind: &EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode};
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// One watch session: the database kept across rounds and what the last round showed.
struct Session {
    dir: PathBuf,
    out: Option<PathBuf>,
    color: bool,
    stdlib: Option<Vec<(String, String)>>,
    db: LabDb,
    live: Option<LiveLab>,
    shown: Vec<Seen>,
    /// The last read failed: the next successful one reports even if nothing changed.
    read_failed: bool,
}

impl Session {
    /// Read the directory, apply it, and report. `first` prints every diagnostic.
    fn round(&mut self, first: bool) {
        let start = Instant::now();
        let sources = match read_lab(&self.dir) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("labc: error: {e}; still watching");
                self.read_failed = true;
                return;
            }
        };
        match &mut self.live {
            Some(live) => {
                let update = self.db.update(live, sources);
                if update.is_empty() && !self.read_failed && !first {
                    return;
                }
            }
            None => self.live = Some(self.db.load_live(self.stdlib.clone(), sources)),
        }
        self.read_failed = false;
        self.check(start);
    }

    /// Check, print what changed in the diagnostics and the summary, and build if asked.
    fn check(&mut self, start: Instant) {
        let Some(live) = &self.live else { return };
        let (out, diags) = compile::compile_with_diagnostics(&self.db, live.lab);
        let files = out.files.clone();
        let now: Vec<Seen> = diags.iter().map(|d| seen(&self.db, d)).collect();
        let delta = changes(&self.shown, &now);
        let appeared: Vec<Diag> = delta.appeared.iter().map(|&j| diags[j].clone()).collect();
        diag::render_stderr(&self.db, &appeared, self.color);
        for &i in &delta.fixed {
            eprintln!("{}", fixed_line(&self.shown[i]));
        }
        let errors = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let warnings = diags.len() - errors;
        eprintln!(
            "labc: {errors} error(s), {warnings} warning(s), checked in {} ms",
            start.elapsed().as_millis()
        );
        self.shown = now;
        let Some(out) = &self.out else { return };
        if errors > 0 {
            eprintln!("labc: {} not rewritten: the lab has errors", out.display());
            return;
        }
        match write_tree(out, &files) {
            Ok(()) => eprintln!("labc: wrote {} files to {}", files.len(), out.display()),
            Err(e) => eprintln!("labc: error: {e}; still watching"),
        }
    }
}

/// What waiting for the next round found.
enum Wake {
    Changed,
    Gone,
}

/// Wait for an event that may change the lab, then for the directory to be quiet for
/// [`QUIET`] (at most [`MAX_WAIT`]). `Gone` when DIR no longer exists or the watcher stopped.
fn next_round(rx: &Receiver<notify::Result<notify::Event>>, dir: &Path, root: &Path) -> Wake {
    loop {
        match rx.recv_timeout(TICK) {
            Ok(Ok(event)) => {
                let counts = changes_files(&event.kind)
                    && (event.paths.is_empty() || event.paths.iter().any(|p| relevant(root, p)));
                if counts {
                    break;
                }
            }
            Ok(Err(e)) => eprintln!("labc: warning: watching {}: {e}", dir.display()),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Wake::Gone,
        }
        if !dir.is_dir() {
            return Wake::Gone;
        }
    }
    let first = Instant::now();
    while first.elapsed() < MAX_WAIT {
        match rx.recv_timeout(QUIET) {
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => break,
            Err(RecvTimeoutError::Disconnected) => return Wake::Gone,
        }
    }
    if dir.is_dir() {
        Wake::Changed
    } else {
        Wake::Gone
    }
}

/// `labc watch`: returns the exit code, 2 when DIR cannot be watched or disappears (the
/// only ways it ends besides Ctrl-C, whose default action ends the process).
pub fn watch(dir: &Path, out: Option<&Path>, stdlib: Option<&Path>, color: bool) -> i32 {
    // The stdlib is read once: a `--stdlib` directory is not watched.
    let stdlib = match stdlib.map(super::read_stdlib).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("labc: error: {e}");
            return 2;
        }
    };
    if !dir.is_dir() {
        eprintln!("labc: error: `{}` is not a directory", dir.display());
        return 2;
    }
    if let Some(out) = out {
        if let Err(e) = out_dir::refuse_overlap(out, dir) {
            eprintln!("labc: error: {e}");
            return 2;
        }
    }
    let root = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let (tx, rx) = mpsc::channel();
    // The watch starts before the first read, so an edit made during the first check is
    // seen by the next round rather than lost.
    let watcher = notify::recommended_watcher(move |event| {
        let _ = tx.send(event);
    })
    .and_then(|mut w| w.watch(&root, RecursiveMode::Recursive).map(|()| w));
    let _watcher = match watcher {
        Ok(w) => w,
        Err(e) => {
            eprintln!("labc: error: cannot watch {}: {e}", dir.display());
            return 2;
        }
    };
    eprintln!("labc: watching {} (Ctrl-C stops)", dir.display());
    let mut session = Session {
        dir: dir.to_path_buf(),
        out: out.map(Path::to_path_buf),
        color,
        stdlib,
        db: LabDb::default(),
        live: None,
        shown: Vec::new(),
        read_failed: false,
    };
    session.round(true);
    loop {
        match next_round(&rx, dir, &root) {
            Wake::Changed => session.round(false),
            Wake::Gone => {
                eprintln!(
                    "labc: error: the lab directory {} is gone; stopped watching",
                    dir.display()
                );
                return 2;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(code: &'static str, path: &str, line: usize, message: &str) -> Seen {
        Seen {
            key: Key {
                severity: Severity::Error,
                code,
                path: path.to_string(),
                message: message.to_string(),
                rest: Vec::new(),
            },
            path: path.to_string(),
            line,
        }
    }

    #[test]
    fn same_lists_change_nothing() {
        let a = vec![s("E0402", "a.lab", 3, "x"), s("E0101", "b.lab", 1, "y")];
        assert_eq!(changes(&a, &a), Changes::default());
        assert_eq!(changes(&[], &[]), Changes::default());
    }

    #[test]
    fn new_and_fixed_are_told_apart() {
        let old = vec![s("E0402", "a.lab", 3, "x"), s("E0101", "b.lab", 1, "y")];
        let new = vec![s("E0101", "b.lab", 1, "y"), s("E0301", "c.lab", 9, "z")];
        let d = changes(&old, &new);
        assert_eq!(d.appeared, vec![1]);
        assert_eq!(d.fixed, vec![0]);
        assert_eq!(fixed_line(&old[0]), "fixed: E0402 in a.lab:3");
    }

    #[test]
    fn a_moved_diagnostic_is_not_reported_again() {
        let old = vec![s("E0402", "a.lab", 3, "x")];
        let new = vec![s("E0402", "a.lab", 4, "x")];
        assert_eq!(changes(&old, &new), Changes::default());
    }

    #[test]
    fn equal_diagnostics_count_as_many() {
        let old = vec![s("E0402", "a.lab", 3, "x"), s("E0402", "a.lab", 8, "x")];
        // The one on line 3 is fixed; the one on line 8 stays.
        let new = vec![s("E0402", "a.lab", 8, "x")];
        let d = changes(&old, &new);
        assert_eq!(d.fixed, vec![0]);
        assert!(d.appeared.is_empty());
        // A second copy of an existing one is new.
        let more = vec![old[0].clone(), old[1].clone(), s("E0402", "a.lab", 12, "x")];
        assert_eq!(changes(&old, &more).appeared, vec![2]);
    }

    #[test]
    fn a_changed_message_is_a_fix_and_a_new_one() {
        let old = vec![s("E0402", "a.lab", 3, "unknown field `nmae`")];
        let new = vec![s("E0402", "a.lab", 3, "unknown field `naem`")];
        let d = changes(&old, &new);
        assert_eq!((d.appeared, d.fixed), (vec![0], vec![0]));
    }

    #[test]
    fn hidden_and_temporary_files_are_ignored() {
        let root = Path::new("/lab");
        assert!(relevant(root, Path::new("/lab/tenants/a.lab")));
        assert!(relevant(root, Path::new("/lab/tenants")));
        assert!(relevant(root, Path::new("/elsewhere/a.lab")));
        for p in [
            "/lab/.git/index",
            "/lab/tenants/.a.lab.swp",
            "/lab/a.lab~",
            "/lab/#a.lab#",
            "/lab/4913",
            "/lab/a.lab.tmp",
            "/lab/.labc-manifest",
            "/lab/.#a.lab",
        ] {
            assert!(!relevant(root, Path::new(p)), "{p}");
        }
        // Files read_lab reads count even when hidden.
        assert!(relevant(root, Path::new("/lab/.hidden.lab")));
        assert!(relevant(root, Path::new("/lab/.github/workflows/ci.yaml")));
    }
}
