//! Walking a directory without ever following a link: the lab's sources, and the user's
//! entries in an output directory.
//!
//! Links are never followed by the walk itself, so a link loop cannot hang it and a link to
//! `.` cannot make it read every file again. Lab files reached through a file link are read
//! only when the link's canonical target stays inside the lab. Nothing that is not a
//! regular file (a FIFO, a socket, a device) is ever opened: its type is checked on the
//! entry first, and the file is opened non-blocking and checked again, in case it was
//! swapped in between.

use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// What an entry is, as `lstat` sees it (links are not followed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File,
    Link,
    /// A FIFO, socket or device, described in words for messages.
    Other(&'static str),
}

/// One entry under a walked root.
#[derive(Debug)]
pub struct Entry {
    /// The path relative to the root, written with `/` (lossy for non-UTF-8 names): what
    /// the manifest and the compiler speak.
    pub rel: String,
    /// The same relative path as the file system spells it: what copies are made with, so
    /// a non-UTF-8 name is carried over unchanged.
    pub rel_path: PathBuf,
    /// The full path (root joined with `rel_path`).
    pub path: PathBuf,
    pub kind: Kind,
}

/// Print a warning the way every labc message is printed.
pub fn warn(msg: &str) {
    eprintln!("labc: warning: {msg}");
}

/// Every entry under `root` (not `root` itself), sorted by `rel`. A link is reported as a
/// link and never descended into; `root` itself may be a link to a directory.
pub fn entries(root: &Path) -> Result<Vec<Entry>, String> {
    let mut found = Vec::new();
    for entry in WalkDir::new(root).follow_links(false).min_depth(1) {
        let entry = entry.map_err(|e| {
            let at = e.path().unwrap_or(root);
            format!("cannot read {}: {e}", at.display())
        })?;
        let ft = entry.file_type();
        let kind = if ft.is_dir() {
            Kind::Dir
        } else if ft.is_file() {
            Kind::File
        } else if ft.is_symlink() {
            Kind::Link
        } else {
            Kind::Other(describe(&ft))
        };
        let rel_path = entry
            .path()
            .strip_prefix(root)
            .unwrap_or(entry.path())
            .to_path_buf();
        let rel = rel_path
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        found.push(Entry {
            rel,
            rel_path,
            path: entry.path().to_path_buf(),
            kind,
        });
    }
    // Sorted by the `/` path, as the compiler and the manifest see it, whatever order the
    // directory lists its entries in.
    found.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(found)
}

#[cfg(unix)]
fn describe(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_block_device() || ft.is_char_device() {
        "a device"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn describe(_: &std::fs::FileType) -> &'static str {
    "not a regular file"
}

/// Open `path` for reading if it is a regular file; `Ok(None)` if it is something else.
/// The open never blocks (a FIFO swapped in after the walk looked would block a plain
/// open until a writer came), and the type is checked on the open file.
pub fn open_regular(path: &Path) -> Result<Option<File>, String> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options
        .open(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(meta.is_file().then_some(file))
}

/// Extensions of the files a lab is made of: its program and the manifests it includes.
const LAB_EXTENSIONS: &[&str] = &["lab", "yaml", "yml"];

fn is_lab_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| LAB_EXTENSIONS.iter().any(|x| e == *x))
}

/// The largest data file labc reads: a ConfigMap or Secret holds at most 1 MiB, so a larger
/// file could never be what `file("path")` is for, and a lab folder holding a big binary
/// costs no memory.
pub const MAX_DATA_FILE: u64 = 1 << 20;

/// Whether labc reads the file at `rel` (relative to the lab, `/`-separated): a `.lab`
/// file or manifest anywhere, and any other file (a data file for `file("path")`) outside
/// hidden files and folders (`.git`, labc's own `.labc-*`).
pub fn reads_path(rel: &str) -> bool {
    let lab = LAB_EXTENSIONS
        .iter()
        .any(|x| rel.rsplit_once('.').is_some_and(|(_, e)| e == *x));
    lab || !rel.split('/').any(|part| part.starts_with('.'))
}

/// Read every `.lab` file and manifest (`.yaml`, `.yml`) under `dir`, and the data files
/// `reads_path` takes (up to `MAX_DATA_FILE` each; larger ones are left out), as (path
/// relative to `dir`, text), sorted. Directory links are not followed (a warning names
/// them); a FIFO, socket or device is skipped (with a warning if it has a lab file's
/// name); a file link is read when its target is inside the lab, and a lab file's link
/// that points outside is an error.
pub fn read_lab(dir: &Path) -> Result<Vec<(String, String)>, String> {
    if !dir.is_dir() {
        return Err(format!("`{}` is not a directory", dir.display()));
    }
    let root =
        std::fs::canonicalize(dir).map_err(|e| format!("cannot resolve {}: {e}", dir.display()))?;
    let mut sources = Vec::new();
    for entry in entries(dir)? {
        let read_from = match entry.kind {
            Kind::Dir => continue,
            Kind::Link => match link_target(&root, &entry)? {
                Some(target) => target,
                None => continue,
            },
            _ if !reads_path(&entry.rel) => continue,
            Kind::Other(_) if !is_lab_file(&entry.path) => continue,
            Kind::File => entry.path.clone(),
            Kind::Other(what) => {
                warn(&format!(
                    "skipping {}: it is {what}, not a regular file",
                    entry.path.display()
                ));
                continue;
            }
        };
        let limit = (!is_lab_file(&entry.path)).then_some(MAX_DATA_FILE);
        if let Some(text) = read_text(&read_from, &entry.path, limit)? {
            sources.push((entry.rel, text));
        }
    }
    Ok(sources)
}

/// The file a link in the lab stands for, if labc should read it: `None` for links that
/// are not lab files and for directory links (those with a warning), an error for a lab
/// file whose link leads outside the lab or nowhere.
fn link_target(root: &Path, entry: &Entry) -> Result<Option<PathBuf>, String> {
    let shown = || {
        let to = std::fs::read_link(&entry.path).unwrap_or_default();
        format!("{} -> {}", entry.path.display(), to.display())
    };
    let target = match std::fs::canonicalize(&entry.path) {
        Ok(t) => t,
        Err(e) if is_lab_file(&entry.path) => {
            return Err(format!(
                "cannot read the link {}: {e}; fix or remove the link",
                shown()
            ))
        }
        Err(_) => return Ok(None),
    };
    if target.is_dir() {
        warn(&format!(
            "not following the directory link {} (labc reads only what is really under the lab directory)",
            shown()
        ));
        return Ok(None);
    }
    if !reads_path(&entry.rel) {
        return Ok(None);
    }
    if !target.starts_with(root) {
        // A data file's link out of the lab is left alone: only lab files must be read.
        if !is_lab_file(&entry.path) {
            return Ok(None);
        }
        return Err(format!(
            "the link {} points outside the lab directory {}; labc reads only files inside the lab: copy the file into the lab or remove the link",
            shown(),
            root.display()
        ));
    }
    Ok(Some(target))
}

/// The text of the regular file `path` (reached as `shown`), or `None` with a warning if
/// it is not a regular file, and `None` if it is longer than `limit` bytes. Invalid UTF-8
/// is replaced, so the parser reports the stray bytes as errors (and `file` as E0216).
fn read_text(path: &Path, shown: &Path, limit: Option<u64>) -> Result<Option<String>, String> {
    let Some(file) = open_regular(path)? else {
        warn(&format!(
            "skipping {}: it is not a regular file",
            shown.display()
        ));
        return Ok(None);
    };
    let mut bytes = Vec::new();
    // One byte over the limit tells a file that is too long from one exactly at it.
    file.take(limit.map_or(u64::MAX, |l| l + 1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", shown.display()))?;
    if limit.is_some_and(|l| bytes.len() as u64 > l) {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}
