//! Machine-readable diagnostics for tools and CI: one JSON document (`to_json`), GitHub
//! Actions workflow commands (`to_github`) and SARIF 2.1.0 for code scanning (`to_sarif`).
//! The formats are described, with examples, in `docs/diagnostics.md`.
//!
//! Positions: lines and columns are 1-based, columns counted in characters (Unicode scalar
//! values, SARIF's `unicodeCodePoints`); an end column is that of the character after the
//! range. Byte offsets are 0-based and the range half-open.

use serde_json::{json, Value};

use super::{codes, Diag, Label, Severity};
use crate::db::{Db, SourceFile};

/// The SARIF schema labc's output follows (and the test validates it against).
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The `uriBaseId` of the standard library's files in SARIF: they are built into labc
/// (or read with `--stdlib`), not files of the user's repository.
pub const STDLIB_BASE: &str = "LABC_STDLIB";

/// Where a label is: its file as labc knows it and both ends of its range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// `std/x.lab` for the standard library, else relative to the lab directory.
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub byte_start: usize,
    pub byte_end: usize,
}

/// The largest char boundary of `s` at or before `at`.
fn floor_char(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The 1-based line and character column of byte `at` of `file`.
fn line_column(db: &dyn Db, file: SourceFile, at: usize) -> (usize, usize) {
    let text = file.text(db).as_str();
    let starts = super::render::line_starts(db, file);
    let line = starts
        .binary_search(&at)
        .unwrap_or_else(|next| next.saturating_sub(1));
    let start = starts.get(line).copied().unwrap_or(0).min(at);
    (line + 1, text[start..at].chars().count() + 1)
}

/// The place of `label`, its range clamped into the file (a span is never trusted to be
/// in range: a bad one must not make the output panic).
pub fn place(db: &dyn Db, label: &Label) -> Place {
    let text = label.file.text(db).as_str();
    let range = label.span.range();
    let start = floor_char(text, range.start);
    let end = floor_char(text, range.end).max(start);
    let (line, column) = line_column(db, label.file, start);
    let (end_line, end_column) = line_column(db, label.file, end);
    Place {
        file: label.file.path(db).to_string(),
        line,
        column,
        end_line,
        end_column,
        byte_start: start,
        byte_end: end,
    }
}

/// Errors and warnings among `diags`.
pub fn counts(diags: &[Diag]) -> (usize, usize) {
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    (errors, diags.len() - errors)
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn label_json(db: &dyn Db, label: &Label, primary: bool) -> Value {
    let p = place(db, label);
    json!({
        "primary": primary,
        "file": p.file,
        "line": p.line,
        "column": p.column,
        "end_line": p.end_line,
        "end_column": p.end_column,
        "byte_start": p.byte_start,
        "byte_end": p.byte_end,
        "message": label.message,
    })
}

fn diag_json(db: &dyn Db, d: &Diag) -> Value {
    let p = place(db, &d.primary);
    let labels: Vec<Value> = std::iter::once(label_json(db, &d.primary, true))
        .chain(d.secondary.iter().map(|l| label_json(db, l, false)))
        .collect();
    json!({
        "code": d.code,
        "severity": severity_word(d.severity),
        "title": codes::lookup(d.code).map_or("", |c| c.title),
        "message": d.message,
        "file": p.file,
        "line": p.line,
        "column": p.column,
        "end_line": p.end_line,
        "end_column": p.end_column,
        "byte_start": p.byte_start,
        "byte_end": p.byte_end,
        "labels": labels,
        "notes": d.notes,
        "help": d.help,
    })
}

/// One JSON document: `{"diagnostics": [...], "summary": {"errors": N, "warnings": M}}`
/// (schema: `docs/diagnostics.schema.json`), pretty-printed, ending in a newline.
pub fn to_json(db: &dyn Db, diags: &[Diag]) -> String {
    let (errors, warnings) = counts(diags);
    let doc = json!({
        "diagnostics": diags.iter().map(|d| diag_json(db, d)).collect::<Vec<_>>(),
        "summary": {"errors": errors, "warnings": warnings},
    });
    pretty(&doc)
}

fn pretty(doc: &Value) -> String {
    // Serialising a `Value` into a String cannot fail (its keys are strings).
    let mut out = serde_json::to_string_pretty(doc).unwrap_or_default();
    out.push('\n');
    out
}

/// The path of a lab file for a tool that reads the repository: `prefix` (the lab
/// directory as given on the command line, ending in `/`, or empty) before it. Stdlib
/// files are not in the repository and keep their `std/` name.
fn repo_path(file: &str, prefix: &str) -> String {
    if file.starts_with("std/") {
        file.to_string()
    } else {
        format!("{prefix}{file}")
    }
}

/// GitHub's escaping of a workflow command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's escaping of a workflow command's property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The text after the message: the notes, then the help, one per line.
fn details(d: &Diag) -> Vec<String> {
    let mut lines = d.notes.clone();
    if let Some(h) = &d.help {
        lines.push(format!("help: {h}"));
    }
    lines
}

/// One GitHub Actions workflow command per diagnostic (`::error file=..::message`), so a
/// workflow run annotates the lines; files as in [`repo_path`].
pub fn to_github(db: &dyn Db, diags: &[Diag], prefix: &str) -> String {
    let mut out = String::new();
    for d in diags {
        let p = place(db, &d.primary);
        let mut message = d.message.clone();
        if !d.primary.message.is_empty() {
            message.push_str(&format!(": {}", d.primary.message));
        }
        // An annotation has one place: the others are named in its text.
        for l in &d.secondary {
            let s = place(db, l);
            let at = format!("{}:{}:{}", repo_path(&s.file, prefix), s.line, s.column);
            message.push_str(&match l.message.as_str() {
                "" => format!("\nsee {at}"),
                m => format!("\n{m} ({at})"),
            });
        }
        for line in details(d) {
            message.push('\n');
            message.push_str(&line);
        }
        out.push_str(&format!(
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            severity_word(d.severity),
            escape_property(&repo_path(&p.file, prefix)),
            p.line,
            p.column,
            p.end_line,
            p.end_column,
            escape_property(d.code),
            escape_data(&message),
        ));
    }
    out
}

/// `s` as a URI reference: unreserved characters and `/` kept, every other byte
/// percent-encoded (RFC 3986).
fn uri_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A SARIF `artifactLocation`: a lab file as a URI reference from the repository
/// (`prefix` before its path, see [`repo_path`]; an absolute prefix makes a `file://`
/// URI), a stdlib file relative to [`STDLIB_BASE`].
fn artifact(file: &str, prefix: &str) -> Value {
    if let Some(rest) = file.strip_prefix("std/") {
        return json!({"uri": uri_encode(rest), "uriBaseId": STDLIB_BASE});
    }
    let path = repo_path(file, prefix);
    if path.starts_with('/') {
        json!({"uri": format!("file://{}", uri_encode(&path))})
    } else {
        json!({"uri": uri_encode(&path)})
    }
}

fn sarif_location(db: &dyn Db, label: &Label, prefix: &str) -> Value {
    let p = place(db, label);
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": artifact(&p.file, prefix),
            "region": {
                "startLine": p.line,
                "startColumn": p.column,
                "endLine": p.end_line,
                "endColumn": p.end_column,
                "byteOffset": p.byte_start,
                "byteLength": p.byte_end - p.byte_start,
            },
        },
    });
    if !label.message.is_empty() {
        loc["message"] = json!({"text": label.message});
    }
    loc
}

/// The SARIF rules: every registered code, in registry order (results point at them
/// by `ruleIndex`).
fn sarif_rules() -> Vec<Value> {
    codes::CODES
        .iter()
        .map(|c| {
            // A page that does not parse is a bug the explain tests catch; the rule
            // then still has its title.
            let what = super::pages::page(c).map_or(c.title, |p| p.what);
            json!({
                "id": c.code,
                "name": c.title,
                "shortDescription": {"text": c.title},
                "fullDescription": {"text": what},
                // The page is Markdown (what, why, a wrong example, the fix); GitHub shows
                // `help.markdown` on the alert. No `defaultConfiguration`: the registry
                // has no severity, and every result states its `level`.
                "help": {"text": super::pages::render_terminal(c), "markdown": c.page},
            })
        })
        .collect()
}

fn sarif_result(db: &dyn Db, d: &Diag, prefix: &str) -> Value {
    let mut text = d.message.clone();
    for line in details(d) {
        text.push('\n');
        text.push_str(&line);
    }
    let related: Vec<Value> = d
        .secondary
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut loc = sarif_location(db, l, prefix);
            loc["id"] = json!(i);
            loc
        })
        .collect();
    let mut result = json!({
        "ruleId": d.code,
        "level": severity_word(d.severity),
        "message": {"text": text},
        "locations": [sarif_location(db, &d.primary, prefix)],
    });
    if let Some(i) = codes::CODES.iter().position(|c| c.code == d.code) {
        result["ruleIndex"] = json!(i);
    }
    if !related.is_empty() {
        result["relatedLocations"] = json!(related);
    }
    result
}

/// A SARIF 2.1.0 log with one run of labc: the code registry as rules, one result per
/// diagnostic; lab files as in [`artifact`].
pub fn to_sarif(db: &dyn Db, diags: &[Diag], prefix: &str) -> String {
    let results: Vec<Value> = diags.iter().map(|d| sarif_result(db, d, prefix)).collect();
    let doc = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "labc",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": sarif_rules(),
            }},
            "originalUriBaseIds": {
                STDLIB_BASE: {"description": {"text": "The standard library built into labc (or given with --stdlib)."}},
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    pretty(&doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escapes_data_and_properties() {
        assert_eq!(escape_data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn uris_encode_all_but_unreserved() {
        assert_eq!(uri_encode("lab/my lab/ü.lab"), "lab/my%20lab/%C3%BC.lab");
        assert_eq!(artifact("std/x.lab", "lab/")["uriBaseId"], STDLIB_BASE);
        assert_eq!(artifact("a.lab", "/r/lab/")["uri"], "file:///r/lab/a.lab");
        assert_eq!(artifact("a.lab", "")["uri"], "a.lab");
    }
}
