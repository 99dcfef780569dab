//! Writing an output tree: build it complete and synced in a sibling directory, carry the
//! user's own entries over, then swap it into place so OUT is never missing.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use indexmap::IndexSet;

use crate::compile::Files;

use super::out_dir::{self, sync_dir, OutDir};
use super::walk::{self, warn, Kind};
use super::{rel_path, MANIFEST};

/// Write `files` to `out`, replacing what labc wrote there before. Every path is checked
/// first (nothing is written if one is unsafe). Under a lock on OUT, leftovers of
/// interrupted builds are recovered or removed; the new tree is built in
/// `.<out>.labc-new-<pid>` with the user's entries of the old tree (those not in its
/// `.labc-manifest`) carried over, files and directories synced, and then exchanged with
/// OUT. A link OUT is written through: its target is replaced, the link stays.
pub fn write_tree(out: &Path, files: &Files) -> Result<(), String> {
    for rel in files.keys() {
        rel_path::check(rel)?;
    }
    let staged = Staged::begin(out)?;
    let written = (|| {
        for (rel, text) in files {
            staged.write(rel, text)?;
        }
        Ok::<(), String>(())
    })();
    match written {
        Ok(()) => {
            let paths: Vec<&str> = files.keys().map(String::as_str).collect();
            staged.finish(paths.into_iter())
        }
        Err(e) => {
            staged.abandon();
            Err(e)
        }
    }
}

/// A new tree of OUT being written into its staging directory `.<out>.labc-new-<pid>`,
/// under the lock of OUT: files are added as they come (`write`, from several threads if
/// need be), then the tree is completed and swapped in (`finish`) or removed
/// (`abandon`). OUT itself is touched only by `finish`.
pub struct Staged {
    dir: OutDir,
    tmp: PathBuf,
    _lock: out_dir::Lock,
}

impl Staged {
    /// Lock OUT, recover or remove the leftovers of interrupted builds, create the staging
    /// directory.
    pub fn begin(out: &Path) -> Result<Staged, String> {
        let dir = out_dir::resolve(out)?;
        std::fs::create_dir_all(&dir.parent)
            .map_err(|e| format!("cannot create {}: {e}", dir.parent.display()))?;
        let lock = out_dir::lock(&dir, out)?;
        out_dir::recover_and_clean(&dir)?;
        let tmp = dir.sibling(&format!("new-{}", std::process::id()));
        std::fs::create_dir(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        Ok(Staged {
            dir,
            tmp,
            _lock: lock,
        })
    }

    /// Write one of labc's files (its path checked first) into the staging directory.
    pub fn write(&self, rel: &str, text: &str) -> Result<(), String> {
        rel_path::check(rel)?;
        write_new(&self.tmp.join(rel), text.as_bytes())
    }

    /// Complete the tree (the manifest of `paths`, labc's files in output order; the
    /// user's entries of the current OUT), sync it and swap it in; then remove the
    /// previous tree. On failure the staging directory is removed and OUT is as it was.
    pub fn finish<'a>(self, paths: impl Iterator<Item = &'a str> + Clone) -> Result<(), String> {
        let result =
            complete(&self.tmp, &self.dir, paths).and_then(|()| swap(&self.tmp, &self.dir));
        match result {
            Ok(Some(previous)) => {
                if let Some(warning) = remove_previous(&previous, out_dir::remove_any) {
                    warn(&warning);
                }
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => {
                self.abandon();
                Err(e)
            }
        }
    }

    /// Remove the staging directory: OUT stays as it was.
    pub fn abandon(self) {
        let _ = out_dir::remove_any(&self.tmp);
    }
}

/// Remove the previous tree after a successful swap. Failing to is not a failed build (the
/// new tree is in place): the returned warning says what is left, the next build removes it.
fn remove_previous(
    previous: &Path,
    remove: impl Fn(&Path) -> std::io::Result<()>,
) -> Option<String> {
    remove(previous).err().map(|e| {
        format!(
            "the new tree is in place, but the previous one could not be removed: {}: {e} (the next build removes it)",
            previous.display()
        )
    })
}

/// Complete the new tree in `tmp`, which holds labc's files: the manifest, the user's
/// entries of the current OUT; then sync every file and directory, so the swap publishes
/// only data that is on disk.
fn complete<'a>(
    tmp: &Path,
    dir: &OutDir,
    paths: impl Iterator<Item = &'a str> + Clone,
) -> Result<(), String> {
    let manifest: String = paths.clone().map(|k| format!("{k}\n")).collect();
    write_new(&tmp.join(MANIFEST), manifest.as_bytes())?;
    if std::fs::symlink_metadata(&dir.path).is_ok() {
        let ours: IndexSet<&str> = paths.collect();
        carry_user_entries(&dir.path, tmp, &ours)?;
    }
    sync_tree(tmp)
}

/// Get every file and directory of `tmp` onto disk. On Linux one `syncfs` does it: it
/// writes back the whole file system `tmp` is on, with one journal commit, where an
/// `fsync` per file and directory costs a commit each (the example lab's 369 files took
/// seconds instead of a fraction of one).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn sync_tree(tmp: &Path) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("cannot sync {}: {e}", tmp.display());
    let dir = std::fs::File::open(tmp).map_err(|e| fail(&e))?;
    rustix::fs::syncfs(&dir).map_err(|e| fail(&e))
}

/// Get every file and directory of `tmp` onto disk: `fsync` each regular file and
/// directory, once all are written, so the file system can write them back together.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn sync_tree(tmp: &Path) -> Result<(), String> {
    for entry in walk::entries(tmp)? {
        match entry.kind {
            Kind::File => std::fs::File::open(&entry.path)
                .and_then(|f| f.sync_all())
                .map_err(|e| format!("cannot sync {}: {e}", entry.path.display()))?,
            Kind::Dir => sync_dir(&entry.path)?,
            _ => {}
        }
    }
    sync_dir(tmp)
}

/// Create `path` (it must not exist: `tmp` is fresh, so nothing can be written through a
/// link) with its parent directories, and write `bytes` (synced later, by `sync_tree`).
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).map_err(|e| format!("cannot create {}: {e}", p.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(bytes)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The paths labc wrote into `out` last time, from its manifest.
fn previous_manifest(out: &Path) -> Result<BTreeSet<String>, String> {
    let path = out.join(MANIFEST);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(BTreeSet::new());
    }
    let Some(mut file) = walk::open_regular(&path)? else {
        return Err(format!(
            "{} is not a regular file; remove it (labc keeps the list of the files it wrote there)",
            path.display()
        ));
    };
    let mut text = String::new();
    std::io::Read::read_to_string(&mut file, &mut text)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text.lines().map(str::to_string).collect())
}

/// Carry the user's entries of `out` (those not in its manifest) into `tmp`: regular files
/// are copied, links are recreated as links with the same target (never followed, never
/// descended into), the user's directories are created even when empty, and directories
/// keep their modes. Refuses to overwrite a user's file with one of labc's, and refuses
/// entries that cannot be carried (a FIFO, socket or device), so none is ever lost.
fn carry_user_entries(out: &Path, tmp: &Path, files: &IndexSet<&str>) -> Result<(), String> {
    let ours = previous_manifest(out)?;
    // labc's directories: those that held the files it wrote. Any other directory is the
    // user's and is carried even when empty.
    let our_dirs: BTreeSet<&str> = ours
        .iter()
        .flat_map(|p| p.match_indices('/').map(move |(i, _)| &p[..i]))
        .collect();
    let mut modes = vec![(out.to_path_buf(), tmp.to_path_buf())];
    for entry in walk::entries(out)? {
        if entry.kind == Kind::Dir {
            let dest = tmp.join(&entry.rel_path);
            if !our_dirs.contains(entry.rel.as_str()) && std::fs::symlink_metadata(&dest).is_err() {
                std::fs::create_dir_all(&dest)
                    .map_err(|e| format!("cannot carry {} over: {e}", entry.path.display()))?;
            }
            modes.push((entry.path, dest));
            continue;
        }
        if entry.rel == MANIFEST || ours.contains(&entry.rel) {
            continue;
        }
        if files.contains(entry.rel.as_str()) {
            return Err(format!(
                "{} exists and was not written by labc; move it away or delete it, labc will not overwrite it",
                entry.path.display()
            ));
        }
        let dest = tmp.join(&entry.rel_path);
        if std::fs::symlink_metadata(&dest).is_ok() {
            return Err(format!(
                "{} was not written by labc and is where labc now writes a directory; move it away or delete it",
                entry.path.display()
            ));
        }
        if let Some(p) = dest.parent() {
            std::fs::create_dir_all(p).map_err(|e| {
                format!(
                    "cannot carry {} over: {e} (labc now writes a file where one of its directories is)",
                    entry.path.display()
                )
            })?;
        }
        match entry.kind {
            Kind::File => copy_regular(&entry.path, &dest)?,
            Kind::Link => copy_link(&entry.path, &dest)?,
            Kind::Other(what) => {
                return Err(format!(
                    "{} is {what}; labc carries only your regular files and links from one build to the next: move it out of the output directory",
                    entry.path.display()
                ))
            }
            Kind::Dir => {}
        }
    }
    // Last, once nothing more is written into them (a read-only directory could not be
    // filled): every directory that is in both trees keeps its mode, OUT's own included,
    // so a private (0700) directory does not become readable by all.
    for (from, to) in modes {
        if std::fs::symlink_metadata(&to).is_ok_and(|m| m.is_dir()) {
            copy_mode(&from, &to)?;
        }
    }
    Ok(())
}

/// Give the directory `to` the permissions of the directory `from`.
fn copy_mode(from: &Path, to: &Path) -> Result<(), String> {
    let perms = std::fs::symlink_metadata(from)
        .map_err(|e| format!("cannot read {}: {e}", from.display()))?
        .permissions();
    std::fs::set_permissions(to, perms)
        .map_err(|e| format!("cannot set the permissions of {}: {e}", to.display()))
}

/// Copy the regular file `from` to the new `to` with its permissions (synced later).
fn copy_regular(from: &Path, to: &Path) -> Result<(), String> {
    let Some(mut src) = walk::open_regular(from)? else {
        return Err(format!(
            "{} stopped being a regular file while labc copied it",
            from.display()
        ));
    };
    let fail = |e: std::io::Error| format!("cannot copy {}: {e}", from.display());
    let mut dst = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .map_err(fail)?;
    std::io::copy(&mut src, &mut dst).map_err(fail)?;
    let perms = src.metadata().map_err(fail)?.permissions();
    dst.set_permissions(perms).map_err(fail)
}

/// Recreate the link `from` at `to`, pointing where `from` points (relative targets stay
/// relative, so they resolve the same inside the new tree).
fn copy_link(from: &Path, to: &Path) -> Result<(), String> {
    let target =
        std::fs::read_link(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    #[cfg(unix)]
    return std::os::unix::fs::symlink(&target, to)
        .map_err(|e| format!("cannot carry the link {} over: {e}", from.display()));
    #[cfg(not(unix))]
    {
        let _ = (target, to);
        Err(format!(
            "{} is a link; labc cannot carry links over on this platform: move it out of the output directory",
            from.display()
        ))
    }
}

/// Put the complete tree `tmp` at OUT. Returns where the previous tree now is (to be
/// removed), or `None` if there was none.
fn swap(tmp: &Path, dir: &OutDir) -> Result<Option<PathBuf>, String> {
    if std::fs::symlink_metadata(&dir.path).is_err() {
        std::fs::rename(tmp, &dir.path)
            .map_err(|e| format!("cannot create {}: {e}", dir.path.display()))?;
        sync_parent(dir);
        return Ok(None);
    }
    let previous = match exchange(tmp, &dir.path) {
        // After the exchange `tmp` holds the previous tree; OUT was never missing.
        Ok(true) => tmp.to_path_buf(),
        Ok(false) => {
            let old = dir.sibling(&format!("old-{}", std::process::id()));
            swap_by_renames(tmp, &dir.path, &old)?;
            old
        }
        Err(e) => return Err(e),
    };
    sync_parent(dir);
    Ok(Some(previous))
}

/// Sync OUT's parent after the swap, so the new name is on disk. The new tree is in place
/// by then: a failure is a warning, not a failed build (and must not remove anything).
fn sync_parent(dir: &OutDir) {
    if let Err(e) = sync_dir(&dir.parent) {
        warn(&format!("the new tree is in place, but {e}"));
    }
}

/// Atomically exchange `a` and `b` (Linux `renameat2(RENAME_EXCHANGE)`). `Ok(false)` when
/// the system or file system cannot, so the caller falls back to two renames.
fn exchange(a: &Path, b: &Path) -> Result<bool, String> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        use rustix::io::Errno;
        match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
            Ok(()) => Ok(true),
            Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => Ok(false),
            Err(e) => Err(format!(
                "cannot move the new tree into {}: {e}",
                b.display()
            )),
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = (a, b);
        Ok(false)
    }
}

/// The swap where exchange is not available: move OUT aside to `old`, move `tmp` in, and
/// if that fails move `old` back. If labc is killed between the two renames, the next
/// build finds `old` and no OUT, and restores it (`out_dir::recover_and_clean`).
fn swap_by_renames(tmp: &Path, out: &Path, old: &Path) -> Result<(), String> {
    std::fs::rename(out, old).map_err(|e| format!("cannot move {} aside: {e}", out.display()))?;
    if let Err(e) = std::fs::rename(tmp, out) {
        return match std::fs::rename(old, out) {
            Ok(()) => Err(format!(
                "cannot move the new tree into {}: {e}; the previous tree is back in place",
                out.display()
            )),
            Err(back) => Err(format!(
                "cannot move the new tree into {}: {e}; and cannot put the previous tree back from {}: {back}; the next labc build restores it",
                out.display(),
                old.display()
            )),
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_removal_of_the_previous_tree_is_a_warning() {
        let gone = Path::new("/nonexistent/previous");
        let warning = remove_previous(gone, |_| Err(std::io::Error::other("busy")))
            .expect("a failed removal is reported");
        assert!(warning.contains("the new tree is in place"), "{warning}");
        assert!(warning.contains("busy"), "{warning}");
        assert_eq!(remove_previous(gone, |_| Ok(())), None);
    }

    #[test]
    fn swap_by_renames_moves_the_new_tree_in_and_keeps_the_old_aside() {
        let t = tempfile::tempdir().unwrap();
        let (tmp, out, old) = (
            t.path().join("new"),
            t.path().join("out"),
            t.path().join("old"),
        );
        std::fs::create_dir(&tmp).unwrap();
        std::fs::write(tmp.join("n"), "new").unwrap();
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("o"), "old").unwrap();
        swap_by_renames(&tmp, &out, &old).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("n")).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(old.join("o")).unwrap(), "old");
        assert!(!tmp.exists());
    }

    #[test]
    fn swap_by_renames_restores_the_old_tree_when_the_new_one_cannot_move_in() {
        let t = tempfile::tempdir().unwrap();
        let (tmp, out, old) = (
            t.path().join("missing"),
            t.path().join("out"),
            t.path().join("old"),
        );
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("mine"), "keep").unwrap();
        let err = swap_by_renames(&tmp, &out, &old).unwrap_err();
        assert!(err.contains("previous tree is back in place"), "{err}");
        assert_eq!(std::fs::read_to_string(out.join("mine")).unwrap(), "keep");
        assert!(!old.exists());
    }
}
