//! `labc import FLUX-DIR --out LAB-DIR`: reads a Flux repository (its text files, links
//! and hidden folders left out), imports it with `flux_import` (pure), and writes the lab
//! whole or not at all: into a fresh sibling folder renamed to LAB-DIR, so a failure leaves
//! no half-written lab, and an existing LAB-DIR is replaced only with `--force`.

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::flux_import::{import, Repo};

use super::out_dir::{remove_any, sync_dir};
use super::walk::{entries, open_regular, warn, Kind};

/// A repository file larger than this is left out (with a warning): no manifest is that big.
const FILE_LIMIT: u64 = 4 << 20;

/// What `labc import FLUX-DIR` was asked.
pub(super) struct FluxImport<'a> {
    pub repo: &'a Path,
    pub out: &'a Path,
    pub force: bool,
    pub report: Option<&'a Path>,
    pub json: bool,
}

/// The exit code: 0 imported, 1 imported with errors in the report, 2 nothing written.
pub(super) fn flux(args: FluxImport<'_>) -> i32 {
    match run(&args) {
        Ok(errors) => i32::from(errors),
        Err(e) => super::io_error(e),
    }
}

fn read_repo(root: &Path) -> Result<Repo, String> {
    let mut repo = Repo::new();
    for e in entries(root)? {
        let hidden = e.rel.split('/').any(|p| p.starts_with('.'));
        let yaml = e.rel.ends_with(".yaml")
            || e.rel.ends_with(".yml")
            || e.rel.ends_with("/Kustomization");
        // Every file is read, as a generator's `files` and `envs` may name any; only a
        // YAML file left out is worth a warning.
        if hidden || e.kind != Kind::File {
            if e.kind == Kind::Link && !hidden && yaml {
                warn(&format!("{}: a link, not followed", e.path.display()));
            }
            continue;
        }
        let Some(file) = open_regular(&e.path)? else {
            continue;
        };
        let mut text = String::new();
        let read = file.take(FILE_LIMIT + 1).read_to_string(&mut text);
        match read {
            Ok(n) if n as u64 > FILE_LIMIT => {
                if yaml {
                    warn(&format!(
                        "{}: larger than 4 MiB, left out",
                        e.path.display()
                    ));
                }
            }
            Ok(_) => {
                repo.insert(e.rel, text);
            }
            Err(err) if yaml => warn(&format!(
                "{}: not UTF-8 text ({err}), left out",
                e.path.display()
            )),
            Err(_) => {}
        }
    }
    Ok(repo)
}

fn run(args: &FluxImport<'_>) -> Result<bool, String> {
    if !args.repo.is_dir() {
        return Err(format!("{} is not a directory", args.repo.display()));
    }
    let repo = read_repo(args.repo)?;
    let imported = import(&repo);
    let exists = fs::symlink_metadata(args.out).is_ok();
    if exists && !args.force {
        return Err(format!(
            "{} exists; labc import writes a new lab (give --force to replace it)",
            args.out.display()
        ));
    }
    write_lab(args.out, &imported.files)?;
    let report = if args.json {
        imported.report_json()
    } else {
        imported.report_text()
    };
    match args.report {
        Some(path) => super::fmt::write_atomically(path, &report, "import")?,
        None => print!("{report}"),
    }
    eprintln!(
        "labc: wrote {} lab file(s) to {}",
        imported.files.len(),
        args.out.display()
    );
    Ok(imported.has_errors())
}

/// The lab in a sibling folder first, then renamed over `out` (the old one removed after).
fn write_lab(out: &Path, files: &indexmap::IndexMap<String, String>) -> Result<(), String> {
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("lab");
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let sibling =
        |what: &str| parent.join(format!(".{name}.labc-import-{what}-{}", std::process::id()));
    let fresh: PathBuf = sibling("new");
    let old: PathBuf = sibling("old");
    let written = (|| -> Result<(), String> {
        for (rel, text) in files {
            // The importer writes `lab.lab` and `components/<dns-label>.lab` only.
            if rel
                .split('/')
                .any(|p| p.is_empty() || p == "." || p == "..")
            {
                return Err(format!("refusing to write `{rel}`"));
            }
            let path = fresh.join(rel);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        fs::create_dir_all(&fresh)
            .map_err(|e| format!("cannot create {}: {e}", fresh.display()))?;
        sync_dir(&fresh)
    })();
    if let Err(e) = written {
        let _ = remove_any(&fresh);
        return Err(e);
    }
    let had_old = fs::symlink_metadata(out).is_ok();
    if had_old {
        fs::rename(out, &old).map_err(|e| format!("cannot move {} aside: {e}", out.display()))?;
    }
    if let Err(e) = fs::rename(&fresh, out) {
        if had_old {
            let _ = fs::rename(&old, out);
        }
        let _ = remove_any(&fresh);
        return Err(format!("cannot write {}: {e}", out.display()));
    }
    if had_old {
        let _ = remove_any(&old);
    }
    sync_dir(parent)
}
