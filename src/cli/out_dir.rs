//! Where OUT really is and who may replace it: resolving a linked OUT, refusing an OUT
//! that overlaps the lab, the lock that serialises builds, and the leftovers of
//! interrupted builds.
//!
//! All of labc's own names live next to the real OUT, in its parent directory:
//! `.<out>.labc-lock` (kept; removing a lock file others may be waiting on would let two
//! builds in), `.<out>.labc-new-<pid>` (the tree being built) and `.<out>.labc-old-<pid>`
//! (the previous tree during a swap that cannot exchange).

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};

use super::walk::warn;

/// The real location of an output directory: the parent is canonical (no links, absolute).
#[derive(Debug, Clone)]
pub struct OutDir {
    /// The real OUT: `parent/name`. It may not exist yet.
    pub path: PathBuf,
    pub parent: PathBuf,
    pub name: OsString,
}

impl OutDir {
    /// A sibling of OUT named `.<out>.labc-<what>`.
    pub fn sibling(&self, what: &str) -> PathBuf {
        let mut name = OsString::from(".");
        name.push(&self.name);
        name.push(format!(".labc-{what}"));
        self.parent.join(name)
    }
}

/// Where `out` really is. A link is resolved to its target (which must be a directory),
/// so the build replaces the target and the link stays a link. An OUT that does not exist
/// yet is placed under the canonical form of its nearest existing ancestor.
pub fn resolve(out: &Path) -> Result<OutDir, String> {
    let real = match std::fs::symlink_metadata(out) {
        Ok(meta) if meta.is_symlink() => {
            let target = std::fs::canonicalize(out).map_err(|e| {
                let to = std::fs::read_link(out).unwrap_or_default();
                format!(
                    "the output directory {} is a link to {}, which cannot be resolved ({e}); create that directory or remove the link",
                    out.display(),
                    to.display()
                )
            })?;
            if !target.is_dir() {
                return Err(format!(
                    "the output directory {} is a link to {}, which is not a directory",
                    out.display(),
                    target.display()
                ));
            }
            target
        }
        Ok(meta) if meta.is_dir() => std::fs::canonicalize(out)
            .map_err(|e| format!("cannot resolve {}: {e}", out.display()))?,
        Ok(_) => {
            return Err(format!(
                "the output directory {} exists and is not a directory",
                out.display()
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => not_yet_existing(out)?,
        Err(e) => return Err(format!("cannot read {}: {e}", out.display())),
    };
    match (real.parent(), real.file_name()) {
        (Some(parent), Some(name)) => Ok(OutDir {
            parent: parent.to_path_buf(),
            name: name.to_os_string(),
            path: real.clone(),
        }),
        _ => Err(format!(
            "`{}` is not a usable output directory (it resolves to {})",
            out.display(),
            real.display()
        )),
    }
}

/// The real path of an `out` that does not exist: its nearest existing ancestor,
/// canonicalized, joined with the missing names (which must be plain names).
fn not_yet_existing(out: &Path) -> Result<PathBuf, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let mut at = cwd.join(out);
    let mut missing: Vec<OsString> = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(&at) {
            let mut path = real;
            for name in missing.iter().rev() {
                path.push(name);
            }
            return Ok(path);
        }
        let (Some(name), Some(parent)) = (at.file_name(), at.parent()) else {
            return Err(format!(
                "cannot resolve the output directory {}",
                out.display()
            ));
        };
        if at.ends_with("..") {
            return Err(format!(
                "cannot resolve the output directory {}: `..` after a directory that does not exist",
                out.display()
            ));
        }
        missing.push(name.to_os_string());
        at = parent.to_path_buf();
    }
}

/// Refuse an OUT that is the lab, lies inside it (labc would read its own output as lab
/// files next time, and the walk would race the swap) or contains it (replacing OUT would
/// replace the lab). Paths are compared canonicalized, so links and `..` do not hide it.
pub fn refuse_overlap(out: &Path, lab: &Path) -> Result<(), String> {
    // A lab that does not exist is reported by the compile step, with its own message.
    let Ok(lab_real) = std::fs::canonicalize(lab) else {
        return Ok(());
    };
    let out_real = resolve(out)?.path;
    let (relation, why) = if out_real == lab_real {
        (
            "is the lab directory itself",
            "building would replace the lab with its output",
        )
    } else if out_real.starts_with(&lab_real) {
        (
            "is inside the lab directory",
            "labc would read its own output as part of the lab",
        )
    } else if lab_real.starts_with(&out_real) {
        (
            "contains the lab directory",
            "building would replace the lab with its output",
        )
    } else {
        return Ok(());
    };
    Err(format!(
        "the output directory {} ({}) {relation} {}: {why}; choose an output directory outside the lab",
        out.display(),
        out_real.display(),
        lab_real.display()
    ))
}

/// A held lock on OUT; released when dropped (closing the file releases `flock`).
pub struct Lock {
    _file: File,
}

/// Take the lock of OUT, waiting (with a message) while another build holds it. The wait
/// is not bounded: the lock is released by the kernel when its holder exits, so it ends
/// when the other build does, however it ends.
pub fn lock(out: &OutDir, shown: &Path) -> Result<Lock, String> {
    let path = out.sibling("lock");
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    // Never through a link, and never blocking on a FIFO put in its place.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
        options.custom_flags(flags.bits() as i32);
    }
    let file = options
        .open(&path)
        .map_err(|e| format!("cannot create the lock file {}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use rustix::fs::{flock, FlockOperation};
        let fail = |e: rustix::io::Errno| format!("cannot lock {}: {e}", path.display());
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => {
                eprintln!(
                    "labc: waiting for another labc build of {} (lock {})",
                    shown.display(),
                    path.display()
                );
                flock(&file, FlockOperation::LockExclusive).map_err(fail)?;
            }
            Err(e) => return Err(fail(e)),
        }
    }
    // Elsewhere there is no lock: concurrent builds of one OUT are not serialised.
    #[cfg(not(unix))]
    let _ = shown;
    Ok(Lock { _file: file })
}

/// Leftovers of interrupted builds of `out`: `.<out>.labc-<kind>-<digits>`. (An OUT whose
/// name is not UTF-8 has its leftovers left alone: a lossy prefix could match another's.)
fn leftovers(out: &OutDir, kind: &str) -> Result<Vec<PathBuf>, String> {
    let Some(base) = out.name.to_str() else {
        return Ok(Vec::new());
    };
    let prefix = format!(".{base}.labc-{kind}-");
    let entries = std::fs::read_dir(&out.parent)
        .map_err(|e| format!("cannot read {}: {e}", out.parent.display()))?;
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let is_ours = name.to_str().is_some_and(|n| {
            n.strip_prefix(&prefix)
                .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        });
        if is_ours {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

/// Under the lock: if an interrupted swap left no OUT but a previous tree aside, put that
/// tree back (it holds the user's files); then remove every leftover. Called before each
/// build, so no build ever starts from a tree missing the user's files.
pub fn recover_and_clean(out: &OutDir) -> Result<(), String> {
    let olds = leftovers(out, "old")?;
    if std::fs::symlink_metadata(&out.path).is_err() {
        // The newest tree aside is the one the interrupted swap moved (older ones, if a
        // clean-up failed before, were already superseded).
        let newest = olds
            .iter()
            .filter(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()))
            .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        if let Some(old) = newest {
            std::fs::rename(old, &out.path).map_err(|e| {
                format!(
                    "an interrupted build left {} without its previous tree {}; cannot move it back ({e}): move it back by hand",
                    out.path.display(),
                    old.display()
                )
            })?;
            warn(&format!(
                "restored {} from {}, left by an interrupted build",
                out.path.display(),
                old.display()
            ));
            sync_dir(&out.parent)?;
        }
    }
    for path in leftovers(out, "old")?
        .into_iter()
        .chain(leftovers(out, "new")?)
    {
        if let Err(e) = remove_any(&path) {
            warn(&format!(
                "cannot remove {}, left by an interrupted build: {e}",
                path.display()
            ));
        }
    }
    Ok(())
}

/// Remove a directory tree, or a file or link (never following a link).
pub fn remove_any(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) => Err(e),
    }
}

/// Sync a directory, so the names created in it are on disk.
pub fn sync_dir(path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    std::fs::File::open(path)
        .and_then(|d| d.sync_all())
        .map_err(|e| format!("cannot sync {}: {e}", path.display()))?;
    // Elsewhere a directory cannot be opened as a file; its entries are synced with it.
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
