//! `labc pin LAB-DIR`: write the stdlib's chart of every definition the lab uses into
//! `LAB-DIR/versions.lab`, a `pins` block the user owns (and Renovate bumps). An existing
//! file keeps every byte; only the missing pins are added, in a new block at its end.
//! `--check` writes nothing and exits 1 when a pin is missing.

use std::fs;
use std::path::Path;

use crate::sema::pins::{missing_std_pins, StdPin};

/// The file `labc pin` writes, relative to the lab directory.
pub const VERSIONS_FILE: &str = "versions.lab";

/// The comment above a new file's block.
const HEADER: &str = "\
# The chart versions of this lab, over the stdlib's defaults: `labc pin` adds the missing
# ones, Renovate bumps them (renovate/labc.json), and a component's own `version = \"...\"`
# still wins over its pin.
";

pub fn pin(dir: &Path, check: bool, stdlib: Option<&Path>, color: bool) -> i32 {
    let (db, lab) = match super::load_lab(dir, stdlib) {
        Ok(x) => x,
        Err(e) => return super::io_error(e),
    };
    // With a syntax error, a lost component may be the one that needs a pin, and the
    // new block could not be checked: nothing is written.
    let broken: Vec<crate::diag::Diag> = lab
        .files(&db)
        .iter()
        .flat_map(|&f| crate::sema::index::parse_checked(&db, f).1.iter().cloned())
        .collect();
    if !broken.is_empty() {
        crate::diag::render_stderr(&db, &broken, color);
        eprintln!("labc: error: fix the syntax errors first; nothing was written");
        return 1;
    }
    let missing = missing_std_pins(&db, lab);
    for m in &missing {
        if let StdPin::Computed { name } = m {
            crate::cli::walk::warn(&format!(
                "`{name}` computes its chart in the stdlib, so it cannot be pinned as written; \
                 write its pin by hand"
            ));
        }
    }
    let lines: Vec<(&str, &str)> = missing
        .iter()
        .filter_map(|m| match m {
            StdPin::Chart { name, text } => Some((name.as_str(), text.as_str())),
            StdPin::Computed { .. } => None,
        })
        .collect();
    let file = dir.join(VERSIONS_FILE);
    if check {
        return report_check(&file, &lines);
    }
    if lines.is_empty() {
        eprintln!("labc: every chart the lab uses is pinned; nothing to write");
        return 0;
    }
    match write_pins(&file, &lines) {
        Ok(()) => {
            eprintln!(
                "labc: pinned {} chart(s) in {}: {}",
                lines.len(),
                file.display(),
                names(&lines)
            );
            0
        }
        Err(e) => super::io_error(e),
    }
}

fn names(lines: &[(&str, &str)]) -> String {
    lines.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// `--check`: exit 1 listing the pins that `labc pin` would add.
fn report_check(file: &Path, lines: &[(&str, &str)]) -> i32 {
    if lines.is_empty() {
        eprintln!("labc: every chart the lab uses is pinned");
        return 0;
    }
    for (name, text) in lines {
        println!("{name} = {text}");
    }
    eprintln!(
        "labc: {} chart(s) not pinned: {} (run `labc pin` to add them to {})",
        lines.len(),
        names(lines),
        file.display()
    );
    1
}

/// The new text of `file`: its old text unchanged, then a `pins` block of `lines` (with
/// the header comment when the file is new), formatted as `labc fmt` formats it.
pub fn with_pins(old: Option<&str>, lines: &[(&str, &str)]) -> Result<String, String> {
    let mut block = String::from("pins {\n");
    for (name, text) in lines {
        block.push_str(&format!("  {name} = {text}\n"));
    }
    block.push_str("}\n");
    let block = crate::syntax::fmt::format(&block).map_err(|_| {
        "the stdlib's charts do not form a valid `pins` block (a bug of labc)".to_string()
    })?;
    Ok(match old {
        None => format!("{HEADER}{block}"),
        Some(old) if old.trim().is_empty() => format!("{old}{HEADER}{block}"),
        Some(old) => {
            let sep = if old.ends_with("\n\n") {
                ""
            } else if old.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            };
            format!("{old}{sep}{block}")
        }
    })
}

/// Add the pins to `file` through a temporary file of the same folder renamed over it,
/// so that an interruption leaves the old or the new text, never a part.
fn write_pins(file: &Path, lines: &[(&str, &str)]) -> Result<(), String> {
    let old = match fs::symlink_metadata(file) {
        Ok(meta) if meta.is_file() => Some(
            fs::read_to_string(file)
                .map_err(|e| format!("cannot read `{}`: {e}", file.display()))?,
        ),
        Ok(_) => {
            return Err(format!(
                "`{}` is not a regular file; move it away or make it one",
                file.display()
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read `{}`: {e}", file.display())),
    };
    let text = with_pins(old.as_deref(), lines)?;
    super::fmt::write_atomically(file, &text, "pin")
}
