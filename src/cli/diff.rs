//! `labc diff`: what the lab as it is now does to the emitted objects, compared with a tree
//! labc wrote (an OUT directory) or with the lab as it was at a git revision (compiled in a
//! fresh database from the files `git` has for the lab directory at that revision).
//! The comparison itself is `objdiff`, which is pure; this file only gathers the trees.

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};

use clap::ValueEnum;
use indexmap::IndexMap;

use super::build_check::read_ours;
use super::{check, io_error, read_stdlib, MANIFEST};
use crate::compile;
use crate::db::LabDb;
use crate::diag::Severity;
use crate::objdiff;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Text,
    Markdown,
}

/// Run `labc diff`: 0 when the trees were compared (changed or not), 1 when the lab has
/// errors, 2 when `against` cannot be read or its lab has errors.
pub fn run(dir: &Path, against: &str, format: Format, stdlib: Option<&Path>, color: bool) -> i32 {
    let after = match check(dir, stdlib, color) {
        Ok((_, errors)) if errors > 0 => {
            eprintln!("labc: {errors} error(s); nothing compared");
            return 1;
        }
        Ok((files, _)) => files,
        Err(e) => return io_error(e),
    };
    let before = if Path::new(against).is_dir() {
        out_tree(Path::new(against))
    } else {
        tree_at_revision(dir, against, stdlib)
    };
    let before = match before {
        Ok(files) => files,
        Err(e) => return io_error(e),
    };
    let d = objdiff::diff(&before, &after.to_map());
    let text = match format {
        Format::Text => objdiff::render_text(&d),
        Format::Markdown => objdiff::render_markdown(&d),
    };
    print!("{text}");
    0
}

/// The files labc wrote into `out`, as its manifest lists them (the user's are not part of
/// the tree).
fn out_tree(out: &Path) -> Result<IndexMap<String, String>, String> {
    let Some(manifest) = read_ours(out, MANIFEST)? else {
        return Err(format!(
            "{} has no {MANIFEST}, so labc did not write it: name an output directory of `labc build` or a git revision",
            out.display()
        ));
    };
    let mut files = IndexMap::new();
    for rel in String::from_utf8_lossy(&manifest).lines() {
        // A listed file that is gone, or is not a plain path in OUT, is not in the tree.
        if let Some(bytes) = read_ours(out, rel)? {
            files.insert(
                rel.to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            );
        }
    }
    Ok(files)
}

/// Run `git args` in `dir`, returning its stdout, or its stderr's first line as the error.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e} (is git installed?)"))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        let err = String::from_utf8_lossy(&output.stderr);
        Err(err.lines().next().unwrap_or("git failed").to_string())
    }
}

/// Compile the lab in `dir` as it was at the git revision `rev`; its output files.
fn tree_at_revision(
    dir: &Path,
    rev: &str,
    stdlib: Option<&Path>,
) -> Result<IndexMap<String, String>, String> {
    if !dir.is_dir() {
        return Err(format!("`{}` is not a directory", dir.display()));
    }
    if git(dir, &["rev-parse", "--show-toplevel"]).is_err() {
        return Err(format!(
            "`{rev}` is not a directory, and the lab {} is not in a git repository, so it cannot be a revision either",
            dir.display()
        ));
    }
    let commit = (!rev.starts_with('-'))
        .then(|| git(dir, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")]).ok())
        .flatten()
        .map(|out| String::from_utf8_lossy(&out).trim().to_string())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            format!(
                "`{rev}` is neither a directory nor a revision of the repository of {}: give an output directory of `labc build` or a commit, branch or tag",
                dir.display()
            )
        })?;
    let sources = sources_at(dir, &commit)?;
    if !sources.iter().any(|(p, _)| p.ends_with(".lab")) {
        return Err(format!(
            "there are no .lab files under {} at `{rev}`",
            dir.display()
        ));
    }
    let db = LabDb::default();
    let lab = match stdlib {
        Some(std_dir) => db.load_with_stdlib(read_stdlib(std_dir)?, sources),
        None => db.load(sources),
    };
    let (out, diags) = compile::compile_with_diagnostics(&db, lab);
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if errors > 0 {
        return Err(format!(
            "the lab at `{rev}` has {errors} error(s), so there is no output to compare with; check out `{rev}` and run `labc check` to see them"
        ));
    }
    Ok(out.files.to_map())
}

/// The lab's files (`.lab`, `.yaml`, `.yml` and data files, as `read_lab` takes them) under `dir` at
/// `commit`, as (path relative to `dir`, text), sorted by path. Links and submodules are
/// skipped: a lab read from the file system does not follow links out of it either.
fn sources_at(dir: &Path, commit: &str) -> Result<Vec<(String, String)>, String> {
    let listing = git(dir, &["ls-tree", "-r", "-z", commit, "--", "."])?;
    let mut wanted: Vec<(String, String)> = Vec::new();
    for entry in listing.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let meta: Vec<&str> = meta.split(' ').collect();
        let is_file = matches!(meta.as_slice(), ["100644" | "100755", "blob", _]);
        if is_file && super::walk::reads_path(path) {
            wanted.push((path.to_string(), meta[2].to_string()));
        }
    }
    wanted.sort();
    let blobs = cat_blobs(dir, wanted.iter().map(|(_, oid)| oid.as_str()))?;
    if blobs.len() != wanted.len() {
        return Err(format!(
            "git returned {} of the {} files of the lab at {commit}",
            blobs.len(),
            wanted.len()
        ));
    }
    // A data file over the limit is left out, as `read_lab` leaves it out.
    let data_limit = super::walk::MAX_DATA_FILE as usize;
    Ok(wanted
        .into_iter()
        .zip(blobs)
        .filter(|((path, _), bytes)| {
            [".lab", ".yaml", ".yml"].iter().any(|x| path.ends_with(x)) || bytes.len() <= data_limit
        })
        .map(|((path, _), bytes)| (path, String::from_utf8_lossy(&bytes).into_owned()))
        .collect())
}

/// The contents of the blobs `oids`, in order, from one `git cat-file --batch`.
fn cat_blobs<'a>(dir: &Path, oids: impl Iterator<Item = &'a str>) -> Result<Vec<Vec<u8>>, String> {
    let input: String = oids.map(|o| format!("{o}\n")).collect();
    let mut child = Command::new("git")
        .args(["cat-file", "--batch"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("cannot write to git")?;
    // Written from a thread: git answers while it reads, and a full stdout pipe would
    // otherwise stop it before it has read everything.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut out = Vec::new();
    let read = child
        .stdout
        .take()
        .ok_or("cannot read from git")?
        .read_to_end(&mut out);
    let written = writer.join();
    let status = child.wait().map_err(|e| format!("git failed: {e}"))?;
    if read.is_err() || !matches!(written, Ok(Ok(()))) || !status.success() {
        return Err("git cat-file failed to read the lab's files".into());
    }
    parse_batch(&out)
}

/// Split `git cat-file --batch` output: `<oid> <type> <size>\n<contents>\n` per object.
fn parse_batch(mut out: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let bad = || "git cat-file gave output labc does not understand".to_string();
    let mut blobs = Vec::new();
    while !out.is_empty() {
        let nl = out.iter().position(|&b| b == b'\n').ok_or_else(bad)?;
        let header = String::from_utf8_lossy(&out[..nl]).into_owned();
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .filter(|_| header.split(' ').nth(1) == Some("blob"))
            .ok_or_else(bad)?;
        let end = (nl + 1).checked_add(size).ok_or_else(bad)?;
        let body = out.get(nl + 1..end).ok_or_else(bad)?;
        blobs.push(body.to_vec());
        out = out.get(end + 1..).unwrap_or(&[]);
    }
    Ok(blobs)
}
