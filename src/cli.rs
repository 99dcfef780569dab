//! The command line: `labc build`, `labc check`, `labc explain`. The only module that
//! reads and writes files.
//!
//! Exit codes: 0 success, 1 the lab has errors, 2 usage or I/O problems.

use std::collections::BTreeSet;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::db::LabDb;
use crate::diag::{self, Severity};
use crate::emit;

/// The manifest labc keeps in an output directory: the files it wrote, one per line.
pub const MANIFEST: &str = ".labc-manifest";

#[derive(Parser, Debug)]
#[command(
    name = "labc",
    version,
    about = "Type-check a .lab home lab and lower it to Flux YAML trees"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour diagnostics.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    pub color: Color,
    /// Read the standard library from DIR (its `*.lab` files) instead of the copy built
    /// into labc: for working on the stdlib without rebuilding labc.
    #[arg(long, value_name = "DIR", global = true)]
    pub stdlib: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check the lab and write its Flux trees to OUT (nothing is written if it has errors).
    Build {
        /// The lab directory (every .lab file under it is part of the lab).
        #[arg(default_value = "lab")]
        dir: PathBuf,
        /// The output directory: the repository folder the lab's `path` names.
        #[arg(short, long, default_value = "out")]
        out: PathBuf,
    },
    /// Check the lab and report diagnostics; write nothing.
    Check {
        #[arg(default_value = "lab")]
        dir: PathBuf,
    },
    /// Explain a diagnostic code (`labc explain E0402`), or list them all.
    Explain {
        code: Option<String>,
        /// List every code with its title.
        #[arg(long)]
        list: bool,
    },
}

/// Run the CLI; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal(),
    };
    let stdlib = cli.stdlib.as_deref();
    match cli.command {
        Command::Explain { code, list } => explain(code, list),
        Command::Check { dir } => match check(&dir, stdlib, color) {
            Ok((_, errors)) => i32::from(errors > 0),
            Err(e) => io_error(e),
        },
        Command::Build { dir, out } => match check(&dir, stdlib, color) {
            Ok((_, errors)) if errors > 0 => {
                eprintln!("labc: {errors} error(s); nothing written");
                1
            }
            Ok((files, _)) => match write_tree(&out, &files) {
                Ok(()) => {
                    eprintln!("labc: wrote {} files to {}", files.len(), out.display());
                    0
                }
                Err(e) => io_error(e),
            },
            Err(e) => io_error(e),
        },
    }
}

fn io_error(e: String) -> i32 {
    eprintln!("labc: error: {e}");
    2
}

fn explain(code: Option<String>, list: bool) -> i32 {
    if list || code.is_none() {
        for c in diag::codes::CODES {
            println!("{}  {}", c.code, c.title);
        }
        return 0;
    }
    let code = code.unwrap_or_default();
    match diag::codes::lookup(&code) {
        Some(c) => {
            println!("{}: {}\n\n{}", c.code, c.title, c.explanation);
            0
        }
        None => {
            eprintln!("labc: unknown code `{code}` (labc explain --list shows them all)");
            2
        }
    }
}

/// Every file under `dir` (not directories), with its path relative to `dir` written
/// with `/`, sorted by that path.
fn files_under(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|e| format!("cannot read {}: {e}", d.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", d.display()))?;
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                files.push((rel, path));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Extensions of the files a lab is made of: its program and the manifests it includes.
const LAB_EXTENSIONS: &[&str] = &["lab", "yaml", "yml"];

/// Read every `.lab` file and manifest (`.yaml`, `.yml`) under `dir`, as (path relative
/// to `dir`, text), sorted.
pub fn read_lab(dir: &Path) -> Result<Vec<(String, String)>, String> {
    if !dir.is_dir() {
        return Err(format!("`{}` is not a directory", dir.display()));
    }
    let mut sources = Vec::new();
    for (rel, path) in files_under(dir)? {
        if path
            .extension()
            .is_some_and(|e| LAB_EXTENSIONS.iter().any(|x| e == *x))
        {
            let bytes =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            // Invalid UTF-8 is replaced, so the parser reports the stray bytes as errors.
            sources.push((rel, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    Ok(sources)
}

/// The `*.lab` files directly in `dir`, as (file name, text): a stdlib given with
/// `--stdlib`.
fn read_stdlib(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let sources: Vec<(String, String)> = read_lab(dir)?
        .into_iter()
        .filter(|(rel, _)| rel.ends_with(".lab") && !rel.contains('/'))
        .collect();
    if sources.is_empty() {
        return Err(format!("`{}` holds no .lab files", dir.display()));
    }
    Ok(sources)
}

/// Compile the lab in `dir`, print diagnostics, return the output files and error count.
fn check(
    dir: &Path,
    stdlib: Option<&Path>,
    color: bool,
) -> Result<(indexmap::IndexMap<String, String>, usize), String> {
    let sources = read_lab(dir)?;
    let db = LabDb::default();
    let lab = match stdlib {
        Some(std_dir) => db.load_with_stdlib(read_stdlib(std_dir)?, sources),
        None => db.load(sources),
    };
    let (out, diags) = emit::compile_with_diagnostics(&db, lab);
    diag::render_stderr(&db, &diags, color);
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    if errors + warnings > 0 {
        eprintln!("labc: {errors} error(s), {warnings} warning(s)");
    }
    Ok((out.files.clone(), errors))
}

/// Write `files` to `out` atomically: build the tree in a temporary sibling, then swap it
/// into place. Files in `out` that labc did not write (not in its manifest) are kept;
/// files labc wrote before and does not write now are removed.
pub fn write_tree(out: &Path, files: &indexmap::IndexMap<String, String>) -> Result<(), String> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let base = out
        .file_name()
        .ok_or_else(|| format!("`{}` is not a usable output directory", out.display()))?
        .to_string_lossy()
        .into_owned();
    let tmp = parent.join(format!(".{base}.labc-new-{}", std::process::id()));
    let old = parent.join(format!(".{base}.labc-old-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = (|| {
        for (rel, text) in files {
            let path = tmp.join(rel);
            if let Some(p) = path.parent() {
                std::fs::create_dir_all(p)
                    .map_err(|e| format!("cannot create {}: {e}", p.display()))?;
            }
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        let manifest: String = files.keys().map(|k| format!("{k}\n")).collect();
        std::fs::write(tmp.join(MANIFEST), manifest)
            .map_err(|e| format!("cannot write manifest: {e}"))?;
        if out.exists() {
            carry_foreign_files(out, &tmp, files)?;
            std::fs::rename(out, &old)
                .map_err(|e| format!("cannot move {} aside: {e}", out.display()))?;
            if let Err(e) = std::fs::rename(&tmp, out) {
                // Put the previous tree back: never lose a file.
                let _ = std::fs::rename(&old, out);
                return Err(format!(
                    "cannot move the new tree into {}: {e}",
                    out.display()
                ));
            }
            std::fs::remove_dir_all(&old)
                .map_err(|e| format!("cannot remove {}: {e}", old.display()))?;
        } else {
            std::fs::rename(&tmp, out)
                .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Copy files of `out` that labc did not write into the new tree `tmp`.
fn carry_foreign_files(
    out: &Path,
    tmp: &Path,
    files: &indexmap::IndexMap<String, String>,
) -> Result<(), String> {
    let ours: BTreeSet<String> = std::fs::read_to_string(out.join(MANIFEST))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    for (rel, path) in files_under(out)? {
        if rel == MANIFEST || ours.contains(&rel) {
            continue;
        }
        if files.contains_key(&rel) {
            return Err(format!(
                "{} exists and was not written by labc; move it away or delete it, labc will not overwrite it",
                path.display()
            ));
        }
        let dest = tmp.join(&rel);
        if let Some(p) = dest.parent() {
            std::fs::create_dir_all(p)
                .map_err(|e| format!("cannot create {}: {e}", p.display()))?;
        }
        std::fs::copy(&path, &dest).map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
    }
    Ok(())
}
