//! labc's diagnostics as the protocol's: ranges in UTF-16, severity, the code with a link
//! to its page, secondary labels as related information, notes and help in the message.

use indexmap::IndexMap;
use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Uri,
};

use serde_json::{json, Value};

use super::text;
use crate::db::Db;
use crate::diag::{Diag, Label, Severity};

/// Where the pages of the codes are: `docs/errors.md` of the labc source labc was built
/// from, with the anchor of the code's heading (`#e0402`), as the table of that file links
/// them.
pub fn code_url(code: &str) -> String {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/errors.md");
    let base = url::Url::from_file_path(&docs)
        .map(String::from)
        .unwrap_or_else(|()| format!("file://{}", docs.display()));
    format!("{base}#{}", code.to_lowercase())
}

/// Whether a file of the program is the standard library's (built in, never published).
pub fn is_stdlib(path: &str) -> bool {
    path.starts_with("std/")
}

/// The diagnostics of a lab by the path (relative to the lab) of their primary label's
/// file. Diagnostics in stdlib files are left out, and so are related locations there;
/// `uri` gives the URI of a lab file.
pub fn by_file(
    db: &dyn Db,
    diags: &[Diag],
    uri: &dyn Fn(&str) -> Option<Uri>,
) -> IndexMap<String, Vec<Diagnostic>> {
    let mut out: IndexMap<String, Vec<Diagnostic>> = IndexMap::new();
    for d in diags {
        let path = d.primary.file.path(db);
        if is_stdlib(path) {
            continue;
        }
        out.entry(path.clone())
            .or_default()
            .push(convert(db, d, uri));
    }
    out
}

fn label_range(db: &dyn Db, label: &Label) -> lsp_types::Range {
    let range = label.span.range();
    text::range(label.file.text(db), range.start, range.end)
}

/// One diagnostic in the protocol's terms.
pub fn convert(db: &dyn Db, d: &Diag, uri: &dyn Fn(&str) -> Option<Uri>) -> Diagnostic {
    let mut message = d.message.clone();
    if !d.primary.message.is_empty() {
        message.push_str(&format!(" ({})", d.primary.message));
    }
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter(|l| !is_stdlib(l.file.path(db)))
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri: uri(l.file.path(db))?,
                    range: label_range(db, l),
                },
                message: if l.message.is_empty() {
                    "here".to_string()
                } else {
                    l.message.clone()
                },
            })
        })
        .collect();
    let href = code_url(d.code).parse().ok();
    Diagnostic {
        range: label_range(db, &d.primary),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some("labc".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: fixes_data(db, d, uri),
    }
}

/// The fixes of `d` as the protocol's edits, for its `data` (read back by
/// `actions::quick_fixes`): `{"fixes": [{"title", "edits": [{"uri", "range", "newText"}]}]}`.
/// A fix that would edit a stdlib file (a mistake moved to the lab's line) is left out.
fn fixes_data(db: &dyn Db, d: &Diag, uri: &dyn Fn(&str) -> Option<Uri>) -> Option<Value> {
    let fixes: Vec<Value> = d
        .fixes
        .iter()
        .filter_map(|fix| {
            let edits = fix
                .edits
                .iter()
                .map(|e| {
                    let path = e.file.path(db);
                    if is_stdlib(path) {
                        return None;
                    }
                    let range = e.span.range();
                    Some(json!({
                        "uri": uri(path)?,
                        "range": text::range(e.file.text(db), range.start, range.end),
                        "newText": e.text,
                    }))
                })
                .collect::<Option<Vec<Value>>>()?;
            Some(json!({"title": fix.title, "edits": edits}))
        })
        .collect();
    (!fixes.is_empty()).then(|| json!({ "fixes": fixes }))
}
