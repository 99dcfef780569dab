//! `labc fmt [PATH...]`: format `.lab` files in place, or with `--check` / `--diff` only
//! say which would change. The layout itself is `syntax::fmt` (pure); this file finds the
//! files, prints and writes.
//!
//! Exit codes: 0 nothing to do (or all written), 1 a file would change (`--check`,
//! `--diff`) or has syntax errors, 2 a path cannot be read or written.

use std::fs;
use std::path::{Path, PathBuf};

use crate::db::{LabDb, SourceFile};
use crate::diag;
use crate::syntax::fmt::format;

/// What `labc fmt` does with a file whose layout differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
    Diff,
}

impl Mode {
    pub fn of(check: bool, diff: bool) -> Mode {
        match (check, diff) {
            (true, _) => Mode::Check,
            (_, true) => Mode::Diff,
            _ => Mode::Write,
        }
    }
}

/// Run `labc fmt`; returns the exit code.
pub fn fmt(paths: &[PathBuf], mode: Mode, color: bool) -> i32 {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut files = Vec::new();
    for path in paths {
        if let Err(e) = collect(path, &mut files) {
            eprintln!("labc: error: {e}");
            return 2;
        }
    }
    let (mut changed, mut broken, mut io) = (0, 0, false);
    for file in &files {
        let text = match fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("labc: error: cannot read `{}`: {e}", file.display());
                io = true;
                continue;
            }
        };
        let formatted = match format(&text) {
            Ok(f) => f,
            Err(_) => {
                report_syntax_errors(file, text, color);
                broken += 1;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        changed += 1;
        match mode {
            Mode::Check => println!("{}", file.display()),
            Mode::Diff => print!("{}", unified_diff(file, &text, &formatted)),
            Mode::Write => {
                if let Err(e) = write_atomically(file, &formatted, "fmt") {
                    eprintln!("labc: error: {e}");
                    io = true;
                }
            }
        }
    }
    if broken > 0 {
        eprintln!("labc: {broken} file(s) with syntax errors left as they are");
    }
    if mode != Mode::Write && changed > 0 {
        eprintln!("labc: {changed} file(s) would be reformatted (run `labc fmt` to do it)");
    }
    if io {
        2
    } else if broken > 0 || mode != Mode::Write && changed > 0 {
        1
    } else {
        0
    }
}

/// The `.lab` files under `path` (or `path` itself), sorted, skipping hidden folders and
/// `target/`.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta = fs::metadata(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    if !meta.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = fs::read_dir(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if entry.is_dir() {
            if !name.starts_with('.') && name != "target" {
                collect(&entry, out)?;
            }
        } else if name.ends_with(".lab") {
            out.push(entry);
        }
    }
    Ok(())
}

/// Print a file's syntax errors as `labc check` does.
fn report_syntax_errors(file: &Path, text: String, color: bool) {
    let db = LabDb::default();
    let source = SourceFile::new(&db, file.display().to_string(), text);
    let diags = &crate::sema::index::parse_checked(&db, source).1;
    diag::render_stderr(&db, diags, color);
}

fn unified_diff(file: &Path, old: &str, new: &str) -> String {
    let name = file.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&name, &name)
        .to_string()
}

/// Replace `file` by a temporary file of the same folder renamed over it, so that an
/// interruption leaves the old or the new text, never a part. The temporary file is
/// `.<name>.labc-<command>-<pid>` (`labc fmt` and `labc pin` both write this way).
pub(super) fn write_atomically(file: &Path, text: &str, command: &str) -> Result<(), String> {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.labc-{command}-{}", std::process::id()));
    let result = fs::write(&tmp, text)
        .and_then(|()| {
            // Keep the file's permissions.
            if let Ok(meta) = fs::metadata(file) {
                fs::set_permissions(&tmp, meta.permissions())?;
            }
            fs::rename(&tmp, file)
        })
        .map_err(|e| format!("cannot write `{}`: {e}", file.display()));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
