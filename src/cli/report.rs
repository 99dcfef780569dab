//! `--format human|json|github|sarif` of `labc check` and `labc build`: where the
//! diagnostics go. Human text goes to stderr as always; the machine-readable formats are
//! the command's result and go to stdout (renderers in `diag::formats`), the summary line
//! to stderr. See `docs/diagnostics.md`.

use std::io::Write as _;
use std::path::Path;

use clap::ValueEnum;

use super::out_dir;
use super::tree::Staged;
use super::{build_check, io_error};
use crate::compile;
use crate::diag::{self, formats};

/// How `check` and `build` report diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Rendered source snippets on stderr.
    #[default]
    Human,
    /// One JSON document on stdout (docs/diagnostics.schema.json).
    Json,
    /// GitHub Actions annotations (`::error file=..::`) on stdout.
    Github,
    /// A SARIF 2.1.0 log on stdout, for code scanning.
    Sarif,
}

/// What checking and reporting a lab found: its diagnostic counts.
pub(super) struct Outcome {
    pub errors: usize,
    pub warnings: usize,
}

impl Outcome {
    /// Whether the command fails: errors always do, warnings with `--deny-warnings` (said
    /// on stderr, with what was not done because of them).
    pub fn fails(&self, deny_warnings: bool, not_done: &str) -> bool {
        if self.errors > 0 {
            eprintln!("labc: {} error(s){not_done}", self.errors);
            return true;
        }
        if deny_warnings && self.warnings > 0 {
            eprintln!(
                "labc: {} warning(s) denied by --deny-warnings{not_done}",
                self.warnings
            );
            return true;
        }
        false
    }
}

/// `labc check`: exit 0 without errors (and, with `--deny-warnings`, without warnings), 1
/// with them, 2 for usage and I/O problems.
pub fn check(
    dir: &Path,
    stdlib: Option<&Path>,
    color: bool,
    format: Format,
    deny_warnings: bool,
) -> i32 {
    match report(dir, stdlib, format, color) {
        // The error count is already in the summary line; only a denial needs saying.
        Ok(o) if o.errors > 0 => 1,
        Ok(o) => i32::from(o.fails(deny_warnings, "")),
        Err(e) => io_error(e),
    }
}

/// How `labc build` was asked to run, beside the lab and OUT.
#[derive(Clone, Copy, Debug)]
pub struct BuildMode {
    /// `--check`: compare OUT instead of writing it.
    pub check: bool,
    pub format: Format,
    pub deny_warnings: bool,
}

/// `labc build`, `--check` included: as `check`, and the tree written to OUT when the lab
/// has no errors (nor warnings with `--deny-warnings`). `--check` prints its stale files
/// on stdout, so it takes no machine-readable format (they would share stdout).
pub fn build(dir: &Path, out: &Path, mode: BuildMode, stdlib: Option<&Path>, color: bool) -> i32 {
    let format = mode.format;
    match (format, mode.check) {
        (Format::Human, true) => {
            return build_check::run(dir, out, stdlib, color, mode.deny_warnings)
        }
        (_, true) => {
            eprintln!(
                "labc: error: `build --check` prints stale files on stdout and takes only \
                 `--format human`; use `labc check --format {}` for the diagnostics",
                format_name(format)
            );
            return 2;
        }
        (_, false) => {}
    }
    if let Err(overlap) = out_dir::refuse_overlap(out, dir) {
        // Said after the diagnostics, as for any OUT that cannot be written.
        return match report(dir, stdlib, format, color) {
            Ok(o) if o.fails(mode.deny_warnings, "; nothing written") => 1,
            Ok(_) => io_error(overlap),
            Err(e) => io_error(e),
        };
    }
    match build_streaming(dir, out, mode, stdlib, color) {
        Ok(code) => code,
        Err(e) => io_error(e),
    }
}

/// How many clusters `labc build` lowers, emits and writes at a time, each on a thread:
/// the machine's cores, at most 8 (a cluster's work is a small part of the run's, and
/// each thread adds one cluster's memory).
pub fn build_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// `labc build` without `--check`: each cluster's files written into the staging
/// directory as soon as they are emitted and then dropped (`compile::build_clusters`),
/// so the output is never all in memory; swapped into OUT only when the diagnostics
/// allow it, otherwise removed, so OUT is never half written. The exit code.
fn build_streaming(
    dir: &Path,
    out: &Path,
    mode: BuildMode,
    stdlib: Option<&Path>,
    color: bool,
) -> Result<i32, String> {
    let (mut db, lab) = super::load_lab(dir, stdlib)?;
    let staged = Staged::begin(out)?;
    let write = |files: &indexmap::IndexMap<String, String>| {
        (files.iter()).try_for_each(|(rel, text)| staged.write(rel, text))
    };
    let (paths, diags) = match compile::build_clusters(&mut db, lab, build_threads(), &write) {
        Ok(done) => done,
        Err(e) => {
            staged.abandon();
            return Err(e);
        }
    };
    let shown = show(&db, &diags, dir, mode.format, color);
    match shown {
        Ok(o) if !o.fails(mode.deny_warnings, "; nothing written") => {}
        Ok(_) => {
            staged.abandon();
            return Ok(1);
        }
        Err(e) => {
            staged.abandon();
            return Err(e);
        }
    }
    staged.finish(paths.iter().flatten().map(String::as_str))?;
    let count: usize = paths.iter().map(Vec::len).sum();
    eprintln!("labc: wrote {count} files to {}", out.display());
    Ok(0)
}

fn format_name(format: Format) -> String {
    format
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string())
}

/// Compile the lab in `dir` and print its diagnostics: rendered on stderr for `Human`
/// (with the summary line only when there are any), else in `format` on stdout and the
/// summary line on stderr.
pub(super) fn report(
    dir: &Path,
    stdlib: Option<&Path>,
    format: Format,
    color: bool,
) -> Result<Outcome, String> {
    let (db, lab) = super::load_lab(dir, stdlib)?;
    let diags = compile::check_with_diagnostics(&db, lab);
    show(&db, &diags, dir, format, color)
}

/// As `report`, with the lab's output files (`build --check` and `diff` compare them).
pub(super) fn report_files(
    dir: &Path,
    stdlib: Option<&Path>,
    format: Format,
    color: bool,
) -> Result<(Outcome, crate::compile::Files), String> {
    let (db, lab) = super::load_lab(dir, stdlib)?;
    let (out, diags) = compile::compile_with_diagnostics(&db, lab);
    let outcome = show(&db, &diags, dir, format, color)?;
    Ok((outcome, out.files.clone()))
}

/// Print `diags` of the lab in `dir` as `format` asks (see `report`); their counts.
fn show(
    db: &crate::db::LabDb,
    diags: &[diag::Diag],
    dir: &Path,
    format: Format,
    color: bool,
) -> Result<Outcome, String> {
    let (errors, warnings) = formats::counts(diags);
    let prefix = repo_prefix(dir);
    let text = match format {
        Format::Human => {
            diag::render_stderr(db, diags, color);
            if errors + warnings > 0 {
                eprintln!("labc: {errors} error(s), {warnings} warning(s)");
            }
            return Ok(Outcome { errors, warnings });
        }
        Format::Json => formats::to_json(db, diags),
        Format::Github => formats::to_github(db, diags, &prefix),
        Format::Sarif => formats::to_sarif(db, diags, &prefix),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write the diagnostics to stdout: {e}"))?;
    eprintln!("labc: {errors} error(s), {warnings} warning(s)");
    Ok(Outcome { errors, warnings })
}

/// The lab directory as given on the command line, as the prefix of its files' paths in
/// the repository (`lab/`, `./lab` -> `lab/`, `.` -> nothing, `/abs/lab/` kept absolute):
/// labc is run from the repository's root in CI, so those paths are what GitHub and
/// code scanning resolve against the checkout.
pub fn repo_prefix(dir: &Path) -> String {
    let text = dir.to_string_lossy().replace('\\', "/");
    let absolute = text.starts_with('/');
    let parts: Vec<&str> = text
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let mut prefix = if absolute {
        String::from("/")
    } else {
        String::new()
    };
    for p in parts {
        prefix.push_str(p);
        prefix.push('/');
    }
    prefix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_is_the_lab_dir_normalised() {
        for (dir, prefix) in [
            ("lab", "lab/"),
            ("./lab/", "lab/"),
            (".", ""),
            ("", ""),
            ("infra/./lab", "infra/lab/"),
            ("../lab", "../lab/"),
            ("/srv/repo/lab", "/srv/repo/lab/"),
        ] {
            assert_eq!(repo_prefix(Path::new(dir)), prefix, "{dir}");
        }
    }
}
