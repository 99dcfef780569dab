//! Rendering diagnostics as codespan-reporting text: long lines cut to a window around
//! their labels, and the per-file line-start cache (a query) the renderer reads.

use codespan_reporting::diagnostic::{Diagnostic, Label as CsLabel, Severity as CsSeverity};
use codespan_reporting::files::{self, Files};
use codespan_reporting::term;

use super::{Diag, Label, Severity};
use crate::db::{Db, SourceFile};

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
            line_starts: line_starts(db, *file),
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

/// Byte offsets of line starts, for rendering diagnostics.
#[salsa::tracked(returns(ref))]
pub fn line_starts(db: &dyn Db, file: SourceFile) -> Vec<usize> {
    codespan_reporting::files::line_starts(file.text(db)).collect()
}
