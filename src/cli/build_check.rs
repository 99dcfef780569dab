//! `labc build --check`: compile the lab and compare its tree with the one in OUT without
//! writing anything (no lock, no leftovers cleaned), for CI to refuse a stale committed
//! output. Only the files labc wrote (its `.labc-manifest`) count: the user's own files in
//! OUT are neither compared nor "removed".

use std::collections::BTreeSet;
use std::io::Read as _;
use std::path::Path;

use crate::compile::Files;

use super::report::{report_files, Format};
use super::{io_error, out_dir, rel_path, walk, MANIFEST};

/// Run the check: 0 when OUT is what `labc build` would write, 1 when it is stale (the
/// differing files on stdout) or the lab has errors (or warnings, `deny`), 2 for usage and I/O problems.
pub fn run(dir: &Path, out: &Path, stdlib: Option<&Path>, color: bool, deny: bool) -> i32 {
    let files = match report_files(dir, stdlib, Format::Human, color) {
        Ok((o, _)) if o.fails(deny, "; OUT not compared") => return 1,
        Ok((_, files)) => files,
        Err(e) => return io_error(e),
    };
    let lines = match out_dir::refuse_overlap(out, dir).and_then(|()| stale_files(out, &files)) {
        Ok(lines) => lines,
        Err(e) => return io_error(e),
    };
    if lines.is_empty() {
        eprintln!(
            "labc: {} is up to date ({} files)",
            out.display(),
            files.len()
        );
        return 0;
    }
    for (path, sign) in &lines {
        println!("{sign} {path}");
    }
    eprintln!(
        "labc: {} is stale: {} file(s) differ from what `labc build` writes; run `labc build {} --out {}`",
        out.display(),
        lines.len(),
        dir.display(),
        out.display()
    );
    1
}

/// The bytes of labc's file `rel` in `out`, `None` if it is not there as labc writes it:
/// `rel` must be a plain relative path (a manifest is only a file in OUT, and a
/// hand-edited one must not make labc read, and `labc diff` print, files elsewhere), every
/// directory on the way a directory and not a link, the file a regular file.
pub(super) fn read_ours(out: &Path, rel: &str) -> Result<Option<Vec<u8>>, String> {
    if rel != MANIFEST && rel_path::check(rel).is_err() {
        return Ok(None);
    }
    let mut at = out.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        at.push(part);
        let last = i + 1 == parts.len();
        match std::fs::symlink_metadata(&at) {
            Ok(m) if last && m.is_file() => {}
            Ok(m) if !last && m.is_dir() => {}
            Ok(_) => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", at.display())),
        }
    }
    let Some(mut file) = walk::open_regular(&at)? else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", at.display()))?;
    Ok(Some(bytes))
}

/// The files of OUT that differ from `files`, sorted by path: `+` added (not in OUT, or
/// not labc's there), `~` changed, `-` removed (labc wrote it, the lab no longer does).
/// The manifest is one of labc's files, so a reordering of the same files shows as
/// `~ .labc-manifest`. A missing OUT has every file added.
pub fn stale_files(out: &Path, files: &Files) -> Result<Vec<(String, char)>, String> {
    let exists = std::fs::symlink_metadata(out).is_ok();
    if exists && !out.is_dir() {
        return Err(format!(
            "the output directory {} exists and is not a directory",
            out.display()
        ));
    }
    let old_manifest = if exists {
        read_ours(out, MANIFEST)?
    } else {
        None
    };
    let ours: BTreeSet<String> = old_manifest
        .as_deref()
        .map(|b| {
            String::from_utf8_lossy(b)
                .lines()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let mut lines = Vec::new();
    for (rel, text) in files {
        let on_disk = if ours.contains(rel) {
            read_ours(out, rel)?
        } else {
            None
        };
        match on_disk {
            None => lines.push((rel.clone(), '+')),
            Some(bytes) if bytes != text.as_bytes() => lines.push((rel.clone(), '~')),
            Some(_) => {}
        }
    }
    // One set of the paths: `Files::contains_key` looks in every cluster's map.
    let written: std::collections::HashSet<&str> = files.keys().map(String::as_str).collect();
    for rel in &ours {
        if !written.contains(rel.as_str()) && read_ours(out, rel)?.is_some() {
            lines.push((rel.clone(), '-'));
        }
    }
    // The manifest as `tree::write_tree` writes it: the files in output order.
    let manifest: String = files.keys().map(|k| format!("{k}\n")).collect();
    match old_manifest {
        None => lines.push((MANIFEST.to_string(), '+')),
        Some(bytes) if bytes != manifest.as_bytes() => lines.push((MANIFEST.to_string(), '~')),
        Some(_) => {}
    }
    lines.sort();
    Ok(lines)
}
