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

/// A source line longer than this is shown cut around its labels.
const MAX_LINE: usize = 240;
/// Bytes of a cut line kept on each side of its labels.
const WINDOW: usize = 80;
/// At most this much of the labelled part of a cut line is shown.
const MAX_LABELLED: usize = 160;
/// Marks where a line was cut.
const CUT: &str = "…";

/// One source line of a snippet: the part of real line `line` from `real.start` to
/// `real.end`, at `at` in the snippet's text (after `prefix` bytes of cut mark).
struct Segment {
    line: usize,
    real: std::ops::Range<usize>,
    at: usize,
    prefix: usize,
    /// The end of this line in the snippet's text, its newline included.
    end: usize,
}

/// The lines of one file that one diagnostic shows, long lines cut around the labels, so
/// rendering costs what is shown, not the length of the file's lines (codespan scans a
/// label's whole line, so 1,000 errors on one long line took minutes).
struct Snippet<'a> {
    name: &'a str,
    source: &'a str,
    line_starts: &'a [usize],
    text: String,
    segments: Vec<Segment>,
}

impl Snippet<'_> {
    fn line_of(&self, at: usize) -> usize {
        self.line_starts
            .binary_search(&at)
            .unwrap_or_else(|next| next.saturating_sub(1))
    }

    /// The real line `line` without its line break.
    fn line_content(&self, line: usize) -> std::ops::Range<usize> {
        let start = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.source.len());
        let mut end = self
            .line_starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.source.len());
        let bytes = self.source.as_bytes();
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        start..end
    }

    /// A real offset to the snippet's text (clamped into the part shown).
    fn map(&self, real: usize) -> usize {
        let line = self.line_of(real);
        match self.segments.binary_search_by_key(&line, |s| s.line) {
            Ok(i) => {
                let s = &self.segments[i];
                s.at + s.prefix + real.clamp(s.real.start, s.real.end) - s.real.start
            }
            Err(_) => self.text.len(),
        }
    }

    /// Add real line `line`, cut to a window around `points` (label ends on it) if long.
    fn push_line(&mut self, line: usize, points: &[usize]) {
        let content = self.line_content(line);
        let window = if content.len() <= MAX_LINE {
            content.clone()
        } else {
            let on_line: Vec<usize> = points
                .iter()
                .copied()
                .filter(|p| content.contains(p) || *p == content.end)
                .collect();
            let lo = on_line.iter().copied().min().unwrap_or(content.start);
            let hi = on_line
                .iter()
                .copied()
                .max()
                .unwrap_or(lo)
                .min(lo + MAX_LABELLED);
            let start = floor_char(self.source, lo.saturating_sub(WINDOW).max(content.start));
            let end = floor_char(self.source, (hi + WINDOW).min(content.end)).max(start);
            start..end
        };
        let at = self.text.len();
        let prefix = if window.start > content.start {
            self.text.push_str(CUT);
            CUT.len()
        } else {
            0
        };
        self.text.push_str(&self.source[window.clone()]);
        if window.end < content.end {
            self.text.push_str(CUT);
        }
        self.text.push('\n');
        self.segments.push(Segment {
            line,
            real: window,
            at,
            prefix,
            end: self.text.len(),
        });
    }
}

/// The largest char boundary of `s` at or before `at`.
fn floor_char(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// codespan `Files` over the snippets of one diagnostic. Line indexes are the real ones,
/// so line and column numbers are those of the file.
struct Snippets<'a>(Vec<Snippet<'a>>);

impl<'a> Snippets<'a> {
    fn get(&self, id: usize) -> Result<&Snippet<'a>, files::Error> {
        self.0.get(id).ok_or(files::Error::FileMissing)
    }
}

impl<'a> Files<'a> for Snippets<'a> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, files::Error> {
        Ok(self.get(id)?.name)
    }
    fn source(&'a self, id: usize) -> Result<&'a str, files::Error> {
        Ok(&self.get(id)?.text)
    }
    fn line_index(&'a self, id: usize, at: usize) -> Result<usize, files::Error> {
        let s = self.get(id)?;
        let i = s
            .segments
            .partition_point(|seg| seg.at <= at)
            .saturating_sub(1);
        Ok(s.segments.get(i).map_or(0, |seg| seg.line))
    }
    fn line_number(&'a self, _id: usize, line: usize) -> Result<usize, files::Error> {
        Ok(line + 1)
    }
    fn column_number(&'a self, id: usize, line: usize, at: usize) -> Result<usize, files::Error> {
        let s = self.get(id)?;
        let content = s.line_content(line);
        let real = match s.segments.binary_search_by_key(&line, |seg| seg.line) {
            Ok(i) => {
                let seg = &s.segments[i];
                (seg.real.start + at.saturating_sub(seg.at + seg.prefix)).min(seg.real.end)
            }
            Err(_) => content.start,
        };
        let real = floor_char(s.source, real.max(content.start));
        Ok(s.source[content.start..real].chars().count() + 1)
    }
    fn line_range(
        &'a self,
        id: usize,
        line: usize,
    ) -> Result<std::ops::Range<usize>, files::Error> {
        let s = self.get(id)?;
        if line >= s.line_starts.len() {
            return Err(files::Error::LineTooLarge {
                given: line,
                max: s.line_starts.len().saturating_sub(1),
            });
        }
        // Lines not in the snippet are never shown (codespan only asks for the range of
        // the lines inside a multi-line label): an empty line.
        Ok(
            match s.segments.binary_search_by_key(&line, |seg| seg.line) {
                Ok(i) => s.segments[i].at..s.segments[i].end,
                Err(_) => s.text.len()..s.text.len(),
            },
        )
    }
}

/// The snippets and the codespan diagnostic of one diagnostic.
fn to_codespan<'a>(db: &'a dyn Db, d: &Diag) -> (Snippets<'a>, Diagnostic<usize>) {
    let labels: Vec<(&Label, bool)> = std::iter::once((&d.primary, true))
        .chain(d.secondary.iter().map(|l| (l, false)))
        .collect();
    let mut files: indexmap::IndexMap<SourceFile, Vec<std::ops::Range<usize>>> =
        indexmap::IndexMap::new();
    let mut ranges = Vec::new();
    for (l, _) in &labels {
        let source = l.file.text(db).as_str();
        let span = l.span.range();
        let start = floor_char(source, span.start);
        let end = floor_char(source, span.end).max(start);
        files.entry(l.file).or_default().push(start..end);
        ranges.push(start..end);
    }
    let mut snippets = Vec::new();
    for (file, spans) in &files {
        let mut snippet = Snippet {
            name: file.path(db),
            source: file.text(db),
            line_starts: crate::sema::index::line_starts(db, *file),
            text: String::new(),
            segments: Vec::new(),
        };
        // The lines codespan shows: each label's first and last line, the three after
        // the first and the one before the last of a multi-line label, and a single
        // line between two shown ones (codespan prints it rather than a gap).
        let mut lines = std::collections::BTreeSet::new();
        for r in spans {
            let (first, last) = (snippet.line_of(r.start), snippet.line_of(r.end));
            lines.extend(first..=last.min(first + 3));
            lines.extend(last.saturating_sub(1).max(first)..=last);
        }
        let gaps: Vec<usize> = lines
            .iter()
            .filter(|&&l| lines.contains(&(l + 2)) && !lines.contains(&(l + 1)))
            .map(|l| l + 1)
            .collect();
        lines.extend(gaps);
        let points: Vec<usize> = spans.iter().flat_map(|r| [r.start, r.end]).collect();
        for line in lines {
            snippet.push_line(line, &points);
        }
        snippets.push(snippet);
    }
    let cs_labels = labels
        .iter()
        .zip(&ranges)
        .map(|((l, primary), r)| {
            let id = files.get_index_of(&l.file).expect("grouped above");
            let s = &snippets[id];
            let range = s.map(r.start)..s.map(r.end).max(s.map(r.start));
            let label = if *primary {
                CsLabel::primary(id, range)
            } else {
                CsLabel::secondary(id, range)
            };
            label.with_message(l.message.clone())
        })
        .collect();
    let severity = match d.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
    };
    let mut notes = d.notes.clone();
    if let Some(h) = &d.help {
        notes.push(format!("help: {h}"));
    }
    let diagnostic = Diagnostic::new(severity)
        .with_code(d.code)
        .with_message(d.message.clone())
        .with_labels(cs_labels)
        .with_notes(notes);
    (Snippets(snippets), diagnostic)
}

/// Render diagnostics as plain text (for snapshots and non-terminals).
pub fn render_plain(db: &dyn Db, diags: &[Diag]) -> String {
    let config = term::Config::default();
    let mut out = String::new();
    for d in diags {
        let (files, diagnostic) = to_codespan(db, d);
        // Rendering into a String cannot fail for spans we produced; fall back to the
        // message if a span were ever out of range, rather than panicking.
        if term::emit_to_string(&mut out, &config, &files, &diagnostic).is_err() {
            out.push_str(&format!("error[{}]: {}\n", d.code, d.message));
        }
    }
    out
}

/// Render diagnostics to stderr, with colour when it is a terminal.
pub fn render_stderr(db: &dyn Db, diags: &[Diag], color: bool) {
    use term::termcolor::{ColorChoice, StandardStream};
    let config = term::Config::default();
    let choice = if color {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    };
    let stream = StandardStream::stderr(choice);
    let mut lock = stream.lock();
    for d in diags {
        let (files, diagnostic) = to_codespan(db, d);
        let _ = term::emit_to_write_style(&mut lock, &config, &files, &diagnostic);
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
