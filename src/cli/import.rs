//! `labc import crd FILE... --out OUT.json`: CRDs, per-kind JSON schemas, OpenAPI v3
//! documents and compact files into one compact schema set (`docs/schemas.md`).

use std::path::{Path, PathBuf};

use crate::schema::import::{import_noted, Options};

/// What `labc import crd` was asked.
pub(super) struct CrdImport<'a> {
    pub files: &'a [PathBuf],
    pub out: &'a Path,
    pub name: Option<&'a str>,
    pub version: &'a str,
    pub source: Option<&'a str>,
    pub kinds: &'a [String],
}

/// Reads the inputs, writes the set atomically, prints the kinds and the notes; the exit
/// code (2 when an input cannot be read or imported).
pub(super) fn crd(args: CrdImport<'_>) -> i32 {
    match run(&args) {
        Ok(()) => 0,
        Err(e) => super::io_error(e),
    }
}

fn run(args: &CrdImport<'_>) -> Result<(), String> {
    let inputs = read_inputs(args.files)?;
    if inputs.is_empty() {
        return Err("no .yaml, .yml or .json file among the inputs".into());
    }
    let default_name = args
        .out
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("schemas")
        .to_string();
    let name = args.name.map(str::to_string).unwrap_or(default_name);
    let source = match args.source {
        Some(s) => s.to_string(),
        None => args
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
    };
    let options = Options {
        kinds: args.kinds.to_vec(),
    };
    let imported = import_noted(&name, args.version, &source, &inputs, &options)?;
    super::fmt::write_atomically(args.out, &imported.set.to_compact(), "import")?;
    for (api_version, kind) in imported.set.kinds() {
        println!("{api_version} {kind}");
    }
    for note in &imported.notes {
        eprintln!("labc: note: {note}");
    }
    eprintln!(
        "labc: wrote {} kinds ({} nodes) to {}",
        imported.set.kinds().len(),
        imported.set.node_count(),
        args.out.display()
    );
    Ok(())
}

/// Each file, and each `*.yaml`/`*.yml`/`*.json` under a directory (sorted, so the set
/// does not depend on the directory's order), as (path, text).
fn read_inputs(files: &[PathBuf]) -> Result<Vec<(String, String)>, String> {
    let mut inputs = Vec::new();
    for file in files {
        if file.is_dir() {
            let walk = walkdir::WalkDir::new(file).sort_by_file_name();
            for entry in walk {
                let entry = entry.map_err(|e| format!("cannot walk `{}`: {e}", file.display()))?;
                let path = entry.path();
                let wanted = path
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"));
                if entry.file_type().is_file() && wanted {
                    inputs.push(read(path)?);
                }
            }
        } else {
            inputs.push(read(file)?);
        }
    }
    Ok(inputs)
}

fn read(path: &Path) -> Result<(String, String), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    Ok((path.display().to_string(), text))
}
