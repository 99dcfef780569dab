//! The stdlib as files an editor can open: a go-to-definition (or a reference) whose
//! target is in the stdlib answers a file URI of a read-only copy of that stdlib file,
//! written once per stdlib content under `$XDG_CACHE_HOME/labc/stdlib-<hash>/` (else
//! `$HOME/.cache/labc/...`, else the temp dir), each file written to a temporary name and
//! renamed, so two servers never see half a file. When the editor opens such a copy, the
//! server knows it as the stdlib file of the lab that led there, not a lab of its own.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::hash::Hasher as _;
use std::path::{Path, PathBuf};

use lsp_types::{Diagnostic, Uri};

use super::diagnostics::{convert, is_stdlib};
use crate::db::{Db, Lab, SourceFile};

/// The copies written this session and which lab each opened copy belongs to.
#[derive(Default)]
pub struct StdlibCopies {
    /// Copy on disk -> (the index of the open lab whose target it was, the latest one;
    /// the stdlib file's program path, `std/<file>.lab`).
    known: RefCell<HashMap<PathBuf, (usize, String)>>,
    /// The folders whose files are all written.
    written: RefCell<HashSet<PathBuf>>,
}

/// Where the copies go: the user's cache folder, else the temp dir.
fn cache_root() -> PathBuf {
    let env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("XDG_CACHE_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| env("HOME").map(|h| h.join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("labc")
}

/// The stdlib files of a lab's program: (program path, text), in program order.
fn stdlib_files(db: &dyn Db, lab: Lab) -> Vec<(String, String)> {
    lab.files(db)
        .iter()
        .filter(|f| is_stdlib(f.path(db)))
        .map(|f| (f.path(db).clone(), f.text(db).clone()))
        .collect()
}

/// The folder of one stdlib content: named by an FNV-1a hash of its files' paths and
/// texts, which stays the same from one labc build to the next.
fn folder(files: &[(String, String)]) -> PathBuf {
    let mut hash = fnv::FnvHasher::default();
    for (path, text) in files {
        hash.write(path.as_bytes());
        hash.write(&[0]);
        hash.write(text.as_bytes());
        hash.write(&[0]);
    }
    cache_root().join(format!("stdlib-{:012x}", hash.finish() & 0xffff_ffff_ffff))
}

/// Write `text` to `path` unless it already holds it: a temporary file in the same folder,
/// made read-only (a copy, not the stdlib's source), renamed over the name.
fn write_read_only(path: &Path, text: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.labc-lsp-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    let mut perms = std::fs::metadata(&tmp)?.permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&tmp, perms)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

impl StdlibCopies {
    /// The copy on disk of stdlib file `file` of lab `lab` (the open lab `lab_index`),
    /// written with the rest of that stdlib if it is not yet; an error when it cannot be.
    pub fn path_of(
        &self,
        db: &dyn Db,
        lab: Lab,
        lab_index: usize,
        file: SourceFile,
    ) -> Result<PathBuf, String> {
        let program_path = file.path(db);
        let rel = program_path
            .strip_prefix("std/")
            .ok_or_else(|| format!("{program_path} is not a stdlib file"))?;
        let files = stdlib_files(db, lab);
        let dir = folder(&files);
        if !self.written.borrow().contains(&dir) {
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            for (path, text) in &files {
                let Some(name) = path.strip_prefix("std/") else {
                    continue;
                };
                let to = dir.join(name);
                if let Some(parent) = to.parent() {
                    let _ = std::fs::create_dir_all(parent);
                }
                write_read_only(&to, text)
                    .map_err(|e| format!("cannot write {}: {e}", to.display()))?;
            }
            self.written.borrow_mut().insert(dir.clone());
        }
        let copy = dir.join(rel);
        self.known
            .borrow_mut()
            .insert(copy.clone(), (lab_index, program_path.clone()));
        Ok(copy)
    }

    /// The open lab and stdlib program path a copy stands for, if `path` is one the
    /// server answered.
    pub fn lab_file(&self, path: &Path) -> Option<(usize, String)> {
        self.known.borrow().get(path).cloned()
    }
}

/// The diagnostics of stdlib file `file` of `lab`: those whose primary label is there
/// (most mistakes a lab makes through a stdlib template are moved to the lab's line, so
/// this is usually empty).
pub fn diagnostics_of(
    db: &dyn Db,
    lab: Lab,
    file: SourceFile,
    uri: &dyn Fn(&str) -> Option<Uri>,
) -> Vec<Diagnostic> {
    let (_, diags) = crate::compile::compile_with_diagnostics(db, lab);
    diags
        .iter()
        .filter(|d| d.primary.file == file)
        .map(|d| convert(db, d, uri))
        .collect()
}
