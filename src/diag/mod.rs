//! Diagnostics: the salsa accumulator every phase reports into, sorting, and rendering.

pub mod codes;

use codespan_reporting::diagnostic::{Diagnostic, Label as CsLabel, Severity as CsSeverity};
use codespan_reporting::files::{self, Files};
use codespan_reporting::term;
use salsa::Accumulator as _;

use crate::db::{Db, SourceFile};
use crate::syntax::ast::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A place in a file with a message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    pub file: SourceFile,
    pub span: Span,
    pub message: String,
}

/// One diagnostic. Stored by salsa, so it holds input handles and spans only.
#[salsa::accumulator]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diag {
    pub severity: Severity,
    /// Stable code, `E` + 4 digits, banded by phase (see `codes`).
    pub code: &'static str,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
}

impl Diag {
    pub fn error(
        code: &'static str,
        file: SourceFile,
        span: Span,
        message: impl Into<String>,
    ) -> Diag {
        debug_assert!(codes::lookup(code).is_some(), "unregistered code {code}");
        Diag {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary: Label {
                file,
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }
    pub fn warning(
        code: &'static str,
        file: SourceFile,
        span: Span,
        message: impl Into<String>,
    ) -> Diag {
        Diag {
            severity: Severity::Warning,
            ..Diag::error(code, file, span, message)
        }
    }
    /// The primary label's message.
    pub fn label(mut self, message: impl Into<String>) -> Diag {
        self.primary.message = message.into();
        self
    }
    /// Set the primary label's message on a diagnostic being built in place.
    pub fn lbl(&mut self, message: impl Into<String>) -> &mut Diag {
        self.primary.message = message.into();
        self
    }
    pub fn secondary(mut self, file: SourceFile, span: Span, message: impl Into<String>) -> Diag {
        self.secondary.push(Label {
            file,
            span,
            message: message.into(),
        });
        self
    }
    pub fn note(mut self, note: impl Into<String>) -> Diag {
        self.notes.push(note.into());
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Diag {
        self.help = Some(help.into());
        self
    }
    pub fn help_opt(mut self, help: Option<String>) -> Diag {
        if help.is_some() {
            self.help = help;
        }
        self
    }
    /// Report from inside a tracked query.
    pub fn emit(self, db: &dyn Db) {
        self.accumulate(db);
    }
}

/// Sort diagnostics by file, position and code, and drop exact duplicates (the same
/// template evaluated on two clusters reports the same mistake once).
pub fn sort_and_dedup(db: &dyn Db, diags: Vec<Diag>) -> Vec<Diag> {
    let mut diags = diags;
    diags.sort_by(|a, b| {
        let ka = (a.primary.file.path(db), a.primary.span, a.code, &a.message);
        let kb = (b.primary.file.path(db), b.primary.span, b.code, &b.message);
        ka.cmp(&kb)
    });
    // The resolver and the evaluator may both report one unknown name, with different
    // suggestions; one report per place, code and message is enough.
    diags.dedup_by(|a, b| {
        a.primary.file == b.primary.file
            && a.primary.span == b.primary.span
            && a.code == b.code
            && a.message == b.message
    });
    diags
}

/// codespan `Files` backed directly by the salsa inputs.
pub struct DbFiles<'a> {
    pub db: &'a dyn Db,
}

impl<'a> Files<'a> for DbFiles<'a> {
    type FileId = SourceFile;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: SourceFile) -> Result<&'a str, files::Error> {
        Ok(id.path(self.db))
    }
    fn source(&'a self, id: SourceFile) -> Result<&'a str, files::Error> {
        Ok(id.text(self.db))
    }
    fn line_index(&'a self, id: SourceFile, at: usize) -> Result<usize, files::Error> {
        let starts = crate::queries::line_starts(self.db, id);
        Ok(starts.binary_search(&at).unwrap_or_else(|next| next - 1))
    }
    fn line_range(
        &'a self,
        id: SourceFile,
        line: usize,
    ) -> Result<std::ops::Range<usize>, files::Error> {
        let starts = crate::queries::line_starts(self.db, id);
        let text = id.text(self.db);
        let start = *starts.get(line).ok_or(files::Error::LineTooLarge {
            given: line,
            max: starts.len().saturating_sub(1),
        })?;
        let end = starts.get(line + 1).copied().unwrap_or(text.len());
        Ok(start..end)
    }
}

fn to_codespan(d: &Diag) -> Diagnostic<SourceFile> {
    let severity = match d.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
    };
    let mut labels = vec![CsLabel::primary(d.primary.file, d.primary.span.range())
        .with_message(d.primary.message.clone())];
    for l in &d.secondary {
        labels.push(CsLabel::secondary(l.file, l.span.range()).with_message(l.message.clone()));
    }
    let mut notes = d.notes.clone();
    if let Some(h) = &d.help {
        notes.push(format!("help: {h}"));
    }
    Diagnostic::new(severity)
        .with_code(d.code)
        .with_message(d.message.clone())
        .with_labels(labels)
        .with_notes(notes)
}

/// Render diagnostics as plain text (for snapshots and non-terminals).
pub fn render_plain(db: &dyn Db, diags: &[Diag]) -> String {
    let files = DbFiles { db };
    let config = term::Config::default();
    let mut out = String::new();
    for d in diags {
        // Rendering into a String cannot fail for spans we produced; fall back to the
        // message if a span were ever out of range, rather than panicking.
        if term::emit_to_string(&mut out, &config, &files, &to_codespan(d)).is_err() {
            out.push_str(&format!("error[{}]: {}\n", d.code, d.message));
        }
    }
    out
}

/// Render diagnostics to stderr, with colour when it is a terminal.
pub fn render_stderr(db: &dyn Db, diags: &[Diag], color: bool) {
    use term::termcolor::{ColorChoice, StandardStream};
    let files = DbFiles { db };
    let config = term::Config::default();
    let choice = if color {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    };
    let stream = StandardStream::stderr(choice);
    let mut lock = stream.lock();
    for d in diags {
        let _ = term::emit_to_write_style(&mut lock, &config, &files, &to_codespan(d));
    }
}

/// Levenshtein distance, for did-you-mean suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate to `name`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1) + 1;
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        assert_eq!(
            did_you_mean("fast-blok", ["fast-block", "local-nvme"]),
            Some("did you mean `fast-block`?".into())
        );
        assert_eq!(did_you_mean("xyz", ["fast-block"]), None);
    }
}
